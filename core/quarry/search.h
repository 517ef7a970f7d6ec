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
#define QY_DEFAULT_K1 2.0
#define QY_DEFAULT_B 0.75
/* Words in a snippet window. */
#define QY_DEFAULT_SNIPPET_WORDS 40

/* How plain questions (queries without syntax) are ranked by default; see
 * docs/quality.md for the measurements behind each value (a setting is a
 * default only when it raises the mean over the judged collections and
 * lowers none of them below plain BM25). A weight of 0 turns its feature
 * off; feedback (0 passages) and repeats are off by default. */
#define QY_DEFAULT_TITLE_WEIGHT 0.05
#define QY_DEFAULT_PROXIMITY 0.0
#define QY_DEFAULT_PROXIMITY_WINDOW 8
#define QY_DEFAULT_FEEDBACK_DOCS 0
#define QY_DEFAULT_FEEDBACK_TERMS 15
#define QY_DEFAULT_FEEDBACK_WEIGHT 0.5
#define QY_DEFAULT_COUNT_REPEATS 0
/* Feedback expands a question only when its best passages agree: when the
 * expansion terms are held, on average, by at least this part of them
 * (0: always). */
#define QY_DEFAULT_FEEDBACK_AGREEMENT 0.0
/* Feedback is used only when the index holds at least this many passages
 * per feedback passage (500 for 5): the best few must be a small part of
 * the index to stand for the relevant ones. */
#define QY_FEEDBACK_MIN_RATIO 100
/* A plain question of more words is searched for its this many most
 * informative ones (highest qtf * IDF); see core/search.c. */
#define QY_QUESTION_MAX_WORDS 28

typedef struct qy_search_opts {
    unsigned offset;        /* hits to skip */
    unsigned limit;         /* hits to return */
    double k1, b;           /* BM25 */
    unsigned snippet_words; /* words in a snippet window; 0: default */

    /* Ranking of plain questions only (a query using the syntax is searched
     * as written). Zero turns each off, so a zeroed struct ranks by BM25
     * alone. */
    double title_weight;       /* a question word in the article's title
                                  adds this times its BM25 weight there */
    double proximity;          /* two question words next to each other in
                                  the question that occur within
                                  proximity_window words of each other add
                                  this times their weights */
    unsigned proximity_window; /* 0: QY_DEFAULT_PROXIMITY_WINDOW */
    unsigned feedback_docs;    /* pseudo-relevance feedback: expand the
                                  question with terms of its best N
                                  passages, then search again (only on an
                                  index of QY_FEEDBACK_MIN_RATIO * N
                                  passages or more) */
    unsigned feedback_terms;   /* ... at most this many terms */
    double feedback_weight;    /* ... sharing this part of the score with
                                  the question (0 to 1, RM3's lambda) */
    double feedback_agreement; /* ... only when the terms chosen are held
                                  by this part of the N passages on
                                  average (0 to 1; 0: always) */
    double feedback_spread;    /* ... only when the last of the N passages
                                  scores at least this part of the first
                                  (0 to 1; 0: always) */
    qy_expand_scheme_t feedback_scheme; /* how the terms are chosen */
    qy_weighting_t weighting; /* the scheme that ranks (BM25: k1, b) */
    double weighting_param;   /* its parameter; 0: Xapian's default */
    int count_repeats;        /* a word the question types again in the
                                 same form weighs more (BM25's query-term
                                 factor, k3 = 1); otherwise each word
                                 counts once */
    int keep_stopwords;       /* a question keeps its stop words (they
                                 are dropped by default) */
    int no_highlights;        /* leave highlights and snippets empty
                                 (evaluation, which reads scores only) */

    /* Presentation of the hits. */
    int keep_duplicates; /* do not fold near-identical passages into one hit
                            (folded ones are listed in the hit's `also`) */
    int per_source;      /* only the best passage of each source */
    int explain;         /* fill each hit's `explain` */
    int no_spelling;     /* do not suggest or search spelling corrections */

    /* source:VALUE, for a VALUE neither absolute nor a glob: the absolute
     * path it names (malloc'd; the search frees it), or NULL to match it
     * as the end of the stored paths. NULL: no resolving. */
    char *(*resolve_source)(void *ctx, const char *value);
    void *resolve_ctx;
} qy_search_opts_t;

/* Fills OPTS with the defaults above, offset 0 and limit 10. */
void qy_search_opts_init(qy_search_opts_t *opts);

typedef struct qy_span {
    size_t start, end; /* byte offsets: [start, end) */
} qy_span_t;

/* Another place where a hit's passage stands (near-)identically. */
typedef struct qy_location {
    const char *source; /* borrowed from the results */
    const char *id;     /* "" unless from a JSON Lines document */
    unsigned ordinal;
} qy_location_t;

/* One part of a hit's score: the weight a query term (or phrase, or
 * expansion) gives it on its own. */
typedef struct qy_explain {
    char *what; /* e.g. "stole", "title:korea", "feedback: hack" */
    double weight;
} qy_explain_t;

typedef struct qy_result {
    unsigned rank; /* 1-based, counting skipped hits */
    double score;
    qy_record_t rec;       /* strings borrowed from the results */
    qy_span_t *highlights; /* matched words in rec.text, in order */
    size_t nhighlights;
    qy_span_t snippet;   /* the best window of rec.text */
    int cut_before;      /* rec.text continues before the snippet */
    int cut_after;       /* ... and after it */
    qy_location_t *also; /* folded near-duplicates, best first */
    size_t nalso;
    qy_explain_t *explain; /* with opts.explain: the score's parts */
    size_t nexplain;
} qy_result_t;

typedef struct qy_results {
    char *parsed;     /* the query as understood, one line */
    int syntax;       /* the query used the query syntax */
    int fallback;     /* ... but was invalid and searched as plain words */
    unsigned total;   /* matching passages (an estimate for large indexes) */
    char *suggestion; /* "Did you mean": the question with misspelled
                         words corrected, or NULL */
    int corrected;    /* the hits answer the suggestion, because the
                         question as typed found nothing */
    qy_result_t *hits;
    size_t count;
    void *owner_; /* private: what the hits borrow from */
} qy_results_t;

/* Parses QUERY with A, runs it on DB and fills *OUT (free it with
 * qy_results_free, also after a failure). On failure *ERROR receives a
 * malloc'd one-line message. A query with no searchable word finds nothing
 * (QY_OK, count 0).
 *
 * A plain question is ranked by BM25 over passage text, plus what OPTS
 * turns on: title words, question words close together, and pseudo-
 * relevance feedback (the best passages of a first search are taken as
 * relevant; Xapian's ESet picks their most telling words, each weighted by
 * its share of those passages' text, RM3-style, and the question is searched
 * again with them). Highlights are always those of the question's own
 * words. */
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
qy_status_t qy_termset_add_stem(qy_termset_t *ts, const char *stem, size_t len);
qy_status_t qy_termset_add_prefix(qy_termset_t *ts, const char *prefix,
                                  size_t len);
size_t qy_termset_size(const qy_termset_t *ts);

/* Finds every word of TEXT that matches TS: *SPANS (malloc'd, caller
 * frees) gets their byte spans in order. Then chooses the window of at most
 * WORDS words holding the most distinct matched terms, preferring one that
 * starts a sentence, and stores it in *SNIPPET with the cut flags. */
qy_status_t qy_highlight(qy_analyzer_t *a, const qy_termset_t *ts,
                         const char *text, size_t len, unsigned words,
                         qy_span_t **spans, size_t *nspans, qy_span_t *snippet,
                         int *cut_before, int *cut_after);

#ifdef __cplusplus
}
#endif

#endif
