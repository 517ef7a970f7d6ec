/* indexer: splits articles into passages and stores them in the index. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarry/ingest.h"
#include "quarry/passage.h"
#include "quarry/cli.h"
#include "quarry/paths.h"
#include "quarry/schema.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

/* Passages written between commits: bounds the work a crash can lose and
 * the writer's memory, without paying for a commit per file. */
#define COMMIT_EVERY 20000
/* A file with a NUL byte in its first block is taken as binary. */
#define BINARY_PROBE 8192

typedef struct indexer {
    qy_db_t *db;
    qy_ingest_t *ing;
    int quiet;
    unsigned files, skipped, passages, uncommitted;
    int failed; /* a fatal error: stop and exit 2 */
    int arg_errors; /* a named path could not be indexed: exit 2 at the end */
} indexer_t;

static const char *progname = "indexer";

static void usage_hint(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void print_help(void)
{
    printf("Usage: %s [OPTION]... PATH...\n"
           "Split the articles in each PATH (files, or directories searched "
           "recursively)\n"
           "into passages and store them in the index. Indexing a file "
           "again replaces\n"
           "its passages.\n"
           "\n"
           "  -d, --index DIR   the index (default: $QUARRY_INDEX, else\n"
           "                    $XDG_DATA_HOME/quarry/index, else\n"
           "                    ~/.local/share/quarry/index)\n"
           "      --lang LANG   stemming language of a new index (default "
           "english;\n"
           "                    see --list-languages)\n"
           "      --list-languages  print the accepted languages and exit\n"
           "  -q, --quiet       no summary on standard error\n"
           "  -h, --help        show this help and exit\n"
           "  -V, --version     show the version and exit\n"
           "\n"
           "Exit status: 0 on success, 2 on error (the index could not be "
           "written,\n"
           "or a PATH given could not be read).\n",
           progname);
}

static void warn_file(const char *path, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", progname, path, why);
}

static int read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISREG(st.st_mode) ? errno : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *data = malloc(cap);
    if (!data) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while being read */
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            data = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(data);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 0;
}

static qy_status_t commit(indexer_t *ix)
{
    qy_status_t st = qy_db_commit(ix->db);
    if (st != QY_OK)
        fprintf(stderr, "%s: cannot commit the index: %s\n", progname,
                qy_db_error(ix->db));
    ix->uncommitted = 0;
    return st;
}

/* Indexes one regular file. NAMED: the user gave this path, so failing to
 * read it is an error, not a warning. */
static void index_file(indexer_t *ix, const char *path, int named)
{
    char real[PATH_MAX];
    char *buf;
    size_t len;
    if (!realpath(path, real) || read_file(real, &buf, &len) != 0) {
        warn_file(path, strerror(errno));
        ix->skipped++;
        ix->arg_errors |= named;
        return;
    }
    if (memchr(buf, '\0', len < BINARY_PROBE ? len : BINARY_PROBE)) {
        warn_file(path, "binary file, skipped");
        free(buf);
        ix->skipped++;
        return;
    }
    qy_article_t art;
    qy_status_t st = qy_split_plain(buf, len, &art);
    free(buf);
    if (st == QY_OK)
        st = qy_ingest_article(ix->ing, real, &art);
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s: cannot index: %s\n", progname, path,
                *qy_db_error(ix->db) ? qy_db_error(ix->db)
                                      : qy_status_to_string(st));
        ix->failed = 1;
    } else {
        ix->files++;
        ix->passages += (unsigned)art.count;
        ix->uncommitted += (unsigned)art.count;
    }
    qy_article_free(&art);
    if (!ix->failed && ix->uncommitted >= COMMIT_EVERY && commit(ix) != QY_OK)
        ix->failed = 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks DIR in name order. Hidden entries are skipped, and symbolic links
 * are not followed, so a walk cannot leave the tree or loop. */
static void index_dir(indexer_t *ix, const char *dir, int depth)
{
    if (depth > 256) {
        warn_file(dir, "directories nested too deeply, skipped");
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        warn_file(dir, strerror(errno));
        ix->skipped++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (!more)
                break;
            names = more;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(need);
        struct stat st;
        if (path && !ix->failed) {
            snprintf(path, need, "%s/%s", dir, names[i]);
            if (lstat(path, &st) != 0)
                warn_file(path, strerror(errno));
            else if (S_ISDIR(st.st_mode))
                index_dir(ix, path, depth + 1);
            else if (S_ISREG(st.st_mode))
                index_file(ix, path, 0);
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

static void index_path(indexer_t *ix, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        warn_file(path, strerror(errno));
        ix->arg_errors = 1;
    } else if (S_ISDIR(st.st_mode)) {
        char *trimmed = strdup(path);
        size_t n = trimmed ? strlen(trimmed) : 0;
        while (n > 1 && trimmed[n - 1] == '/')
            trimmed[--n] = '\0';
        if (trimmed)
            index_dir(ix, trimmed, 0);
        free(trimmed);
    } else if (S_ISREG(st.st_mode)) {
        index_file(ix, path, 1);
    } else {
        warn_file(path, "not a regular file or directory");
        ix->arg_errors = 1;
    }
}

static int list_languages(void)
{
    for (const char *const *l = qy_languages(); *l; l++)
        printf("%s\n", *l);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'L'},
        {"list-languages", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *index_arg = NULL, *lang = NULL;
    indexer_t ix = {0};
    int c;
    opterr = 0; /* our own one-line messages name the program */
    while ((c = getopt_long(argc, argv, ":d:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            index_arg = optarg;
            break;
        case 'L':
            lang = optarg;
            break;
        case 'l':
            return list_languages();
        case 'q':
            ix.quiet = 1;
            break;
        case 'h':
            print_help();
            return 0;
        case 'V':
            printf("indexer (quarry) %s\n", QUARRY_VERSION);
            return 0;
        case ':':
        default:
            qy_cli_bad_option(progname, c == ':', optopt, argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no PATH to index\n", progname);
        usage_hint();
        return 2;
    }
    qy_analyzer_t *a = NULL;
    if (lang && qy_analyzer_new(lang, &a) != QY_OK) {
        fprintf(stderr,
                "%s: unknown language '%s' (see --list-languages)\n",
                progname, lang);
        return 2;
    }
    char *path = qy_index_path(index_arg);
    if (!path) {
        fprintf(stderr, "%s: no index given (-d DIR), and no HOME to put "
                        "one in\n", progname);
        qy_analyzer_free(a);
        return 2;
    }
    if (qy_make_parents(path) != 0) {
        fprintf(stderr, "%s: cannot create the directories for '%s': %s\n",
                progname, path, strerror(errno));
        free(path);
        qy_analyzer_free(a);
        return 2;
    }
    char *error = NULL, *lang_in_force = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    qy_status_t st = qy_db_open_write(path, 0, &ix.db, &error);
    if (st == QY_OK)
        st = qy_schema_prepare(ix.db, a ? qy_analyzer_language(a) : NULL,
                               &lang_in_force, &error);
    if (st == QY_OK && !a)
        st = qy_analyzer_new(lang_in_force, &a);
    if (st == QY_OK)
        st = qy_ingest_new(ix.db, a, &ix.ing);
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s\n", progname,
                error ? error : qy_status_to_string(st));
        free(error);
        free(lang_in_force);
        qy_db_close(ix.db);
        qy_analyzer_free(a);
        free(path);
        return 2;
    }
    for (int i = optind; i < argc && !ix.failed; i++)
        index_path(&ix, argv[i]);
    if (!ix.failed && commit(&ix) != QY_OK)
        ix.failed = 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!ix.quiet)
        fprintf(stderr,
                "%s: %u files, %u passages indexed into %s (%u skipped, "
                "%.2f s)\n",
                progname, ix.files, ix.passages, path, ix.skipped, secs);
    qy_ingest_free(ix.ing);
    qy_db_close(ix.db);
    qy_analyzer_free(a);
    free(lang_in_force);
    free(error);
    free(path);
    return ix.failed || ix.arg_errors ? 2 : 0;
}
