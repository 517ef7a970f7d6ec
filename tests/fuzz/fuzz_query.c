/* The query path: a query string through the parser, its description, and
 * a full search of a small index (built once, at start-up, from corpus/ and
 * a few odd passages) so that ranking, snippets and highlights all run.
 * Input: one byte of options, then the query. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "quarry/formats.h"
#include "quarry/ingest.h"
#include "quarry/passage.h"
#include "quarry/qparse.h"
#include "quarry/schema.h"
#include "quarry/search.h"

#ifndef QUARRY_SOURCE_DIR
#error "QUARRY_SOURCE_DIR must name the source tree"
#endif

static char index_dir[4096];
static qy_db_t *db;

/* Passages no article of corpus/ has: control characters, bidi controls,
 * invalid UTF-8, long and joined words, other scripts, an id. */
static const qy_record_t odd_records[] = {
    {.source = "/odd/control.txt",
     .title = "Escapes \x1b[31m and bells \x07",
     .text = "Cryptocurrency \x1b]2;title\x07 exchanges \x1b[2J were hit\r\n "
             "again.",
     .id = "",
     .meta = "",
     .ordinal = 1,
     .offset = 0,
     .length = 10},
    /* Unbalanced bidirectional controls, on purpose. */
    {.source = "/odd/bidi.txt",
     .title = "",
     /* NOLINTNEXTLINE(misc-misleading-bidirectional) */
     .text = "Korea \xe2\x80\xae reversed \xe2\x81\xa6 text "
             "\xe2\x80\xac and missiles \xc2\x9b"
             "31m.",
     .id = "",
     .meta = "",
     .ordinal = 1,
     .offset = 0,
     .length = 10},
    {.source = "/odd/invalid.txt",
     .title = "\xff\xfe title",
     .text = "stole \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc millions of dollars",
     .id = "",
     .meta = "",
     .ordinal = 2,
     .offset = 5,
     .length = 10},
    {.source = "/odd/words.jsonl",
     .title = "Naïve café",
     .text = "北朝鮮のハッカー stole crypto; "
             "Korea's cyber-attack (co-operation) naïve café "
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaa soft\xc2\xadhyphen",
     .id = "doc-42",
     .meta = "{\"date\":\"2021-02-03\"}",
     .ordinal = 1,
     .offset = 0,
     .length = 10},
};

static void fail_init(const char *what, const char *error)
{
    fprintf(stderr, "fuzz_query: cannot build the index in %s: %s%s%s\n",
            index_dir, what, error ? ": " : "", error ? error : "");
    abort();
}

static void add_corpus(qy_ingest_t *ing)
{
    const char *dir = QUARRY_SOURCE_DIR "/corpus";
    DIR *d = opendir(dir);
    if (!d)
        fail_init(dir, NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            fail_init(path, NULL);
        char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        qy_article_t art;
        if (qy_split_plain(buf, n, &art) != QY_OK ||
            qy_ingest_article(ing, path, &art) != QY_OK)
            fail_init(path, NULL);
        qy_article_free(&art);
    }
    closedir(d);
}

/* JSON Lines documents: ids, dates (for date:) and metadata. */
static void add_jsonl(qy_ingest_t *ing)
{
    static const char *const lines[] = {
        "{\"id\": \"doc-1\", \"title\": \"Sanctions report\", \"date\": "
        "\"2021-03-04\", \"text\": \"The panel of experts (POE) said the "
        "hackers stole cryptocurrency worth millions.\\nA second line "
        "about the Democratic People's Republic of Korea (DPRK) here.\"}",
        "{\"id\": 7, \"date\": \"2022\", \"url\": \"https://example.org\", "
        "\"text\": \"Missile launches continued through the whole year, "
        "officials in Seoul said.\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        qy_jsonl_doc_t doc;
        const char *why = NULL;
        qy_article_t art;
        if (qy_jsonl_parse(lines[i], strlen(lines[i]), &doc, &why) != QY_OK)
            fail_init("jsonl", why);
        if (qy_split_jsonl(&doc, &art) != QY_OK ||
            qy_ingest_jsonl(ing, "/odd/docs.jsonl", &doc, &art) != QY_OK)
            fail_init("jsonl", NULL);
        qy_article_free(&art);
        qy_jsonl_doc_free(&doc);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_index(void)
{
    qy_db_close(db);
    db = NULL;
    nftw(index_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(index_dir, sizeof index_dir, "%s/quarry-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(index_dir))
        fail_init("mkdtemp", NULL);
    atexit(remove_index);
    char path[4200];
    snprintf(path, sizeof path, "%s/index", index_dir);
    char *error = NULL;
    qy_db_t *w;
    if (qy_db_open_write(path, QY_DB_NO_SYNC, &w, &error) != QY_OK)
        fail_init("open", error);
    if (qy_schema_prepare(w, "english", NULL, &error) != QY_OK)
        fail_init("schema", error);
    qy_ingest_t *ing;
    if (qy_ingest_new(w, fuzz_english(), &ing) != QY_OK)
        fail_init("ingest", NULL);
    add_corpus(ing);
    for (size_t i = 0; i < sizeof odd_records / sizeof *odd_records; i++)
        if (qy_ingest_record(ing, &odd_records[i]) != QY_OK)
            fail_init("record", qy_db_error(w));
    add_jsonl(ing);
    /* Spelling data, for the suggestions of questions that find nothing;
     * the acronyms of the corpus ("(UN)") became synonyms on the way. */
    if (qy_ingest_flush(ing) != QY_OK)
        fail_init("flush", qy_db_error(w));
    if (qy_db_commit(w) != QY_OK)
        fail_init("commit", qy_db_error(w));
    qy_ingest_free(ing);
    qy_db_close(w);
    const char *paths[] = {path};
    if (qy_db_open_read(paths, 1, &db, &error) != QY_OK)
        fail_init("reopen", error);
    return 0;
}

/* The tree keeps the shapes qparse.h documents. */
static void check_node(const qy_node_t *n, unsigned depth)
{
    FUZZ_CHECK(depth <= 256);
    switch (n->kind) {
    case QY_N_WORD:
    case QY_N_PREFIX:
        FUZZ_CHECK(n->text && n->text_len > 0);
        FUZZ_CHECK(strlen(n->text) == n->text_len);
        FUZZ_CHECK(fuzz_valid_utf8(n->text, n->text_len));
        FUZZ_CHECK(n->nkids == 0);
        break;
    case QY_N_PHRASE:
    case QY_N_NEAR:
        FUZZ_CHECK(n->nkids > 0);
        for (size_t i = 0; i < n->nkids; i++)
            FUZZ_CHECK(n->kids[i]->kind == QY_N_WORD);
        if (n->kind == QY_N_NEAR)
            FUZZ_CHECK(n->window >= 1 && n->window <= 1000);
        break;
    case QY_N_AND:
    case QY_N_OR:
    case QY_N_AND_NOT:
    case QY_N_AND_MAYBE:
        FUZZ_CHECK(n->nkids > 0);
        break;
    case QY_N_FIELD:
        FUZZ_CHECK(n->field != NULL);
        FUZZ_CHECK(
            strcmp(n->field, "title") == 0 || strcmp(n->field, "source") == 0 ||
            strcmp(n->field, "id") == 0 || strcmp(n->field, "date") == 0);
        if (strcmp(n->field, "title") != 0)
            FUZZ_CHECK(n->text != NULL && strlen(n->text) == n->text_len);
        break;
    default:
        FUZZ_CHECK(!"unknown node kind");
    }
    for (size_t i = 0; i < n->nkids; i++) {
        FUZZ_CHECK(n->kids[i] != NULL);
        check_node(n->kids[i], depth + 1);
    }
}

/* A description is one line of valid UTF-8. */
static void check_line(const char *s)
{
    FUZZ_CHECK(s != NULL);
    size_t len = strlen(s);
    FUZZ_CHECK(fuzz_valid_utf8(s, len));
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20);
}

static void check_results(const qy_results_t *r, const qy_search_opts_t *o)
{
    check_line(r->parsed);
    FUZZ_CHECK(r->count <= o->limit);
    FUZZ_CHECK(r->total >= r->count || o->offset > 0);
    for (size_t i = 0; i < r->count; i++) {
        const qy_result_t *h = &r->hits[i];
        FUZZ_CHECK(h->rank == o->offset + i + 1);
        FUZZ_CHECK(h->rec.source && h->rec.title && h->rec.text);
        size_t len = strlen(h->rec.text);
        FUZZ_CHECK(h->snippet.start <= h->snippet.end && h->snippet.end <= len);
        for (size_t j = 0; j < h->nhighlights; j++) {
            FUZZ_CHECK(h->highlights[j].start < h->highlights[j].end);
            FUZZ_CHECK(h->highlights[j].end <= len);
            FUZZ_CHECK(j == 0 ||
                       h->highlights[j].start >= h->highlights[j - 1].end);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    size_t len = size - 1;
    char *query = malloc(len + 1);
    if (!query)
        return 0;
    memcpy(query, data + 1, len);
    query[len] = '\0';
    qy_analyzer_t *a = fuzz_english();

    /* The parser sees every byte, NULs included. */
    qy_parsed_t parsed;
    FUZZ_CHECK(qy_parse(a, query, len, &parsed) == QY_OK);
    FUZZ_CHECK(parsed.syntax || !parsed.fallback);
    if (parsed.root) {
        check_node(parsed.root, 0);
        char *d = qy_node_describe(a, parsed.root);
        check_line(d);
        free(d);
        qy_termset_t *ts = qy_termset_new();
        FUZZ_CHECK(ts != NULL);
        FUZZ_CHECK(qy_termset_add_query(ts, a, parsed.root) == QY_OK);
        qy_termset_free(ts);
    }
    qy_parsed_free(&parsed);

    /* The search sees the query up to its first NUL, as `query` would. */
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.limit = 1 + (flags & 0x1f);
    opts.offset = (flags >> 5) & 3;
    opts.snippet_words = flags & 0x80 ? 5 : 0;
    qy_results_t results;
    char *error = NULL;
    qy_status_t st = qy_search(db, a, query, &opts, &results, &error);
    if (st != QY_OK) {
        fprintf(stderr, "search failed: %s: %s\n", qy_status_to_string(st),
                error ? error : "");
        FUZZ_CHECK(st == QY_OK);
    }
    check_results(&results, &opts);
    qy_results_free(&results);
    free(error);
    free(query);
    return 0;
}
