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
#include "quarry/cli.h"
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
    printf(
        "Usage: %s [OPTION]... PATH...\n"
        "Split the documents in each PATH (files, directories searched "
        "recursively,\n"
        "or - for standard input) into passages and store them in the "
        "index. Files\n"
        "unchanged since the last run are not read again; changed files "
        "have their\n"
        "passages replaced; files gone from a directory given have theirs "
        "removed.\n"
        "\n"
        "  -d, --index DIR     the index (default: $QUARRY_INDEX, else\n"
        "                      $XDG_DATA_HOME/quarry/index, else\n"
        "                      ~/.local/share/quarry/index)\n"
        "      --lang LANG     stemming language of a new index (default "
        "english;\n"
        "                      auto: each document's own; see "
        "--list-languages)\n"
        "      --list-languages  print the accepted languages and exit\n"
        "      --format FMT    read every input as FMT: text, markdown, "
        "html, jsonl,\n"
        "                      pdf, odt, docx, epub, mail (default auto: by "
        "the\n"
        "                      extension, .md .markdown markdown, .html .htm "
        ".xhtml\n"
        "                      html, .jsonl .ndjson jsonl, .pdf .odt .docx "
        ".epub, .mbox\n"
        "                      .eml mail; without a known one by the content, "
        "else text)\n"
        "      --include GLOB  index only files matching GLOB (repeatable)\n"
        "      --exclude GLOB  skip files and directories matching GLOB "
        "(repeatable);\n"
        "                      GLOBs match the path below the PATH given, "
        "or the name\n"
        "      --no-delete     keep the passages of files that are gone\n"
        "      --stdin-name NAME  the source name of the passages read from "
        "-\n"
        "                      (default stdin); its extension picks the "
        "format\n"
        "      --wait          wait for another indexer to finish instead "
        "of failing\n"
        "      --commit-every N  commit after N passages (default %d; one "
        "thread only)\n"
        "      --jobs N        index on N threads (default 1; 0 or auto: "
        "one per core),\n"
        "                      merging the new passages into the index once, "
        "at the end\n"
        "      --compact       rewrite the index compactly at the end "
        "(PATH may then\n"
        "                      be left out); done without it when one "
        "thread wrote\n"
        "                      %d passages or more, half the index or "
        "more\n"
        "      --synonyms FILE  store the synonym groups of FILE in the "
        "index, in place\n"
        "                      of those stored before (PATH may then be "
        "left out)\n"
        "      --check         check every table of the index with Xapian's "
        "own check\n"
        "                      and say whether it is sound (no PATH)\n"
        "      --watch         after indexing, keep the index current: "
        "apply the files\n"
        "                      created, changed, moved and deleted under "
        "each PATH\n"
        "                      within seconds, until SIGINT or SIGTERM "
        "(exit 0)\n"
        "      --json          print the summary as one JSON object on "
        "standard output\n"
        "  -q, --quiet         no progress line and no summary on standard "
        "error\n"
        "  -v, --verbose       name each block of text not made a passage, "
        "and why,\n"
        "                      on standard error\n"
        "  -h, --help          show this help and exit\n"
        "  -V, --version       show the version and exit\n"
        "\n"
        "Hidden files and directories are skipped, symbolic links are not "
        "followed,\n"
        "and binary files, FIFOs and devices are skipped with a warning.\n"
        "\n"
        "Exit status: 0 on success (also when some files were skipped with "
        "a\n"
        "warning), 2 on error (the index could not be written or is locked, "
        "or a PATH\n"
        "given could not be read), 130 or 143 when interrupted by SIGINT or "
        "SIGTERM\n"
        "(what was indexed until then is kept; 0 with --watch).\n",
        progname, IX_COMMIT_EVERY, IX_COMPACT_MIN_PASSAGES);
}

static int list_languages(void)
{
    for (const char *const *l = qy_languages(); *l; l++)
        printf("%s\n", *l);
    printf("auto\n"); /* several: each document's own */
    return EXIT_OK;
}

/* --jobs: 0 or "auto" is one thread per online core. */
static int parse_jobs(const char *s, unsigned *out)
{
    if (strcmp(s, "auto") == 0 || strcmp(s, "0") == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        *out = n < 1                  ? 1
               : n > QY_BULK_MAX_JOBS ? QY_BULK_MAX_JOBS
                                      : (unsigned)n;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v > QY_BULK_MAX_JOBS) {
        fprintf(stderr,
                "%s: --jobs expects a number of threads from 0 to %d, or "
                "auto, not '%s'\n",
                progname, QY_BULK_MAX_JOBS, s);
        return -1;
    }
    *out = (unsigned)v;
    return v == 0 ? parse_jobs("auto", out) : 0;
}

static int parse_count(const char *opt, const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v == 0 || v > 100000000 || s[0] == '-') {
        fprintf(stderr,
                "%s: %s expects a whole number from 1 to 100000000, not "
                "'%s'\n",
                progname, opt, s);
        return -1;
    }
    *out = v;
    return 0;
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
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            char *more =
                cap <= MAX_SYNONYMS_BYTES + 1 ? realloc(text, cap) : NULL;
            if (!more) {
                fprintf(stderr, "%s: --synonyms '%s': %s\n", progname, name,
                        cap > MAX_SYNONYMS_BYTES + 1 ? "larger than 64 MiB"
                                                     : "out of memory");
                free(text);
                text = NULL;
                break;
            }
            text = more;
        }
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

int main(int argc, char **argv)
{
    enum {
        OPT_LANG = 256,
        OPT_LIST,
        OPT_FORMAT,
        OPT_INCLUDE,
        OPT_EXCLUDE,
        OPT_NO_DELETE,
        OPT_STDIN_NAME,
        OPT_WAIT,
        OPT_COMMIT_EVERY,
        OPT_JOBS,
        OPT_JSON,
        OPT_SYNONYMS,
        OPT_COMPACT,
        OPT_CHECK,
        OPT_WATCH
    };
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, OPT_LANG},
        {"list-languages", no_argument, NULL, OPT_LIST},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"no-delete", no_argument, NULL, OPT_NO_DELETE},
        {"stdin-name", required_argument, NULL, OPT_STDIN_NAME},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"commit-every", required_argument, NULL, OPT_COMMIT_EVERY},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"json", no_argument, NULL, OPT_JSON},
        {"synonyms", required_argument, NULL, OPT_SYNONYMS},
        {"compact", no_argument, NULL, OPT_COMPACT},
        {"check", no_argument, NULL, OPT_CHECK},
        {"watch", no_argument, NULL, OPT_WATCH},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *index_arg = NULL, *lang = NULL, *synonyms_arg = NULL;
    char *synonyms = NULL;
    size_t synonyms_len = 0;
    int quiet = 0, json = 0, wait_lock = 0, compact = 0, check = 0, watch = 0;
    indexer_t ix;
    memset(&ix, 0, sizeof ix);
    ix.format = QY_FORMAT_AUTO;
    ix.stdin_name = "stdin";
    ix.commit_every = IX_COMMIT_EVERY;
    ix.jobs = 1;
    ix.delete_missing = 1;
    ix_filters_t filters = {0};
    /* Each glob is an argument: argc bounds how many there can be. */
    filters.include = calloc((size_t)argc, sizeof *filters.include);
    filters.exclude = calloc((size_t)argc, sizeof *filters.exclude);
    if (!filters.include || !filters.exclude) {
        fprintf(stderr, "%s: out of memory\n", progname);
        free(filters.include);
        free(filters.exclude);
        return EXIT_ERROR;
    }
    int status = EXIT_ERROR;
    int c;
    opterr = 0; /* our own one-line messages name the program */
    while ((c = getopt_long(argc, argv, ":d:qvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            index_arg = optarg;
            break;
        case OPT_LANG:
            lang = optarg;
            break;
        case OPT_LIST:
            status = list_languages();
            goto out_args;
        case OPT_FORMAT:
            if (qy_format_from_name(optarg, &ix.format) != 0) {
                fprintf(stderr,
                        "%s: unknown format '%s' (expected auto, text, "
                        "markdown, html, jsonl, pdf, odt, docx or epub)\n",
                        progname, optarg);
                goto out_args;
            }
            break;
        case OPT_INCLUDE:
            filters.include[filters.ninclude++] = optarg;
            break;
        case OPT_EXCLUDE:
            filters.exclude[filters.nexclude++] = optarg;
            break;
        case OPT_NO_DELETE:
            ix.delete_missing = 0;
            break;
        case OPT_STDIN_NAME:
            if (!*optarg) {
                fprintf(stderr, "%s: --stdin-name needs a non-empty name\n",
                        progname);
                goto out_args;
            }
            ix.stdin_name = optarg;
            break;
        case OPT_WAIT:
            wait_lock = 1;
            break;
        case OPT_COMMIT_EVERY:
            if (parse_count("--commit-every", optarg, &ix.commit_every))
                goto out_args;
            break;
        case OPT_JOBS:
            if (parse_jobs(optarg, &ix.jobs))
                goto out_args;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_SYNONYMS:
            synonyms_arg = optarg;
            break;
        case OPT_COMPACT:
            compact = 1;
            break;
        case OPT_CHECK:
            check = 1;
            break;
        case OPT_WATCH:
            watch = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'v':
            ix.verbose = 1;
            break;
        case 'h':
            print_help();
            status = EXIT_OK;
            goto out_args;
        case 'V':
            printf("indexer (quarry) %s\n", QUARRY_VERSION);
            status = EXIT_OK;
            goto out_args;
        case ':':
        default:
            /* Long options without a letter are named as typed. */
            qy_cli_bad_option(progname, c == ':',
                              optopt > 0 && optopt < OPT_LANG ? optopt : 0,
                              argv[optind - 1]);
            goto out_args;
        }
    }
    if (check) {
        status = check_index(index_arg, optind < argc ? argv[optind] : NULL);
        goto out_args;
    }
    if (optind >= argc && !synonyms_arg && !compact) {
        fprintf(stderr, "%s: no PATH to index\n", progname);
        usage_hint();
        goto out_args;
    }
    int stdin_args = 0;
    for (int i = optind; i < argc; i++)
        stdin_args += strcmp(argv[i], "-") == 0;
    if (watch && argc - optind - stdin_args < 1) {
        fprintf(stderr, "%s: --watch needs a file or folder to watch\n",
                progname);
        usage_hint();
        goto out_args;
    }
    if (synonyms_arg && strcmp(synonyms_arg, "-") == 0)
        stdin_args++;
    if (stdin_args > 1) {
        fprintf(stderr, "%s: '-' (standard input) given more than once\n",
                progname);
        goto out_args;
    }

    if (synonyms_arg &&
        !(synonyms = read_synonyms(synonyms_arg, &synonyms_len)))
        goto out_args;

    qy_analyzer_t *a = NULL;
    if (lang && qy_analyzer_new(lang, &a) != QY_OK) {
        fprintf(stderr, "%s: unknown language '%s' (see --list-languages)\n",
                progname, lang);
        goto out_args;
    }
    char *path = qy_index_path(index_arg);
    if (!path) {
        fprintf(stderr,
                "%s: no index given (-d DIR), and no HOME to put one in\n",
                progname);
        qy_analyzer_free(a);
        goto out_args;
    }
    ix.index_path = path;
    qy_guard_faults(progname, path);
    if (qy_make_parents(path) != 0) {
        fprintf(stderr, "%s: cannot create the directories for '%s': %s\n",
                progname, path, strerror(errno));
        free(path);
        qy_analyzer_free(a);
        goto out_args;
    }
    char *error = NULL, *lang_in_force = NULL;
    ix_progress_init(&ix.progress, !quiet && isatty(STDERR_FILENO));
    qy_status_t st =
        qy_db_open_write(path, wait_lock ? QY_DB_WAIT_LOCK : 0, &ix.db, &error);
    if (st == QY_OK)
        st = qy_schema_prepare(ix.db, a ? qy_analyzer_language(a) : NULL,
                               &lang_in_force, &error);
    if (st == QY_OK && !a)
        st = qy_analyzer_new(lang_in_force, &a);
    if (st == QY_OK)
        st = qy_ingest_new(ix.db, a, &ix.ing);
    /* The synonyms are committed on their own, before any document. */
    unsigned groups = 0;
    if (st == QY_OK && synonyms) {
        st = qy_synonyms_store(ix.db, a, synonyms_arg, synonyms, synonyms_len,
                               &groups, &error);
        if (st == QY_OK && (st = commit_watched(ix.db)) != QY_OK) {
            const char *why = qy_db_error(ix.db);
            size_t need = strlen(why) + 32;
            if ((error = malloc(need)))
                snprintf(error, need, "cannot commit the index: %s", why);
        }
        if (st == QY_OK && !quiet && !json)
            fprintf(stderr, "%s: %u synonym group%s stored\n", progname, groups,
                    groups == 1 ? "" : "s");
    }
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s%s\n", progname,
                error ? error : qy_status_to_string(st),
                st == QY_LOCKED ? " (--wait waits for it)" : "");
        free(error);
        free(lang_in_force);
        qy_ingest_free(ix.ing);
        qy_db_close(ix.db);
        qy_analyzer_free(a);
        free(path);
        goto out_args;
    }
    /* The shards of a bulk load that was killed, whatever --jobs is now. */
    qy_bulk_remove_leftovers(ix.db);
    struct stat ist;
    if (stat(path, &ist) == 0) {
        ix.index_dev = ist.st_dev;
        ix.index_ino = ist.st_ino;
    }
    /* Only now: until the index is open, an interrupt has nothing to
     * save, and a --wait for the lock should simply end. */
    ix_catch_signals();

    ix_watch_t *watcher =
        watch ? ix_watch_new(&ix, argv + optind, argc - optind, &filters)
              : NULL;
    for (int i = optind; i < argc && !ix.failed && !ix_interrupted; i++)
        ix_index_arg(&ix, argv[i], &filters);
    if (!ix.failed)
        ix_commit(&ix);
    if (ix.bulk) {
        /* Also when interrupted: what was indexed is kept, as it is by the
         * commits of one thread. After a failure the index stays as it was
         * before the load. */
        qy_bulk_t *bulk = ix.bulk;
        ix.bulk = NULL;
        unsigned long written = 0;
        /* Interrupted: what the workers have not begun is left for the
         * next run, so that the run stops at once. */
        if (!ix.failed && ix_interrupted)
            qy_bulk_stop(bulk, ix_bulk_dropped, &ix);
        if (ix.failed) {
            qy_bulk_free(bulk);
        } else {
            ix_progress_note(&ix.progress, "merging the index");
            qy_bulk_wait(bulk);
            ix.stats.dropped += qy_bulk_dropped(bulk);
            st = qy_bulk_finish(bulk, &ix.db, &written, &error);
            if (st != QY_OK) {
                ix_fatal(&ix, path, "cannot build the index",
                         error ? error : qy_status_to_string(st));
                free(error);
                error = NULL;
            }
        }
        ix.stats.passages = ix.failed ? 0 : written;
    }
    /* A new index's settings, when no transaction wrote anything. */
    if (!ix.failed && ix.db && (st = commit_watched(ix.db)) != QY_OK) {
        ix_fatal(&ix, path, "cannot commit the index", qy_db_error(ix.db));
        ix.db_broken = st != QY_NOMEM;
    }
    if (ix.db_broken) {
        /* Ends here: the summary would read through the failed writer. The
         * process's exit releases the lock; the index is as last
         * committed. */
        ix_progress_clear(&ix.progress);
        fflush(stdout);
        _exit(EXIT_ERROR);
    }
    if (ix.failed && ix.in_transaction)
        qy_db_cancel_transaction(ix.db); /* keep the last committed state */
    ix.in_transaction = 0;
    /* After a bulk load that merged, ix.db is closed: already compact. */
    if (!ix.db && !ix.failed) /* merged: compact, whatever was pending */
        clear_compaction_mark(path);
    int pending = ix.db && compaction_pending(ix.db);
    if (!ix.failed && !ix_interrupted && ix.db &&
        (compact || compact_pays(&ix) || pending)) {
        ix_progress_note(&ix.progress, "compacting the index");
        /* Marked first: a run killed while compacting leaves the mark, and
         * the next one compacts. */
        st = pending
                 ? QY_OK
                 : qy_db_set_metadata(ix.db, QY_META_COMPACT_PENDING, "1", 1);
        if (st == QY_OK)
            st = commit_watched(ix.db);
        if (st == QY_OK)
            st = qy_bulk_compact(&ix.db, &error);
        if (st == QY_OK)
            clear_compaction_mark(path);
        if (st != QY_OK) {
            /* The index stays as committed: only what was asked fails. */
            const char *why = error ? error : qy_status_to_string(st);
            if (compact) {
                ix_fatal(&ix, path, "cannot compact the index", why);
            } else {
                char msg[1024];
                snprintf(msg, sizeof msg, "not compacted: %s", why);
                ix_warn(&ix, path, msg);
            }
            free(error);
            error = NULL;
        }
    }

    if (watcher && !ix.failed && !ix_interrupted && !ix.arg_errors &&
        reopen_for_watch(&ix, a, wait_lock) == QY_OK)
        ix_watch_run(watcher);
    ix_watch_free(watcher);

    unsigned total = 0;
    if (ix.db) {
        qy_db_doc_count(ix.db, &total);
    } else { /* closed by the bulk load: the index it installed */
        qy_db_t *rd = NULL;
        const char *paths[] = {path};
        if (qy_db_open_read(paths, 1, &rd, &error) == QY_OK)
            qy_db_doc_count(rd, &total);
        qy_db_close(rd);
        free(error);
        error = NULL;
    }
    double secs = ix_progress_elapsed(&ix.progress);
    ix_progress_clear(&ix.progress);
    /* A signal is how --watch is meant to end. */
    status = ix.failed                 ? EXIT_ERROR
             : ix_interrupted && watch ? EXIT_OK
             : ix_interrupted          ? 128 + (int)ix_interrupted
             : ix.arg_errors           ? EXIT_ERROR
                                       : EXIT_OK;
    int stopped = ix_interrupted && !watch;
    if (json) {
        if (ix_summary_json(stdout, &ix.stats, path, total, secs, stopped,
                            status) != 0) {
            fprintf(stderr, "%s: out of memory\n", progname);
            status = EXIT_ERROR;
        }
    } else if (!quiet) {
        ix_summary_text(stderr, progname, &ix.stats, path, total, secs,
                        stopped);
    }
    if (fflush(stdout) != 0 && errno != EPIPE) {
        fprintf(stderr, "%s: cannot write output: %s\n", progname,
                strerror(errno));
        status = EXIT_ERROR;
    }
    qy_ingest_free(ix.ing);
    qy_db_close(ix.db);
    qy_analyzer_free(a);
    ix_seen_free(&ix.seen);
    free(ix.dropped_last);
    free(lang_in_force);
    free(error);
    free(path);
out_args:
    free(synonyms);
    free(filters.include);
    free(filters.exclude);
    return status;
}
