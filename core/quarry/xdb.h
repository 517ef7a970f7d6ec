/* The C interface to Xapian used by every part of quarry.
 *
 * core/xapian.cc is the only file that includes <xapian.h>. Every function
 * here catches every C++ exception and reports it as a qy_status_t; the
 * handle-level functions also keep Xapian's own description of the last
 * failure, readable with qy_db_error().
 *
 * Ownership: a handle returned through an out-parameter or as a pointer
 * belongs to the caller and is released with its _free/_close function.
 * A `const char *` result is borrowed from its handle and stays valid until
 * the next call on that handle; a `char *` result is the caller's to free().
 */
#ifndef QUARRY_XDB_H
#define QUARRY_XDB_H

#include <stddef.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Xapian's hard limit on the length of a term, in bytes. The functions below
 * refuse longer terms with QY_INVALID instead of passing them on. */
#define QY_MAX_TERM_BYTES 245
/* ... and on the length of a user metadata key. */
#define QY_MAX_METADATA_KEY_BYTES 253

typedef struct qy_db qy_db_t;       /* an open index (one or more shards) */
typedef struct qy_doc qy_doc_t;     /* a document being built for the index */
typedef struct qy_query qy_query_t; /* an immutable query tree */
typedef struct qy_mset qy_mset_t;   /* the hits of one search */

/* ---- Opening and closing ---------------------------------------------- */

enum {
    QY_DB_NO_SYNC = 1 << 0,  /* writer: skip fsync on commit (bulk loads) */
    QY_DB_WAIT_LOCK = 1 << 1 /* writer: wait for another writer's lock */
};

/* Opens PATHS[0..N-1] for reading as one logical index. A path of the form
 * tcp://HOST:PORT names a remote index served by xapian-tcpsrv.
 * On failure *OUT is NULL and, when ERROR is not NULL, *ERROR receives a
 * malloc'd one-line message naming the path (the caller frees it).
 * Returns QY_OK, QY_NOT_FOUND (no index there), QY_OPENING, QY_CORRUPT,
 * QY_VERSION, QY_NETWORK, QY_INVALID (N == 0, a malformed tcp:// address)
 * or QY_NOMEM. */
qy_status_t qy_db_open_read(const char *const *paths, size_t n, qy_db_t **out,
                            char **error);

/* Opens PATH for writing, creating it (and not its parents) when missing.
 * FLAGS is a combination of QY_DB_* values. Errors as qy_db_open_read, plus
 * QY_LOCKED when another writer holds the index, QY_READ_ONLY when the
 * index's directory cannot be written (read-only file system, permissions),
 * and QY_OPENING for a directory that holds other files but no index (never
 * written into). */
qy_status_t qy_db_open_write(const char *path, unsigned flags, qy_db_t **out,
                             char **error);

/* Closes DB. For a writer, pending changes are committed first; use
 * qy_db_commit() beforehand to learn whether that succeeds. NULL is a no-op. */
void qy_db_close(qy_db_t *db);

/* Xapian's description of the last failure on DB, or "" when there was none.
 * Borrowed until the next call on DB. */
const char *qy_db_error(const qy_db_t *db);

/* The path DB was opened with (the paths, joined by ", ", for several
 * shards), for messages; "" for NULL. Borrowed for the life of DB. */
const char *qy_db_name(const qy_db_t *db);

/* ---- Reading ---------------------------------------------------------- */

/* Number of documents. */
qy_status_t qy_db_doc_count(qy_db_t *db, unsigned *count);

/* Number of documents indexed by TERM (0 when absent). */
qy_status_t qy_db_term_freq(qy_db_t *db, const char *term, size_t len,
                            unsigned *freq);

/* Calls FN(CTX, term, len) for every term that starts with PREFIX, in
 * byte order; FN returns non-zero to stop early. */
qy_status_t qy_db_each_term(qy_db_t *db, const char *prefix,
                            int (*fn)(void *ctx, const char *term, size_t len),
                            void *ctx);

/* User metadata. *VALUE is malloc'd and NUL-terminated (also when empty:
 * a missing key reads as ""); the caller frees it. Of several shards, the
 * first that has a value for KEY gives it. */
qy_status_t qy_db_get_metadata(qy_db_t *db, const char *key, char **value,
                               size_t *len);

/* Re-reads the latest committed state (readers only). */
qy_status_t qy_db_reopen(qy_db_t *db);

/* Runs Xapian's consistency check of every table of the local index at
 * PATH (it reads them whole). *ERRORS receives the number of faults found.
 * Returns QY_OK when there are none, QY_CORRUPT when there are (*DETAIL: a
 * malloc'd line about the first), or the status of the failure that
 * stopped the check (QY_NOT_FOUND, QY_OPENING, QY_CORRUPT, ...; *DETAIL
 * then holds Xapian's message). */
qy_status_t qy_db_check(const char *path, unsigned long *errors, char **detail);

/* ---- Writing ---------------------------------------------------------- */

qy_status_t qy_db_set_metadata(qy_db_t *db, const char *key, const char *value,
                               size_t len);

/* Adds DOC (the document is copied; DOC stays the caller's). */
qy_status_t qy_db_add_doc(qy_db_t *db, const qy_doc_t *doc);

/* Deletes every document indexed by TERM. */
qy_status_t qy_db_delete_by_term(qy_db_t *db, const char *term, size_t len);

/* Deletes the documents indexed by TERM whose docid is below BEFORE. */
qy_status_t qy_db_delete_by_term_below(qy_db_t *db, const char *term,
                                       size_t len, unsigned before);

/* Makes all changes so far durable and visible to new readers. */
qy_status_t qy_db_commit(qy_db_t *db);

/* ---- Synonyms and spelling ------------------------------------------ */

/* Records SYNONYM (a term, or terms joined by single spaces) for KEY (the
 * same). Both at most QY_MAX_TERM_BYTES. */
qy_status_t qy_db_add_synonym(qy_db_t *db, const char *key,
                              const char *synonym);
/* Forgets SYNONYM of KEY (nothing happens when it was not recorded). */
qy_status_t qy_db_remove_synonym(qy_db_t *db, const char *key,
                                 const char *synonym);
/* Calls FN for each synonym of KEY that the local shards hold (a shard
 * served by xapian-tcpsrv has no synonym table to read: see
 * qy_synonyms_each). */
qy_status_t qy_db_each_synonym(qy_db_t *db, const char *key,
                               int (*fn)(void *ctx, const char *synonym,
                                         size_t len),
                               void *ctx);
/* The number of DB's shards that are remote (tcp://HOST:PORT). */
size_t qy_db_remote_shards(const qy_db_t *db);
/* Raises the spelling frequency of WORD (an unstemmed, normalised word). */
qy_status_t qy_db_add_spelling(qy_db_t *db, const char *word, size_t len,
                               unsigned freq);
/* The recorded word closest to WORD within MAX_EDITS edits, or *OUT NULL
 * when there is none (or WORD itself is recorded and best). *OUT is
 * malloc'd; the caller frees it. */
qy_status_t qy_db_spelling_suggestion(qy_db_t *db, const char *word, size_t len,
                                      unsigned max_edits, char **out);

/* ---- Transactions and bookkeeping ------------------------------------- */

/* Writers: groups the changes that follow so that they become durable
 * together at qy_db_commit_transaction(). Xapian's automatic flush never
 * commits part of a transaction, so a crash leaves the index as the last
 * committed transaction left it; qy_db_close() discards an open one.
 * Changes pending before the call are committed first. Inside a
 * transaction use qy_db_commit_transaction(), not qy_db_commit().
 * QY_READ_ONLY for a reader; QY_XAPIAN when a transaction is already open
 * (or none is, for the other two). */
qy_status_t qy_db_begin_transaction(qy_db_t *db);
/* Makes every change of the open transaction durable and visible to new
 * readers, and ends it. */
qy_status_t qy_db_commit_transaction(qy_db_t *db);
/* Discards every change of the open transaction, and ends it. */
qy_status_t qy_db_cancel_transaction(qy_db_t *db);

/* The revision of a single local index: raised by every commit that
 * changed something (a commit with nothing to write leaves it alone). */
qy_status_t qy_db_revision(qy_db_t *db, unsigned long long *rev);

/* Calls FN(CTX, key, len) for every user metadata key that starts with
 * PREFIX, in byte order (each once, of all shards); FN returns non-zero to
 * stop early. FN must not change the index. */
qy_status_t qy_db_each_metadata_key(qy_db_t *db, const char *prefix,
                                    int (*fn)(void *ctx, const char *key,
                                              size_t len),
                                    void *ctx);

/* ---- Documents -------------------------------------------------------- */

/* A new empty document, or NULL when out of memory. */
qy_doc_t *qy_doc_new(void);
void qy_doc_free(qy_doc_t *doc);
/* Empties DOC so it can be filled again without reallocating the handle. */
void qy_doc_clear(qy_doc_t *doc);

/* Adds TERM at word position POS (positions start at 1), raising its
 * within-document frequency by WDF_INC. QY_INVALID for empty or too long
 * terms. */
qy_status_t qy_doc_add_posting(qy_doc_t *doc, const char *term, size_t len,
                               unsigned pos, unsigned wdf_inc);
/* Adds TERM without a position; WDF_INC 0 makes it a boolean filter term. */
qy_status_t qy_doc_add_term(qy_doc_t *doc, const char *term, size_t len,
                            unsigned wdf_inc);
qy_status_t qy_doc_set_data(qy_doc_t *doc, const void *data, size_t len);
qy_status_t qy_doc_set_value(qy_doc_t *doc, unsigned slot, const void *data,
                             size_t len);

/* ---- Queries ---------------------------------------------------------- */

typedef enum qy_query_op {
    QY_Q_OR,
    QY_Q_AND,
    QY_Q_AND_NOT,   /* first sub-query without any of the others */
    QY_Q_AND_MAYBE, /* first sub-query, others only add weight */
    QY_Q_FILTER,    /* first sub-query, others restrict without weight */
    QY_Q_PHRASE,    /* terms in order within WINDOW positions (0: exact) */
    QY_Q_NEAR,      /* terms in any order within WINDOW positions */
    QY_Q_SYNONYM,   /* sub-queries weighted as one term */
    QY_Q_MAX        /* the highest-weighted sub-query scores */
} qy_query_op_t;

/* Every constructor returns NULL when out of memory or when an argument is
 * invalid (an empty or too long term, a NULL sub-query, N == 0). Queries are
 * immutable; combining copies references, so each result is freed on its own.
 */
qy_query_t *qy_query_term(const char *term, size_t len, unsigned wqf,
                          unsigned pos);
/* WINDOW is the span of a PHRASE or NEAR (0: as many words as SUBS); the
 * other operators ignore it. */
qy_query_t *qy_query_combine(qy_query_op_t op, qy_query_t *const *subs,
                             size_t n, unsigned window);
/* Every term starting with PREFIX, OR-ed as a synonym, at most MAX_TERMS of
 * them (0: no limit). */
qy_query_t *qy_query_wildcard(const char *prefix, size_t len,
                              unsigned max_terms);
/* The same, expanded over DB: over several shards, the terms of all of
 * them, weighed as one index would weigh them (Xapian would expand and
 * weigh the prefix shard by shard). */
qy_query_t *qy_query_prefix(qy_db_t *db, const char *prefix, size_t len,
                            unsigned max_terms);
/* Documents whose value in SLOT lies in [LO, HI] (byte order; NULL: open). */
qy_query_t *qy_query_value_range(unsigned slot, const char *lo, const char *hi);
qy_query_t *qy_query_scale(const qy_query_t *q, double factor);
qy_query_t *qy_query_match_all(void);
qy_query_t *qy_query_match_nothing(void);
/* Xapian's description of Q, malloc'd (caller frees); NULL on failure. */
char *qy_query_describe(const qy_query_t *q);
void qy_query_free(qy_query_t *q);

/* ---- Searching -------------------------------------------------------- */

/* The weighting schemes of Xapian 1.4 a search can rank with (see
 * docs/quality.md for how each does). QY_W_BM25 is 0, so a zeroed
 * qy_search_params_t ranks by BM25. */
typedef enum qy_weighting {
    QY_W_BM25 = 0, /* BM25(k1, b) */
    QY_W_BM25PLUS, /* BM25+(k1, b, delta = param; 0: Xapian's 1) */
    QY_W_DPH,      /* DFR DPH, parameter-free */
    QY_W_DLH,      /* DFR DLH, parameter-free */
    QY_W_PL2,      /* DFR PL2 (c = param; 0: Xapian's 1) */
    QY_W_LM        /* query likelihood, Dirichlet smoothing (mu = param;
                      0: Xapian's 2000) */
} qy_weighting_t;

typedef struct qy_search_params {
    double k1;                /* BM25 term-frequency saturation */
    double b;                 /* BM25 length normalisation, 0..1 */
    unsigned offset;          /* hits to skip */
    unsigned limit;           /* hits to return */
    unsigned check_at_least;  /* candidates to examine for exact totals */
    int collapse;             /* keep only the best hit per value of ... */
    unsigned collapse_slot;   /* ... this slot (documents without it stay) */
    qy_weighting_t weighting; /* the scheme; k1 and b apply to the BM25s */
    double weighting_param;   /* its parameter, see qy_weighting_t */
} qy_search_params_t;

/* Runs Q on DB, ranking with PARAMS' weighting (BM25: k1, b, k2 = 0, k3 =
 * 1, min_normlen = 0.5). A reader whose index changes underneath is reopened
 * and the search retried (QY_MODIFIED only after five changes in a row).
 * QY_INVALID for a NULL query or k1 < 0 or b outside 0..1. The hits' data is
 * read before returning. *OUT is the caller's to free with qy_mset_free. */
qy_status_t qy_db_search(qy_db_t *db, const qy_query_t *q,
                         const qy_search_params_t *params, qy_mset_t **out);

/* The exact number of documents of DB that Q matches, in *COUNT (an
 * unranked pass over every match, unlike the estimate of an mset). */
qy_status_t qy_db_count(qy_db_t *db, const qy_query_t *q, unsigned *count);

/* A single local index of at least this many documents is searched on
 * several threads, each over a range of docids; the hits, weights and order
 * are those of a search on one thread. */
#define QY_PARALLEL_MIN_DOCS 20000

/* Searches of DB run on THREADS threads (0: one per core, at most 4; 1:
 * one thread) when it holds at least MIN_DOCS documents. The default is
 * 0 and QY_PARALLEL_MIN_DOCS. Indexes of several shards and remote ones are
 * always searched on one thread, and so is a search of a revision that the
 * index has moved past (until qy_db_reopen). */
void qy_db_set_search_threads(qy_db_t *db, unsigned threads, unsigned min_docs);

/* Explains scores: for each of the ND documents DOCIDS, the weight that each
 * of the NQ QUERIES alone gives it under the BM25 of PARAMS (0 when it does
 * not match), in WEIGHTS[d * NQ + q]. For the terms of an OR query these add
 * up to the document's score. */
qy_status_t qy_db_explain(qy_db_t *db, const qy_query_t *const *queries,
                          size_t nq, const unsigned *docids, size_t nd,
                          const qy_search_params_t *params, double *weights);

typedef struct qy_hit {
    unsigned docid;
    double weight;
    const char *data; /* the document data, borrowed from the mset */
    size_t data_len;
} qy_hit_t;

size_t qy_mset_size(const qy_mset_t *mset);
/* Xapian's estimate of all matching documents (exact when few; see
 * qy_db_count for an exact count). */
unsigned qy_mset_matches_estimated(const qy_mset_t *mset);

/* Non-zero when the search that made MSET visited every match, so that
 * Xapian's count is exact: *COUNT is then what qy_db_count gives for its
 * query. Never for a collapsed search (its count is of the kept hits). */
int qy_mset_exact_count(const qy_mset_t *mset, unsigned *count);

/* The number of threads that searched for MSET (1 for NULL). */
unsigned qy_mset_threads(const qy_mset_t *mset);
/* Fills *HIT with the I-th hit (0-based, below qy_mset_size). */
void qy_mset_hit(const qy_mset_t *mset, size_t i, qy_hit_t *hit);
void qy_mset_free(qy_mset_t *mset);

/* ---- Relevance feedback ----------------------------------------------- */

typedef struct qy_expand_term {
    char *term;       /* malloc'd, NUL-terminated */
    double weight;    /* Xapian's expand weight (ESet) for the term */
    double relevance; /* the term's share of the feedback passages' words,
                         each passage weighted by its share of their scores:
                         sum over d of wdf(t, d) / len(d) * w(d) / sum(w) */
    unsigned docs;    /* how many of the feedback passages hold it */
} qy_expand_term_t;

/* How the expansion terms are ranked: Xapian's probabilistic expand weight
 * ("trad", its default) or Terrier's Bo1 (Bose-Einstein). */
typedef enum qy_expand_scheme {
    QY_EXPAND_TRAD = 0,
    QY_EXPAND_BO1
} qy_expand_scheme_t;

/* Terms that would expand a query whose best hits are the first FB_DOCS of
 * MSET (which must come from DB): those hits are taken as relevant, and
 * Xapian's ESet ranks the terms that tell them apart from the rest of the
 * index, by SCHEME. Only unprefixed terms (the words of passage text) are
 * considered, and of those only the ones ACCEPT (when not NULL) returns
 * non-zero for. *OUT gets up to MAX_TERMS of them, best first, as a malloc'd
 * array of *N (free it with qy_expand_terms_free; NULL when *N is 0). Returns
 * QY_OK, QY_INVALID for NULL arguments, QY_NOMEM, or a Xapian failure (message
 * in qy_db_error). */
qy_status_t qy_db_expand(qy_db_t *db, const qy_mset_t *mset, size_t fb_docs,
                         size_t max_terms, qy_expand_scheme_t scheme,
                         int (*accept)(void *ctx, const char *term, size_t len),
                         void *ctx, qy_expand_term_t **out, size_t *n);
void qy_expand_terms_free(qy_expand_term_t *terms, size_t n);

/* ---- Bulk building ---------------------------------------------------- */

/* Merges the local indexes SOURCES[0..N-1] into a new index at DEST, which
 * must not exist yet, with Xapian's compaction (blocks packed full). The
 * documents keep the order of SOURCES: each source's docids follow the
 * previous source's, without the gap before its first docid. User metadata
 * is taken from the first source that has each key. DEST is written and
 * synced when this returns QY_OK. On failure *ERROR (when not NULL)
 * receives a malloc'd one-line message naming the path, and whatever was
 * written at DEST is left for the caller to remove. Returns QY_OK,
 * QY_INVALID (N == 0, a NULL path, a remote source), QY_NOT_FOUND,
 * QY_OPENING, QY_CORRUPT, QY_VERSION, QY_IO, QY_NOMEM or QY_XAPIAN. */
qy_status_t qy_db_compact(const char *const *sources, size_t n,
                          const char *dest, char **error);

/* The lowest and the highest docid in use (both 0 for an empty index). */
qy_status_t qy_db_docid_range(qy_db_t *db, unsigned *first, unsigned *last);

/* Calls FN(CTX, docid) for every document indexed by TERM (every document
 * when LEN is 0), in docid order; FN returns non-zero to stop early. A
 * writer sees its own uncommitted changes. */
qy_status_t qy_db_each_docid(qy_db_t *db, const char *term, size_t len,
                             int (*fn)(void *ctx, unsigned docid), void *ctx);

/* Deletes document DOCID (nothing happens when there is none). */
qy_status_t qy_db_delete_docid(qy_db_t *db, unsigned docid);

#ifdef __cplusplus
}
#endif

#endif
