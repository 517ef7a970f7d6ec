/* Faults around the index: a disk that fills up while indexing, an index
 * that cannot be written, a damaged index and an index from a newer
 * version. Each gives one clear line on standard error naming the index
 * (exit 2, never a crash), and the index keeps answering wherever that
 * still makes sense.
 *
 * The full disk and, as root, the read-only index need mounts (a small
 * tmpfs, a read-only bind mount): without root, or where mounting is not
 * allowed, those tests are skipped and the program exits 77 once the others
 * have passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <grp.h>
#include <pwd.h>
#include <sys/mount.h>

#include "cli.h"
#include "quarry/schema.h"
#include "quarry/xdb.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define CORPUS QUARRY_SOURCE_DIR "/corpus"
#define CORPUS_PASSAGES 25

static int skipped; /* a test needed a mount it could not make */
/* Mounts made by the running test, undone by teardown if it fails. */
static char mounts[2][4200];

static void remember_mount(const char *path)
{
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++)
        if (!mounts[i][0]) {
            snprintf(mounts[i], sizeof mounts[i], "%s", path);
            return;
        }
}

static int teardown(void **state)
{
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++)
        if (mounts[i][0])
            umount2(mounts[i], MNT_DETACH);
    return cli_teardown(state);
}

/* Case-insensitive ASCII substring search. */
static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* ---- Helpers ------------------------------------------------------------- */

static unsigned doc_count(const char *path)
{
    qy_db_t *db;
    char *error = NULL;
    const char *paths[] = {path};
    if (qy_db_open_read(paths, 1, &db, &error) != QY_OK)
        fail_msg("cannot open %s: %s", path, error ? error : "");
    unsigned n = 0;
    assert_int_equal(qy_db_doc_count(db, &n), QY_OK);
    qy_db_close(db);
    return n;
}

/* Indexes corpus/ into a new index NAME of the temporary directory. */
static const char *make_index(char *buf, size_t size, const char *name)
{
    tmp_path(buf, size, name);
    run_result_t r = run(INDEXER, "-q", "-d", buf, CORPUS, NULL);
    if (r.status != 0)
        fail_msg("indexing %s: exit %d: %s", buf, r.status, r.err);
    run_free(&r);
    assert_int_equal(doc_count(buf), CORPUS_PASSAGES);
    return buf;
}

/* The error is exactly one line, from PROGRAM, naming the index at PATH
 * and saying WHAT (a case-insensitive fragment; NULL: anything). */
static void assert_error_line(const run_result_t *r, const char *program,
                              const char *path, const char *what)
{
    if (r->status != 2)
        fail_msg("%s: exit %d, expected 2; stderr: %s", program, r->status,
                 r->err);
    size_t n = strlen(r->err);
    if (n == 0 || r->err[n - 1] != '\n' ||
        strchr(r->err, '\n') != r->err + n - 1)
        fail_msg("%s: not one line on stderr: '%s'", program, r->err);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s: ", program);
    if (strncmp(r->err, prefix, strlen(prefix)) != 0)
        fail_msg("%s: message does not name the program: %s", program, r->err);
    if (!strstr(r->err, path))
        fail_msg("%s: message does not name '%s': %s", program, path, r->err);
    if (what && !find_nocase(r->err, what))
        fail_msg("%s: message lacks '%s': %s", program, what, r->err);
}

/* `query` answers from PATH with the corpus's passages. */
static void assert_answers(const char *path)
{
    run_result_t r = run(QUERY, "-d", path, "who stole cryptocurrency", NULL);
    if (r.status != 0 || !strstr(r.out, "stole more than $50 million"))
        fail_msg("query on %s: exit %d: %s", path, r.status, r.err);
    run_free(&r);
}

/* Mounting needs root, and a system that lets root mount (not every
 * container does). Reports why not, and marks the test skipped. */
static int can_mount(const char *what)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_faults: %s: skipped (needs root to mount)\n",
                what);
        skipped = 1;
        return 0;
    }
    return 1;
}

static int mount_failed(const char *what, const char *call)
{
    fprintf(stderr, "test_faults: %s: skipped (%s: %s)\n", what, call,
            strerror(errno));
    skipped = 1;
    return 1;
}

/* ---- A full disk --------------------------------------------------------- */

/* A text of about SIZE bytes whose passages hold many distinct words, so
 * that its index takes more room than the text. */
static void write_big_text(const char *path, size_t size)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    uint32_t x = 12345;
    size_t written = 0;
    while (written < size) {
        for (int w = 0; w < 60; w++) {
            char word[12];
            int len = 3 + (int)((x >> 8) % 7);
            for (int i = 0; i < len; i++) {
                x = x * 1103515245u + 12345u;
                word[i] = (char)('a' + (x >> 16) % 16);
            }
            word[len] = '\0';
            written += (size_t)fprintf(f, w ? " %s" : "%s", word);
        }
        written += (size_t)fprintf(f, ".\n\n");
    }
    assert_int_equal(fclose(f), 0);
}

static void test_full_disk(void **state)
{
    (void)state;
    const char *what = "full disk";
    if (!can_mount(what))
        return;
    char disk[4200], index[4300], big[4200];
    tmp_path(disk, sizeof disk, "disk");
    assert_int_equal(mkdir(disk, 0700), 0);
    if (mount("tmpfs", disk, "tmpfs", 0, "size=256k") != 0) {
        mount_failed(what, "mount tmpfs");
        return;
    }
    remember_mount(disk);
    snprintf(index, sizeof index, "%s/index", disk);
    run_result_t r = run(INDEXER, "-q", "-d", index, CORPUS, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    /* Its index needs more than the 200 KiB or so left. */
    write_big_text(tmp_path(big, sizeof big, "big.txt"), 400 * 1000);
    r = run(INDEXER, "-d", index, big, NULL);
    if (r.status != 2 || !strstr(r.err, "No space left on device"))
        fail_msg("indexer on a full disk: exit %d: %s", r.status, r.err);
    assert_true(strncmp(r.err, "indexer: ", 9) == 0);
    run_free(&r);
    /* The index is as it was at its last commit, and answers. */
    assert_int_equal(doc_count(index), CORPUS_PASSAGES);
    assert_answers(index);
    /* With room again, the same index takes the file. */
    assert_int_equal(mount("tmpfs", disk, "tmpfs", MS_REMOUNT, "size=64m"), 0);
    r = run(INDEXER, "-q", "-d", index, big, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_true(doc_count(index) > CORPUS_PASSAGES);
    assert_answers(index);
    assert_int_equal(umount2(disk, MNT_DETACH), 0);
}

/* ---- An index that cannot be written ------------------------------------ */

static void test_read_only_index(void **state)
{
    (void)state;
    const char *what = "read-only index";
    char src[4200], ro[4200];
    make_index(src, sizeof src, "ro-source");
    int mounted = 0;
    if (geteuid() == 0) {
        /* Permission bits do not stop root: mount it read-only. */
        tmp_path(ro, sizeof ro, "ro");
        assert_int_equal(mkdir(ro, 0700), 0);
        if (mount(src, ro, "none", MS_BIND, NULL) != 0) {
            mount_failed(what, "bind mount");
            return;
        }
        remember_mount(ro);
        if (mount("none", ro, "none", MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) !=
            0) {
            umount2(ro, MNT_DETACH);
            mount_failed(what, "read-only remount");
            return;
        }
        mounted = 1;
    } else {
        snprintf(ro, sizeof ro, "%s", src);
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "chmod -R a-w '%s'", ro);
        assert_int_equal(system(cmd), 0);
    }
    run_result_t r = run(INDEXER, "-d", ro, CORPUS, NULL);
    assert_error_line(&r, "indexer", ro, "not writable");
    run_free(&r);
    /* Reading needs no writing. */
    assert_answers(ro);
    if (mounted)
        assert_int_equal(umount2(ro, MNT_DETACH), 0);
    else {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'", src);
        assert_int_equal(system(cmd), 0);
    }
    /* Nothing was lost, and once writable the index takes new files. */
    assert_int_equal(doc_count(src), CORPUS_PASSAGES);
    char extra[4200];
    write_file(tmp_path(extra, sizeof extra, "extra.txt"),
               "A passage about quarries, written after the index was "
               "made writable again.\n");
    r = run(INDEXER, "-q", "-d", src, extra, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_int_equal(doc_count(src), CORPUS_PASSAGES + 1);
    assert_answers(src);
}

/* Runs the indexer on INDEX with FILE as the user "nobody" when running
 * as root (permission bits do not stop root), else as this user. Returns
 * 0 and fills R, or -1 when there is no such user. */
static int run_unprivileged(run_result_t *r, const char *index,
                            const char *file)
{
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw)
            return -1;
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    char err_path[4200];
    int err = open(tmp_path(err_path, sizeof err_path, "lock.err"),
                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(err >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (uid != (uid_t)-1 &&
            (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0))
            _exit(126);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(err, 2);
        execl(INDEXER, INDEXER, "-d", index, file, (char *)NULL);
        _exit(127);
    }
    close(err);
    int ws = 0;
    waitpid(pid, &ws, 0);
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    r->out = calloc(1, 1);
    int fd = open(err_path, O_RDONLY);
    assert_true(fd >= 0);
    r->err = slurp_fd(fd);
    close(fd);
    return 0;
}

/* A lock file the indexer may not write is not another indexer's lock:
 * the error names the file and the reason. */
static void test_unwritable_lock_file(void **state)
{
    (void)state;
    char src[4200], lock[4300], extra[4200], cmd[17200];
    make_index(src, sizeof src, "lock-source");
    write_file(tmp_path(extra, sizeof extra, "lock-extra.txt"),
               "A passage about quarries that cannot be added.\n");
    snprintf(lock, sizeof lock, "%s/flintlock", src);
    int fd = open(lock, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    /* Everything may be read and the directory written; only the lock
     * file is read-only. */
    snprintf(cmd, sizeof cmd,
             "chmod 0711 '%s' && chmod 0777 '%s' && chmod -R a+r '%s' && "
             "chmod 0444 '%s'",
             cli_tmp, src, src, lock);
    assert_int_equal(system(cmd), 0);
    run_result_t r;
    if (run_unprivileged(&r, src, extra) != 0) {
        fprintf(stderr, "test_faults: unwritable lock file: skipped (no user "
                        "nobody to run as)\n");
        skipped = 1;
        return;
    }
    assert_error_line(&r, "indexer", lock, "not writable");
    assert_null(find_nocase(r.err, "locked"));
    run_free(&r);
    assert_int_equal(chmod(lock, 0644), 0);
    assert_int_equal(chmod(cli_tmp, 0700), 0);
    assert_int_equal(doc_count(src), CORPUS_PASSAGES);
}

/* ---- A damaged index ----------------------------------------------------- */

static void truncate_file(const char *path, off_t size)
{
    assert_int_equal(truncate(path, size), 0);
}

/* Overwrites every byte of PATH with zeros, keeping its size: whichever
 * blocks the index uses now, they are damaged. */
static void zero_file(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    static const char zeros[4096];
    for (off_t at = 0; at < st.st_size; at += (off_t)sizeof zeros) {
        size_t n = st.st_size - at < (off_t)sizeof zeros
                       ? (size_t)(st.st_size - at)
                       : sizeof zeros;
        assert_int_equal(pwrite(fd, zeros, n, at), (ssize_t)n);
    }
    close(fd);
}

/* A table of the index cut short or overwritten: both programs refuse it
 * with one line naming it. */
static void test_damaged_table(void **state)
{
    (void)state;
    static const struct {
        const char *table;
        int zero; /* 0: cut to 100 bytes; 1: zeroed */
    } rows[] = {
        {"postlist.glass", 0},
        {"termlist.glass", 1},
        {"docdata.glass", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char name[64], index[4200], table[4400];
        snprintf(name, sizeof name, "damaged-%zu", i);
        make_index(index, sizeof index, name);
        snprintf(table, sizeof table, "%s/%s", index, rows[i].table);
        if (rows[i].zero)
            zero_file(table);
        else
            truncate_file(table, 100);
        fprintf(stderr, "damaged: %s %s\n", rows[i].table,
                rows[i].zero ? "zeroed" : "cut short");
        run_result_t r = run(QUERY, "--json", "-d", index, "korea", NULL);
        assert_error_line(&r, "query", index, NULL);
        assert_string_equal(r.out, "");
        run_free(&r);
        r = run(INDEXER, "-d", index, CORPUS, NULL);
        assert_error_line(&r, "indexer", index, NULL);
        run_free(&r);
    }
}

/* Each block of each table zeroed in turn (glass blocks are 8 KiB): a
 * block no longer in use changes nothing, a block a question reaches makes
 * that question fail with one line naming the index, never a crash; what
 * the damage does not reach is still answered. */
static void test_damaged_blocks(void **state)
{
    (void)state;
    static const char *const tables[] = {"postlist.glass", "termlist.glass",
                                         "docdata.glass", "position.glass"};
    /* One question that reads every table (phrases read positions), and
     * for the positions one that does not. */
    static const char *const questions[] = {"\"north korea\" OR missile*",
                                            "korea"};
    enum { BLOCK = 8192 };
    char index[4200];
    make_index(index, sizeof index, "damaged-blocks");
    unsigned reached = 0, unharmed = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char table[4400];
        snprintf(table, sizeof table, "%s/%s", index, tables[t]);
        struct stat st;
        assert_int_equal(stat(table, &st), 0);
        for (off_t at = 0; at + BLOCK <= st.st_size; at += BLOCK) {
            static char saved[BLOCK];
            static const char zeros[BLOCK];
            int fd = open(table, O_RDWR);
            assert_true(fd >= 0);
            assert_int_equal(pread(fd, saved, BLOCK, at), BLOCK);
            assert_int_equal(pwrite(fd, zeros, BLOCK, at), BLOCK);
            size_t nq = strcmp(tables[t], "position.glass") == 0 ? 2 : 1;
            int opened = 1; /* the damage was met only while searching */
            for (size_t q = 0; q < nq; q++) {
                run_result_t r =
                    run(QUERY, "--json", "-d", index, questions[q], NULL);
                if (r.status == 2) {
                    assert_error_line(&r, "query", index, NULL);
                    assert_string_equal(r.out, "");
                    opened &= strstr(r.err, "cannot open") == NULL;
                    reached++;
                    /* Damaged positions that the index opens with stop
                     * phrases only: plain words are still answered. */
                    if (q == 1 && opened)
                        fail_msg("block at %lld of the positions: '%s' "
                                 "failed: %s",
                                 (long long)at, questions[q], r.err);
                } else if (r.status == 0 || r.status == 1) {
                    assert_string_equal(r.err, "");
                    unharmed++;
                } else {
                    fail_msg("%s, block at %lld, '%s': exit %d: %s", tables[t],
                             (long long)at, questions[q], r.status, r.err);
                }
                run_free(&r);
            }
            assert_int_equal(pwrite(fd, saved, BLOCK, at), BLOCK);
            close(fd);
        }
    }
    /* Both cases occurred, and the restored index answers. */
    assert_true(reached > 0);
    assert_true(unharmed > 0);
    assert_answers(index);
}

/* A passage whose stored record is not one quarry wrote. */
static void test_damaged_record(void **state)
{
    (void)state;
    char index[4200];
    make_index(index, sizeof index, "damaged-record");
    qy_db_t *db;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(index, 0, &db, &error), QY_OK);
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    assert_int_equal(qy_doc_add_posting(doc, "zyxwvut", 7, 1, 1), QY_OK);
    assert_int_equal(qy_doc_set_data(doc, "not a record", 12), QY_OK);
    assert_int_equal(qy_db_add_doc(db, doc), QY_OK);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_doc_free(doc);
    qy_db_close(db);
    run_result_t r = run(QUERY, "-d", index, "zyxwvut", NULL);
    assert_error_line(&r, "query", index, "damaged");
    run_free(&r);
    assert_answers(index);
}

/* ---- An index from a newer version --------------------------------------- */

static void set_format(const char *index, const char *format)
{
    qy_db_t *db;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(index, 0, &db, &error), QY_OK);
    assert_int_equal(
        qy_db_set_metadata(db, QY_META_FORMAT, format, strlen(format)), QY_OK);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
}

static void test_newer_format(void **state)
{
    (void)state;
    char index[4200], newer[16];
    make_index(index, sizeof index, "newer");
    snprintf(newer, sizeof newer, "%d", QY_INDEX_FORMAT + 1);
    set_format(index, newer);
    run_result_t r = run(QUERY, "-d", index, "korea", NULL);
    assert_error_line(&r, "query", index, "format");
    assert_non_null(strstr(r.err, newer));
    run_free(&r);
    r = run(INDEXER, "-d", index, CORPUS, NULL);
    assert_error_line(&r, "indexer", index, "format");
    run_free(&r);
    /* The indexer left the index alone: same passages, same format. */
    assert_int_equal(doc_count(index), CORPUS_PASSAGES);
    qy_db_t *db;
    char *error = NULL, *value = NULL;
    const char *paths[] = {index};
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    assert_int_equal(qy_db_get_metadata(db, QY_META_FORMAT, &value, NULL),
                     QY_OK);
    assert_string_equal(value, newer);
    free(value);
    qy_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_disk),
        cmocka_unit_test(test_read_only_index),
        cmocka_unit_test(test_unwritable_lock_file),
        cmocka_unit_test(test_damaged_table),
        cmocka_unit_test(test_damaged_blocks),
        cmocka_unit_test(test_damaged_record),
        cmocka_unit_test(test_newer_format),
    };
    int failed = cmocka_run_group_tests(tests, cli_setup, teardown);
    if (failed)
        return failed;
    if (skipped) {
        fprintf(stderr, "test_faults: the tests above that need mounts "
                        "were skipped\n");
        return 77;
    }
    return 0;
}
