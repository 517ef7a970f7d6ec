/* Terminal safety of `query`'s human output: whatever bytes a document (or
 * its file name) holds, what reaches the terminal is the text with every
 * control character, bidirectional control and invalid byte shown escaped,
 * plus quarry's own colours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "cli.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN

static char index_dir[4200], docs_dir[4200];

/* Each row is a passage holding a hostile fragment, searched for by its
 * marker word; the snippet must show exactly DISPLAY. */
static const struct escape_row {
    const char *fragment; /* in the document */
    const char *display;  /* on the terminal */
} rows[] = {
    {"\033[2J", "\\x1b[2J"},                    /* clear the screen */
    {"\033]2;pwned\007", "\\x1b]2;pwned\\x07"}, /* set the window title */
    {"\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m"},
    {"\033P+q544e\033\\", "\\x1bP+q544e\\x1b\\"}, /* a DCS query */
    {"\x7f", "\\x7f"},
    {"\xc2\x9b"
     "31m",
     "\\x9b31m"}, /* C1 CSI, UTF-8 encoded */
    /* Unbalanced bidirectional controls, on purpose. */
    /* NOLINTNEXTLINE(misc-misleading-bidirectional) */
    {"\xe2\x80\xae"
     "evil",
     "\\u202eevil"}, /* right-to-left override */
    {"\xe2\x81\xa6"
     "x"
     "\xe2\x81\xa9",
     "\\u2066x\\u2069"}, /* isolates */
    {"\xe2\x80\xaa"
     "a"
     "\xe2\x80\xac",
     "\\u202aa\\u202c"}, /* embedding */
    {"caf\xc3\xa9 \xe5\x8c\x97 \xd7\xa9", "caf\xc3\xa9 \xe5\x8c\x97 \xd7\xa9"},
};
#define NROWS (sizeof rows / sizeof *rows)

/* A file name no terminal should see raw: an escape sequence and a byte
 * that is not UTF-8 (in an 8-bit terminal, 0x9b starts a sequence). */
#define EVIL_NAME "evil\033[8m\x9bname.txt"
#define EVIL_SHOWN "evil\\x1b[8m\\x9bname.txt"

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    tmp_path(docs_dir, sizeof docs_dir, "docs");
    tmp_path(index_dir, sizeof index_dir, "index");
    if (mkdir(docs_dir, 0700) != 0)
        return -1;
    for (size_t i = 0; i < NROWS; i++) {
        char path[4400], text[512];
        snprintf(path, sizeof path, "%s/row%02zu.txt", docs_dir, i);
        snprintf(text, sizeof text,
                 "Row %zu of the terminal table\n\n"
                 "The marker%02zu passage holds %s between words.\n",
                 i, i, rows[i].fragment);
        write_file(path, text);
    }
    char path[4400];
    snprintf(path, sizeof path, "%s/" EVIL_NAME, docs_dir);
    write_file(path, "A title that is quite plain\n\n"
                     "The hostile filename passage is found by the word "
                     "zanzibar.\n");
    run_result_t r = run(INDEXER, "-q", "-d", index_dir, docs_dir, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    return ok ? 0 : -1;
}

/* Splits OUT into its first three lines (modified in place). */
static void three_lines(char *out, char *lines[3])
{
    static char none[] = "";
    for (int i = 0; i < 3; i++)
        lines[i] = none;
    for (int i = 0; i < 3; i++) {
        char *nl = strchr(out, '\n');
        if (!nl) {
            fail_msg("output has fewer than 3 lines");
            return;
        }
        *nl = '\0';
        lines[i] = out;
        out = nl + 1;
    }
}

static void test_escape_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS; i++) {
        char word[32], head[4500], snippet[256];
        snprintf(word, sizeof word, "marker%02zu", i);
        run_result_t r =
            run(QUERY, "--color=never", "-d", index_dir, word, NULL);
        if (r.status != 0)
            fail_msg("row %zu: exit %d: %s", i, r.status, r.err);
        char *lines[3];
        three_lines(r.out, lines);
        snprintf(head, sizeof head, "1. %s/row%02zu.txt:1  ", docs_dir, i);
        snprintf(snippet, sizeof snippet,
                 "   The marker%02zu passage holds %s between words.", i,
                 rows[i].display);
        if (strncmp(lines[0], head, strlen(head)) != 0)
            fail_msg("row %zu: first line '%s'", i, lines[0]);
        char title[64];
        snprintf(title, sizeof title, "   Row %zu of the terminal table", i);
        assert_string_equal(lines[1], title);
        if (strcmp(lines[2], snippet) != 0)
            fail_msg("row %zu: shown '%s', expected '%s'", i, lines[2],
                     snippet);
        run_free(&r);
    }
}

static void test_file_name_escaped(void **state)
{
    (void)state;
    run_result_t r =
        run(QUERY, "--color=never", "-d", index_dir, "zanzibar", NULL);
    assert_int_equal(r.status, 0);
    char *lines[3];
    three_lines(r.out, lines);
    char head[4500];
    snprintf(head, sizeof head, "1. %s/" EVIL_SHOWN ":1  ", docs_dir);
    if (strncmp(lines[0], head, strlen(head)) != 0)
        fail_msg("first line '%s', expected '%s...'", lines[0], head);
    run_free(&r);
}

/* In colour, the only escape sequences are quarry's own: the match is
 * highlighted and the document's sequences are still shown escaped. */
static void test_color_keeps_only_own_sequences(void **state)
{
    (void)state;
    run_result_t r =
        run(QUERY, "--color=always", "-d", index_dir, "marker01", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\033[1;31mmarker01\033[0m passage holds "
                                  "\\x1b]2;pwned\\x07 between words."));
    static const char *const own[] = {"\033[0m", "\033[1;31m", "\033[1m",
                                      "\033[35m", "\033[2m"};
    for (const char *p = r.out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\033') {
            size_t n = 0;
            for (size_t k = 0; k < sizeof own / sizeof *own && !n; k++)
                if (strncmp(p, own[k], strlen(own[k])) == 0)
                    n = strlen(own[k]);
            if (!n)
                fail_msg("a foreign escape sequence: '%.12s'", p + 1);
            p += n - 1;
            continue;
        }
        if (c < 0x20 && c != '\n')
            fail_msg("control character 0x%02x in the output", c);
    }
    run_free(&r);
}

/* JSON keeps the text as it is (it is data, escaped by JSON's rules). */
static void test_json_keeps_text(void **state)
{
    (void)state;
    run_result_t r = run(QUERY, "--json", "-d", index_dir, "marker00", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "holds \\u001b[2J between"));
    assert_null(strchr(r.out, '\033'));
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_file_name_escaped),
        cmocka_unit_test(test_color_keeps_only_own_sequences),
        cmocka_unit_test(test_json_keeps_text),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
