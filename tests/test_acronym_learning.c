/* Learned acronyms: the ranking of an acronym's long forms by how often the
 * text defines each, the counts kept over batches and runs, a load on
 * threads learning what one thread learns, and the precision of what is
 * learned from the RFC sample against a list checked by hand
 * (tests/rfc-sample-acronyms.tsv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "quarry/synonyms.h"
#include "test_indexer_util.h"

#define LEARNED "quarry.learned "

static void test_ranking_rule(void **state)
{
    (void)state;
    static const struct {
        unsigned long count[4];
        size_t n;
        const char *kept; /* '1' for each long form kept */
    } rows[] = {
        {{5}, 1, "1"},
        {{5, 3}, 2, "11"},
        {{8, 2}, 2, "11"},          /* a quarter of the first: kept */
        {{9, 2}, 2, "10"},          /* less than a quarter */
        {{3, 7, 5}, 3, "011"},      /* the two most often defined */
        {{4, 4, 4}, 3, "110"},      /* ties: the first ones given */
        {{1, 1, 1, 40}, 4, "0001"}, /* one dominant form */
        {{6, 1, 6, 2}, 4, "1010"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        unsigned long top = 0;
        for (size_t i = 0; i < rows[r].n; i++)
            top = rows[r].count[i] > top ? rows[r].count[i] : top;
        char got[8] = {0};
        for (size_t i = 0; i < rows[r].n; i++)
            got[i] =
                qy_long_form_kept(rows[r].count, rows[r].n, i, top) ? '1' : '0';
        if (strcmp(got, rows[r].kept) != 0)
            fail_msg("row %zu: kept %s, expected %s", r, got, rows[r].kept);
    }
}

typedef struct find {
    const char *want;
    int found;
} find_t;

static int find_synonym(void *ctx, const char *syn, size_t len)
{
    find_t *f = ctx;
    f->found = strlen(f->want) == len && memcmp(f->want, syn, len) == 0;
    return f->found;
}

/* Whether DB's synonym table holds TERM => SYN. */
static int holds(qy_db_t *db, const char *term, const char *syn)
{
    find_t f = {syn, 0};
    assert_int_equal(qy_db_each_synonym(db, term, find_synonym, &f), QY_OK);
    return f.found;
}

/* Whether DB keeps ACRONYM <=> FORM, both ways; fails when only one way. */
static int kept(qy_db_t *db, const char *acronym, const char *form)
{
    int there = holds(db, acronym, form), back = holds(db, form, acronym);
    if (there != back)
        fail_msg("%s => %s is %s one way only", acronym, form,
                 there ? "kept" : "dropped");
    return there;
}

static unsigned long mark(qy_db_t *db, const char *acronym, const char *form)
{
    char key[512], *value = NULL;
    size_t len = 0;
    snprintf(key, sizeof key, LEARNED "%s\t%s", acronym, form);
    assert_int_equal(qy_db_get_metadata(db, key, &value, &len), QY_OK);
    unsigned long n = strtoul(value, NULL, 10);
    free(value);
    return n;
}

/* Counts add up over calls (a batch each), and every call ranks again:
 * a long form defined more often takes the place of one defined less. */
static void test_counts_rank_again(void **state)
{
    (void)state;
    char *dir = tmp_file("counts.idx"), *error = NULL;
    qy_db_t *db = NULL;
    assert_int_equal(qy_db_open_write(dir, 0, &db, &error), QY_OK);
    assert_int_equal(
        qy_acronym_defined(db, "tcp", "transmiss control protocol", 5), QY_OK);
    assert_int_equal(
        qy_acronym_defined(db, "tcp", "transmiss control program", 1), QY_OK);
    assert_true(kept(db, "tcp", "transmiss control protocol"));
    assert_false(kept(db, "tcp", "transmiss control program")); /* 1 < 5/4 */
    assert_int_equal(
        qy_acronym_defined(db, "tcp", "transmiss control program", 1), QY_OK);
    assert_true(kept(db, "tcp", "transmiss control program")); /* 2 >= 5/4 */
    assert_int_equal(
        qy_acronym_defined(db, "tcp", "transport control protocol", 5), QY_OK);
    assert_int_equal(qy_acronym_defined(db, "tcp", "termin connect point", 1),
                     QY_OK);
    /* Two long forms at most: 5 and 5 stay, 2 and 1 leave the table. */
    assert_true(kept(db, "tcp", "transmiss control protocol"));
    assert_true(kept(db, "tcp", "transport control protocol"));
    assert_false(kept(db, "tcp", "transmiss control program"));
    assert_false(kept(db, "tcp", "termin connect point"));
    assert_int_equal(mark(db, "tcp", "transmiss control program"), 2);
    assert_int_equal(mark(db, "transmiss control program", "tcp"), 2);
    /* The counts outlive the handle: a later run ranks on all of them. */
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
    assert_int_equal(qy_db_open_write(dir, 0, &db, &error), QY_OK);
    assert_int_equal(
        qy_acronym_defined(db, "tcp", "transmiss control program", 4), QY_OK);
    assert_int_equal(mark(db, "tcp", "transmiss control program"), 6);
    assert_true(kept(db, "tcp", "transmiss control program"));
    assert_true(kept(db, "tcp", "transmiss control protocol"));
    assert_false(kept(db, "tcp", "transport control protocol"));
    qy_db_close(db);
    free(dir);
}

/* A user pair that is also a learned one leaves the synonym table with the
 * user's file unless the acronym keeps that long form. */
static void test_user_pair_removed(void **state)
{
    (void)state;
    char *dir = tmp_file("user.idx"), *error = NULL;
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    assert_int_equal(qy_db_open_write(dir, 0, &db, &error), QY_OK);
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    assert_int_equal(qy_acronym_defined(db, "can", "cool ant nest", 9), QY_OK);
    assert_int_equal(qy_acronym_defined(db, "can", "collect art network", 1),
                     QY_OK);
    assert_false(kept(db, "can", "collect art network"));
    static const char groups[] = "CAN, Collect Art Network\n"
                                 "CAN, Cool Ant Nest\n";
    assert_int_equal(qy_synonyms_store(db, a, "syn.txt", groups,
                                       sizeof groups - 1, NULL, &error),
                     QY_OK);
    assert_true(kept(db, "can", "collect art network"));
    assert_int_equal(qy_synonyms_store(db, a, "syn.txt", "", 0, NULL, &error),
                     QY_OK);
    assert_false(kept(db, "can", "collect art network"));
    assert_true(kept(db, "can", "cool ant nest"));
    qy_analyzer_free(a);
    qy_db_close(db);
    free(dir);
}

/* Shards merged: each mark then holds the count of the first source that
 * had it; the merge adds up the base's and the shards' counts and ranks
 * again. */
static void test_merge_sums_counts(void **state)
{
    (void)state;
    char *paths[3] = {tmp_file("m-base.idx"), tmp_file("m-one.idx"),
                      tmp_file("m-two.idx")};
    static const struct {
        int db;
        const char *form;
        unsigned count;
    } defs[] = {
        {0, "alpha beta gamma", 1},    {1, "alpha beta gamma", 2},
        {1, "apple banana cherri", 3}, {2, "alpha beta gamma", 2},
        {2, "ant bee cat", 2},         {2, "apple banana cherri", 1},
    };
    char *error = NULL;
    for (int d = 0; d < 3; d++) {
        qy_db_t *db = NULL;
        assert_int_equal(qy_db_open_write(paths[d], 0, &db, &error), QY_OK);
        for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
            if (defs[i].db == d)
                assert_int_equal(
                    qy_acronym_defined(db, "abc", defs[i].form, defs[i].count),
                    QY_OK);
        assert_int_equal(qy_db_commit(db), QY_OK);
        qy_db_close(db);
    }
    /* The shard "two" alone keeps "ant bee cat" and "alpha beta gamma". */
    char *merged = tmp_file("m-merged.idx");
    const char *sources[3] = {paths[0], paths[1], paths[2]};
    assert_int_equal(qy_db_compact(sources, 3, merged, &error), QY_OK);
    qy_db_t *db = NULL, *base = NULL, *shards[2] = {NULL, NULL};
    assert_int_equal(qy_db_open_write(merged, 0, &db, &error), QY_OK);
    assert_int_equal(qy_db_open_read(&sources[0], 1, &base, &error), QY_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            qy_db_open_read(&sources[i + 1], 1, &shards[i], &error), QY_OK);
    assert_true(kept(db, "abc", "ant bee cat")); /* the union of the shards' */
    assert_int_equal(qy_acronyms_merge(db, base, shards, 2), QY_OK);
    assert_int_equal(mark(db, "abc", "alpha beta gamma"), 5);
    assert_int_equal(mark(db, "alpha beta gamma", "abc"), 5);
    assert_int_equal(mark(db, "abc", "apple banana cherri"), 4);
    assert_int_equal(mark(db, "abc", "ant bee cat"), 2);
    assert_true(kept(db, "abc", "alpha beta gamma"));
    assert_true(kept(db, "abc", "apple banana cherri"));
    assert_false(kept(db, "abc", "ant bee cat"));
    for (int i = 0; i < 2; i++)
        qy_db_close(shards[i]);
    qy_db_close(base);
    qy_db_close(db);
    for (int d = 0; d < 3; d++)
        free(paths[d]);
    free(merged);
}

/* ---- Indexes built by the indexer ----------------------------------- */

typedef struct table {
    qy_db_t *db;
    char *text; /* "acronym\tlong form\tcount\tkept\n"... */
    size_t len, cap;
} table_t;

static void table_add(table_t *t, const char *line)
{
    size_t n = strlen(line);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->len, line, n + 1);
    t->len += n;
}

static int note_mark(void *ctx, const char *key, size_t len)
{
    table_t *t = ctx;
    char k[512], *value = NULL;
    size_t vlen = 0;
    assert_true(len < sizeof k);
    memcpy(k, key, len);
    k[len] = '\0';
    assert_int_equal(qy_db_get_metadata(t->db, k, &value, &vlen), QY_OK);
    char *term = k + strlen(LEARNED), *tab = strchr(term, '\t');
    assert_non_null(tab);
    *tab = '\0';
    char line[600];
    snprintf(line, sizeof line, "%s\t%s\t%s\t%d\n", term, tab + 1, value,
             holds(t->db, term, tab + 1));
    table_add(t, line);
    free(value);
    return 0;
}

/* Every learned mark of the index INDEX, with its count and whether the
 * synonym table holds the pair, in byte order; malloc'd. */
static char *learned_table(const char *index)
{
    table_t t = {0};
    t.db = open_index(index);
    table_add(&t, "");
    assert_int_equal(qy_db_each_metadata_key(t.db, LEARNED, note_mark, &t),
                     QY_OK);
    qy_db_close(t.db);
    return t.text;
}

/* Indexes PATH into INDEX on JOBS threads. */
static void index_on(const char *index, const char *path, int jobs)
{
    char n[8];
    snprintf(n, sizeof n, "%d", jobs);
    cJSON *j = index_json(0, index, "--jobs", n, path, (char *)NULL);
    cJSON_Delete(j);
}

static void expect_same_tables(const char *one, const char *two)
{
    char *a = learned_table(one), *b = learned_table(two);
    if (strcmp(a, b) != 0) {
        size_t i = 0;
        while (a[i] && a[i] == b[i])
            i++;
        while (i > 0 && a[i - 1] != '\n')
            i--;
        fail_msg("one thread learned '%.*s', --jobs 2 '%.*s'",
                 (int)strcspn(a + i, "\n"), a + i, (int)strcspn(b + i, "\n"),
                 b + i);
    }
    free(a);
    free(b);
}

/* Files that each define an acronym once, one long form or another, more
 * often some than others: the workers each see part of the definitions. */
static void test_jobs_learn_the_same(void **state)
{
    (void)state;
    static const char *const forms[][2] = {
        {"ABC", "Alpha Beta Charlie"}, {"ABC", "Apple Banana Cherry"},
        {"ABC", "Ant Bee Cat"},        {"DEF", "Delta Echo Foxtrot"},
        {"DEF", "Dog Eel Fox"},        {"GHI", "Green House Initiative"},
    };
    unsigned file = 0;
    for (unsigned round = 0; round < 12; round++)
        for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
            if ((round + f) % (f + 1) != 0)
                continue; /* the later forms less often */
            char rel[64], text[256];
            snprintf(rel, sizeof rel, "defs/f%03u.txt", file++);
            snprintf(text, sizeof text,
                     "The report says the %s (%s) met again this year, "
                     "with more members than before.\n",
                     forms[f][1], forms[f][0]);
            put_file(rel, text);
        }
    char *dir = tmp_file("defs"), *one = tmp_file("defs1.idx"),
         *two = tmp_file("defs2.idx");
    index_on(one, dir, 1);
    index_on(two, dir, 2);
    char *t = learned_table(one);
    /* ABC: 12, 6 and 4 definitions: the third is not kept. */
    assert_non_null(strstr(t, "abc\talpha beta charli\t12\t1\n"));
    assert_non_null(strstr(t, "abc\tappl banana cherri\t6\t1\n"));
    assert_non_null(strstr(t, "abc\tant bee cat\t4\t0\n"));
    free(t);
    expect_same_tables(one, two);
    free(dir);
    free(one);
    free(two);
}

/* ---- The RFC sample ------------------------------------------------- */

typedef struct checked {
    char *text; /* the list, read whole */
    size_t right, wrong, unknown, learned;
} checked_t;

/* The verdict of the list for ACRONYM => FORM: "right", "wrong" or NULL. */
static const char *verdict(const char *list, const char *acronym,
                           const char *form)
{
    char pair[600];
    int n = snprintf(pair, sizeof pair, "\n%s\t%s\t", acronym, form);
    const char *at = strstr(list, pair);
    if (!at)
        return NULL;
    at += n;
    return strncmp(at, "right\t", 6) == 0   ? "right"
           : strncmp(at, "wrong\t", 6) == 0 ? "wrong"
                                            : NULL;
}

static void test_rfc_sample(void **state)
{
    (void)state;
    char sample[PATH_MAX];
    snprintf(sample, sizeof sample, "%s/rfc-sample", QUARRY_DATA_DIR);
    struct stat st;
    if (stat(sample, &st) != 0) {
        print_message("%s is not here: skipped\n", sample);
        skip();
    }
    char *list = read_text(QUARRY_SOURCE_DIR "/tests/rfc-sample-acronyms.tsv");
    char *one = tmp_file("rfc1.idx"), *two = tmp_file("rfc2.idx");
    index_on(one, sample, 1);
    index_on(two, sample, 2);
    expect_same_tables(one, two);
    /* Precision: the learned pairs (kept in the synonym table) that the
     * list calls right, of all learned pairs. A pair the list lacks is not
     * right. */
    char *t = learned_table(one);
    size_t learned = 0, right = 0, wrong = 0;
    for (char *line = t; *line;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        char *acronym = line, *form = strchr(line, '\t');
        *form++ = '\0';
        char *count = strchr(form, '\t');
        *count++ = '\0';
        int keeps = strrchr(count, '\t')[1] == '1';
        /* An acronym is one term, a long form several. */
        if (keeps && !strchr(acronym, ' ')) {
            learned++;
            const char *v = verdict(list, acronym, form);
            if (v && strcmp(v, "right") == 0)
                right++;
            else if (v)
                wrong++;
            else
                print_message("not in the list: %s => %s\n", acronym, form);
        }
        line = end + 1;
    }
    print_message("%zu learned pairs: %zu right, %zu wrong, %zu not in the "
                  "list; precision %.3f\n",
                  learned, right, wrong, learned - right - wrong,
                  learned ? (double)right / (double)learned : 0.0);
    assert_true(learned > 0);
    assert_true(right * 100 >= learned * 95);
    free(t);
    free(list);
    free(one);
    free(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking_rule),
        cmocka_unit_test(test_counts_rank_again),
        cmocka_unit_test(test_user_pair_removed),
        cmocka_unit_test(test_merge_sums_counts),
        cmocka_unit_test(test_jobs_learn_the_same),
        cmocka_unit_test(test_rfc_sample),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
