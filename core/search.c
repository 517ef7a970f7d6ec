/* A search: the stages of one question, in order (its analysis, feedback,
 * the search and the count, near-duplicate folding, highlighting,
 * explanation) and the spelling suggestion around them. Each stage lives in
 * a file of its own, core/search_*.c. */
#include "quarry/search_stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/schema.h"
#include "quarry/timings.h"

void qy_search_opts_init(qy_search_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->limit = 10;
    opts->k1 = QY_DEFAULT_K1;
    opts->b = QY_DEFAULT_B;
    opts->snippet_words = QY_DEFAULT_SNIPPET_WORDS;
    opts->title_weight = QY_DEFAULT_TITLE_WEIGHT;
    opts->proximity = QY_DEFAULT_PROXIMITY;
    opts->proximity_window = QY_DEFAULT_PROXIMITY_WINDOW;
    opts->feedback_docs = QY_DEFAULT_FEEDBACK_DOCS;
    opts->feedback_terms = QY_DEFAULT_FEEDBACK_TERMS;
    opts->feedback_weight = QY_DEFAULT_FEEDBACK_WEIGHT;
    opts->feedback_agreement = QY_DEFAULT_FEEDBACK_AGREEMENT;
    opts->count_repeats = QY_DEFAULT_COUNT_REPEATS;
}

void qy_results_free(qy_results_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        qy_free_hit(&r->hits[i]);
    free(r->hits);
    free(r->parsed);
    free(r->suggestion);
    owner_t *o = r->owner_;
    if (o) {
        qy_mset_free(o->mset);
        qy_termset_free(o->terms);
        free(o->docids);
        free(o);
    }
    memset(r, 0, sizeof *r);
}

static qy_status_t describe(qy_analyzer_t *a, const qy_parsed_t *p,
                            qy_results_t *out)
{
    char *d = p->root ? qy_node_describe(a, p->root) : strdup("");
    if (!d)
        return QY_NOMEM;
    if (p->fallback) {
        const char *note = " (invalid syntax: searched as plain words)";
        char *s = malloc(strlen(d) + strlen(note) + 1);
        if (!s) {
            free(d);
            return QY_NOMEM;
        }
        strcpy(s, d);
        strcat(s, note);
        free(d);
        d = s;
    }
    out->parsed = d;
    return QY_OK;
}

static qy_status_t collect_hits(owner_t *o, qy_results_t *out, char **error)
{
    size_t n = qy_mset_size(o->mset);
    if (n == 0)
        return QY_OK;
    out->hits = calloc(n, sizeof *out->hits);
    o->docids = calloc(n, sizeof *o->docids);
    if (!out->hits || !o->docids)
        return QY_NOMEM;
    for (size_t i = 0; i < n; i++) {
        qy_hit_t hit;
        qy_result_t *r = &out->hits[out->count];
        qy_mset_hit(o->mset, i, &hit);
        if (qy_record_decode(hit.data, hit.data_len, &r->rec) != QY_OK) {
            char id[32];
            snprintf(id, sizeof id, "%u", hit.docid);
            *error = qy_dup_error("passage %s of the index is damaged", id);
            return QY_CORRUPT;
        }
        r->rank = (unsigned)i + 1;
        r->score = hit.weight;
        o->docids[out->count] = hit.docid;
        out->count++;
    }
    return QY_OK;
}

/* Highlights and snippets, for the hits of the page only: more are fetched
 * than are shown, to fold near-duplicates. */
static qy_status_t highlight_hits(qy_analyzer_t *a, owner_t *o,
                                  const qy_search_opts_t *opts,
                                  qy_results_t *out)
{
    if (opts->no_highlights)
        return QY_OK;
    const char *home = qy_analyzer_current(a);
    for (size_t i = 0; i < out->count; i++) {
        qy_result_t *r = &out->hits[i];
        /* A passage's words are found in the language it was stemmed in. */
        qy_status_t st = QY_OK;
        if (r->rec.lang && *r->rec.lang && qy_language_name(r->rec.lang))
            st = qy_analyzer_use(a, r->rec.lang);
        if (st == QY_OK)
            st = qy_highlight(a, o->terms, r->rec.text, strlen(r->rec.text),
                              opts->snippet_words, &r->highlights,
                              &r->nhighlights, &r->snippet, &r->cut_before,
                              &r->cut_after);
        qy_status_t back = qy_analyzer_use(a, home);
        if (st != QY_OK || back != QY_OK)
            return st != QY_OK ? st : back;
    }
    return QY_OK;
}

/* Makes *ERROR (or, when there is none, Xapian's description or the
 * status) a message that names the index, as every error about an index
 * does; left as it was when out of memory. */
static void name_index(const qy_db_t *db, qy_status_t st, char **error)
{
    const char *what = *error             ? *error
                       : *qy_db_error(db) ? qy_db_error(db)
                                          : qy_status_to_string(st);
    const char *name = qy_db_name(db);
    size_t n = strlen(name) + strlen(what) + 12;
    char *s = malloc(n);
    if (!s)
        return;
    snprintf(s, n, "index '%s': %s", name, what);
    free(*error);
    *error = s;
}

/* Hits fetched for a page before near-duplicates are folded: twice the
 * page and a few more, so that a page stays full when some of its hits fold
 * into others; never more than FETCH_MAX, whatever the offset asked. */
enum { FETCH_FACTOR = 2, FETCH_EXTRA = 10, FETCH_MAX = 100000 };

/* Matches Xapian looks at before it may stop ranking early: enough for the
 * page and for its estimate, which the count makes exact anyway. */
enum { QY_CHECK_AT_LEAST = 100 };

static unsigned fetch_size(const qy_search_opts_t *opts)
{
    unsigned long want = (unsigned long)opts->offset + opts->limit;
    if (opts->keep_duplicates)
        return opts->limit;
    want = want * FETCH_FACTOR + FETCH_EXTRA;
    return want > FETCH_MAX ? FETCH_MAX : (unsigned)want;
}

static qy_status_t search_once(qy_db_t *db, qy_analyzer_t *a, const char *query,
                               const qy_search_opts_t *opts, qy_results_t *out,
                               char **error);

qy_status_t qy_search(qy_db_t *db, qy_analyzer_t *a, const char *query,
                      const qy_search_opts_t *opts, qy_results_t *out,
                      char **error)
{
    qy_status_t st = search_once(db, a, query, opts, out, error);
    /* A writer committing between the steps of one search (the feedback
     * search, the expansion, the final search) shows as QY_MODIFIED: read
     * the new revision and answer again. */
    for (int retry = 0; st == QY_MODIFIED && retry < 5; retry++) {
        qy_results_free(out);
        free(*error);
        *error = NULL;
        if (qy_db_reopen(db) != QY_OK)
            break;
        st = search_once(db, a, query, opts, out, error);
    }
    if (st != QY_OK || opts->no_spelling)
        return st;
    /* A long question that found passages is pasted text: a word of it the
     * index lacks is more often a rare term than a typo, and looking each
     * one up in the spelling data costs milliseconds (docs/performance.md). */
    if (out->total > 0 && qy_long_question(a, query))
        return QY_OK;
    char *suggestion = NULL;
    double t = qy_timings_now();
    st = qy_suggest(db, a, query, &suggestion);
    qy_timings_add(QY_STAGE_SPELLING, t);
    if (st != QY_OK || !suggestion)
        return st;
    if (out->total == 0) {
        /* Nothing for the question as typed: answer the correction. */
        qy_search_opts_t again = *opts;
        again.no_spelling = 1;
        qy_results_t corrected;
        char *err2 = NULL;
        st = search_once(db, a, suggestion, &again, &corrected, &err2);
        if (st != QY_OK) {
            qy_results_free(&corrected);
            free(err2);
            free(suggestion);
            return QY_OK; /* the original answer stands */
        }
        qy_results_free(out);
        *out = corrected;
        out->corrected = 1;
    }
    out->suggestion = suggestion;
    return QY_OK;
}

/* ---- An index of several languages --------------------------------- */

typedef struct index_languages {
    char names[16][32];
    const char *v[16];
    size_t n;
} index_languages_t;

static int add_index_language(void *ctx, const char *term, size_t len)
{
    index_languages_t *l = ctx;
    size_t plen = strlen(QY_PREFIX_LANG);
    if (len - plen >= sizeof l->names[0])
        return 0;
    memcpy(l->names[l->n], term + plen, len - plen);
    l->names[l->n][len - plen] = '\0';
    if (qy_language_name(l->names[l->n]))
        l->v[l->n] = l->names[l->n], l->n++;
    return l->n == sizeof l->v / sizeof *l->v;
}

/* An index built with --lang auto: the question is analysed in every
 * language its passages were stemmed in. */
static qy_status_t use_index_languages(qy_db_t *db, qy_analyzer_t *a)
{
    if (strcmp(qy_analyzer_language(a), "auto") != 0 ||
        qy_analyzer_question_languages(a) > 0)
        return QY_OK;
    index_languages_t l = {.n = 0};
    qy_status_t st =
        qy_db_each_term(db, QY_PREFIX_LANG, add_index_language, &l);
    if (st == QY_OK && l.n > 0)
        st = qy_analyzer_set_question_languages(a, l.v, l.n);
    return st;
}

/* What the stages of one question share. */
typedef struct run {
    qy_db_t *db;
    qy_analyzer_t *a;
    const char *query;
    const qy_search_opts_t *opts;
    qy_results_t *out;
    char **error;
    owner_t *o;
    qy_parsed_t parsed;
    int question; /* plain words, searched as a question */
    const qy_node_t *one;
    const qy_node_t *const *words; /* the question's words searched */
    size_t nwords;
    unsigned *qtf; /* how often each word is asked; NULL: not counted */
    const qy_node_t **kept_words;
    const qy_node_t *root; /* the parse tree searched */
    qy_node_t reduced;
    qy_forms_t *forms;
    build_t b;
    qy_query_t *q;         /* what ranks */
    qy_query_t *expansion; /* the feedback terms, or NULL */
    qy_query_t *matching;  /* what counts */
    double question_scale;
    qy_search_params_t params;
    int fold; /* near-duplicates folded into one hit */
    double t; /* when the stage began, for QUARRY_TIMINGS */
} run_t;

/* The question parsed and described; R->parsed.root NULL: nothing to
 * search. */
static qy_status_t parse_question(run_t *r)
{
    qy_status_t st = use_index_languages(r->db, r->a);
    if (st != QY_OK)
        return st;
    r->t = qy_timings_now();
    st = qy_parse_keeping(r->a, r->query, strlen(r->query),
                          r->opts->keep_stopwords, &r->parsed);
    if (st != QY_OK)
        return st;
    r->out->syntax = r->parsed.syntax;
    r->out->fallback = r->parsed.fallback;
    st = describe(r->a, &r->parsed, r->out);
    if (st != QY_OK || !r->parsed.root) {
        qy_parsed_free(&r->parsed);
        r->parsed.root = NULL;
    }
    return st;
}

/* The words searched: a question's words (of a long one, the most
 * informative), or the parse tree. A long text with parentheses or quotes
 * is syntax: an OR of its parts. Of more than QY_QUESTION_MAX_WORDS parts,
 * its phrases and groups and its most informative words are searched, as
 * for a long question. */
static qy_status_t choose_words(run_t *r)
{
    r->o->terms = qy_termset_new();
    if (!r->o->terms)
        return QY_NOMEM;
    qy_status_t st = qy_termset_add_query(r->o->terms, r->a, r->parsed.root);
    r->question =
        st == QY_OK && (!r->parsed.syntax || r->parsed.fallback) &&
        qy_question_words(r->parsed.root, &r->one, &r->words, &r->nwords);
    if (r->question && r->opts->count_repeats) {
        r->qtf = calloc(r->nwords, sizeof *r->qtf);
        st = r->qtf
                 ? qy_count_words(r->a, r->query, r->words, r->nwords, r->qtf)
                 : QY_NOMEM;
    }
    if (st == QY_OK && r->question && r->nwords > QY_QUESTION_MAX_WORDS)
        st = qy_informative_words(r->db, r->a, &r->words, &r->nwords, r->qtf,
                                  &r->kept_words);
    r->root = r->parsed.root;
    if (st == QY_OK && !r->question && r->root->kind == QY_N_OR &&
        r->root->nkids > QY_QUESTION_MAX_WORDS) {
        const qy_node_t *const *kids = (const qy_node_t *const *)r->root->kids;
        size_t nk = r->root->nkids;
        st =
            qy_informative_words(r->db, r->a, &kids, &nk, NULL, &r->kept_words);
        if (st == QY_OK) {
            r->reduced = *r->root;
            r->reduced.kids = (qy_node_t **)kids;
            r->reduced.nkids = nk;
            r->root = &r->reduced;
        }
    }
    r->t = qy_timings_add(QY_STAGE_PARSE, r->t);
    return st;
}

/* Appends what the words were also searched as to the description. */
static qy_status_t add_notes(run_t *r)
{
    qy_status_t st = QY_OK;
    if (r->b.notes) {
        char *p = qy_label(r->out->parsed, "; also: ");
        char *full = p ? qy_label(p, r->b.notes) : NULL;
        free(p);
        if (full) {
            free(r->out->parsed);
            r->out->parsed = full;
        } else {
            st = QY_NOMEM;
        }
    }
    free(r->b.notes);
    r->b.notes = NULL;
    return st;
}

/* The Xapian query: each word with its forms, synonyms and acronyms; and a
 * copy of it that counts the matches (feedback terms only rank). */
static qy_status_t build_query(run_t *r)
{
    r->b = (build_t){.db = r->db,
                     .a = r->a,
                     .prefix = "",
                     .terms = r->o->terms,
                     .resolve = r->opts->resolve_source,
                     .resolve_ctx = r->opts->resolve_ctx};
    r->forms = qy_forms_new(r->a);
    if (!r->forms)
        return QY_NOMEM;
    r->b.forms = r->question ? r->forms : NULL;
    r->q = r->question
               ? qy_question_query(&r->b, r->words, r->nwords, r->qtf, r->opts)
               : qy_build_node(&r->b, r->root);
    if (r->b.failed != QY_OK)
        return r->b.failed;
    if (!r->q)
        return QY_NOMEM;
    qy_status_t st = add_notes(r);
    if (st == QY_OK && !(r->matching = qy_query_scale(r->q, 1.0)))
        st = QY_NOMEM;
    r->t = qy_timings_add(QY_STAGE_FORMS, r->t);
    return st;
}

/* Feedback terms added to a question; with per_source, the expanded query
 * ranks only what the question matches. */
static qy_status_t expand(run_t *r)
{
    qy_status_t st = QY_OK;
    if (r->question)
        st = qy_expand_question(r->db, r->a, &r->q, r->nwords, r->opts,
                                &r->question_scale, &r->expansion, r->error);
    r->t = qy_timings_add(QY_STAGE_FEEDBACK, r->t);
    if (st == QY_OK && r->expansion && r->opts->per_source) {
        qy_query_t *both[2] = {r->q, r->matching};
        qy_query_t *within = qy_query_combine(QY_Q_FILTER, both, 2, 0);
        qy_query_free(r->q);
        r->q = within;
        if (!r->q)
            st = QY_NOMEM;
    }
    return st;
}

/* The ranked search, then the exact count of what the question matches. */
static qy_status_t search_and_count(run_t *r)
{
    const qy_search_opts_t *opts = r->opts;
    r->params = (qy_search_params_t){
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = fetch_size(opts),
        .check_at_least = QY_CHECK_AT_LEAST,
        .collapse = opts->per_source,
        .collapse_slot = QY_SLOT_SOURCE,
        .weighting = opts->weighting,
        .weighting_param = opts->weighting_param,
    };
    /* Each hit of per_source is another source: none is folded under
     * another's near-duplicate, or its source would go missing. */
    r->fold = !opts->keep_duplicates && !opts->per_source;
    if (!r->fold) {
        r->params.offset = opts->offset;
        r->params.limit = opts->limit;
    }
    qy_status_t st = qy_db_search(r->db, r->q, &r->params, &r->o->mset);
    if (st != QY_OK)
        *r->error = qy_dup_error("search failed: %s", qy_db_error(r->db));
    r->t = qy_timings_add(QY_STAGE_SEARCH, r->t);
    /* The search may have counted every match already: without feedback
     * terms (which match more) and collapsing, it searched MATCHING. */
    if (st == QY_OK && !(!r->expansion && !r->params.collapse &&
                         qy_mset_exact_count(r->o->mset, &r->out->total))) {
        st = qy_db_count(r->db, r->matching, &r->out->total);
        if (st != QY_OK)
            *r->error = qy_dup_error("search failed: %s", qy_db_error(r->db));
    }
    r->t = qy_timings_add(QY_STAGE_COUNT, r->t);
    return st;
}

/* The hits of the page: decoded, near-duplicates folded, highlighted. */
static qy_status_t make_hits(run_t *r)
{
    qy_results_t *out = r->out;
    qy_status_t st = collect_hits(r->o, out, r->error);
    r->t = qy_timings_add(QY_STAGE_HITS, r->t);
    if (st == QY_OK && r->fold)
        st = qy_fold_duplicates(r->a, out, r->o);
    if (st == QY_OK && r->fold)
        qy_keep_page(out, r->o, r->opts);
    else if (st == QY_OK)
        for (size_t i = 0; i < out->count; i++)
            out->hits[i].rank = r->opts->offset + (unsigned)i + 1;
    r->t = qy_timings_add(QY_STAGE_FOLD, r->t);
    if (st == QY_OK)
        st = highlight_hits(r->a, r->o, r->opts, out);
    r->t = qy_timings_add(QY_STAGE_SNIPPETS, r->t);
    if (st == QY_OK && r->opts->explain) {
        st = qy_explain(&r->b, r->question ? r->words : NULL, r->nwords,
                        r->root, r->question_scale, &r->expansion, r->opts,
                        r->o, &r->params, out);
        qy_timings_add(QY_STAGE_SEARCH, r->t);
    }
    return st;
}

static void run_free(run_t *r)
{
    qy_query_free(r->q);
    qy_query_free(r->matching);
    qy_query_free(r->expansion);
    free(r->b.notes); /* the explain parts' expansions repeat the notes */
    free(r->qtf);
    free(r->kept_words);
    qy_forms_free(r->forms);
    qy_parsed_free(&r->parsed);
}

static qy_status_t search_once(qy_db_t *db, qy_analyzer_t *a, const char *query,
                               const qy_search_opts_t *opts, qy_results_t *out,
                               char **error)
{
    memset(out, 0, sizeof *out);
    *error = NULL;
    run_t r = {.db = db,
               .a = a,
               .query = query,
               .opts = opts,
               .out = out,
               .error = error,
               .question_scale = 1};
    r.o = calloc(1, sizeof *r.o);
    if (!r.o)
        return QY_NOMEM;
    out->owner_ = r.o;
    qy_status_t st = parse_question(&r);
    if (st != QY_OK || !r.parsed.root)
        return st;
    st = choose_words(&r);
    if (st == QY_OK)
        st = build_query(&r);
    if (st == QY_OK)
        st = expand(&r);
    if (st == QY_OK)
        st = search_and_count(&r);
    if (st == QY_OK)
        st = make_hits(&r);
    run_free(&r);
    if (st != QY_OK && st != QY_NOMEM)
        name_index(db, st, error);
    return st;
}
