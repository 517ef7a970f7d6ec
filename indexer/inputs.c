/* The indexer's inputs (inputs.h): the walk's callbacks into the
 * indexer, and a PATH of the command line read or walked. */
#include "inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void found_file(void *ctx, const ix_input_t *in)
{
    ix_index_file(ctx, in);
}

static void walk_warning(void *ctx, const char *path, const char *why,
                         int skipped)
{
    indexer_t *ix = ctx;
    ix_warn(ix, path, why);
    if (skipped)
        ix->stats.skipped++;
}

static void walk_fatal(void *ctx, const char *path, const char *what,
                       const char *detail)
{
    ix_fatal(ctx, path, what, detail);
}

static int walk_stopped(void *ctx)
{
    const indexer_t *ix = ctx;
    return ix_interrupted || ix->failed;
}

ix_walker_t ix_walker(indexer_t *ix, const ix_filters_t *filters)
{
    return (ix_walker_t){.filters = filters,
                         .index_dev = ix->index_dev,
                         .index_ino = ix->index_ino,
                         .file = found_file,
                         .warn = walk_warning,
                         .fatal = walk_fatal,
                         .stopped = walk_stopped,
                         .ctx = ix,
                         .dir = ix->on_dir,
                         .dir_ctx = ix->on_dir_ctx};
}

void ix_index_arg(indexer_t *ix, const char *arg, const ix_filters_t *filters)
{
    if (strcmp(arg, "-") == 0) {
        ix_index_stdin(ix);
        return;
    }
    struct stat st;
    if (stat(arg, &st) != 0) {
        ix_warn(ix, arg, strerror(errno));
        ix->arg_errors = 1;
        return;
    }
    if (S_ISDIR(st.st_mode) && st.st_dev == ix->index_dev &&
        st.st_ino == ix->index_ino) {
        ix_warn(ix, arg, "the index itself, skipped");
        ix->stats.skipped++;
        return;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        ix_warn(ix, arg, "not a regular file or directory");
        ix->arg_errors = 1;
        return;
    }
    char *real = realpath(arg, NULL);
    if (!real) {
        ix_warn(ix, arg, strerror(errno));
        ix->arg_errors = 1;
        return;
    }
    if (S_ISREG(st.st_mode)) {
        ix_input_t in = {.path = arg,
                         .source = real,
                         .dirfd = AT_FDCWD,
                         .name = real,
                         .st = st,
                         .named = 1};
        ix_index_file(ix, &in);
        free(real);
        return;
    }
    ix_dirlist_t unknown = {0};
    ix_walker_t wk = ix_walker(ix, filters);
    int r = ix_walk(&wk, arg, real, &unknown);
    if (r < 0) {
        ix_warn(ix, arg, strerror(errno));
        ix->arg_errors = 1;
    } else if (r == 0 && ix->delete_missing) {
        ix_remove_missing(ix, real, unknown.names, unknown.n);
    }
    ix_dirlist_free(&unknown);
    free(real);
}
