/* libquarry as a program outside the project meets it: `cmake --install`
 * into a temporary prefix, the example client docs/examples/top-hits.c
 * compiled with `cc $(pkg-config --cflags --libs quarry)` against it, and
 * run on an index of corpus/: it must print the hits `query --json`
 * prints, in the same order. The installed library exports the API's
 * symbols and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry.h"

static char prefix[4200], libdir[4300], example[4200], index_dir[4200];

/* Runs the shell command composed from FMT; returns its exit status. */
static int shell(const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    tmp_path(prefix, sizeof prefix, "prefix");
    snprintf(libdir, sizeof libdir, "%s/%s", prefix, QUARRY_INSTALL_LIBDIR);
    tmp_path(example, sizeof example, "top-hits");
    tmp_path(index_dir, sizeof index_dir, "index");
    if (shell("'%s' --install '%s' --prefix '%s' >/dev/null",
              QUARRY_CMAKE_COMMAND, QUARRY_BUILD_DIR, prefix) != 0) {
        fprintf(stderr, "cmake --install failed\n");
        return -1;
    }
    /* Only what pkg-config says: no include or library path of the
     * build tree. */
    if (shell("PKG_CONFIG_PATH='%s/pkgconfig' && export PKG_CONFIG_PATH && "
              "'%s' %s -o '%s' '%s/docs/examples/top-hits.c' "
              "$(pkg-config --cflags --libs quarry)",
              libdir, QUARRY_C_COMPILER, QUARRY_EXAMPLE_CFLAGS, example,
              QUARRY_SOURCE_DIR) != 0) {
        fprintf(stderr, "the example does not build\n");
        return -1;
    }
    setenv("LD_LIBRARY_PATH", libdir, 1);
    run_result_t r = run(QUARRY_INDEXER_BIN, "-q", "-d", index_dir,
                         QUARRY_SOURCE_DIR "/corpus", NULL);
    int ok = r.status == 0;
    run_free(&r);
    return ok ? 0 : -1;
}

/* The lines top-hits prints for the hits of `query --json QUESTION`. */
static char *expected_lines(const char *question)
{
    run_result_t r =
        run(QUARRY_QUERY_BIN, "-d", index_dir, "--json", question, NULL);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    size_t cap = strlen(r.out) + 1, used = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    const cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(doc, "hits"))
    {
        used += (size_t)snprintf(
            out + used, cap - used, "%d. %s (%s:%d)\n",
            cJSON_GetObjectItem(hit, "rank")->valueint,
            cJSON_GetStringValue(cJSON_GetObjectItem(hit, "title")),
            cJSON_GetStringValue(cJSON_GetObjectItem(hit, "source")),
            cJSON_GetObjectItem(hit, "passage")->valueint);
        assert_true(used < cap);
    }
    cJSON_Delete(doc);
    run_free(&r);
    return out;
}

static void test_example_prints_what_query_prints(void **state)
{
    (void)state;
    static const char *const questions[] = {
        "who stole cryptocurrency",
        "missile programme funding",
        "united nations report on north korea",
        "cyberattacks on exchanges",
        "zzxqvw", /* nothing */
    };
    size_t nonempty = 0;
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        char *want = expected_lines(questions[i]);
        run_result_t r = run(example, index_dir, questions[i], NULL);
        if (r.status != 0)
            fail_msg("top-hits '%s' exited %d: %s", questions[i], r.status,
                     r.err);
        assert_string_equal(r.out, want);
        nonempty += *want != '\0';
        run_free(&r);
        free(want);
    }
    assert_true(nonempty >= 4);
}

static void test_example_reports_a_missing_index(void **state)
{
    (void)state;
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/none", cli_tmp);
    run_result_t r = run(example, missing, "boats", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, missing));
    run_free(&r);
}

static void test_exports_only_the_api(void **state)
{
    (void)state;
    char cmd[4400], line[1024];
    snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s/libquarry.so'", libdir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0, search = 0;
    while (fgets(line, sizeof line, p)) {
        /* "ADDRESS TYPE NAME" */
        const char *name = strrchr(line, ' ');
        assert_non_null(name);
        name++;
        if (strncmp(name, "quarry_", 7) != 0)
            fail_msg("libquarry exports %s", name);
        search += strcmp(name, "quarry_search\n") == 0;
        n++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(search, 1);
    assert_true(n > 40);
}

/* The SONAME follows the API's major version, the pkg-config version the
 * header's. */
static void test_versions(void **state)
{
    (void)state;
    char want[64];
    snprintf(want, sizeof want, "libquarry.so.%d", QUARRY_API_MAJOR);
    assert_int_equal(shell("readelf -d '%s/libquarry.so' | grep -q "
                           "'Library soname: \\[%s\\]'",
                           libdir, want),
                     0);
    snprintf(want, sizeof want, "%d.%d.%d", QUARRY_API_MAJOR, QUARRY_API_MINOR,
             QUARRY_API_MICRO);
    assert_int_equal(shell("test \"$(PKG_CONFIG_PATH='%s/pkgconfig' "
                           "pkg-config --modversion quarry)\" = '%s'",
                           libdir, want),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_prints_what_query_prints),
        cmocka_unit_test(test_example_reports_a_missing_index),
        cmocka_unit_test(test_exports_only_the_api),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
