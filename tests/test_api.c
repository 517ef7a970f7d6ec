/* The public API of include/quarry.h, through libquarry itself: indexing
 * documents and files, searching with options, walking the hits, and every
 * error path a caller can reach (missing index, bad arguments, writes to a
 * reader), each a status and never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include <math.h>

#include "cli.h"
#include "quarry.h"

#define PARAGRAPH_A                                                            \
    "The harbour master counted the fishing boats every morning before the "   \
    "tide turned, and wrote their names in a ledger.\n\n"
#define PARAGRAPH_B                                                            \
    "Lighthouse keepers on the northern cliffs kept the lamps burning "        \
    "through the winter storms of that long year.\n\n"

static const char *path_in(const char *name)
{
    static char buf[8][4200];
    static int next;
    next = (next + 1) % 8;
    return tmp_path(buf[next], sizeof buf[next], name);
}

static quarry_index_t *writer(const char *name)
{
    quarry_index_t *index = NULL;
    char *message = NULL;
    quarry_status_t st = quarry_index_open(
        path_in(name), QUARRY_MODE_READ_WRITE, &index, &message);
    if (st != QUARRY_STATUS_SUCCESS)
        fail_msg("cannot open %s: %s", name, message ? message : "?");
    assert_null(message);
    return index;
}

static quarry_index_t *reader(const char *name)
{
    quarry_index_t *index = NULL;
    assert_int_equal(
        quarry_index_open(path_in(name), QUARRY_MODE_READ_ONLY, &index, NULL),
        QUARRY_STATUS_SUCCESS);
    return index;
}

static quarry_results_t *search(quarry_index_t *index, const char *question,
                                const quarry_search_options_t *opts)
{
    quarry_results_t *r = NULL;
    quarry_status_t st = quarry_search(index, question, opts, &r);
    if (st != QUARRY_STATUS_SUCCESS)
        fail_msg("search '%s': %s", question, quarry_index_last_error(index));
    assert_non_null(r);
    return r;
}

/* An index of two sources: a plain text and a document with an id. */
static void build_harbour(const char *name)
{
    quarry_index_t *w = writer(name);
    unsigned n = 0;
    assert_int_equal(quarry_index_add_document(w, "/srv/harbour.txt", NULL,
                                               "Harbour notes",
                                               PARAGRAPH_A PARAGRAPH_B, &n),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 2);
    assert_int_equal(quarry_index_add_document(
                         w, "feed", "doc-7", "Cliffs",
                         "Seabirds nest on the northern cliffs above the "
                         "lighthouse in spring.",
                         &n),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 1);
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);
}

static void test_status_strings(void **state)
{
    (void)state;
    for (int s = 0; s < QUARRY_STATUS_LAST_STATUS; s++) {
        const char *text = quarry_status_to_string((quarry_status_t)s);
        assert_non_null(text);
        assert_true(*text);
        assert_string_not_equal(text, "unknown status");
    }
    assert_string_equal(quarry_status_to_string(QUARRY_STATUS_LAST_STATUS),
                        "unknown status");
    assert_string_equal(quarry_status_to_string((quarry_status_t)-1),
                        "unknown status");
    assert_string_equal(quarry_status_to_string(QUARRY_STATUS_SUCCESS),
                        "success");
}

static void test_version(void **state)
{
    (void)state;
    char expect[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", QUARRY_API_MAJOR,
             QUARRY_API_MINOR, QUARRY_API_MICRO);
    assert_string_equal(quarry_version(), expect);
    assert_true(QUARRY_CHECK_VERSION(0, 0, 0));
    assert_true(QUARRY_CHECK_VERSION(QUARRY_API_MAJOR, QUARRY_API_MINOR,
                                     QUARRY_API_MICRO));
    assert_false(QUARRY_CHECK_VERSION(QUARRY_API_MAJOR + 1, 0, 0));
}

static void test_open_missing_index(void **state)
{
    (void)state;
    quarry_index_t *index = (quarry_index_t *)1;
    char *message = NULL;
    const char *missing = path_in("no-such-index");
    assert_int_equal(
        quarry_index_open(missing, QUARRY_MODE_READ_ONLY, &index, &message),
        QUARRY_STATUS_NOT_FOUND);
    assert_null(index);
    assert_non_null(message);
    assert_non_null(strstr(message, missing));
    free(message);
    /* Without a place for the message. */
    assert_int_equal(
        quarry_index_open(missing, QUARRY_MODE_READ_ONLY, &index, NULL),
        QUARRY_STATUS_NOT_FOUND);
    /* A writer does not create parent folders. */
    char deep[4300];
    snprintf(deep, sizeof deep, "%s/a/b", missing);
    assert_int_not_equal(
        quarry_index_open(deep, QUARRY_MODE_READ_WRITE, &index, NULL),
        QUARRY_STATUS_SUCCESS);
    assert_null(index);
    assert_int_not_equal(access(missing, F_OK), 0);
}

static void test_open_not_an_index(void **state)
{
    (void)state;
    quarry_index_t *index = NULL;
    char *message = NULL;
    const char *file = path_in("plain-file");
    write_file(file, "not an index\n");
    quarry_status_t st =
        quarry_index_open(file, QUARRY_MODE_READ_ONLY, &index, &message);
    assert_int_not_equal(st, QUARRY_STATUS_SUCCESS);
    assert_null(index);
    assert_non_null(message);
    free(message);
    st = quarry_index_open(file, QUARRY_MODE_READ_WRITE, &index, &message);
    assert_int_not_equal(st, QUARRY_STATUS_SUCCESS);
    assert_null(index);
    free(message);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    quarry_index_t *index = NULL;
    char *message = (char *)1;
    assert_int_equal(
        quarry_index_open(NULL, QUARRY_MODE_READ_ONLY, &index, &message),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_null(message);
    assert_int_equal(
        quarry_index_open("", QUARRY_MODE_READ_WRITE, &index, NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(
        quarry_index_open(path_in("x"), QUARRY_MODE_READ_ONLY, NULL, NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(
        quarry_index_open(path_in("x"), (quarry_mode_t)7, &index, NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_null(index);
    assert_int_equal(quarry_index_open_shards(NULL, 1, &index, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    const char *none[] = {NULL};
    assert_int_equal(quarry_index_open_shards(none, 1, &index, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_open_shards(none, 0, &index, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);

    /* Every function takes NULL objects without crashing. */
    quarry_results_t *r = (quarry_results_t *)1;
    assert_int_equal(quarry_search(NULL, "boats", NULL, &r),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_null(r);
    assert_int_equal(quarry_search(NULL, "boats", NULL, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_close(NULL), QUARRY_STATUS_SUCCESS);
    assert_string_equal(quarry_index_last_error(NULL), "");
    assert_string_equal(quarry_index_language(NULL), "");
    unsigned count;
    assert_int_equal(quarry_index_passage_count(NULL, &count),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_commit(NULL), QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_reopen(NULL), QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(
        quarry_index_add_document(NULL, "s", NULL, NULL, "t", NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_add_file(NULL, "f", NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_remove_source(NULL, "s"),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    quarry_results_destroy(NULL);
    quarry_search_options_destroy(NULL);
    assert_int_equal(quarry_results_count(NULL), 0);
    assert_int_equal(quarry_results_total(NULL), 0);
    assert_null(quarry_results_hit(NULL, 0));
    assert_null(quarry_results_suggestion(NULL));
    assert_string_equal(quarry_results_parsed(NULL), "");
    assert_string_equal(quarry_hit_text(NULL), "");
    assert_string_equal(quarry_hit_source(NULL), "");
    assert_int_equal(quarry_hit_rank(NULL), 0);
    assert_int_equal(quarry_hit_highlight_count(NULL), 0);
    size_t start = 9, end = 9;
    assert_int_equal(quarry_hit_highlight(NULL, 0, &start, &end),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    quarry_hit_snippet(NULL, &start, &end, NULL, NULL);
    assert_int_equal(start, 0);
    assert_int_equal(end, 0);
    assert_int_equal(quarry_hit_also(NULL, 0, NULL, NULL, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_hit_explain(NULL, 0, NULL, NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_create(NULL),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_limit(NULL, 5),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_spelling(NULL, 0),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_language(NULL, "english"),
                     QUARRY_STATUS_INVALID_ARGUMENT);
}

static void test_index_and_search(void **state)
{
    (void)state;
    build_harbour("harbour");
    quarry_index_t *r = reader("harbour");
    assert_string_equal(quarry_index_language(r), "english");
    unsigned count = 0;
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 3);

    quarry_results_t *res = search(r, "fishing boats", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    assert_int_equal(quarry_results_total(res), 1);
    assert_null(quarry_results_suggestion(res));
    assert_false(quarry_results_corrected(res));
    assert_true(*quarry_results_parsed(res));
    const quarry_hit_t *hit = quarry_results_hit(res, 0);
    assert_non_null(hit);
    assert_null(quarry_results_hit(res, 1));
    assert_int_equal(quarry_hit_rank(hit), 1);
    assert_true(quarry_hit_score(hit) > 0);
    assert_string_equal(quarry_hit_source(hit), "/srv/harbour.txt");
    assert_string_equal(quarry_hit_title(hit), "Harbour notes");
    assert_string_equal(quarry_hit_id(hit), "");
    assert_int_equal(quarry_hit_passage(hit), 1);
    assert_int_equal(quarry_hit_page(hit), 0);
    assert_string_equal(quarry_hit_from(hit), "");
    assert_string_equal(quarry_hit_language(hit), "");
    const char *text = quarry_hit_text(hit);
    assert_non_null(strstr(text, "harbour master counted"));
    unsigned long long offset = 99, length = 0;
    quarry_hit_offsets(hit, &offset, &length);
    assert_int_equal(offset, 0);
    assert_true(length > 0);

    /* The highlights are the question's words, in order, inside the text. */
    assert_int_equal(quarry_hit_highlight_count(hit), 2);
    const char *words[] = {"fishing", "boats"};
    for (size_t i = 0; i < 2; i++) {
        size_t start, end;
        assert_int_equal(quarry_hit_highlight(hit, i, &start, &end),
                         QUARRY_STATUS_SUCCESS);
        assert_true(start < end && end <= strlen(text));
        assert_int_equal(end - start, strlen(words[i]));
        assert_memory_equal(text + start, words[i], end - start);
    }
    size_t start, end;
    assert_int_equal(quarry_hit_highlight(hit, 2, &start, &end),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    int before = -1, after = -1;
    quarry_hit_snippet(hit, &start, &end, &before, &after);
    assert_true(start < end && end <= strlen(text));
    assert_true(before == 0 || before == 1);
    assert_int_equal(quarry_hit_also_count(hit), 0);
    assert_int_equal(quarry_hit_explain_count(hit), 0);
    quarry_results_destroy(res);

    /* The document with an id. */
    res = search(r, "seabirds", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    hit = quarry_results_hit(res, 0);
    assert_string_equal(quarry_hit_id(hit), "doc-7");
    assert_string_equal(quarry_hit_source(hit), "feed");
    assert_string_equal(quarry_hit_title(hit), "Cliffs");
    quarry_results_destroy(res);

    /* A question with no searchable word finds nothing, successfully. */
    res = search(r, "?! -- ...", NULL);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    res = search(r, "", NULL);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    quarry_results_t *none = (quarry_results_t *)1;
    assert_int_equal(quarry_search(r, NULL, NULL, &none),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_null(none);
    assert_true(*quarry_index_last_error(r));
    assert_int_equal(quarry_index_close(r), QUARRY_STATUS_SUCCESS);

    /* What the library writes, `query` reads. */
    run_result_t q = run(QUARRY_QUERY_BIN, "-d", path_in("harbour"), "--count",
                         "fishing boats", NULL);
    assert_int_equal(q.status, 0);
    assert_string_equal(q.out, "1\n");
    run_free(&q);
}

/* source:notes names the source CONTEXT. */
static char *resolve_notes(void *context, const char *value)
{
    return strcmp(value, "notes") == 0 ? strdup(context) : NULL;
}

static void test_options(void **state)
{
    (void)state;
    build_harbour("options");
    quarry_index_t *r = reader("options");
    quarry_search_options_t *o = NULL;
    assert_int_equal(quarry_search_options_create(&o), QUARRY_STATUS_SUCCESS);

    /* Out of range: refused, the option left as it was. */
    assert_int_equal(quarry_search_options_set_limit(o, QUARRY_MAX_LIMIT + 1),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_offset(o, 10000001),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_context(o, 0),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_b(o, 1.5),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_k1(o, NAN),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_k1(o, -1),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_title_weight(o, 101),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_proximity(o, -0.5),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_feedback(o, 1001),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_feedback_terms(o, 1001),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_feedback_weight(o, 2),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_repeats(o, 2),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_per_source(o, -1),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_spelling(o, 5),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_language(o, "klingon"),
                     QUARRY_STATUS_UNKNOWN_LANGUAGE);
    /* ... so the defaults still search. */
    quarry_results_t *res = search(r, "northern cliffs", o);
    assert_int_equal(quarry_results_count(res), 2);
    quarry_results_destroy(res);

    /* limit and offset */
    assert_int_equal(quarry_search_options_set_limit(o, 1),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "northern cliffs", o);
    assert_int_equal(quarry_results_count(res), 1);
    assert_int_equal(quarry_results_total(res), 2);
    char first[64];
    snprintf(first, sizeof first, "%s",
             quarry_hit_source(quarry_results_hit(res, 0)));
    quarry_results_destroy(res);
    assert_int_equal(quarry_search_options_set_offset(o, 1),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "northern cliffs", o);
    assert_int_equal(quarry_results_count(res), 1);
    assert_int_equal(quarry_hit_rank(quarry_results_hit(res, 0)), 2);
    assert_string_not_equal(quarry_hit_source(quarry_results_hit(res, 0)),
                            first);
    quarry_results_destroy(res);
    assert_int_equal(quarry_search_options_set_limit(o, 0),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_search_options_set_offset(o, 0),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "northern cliffs", o);
    assert_int_equal(quarry_results_count(res), 0);
    assert_int_equal(quarry_results_total(res), 2);
    quarry_results_destroy(res);
    assert_int_equal(quarry_search_options_set_limit(o, 10),
                     QUARRY_STATUS_SUCCESS);

    /* explain fills the score's parts. */
    assert_int_equal(quarry_search_options_set_explain(o, 1),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "lamps", o);
    const quarry_hit_t *hit = quarry_results_hit(res, 0);
    assert_true(quarry_hit_explain_count(hit) > 0);
    const char *what = NULL;
    double weight = 0;
    assert_int_equal(quarry_hit_explain(hit, 0, &what, &weight),
                     QUARRY_STATUS_SUCCESS);
    assert_non_null(strstr(what, "lamp"));
    assert_true(weight > 0);
    assert_int_equal(
        quarry_hit_explain(hit, quarry_hit_explain_count(hit), &what, NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);
    quarry_results_destroy(res);

    /* Another language stems otherwise: "none" does not stem at all. */
    assert_int_equal(quarry_search_options_set_language(o, "none"),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "lamps", o);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    assert_int_equal(quarry_search_options_set_language(o, NULL),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "lamps", o);
    assert_int_equal(quarry_results_count(res), 1);
    quarry_results_destroy(res);

    /* Without highlights: the same hit, no spans. */
    assert_int_equal(quarry_search_options_set_highlights(o, 2),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_search_options_set_highlights(o, 0),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "lamps", o);
    assert_int_equal(quarry_results_count(res), 1);
    assert_int_equal(quarry_hit_highlight_count(quarry_results_hit(res, 0)), 0);
    quarry_results_destroy(res);

    /* source:VALUE through the caller's resolver. */
    res = search(r, "source:notes lamps", o);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    assert_int_equal(quarry_search_options_set_source_resolver(
                         o, resolve_notes, (void *)"/srv/harbour.txt"),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "source:notes lamps", o);
    assert_int_equal(quarry_results_count(res), 1);
    assert_string_equal(quarry_hit_source(quarry_results_hit(res, 0)),
                        "/srv/harbour.txt");
    quarry_results_destroy(res);
    assert_int_equal(
        quarry_search_options_set_source_resolver(NULL, NULL, NULL),
        QUARRY_STATUS_INVALID_ARGUMENT);

    quarry_search_options_destroy(o);
    quarry_index_close(r);
}

/* A misspelled question: the suggestion, and the hits of the correction. */
static void test_spelling(void **state)
{
    (void)state;
    build_harbour("spelling");
    quarry_index_t *r = reader("spelling");
    quarry_results_t *res = search(r, "lighthuose", NULL);
    assert_non_null(quarry_results_suggestion(res));
    assert_string_equal(quarry_results_suggestion(res), "lighthouse");
    assert_true(quarry_results_corrected(res));
    assert_true(quarry_results_count(res) > 0);
    quarry_results_destroy(res);

    quarry_search_options_t *o = NULL;
    assert_int_equal(quarry_search_options_create(&o), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_search_options_set_spelling(o, 0),
                     QUARRY_STATUS_SUCCESS);
    res = search(r, "lighthuose", o);
    assert_null(quarry_results_suggestion(res));
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    quarry_search_options_destroy(o);
    quarry_index_close(r);
}

/* The same passage in two sources is one hit, the other in `also`; with
 * duplicates on, two hits. */
static void test_also(void **state)
{
    (void)state;
    quarry_index_t *w = writer("also");
    assert_int_equal(
        quarry_index_add_document(w, "one.txt", NULL, NULL, PARAGRAPH_A, NULL),
        QUARRY_STATUS_SUCCESS);
    assert_int_equal(
        quarry_index_add_document(w, "two.txt", NULL, NULL, PARAGRAPH_A, NULL),
        QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    quarry_results_t *res = search(w, "ledger", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    const quarry_hit_t *hit = quarry_results_hit(res, 0);
    assert_int_equal(quarry_hit_also_count(hit), 1);
    const char *source = NULL, *id = NULL;
    unsigned passage = 0;
    assert_int_equal(quarry_hit_also(hit, 0, &source, &id, &passage),
                     QUARRY_STATUS_SUCCESS);
    assert_string_not_equal(source, quarry_hit_source(hit));
    assert_true(strcmp(source, "one.txt") == 0 ||
                strcmp(source, "two.txt") == 0);
    assert_string_equal(id, "");
    assert_int_equal(passage, 1);
    assert_int_equal(quarry_hit_also(hit, 1, &source, &id, &passage),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    quarry_results_destroy(res);

    quarry_search_options_t *o = NULL;
    assert_int_equal(quarry_search_options_create(&o), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_search_options_set_duplicates(o, 1),
                     QUARRY_STATUS_SUCCESS);
    res = search(w, "ledger", o);
    assert_int_equal(quarry_results_count(res), 2);
    quarry_results_destroy(res);
    quarry_search_options_destroy(o);
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);
}

/* Replacing and removing: a source's passages are replaced by its new
 * text, a document's by id; a reader sees commits after reopening. */
static void test_replace_and_remove(void **state)
{
    (void)state;
    quarry_index_t *w = writer("replace");
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    quarry_index_t *r = reader("replace");
    assert_int_equal(quarry_index_add_document(w, "notes", NULL, NULL,
                                               PARAGRAPH_A PARAGRAPH_B, NULL),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_add_document(w, "feed", "d1", NULL,
                                               "Gulls over the quay.", NULL),
                     QUARRY_STATUS_SUCCESS);
    unsigned count = 9;
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 0); /* nothing committed yet */
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_reopen(r), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 3);

    /* The same source and the same id again: replaced, not added. */
    assert_int_equal(
        quarry_index_add_document(w, "notes", NULL, NULL, PARAGRAPH_B, NULL),
        QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_add_document(w, "elsewhere", "d1", NULL,
                                               "Terns over the quay.", NULL),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_reopen(r), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 2);
    quarry_results_t *res = search(r, "gulls", NULL);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    res = search(r, "terns", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    assert_string_equal(quarry_hit_source(quarry_results_hit(res, 0)),
                        "elsewhere");
    quarry_results_destroy(res);

    assert_int_equal(quarry_index_remove_source(w, "notes"),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_remove_source(w, "never-indexed"),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_remove_source(w, ""),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    /* Closing commits. */
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_reopen(r), QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 1);

    /* A reader refuses every write. */
    assert_int_equal(
        quarry_index_add_document(r, "x", NULL, NULL, "Words.", NULL),
        QUARRY_STATUS_READ_ONLY);
    assert_true(*quarry_index_last_error(r));
    assert_int_equal(quarry_index_remove_source(r, "elsewhere"),
                     QUARRY_STATUS_READ_ONLY);
    assert_int_equal(quarry_index_commit(r), QUARRY_STATUS_READ_ONLY);
    assert_int_equal(quarry_index_close(r), QUARRY_STATUS_SUCCESS);
}

static void test_document_arguments(void **state)
{
    (void)state;
    quarry_index_t *w = writer("docargs");
    unsigned n = 9;
    assert_int_equal(
        quarry_index_add_document(w, NULL, NULL, NULL, "Text.", &n),
        QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(n, 0);
    assert_int_equal(quarry_index_add_document(w, "", NULL, NULL, "Text.", &n),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_add_document(w, "s", NULL, NULL, NULL, &n),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_true(*quarry_index_last_error(w));
    /* A text without a word stores nothing, and is no error. */
    assert_int_equal(
        quarry_index_add_document(w, "s", NULL, NULL, " \n-- \n", &n),
        QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 0);
    /* Invalid UTF-8 is repaired, not refused. */
    assert_int_equal(quarry_index_add_document(
                         w, "bytes", NULL, NULL,
                         "Broken \xff\xfe bytes in a sentence of words.", &n),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 1);
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);
}

static void test_add_file(void **state)
{
    (void)state;
    quarry_index_t *w = writer("files");
    unsigned n = 9;
    const char *md = path_in("guide.md");
    write_file(md, "# Tide tables\n\nThe tide tables list high water for "
                   "every harbour on the coast.\n\n## Moon\n\nSpring tides "
                   "follow the full and the new moon.\n");
    assert_int_equal(quarry_index_add_file(w, md, &n), QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 2);
    /* A file without an extension that says its format: sniffed. */
    const char *html = path_in("page");
    write_file(html, "<!DOCTYPE html><html><head><title>Quay</title></head>"
                     "<body><p>Cranes unload the cargo ships at the quay "
                     "all night.</p></body></html>\n");
    assert_int_equal(quarry_index_add_file(w, html, &n), QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 1);
    const char *jsonl = path_in("feed.jsonl");
    write_file(jsonl, "{\"id\": \"a\", \"title\": \"Nets\", \"text\": \"Nets "
                      "are mended on the beach by hand.\"}\n"
                      "{\"id\": \"b\", \"text\": \"Oars are painted blue "
                      "before the summer regatta.\"}\n");
    assert_int_equal(quarry_index_add_file(w, jsonl, &n),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(n, 2);
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);

    quarry_results_t *res = search(w, "full moon", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    const quarry_hit_t *hit = quarry_results_hit(res, 0);
    assert_string_equal(quarry_hit_title(hit), "Tide tables");
    assert_string_equal(quarry_hit_section(hit), "Moon");
    /* Stored under the file's absolute path. */
    char *real = realpath(md, NULL);
    assert_non_null(real);
    assert_string_equal(quarry_hit_source(hit), real);
    free(real);
    quarry_results_destroy(res);
    res = search(w, "cranes", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    assert_string_equal(quarry_hit_title(quarry_results_hit(res, 0)), "Quay");
    quarry_results_destroy(res);
    res = search(w, "oars", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    assert_string_equal(quarry_hit_id(quarry_results_hit(res, 0)), "b");
    quarry_results_destroy(res);

    /* A JSON Lines file indexed again holds only its new documents. */
    write_file(jsonl, "{\"id\": \"b\", \"text\": \"Oars are painted blue "
                      "before the summer regatta.\"}\n");
    assert_int_equal(quarry_index_add_file(w, jsonl, &n),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    res = search(w, "nets mended", NULL);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);

    /* Errors: each a status and a message naming the file. */
    const char *missing = path_in("missing.txt");
    assert_int_equal(quarry_index_add_file(w, missing, &n),
                     QUARRY_STATUS_NOT_FOUND);
    assert_int_equal(n, 0);
    assert_non_null(strstr(quarry_index_last_error(w), missing));
    assert_int_equal(quarry_index_add_file(w, cli_tmp, &n),
                     QUARRY_STATUS_IO_ERROR);
    assert_int_equal(quarry_index_add_file(w, NULL, &n),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_int_equal(quarry_index_add_file(w, "", &n),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    const char *pdf = path_in("broken.pdf");
    write_file(pdf, "%PDF-1.4 this is not really a PDF\n");
    assert_int_equal(quarry_index_add_file(w, pdf, &n),
                     QUARRY_STATUS_UNREADABLE);
    assert_non_null(strstr(quarry_index_last_error(w), pdf));
    /* A binary file is not text, whatever its name says; what the file
     * held before goes. */
    const char *elf = path_in("program.txt");
    write_file(elf, "Barnacles cover the hull of the old trawler.\n");
    assert_int_equal(quarry_index_add_file(w, elf, &n), QUARRY_STATUS_SUCCESS);
    write_file(elf, "\x7f"
                    "ELF\x02\x01\x01 and then some words");
    assert_int_equal(quarry_index_add_file(w, elf, &n),
                     QUARRY_STATUS_UNREADABLE);
    assert_non_null(strstr(quarry_index_last_error(w), "binary"));
    assert_int_equal(quarry_index_commit(w), QUARRY_STATUS_SUCCESS);
    res = search(w, "barnacles", NULL);
    assert_int_equal(quarry_results_count(res), 0);
    quarry_results_destroy(res);
    const char *bad = path_in("bad.jsonl");
    write_file(bad, "{\"id\": \"c\", \"text\": \"Anchors rust quickly in "
                    "salt water.\"}\nnot json at all\n");
    assert_int_equal(quarry_index_add_file(w, bad, &n),
                     QUARRY_STATUS_UNREADABLE);
    assert_int_equal(n, 1); /* the good line is indexed */
    assert_non_null(strstr(quarry_index_last_error(w), bad));
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);

    quarry_index_t *r = reader("files");
    assert_int_equal(quarry_index_add_file(r, md, &n), QUARRY_STATUS_READ_ONLY);
    quarry_index_close(r);
}

static void test_languages_and_locks(void **state)
{
    (void)state;
    quarry_index_t *w = NULL;
    char *message = NULL;
    const char *path = path_in("french");
    assert_int_equal(quarry_index_create(path, "klingon", &w, &message),
                     QUARRY_STATUS_UNKNOWN_LANGUAGE);
    assert_null(w);
    assert_int_not_equal(access(path, F_OK), 0); /* nothing created */
    free(message);
    assert_int_equal(quarry_index_create(path, "french", &w, &message),
                     QUARRY_STATUS_SUCCESS);
    assert_string_equal(quarry_index_language(w), "french");
    assert_int_equal(quarry_index_add_document(
                         w, "f", NULL, NULL,
                         "Les chevaux mangent dans les prés verts.", NULL),
                     QUARRY_STATUS_SUCCESS);

    /* One writer at a time. */
    quarry_index_t *second = NULL;
    assert_int_equal(
        quarry_index_open(path, QUARRY_MODE_READ_WRITE, &second, &message),
        QUARRY_STATUS_LOCKED);
    assert_null(second);
    assert_non_null(message);
    free(message);
    assert_int_equal(quarry_index_close(w), QUARRY_STATUS_SUCCESS);

    /* The index keeps its language. */
    assert_int_equal(quarry_index_create(path, "german", &w, &message),
                     QUARRY_STATUS_INVALID_ARGUMENT);
    assert_null(w);
    assert_non_null(message);
    free(message);
    quarry_index_t *r = reader("french");
    assert_string_equal(quarry_index_language(r), "french");
    quarry_results_t *res = search(r, "cheval", NULL);
    assert_int_equal(quarry_results_count(res), 1);
    quarry_results_destroy(res);
    quarry_index_close(r);
}

static void test_shards(void **state)
{
    (void)state;
    build_harbour("shard-a");
    quarry_index_t *w = writer("shard-b");
    assert_int_equal(quarry_index_add_document(w, "b.txt", NULL, NULL,
                                               "The ferry to the island "
                                               "leaves at noon from the pier.",
                                               NULL),
                     QUARRY_STATUS_SUCCESS);
    quarry_index_close(w);
    const char *paths[] = {path_in("shard-a"), path_in("shard-b")};
    quarry_index_t *r = NULL;
    assert_int_equal(quarry_index_open_shards(paths, 2, &r, NULL),
                     QUARRY_STATUS_SUCCESS);
    unsigned count = 0;
    assert_int_equal(quarry_index_passage_count(r, &count),
                     QUARRY_STATUS_SUCCESS);
    assert_int_equal(count, 4);
    quarry_results_t *res = search(r, "ferry OR lighthouse", NULL);
    assert_int_equal(quarry_results_count(res), 3);
    quarry_results_destroy(res);
    quarry_index_close(r);
    const char *bad[] = {path_in("shard-a"), path_in("no-shard")};
    assert_int_equal(quarry_index_open_shards(bad, 2, &r, NULL),
                     QUARRY_STATUS_NOT_FOUND);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_open_missing_index),
        cmocka_unit_test(test_open_not_an_index),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_index_and_search),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_spelling),
        cmocka_unit_test(test_also),
        cmocka_unit_test(test_replace_and_remove),
        cmocka_unit_test(test_document_arguments),
        cmocka_unit_test(test_add_file),
        cmocka_unit_test(test_languages_and_locks),
        cmocka_unit_test(test_shards),
    };
    return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
