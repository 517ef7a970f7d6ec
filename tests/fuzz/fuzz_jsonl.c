/* JSON Lines: any bytes as a .jsonl file, each line parsed as a document
 * and the documents split into passages. */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_article.h"
#include "quarry/formats.h"

static void check_string(const char *s)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(fuzz_valid_utf8(s, strlen(s)));
}

static void one_line(const char *line, size_t len)
{
    char *copy = malloc(len ? len : 1); /* exact size: overreads show */
    if (!copy)
        return;
    memcpy(copy, line, len);
    qy_jsonl_doc_t doc;
    const char *why = NULL;
    qy_status_t st = qy_jsonl_parse(copy, len, &doc, &why);
    free(copy);
    if (st == QY_INVALID) {
        FUZZ_CHECK(why != NULL && *why);
        return;
    }
    FUZZ_CHECK(st == QY_OK);
    check_string(doc.id);
    check_string(doc.title);
    check_string(doc.text);
    check_string(doc.url);
    check_string(doc.date);
    check_string(doc.meta);
    if (*doc.meta) {
        cJSON *meta = cJSON_Parse(doc.meta);
        FUZZ_CHECK(cJSON_IsObject(meta));
        cJSON_Delete(meta);
    }
    qy_article_t art;
    FUZZ_CHECK(qy_split_jsonl(&doc, &art) == QY_OK);
    fuzz_check_article(&art, strlen(doc.text), 0);
    fuzz_free_article(&art);
    qy_jsonl_doc_free(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        one_line(s, n);
        s += n + 1;
    }
    return 0;
}
