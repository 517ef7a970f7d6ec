/* Walking a directory given on the command line: which files are read,
 * which are skipped and why. */
#ifndef QUARRY_INDEXER_WALK_H
#define QUARRY_INDEXER_WALK_H

#include <stddef.h>

#include "indexer.h"

/* --include / --exclude globs (fnmatch(3), where `*` also matches `/`),
 * each matched against the path relative to the directory given on the
 * command line and against the base name. */
typedef struct ix_filters {
    const char **include; /* when any: files must match one */
    size_t ninclude;
    const char **exclude; /* files and directories matching one are skipped */
    size_t nexclude;
} ix_filters_t;

/* Directories nested deeper than this below a root are not entered. */
#define IX_MAX_DEPTH 200

/* Directories whose contents the walk could not list. */
typedef struct ix_dirlist {
    char **names; /* source names */
    size_t n, cap;
} ix_dirlist_t;

void ix_dirlist_free(ix_dirlist_t *l);

/* DIR/NAME (one slash between them), malloc'd; NULL when out of memory. */
char *ix_join_path(const char *dir, const char *name);

/* Walks the directory ARG (as the user spelled it), whose real path ROOT
 * names its files' sources, in byte order of names. Hidden entries (a name
 * starting with '.'), entries the filters reject and the index itself are
 * skipped silently;
 * symbolic links are never followed (a warning names each), nor are FIFOs,
 * sockets and devices opened (a warning each). Every other regular file is
 * handed to ix_index_file(). Directories that could not be listed are added
 * to UNKNOWN. Returns 0 when the whole tree was walked, 1 when the walk
 * stopped early (interrupted, or a fatal error), -1 when ARG itself could
 * not be opened (with errno set). */
int ix_walk(indexer_t *ix, const char *arg, const char *root,
            const ix_filters_t *filters, ix_dirlist_t *unknown);

/* Brings the entry REL (a relative path: "sub/file.txt") below the
 * directory ARG, whose real path ROOT names its files' sources, up to
 * date as ix_walk would: a file is handed to ix_index_file(), a directory
 * walked whole, and nothing happens when the entry is gone or is not one
 * the walk would reach (below a hidden, excluded or vanished directory).
 * Directories that could not be listed, and those the walk keeps without
 * entering (too deep, a loop), are added to UNKNOWN. Removing what the
 * entry no longer holds is the caller's (ix_remove_unseen,
 * ix_remove_missing). Returns as ix_walk. */
int ix_walk_entry(indexer_t *ix, const char *arg, const char *root,
                  const char *rel, const ix_filters_t *filters,
                  ix_dirlist_t *unknown);

/* Indexes one PATH argument as the user spelled it: standard input for
 * "-", a file, or a directory walked whole (ix_walk), whose vanished files'
 * passages are then removed (unless --no-delete). A path that cannot be
 * read is warned about and makes the run's exit status 2. */
void ix_index_arg(indexer_t *ix, const char *arg, const ix_filters_t *filters);

#endif
