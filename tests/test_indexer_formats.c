/* Each input format end to end: a file of that format indexed by the
 * indexer, then asked for through `query --json`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static char *index_dir;

static const char markdown[] =
    "# Markdown Article Title\n"
    "\n"
    "An introduction with **bold** words, `code` and a "
    "[link](http://example.com/mdlink) holding mdintromarker.\n"
    "\n"
    "## Second Section\n"
    "\n"
    "- a list item with mdlistmarker and several more words\n"
    "- another list item that is also long enough to keep\n";

static const char html[] =
    "<!DOCTYPE html><html><head><title>HTML Page Title</title>"
    "<style>.x { color: red } /* stylemarker */</style>"
    "<script>var scriptmarker = 'not text';</script></head><body>"
    "<nav>navmarker menu with home about and contact links</nav>"
    "<h1>Main Heading</h1>"
    "<p>A paragraph with <b>htmlmarker</b> and &amp; entities &eacute; "
    "in it.</p>"
    "<ul><li>List item with htmllistmarker and some more words</li></ul>"
    "<footer>footermarker with the site's many footer words</footer>"
    "</body></html>\n";

static const char jsonl[] =
    "{\"id\": \"doc-1\", \"title\": \"Json Title\", \"text\": \"The "
    "jsonlmarker text of the first document is here.\", \"url\": "
    "\"http://example.com/1\", \"date\": \"2022-02-06\", \"author\": "
    "\"Ann\", \"tags\": [\"a\", \"b\"]}\n"
    "{\"_id\": 42, \"title\": \"Numeric\", \"text\": \"Second document "
    "with a numeric underscore id and numericmarker.\"}\n"
    "not json at all\n"
    "{\"title\": \"No id\", \"text\": \"A document without any id "
    "noidmarker.\"}\n";

static const char text[] = "The Plain Text Headline Here\n"
                           "\n"
                           "A plain paragraph of text that holds "
                           "textmarker and other words.\n";

static int setup(void **state)
{
    if (ix_setup(state) != 0)
        return -1;
    put_file("docs/article.md", markdown);
    put_file("docs/page.html", html);
    put_file("docs/page2.htm", html);
    put_file("docs/feed.jsonl", jsonl);
    put_file("docs/notes.txt", text);
    put_file("docs/unknown.ext", "The Headline Of An Unknown Extension\n\n"
                                 "Text in a file of unknown extension "
                                 "holds extmarker.\n");
    /* Markdown in a .txt file, read as Markdown only when asked. */
    put_file("other/readme.txt", markdown);
    index_dir = tmp_file("formats.idx");
    char *docs = tmp_file("docs");
    run_result_t r = run(INDEXER, "-d", index_dir, docs, (char *)NULL);
    int ok = r.status == 0;
    /* Exactly the two bad lines of the JSON Lines file are reported, by
     * file and line. */
    ok = ok && strstr(r.err, "feed.jsonl: line 3: ") &&
         strstr(r.err, "feed.jsonl: line 4: no id");
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

/* The single hit of WORD, checked field by field (NULL: not checked;
 * "-": must be absent). */
typedef struct expect {
    const char *word;
    const char *file;
    const char *title;
    const char *text_has;
    const char *id;
} expect_t;

static void check_hit(const expect_t *e)
{
    cJSON *a = query_json(0, index_dir, e->word, (char *)NULL);
    const cJSON *hits = hits_of(a);
    if (cJSON_GetArraySize(hits) != 1)
        fail_msg("'%s': %d hits, expected 1", e->word,
                 cJSON_GetArraySize(hits));
    const cJSON *h = cJSON_GetArrayItem(hits, 0);
    assert_string_equal(str_field(h, "source"), source_of(e->file));
    if (e->title && strcmp(str_field(h, "title"), e->title) != 0)
        fail_msg("'%s': title '%s', expected '%s'", e->word,
                 str_field(h, "title"), e->title);
    if (e->text_has && !strstr(str_field(h, "text"), e->text_has))
        fail_msg("'%s': text '%s' lacks '%s'", e->word, str_field(h, "text"),
                 e->text_has);
    const char *id = str_field(h, "id");
    if (e->id && strcmp(e->id, "-") == 0)
        assert_null(id);
    else if (e->id && (!id || strcmp(id, e->id) != 0))
        fail_msg("'%s': id '%s', expected '%s'", e->word, id ? id : "(none)",
                 e->id);
    cJSON_Delete(a);
}

static void expect_nothing(const char *word)
{
    run_result_t r =
        run(QUERY, QUERY_EXACT, "-d", index_dir, word, (char *)NULL);
    if (r.status != 1)
        fail_msg("'%s' matched (exit %d): %s", word, r.status, r.out);
    run_free(&r);
}

static void test_text(void **state)
{
    (void)state;
    const expect_t rows[] = {
        {"textmarker", "docs/notes.txt", "The Plain Text Headline Here",
         "holds textmarker", "-"},
    };
    check_hit(&rows[0]);
    /* An unknown extension is read as text. */
    const expect_t ext = {"extmarker", "docs/unknown.ext",
                          "The Headline Of An Unknown Extension",
                          "unknown extension holds extmarker", "-"};
    check_hit(&ext);
}

static void test_markdown(void **state)
{
    (void)state;
    const expect_t rows[] = {
        /* Markup removed, link text kept, the URL not. */
        {"mdintromarker", "docs/article.md", "Markdown Article Title",
         "An introduction with bold words, code and a link holding", "-"},
        /* The article's title; the heading above is the section. */
        {"mdlistmarker", "docs/article.md", "Markdown Article Title",
         "a list item with mdlistmarker", "-"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        check_hit(&rows[i]);
    expect_nothing("mdlink");
    /* section: finds the passages under a heading (the two list items),
     * title: not. */
    const char *asked[] = {"section:second", "section:\"second section\""};
    cJSON *a;
    for (size_t i = 0; i < 2; i++) {
        a = query_json(0, index_dir, asked[i], (char *)NULL);
        assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
        const cJSON *h;
        cJSON_ArrayForEach(h, hits_of(a))
            assert_string_equal(str_field(h, "section"), "Second Section");
        cJSON_Delete(a);
    }
    a = query_json(1, index_dir, "title:second", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 0);
    cJSON_Delete(a);
}

static void test_html(void **state)
{
    (void)state;
    /* Both extensions: every marker has two hits, one per file. */
    const char *files[] = {"docs/page.html", "docs/page2.htm"};
    for (int f = 0; f < 2; f++) {
        cJSON *a = query_json(0, index_dir, "htmlmarker", (char *)NULL);
        int seen = 0;
        const cJSON *h;
        cJSON_ArrayForEach(h, hits_of(a))
        {
            if (strcmp(str_field(h, "source"), source_of(files[f])) != 0)
                continue;
            seen = 1;
            assert_string_equal(str_field(h, "title"), "HTML Page Title");
            assert_string_equal(str_field(h, "section"), "Main Heading");
            /* Entities decoded, tags gone. */
            assert_string_equal(str_field(h, "text"),
                                "A paragraph with htmlmarker and & "
                                "entities \xc3\xa9 in it.");
        }
        assert_true(seen);
        cJSON_Delete(a);
    }
    cJSON *a = query_json(0, index_dir, "htmllistmarker", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
    cJSON_Delete(a);
    /* Script, style, navigation and footer are not text. */
    expect_nothing("scriptmarker");
    expect_nothing("stylemarker");
    expect_nothing("navmarker");
    expect_nothing("footermarker");
}

static void test_jsonl(void **state)
{
    (void)state;
    const expect_t rows[] = {
        {"jsonlmarker", "docs/feed.jsonl", "Json Title",
         "The jsonlmarker text of the first document is here.", "doc-1"},
        /* "_id" when there is no "id"; numbers in decimal. */
        {"numericmarker", "docs/feed.jsonl", "Numeric", NULL, "42"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        check_hit(&rows[i]);
    expect_nothing("noidmarker");
    /* Every other field comes back under meta, url and date included. */
    cJSON *a = query_json(0, index_dir, "jsonlmarker", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "meta");
    assert_true(cJSON_IsObject(meta));
    assert_string_equal(str_field(meta, "url"), "http://example.com/1");
    assert_string_equal(str_field(meta, "date"), "2022-02-06");
    assert_string_equal(str_field(meta, "author"), "Ann");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(meta, "tags");
    assert_true(cJSON_IsArray(tags));
    assert_int_equal(cJSON_GetArraySize(tags), 2);
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "text"));
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "id"));
    cJSON_Delete(a);
    /* The id is searchable. */
    a = query_json(0, index_dir, "id:doc-1", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    cJSON_Delete(a);
}

/* --format reads files as the format named, whatever their extension. */
static void test_format_option(void **state)
{
    (void)state;
    char *dir = tmp_file("other"), *idx = tmp_file("other-text.idx");
    cJSON *j = index_json(0, idx, dir, (char *)NULL);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "mdintromarker", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_non_null(strstr(str_field(h, "text"), "**bold**"));
    cJSON_Delete(a);
    free(idx);

    idx = tmp_file("other-md.idx");
    j = index_json(0, idx, "--format", "md", dir, (char *)NULL);
    cJSON_Delete(j);
    a = query_json(0, idx, "mdintromarker", (char *)NULL);
    h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_null(strstr(str_field(h, "text"), "**"));
    assert_string_equal(str_field(h, "title"), "Markdown Article Title");
    cJSON_Delete(a);

    run_result_t r =
        run(INDEXER, "-d", idx, "--format", "rtf", dir, (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown format 'rtf'"));
    run_free(&r);
    free(idx);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),          cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_html),          cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_format_option),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
