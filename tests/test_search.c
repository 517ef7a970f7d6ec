/* What a question finds beyond its literal words, on an index of the seed
 * articles built through the library: other forms of a word, acronyms the
 * text defines, spelling corrections; and how hits are presented: folded
 * duplicates, one per source, explained scores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmocka_noreturn.h"

#include "quarry/ingest.h"
#include "quarry/passage.h"
#include "quarry/schema.h"
#include "quarry/search.h"

#define CORPUS QUARRY_SOURCE_DIR "/corpus/"
static const char *const articles[] = {
    CORPUS "un-report-north-korea-crypto-theft-latin-times.txt",
    CORPUS "north-korea-cyberattacks-fund-missiles-wion.txt",
};
#define LATIN_TIMES 0
#define WION 1

static char dir[256];
static qy_db_t *db;
static qy_analyzer_t *an;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/quarry-search-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    char *error = NULL;
    qy_db_t *w;
    if (qy_db_open_write(dir, 0, &w, &error) != QY_OK ||
        qy_schema_prepare(w, "english", NULL, &error) != QY_OK ||
        qy_analyzer_new("english", &an) != QY_OK)
        return -1;
    qy_ingest_t *ing;
    if (qy_ingest_new(w, an, &ing) != QY_OK)
        return -1;
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *buf = slurp(articles[i], &len);
        qy_article_t art;
        if (qy_split_plain(buf, len, &art) != QY_OK ||
            qy_ingest_article(ing, articles[i], &art) != QY_OK)
            return -1;
        qy_article_free(&art);
    }
    if (qy_ingest_flush(ing) != QY_OK || qy_db_commit(w) != QY_OK)
        return -1;
    qy_ingest_free(ing);
    qy_db_close(w);
    const char *paths[] = {dir};
    return qy_db_open_read(paths, 1, &db, &error) == QY_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    qy_db_close(db);
    qy_analyzer_free(an);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void search(const char *q, const qy_search_opts_t *opts, qy_results_t *r)
{
    char *error = NULL;
    qy_search_opts_t defaults;
    qy_search_opts_init(&defaults);
    qy_status_t st = qy_search(db, an, q, opts ? opts : &defaults, r, &error);
    if (st != QY_OK)
        fail_msg("'%s': %s", q, error ? error : qy_status_to_string(st));
}

static int has_hit(const qy_results_t *r, const char *text)
{
    for (size_t i = 0; i < r->count; i++)
        if (strstr(r->hits[i].rec.text, text))
            return 1;
    return 0;
}

static int highlighted(const qy_results_t *r, const char *word)
{
    for (size_t i = 0; i < r->count; i++)
        for (size_t j = 0; j < r->hits[i].nhighlights; j++) {
            qy_span_t s = r->hits[i].highlights[j];
            if (s.end - s.start == strlen(word) &&
                strncmp(r->hits[i].rec.text + s.start, word, s.end - s.start) ==
                    0)
                return 1;
        }
    return 0;
}

/* Rows: question, a text some hit must contain, a word that must be
 * highlighted, a text `parsed` must contain. */
static void test_expansions(void **state)
{
    (void)state;
    static const struct {
        const char *q, *hit, *highlight, *parsed;
    } rows[] = {
        /* the question's form is not in the text: the others are */
        {"who steals cryptocurrency", "stole more than $50 million", "stole",
         "steal=stole|stolen"},
        /* an acronym finds its defined long form ... */
        {"DPRK", "formally known as Democratic People's Republic of Korea",
         "DPRK", "dprk=democrat peopl republ korea"},
        {"UN", "United Nations", "UN", "un=unit nation"},
        /* ... and the long form its acronym */
        {"Democratic People's Republic of Korea", "DPRK cyberactors stole",
         "DPRK", "democrat peopl republ korea=dprk"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        qy_results_t r;
        qy_search_opts_t opts;
        qy_search_opts_init(&opts);
        opts.limit = 20;
        search(rows[i].q, &opts, &r);
        if (!has_hit(&r, rows[i].hit))
            fail_msg("'%s' does not find '%s'", rows[i].q, rows[i].hit);
        if (!highlighted(&r, rows[i].highlight))
            fail_msg("'%s' does not highlight '%s'", rows[i].q,
                     rows[i].highlight);
        if (!strstr(r.parsed, rows[i].parsed))
            fail_msg("'%s': parsed '%s' lacks '%s'", rows[i].q, r.parsed,
                     rows[i].parsed);
        qy_results_free(&r);
    }
}

static void test_typed_form_ranks_first(void **state)
{
    (void)state;
    qy_results_t r;
    search("who stole cryptocurrency", NULL, &r);
    assert_true(r.count >= 2);
    assert_non_null(strstr(r.hits[0].rec.text, "stole more than $50 million"));
    assert_non_null(strstr(r.hits[1].rec.text, "stole more than $50 million"));
    qy_results_free(&r);
}

/* Stop words are indexed without positions: a phrase keeps their room,
 * so it matches where they stand and not where they are missing. */
static void test_phrases_with_stop_words(void **state)
{
    (void)state;
    static const struct {
        const char *q;
        size_t count;
    } rows[] = {
        {"\"Democratic People's Republic of Korea\"", 2},
        {"\"Republic Korea\"", 0},
        {"\"between 2020 and mid-2021\"", 2},
        {"\"more than $50 million\"", 2},
        {"stole NEAR/3 than", 2},
        /* only stop words: all of them, anywhere in the passage */
        {"the NEAR/3 of", 14},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        qy_results_t r;
        qy_search_opts_t opts;
        qy_search_opts_init(&opts);
        opts.limit = 50;
        opts.no_spelling = 1;
        opts.keep_duplicates = 1;
        search(rows[i].q, &opts, &r);
        if (r.count != rows[i].count)
            fail_msg("'%s': %zu hits, expected %zu", rows[i].q, r.count,
                     rows[i].count);
        qy_results_free(&r);
    }
}

static void test_syntax_stays_literal(void **state)
{
    (void)state;
    qy_results_t r;
    search("cryptocurrency AND stole", NULL, &r);
    assert_true(r.count > 0);
    for (size_t i = 0; i < r.count; i++)
        assert_non_null(strstr(r.hits[i].rec.text, "stole"));
    assert_null(strstr(r.parsed, "also:"));
    qy_results_free(&r);
}

static void test_spelling(void **state)
{
    (void)state;
    qy_results_t r;
    /* nothing as typed: the correction is searched */
    search("cryptocurency", NULL, &r);
    assert_string_equal(r.suggestion, "cryptocurrency");
    assert_true(r.corrected);
    assert_true(r.count > 0);
    qy_results_free(&r);
    /* something as typed: suggested, not searched */
    search("who stole cryptocurency", NULL, &r);
    assert_string_equal(r.suggestion, "who stole cryptocurrency");
    assert_false(r.corrected);
    assert_true(r.count > 0);
    qy_results_free(&r);
    /* correct words get no suggestion */
    search("who stole cryptocurrency", NULL, &r);
    assert_null(r.suggestion);
    qy_results_free(&r);
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.no_spelling = 1;
    search("cryptocurency", &opts, &r);
    assert_null(r.suggestion);
    assert_int_equal(r.count, 0);
    qy_results_free(&r);
}

static void test_duplicates_fold(void **state)
{
    (void)state;
    /* WION repeats its highlight paragraph (passage 7) in its body
     * (passage 12): one hit, the other listed in `also`. */
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.limit = 50;
    qy_results_t r;
    search("seven attacks cryptocurrency platforms", &opts, &r);
    int wion_1_or_6 = 0, folded = 0;
    for (size_t i = 0; i < r.count; i++) {
        const qy_result_t *h = &r.hits[i];
        if (strcmp(h->rec.source, articles[WION]) == 0 &&
            (h->rec.ordinal == 7 || h->rec.ordinal == 12)) {
            wion_1_or_6++;
            assert_int_equal(h->nalso, 1);
            assert_string_equal(h->also[0].source, articles[WION]);
            folded = h->also[0].ordinal;
        }
        assert_int_equal(h->rank, i + 1);
    }
    assert_int_equal(wion_1_or_6, 1);
    assert_true(folded == 7 || folded == 12);
    size_t kept = r.count;
    qy_results_free(&r);
    opts.keep_duplicates = 1;
    search("seven attacks cryptocurrency platforms", &opts, &r);
    assert_int_equal(r.count, kept + 1);
    qy_results_free(&r);
}

static void test_per_source(void **state)
{
    (void)state;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.per_source = 1;
    qy_results_t r;
    search("north korea missile", &opts, &r);
    assert_int_equal(r.count, 2);
    assert_string_not_equal(r.hits[0].rec.source, r.hits[1].rec.source);
    qy_results_free(&r);
}

static void test_explain_adds_up(void **state)
{
    (void)state;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.explain = 1;
    qy_results_t r;
    search("who stole cryptocurrency", &opts, &r);
    assert_true(r.count > 0);
    for (size_t i = 0; i < r.count; i++) {
        const qy_result_t *h = &r.hits[i];
        double sum = 0;
        assert_true(h->nexplain > 0);
        for (size_t j = 0; j < h->nexplain; j++) {
            assert_true(h->explain[j].weight > 0);
            sum += h->explain[j].weight;
        }
        if (sum < h->score - 1e-6 || sum > h->score + 1e-6)
            fail_msg("hit %zu: parts add up to %g, score %g", i, sum, h->score);
    }
    assert_string_equal(r.hits[0].explain[0].what, "stole");
    qy_results_free(&r);
}

/* The score of the passage that QUESTION ranks first, and that passage's
 * text, with repeated words counted or not. */
static double first_score(const char *question, int count_repeats,
                          const char **text)
{
    qy_results_t r;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.count_repeats = count_repeats;
    opts.keep_duplicates = 1;
    opts.no_spelling = 1;
    search(question, &opts, &r);
    assert_true(r.count > 0);
    double score = r.hits[0].score;
    static char first[2][4096];
    char *keep = first[count_repeats != 0];
    snprintf(keep, sizeof first[0], "%s", r.hits[0].rec.text);
    *text = keep;
    qy_results_free(&r);
    return score;
}

/* A word typed twice weighs more than once, less than twice; two forms of
 * one word typed once each are two question words already, so counting
 * repeats leaves them as they are. */
static void test_repeats_by_form(void **state)
{
    (void)state;
    const char *on, *off;
    double once = first_score("cryptocurrency theft", 1, &on);
    double twice = first_score("cryptocurrency theft cryptocurrency", 1, &on);
    double uncounted =
        first_score("cryptocurrency theft cryptocurrency", 0, &off);
    assert_string_equal(on, off);
    if (!(twice > uncounted && twice > once))
        fail_msg("typed twice %g, counted once %g, typed once %g", twice,
                 uncounted, once);
    double forms_on = first_score("cryptocurrencies cryptocurrency", 1, &on);
    double forms_off = first_score("cryptocurrencies cryptocurrency", 0, &off);
    assert_string_equal(on, off);
    if (forms_on < forms_off - 1e-9 || forms_on > forms_off + 1e-9)
        fail_msg("two forms: %g counting repeats, %g not", forms_on, forms_off);
}

/* A question of more than QY_QUESTION_MAX_WORDS words is searched for its
 * most informative ones: a rare word among many common ones still finds its
 * passage, explaining still adds up, and a misspelt word in such pasted
 * text gets no suggestion when the question found passages. The same holds
 * for such a text with parentheses (syntax: an OR of its parts). */
static void check_long(const char *q)
{
    qy_results_t r;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.explain = 1;
    search(q, &opts, &r);
    assert_true(r.count > 0);
    assert_true(has_hit(&r, "crypto"));
    assert_true(highlighted(&r, "cryptocurrency"));
    assert_null(r.suggestion);
    size_t words = 1;
    for (const char *p = r.parsed; (p = strstr(p, " OR ")); p += 4)
        words++;
    assert_true(words > QY_QUESTION_MAX_WORDS);
    for (size_t i = 0; i < r.count; i++) {
        const qy_result_t *h = &r.hits[i];
        double sum = 0;
        assert_true(h->nexplain > 0);
        assert_true(h->nexplain <= QY_QUESTION_MAX_WORDS);
        for (size_t j = 0; j < h->nexplain; j++)
            sum += h->explain[j].weight;
        if (sum < h->score - 1e-6 || sum > h->score + 1e-6)
            fail_msg("hit %zu: parts add up to %g, score %g", i, sum, h->score);
    }
    qy_results_free(&r);
}

static void test_long_question(void **state)
{
    (void)state;
    const char *words =
        "people said many things about money and time and work and years "
        "and country and government and state and report and reports and "
        "news and world and power and group and groups and days and week "
        "and month and plan and plans and system and systems and part and "
        "way and cryptocurrency and place and number and case and point "
        "and cryptocurency";
    check_long(words);
    char q[1024];
    snprintf(q, sizeof q, "%s (north korea)", words);
    check_long(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expansions),
        cmocka_unit_test(test_typed_form_ranks_first),
        cmocka_unit_test(test_phrases_with_stop_words),
        cmocka_unit_test(test_syntax_stays_literal),
        cmocka_unit_test(test_spelling),
        cmocka_unit_test(test_duplicates_fold),
        cmocka_unit_test(test_per_source),
        cmocka_unit_test(test_explain_adds_up),
        cmocka_unit_test(test_repeats_by_form),
        cmocka_unit_test(test_long_question),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
