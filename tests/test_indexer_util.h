/* What the indexer tests share: building trees of files, running the
 * programs in the foreground or the background, and reading the index
 * through the library. Include after "cmocka_noreturn.h". */
#ifndef QUARRY_TESTS_INDEXER_UTIL_H
#define QUARRY_TESTS_INDEXER_UTIL_H

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry/schema.h"
#include "quarry/xdb.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
/* Options that make `query` report exactly the passages holding the words
 * asked for: no spelling suggestion searched instead, no words added from
 * the best hits, near-identical passages as hits of their own. */
#define QUERY_EXACT "--no-spelling", "--feedback", "0", "--duplicates"

/* cli_tmp with symbolic links resolved: the prefix of every source name. */
static char real_tmp[PATH_MAX];

static inline int ix_setup(void **state)
{
    if (cli_setup(state) != 0 || !realpath(cli_tmp, real_tmp))
        return -1;
    return 0;
}

/* A path below the temporary directory, malloc'd. */
static inline char *tmp_file(const char *fmt, ...)
{
    char rel[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    size_t n = strlen(cli_tmp) + strlen(rel) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", cli_tmp, rel);
    return p;
}

/* The source name the indexer gives the file REL below the temporary
 * directory; static buffer, one at a time. */
static inline const char *source_of(const char *rel)
{
    static char buf[PATH_MAX + 2048];
    snprintf(buf, sizeof buf, "%s/%s", real_tmp, rel);
    return buf;
}

/* Creates PATH's missing parent directories. */
static inline void make_parents(const char *path)
{
    char *copy = strdup(path);
    assert_non_null(copy);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", copy, strerror(errno));
        *p = '/';
    }
    free(copy);
}

/* Writes LEN bytes to REL below the temporary directory. */
static inline void put_bytes(const char *rel, const void *data, size_t len)
{
    char *path = tmp_file("%s", rel);
    make_parents(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static inline void put_file(const char *rel, const char *content)
{
    put_bytes(rel, content, strlen(content));
}

/* An article that the splitter keeps whole: a headline (the title), then
 * two passages of plain words, the first holding MARKER. */
static inline void put_article(const char *rel, const char *marker)
{
    char text[1024];
    snprintf(text, sizeof text,
             "The headline of a small test article\n\n"
             "This passage holds the word %s among several others.\n\n"
             "A second passage follows here with enough words in it.\n",
             marker);
    put_file(rel, text);
}

static inline void remove_file(const char *rel)
{
    char *path = tmp_file("%s", rel);
    if (unlink(path) != 0)
        fail_msg("unlink %s: %s", path, strerror(errno));
    free(path);
}

/* Sets REL's modification time to SEC seconds after the epoch. */
static inline void set_mtime(const char *rel, time_t sec)
{
    char *path = tmp_file("%s", rel);
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    if (utimensat(AT_FDCWD, path, ts, 0) != 0)
        fail_msg("utimensat %s: %s", path, strerror(errno));
    free(path);
}

static inline qy_db_t *open_index(const char *index)
{
    qy_db_t *db = NULL;
    char *error = NULL;
    const char *paths[] = {index};
    if (qy_db_open_read(paths, 1, &db, &error) != QY_OK)
        fail_msg("cannot open %s: %s", index, error ? error : "?");
    return db;
}

static inline unsigned index_doc_count(const char *index)
{
    qy_db_t *db = open_index(index);
    unsigned n = 0;
    assert_int_equal(qy_db_doc_count(db, &n), QY_OK);
    qy_db_close(db);
    return n;
}

static inline unsigned long long index_revision(const char *index)
{
    qy_db_t *db = open_index(index);
    unsigned long long rev = 0;
    assert_int_equal(qy_db_revision(db, &rev), QY_OK);
    qy_db_close(db);
    return rev;
}

/* The document ids of the passages of SOURCE, ascending, in IDS (at most
 * MAX); returns how many. */
static inline size_t source_docids(const char *index, const char *source,
                                   unsigned *ids, size_t max)
{
    qy_db_t *db = open_index(index);
    char term[QY_MAX_TERM_BYTES + 1];
    size_t n = qy_boolean_term(QY_PREFIX_SOURCE, source, term);
    qy_query_t *q = qy_query_term(term, n, 1, 0);
    assert_non_null(q);
    qy_search_params_t params = {.k1 = 1.2, .b = 0.75, .limit = 100000};
    qy_mset_t *mset = NULL;
    assert_int_equal(qy_db_search(db, q, &params, &mset), QY_OK);
    size_t count = qy_mset_size(mset);
    for (size_t i = 0; i < count && i < max; i++) {
        qy_hit_t hit;
        qy_mset_hit(mset, i, &hit);
        ids[i] = hit.docid;
    }
    size_t kept = count < max ? count : max;
    for (size_t i = 1; i < kept; i++) /* insertion sort: few ids */
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            unsigned t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    qy_mset_free(mset);
    qy_query_free(q);
    qy_db_close(db);
    return count;
}

static inline unsigned source_passages(const char *index, const char *source)
{
    qy_db_t *db = open_index(index);
    char term[QY_MAX_TERM_BYTES + 1];
    size_t n = qy_boolean_term(QY_PREFIX_SOURCE, source, term);
    unsigned freq = 0;
    assert_int_equal(qy_db_term_freq(db, term, n, &freq), QY_OK);
    qy_db_close(db);
    return freq;
}

/* Runs the indexer with ARGS (NULL-terminated) and --json; checks the exit
 * status and returns the parsed summary (the caller deletes it). */
static inline cJSON *index_json(int expect_status, const char *index, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = INDEXER;
    argv[n++] = "--json";
    argv[n++] = "-d";
    argv[n++] = (char *)index;
    va_list ap;
    va_start(ap, index);
    append_args(argv, n, 64, ap);
    va_end(ap);
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != expect_status)
        fail_msg("indexer exited %d (expected %d): %s", r.status, expect_status,
                 r.err);
    cJSON *j = cJSON_Parse(r.out);
    if (!j)
        fail_msg("not JSON: '%s' (stderr: %s)", r.out, r.err);
    run_free(&r);
    return j;
}

static inline double json_num(const cJSON *o, const char *path)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", path);
    const cJSON *cur = o;
    for (char *k = strtok(copy, "."); k; k = strtok(NULL, ".")) {
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
        if (!cur)
            fail_msg("no field %s", path);
    }
    if (!cJSON_IsNumber(cur))
        fail_msg("field %s is not a number", path);
    return cur->valuedouble;
}

/* Checks the file counts of a --json summary. */
static inline void expect_files(const cJSON *j, int added, int updated,
                                int removed, int unchanged, int skipped)
{
    int got[5] = {
        (int)json_num(j, "files.added"), (int)json_num(j, "files.updated"),
        (int)json_num(j, "files.removed"), (int)json_num(j, "files.unchanged"),
        (int)json_num(j, "files.skipped")};
    int want[5] = {added, updated, removed, unchanged, skipped};
    if (memcmp(got, want, sizeof got) != 0)
        fail_msg("files: added %d updated %d removed %d unchanged %d "
                 "skipped %d; expected %d %d %d %d %d",
                 got[0], got[1], got[2], got[3], got[4], want[0], want[1],
                 want[2], want[3], want[4]);
}

/* Starts ARGV in the background with standard input from IN_PATH (NULL:
 * /dev/null), standard output and error into OUT_PATH and ERR_PATH (NULL:
 * /dev/null). When AS_UID is not (uid_t)-1, the child first drops root to
 * that user (and group AS_GID). */
static inline pid_t spawn(char *const argv[], const char *in_path,
                          const char *out_path, const char *err_path,
                          uid_t as_uid, gid_t as_gid)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int out = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666)
                           : open("/dev/null", O_WRONLY);
        int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666)
                           : open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (as_uid != (uid_t)-1 && (setgroups(0, NULL) != 0 ||
                                    setgid(as_gid) != 0 || setuid(as_uid) != 0))
            _exit(125);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Waits for PID: its exit status, or 128 + the signal that ended it. */
static inline int wait_for(pid_t pid)
{
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Monotonic seconds, for the time limits of poll loops. */
static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pause between two polls of a bounded poll loop. */
static inline void poll_pause(void)
{
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* The document count of INDEX, or -1 while it cannot be opened (not yet
 * created). */
static inline long try_doc_count(const char *index)
{
    qy_db_t *db = NULL;
    char *error = NULL;
    const char *paths[] = {index};
    if (qy_db_open_read(paths, 1, &db, &error) != QY_OK) {
        free(error);
        return -1;
    }
    unsigned n = 0;
    qy_status_t st = qy_db_doc_count(db, &n);
    qy_db_close(db);
    return st == QY_OK ? (long)n : -1;
}

/* Reads the whole file PATH (NUL-terminated, malloc'd). */
static inline char *read_text(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return calloc(1, 1);
    char *s = slurp_fd(fd);
    close(fd);
    return s;
}

/* Runs `query --json -d INDEX -n 100 WORDS` and returns the parsed answer
 * (NULL-terminated arguments after INDEX). */
static inline cJSON *query_json(int expect_status, const char *index, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = QUERY;
    argv[n++] = "--no-spelling";
    argv[n++] = "--feedback";
    argv[n++] = "0";
    argv[n++] = "--duplicates";
    argv[n++] = "--json";
    argv[n++] = "-n";
    argv[n++] = "100";
    argv[n++] = "-d";
    argv[n++] = (char *)index;
    va_list ap;
    va_start(ap, index);
    append_args(argv, n, 32, ap);
    va_end(ap);
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != expect_status)
        fail_msg("query exited %d (expected %d): %s", r.status, expect_status,
                 r.err);
    cJSON *j = cJSON_Parse(r.out);
    if (!j)
        fail_msg("query output is not JSON: '%s'", r.out);
    run_free(&r);
    return j;
}

/* The hits of a query --json answer. */
static inline const cJSON *hits_of(const cJSON *answer)
{
    const cJSON *hits = cJSON_GetObjectItemCaseSensitive(answer, "hits");
    assert_true(cJSON_IsArray(hits));
    return hits;
}

static inline const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

/* An ordinary user to run the indexer as when the tests run as root, for
 * whom permissions do not make a file unreadable. */
static uid_t run_uid = (uid_t)-1;
static gid_t run_gid = (gid_t)-1;

/* Chowns everything below the temporary directory to the run user. */
static inline int chown_tree(const char *path)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "chown -R -h %u:%u '%s'", (unsigned)run_uid,
             (unsigned)run_gid, path);
    return system(cmd) == 0 ? 0 : -1;
}

/* Picks the user "nobody" when running as root and that user can reach
 * the temporary directory. */
static inline void choose_run_user(void)
{
    if (geteuid() != 0)
        return;
    struct passwd *pw = getpwnam("nobody");
    if (!pw)
        return;
    run_uid = pw->pw_uid;
    run_gid = pw->pw_gid;
    if (chown_tree(cli_tmp) != 0) {
        run_uid = (uid_t)-1;
        return;
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(run_gid) != 0 ||
            setuid(run_uid) != 0)
            _exit(1);
        _exit(access(cli_tmp, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
    }
    if (wait_for(pid) != 0)
        run_uid = (uid_t)-1;
}

/* Runs the indexer (as the run user when there is one) with ARGV[1..]. */
static inline run_result_t run_indexer(char **argv)
{
    char *out = tmp_file(".out"), *err = tmp_file(".err");
    argv[0] = INDEXER;
    pid_t pid = spawn(argv, NULL, out, err, run_uid, run_gid);
    run_result_t r;
    r.status = wait_for(pid);
    r.out = read_text(out);
    r.err = read_text(err);
    unlink(out);
    unlink(err);
    free(out);
    free(err);
    return r;
}

/* How long run_bounded lets a program run before the test fails it. */
#ifndef RUN_LIMIT
#define RUN_LIMIT 10.0
#endif

typedef struct outcome {
    int status;
    char *err; /* standard error */
} outcome_t;

/* Whether PID has a signal waiting to be taken (/proc/PID/status). */
static inline int signal_pending(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    int pending = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "SigPnd:", 7) == 0 ||
            strncmp(line, "ShdPnd:", 7) == 0)
            pending |= strtoull(line + 7, NULL, 16) != 0;
    if (f)
        fclose(f);
    return pending;
}

/* Runs ARGV with a bound of RUN_LIMIT; with SIGNALS, sends SIGTERM that
 * many times once the program spins (used a quarter second of CPU). */
static inline outcome_t run_bounded(char *const argv[], int signals)
{
    char *err = tmp_file(".err");
    pid_t pid = spawn(argv, NULL, NULL, err, (uid_t)-1, (gid_t)-1);
    double deadline = now_seconds() + RUN_LIMIT;
    int ws = 0, sent = 0;
    for (;;) {
        if (waitpid(pid, &ws, WNOHANG) == pid)
            break;
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            wait_for(pid);
            fail_msg("%s %s did not end within %.0f s", argv[0], argv[1],
                     RUN_LIMIT);
        }
        if (sent < signals) {
            char stat_path[64], buf[1024];
            snprintf(stat_path, sizeof stat_path, "/proc/%ld/stat", (long)pid);
            FILE *f = fopen(stat_path, "r");
            unsigned long utime = 0;
            if (f && fgets(buf, sizeof buf, f)) {
                const char *p = strrchr(buf, ')');
                /* state ppid pgrp session tty tpgid flags minflt cminflt
                 * majflt cmajflt utime */
                /* A field that does not parse leaves 0: no time. */
                if (p)
                    // NOLINTNEXTLINE(cert-err34-c)
                    sscanf(p + 2,
                           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                           "%*u %lu",
                           &utime);
            }
            if (f)
                fclose(f);
            /* Signals of one kind do not queue: the next is sent once the
             * previous one was taken. */
            if (utime * 4 >= (unsigned long)sysconf(_SC_CLK_TCK) &&
                !signal_pending(pid)) {
                kill(pid, SIGTERM);
                sent++;
            }
        }
        poll_pause();
    }
    outcome_t o = {WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws),
                   read_text(err)};
    free(err);
    return o;
}

static inline int stderr_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Every test file uses a different part of cli.h. */
static inline void ix_util_uses_cli(void)
{
    (void)run;
    (void)write_file;
    (void)tmp_path;
}

#endif
