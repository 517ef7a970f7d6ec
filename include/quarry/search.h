/* Searching: a question in, ranked passages out, each with the spans of
 * its matched words and the window of text that best shows them. Shared by
 * `query` and the evaluation harness. */
#ifndef QUARRY_SEARCH_H
#define QUARRY_SEARCH_H

#include <stddef.h>

#include "quarry/qparse.h"
#include "quarry/record.h"
#include "quarry/status.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BM25 parameters used unless the caller sets others: the textbook
 * values (Xapian's own defaults are k1 = 1, b = 0.5). */
#define QY_DEFAULT_K1 1.2
#define QY_DEFAULT_B 0.75
/* Words in a snippet window. */
#define QY_DEFAULT_SNIPPET_WORDS 40

typedef struct qy_search_opts {
    unsigned offset;        /* hits to skip */
    unsigned limit;         /* hits to return */
    double k1, b;           /* BM25 */
    unsigned snippet_words; /* words in a snippet window; 0: default */
} qy_search_opts_t;

/* Fills OPTS with the defaults above, offset 0 and limit 10. */
void qy_search_opts_init(qy_search_opts_t *opts);

typedef struct qy_span {
    size_t start, end; /* byte offsets: [start, end) */
} qy_span_t;

typedef struct qy_result {
    unsigned rank;         /* 1-based, counting skipped hits */
    double score;
    qy_record_t rec;       /* strings borrowed from the results */
    qy_span_t *highlights; /* matched words in rec.text, in order */
    size_t nhighlights;
    qy_span_t snippet;     /* the best window of rec.text */
    int cut_before;        /* rec.text continues before the snippet */
    int cut_after;         /* ... and after it */
} qy_result_t;

typedef struct qy_results {
    char *parsed;    /* the query as understood, one line */
    int syntax;      /* the query used the query syntax */
    int fallback;    /* ... but was invalid and searched as plain words */
    unsigned total;  /* matching passages (an estimate for large indexes) */
    qy_result_t *hits;
    size_t count;
    void *owner_;    /* private: what the hits borrow from */
} qy_results_t;

/* Parses QUERY with A, runs it on DB and fills *OUT (free it with
 * qy_results_free, also after a failure). On failure *ERROR receives a
 * malloc'd one-line message. A query with no searchable word finds nothing
 * (QY_OK, count 0). */
qy_status_t qy_search(qy_db_t *db, qy_analyzer_t *a, const char *query,
                      const qy_search_opts_t *opts, qy_results_t *out,
                      char **error);
void qy_results_free(qy_results_t *results);

/* ---- Highlighting (exposed for tests and other front ends) ------------ */

/* The words a query looks for in passage text: stems, and word prefixes
 * (from `word*`). */
typedef struct qy_termset qy_termset_t;

qy_termset_t *qy_termset_new(void);
void qy_termset_free(qy_termset_t *ts);
/* Adds the words of NODE that can match passage text (not those under
 * NOT, nor field filters), stemmed with A. */
qy_status_t qy_termset_add_query(qy_termset_t *ts, qy_analyzer_t *a,
                                 const qy_node_t *node);
qy_status_t qy_termset_add_stem(qy_termset_t *ts, const char *stem,
                                size_t len);
qy_status_t qy_termset_add_prefix(qy_termset_t *ts, const char *prefix,
                                  size_t len);
size_t qy_termset_size(const qy_termset_t *ts);

/* Finds every word of TEXT that matches TS: *SPANS (malloc'd, caller
 * frees) gets their byte spans in order. Then chooses the window of at most
 * WORDS words holding the most distinct matched terms, preferring one that
 * starts a sentence, and stores it in *SNIPPET with the cut flags. */
qy_status_t qy_highlight(qy_analyzer_t *a, const qy_termset_t *ts,
                         const char *text, size_t len, unsigned words,
                         qy_span_t **spans, size_t *nspans,
                         qy_span_t *snippet, int *cut_before,
                         int *cut_after);

#ifdef __cplusplus
}
#endif

#endif
