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

/* Hits fetched for a page before near-duplicates are folded. */
static unsigned fetch_size(const qy_search_opts_t *opts)
{
    unsigned long want = (unsigned long)opts->offset + opts->limit;
    if (opts->keep_duplicates)
        return opts->limit;
    want = want * 2 + 10;
    return want > 100000 ? 100000 : (unsigned)want;
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

static qy_status_t search_once(qy_db_t *db, qy_analyzer_t *a, const char *query,
                               const qy_search_opts_t *opts, qy_results_t *out,
                               char **error)
{
    qy_parsed_t parsed;
    qy_status_t st;
    memset(out, 0, sizeof *out);
    *error = NULL;
    owner_t *o = calloc(1, sizeof *o);
    if (!o)
        return QY_NOMEM;
    out->owner_ = o;
    if ((st = use_index_languages(db, a)) != QY_OK)
        return st;
    double t = qy_timings_now();
    st = qy_parse_keeping(a, query, strlen(query), opts->keep_stopwords,
                          &parsed);
    if (st != QY_OK)
        return st;
    out->syntax = parsed.syntax;
    out->fallback = parsed.fallback;
    st = describe(a, &parsed, out);
    if (st != QY_OK || !parsed.root) {
        qy_parsed_free(&parsed);
        return st;
    }
    o->terms = qy_termset_new();
    if (!o->terms)
        st = QY_NOMEM;
    if (st == QY_OK)
        st = qy_termset_add_query(o->terms, a, parsed.root);
    qy_query_t *q = NULL, *expansion = NULL;
    double question_scale = 1;
    const qy_node_t *one = NULL, *const *words = NULL;
    size_t nwords = 0;
    int question = st == QY_OK && (!parsed.syntax || parsed.fallback) &&
                   qy_question_words(parsed.root, &one, &words, &nwords);
    unsigned *qtf = NULL;
    const qy_node_t **kept_words = NULL;
    if (question && opts->count_repeats) {
        qtf = calloc(nwords, sizeof *qtf);
        st = qtf ? qy_count_words(a, query, words, nwords, qtf) : QY_NOMEM;
    }
    if (st == QY_OK && question && nwords > QY_QUESTION_MAX_WORDS)
        st = qy_informative_words(db, a, &words, &nwords, qtf, &kept_words);
    build_t b = {.db = db,
                 .a = a,
                 .prefix = "",
                 .terms = o->terms,
                 .resolve = opts->resolve_source,
                 .resolve_ctx = opts->resolve_ctx};
    /* A long text with parentheses or quotes is syntax: an OR of its
     * parts. Of more than QY_QUESTION_MAX_WORDS parts, its phrases and
     * groups and its most informative words are searched, as for a long
     * question. */
    const qy_node_t *root = parsed.root;
    qy_node_t reduced;
    if (st == QY_OK && !question && root->kind == QY_N_OR &&
        root->nkids > QY_QUESTION_MAX_WORDS) {
        const qy_node_t *const *kids = (const qy_node_t *const *)root->kids;
        size_t nk = root->nkids;
        st = qy_informative_words(db, a, &kids, &nk, NULL, &kept_words);
        if (st == QY_OK) {
            reduced = *root;
            reduced.kids = (qy_node_t **)kids;
            reduced.nkids = nk;
            root = &reduced;
        }
    }
    t = qy_timings_add(QY_STAGE_PARSE, t);
    qy_forms_t *forms = qy_forms_new(a);
    if (!forms && st == QY_OK)
        st = QY_NOMEM;
    b.forms = question ? forms : NULL;
    if (st == QY_OK) {
        q = question ? qy_question_query(&b, words, nwords, qtf, opts)
                     : qy_build_node(&b, root);
        if (b.failed != QY_OK)
            st = b.failed;
        else if (!q)
            st = QY_NOMEM;
    }
    if (st == QY_OK && b.notes) {
        char *p = qy_label(out->parsed, "; also: ");
        char *full = p ? qy_label(p, b.notes) : NULL;
        free(p);
        if (full) {
            free(out->parsed);
            out->parsed = full;
        } else {
            st = QY_NOMEM;
        }
    }
    free(b.notes);
    b.notes = NULL;
    /* What the question matches, before feedback: the passages counted,
     * and with per_source the ones whose sources are listed. Feedback terms
     * only rank. */
    qy_query_t *matching = NULL;
    if (st == QY_OK) {
        matching = qy_query_scale(q, 1.0);
        if (!matching)
            st = QY_NOMEM;
    }
    t = qy_timings_add(QY_STAGE_FORMS, t);
    if (st == QY_OK && question)
        st = qy_expand_question(db, a, &q, nwords, opts, &question_scale,
                                &expansion, error);
    t = qy_timings_add(QY_STAGE_FEEDBACK, t);
    if (st == QY_OK && expansion && opts->per_source) {
        qy_query_t *both[2] = {q, matching};
        qy_query_t *within = qy_query_combine(QY_Q_FILTER, both, 2, 0);
        qy_query_free(q);
        q = within;
        if (!q)
            st = QY_NOMEM;
    }
    qy_search_params_t params = {
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = fetch_size(opts),
        .check_at_least = 100,
        .collapse = opts->per_source,
        .collapse_slot = QY_SLOT_SOURCE,
        .weighting = opts->weighting,
        .weighting_param = opts->weighting_param,
    };
    /* Each hit of per_source is another source: none is folded under
     * another's near-duplicate, or its source would go missing. */
    int fold = !opts->keep_duplicates && !opts->per_source;
    if (!fold) {
        params.offset = opts->offset;
        params.limit = opts->limit;
    }
    if (st == QY_OK) {
        st = qy_db_search(db, q, &params, &o->mset);
        if (st != QY_OK)
            *error = qy_dup_error("search failed: %s", qy_db_error(db));
    }
    qy_query_free(q);
    t = qy_timings_add(QY_STAGE_SEARCH, t);
    /* The search may have counted every match already: without feedback
     * terms (which match more) and collapsing, it searched MATCHING. */
    if (st == QY_OK && !(!expansion && !params.collapse &&
                         qy_mset_exact_count(o->mset, &out->total))) {
        st = qy_db_count(db, matching, &out->total);
        if (st != QY_OK)
            *error = qy_dup_error("search failed: %s", qy_db_error(db));
    }
    qy_query_free(matching);
    t = qy_timings_add(QY_STAGE_COUNT, t);
    if (st == QY_OK)
        st = collect_hits(o, out, error);
    t = qy_timings_add(QY_STAGE_HITS, t);
    if (st == QY_OK && fold)
        st = qy_fold_duplicates(a, out, o);
    if (st == QY_OK && fold)
        qy_keep_page(out, o, opts);
    else if (st == QY_OK)
        for (size_t i = 0; i < out->count; i++)
            out->hits[i].rank = opts->offset + (unsigned)i + 1;
    t = qy_timings_add(QY_STAGE_FOLD, t);
    if (st == QY_OK)
        st = highlight_hits(a, o, opts, out);
    t = qy_timings_add(QY_STAGE_SNIPPETS, t);
    if (st == QY_OK && opts->explain) {
        st = qy_explain(&b, question ? words : NULL, nwords, root,
                        question_scale, &expansion, opts, o, &params, out);
        qy_timings_add(QY_STAGE_SEARCH, t);
    }
    qy_query_free(expansion);
    free(b.notes); /* the explain parts' expansions repeat the notes */
    free(qtf);
    free(kept_words);
    qy_forms_free(forms);
    qy_parsed_free(&parsed);
    if (st != QY_OK && st != QY_NOMEM)
        name_index(db, st, error);
    return st;
}
