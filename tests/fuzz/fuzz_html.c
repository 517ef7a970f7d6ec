/* The HTML parser: any bytes as a .html document. */
#include <string.h>

#include "fuzz_article.h"
#include "quarry/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    qy_article_t art;
    FUZZ_CHECK(qy_split_document(QY_FORMAT_HTML, buf, size, &art) == QY_OK);
    fuzz_check_article(&art, size, 0);
    fuzz_free_article(&art);
    free(buf);
    return 0;
}
