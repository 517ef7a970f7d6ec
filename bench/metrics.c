#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int by_trec_rank(const void *pa, const void *pb)
{
    const qy_scored_doc_t *a = pa, *b = pb;
    float sa = (float)a->score, sb = (float)b->score;
    if (sa > sb)
        return -1;
    if (sa < sb)
        return 1;
    return strcmp(b->doc, a->doc);
}

void qy_run_sort(qy_scored_doc_t *run, size_t n)
{
    if (n > 1)
        qsort(run, n, sizeof *run, by_trec_rank);
}

static int by_doc(const void *pa, const void *pb)
{
    const qy_judgment_t *a = pa, *b = pb;
    return strcmp(a->doc, b->doc);
}

static int by_gain_desc(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a < b) - (a > b);
}

int qy_metrics_query(const qy_scored_doc_t *run, size_t n,
                     const qy_judgment_t *judged, size_t m,
                     qy_metrics_t *out)
{
    memset(out, 0, sizeof *out);
    qy_judgment_t *sorted = malloc((m ? m : 1) * sizeof *sorted);
    double *gains = malloc((m ? m : 1) * sizeof *gains);
    if (!sorted || !gains) {
        free(sorted);
        free(gains);
        return -1;
    }
    if (m)
        memcpy(sorted, judged, m * sizeof *sorted);
    qsort(sorted, m, sizeof *sorted, by_doc);

    size_t nrel = 0, ngains = 0;
    for (size_t i = 0; i < m; i++) {
        nrel += sorted[i].relevant != 0;
        if (sorted[i].gain > 0)
            gains[ngains++] = sorted[i].gain;
    }

    double dcg = 0, ap = 0;
    size_t found = 0;
    for (size_t i = 0; i < n && i < QY_METRICS_DEPTH; i++) {
        qy_judgment_t key = {run[i].doc, 0, 0};
        const qy_judgment_t *j = bsearch(&key, sorted, m, sizeof *sorted,
                                         by_doc);
        if (!j)
            continue;
        if (i < 10 && j->gain > 0)
            dcg += j->gain / log2((double)i + 2);
        if (j->relevant) {
            found++;
            ap += (double)found / (double)(i + 1);
            if (i < 10)
                out->p10 += 1;
            if (i < 100)
                out->recall100 += 1;
        }
    }
    out->p10 /= 10;
    if (nrel) {
        out->map = ap / (double)nrel;
        out->recall100 /= (double)nrel;
    } else {
        out->recall100 = 0;
    }

    qsort(gains, ngains, sizeof *gains, by_gain_desc);
    double ideal = 0;
    for (size_t i = 0; i < ngains && i < 10; i++)
        ideal += gains[i] / log2((double)i + 2);
    out->ndcg10 = ideal > 0 ? dcg / ideal : 0;

    free(sorted);
    free(gains);
    return 0;
}
