/* The stages of a search (core/search*.c), shared between their files:
 * the state a query is built with and what one search owns. */
#ifndef QUARRY_SEARCH_STAGES_H
#define QUARRY_SEARCH_STAGES_H

#include <stddef.h>

#include "quarry/forms.h"
#include "quarry/search.h"

typedef struct build {
    qy_db_t *db;
    qy_analyzer_t *a;
    const char *prefix; /* term prefix while inside title:(...) */
    unsigned pos;       /* query position, for Xapian's wqf/phrases */
    unsigned wqf;       /* within-query frequency of the next word; 0: 1 */
    qy_status_t failed;
    qy_forms_t *forms;   /* irregular forms and synonyms expand words (plain
                            questions only); NULL: words stay as typed */
    qy_termset_t *terms; /* words to highlight: expansions are added */
    int negated;         /* inside the excluded part of a NOT */
    int in_phrase;       /* inside a phrase or NEAR: words stay as typed */
    char *notes;         /* expansions made, for `parsed`: "a=b|c; d=e" */
    char *(*resolve)(void *ctx, const char *value); /* see qy_search_opts */
    void *resolve_ctx;
} build_t;

/* Everything one search allocates besides the hits array. */
typedef struct owner {
    qy_mset_t *mset;
    qy_termset_t *terms;
    unsigned *docids; /* of out->hits, in the same order */
} owner_t;

/* search_analysis.c */
qy_query_t *qy_build_node(build_t *b, const qy_node_t *n);
qy_query_t *qy_scaled(qy_query_t *q, double factor);
qy_query_t *qy_combine_owned(qy_query_op_t op, qy_query_t **subs, size_t n,
                             unsigned window);
char *qy_dup_error(const char *fmt, const char *arg);
char *qy_label(const char *prefix, const char *text);
int qy_question_words(const qy_node_t *root, const qy_node_t **one,
                      const qy_node_t *const **words, size_t *n);
qy_status_t qy_count_words(qy_analyzer_t *a, const char *query,
                           const qy_node_t *const *words, size_t n,
                           unsigned *counts);
qy_status_t qy_informative_words(qy_db_t *db, qy_analyzer_t *a,
                                 const qy_node_t *const **words, size_t *n,
                                 unsigned *qtf, const qy_node_t ***kept);
qy_query_t *qy_question_query(build_t *b, const qy_node_t *const *words,
                              size_t n, const unsigned *qtf,
                              const qy_search_opts_t *opts);

/* search_feedback.c */
qy_status_t qy_expand_question(qy_db_t *db, qy_analyzer_t *a, qy_query_t **q,
                               size_t nwords, const qy_search_opts_t *opts,
                               double *question_scale,
                               qy_query_t **expansion_out, char **error);

/* search_duplicates.c */
void qy_free_hit(qy_result_t *h);
qy_status_t qy_fold_duplicates(qy_analyzer_t *a, qy_results_t *out, owner_t *o);
void qy_keep_page(qy_results_t *out, owner_t *o, const qy_search_opts_t *opts);

/* search_spelling.c */
int qy_long_question(qy_analyzer_t *a, const char *query);
qy_status_t qy_suggest(qy_db_t *db, qy_analyzer_t *a, const char *query,
                       char **suggestion);

/* search_explain.c */
qy_status_t qy_explain(build_t *b, const qy_node_t *const *words, size_t nwords,
                       const qy_node_t *root, double question_scale,
                       qy_query_t **expansion, const qy_search_opts_t *opts,
                       const owner_t *o, const qy_search_params_t *params,
                       qy_results_t *out);

#endif
