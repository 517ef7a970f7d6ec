/* User synonyms: the file's syntax and its errors, what a question finds
 * through the groups stored, replacing them, and `indexer --synonyms`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "quarry/ingest.h"
#include "quarry/search.h"
#include "quarry/synonyms.h"
#include "test_indexer_util.h"

static const char *const passages[] = {
    "The laptop was taken from the office on Monday morning.",
    "Notebook sales fell sharply in the second quarter this year.",
    "Cheap computer parts flooded the market during the summer.",
    "The United States of America signed the treaty in the spring.",
    "Officials in the USA disagreed with the treaty in public.",
    "The Democratic People's Republic of Korea launched more missiles.",
    ("Analysts say the DPRK (Democratic People's Republic of Korea) is "
     "short of money."),
    "The Collect Art Network (CAN) lends paintings to schools.",
    "The Collect Art Network opened a gallery in the old station.",
    /* a definition whose pair is too long for a metadata key */
    ("The Aaaaaaaaaaaaaaaaaaaaaa Bbbbbbbbbbbbbbbbbbbbbb Cccccccccccccccccccccc "
     "Dddddddddddddddddddddd Eeeeeeeeeeeeeeeeeeeeee Ffffffffffffffffffffff "
     "Gggggggggggggggggggggg Hhhhhhhhhhhhhhhhhhhhhh Iiiiiiiiiiiiiiiiiiiiii "
     "Jjjjjjjjjjjjjjjjjjjjjj (ABCDEFGHIJ) met in the harbour."),
};

/* A new index of the passages above in the temporary directory. */
static char *build_index(void)
{
    char *dir = tmp_file("lib-index");
    qy_db_t *w = NULL;
    qy_analyzer_t *a = NULL;
    qy_ingest_t *ing = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(dir, 0, &w, &error), QY_OK);
    assert_int_equal(qy_schema_prepare(w, "english", NULL, &error), QY_OK);
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    assert_int_equal(qy_ingest_new(w, a, &ing), QY_OK);
    for (size_t i = 0; i < sizeof passages / sizeof *passages; i++) {
        qy_article_t art;
        assert_int_equal(qy_split_plain(passages[i], strlen(passages[i]), &art),
                         QY_OK);
        char source[32];
        snprintf(source, sizeof source, "p%zu", i);
        assert_int_equal(qy_ingest_article(ing, source, &art), QY_OK);
        qy_article_free(&art);
    }
    assert_int_equal(qy_ingest_flush(ing), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_ingest_free(ing);
    qy_analyzer_free(a);
    qy_db_close(w);
    return dir;
}

/* Stores TEXT as the synonyms of the index DIR; the status, and the error
 * message in ERR (empty when none). */
static qy_status_t store(const char *dir, const char *text, size_t len,
                         unsigned *groups, char *err, size_t err_size)
{
    qy_db_t *w = NULL;
    qy_analyzer_t *a = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(dir, 0, &w, &error), QY_OK);
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    qy_status_t st =
        qy_synonyms_store(w, a, "syn.txt", text, len, groups, &error);
    snprintf(err, err_size, "%s", error ? error : "");
    free(error);
    if (st == QY_OK)
        assert_int_equal(qy_db_commit(w), QY_OK);
    qy_analyzer_free(a);
    qy_db_close(w);
    return st;
}

static void store_ok(const char *dir, const char *text, unsigned want_groups)
{
    char err[512];
    unsigned groups = 0;
    qy_status_t st = store(dir, text, strlen(text), &groups, err, sizeof err);
    if (st != QY_OK)
        fail_msg("storing '%s': %s", text, err);
    assert_int_equal(groups, want_groups);
}

/* Non-zero when QUESTION finds the passage that contains TEXT. */
static int finds(const char *dir, const char *question, const char *text)
{
    const char *paths[] = {dir};
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.limit = 50;
    opts.feedback_docs = 0;
    opts.no_spelling = 1;
    qy_results_t r;
    qy_status_t st = qy_search(db, a, question, &opts, &r, &error);
    if (st != QY_OK)
        fail_msg("'%s': %s", question, error ? error : "?");
    int hit = 0;
    for (size_t i = 0; i < r.count && !hit; i++)
        hit = strstr(r.hits[i].rec.text, text) != NULL;
    qy_results_free(&r);
    qy_analyzer_free(a);
    qy_db_close(db);
    return hit;
}

static void expect(const char *dir, const char *question, const char *text,
                   int want)
{
    if (finds(dir, question, text) != want)
        fail_msg("'%s' %s '%s'", question, want ? "does not find" : "finds",
                 text);
}

static void test_groups_find_each_other(void **state)
{
    (void)state;
    char *dir = build_index();
    /* before: nothing links the words */
    expect(dir, "usa", "United States of America", 0);
    expect(dir, "laptop", "Notebook sales", 0);
    store_ok(dir,
             "# comments and blank lines are skipped\n"
             "\n"
             "  usa , United States of America  \n"
             "laptop, notebook => computer\r\n",
             2);
    /* an equivalence: each entry finds the others, a phrase as a phrase */
    expect(dir, "usa", "United States of America", 1);
    expect(dir, "united states of america", "Officials in the USA", 1);
    /* one way: the left side finds the right, not the reverse */
    expect(dir, "laptop", "Cheap computer parts", 1);
    expect(dir, "notebooks", "Cheap computer parts", 1);
    expect(dir, "computer", "laptop was taken", 0);
    expect(dir, "computer", "Notebook sales", 0);
    /* entries on one side of '=>' are not made equal to each other */
    expect(dir, "laptop", "Notebook sales", 0);
    /* acronyms learned from the text still work, also where the long form
     * is written without its acronym (stop words inside the phrase) */
    expect(dir, "DPRK", "launched more missiles", 1);
    free(dir);
}

static void test_new_file_replaces_old(void **state)
{
    (void)state;
    char *dir = build_index();
    store_ok(dir, "usa, united states of america\n", 1);
    expect(dir, "usa", "United States of America", 1);
    store_ok(dir, "laptop, notebook\n", 1);
    expect(dir, "usa", "United States of America", 0);
    expect(dir, "laptop", "Notebook sales", 1);
    expect(dir, "notebook", "laptop was taken", 1);
    /* learned acronyms are not the user's: replacing keeps them */
    expect(dir, "DPRK", "launched more missiles", 1);
    /* an empty file clears the user's groups */
    store_ok(dir, "", 0);
    expect(dir, "laptop", "Notebook sales", 0);
    expect(dir, "DPRK", "launched more missiles", 1);
    /* nor when the user's file held the same pair for a while */
    store_ok(dir, "DPRK, Democratic People's Republic of Korea\n", 1);
    store_ok(dir, "laptop, notebook\n", 1);
    expect(dir, "DPRK", "launched more missiles", 1);
    free(dir);
}

/* Deletes the user metadata KEYS (NULL-terminated) of the index DIR, as
 * an index written by an earlier version lacks them. */
static void drop_metadata(const char *dir, const char *const *keys)
{
    qy_db_t *w = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(dir, 0, &w, &error), QY_OK);
    for (size_t i = 0; keys[i]; i++)
        assert_int_equal(qy_db_set_metadata(w, keys[i], "", 0), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);
}

/* An acronym learned from the text finds its long form when typed in
 * capitals; typed in small letters it is a word of its own ("can"), and
 * only the user's synonyms expand it. */
static void test_learned_acronyms_need_capitals(void **state)
{
    (void)state;
    char *dir = build_index();
    expect(dir, "CAN", "opened a gallery", 1);
    expect(dir, "where CAN exhibits", "opened a gallery", 1);
    expect(dir, "can", "opened a gallery", 0);
    expect(dir, "how can schools borrow", "opened a gallery", 0);
    expect(dir, "dprk", "launched more missiles", 0);
    expect(dir, "DPRK", "launched more missiles", 1);
    /* the long form typed still finds the acronym */
    expect(dir, "collect art network", "lends paintings", 1);
    /* An index written before pairs were marked as learned: a pair that
     * is not in the user's list was learned all the same. */
    const char *learned[] = {"quarry.learned can\tcollect art network", NULL};
    drop_metadata(dir, learned);
    expect(dir, "can", "opened a gallery", 0);
    expect(dir, "CAN", "opened a gallery", 1);
    /* a user's pair applies however it is typed */
    store_ok(dir, "can, collect art network\n", 1);
    expect(dir, "can", "opened a gallery", 1);
    expect(dir, "dprk", "launched more missiles", 0);
    /* An index whose user pairs were stored before they were marked: their
     * list decides. */
    const char *marks[] = {"quarry.user-marks",
                           "quarry.user can\tcollect art network", NULL};
    drop_metadata(dir, marks);
    expect(dir, "can", "opened a gallery", 1);
    expect(dir, "dprk", "launched more missiles", 0);
    /* a definition too long to learn is only text */
    expect(dir, "ABCDEFGHIJ harbour", "met in the harbour", 1);
    free(dir);
}

/* Each bad file gives its error, naming the line, and changes nothing. */
static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *error;
    } rows[] = {
        {"a, b\nx,,y\n", 0,
         "syn.txt:2: empty entry (two commas, or a comma at an end)"},
        {"laptop, \n", 0,
         "syn.txt:1: empty entry (two commas, or a comma at an end)"},
        {"# one entry\nlaptop\n", 0,
         "syn.txt:2: a group needs two entries or more, separated by ',' "
         "(or '=>')"},
        {"a => b => c\n", 0, "syn.txt:1: more than one '=>'"},
        {" => computer\n", 0,
         "syn.txt:1: empty entry (two commas, or a comma at an end)"},
        {"of the, laptop\n", 0,
         "syn.txt:1: entry 'of the' has only stop words"},
        {"laptop, ...\n", 0, "syn.txt:1: entry '...' has no word"},
        {"laptop, \xff\xfe\n", 0, "syn.txt:1: not valid UTF-8"},
        {"a, b\nlaptop, note\0book\n", 20,
         "syn.txt:2: a NUL byte: not a text file"},
    };
    char *dir = build_index();
    store_ok(dir, "laptop, notebook\n", 1);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char err[512];
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].text);
        qy_status_t st = store(dir, rows[i].text, len, NULL, err, sizeof err);
        if (st != QY_INVALID || strcmp(err, rows[i].error) != 0)
            fail_msg("row %zu: status %d, error '%s', expected '%s'", i,
                     (int)st, err, rows[i].error);
        expect(dir, "laptop", "Notebook sales", 1);
    }
    /* a phrase too long for a key */
    char long_entry[2048] = "laptop, ";
    for (int i = 0; i < 60; i++)
        strcat(long_entry, "pineapple ");
    char err[512];
    assert_int_equal(
        store(dir, long_entry, strlen(long_entry), NULL, err, sizeof err),
        QY_INVALID);
    assert_non_null(strstr(err, "syn.txt:1: entry 'pineapple"));
    assert_non_null(strstr(err, "is too long"));
    expect(dir, "laptop", "Notebook sales", 1);
    free(dir);
}

/* `indexer --synonyms FILE`, with and without PATHs; errors name the file
 * and leave the index answering as before. */
static void test_indexer_option(void **state)
{
    (void)state;
    put_file("docs/a.txt", "Cheap computer parts flooded the market during "
                           "the summer months.\n");
    put_file("syn.txt", "laptop => computer\n");
    put_file("bad.txt", "laptop => computer\nnotebook\n");
    char *index = tmp_file("index"), *docs = tmp_file("docs"),
         *syn = tmp_file("syn.txt"), *bad = tmp_file("bad.txt"),
         *missing = tmp_file("missing.txt");
    run_result_t r =
        run(INDEXER, "-d", index, "--synonyms", syn, docs, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "indexer: 1 synonym group stored\n"));
    run_free(&r);
    r = run(QUERY, QUERY_EXACT, "-d", index, "laptop", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Cheap computer parts"));
    run_free(&r);
    r = run(QUERY, "--parsed", "-d", index, "laptop", (char *)NULL);
    assert_non_null(strstr(r.out, "laptop=comput"));
    run_free(&r);

    /* a bad line: the file and line named, exit 2, nothing changed */
    r = run(INDEXER, "-d", index, "--synonyms", bad, (char *)NULL);
    assert_int_equal(r.status, 2);
    char want[4200];
    snprintf(want, sizeof want,
             "indexer: %s:2: a group needs two entries or more, separated "
             "by ',' (or '=>')\n",
             bad);
    assert_string_equal(r.err, want);
    run_free(&r);
    r = run(INDEXER, "-d", index, "--synonyms", missing, docs, (char *)NULL);
    assert_int_equal(r.status, 2);
    snprintf(want, sizeof want,
             "indexer: --synonyms '%s': No such file or directory\n", missing);
    assert_string_equal(r.err, want);
    run_free(&r);
    r = run(QUERY, QUERY_EXACT, "-d", index, "laptop", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Cheap computer parts"));
    run_free(&r);

    /* from standard input, without PATH: replaces the groups */
    put_file("new.txt", "notebook, laptop\n");
    char *in = tmp_file("new.txt"), *out = tmp_file(".sout"),
         *err = tmp_file(".serr");
    char *argv[] = {INDEXER, "-q", "-d", index, "--synonyms", "-", NULL};
    assert_int_equal(wait_for(spawn(argv, in, out, err, (uid_t)-1, (gid_t)-1)),
                     0);
    char *errs = read_text(err);
    assert_string_equal(errs, "");
    free(errs);
    free(in);
    free(out);
    free(err);
    r = run(QUERY, QUERY_EXACT, "-d", index, "laptop", (char *)NULL);
    assert_int_equal(r.status, 1);
    run_free(&r);
    /* '-' cannot be both the synonyms and a PATH */
    r = run(INDEXER, "-d", index, "--synonyms", "-", "-", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "'-' (standard input) given more than"));
    run_free(&r);
    free(index);
    free(docs);
    free(syn);
    free(bad);
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_find_each_other),
        cmocka_unit_test(test_new_file_replaces_old),
        cmocka_unit_test(test_learned_acronyms_need_capitals),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_indexer_option),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
