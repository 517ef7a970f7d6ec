/* Paragraph splitting: any bytes as a plain text article, split directly
 * and as the text format (which must give the same passages). */
#include <string.h>

#include "fuzz_article.h"
#include "quarry/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    qy_article_t art, doc;
    FUZZ_CHECK(qy_split_plain(buf, size, &art) == QY_OK);
    fuzz_check_article(&art, size, 1);
    FUZZ_CHECK(qy_split_document(QY_FORMAT_TEXT, buf, size, &doc) == QY_OK);
    FUZZ_CHECK(strcmp(art.title, doc.title) == 0);
    FUZZ_CHECK(art.count == doc.count);
    for (size_t i = 0; i < art.count; i++) {
        FUZZ_CHECK(strcmp(art.passages[i].text, doc.passages[i].text) == 0);
        FUZZ_CHECK(art.passages[i].offset == doc.passages[i].offset);
    }
    fuzz_free_article(&art);
    fuzz_free_article(&doc);
    free(buf);
    return 0;
}
