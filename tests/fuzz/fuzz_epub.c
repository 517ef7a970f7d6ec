/* The EPUB reader: any bytes as a .epub file. */
#include "fuzz_document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_document(QY_FORMAT_EPUB, data, size);
    return 0;
}
