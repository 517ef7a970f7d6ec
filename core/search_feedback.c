/* Expansion by pseudo-relevance feedback: the best passages of a plain
 * question lend it the terms they share (RM3), when they are a small part
 * of the index, agree on what they are about and score alike. */
#include "quarry/search_stages.h"

#include <stdlib.h>
#include <string.h>

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

/* Whether the feedback passages are about one thing: the terms chosen
 * from them are held, on average, by at least AGREEMENT of the FOUND
 * passages. When each of them is about something else, the terms each
 * lends are its own, and expanding with them pulls the search apart. */
static int passages_agree(const qy_expand_term_t *terms, size_t n, size_t found,
                          double agreement)
{
    if (!(agreement > 0))
        return 1;
    if (found == 0 || n == 0)
        return 0;
    double held = 0;
    for (size_t i = 0; i < n; i++)
        held += (double)terms[i].docs / (double)found;
    return held / (double)n >= agreement;
}

/* The terms the best passages of Q lend it (*NTERMS 0: none, when the
 * passages do not agree or their scores fall apart), with the sum of their
 * relevance in *TOTAL. */
static qy_status_t feedback_terms(qy_db_t *db, qy_analyzer_t *a,
                                  const qy_query_t *q,
                                  const qy_search_opts_t *opts,
                                  qy_expand_term_t **terms, size_t *nterms,
                                  double *total, char **error)
{
    qy_search_params_t params = {
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = opts->feedback_docs,
        .check_at_least = 0,
        .weighting = opts->weighting,
        .weighting_param = opts->weighting_param,
    };
    qy_mset_t *first = NULL;
    qy_status_t st = qy_db_search(db, q, &params, &first);
    feedback_filter_t filter = {a};
    if (st == QY_OK)
        st = qy_db_expand(db, first, opts->feedback_docs, opts->feedback_terms,
                          opts->feedback_scheme, feedback_term_ok, &filter,
                          terms, nterms);
    size_t fb_found = first ? qy_mset_size(first) : 0;
    int spread = 0;
    if (fb_found > 1 && opts->feedback_spread > 0) {
        qy_hit_t best, last;
        qy_mset_hit(first, 0, &best);
        qy_mset_hit(first, fb_found - 1, &last);
        spread = best.weight > 0 &&
                 last.weight < opts->feedback_spread * best.weight;
    }
    qy_mset_free(first);
    if (st != QY_OK) {
        *error = qy_dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    *total = 0;
    for (size_t i = 0; i < *nterms; i++)
        *total += (*terms)[i].relevance;
    if (*nterms == 0 || !(*total > 0) || spread ||
        !passages_agree(*terms, *nterms, fb_found, opts->feedback_agreement)) {
        qy_expand_terms_free(*terms, *nterms);
        *terms = NULL;
        *nterms = 0;
    }
    return QY_OK;
}

/* OR(scale(p(t), t)...) over TERMS, p(t) their relevance over TOTAL, the
 * whole scaled by SCALE; NULL when out of memory. TERMS are freed. */
static qy_query_t *terms_query(qy_expand_term_t *terms, size_t nterms,
                               double total, double scale)
{
    qy_query_t **subs = calloc(nterms, sizeof *subs);
    if (!subs) {
        qy_expand_terms_free(terms, nterms);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < nterms; i++) {
        if (!(terms[i].relevance > 0))
            continue;
        subs[k++] =
            qy_scaled(qy_query_term(terms[i].term, strlen(terms[i].term), 1, 0),
                      terms[i].relevance / total);
    }
    qy_expand_terms_free(terms, nterms);
    qy_query_t *expansion =
        qy_scaled(qy_combine_owned(QY_Q_OR, subs, k, 0), scale);
    free(subs);
    return expansion;
}

/* RM3-style pseudo-relevance feedback: *Q becomes
 * OR(scale(1 - lambda, Q), scale(lambda * N, OR(scale(p(t), t)...))) where
 * the terms t come from Xapian's ESet over the best passages of Q, p(t) is
 * their relevance-model weight normalised to sum to 1, and N is the number
 * of question words (BM25 weights add up over the question's words, so the
 * expansion gets a comparable share). */
qy_status_t qy_expand_question(qy_db_t *db, qy_analyzer_t *a, qy_query_t **q,
                               size_t nwords, const qy_search_opts_t *opts,
                               double *question_scale,
                               qy_query_t **expansion_out, char **error)
{
    double lambda = opts->feedback_weight;
    if (opts->feedback_docs == 0 || opts->feedback_terms == 0 || !(lambda > 0))
        return QY_OK;
    if (lambda > 1)
        lambda = 1;
    /* The best passages stand for the relevant ones only when they are a
     * small part of the index; on a small index they are most of what
     * matches, and expanding from them drifts off the question. */
    unsigned passages = 0;
    qy_status_t st = qy_db_doc_count(db, &passages);
    if (st != QY_OK) {
        *error = qy_dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    if ((double)passages < (double)opts->feedback_docs * QY_FEEDBACK_MIN_RATIO)
        return QY_OK;
    qy_expand_term_t *terms = NULL;
    size_t nterms = 0;
    double total = 0;
    st = feedback_terms(db, a, *q, opts, &terms, &nterms, &total, error);
    if (st != QY_OK || nterms == 0)
        return st;
    qy_query_t *expansion =
        terms_query(terms, nterms, total, lambda * (double)nwords);
    if (!expansion)
        return QY_NOMEM;
    *expansion_out = qy_query_scale(expansion, 1.0);
    if (!*expansion_out) {
        qy_query_free(expansion);
        return QY_NOMEM;
    }
    if (lambda >= 1) {
        qy_query_free(*q);
        *q = expansion;
        *question_scale = 0;
        return QY_OK;
    }
    *question_scale = 1 - lambda;
    qy_query_t *both[2] = {qy_scaled(*q, 1 - lambda), expansion};
    *q = qy_combine_owned(QY_Q_OR, both, 2, 0);
    return *q ? QY_OK : QY_NOMEM;
}
