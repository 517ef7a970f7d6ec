/* The indexer's shared state: what main() sets up and every part of the
 * program (walking, per-file work, bookkeeping, feedback) reads or counts. */
#ifndef QUARRY_INDEXER_H
#define QUARRY_INDEXER_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "quarry/bulk.h"
#include "quarry/formats.h"
#include "quarry/ingest.h"
#include "quarry/xdb.h"

#include "progress.h"
#include "seen.h"
#include "walk.h"

/* Passages (plus removed files) written between commits by default: bounds
 * the work a crash can lose without paying for a commit per file. */
#define IX_COMMIT_EVERY 20000
/* Bytes of input read between commits, whatever the passage count. */
#define IX_COMMIT_BYTES (64u << 20)
/* A run on one thread that wrote at least this many passages, half of the
 * index or more, compacts the index at the end (as --compact does). */
#define IX_COMPACT_MIN_PASSAGES 10000
/* Without --jobs, a run goes to the bulk loader on every core at the start
 * of a file once what it has read to index and that file come to this
 * many bytes (about a batch of passages of prose, IX_COMMIT_EVERY) and to a
 * quarter of the text the index holds (estimated from its passages at
 * IX_PASSAGE_BYTES each): the merge rewrites the whole index, which pays
 * off for large loads only. */
#define IX_JOBS_AUTO_BYTES (8u << 20)
#define IX_PASSAGE_BYTES 400

typedef struct indexer {
    /* Set up by main() */
    qy_db_t *db;
    qy_ingest_t *ing;
    const char *index_path; /* as shown in messages */
    qy_format_t format;     /* --format, QY_FORMAT_AUTO: by extension */
    const char *stdin_name; /* the source name of `-` */
    unsigned long commit_every;
    unsigned jobs;      /* --jobs: 1 writes here; more, the bulk loader */
    unsigned jobs_auto; /* without --jobs: the threads of a large load */
    int delete_missing; /* remove passages of files that went away */
    int verbose;        /* --verbose: name each dropped block */
    dev_t index_dev;    /* the index directory, never read as input */
    ino_t index_ino;
    ix_progress_t progress;
    /* With jobs > 1, started by the first passage to write (ix_bulk_start):
     * a run that only skips or removes files never merges the index. */
    qy_bulk_t *bulk;
    /* When set, told of each directory the walk enters, before it lists
     * it: FD is the open directory, PATH as the user spelled it, SOURCE
     * its source name (--watch watches it). */
    void (*on_dir)(void *ctx, int fd, const char *path, const char *source);
    void *on_dir_ctx;

    /* Bookkeeping */
    ix_seen_t seen; /* sources met in this run */
    int in_transaction;
    unsigned long pending; /* changes in the open transaction */
    unsigned long long pending_bytes;
    ix_stats_t stats;

    /* Outcome */
    int failed;     /* a fatal error: stop, keep what is committed, exit 2 */
    int arg_errors; /* a named path could not be indexed: exit 2 at the end */
    char *dropped_last; /* the source ix_bulk_dropped forgot last */
    int db_broken;      /* a commit failed inside Xapian: its writer may hold
                           damaged memory (a damaged index), so it is not used
                           again, not even closed */
} indexer_t;

/* Set by SIGINT / SIGTERM / SIGHUP: the signal number. */
extern volatile sig_atomic_t ix_interrupted;

/* The signals that stop a run, in SET. */
void ix_stop_signals(sigset_t *set);

/* Installs the handler of those signals: the first sets ix_interrupted,
 * a second ends the process at once (status 128 + the signal). */
void ix_catch_signals(void);

/* Prints "indexer: PATH: WHY" on standard error, with the control
 * characters and invalid UTF-8 of PATH escaped, and counts a warning. */
void ix_warn(indexer_t *ix, const char *path, const char *why);

/* Prints "indexer: " and the printf(3) FMT on standard error, one line
 * that is not a warning (the caller escapes any file name in it). */
void ix_note(indexer_t *ix, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* With --verbose, prints "indexer: PATH:LINE: dropped (RULE): TEXT" (with
 * "(id ID)" after LINE when ID is not NULL) for a block of text that was
 * not made a passage: TEXT[0, LEN), cleaned, escaped and cut to a few
 * words. Not a warning. */
void ix_note_drop(indexer_t *ix, const char *path, unsigned long line,
                  const char *id, const char *rule, const char *text,
                  size_t len);

/* Prints "indexer: PATH: WHAT: DETAIL" for a fatal error and marks the run
 * failed. */
void ix_fatal(indexer_t *ix, const char *path, const char *what,
              const char *detail);

/* The per-file work: skips a file whose recorded state matches IN->st,
 * else reads it, splits it by format and replaces its passages and state
 * in one transaction (committing when a batch is full). Counts the outcome
 * in IX->stats. */
void ix_index_file(indexer_t *ix, const ix_input_t *in);

/* Reads standard input whole and replaces the passages of IX->stdin_name. */
void ix_index_stdin(indexer_t *ix);

/* Removes the passages and state of every file recorded under the
 * directory ROOT (a source name) that this run did not meet, except below
 * the directories in UNKNOWN (whose contents could not be listed). */
void ix_remove_missing(indexer_t *ix, const char *root, char *const *unknown,
                       size_t nunknown);

/* Removes the passages and state of the file recorded as SOURCE when
 * this run did not meet it (a file that was deleted, moved away, or is no
 * longer one the walk indexes); nothing when none is recorded. */
void ix_remove_unseen(indexer_t *ix, const char *source);

/* Commits the open transaction, if any. During a bulk load nothing is
 * committed before qy_bulk_finish: this only starts a new batch. */
qy_status_t ix_commit(indexer_t *ix);

/* With IX->jobs > 1, commits what is pending and starts the bulk load, if
 * not started yet; from then on passages go to the bulk loader while
 * deletions and the files' state still go through IX->db (they are
 * carried over when the load finishes). Reports a failure (fatal). */
qy_status_t ix_bulk_start(indexer_t *ix);

/* For qy_bulk_stop: forgets the state of SOURCE (CTX the indexer_t),
 * whose passages a stopped load dropped, so that the next run indexes it
 * again. */
void ix_bulk_dropped(void *ctx, const char *source);

#endif
