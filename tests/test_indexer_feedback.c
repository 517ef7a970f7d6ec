/* What the indexer tells its user: the progress line on a terminal, the
 * summary as text or JSON, warnings, option errors and exit statuses. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static char *tree;

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    put_article("fb/one.txt", "firstmarker");
    put_article("fb/two/two.txt", "secondmarker");
    put_bytes("fb/blob.txt",
              "\x7f"
              "ELF\0\0\0",
              7);
    tree = tmp_file("fb");
    return 0;
}

static int teardown(void **state)
{
    free(tree);
    return cli_teardown(state);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_json_summary(void **state)
{
    (void)state;
    char *index = tmp_file("json.idx");
    run_result_t r = run(INDEXER, "--json", "-d", index, tree, (char *)NULL);
    assert_int_equal(r.status, 0);
    /* One object on one line; standard error holds the warning only. */
    assert_int_equal(count_lines(r.out), 1);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "blob.txt: binary file, skipped"));
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_int_equal((int)json_num(j, "schema"), 1);
    assert_string_equal(str_field(j, "index"), index);
    expect_files(j, 2, 0, 0, 0, 1);
    assert_int_equal((int)json_num(j, "passages"), 4);
    assert_int_equal((int)json_num(j, "total"), 4);
    assert_true(json_num(j, "bytes") > 200);
    assert_true(json_num(j, "seconds") >= 0);
    assert_int_equal((int)json_num(j, "warnings"), 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "interrupted")));
    assert_int_equal((int)json_num(j, "status"), 0);
    cJSON_Delete(j);
    run_free(&r);
    free(index);
}

static void test_text_summary_and_quiet(void **state)
{
    (void)state;
    char *index = tmp_file("text.idx");
    run_result_t r = run(INDEXER, "-d", index, tree, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    char want[8192];
    snprintf(want, sizeof want,
             "indexer: files: 2 added, 0 updated, 0 removed, 0 unchanged, 1 "
             "skipped; 4 passages written, 0 blocks dropped, 4 in %s (",
             index);
    const char *line = strstr(r.err, want);
    assert_non_null(line);
    assert_true(line > r.err && line[-1] == '\n'); /* after the warning */
    /* Not a terminal: no progress line. */
    assert_null(strchr(r.err, '\r'));
    run_free(&r);
    /* --quiet: warnings only. */
    put_article("fb/three.txt", "thirdmarker");
    r = run(INDEXER, "-q", "-d", index, tree, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_null(strstr(r.err, "files:"));
    remove_file("fb/three.txt");
    run_free(&r);
    free(index);
}

/* Runs the indexer with standard error on a new terminal; returns what the
 * terminal received. */
static char *run_on_terminal(char *const argv[], int *status)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *slave = ptsname(master);
    assert_non_null(slave);
    pid_t pid = spawn(argv, NULL, NULL, slave, (uid_t)-1, (gid_t)-1);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (n + 1 == cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            assert_non_null(more);
            buf = more;
        }
        ssize_t got = read(master, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) /* EIO: every slave end is closed */
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    close(master);
    *status = wait_for(pid);
    return buf;
}

static void test_progress_on_terminal(void **state)
{
    (void)state;
    char *index = tmp_file("tty.idx");
    char *argv[] = {INDEXER, "-d", index, tree, NULL};
    int status;
    char *seen = run_on_terminal(argv, &status);
    assert_int_equal(status, 0);
    /* The progress line is redrawn in place, then erased for the
     * warning and the summary. */
    const char *progress = strstr(seen, "\r\033[Kindexer: ");
    if (!progress)
        fail_msg("no progress line in '%s'", seen);
    assert_non_null(strstr(progress, " files, "));
    assert_non_null(strstr(progress, " passages, "));
    assert_non_null(strstr(progress, " MB/s, "));
    assert_non_null(strstr(seen, "blob.txt: binary file, skipped"));
    assert_non_null(strstr(seen, "indexer: files: 2 added"));
    free(seen);
    /* The long steps at the end say what they do, then give way to the
     * summary. */
    char *merged = tmp_file("tty-jobs.idx");
    char *jobs[] = {INDEXER, "--jobs", "2", "-d", merged, tree, NULL};
    seen = run_on_terminal(jobs, &status);
    assert_int_equal(status, 0);
    const char *note = strstr(seen, "\r\033[Kindexer: merging the index...");
    if (!note)
        fail_msg("no merge note in '%s'", seen);
    assert_non_null(strstr(note, "\r\033[Kindexer: files: 2 added"));
    free(seen);
    char *compact[] = {INDEXER, "--compact", "-d", merged, NULL};
    seen = run_on_terminal(compact, &status);
    assert_int_equal(status, 0);
    note = strstr(seen, "\r\033[Kindexer: compacting the index...");
    if (!note)
        fail_msg("no compaction note in '%s'", seen);
    assert_non_null(strstr(note, "\r\033[Kindexer: files: 0 added"));
    free(seen);
    free(merged);
    /* --quiet: nothing at all (the warning is remembered: no new one). */
    char *quiet[] = {INDEXER, "--quiet", "-d", index, tree, NULL};
    seen = run_on_terminal(quiet, &status);
    assert_int_equal(status, 0);
    assert_string_equal(seen, "");
    free(seen);
    free(index);
}

/* Per-file warnings keep the exit status at 0; a PATH given that cannot
 * be read makes it 2, and the rest is still indexed. */
static void test_exit_status(void **state)
{
    (void)state;
    char *index = tmp_file("status.idx");
    char *missing = tmp_file("no-such-file.txt");
    cJSON *j = index_json(2, index, tree, missing, (char *)NULL);
    expect_files(j, 2, 0, 0, 0, 1);
    assert_int_equal((int)json_num(j, "status"), 2);
    cJSON_Delete(j);
    run_result_t r = run(INDEXER, "-d", index, missing, (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "no-such-file.txt: No such file"));
    run_free(&r);
    free(missing);
    free(index);
}

static void test_option_errors(void **state)
{
    (void)state;
    char *index = tmp_file("opts.idx");
    struct {
        const char *args[4];
        const char *err;
    } rows[] = {
        {{"--commit-every", "0", "x"}, "--commit-every expects"},
        {{"--commit-every", "many", "x"}, "--commit-every expects"},
        {{"--stdin-name", "", "-"}, "--stdin-name needs"},
        {{"--format", "rtf", "x"}, "unknown format 'rtf'"},
        {{"x", "--include"}, "'--include' needs a value"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *argv[8] = {INDEXER, "-d", index};
        int n = 3;
        for (int k = 0; k < 4 && rows[i].args[k]; k++)
            argv[n++] = (char *)rows[i].args[k];
        argv[n] = NULL;
        run_result_t r = run_argv_fd(argv, -1);
        if (r.status != 2 || strncmp(r.err, "indexer: ", 9) != 0 ||
            !strstr(r.err, rows[i].err))
            fail_msg("row %zu: exit %d, '%s'", i, r.status, r.err);
        run_free(&r);
    }
    /* Nothing was created. */
    struct stat st;
    assert_int_not_equal(stat(index, &st), 0);
    run_result_t r = run(INDEXER, "--help", (char *)NULL);
    assert_int_equal(r.status, 0);
    const char *options[] = {"--format",       "--include",    "--exclude",
                             "--no-delete",    "--stdin-name", "--wait",
                             "--commit-every", "--json",       "--quiet"};
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        if (!strstr(r.out, options[i]))
            fail_msg("--help does not mention %s", options[i]);
    run_free(&r);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_summary),
        cmocka_unit_test(test_text_summary_and_quiet),
        cmocka_unit_test(test_progress_on_terminal),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_option_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
