/* Retrieval metrics of one query, computed the way trec_eval computes them,
 * so that figures can be set beside published ones. */
#ifndef QUARRY_BENCH_METRICS_H
#define QUARRY_BENCH_METRICS_H

#include <stddef.h>

/* Ranks beyond this do not count towards average precision (MAP at 1000,
 * the depth TREC runs are submitted at). */
#define QY_METRICS_DEPTH 1000

typedef struct qy_scored_doc {
    const char *doc; /* document id */
    double score;
} qy_scored_doc_t;

typedef struct qy_judgment {
    const char *doc; /* document id; each at most once per query */
    double gain;     /* graded relevance for nDCG; <= 0 gains nothing */
    int relevant;    /* binary relevance for MAP, P@10 and Recall@100 */
} qy_judgment_t;

typedef struct qy_metrics {
    double ndcg10;    /* trec_eval ndcg_cut.10 */
    double map;       /* trec_eval map, over the first QY_METRICS_DEPTH */
    double p10;       /* trec_eval P.10 */
    double recall100; /* trec_eval recall.100 */
} qy_metrics_t;

/* Puts RUN in the order trec_eval ranks it, whatever order it came in:
 * score descending, compared as float (the precision trec_eval reads scores
 * at), and equal scores by document id in descending strcmp order. */
void qy_run_sort(qy_scored_doc_t *run, size_t n);

/* The metrics of one query whose ranking is RUN[0..N-1] (rank order, each
 * document once) and whose judgments are JUDGED[0..M-1] (any order;
 * documents not listed are not relevant). Follows trec_eval 9:
 *   nDCG@10: sum of gain / log2(rank + 1) over the first 10, divided by the
 *            same sum for the judged documents of gain > 0 in the best order;
 *   MAP:     the sum of the precision at the rank of each relevant document
 *            retrieved in the first QY_METRICS_DEPTH, over the number of
 *            relevant documents;
 *   P@10:    relevant documents in the first 10, over 10;
 *   R@100:   relevant documents in the first 100, over the number relevant.
 * A query with nothing relevant scores 0 throughout. Returns 0, or -1 when
 * out of memory (OUT is then zeroed). */
int qy_metrics_query(const qy_scored_doc_t *run, size_t n,
                     const qy_judgment_t *judged, size_t m,
                     qy_metrics_t *out);

#endif
