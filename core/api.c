/* The public API of include/quarry.h: opaque handles and stable statuses
 * over the core's own modules (xdb, schema, ingest, search), which do the
 * work; files are indexed in core/api_file.c. Only the functions declared
 * in quarry.h are exported from libquarry. */
#include "quarry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quarry/formats.h"
#include "quarry/ingest.h"
#include "quarry/api.h"
#include "quarry/schema.h"
#include "quarry/search.h"

#define QUARRY_STR(x) #x
#define QUARRY_XSTR(x) QUARRY_STR(x)

struct quarry_search_options {
    qy_search_opts_t opts;
    qy_analyzer_t *a; /* set_language; NULL: the index's */
};

struct quarry_results {
    qy_results_t r;
};

const char *quarry_version(void)
{
    return QUARRY_XSTR(QUARRY_API_MAJOR) "." QUARRY_XSTR(
        QUARRY_API_MINOR) "." QUARRY_XSTR(QUARRY_API_MICRO);
}

/* The API's statuses and the core's, pair by pair: numbered independently,
 * so that either may grow. */
static const struct {
    quarry_status_t api;
    qy_status_t core;
} status_map[] = {
    {QUARRY_STATUS_SUCCESS, QY_OK},
    {QUARRY_STATUS_NOT_FOUND, QY_NOT_FOUND},
    {QUARRY_STATUS_LOCKED, QY_LOCKED},
    {QUARRY_STATUS_NOT_AN_INDEX, QY_OPENING},
    {QUARRY_STATUS_CORRUPT, QY_CORRUPT},
    {QUARRY_STATUS_VERSION, QY_VERSION},
    {QUARRY_STATUS_MODIFIED, QY_MODIFIED},
    {QUARRY_STATUS_READ_ONLY, QY_READ_ONLY},
    {QUARRY_STATUS_IO_ERROR, QY_IO},
    {QUARRY_STATUS_INVALID_ARGUMENT, QY_INVALID},
    {QUARRY_STATUS_OUT_OF_MEMORY, QY_NOMEM},
    {QUARRY_STATUS_NETWORK, QY_NETWORK},
    {QUARRY_STATUS_XAPIAN_EXCEPTION, QY_XAPIAN},
    {QUARRY_STATUS_INTERNAL_ERROR, QY_INTERNAL},
};
#define STATUS_PAIRS (sizeof status_map / sizeof *status_map)

const char *quarry_status_to_string(quarry_status_t status)
{
    /* The two the core has no status for. */
    if (status == QUARRY_STATUS_UNKNOWN_LANGUAGE)
        return "unknown language";
    if (status == QUARRY_STATUS_UNREADABLE)
        return "file cannot be read as its format";
    for (size_t i = 0; i < STATUS_PAIRS; i++)
        if (status_map[i].api == status)
            return qy_status_to_string(status_map[i].core);
    return "unknown status";
}

static quarry_status_t from_core(qy_status_t st)
{
    for (size_t i = 0; i < STATUS_PAIRS; i++)
        if (status_map[i].core == st)
            return status_map[i].api;
    return QUARRY_STATUS_INTERNAL_ERROR;
}

/* ---- Indexes ------------------------------------------------------------ */

/* Keeps MESSAGE (taken over; NULL: the status's own words) as the last
 * failure of INDEX, and returns ST. */
quarry_status_t qy_api_fail_with(quarry_index_t *index, quarry_status_t st,
                                 char *message)
{
    free(index->error);
    index->error = message ? message : strdup(quarry_status_to_string(st));
    return st;
}

/* Records the failure ST of a core call on INDEX: Xapian's description
 * when the index has one. */
quarry_status_t qy_api_fail(quarry_index_t *index, qy_status_t st,
                            const char *what)
{
    const char *why = index->db ? qy_db_error(index->db) : "";
    if (!*why)
        why = qy_status_to_string(st);
    char *msg = NULL;
    size_t need = strlen(what) + strlen(why) + 3;
    if ((msg = malloc(need)) != NULL)
        snprintf(msg, need, "%s: %s", what, why);
    return qy_api_fail_with(index, from_core(st), msg);
}

/* ... for a failure of the index itself: "index 'PATH': why". */
static quarry_status_t fail_index(quarry_index_t *index, qy_status_t st)
{
    const char *name = qy_db_name(index->db);
    char *what = malloc(strlen(name) + sizeof "index ''");
    if (!what)
        return qy_api_fail_with(index, from_core(st), NULL);
    sprintf(what, "index '%s'", name);
    quarry_status_t result = qy_api_fail(index, st, what);
    free(what);
    return result;
}

const char *quarry_index_last_error(quarry_index_t *index)
{
    return index && index->error ? index->error : "";
}

/* A malloc'd message for *MESSAGE (when it is wanted), else freed. */
static void hand_message(char **message, char *text, quarry_status_t st)
{
    if (!message) {
        free(text);
        return;
    }
    if (!text && st != QUARRY_STATUS_SUCCESS)
        text = strdup(quarry_status_to_string(st));
    *message = text;
}

static void free_index(quarry_index_t *index)
{
    qy_ingest_free(index->ing);
    qy_db_close(index->db);
    qy_analyzer_free(index->a);
    free(index->error);
    free(index);
}

/* Opens a reader of PATHS, or (WRITE) a writer of PATHS[0] stemming LANG
 * in a new index (NULL: English, or the existing index's language). */
static quarry_status_t open_index(const char *const *paths, size_t n, int write,
                                  const char *lang, quarry_index_t **out,
                                  char **message)
{
    char *error = NULL, *lang_in_force = NULL;
    qy_status_t st;
    quarry_status_t result;
    quarry_index_t *index = calloc(1, sizeof *index);
    if (!index) {
        hand_message(message, NULL, QUARRY_STATUS_OUT_OF_MEMORY);
        return QUARRY_STATUS_OUT_OF_MEMORY;
    }
    if (write) {
        st = qy_db_open_write(paths[0], 0, &index->db, &error);
        if (st == QY_OK)
            st = qy_schema_prepare(index->db, lang, &lang_in_force, &error);
    } else {
        st = qy_db_open_read(paths, n, &index->db, &error);
        if (st == QY_OK)
            st = qy_schema_read(index->db, &lang_in_force, &error);
    }
    result = from_core(st);
    if (st == QY_OK) {
        st = qy_analyzer_new(lang_in_force, &index->a);
        if (st == QY_OK)
            qy_analyzer_set_format(index->a, qy_schema_format(index->db));
        result =
            st == QY_INVALID ? QUARRY_STATUS_UNKNOWN_LANGUAGE : from_core(st);
    }
    if (st == QY_OK && write &&
        (st = qy_ingest_new(index->db, index->a, &index->ing)) != QY_OK)
        result = from_core(st);
    free(lang_in_force);
    if (result != QUARRY_STATUS_SUCCESS) {
        free_index(index);
        index = NULL;
    }
    *out = index;
    hand_message(message, error, result);
    return result;
}

quarry_status_t quarry_index_open_shards(const char *const *paths, size_t n,
                                         quarry_index_t **index, char **message)
{
    if (message)
        *message = NULL;
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *index = NULL;
    if (!paths || n == 0)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++)
        if (!paths[i] || !*paths[i])
            return QUARRY_STATUS_INVALID_ARGUMENT;
    return open_index(paths, n, 0, NULL, index, message);
}

quarry_status_t quarry_index_open(const char *path, quarry_mode_t mode,
                                  quarry_index_t **index, char **message)
{
    if (mode == QUARRY_MODE_READ_ONLY)
        return quarry_index_open_shards(&path, 1, index, message);
    if (mode == QUARRY_MODE_READ_WRITE)
        return quarry_index_create(path, NULL, index, message);
    if (message)
        *message = NULL;
    if (index)
        *index = NULL;
    return QUARRY_STATUS_INVALID_ARGUMENT;
}

quarry_status_t quarry_index_create(const char *path, const char *language,
                                    quarry_index_t **index, char **message)
{
    if (message)
        *message = NULL;
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *index = NULL;
    if (!path || !*path)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (language) {
        /* Named before the index is touched, so that a typo creates
         * nothing. */
        qy_analyzer_t *a = NULL;
        qy_status_t st = qy_analyzer_new(language, &a);
        qy_analyzer_free(a);
        if (st != QY_OK)
            return st == QY_INVALID ? QUARRY_STATUS_UNKNOWN_LANGUAGE
                                    : from_core(st);
    }
    return open_index(&path, 1, 1, language, index, message);
}

/* A writer's changes go into one transaction per commit, so that a reader
 * (or a crash) sees the index as last committed, never a source half
 * replaced. */
quarry_status_t qy_api_begin_write(quarry_index_t *index)
{
    if (!index->ing)
        return qy_api_fail_with(index, QUARRY_STATUS_READ_ONLY,
                                strdup("index is open for reading only"));
    if (index->in_transaction)
        return QUARRY_STATUS_SUCCESS;
    qy_status_t st = qy_db_begin_transaction(index->db);
    if (st != QY_OK)
        return fail_index(index, st);
    index->in_transaction = 1;
    return QUARRY_STATUS_SUCCESS;
}

quarry_status_t quarry_index_commit(quarry_index_t *index)
{
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (!index->ing)
        return qy_api_fail_with(index, QUARRY_STATUS_READ_ONLY,
                                strdup("index is open for reading only"));
    if (!index->in_transaction)
        return QUARRY_STATUS_SUCCESS;
    /* The spelling data goes into the same commit as the passages. */
    qy_status_t st = qy_ingest_flush(index->ing);
    if (st == QY_OK)
        st = qy_db_commit_transaction(index->db);
    else
        qy_db_cancel_transaction(index->db);
    index->in_transaction = 0;
    if (st != QY_OK)
        return qy_api_fail(index, st, "cannot commit the index");
    return QUARRY_STATUS_SUCCESS;
}

quarry_status_t quarry_index_close(quarry_index_t *index)
{
    if (!index)
        return QUARRY_STATUS_SUCCESS;
    quarry_status_t st = QUARRY_STATUS_SUCCESS;
    if (index->ing)
        st = quarry_index_commit(index);
    free_index(index);
    return st;
}

const char *quarry_index_language(quarry_index_t *index)
{
    return index ? qy_analyzer_language(index->a) : "";
}

quarry_status_t quarry_index_passage_count(quarry_index_t *index,
                                           unsigned *count)
{
    if (!index || !count)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    qy_status_t st = qy_db_doc_count(index->db, count);
    return st == QY_OK ? QUARRY_STATUS_SUCCESS : fail_index(index, st);
}

quarry_status_t quarry_index_reopen(quarry_index_t *index)
{
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (index->ing)
        return QUARRY_STATUS_SUCCESS; /* a writer sees its own state */
    qy_status_t st = qy_db_reopen(index->db);
    return st == QY_OK ? QUARRY_STATUS_SUCCESS : fail_index(index, st);
}

/* ---- Indexing ----------------------------------------------------------- */

/* Ingests the JSON Lines document DOC under SOURCE; adds its passages to
 * *PASSAGES. */
qy_status_t qy_api_ingest_doc(quarry_index_t *index, const char *source,
                              const qy_jsonl_doc_t *doc, unsigned *passages)
{
    qy_article_t art = {0};
    qy_status_t st = qy_split_jsonl(doc, &art);
    if (st == QY_OK)
        st = qy_ingest_jsonl(index->ing, source, doc, &art);
    if (st == QY_OK)
        *passages += (unsigned)art.count;
    qy_article_free(&art);
    return st;
}

/* Ingests ART under SOURCE, its title replaced by TITLE when not NULL. */
qy_status_t qy_api_ingest_article(quarry_index_t *index, const char *source,
                                  qy_article_t *art, const char *title,
                                  unsigned *passages)
{
    if (title) {
        char *clean = qy_passage_clean(title, strlen(title), NULL);
        if (!clean)
            return QY_NOMEM;
        free(art->title);
        art->title = clean;
    }
    qy_status_t st = qy_ingest_article(index->ing, source, art);
    if (st == QY_OK)
        *passages += (unsigned)art->count;
    return st;
}

quarry_status_t quarry_index_add_document(quarry_index_t *index,
                                          const char *source, const char *id,
                                          const char *title, const char *text,
                                          unsigned *passages)
{
    unsigned stored = 0;
    if (passages)
        *passages = 0;
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (!source || !*source || !text)
        return qy_api_fail_with(index, QUARRY_STATUS_INVALID_ARGUMENT,
                                strdup("a document needs a source and a text"));
    quarry_status_t result = qy_api_begin_write(index);
    if (result != QUARRY_STATUS_SUCCESS)
        return result;
    qy_status_t st;
    if (id && *id) {
        /* The fields are only read. */
        qy_jsonl_doc_t doc = {.id = (char *)id,
                              .title = (char *)(title ? title : ""),
                              .text = (char *)text,
                              .url = "",
                              .date = "",
                              .meta = ""};
        st = qy_api_ingest_doc(index, source, &doc, &stored);
    } else {
        qy_article_t art = {0};
        st = qy_split_plain(text, strlen(text), &art);
        if (st == QY_OK)
            st = qy_api_ingest_article(index, source, &art, title, &stored);
        qy_article_free(&art);
    }
    if (st != QY_OK)
        return qy_api_fail(index, st, source);
    if (passages)
        *passages = stored;
    return QUARRY_STATUS_SUCCESS;
}

quarry_status_t quarry_index_remove_source(quarry_index_t *index,
                                           const char *source)
{
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (!source || !*source)
        return qy_api_fail_with(index, QUARRY_STATUS_INVALID_ARGUMENT,
                                strdup("no source named"));
    quarry_status_t result = qy_api_begin_write(index);
    if (result != QUARRY_STATUS_SUCCESS)
        return result;
    qy_status_t st = qy_ingest_remove_source(index->ing, source);
    return st == QY_OK ? QUARRY_STATUS_SUCCESS : qy_api_fail(index, st, source);
}

/* ---- Search options ------------------------------------------------------ */

quarry_status_t quarry_search_options_create(quarry_search_options_t **options)
{
    if (!options)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *options = calloc(1, sizeof **options);
    if (!*options)
        return QUARRY_STATUS_OUT_OF_MEMORY;
    qy_search_opts_init(&(*options)->opts);
    return QUARRY_STATUS_SUCCESS;
}

void quarry_search_options_destroy(quarry_search_options_t *o)
{
    if (!o)
        return;
    qy_analyzer_free(o->a);
    free(o);
}

/* Stores V in *FIELD when O is an object and V lies in [LO, HI]. */
static quarry_status_t set_unsigned(const quarry_search_options_t *o,
                                    unsigned *field, unsigned v, unsigned lo,
                                    unsigned hi)
{
    if (!o || v < lo || v > hi)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *field = v;
    return QUARRY_STATUS_SUCCESS;
}

static quarry_status_t set_double(const quarry_search_options_t *o,
                                  double *field, double v, double lo, double hi)
{
    if (!o || !(v >= lo && v <= hi)) /* NaN too */
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *field = v;
    return QUARRY_STATUS_SUCCESS;
}

/* ON is 0 or 1. The core's no_* switches are given ON ^ 1: the opposite,
 * and still refused when ON is neither. */
static quarry_status_t set_switch(const quarry_search_options_t *o, int *field,
                                  int on)
{
    if (!o || (on != 0 && on != 1))
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *field = on;
    return QUARRY_STATUS_SUCCESS;
}

/* A member of O's search options, or NULL for a NULL O (which the setters
 * then refuse). */
#define OPT(o, field) ((o) ? &(o)->opts.field : NULL)

quarry_status_t quarry_search_options_set_limit(quarry_search_options_t *o,
                                                unsigned n)
{
    return set_unsigned(o, OPT(o, limit), n, 0, QUARRY_MAX_LIMIT);
}

quarry_status_t quarry_search_options_set_offset(quarry_search_options_t *o,
                                                 unsigned n)
{
    return set_unsigned(o, OPT(o, offset), n, 0, 10000000);
}

quarry_status_t quarry_search_options_set_context(quarry_search_options_t *o,
                                                  unsigned words)
{
    return set_unsigned(o, OPT(o, snippet_words), words, 1, 1000);
}

quarry_status_t quarry_search_options_set_language(quarry_search_options_t *o,
                                                   const char *language)
{
    if (!o)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    qy_analyzer_t *a = NULL;
    if (language) {
        qy_status_t st = qy_analyzer_new(language, &a);
        if (st != QY_OK)
            return st == QY_INVALID ? QUARRY_STATUS_UNKNOWN_LANGUAGE
                                    : from_core(st);
    }
    qy_analyzer_free(o->a);
    o->a = a;
    return QUARRY_STATUS_SUCCESS;
}

quarry_status_t quarry_search_options_set_k1(quarry_search_options_t *o,
                                             double k1)
{
    return set_double(o, OPT(o, k1), k1, 0, 1000);
}

quarry_status_t quarry_search_options_set_b(quarry_search_options_t *o,
                                            double b)
{
    return set_double(o, OPT(o, b), b, 0, 1);
}

quarry_status_t
quarry_search_options_set_title_weight(quarry_search_options_t *o, double w)
{
    return set_double(o, OPT(o, title_weight), w, 0, 100);
}

quarry_status_t quarry_search_options_set_proximity(quarry_search_options_t *o,
                                                    double w)
{
    return set_double(o, OPT(o, proximity), w, 0, 100);
}

quarry_status_t quarry_search_options_set_feedback(quarry_search_options_t *o,
                                                   unsigned passages)
{
    return set_unsigned(o, OPT(o, feedback_docs), passages, 0, 1000);
}

quarry_status_t
quarry_search_options_set_feedback_terms(quarry_search_options_t *o,
                                         unsigned terms)
{
    return set_unsigned(o, OPT(o, feedback_terms), terms, 0, 1000);
}

quarry_status_t
quarry_search_options_set_feedback_weight(quarry_search_options_t *o,
                                          double weight)
{
    return set_double(o, OPT(o, feedback_weight), weight, 0, 1);
}

quarry_status_t quarry_search_options_set_repeats(quarry_search_options_t *o,
                                                  int on)
{
    return set_switch(o, OPT(o, count_repeats), on);
}

quarry_status_t quarry_search_options_set_per_source(quarry_search_options_t *o,
                                                     int on)
{
    return set_switch(o, OPT(o, per_source), on);
}

quarry_status_t quarry_search_options_set_duplicates(quarry_search_options_t *o,
                                                     int on)
{
    return set_switch(o, OPT(o, keep_duplicates), on);
}

quarry_status_t quarry_search_options_set_explain(quarry_search_options_t *o,
                                                  int on)
{
    return set_switch(o, OPT(o, explain), on);
}

quarry_status_t quarry_search_options_set_spelling(quarry_search_options_t *o,
                                                   int on)
{
    return set_switch(o, OPT(o, no_spelling), on ^ 1);
}

quarry_status_t quarry_search_options_set_highlights(quarry_search_options_t *o,
                                                     int on)
{
    return set_switch(o, OPT(o, no_highlights), on ^ 1);
}

quarry_status_t
quarry_search_options_set_source_resolver(quarry_search_options_t *o,
                                          quarry_source_resolver_t resolver,
                                          void *context)
{
    if (!o)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    o->opts.resolve_source = resolver;
    o->opts.resolve_ctx = context;
    return QUARRY_STATUS_SUCCESS;
}

/* ---- Searching ----------------------------------------------------------- */

quarry_status_t quarry_search(quarry_index_t *index, const char *question,
                              const quarry_search_options_t *options,
                              quarry_results_t **results)
{
    if (!results)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *results = NULL;
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (!question)
        return qy_api_fail_with(index, QUARRY_STATUS_INVALID_ARGUMENT,
                                strdup("no question"));
    qy_search_opts_t defaults;
    qy_search_opts_init(&defaults);
    quarry_results_t *res = calloc(1, sizeof *res);
    if (!res)
        return qy_api_fail_with(index, QUARRY_STATUS_OUT_OF_MEMORY, NULL);
    char *error = NULL;
    qy_status_t st = qy_search(
        index->db, options && options->a ? options->a : index->a, question,
        options ? &options->opts : &defaults, &res->r, &error);
    if (st != QY_OK) {
        qy_results_free(&res->r);
        free(res);
        return qy_api_fail_with(index, from_core(st), error);
    }
    *results = res;
    return QUARRY_STATUS_SUCCESS;
}

void quarry_results_destroy(quarry_results_t *results)
{
    if (!results)
        return;
    qy_results_free(&results->r);
    free(results);
}

unsigned quarry_results_total(const quarry_results_t *results)
{
    return results ? results->r.total : 0;
}

size_t quarry_results_count(const quarry_results_t *results)
{
    return results ? results->r.count : 0;
}

/* A hit is the core's result, handed out under an opaque type. */
static const qy_result_t *core_hit(const quarry_hit_t *hit)
{
    return (const qy_result_t *)(const void *)hit;
}

const quarry_hit_t *quarry_results_hit(const quarry_results_t *results,
                                       size_t i)
{
    if (!results || i >= results->r.count)
        return NULL;
    return (const quarry_hit_t *)(const void *)&results->r.hits[i];
}

const char *quarry_results_suggestion(const quarry_results_t *results)
{
    return results ? results->r.suggestion : NULL;
}

int quarry_results_corrected(const quarry_results_t *results)
{
    return results ? results->r.corrected : 0;
}

const char *quarry_results_parsed(const quarry_results_t *results)
{
    return results && results->r.parsed ? results->r.parsed : "";
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

unsigned quarry_hit_rank(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->rank : 0;
}

double quarry_hit_score(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->score : 0;
}

const char *quarry_hit_text(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.text) : "";
}

const char *quarry_hit_title(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.title) : "";
}

const char *quarry_hit_section(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.section) : "";
}

const char *quarry_hit_source(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.source) : "";
}

const char *quarry_hit_id(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.id) : "";
}

const char *quarry_hit_meta(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.meta) : "";
}

const char *quarry_hit_from(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.from) : "";
}

const char *quarry_hit_to(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.to) : "";
}

const char *quarry_hit_date(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.date) : "";
}

const char *quarry_hit_language(const quarry_hit_t *hit)
{
    return hit ? or_empty(core_hit(hit)->rec.lang) : "";
}

unsigned quarry_hit_passage(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->rec.ordinal : 0;
}

unsigned quarry_hit_page(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->rec.page : 0;
}

void quarry_hit_offsets(const quarry_hit_t *hit, unsigned long long *offset,
                        unsigned long long *length)
{
    if (offset)
        *offset = hit ? core_hit(hit)->rec.offset : 0;
    if (length)
        *length = hit ? core_hit(hit)->rec.length : 0;
}

size_t quarry_hit_highlight_count(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->nhighlights : 0;
}

quarry_status_t quarry_hit_highlight(const quarry_hit_t *hit, size_t i,
                                     size_t *start, size_t *end)
{
    if (!hit || i >= core_hit(hit)->nhighlights || !start || !end)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    *start = core_hit(hit)->highlights[i].start;
    *end = core_hit(hit)->highlights[i].end;
    return QUARRY_STATUS_SUCCESS;
}

void quarry_hit_snippet(const quarry_hit_t *hit, size_t *start, size_t *end,
                        int *cut_before, int *cut_after)
{
    const qy_result_t *h = hit ? core_hit(hit) : NULL;
    if (start)
        *start = h ? h->snippet.start : 0;
    if (end)
        *end = h ? h->snippet.end : 0;
    if (cut_before)
        *cut_before = h ? h->cut_before : 0;
    if (cut_after)
        *cut_after = h ? h->cut_after : 0;
}

size_t quarry_hit_also_count(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->nalso : 0;
}

quarry_status_t quarry_hit_also(const quarry_hit_t *hit, size_t i,
                                const char **source, const char **id,
                                unsigned *passage)
{
    if (!hit || i >= core_hit(hit)->nalso)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    const qy_location_t *l = &core_hit(hit)->also[i];
    if (source)
        *source = or_empty(l->source);
    if (id)
        *id = or_empty(l->id);
    if (passage)
        *passage = l->ordinal;
    return QUARRY_STATUS_SUCCESS;
}

size_t quarry_hit_explain_count(const quarry_hit_t *hit)
{
    return hit ? core_hit(hit)->nexplain : 0;
}

quarry_status_t quarry_hit_explain(const quarry_hit_t *hit, size_t i,
                                   const char **what, double *weight)
{
    if (!hit || i >= core_hit(hit)->nexplain)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (what)
        *what = or_empty(core_hit(hit)->explain[i].what);
    if (weight)
        *weight = core_hit(hit)->explain[i].weight;
    return QUARRY_STATUS_SUCCESS;
}
