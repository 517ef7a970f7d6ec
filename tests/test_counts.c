/* `query --count`, JSON `total` and `--files` against a count made without
 * the matcher: the posting lists of the question's stems, read one by one,
 * united or intersected here, and the source terms of the passages they
 * hold. The index holds the first articles of the Wikipedia sample and the
 * RFC sample (over 50,000 passages, in many files), so that Xapian's
 * estimates, and feedback (which only runs on a large index), are in play.
 * Skipped (77) when ../shared/data or xz is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define DATA QUARRY_DATA_DIR
#define WIKI_ARTICLES 6000
#define MIN_PASSAGES 50000

static char index_dir[4200];
static qy_db_t *db;
static qy_analyzer_t *an;
static unsigned last_docid;

static int setup(void **state)
{
    char wiki[4200], cmd[9000];
    if (access(DATA "/enwiki/enwiki-sample.jsonl.xz", R_OK) != 0 ||
        access(DATA "/rfc-sample", R_OK) != 0 ||
        system("xz --version >/dev/null 2>&1") != 0)
        return -1;
    if (cli_setup(state))
        return -1;
    tmp_path(index_dir, sizeof index_dir, "index");
    tmp_path(wiki, sizeof wiki, "enwiki.jsonl");
    snprintf(cmd, sizeof cmd, "xz -dc '%s' | head -n %d > '%s'",
             DATA "/enwiki/enwiki-sample.jsonl.xz", WIKI_ARTICLES, wiki);
    if (system(cmd) != 0)
        return -1;
    run_result_t r =
        run(INDEXER, "-q", "-d", index_dir, wiki, DATA "/rfc-sample", NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    char *error = NULL;
    const char *paths[] = {index_dir};
    unsigned first = 0;
    if (!ok || qy_db_open_read(paths, 1, &db, &error) != QY_OK ||
        qy_analyzer_new("english", &an) != QY_OK ||
        qy_db_docid_range(db, &first, &last_docid) != QY_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    qy_db_close(db);
    qy_analyzer_free(an);
    return cli_teardown(state);
}

/* ---- The count without the matcher ------------------------------------ */

typedef struct bitmap {
    unsigned char *bits; /* one byte per docid: simple, and 50 KB or so */
} bitmap_t;

static int mark(void *ctx, unsigned docid)
{
    bitmap_t *b = ctx;
    b->bits[docid] = 1;
    return 0;
}

/* The passages whose text holds WORD (as the indexer stems it). */
static unsigned char *postings(const char *word)
{
    bitmap_t b = {calloc(last_docid + 1, 1)};
    size_t n;
    const char *stem = qy_stem(an, word, strlen(word), &n);
    assert_non_null(stem);
    assert_int_equal(qy_db_each_docid(db, stem, n, mark, &b), QY_OK);
    return b.bits;
}

typedef enum how { ONE, ALL, ANY, BUT } how_t;

typedef struct question {
    how_t how;
    const char *a, *b; /* B is NULL for ONE */
} question_t;

/* The passages QUESTION matches: A; A and B; A or B; A but not B. */
static unsigned char *expected(const question_t *qn)
{
    unsigned char *x = postings(qn->a);
    if (qn->how == ONE)
        return x;
    unsigned char *y = postings(qn->b);
    for (unsigned d = 0; d <= last_docid; d++)
        x[d] = qn->how == ALL   ? x[d] && y[d]
               : qn->how == ANY ? x[d] || y[d]
                                : x[d] && !y[d];
    free(y);
    return x;
}

typedef struct sources {
    const unsigned char *match;
    char **names; /* sources holding a matching passage, as stored */
    size_t n, cap;
    int hit;
} sources_t;

static int any_match(void *ctx, unsigned docid)
{
    sources_t *s = ctx;
    s->hit = s->match[docid];
    return s->hit;
}

static int each_source(void *ctx, const char *term, size_t len)
{
    sources_t *s = ctx;
    s->hit = 0;
    assert_int_equal(qy_db_each_docid(db, term, len, any_match, s), QY_OK);
    if (!s->hit)
        return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->names = realloc(s->names, s->cap * sizeof *s->names);
    }
    s->names[s->n++] = strndup(term + 1, len - 1); /* after the prefix */
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- What query answers ----------------------------------------------- */

static char *text_of(const question_t *qn, char *buf, size_t size)
{
    static const char *const ops[] = {"", "AND", "OR", "NOT"};
    if (qn->how == ONE)
        snprintf(buf, size, "%s", qn->a);
    else if (qn->how == ANY)
        snprintf(buf, size, "%s %s", qn->a, qn->b); /* a plain question */
    else
        snprintf(buf, size, "%s %s %s", qn->a, ops[qn->how], qn->b);
    return buf;
}

static unsigned query_count(const char *text)
{
    run_result_t r =
        run(QUERY, "-d", index_dir, "--no-spelling", "--count", text, NULL);
    assert_true(r.status == 0 || r.status == 1);
    unsigned n = (unsigned)strtoul(r.out, NULL, 10);
    run_free(&r);
    return n;
}

static unsigned json_total(const char *text, const char *limit)
{
    run_result_t r = run(QUERY, "-d", index_dir, "--no-spelling", "--json",
                         "-n", limit, text, NULL);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *t = cJSON_GetObjectItem(j, "total");
    assert_true(cJSON_IsNumber(t));
    unsigned n = (unsigned)t->valuedouble;
    cJSON_Delete(j);
    run_free(&r);
    return n;
}

/* --files, sorted; *N gets the number of lines. */
static char **query_files(const char *text, size_t *n)
{
    run_result_t r =
        run(QUERY, "-d", index_dir, "--no-spelling", "--files", text, NULL);
    assert_true(r.status == 0 || r.status == 1);
    char **lines = NULL;
    *n = 0;
    for (char *save = NULL, *l = strtok_r(r.out, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char **more = realloc(lines, (*n + 1) * sizeof *lines);
        assert_non_null(more);
        lines = more;
        lines[(*n)++] = strdup(l);
    }
    run_free(&r);
    if (*n > 1)
        qsort(lines, *n, sizeof *lines, by_name);
    return lines;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Words chosen for their spread of frequencies (from most passages to a
 * handful), with no irregular forms or synonyms in the index, so that the
 * question means exactly its words' stems. */
static const question_t questions[] = {
    {ONE, "the", NULL},
    {ONE, "of", NULL},
    {ONE, "protocol", NULL},
    {ONE, "congestion", NULL},
    {ONE, "middlebox", NULL},
    {ONE, "river", NULL},
    {ONE, "population", NULL},
    {ONE, "album", NULL},
    {ONE, "football", NULL},
    {ONE, "router", NULL},
    {ONE, "packet", NULL},
    {ONE, "checksum", NULL},
    {ONE, "village", NULL},
    {ONE, "election", NULL},
    {ONE, "species", NULL},
    {ONE, "university", NULL},
    {ONE, "century", NULL},
    {ONE, "church", NULL},
    {ONE, "timer", NULL},
    {ONE, "header", NULL},
    {ONE, "address", NULL},
    {ONE, "music", NULL},
    {ONE, "television", NULL},
    {ONE, "railway", NULL},
    {ONE, "acknowledgment", NULL},
    {ONE, "zebra", NULL},
    {ALL, "the", "of"},
    {ALL, "packet", "header"},
    {ALL, "river", "village"},
    {ALL, "album", "music"},
    {ALL, "congestion", "window"},
    {ALL, "election", "party"},
    {ALL, "university", "college"},
    {ALL, "timer", "retransmission"},
    {ANY, "congestion", "middlebox"},
    {ANY, "river", "bridge"},
    {ANY, "album", "song"},
    {ANY, "packet", "datagram"},
    {ANY, "football", "cricket"},
    {ANY, "church", "cathedral"},
    {ANY, "checksum", "header"},
    {ANY, "railway", "station"},
    {ANY, "species", "genus"},
    {ANY, "village", "town"},
    {ANY, "timer", "clock"},
    {ANY, "election", "vote"},
    {BUT, "the", "of"},
    {BUT, "packet", "header"},
    {BUT, "river", "village"},
    {BUT, "album", "music"},
    {BUT, "protocol", "internet"},
    {BUT, "university", "college"},
};

static void counts_are_exact(void **state)
{
    (void)state;
    unsigned passages = 0;
    assert_int_equal(qy_db_doc_count(db, &passages), QY_OK);
    assert_true(passages >= MIN_PASSAGES);
    int failures = 0;
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        char text[200];
        text_of(&questions[i], text, sizeof text);
        unsigned char *match = expected(&questions[i]);
        unsigned want = 0;
        for (unsigned d = 0; d <= last_docid; d++)
            want += match[d];
        sources_t s = {match, NULL, 0, 0, 0};
        assert_int_equal(qy_db_each_term(db, "P", each_source, &s), QY_OK);
        qsort(s.names, s.n, sizeof *s.names, by_name);
        unsigned count = query_count(text);
        unsigned total1 = json_total(text, "1");
        unsigned total50 = json_total(text, "50");
        size_t nfiles;
        char **files = query_files(text, &nfiles);
        /* --per-source: a hit for every file, none hidden under another's
         * near-duplicate. */
        char limit[16];
        snprintf(limit, sizeof limit, "%zu", s.n + 10);
        run_result_t r = run(QUERY, "-d", index_dir, "--no-spelling", "--json",
                             "--per-source", "-n", limit, text, NULL);
        cJSON *j = cJSON_Parse(r.out);
        assert_non_null(j);
        size_t per_source =
            (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(j, "hits"));
        cJSON_Delete(j);
        run_free(&r);
        int same_files = nfiles == s.n && per_source == s.n;
        for (size_t k = 0; same_files && k < nfiles; k++)
            same_files = strcmp(files[k], s.names[k]) == 0;
        if (count != want || total1 != want || total50 != want || !same_files) {
            fprintf(stderr,
                    "%s: %u passages, %zu files; --count %u, total %u "
                    "(-n 1) %u (-n 50), --files %zu, --per-source %zu\n",
                    text, want, s.n, count, total1, total50, nfiles,
                    per_source);
            failures++;
        }
        free_names(files, nfiles);
        free_names(s.names, s.n);
        free(match);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_are_exact),
    };
    if (access(DATA "/enwiki/enwiki-sample.jsonl.xz", R_OK) != 0 ||
        access(DATA "/rfc-sample", R_OK) != 0) {
        fprintf(stderr, "no test data in %s: skipped\n", DATA);
        return 77;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
