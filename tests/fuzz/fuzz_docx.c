/* The Word reader: any bytes as a .docx file. */
#include "fuzz_document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_document(QY_FORMAT_DOCX, data, size);
    return 0;
}
