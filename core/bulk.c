/* Bulk loading: worker threads, one shard each, merged by compaction. See
 * core/quarry/bulk.h for the contract. */
#define _GNU_SOURCE /* renameat2 and RENAME_EXCHANGE */
#include "quarry/bulk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarry/grow.h"
#include "quarry/ingest.h"
#include "quarry/schema.h"
#include "quarry/synonyms.h"
#include "quarry/text.h"

/* Jobs waiting for each worker, and the bytes of text they may hold. A
 * worker writing its batch stops taking jobs for a second or two; its
 * queue must hold what the reader brings meanwhile, or the reader waits
 * on it and the other workers starve (64 jobs, about 130 KB of Wikipedia
 * articles, cost the sample a fifth of its build time). */
#define QUEUE_JOBS 4096
#define QUEUE_BYTES (8u << 20)

/* The shards and the merged index live in a directory beside the target
 * (the same file system, so that the merged index can be renamed into
 * place), named after it with this suffix and the process id. */
#define BULK_SUFFIX ".bulk-"

typedef enum job_kind { JOB_ARTICLE, JOB_JSONL } job_kind_t;

typedef struct job {
    job_kind_t kind;
    char *source;
    qy_article_t article; /* JOB_ARTICLE */
    qy_jsonl_doc_t doc;   /* JOB_JSONL: split by the worker */
    size_t bytes;         /* its text, counted once when queued */
    char *gone; /* the boolean term of the target's passages it replaces
                   (NULL: the target has none), deleted there once the job
                   is done */
    size_t gone_len;
    int more; /* JOB_ARTICLE: adds to the source's passages, deletes none */
} job_t;

typedef struct worker {
    qy_bulk_t *bulk;
    pthread_t thread;
    int started;
    char *path; /* the shard */
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_ingest_t *ing;
    unsigned uncommitted;
    size_t uncommitted_bytes; /* of passage text */

    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    job_t queue[QUEUE_JOBS];
    size_t head, count;
    size_t bytes; /* of the queued jobs' text (job_bytes) */
    int closing;

    qy_status_t status; /* first failure; written by the worker only */
    char *error;
} worker_t;

struct qy_bulk {
    qy_db_t *target;
    char *target_path;
    char *dir; /* the shards' directory */
    char *lang;
    int format; /* the target's (qy_schema_format) */
    unsigned jobs, batch;
    size_t commit_bytes;
    int target_has_docs; /* replaced passages are deleted there only then */
    int in_transaction;  /* on the target: holds its changes uncommitted */
    worker_t *workers;
    char term[QY_MAX_TERM_BYTES + 1];
    atomic_int failed;  /* the first worker failure (a qy_status_t), or 0 */
    atomic_int abandon; /* qy_bulk_free: drop queued jobs, write nothing */
    atomic_ulong passages;
    atomic_ulong dropped; /* blocks the workers' splits dropped */
    /* The terms of done jobs (job_t.gone), for the caller's thread to
     * delete in the target: a job dropped by qy_bulk_stop leaves the
     * target's passages it would have replaced. */
    pthread_mutex_t done_mu;
    char **done;
    size_t *done_len, ndone, done_cap;
};

/* ---- Small helpers ------------------------------------------------------- */

static char *fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, format);
    vsnprintf(s, (size_t)n + 1, format, ap);
    va_end(ap);
    return s;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes PATH and everything below it, without following links. */
static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Makes every file of the index directory DIR and the directory itself
 * durable. Xapian's compaction writes its output without a commit of the
 * kind that syncs, so this is what makes the merged index safe to
 * install. */
static int sync_index_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = fmt("%s/%s", dir, e->d_name);
        struct stat st;
        if (!p) {
            errno = ENOMEM;
            rc = -1;
        } else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = fsync_path(p, O_RDONLY);
        }
        free(p);
    }
    closedir(d);
    return rc == 0 ? fsync_path(dir, O_RDONLY | O_DIRECTORY) : rc;
}

static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* The target's real path (a symbolic link to the index is followed, so
 * that the link stays and the directory it names is replaced), without
 * trailing slashes (so that PATH + suffix names a sibling). */
static char *trimmed_path(const char *path)
{
    char *p = realpath(path, NULL);
    if (!p)
        p = strdup(path);
    if (!p)
        return NULL;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    return p;
}

/* Removes the shards' directories of bulk loads into TARGET that were
 * killed: whoever made them held the target's lock, which we now hold, so
 * none of them is in use. A directory holding "old" is kept: an install
 * without RENAME_EXCHANGE was interrupted between its two renames there,
 * and the user may need what it holds. */
static void remove_leftovers(const char *target)
{
    char *parent = parent_dir(target);
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    char *prefix = fmt("%s" BULK_SUFFIX, base);
    DIR *d = parent ? opendir(parent) : NULL;
    if (d && prefix) {
        size_t plen = strlen(prefix);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, prefix, plen) != 0)
                continue;
            char *p = fmt("%s/%s", parent, e->d_name);
            char *old = p ? fmt("%s/old", p) : NULL;
            struct stat st;
            if (p && old && lstat(old, &st) != 0)
                remove_tree(p);
            free(old);
            free(p);
        }
    }
    if (d)
        closedir(d);
    free(prefix);
    free(parent);
}

static uint64_t hash_key(const char *s)
{
    return qy_fnv1a(s, strlen(s), QY_FNV_START);
}

static void job_free(job_t *job)
{
    free(job->source);
    free(job->gone);
    qy_article_free(&job->article);
    qy_jsonl_doc_free(&job->doc);
    memset(job, 0, sizeof *job);
}

/* ---- Workers ------------------------------------------------------------- */

static void worker_fail(worker_t *w, qy_status_t st, const char *what)
{
    if (w->status != QY_OK)
        return;
    w->status = st;
    const char *why = qy_db_error(w->db);
    w->error = fmt("%s: %s", what, why && *why ? why : qy_status_to_string(st));
    int none = 0;
    atomic_compare_exchange_strong(&w->bulk->failed, &none, (int)st);
}

/* Writes what the worker buffered: spelling data, then its shard's
 * postings (without fsync: shards do not outlive a crash). */
static void worker_flush(worker_t *w)
{
    qy_status_t st = qy_ingest_flush(w->ing);
    if (st == QY_OK)
        st = qy_db_commit(w->db);
    if (st != QY_OK)
        worker_fail(w, st, "cannot write a shard");
    w->uncommitted = 0;
    w->uncommitted_bytes = 0;
}

/* Flushes the shard within a large JSON Lines document. */
static qy_status_t flush_within(void *ctx)
{
    worker_t *w = ctx;
    worker_flush(w);
    return w->status;
}

/* Splits the JSON Lines document of JOB and replaces its id's passages in
 * the shard by its own, flushing the shard every commit_bytes of passage
 * text (the shard is not read before the merge). */
static qy_status_t run_jsonl(worker_t *w, job_t *job)
{
    qy_status_t st = qy_split_jsonl(&job->doc, &job->article);
    free(job->doc.text); /* in the passages now */
    job->doc.text = NULL;
    if (st == QY_OK)
        st = qy_ingest_remove_id_before(w->ing, job->doc.id, 0);
    if (st == QY_OK)
        st = qy_ingest_jsonl_add(w->ing, job->source, &job->doc, &job->article,
                                 w->bulk->commit_bytes, flush_within, w);
    return st;
}

/* Hands the done JOB's term over to the caller's thread. */
static qy_status_t job_done(qy_bulk_t *b, job_t *job)
{
    if (!job->gone)
        return QY_OK;
    qy_status_t st = QY_OK;
    pthread_mutex_lock(&b->done_mu);
    /* Two arrays of one length: DONE_CAP moves once both have grown. */
    size_t cap = b->done_cap, len_cap = b->done_cap;
    char **d = qy_grow(b->done, b->ndone, &cap, sizeof *d, 64);
    if (d)
        b->done = d;
    size_t *l =
        d ? qy_grow(b->done_len, b->ndone, &len_cap, sizeof *l, 64) : NULL;
    if (l) {
        b->done_len = l;
        b->done_cap = len_cap;
    } else {
        st = QY_NOMEM;
    }
    if (st == QY_OK) {
        b->done[b->ndone] = job->gone;
        b->done_len[b->ndone++] = job->gone_len;
        job->gone = NULL;
    }
    pthread_mutex_unlock(&b->done_mu);
    return st;
}

/* Deletes in the target the passages that done jobs replaced (in the
 * caller's thread, the only one using the target's handle). */
static qy_status_t apply_done(qy_bulk_t *b)
{
    qy_status_t st = QY_OK;
    pthread_mutex_lock(&b->done_mu);
    for (size_t i = 0; i < b->ndone; i++) {
        if (st == QY_OK)
            st = qy_db_delete_by_term(b->target, b->done[i], b->done_len[i]);
        free(b->done[i]);
    }
    b->ndone = 0;
    pthread_mutex_unlock(&b->done_mu);
    return st;
}

static void worker_run(worker_t *w, job_t *job)
{
    qy_status_t st;
    size_t count;
    if (job->kind == JOB_JSONL) {
        st = run_jsonl(w, job);
    } else if (job->more) {
        st = qy_ingest_article_more(w->ing, job->source, &job->article);
    } else {
        st = qy_ingest_article(w->ing, job->source, &job->article);
    }
    count = job->article.count;
    if (st == QY_OK)
        st = job_done(w->bulk, job);
    if (st != QY_OK) {
        worker_fail(w, st, job->source);
        return;
    }
    atomic_fetch_add(&w->bulk->passages, (unsigned long)count);
    if (job->kind == JOB_JSONL) /* an article's drops are its caller's */
        atomic_fetch_add(&w->bulk->dropped, (unsigned long)job->article.ndrops);
    w->uncommitted += (unsigned)count;
    for (size_t i = 0; i < count; i++)
        w->uncommitted_bytes += job->article.passages[i].text_len;
    if (w->uncommitted >= w->bulk->batch ||
        w->uncommitted_bytes >= w->bulk->commit_bytes)
        worker_flush(w);
}

/* The text a job holds, roughly the memory it takes. */
static size_t job_bytes(const job_t *job)
{
    size_t n = 0;
    if (job->kind == JOB_JSONL) {
        n += job->doc.text ? strlen(job->doc.text) : 0;
        n += job->doc.meta ? strlen(job->doc.meta) : 0;
    } else {
        for (size_t i = 0; i < job->article.count; i++)
            n += job->article.passages[i].text_len;
    }
    return n;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->count == 0 && !w->closing)
            pthread_cond_wait(&w->not_empty, &w->mu);
        if (w->count == 0) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        job_t job = w->queue[w->head];
        memset(&w->queue[w->head], 0, sizeof job);
        w->head = (w->head + 1) % QUEUE_JOBS;
        w->count--;
        w->bytes -= job.bytes;
        pthread_cond_signal(&w->not_full);
        pthread_mutex_unlock(&w->mu);
        /* After a failure the queue is still drained, so that the reader
         * never waits for a worker that stopped. */
        if (w->status == QY_OK && !atomic_load(&w->bulk->abandon))
            worker_run(w, &job);
        job_free(&job);
    }
    if (w->status == QY_OK && !atomic_load(&w->bulk->abandon))
        worker_flush(w);
    return NULL;
}

/* Hands JOB to worker W, waiting while its queue is full. A job larger
 * than the byte budget waits for an empty queue. */
static void worker_push(worker_t *w, job_t *job)
{
    size_t bytes = job->bytes = job_bytes(job);
    pthread_mutex_lock(&w->mu);
    while (w->count == QUEUE_JOBS ||
           (w->count > 0 && w->bytes + bytes > QUEUE_BYTES))
        pthread_cond_wait(&w->not_full, &w->mu);
    w->queue[(w->head + w->count) % QUEUE_JOBS] = *job;
    w->count++;
    w->bytes += bytes;
    pthread_cond_signal(&w->not_empty);
    pthread_mutex_unlock(&w->mu);
    memset(job, 0, sizeof *job);
}

static void workers_stop(qy_bulk_t *b)
{
    for (unsigned i = 0; i < b->jobs; i++) {
        worker_t *w = &b->workers[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->closing = 1;
        pthread_cond_signal(&w->not_empty);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
}

static void worker_close(worker_t *w)
{
    qy_ingest_free(w->ing);
    w->ing = NULL;
    qy_db_close(w->db);
    w->db = NULL;
    qy_analyzer_free(w->a);
    w->a = NULL;
}

static qy_status_t worker_start(qy_bulk_t *b, unsigned i, char **error)
{
    worker_t *w = &b->workers[i];
    w->bulk = b;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->not_empty, NULL);
    pthread_cond_init(&w->not_full, NULL);
    w->path = fmt("%s/shard-%u", b->dir, i);
    if (!w->path)
        return QY_NOMEM;
    qy_status_t st = qy_db_open_write(w->path, QY_DB_NO_SYNC, &w->db, error);
    if (st == QY_OK)
        st = qy_analyzer_new(b->lang, &w->a);
    if (st == QY_OK)
        qy_analyzer_set_format(w->a, b->format);
    if (st == QY_OK)
        st = qy_ingest_new(w->db, w->a, &w->ing);
    if (st != QY_OK)
        return st;
    /* The workers take no signals: SIGINT and SIGTERM must interrupt the
     * caller's thread (a read from a pipe or terminal), not a worker's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        *error = fmt("cannot start a worker thread: %s", strerror(rc));
        return QY_NOMEM;
    }
    w->started = 1;
    return QY_OK;
}

/* ---- The load ------------------------------------------------------------ */

static unsigned online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > QY_BULK_MAX_JOBS ? QY_BULK_MAX_JOBS : (unsigned)n;
}

qy_status_t qy_bulk_new(qy_db_t *target, const qy_bulk_opts_t *opts,
                        qy_bulk_t **out, char **error)
{
    *out = NULL;
    *error = NULL;
    unsigned jobs = opts && opts->jobs ? opts->jobs : online_cores();
    if (!target || jobs > QY_BULK_MAX_JOBS) {
        *error = fmt("bulk loading needs a local index open for writing "
                     "and at most %d jobs",
                     QY_BULK_MAX_JOBS);
        return QY_INVALID;
    }
    const char *name = qy_db_name(target);
    if (!name || !*name || strncmp(name, "tcp://", 6) == 0) {
        *error = fmt("bulk loading needs a local index");
        return QY_INVALID;
    }
    qy_bulk_t *b = calloc(1, sizeof *b);
    if (!b)
        return QY_NOMEM;
    b->target = target;
    b->jobs = jobs;
    pthread_mutex_init(&b->done_mu, NULL);
    b->batch = opts && opts->batch ? opts->batch : QY_BULK_DEFAULT_BATCH;
    b->commit_bytes = opts && opts->commit_bytes ? opts->commit_bytes
                                                 : QY_BULK_DEFAULT_COMMIT_BYTES;
    b->target_path = trimmed_path(name);
    b->workers = calloc(jobs, sizeof *b->workers);
    if (!b->target_path || !b->workers) {
        qy_bulk_free(b);
        return QY_NOMEM;
    }
    qy_status_t st = qy_schema_read(target, &b->lang, error);
    b->format = qy_schema_format(target);
    unsigned count = 0;
    if (st == QY_OK)
        st = qy_db_doc_count(target, &count);
    if (st != QY_OK) {
        if (!*error)
            *error = fmt("index '%s': %s", name, qy_db_error(target));
        qy_bulk_free(b);
        return st;
    }
    b->target_has_docs = count > 0;
    /* Changes made through the target's handle from now on stay in a
     * transaction that is never committed: qy_bulk_finish copies them to
     * the merged index, and a failed load drops them. */
    st = qy_db_begin_transaction(target);
    if (st != QY_OK) {
        *error = fmt("index '%s': cannot start a bulk load (%s)", name,
                     qy_db_error(target));
        qy_bulk_free(b);
        return st;
    }
    b->in_transaction = 1;
    remove_leftovers(b->target_path);
    b->dir = fmt("%s" BULK_SUFFIX "%ld", b->target_path, (long)getpid());
    if (!b->dir) {
        qy_bulk_free(b);
        return QY_NOMEM;
    }
    if (mkdir(b->dir, 0700) != 0) {
        *error = fmt("cannot create '%s': %s", b->dir, strerror(errno));
        free(b->dir);
        b->dir = NULL; /* not ours: never removed */
        qy_bulk_free(b);
        return QY_OPENING;
    }
    for (unsigned i = 0; i < jobs; i++) {
        st = worker_start(b, i, error);
        if (st != QY_OK) {
            qy_bulk_free(b);
            return st;
        }
    }
    *out = b;
    return QY_OK;
}

void qy_bulk_remove_leftovers(qy_db_t *target)
{
    const char *name = target ? qy_db_name(target) : NULL;
    if (!name || !*name || strncmp(name, "tcp://", 6) == 0)
        return;
    char *path = trimmed_path(name);
    if (path)
        remove_leftovers(path);
    free(path);
}

unsigned long qy_bulk_passages(const qy_bulk_t *b)
{
    return b ? atomic_load(&b->passages) : 0;
}

unsigned long qy_bulk_dropped(const qy_bulk_t *b)
{
    return b ? atomic_load(&b->dropped) : 0;
}

void qy_bulk_wait(qy_bulk_t *b)
{
    if (b && b->workers)
        workers_stop(b);
}

static qy_status_t first_failure(qy_bulk_t *b)
{
    return (qy_status_t)atomic_load(&b->failed);
}

/* Marks JOB as replacing the target's passages indexed by PREFIX +
 * VALUE: they are deleted inside the transaction once the job is done
 * (apply_done), and qy_bulk_finish carries the deletion over. */
static qy_status_t replaces(qy_bulk_t *b, job_t *job, const char *prefix,
                            const char *value)
{
    if (!b->target_has_docs)
        return QY_OK;
    size_t n = qy_boolean_term(prefix, value, b->term);
    if (!(job->gone = malloc(n + 1)))
        return QY_NOMEM;
    memcpy(job->gone, b->term, n + 1);
    job->gone_len = n;
    return QY_OK;
}

static qy_status_t submit(qy_bulk_t *b, job_t *job, const char *key)
{
    qy_status_t st = first_failure(b);
    if (st == QY_OK && !job->source)
        st = QY_NOMEM;
    if (st == QY_OK)
        st = apply_done(b);
    if (st != QY_OK) {
        job_free(job);
        return st;
    }
    worker_push(&b->workers[hash_key(key) % b->jobs], job);
    return QY_OK;
}

static qy_status_t add_article(qy_bulk_t *b, const char *source,
                               qy_article_t *article, int more)
{
    job_t job = {.kind = JOB_ARTICLE, .source = strdup(source), .more = more};
    job.article = *article;
    memset(article, 0, sizeof *article);
    qy_status_t st = more ? QY_OK : replaces(b, &job, QY_PREFIX_SOURCE, source);
    if (st != QY_OK) {
        job_free(&job);
        return st;
    }
    /* By source: a source given twice is replaced within one shard, and
     * the parts of one source stay in order in one worker's queue. */
    return submit(b, &job, source);
}

qy_status_t qy_bulk_add_article(qy_bulk_t *b, const char *source,
                                qy_article_t *article)
{
    return add_article(b, source, article, 0);
}

qy_status_t qy_bulk_add_article_more(qy_bulk_t *b, const char *source,
                                     qy_article_t *article)
{
    return add_article(b, source, article, 1);
}

qy_status_t qy_bulk_add_jsonl(qy_bulk_t *b, const char *source,
                              qy_jsonl_doc_t *doc)
{
    job_t job = {.kind = JOB_JSONL, .source = strdup(source)};
    job.doc = *doc;
    memset(doc, 0, sizeof *doc);
    if (!job.doc.id || !*job.doc.id) {
        job_free(&job);
        return QY_INVALID;
    }
    qy_status_t st = replaces(b, &job, QY_PREFIX_ID, job.doc.id);
    if (st != QY_OK) {
        job_free(&job);
        return st;
    }
    /* By id: an id given twice is replaced within one shard, as it would
     * be in one index. */
    char *key = strdup(job.doc.id);
    if (!key) {
        job_free(&job);
        return QY_NOMEM;
    }
    st = submit(b, &job, key);
    free(key);
    return st;
}

void qy_bulk_stop(qy_bulk_t *b, void (*dropped)(void *ctx, const char *source),
                  void *ctx)
{
    for (unsigned i = 0; i < b->jobs; i++) {
        worker_t *w = &b->workers[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        for (size_t k = 0; k < w->count; k++) {
            job_t *job = &w->queue[(w->head + k) % QUEUE_JOBS];
            if (dropped && job->source)
                dropped(ctx, job->source);
            job_free(job);
        }
        w->count = 0;
        w->bytes = 0;
        w->closing = 1;
        pthread_cond_signal(&w->not_empty);
        pthread_cond_signal(&w->not_full);
        pthread_mutex_unlock(&w->mu);
    }
    workers_stop(b);
}

void qy_bulk_free(qy_bulk_t *b)
{
    if (!b)
        return;
    atomic_store(&b->abandon, 1);
    if (b->workers) {
        workers_stop(b);
        for (unsigned i = 0; i < b->jobs; i++) {
            worker_t *w = &b->workers[i];
            worker_close(w);
            for (size_t k = 0; k < w->count; k++)
                job_free(&w->queue[(w->head + k) % QUEUE_JOBS]);
            if (w->bulk) {
                pthread_mutex_destroy(&w->mu);
                pthread_cond_destroy(&w->not_empty);
                pthread_cond_destroy(&w->not_full);
            }
            free(w->path);
            free(w->error);
        }
    }
    if (b->dir)
        remove_tree(b->dir);
    for (size_t i = 0; i < b->ndone; i++)
        free(b->done[i]);
    free(b->done);
    free(b->done_len);
    pthread_mutex_destroy(&b->done_mu);
    /* Whatever was done through the target's handle is dropped with the
     * load; the target stays as last committed. */
    if (b->in_transaction)
        qy_db_cancel_transaction(b->target);
    free(b->workers);
    free(b->dir);
    free(b->lang);
    free(b->target_path);
    free(b);
}

/* ---- Finishing ----------------------------------------------------------- */

typedef struct docids {
    unsigned *v;
    size_t n, cap;
    int nomem;
} docids_t;

static int collect_docid(void *ctx, unsigned docid)
{
    docids_t *d = ctx;
    unsigned *more = qy_grow(d->v, d->n, &d->cap, sizeof *more, 64);
    if (!more) {
        d->nomem = 1;
        return 1;
    }
    d->v = more;
    d->v[d->n++] = docid;
    return 0;
}

/* The target's documents that its handle deleted during the load (present
 * in its last commit, gone from the handle's view), as docids of the merged
 * index, where the target's documents come first. QY_INVALID when the
 * handle added documents: those would not be carried over. */
static qy_status_t removed_docids(qy_bulk_t *b, docids_t *out, char **error)
{
    qy_db_t *db = NULL;
    const char *path = b->target_path;
    docids_t committed = {0}, now = {0};
    qy_status_t st = qy_db_open_read(&path, 1, &db, error);
    if (st == QY_OK)
        st = qy_db_each_docid(db, NULL, 0, collect_docid, &committed);
    if (st == QY_OK)
        st = qy_db_each_docid(b->target, NULL, 0, collect_docid, &now);
    if (st == QY_OK && (committed.nomem || now.nomem))
        st = QY_NOMEM;
    if (st != QY_OK && !*error)
        *error = fmt("index '%s': %s", path,
                     db ? qy_db_error(db) : qy_status_to_string(st));
    qy_db_close(db);
    /* Both lists are in docid order: one pass finds what each lacks. */
    size_t i = 0, j = 0;
    while (st == QY_OK && (i < committed.n || j < now.n)) {
        if (j == now.n || (i < committed.n && committed.v[i] < now.v[j])) {
            /* Compaction renumbers the first source from docid 1. */
            if (collect_docid(out, committed.v[i] - (committed.v[0] - 1)))
                st = QY_NOMEM;
            i++;
        } else if (i == committed.n || now.v[j] < committed.v[i]) {
            *error = fmt("index '%s': documents were added to it outside "
                         "the bulk load",
                         path);
            st = QY_INVALID;
        } else {
            i++;
            j++;
        }
    }
    free(committed.v);
    free(now.v);
    return st;
}

typedef struct meta_copy {
    qy_db_t *from, *to;
    qy_status_t st;
    /* Second pass: drop the keys FROM does not have but COMMITTED has. */
    qy_db_t *committed;
} meta_copy_t;

static int copy_key(void *ctx, const char *key, size_t len)
{
    meta_copy_t *m = ctx;
    char *k = strndup(key, len), *value = NULL;
    size_t vlen = 0;
    if (!k) {
        m->st = QY_NOMEM;
        return 1;
    }
    if (m->committed) {
        m->st = qy_db_get_metadata(m->from, k, &value, &vlen);
        if (m->st == QY_OK && vlen == 0) {
            /* The handle deleted it if its last commit had it; a key only
             * the shards have (an acronym a worker learned) stays. */
            free(value);
            value = NULL;
            m->st = qy_db_get_metadata(m->committed, k, &value, &vlen);
            if (m->st == QY_OK && vlen > 0)
                m->st = qy_db_set_metadata(m->to, k, "", 0);
        }
    } else {
        m->st = qy_db_get_metadata(m->from, k, &value, &vlen);
        if (m->st == QY_OK)
            m->st = qy_db_set_metadata(m->to, k, value, vlen);
    }
    free(value);
    free(k);
    return m->st != QY_OK;
}

/* The acronyms the workers learned, as one thread would have learned
 * them: each shard holds its own counts, which the merge did not add up. */
static qy_status_t merge_acronyms(qy_bulk_t *b, qy_db_t *merged, char **error)
{
    qy_db_t **shards = calloc(b->jobs, sizeof *shards);
    if (!shards)
        return QY_NOMEM;
    qy_status_t st = QY_OK;
    for (unsigned i = 0; st == QY_OK && i < b->jobs; i++) {
        const char *path = b->workers[i].path;
        st = qy_db_open_read(&path, 1, &shards[i], error);
    }
    if (st == QY_OK)
        st = qy_acronyms_merge(merged, b->target, shards, b->jobs);
    for (unsigned i = 0; i < b->jobs; i++)
        qy_db_close(shards[i]);
    free(shards);
    return st;
}

/* Makes MERGED's user metadata that of the target's handle, with the
 * acronyms' counts of all the shards, and removes the replaced passages. */
static qy_status_t finish_merged(qy_bulk_t *b, const char *merged,
                                 const docids_t *gone, char **error)
{
    qy_db_t *db = NULL;
    qy_status_t st = qy_db_open_write(merged, 0, &db, error);
    if (st != QY_OK)
        return st;
    meta_copy_t m = {b->target, db, QY_OK, NULL};
    st = qy_db_each_metadata_key(b->target, "", copy_key, &m);
    if (st == QY_OK)
        st = m.st;
    if (st == QY_OK) {
        /* Keys the handle deleted but its last commit still had: the
         * target's directory holds that commit until the swap. */
        const char *path = b->target_path;
        qy_db_t *committed = NULL;
        st = qy_db_open_read(&path, 1, &committed, error);
        if (st == QY_OK) {
            meta_copy_t d = {b->target, db, QY_OK, committed};
            st = qy_db_each_metadata_key(db, "", copy_key, &d);
            if (st == QY_OK)
                st = d.st;
        }
        qy_db_close(committed);
    }
    if (st == QY_OK)
        st = merge_acronyms(b, db, error);
    for (size_t i = 0; st == QY_OK && i < gone->n; i++)
        st = qy_db_delete_docid(db, gone->v[i]);
    if (st == QY_OK)
        st = qy_db_commit(db);
    if (st != QY_OK && !*error)
        *error = fmt("index '%s': %s", merged, qy_db_error(db));
    qy_db_close(db);
    return st;
}

/* Puts the index at MERGED in TARGET's place; the target's old directory
 * ends up at MERGED (or at OLD, without RENAME_EXCHANGE). */
static int install(const char *merged, const char *target, const char *old)
{
    /* The index keeps the permissions its owner gave its directory. */
    struct stat st;
    if (stat(target, &st) == 0)
        (void)chmod(merged, st.st_mode & 07777);
    if (renameat2(AT_FDCWD, merged, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
    /* A file system without atomic exchange: two renames, with a moment
     * in between when TARGET is missing (remove_leftovers keeps OLD). */
    if (rename(target, old) != 0)
        return -1;
    if (rename(merged, target) != 0) {
        int e = errno;
        (void)rename(old, target);
        errno = e;
        return -1;
    }
    return 0;
}

qy_status_t qy_bulk_compact(qy_db_t **target, char **error)
{
    /* A load of nothing: the merge is the target's compaction. */
    qy_bulk_opts_t opts = {1, 0, 0};
    qy_bulk_t *b = NULL;
    qy_status_t st = qy_bulk_new(*target, &opts, &b, error);
    return st == QY_OK ? qy_bulk_finish(b, target, NULL, error) : st;
}

/* Stops the workers and closes their shards: the first failure of the
 * load, its message in *ERROR. */
static qy_status_t stop_workers(qy_bulk_t *b, unsigned long *passages,
                                char **error)
{
    workers_stop(b);
    if (passages)
        *passages = atomic_load(&b->passages);
    qy_status_t st = first_failure(b) == QY_OK ? apply_done(b) : QY_OK;
    if (st != QY_OK)
        *error = fmt("index '%s': %s", b->target_path, qy_db_error(b->target));
    for (unsigned i = 0; i < b->jobs; i++) {
        worker_t *w = &b->workers[i];
        if (st == QY_OK && w->status != QY_OK) {
            st = w->status;
            *error = w->error;
            w->error = NULL;
        }
        worker_close(w);
    }
    return st;
}

/* The target and the shards compacted into MERGED, less the passages the
 * load replaced; *FINAL the index to install (MERGED, or *REWRITTEN). */
static qy_status_t merge_shards(qy_bulk_t *b, const char *merged,
                                char **rewritten, const char **final,
                                char **error)
{
    docids_t gone = {0};
    const char **sources = calloc((size_t)b->jobs + 1, sizeof *sources);
    qy_status_t st = sources ? removed_docids(b, &gone, error) : QY_NOMEM;
    if (st == QY_OK) {
        sources[0] = b->target_path;
        for (unsigned i = 0; i < b->jobs; i++)
            sources[i + 1] = b->workers[i].path;
        st = qy_db_compact(sources, (size_t)b->jobs + 1, merged, error);
    }
    if (st == QY_OK)
        st = finish_merged(b, merged, &gone, error);
    /* Xapian (1.4.22) leaves the postlists of a compacted index whose
     * documents were then deleted unreadable to a search that checks every
     * match ("Unexpected end of posting list"): the merged index that lost
     * the replaced passages is compacted once more. */
    *final = merged;
    if (st == QY_OK && gone.n > 0) {
        if (!(*rewritten = fmt("%s/rewritten", b->dir)))
            st = QY_NOMEM;
        const char *from[] = {merged};
        if (st == QY_OK)
            st = qy_db_compact(from, 1, *rewritten, error);
        *final = *rewritten;
    }
    free(gone.v);
    free(sources);
    return st;
}

/* FINAL put in place of the target, the target's handle closed. */
static qy_status_t swap_in(qy_bulk_t *b, const char *final, qy_db_t **target,
                           char **error)
{
    char *old = fmt("%s/old", b->dir);
    char *parent = parent_dir(b->target_path);
    if (!old || !parent) {
        free(old);
        free(parent);
        return QY_NOMEM;
    }
    /* The handle must have nothing left to write when it is closed after
     * the rename: Xapian writes its version file by path, which by then is
     * the merged index's. */
    qy_status_t st = qy_db_cancel_transaction(b->target);
    b->in_transaction = 0;
    if (st != QY_OK)
        *error = fmt("index '%s': %s", b->target_path, qy_db_error(b->target));
    if (st == QY_OK && sync_index_dir(final) != 0) {
        *error = fmt("cannot sync '%s': %s", final, strerror(errno));
        st = QY_IO;
    }
    if (st == QY_OK && install(final, b->target_path, old) != 0) {
        *error = fmt("cannot put the new index in place of '%s': %s",
                     b->target_path, strerror(errno));
        st = QY_IO;
    }
    if (st == QY_OK) {
        /* Durable rename; a failure here cannot be undone any more, and
         * the directory entry is written back by the kernel anyway. */
        (void)fsync_path(parent, O_RDONLY | O_DIRECTORY);
        /* The handle now points at the replaced directory, which goes with
         * the shards. */
        qy_db_close(*target);
        *target = NULL;
    }
    free(parent);
    free(old);
    return st;
}

qy_status_t qy_bulk_finish(qy_bulk_t *b, qy_db_t **target,
                           unsigned long *passages, char **error)
{
    *error = NULL;
    qy_status_t st = stop_workers(b, passages, error);
    char *merged = NULL, *rewritten = NULL;
    const char *final = NULL;
    if (st == QY_OK && !(merged = fmt("%s/merged", b->dir)))
        st = QY_NOMEM;
    if (st == QY_OK)
        st = merge_shards(b, merged, &rewritten, &final, error);
    if (st == QY_OK)
        st = swap_in(b, final, target, error);
    free(rewritten);
    free(merged);
    qy_bulk_free(b);
    return st;
}
