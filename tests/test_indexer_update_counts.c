/* Exact counts after an update. Replacing every document of a JSON Lines
 * file on one thread deletes the low docids and adds the documents again
 * above them; a word in every passage must then still be counted, ranked
 * and filtered on exactly (Xapian 1.4 reads such a word as the index's
 * list of all documents, which failed on an index with gaps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

/* Enough documents for the list of document lengths to take several
 * chunks of the index. */
#define DOCS 3000

/* Writes REL: DOCS documents, each holding "harbour" and a word of its own,
 * VARIANT followed by its number. */
static void put_docs(const char *rel, const char *variant)
{
    size_t cap = (size_t)DOCS * 160, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (int i = 0; i < DOCS; i++) {
        int n = snprintf(buf + len, cap - len,
                         "{\"id\": \"doc%d\", \"title\": \"Title %d\", "
                         "\"text\": \"The harbour keeps %s%d moored "
                         "beside the quay.\"}\n",
                         i, i, variant, i);
        assert_true(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    put_bytes(rel, buf, len);
    free(buf);
}

/* `query ARGS...` on INDEX, which must succeed; returns its output. */
static char *query_ok(const char *index, ...)
{
    char *argv[32];
    int n = 0;
    const char *fixed[] = {QUERY, QUERY_EXACT, "-d", index};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = (char *)fixed[i];
    va_list ap;
    va_start(ap, index);
    append_args(argv, n, 32, ap);
    va_end(ap);
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0)
        fail_msg("query exited %d: %s", r.status, r.err);
    char *out = strdup(r.out);
    assert_non_null(out);
    run_free(&r);
    return out;
}

static unsigned count_of(const char *index, const char *words)
{
    char *out = query_ok(index, "--count", words, (char *)NULL);
    char *end = NULL;
    unsigned long n = strtoul(out, &end, 10);
    if (end == out || strcmp(end, "\n") != 0)
        fail_msg("not a count: '%s'", out);
    free(out);
    return (unsigned)n;
}

static void test_word_in_every_passage_after_update(void **state)
{
    (void)state;
    put_docs("u/docs.jsonl", "alpha");
    char *tree = tmp_file("u"), *index = tmp_file("u.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);

    put_docs("u/docs.jsonl", "beta");
    set_mtime("u/docs.jsonl", 1000000000);
    j = index_json(0, index, "--jobs", "1", tree, (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    assert_int_equal((int)json_num(j, "passages"), DOCS);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), DOCS);

    assert_int_equal(count_of(index, "harbour"), DOCS);
    assert_int_equal(count_of(index, "harbour quay"), DOCS);
    assert_int_equal(count_of(index, "harb*"), DOCS);
    assert_int_equal(count_of(index, "beta17"), 1);
    assert_int_equal(count_of(index, "harbour -beta17"), DOCS - 1);
    char filter[PATH_MAX + 2048 + 64];
    snprintf(filter, sizeof filter, "harbour source:%s",
             source_of("u/docs.jsonl"));
    assert_int_equal(count_of(index, filter), DOCS);

    /* The JSON total, and a ranked search, agree. */
    char *out = query_ok(index, "--json", "-n", "5", "harbour", (char *)NULL);
    cJSON *answer = cJSON_Parse(out);
    free(out);
    assert_non_null(answer);
    assert_int_equal((int)json_num(answer, "total"), DOCS);
    assert_int_equal(cJSON_GetArraySize(hits_of(answer)), 5);
    cJSON_Delete(answer);
    out = query_ok(index, "--json", "-n", "5", "beta17 harbour", (char *)NULL);
    answer = cJSON_Parse(out);
    free(out);
    assert_non_null(answer);
    const cJSON *hits = hits_of(answer);
    assert_true(cJSON_GetArraySize(hits) >= 1);
    const char *id = str_field(cJSON_GetArrayItem(hits, 0), "id");
    assert_non_null(id);
    assert_string_equal(id, "doc17");
    cJSON_Delete(answer);
    out = query_ok(index, "harbour", (char *)NULL);
    assert_non_null(strstr(out, "harbour"));
    free(out);
    free(tree);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_in_every_passage_after_update),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
