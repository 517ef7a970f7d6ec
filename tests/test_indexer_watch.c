/* indexer --watch: files created, changed, renamed, moved away and deleted,
 * and folders made, renamed and moved away, are seen by `query` within the
 * deadline; a file written in many writes is indexed once; an overflowed
 * inotify queue and the watch limit end in a rescan that converges to a
 * plain run; SIGKILL leaves an index the next run opens and completes;
 * queries during the watch exit 0 or 1. Every wait is a poll against a
 * deadline, and the indexer is killed whenever a test fails. */
#define _GNU_SOURCE /* unshare */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

/* How long a change may take to reach `query` (a checker running the
 * programs, QUARRY_TEST_WRAPPER, multiplies it). */
#define STEP_LIMIT 5.0
/* How long the first pass, a rescan of thousands of files or the end of
 * the run may take on a loaded machine. */
#define LONG_LIMIT 300.0
/* The rescan interval of a run that cannot watch every folder
 * (IX_WATCH_RESCAN_MS), and some. */
#define RESCAN_LIMIT 90.0

/* The indexer of the running test, killed by the teardown when a test
 * fails before stopping it. */
static pid_t watcher = -1;
static char *watch_err; /* its standard error */

static double scaled(double seconds)
{
    const char *w = getenv("QUARRY_TEST_WRAPPER");
    return w && *w ? seconds * 10 : seconds;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    return ix_setup(state);
}

static int teardown(void **state)
{
    if (watcher > 0) {
        kill(watcher, SIGKILL);
        waitpid(watcher, NULL, 0);
        watcher = -1;
    }
    free(watch_err);
    watch_err = NULL;
    return cli_teardown(state);
}

/* Starts `indexer -v -d INDEX --watch TREE` in the background, standard
 * error into watch_err. With WATCHES > 0 it runs in a user namespace of
 * its own whose inotify watch limit is WATCHES; it exits 125 when that
 * cannot be had. The child dies with the test program. */
static void start_watch(const char *index, const char *tree, int watches)
{
    free(watch_err);
    watch_err = tmp_file(".watch-err");
    char *argv[] = {INDEXER,   "-v",         "-d", (char *)index,
                    "--watch", (char *)tree, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(126);
        int in = open("/dev/null", O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        int err = open(watch_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (watches > 0) {
            /* inotify's limits belong to the user namespace: this one
             * lowers only its own. */
            char map[64];
            snprintf(map, sizeof map, "0 %u 1", (unsigned)geteuid());
            int fd;
            if (unshare(CLONE_NEWUSER) != 0)
                _exit(125);
            if ((fd = open("/proc/self/uid_map", O_WRONLY)) < 0 ||
                write(fd, map, strlen(map)) < 0)
                _exit(125);
            close(fd);
            snprintf(map, sizeof map, "%d", watches);
            if ((fd = open("/proc/sys/user/max_inotify_watches", O_WRONLY)) <
                    0 ||
                write(fd, map, strlen(map)) < 0)
                _exit(125);
            close(fd);
        }
        exec_wrapped(argv);
        _exit(127);
    }
    watcher = pid;
}

/* Fails the test, after killing the watcher, when it has ended. */
static void expect_running(void)
{
    int ws;
    if (waitpid(watcher, &ws, WNOHANG) == watcher) {
        watcher = -1;
        char *err = read_text(watch_err);
        int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (status == 125)
            skip();
        fail_msg("indexer --watch ended (status %d): %s", status, err);
    }
}

/* Polls the watcher's standard error until it holds TEXT. */
static void wait_for_message(const char *text, double limit)
{
    double deadline = now_seconds() + scaled(limit);
    for (;;) {
        char *err = read_text(watch_err);
        int found = strstr(err, text) != NULL;
        if (!found && now_seconds() > deadline)
            fail_msg("no '%s' from indexer --watch within %.0f s: %s", text,
                     scaled(limit), err);
        free(err);
        if (found)
            return;
        expect_running();
        pause_ms(20);
    }
}

/* Polls until the last --verbose note of the watcher is NOTE. */
static void wait_for_last_note(const char *note)
{
    double deadline = now_seconds() + scaled(STEP_LIMIT);
    for (;;) {
        char *err = read_text(watch_err);
        const char *last = NULL;
        for (const char *p = err; (p = strstr(p, "indexer: --watch: ")); p++)
            last = p;
        int same = last && strncmp(last, note, strlen(note)) == 0 &&
                   last[strlen(note)] == '\n';
        if (!same && now_seconds() > deadline)
            fail_msg("the last note of indexer --watch is not '%s': %s", note,
                     err);
        free(err);
        if (same)
            return;
        expect_running();
        pause_ms(20);
    }
}

/* Runs `query` for WORD; every run must exit 0 (found) or 1 (nothing).
 * Returns the number of hits, and in *IN how many lie in the file REL
 * below the temporary directory (when REL is not NULL). */
static int query_hits(const char *index, const char *word, const char *rel,
                      int *in)
{
    char *argv[] = {QUERY, QUERY_EXACT,   "--json",     "-n", "1000",
                    "-d",  (char *)index, (char *)word, NULL};
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0 && r.status != 1)
        fail_msg("query %s during --watch exited %d: %s", word, r.status,
                 r.err);
    int total = 0, mine = 0;
    cJSON *j = r.status == 0 ? cJSON_Parse(r.out) : NULL;
    if (r.status == 0 && !j)
        fail_msg("query output is not JSON: '%s'", r.out);
    const cJSON *hit;
    if (j)
        cJSON_ArrayForEach(hit, hits_of(j))
        {
            total++;
            const char *src = str_field(hit, "source");
            mine += rel && src && strcmp(src, source_of(rel)) == 0;
        }
    cJSON_Delete(j);
    run_free(&r);
    if (in)
        *in = mine;
    return total;
}

/* Polls until WORD has TOTAL hits, WITHIN of them in REL (when not NULL),
 * for at most the step deadline. */
static void wait_hits(const char *index, const char *word, int total,
                      const char *rel, int within)
{
    double deadline = now_seconds() + scaled(STEP_LIMIT);
    int got, in = 0;
    for (;;) {
        got = query_hits(index, word, rel, &in);
        if (got == total && (!rel || in == within))
            return;
        if (now_seconds() > deadline)
            break;
        expect_running();
        pause_ms(50);
    }
    fail_msg("'%s': %d hits (%d in %s) after %.0f s; expected %d (%d)", word,
             got, in, rel ? rel : "-", scaled(STEP_LIMIT), total, within);
}

/* Sends SIGTERM and expects a clean end, exit status 0. */
static void stop_watch(void)
{
    assert_int_equal(kill(watcher, SIGTERM), 0);
    double deadline = now_seconds() + scaled(LONG_LIMIT);
    int ws;
    while (waitpid(watcher, &ws, WNOHANG) != watcher) {
        if (now_seconds() > deadline)
            fail_msg("indexer --watch did not stop on SIGTERM");
        pause_ms(20);
    }
    watcher = -1;
    int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (status != 0) {
        char *err = read_text(watch_err);
        fail_msg("indexer --watch exited %d on SIGTERM: %s", status, err);
    }
}

/* A plain run over TREE finds INDEX current: nothing to add, update or
 * remove. */
static void expect_current(const char *index, const char *tree)
{
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    int added = (int)json_num(j, "files.added"),
        updated = (int)json_num(j, "files.updated"),
        removed = (int)json_num(j, "files.removed");
    cJSON_Delete(j);
    if (added || updated || removed)
        fail_msg("a plain run after --watch added %d, updated %d and "
                 "removed %d files",
                 added, updated, removed);
}

static void append_file(const char *rel, const char *text)
{
    char *path = tmp_file("%s", rel);
    FILE *f = fopen(path, "ab");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static void move_file(const char *from, const char *to)
{
    char *a = tmp_file("%s", from), *b = tmp_file("%s", to);
    if (rename(a, b) != 0)
        fail_msg("rename %s %s: %s", a, b, strerror(errno));
    free(a);
    free(b);
}

static void make_dir(const char *rel)
{
    char *path = tmp_file("%s/", rel);
    make_parents(path);
    free(path);
}

static void test_follows_changes(void **state)
{
    (void)state;
    put_article("tree/a.txt", "alpha");
    char *index = tmp_file("watch.idx"), *tree = tmp_file("tree");
    start_watch(index, tree, 0);
    wait_for_message("--watch: watching", LONG_LIMIT);
    wait_hits(index, "alpha", 1, "tree/a.txt", 1);

    put_article("tree/b.txt", "bravo"); /* created */
    wait_hits(index, "bravo", 1, "tree/b.txt", 1);
    append_file("tree/b.txt", "\nAn appended passage names charlie.\n");
    wait_hits(index, "charlie", 1, "tree/b.txt", 1);
    wait_hits(index, "bravo", 1, "tree/b.txt", 1);
    move_file("tree/b.txt", "tree/b-renamed.txt");
    wait_hits(index, "bravo", 1, "tree/b-renamed.txt", 1);
    move_file("tree/b-renamed.txt", "outside.txt"); /* out of the tree */
    wait_hits(index, "bravo", 0, NULL, 0);
    remove_file("tree/a.txt");
    wait_hits(index, "alpha", 0, NULL, 0);

    /* A new folder, filled before the watcher could watch it, then
     * after. */
    make_dir("tree/new/deeper");
    put_article("tree/new/deeper/d.txt", "delta");
    wait_hits(index, "delta", 1, "tree/new/deeper/d.txt", 1);
    put_article("tree/new/deeper/e.txt", "echo");
    wait_hits(index, "echo", 1, "tree/new/deeper/e.txt", 1);
    /* Renamed within the tree, it is still watched under its new name. */
    move_file("tree/new", "tree/renamed");
    wait_hits(index, "delta", 1, "tree/renamed/deeper/d.txt", 1);
    wait_hits(index, "echo", 1, "tree/renamed/deeper/e.txt", 1);
    put_article("tree/renamed/deeper/f.txt", "foxtrot");
    wait_hits(index, "foxtrot", 1, "tree/renamed/deeper/f.txt", 1);
    /* Moved out, it is no longer indexed, nor watched: a file written
     * there after is not indexed (the plain run below would remove it). */
    move_file("tree/renamed", "gone");
    wait_hits(index, "delta", 0, NULL, 0);
    wait_hits(index, "foxtrot", 0, NULL, 0);
    put_article("gone/deeper/g.txt", "golf");
    /* Changes are applied in the order they came: once this one is
     * seen, one from the folder moved away would have been. */
    put_article("tree/h.txt", "hotel");
    wait_hits(index, "hotel", 1, "tree/h.txt", 1);
    assert_int_equal(query_hits(index, "golf", NULL, NULL), 0);

    /* Rewritten in many writes while the watcher is held: hundreds of
     * events, one change, the file read once and complete, in one commit
     * (each commit is a new revision of the index; nothing else is
     * pending). */
    unsigned long long revision = index_revision(index);
    assert_int_equal(kill(watcher, SIGSTOP), 0);
    put_file("tree/h.txt", "The headline of a slowly written file\n\n");
    for (int i = 0; i < 200; i++)
        append_file("tree/h.txt", i == 199 ? "and india.\n"
                                  : i % 3  ? "one more word "
                                           : "written late ");
    assert_int_equal(kill(watcher, SIGCONT), 0);
    wait_hits(index, "india", 1, "tree/h.txt", 1);
    wait_hits(index, "hotel", 0, NULL, 0);
    assert_int_equal(index_revision(index), revision + 1);
    wait_for_last_note("indexer: --watch: 1 change applied: 0 added, 1 "
                       "updated, 0 removed");

    stop_watch();
    expect_current(index, tree);
    free(index);
    free(tree);
}

/* Files of the overflow and kill tests: one passage each. */
static void put_numbered(const char *dir, unsigned n, const char *word)
{
    char rel[256], text[256];
    for (unsigned i = 0; i < n; i++) {
        snprintf(rel, sizeof rel, "%s/f%05u.txt", dir, i);
        snprintf(text, sizeof text,
                 "Numbered file %u of the folder speaks of %s and lanterns.\n",
                 i, word);
        put_file(rel, text);
    }
}

/* The passages a plain run over TREE into a new index holds. */
static long plain_count(const char *tree)
{
    static unsigned runs;
    char *plain = tmp_file("plain-%u.idx", runs++);
    cJSON *j = index_json(0, plain, tree, (char *)NULL);
    long n = (long)json_num(j, "total");
    cJSON_Delete(j);
    free(plain);
    return n;
}

static unsigned long read_sysctl(const char *path)
{
    char *s = read_text(path);
    unsigned long v = strtoul(s, NULL, 10);
    free(s);
    return v;
}

/* The watcher is stopped while more files are written than inotify's
 * queue holds (three events a file): it sees the overflow, walks the
 * tree again, and ends with what a plain run finds. */
static void test_queue_overflow(void **state)
{
    (void)state;
    unsigned long queued =
        read_sysctl("/proc/sys/fs/inotify/max_queued_events");
    if (queued == 0 || queued > 200000)
        skip(); /* unknown, or too many files to overflow it */
    unsigned files = (unsigned)(queued / 2 + 100);
    /* In a folder watched from the start: the events of files in a new
     * one would be lost until it is watched, and walked whole anyway. */
    put_article("tree/many/a.txt", "alpha");
    char *index = tmp_file("overflow.idx"), *tree = tmp_file("tree");
    start_watch(index, tree, 0);
    wait_for_message("--watch: watching", LONG_LIMIT);
    assert_int_equal(kill(watcher, SIGSTOP), 0);
    put_numbered("tree/many", files, "harbor");
    assert_int_equal(kill(watcher, SIGCONT), 0);
    long want = plain_count(tree);
    wait_for_message("more changes at once than inotify could queue",
                     LONG_LIMIT);
    /* Queried all along: each run exits 0 or 1. */
    double deadline = now_seconds() + scaled(LONG_LIMIT);
    while (query_hits(index, "harbor", NULL, NULL) < 1000 ||
           try_doc_count(index) != want) {
        if (now_seconds() > deadline)
            fail_msg("%ld passages after the overflow, a plain run %ld",
                     try_doc_count(index), want);
        expect_running();
        pause_ms(100);
    }
    stop_watch();
    expect_current(index, tree);
    free(index);
    free(tree);
}

/* Killed while it applies a stream of changes and answers queries, the
 * index opens and the next plain run completes it. */
static void test_sigkill_during_watch(void **state)
{
    (void)state;
    put_article("tree/a.txt", "alpha");
    char *index = tmp_file("killed.idx"), *tree = tmp_file("tree");
    start_watch(index, tree, 0);
    wait_for_message("--watch: watching", LONG_LIMIT);
    long before = try_doc_count(index);
    put_numbered("tree/stream", 3000, "meadow");
    double deadline = now_seconds() + scaled(LONG_LIMIT);
    while (try_doc_count(index) <= before) {
        if (now_seconds() > deadline)
            fail_msg("nothing of 3000 new files committed");
        expect_running();
        query_hits(index, "meadow", NULL, NULL);
    }
    kill(watcher, SIGKILL);
    assert_int_equal(wait_for(watcher), 128 + SIGKILL);
    watcher = -1;
    run_result_t r = run(QUERY, "-d", index, "alpha", (char *)NULL);
    if (r.status != 0)
        fail_msg("query after the kill exited %d: %s", r.status, r.err);
    run_free(&r);
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    assert_int_equal((long)json_num(j, "total"), plain_count(tree));
    cJSON_Delete(j);
    expect_current(index, tree);
    free(index);
    free(tree);
}

/* With fewer inotify watches than folders, the run warns and walks the
 * tree again at intervals: a change in a folder it could not watch is
 * still applied. */
static void test_watch_limit(void **state)
{
    (void)state;
    const char *dirs[] = {"a", "b", "c", "d", "e"};
    char rel[64];
    for (size_t i = 0; i < 5; i++) {
        snprintf(rel, sizeof rel, "tree/%s/x.txt", dirs[i]);
        put_article(rel, "alpha");
    }
    char *index = tmp_file("limit.idx"), *tree = tmp_file("tree");
    start_watch(index, tree, 3);
    wait_for_message("--watch: watching", LONG_LIMIT);
    char *err = read_text(watch_err);
    assert_non_null(strstr(err, "the limit of inotify watches is reached"));
    free(err);
    put_article("tree/e/new.txt", "kilo"); /* e is after the limit */
    double deadline = now_seconds() + scaled(RESCAN_LIMIT);
    int in = 0;
    while (query_hits(index, "kilo", "tree/e/new.txt", &in) != 1 || in != 1) {
        if (now_seconds() > deadline)
            fail_msg("a change in an unwatched folder not applied");
        expect_running();
        pause_ms(250);
    }
    stop_watch();
    expect_current(index, tree);
    free(index);
    free(tree);
}

/* A file given is watched through its folder, alone: its folder's other
 * files are not indexed, and an editor's save (a new file renamed over
 * it) is a change. */
static void test_named_file(void **state)
{
    (void)state;
    put_article("files/only.txt", "alpha");
    char *index = tmp_file("file.idx"), *file = tmp_file("files/only.txt");
    start_watch(index, file, 0);
    wait_for_message("--watch: watching", LONG_LIMIT);
    wait_hits(index, "alpha", 1, "files/only.txt", 1);
    append_file("files/only.txt", "\nAn appended passage names charlie.\n");
    wait_hits(index, "charlie", 1, "files/only.txt", 1);
    put_article("files/other.txt", "delta");
    put_article("files/only.txt.new", "echo");
    move_file("files/only.txt.new", "files/only.txt");
    wait_hits(index, "echo", 1, "files/only.txt", 1);
    wait_hits(index, "charlie", 0, NULL, 0);
    assert_int_equal(query_hits(index, "delta", NULL, NULL), 0);
    stop_watch();
    expect_current(index, file);
    free(index);
    free(file);
}

static void test_bad_use(void **state)
{
    (void)state;
    char *index = tmp_file("bad.idx");
    run_result_t r = run(INDEXER, "-d", index, "--watch", (char *)NULL);
    assert_int_equal(r.status, 2);
    run_free(&r);
    /* Standard input is read once: nothing to watch. */
    r = run(INDEXER, "-d", index, "--watch", "-", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--watch needs a file or folder"));
    run_free(&r);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_follows_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_during_watch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_watch_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_use, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
