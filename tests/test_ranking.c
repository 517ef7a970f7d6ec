/* Ranking with the default settings: questions about the sample articles
 * must keep their answer first, and pseudo-relevance feedback must bring in
 * passages that answer without the question's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry/ingest.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define CORPUS QUARRY_SOURCE_DIR "/corpus"

static char index_dir[4200];

/* A question and a text that the first passage found must hold. */
static const struct answer_row {
    const char *question;
    const char *answer;
} answer_rows[] = {
    {"who stole cryptocurrency", "stole more than $50 million"},
    {"how much did North Korea extract from cryptocurrency platforms in 2021",
     "$400 million"},
    {"what does DPRK stand for", "DPRK is the acronym"},
    {"how many ballistic missile launches did North Korea carry out in "
     "January",
     "nine ballistic missile launches"},
    {"which countries refused to condemn the missile launches",
     "Russia and China"},
};

static void test_answers_rank_first(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof answer_rows / sizeof *answer_rows; i++) {
        const struct answer_row *row = &answer_rows[i];
        run_result_t r = run(QUERY, "--json", "-n", "3", "-d", index_dir,
                             row->question, NULL);
        if (r.status != 0)
            fail_msg("'%s': exit %d: %s", row->question, r.status, r.err);
        cJSON *root = cJSON_Parse(r.out);
        assert_non_null(root);
        cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "hits"), 0);
        assert_non_null(first);
        const char *text = cJSON_GetObjectItem(first, "text")->valuestring;
        if (!strstr(text, row->answer))
            fail_msg("'%s': first passage lacks '%s': %s", row->question,
                     row->answer, text);
        cJSON_Delete(root);
        run_free(&r);
    }
}

/* The ranking options are accepted, and a bad value is refused. */
static void test_ranking_options(void **state)
{
    (void)state;
    run_result_t r =
        run(QUERY, "--title-weight", "0.5", "--proximity", "0.2", "--feedback",
            "5", "--feedback-terms", "20", "--feedback-weight", "0.3",
            "--repeats", "on", "--k1", "1", "--b", "0.5", "-d", index_dir,
            "who stole cryptocurrency", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "stole more than $50 million"));
    run_free(&r);
    const char *bad[][2] = {{"--feedback-weight", "2"},
                            {"--repeats", "maybe"},
                            {"--title-weight", "-1"}};
    for (size_t i = 0; i < 3; i++) {
        r = run(QUERY, bad[i][0], bad[i][1], "-d", index_dir, "korea", NULL);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, bad[i][0]));
        run_free(&r);
    }
}

/* A question word in an article's title finds its passages even when their
 * text lacks the word: the indexer writes the title's words into every
 * passage's text. Weighting the title in adds to those passages' scores. */
static void test_title_weight(void **state)
{
    (void)state;
    char docs[4200], idx[4200], glacier[4400], army[4400];
    tmp_path(docs, sizeof docs, "titles");
    tmp_path(idx, sizeof idx, "titles-index");
    mkdir(docs, 0700);
    snprintf(glacier, sizeof glacier, "%s/glacier.txt", docs);
    snprintf(army, sizeof army, "%s/army.txt", docs);
    write_file(glacier, "Glacier retreat in the northern valleys\n\n"
                        "Scientists measured how far the ice front has "
                        "moved back since the survey began.\n");
    write_file(army, "The army began its retreat from the valley after the "
                     "long winter campaign.\n");
    run_result_t r = run(INDEXER, "-q", "-d", idx, docs, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    const char *weights[] = {"0", "0.5"};
    double scores[2];
    for (int i = 0; i < 2; i++) {
        r = run(QUERY, "--json", "--title-weight", weights[i], "-d", idx,
                "glacier retreat", NULL);
        assert_int_equal(r.status, 0);
        cJSON *root = cJSON_Parse(r.out);
        assert_non_null(root);
        cJSON *hits = cJSON_GetObjectItem(root, "hits");
        assert_int_equal(cJSON_GetArraySize(hits), 2);
        cJSON *first = cJSON_GetArrayItem(hits, 0);
        assert_non_null(strstr(
            cJSON_GetObjectItem(first, "source")->valuestring, "glacier.txt"));
        scores[i] = cJSON_GetObjectItem(first, "score")->valuedouble;
        cJSON_Delete(root);
        run_free(&r);
    }
    assert_true(scores[1] > scores[0]);
    /* The title's words follow the text at a distance: no phrase joins the
     * text's last word to the title's first. */
    r = run(QUERY, "-d", idx, "\"began glacier\"", NULL);
    assert_int_equal(r.status, 1);
    run_free(&r);
    r = run(QUERY, "-d", idx, "\"glacier retreat\"", NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
}

/* ---- Feedback on an index large enough for it ------------------------- */

static qy_db_t *open_feedback_index(const char *dir)
{
    qy_db_t *db;
    char *error = NULL, *lang = NULL;
    assert_int_equal(qy_db_open_write(dir, QY_DB_NO_SYNC, &db, &error), QY_OK);
    assert_int_equal(qy_schema_prepare(db, "english", &lang, &error), QY_OK);
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new(lang, &a), QY_OK);
    qy_ingest_t *ing;
    assert_int_equal(qy_ingest_new(db, a, &ing), QY_OK);
    char text[256], id[32];
    /* Filler, then passages about orchards that also speak of cider, and
     * one about cider alone. */
    for (int i = 0; i < 1000; i++) {
        snprintf(text, sizeof text,
                 "filler passage number %d says little about item %d", i,
                 i % 37);
        snprintf(id, sizeof id, "f%d", i);
        qy_record_t rec = {.source = "/filler",
                           .title = "Filler notes",
                           .text = text,
                           .id = id,
                           .ordinal = 1};
        assert_int_equal(qy_ingest_record(ing, &rec), QY_OK);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(text, sizeof text,
                 "the apple orchard harvest %d was pressed into cider", i);
        snprintf(id, sizeof id, "o%d", i);
        qy_record_t rec = {.source = "/orchard",
                           .title = "Orchard cider",
                           .text = text,
                           .id = id,
                           .ordinal = 1};
        assert_int_equal(qy_ingest_record(ing, &rec), QY_OK);
    }
    qy_record_t cider = {.source = "/cider",
                         .title = "Pressing",
                         .text = "fresh cider is pressed every autumn in the "
                                 "valley",
                         .id = "cider",
                         .ordinal = 1};
    assert_int_equal(qy_ingest_record(ing, &cider), QY_OK);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_ingest_free(ing);
    qy_analyzer_free(a);
    free(lang);
    return db;
}

static int found_id(const qy_results_t *res, const char *id)
{
    for (size_t i = 0; i < res->count; i++)
        if (strcmp(res->hits[i].rec.id, id) == 0)
            return 1;
    return 0;
}

static int not_cider(void *ctx, const char *term, size_t len)
{
    (void)ctx;
    return !(len == 5 && memcmp(term, "cider", 5) == 0);
}

static void test_feedback_expands(void **state)
{
    (void)state;
    char dir[4200];
    tmp_path(dir, sizeof dir, "feedback-index");
    qy_db_t *db = open_feedback_index(dir);
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.limit = 50;
    opts.feedback_docs = 10;
    opts.feedback_terms = 10;
    opts.feedback_weight = 0.5;
    qy_results_t res;
    char *error = NULL;
    assert_int_equal(qy_search(db, a, "apple orchard", &opts, &res, &error),
                     QY_OK);
    /* The cider passage has neither word, and is found through the
     * orchards' passages. */
    assert_true(found_id(&res, "cider"));
    assert_true(found_id(&res, "o0"));
    assert_string_equal(res.parsed, "(appl OR orchard)");
    qy_results_free(&res);

    opts.feedback_docs = 0;
    assert_int_equal(qy_search(db, a, "apple orchard", &opts, &res, &error),
                     QY_OK);
    assert_false(found_id(&res, "cider"));
    assert_int_equal(res.total, 10);
    qy_results_free(&res);

    /* The expansion terms themselves: words of passage text only (not the
     * title's prefixed terms), as the filter allows, weights in (0, 1]. */
    qy_search_params_t params = {.k1 = opts.k1, .b = opts.b, .limit = 10};
    qy_query_t *q = qy_query_term("orchard", 7, 1, 1);
    qy_mset_t *mset;
    assert_int_equal(qy_db_search(db, q, &params, &mset), QY_OK);
    qy_expand_term_t *terms;
    size_t n;
    assert_int_equal(
        qy_db_expand(db, mset, 10, 20, QY_EXPAND_TRAD, NULL, NULL, &terms, &n),
        QY_OK);
    int cider = 0;
    double total = 0;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_false(terms[i].term[0] >= 'A' && terms[i].term[0] <= 'Z');
        assert_true(terms[i].relevance > 0 && terms[i].relevance <= 1);
        total += terms[i].relevance;
        cider |= strcmp(terms[i].term, "cider") == 0;
    }
    assert_true(cider);
    assert_true(total <= 1 + 1e-9);
    qy_expand_terms_free(terms, n);
    assert_int_equal(qy_db_expand(db, mset, 10, 20, QY_EXPAND_TRAD, not_cider,
                                  NULL, &terms, &n),
                     QY_OK);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(terms[i].term, "cider");
    qy_expand_terms_free(terms, n);
    assert_int_equal(
        qy_db_expand(db, NULL, 10, 20, QY_EXPAND_TRAD, NULL, NULL, &terms, &n),
        QY_INVALID);
    qy_mset_free(mset);
    qy_query_free(q);
    qy_analyzer_free(a);
    qy_db_close(db);
}

/* On a small index feedback is left out: the best passages are most of
 * what matches and would pull the question off course. */
static void test_no_feedback_on_small_index(void **state)
{
    (void)state;
    qy_db_t *db;
    char *error = NULL;
    const char *paths[] = {index_dir};
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.limit = 100;
    qy_results_t with, without;
    assert_int_equal(qy_search(db, a, "missile launches", &opts, &with, &error),
                     QY_OK);
    opts.feedback_docs = 0;
    assert_int_equal(
        qy_search(db, a, "missile launches", &opts, &without, &error), QY_OK);
    assert_int_equal(with.count, without.count);
    for (size_t i = 0; i < with.count; i++)
        assert_float_equal(with.hits[i].score, without.hits[i].score, 1e-9);
    qy_results_free(&with);
    qy_results_free(&without);
    qy_analyzer_free(a);
    qy_db_close(db);
}

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    tmp_path(index_dir, sizeof index_dir, "index");
    run_result_t r = run(INDEXER, "-q", "-d", index_dir, CORPUS, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    return ok ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_rank_first),
        cmocka_unit_test(test_ranking_options),
        cmocka_unit_test(test_title_weight),
        cmocka_unit_test(test_feedback_expands),
        cmocka_unit_test(test_no_feedback_on_small_index),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
