/* Bulk loading on every core: passages are indexed by worker threads, each
 * into a shard of its own (a temporary index beside the target), and the
 * shards are merged with the target by Xapian's compaction into one new
 * index that takes the target's place in a single rename.
 *
 * The target is never written to: until qy_bulk_finish() has installed the
 * merged index, the target stays exactly as it was last committed, so a
 * crash or a failure at any point loses nothing (and indexes nothing: the
 * load is redone). The shards are written
 * without fsync (they are thrown away after a crash); the merged index is
 * synced before it is installed.
 *
 * Results are those of indexing the same input one passage after another,
 * except that the documents are numbered shard by shard, so passages with
 * exactly equal scores may come in another order. */
#ifndef QUARRY_BULK_H
#define QUARRY_BULK_H

#include "quarry/formats.h"
#include "quarry/passage.h"
#include "quarry/status.h"
#include "quarry/xdb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_bulk qy_bulk_t;

typedef struct qy_bulk_opts {
    unsigned jobs;  /* worker threads (and shards); 0: one per online core */
    unsigned batch; /* passages a worker buffers between flushes of its
                       shard (bounds its memory); 0: QY_BULK_DEFAULT_BATCH */
    size_t commit_bytes; /* bytes of passage text it buffers at most, also
                            within one document (Xapian holds their
                            postings until the flush); 0:
                            QY_BULK_DEFAULT_COMMIT_BYTES */
} qy_bulk_opts_t;

#define QY_BULK_DEFAULT_BATCH 4000
#define QY_BULK_DEFAULT_COMMIT_BYTES ((size_t)8 << 20)
#define QY_BULK_MAX_JOBS 64

/* Starts a bulk load into TARGET, a local index open for writing whose
 * schema is prepared (qy_schema_prepare); its language is used. Changes
 * pending on TARGET are committed, and a transaction is opened on it that
 * lasts until the load ends: call this outside a transaction. From then on
 * documents are added through qy_bulk_add_* only; deletions and user
 * metadata may still go through TARGET (they are carried over by
 * qy_bulk_finish). Leftovers of an earlier bulk load into the same index
 * that was killed are removed. OPTS may be NULL for the defaults. On
 * failure *ERROR receives a malloc'd one-line message (the caller frees
 * it). Returns QY_OK, QY_INVALID (a remote TARGET, jobs above
 * QY_BULK_MAX_JOBS), QY_OPENING (the shards' directory cannot be made),
 * QY_NOMEM, a status of qy_schema_read, or QY_XAPIAN when TARGET is in a
 * transaction already. */
qy_status_t qy_bulk_new(qy_db_t *target, const qy_bulk_opts_t *opts,
                        qy_bulk_t **out, char **error);

/* Replaces every passage of SOURCE by those of ARTICLE, as
 * qy_ingest_article does. ARTICLE's contents are taken over (and *ARTICLE
 * emptied), also on failure. Blocks while the worker is busy. Returns QY_OK
 * or the first failure of any worker (the load is then lost: call
 * qy_bulk_free). */
qy_status_t qy_bulk_add_article(qy_bulk_t *b, const char *source,
                                qy_article_t *article);

/* Adds the passages of ARTICLE to those of SOURCE given to
 * qy_bulk_add_article before (a later part of the same source), as
 * qy_ingest_article_more does; otherwise as qy_bulk_add_article. */
qy_status_t qy_bulk_add_article_more(qy_bulk_t *b, const char *source,
                                     qy_article_t *article);

/* Replaces every passage of the JSON Lines document DOC->id by those of
 * DOC, as qy_split_jsonl and qy_ingest_jsonl do (the worker splits it).
 * DOC's contents are taken over (and *DOC emptied), also on failure.
 * QY_INVALID when DOC has no id; otherwise as qy_bulk_add_article. */
qy_status_t qy_bulk_add_jsonl(qy_bulk_t *b, const char *source,
                              qy_jsonl_doc_t *doc);

/* Waits for the workers; merges the target's last committed state and the
 * shards; deletes from the result the target's documents that TARGET's
 * handle deleted and gives it the user metadata that the handle sees
 * (both uncommitted, in the load's transaction); syncs it and renames it
 * into the target's place. Then closes *TARGET (setting it to NULL) and
 * removes the shards and the replaced directory. *PASSAGES (when not NULL)
 * receives the number of passages the workers indexed.
 *
 * On failure the target is as last committed before qy_bulk_new (the
 * load's transaction is cancelled), *TARGET stays open, and *ERROR receives
 * a malloc'd message. Either way B is freed. Statuses: QY_OK, a worker's
 * failure, QY_INVALID when documents were added through TARGET during the
 * load, those of qy_db_compact, QY_IO (sync or rename). */
qy_status_t qy_bulk_finish(qy_bulk_t *b, qy_db_t **target,
                           unsigned long *passages, char **error);

/* Stops the load early (an interrupted run): each worker ends after the
 * job it is doing, and the jobs still queued are dropped, DROPPED (when
 * not NULL) being called with each one's source, in the caller's thread,
 * so that the caller can forget that it indexed them. The target's
 * passages a dropped job would have replaced stay. Then call
 * qy_bulk_finish, which merges what the workers did, or qy_bulk_free. */
void qy_bulk_stop(qy_bulk_t *b, void (*dropped)(void *ctx, const char *source),
                  void *ctx);

/* Abandons the load: stops the workers, removes the shards and cancels the
 * load's transaction on the target, which stays as last committed. NULL is
 * a no-op. */
void qy_bulk_free(qy_bulk_t *b);

/* Rewrites the index of *TARGET, a local index open for writing with
 * nothing uncommitted, in its compact form (Xapian's compaction: full
 * blocks, about half the size a writer leaves), and puts it in place as
 * qy_bulk_finish does, with the same guarantees: *TARGET is closed and set
 * to NULL on success; on failure the index is as it was, *TARGET stays
 * open and *ERROR receives a malloc'd message. */
qy_status_t qy_bulk_compact(qy_db_t **target, char **error);

/* Removes what bulk loads into TARGET that were killed left behind (their
 * shards, beside the target), as qy_bulk_new does: for writers that may
 * not start a load. TARGET must be a local index open for writing (whoever
 * made the leftovers held its lock, now TARGET's). A remote TARGET is a
 * no-op. */
void qy_bulk_remove_leftovers(qy_db_t *target);

/* Passages the workers have indexed so far (for progress reports: jobs
 * still queued are not counted yet). */
unsigned long qy_bulk_passages(const qy_bulk_t *b);

/* Blocks of text the workers dropped from the JSON Lines documents they
 * split (qy_split_jsonl), so far. */
unsigned long qy_bulk_dropped(const qy_bulk_t *b);

/* Waits until the workers have indexed every job handed to them, after
 * which qy_bulk_passages and qy_bulk_dropped are final. Nothing may be
 * added after it: only qy_bulk_finish or qy_bulk_free may follow. */
void qy_bulk_wait(qy_bulk_t *b);

#ifdef __cplusplus
}
#endif

#endif
