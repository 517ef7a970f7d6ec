/* Inputs too large for one transaction: a JSON Lines document whose text
 * is committed in parts, and a plain text file read in parts, their new
 * passages beside the old ones until their last commit; updated, killed
 * in the middle and run again. The bounds are made small
 * (QUARRY_TEST_COMMIT_BYTES, QUARRY_TEST_STREAM_BYTES) so that small
 * inputs reach these paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

#include "quarry/schema.h"

/* Passage text committed at most within a document, in these tests. */
#define COMMIT_BYTES "4096"
/* Plain text files larger than this are read in parts. */
#define STREAM_BYTES "65536"
/* Poll loops give up after this long. */
#define POLL_LIMIT 300.0

static int setup(void **state)
{
    setenv("QUARRY_TEST_COMMIT_BYTES", COMMIT_BYTES, 1);
    setenv("QUARRY_TEST_STREAM_BYTES", STREAM_BYTES, 1);
    return ix_setup(state);
}

static int teardown(void **state)
{
    return cli_teardown(state);
}

/* Writes REL: a JSON Lines file of a document "big" of LINES lines, each
 * a passage holding the words "mkN" and "zqGEN", and a small document. */
static void put_big_jsonl(const char *rel, unsigned lines, unsigned gen)
{
    char *path = tmp_file("%s", rel);
    make_parents(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"id\": \"small\", \"text\": \"A small document stands "
               "beside the large one.\"}\n");
    fprintf(f, "{\"id\": \"big\", \"title\": \"A large document\", "
               "\"text\": \"");
    for (unsigned i = 0; i < lines; i++)
        fprintf(f,
                "Line mk%u of generation zq%u speaks of the harbor, the "
                "lantern and the meadow.\\n",
                i, gen);
    fprintf(f, "\"}\n");
    assert_int_equal(fclose(f), 0);
    free(path);
    set_mtime(rel, 1000000000 + (time_t)gen);
}

/* How many passages of INDEX hold the term WORD. */
static unsigned term_passages(qy_db_t *db, const char *word)
{
    unsigned freq = 0;
    assert_int_equal(qy_db_term_freq(db, word, strlen(word), &freq), QY_OK);
    return freq;
}

/* INDEX holds generation GEN of LINES passages ("mkN"), each once, and
 * nothing of the other generations; with ID, those of the document ID
 * beside the small one, else alone. */
static void expect_passages(const char *index, unsigned lines, unsigned gen,
                            unsigned gens, const char *id)
{
    qy_db_t *db = open_index(index);
    char word[32];
    for (unsigned g = 0; g < gens; g++) {
        snprintf(word, sizeof word, "zq%u", g);
        assert_int_equal(term_passages(db, word), g == gen ? lines : 0);
    }
    for (unsigned i = 0; i < lines + 5; i++) {
        snprintf(word, sizeof word, "mk%u", i);
        unsigned n = term_passages(db, word);
        if (n != (i < lines ? 1u : 0u))
            fail_msg("%s: line %u found %u times", index, i, n);
    }
    if (id) {
        char term[QY_MAX_TERM_BYTES + 1];
        size_t n = qy_boolean_term(QY_PREFIX_ID, id, term);
        unsigned freq = 0;
        assert_int_equal(qy_db_term_freq(db, term, n, &freq), QY_OK);
        assert_int_equal(freq, lines);
    }
    unsigned docs = 0;
    assert_int_equal(qy_db_doc_count(db, &docs), QY_OK);
    assert_int_equal(docs, lines + (id != NULL));
    qy_db_close(db);
}

static void expect_generation(const char *index, unsigned lines, unsigned gen,
                              unsigned gens)
{
    expect_passages(index, lines, gen, gens, "big");
}

static void large_document(const char *jobs)
{
    char *feed = tmp_file("feed-%s", jobs);
    char *index = tmp_file("feed-%s.idx", jobs);
    char rel[64];
    snprintf(rel, sizeof rel, "feed-%s/all.jsonl", jobs);
    /* About 90 bytes a line: some 35 commits within the document. */
    put_big_jsonl(rel, 1600, 0);
    cJSON *j = index_json(0, index, "--jobs", jobs, feed, (char *)NULL);
    assert_int_equal((int)json_num(j, "total"), 1601);
    cJSON_Delete(j);
    expect_generation(index, 1600, 0, 3);
    unsigned long long rev = index_revision(index);

    /* An update with fewer lines: the old words are gone, and the lines
     * the document no longer has. */
    put_big_jsonl(rel, 1200, 1);
    j = index_json(0, index, "--jobs", jobs, feed, (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    assert_int_equal((int)json_num(j, "total"), 1201);
    cJSON_Delete(j);
    expect_generation(index, 1200, 1, 3);
    if (strcmp(jobs, "1") == 0) /* committed in parts */
        assert_true(index_revision(index) > rev + 10);

    /* The same document again (the file touched): each line once. */
    put_big_jsonl(rel, 1200, 1);
    set_mtime(rel, 1000000100);
    j = index_json(0, index, "--jobs", jobs, feed, (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    cJSON_Delete(j);
    expect_generation(index, 1200, 1, 3);

    /* A run that finds nothing changed writes nothing. */
    rev = index_revision(index);
    j = index_json(0, index, "--jobs", jobs, feed, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    cJSON_Delete(j);
    assert_int_equal(index_revision(index), rev);
    expect_generation(index, 1200, 1, 3);
    free(feed);
    free(index);
}

static void test_large_jsonl_document(void **state)
{
    (void)state;
    large_document("1");
}

static void test_large_jsonl_document_jobs(void **state)
{
    (void)state;
    large_document("2");
}

/* Writes REL: a plain text file of PARAS paragraphs of some 600 bytes,
 * each holding the words "mkN" and "zqGEN". */
static void put_big_text(const char *rel, unsigned paras, unsigned gen)
{
    char *path = tmp_file("%s", rel);
    make_parents(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "A large text\n\n"); /* its title, not the first line's */
    for (unsigned i = 0; i < paras; i++) {
        fprintf(f, "Paragraph mk%u of generation zq%u", i, gen);
        for (unsigned w = 0; w < 12; w++)
            fprintf(f, " speaks of the harbor, the lantern and the meadow");
        fprintf(f, ".\n\n");
    }
    assert_int_equal(fclose(f), 0);
    free(path);
    set_mtime(rel, 1000000000 + (time_t)gen);
}

/* Indexes generation 0 of INPUT (written by PUT), updates it to
 * generation 1 and kills that run after COMMITS commits: the index then
 * holds every old passage still (the new ones beside them, some); a run
 * not killed leaves each new passage once and no old one. */
static void kill_in_parts(void (*put)(const char *, unsigned, unsigned),
                          const char *rel, unsigned count, const char *id,
                          unsigned commits)
{
    char *input = tmp_file("%s", rel);
    char *index = tmp_file("%s.idx", rel);
    put(rel, count, 0);
    cJSON *j = index_json(0, index, "--jobs", "1", input, (char *)NULL);
    cJSON_Delete(j);
    expect_passages(index, count, 0, 2, id);
    put(rel, count, 1);
    unsigned long long rev = index_revision(index);
    char *argv[] = {INDEXER, "--jobs", "1", "-d", index, input, NULL};
    pid_t pid = spawn(argv, NULL, NULL, NULL, (uid_t)-1, (gid_t)-1);
    double deadline = now_seconds() + POLL_LIMIT;
    int ended = 0, ws;
    while (index_revision(index) < rev + commits) {
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            ended = 1;
            break;
        }
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            fail_msg("%s: the update never committed", rel);
        }
        poll_pause();
    }
    if (ended)
        fail_msg("%s: the update ended (%d) before the kill", rel, ws);
    kill(pid, SIGKILL);
    assert_int_equal(wait_for(pid), 128 + SIGKILL);
    qy_db_t *db = open_index(index);
    assert_int_equal(term_passages(db, "zq0"), count);
    unsigned now = term_passages(db, "zq1");
    qy_db_close(db);
    assert_true(now > 0 && now < count);
    /* The file was forgotten first: it is read again, as new. */
    j = index_json(0, index, "--jobs", "1", input, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    expect_passages(index, count, 1, 2, id);
    free(input);
    free(index);
}

static void test_killed_in_large_jsonl_document(void **state)
{
    (void)state;
    kill_in_parts(put_big_jsonl, "kill-feed/all.jsonl", 3000, "big", 3);
}

/* About 600 bytes a paragraph, 4 MB: parts of 1 to 2 MiB, the run
 * killed after the first. */
static void test_killed_in_large_text(void **state)
{
    (void)state;
    kill_in_parts(put_big_text, "kill-text/big.txt", 7000, NULL, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_jsonl_document),
        cmocka_unit_test(test_large_jsonl_document_jobs),
        cmocka_unit_test(test_killed_in_large_jsonl_document),
        cmocka_unit_test(test_killed_in_large_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
