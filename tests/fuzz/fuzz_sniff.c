/* Content sniffing: any first bytes of a file give a known format. */
#include "fuzz.h"
#include "quarry/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qy_format_t f = qy_format_sniff(data, size);
    FUZZ_CHECK(f == QY_FORMAT_TEXT || f == QY_FORMAT_HTML ||
               qy_format_is_binary(f));
    return 0;
}
