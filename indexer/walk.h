/* Walking a directory given on the command line: which files are read,
 * which are skipped and why. */
#ifndef QUARRY_INDEXER_WALK_H
#define QUARRY_INDEXER_WALK_H

#include <stddef.h>
#include <sys/stat.h>

/* A file to index: found by the walk, named on the command line, or
 * standard input (dirfd -1, name NULL). */
typedef struct ix_input {
    const char *path;   /* as the user spelled it, for messages */
    const char *source; /* the name stored with its passages */
    int dirfd;          /* the file is NAME inside DIRFD (or AT_FDCWD) */
    const char *name;
    struct stat st; /* lstat (stat for a named path) */
    int named;      /* named on the command line: failures are errors */
} ix_input_t;

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

/* What a walk reports to, and the settings it needs. Each callback is
 * given CTX (dir: DIR_CTX). */
typedef struct ix_walker {
    const ix_filters_t *filters;
    dev_t index_dev; /* the index directory, never walked */
    ino_t index_ino;
    /* A regular file to index. */
    void (*file)(void *ctx, const ix_input_t *in);
    /* A warning about PATH; SKIPPED: it is a file or directory left out. */
    void (*warn)(void *ctx, const char *path, const char *why, int skipped);
    /* An error that ends the walk (out of memory). */
    void (*fatal)(void *ctx, const char *path, const char *what,
                  const char *detail);
    /* Whether to stop now (interrupted, or after a fatal error). */
    int (*stopped)(void *ctx);
    void *ctx;
    /* When set, told of each directory the walk enters, before it lists
     * it: FD is the open directory, PATH as the user spelled it, SOURCE
     * its source name. */
    void (*dir)(void *dir_ctx, int fd, const char *path, const char *source);
    void *dir_ctx;
} ix_walker_t;

/* Walks the directory ARG (as the user spelled it), whose real path ROOT
 * names its files' sources, in byte order of names. Hidden entries (a name
 * starting with '.'), entries the filters reject and the index itself are
 * skipped silently; symbolic links are never followed (a warning names
 * each), nor are FIFOs, sockets and devices opened (a warning each). Every
 * other regular file is handed to WK->file. Directories that could not be
 * listed are added to UNKNOWN. Returns 0 when the whole tree was walked, 1
 * when the walk stopped early (WK->stopped), -1 when ARG itself could not
 * be opened (with errno set). */
int ix_walk(const ix_walker_t *wk, const char *arg, const char *root,
            ix_dirlist_t *unknown);

/* Brings the entry REL (a relative path: "sub/file.txt") below the
 * directory ARG, whose real path ROOT names its files' sources, up to
 * date as ix_walk would: a file is handed to WK->file, a directory walked
 * whole, and nothing happens when the entry is gone or is not one the
 * walk would reach (below a hidden, excluded or vanished directory).
 * Directories that could not be listed, and those the walk keeps without
 * entering (too deep, a loop), are added to UNKNOWN. Removing what the
 * entry no longer holds is the caller's. Returns as ix_walk. */
int ix_walk_entry(const ix_walker_t *wk, const char *arg, const char *root,
                  const char *rel, ix_dirlist_t *unknown);

#endif
