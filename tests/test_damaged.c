/* Damaged indexes: the reproductions of ../shared/data/damaged-indexes
 * (faults inside Xapian, searches and commits that never end), unpacked
 * into the temporary directory, and indexes with a table removed. Each run
 * ends within its bound with exit status 2 and one line naming the damage.
 * Skipped when the data is not there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

/* A spinning commit is ended after QY_GUARD_SPIN_SECONDS of CPU time; a
 * loaded machine stretches that in wall time. */
#define RUN_LIMIT 60.0
#include "test_indexer_util.h"

#define TARBALL QUARRY_DATA_DIR "/damaged-indexes/damaged-indexes.tar.xz"
#define SKIP 77

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "tar -xJf '%s' -C '%s'", TARBALL, cli_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* A copy of the unpacked index NAME (runs of the indexer write to it). */
static char *copy_index(const char *name, const char *as)
{
    char cmd[16800];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s' && cp -a '%s/%s' '%s/%s'",
             cli_tmp, as, cli_tmp, name, cli_tmp, as);
    assert_int_equal(system(cmd), 0);
    return tmp_file("%s", as);
}

/* The last line of TEXT (a static copy). */
static const char *last_line(const char *text)
{
    static char line[4096];
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        n--;
    size_t start = n;
    while (start && text[start - 1] != '\n')
        start--;
    snprintf(line, sizeof line, "%.*s", (int)(n - start), text + start);
    return line;
}

static void expect_damage(outcome_t o, const char *index, const char *word)
{
    if (o.status != 2)
        fail_msg("exit %d, not 2: %s", o.status, o.err);
    const char *line = last_line(o.err);
    if (!strstr(line, index) || !strstr(line, word))
        fail_msg("the last line names no damage of %s: '%s'", index, o.err);
    free(o.err);
}

/* The ranking may no longer reach the damaged blocks (an answer, no
 * word on standard error); when it does, the fault is reported. */
static void expect_answer_or_damage(outcome_t o, const char *index)
{
    if (o.status == 0 || o.status == 1) {
        assert_int_equal(stderr_lines(o.err), 0);
        free(o.err);
        return;
    }
    assert_int_equal(stderr_lines(o.err), 1);
    expect_damage(o, index, "damaged");
}

static void test_query_faults_are_reported(void **state)
{
    (void)state;
    char *termlist = tmp_file("ix-termlist-segv");
    char *postlist = tmp_file("ix-postlist-segv");
    char *a1[] = {QUERY, "-d", termlist, "-n", "3", "protocoll", NULL};
    expect_answer_or_damage(run_bounded(a1, 0), termlist);
    /* The feedback expansion reads the damaged termlist. */
    char *a3[] = {QUERY,        "-d", termlist,    "-n", "3",
                  "--feedback", "10", "protocoll", NULL};
    outcome_t o = run_bounded(a3, 0);
    assert_int_equal(stderr_lines(o.err), 1);
    expect_damage(o, termlist, "damaged");
    char *a2[] = {QUERY, "-d", postlist, "--count", "the", NULL};
    expect_answer_or_damage(run_bounded(a2, 0), postlist);
    free(termlist);
    free(postlist);
}

static void test_endless_search_is_bounded(void **state)
{
    (void)state;
    char *index = tmp_file("ix-postlist-hang");
    char *argv[] = {
        QUERY, "--timeout", "3", "-d",
        index, "-n",        "3", "\"transmission control protocol\"",
        NULL};
    outcome_t o = run_bounded(argv, 0);
    assert_int_equal(stderr_lines(o.err), 1);
    expect_damage(o, index, "damaged");
    free(index);
}

/* A commit that spins on damaged blocks ends by itself, with exit 2 and
 * one line naming the index. */
static void test_spinning_commit_ends(void **state)
{
    (void)state;
    char *index = copy_index("ix-position-hang", "spin-copy");
    char *doc = tmp_file("newdoc.txt");
    char *argv[] = {INDEXER, "-q", "-d", index, doc, NULL};
    outcome_t o = run_bounded(argv, 0);
    assert_int_equal(stderr_lines(o.err), 1);
    expect_damage(o, index, "damaged");
    free(doc);
    free(index);
}

/* A commit that does not return: the first SIGTERM cannot stop it, the
 * second ends the indexer at once. */
static void test_second_signal_ends_the_indexer(void **state)
{
    (void)state;
    char *index = copy_index("ix-position-hang", "hang-copy");
    char *doc = tmp_file("newdoc.txt");
    char *argv[] = {INDEXER, "-q", "-d", index, doc, NULL};
    outcome_t o = run_bounded(argv, 2);
    assert_int_equal(o.status, 128 + SIGTERM);
    assert_int_equal(stderr_lines(o.err), 1);
    assert_non_null(strstr(o.err, "second signal"));
    free(o.err);
    free(doc);
    free(index);
}

/* Heap corruption inside Xapian's commit, which fails: one line naming
 * the index, exit 2. */
static void test_abort_in_commit_is_reported(void **state)
{
    (void)state;
    char *index = copy_index("base-cb3", "zeroed");
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "dd if=/dev/zero of='%s/position.glass' bs=1 seek=631587 "
             "count=23 conv=notrunc 2>/dev/null",
             index);
    assert_int_equal(system(cmd), 0);
    char *doc = tmp_file("newdoc.txt");
    char *argv[] = {INDEXER, "-q", "-d", index, doc, NULL};
    outcome_t o = run_bounded(argv, 0);
    if (o.status != 2)
        fail_msg("exit %d, not 2: %s", o.status, o.err);
    assert_non_null(strstr(o.err, index));
    /* The failed writer is not touched again: glibc finds nothing to
     * abort on, and the commit's error is the one line. */
    assert_int_equal(stderr_lines(o.err), 1);
    free(o.err);
    free(doc);
    free(index);
}

/* An index without one of its tables is refused by the writer (which
 * would otherwise go on as if it were empty) and by the reader. */
static void test_missing_tables_are_refused(void **state)
{
    (void)state;
    const char *tables[] = {"postlist", "termlist", "docdata", "position"};
    char *doc = tmp_file("newdoc.txt");
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char *index = copy_index("base-cb3", "missing");
        char *file = tmp_file("missing/%s.glass", tables[i]);
        assert_int_equal(unlink(file), 0);
        char *w[] = {INDEXER, "-q", "-d", index, doc, NULL};
        outcome_t o = run_bounded(w, 0);
        assert_int_equal(stderr_lines(o.err), 1);
        expect_damage(o, index, tables[i]);
        char *r[] = {QUERY, "-d", index, "\"transmission control\"", NULL};
        o = run_bounded(r, 0);
        assert_int_equal(stderr_lines(o.err), 1);
        expect_damage(o, index, tables[i]);
        free(file);
        free(index);
    }
    free(doc);
}

static void test_check(void **state)
{
    (void)state;
    char *sound = tmp_file("base-cb3");
    char *a[] = {INDEXER, "--check", "-d", sound, NULL};
    outcome_t o = run_bounded(a, 0);
    assert_int_equal(o.status, 0);
    free(o.err);
    const char *damaged[] = {"ix-termlist-segv", "ix-postlist-segv",
                             "ix-postlist-hang", "ix-position-hang"};
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++) {
        char *index = tmp_file("%s", damaged[i]);
        char *argv[] = {INDEXER, "--check", "-d", index, NULL};
        o = run_bounded(argv, 0);
        assert_int_equal(stderr_lines(o.err), 1);
        expect_damage(o, index, "damaged");
        free(index);
    }
    free(sound);
}

int main(void)
{
    struct stat st;
    if (stat(TARBALL, &st) != 0) {
        printf("no damaged indexes at %s: skipped\n", TARBALL);
        return SKIP;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_faults_are_reported),
        cmocka_unit_test(test_endless_search_is_bounded),
        cmocka_unit_test(test_spinning_commit_ends),
        cmocka_unit_test(test_second_signal_ends_the_indexer),
        cmocka_unit_test(test_abort_in_commit_is_reported),
        cmocka_unit_test(test_missing_tables_are_refused),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
