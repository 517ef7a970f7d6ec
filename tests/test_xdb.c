/* Index access through the C shim: writing, reading, searching, and the
 * error paths callers rely on (missing, locked and unusable indexes). */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "cmocka_noreturn.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quarry/xdb.h"

static char tmp_root[1024];

/* A path under this run's temporary directory; each test uses its own
 * names so the tests do not depend on their order. */
static const char *tmp_path(const char *name)
{
    static char buf[8][sizeof tmp_root + 256];
    static unsigned next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmp_root, name);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int make_tmp_root(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    snprintf(tmp_root, sizeof tmp_root, "%s/quarry-test-xdb-XXXXXX", base);
    return mkdtemp(tmp_root) == NULL ? -1 : 0;
}

static int remove_tmp_root(void **state)
{
    (void)state;
    return nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- Building a small index ---------------------------------------- */

typedef struct sample_doc {
    const char *words[6]; /* posting terms, positions 1.. */
    const char *id;       /* boolean term */
    const char *data;
    const char *year; /* value slot 0 */
} sample_doc_t;

static const sample_doc_t SAMPLE[] = {
    {{"apple", "apple", "apple", "banana"}, "Qone", "one", "2020"},
    {{"apple", "cherry"}, "Qtwo", "two", "2021"},
    {{"banana", "cherry", "cherry"}, "Qthree", "three", "2022"},
};
#define SAMPLE_COUNT (sizeof SAMPLE / sizeof SAMPLE[0])

static void add_sample(qy_db_t *db, qy_doc_t *doc, const sample_doc_t *s)
{
    qy_doc_clear(doc);
    for (unsigned i = 0; i < 6 && s->words[i] != NULL; i++)
        assert_int_equal(
            qy_doc_add_posting(doc, s->words[i], strlen(s->words[i]), i + 1, 1),
            QY_OK);
    assert_int_equal(qy_doc_add_term(doc, s->id, strlen(s->id), 0), QY_OK);
    assert_int_equal(qy_doc_set_data(doc, s->data, strlen(s->data)), QY_OK);
    assert_int_equal(qy_doc_set_value(doc, 0, s->year, strlen(s->year)), QY_OK);
    assert_int_equal(qy_db_add_doc(db, doc), QY_OK);
}

static void build_sample(const char *path)
{
    qy_db_t *db = NULL;
    char *err = NULL;
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &db, &err), QY_OK);
    assert_null(err);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    for (size_t i = 0; i < SAMPLE_COUNT; i++)
        add_sample(db, doc, &SAMPLE[i]);
    qy_doc_free(doc);
    assert_int_equal(qy_db_commit(db), QY_OK);
    assert_string_equal(qy_db_error(db), "");
    qy_db_close(db);
}

static void add_generation(qy_db_t *w, qy_doc_t *doc, unsigned gen,
                           unsigned count);

static qy_db_t *open_reader(const char *path)
{
    qy_db_t *db = NULL;
    char *err = NULL;
    qy_status_t st = qy_db_open_read(&path, 1, &db, &err);
    if (st != QY_OK)
        fail_msg("opening %s: %s", path, err ? err : "(no message)");
    assert_non_null(db);
    return db;
}

static const qy_search_params_t PARAMS = {
    .k1 = 1.2, .b = 0.75, .limit = 10, .check_at_least = 10};

static qy_query_t *term(const char *t)
{
    qy_query_t *q = qy_query_term(t, strlen(t), 1, 0);
    assert_non_null(q);
    return q;
}

/* Runs Q (and frees it), then checks that the hits' data are EXPECTED, in
 * order, NULL-terminated. */
static void expect_hits(qy_db_t *db, qy_query_t *q, const char *const *expected)
{
    qy_mset_t *mset = NULL;
    assert_non_null(q);
    assert_int_equal(qy_db_search(db, q, &PARAMS, &mset), QY_OK);
    size_t n = 0;
    while (expected[n] != NULL)
        n++;
    if (qy_mset_size(mset) != n) {
        char *desc = qy_query_describe(q);
        fail_msg("%s: %zu hits, expected %zu", desc ? desc : "?",
                 qy_mset_size(mset), n);
    }
    qy_query_free(q);
    assert_int_equal(qy_mset_matches_estimated(mset), n);
    double last = 1e300;
    for (size_t i = 0; i < n; i++) {
        qy_hit_t hit;
        qy_mset_hit(mset, i, &hit);
        assert_int_equal(hit.data_len, strlen(expected[i]));
        assert_memory_equal(hit.data, expected[i], hit.data_len);
        assert_true(hit.docid > 0);
        assert_true(hit.weight <= last);
        last = hit.weight;
    }
    qy_mset_free(mset);
}

static size_t count_hits(qy_db_t *db, qy_query_t *q)
{
    qy_mset_t *mset = NULL;
    assert_non_null(q);
    assert_int_equal(qy_db_search(db, q, &PARAMS, &mset), QY_OK);
    qy_query_free(q);
    size_t n = qy_mset_size(mset);
    qy_mset_free(mset);
    return n;
}

#define HITS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_HITS ((const char *const[]){NULL})

/* ---- Reading and searching ------------------------------------------- */

static void test_write_then_read(void **state)
{
    (void)state;
    const char *path = tmp_path("basic");
    build_sample(path);

    qy_db_t *db = open_reader(path);
    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(db, &count), QY_OK);
    assert_int_equal(count, SAMPLE_COUNT);
    unsigned freq = 99;
    assert_int_equal(qy_db_term_freq(db, "cherry", 6, &freq), QY_OK);
    assert_int_equal(freq, 2);
    assert_int_equal(qy_db_term_freq(db, "durian", 6, &freq), QY_OK);
    assert_int_equal(freq, 0);
    assert_string_equal(qy_db_error(db), "");
    qy_db_close(db);
}

static void test_search_ranking(void **state)
{
    (void)state;
    const char *path = tmp_path("ranking");
    build_sample(path);
    qy_db_t *db = open_reader(path);

    /* Three "apple"s in four words outrank one in two under BM25. */
    expect_hits(db, term("apple"), HITS("one", "two"));
    expect_hits(db, term("cherry"), HITS("three", "two"));
    expect_hits(db, term("durian"), NO_HITS);

    qy_search_params_t paged = PARAMS;
    paged.offset = 1;
    qy_mset_t *mset = NULL;
    qy_query_t *q = term("apple");
    assert_int_equal(qy_db_search(db, q, &paged, &mset), QY_OK);
    qy_query_free(q);
    assert_int_equal(qy_mset_size(mset), 1);
    qy_hit_t hit;
    qy_mset_hit(mset, 0, &hit);
    assert_memory_equal(hit.data, "two", 3);
    qy_mset_free(mset);

    qy_db_close(db);
}

static void test_query_operators(void **state)
{
    (void)state;
    const char *path = tmp_path("operators");
    build_sample(path);
    qy_db_t *db = open_reader(path);

    qy_query_t *pair[2];

    pair[0] = term("apple");
    pair[1] = term("banana");
    expect_hits(db, qy_query_combine(QY_Q_AND, pair, 2, 0), HITS("one"));
    expect_hits(db, qy_query_combine(QY_Q_AND_NOT, pair, 2, 0), HITS("two"));
    /* a window means nothing to AND, and is not an error */
    expect_hits(db, qy_query_combine(QY_Q_AND, pair, 2, 10), HITS("one"));
    qy_query_free(pair[0]);
    qy_query_free(pair[1]);

    /* Positions: "banana cherry" is adjacent only in the third document;
     * the first has "apple banana" at 3-4 and no cherry. */
    pair[0] = qy_query_term("banana", 6, 1, 1);
    pair[1] = qy_query_term("cherry", 6, 1, 2);
    assert_non_null(pair[0]);
    assert_non_null(pair[1]);
    expect_hits(db, qy_query_combine(QY_Q_PHRASE, pair, 2, 0), HITS("three"));
    qy_query_free(pair[0]);
    qy_query_free(pair[1]);

    pair[0] = term("cherry");
    pair[1] = term("apple");
    expect_hits(db, qy_query_combine(QY_Q_PHRASE, pair, 2, 0), NO_HITS);
    expect_hits(db, qy_query_combine(QY_Q_NEAR, pair, 2, 2), HITS("two"));
    qy_query_free(pair[0]);
    qy_query_free(pair[1]);

    /* A boolean term restricts without changing which documents rank. */
    pair[0] = term("apple");
    pair[1] = term("Qtwo");
    expect_hits(db, qy_query_combine(QY_Q_FILTER, pair, 2, 0), HITS("two"));
    qy_query_free(pair[0]);
    qy_query_free(pair[1]);

    expect_hits(db, qy_query_wildcard("ch", 2, 0), HITS("three", "two"));
    expect_hits(db, qy_query_wildcard("zz", 2, 0), NO_HITS);
    assert_int_equal(count_hits(db, qy_query_wildcard("Q", 1, 0)), 3);
    assert_int_equal(count_hits(db, qy_query_wildcard("Q", 1, 2)), 2);

    expect_hits(db, qy_query_value_range(0, "2021", "2022"),
                HITS("two", "three"));
    expect_hits(db, qy_query_value_range(0, NULL, "2020"), HITS("one"));
    expect_hits(db, qy_query_value_range(0, "2022", NULL), HITS("three"));
    expect_hits(db, qy_query_value_range(0, NULL, NULL),
                HITS("one", "two", "three"));
    expect_hits(db, qy_query_match_all(), HITS("one", "two", "three"));
    expect_hits(db, qy_query_match_nothing(), NO_HITS);

    qy_query_t *apple = term("apple");
    char *desc = qy_query_describe(apple);
    assert_non_null(desc);
    assert_non_null(strstr(desc, "apple"));
    free(desc);
    qy_query_t *scaled = qy_query_scale(apple, 2.0);
    assert_non_null(scaled);
    qy_query_free(scaled);
    assert_null(qy_query_scale(apple, -1.0));
    qy_query_free(apple);

    qy_db_close(db);
}

static void test_query_constructor_misuse(void **state)
{
    (void)state;
    qy_query_t *subs[2] = {term("a"), NULL};
    assert_null(qy_query_combine(QY_Q_OR, subs, 2, 0));
    assert_null(qy_query_combine(QY_Q_OR, subs, 0, 0));
    assert_null(qy_query_combine(QY_Q_OR, NULL, 1, 0));
    assert_null(qy_query_combine((qy_query_op_t)99, subs, 1, 0));
    assert_null(qy_query_term("", 0, 1, 0));
    assert_null(qy_query_term(NULL, 3, 1, 0));
    assert_null(qy_query_scale(NULL, 1.0));
    assert_null(qy_query_describe(NULL));
    qy_query_free(subs[0]);
    qy_query_free(NULL);
}

static void test_search_misuse(void **state)
{
    (void)state;
    const char *path = tmp_path("search-misuse");
    build_sample(path);
    qy_db_t *db = open_reader(path);
    qy_mset_t *mset = (qy_mset_t *)1;
    assert_int_equal(qy_db_search(db, NULL, &PARAMS, &mset), QY_INVALID);
    assert_null(mset);

    qy_query_t *q = term("apple");
    qy_search_params_t bad = PARAMS;
    bad.b = 2.0; /* BM25's b is a proportion */
    assert_int_equal(qy_db_search(db, q, &bad, &mset), QY_INVALID);
    assert_string_not_equal(qy_db_error(db), "");
    assert_int_equal(qy_db_search(db, q, NULL, &mset), QY_INVALID);
    qy_query_free(q);
    qy_db_close(db);
}

static void test_multiple_shards(void **state)
{
    (void)state;
    const char *paths[2] = {tmp_path("shard-a"), tmp_path("shard-b")};
    build_sample(paths[0]);
    build_sample(paths[1]);
    qy_db_t *db = NULL;
    assert_int_equal(qy_db_open_read(paths, 2, &db, NULL), QY_OK);
    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(db, &count), QY_OK);
    assert_int_equal(count, 2 * SAMPLE_COUNT);
    expect_hits(db, term("Qone"), HITS("one", "one"));
    qy_db_close(db);
}

/* ---- Searching on several threads ------------------------------------- */

/* Documents of words drawn from a small vocabulary with a skewed
 * frequency, so that weights spread and tie; a value in slot 1 for two
 * documents in three (the others are never collapsed). */
static void build_random(const char *path, unsigned docs)
{
    static const char *const VOCAB[] = {"alpha", "beta",  "gamma", "delta",
                                        "eps",   "zeta",  "eta",   "theta",
                                        "iota",  "kappa", "lambda"};
    qy_db_t *db = NULL;
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &db, NULL), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    uint32_t seed = 12345;
    for (unsigned d = 0; d < docs; d++) {
        qy_doc_clear(doc);
        unsigned len = 1 + d % 7;
        for (unsigned i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 64;
            /* word k with a chance of about 2^-k */
            unsigned k = 0;
            while (k + 1 < 11 && (r & (1u << k)) == 0)
                k++;
            assert_int_equal(
                qy_doc_add_posting(doc, VOCAB[k], strlen(VOCAB[k]), i + 1, 1),
                QY_OK);
        }
        char data[16], key[8];
        snprintf(data, sizeof data, "d%u", d);
        assert_int_equal(qy_doc_set_data(doc, data, strlen(data)), QY_OK);
        if (d % 3 != 0) {
            snprintf(key, sizeof key, "k%u", d % 17);
            assert_int_equal(qy_doc_set_value(doc, 1, key, strlen(key)), QY_OK);
        }
        assert_int_equal(qy_db_add_doc(db, doc), QY_OK);
    }
    qy_doc_free(doc);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
}

/* Runs Q with PARAMS on one thread and on THREADS, and checks that both
 * give the same hits (docids, weights, data) in the same order. */
static void expect_same_on_threads(qy_db_t *db, const qy_query_t *q,
                                   const qy_search_params_t *params,
                                   unsigned threads)
{
    qy_mset_t *one = NULL, *many = NULL;
    qy_db_set_search_threads(db, 1, 1);
    assert_int_equal(qy_db_search(db, q, params, &one), QY_OK);
    assert_int_equal(qy_mset_threads(one), 1);
    qy_db_set_search_threads(db, threads, 1);
    assert_int_equal(qy_db_search(db, q, params, &many), QY_OK);
    assert_int_equal(qy_mset_threads(many), threads);
    char *desc = qy_query_describe(q);
    if (qy_mset_size(one) != qy_mset_size(many))
        fail_msg("%s (offset %u, limit %u, collapse %d): %zu hits on one "
                 "thread, %zu on %u",
                 desc, params->offset, params->limit, params->collapse,
                 qy_mset_size(one), qy_mset_size(many), threads);
    for (size_t i = 0; i < qy_mset_size(one); i++) {
        qy_hit_t a, b;
        qy_mset_hit(one, i, &a);
        qy_mset_hit(many, i, &b);
        if (a.docid != b.docid || a.weight != b.weight ||
            a.data_len != b.data_len || memcmp(a.data, b.data, a.data_len))
            fail_msg("%s (offset %u, limit %u, collapse %d), hit %zu: "
                     "docid %u weight %.17g on one thread, docid %u weight "
                     "%.17g on %u",
                     desc, params->offset, params->limit, params->collapse, i,
                     a.docid, a.weight, b.docid, b.weight, threads);
    }
    /* Counted to the end, the totals are exact both ways. */
    if (params->check_at_least >= 100000)
        assert_int_equal(qy_mset_matches_estimated(one),
                         qy_mset_matches_estimated(many));
    /* The exact count, on one thread and on THREADS; an mset that claims
     * to have counted every match agrees with it, and a collapsed one
     * never claims it. */
    unsigned exact_one = 0, exact_many = 0, claimed;
    qy_db_set_search_threads(db, 1, 1);
    assert_int_equal(qy_db_count(db, q, &exact_one), QY_OK);
    qy_db_set_search_threads(db, threads, 1);
    assert_int_equal(qy_db_count(db, q, &exact_many), QY_OK);
    assert_int_equal(exact_one, exact_many);
    if (params->check_at_least >= 100000 && !params->collapse)
        assert_true(qy_mset_exact_count(one, &claimed));
    if (qy_mset_exact_count(one, &claimed))
        assert_int_equal(claimed, exact_one);
    if (qy_mset_exact_count(many, &claimed))
        assert_int_equal(claimed, exact_one);
    if (params->collapse)
        assert_false(qy_mset_exact_count(one, &claimed) ||
                     qy_mset_exact_count(many, &claimed));
    free(desc);
    qy_mset_free(one);
    qy_mset_free(many);
}

static void test_threads_give_the_same_hits(void **state)
{
    (void)state;
    const char *path = tmp_path("threads");
    build_random(path, 3000);
    /* Deleted documents leave gaps in the docids of each range. */
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &w, NULL), QY_OK);
    assert_int_equal(qy_db_delete_by_term(w, "lambda", 6), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);

    qy_db_t *db = open_reader(path);
    qy_query_t *words[4] = {term("alpha"), term("gamma"), term("theta"),
                            term("kappa")};
    qy_query_t *queries[5];
    queries[0] = term("delta");
    queries[1] = qy_query_combine(QY_Q_OR, words, 4, 0);
    queries[2] = qy_query_combine(QY_Q_AND, words, 2, 0);
    queries[3] = qy_query_combine(QY_Q_PHRASE, words + 1, 2, 0);
    qy_query_t *scaled = qy_query_scale(words[3], 3.0);
    qy_query_t *maybe[2] = {words[0], scaled};
    queries[4] = qy_query_combine(QY_Q_AND_MAYBE, maybe, 2, 0);
    qy_query_free(scaled);
    for (size_t i = 0; i < 4; i++)
        qy_query_free(words[i]);
    static const struct {
        unsigned offset, limit, check;
        int collapse;
    } PAGES[] = {{0, 10, 0, 0},       {0, 30, 100, 0}, {7, 10, 0, 0},
                 {0, 10, 0, 1},       {3, 5, 0, 1},    {0, 1000, 100000, 0},
                 {0, 1000, 100000, 1}};
    for (size_t qi = 0; qi < 5; qi++) {
        assert_non_null(queries[qi]);
        for (size_t p = 0; p < sizeof PAGES / sizeof *PAGES; p++) {
            qy_search_params_t params = {.k1 = 1.2,
                                         .b = 0.75,
                                         .offset = PAGES[p].offset,
                                         .limit = PAGES[p].limit,
                                         .check_at_least = PAGES[p].check,
                                         .collapse = PAGES[p].collapse,
                                         .collapse_slot = 1};
            for (unsigned t = 2; t <= 4; t++)
                expect_same_on_threads(db, queries[qi], &params, t);
        }
        qy_query_free(queries[qi]);
    }
    qy_db_close(db);
}

/* The exact count of Q on DB is the number of matches a search that
 * visits every match counts. */
static void expect_exact_count(qy_db_t *db, qy_query_t *q)
{
    qy_search_params_t params = PARAMS;
    params.check_at_least = 1000000;
    qy_db_set_search_threads(db, 1, 1);
    qy_mset_t *mset = NULL;
    assert_int_equal(qy_db_search(db, q, &params, &mset), QY_OK);
    unsigned searched = 0, counted = 0;
    assert_true(qy_mset_exact_count(mset, &searched));
    assert_int_equal(qy_db_count(db, q, &counted), QY_OK);
    char *desc = qy_query_describe(q);
    if (counted != searched)
        fail_msg("%s: counted %u, searched %u", desc, counted, searched);
    free(desc);
    qy_mset_free(mset);
    qy_query_free(q);
}

/* Disjunctions of terms are counted from their posting lists, other
 * queries by the matcher: both agree with a search, over gaps in the
 * docids, several shards, and a term in every document. */
static void test_count_of_disjunctions(void **state)
{
    (void)state;
    const char *paths[2] = {tmp_path("count-random"), tmp_path("count-gen")};
    build_random(paths[0], 2000);
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(paths[0], QY_DB_NO_SYNC, &w, NULL),
                     QY_OK);
    assert_int_equal(qy_db_delete_by_term(w, "lambda", 6), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);
    /* "common" in every document, after the first 100 are deleted */
    assert_int_equal(qy_db_open_write(paths[1], QY_DB_NO_SYNC, &w, NULL),
                     QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    add_generation(w, doc, 0, 100);
    add_generation(w, doc, 1, 150);
    assert_int_equal(qy_db_delete_by_term(w, "G0", 2), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_doc_free(doc);
    qy_db_close(w);

    for (size_t shards = 1; shards <= 2; shards++) {
        qy_db_t *db = NULL;
        assert_int_equal(qy_db_open_read(paths, shards, &db, NULL), QY_OK);
        qy_query_t *w4[4] = {term("alpha"), term("gamma"), term("theta"),
                             term("kappa")};
        expect_exact_count(db, qy_query_combine(QY_Q_OR, w4, 4, 0));
        expect_exact_count(db, qy_query_combine(QY_Q_SYNONYM, w4 + 1, 2, 0));
        expect_exact_count(db, qy_query_combine(QY_Q_MAX, w4 + 2, 2, 0));
        qy_query_t *scaled = qy_query_scale(w4[3], 0.0);
        qy_query_t *maybe[2] = {scaled, w4[0]};
        expect_exact_count(db, qy_query_combine(QY_Q_AND_MAYBE, maybe, 2, 0));
        qy_query_t *phrase = qy_query_combine(QY_Q_PHRASE, w4 + 1, 2, 0);
        qy_query_t *mixed[2] = {w4[0], phrase};
        expect_exact_count(db, qy_query_combine(QY_Q_OR, mixed, 2, 0));
        qy_query_t *common[3] = {term("nothere"), term("common"), w4[2]};
        expect_exact_count(db, qy_query_combine(QY_Q_OR, common, 3, 0));
        expect_exact_count(db, qy_query_combine(QY_Q_OR, common, 1, 0));
        expect_exact_count(db, term("G1"));
        expect_exact_count(db, qy_query_match_all());
        qy_query_free(common[0]);
        qy_query_free(common[1]);
        qy_query_free(phrase);
        qy_query_free(scaled);
        for (size_t i = 0; i < 4; i++)
            qy_query_free(w4[i]);
        qy_db_close(db);
    }
}

/* A reader searches the revision it opened on every thread: when the index
 * has moved on, one thread answers from that revision until reopened. */
static void test_threads_keep_to_the_readers_revision(void **state)
{
    (void)state;
    const char *path = tmp_path("threads-revision");
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &w, NULL), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    add_generation(w, doc, 0, 100);
    assert_int_equal(qy_db_commit(w), QY_OK);

    qy_db_t *r = open_reader(path);
    qy_db_set_search_threads(r, 2, 1);
    add_generation(w, doc, 1, 100);
    assert_int_equal(qy_db_commit(w), QY_OK);

    qy_query_t *q = term("common");
    qy_search_params_t params = PARAMS;
    params.limit = 1000;
    params.check_at_least = 1000;
    qy_mset_t *mset = NULL;
    /* The other thread's handle opens now, on the newer revision. */
    assert_int_equal(qy_db_search(r, q, &params, &mset), QY_OK);
    assert_int_equal(qy_mset_size(mset), 100);
    assert_int_equal(qy_mset_threads(mset), 1);
    qy_mset_free(mset);

    assert_int_equal(qy_db_reopen(r), QY_OK);
    assert_int_equal(qy_db_search(r, q, &params, &mset), QY_OK);
    assert_int_equal(qy_mset_size(mset), 200);
    assert_int_equal(qy_mset_threads(mset), 2);
    qy_mset_free(mset);

    /* Both handles on one revision stay on it while the index moves on. */
    add_generation(w, doc, 2, 100);
    assert_int_equal(qy_db_commit(w), QY_OK);
    assert_int_equal(qy_db_search(r, q, &params, &mset), QY_OK);
    assert_int_equal(qy_mset_size(mset), 200);
    assert_int_equal(qy_mset_threads(mset), 2);
    qy_mset_free(mset);

    qy_query_free(q);
    qy_doc_free(doc);
    qy_db_close(r);
    qy_db_close(w);
}

/* Several shards and small indexes are searched on one thread. */
static void test_threads_only_where_they_pay(void **state)
{
    (void)state;
    const char *paths[2] = {tmp_path("threads-a"), tmp_path("threads-b")};
    build_sample(paths[0]);
    build_sample(paths[1]);
    qy_query_t *q = term("apple");
    qy_mset_t *mset = NULL;

    qy_db_t *db = open_reader(paths[0]);
    qy_db_set_search_threads(db, 2, QY_PARALLEL_MIN_DOCS);
    assert_int_equal(qy_db_search(db, q, &PARAMS, &mset), QY_OK);
    assert_int_equal(qy_mset_threads(mset), 1);
    qy_mset_free(mset);
    qy_db_set_search_threads(db, 2, 1);
    assert_int_equal(qy_db_search(db, q, &PARAMS, &mset), QY_OK);
    assert_int_equal(qy_mset_threads(mset), 2);
    assert_int_equal(qy_mset_size(mset), 2);
    qy_mset_free(mset);
    qy_db_close(db);

    assert_int_equal(qy_db_open_read(paths, 2, &db, NULL), QY_OK);
    qy_db_set_search_threads(db, 2, 1);
    assert_int_equal(qy_db_search(db, q, &PARAMS, &mset), QY_OK);
    assert_int_equal(qy_mset_threads(mset), 1);
    assert_int_equal(qy_mset_size(mset), 4);
    qy_mset_free(mset);
    qy_db_close(db);
    qy_query_free(q);
}

/* ---- Changing an index ------------------------------------------------ */

static void test_delete_by_term(void **state)
{
    (void)state;
    const char *path = tmp_path("delete");
    build_sample(path);

    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &w, NULL), QY_OK);
    assert_int_equal(qy_db_delete_by_term(w, "Qtwo", 4), QY_OK);
    /* Deleting what is not there is not an error. */
    assert_int_equal(qy_db_delete_by_term(w, "Qnone", 5), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);

    qy_db_t *db = open_reader(path);
    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(db, &count), QY_OK);
    assert_int_equal(count, SAMPLE_COUNT - 1);
    expect_hits(db, term("apple"), HITS("one"));
    qy_db_close(db);
}

static void test_close_commits(void **state)
{
    (void)state;
    const char *path = tmp_path("close-commits");
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &w, NULL), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    add_sample(w, doc, &SAMPLE[0]);
    qy_doc_free(doc);
    qy_db_close(w);

    qy_db_t *db = open_reader(path);
    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(db, &count), QY_OK);
    assert_int_equal(count, 1);
    qy_db_close(db);
    qy_db_close(NULL);
}

static void test_metadata_round_trip(void **state)
{
    (void)state;
    const char *path = tmp_path("metadata");
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &w, NULL), QY_OK);
    /* Binary-safe: the embedded NUL must survive. */
    assert_int_equal(qy_db_set_metadata(w, "schema", "v1\0x", 4), QY_OK);
    assert_int_equal(qy_db_set_metadata(w, "", "x", 1), QY_INVALID);
    assert_string_not_equal(qy_db_error(w), "");
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);

    qy_db_t *db = open_reader(path);
    char *value = NULL;
    size_t len = 0;
    assert_int_equal(qy_db_get_metadata(db, "schema", &value, &len), QY_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(value, "v1\0x", 4);
    assert_int_equal(value[4], '\0');
    free(value);

    value = NULL;
    len = 99;
    assert_int_equal(qy_db_get_metadata(db, "missing", &value, &len), QY_OK);
    assert_non_null(value);
    assert_string_equal(value, "");
    assert_int_equal(len, 0);
    free(value);
    qy_db_close(db);
}

typedef struct collected {
    char terms[8][32];
    size_t n;
    size_t stop_after; /* 0: never stop */
} collected_t;

static int collect_term(void *ctx, const char *t, size_t len)
{
    collected_t *c = ctx;
    if (c->n < 8 && len < sizeof c->terms[0]) {
        memcpy(c->terms[c->n], t, len);
        c->terms[c->n][len] = '\0';
    }
    c->n++;
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static void test_each_term_with_prefix(void **state)
{
    (void)state;
    const char *path = tmp_path("each-term");
    build_sample(path);
    qy_db_t *db = open_reader(path);

    collected_t c = {0};
    assert_int_equal(qy_db_each_term(db, "Q", collect_term, &c), QY_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.terms[0], "Qone");
    assert_string_equal(c.terms[1], "Qthree");
    assert_string_equal(c.terms[2], "Qtwo");

    collected_t first = {.stop_after = 1};
    assert_int_equal(qy_db_each_term(db, "Q", collect_term, &first), QY_OK);
    assert_int_equal(first.n, 1);
    assert_string_equal(first.terms[0], "Qone");

    collected_t all = {0};
    assert_int_equal(qy_db_each_term(db, NULL, collect_term, &all), QY_OK);
    assert_int_equal(all.n, 6); /* apple banana cherry + three ids */

    collected_t none = {0};
    assert_int_equal(qy_db_each_term(db, "zz", collect_term, &none), QY_OK);
    assert_int_equal(none.n, 0);
    qy_db_close(db);
}

static void test_term_length_limit(void **state)
{
    (void)state;
    char longest[QY_MAX_TERM_BYTES + 1];
    memset(longest, 'x', sizeof longest);

    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    assert_int_equal(qy_doc_add_posting(doc, longest, QY_MAX_TERM_BYTES, 1, 1),
                     QY_OK);
    assert_int_equal(
        qy_doc_add_posting(doc, longest, QY_MAX_TERM_BYTES + 1, 2, 1),
        QY_INVALID);
    assert_int_equal(qy_doc_add_term(doc, longest, QY_MAX_TERM_BYTES + 1, 0),
                     QY_INVALID);
    assert_int_equal(qy_doc_add_posting(doc, "", 0, 3, 1), QY_INVALID);
    assert_int_equal(qy_doc_add_term(doc, "", 0, 1), QY_INVALID);

    const char *path = tmp_path("term-limit");
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &w, NULL), QY_OK);
    assert_int_equal(qy_db_add_doc(w, doc), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    assert_int_equal(qy_db_delete_by_term(w, longest, QY_MAX_TERM_BYTES + 1),
                     QY_INVALID);
    assert_string_not_equal(qy_db_error(w), "");
    assert_int_equal(qy_db_delete_by_term(w, "", 0), QY_INVALID);
    qy_db_close(w);
    qy_doc_free(doc);

    qy_db_t *db = open_reader(path);
    unsigned freq = 0;
    assert_int_equal(qy_db_term_freq(db, longest, QY_MAX_TERM_BYTES, &freq),
                     QY_OK);
    assert_int_equal(freq, 1);
    assert_int_equal(qy_db_term_freq(db, longest, QY_MAX_TERM_BYTES + 1, &freq),
                     QY_INVALID);
    assert_int_equal(qy_db_term_freq(db, "", 0, &freq), QY_INVALID);

    qy_query_t *q = qy_query_term(longest, QY_MAX_TERM_BYTES, 1, 0);
    assert_non_null(q);
    qy_query_free(q);
    assert_null(qy_query_term(longest, QY_MAX_TERM_BYTES + 1, 1, 0));
    assert_null(qy_query_wildcard(longest, QY_MAX_TERM_BYTES + 1, 0));
    assert_null(qy_query_wildcard("", 0, 0));
    qy_db_close(db);
}

static void test_writes_on_reader_are_refused(void **state)
{
    (void)state;
    const char *path = tmp_path("read-only");
    build_sample(path);
    qy_db_t *db = open_reader(path);
    qy_doc_t *doc = qy_doc_new();
    assert_int_equal(qy_db_add_doc(db, doc), QY_READ_ONLY);
    assert_string_not_equal(qy_db_error(db), "");
    assert_int_equal(qy_db_delete_by_term(db, "Qone", 4), QY_READ_ONLY);
    assert_int_equal(qy_db_set_metadata(db, "k", "v", 1), QY_READ_ONLY);
    assert_int_equal(qy_db_commit(db), QY_READ_ONLY);
    qy_doc_free(doc);

    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(db, &count), QY_OK);
    assert_int_equal(count, SAMPLE_COUNT);
    qy_db_close(db);
}

/* ---- Opening failures ------------------------------------------------- */

/* Open failures must name the path, on one line. */
static void assert_names_path(char *err, const char *path)
{
    assert_non_null(err);
    if (strstr(err, path) == NULL)
        fail_msg("message \"%s\" does not name \"%s\"", err, path);
    assert_null(strchr(err, '\n'));
    free(err);
}

static void test_missing_index(void **state)
{
    (void)state;
    const char *path = tmp_path("no/such/index");
    qy_db_t *db = (qy_db_t *)1;
    char *err = NULL;
    assert_int_equal(qy_db_open_read(&path, 1, &db, &err), QY_NOT_FOUND);
    assert_null(db);
    assert_non_null(err);
    char expected[4200];
    snprintf(expected, sizeof expected, "no index at '%s'", path);
    assert_string_equal(err, expected);
    free(err);

    /* Without a parent directory there is nothing to create it in. */
    assert_int_not_equal(qy_db_open_write(path, 0, &db, &err), QY_OK);
    assert_null(db);
    assert_names_path(err, path);
    assert_false(exists(tmp_path("no")));

    assert_int_equal(qy_db_open_read(NULL, 0, &db, &err), QY_INVALID);
    free(err);
}

static void test_directory_that_is_not_an_index(void **state)
{
    (void)state;
    const char *path = tmp_path("plain-dir");
    assert_int_equal(mkdir(path, 0755), 0);
    write_file(tmp_path("plain-dir/notes.txt"), "not an index\n");

    qy_db_t *db = NULL;
    char *err = NULL;
    assert_int_equal(qy_db_open_read(&path, 1, &db, &err), QY_NOT_FOUND);
    assert_null(db);
    assert_names_path(err, path);

    /* Writing must not scatter index tables among someone's files. */
    assert_int_equal(qy_db_open_write(path, 0, &db, &err), QY_OPENING);
    assert_null(db);
    assert_names_path(err, path);
    assert_false(exists(tmp_path("plain-dir/iamglass")));

    /* An empty directory is a fine place for a new index. */
    const char *empty = tmp_path("empty-dir");
    assert_int_equal(mkdir(empty, 0755), 0);
    assert_int_equal(qy_db_open_write(empty, 0, &db, &err), QY_OK);
    assert_null(err);
    qy_db_close(db);
}

static void test_path_is_a_regular_file(void **state)
{
    (void)state;
    const char *path = tmp_path("a-file");
    write_file(path, "hello\n");

    qy_db_t *db = NULL;
    char *err = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &db, &err), QY_OPENING);
    assert_null(db);
    assert_names_path(err, path);

    assert_int_equal(qy_db_open_read(&path, 1, &db, &err), QY_OPENING);
    assert_null(db);
    assert_names_path(err, path);
}

static void test_bad_remote_address(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "tcp://localhost",     "tcp://localhost:",      "tcp://localhost:http",
        "tcp://localhost:0",   "tcp://localhost:65536", "tcp://:6431",
        "tcp://localhost:12x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qy_db_t *db = NULL;
        char *err = NULL;
        assert_int_equal(qy_db_open_read(&bad[i], 1, &db, &err), QY_INVALID);
        assert_null(db);
        assert_names_path(err, bad[i]);
    }
    qy_db_t *db = NULL;
    const char *remote = "tcp://localhost:6431";
    assert_int_equal(qy_db_open_write(remote, 0, &db, NULL), QY_INVALID);
}

/* Xapian's lock belongs to a process, so the competing writer must be a
 * child. Two pipes order the steps: the child reports when it holds the
 * lock, and releases it when the parent closes its end of the other. */
static void test_locked_index(void **state)
{
    (void)state;
    const char *path = tmp_path("locked");
    build_sample(path);

    int held[2], release[2];
    assert_int_equal(pipe(held), 0);
    assert_int_equal(pipe(release), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(held[0]);
        close(release[1]);
        qy_db_t *w = NULL;
        if (qy_db_open_write(path, 0, &w, NULL) != QY_OK)
            _exit(3);
        if (write(held[1], "L", 1) != 1)
            _exit(4);
        char c;
        while (read(release[0], &c, 1) > 0)
            ;
        qy_db_close(w);
        _exit(0);
    }
    close(held[1]);
    close(release[0]);

    char c = 0;
    assert_int_equal(read(held[0], &c, 1), 1);
    assert_int_equal(c, 'L');

    qy_db_t *db = NULL;
    char *err = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &db, &err), QY_LOCKED);
    assert_null(db);
    char expected[4200];
    snprintf(expected, sizeof expected,
             "index '%s' is locked by another indexer", path);
    assert_non_null(err);
    assert_string_equal(err, expected);
    free(err);

    /* Readers are not blocked by a writer. */
    db = open_reader(path);
    qy_db_close(db);

    /* Waiting for the lock succeeds once the child lets go, whenever that
     * happens relative to this call. */
    close(release[1]);
    assert_int_equal(qy_db_open_write(path, QY_DB_WAIT_LOCK, &db, &err), QY_OK);
    assert_null(err);
    qy_db_close(db);

    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(held[0]);
}

/* A reader keeps the revision it opened; once a writer has committed
 * enough over it, Xapian discards that revision and the reader must reopen.
 * Seeing the newest data proves the search went through the reopen. */
/* Adds COUNT documents indexed by "common" and the boolean term G<GEN>,
 * with data "gen<GEN>-<i>". */
static void add_generation(qy_db_t *w, qy_doc_t *doc, unsigned gen,
                           unsigned count)
{
    char id[16], data[32];
    snprintf(id, sizeof id, "G%u", gen);
    for (unsigned i = 0; i < count; i++) {
        qy_doc_clear(doc);
        assert_int_equal(qy_doc_add_term(doc, "common", 6, 1), QY_OK);
        assert_int_equal(qy_doc_add_term(doc, id, strlen(id), 0), QY_OK);
        snprintf(data, sizeof data, "gen%u-%u", gen, i);
        assert_int_equal(qy_doc_set_data(doc, data, strlen(data)), QY_OK);
        assert_int_equal(qy_db_add_doc(w, doc), QY_OK);
    }
}

static void test_search_survives_concurrent_commits(void **state)
{
    (void)state;
    enum { DOCS = 5000, COMMITS = 20 };
    const char *path = tmp_path("concurrent");
    qy_db_t *w = NULL;
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &w, NULL), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    add_generation(w, doc, 0, DOCS);
    assert_int_equal(qy_db_commit(w), QY_OK);

    qy_db_t *r = open_reader(path);
    qy_query_t *q = term("common");
    qy_mset_t *mset = NULL;
    assert_int_equal(qy_db_search(r, q, &PARAMS, &mset), QY_OK);
    qy_hit_t hit;
    qy_mset_hit(mset, 0, &hit);
    assert_int_equal(hit.data_len, 6);
    assert_memory_equal(hit.data, "gen0-0", 6);
    qy_mset_free(mset);

    /* Replacing every document each time frees all of the blocks of the
     * reader's revision for reuse. */
    for (unsigned gen = 1; gen <= COMMITS; gen++) {
        char old[16];
        snprintf(old, sizeof old, "G%u", gen - 1);
        add_generation(w, doc, gen, DOCS);
        assert_int_equal(qy_db_delete_by_term(w, old, strlen(old)), QY_OK);
        assert_int_equal(qy_db_commit(w), QY_OK);
    }
    qy_doc_free(doc);

    /* Equal weights rank by docid: the newest generation's first doc. */
    assert_int_equal(qy_db_search(r, q, &PARAMS, &mset), QY_OK);
    qy_mset_hit(mset, 0, &hit);
    char expected[32];
    snprintf(expected, sizeof expected, "gen%u-0", (unsigned)COMMITS);
    if (hit.data_len != strlen(expected) ||
        memcmp(hit.data, expected, hit.data_len) != 0)
        fail_msg("stale hit \"%.*s\", expected \"%s\"", (int)hit.data_len,
                 hit.data, expected);
    unsigned count = 0;
    assert_int_equal(qy_db_doc_count(r, &count), QY_OK);
    assert_int_equal(count, DOCS);
    qy_mset_free(mset);
    qy_query_free(q);

    assert_int_equal(qy_db_reopen(r), QY_OK);
    qy_db_close(r);
    qy_db_close(w);
}

/* ---- Statuses --------------------------------------------------------- */

static void test_every_status_has_a_description(void **state)
{
    (void)state;
    const char *seen[QY_INTERNAL + 1];
    for (int s = QY_OK; s <= QY_INTERNAL; s++) {
        const char *text = qy_status_to_string((qy_status_t)s);
        assert_non_null(text);
        assert_true(text[0] != '\0');
        assert_string_not_equal(text, "unknown status");
        for (int prev = QY_OK; prev < s; prev++)
            assert_string_not_equal(text, seen[prev]);
        seen[s] = text;
    }
    assert_non_null(qy_status_to_string((qy_status_t)(QY_INTERNAL + 1)));
    assert_string_equal(qy_db_error(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_then_read),
        cmocka_unit_test(test_search_ranking),
        cmocka_unit_test(test_query_operators),
        cmocka_unit_test(test_query_constructor_misuse),
        cmocka_unit_test(test_search_misuse),
        cmocka_unit_test(test_multiple_shards),
        cmocka_unit_test(test_threads_give_the_same_hits),
        cmocka_unit_test(test_count_of_disjunctions),
        cmocka_unit_test(test_threads_keep_to_the_readers_revision),
        cmocka_unit_test(test_threads_only_where_they_pay),
        cmocka_unit_test(test_delete_by_term),
        cmocka_unit_test(test_close_commits),
        cmocka_unit_test(test_metadata_round_trip),
        cmocka_unit_test(test_each_term_with_prefix),
        cmocka_unit_test(test_term_length_limit),
        cmocka_unit_test(test_writes_on_reader_are_refused),
        cmocka_unit_test(test_missing_index),
        cmocka_unit_test(test_directory_that_is_not_an_index),
        cmocka_unit_test(test_path_is_a_regular_file),
        cmocka_unit_test(test_bad_remote_address),
        cmocka_unit_test(test_locked_index),
        cmocka_unit_test(test_search_survives_concurrent_commits),
        cmocka_unit_test(test_every_status_has_a_description),
    };
    return cmocka_run_group_tests(tests, make_tmp_root, remove_tmp_root);
}
