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
#include "quarry/utf8.h"

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
    /* Invisible marks: they reorder or hide text all the same. */
    {"a\xe2\x80\x8e"
     "b\xe2\x80\x8f"
     "c",
     "a\\u200eb\\u200fc"}, /* LRM, RLM */
    {"a\xe2\x80\x8b"
     "b\xef\xbb\xbf"
     "c",
     "a\\u200bb\\ufeffc"}, /* ZWSP, BOM */
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

/* A byte of OUT[0..LEN) that starts a code point no terminal should get
 * raw (a newline ends a line, and is fine), or NULL. */
static const char *unsafe_in(const char *out, size_t len)
{
    const unsigned char *s = (const unsigned char *)out;
    for (size_t i = 0; i < len;) {
        size_t n = qy_utf8_valid_prefix(s + i, len - i);
        if (n == 0)
            return out + i;
        uint32_t cp = s[i];
        if (n > 1) {
            static const unsigned char mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
            cp = s[i] & mask[n];
            for (size_t k = 1; k < n; k++)
                cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp != '\n' && qy_utf8_terminal_unsafe(cp))
            return out + i;
        i += n;
    }
    return NULL;
}

/* --json and --jsonl escape every control, bidi and invisible character
 * of the text (as \uXXXX), and the text output shows them. */
static void test_json_escapes_what_the_terminal_obeys(void **state)
{
    (void)state;
    const char *formats[] = {"--json", "--jsonl", "--color=never"};
    for (size_t i = 0; i < NROWS; i++) {
        char word[32];
        snprintf(word, sizeof word, "marker%02zu", i);
        for (size_t f = 0; f < 3; f++) {
            run_result_t r =
                run(QUERY, formats[f], "-d", index_dir, word, NULL);
            assert_int_equal(r.status, 0);
            const char *bad = unsafe_in(r.out, strlen(r.out));
            if (bad)
                fail_msg("row %zu, %s: raw '%.4s' in '%s'", i, formats[f], bad,
                         r.out);
            run_free(&r);
        }
    }
    run_result_t r = run(QUERY, "--json", "-d", index_dir, "marker06", NULL);
    assert_non_null(strstr(r.out, "holds \\u202eevil between"));
    run_free(&r);
}

/* Titles, ids and file names of JSON Lines documents: escaped in JSON, in
 * the text output and in the indexer's warnings. */
static void test_titles_ids_and_warnings(void **state)
{
    (void)state;
    char dir[4400], path[4500], ix[4400];
    tmp_path(dir, sizeof dir, "feed");
    tmp_path(ix, sizeof ix, "feed-index");
    assert_int_equal(mkdir(dir, 0700), 0);
    /* The name holds U+202E and DEL: the bidirectional control is what
     * the test is about. */
    // NOLINTNEXTLINE(misc-misleading-bidirectional)
    snprintf(path, sizeof path, "%s/bidi\xe2\x80\xae\x7fname.jsonl", dir);
    write_file(path,
               "{\"id\": \"id\\u202eX\\u007f\\u200e\", \"title\": "
               "\"T\\u202c\\u0085itle\\ufeff\", \"text\": \"The quokka "
               "passage lives in a JSON Lines file with a hostile name.\"}\n"
               "{not json\n");
    run_result_t r = run(INDEXER, "-q", "-d", ix, dir, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "bidi\\u202e\\x7fname.jsonl"));
    assert_null(unsafe_in(r.err, strlen(r.err)));
    run_free(&r);
    const char *formats[] = {"--json", "--jsonl", "--color=never"};
    for (size_t f = 0; f < 3; f++) {
        r = run(QUERY, formats[f], "-d", ix, "quokka", NULL);
        assert_int_equal(r.status, 0);
        const char *bad = unsafe_in(r.out, strlen(r.out));
        if (bad)
            fail_msg("%s: raw '%.4s' in '%s'", formats[f], bad, r.out);
        if (f < 2)
            assert_non_null(strstr(r.out, "id\\u202eX\\u007f\\u200e"));
        run_free(&r);
    }
}

/* Writes FILES (name, text, ..., NULL) into a fresh folder NAME and
 * indexes it into IX (NAME-index). */
static void index_files(const char *name, const char *const *files, char *ix,
                        size_t size)
{
    char dir[4400], path[4500], ixname[256];
    tmp_path(dir, sizeof dir, name);
    snprintf(ixname, sizeof ixname, "%s-index", name);
    tmp_path(ix, size, ixname);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (size_t i = 0; files[i]; i += 2) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        write_file(path, files[i + 1]);
    }
    run_result_t r = run(INDEXER, "-q", "-d", ix, dir, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
}

/* A passage that stands in many places names the first three of them and
 * counts the rest; JSON lists them all. */
static void test_long_also_list_shortened(void **state)
{
    (void)state;
    char ix[4400], names[12][16];
    const char *files[2 * 12 + 1];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "copy-%02d.txt", i);
        files[2 * i] = names[i];
        files[2 * i + 1] = "The same notice\n\n"
                           "This wombat notice is copied into twelve files "
                           "word for word, as licence notices are.\n";
    }
    files[24] = NULL;
    index_files("copies", files, ix, sizeof ix);
    run_result_t r = run(QUERY, "-d", ix, "wombat", NULL);
    assert_int_equal(r.status, 0);
    const char *also = strstr(r.out, "   also: ");
    assert_non_null(also);
    const char *end = strchr(also, '\n');
    assert_non_null(end);
    char line[4096];
    snprintf(line, sizeof line, "%.*s", (int)(end - also), also);
    if (!strstr(line, ", and 8 more") || strstr(line, "copy-") == NULL)
        fail_msg("not shortened: '%s'", line);
    size_t named = 0;
    for (const char *p = line; (p = strstr(p, "copy-")); p++)
        named++;
    assert_int_equal(named, 3);
    run_free(&r);
    r = run(QUERY, "--json", "-d", ix, "wombat", NULL);
    assert_int_equal(r.status, 0);
    size_t listed = 0;
    for (const char *p = r.out; (p = strstr(p, "copy-")); p++)
        listed++;
    assert_int_equal(listed, 12); /* the hit and its eleven places */
    run_free(&r);
}

/* Chinese and Japanese put no spaces between words: --width breaks their
 * lines between characters, each line within the width, and the text is
 * the same once the breaks are taken out. */
static void test_width_breaks_between_cjk_characters(void **state)
{
    (void)state;
    char ix[4400];
    const char *files[] = {
        "chizu.txt",
        "\xe5\x9c\xb0\xe5\x9b\xb3\n\n"            /* 地図 */
        "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae"    /* 東京の */
        "\xe5\x9b\xb3\xe6\x9b\xb8\xe9\xa4\xa8"    /* 図書館 */
        "\xe3\x81\xa7\xe5\x8f\xa4\xe3\x81\x84"    /* で古い */
        "\xe5\x9c\xb0\xe5\x9b\xb3\xe3\x82\x92"    /* 地図を */
        "\xe8\xaa\xbf\xe3\x81\xb9\xe3\x81\xbe"    /* 調べま */
        "\xe3\x81\x97\xe3\x81\x9f\xe3\x80\x82"    /* した。 */
        "\xe5\xb7\x9d\xe3\x81\xae\xe6\xb5\x81"    /* 川の流 */
        "\xe3\x82\x8c\xe3\x81\xa8\xe5\xb1\xb1"    /* れと山 */
        "\xe3\x81\xae\xe5\xbd\xa2\xe3\x80\x82\n", /* の形。 */
        NULL};
    index_files("japanese", files, ix, sizeof ix);
    /* 東京: in the text, not the title */
    run_result_t flat = run(QUERY, "-d", ix, "\xe6\x9d\xb1\xe4\xba\xac", NULL);
    run_result_t narrow =
        run(QUERY, "-d", ix, "--width", "20", "\xe6\x9d\xb1\xe4\xba\xac", NULL);
    assert_int_equal(flat.status, 0);
    assert_int_equal(narrow.status, 0);
    /* The snippet is the third line; its continuations follow. */
    char *line = strchr(strchr(flat.out, '\n') + 1, '\n') + 1;
    char want[1024], got[1024];
    snprintf(want, sizeof want, "%.*s", (int)strcspn(line, "\n"), line);
    size_t n = 0, continuations = 0;
    line = strchr(strchr(narrow.out, '\n') + 1, '\n') + 1;
    for (int first = 1; *line && *line != '\n'; first = 0) {
        size_t len = strcspn(line, "\n"), cols = 0;
        size_t indent = strspn(line, " ");
        if (!first) {
            assert_int_equal(indent, 5);
            continuations++;
        }
        for (size_t i = 0; i < len;) {
            /* Every character here is ASCII or takes two columns. */
            cols += (unsigned char)line[i] < 0x80 ? 1 : 2;
            i += (unsigned char)line[i] < 0x80 ? 1 : 3;
        }
        assert_true(cols <= 20);
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%.*s",
                              first ? "   " : "", (int)(len - indent),
                              line + indent);
        line += len + (line[len] == '\n');
    }
    assert_true(continuations >= 2);
    assert_string_equal(got, want);
    run_free(&flat);
    run_free(&narrow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_file_name_escaped),
        cmocka_unit_test(test_color_keeps_only_own_sequences),
        cmocka_unit_test(test_json_keeps_text),
        cmocka_unit_test(test_json_escapes_what_the_terminal_obeys),
        cmocka_unit_test(test_titles_ids_and_warnings),
        cmocka_unit_test(test_long_also_list_shortened),
        cmocka_unit_test(test_width_breaks_between_cjk_characters),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
