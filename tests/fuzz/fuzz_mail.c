/* The mail reader: any bytes as an mbox or a message. Besides what every
 * document gives, each message and attachment is a unit whose title is
 * clean and whose passages follow the previous unit's. */
#include "fuzz_document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qy_article_t art;
    const char *why = NULL;
    qy_status_t st =
        qy_split_file(QY_FORMAT_MAIL, (const char *)data, size, &art, &why);
    FUZZ_CHECK(st == QY_OK || (st == QY_INVALID && why && *why));
    if (st != QY_OK)
        return 0;
    FUZZ_CHECK(art.nunits > 0 && art.units[0].first == 0);
    for (size_t i = 0; i < art.nunits; i++) {
        const qy_unit_t *u = &art.units[i];
        fuzz_check_clean(u->title, strlen(u->title));
        FUZZ_CHECK(u->first <= art.count);
        FUZZ_CHECK(i == 0 || u->first >= art.units[i - 1].first);
        const char *fields[] = {u->id, u->date, u->from, u->to};
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            FUZZ_CHECK(!fields[k] ||
                       fuzz_valid_utf8(fields[k], strlen(fields[k])));
    }
    fuzz_free_article(&art);
    FUZZ_CHECK(art.units == NULL && art.nunits == 0);
    return 0;
}
