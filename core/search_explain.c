/* Explanation (--explain): each hit's score split into the parts of the
 * question that add to it (each word, its title match, the feedback terms;
 * the positive leaves of a syntax query). */
#include "quarry/search_stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/schema.h"

typedef struct parts {
    qy_query_t **q;
    char **what;
    size_t n, cap;
    int failed;
} parts_t;

static void add_part(parts_t *p, char *what, qy_query_t *q)
{
    if (!what || !q || p->failed) {
        free(what);
        qy_query_free(q);
        p->failed = 1;
        return;
    }
    /* Two arrays of one length: CAP moves once both have grown. */
    size_t cap = p->cap, what_cap = p->cap;
    qy_query_t **nq = qy_grow(p->q, p->n, &cap, sizeof *nq, 8);
    if (nq)
        p->q = nq;
    char **nw = nq ? qy_grow(p->what, p->n, &what_cap, sizeof *nw, 8) : NULL;
    if (!nw) {
        free(what);
        qy_query_free(q);
        p->failed = 1;
        return;
    }
    p->what = nw;
    p->cap = what_cap;
    p->q[p->n] = q;
    p->what[p->n++] = what;
}

/* The parts of a syntax query that add to scores: its positive leaves. */
static void syntax_parts(build_t *b, const qy_node_t *n, parts_t *p)
{
    switch (n->kind) {
    case QY_N_AND_NOT:
        if (n->nkids)
            syntax_parts(b, n->kids[0], p);
        return;
    case QY_N_AND:
    case QY_N_OR:
    case QY_N_AND_MAYBE:
        for (size_t i = 0; i < n->nkids; i++)
            syntax_parts(b, n->kids[i], p);
        return;
    case QY_N_FIELD:
        if (!n->field || strcmp(n->field, "title") != 0)
            return;
        break;
    default:
        break;
    }
    add_part(p, qy_node_describe(b->a, n), qy_build_node(b, n));
}

static qy_status_t explain_hits(qy_db_t *db, const owner_t *o,
                                const qy_search_params_t *params, parts_t *p,
                                qy_results_t *out)
{
    if (p->failed)
        return QY_NOMEM;
    if (out->count == 0 || p->n == 0)
        return QY_OK;
    double *w = calloc(out->count * p->n, sizeof *w);
    if (!w)
        return QY_NOMEM;
    qy_status_t st = qy_db_explain(db, (const qy_query_t *const *)p->q, p->n,
                                   o->docids, out->count, params, w);
    for (size_t d = 0; st == QY_OK && d < out->count; d++) {
        qy_result_t *h = &out->hits[d];
        h->explain = calloc(p->n, sizeof *h->explain);
        if (!h->explain) {
            st = QY_NOMEM;
            break;
        }
        for (size_t q = 0; q < p->n; q++) {
            if (!(w[d * p->n + q] > 0))
                continue;
            char *what = strdup(p->what[q]);
            if (!what) {
                st = QY_NOMEM;
                break;
            }
            h->explain[h->nexplain++] = (qy_explain_t){what, w[d * p->n + q]};
        }
    }
    free(w);
    return st;
}

static void parts_free(parts_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        qy_query_free(p->q[i]);
        free(p->what[i]);
    }
    free(p->q);
    free(p->what);
}

/* A plain question's parts: each word's stem and its title match, weighed
 * as the search weighed them (QUESTION_SCALE), then the feedback terms. */
static void question_parts(build_t *b, const qy_node_t *const *words,
                           size_t nwords, double question_scale,
                           qy_query_t **expansion, const qy_search_opts_t *opts,
                           parts_t *p)
{
    for (size_t i = 0; i < nwords && question_scale > 0; i++) {
        size_t n;
        const char *stem =
            qy_stem(b->a, words[i]->text, words[i]->text_len, &n);
        char *what = stem ? malloc(n + 1) : NULL;
        if (what) {
            memcpy(what, stem, n);
            what[n] = '\0';
        }
        /* Labelled before add_part, which frees WHAT when it fails. */
        char *title = opts->title_weight > 0
                          ? qy_label("title:", what ? what : "")
                          : NULL;
        add_part(p, what,
                 qy_scaled(qy_build_node(b, words[i]), question_scale));
        if (opts->title_weight > 0) {
            b->prefix = QY_PREFIX_TITLE;
            add_part(p, title,
                     qy_scaled(qy_build_node(b, words[i]),
                               opts->title_weight * question_scale));
            b->prefix = "";
        }
    }
    if (*expansion) {
        add_part(p, strdup("feedback"), *expansion);
        *expansion = NULL;
    }
}

/* The explanation of each hit of OUT: for a plain question (WORDS, NWORDS)
 * its question_parts (*EXPANSION is taken); for syntax (WORDS NULL) the
 * positive leaves of ROOT. */
qy_status_t qy_explain(build_t *b, const qy_node_t *const *words, size_t nwords,
                       const qy_node_t *root, double question_scale,
                       qy_query_t **expansion, const qy_search_opts_t *opts,
                       const owner_t *o, const qy_search_params_t *params,
                       qy_results_t *out)
{
    parts_t parts = {0};
    b->in_phrase = 0;
    b->negated = 0;
    b->terms = NULL;
    if (words)
        question_parts(b, words, nwords, question_scale, expansion, opts,
                       &parts);
    else
        syntax_parts(b, root, &parts);
    qy_status_t st = explain_hits(b->db, o, params, &parts, out);
    parts_free(&parts);
    return st;
}
