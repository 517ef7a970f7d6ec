/* Bulk loading (core/quarry/bulk.h): shards on worker threads merged into
 * the target, with the same passages, terms and metadata as one writer
 * would leave, and the target untouched until the merged index replaces
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include <dirent.h>

#include "cli.h"
#include "quarry/bulk.h"
#include "quarry/ingest.h"
#include "quarry/schema.h"

#define DOCS 40

/* The JSON Lines document number I, in version V, 1 or 2 (the word alpha
 * becomes omega). */
static void jsonl_doc(int i, int v, qy_jsonl_doc_t *doc)
{
    char line[1024];
    snprintf(line, sizeof line,
             "{\"id\": \"doc-%d\", \"title\": \"Report %d\", \"text\": "
             "\"The harbour of town %d was rebuilt after plan %s.\\nA "
             "second paragraph about copper mining near town %d follows "
             "here.\"}",
             i, i, i, v == 1 ? "alpha" : "omega", i);
    const char *why = NULL;
    assert_int_equal(qy_jsonl_parse(line, strlen(line), doc, &why), QY_OK);
}

static void plain_article(int i, qy_article_t *art)
{
    char text[512];
    snprintf(text, sizeof text,
             "Notes on the castle %d\n\nThe castle number %d stands above "
             "the river valley.\n\nIts library keeps old maps of the valley "
             "roads. The Valley Roads Trust (VRT) lends them.\n",
             i, i);
    assert_int_equal(qy_split_plain(text, strlen(text), art), QY_OK);
}

static qy_db_t *open_target(const char *path)
{
    qy_db_t *db = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(path, 0, &db, &error), QY_OK);
    assert_int_equal(qy_schema_prepare(db, "english", NULL, &error), QY_OK);
    assert_null(error);
    return db;
}

static unsigned doc_count(const char *path)
{
    qy_db_t *db = NULL;
    unsigned n = 0;
    assert_int_equal(qy_db_open_read(&path, 1, &db, NULL), QY_OK);
    assert_int_equal(qy_db_doc_count(db, &n), QY_OK);
    qy_db_close(db);
    return n;
}

static unsigned term_freq(const char *path, const char *term)
{
    qy_db_t *db = NULL;
    unsigned n = 0;
    assert_int_equal(qy_db_open_read(&path, 1, &db, NULL), QY_OK);
    assert_int_equal(qy_db_term_freq(db, term, strlen(term), &n), QY_OK);
    qy_db_close(db);
    return n;
}

static char *metadata(const char *path, const char *key)
{
    qy_db_t *db = NULL;
    char *value = NULL;
    assert_int_equal(qy_db_open_read(&path, 1, &db, NULL), QY_OK);
    assert_int_equal(qy_db_get_metadata(db, key, &value, NULL), QY_OK);
    qy_db_close(db);
    return value;
}

static int add_key(void *ctx, const char *key, size_t len)
{
    char **all = ctx;
    size_t n = strlen(*all);
    char *more = realloc(*all, n + len + 2);
    assert_non_null(more);
    memcpy(more + n, key, len);
    memcpy(more + n + len, "\n", 2);
    *all = more;
    return 0;
}

/* The user metadata keys of PATH that start with PREFIX, one per line. */
static char *metadata_keys(const char *path, const char *prefix)
{
    qy_db_t *db = NULL;
    char *all = calloc(1, 1);
    assert_non_null(all);
    assert_int_equal(qy_db_open_read(&path, 1, &db, NULL), QY_OK);
    assert_int_equal(qy_db_each_metadata_key(db, prefix, add_key, &all), QY_OK);
    qy_db_close(db);
    return all;
}

/* Entries of the temporary directory whose name contains ".bulk-". */
static int leftovers(void)
{
    DIR *d = opendir(cli_tmp);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".bulk-") != NULL;
    closedir(d);
    return n;
}

/* Loads every document into PATH: through a bulk load of JOBS workers, or
 * with one writer when JOBS is 0. */
static void load(const char *path, unsigned jobs, int version)
{
    qy_db_t *db = open_target(path);
    if (jobs == 0) {
        qy_analyzer_t *a = NULL;
        qy_ingest_t *ing = NULL;
        assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
        assert_int_equal(qy_ingest_new(db, a, &ing), QY_OK);
        for (int i = 0; i < DOCS; i++) {
            qy_jsonl_doc_t doc;
            qy_article_t art;
            jsonl_doc(i, version, &doc);
            assert_int_equal(qy_split_jsonl(&doc, &art), QY_OK);
            assert_int_equal(qy_ingest_jsonl(ing, "/docs.jsonl", &doc, &art),
                             QY_OK);
            qy_article_free(&art);
            qy_jsonl_doc_free(&doc);
            plain_article(i, &art);
            char source[64];
            snprintf(source, sizeof source, "/castle-%d.txt", i);
            assert_int_equal(qy_ingest_article(ing, source, &art), QY_OK);
            qy_article_free(&art);
        }
        assert_int_equal(qy_ingest_flush(ing), QY_OK);
        assert_int_equal(qy_db_commit(db), QY_OK);
        qy_ingest_free(ing);
        qy_analyzer_free(a);
        qy_db_close(db);
        return;
    }
    qy_bulk_opts_t opts = {jobs, 7, 0}; /* small batches: several flushes */
    qy_bulk_t *b = NULL;
    char *error = NULL;
    assert_int_equal(qy_bulk_new(db, &opts, &b, &error), QY_OK);
    for (int i = 0; i < DOCS; i++) {
        qy_jsonl_doc_t doc;
        qy_article_t art;
        jsonl_doc(i, version, &doc);
        assert_int_equal(qy_bulk_add_jsonl(b, "/docs.jsonl", &doc), QY_OK);
        assert_null(doc.id); /* taken over */
        plain_article(i, &art);
        char source[64];
        snprintf(source, sizeof source, "/castle-%d.txt", i);
        assert_int_equal(qy_bulk_add_article(b, source, &art), QY_OK);
        assert_int_equal(art.count, 0);
    }
    unsigned long passages = 0;
    assert_int_equal(qy_bulk_finish(b, &db, &passages, &error), QY_OK);
    assert_null(db);
    assert_null(error);
    assert_int_equal(passages, DOCS * 4);
}

static void test_bulk_matches_one_writer(void **state)
{
    (void)state;
    char one[4200], bulk[4200];
    tmp_path(one, sizeof one, "one.idx");
    tmp_path(bulk, sizeof bulk, "bulk.idx");
    load(one, 0, 1);
    load(bulk, 3, 1);
    assert_int_equal(doc_count(bulk), DOCS * 4);
    assert_int_equal(doc_count(bulk), doc_count(one));
    static const char *const terms[] = {"harbour", "copper", "castl",
                                        "valley",  "Qdoc-7", "P/castle-3.txt",
                                        "Sreport", "1"};
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++)
        assert_int_equal(term_freq(bulk, terms[i]), term_freq(one, terms[i]));
    char *lang = metadata(bulk, QY_META_LANG);
    assert_string_equal(lang, "english");
    free(lang);
    /* The acronym the workers learned keeps its mark: it finds its long
     * form only when typed in capitals. */
    char *learned_one = metadata_keys(one, "quarry.learned ");
    char *learned_bulk = metadata_keys(bulk, "quarry.learned ");
    assert_string_equal(learned_one, "quarry.learned valley road trust\tvrt\n"
                                     "quarry.learned vrt\tvalley road trust\n");
    assert_string_equal(learned_bulk, learned_one);
    free(learned_one);
    free(learned_bulk);
    assert_int_equal(leftovers(), 0);

    /* The merged index answers questions like the one written directly. */
    run_result_t r1 = run(QUARRY_QUERY_BIN, "-d", one, "-n", "3", "--json",
                          "copper mining town", (char *)NULL);
    run_result_t r2 = run(QUARRY_QUERY_BIN, "-d", bulk, "-n", "3", "--json",
                          "copper mining town", (char *)NULL);
    assert_int_equal(r1.status, 0);
    assert_int_equal(r2.status, 0);
    const char *t1 = strstr(r1.out, "\"total\""),
               *t2 = strstr(r2.out, "\"total\"");
    assert_non_null(t1);
    assert_non_null(t2);
    assert_int_equal(strtol(t1 + 8, NULL, 10), strtol(t2 + 8, NULL, 10));
    run_free(&r1);
    run_free(&r2);
}

static void test_bulk_into_existing_index_replaces(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "existing.idx");
    load(path, 0, 1);
    unsigned before = doc_count(path);
    qy_db_t *db = open_target(path);
    assert_int_equal(qy_db_set_metadata(db, "test.gone", "x", 1), QY_OK);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
    char *learned = metadata_keys(path, "quarry.learned ");
    assert_string_not_equal(learned, "");

    db = open_target(path);
    qy_bulk_opts_t opts = {2, 0, 0};
    qy_bulk_t *b = NULL;
    char *error = NULL;
    assert_int_equal(qy_bulk_new(db, &opts, &b, &error), QY_OK);
    /* Version 2 of half the documents, one new document, one source gone
     * and a metadata key, the last two through the target's handle. */
    for (int i = 0; i < DOCS / 2; i++) {
        qy_jsonl_doc_t doc;
        jsonl_doc(i, 2, &doc);
        assert_int_equal(qy_bulk_add_jsonl(b, "/docs.jsonl", &doc), QY_OK);
    }
    qy_jsonl_doc_t doc;
    jsonl_doc(1000, 2, &doc);
    assert_int_equal(qy_bulk_add_jsonl(b, "/docs.jsonl", &doc), QY_OK);
    char term[QY_MAX_TERM_BYTES + 1];
    size_t n = qy_boolean_term(QY_PREFIX_SOURCE, "/castle-5.txt", term);
    assert_int_equal(qy_db_delete_by_term(db, term, n), QY_OK);
    assert_int_equal(qy_db_set_metadata(db, "test.key", "kept", 4), QY_OK);
    assert_int_equal(qy_db_set_metadata(db, "test.gone", "", 0), QY_OK);
    assert_int_equal(qy_bulk_finish(b, &db, NULL, &error), QY_OK);

    /* 2 passages per JSON Lines document, 2 per castle. */
    assert_int_equal(doc_count(path), before + 2 - 2);
    assert_int_equal(term_freq(path, "Qdoc-3"), 2);
    assert_int_equal(term_freq(path, "Qdoc-1000"), 2);
    assert_int_equal(term_freq(path, "P/castle-5.txt"), 0);
    assert_int_equal(term_freq(path, "P/castle-6.txt"), 2);
    /* Version 2 replaced version 1 in the first half only. */
    assert_int_equal(term_freq(path, "omega"), DOCS / 2 + 1);
    assert_int_equal(term_freq(path, "alpha"), DOCS / 2);
    char *value = metadata(path, "test.key");
    assert_string_equal(value, "kept");
    free(value);
    value = metadata(path, "test.gone");
    assert_string_equal(value, "");
    free(value);
    char *after = metadata_keys(path, "quarry.learned ");
    assert_string_equal(after, learned);
    free(after);
    free(learned);
    assert_int_equal(leftovers(), 0);
}

static void test_abandoned_load_leaves_target_alone(void **state)
{
    (void)state;
    char path[4200], stale[4300];
    tmp_path(path, sizeof path, "abandoned.idx");
    load(path, 0, 1);
    unsigned before = doc_count(path);
    /* What a killed load leaves behind is cleared by the next one. */
    snprintf(stale, sizeof stale, "%s.bulk-999999", path);
    assert_int_equal(mkdir(stale, 0700), 0);
    char shard[4400];
    snprintf(shard, sizeof shard, "%s/shard-0", stale);
    write_file(shard, "half-written");

    qy_db_t *db = open_target(path);
    qy_bulk_t *b = NULL;
    char *error = NULL;
    assert_int_equal(qy_bulk_new(db, NULL, &b, &error), QY_OK);
    assert_int_equal(leftovers(), 1); /* this load's own shards */
    for (int i = 0; i < DOCS; i++) {
        qy_jsonl_doc_t doc;
        jsonl_doc(i + 500, 1, &doc);
        assert_int_equal(qy_bulk_add_jsonl(b, "/more.jsonl", &doc), QY_OK);
    }
    assert_int_equal(qy_db_set_metadata(db, "test.key", "dropped", 7), QY_OK);
    qy_bulk_free(b);
    assert_int_equal(leftovers(), 0);
    /* The handle is usable again, and its last commit is what is there. */
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
    assert_int_equal(doc_count(path), before);
    char *value = metadata(path, "test.key");
    assert_string_equal(value, "");
    free(value);
}

static void test_documents_added_to_target_fail_the_load(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "added.idx");
    load(path, 0, 1);
    unsigned before = doc_count(path);

    qy_db_t *db = open_target(path);
    qy_bulk_t *b = NULL;
    char *error = NULL;
    assert_int_equal(qy_bulk_new(db, NULL, &b, &error), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_int_equal(qy_doc_add_term(doc, "stray", 5, 1), QY_OK);
    assert_int_equal(qy_db_add_doc(db, doc), QY_OK);
    qy_doc_free(doc);
    assert_int_equal(qy_bulk_finish(b, &db, NULL, &error), QY_INVALID);
    assert_non_null(error);
    assert_non_null(strstr(error, "outside the bulk load"));
    free(error);
    assert_non_null(db); /* still the caller's */
    qy_db_close(db);
    assert_int_equal(doc_count(path), before);
    assert_int_equal(leftovers(), 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "bad.idx");
    qy_db_t *db = open_target(path);
    qy_bulk_t *b = NULL;
    char *error = NULL;
    qy_bulk_opts_t opts = {QY_BULK_MAX_JOBS + 1, 0, 0};
    assert_int_equal(qy_bulk_new(db, &opts, &b, &error), QY_INVALID);
    assert_null(b);
    assert_non_null(error);
    free(error);
    error = NULL;
    assert_int_equal(qy_bulk_new(db, NULL, &b, &error), QY_OK);
    qy_jsonl_doc_t doc = {0};
    assert_int_equal(qy_bulk_add_jsonl(b, "/x.jsonl", &doc), QY_INVALID);
    qy_bulk_free(b);
    qy_db_close(db);
    qy_bulk_free(NULL);
}

/* A reader opened before a bulk load answers from the new index once it
 * reopens: the load put another directory in the path, perhaps at the same
 * revision number as the old one. */
static void test_reader_follows_the_swap(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "swapped.idx");
    load(path, 0, 1);
    const char *paths[] = {path};
    qy_db_t *r = NULL;
    unsigned n = 0;
    assert_int_equal(qy_db_open_read(paths, 1, &r, NULL), QY_OK);
    assert_int_equal(qy_db_term_freq(r, "alpha", 5, &n), QY_OK);
    assert_int_equal(n, DOCS);
    for (int round = 0; round < 3; round++) {
        int version = round % 2 ? 1 : 2;
        load(path, 2, version);
        assert_int_equal(qy_db_reopen(r), QY_OK);
        assert_int_equal(qy_db_doc_count(r, &n), QY_OK);
        assert_int_equal(n, DOCS * 4);
        assert_int_equal(qy_db_term_freq(r, "omega", 5, &n), QY_OK);
        assert_int_equal(n, version == 2 ? DOCS : 0);
        assert_int_equal(qy_db_term_freq(r, "alpha", 5, &n), QY_OK);
        assert_int_equal(n, version == 1 ? DOCS : 0);
        /* the postings agree with the statistics */
        qy_query_t *q = qy_query_term("omega", 5, 1, 0);
        qy_search_params_t params = {.limit = 2 * DOCS, .k1 = 1.2, .b = 0.75};
        qy_mset_t *m = NULL;
        assert_int_equal(qy_db_search(r, q, &params, &m), QY_OK);
        assert_int_equal(qy_mset_size(m), version == 2 ? DOCS : 0);
        qy_mset_free(m);
        qy_query_free(q);
    }
    qy_db_close(r);
    assert_int_equal(leftovers(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_matches_one_writer),
        cmocka_unit_test(test_bulk_into_existing_index_replaces),
        cmocka_unit_test(test_abandoned_load_leaves_target_alone),
        cmocka_unit_test(test_documents_added_to_target_fail_the_load),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_reader_follows_the_swap),
    };
    return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
