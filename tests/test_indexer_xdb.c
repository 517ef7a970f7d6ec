/* The index functions the indexer's bookkeeping rests on: transactions
 * that no automatic flush can split, the revision, and metadata keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static qy_db_t *open_writer(const char *index)
{
    qy_db_t *db = NULL;
    char *error = NULL;
    if (qy_db_open_write(index, QY_DB_NO_SYNC, &db, &error) != QY_OK)
        fail_msg("cannot open %s: %s", index, error ? error : "?");
    return db;
}

static void add_passage(qy_db_t *db, const char *word)
{
    qy_doc_t *doc = qy_doc_new();
    assert_non_null(doc);
    assert_int_equal(qy_doc_add_term(doc, word, strlen(word), 1), QY_OK);
    assert_int_equal(qy_db_add_doc(db, doc), QY_OK);
    qy_doc_free(doc);
}

/* A reader sees nothing of an open transaction, even after more documents
 * than Xapian's automatic flush threshold (10000); committing shows all. */
static void test_transaction_is_atomic(void **state)
{
    (void)state;
    char *index = tmp_file("atomic");
    qy_db_t *w = open_writer(index);
    assert_int_equal(qy_db_commit(w), QY_OK);
    unsigned long long rev0 = index_revision(index);
    assert_int_equal(qy_db_begin_transaction(w), QY_OK);
    for (int i = 0; i < 10500; i++)
        add_passage(w, "word");
    assert_int_equal(qy_db_set_metadata(w, "k", "v", 1), QY_OK);
    assert_int_equal(index_doc_count(index), 0);
    assert_int_equal(index_revision(index), rev0);
    assert_int_equal(qy_db_commit_transaction(w), QY_OK);
    assert_int_equal(index_doc_count(index), 10500);
    assert_true(index_revision(index) > rev0);
    /* Nested transactions are refused, and so is committing none. */
    assert_int_equal(qy_db_begin_transaction(w), QY_OK);
    assert_int_not_equal(qy_db_begin_transaction(w), QY_OK);
    assert_int_equal(qy_db_cancel_transaction(w), QY_OK);
    assert_int_not_equal(qy_db_commit_transaction(w), QY_OK);
    qy_db_close(w);
    free(index);
}

/* Cancelling, or closing with a transaction open (what a crash amounts
 * to), leaves the last committed state. */
static void test_cancel_and_close_discard(void **state)
{
    (void)state;
    char *index = tmp_file("discard");
    qy_db_t *w = open_writer(index);
    add_passage(w, "kept");
    assert_int_equal(qy_db_commit(w), QY_OK);
    assert_int_equal(qy_db_begin_transaction(w), QY_OK);
    add_passage(w, "dropped");
    assert_int_equal(qy_db_cancel_transaction(w), QY_OK);
    assert_int_equal(qy_db_begin_transaction(w), QY_OK);
    add_passage(w, "dropped");
    qy_db_close(w);
    assert_int_equal(index_doc_count(index), 1);
    free(index);
}

/* A commit with nothing to write leaves the revision alone: that is what
 * makes "an unchanged re-run writes nothing" checkable. */
static void test_revision(void **state)
{
    (void)state;
    char *index = tmp_file("revision");
    qy_db_t *w = open_writer(index);
    add_passage(w, "one");
    assert_int_equal(qy_db_commit(w), QY_OK);
    unsigned long long rev = 0, again = 0;
    assert_int_equal(qy_db_revision(w, &rev), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    assert_int_equal(qy_db_begin_transaction(w), QY_OK);
    assert_int_equal(qy_db_commit_transaction(w), QY_OK);
    assert_int_equal(qy_db_revision(w, &again), QY_OK);
    assert_true(rev == again);
    add_passage(w, "two");
    assert_int_equal(qy_db_commit(w), QY_OK);
    assert_int_equal(qy_db_revision(w, &again), QY_OK);
    assert_true(again == rev + 1);
    qy_db_close(w);
    assert_true(index_revision(index) == rev + 1);
    free(index);
}

typedef struct keys {
    char seen[8][64];
    int n;
} keys_t;

static int collect(void *ctx, const char *key, size_t len)
{
    keys_t *k = ctx;
    assert_true(len < 64 && k->n < 8);
    memcpy(k->seen[k->n], key, len);
    k->seen[k->n++][len] = '\0';
    return 0;
}

static int stop_at_first(void *ctx, const char *key, size_t len)
{
    (void)key;
    (void)len;
    (*(int *)ctx)++;
    return 1;
}

static void test_metadata_keys(void **state)
{
    (void)state;
    char *index = tmp_file("metadata");
    qy_db_t *w = open_writer(index);
    const char *keys[] = {"a:2", "a:1", "b:1", "a", "a:3"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(qy_db_set_metadata(w, keys[i], "x", 1), QY_OK);
    /* The empty value deletes a key. */
    assert_int_equal(qy_db_set_metadata(w, "a:3", "", 0), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    keys_t k = {0};
    assert_int_equal(qy_db_each_metadata_key(w, "a:", collect, &k), QY_OK);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.seen[0], "a:1");
    assert_string_equal(k.seen[1], "a:2");
    int calls = 0;
    assert_int_equal(qy_db_each_metadata_key(w, "", stop_at_first, &calls),
                     QY_OK);
    assert_int_equal(calls, 1);
    /* The longest key the indexer makes (QY_MAX_TERM_BYTES) is accepted. */
    char longest[QY_MAX_TERM_BYTES + 1];
    memset(longest, 'k', QY_MAX_TERM_BYTES);
    longest[QY_MAX_TERM_BYTES] = '\0';
    assert_int_equal(qy_db_set_metadata(w, longest, "v", 1), QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);
    /* Readers iterate too. */
    qy_db_t *r = open_index(index);
    k.n = 0;
    assert_int_equal(qy_db_each_metadata_key(r, "b", collect, &k), QY_OK);
    assert_int_equal(k.n, 1);
    assert_int_equal(qy_db_begin_transaction(r), QY_READ_ONLY);
    qy_db_close(r);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transaction_is_atomic),
        cmocka_unit_test(test_cancel_and_close_discard),
        cmocka_unit_test(test_revision),
        cmocka_unit_test(test_metadata_keys),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
