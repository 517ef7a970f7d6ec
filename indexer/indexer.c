/* indexer: splits documents into passages and stores them in the index,
 * keeping it in step with the files as they change. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "indexer.h"
#include "inputs.h"
#include "options.h"
#include "quarry/cli.h"
#include "quarry/grow.h"
#include "quarry/guard.h"
#include "quarry/passage.h"
#include "quarry/paths.h"
#include "quarry/schema.h"
#include "quarry/synonyms.h"
#include "quarry/text.h"
#include "quarry/utf8.h"
#include "walk.h"
#include "watch.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_ERROR = 2 };

static const char *progname = "indexer";

static void usage_hint(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void print_help(void)
{
    printf("Usage: %s [OPTION]... PATH...\n"
           "Split the documents in each PATH (files, directories searched "
           "recursively,\n"
           "or - for standard input) into passages and store them in the "
           "index. Files\n"
           "unchanged since the last run are not read again; changed files "
           "have their\n"
           "passages replaced; files gone from a directory given have theirs "
           "removed.\n"
           "\n",
           progname);
    qy_options_help(stdout, &ix_optspec);
    printf("\n"
           "Hidden files and directories are skipped, symbolic links are not "
           "followed,\n"
           "and binary files, FIFOs and devices are skipped with a warning.\n"
           "\n"
           "Exit status: 0 on success (also when some files were skipped "
           "with a\n"
           "warning), 2 on error (the index could not be written or is "
           "locked, or a PATH\n"
           "given could not be read), 130 or 143 when interrupted by SIGINT "
           "or SIGTERM\n"
           "(what was indexed until then is kept; 0 with --watch).\n");
}

static int list_languages(void)
{
    for (const char *const *l = qy_languages(); *l; l++)
        printf("%s\n", *l);
    printf("auto\n"); /* several: each document's own */
    return EXIT_OK;
}

/* The synonyms file, read whole before the index is opened so that a file
 * that cannot be read changes nothing. NULL after a message. */
static char *read_synonyms(const char *name, size_t *len)
{
    enum { MAX_SYNONYMS_BYTES = 64 << 20 };
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (!f) {
        fprintf(stderr, "%s: --synonyms '%s': %s\n", progname, name,
                strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        char *more =
            n < MAX_SYNONYMS_BYTES ? qy_grow(text, n, &cap, 1, 4096) : NULL;
        if (!more) {
            fprintf(stderr, "%s: --synonyms '%s': %s\n", progname, name,
                    n >= MAX_SYNONYMS_BYTES ? "larger than 64 MiB"
                                            : "out of memory");
            free(text);
            text = NULL;
            break;
        }
        text = more;
        size_t got = fread(text + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                fprintf(stderr, "%s: --synonyms '%s': %s\n", progname, name,
                        strerror(errno ? errno : EIO));
                free(text);
                text = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return text;
}

/* --check: Xapian's consistency check of the index, with a one-line
 * verdict. EXTRA is a PATH given, which --check does not take. */
static int check_index(const char *index_arg, const char *extra)
{
    if (extra) {
        fprintf(stderr, "%s: --check takes no PATH ('%s')\n", progname, extra);
        usage_hint();
        return EXIT_ERROR;
    }
    char *path = qy_index_path(index_arg);
    if (!path) {
        fprintf(stderr, "%s: no index given (-d DIR), and no HOME to look in\n",
                progname);
        return EXIT_ERROR;
    }
    qy_guard_faults(progname, path);
    unsigned long errors = 0;
    char *detail = NULL;
    qy_status_t st = qy_db_check(path, &errors, &detail);
    int status = EXIT_OK;
    if (st == QY_OK) {
        printf("%s: the index '%s' is sound\n", progname, path);
    } else if (errors > 0) {
        fprintf(stderr,
                "%s: the index '%s' is damaged (%lu fault%s, first: %s); "
                "rebuild it\n",
                progname, path, errors, errors == 1 ? "" : "s",
                detail ? detail : "?");
        status = EXIT_ERROR;
    } else if (st != QY_NOT_FOUND && st != QY_OPENING && st != QY_NOMEM) {
        /* Xapian stops its check at damage it cannot walk past. */
        fprintf(stderr, "%s: the index '%s' is damaged (%s); rebuild it\n",
                progname, path, detail ? detail : qy_status_to_string(st));
        status = EXIT_ERROR;
    } else {
        fprintf(stderr, "%s: the index '%s' cannot be checked: %s\n", progname,
                path, detail ? detail : qy_status_to_string(st));
        status = EXIT_ERROR;
    }
    free(detail);
    free(path);
    return status;
}

/* qy_db_commit, watched for a commit that spins on damaged blocks. */
static qy_status_t commit_watched(qy_db_t *db)
{
    qy_guard_watch_begin();
    qy_status_t st = qy_db_commit(db);
    qy_guard_watch_end();
    return st;
}

/* Whether an earlier run began compacting the index and was stopped
 * before the compacted index was in place. */
static int compaction_pending(qy_db_t *db)
{
    char *value = NULL;
    size_t len = 0;
    int pending = qy_db_get_metadata(db, QY_META_COMPACT_PENDING, &value,
                                     &len) == QY_OK &&
                  len > 0;
    free(value);
    return pending;
}

/* Drops the mark of a compaction from the index at PATH, now compact; a
 * failure only means the next run compacts again. */
static void clear_compaction_mark(const char *path)
{
    qy_db_t *db = NULL;
    char *error = NULL;
    if (qy_db_open_write(path, 0, &db, &error) == QY_OK &&
        compaction_pending(db) &&
        qy_db_set_metadata(db, QY_META_COMPACT_PENDING, "", 0) == QY_OK)
        commit_watched(db);
    qy_db_close(db);
    free(error);
}

/* Xapian's writer leaves its B-tree blocks about half full; a compaction
 * rewrites them full, in a few seconds for an index of 160,000 passages
 * (docs/performance.md). Worth it after a run on one thread that wrote
 * most of the index: a first build, or a reload. */
static int compact_pays(indexer_t *ix)
{
    unsigned total = 0;
    if (ix->stats.passages < IX_COMPACT_MIN_PASSAGES ||
        qy_db_doc_count(ix->db, &total) != QY_OK)
        return 0;
    return ix->stats.passages >= total / 2;
}

/* --watch goes on writing after the first pass, on one thread: an index
 * the merge of --jobs or a compaction closed is opened again. */
static qy_status_t reopen_for_watch(indexer_t *ix, qy_analyzer_t *a,
                                    int wait_lock)
{
    ix->jobs = 1;
    ix->jobs_auto = 0;
    /* A merge or a compaction put a new directory in the index's place:
     * the walk must still know it for the index. */
    struct stat ist;
    if (stat(ix->index_path, &ist) == 0) {
        ix->index_dev = ist.st_dev;
        ix->index_ino = ist.st_ino;
    }
    if (ix->db)
        return QY_OK;
    char *error = NULL;
    qy_ingest_free(ix->ing);
    ix->ing = NULL;
    qy_status_t st = qy_db_open_write(
        ix->index_path, wait_lock ? QY_DB_WAIT_LOCK : 0, &ix->db, &error);
    if (st == QY_OK)
        st = qy_ingest_new(ix->db, a, &ix->ing);
    if (st != QY_OK)
        ix_fatal(ix, ix->index_path, "cannot open the index again to watch",
                 error ? error : qy_status_to_string(st));
    free(error);
    return st;
}

/* One run: the indexer's state and what main() set up for it. */
typedef struct run {
    indexer_t ix;
    const ix_args_t *args;
    ix_filters_t filters;
    char **paths; /* the PATHs given */
    int npaths;
    qy_analyzer_t *a;
    char *path; /* the index */
    char *lang_in_force;
    char *error;
} run_t;

/* Whether the PATHs given suit the options: 0, or -1 after a message. */
static int check_paths(const ix_args_t *args, char **paths, int n)
{
    if (n == 0 && !args->synonyms && !args->compact) {
        fprintf(stderr, "%s: no PATH to index\n", progname);
        usage_hint();
        return -1;
    }
    int stdin_args = 0;
    for (int i = 0; i < n; i++)
        stdin_args += strcmp(paths[i], "-") == 0;
    if (args->watch && n - stdin_args < 1) {
        fprintf(stderr, "%s: --watch needs a file or folder to watch\n",
                progname);
        usage_hint();
        return -1;
    }
    if (args->synonyms && strcmp(args->synonyms, "-") == 0)
        stdin_args++;
    if (stdin_args > 1) {
        fprintf(stderr, "%s: '-' (standard input) given more than once\n",
                progname);
        return -1;
    }
    return 0;
}

/* The synonym groups of TEXT, stored and committed on their own, before
 * any document. */
static qy_status_t store_synonyms(run_t *r, const char *text, size_t len)
{
    unsigned groups = 0;
    qy_status_t st = qy_synonyms_store(r->ix.db, r->a, r->args->synonyms, text,
                                       len, &groups, &r->error);
    if (st == QY_OK && (st = commit_watched(r->ix.db)) != QY_OK) {
        const char *why = qy_db_error(r->ix.db);
        size_t need = strlen(why) + 32;
        if ((r->error = malloc(need)))
            snprintf(r->error, need, "cannot commit the index: %s", why);
    }
    if (st == QY_OK && !r->args->quiet && !r->args->json)
        fprintf(stderr, "%s: %u synonym group%s stored\n", progname, groups,
                groups == 1 ? "" : "s");
    return st;
}

/* Opens (or creates) the index for writing, in its language, and stores
 * the synonyms, if any. Returns 0, or -1 after a message. */
static int open_index(run_t *r, const char *synonyms, size_t synonyms_len)
{
    const ix_args_t *args = r->args;
    if (args->lang && qy_analyzer_new(args->lang, &r->a) != QY_OK) {
        fprintf(stderr, "%s: unknown language '%s' (see --list-languages)\n",
                progname, args->lang);
        return -1;
    }
    if (!(r->path = qy_index_path(args->index))) {
        fprintf(stderr,
                "%s: no index given (-d DIR), and no HOME to put one in\n",
                progname);
        return -1;
    }
    r->ix.index_path = r->path;
    qy_guard_faults(progname, r->path);
    if (qy_make_parents(r->path) != 0) {
        fprintf(stderr, "%s: cannot create the directories for '%s': %s\n",
                progname, r->path, strerror(errno));
        return -1;
    }
    ix_progress_init(&r->ix.progress, !args->quiet && isatty(STDERR_FILENO));
    qy_status_t st = qy_db_open_write(r->path, args->wait ? QY_DB_WAIT_LOCK : 0,
                                      &r->ix.db, &r->error);
    if (st == QY_OK)
        st = qy_schema_prepare(r->ix.db,
                               r->a ? qy_analyzer_language(r->a) : NULL,
                               &r->lang_in_force, &r->error);
    if (st == QY_OK && !r->a)
        st = qy_analyzer_new(r->lang_in_force, &r->a);
    if (st == QY_OK)
        qy_analyzer_set_format(r->a, qy_schema_format(r->ix.db));
    if (st == QY_OK)
        st = qy_ingest_new(r->ix.db, r->a, &r->ix.ing);
    if (st == QY_OK && synonyms)
        st = store_synonyms(r, synonyms, synonyms_len);
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s%s\n", progname,
                r->error ? r->error : qy_status_to_string(st),
                st == QY_LOCKED ? " (--wait waits for it)" : "");
        return -1;
    }
    /* The shards of a bulk load that was killed, whatever --jobs is now. */
    qy_bulk_remove_leftovers(r->ix.db);
    struct stat ist;
    if (stat(r->path, &ist) == 0) {
        r->ix.index_dev = ist.st_dev;
        r->ix.index_ino = ist.st_ino;
    }
    return 0;
}

/* Ends the bulk load of --jobs, if one started: merges what the workers
 * wrote into the index. Also when interrupted: what was indexed is kept,
 * as it is by the commits of one thread. After a failure the index stays
 * as it was before the load. */
static void finish_bulk(run_t *r)
{
    indexer_t *ix = &r->ix;
    qy_bulk_t *bulk = ix->bulk;
    if (!bulk)
        return;
    ix->bulk = NULL;
    unsigned long written = 0;
    /* Interrupted: what the workers have not begun is left for the next
     * run, so that the run stops at once. */
    if (!ix->failed && ix_interrupted)
        qy_bulk_stop(bulk, ix_bulk_dropped, ix);
    if (ix->failed) {
        qy_bulk_free(bulk);
    } else {
        ix_progress_note(&ix->progress, "merging the index");
        qy_bulk_wait(bulk);
        ix->stats.dropped += qy_bulk_dropped(bulk);
        char *error = NULL;
        qy_status_t st = qy_bulk_finish(bulk, &ix->db, &written, &error);
        if (st != QY_OK)
            ix_fatal(ix, r->path, "cannot build the index",
                     error ? error : qy_status_to_string(st));
        free(error);
    }
    ix->stats.passages = ix->failed ? 0 : written;
}

/* The last commit (a new index's settings, when no transaction wrote
 * anything), or the cancel of what a failure left uncommitted. */
static void finish_commits(run_t *r)
{
    indexer_t *ix = &r->ix;
    qy_status_t st;
    if (!ix->failed && ix->db && (st = commit_watched(ix->db)) != QY_OK) {
        ix_fatal(ix, r->path, "cannot commit the index", qy_db_error(ix->db));
        ix->db_broken = st != QY_NOMEM;
    }
    if (ix->db_broken) {
        /* Ends here: the summary would read through the failed writer. The
         * process's exit releases the lock; the index is as last
         * committed. */
        ix_progress_clear(&ix->progress);
        fflush(stdout);
        _exit(EXIT_ERROR);
    }
    if (ix->failed && ix->in_transaction)
        qy_db_cancel_transaction(ix->db); /* keep the last committed state */
    ix->in_transaction = 0;
}

/* Compacts the index when asked (--compact), when the run wrote most of
 * it, or when an earlier compaction was stopped. */
static void compact_if_due(run_t *r)
{
    indexer_t *ix = &r->ix;
    /* After a bulk load that merged, ix->db is closed: already compact,
     * whatever was pending. */
    if (!ix->db && !ix->failed)
        clear_compaction_mark(r->path);
    int pending = ix->db && compaction_pending(ix->db);
    if (ix->failed || ix_interrupted || !ix->db ||
        !(r->args->compact || compact_pays(ix) || pending))
        return;
    ix_progress_note(&ix->progress, "compacting the index");
    /* Marked first: a run killed while compacting leaves the mark, and
     * the next one compacts. */
    qy_status_t st =
        pending ? QY_OK
                : qy_db_set_metadata(ix->db, QY_META_COMPACT_PENDING, "1", 1);
    char *error = NULL;
    if (st == QY_OK)
        st = commit_watched(ix->db);
    if (st == QY_OK)
        st = qy_bulk_compact(&ix->db, &error);
    if (st == QY_OK)
        clear_compaction_mark(r->path);
    if (st != QY_OK) {
        /* The index stays as committed: only what was asked fails. */
        const char *why = error ? error : qy_status_to_string(st);
        if (r->args->compact) {
            ix_fatal(ix, r->path, "cannot compact the index", why);
        } else {
            char msg[1024];
            snprintf(msg, sizeof msg, "not compacted: %s", why);
            ix_warn(ix, r->path, msg);
        }
    }
    free(error);
}

/* The passages the index holds now. */
static unsigned index_total(run_t *r)
{
    unsigned total = 0;
    if (r->ix.db) {
        qy_db_doc_count(r->ix.db, &total);
        return total;
    }
    /* Closed by the bulk load: the index it installed. */
    qy_db_t *rd = NULL;
    char *error = NULL;
    const char *paths[] = {r->path};
    if (qy_db_open_read(paths, 1, &rd, &error) == QY_OK)
        qy_db_doc_count(rd, &total);
    qy_db_close(rd);
    free(error);
    return total;
}

/* The summary of the run, and its exit status. */
static int report(run_t *r)
{
    indexer_t *ix = &r->ix;
    unsigned total = index_total(r);
    double secs = ix_progress_elapsed(&ix->progress);
    ix_progress_clear(&ix->progress);
    int watch = r->args->watch;
    /* A signal is how --watch is meant to end. */
    int status = ix->failed                ? EXIT_ERROR
                 : ix_interrupted && watch ? EXIT_OK
                 : ix_interrupted          ? 128 + (int)ix_interrupted
                 : ix->arg_errors          ? EXIT_ERROR
                                           : EXIT_OK;
    int stopped = ix_interrupted && !watch;
    if (r->args->json) {
        if (ix_summary_json(stdout, &ix->stats, r->path, total, secs, stopped,
                            status) != 0) {
            fprintf(stderr, "%s: out of memory\n", progname);
            status = EXIT_ERROR;
        }
    } else if (!r->args->quiet) {
        ix_summary_text(stderr, progname, &ix->stats, r->path, total, secs,
                        stopped);
    }
    if (fflush(stdout) != 0 && errno != EPIPE) {
        fprintf(stderr, "%s: cannot write output: %s\n", progname,
                strerror(errno));
        status = EXIT_ERROR;
    }
    return status;
}

/* Indexes the PATHs, then keeps them current with --watch. */
static void index_paths(run_t *r)
{
    indexer_t *ix = &r->ix;
    /* Only now: until the index is open, an interrupt has nothing to
     * save, and a --wait for the lock should simply end. */
    ix_catch_signals();
    ix_watch_t *watcher =
        r->args->watch ? ix_watch_new(ix, r->paths, r->npaths, &r->filters)
                       : NULL;
    for (int i = 0; i < r->npaths && !ix->failed && !ix_interrupted; i++)
        ix_index_arg(ix, r->paths[i], &r->filters);
    if (!ix->failed)
        ix_commit(ix);
    finish_bulk(r);
    finish_commits(r);
    compact_if_due(r);
    if (watcher && !ix->failed && !ix_interrupted && !ix->arg_errors &&
        reopen_for_watch(ix, r->a, r->args->wait) == QY_OK)
        ix_watch_run(watcher);
    ix_watch_free(watcher);
}

static void run_free(run_t *r)
{
    qy_ingest_free(r->ix.ing);
    qy_db_close(r->ix.db);
    qy_analyzer_free(r->a);
    ix_seen_free(&r->ix.seen);
    free(r->ix.dropped_last);
    free(r->lang_in_force);
    free(r->error);
    free(r->path);
}

/* Indexes PATHS as ARGS say; the exit status. */
static int run(const ix_args_t *args, char **paths, int npaths)
{
    if (check_paths(args, paths, npaths) != 0)
        return EXIT_ERROR;
    char *synonyms = NULL;
    size_t synonyms_len = 0;
    if (args->synonyms &&
        !(synonyms = read_synonyms(args->synonyms, &synonyms_len)))
        return EXIT_ERROR;
    run_t r = {
        .ix = {.format = args->format,
               .stdin_name = args->stdin_name,
               .commit_every =
                   args->commit_every ? args->commit_every : IX_COMMIT_EVERY,
               .jobs = args->jobs ? args->jobs : 1,
               /* Every core for a large load (IX_JOBS_AUTO_BYTES), unless
                * batches of one thread were asked for. */
               .jobs_auto =
                   !args->jobs && !args->commit_every ? ix_online_cores() : 0,
               .delete_missing = !args->no_delete,
               .verbose = args->verbose},
        .args = args,
        .filters = {.include = args->include.items,
                    .ninclude = args->include.n,
                    .exclude = args->exclude.items,
                    .nexclude = args->exclude.n},
        .paths = paths,
        .npaths = npaths,
    };
    int status = EXIT_ERROR;
    if (open_index(&r, synonyms, synonyms_len) == 0) {
        index_paths(&r);
        status = report(&r);
    }
    free(synonyms);
    run_free(&r);
    return status;
}

/* The options that do one thing and end the run. */
static int run_stop_option(const ix_args_t *args)
{
    if (args->list_languages)
        return list_languages();
    if (args->version)
        printf("indexer (quarry) %s\n", QUARRY_VERSION);
    else if (args->dump)
        qy_options_dump(stdout, &ix_optspec, args->dump);
    else
        print_help();
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    ix_args_t args;
    ix_args_init(&args);
    const qy_option_t *stop;
    int first = qy_options_parse(&ix_optspec, argc, argv, &args, &stop);
    int status = first < 0    ? EXIT_ERROR
                 : stop       ? run_stop_option(&args)
                 : args.check ? check_index(args.index,
                                            first < argc ? argv[first] : NULL)
                              : run(&args, argv + first, argc - first);
    qy_strlist_free(&args.include);
    qy_strlist_free(&args.exclude);
    return status;
}
