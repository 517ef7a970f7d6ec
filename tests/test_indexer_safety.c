/* The indexer under stress: killed with SIGKILL at several points of a
 * long run, interrupted with SIGINT and SIGTERM, queried while it rewrites
 * the index, and started twice on one index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

/* The generated tree: FILES files of PASSAGES passages each, so that an
 * index holding whole files only holds a multiple of PASSAGES. */
#define FILES 2000
#define PASSAGES 4
#define TOTAL (FILES * PASSAGES)
/* Poll loops give up after this long: a hung indexer fails the test
 * instead of hanging it. */
#define POLL_LIMIT 300.0

static char *tree, *reference;

static const char *const words[] = {
    "harbor", "lantern", "meadow", "signal", "orbit",  "canyon", "ember",
    "falcon", "garnet",  "quartz", "river",  "cipher", "ledger", "violet",
};

static void make_tree(const char *dir, unsigned files, unsigned seed)
{
    char rel[256], text[4096];
    for (unsigned i = 0; i < files; i++) {
        size_t o = (size_t)snprintf(text, sizeof text,
                                    "Generated article number %u of the "
                                    "tree\n\n",
                                    i);
        for (unsigned p = 0; p < PASSAGES; p++) {
            for (unsigned w = 0; w < 24; w++) {
                seed = seed * 1103515245u + 12345u;
                o += (size_t)snprintf(
                    text + o, sizeof text - o, "%s ",
                    words[(seed >> 16) % (sizeof words / sizeof *words)]);
            }
            o += (size_t)snprintf(text + o, sizeof text - o,
                                  "file%u passage%u.\n\n", i, p);
        }
        snprintf(rel, sizeof rel, "%s/d%02u/f%05u.txt", dir, i % 23, i);
        put_bytes(rel, text, o);
    }
}

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    make_tree("tree", FILES, 7);
    tree = tmp_file("tree");
    reference = tmp_file("reference.idx");
    cJSON *j = index_json(0, reference, tree, (char *)NULL);
    int ok = (int)json_num(j, "total") == TOTAL;
    cJSON_Delete(j);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    free(tree);
    free(reference);
    return cli_teardown(state);
}

/* Polls INDEX until it holds at least AT_LEAST passages; returns 0 then,
 * or 1 when PID ended first (its status in *STATUS). */
static int wait_for_count(const char *index, long at_least, pid_t pid,
                          int *status)
{
    double deadline = now_seconds() + POLL_LIMIT;
    for (;;) {
        if (try_doc_count(index) >= at_least)
            return 0;
        int ws;
        pid_t done = waitpid(pid, &ws, WNOHANG);
        if (done == pid) {
            *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
            return 1;
        }
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            fail_msg("%s never reached %ld passages", index, at_least);
        }
        poll_pause();
    }
}

/* The index opens and answers a question. */
static void expect_answers(const char *index)
{
    run_result_t r = run(QUERY, "-d", index, "harbor lantern", (char *)NULL);
    if (r.status != 0)
        fail_msg("query after a kill exited %d: %s", r.status, r.err);
    run_free(&r);
}

static void test_sigkill_then_rerun(void **state)
{
    (void)state;
    char *index = tmp_file("killed.idx");
    const double points[] = {0.1, 0.4, 0.7};
    for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
        char *argv[] = {INDEXER, "--wait", "--commit-every", "200", "-d", index,
                        tree,    NULL};
        pid_t pid = spawn(argv, NULL, NULL, NULL, (uid_t)-1, (gid_t)-1);
        int status;
        long target = (long)(points[k] * TOTAL);
        if (wait_for_count(index, target, pid, &status) != 0)
            fail_msg("the indexer ended (status %d) before %ld passages "
                     "were committed",
                     status, target);
        kill(pid, SIGKILL);
        assert_int_equal(wait_for(pid), 128 + SIGKILL);
        long n = try_doc_count(index);
        assert_true(n >= target);
        assert_true(n < TOTAL);
        /* Whole files only: no batch commits part of a file. */
        assert_int_equal(n % PASSAGES, 0);
        expect_answers(index);
    }
    /* A run that is not killed completes the job. */
    cJSON *j = index_json(0, index, "--wait", tree, (char *)NULL);
    assert_int_equal((int)json_num(j, "total"), TOTAL);
    assert_int_equal(
        (int)(json_num(j, "files.added") + json_num(j, "files.unchanged")),
        FILES);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), index_doc_count(reference));
    free(index);
}

/* A JSON Lines file is committed in batches of documents; killed halfway,
 * the next run redoes the file, without duplicates. */
static void test_sigkill_in_jsonl(void **state)
{
    (void)state;
    const unsigned docs = 20000;
    char *path = tmp_file("feed/all.jsonl");
    make_parents(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (unsigned i = 0; i < docs; i++)
        fprintf(f,
                "{\"id\": \"doc%u\", \"title\": \"Document %u\", \"text\": "
                "\"The %s of document %u holds %s and %s words.\"}\n",
                i, i, words[i % 14], i, words[(i / 14) % 14],
                words[(i / 196) % 14]);
    assert_int_equal(fclose(f), 0);
    char *feed = tmp_file("feed"), *index = tmp_file("feed.idx");
    char *argv[] = {INDEXER, "--commit-every", "500", "-d", index, feed, NULL};
    pid_t pid = spawn(argv, NULL, NULL, NULL, (uid_t)-1, (gid_t)-1);
    int status;
    if (wait_for_count(index, docs / 3, pid, &status) != 0)
        fail_msg("the indexer ended (status %d) before the kill", status);
    kill(pid, SIGKILL);
    assert_int_equal(wait_for(pid), 128 + SIGKILL);
    expect_answers(index);
    cJSON *j = index_json(0, index, "--wait", feed, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j, "total"), (int)docs);
    cJSON_Delete(j);
    free(path);
    free(feed);
    free(index);
}

/* ---- Updates killed: each file keeps its old or its new passages ------ */

#define UPDATE_DOCS 3000 /* JSON Lines documents, one passage each */
#define UPDATE_FILES 300 /* files of PASSAGES passages */
#define UPDATE_KILLS 10

/* Writes generation GEN of the update's input: a JSON Lines file of
 * UPDATE_DOCS documents, or a folder of UPDATE_FILES files, every passage
 * holding the word "zqGEN". Each generation has its own modification
 * times, so that every file is seen as changed. */
static void write_generation(int jsonl, unsigned gen)
{
    char rel[256];
    if (jsonl) {
        char *path = tmp_file("upd-feed/all.jsonl");
        make_parents(path);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (unsigned i = 0; i < UPDATE_DOCS; i++)
            fprintf(f,
                    "{\"id\": \"upd%u\", \"text\": \"Document %u of "
                    "generation zq%u speaks of %s.\"}\n",
                    i, i, gen, words[(i + gen) % 14]);
        assert_int_equal(fclose(f), 0);
        free(path);
        set_mtime("upd-feed/all.jsonl", 1000000000 + (time_t)gen);
        return;
    }
    for (unsigned i = 0; i < UPDATE_FILES; i++) {
        char text[2048];
        size_t o = 0;
        for (unsigned p = 0; p < PASSAGES; p++)
            o += (size_t)snprintf(text + o, sizeof text - o,
                                  "Passage %u of file %u, generation zq%u, "
                                  "of %s.\n\n",
                                  p, i, gen, words[(i + p + gen) % 14]);
        snprintf(rel, sizeof rel, "upd-tree/d%02u/f%04u.txt", i % 7, i);
        put_bytes(rel, text, o);
        set_mtime(rel, 1000000000 + (time_t)gen);
    }
}

/* How many passages of INDEX hold the word "zqGEN". */
static unsigned generation_passages(const char *index, unsigned gen)
{
    char word[32];
    int n = snprintf(word, sizeof word, "zq%u", gen);
    qy_db_t *db = open_index(index);
    unsigned freq = 0;
    assert_int_equal(qy_db_term_freq(db, word, (size_t)n, &freq), QY_OK);
    qy_db_close(db);
    return freq;
}

/* Whether a bulk load into INDEX by PID reached kill point K: the first
 * half of the points while the shards are written, then during the merge
 * (once its output directory exists), and the last one just after the
 * merged index was swapped in (the index's directory is another one).
 * *POLLS counts the polls since the stage began; INO is the directory's
 * inode before the load. */
static int bulk_point(const char *index, pid_t pid, unsigned k, unsigned *polls,
                      ino_t ino)
{
    struct stat st;
    if (k <= UPDATE_KILLS / 2)
        return *polls >= 4 * k;
    if (k == UPDATE_KILLS)
        return stat(index, &st) == 0 && st.st_ino != ino;
    char real[PATH_MAX], merged[PATH_MAX + 64];
    if (!realpath(index, real))
        return 0;
    snprintf(merged, sizeof merged, "%s.bulk-%ld/merged", real, (long)pid);
    if (stat(merged, &st) != 0) {
        *polls = 0;
        return 0;
    }
    return *polls > 3 * (k - UPDATE_KILLS / 2 - 1);
}

/* Rewrites the input UPDATE_KILLS times and kills the indexer updating
 * the index at a different point each time: on one thread after the K-th
 * batch commit, with --jobs after K polls. Every poll (a reader during the
 * update) and every index a kill left must hold all the passages, each of
 * the previous generations or of the new one, never fewer. */
static void kill_updates(int jsonl, const char *jobs)
{
    const unsigned expect = jsonl ? UPDATE_DOCS : UPDATE_FILES * PASSAGES;
    char *input = tmp_file(jsonl ? "upd-feed" : "upd-tree");
    char *index = tmp_file("upd-%d-%s.idx", jsonl, jobs);
    write_generation(jsonl, 0);
    cJSON *j = index_json(0, index, "--jobs", jobs, input, (char *)NULL);
    assert_int_equal((int)json_num(j, "total"), (int)expect);
    cJSON_Delete(j);
    int one_thread = strcmp(jobs, "1") == 0;
    unsigned gen;
    for (gen = 1; gen <= UPDATE_KILLS; gen++) {
        write_generation(jsonl, gen);
        unsigned long long rev = index_revision(index);
        struct stat ist;
        assert_int_equal(stat(index, &ist), 0);
        ino_t ino = ist.st_ino;
        char *argv[] = {INDEXER, "--jobs", (char *)jobs, "--commit-every",
                        "100",   "-d",     index,        input,
                        NULL};
        pid_t pid = spawn(argv, NULL, NULL, NULL, (uid_t)-1, (gid_t)-1);
        double deadline = now_seconds() + POLL_LIMIT;
        unsigned polls = 0;
        int ended = 0, ws;
        for (;;) {
            long n = try_doc_count(index);
            if (n != (long)expect)
                fail_msg("a reader saw %ld of %u passages during the update", n,
                         expect);
            polls++;
            if (waitpid(pid, &ws, WNOHANG) == pid) {
                ended = 1;
                break;
            }
            if (one_thread ? index_revision(index) >= rev + gen
                           : bulk_point(index, pid, gen, &polls, ino))
                break;
            if (now_seconds() > deadline) {
                kill(pid, SIGKILL);
                fail_msg("the update never reached its kill point");
            }
            poll_pause();
        }
        if (!ended) {
            kill(pid, SIGKILL);
            int status = wait_for(pid); /* it may have just ended */
            assert_true(status == 128 + SIGKILL || status == 0);
        } else {
            assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
        }
        assert_int_equal(index_doc_count(index), expect);
        unsigned now = generation_passages(index, gen), older = 0;
        for (unsigned g = 0; g < gen; g++)
            older += generation_passages(index, g);
        assert_int_equal(now + older, expect);
        if (!jsonl) /* whole files: every one old or new */
            assert_int_equal(now % PASSAGES, 0);
        expect_answers(index);
    }
    /* A run that is not killed brings every file to the last generation. */
    j = index_json(0, index, "--jobs", jobs, input, (char *)NULL);
    assert_int_equal((int)json_num(j, "total"), (int)expect);
    cJSON_Delete(j);
    assert_int_equal(generation_passages(index, gen - 1), expect);
    free(index);
    free(input);
}

static void test_killed_jsonl_update(void **state)
{
    (void)state;
    kill_updates(1, "1");
    kill_updates(1, "2");
}

static void test_killed_folder_update(void **state)
{
    (void)state;
    kill_updates(0, "1");
    kill_updates(0, "2");
}

/* SIGINT and SIGTERM: the indexer commits what it has done, reports it,
 * and exits with 128 + the signal; a re-run completes the job. */
static void test_sigint_and_sigterm(void **state)
{
    (void)state;
    const int signals[] = {SIGINT, SIGTERM};
    for (size_t k = 0; k < 2; k++) {
        char *index = tmp_file("int%zu.idx", k), *out = tmp_file(".int");
        char *argv[] = {INDEXER, "--json", "--commit-every",
                        "1000",  "-d",     index,
                        tree,    NULL};
        pid_t pid = spawn(argv, NULL, out, NULL, (uid_t)-1, (gid_t)-1);
        int status;
        if (wait_for_count(index, 1000, pid, &status) != 0)
            fail_msg("the indexer ended (status %d) before the signal", status);
        kill(pid, signals[k]);
        assert_int_equal(wait_for(pid), 128 + signals[k]);
        char *text = read_text(out);
        cJSON *j = cJSON_Parse(text);
        if (!j)
            fail_msg("no JSON summary after the signal: '%s'", text);
        free(text);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "interrupted")));
        assert_int_equal((int)json_num(j, "status"), 128 + signals[k]);
        /* Everything it wrote was committed, not only the full batches. */
        unsigned n = index_doc_count(index);
        assert_int_equal((unsigned)json_num(j, "passages"), n);
        assert_int_equal((unsigned)json_num(j, "total"), n);
        assert_int_equal(n % PASSAGES, 0);
        assert_true(n < TOTAL);
        cJSON_Delete(j);
        j = index_json(0, index, tree, (char *)NULL);
        assert_int_equal((int)json_num(j, "total"), TOTAL);
        assert_int_equal((int)json_num(j, "files.unchanged"),
                         (int)(n / PASSAGES));
        cJSON_Delete(j);
        free(index);
        free(out);
    }
}

/* Queries run while the indexer rewrites every file: each one answers
 * (exit 0) or finds nothing (exit 1), never fails (exit 2). */
static void test_queries_during_rewrite(void **state)
{
    (void)state;
    char *index = tmp_file("live.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    cJSON_Delete(j);
    /* A new modification time on every file: all of them are rewritten. */
    char rel[256];
    for (unsigned i = 0; i < FILES; i++) {
        snprintf(rel, sizeof rel, "tree/d%02u/f%05u.txt", i % 23, i);
        set_mtime(rel, 1000000000 + (time_t)i);
    }
    char *argv[] = {INDEXER, "--commit-every", "100", "-d", index, tree, NULL};
    pid_t pid = spawn(argv, NULL, NULL, NULL, (uid_t)-1, (gid_t)-1);
    const char *questions[] = {"harbor lantern", "\"meadow signal\"",
                               "quartz AND river", "file1*",
                               "source:'*/d01/*' orbit"};
    unsigned during = 0, fails = 0;
    int ws = 0;
    double deadline = now_seconds() + POLL_LIMIT;
    for (unsigned i = 0;; i++) {
        pid_t done = waitpid(pid, &ws, WNOHANG);
        if (done == pid)
            break;
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            fail_msg("the indexer did not finish");
        }
        run_result_t r =
            run(QUERY, "-d", index, "-n", "3", questions[i % 5], (char *)NULL);
        during++;
        if (r.status != 0 && r.status != 1) {
            fails++;
            print_message("query '%s' exited %d: %s", questions[i % 5],
                          r.status, r.err);
        }
        run_free(&r);
    }
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    print_message("%u queries ran during the rewrite\n", during);
    assert_true(during > 0);
    assert_int_equal(fails, 0);
    assert_int_equal(index_doc_count(index), TOTAL);
    free(index);
}

static int count_newlines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The inode of PATH as /proc/locks writes it, after the device. */
static unsigned long inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned long)st.st_ino;
}

/* Non-zero when /proc/locks shows a process waiting for a lock on the file
 * with inode INO ("-> " marks a blocked request). */
static int lock_waiter(unsigned long ino)
{
    char *locks = read_text("/proc/locks");
    char needle[64];
    snprintf(needle, sizeof needle, ":%lu ", ino);
    int found = 0;
    for (char *line = strtok(locks, "\n"); line && !found;
         line = strtok(NULL, "\n"))
        found = strstr(line, "->") && strstr(line, needle);
    free(locks);
    return found;
}

/* A second indexer fails at once and says so; with --wait it waits for
 * the lock and then does its work. */
static void test_lock_and_wait(void **state)
{
    (void)state;
    char *index = tmp_file("locked.idx");
    char *corpus = QUARRY_SOURCE_DIR "/corpus";
    qy_db_t *writer = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(index, 0, &writer, &error), QY_OK);
    assert_int_equal(qy_db_commit(writer), QY_OK);
    run_result_t r = run(INDEXER, "-d", index, corpus, (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "locked by another indexer"));
    assert_non_null(strstr(r.err, "--wait"));
    assert_int_equal(count_newlines(r.err), 1);
    run_free(&r);

    char *out = tmp_file(".wait");
    char *argv[] = {INDEXER, "--wait", "--json", "-d", index, corpus, NULL};
    pid_t pid = spawn(argv, NULL, out, NULL, (uid_t)-1, (gid_t)-1);
    char *lockfile = tmp_file("locked.idx/flintlock");
    unsigned long ino = inode_of(lockfile);
    double deadline = now_seconds() + POLL_LIMIT;
    while (!lock_waiter(ino)) {
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid)
            fail_msg("indexer --wait ended while the index was locked");
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            fail_msg("indexer --wait never waited for the lock");
        }
        poll_pause();
    }
    assert_int_equal(index_doc_count(index), 0);
    qy_db_close(writer);
    assert_int_equal(wait_for(pid), 0);
    assert_int_equal(index_doc_count(index), 25);
    free(lockfile);
    free(out);
    free(index);
}

/* An index whose first build has not committed yet (the writer's lock
 * file, no version file) is "no index yet", not a database of unknown
 * type. */
static void test_query_before_first_commit(void **state)
{
    (void)state;
    char *index = tmp_file("first-build.idx");
    assert_int_equal(mkdir(index, 0700), 0);
    put_file("first-build.idx/flintlock", "");
    run_result_t r = run(QUERY, "-d", index, "harbor", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "first build has not committed"));
    assert_null(strstr(r.err, "detect type"));
    run_free(&r);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_then_rerun),
        cmocka_unit_test(test_sigkill_in_jsonl),
        cmocka_unit_test(test_killed_jsonl_update),
        cmocka_unit_test(test_killed_folder_update),
        cmocka_unit_test(test_sigint_and_sigterm),
        cmocka_unit_test(test_queries_during_rewrite),
        cmocka_unit_test(test_lock_and_wait),
        cmocka_unit_test(test_query_before_first_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
