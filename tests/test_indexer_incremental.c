/* Running the indexer again over a tree that changed: exactly the changed
 * files are rewritten, files that went away lose their passages, JSON Lines
 * documents are replaced by id, and an unchanged tree writes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

#define MAX_IDS 64

/* The docids of one file's passages, to tell a rewritten file (new ids)
 * from one left alone (same ids). */
typedef struct ids {
    unsigned v[MAX_IDS];
    size_t n;
} ids_t;

static ids_t ids_of(const char *index, const char *rel)
{
    ids_t ids;
    ids.n = source_docids(index, source_of(rel), ids.v, MAX_IDS);
    assert_true(ids.n <= MAX_IDS);
    return ids;
}

static int same_ids(const ids_t *a, const ids_t *b)
{
    return a->n == b->n && memcmp(a->v, b->v, a->n * sizeof *a->v) == 0;
}

/* The first hit's field NAME for a query, or NULL when nothing matched. */
static char *first_hit(const char *index, const char *words, const char *name)
{
    run_result_t r =
        run(QUERY, QUERY_EXACT, "--json", "-d", index, words, (char *)NULL);
    cJSON *j = cJSON_Parse(r.out);
    run_free(&r);
    assert_non_null(j);
    const cJSON *hits = hits_of(j);
    char *v = NULL;
    if (cJSON_GetArraySize(hits) > 0) {
        const char *s = str_field(cJSON_GetArrayItem(hits, 0), name);
        v = s ? strdup(s) : NULL;
    }
    cJSON_Delete(j);
    return v;
}

static unsigned hits_for(const char *index, const char *words)
{
    run_result_t r = run(QUERY, QUERY_EXACT, "--json", "-d", index, "-n",
                         "1000", words, (char *)NULL);
    cJSON *j = cJSON_Parse(r.out);
    run_free(&r);
    assert_non_null(j);
    unsigned n = (unsigned)cJSON_GetArraySize(hits_of(j));
    cJSON_Delete(j);
    return n;
}

static void test_unchanged_tree_writes_nothing(void **state)
{
    (void)state;
    put_article("same/a.txt", "apricot");
    put_article("same/b.txt", "blueberry");
    put_article("same/sub/c.txt", "cherry");
    char *tree = tmp_file("same"), *index = tmp_file("same.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 3, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j, "passages"), 6);
    cJSON_Delete(j);
    unsigned long long rev = index_revision(index);
    ids_t a = ids_of(index, "same/a.txt");
    assert_int_equal(a.n, 2);

    j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 3, 0);
    assert_int_equal((int)json_num(j, "passages"), 0);
    assert_int_equal((int)json_num(j, "bytes"), 0); /* nothing was read */
    assert_int_equal((int)json_num(j, "total"), 6);
    cJSON_Delete(j);
    /* Nothing was written: no new revision, the same documents. */
    assert_true(index_revision(index) == rev);
    ids_t again = ids_of(index, "same/a.txt");
    assert_true(same_ids(&a, &again));
    free(tree);
    free(index);
}

static void test_touch_edit_delete_rename(void **state)
{
    (void)state;
    put_article("t/touched.txt", "damson");
    put_article("t/edited.txt", "elderberry");
    put_article("t/deleted.txt", "fig");
    put_article("t/renamed.txt", "guava");
    put_article("t/kept.txt", "huckleberry");
    char *tree = tmp_file("t"), *index = tmp_file("t.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 5, 0, 0, 0, 0);
    cJSON_Delete(j);
    ids_t touched = ids_of(index, "t/touched.txt");
    ids_t edited = ids_of(index, "t/edited.txt");
    ids_t kept = ids_of(index, "t/kept.txt");
    assert_int_equal(index_doc_count(index), 10);

    set_mtime("t/touched.txt", 1000000000);
    put_article("t/edited.txt", "icicle");
    remove_file("t/deleted.txt");
    char *from = tmp_file("t/renamed.txt"), *to = tmp_file("t/moved.txt");
    assert_int_equal(rename(from, to), 0);
    j = index_json(0, index, tree, (char *)NULL);
    /* The rename is a new file and a removed one. */
    expect_files(j, 1, 2, 2, 1, 0);
    assert_int_equal((int)json_num(j, "passages"), 6);
    cJSON_Delete(j);

    ids_t now = ids_of(index, "t/kept.txt");
    assert_true(same_ids(&kept, &now));   /* left alone */
    now = ids_of(index, "t/touched.txt"); /* rewritten, same passages */
    assert_int_equal(now.n, 2);
    assert_false(same_ids(&touched, &now));
    now = ids_of(index, "t/edited.txt");
    assert_int_equal(now.n, 2);
    assert_false(same_ids(&edited, &now));
    assert_int_equal(source_passages(index, source_of("t/deleted.txt")), 0);
    assert_int_equal(source_passages(index, source_of("t/renamed.txt")), 0);
    assert_int_equal(source_passages(index, source_of("t/moved.txt")), 2);
    assert_int_equal(index_doc_count(index), 8);
    /* The edit is what the index now says. */
    assert_int_equal(hits_for(index, "elderberry"), 0);
    char *src = first_hit(index, "icicle", "source");
    assert_non_null(src);
    assert_string_equal(src, source_of("t/edited.txt"));
    free(src);
    assert_int_equal(hits_for(index, "fig"), 0);
    src = first_hit(index, "guava", "source");
    assert_non_null(src);
    assert_string_equal(src, source_of("t/moved.txt"));
    free(src);
    free(from);
    free(to);
    free(tree);
    free(index);
}

/* Only files below a directory given lose their passages when gone;
 * --no-delete keeps them; a file named on its own is never removed. */
static void test_no_delete_and_scope(void **state)
{
    (void)state;
    put_article("nd/one/a.txt", "kiwi");
    put_article("nd/one/b.txt", "lime");
    put_article("nd/two/c.txt", "mango");
    put_article("nd/single.txt", "nectarine");
    char *one = tmp_file("nd/one"), *two = tmp_file("nd/two");
    char *single = tmp_file("nd/single.txt"), *index = tmp_file("nd.idx");
    cJSON *j = index_json(0, index, one, two, single, (char *)NULL);
    expect_files(j, 4, 0, 0, 0, 0);
    cJSON_Delete(j);

    remove_file("nd/one/a.txt");
    remove_file("nd/two/c.txt");
    remove_file("nd/single.txt");
    j = index_json(0, index, "--no-delete", one, two, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), 8);

    /* Only "one" is given: c.txt, below "two", stays. */
    j = index_json(0, index, one, (char *)NULL);
    expect_files(j, 0, 0, 1, 1, 0);
    cJSON_Delete(j);
    assert_int_equal(source_passages(index, source_of("nd/one/a.txt")), 0);
    assert_int_equal(source_passages(index, source_of("nd/two/c.txt")), 2);
    assert_int_equal(source_passages(index, source_of("nd/single.txt")), 2);
    j = index_json(0, index, two, (char *)NULL);
    expect_files(j, 0, 0, 1, 0, 0);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), 4);
    free(one);
    free(two);
    free(single);
    free(index);
}

/* A file excluded now, or turned hidden, counts as gone; a directory whose
 * listing fails keeps what it had. */
static void test_excluded_and_unlistable(void **state)
{
    (void)state;
    put_article("ex/notes.md", "olive");
    put_article("ex/plain.txt", "papaya");
    put_article("ex/locked/inner.txt", "quince");
    char *tree = tmp_file("ex"), *index = tmp_file("ex.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 3, 0, 0, 0, 0);
    cJSON_Delete(j);
    j = index_json(0, index, "--exclude", "*.md", tree, (char *)NULL);
    expect_files(j, 0, 0, 1, 2, 0);
    cJSON_Delete(j);
    assert_int_equal(source_passages(index, source_of("ex/notes.md")), 0);

    /* Root lists any directory: the check runs as an ordinary user. */
    choose_run_user();
    if (geteuid() == 0 && run_uid == (uid_t)-1) {
        print_message("running as root without a user to drop to: the "
                      "unlistable-directory case is not checked\n");
    } else {
        char *locked = tmp_file("ex/locked");
        assert_int_equal(chmod(locked, 0), 0);
        char *argv[] = {NULL, "--exclude", "*.md", "-d", index, tree, NULL};
        run_result_t r = run_indexer(argv);
        chmod(locked, 0755);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.err, "ex/locked: Permission denied"));
        assert_non_null(strstr(r.err, "0 removed, 1 unchanged, 1 skipped"));
        run_free(&r);
        assert_int_equal(
            source_passages(index, source_of("ex/locked/inner.txt")), 2);
        free(locked);
    }
    free(tree);
    free(index);
}

/* JSON Lines: documents are replaced by id; ids gone from a re-indexed file
 * lose their passages; an id moved to another file is replaced there. */
static void test_jsonl_by_id(void **state)
{
    (void)state;
    put_file("j/docs.jsonl",
             "{\"id\": \"x\", \"title\": \"X\", \"text\": \"Raspberry "
             "passage of the document called x here.\"}\n"
             "{\"id\": \"y\", \"title\": \"Y\", \"text\": \"Strawberry "
             "passage of the document called y here.\"}\n"
             "{\"id\": \"z\", \"title\": \"Z\", \"text\": \"Tangerine "
             "passage of the document called z here.\"}\n");
    char *tree = tmp_file("j"), *index = tmp_file("j.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j, "passages"), 3);
    cJSON_Delete(j);

    /* y changes, z goes, w comes. */
    put_file("j/docs.jsonl",
             "{\"id\": \"x\", \"title\": \"X\", \"text\": \"Raspberry "
             "passage of the document called x here.\"}\n"
             "{\"id\": \"y\", \"title\": \"Y\", \"text\": \"Ugli fruit "
             "passage of the document called y now.\"}\n"
             "{\"id\": \"w\", \"title\": \"W\", \"text\": \"Watermelon "
             "passage of the document called w here.\"}\n");
    set_mtime("j/docs.jsonl", 1000000000);
    j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), 3);
    assert_int_equal(hits_for(index, "tangerine"), 0);
    assert_int_equal(hits_for(index, "strawberry"), 0);
    char *id = first_hit(index, "ugli", "id");
    assert_non_null(id);
    assert_string_equal(id, "y");
    free(id);
    id = first_hit(index, "watermelon", "id");
    assert_non_null(id);
    assert_string_equal(id, "w");
    free(id);

    /* Another file brings a new version of x: it replaces the old one. */
    put_file("j/more.jsonl",
             "{\"id\": \"x\", \"title\": \"X2\", \"text\": \"Victoria plum "
             "passage of the document called x now.\"}\n");
    j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 1, 0, 0, 1, 0);
    cJSON_Delete(j);
    assert_int_equal(hits_for(index, "raspberry"), 0);
    char *src = first_hit(index, "victoria", "source");
    assert_non_null(src);
    assert_string_equal(src, source_of("j/more.jsonl"));
    free(src);
    assert_int_equal(index_doc_count(index), 3);
    free(tree);
    free(index);
}

/* Reading a file as another format is a change; a file that turned binary
 * loses its passages, and the next run does not read it again. */
static void test_format_and_binary_changes(void **state)
{
    (void)state;
    put_article("f/a.txt", "yam");
    char *tree = tmp_file("f"), *index = tmp_file("f.idx");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    j = index_json(0, index, "--format", "markdown", tree, (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    cJSON_Delete(j);
    j = index_json(0, index, "--format", "markdown", tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    cJSON_Delete(j);

    put_bytes("f/a.txt", "yam\0binary\0now", 14);
    run_result_t r =
        run(INDEXER, "--format", "markdown", "-d", index, tree, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "a.txt: binary file, skipped"));
    run_free(&r);
    assert_int_equal(index_doc_count(index), 0);
    j = index_json(0, index, "--format", "markdown", tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    assert_int_equal((int)json_num(j, "warnings"), 0);
    cJSON_Delete(j);
    free(tree);
    free(index);
}

/* The same file reached twice in one run is indexed once. */
static void test_overlapping_arguments(void **state)
{
    (void)state;
    put_article("o/sub/a.txt", "zucchini");
    char *tree = tmp_file("o"), *sub = tmp_file("o/sub");
    char *file = tmp_file("o/sub/a.txt"), *index = tmp_file("o.idx");
    cJSON *j = index_json(0, index, tree, sub, file, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), 2);
    free(tree);
    free(sub);
    free(file);
    free(index);
}

/* An index inside the tree it indexes is not read as input: the second
 * run is still a no-op. */
static void test_index_inside_tree(void **state)
{
    (void)state;
    put_article("in/a.txt", "apple");
    char *tree = tmp_file("in"), *index = tmp_file("in/index");
    cJSON *j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    unsigned long long rev = index_revision(index);
    j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    assert_int_equal((int)json_num(j, "warnings"), 0);
    cJSON_Delete(j);
    assert_true(index_revision(index) == rev);
    /* Named as a PATH, it is refused with a warning. */
    run_result_t r = run(INDEXER, "-d", index, index, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "the index itself, skipped"));
    run_free(&r);
    free(tree);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged_tree_writes_nothing),
        cmocka_unit_test(test_touch_edit_delete_rename),
        cmocka_unit_test(test_no_delete_and_scope),
        cmocka_unit_test(test_excluded_and_unlistable),
        cmocka_unit_test(test_jsonl_by_id),
        cmocka_unit_test(test_format_and_binary_changes),
        cmocka_unit_test(test_overlapping_arguments),
        cmocka_unit_test(test_index_inside_tree),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
