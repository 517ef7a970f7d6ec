/* Highlights and snippets. Input: a language byte, a window-size byte,
 * then a line of query words (parsed as a query, and each space-separated
 * piece also added raw: `x*` as a prefix, anything else as a stem), then the
 * passage text. */
#include <string.h>

#include "fuzz.h"
#include "quarry/qparse.h"
#include "quarry/search.h"

static void add_raw_terms(qy_termset_t *ts, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        if (j > i) {
            if (s[j - 1] == '*')
                FUZZ_CHECK(qy_termset_add_prefix(ts, s + i, j - i - 1) ==
                           QY_OK);
            else
                FUZZ_CHECK(qy_termset_add_stem(ts, s + i, j - i) == QY_OK);
        }
        i = j + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    qy_analyzer_t *a = fuzz_analyzer(data[0]);
    unsigned words = data[1];
    const char *rest = (const char *)data + 2;
    size_t rest_len = size - 2;
    const char *nl = memchr(rest, '\n', rest_len);
    size_t qlen = nl ? (size_t)(nl - rest) : rest_len;
    size_t len = nl ? rest_len - qlen - 1 : 0;
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    if (len)
        memcpy(text, nl + 1, len);

    qy_termset_t *ts = qy_termset_new();
    FUZZ_CHECK(ts != NULL);
    qy_parsed_t parsed;
    FUZZ_CHECK(qy_parse(a, rest, qlen, &parsed) == QY_OK);
    FUZZ_CHECK(qy_termset_add_query(ts, a, parsed.root) == QY_OK);
    qy_parsed_free(&parsed);
    add_raw_terms(ts, rest, qlen);

    qy_span_t *spans = NULL, snippet;
    size_t nspans = 0;
    int cut_before = -1, cut_after = -1;
    FUZZ_CHECK(qy_highlight(a, ts, text, len, words, &spans, &nspans,
                            &snippet, &cut_before, &cut_after) == QY_OK);
    /* Matched words: in order, apart, inside the text. */
    for (size_t i = 0; i < nspans; i++) {
        FUZZ_CHECK(spans[i].start < spans[i].end && spans[i].end <= len);
        FUZZ_CHECK(i == 0 || spans[i].start >= spans[i - 1].end);
    }
    FUZZ_CHECK(qy_termset_size(ts) > 0 || nspans == 0);
    /* The window lies in the text, and a cut is only claimed where text
     * was left out. */
    FUZZ_CHECK(snippet.start <= snippet.end && snippet.end <= len);
    FUZZ_CHECK(cut_before == 0 || cut_before == 1);
    FUZZ_CHECK(cut_after == 0 || cut_after == 1);
    FUZZ_CHECK(!cut_before || snippet.start > 0);
    FUZZ_CHECK(!cut_after || snippet.end < len);
    /* Printers copy snippet and highlight ranges out of the text: no
     * match may straddle a window edge, and valid text stays valid. */
    for (size_t i = 0; i < nspans; i++) {
        int inside = spans[i].start >= snippet.start &&
                     spans[i].end <= snippet.end;
        int outside = spans[i].end <= snippet.start ||
                      spans[i].start >= snippet.end;
        FUZZ_CHECK(inside || outside);
    }
    if (fuzz_valid_utf8(text, len)) {
        FUZZ_CHECK(fuzz_valid_utf8(text + snippet.start,
                                   snippet.end - snippet.start));
        for (size_t i = 0; i < nspans; i++)
            FUZZ_CHECK(fuzz_valid_utf8(text + spans[i].start,
                                       spans[i].end - spans[i].start));
    }
    free(spans);
    qy_termset_free(ts);
    free(text);
    return 0;
}
