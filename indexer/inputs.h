/* The indexer's inputs: a PATH argument read, or walked with the
 * indexer's callbacks. */
#ifndef QUARRY_INDEXER_INPUTS_H
#define QUARRY_INDEXER_INPUTS_H

#include "indexer.h"
#include "walk.h"

/* The walker that hands IX each file found, counts in IX->stats the
 * entries skipped with a warning, stops when IX failed or the run was
 * interrupted, and tells IX->on_dir of each directory entered. FILTERS
 * must outlive the walker. */
ix_walker_t ix_walker(indexer_t *ix, const ix_filters_t *filters);

/* Indexes one PATH argument as the user spelled it: standard input for
 * "-", a file, or a directory walked whole (ix_walk), whose vanished files'
 * passages are then removed (unless --no-delete). A path that cannot be
 * read is warned about and makes the run's exit status 2. */
void ix_index_arg(indexer_t *ix, const char *arg, const ix_filters_t *filters);

#endif
