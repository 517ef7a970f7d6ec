/* The two programs end to end: indexing the sample corpus, answering
 * questions as text and JSON, exit statuses and error messages. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry/schema.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define CORPUS QUARRY_SOURCE_DIR "/corpus"
#define STOLE "stole more than $50 million"

static char index_dir[4200];

/* Case-insensitive ASCII substring search. */
static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

static unsigned doc_count(const char *path)
{
    qy_db_t *db;
    char *error = NULL;
    const char *paths[] = {path};
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    unsigned n = 0;
    assert_int_equal(qy_db_doc_count(db, &n), QY_OK);
    qy_db_close(db);
    return n;
}

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    tmp_path(index_dir, sizeof index_dir, "index");
    run_result_t r = run(INDEXER, "-d", index_dir, CORPUS, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    return ok ? 0 : -1;
}

static void test_index_summary_and_count(void **state)
{
    (void)state;
    assert_int_equal(doc_count(index_dir), 25);
}

static void test_reindex_does_not_duplicate(void **state)
{
    (void)state;
    run_result_t r = run(INDEXER, "-d", index_dir, CORPUS, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(
        strstr(r.err, "0 added, 0 updated, 0 removed, 2 unchanged"));
    run_free(&r);
    /* The same files reached through another spelling of the path. */
    r = run(INDEXER, "-q", "-d", index_dir, CORPUS "/../corpus/", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    run_free(&r);
    assert_int_equal(doc_count(index_dir), 25);
}

/* Every highlight is a whole word of the text that the question asked
 * for: its stem is one of STEMS. */
static void check_highlights(cJSON *hit, const char *const *stems)
{
    const char *text = cJSON_GetObjectItem(hit, "text")->valuestring;
    size_t len = strlen(text);
    cJSON *spans = cJSON_GetObjectItem(hit, "highlights");
    assert_true(cJSON_IsArray(spans));
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    cJSON *span;
    cJSON_ArrayForEach(span, spans)
    {
        assert_int_equal(cJSON_GetArraySize(span), 2);
        size_t s = (size_t)cJSON_GetArrayItem(span, 0)->valuedouble;
        size_t e = (size_t)cJSON_GetArrayItem(span, 1)->valuedouble;
        assert_true(s < e && e <= len);
        /* word boundaries: no letter or digit just outside the span */
        assert_true(s == 0 || !isalnum((unsigned char)text[s - 1]));
        assert_true(e == len || !isalnum((unsigned char)text[e]));
        char word[128];
        size_t n = e - s < sizeof word - 1 ? e - s : sizeof word - 1;
        for (size_t i = 0; i < n; i++)
            word[i] = (char)tolower((unsigned char)text[s + i]);
        size_t slen;
        const char *stem = qy_stem(a, word, n, &slen);
        int found = 0;
        for (const char *const *t = stems; *t; t++)
            found |= strlen(*t) == slen && memcmp(*t, stem, slen) == 0;
        if (!found)
            fail_msg("highlight '%.*s' is not a query word", (int)n, word);
    }
    qy_analyzer_free(a);
}

static void test_json_answer(void **state)
{
    (void)state;
    run_result_t r = run(QUERY, "--json", "-n", "10", "-d", index_dir,
                         "who stole cryptocurrency", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    cJSON *root = cJSON_Parse(r.out);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "query")->valuestring,
                        "who stole cryptocurrency");
    assert_string_equal(cJSON_GetObjectItem(root, "parsed")->valuestring,
                        "(stole OR cryptocurr); also: stole=steal|stolen");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "total")));
    cJSON *hits = cJSON_GetObjectItem(root, "hits");
    assert_true(cJSON_GetArraySize(hits) >= 2);
    assert_true(cJSON_GetArraySize(hits) <= 10);
    assert_true(cJSON_GetObjectItem(root, "total")->valueint >=
                cJSON_GetArraySize(hits));
    /* the question's words and their other forms (steal, stolen) */
    static const char *const stems[] = {"stole", "steal", "stolen",
                                        "cryptocurr", NULL};
    int rank = 0;
    double last = 1e300;
    cJSON *hit;
    cJSON_ArrayForEach(hit, hits)
    {
        rank++;
        assert_int_equal(cJSON_GetObjectItem(hit, "rank")->valueint, rank);
        double score = cJSON_GetObjectItem(hit, "score")->valuedouble;
        assert_true(score <= last);
        last = score;
        assert_true(cJSON_IsString(cJSON_GetObjectItem(hit, "source")));
        assert_true(cJSON_GetObjectItem(hit, "passage")->valueint >= 1);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(hit, "title")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(hit, "snippet")));
        const char *text = cJSON_GetObjectItem(hit, "text")->valuestring;
        if (rank <= 2)
            assert_non_null(strstr(text, STOLE));
        check_highlights(hit, stems);
    }
    /* The two answers come from the two articles. */
    const char *s1 =
        cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 0), "source")->valuestring;
    const char *s2 =
        cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 1), "source")->valuestring;
    assert_string_not_equal(s1, s2);
    cJSON_Delete(root);
    run_free(&r);
}

static void test_text_answer(void **state)
{
    (void)state;
    run_result_t r =
        run(QUERY, "-d", index_dir, "who", "stole", "cryptocurrency", NULL);
    assert_int_equal(r.status, 0);
    /* Piped output: the first hit shows the answer, with no escapes. */
    char *second = strstr(r.out, "\n2. ");
    assert_non_null(second);
    *second = '\0';
    assert_non_null(strstr(r.out, STOLE));
    assert_true(strncmp(r.out, "1. ", 3) == 0);
    assert_null(strchr(r.out, '\033'));
    run_free(&r);
    r = run(QUERY, "--color=always", "-d", index_dir, "stole", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\033[1;31mstole\033[0m"));
    run_free(&r);
}

static void test_limit_offset(void **state)
{
    (void)state;
    run_result_t all = run(QUERY, "--json", "-n", "5", "-d", index_dir,
                           "north korea missile", NULL);
    run_result_t page = run(QUERY, "--json", "-n", "2", "--offset", "3", "-d",
                            index_dir, "north korea missile", NULL);
    assert_int_equal(all.status, 0);
    assert_int_equal(page.status, 0);
    cJSON *all_root = cJSON_Parse(all.out), *page_root = cJSON_Parse(page.out);
    cJSON *a = cJSON_GetObjectItem(all_root, "hits");
    cJSON *p = cJSON_GetObjectItem(page_root, "hits");
    assert_int_equal(cJSON_GetArraySize(a), 5);
    assert_int_equal(cJSON_GetArraySize(p), 2);
    for (int i = 0; i < 2; i++) {
        cJSON *x = cJSON_GetArrayItem(a, i + 3), *y = cJSON_GetArrayItem(p, i);
        assert_string_equal(cJSON_GetObjectItem(x, "text")->valuestring,
                            cJSON_GetObjectItem(y, "text")->valuestring);
        assert_int_equal(cJSON_GetObjectItem(y, "rank")->valueint, i + 4);
    }
    cJSON_Delete(all_root);
    cJSON_Delete(page_root);
    run_free(&all);
    run_free(&page);
}

/* Query syntax rows: query, a text every hit must contain (or NULL), a text
 * no hit may contain (or NULL), expected exit status. */
static const struct syntax_row {
    const char *query;
    const char *every;
    const char *none;
    int status;
} syntax_rows[] = {
    {"\"nuclear tests\"", "nuclear tests", NULL, 0},
    {"korea NOT cryptocurrency", NULL, "cryptocurrency", 0},
    {"cryptocurrency AND stole", "stole", NULL, 0},
    {"zzyzzx", NULL, NULL, 1},
    {"\"unbalanced quote", NULL, NULL, 0},
    {"the", NULL, NULL, 0},
};

static void test_syntax_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof syntax_rows / sizeof *syntax_rows; i++) {
        const struct syntax_row *row = &syntax_rows[i];
        run_result_t r =
            run(QUERY, "--json", "-n", "50", "-d", index_dir, row->query, NULL);
        if (r.status != row->status)
            fail_msg("'%s': exit %d, expected %d", row->query, r.status,
                     row->status);
        cJSON *root = cJSON_Parse(r.out);
        assert_non_null(root);
        cJSON *hit;
        cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
        {
            const char *text = cJSON_GetObjectItem(hit, "text")->valuestring;
            if (row->every && !find_nocase(text, row->every))
                fail_msg("'%s': hit lacks '%s'", row->query, row->every);
            if (row->none && find_nocase(text, row->none))
                fail_msg("'%s': hit has '%s'", row->query, row->none);
        }
        if (row->status == 1) {
            assert_int_equal(
                cJSON_GetArraySize(cJSON_GetObjectItem(root, "hits")), 0);
        }
        cJSON_Delete(root);
        run_free(&r);
    }
    /* Invalid syntax is searched as plain words, and says so. */
    run_result_t r = run(QUERY, "--json", "-d", index_dir, "(stole", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "plain words"));
    run_free(&r);
}

/* Error rows: arguments, expected status, a text stderr must contain. */
static void test_errors(void **state)
{
    (void)state;
    char missing[4200], file_index[4200];
    tmp_path(missing, sizeof missing, "no-such-index");
    tmp_path(file_index, sizeof file_index, "a-file");
    write_file(file_index, "not an index\n");
    struct {
        const char *prog;
        const char *args[6];
        int status;
        const char *err;
    } rows[] = {
        {QUERY, {"-d", missing, "korea"}, 2, missing},
        {QUERY, {"-d", file_index, "korea"}, 2, file_index},
        {QUERY, {"-d", index_dir, "-n", "lots", "korea"}, 2, "--limit"},
        {QUERY, {"-d", index_dir, "--k1", "-1", "korea"}, 2, "--k1"},
        {QUERY, {"-d", index_dir, "--bogus", "korea"}, 2, "--bogus"},
        {QUERY, {"korea", "-d"}, 2, "'-d' needs a value"},
        {INDEXER, {"-x", CORPUS}, 2, "'-x'"},
        {QUERY, {"-d", index_dir}, 2, "no WORDS"},
        {QUERY, {"-d", index_dir, "--lang", "klingon", "x"}, 2, "klingon"},
        {INDEXER, {"-d", index_dir, missing}, 2, missing},
        {INDEXER, {"-d", file_index, CORPUS}, 2, file_index},
        {INDEXER, {"-d", index_dir}, 2, "no PATH"},
        {INDEXER, {"-d", index_dir, "--lang", "french", CORPUS}, 2, "english"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *argv[8] = {(char *)rows[i].prog};
        int n = 1;
        for (int j = 0; j < 6 && rows[i].args[j]; j++)
            argv[n++] = (char *)rows[i].args[j];
        argv[n] = NULL;
        run_result_t r = run_argv_fd(argv, -1);
        if (r.status != rows[i].status || !strstr(r.err, rows[i].err))
            fail_msg("row %zu: exit %d, stderr '%s'", i, r.status, r.err);
        /* The message is one line that starts with the program's name. */
        const char *hit = strstr(r.err, rows[i].err);
        const char *line = hit;
        while (line > r.err && line[-1] != '\n')
            line--;
        const char *name = strrchr(rows[i].prog, '/') + 1;
        assert_true(strncmp(line, name, strlen(name)) == 0);
        assert_non_null(strchr(hit, '\n'));
        run_free(&r);
    }
    /* None of that damaged the index. */
    assert_int_equal(doc_count(index_dir), 25);
}

static void test_locked_index(void **state)
{
    (void)state;
    qy_db_t *writer;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(index_dir, 0, &writer, &error), QY_OK);
    run_result_t r = run(INDEXER, "-d", index_dir, CORPUS, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "locked"));
    run_free(&r);
    /* Readers are not blocked by the writer. */
    r = run(QUERY, "-d", index_dir, "cryptocurrency", NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    qy_db_close(writer);
}

static void test_closed_pipe_is_not_an_error(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    char *argv[] = {QUERY, "-n", "100", "-d", index_dir, "korea", NULL};
    run_result_t r = run_argv_fd(argv, fds[1]);
    close(fds[1]);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    run_free(&r);
}

static void test_help_and_version(void **state)
{
    (void)state;
    const char *progs[] = {INDEXER, QUERY};
    for (int i = 0; i < 2; i++) {
        run_result_t r = run(progs[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "Usage:"));
        run_free(&r);
        r = run(progs[i], "--version", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "quarry"));
        run_free(&r);
    }
}

static void test_index_location_from_environment(void **state)
{
    (void)state;
    char env_index[4200];
    tmp_path(env_index, sizeof env_index, "env/nested/index");
    setenv("QUARRY_INDEX", env_index, 1);
    run_result_t r = run(INDEXER, "-q", CORPUS, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    r = run(QUERY, "cryptocurrency", NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    unsetenv("QUARRY_INDEX");
    char home[4200];
    tmp_path(home, sizeof home, "home");
    setenv("HOME", home, 1);
    unsetenv("XDG_DATA_HOME");
    r = run(INDEXER, "-q", CORPUS, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char expected[4300];
    snprintf(expected, sizeof expected, "%s/.local/share/quarry/index", home);
    assert_int_equal(doc_count(expected), 25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_summary_and_count),
        cmocka_unit_test(test_reindex_does_not_duplicate),
        cmocka_unit_test(test_json_answer),
        cmocka_unit_test(test_text_answer),
        cmocka_unit_test(test_limit_offset),
        cmocka_unit_test(test_syntax_table),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_locked_index),
        cmocka_unit_test(test_closed_pipe_is_not_an_error),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_index_location_from_environment),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
