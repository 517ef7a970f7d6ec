#include "quarry/search.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarry/schema.h"

/* Value slot holding a passage's date as YYYY-MM-DD, when it has one. */
#define QY_SLOT_DATE 0
/* A `word*` expands to at most this many index terms (the most frequent). */
#define QY_PREFIX_MAX_TERMS 200

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
    opts->count_repeats = QY_DEFAULT_COUNT_REPEATS;
}

typedef struct build {
    qy_db_t *db;
    qy_analyzer_t *a;
    const char *prefix; /* term prefix while inside title:(...) */
    unsigned pos;       /* query position, for Xapian's wqf/phrases */
    unsigned wqf;       /* within-query frequency of the next word; 0: 1 */
    qy_status_t failed;
} build_t;

static qy_query_t *build_node(build_t *b, const qy_node_t *n);

static qy_query_t *stem_term(build_t *b, const char *word, size_t len)
{
    size_t n;
    const char *stem = qy_stem(b->a, word, len, &n);
    if (!stem)
        return NULL;
    char term[QY_MAX_TERM_BYTES + 1];
    size_t plen = strlen(b->prefix);
    if (plen + n > QY_MAX_TERM_BYTES)
        return qy_query_match_nothing();
    memcpy(term, b->prefix, plen);
    memcpy(term + plen, stem, n);
    return qy_query_term(term, plen + n, b->wqf ? b->wqf : 1, ++b->pos);
}

/* Boolean filters carry no weight: they select, the words rank. */
static qy_query_t *unweighted(qy_query_t *q)
{
    if (!q)
        return NULL;
    qy_query_t *s = qy_query_scale(q, 0.0);
    qy_query_free(q);
    return s;
}

static qy_query_t *boolean_term(const char *prefix, const char *value)
{
    char term[QY_MAX_TERM_BYTES + 1];
    size_t n = qy_boolean_term(prefix, value, term);
    return unweighted(qy_query_term(term, n, 1, 0));
}

typedef struct glob_match {
    const char *pattern;
    size_t plen;
    qy_query_t **terms;
    size_t count, cap;
    int failed;
} glob_match_t;

static int match_source(void *ctx, const char *term, size_t len)
{
    glob_match_t *g = ctx;
    char path[QY_MAX_TERM_BYTES + 1];
    memcpy(path, term + g->plen, len - g->plen);
    path[len - g->plen] = '\0';
    if (fnmatch(g->pattern, path, 0) != 0)
        return 0;
    if (g->count == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        qy_query_t **t = realloc(g->terms, cap * sizeof *t);
        if (!t) {
            g->failed = 1;
            return 1;
        }
        g->terms = t;
        g->cap = cap;
    }
    qy_query_t *q = qy_query_term(term, len, 1, 0);
    if (!q) {
        g->failed = 1;
        return 1;
    }
    g->terms[g->count++] = q;
    return 0;
}

/* source:VALUE is a path or a glob; relative ones are taken from the
 * current directory, like the paths given to the indexer, and a directory
 * stands for everything below it. */
static qy_query_t *source_filter(build_t *b, const char *value)
{
    char pattern[PATH_MAX * 2 + 4];
    char resolved[PATH_MAX];
    struct stat st;
    if (realpath(value, resolved)) {
        if (stat(resolved, &st) == 0 && !S_ISDIR(st.st_mode))
            return boolean_term(QY_PREFIX_SOURCE, resolved);
        snprintf(pattern, sizeof pattern, "%s/*",
                 strcmp(resolved, "/") ? resolved : "");
    } else if (value[0] == '/') {
        snprintf(pattern, sizeof pattern, "%s", value);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return qy_query_match_nothing();
        snprintf(pattern, sizeof pattern, "%s/%s", cwd, value);
    }
    if (!strpbrk(pattern, "*?["))
        return boolean_term(QY_PREFIX_SOURCE, pattern);
    glob_match_t g = {.pattern = pattern, .plen = strlen(QY_PREFIX_SOURCE)};
    qy_status_t st2 =
        qy_db_each_term(b->db, QY_PREFIX_SOURCE, match_source, &g);
    qy_query_t *q = NULL;
    if (st2 != QY_OK)
        b->failed = st2;
    else if (!g.failed)
        q = g.count ? unweighted(qy_query_combine(QY_Q_OR, g.terms, g.count,
                                                  0))
                    : qy_query_match_nothing();
    for (size_t i = 0; i < g.count; i++)
        qy_query_free(g.terms[i]);
    free(g.terms);
    return q;
}

static qy_query_t *date_filter(const char *value)
{
    const char *dots = strstr(value, "..");
    if (!dots)
        return qy_query_match_nothing();
    char lo[64] = "", hi[64] = "";
    size_t n = (size_t)(dots - value);
    if (n < sizeof lo)
        memcpy(lo, value, n), lo[n] = '\0';
    snprintf(hi, sizeof hi, "%s", dots + 2);
    /* An end given as a year or a month covers all of it. */
    if (*hi && strlen(hi) < 10)
        strncat(hi, "\xff", sizeof hi - strlen(hi) - 1);
    return unweighted(qy_query_value_range(QY_SLOT_DATE, *lo ? lo : NULL,
                                           *hi ? hi : NULL));
}

static qy_query_t *build_field(build_t *b, const qy_node_t *n)
{
    const char *f = n->field ? n->field : "";
    if (strcmp(f, "title") == 0) {
        if (!n->nkids)
            return qy_query_match_nothing();
        const char *saved = b->prefix;
        b->prefix = QY_PREFIX_TITLE;
        qy_query_t *q = build_node(b, n->kids[0]);
        b->prefix = saved;
        return q;
    }
    const char *value = n->text ? n->text : "";
    if (strcmp(f, "source") == 0)
        return source_filter(b, value);
    if (strcmp(f, "id") == 0)
        return boolean_term(QY_PREFIX_ID, value);
    if (strcmp(f, "date") == 0)
        return date_filter(value);
    return qy_query_match_nothing();
}

static qy_query_t *build_kids(build_t *b, const qy_node_t *n,
                              qy_query_op_t op, unsigned window)
{
    qy_query_t **subs = calloc(n->nkids ? n->nkids : 1, sizeof *subs);
    qy_query_t *q = NULL;
    if (!subs)
        return NULL;
    size_t i;
    for (i = 0; i < n->nkids; i++) {
        subs[i] = build_node(b, n->kids[i]);
        if (!subs[i])
            break;
    }
    if (i == n->nkids && i > 0)
        q = qy_query_combine(op, subs, n->nkids, window);
    for (size_t j = 0; j < i; j++)
        qy_query_free(subs[j]);
    free(subs);
    return q;
}

static qy_query_t *build_node(build_t *b, const qy_node_t *n)
{
    switch (n->kind) {
    case QY_N_WORD:
        return stem_term(b, n->text, n->text_len);
    case QY_N_PREFIX: {
        char term[QY_MAX_TERM_BYTES + 1];
        size_t plen = strlen(b->prefix);
        if (plen + n->text_len > QY_MAX_TERM_BYTES)
            return qy_query_match_nothing();
        memcpy(term, b->prefix, plen);
        memcpy(term + plen, n->text, n->text_len);
        return qy_query_wildcard(term, plen + n->text_len,
                                 QY_PREFIX_MAX_TERMS);
    }
    case QY_N_PHRASE:
        return build_kids(b, n, QY_Q_PHRASE, 0);
    case QY_N_NEAR:
        return build_kids(b, n, QY_Q_NEAR, n->window ? n->window : 10);
    case QY_N_AND:
        return build_kids(b, n, QY_Q_AND, 0);
    case QY_N_OR:
        return build_kids(b, n, QY_Q_OR, 0);
    case QY_N_AND_NOT:
        return build_kids(b, n, QY_Q_AND_NOT, 0);
    case QY_N_AND_MAYBE:
        return build_kids(b, n, QY_Q_AND_MAYBE, 0);
    case QY_N_FIELD:
        return build_field(b, n);
    }
    return NULL;
}

/* ---- Ranking plain questions ------------------------------------------ */

static char *dup_error(const char *fmt, const char *arg)
{
    size_t n = strlen(fmt) + strlen(arg) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, arg);
    return s;
}

/* The words of a plain question, in order: the parser gives a WORD or an
 * OR of WORDs. *ONE holds a single word for *WORDS to point at. Returns 0
 * for any other shape. */
static int question_words(const qy_node_t *root, const qy_node_t **one,
                          const qy_node_t *const **words, size_t *n)
{
    if (root->kind == QY_N_WORD) {
        *one = root;
        *words = one;
        *n = 1;
        return 1;
    }
    if (root->kind != QY_N_OR || root->nkids == 0)
        return 0;
    for (size_t i = 0; i < root->nkids; i++)
        if (root->kids[i]->kind != QY_N_WORD)
            return 0;
    *words = (const qy_node_t *const *)root->kids;
    *n = root->nkids;
    return 1;
}

/* Combines the N queries of SUBS with OP, then frees them; a single one is
 * returned as it is. NULL when out of memory (SUBS are freed anyway). */
static qy_query_t *combine_owned(qy_query_op_t op, qy_query_t **subs,
                                 size_t n, unsigned window)
{
    qy_query_t *q = NULL;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= subs[i] != NULL;
    if (ok && n == 1) {
        q = subs[0];
        subs[0] = NULL;
    } else if (ok && n > 0) {
        q = qy_query_combine(op, subs, n, window);
    }
    for (size_t i = 0; i < n; i++)
        qy_query_free(subs[i]);
    return q;
}

static qy_query_t *scaled(qy_query_t *q, double factor)
{
    if (!q)
        return NULL;
    qy_query_t *s = qy_query_scale(q, factor);
    qy_query_free(q);
    return s;
}

typedef struct qtf_count {
    qy_analyzer_t *a;
    char **stems;
    size_t *lens;
    unsigned *counts;
    size_t n;
} qtf_count_t;

static int count_token(void *ctx, const qy_token_t *tok)
{
    qtf_count_t *c = ctx;
    size_t n;
    const char *stem = qy_stem(c->a, tok->word, tok->word_len, &n);
    if (!stem)
        return 1;
    for (size_t i = 0; i < c->n; i++)
        if (c->lens[i] == n && memcmp(c->stems[i], stem, n) == 0)
            c->counts[i]++;
    return 0;
}

/* How often each of the N question words occurs in QUERY (by stem), into
 * COUNTS (at least 1 each). */
static qy_status_t count_words(qy_analyzer_t *a, const char *query,
                               const qy_node_t *const *words, size_t n,
                               unsigned *counts)
{
    qtf_count_t c = {a, calloc(n, sizeof(char *)), calloc(n, sizeof(size_t)),
                     counts, n};
    qy_status_t st = c.stems && c.lens ? QY_OK : QY_NOMEM;
    for (size_t i = 0; st == QY_OK && i < n; i++) {
        size_t len;
        const char *stem = qy_stem(a, words[i]->text, words[i]->text_len,
                                   &len);
        c.stems[i] = stem ? malloc(len + 1) : NULL;
        if (!c.stems[i]) {
            st = QY_NOMEM;
            break;
        }
        memcpy(c.stems[i], stem, len);
        c.lens[i] = len;
        counts[i] = 0;
    }
    if (st == QY_OK)
        st = qy_tokenize(a, query, strlen(query), count_token, &c);
    for (size_t i = 0; i < n; i++) {
        if (counts[i] == 0)
            counts[i] = 1;
        if (c.stems)
            free(c.stems[i]);
    }
    free(c.stems);
    free(c.lens);
    return st;
}

/* The question's words, each also looked for in the title (weighted), and
 * pairs of neighbouring words rewarded when close together in the text. */
static qy_query_t *question_query(build_t *b, const qy_node_t *const *words,
                                  size_t n, const unsigned *qtf,
                                  const qy_search_opts_t *opts)
{
    int title = opts->title_weight > 0;
    qy_query_t **subs = calloc(2 * n, sizeof *subs);
    if (!subs)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        b->wqf = qtf ? qtf[i] : 1;
        subs[k++] = build_node(b, words[i]);
        if (title) {
            b->prefix = QY_PREFIX_TITLE;
            subs[k++] = scaled(build_node(b, words[i]), opts->title_weight);
            b->prefix = "";
        }
        b->wqf = 1;
    }
    qy_query_t *q = combine_owned(QY_Q_OR, subs, k, 0);
    if (!q || opts->proximity <= 0 || n < 2) {
        free(subs);
        return q;
    }
    unsigned window = opts->proximity_window ? opts->proximity_window
                                             : QY_DEFAULT_PROXIMITY_WINDOW;
    k = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        qy_query_t *pair[2] = {build_node(b, words[i]),
                               build_node(b, words[i + 1])};
        subs[k++] = combine_owned(QY_Q_NEAR, pair, 2, window);
    }
    qy_query_t *near = scaled(combine_owned(QY_Q_OR, subs, k, 0),
                              opts->proximity);
    free(subs);
    if (!near) {
        qy_query_free(q);
        return NULL;
    }
    qy_query_t *both[2] = {q, near};
    return combine_owned(QY_Q_AND_MAYBE, both, 2, 0);
}

typedef struct feedback_filter {
    qy_analyzer_t *a;
} feedback_filter_t;

/* Expansion terms are words of two letters or more that are not stop
 * words (the index keeps stop words; the ESet ranks them low, but not out). */
static int feedback_term_ok(void *ctx, const char *term, size_t len)
{
    feedback_filter_t *f = ctx;
    return len >= 2 && !qy_is_stopword(f->a, term, len);
}

/* RM3-style pseudo-relevance feedback: *Q becomes
 * OR(scale(1 - lambda, Q), scale(lambda * N, OR(scale(p(t), t)...))) where
 * the terms t come from Xapian's ESet over the best passages of Q, p(t) is
 * their relevance-model weight normalised to sum to 1, and N is the number
 * of question words (BM25 weights add up over the question's words, so the
 * expansion gets a comparable share). */
static qy_status_t expand_question(qy_db_t *db, qy_analyzer_t *a,
                                   qy_query_t **q, size_t nwords,
                                   const qy_search_opts_t *opts,
                                   char **error)
{
    double lambda = opts->feedback_weight;
    if (opts->feedback_docs == 0 || opts->feedback_terms == 0 ||
        !(lambda > 0))
        return QY_OK;
    if (lambda > 1)
        lambda = 1;
    /* The best passages stand for the relevant ones only when they are a
     * small part of the index; on a small index they are most of what
     * matches, and expanding from them drifts off the question. */
    unsigned passages = 0;
    qy_status_t st = qy_db_doc_count(db, &passages);
    if (st != QY_OK) {
        *error = dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    if ((double)passages < (double)opts->feedback_docs * QY_FEEDBACK_MIN_RATIO)
        return QY_OK;
    qy_search_params_t params = {
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = opts->feedback_docs,
        .check_at_least = 0,
    };
    qy_mset_t *first = NULL;
    st = qy_db_search(db, *q, &params, &first);
    qy_expand_term_t *terms = NULL;
    size_t nterms = 0;
    feedback_filter_t filter = {a};
    if (st == QY_OK)
        st = qy_db_expand(db, first, opts->feedback_docs, opts->feedback_terms,
                          feedback_term_ok, &filter, &terms, &nterms);
    qy_mset_free(first);
    if (st != QY_OK) {
        *error = dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    double total = 0;
    for (size_t i = 0; i < nterms; i++)
        total += terms[i].relevance;
    if (nterms == 0 || !(total > 0)) {
        qy_expand_terms_free(terms, nterms);
        return QY_OK;
    }
    qy_query_t **subs = calloc(nterms, sizeof *subs);
    if (!subs) {
        qy_expand_terms_free(terms, nterms);
        return QY_NOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < nterms; i++) {
        if (!(terms[i].relevance > 0))
            continue;
        subs[k++] = scaled(qy_query_term(terms[i].term, strlen(terms[i].term),
                                         1, 0),
                           terms[i].relevance / total);
    }
    qy_expand_terms_free(terms, nterms);
    qy_query_t *expansion =
        scaled(combine_owned(QY_Q_OR, subs, k, 0), lambda * (double)nwords);
    free(subs);
    if (!expansion)
        return QY_NOMEM;
    if (lambda >= 1) {
        qy_query_free(*q);
        *q = expansion;
        return QY_OK;
    }
    qy_query_t *both[2] = {scaled(*q, 1 - lambda), expansion};
    *q = combine_owned(QY_Q_OR, both, 2, 0);
    return *q ? QY_OK : QY_NOMEM;
}

/* Everything one search allocates besides the hits array. */
typedef struct owner {
    qy_mset_t *mset;
    qy_termset_t *terms;
} owner_t;

void qy_results_free(qy_results_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free(r->hits[i].highlights);
    free(r->hits);
    free(r->parsed);
    owner_t *o = r->owner_;
    if (o) {
        qy_mset_free(o->mset);
        qy_termset_free(o->terms);
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

static qy_status_t collect_hits(qy_analyzer_t *a, owner_t *o,
                                const qy_search_opts_t *opts,
                                qy_results_t *out, char **error)
{
    size_t n = qy_mset_size(o->mset);
    out->total = qy_mset_matches_estimated(o->mset);
    if (n == 0)
        return QY_OK;
    out->hits = calloc(n, sizeof *out->hits);
    if (!out->hits)
        return QY_NOMEM;
    for (size_t i = 0; i < n; i++) {
        qy_hit_t hit;
        qy_result_t *r = &out->hits[out->count];
        qy_mset_hit(o->mset, i, &hit);
        if (qy_record_decode(hit.data, hit.data_len, &r->rec) != QY_OK) {
            char id[32];
            snprintf(id, sizeof id, "%u", hit.docid);
            *error = dup_error("passage %s of the index is damaged", id);
            return QY_CORRUPT;
        }
        r->rank = opts->offset + (unsigned)i + 1;
        r->score = hit.weight;
        out->count++;
        if (opts->no_highlights)
            continue;
        qy_status_t st = qy_highlight(
            a, o->terms, r->rec.text, strlen(r->rec.text),
            opts->snippet_words, &r->highlights, &r->nhighlights, &r->snippet,
            &r->cut_before, &r->cut_after);
        if (st != QY_OK)
            return st;
    }
    return QY_OK;
}

/* Makes *ERROR (or, when there is none, Xapian's description or the
 * status) a message that names the index, as every error about an index
 * does; left as it was when out of memory. */
static void name_index(const qy_db_t *db, qy_status_t st, char **error)
{
    const char *what = *error ? *error
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

qy_status_t qy_search(qy_db_t *db, qy_analyzer_t *a, const char *query,
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
    st = qy_parse(a, query, strlen(query), &parsed);
    if (st != QY_OK)
        return st;
    out->syntax = parsed.syntax;
    out->fallback = parsed.fallback;
    st = describe(a, &parsed, out);
    if (st == QY_OK && !parsed.root) {
        qy_parsed_free(&parsed);
        return QY_OK;
    }
    o->terms = qy_termset_new();
    if (st == QY_OK && !o->terms)
        st = QY_NOMEM;
    if (st == QY_OK)
        st = qy_termset_add_query(o->terms, a, parsed.root);
    qy_query_t *q = NULL;
    const qy_node_t *one = NULL, *const *words = NULL;
    size_t nwords = 0;
    int question = st == QY_OK && (!parsed.syntax || parsed.fallback) &&
                   question_words(parsed.root, &one, &words, &nwords);
    unsigned *qtf = NULL;
    if (question && opts->count_repeats) {
        qtf = calloc(nwords, sizeof *qtf);
        st = qtf ? count_words(a, query, words, nwords, qtf) : QY_NOMEM;
    }
    if (st == QY_OK) {
        build_t b = {.db = db, .a = a, .prefix = ""};
        q = question ? question_query(&b, words, nwords, qtf, opts)
                     : build_node(&b, parsed.root);
        if (b.failed != QY_OK)
            st = b.failed;
        else if (!q)
            st = QY_NOMEM;
    }
    free(qtf);
    qy_parsed_free(&parsed);
    if (st == QY_OK && question)
        st = expand_question(db, a, &q, nwords, opts, error);
    if (st == QY_OK) {
        qy_search_params_t params = {
            .k1 = opts->k1,
            .b = opts->b,
            .offset = opts->offset,
            .limit = opts->limit,
            .check_at_least = 100,
        };
        st = qy_db_search(db, q, &params, &o->mset);
        if (st != QY_OK)
            *error = dup_error("search failed: %s", qy_db_error(db));
    }
    qy_query_free(q);
    if (st == QY_OK)
        st = collect_hits(a, o, opts, out, error);
    if (st != QY_OK && st != QY_NOMEM)
        name_index(db, st, error);
    return st;
}
