/* The JSON output is written without building a cJSON tree: it must be
 * what cJSON_PrintUnformatted prints of the tree of the same fields, for
 * awkward strings and numbers too. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmocka_noreturn.h"

#include "printer.h"
#include "quarry/utf8.h"

/* Every byte from 1 to 127 and some past ASCII, valid and not. */
static char awkward[512];

static void make_awkward(void)
{
    size_t n = 0;
    for (int c = 1; c < 128; c++)
        awkward[n++] = (char)c;
    /* NOLINTNEXTLINE(misc-misleading-bidirectional) */
    const char tail[] = "\xc3\xa9 \xe2\x80\xae \xe2\x80\x8b \xff\xfe \xc3( "
                        "\xf0\x9f\x98\x80 \xed\xa0\x80 end";
    memcpy(awkward + n, tail, sizeof tail);
}

static cJSON *string_of(const char *s)
{
    char *clean = qy_utf8_repair(s, strlen(s), NULL);
    cJSON *item = cJSON_CreateString(clean);
    free(clean);
    return item;
}

/* The tree the results below make, as cJSON builds it. */
static cJSON *expected_hit(const qy_result_t *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", h->rank);
    cJSON_AddNumberToObject(o, "score", h->score);
    cJSON_AddItemToObject(o, "source", string_of(h->rec.source));
    cJSON_AddNumberToObject(o, "passage", h->rec.ordinal);
    cJSON_AddItemToObject(o, "title", string_of(h->rec.title));
    cJSON_AddItemToObject(o, "section", string_of(h->rec.section));
    cJSON_AddItemToObject(o, "text", string_of(h->rec.text));
    cJSON_AddItemToObject(o, "snippet", string_of(h->rec.text));
    cJSON_AddItemToObject(o, "id", string_of(h->rec.id));
    cJSON_AddItemToObject(o, "meta", cJSON_Parse(h->rec.meta));
    cJSON *spans = cJSON_AddArrayToObject(o, "highlights");
    for (size_t i = 0; i < h->nhighlights; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(
            pair, cJSON_CreateNumber((double)h->highlights[i].start));
        cJSON_AddItemToArray(pair,
                             cJSON_CreateNumber((double)h->highlights[i].end));
        cJSON_AddItemToArray(spans, pair);
    }
    cJSON *also = cJSON_AddArrayToObject(o, "also");
    for (size_t i = 0; i < h->nalso; i++) {
        cJSON *loc = cJSON_CreateObject();
        cJSON_AddItemToObject(loc, "source", string_of(h->also[i].source));
        cJSON_AddNumberToObject(loc, "passage", h->also[i].ordinal);
        cJSON_AddItemToArray(also, loc);
    }
    cJSON *parts = cJSON_AddArrayToObject(o, "explain");
    for (size_t i = 0; i < h->nexplain; i++) {
        cJSON *part = cJSON_CreateObject();
        cJSON_AddItemToObject(part, "what", string_of(h->explain[i].what));
        cJSON_AddNumberToObject(part, "weight", h->explain[i].weight);
        cJSON_AddItemToArray(parts, part);
    }
    return o;
}

static char *printed(const printer_t *p, const printer_opts_t *base,
                     const qy_results_t *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    printer_opts_t opts = *base;
    opts.out = f;
    assert_int_equal(p->print(&opts, r), 0);
    fclose(f);
    return text;
}

/* TREE printed by cJSON and made terminal-safe, as the printer does. */
static char *expected_text(cJSON *tree)
{
    char *raw = cJSON_PrintUnformatted(tree);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    qy_utf8_put_safe(f, raw, strlen(raw), QY_ESCAPE_JSON);
    fputc('\n', f);
    fclose(f);
    free(raw);
    return text;
}

static void test_as_cjson_prints(void **state)
{
    (void)state;
    make_awkward();
    static const double scores[] = {
        0.1,          18.630985354731976, 1e300, -0.0, 3.0,      2147483647.0,
        2147483648.0, -2147483649.0,      1e-7,  NAN,  INFINITY, -12.5,
        1.0 / 3,      123456789.123456789};
    enum { N = sizeof scores / sizeof *scores };
    qy_result_t hits[N];
    qy_span_t spans[3] = {{0, 5}, {7, 4000000000u}, {12, 13}};
    qy_location_t also[2] = {{awkward, "", 3}, {"b.txt", "", 4000000000u}};
    qy_explain_t explain[2] = {{awkward, 0.25}, {"title:x", 1e-300}};
    memset(hits, 0, sizeof hits);
    for (size_t i = 0; i < N; i++) {
        qy_result_t *h = &hits[i];
        h->rank = (unsigned)i + 1;
        h->score = scores[i];
        h->rec.source = i % 2 ? "plain.txt" : awkward;
        h->rec.ordinal = (unsigned)i * 1000000000u;
        h->rec.title = awkward;
        h->rec.section = "";
        h->rec.text = awkward;
        h->rec.id = i % 3 ? "id" : awkward;
        h->rec.meta = "{\"a\":[1,2.5,\"x\\u0001\"],\"b\":{\"c\":null}}";
        h->highlights = spans;
        h->nhighlights = i % 4;
        h->snippet = (qy_span_t){0, strlen(awkward)};
        h->also = also;
        h->nalso = i % 3;
        h->explain = explain;
        h->nexplain = i % 3;
    }
    static char suggestion[] = "sugg\"est";
    qy_results_t r = {.hits = hits,
                      .count = N,
                      .total = 4000000000u,
                      .parsed = awkward,
                      .suggestion = suggestion};
    printer_opts_t opts = {.query = awkward, .explain = 1};

    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", 1);
    cJSON_AddItemToObject(root, "query", string_of(awkward));
    cJSON_AddItemToObject(root, "parsed", string_of(awkward));
    cJSON_AddNumberToObject(root, "total", r.total);
    cJSON_AddItemToObject(root, "suggestion", string_of(r.suggestion));
    cJSON_AddBoolToObject(root, "corrected", 0);
    cJSON *list = cJSON_AddArrayToObject(root, "hits");
    for (size_t i = 0; i < N; i++)
        cJSON_AddItemToArray(list, expected_hit(&hits[i]));
    char *want = expected_text(root);
    char *got = printed(&json_printer, &opts, &r);
    assert_string_equal(got, want);
    free(want);
    free(got);
    cJSON_Delete(root);

    /* --jsonl: each hit with the question first. */
    got = printed(&jsonl_printer, &opts, &r);
    size_t at = 0;
    for (size_t i = 0; i < N; i++) {
        cJSON *h = expected_hit(&hits[i]);
        cJSON *q = string_of(awkward);
        cJSON_AddItemToObject(h, "query", q);
        cJSON_DetachItemViaPointer(h, q);
        cJSON_InsertItemInArray(h, 0, q);
        want = expected_text(h);
        assert_memory_equal(got + at, want, strlen(want));
        at += strlen(want);
        free(want);
        cJSON_Delete(h);
    }
    assert_int_equal(strlen(got), at);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_cjson_prints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
