/* The walk opens every directory relative to its parent with O_NOFOLLOW,
 * so a directory swapped for a symbolic link while the walk runs is not
 * followed either: nothing outside the given tree is ever read. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/grow.h"

typedef struct walk {
    const ix_walker_t *wk;
    const ix_filters_t *f;
    ix_dirlist_t *unknown;
    size_t root_len; /* of the root's source name, for relative paths */
    struct {
        dev_t dev;
        ino_t ino;
    } ancestors[IX_MAX_DEPTH + 2];
} walk_t;

void ix_dirlist_free(ix_dirlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static void fatal(const walk_t *w, const char *path, const char *what,
                  const char *detail)
{
    w->wk->fatal(w->wk->ctx, path, what, detail);
}

static void warn(const walk_t *w, const char *path, const char *why,
                 int skipped)
{
    w->wk->warn(w->wk->ctx, path, why, skipped);
}

static void add_unknown(walk_t *w, const char *source)
{
    ix_dirlist_t *l = w->unknown;
    char **more = qy_grow(l->names, l->n, &l->cap, sizeof *more, 8);
    if (!more)
        goto nomem;
    l->names = more;
    if (!(l->names[l->n] = strdup(source)))
        goto nomem;
    l->n++;
    return;
nomem:
    fatal(w, source, "cannot walk", strerror(ENOMEM));
}

static int matches(const char **globs, size_t n, const char *rel,
                   const char *base)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(globs[i], rel, 0) == 0 || fnmatch(globs[i], base, 0) == 0)
            return 1;
    return 0;
}

static int stopped(const walk_t *w)
{
    return w->wk->stopped(w->wk->ctx);
}

char *ix_join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    size_t o = a;
    if (!(a && dir[a - 1] == '/'))
        s[o++] = '/';
    memcpy(s + o, name, b + 1);
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of D but "." and ".." and hidden ones, sorted; NULL with *N
 * 0 for an empty directory, NULL with *N (size_t)-1 when out of memory. */
static char **list_names(DIR *d, size_t *n)
{
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    *n = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char **more = qy_grow(names, *n, &cap, sizeof *names, 64);
        if (!more)
            goto nomem;
        names = more;
        if (!(names[*n] = strdup(e->d_name)))
            goto nomem;
        (*n)++;
    }
    if (*n)
        qsort(names, *n, sizeof *names, by_name);
    return names;
nomem:
    for (size_t i = 0; i < *n; i++)
        free(names[i]);
    free(names);
    *n = (size_t)-1;
    return NULL;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a regular file";
}

/* Whether the directory NAME in DIRFD, at REL below the root, is one the
 * walk enters (ST its lstat): 1 yes, 0 it is not part of the tree
 * (hidden, excluded, the index, not a directory), -1 the walk would keep
 * what is recorded below it (too deep, a loop). */
static int entered(const walk_t *w, const char *name, const char *rel,
                   const struct stat *st, int depth)
{
    if (name[0] == '.' || !S_ISDIR(st->st_mode) ||
        matches(w->f->exclude, w->f->nexclude, rel, name) ||
        (st->st_dev == w->wk->index_dev && st->st_ino == w->wk->index_ino))
        return 0;
    if (depth + 1 > IX_MAX_DEPTH)
        return -1;
    for (int i = 0; i <= depth; i++)
        if (w->ancestors[i].dev == st->st_dev &&
            w->ancestors[i].ino == st->st_ino)
            return -1;
    return 1;
}

static void walk_dir(walk_t *w, int fd, const char *path, const char *source,
                     int depth);

static void visit(walk_t *w, int dirfd, const char *name, const char *path,
                  const char *source, int depth)
{
    const char *rel = source + w->root_len + 1;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) { /* ENOENT: removed since it was listed */
            warn(w, path, strerror(errno), 1);
        }
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        int in = entered(w, name, rel, &st, depth);
        if (in < 0) {
            warn(w, path,
                 depth + 1 > IX_MAX_DEPTH
                     ? "directories nested too deeply, skipped"
                     : "directory loop, skipped",
                 0);
            add_unknown(w, source);
        }
        if (in <= 0)
            return;
        int fd = openat(dirfd, name,
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            warn(w, path, strerror(errno), 1);
            add_unknown(w, source);
            return;
        }
        w->ancestors[depth + 1].dev = st.st_dev;
        w->ancestors[depth + 1].ino = st.st_ino;
        walk_dir(w, fd, path, source, depth + 1);
        return;
    }
    if (matches(w->f->exclude, w->f->nexclude, rel, name) ||
        (S_ISREG(st.st_mode) && w->f->ninclude &&
         !matches(w->f->include, w->f->ninclude, rel, name)))
        return;
    if (S_ISREG(st.st_mode)) {
        ix_input_t in = {.path = path,
                         .source = source,
                         .dirfd = dirfd,
                         .name = name,
                         .st = st,
                         .named = 0};
        w->wk->file(w->wk->ctx, &in);
    } else if (S_ISLNK(st.st_mode)) {
        warn(w, path, "symbolic link, not followed", 1);
    } else {
        char why[64];
        snprintf(why, sizeof why, "%s, skipped", kind_of(st.st_mode));
        warn(w, path, why, 1);
    }
}

/* Takes FD (an open directory). */
static void walk_dir(walk_t *w, int fd, const char *path, const char *source,
                     int depth)
{
    if (w->wk->dir)
        w->wk->dir(w->wk->dir_ctx, fd, path, source);
    DIR *d = fdopendir(fd);
    if (!d) {
        warn(w, path, strerror(errno), 0);
        close(fd);
        add_unknown(w, source);
        return;
    }
    size_t n;
    char **names = list_names(d, &n);
    if (n == (size_t)-1) {
        fatal(w, path, "cannot walk", strerror(ENOMEM));
        closedir(d);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!stopped(w)) {
            char *child_path = ix_join_path(path, names[i]);
            char *child_source = ix_join_path(source, names[i]);
            if (child_path && child_source)
                visit(w, dirfd(d), names[i], child_path, child_source, depth);
            else
                fatal(w, path, "cannot walk", strerror(ENOMEM));
            free(child_path);
            free(child_source);
        }
        free(names[i]);
    }
    free(names);
    closedir(d);
}

int ix_walk_entry(const ix_walker_t *wk, const char *arg, const char *root,
                  const char *rel, ix_dirlist_t *unknown)
{
    int fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    walk_t w = {.wk = wk, .f = wk->filters, .unknown = unknown};
    w.root_len = strlen(root) == 1 ? 0 : strlen(root);
    struct stat st;
    char *path = strdup(arg), *source = strdup(root), *part = strdup(rel);
    int depth = 0, result = 0;
    if (!path || !source || !part) {
        fatal(&w, arg, "cannot walk", strerror(ENOMEM));
        result = 1;
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        warn(&w, arg, strerror(errno), 0);
        goto out;
    }
    w.ancestors[0].dev = st.st_dev;
    w.ancestors[0].ino = st.st_ino;
    /* Down the directories above the entry, each checked as the walk
     * checks it: an entry below one it would not enter is not in the
     * tree (and its passages go). */
    char *name = part;
    for (char *slash; (slash = strchr(name, '/')) != NULL; name = slash + 1) {
        *slash = '\0';
        char *p = ix_join_path(path, name), *s = ix_join_path(source, name);
        free(path);
        free(source);
        path = p;
        source = s;
        if (!path || !source) {
            fatal(&w, arg, "cannot walk", strerror(ENOMEM));
            result = 1;
            goto out;
        }
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT && errno != ENOTDIR)
                add_unknown(&w, source);
            goto out;
        }
        int in = entered(&w, name, source + w.root_len + 1, &st, depth);
        if (in < 0)
            add_unknown(&w, source);
        if (in <= 0)
            goto out;
        int sub =
            openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                add_unknown(&w, source);
            goto out;
        }
        close(fd);
        fd = sub;
        depth++;
        w.ancestors[depth].dev = st.st_dev;
        w.ancestors[depth].ino = st.st_ino;
    }
    if (name[0] != '.') {
        char *p = ix_join_path(path, name), *s = ix_join_path(source, name);
        if (p && s)
            visit(&w, fd, name, p, s, depth);
        else
            fatal(&w, arg, "cannot walk", strerror(ENOMEM));
        free(p);
        free(s);
    }
out:
    close(fd);
    free(path);
    free(source);
    free(part);
    return result || stopped(&w) ? 1 : 0;
}

int ix_walk(const ix_walker_t *wk, const char *arg, const char *root,
            ix_dirlist_t *unknown)
{
    int fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    walk_t w = {.wk = wk, .f = wk->filters, .unknown = unknown};
    w.root_len = strlen(root);
    /* The root "/" has no trailing part to drop before a relative path. */
    if (w.root_len == 1)
        w.root_len = 0;
    w.ancestors[0].dev = st.st_dev;
    w.ancestors[0].ino = st.st_ino;
    walk_dir(&w, fd, arg, root, 0);
    return stopped(&w) ? 1 : 0;
}
