/* The PDF reader: any bytes as a .pdf file. */
#include "fuzz_document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_document(QY_FORMAT_PDF, data, size);
    return 0;
}
