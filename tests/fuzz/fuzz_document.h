/* What the fuzz targets of the binary formats share: any bytes as a file
 * of one format. A file that cannot be read says why; one that can gives
 * a clean article. */
#ifndef QUARRY_TESTS_FUZZ_DOCUMENT_H
#define QUARRY_TESTS_FUZZ_DOCUMENT_H

#include <string.h>

#include "fuzz_article.h"
#include "quarry/formats.h"

static inline void fuzz_document(qy_format_t format, const uint8_t *data,
                                 size_t size)
{
    qy_article_t art;
    const char *why = NULL;
    qy_status_t st =
        qy_split_file(format, (const char *)data, size, &art, &why);
    FUZZ_CHECK(st == QY_OK || (st == QY_INVALID && why && *why));
    if (st != QY_OK)
        return;
    fuzz_check_clean(art.title, strlen(art.title));
    for (size_t i = 0; i < art.count; i++) {
        fuzz_check_clean(art.passages[i].text, art.passages[i].text_len);
        FUZZ_CHECK(art.passages[i].ordinal == i + 1);
    }
    fuzz_free_article(&art);
}

#endif
