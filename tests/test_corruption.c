/* The corruption series: every table of a small index damaged in many
 * seeded ways (bytes changed, runs zeroed, bits flipped, files cut short
 * or emptied). On each, query and indexer --check end within their bound
 * with 0, 1 or 2 and one line on standard error for a failure, never
 * killed by a signal (a fault inside Xapian ends in the one-line damage
 * message and status 2), and a writer on every 16th copy does the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

#define MUTATIONS 1040 /* 8 tables x 130 seeds */
#define WRITE_EVERY 16 /* a write is tried on every 16th mutation */

static const char *const tables[] = {
    "postlist.glass", "termlist.glass", "docdata.glass", "position.glass",
    "spelling.glass", "synonym.glass",  "iamglass",      "postlist.glass"};
#define NTABLES (sizeof tables / sizeof *tables)

static char *pristine, *doc;

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    pristine = tmp_file("pristine");
    cJSON *j =
        index_json(0, pristine, QUARRY_SOURCE_DIR "/corpus", (char *)NULL);
    cJSON_Delete(j);
    /* Synonyms, so that the synonym table exists too. */
    put_file("syn.txt", "harbor, port\nvessel, ship\n");
    char *syn = tmp_file("syn.txt");
    j = index_json(0, pristine, "--synonyms", syn, (char *)NULL);
    cJSON_Delete(j);
    free(syn);
    put_file("newdoc.txt", "A new document about harbors and the ships "
                           "that come into them every morning.\n");
    doc = tmp_file("newdoc.txt");
    return 0;
}

static int teardown(void **state)
{
    free(pristine);
    free(doc);
    return cli_teardown(state);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *len = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spill(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint32_t next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Damages B[0..*LEN) in the way SEED picks. */
static void mutate(unsigned char *b, size_t *len, uint32_t seed)
{
    if (*len == 0)
        return;
    uint32_t s = seed;
    size_t at = next(&s) % *len;
    switch (next(&s) % 6) {
    case 0: /* a few random bytes */
        for (unsigned k = 0, n = 1 + next(&s) % 4; k < n; k++)
            b[(at + next(&s) % 64) % *len] = (unsigned char)next(&s);
        break;
    case 1: { /* a run of zeros */
        size_t n = 1 + next(&s) % 64;
        for (size_t k = 0; k < n && at + k < *len; k++)
            b[at + k] = 0;
        break;
    }
    case 2: /* one bit */
        b[at] ^= (unsigned char)(1u << (next(&s) % 8));
        break;
    case 3: /* a run of 0xff */
        for (size_t k = 0; k < 8 && at + k < *len; k++)
            b[at + k] = 0xff;
        break;
    case 4: /* cut short */
        *len = at;
        break;
    default: /* a block's bytes copied over another place */
        for (size_t k = 0; k < 32 && at + k < *len; k++)
            b[at + k] = b[(at + k + 8192) % *len];
        break;
    }
}

static void expect_clean(outcome_t o, const char *what, unsigned m)
{
    if (o.status > 2)
        fail_msg("mutation %u: %s ended with %d: %s", m, what, o.status, o.err);
    int lines = stderr_lines(o.err);
    if (o.status == 2 && lines < 1)
        fail_msg("mutation %u: %s failed without a word", m, what);
    /* Before a fault, the failure Xapian reported and glibc's word on the
     * heap may come first: the last line is then the damage message. */
    const char *last = o.err + strlen(o.err);
    while (last > o.err && last[-1] == '\n')
        last--;
    while (last > o.err && last[-1] != '\n')
        last--;
    if (lines > 1 && !strstr(last, "is damaged"))
        fail_msg("mutation %u: %s wrote %d lines: %s", m, what, lines, o.err);
    free(o.err);
}

static void test_corruption_series(void **state)
{
    (void)state;
    char *copy = tmp_file("damaged");
    char cmd[16800];
    unsigned detected = 0, failed_queries = 0;
    for (unsigned m = 0; m < MUTATIONS; m++) {
        const char *table = tables[m % NTABLES];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy,
                 pristine, copy);
        assert_int_equal(system(cmd), 0);
        char *file = tmp_file("damaged/%s", table);
        size_t len;
        unsigned char *b = slurp(file, &len);
        assert_non_null(b);
        mutate(b, &len, 0x9e3779b9u * (m + 1));
        spill(file, b, len);
        free(b);
        free(file);

        char *q[] = {QUERY, "--timeout", "3", "-d",
                     copy,  "-n",        "3", "harbor \"North Korea\" cyber*",
                     NULL};
        outcome_t o = run_bounded(q, 0);
        failed_queries += o.status == 2;
        expect_clean(o, "query", m);
        char *c[] = {INDEXER, "--check", "-d", copy, NULL};
        o = run_bounded(c, 0);
        int damaged = o.status == 2;
        detected += damaged;
        expect_clean(o, "indexer --check", m);
        if (m % WRITE_EVERY == 0) {
            /* SIGTERM twice if a commit spins: the second ends it. */
            char *w[] = {INDEXER, "-q", "-d", copy, doc, NULL};
            o = run_bounded(w, 2);
            if (o.status == 128 + SIGTERM)
                o.status = 2; /* stopped by the second signal, as told */
            expect_clean(o, "indexer", m);
        }
    }
    print_message("%u mutations: --check found %u damaged, %u queries "
                  "failed cleanly\n",
                  MUTATIONS, detected, failed_queries);
    assert_true(detected > 0);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corruption_series),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
