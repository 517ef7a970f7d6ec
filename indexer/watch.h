/* indexer --watch: after the first pass over the PATHs, keeping the index
 * current with inotify until a signal stops the run. */
#ifndef QUARRY_INDEXER_WATCH_H
#define QUARRY_INDEXER_WATCH_H

#include "indexer.h"
#include "walk.h"

/* Changes are applied once no new one came for this long, so that a file
 * written in many small writes is read once, when it is complete. */
#define IX_WATCH_QUIET_MS 500
/* Under a steady stream of changes, the pending ones are applied at the
 * latest this long after the first of them. */
#define IX_WATCH_MAX_DELAY_MS 3000
/* When a folder cannot be watched (the inotify watch limit), every folder
 * is walked again this often, as a plain run would, until all are. */
#define IX_WATCH_RESCAN_MS 30000

typedef struct ix_watch ix_watch_t;

/* Prepares to watch the NARGS PATH arguments ARGS ("-" is read once, not
 * watched): opens an inotify instance, watches the folder of each file
 * named, and sets IX->on_dir so that the first pass (ix_index_arg over
 * ARGS, FILTERS as given) watches each folder it enters, before listing
 * it: a change made while the pass runs is not missed. NULL after a fatal
 * error (reported). The caller frees it with ix_watch_free; FILTERS and
 * ARGS must outlive it. */
ix_watch_t *ix_watch_new(indexer_t *ix, char *const *args, int nargs,
                         const ix_filters_t *filters);

/* Applies the changes inotify reports (created, written, moved and
 * deleted files and folders, new folders watched as they appear) through
 * the walk and the per-file work, batch by batch, one commit a batch (and
 * more when a batch is large, as in a plain run); walks every PATH again,
 * with a warning, when inotify's queue overflowed or a folder could not
 * be watched. Returns when ix_interrupted is set or the run failed, after
 * committing what was done. */
void ix_watch_run(ix_watch_t *w);

/* Stops watching and unsets IX->on_dir. NULL is a no-op. */
void ix_watch_free(ix_watch_t *w);

#endif
