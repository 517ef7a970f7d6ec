/* The ingest contract, end to end: a document that holds a word yields at
 * least one passage. Each unit a format marks (a JSON Lines document, an
 * HTML block, a Markdown list item) is found however short it is, and so
 * are a short plain-text paragraph, a text file of one headline-like line
 * and a JSON Lines document with only a title. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static char *index_dir;

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    put_file("docs/short.jsonl",
             "{\"id\": \"short-1\", \"title\": \"\", \"text\": \"tiny "
             "jsonlthree words\"}\n"
             "{\"id\": \"titled-1\", \"title\": \"Only titlemarker here\", "
             "\"text\": \"\"}\n"
             "{\"id\": \"long-1\", \"title\": \"Long\", \"text\": \"A "
             "longer document of prose that has many words in it.\"}\n");
    put_file("docs/short.html",
             "<html><body><p>A longer paragraph of prose with enough words "
             "in it.</p><p>tiny htmlthree words</p></body></html>\n");
    put_file("docs/short.md", "- a longer list item with several more words\n"
                              "- tiny mdthree item\n");
    put_file("docs/short.txt", "A longer paragraph of prose text comes "
                               "first in this file.\n\n"
                               "tiny txtthree words\n");
    put_file("docs/oneline.txt", "a single line of twelve words without any "
                                 "final stop onelinemarker here\n");
    /* Headings with nothing under them but another heading. */
    put_file("docs/heads.md", "# Heads Title\n\nSome opening prose of the "
                              "notes.\n\n## Mdemptyhead Notes\n\n"
                              "## Next Part\n\nThe text of the next part.\n");
    put_file("docs/heads.txt", "Some opening prose of the text file.\n\n"
                               "1.  Txtemptyhead Protocol\n\n"
                               "1.1  Philosophy\n\n"
                               "   The indented text of the subsection.\n");
    index_dir = tmp_file("contract.idx");
    char *docs = tmp_file("docs");
    run_result_t r = run(INDEXER, "-d", index_dir, docs, (char *)NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer: %d %s", r.status, r.err);
    run_free(&r);
    free(docs);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    free(index_dir);
    return cli_teardown(state);
}

/* QUESTION has exactly one hit, in FILE, whose text holds TEXT. */
static void expect_one(const char *question, const char *file, const char *text)
{
    cJSON *a = query_json(0, index_dir, question, (char *)NULL);
    const cJSON *hits = hits_of(a);
    if (cJSON_GetArraySize(hits) != 1)
        fail_msg("'%s': %d hits, expected 1", question,
                 cJSON_GetArraySize(hits));
    const cJSON *h = cJSON_GetArrayItem(hits, 0);
    assert_string_equal(str_field(h, "source"), source_of(file));
    if (!strstr(str_field(h, "text"), text))
        fail_msg("'%s': text '%s' lacks '%s'", question, str_field(h, "text"),
                 text);
    cJSON_Delete(a);
}

static void test_short_units(void **state)
{
    (void)state;
    expect_one("jsonlthree", "docs/short.jsonl", "tiny jsonlthree words");
    expect_one("id:short-1", "docs/short.jsonl", "tiny jsonlthree words");
    expect_one("htmlthree", "docs/short.html", "tiny htmlthree words");
    expect_one("mdthree", "docs/short.md", "tiny mdthree item");
    expect_one("txtthree", "docs/short.txt", "tiny txtthree words");
}

static void test_headline_only_file(void **state)
{
    (void)state;
    expect_one("onelinemarker", "docs/oneline.txt",
               "a single line of twelve words without any final stop");
}

static void test_empty_sections(void **state)
{
    (void)state;
    expect_one("mdemptyhead", "docs/heads.md", "Mdemptyhead Notes");
    expect_one("txtemptyhead", "docs/heads.txt", "1. Txtemptyhead Protocol");
    /* The text under a heading carries it as its section. */
    cJSON *a = query_json(0, index_dir, "subsection", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "section"),
                        "1.1 Philosophy");
    cJSON_Delete(a);
}

static void test_title_only_document(void **state)
{
    (void)state;
    expect_one("titlemarker", "docs/short.jsonl", "Only titlemarker here");
    expect_one("id:titled-1", "docs/short.jsonl", "Only titlemarker here");
    cJSON *a = query_json(0, index_dir, "title:titlemarker", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "title"),
                        "Only titlemarker here");
    cJSON_Delete(a);
}

/* The summary counts the blocks dropped; --verbose names each, by file
 * and line, with the rule that dropped it. */
static void test_dropped_blocks(void **state)
{
    (void)state;
    put_file("drops/page.txt", "A paragraph of prose with enough words.\n\n"
                               "-----\n\n"
                               "Copyright 2024 Example Press\n");
    put_file("drops/feed.jsonl",
             "{\"id\": \"d-1\", \"text\": \"Short line\\nA line of "
             "prose long enough to be kept.\"}\n");
    char *index = tmp_file("drops.idx"), *dir = tmp_file("drops");
    cJSON *j = index_json(0, index, dir, (char *)NULL);
    assert_int_equal((int)json_num(j, "passages"), 2);
    assert_int_equal((int)json_num(j, "dropped"), 3);
    assert_int_equal((int)json_num(j, "warnings"), 0);
    cJSON_Delete(j);
    run_result_t r = run(INDEXER, "--verbose", "--no-delete", "-d", index,
                         "--compact", dir, (char *)NULL);
    assert_int_equal(r.status, 0);
    /* Unchanged files are not read again: nothing is named. */
    assert_null(strstr(r.err, "dropped ("));
    run_free(&r);
    char *index2 = tmp_file("drops2.idx");
    r = run(INDEXER, "-v", "-d", index2, dir, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(
        strstr(r.err, "page.txt:3: dropped (no word of letters): \"-----\""));
    assert_non_null(strstr(r.err, "page.txt:5: dropped (copyright notice): "
                                  "\"Copyright 2024 Example Press\""));
    assert_non_null(strstr(r.err, "feed.jsonl:1 (id d-1): dropped (fewer "
                                  "than 5 words, in a longer document): "
                                  "\"Short line\""));
    assert_non_null(strstr(r.err, "3 blocks dropped"));
    run_free(&r);
    free(index);
    free(index2);
    free(dir);
}

/* On threads, the workers split the JSON Lines documents: what they drop
 * is counted and named as one thread does. */
static void test_dropped_blocks_on_threads(void **state)
{
    (void)state;
    put_file("tdrops/page.txt", "A paragraph of prose with enough words.\n\n"
                                "Copyright 2024 Example Press\n");
    put_file("tdrops/feed.jsonl",
             "{\"id\": \"t-1\", \"text\": \"Short line\\nA line of "
             "prose long enough to be kept.\"}\n"
             "{\"id\": \"t-2\", \"text\": \"Tiny\\nAnother line of prose "
             "that is kept.\\n(c) 2020 Someone\"}\n");
    char *dir = tmp_file("tdrops");
    for (int jobs = 1; jobs <= 2; jobs++) {
        char *index = tmp_file("tdrops%d.idx", jobs);
        char n[8];
        snprintf(n, sizeof n, "%d", jobs);
        cJSON *j = index_json(0, index, "--jobs", n, dir, (char *)NULL);
        if ((int)json_num(j, "dropped") != 4)
            fail_msg("--jobs %d: %d dropped, expected 4", jobs,
                     (int)json_num(j, "dropped"));
        assert_int_equal((int)json_num(j, "passages"), 3);
        cJSON_Delete(j);
        free(index);
        index = tmp_file("tdrops%d-v.idx", jobs);
        run_result_t r =
            run(INDEXER, "-v", "--jobs", n, "-d", index, dir, (char *)NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.err, "4 blocks dropped"));
        assert_non_null(strstr(r.err, "feed.jsonl:2 (id t-2): dropped "
                                      "(copyright notice): \"(c) 2020 "
                                      "Someone\""));
        run_free(&r);
        free(index);
    }
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_units),
        cmocka_unit_test(test_headline_only_file),
        cmocka_unit_test(test_title_only_document),
        cmocka_unit_test(test_empty_sections),
        cmocka_unit_test(test_dropped_blocks),
        cmocka_unit_test(test_dropped_blocks_on_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
