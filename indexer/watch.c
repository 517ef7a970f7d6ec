/* The watch loop of --watch. inotify names the directory and the entry
 * that changed; the entry is brought up to date by the walk's own entry
 * points (ix_walk_entry for an entry below a folder given, ix_index_arg
 * for a file given), so a change is read, skipped, removed and committed
 * exactly as a plain run over the same tree would do it. Where inotify
 * loses changes (its queue overflowed, a folder it cannot watch), every
 * PATH is walked again: the plain run itself. */
#define _GNU_SOURCE /* ppoll */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "inputs.h"
#include "quarry/grow.h"
#include "seen.h"

/* What changes a file's contents or presence in a directory. IN_ATTRIB:
 * touch(1) and utimensat change the modification time the index keeps.
 * IN_EXCL_UNLINK: nothing from files already unlinked. */
#define WATCH_MASK                                                             \
    (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM |      \
     IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |    \
     IN_EXCL_UNLINK)

typedef struct root {
    const char *arg; /* the PATH as given */
    char *source;    /* its real path */
    size_t len;      /* of SOURCE, 0 for "/" (as the walk counts it) */
    int is_dir;
} root_t;

typedef struct dir {
    int wd;
    int root;     /* the folder given it lies in, -1: none */
    int named;    /* holds a file given: watched whatever the walk meets */
    unsigned gen; /* the pass that last entered it */
    char *path;   /* as the user spelled it */
    char *source;
} dir_t;

typedef struct change {
    int root;
    char *source;
} change_t;

struct ix_watch {
    indexer_t *ix;
    const ix_filters_t *filters;
    int fd;
    root_t *roots;
    size_t nroots;
    dir_t **dirs; /* sorted by wd */
    size_t ndirs, capdirs;
    change_t *changes; /* pending, in the order they came */
    size_t nchanges, capchanges;
    ix_seen_t pending; /* the sources of CHANGES */
    ix_seen_t moved;   /* directories among them that were moved away */
    long long first_ms, last_ms;
    long long rescan_at;
    unsigned gen;
    int overflow;      /* the queue overflowed: walk everything again */
    int limited;       /* a folder is not watched: walk again at intervals */
    int limit_warned;  /* said so */
    int limit_in_pass; /* a folder could not be watched in this pass */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stopped(const ix_watch_t *w)
{
    return ix_interrupted || w->ix->failed;
}

static void out_of_memory(ix_watch_t *w)
{
    ix_fatal(w->ix, w->ix->index_path, "cannot watch", strerror(ENOMEM));
}

/* SOURCE is DIR or lies below it. */
static int at_or_under(const char *source, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 1;
    return strncmp(source, dir, n) == 0 && (!source[n] || source[n] == '/');
}

/* The folder given that SOURCE lies in (the deepest, when they nest), or
 * -1. */
static int root_of(const ix_watch_t *w, const char *source)
{
    int best = -1;
    for (size_t i = 0; i < w->nroots; i++)
        if (w->roots[i].is_dir && at_or_under(source, w->roots[i].source) &&
            (best < 0 || w->roots[i].len > w->roots[best].len))
            best = (int)i;
    return best;
}

/* The index in W->dirs where WD is or would go. */
static size_t dir_slot(const ix_watch_t *w, int wd)
{
    size_t lo = 0, hi = w->ndirs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->dirs[mid]->wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static dir_t *find_dir(const ix_watch_t *w, int wd, size_t *at)
{
    *at = dir_slot(w, wd);
    return *at < w->ndirs && w->dirs[*at]->wd == wd ? w->dirs[*at] : NULL;
}

static void free_dir(dir_t *d)
{
    free(d->path);
    free(d->source);
    free(d);
}

static void drop_dir(ix_watch_t *w, size_t at)
{
    free_dir(w->dirs[at]);
    memmove(w->dirs + at, w->dirs + at + 1,
            (w->ndirs - at - 1) * sizeof *w->dirs);
    w->ndirs--;
}

/* Sets *FIELD to a copy of VALUE unless it holds it already. */
static int set_name(char **field, const char *value)
{
    if (*field && strcmp(*field, value) == 0)
        return 0;
    char *copy = strdup(value);
    if (!copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

/* Records that WD watches the directory PATH (SOURCE). inotify gives a
 * directory watched again its first wd: the names are then updated (the
 * directory may have been renamed). */
static void remember(ix_watch_t *w, int wd, int root, int named,
                     const char *path, const char *source)
{
    size_t at;
    dir_t *d = find_dir(w, wd, &at);
    if (!d) {
        dir_t **more =
            qy_grow(w->dirs, w->ndirs, &w->capdirs, sizeof *more, 64);
        if (!more)
            goto nomem;
        w->dirs = more;
        if (!(d = calloc(1, sizeof *d)))
            goto nomem;
        d->wd = wd;
        d->root = -1;
        memmove(w->dirs + at + 1, w->dirs + at,
                (w->ndirs - at) * sizeof *w->dirs);
        w->dirs[at] = d;
        w->ndirs++;
    }
    if (root >= 0)
        d->root = root;
    d->named |= named;
    d->gen = w->gen;
    if (set_name(&d->path, path) == 0 && set_name(&d->source, source) == 0)
        return;
nomem:
    out_of_memory(w);
}

/* Watches the open directory FD (PATH, SOURCE); -1 when it cannot be. */
static int add_watch(ix_watch_t *w, int fd, const char *path,
                     const char *source)
{
    /* Through the descriptor, the directory the walk opened is the one
     * watched, whatever its name now leads to. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int wd = inotify_add_watch(w->fd, self, WATCH_MASK);
    if (wd < 0 && errno == ENOENT) /* no /proc */
        wd = inotify_add_watch(w->fd, source, WATCH_MASK | IN_DONT_FOLLOW);
    if (wd >= 0 || errno == ENOENT)
        return wd;
    int e = errno;
    w->limited = 1;
    w->limit_in_pass = 1;
    if (!w->limit_warned) {
        char why[256];
        snprintf(why, sizeof why,
                 "cannot watch: %s; every folder is walked again each %d s "
                 "until all are watched",
                 e == ENOSPC ? "the limit of inotify watches is reached "
                               "(sysctl fs.inotify.max_user_watches)"
                             : strerror(e),
                 IX_WATCH_RESCAN_MS / 1000);
        ix_warn(w->ix, path, why);
        w->limit_warned = 1;
    }
    return -1;
}

/* The walk's hook: a folder it enters is watched from then on. */
static void watch_dir(void *ctx, int fd, const char *path, const char *source)
{
    ix_watch_t *w = ctx;
    int wd = add_watch(w, fd, path, source);
    if (wd >= 0)
        remember(w, wd, root_of(w, source), 0, path, source);
}

/* Watches the folder holding the file given R. */
static void watch_parent(ix_watch_t *w, const root_t *r)
{
    char *parent = strdup(r->source);
    if (!parent) {
        out_of_memory(w);
        return;
    }
    char *slash = strrchr(parent, '/');
    if (slash)
        slash[slash == parent] = '\0'; /* "/file": the folder "/" */
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        ix_warn(w->ix, parent, strerror(errno));
    } else {
        int wd = add_watch(w, fd, parent, parent);
        if (wd >= 0)
            remember(w, wd, root_of(w, parent), 1, parent, parent);
        close(fd);
    }
    free(parent);
}

ix_watch_t *ix_watch_new(indexer_t *ix, char *const *args, int nargs,
                         const ix_filters_t *filters)
{
    ix_watch_t *w = calloc(1, sizeof *w);
    if (w)
        w->roots = calloc((size_t)nargs + 1, sizeof *w->roots);
    if (!w || !w->roots) {
        free(w);
        ix_fatal(ix, ix->index_path, "cannot watch", strerror(ENOMEM));
        return NULL;
    }
    w->ix = ix;
    w->filters = filters;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        ix_fatal(ix, ix->index_path, "cannot watch (inotify)",
                 errno == EMFILE ? "the limit of inotify instances is reached "
                                   "(sysctl fs.inotify.max_user_instances)"
                                 : strerror(errno));
        ix_watch_free(w);
        return NULL;
    }
    for (int i = 0; i < nargs; i++) {
        struct stat st;
        char *real;
        /* A PATH that cannot be read is the first pass's to report. */
        if (strcmp(args[i], "-") == 0 || stat(args[i], &st) != 0 ||
            !(real = realpath(args[i], NULL)))
            continue;
        root_t *r = &w->roots[w->nroots++];
        r->arg = args[i];
        r->source = real;
        r->len = strcmp(real, "/") == 0 ? 0 : strlen(real);
        r->is_dir = S_ISDIR(st.st_mode);
    }
    for (size_t i = 0; i < w->nroots; i++)
        if (!w->roots[i].is_dir)
            watch_parent(w, &w->roots[i]);
    ix->on_dir = watch_dir;
    ix->on_dir_ctx = w;
    return w;
}

void ix_watch_free(ix_watch_t *w)
{
    if (!w)
        return;
    if (w->ix->on_dir_ctx == w) {
        w->ix->on_dir = NULL;
        w->ix->on_dir_ctx = NULL;
    }
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < w->nroots; i++)
        free(w->roots[i].source);
    free(w->roots);
    for (size_t i = 0; i < w->ndirs; i++)
        free_dir(w->dirs[i]);
    free(w->dirs);
    for (size_t i = 0; i < w->nchanges; i++)
        free(w->changes[i].source);
    free(w->changes);
    ix_seen_free(&w->pending);
    ix_seen_free(&w->moved);
    free(w);
}

static void forget_changes(ix_watch_t *w)
{
    for (size_t i = 0; i < w->nchanges; i++)
        free(w->changes[i].source);
    w->nchanges = 0;
    ix_seen_free(&w->pending);
    ix_seen_free(&w->moved);
}

/* Queues SOURCE, below root ROOT, to be brought up to date; MOVED_AWAY: a
 * directory renamed from there, whose watches go once it is applied. */
static void note_change(ix_watch_t *w, int root, const char *source,
                        int moved_away)
{
    long long now = now_ms();
    if (!w->nchanges)
        w->first_ms = now;
    w->last_ms = now;
    int fresh = ix_seen_add(&w->pending, source);
    if (fresh > 0) {
        change_t *more =
            qy_grow(w->changes, w->nchanges, &w->capchanges, sizeof *more, 256);
        if (more)
            w->changes = more;
        else
            fresh = -1;
    }
    char *copy = fresh > 0 ? strdup(source) : NULL;
    if (fresh < 0 || (fresh > 0 && !copy) ||
        (moved_away && ix_seen_add(&w->moved, source) < 0)) {
        free(copy);
        out_of_memory(w);
        return;
    }
    if (copy)
        w->changes[w->nchanges++] = (change_t){root, copy};
}

static void on_event(ix_watch_t *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        w->overflow = 1;
        return;
    }
    size_t at;
    dir_t *d = find_dir(w, ev->wd, &at);
    if (!d)
        return;
    if (ev->mask & IN_IGNORED) { /* deleted, unmounted, or unwatched */
        drop_dir(w, at);
        return;
    }
    if (!ev->len || !ev->name[0]) {
        /* Other folders are seen going from their parent's watch. */
        if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) && d->root >= 0 &&
            strcmp(d->source, w->roots[d->root].source) == 0) {
            ix_warn(w->ix, d->path,
                    "moved or deleted: no longer watched (its passages "
                    "are kept)");
            /* Its folders too: moved, they would report changes under
             * a name that no longer leads to them. */
            for (size_t i = 0; i < w->ndirs; i++)
                if (w->dirs[i]->root == d->root && !w->dirs[i]->named)
                    inotify_rm_watch(w->fd, w->dirs[i]->wd);
        }
        return;
    }
    /* Hidden entries are never indexed; a rescan covers everything. */
    if (ev->name[0] == '.' || w->overflow)
        return;
    char *source = ix_join_path(d->source, ev->name);
    if (!source) {
        out_of_memory(w);
        return;
    }
    if (d->root >= 0)
        note_change(w, d->root, source,
                    (ev->mask & IN_MOVED_FROM) && (ev->mask & IN_ISDIR));
    for (size_t i = 0; d->named && i < w->nroots; i++)
        if (!w->roots[i].is_dir && strcmp(w->roots[i].source, source) == 0)
            note_change(w, (int)i, source, 0);
    free(source);
}

/* Takes what inotify has queued: one read's worth, so that the loop
 * keeps applying changes while a stream of them comes. */
static void read_events(ix_watch_t *w)
{
    _Alignas(struct inotify_event) char buf[64 * 1024];
    ssize_t n = read(w->fd, buf, sizeof buf);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            ix_fatal(w->ix, w->ix->index_path, "cannot watch (inotify)",
                     strerror(errno));
        return;
    }
    for (ssize_t o = 0; o < n && !w->ix->failed;) {
        const struct inotify_event *ev = (const void *)(buf + o);
        on_event(w, ev);
        o += (ssize_t)(sizeof *ev + ev->len);
    }
}

/* Stops watching the directories at or below SOURCE that the pass just
 * made did not enter: moved out of the tree (within it, the walk of
 * their new place watched them again). */
static void unwatch_under(ix_watch_t *w, const char *source)
{
    for (size_t i = 0; i < w->ndirs; i++) {
        const dir_t *d = w->dirs[i];
        if (!d->named && d->gen != w->gen && at_or_under(d->source, source))
            inotify_rm_watch(w->fd, d->wd); /* IN_IGNORED drops it */
    }
}

/* Brings SOURCE, below the folder given R, up to date as the plain run's
 * walk would, and removes what it no longer holds. */
static void apply_entry(ix_watch_t *w, const root_t *r, const char *source)
{
    indexer_t *ix = w->ix;
    ix_dirlist_t unknown = {0};
    ix_walker_t wk = ix_walker(ix, w->filters);
    int res =
        ix_walk_entry(&wk, r->arg, r->source, source + r->len + 1, &unknown);
    if (res < 0)
        ix_warn(ix, r->arg, strerror(errno));
    if (res == 0 && ix->delete_missing) {
        ix_remove_unseen(ix, source);
        ix_remove_missing(ix, source, unknown.names, unknown.n);
    }
    ix_dirlist_free(&unknown);
    if (res == 0 && ix_seen_has(&w->moved, source))
        unwatch_under(w, source);
}

/* A new pass: the set of files met starts empty, as in a new run. */
static void start_pass(ix_watch_t *w)
{
    ix_seen_free(&w->ix->seen);
    w->gen++;
}

/* With --verbose, one line for what a batch or a rescan did. */
static void report(ix_watch_t *w, const char *what, const ix_stats_t *before)
{
    const ix_stats_t *s = &w->ix->stats;
    if (w->ix->verbose)
        ix_note(w->ix, "--watch: %s: %u added, %u updated, %u removed", what,
                s->added - before->added, s->updated - before->updated,
                s->removed - before->removed);
}

static void apply_changes(ix_watch_t *w)
{
    indexer_t *ix = w->ix;
    ix_stats_t before = ix->stats;
    start_pass(w);
    for (size_t i = 0; i < w->nchanges && !stopped(w); i++) {
        const change_t *c = &w->changes[i];
        const root_t *r = &w->roots[c->root];
        if (r->is_dir)
            apply_entry(w, r, c->source);
        else
            ix_index_arg(ix, r->arg, w->filters);
    }
    char what[64];
    snprintf(what, sizeof what, "%zu change%s applied", w->nchanges,
             w->nchanges == 1 ? "" : "s");
    forget_changes(w);
    ix_commit(ix);
    report(w, what, &before);
}

/* Every PATH walked again, as a plain run (which also watches the
 * folders that could not be watched before, when it now can). */
static void rescan(ix_watch_t *w)
{
    indexer_t *ix = w->ix;
    ix_stats_t before = ix->stats;
    forget_changes(w);
    start_pass(w);
    w->limit_in_pass = 0;
    for (size_t i = 0; i < w->nroots && !stopped(w); i++)
        ix_index_arg(ix, w->roots[i].arg, w->filters);
    ix_commit(ix);
    if (!stopped(w)) {
        for (size_t i = 0; i < w->ndirs; i++)
            if (!w->dirs[i]->named && w->dirs[i]->gen != w->gen)
                inotify_rm_watch(w->fd, w->dirs[i]->wd); /* gone */
        w->limited = w->limit_in_pass;
        if (!w->limited && w->limit_warned) {
            ix_note(ix, "--watch: every folder is watched again");
            w->limit_warned = 0;
        }
    }
    w->rescan_at = now_ms() + IX_WATCH_RESCAN_MS;
    report(w, "every folder walked again", &before);
}

/* Milliseconds until the next thing to do without a new event; -1: none. */
static long long next_wait(const ix_watch_t *w, long long now)
{
    long long wait = -1;
    if (w->nchanges) {
        long long quiet = w->last_ms + IX_WATCH_QUIET_MS;
        long long latest = w->first_ms + IX_WATCH_MAX_DELAY_MS;
        wait = (quiet < latest ? quiet : latest) - now;
    }
    if (w->limited && (wait < 0 || w->rescan_at - now < wait))
        wait = w->rescan_at - now;
    return wait < 0 && (w->nchanges || w->limited) ? 0 : wait;
}

void ix_watch_run(ix_watch_t *w)
{
    indexer_t *ix = w->ix;
    sigset_t stop, old;
    ix_stop_signals(&stop);
    w->rescan_at = now_ms() + IX_WATCH_RESCAN_MS;
    /* On a terminal, in place of the first pass's last progress line. */
    if (ix->verbose || ix->progress.enabled)
        ix_note(ix, "--watch: watching %zu folder%s for changes", w->ndirs,
                w->ndirs == 1 ? "" : "s");
    while (!stopped(w)) {
        if (w->overflow) {
            w->overflow = 0;
            ix_warn(ix, ix->index_path,
                    "--watch: more changes at once than inotify could queue "
                    "(sysctl fs.inotify.max_queued_events); walking every "
                    "folder again");
            rescan(w);
            continue;
        }
        long long now = now_ms();
        long long wait = next_wait(w, now);
        if (wait == 0) {
            if (w->nchanges)
                apply_changes(w);
            else
                rescan(w);
            continue;
        }
        struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        /* Blocked from the test to the wait, so that a signal coming in
         * between ends the wait instead of being missed until the next
         * change. */
        sigprocmask(SIG_BLOCK, &stop, &old);
        int r = ix_interrupted ? 0 : ppoll(&p, 1, wait < 0 ? NULL : &ts, &old);
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0 && e != EINTR)
            ix_fatal(ix, ix->index_path, "cannot watch (inotify)", strerror(e));
        else if (r > 0)
            read_events(w);
    }
    ix_commit(ix);
}
