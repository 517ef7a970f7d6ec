/* The OpenDocument text reader: any bytes as a .odt file. */
#include "fuzz_document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_document(QY_FORMAT_ODT, data, size);
    return 0;
}
