/* The UTF-8 module: decoding with maximal subparts (the examples of the
 * Unicode Standard, 3.9, tables 3-8 to 3-11), repair, encoding, white space
 * and the escaping of text that leaves the program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/utf8.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */
#define MAX_CPS 16

/* Each row: bytes, and the code points they decode to (-1 for each
 * U+FFFD the standard's practice gives), ended by -2. */
static const struct decode_row {
    const char *name, *bytes;
    int32_t cps[MAX_CPS];
    const char *repaired;
} decode_rows[] = {
    /* Table 3-8: non-shortest forms; no lead byte of them starts a
     * subpart, so each byte is one U+FFFD. */
    {"non-shortest forms",
     "\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41",
     {-1, -1, -1, -1, -1, -1, -1, -1, 0x41, -2},
     R R R R R R R R "A"},
    /* Table 3-9: surrogates, one U+FFFD a byte. */
    {"surrogates",
     "\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41",
     {-1, -1, -1, -1, -1, -1, -1, -1, 0x41, -2},
     R R R R R R R R "A"},
    /* Table 3-10: above U+10FFFF, a byte that is never UTF-8, lone
     * continuation bytes. */
    {"other ill-formed sequences",
     "\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42",
     {-1, -1, -1, -1, -1, 0x41, -1, -1, 0x42, -2},
     R R R R R "A" R R "B"},
    /* Table 3-11: truncated sequences, one U+FFFD each. */
    {"truncated sequences",
     "\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41",
     {-1, -1, -1, -1, 0x41, -2},
     R R R R "A"},
    {"valid, of each length",
     "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
     {0x61, 0xE9, 0x20AC, 0x1F600, -2},
     "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
    {"the ends of the ranges",
     "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF0\x90\x80\x80"
     "\xF4\x8F\xBF\xBF",
     {0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0x10000, 0x10FFFF, -2},
     "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF0\x90\x80\x80"
     "\xF4\x8F\xBF\xBF"},
    {"cut short at the end", "ab\xF0\x9F\x98", {0x61, 0x62, -1, -2}, "ab" R},
    {"a lead byte before ASCII", "\xE2\x80x", {-1, 0x78, -2}, R "x"},
};

static void test_decode_maximal_subparts(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof decode_rows / sizeof *decode_rows; r++) {
        const struct decode_row *row = &decode_rows[r];
        size_t len = strlen(row->bytes), i = 0, k = 0;
        while (i < len) {
            int32_t cp;
            size_t n = qy_utf8_decode(row->bytes + i, len - i, &cp);
            if (row->cps[k] == -2 || cp != row->cps[k])
                fail_msg("%s: code point %zu is %d", row->name, k, (int)cp);
            assert_true(n >= 1 && n <= len - i);
            /* valid_prefix agrees with decode */
            size_t v = qy_utf8_valid_prefix(
                (const unsigned char *)row->bytes + i, len - i);
            assert_int_equal(v, cp < 0 ? 0 : n);
            i += n;
            k++;
        }
        if (row->cps[k] != -2)
            fail_msg("%s: %zu code points, more expected", row->name, k);

        size_t out_len = 0;
        char *fixed = qy_utf8_repair(row->bytes, len, &out_len);
        assert_non_null(fixed);
        assert_string_equal(fixed, row->repaired);
        assert_int_equal(out_len, strlen(row->repaired));
        free(fixed);
    }
    assert_int_equal(qy_utf8_valid_prefix((const unsigned char *)"", 0), 0);
}

static void test_encode(void **state)
{
    (void)state;
    static const struct {
        int32_t cp;
        const char *utf8;
    } rows[] = {
        {0x41, "A"},
        {0xE9, "\xC3\xA9"},
        {0x20AC, "\xE2\x82\xAC"},
        {0x1F600, "\xF0\x9F\x98\x80"},
        {0x10FFFF, "\xF4\x8F\xBF\xBF"},
        {0xD800, R},
        {0x110000, R},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        char out[4];
        size_t n = qy_utf8_encode(rows[r].cp, out);
        assert_int_equal(n, strlen(rows[r].utf8));
        assert_memory_equal(out, rows[r].utf8, n);
    }
}

static void test_white_space(void **state)
{
    (void)state;
    static const int32_t space[] = {
        ' ',    '\t',   '\n',   '\v',   '\f',   '\r',   0x85,   0xA0,
        0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    static const int32_t other[] = {
        'a', '\0', 0x1F, 0x7F, 0x200B, 0x200D, 0xFEFF, 0x3001, QY_UTF8_INVALID};
    for (size_t i = 0; i < sizeof space / sizeof *space; i++)
        if (!qy_utf8_is_space(space[i]))
            fail_msg("U+%04X is white space", (unsigned)space[i]);
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (qy_utf8_is_space(other[i]))
            fail_msg("%d is not white space", (int)other[i]);
    for (int c = 0; c < 0x80; c++)
        assert_int_equal(qy_utf8_ascii_space(c), qy_utf8_is_space(c));
}

static void test_cut(void **state)
{
    (void)state;
    const char *s = "a\xC3\xA9\xF0\x9F\x98\x80"
                    "b"; /* a é 😀 b */
    static const size_t want[] = {0, 1, 1, 3, 3, 3, 3, 7};
    for (size_t n = 0; n < sizeof want / sizeof *want; n++)
        assert_int_equal(qy_utf8_cut(s, n), want[n]);
}

/* What qy_utf8_put_safe writes for S in STYLE, malloc'd. */
static char *put_safe(const char *s, qy_escape_style_t style)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    qy_utf8_put_safe(f, s, strlen(s), style);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_escaping(void **state)
{
    (void)state;
    static const struct {
        const char *in, *text, *json;
    } rows[] = {
        {"plain caf\xC3\xA9", "plain caf\xC3\xA9", "plain caf\xC3\xA9"},
        {"\033[2J", "\\x1b[2J", "\\u001b[2J"},
        {"\xC2\x9B", "\\x9b", "\\u009b"},
        /* A right-to-left override, unbalanced on purpose. */
        /* NOLINTNEXTLINE(misc-misleading-bidirectional) */
        {"\xE2\x80\xAE", "\\u202e", "\\u202e"},
        /* A cut sequence: its bytes for a person, one U+FFFD in JSON. */
        {"a\xE2\x80z", "a\\xe2\\x80z", "a\\ufffdz"},
        {"\xFF\xFE", "\\xff\\xfe", "\\ufffd\\ufffd"},
        {"\xED\xA0\x80", "\\xed\\xa0\\x80", "\\ufffd\\ufffd\\ufffd"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        char *text = put_safe(rows[r].in, QY_ESCAPE_TEXT);
        assert_string_equal(text, rows[r].text);
        free(text);
        char *json = put_safe(rows[r].in, QY_ESCAPE_JSON);
        assert_string_equal(json, rows[r].json);
        free(json);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_maximal_subparts),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_white_space),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
