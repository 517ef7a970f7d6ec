/* Several languages in one index (--lang auto): each document's language
 * detected and stored with its passages (lang in JSON, the lang: filter),
 * each stemmed in its own language, and a question in each language finding
 * its passages through a form only that language's stemmer links to the
 * text. An index of one language is the control: there the same questions
 * find nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "quarry/schema.h"
#include "quarry/xdb.h"

#include "test_indexer_util.h"

static int setup(void **state)
{
    return ix_setup(state);
}

static int teardown(void **state)
{
    return cli_teardown(state);
}

static const char english[] =
    "The Gardens of the Old Town\n\n"
    "The gardeners of the old town have been planting new trees along the "
    "river every spring. Visitors walking through the gardens in the evening "
    "often stop to watch the boats passing under the bridges, and many of "
    "them return the following year with their families.\n\n"
    "Last summer the council decided that the public gardens would stay open "
    "later, because so many people were asking for more time to enjoy the "
    "flowers after work.\n";

static const char german[] =
    "Die G\u00e4rten der Altstadt\n\n"
    "Die G\u00e4rtner der Altstadt pflanzen jedes Fr\u00fchjahr neue "
    "B\u00e4ume entlang des Flusses. Besucher, die am Abend durch die "
    "G\u00e4rten spazieren, bleiben oft stehen, um den Booten zuzusehen, die "
    "unter den Br\u00fccken hindurchfahren, und viele von ihnen kommen im "
    "folgenden Jahr mit ihren Familien zur\u00fcck.\n\n"
    "Im letzten Sommer beschloss der Stadtrat, dass die \u00f6ffentlichen "
    "G\u00e4rten l\u00e4nger ge\u00f6ffnet bleiben sollten, weil so viele "
    "Menschen nach der Arbeit mehr Zeit f\u00fcr die Blumen haben wollten.\n";

static const char french[] =
    "Les jardins de la vieille ville\n\n"
    "Les jardiniers de la vieille ville plantent chaque printemps de "
    "nouveaux arbres le long de la rivi\u00e8re. Les visiteurs qui se "
    "prom\u00e8nent dans les jardins le soir s'arr\u00eatent souvent pour "
    "regarder les bateaux passer sous les ponts, et beaucoup d'entre eux "
    "reviennent l'ann\u00e9e suivante avec leurs familles.\n\n"
    "L'\u00e9t\u00e9 dernier, le conseil municipal a d\u00e9cid\u00e9 que "
    "les jardins publics resteraient ouverts plus tard, parce que tant de "
    "personnes demandaient davantage de temps pour profiter des fleurs "
    "apr\u00e8s le travail.\n";

static const struct {
    const char *file, *text, *lang;
    const char *question; /* a form of a word of the text that only the
                             language's stemmer links to it */
    const char *control;  /* an index language that does not link them */
} docs[] = {
    {"docs/gardens.txt", english, "english", "walked", "french"},
    {"docs/gaerten.txt", german, "german", "Br\u00fccke", "english"},
    {"docs/jardins.md", french, "french", "restaient", "english"},
};

#define NDOCS (sizeof docs / sizeof *docs)

static void test_each_language_stemmed_as_its_own(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDOCS; i++)
        put_file(docs[i].file, docs[i].text);
    char *idx = tmp_file("auto.idx"), *dir = tmp_file("docs");
    cJSON *j = index_json(0, idx, "--lang", "auto", dir, (char *)NULL);
    expect_files(j, 3, 0, 0, 0, 0);
    cJSON_Delete(j);

    for (size_t i = 0; i < NDOCS; i++) {
        /* Detected, stored, and a filter. */
        char filter[64];
        snprintf(filter, sizeof filter, "lang:%s", docs[i].lang);
        cJSON *a = query_json(0, idx, filter, (char *)NULL);
        const cJSON *hits = hits_of(a);
        /* Two paragraphs (and the Markdown file's first line) */
        assert_true(cJSON_GetArraySize(hits) >= 2);
        for (int k = 0; k < cJSON_GetArraySize(hits); k++) {
            const cJSON *h = cJSON_GetArrayItem(hits, k);
            assert_string_equal(str_field(h, "source"),
                                source_of(docs[i].file));
            assert_string_equal(str_field(h, "lang"), docs[i].lang);
        }
        cJSON_Delete(a);

        /* The question finds its passage, and only that, through its own
         * language's stemming; the word is highlighted. */
        a = query_json(0, idx, docs[i].question, (char *)NULL);
        hits = hits_of(a);
        if (cJSON_GetArraySize(hits) != 1)
            fail_msg("%s: %d hits", docs[i].question, cJSON_GetArraySize(hits));
        const cJSON *h = cJSON_GetArrayItem(hits, 0);
        assert_string_equal(str_field(h, "source"), source_of(docs[i].file));
        assert_string_equal(str_field(h, "lang"), docs[i].lang);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(h, "highlights")) >=
                    1);
        cJSON_Delete(a);

        /* Nor is the word, a word of the index in its language, taken
         * for a misspelling; the human output shows the passage. */
        run_result_t r =
            run(QUERY, "-d", idx, "--json", docs[i].question, (char *)NULL);
        assert_int_equal(r.status, 0);
        cJSON *spelled = cJSON_Parse(r.out);
        assert_non_null(spelled);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(spelled, "suggestion")));
        cJSON_Delete(spelled);
        run_free(&r);
        r = run(QUERY, "-d", idx, docs[i].question, (char *)NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, docs[i].file));
        assert_null(strstr(r.out, "Did you mean"));
        run_free(&r);

        /* Another language's filter leaves it out. */
        snprintf(filter, sizeof filter, "lang:%s", docs[(i + 1) % NDOCS].lang);
        a = query_json(1, idx, docs[i].question, filter, (char *)NULL);
        cJSON_Delete(a);
    }

    /* The control: in an index of one language the forms are not linked. */
    for (size_t i = 0; i < NDOCS; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.idx", docs[i].control);
        char *one = tmp_file("%s", name);
        j = index_json(0, one, "--lang", docs[i].control, dir, (char *)NULL);
        cJSON_Delete(j);
        cJSON *a = query_json(1, one, docs[i].question, (char *)NULL);
        cJSON_Delete(a);
        /* Nor is the language stored, where there is only one. */
        a = query_json(1, one, "lang:english", (char *)NULL);
        cJSON_Delete(a);
        free(one);
    }
    free(dir);
    free(idx);
}

/* Each message of a mailbox is a document, with its own language; a text
 * too short to tell is English. */
static void test_messages_and_short_texts(void **state)
{
    (void)state;
    char mbox[8192];
    snprintf(mbox, sizeof mbox,
             "From a@example.org Mon Mar  4 10:00:00 2024\n"
             "From: a@example.org\nSubject: Gardens\n"
             "Content-Type: text/plain; charset=utf-8\n\n%s\n"
             "From b@example.org Mon Mar  4 11:00:00 2024\n"
             "From: b@example.org\nSubject: Jardins\n"
             "Content-Type: text/plain; charset=utf-8\n\n%s\n",
             english, french);
    put_file("mail/box.mbox", mbox);
    put_file("mail/note.txt", "Kiosk.\n");
    char *idx = tmp_file("mail.idx"), *dir = tmp_file("mail");
    cJSON *j = index_json(0, idx, "--lang", "auto", dir, (char *)NULL);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "restaient", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "lang"),
                        "french");
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "title"),
                        "Jardins");
    cJSON_Delete(a);
    a = query_json(0, idx, "walked", "lang:english", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "title"),
                        "Gardens");
    cJSON_Delete(a);
    a = query_json(0, idx, "kiosk", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "lang"),
                        "english");
    cJSON_Delete(a);
    free(dir);
    free(idx);
}

/* French drops the elided article from a word, when indexing and when
 * asking: année finds "l'année", and so do l'année and l’année; the
 * highlight spans the word without its article. French stop words (le,
 * de) are no longer words to match. */
static void test_french_elision(void **state)
{
    (void)state;
    put_file("fr/jardins.md", french);
    char *idx = tmp_file("fr.idx"), *dir = tmp_file("fr");
    cJSON *j = index_json(0, idx, "--lang", "french", dir, (char *)NULL);
    cJSON_Delete(j);
    static const char *const questions[] = {
        "ann\u00e9e", "l'ann\u00e9e", "l\u2019ann\u00e9e", "de l'ann\u00e9e",
        "\"l'ann\u00e9e suivante\""};
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        cJSON *a = query_json(0, idx, questions[i], (char *)NULL);
        const cJSON *hits = hits_of(a);
        if (cJSON_GetArraySize(hits) != 1)
            fail_msg("%s: %d hits", questions[i], cJSON_GetArraySize(hits));
        const cJSON *h = cJSON_GetArrayItem(hits, 0);
        const char *text = str_field(h, "text");
        assert_non_null(strstr(text, "l'ann\u00e9e suivante"));
        cJSON *hl = cJSON_GetArrayItem(cJSON_GetObjectItem(h, "highlights"), 0);
        assert_non_null(hl);
        int start = cJSON_GetArrayItem(hl, 0)->valueint;
        assert_memory_equal(text + start, "ann\u00e9e", strlen("ann\u00e9e"));
        cJSON_Delete(a);
    }
    /* Only stop words: kept, and they match. */
    cJSON *a = query_json(0, idx, "le", (char *)NULL);
    assert_true(cJSON_GetArraySize(hits_of(a)) >= 1);
    cJSON_Delete(a);
    free(dir);
    free(idx);
}

/* The hits of QUESTION in IDX: how many, and the first's source. */
static int hit_count(const char *idx, const char *question, const char **first,
                     cJSON **answer)
{
    *answer = query_json(0, idx, question, (char *)NULL);
    const cJSON *hits = hits_of(*answer);
    *first = cJSON_GetArraySize(hits) > 0
                 ? str_field(cJSON_GetArrayItem(hits, 0), "source")
                 : NULL;
    return cJSON_GetArraySize(hits);
}

/* An English index of FORMAT made at OLD, then filled from DIR by the
 * indexer. */
static void old_format_index(const char *old, const char *format,
                             const char *dir)
{
    qy_db_t *db;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(old, 0, &db, &error), QY_OK);
    assert_int_equal(qy_db_set_metadata(db, QY_META_FORMAT, format, 1), QY_OK);
    assert_int_equal(qy_db_set_metadata(db, QY_META_LANG, "english", 7), QY_OK);
    assert_int_equal(qy_db_commit(db), QY_OK);
    qy_db_close(db);
    cJSON_Delete(index_json(0, old, dir, (char *)NULL));
}

/* A Korean word is found whatever particle follows it, in the question or
 * in the text (학교에서 "at school", 학교는 "school, as for"), and its
 * whole word is highlighted; an index of format 2 keeps its words whole. */
static void test_korean_particles(void **state)
{
    (void)state;
    put_file("ko/a.txt", "\ud559\uad50\uc5d0\uc11c \uacf5\ubd80\ub97c "
                         "\ud588\ub2e4.\n");
    put_file("ko/b.txt", "\uc6b0\ub9ac \ud559\uad50\ub294 \ud06c\ub2e4.\n");
    put_file("ko/c.txt", "\ud559\uc0dd\ub4e4\uc774 \uc654\ub2e4.\n");
    char *idx = tmp_file("ko.idx"), *dir = tmp_file("ko");
    cJSON *j = index_json(0, idx, dir, (char *)NULL), *a;
    cJSON_Delete(j);
    const char *first;
    /* 학교, 학교에서, 학교를: a.txt and b.txt, not c.txt (학생들이). */
    const char *asked[] = {"\ud559\uad50", "\ud559\uad50\uc5d0\uc11c",
                           "\ud559\uad50\ub97c"};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(hit_count(idx, asked[k], &first, &a), 2);
        for (int h = 0; h < 2; h++) {
            const cJSON *hit = cJSON_GetArrayItem(hits_of(a), h);
            assert_null(strstr(str_field(hit, "source"), "c.txt"));
        }
        cJSON_Delete(a);
    }
    /* The highlight is the whole word: 학교에서, 12 bytes. */
    assert_int_equal(hit_count(idx, "\uacf5\ubd80", &first, &a), 1);
    cJSON_Delete(a);
    assert_int_equal(hit_count(idx, "\ud559\uad50\uc5d0\uc11c", &first, &a), 2);
    for (int h = 0; h < 2; h++) {
        const cJSON *hit = cJSON_GetArrayItem(hits_of(a), h);
        if (!strstr(str_field(hit, "source"), "a.txt"))
            continue;
        cJSON *span =
            cJSON_GetArrayItem(cJSON_GetObjectItem(hit, "highlights"), 0);
        assert_int_equal(cJSON_GetArrayItem(span, 0)->valueint, 0);
        assert_int_equal(cJSON_GetArrayItem(span, 1)->valueint, 12);
    }
    cJSON_Delete(a);

    /* Format 2: made so, then filled by the indexer, keeps its words whole:
     * 학교에서 and 학교는 find one file each. */
    char *old = tmp_file("ko-old.idx");
    old_format_index(old, "2", dir);
    assert_int_equal(hit_count(old, "\ud559\uad50\uc5d0\uc11c", &first, &a), 1);
    assert_non_null(strstr(first, "a.txt"));
    cJSON_Delete(a);
    assert_int_equal(hit_count(old, "\ud559\uad50\ub294", &first, &a), 1);
    assert_non_null(strstr(first, "b.txt"));
    cJSON_Delete(a);
    free(old);
    free(dir);
    free(idx);
}

/* Han and kana are searched as pairs: 北京 (Beijing) does not find 東京
 * (Tokyo), though they share 京, which alone finds both; a phrase and a
 * highlight cover whole pairs. An index written one character a word (format 1)
 * is still searched and updated that way. */
static void test_cjk_pairs(void **state)
{
    (void)state;
    put_file("cjk/beijing.txt", "\u5317\u4eac\u662f\u4e2d\u56fd\u7684"
                                "\u9996\u90fd\u3002\n");
    put_file("cjk/tokyo.txt", "\u6771\u4eac\u306f\u65e5\u672c\u306e"
                              "\u9996\u90fd\u3067\u3059\u3002\n");
    char *idx = tmp_file("cjk.idx"), *dir = tmp_file("cjk");
    cJSON *j = index_json(0, idx, dir, (char *)NULL), *a;
    cJSON_Delete(j);
    const char *first;
    assert_int_equal(hit_count(idx, "\u5317\u4eac", &first, &a), 1);
    assert_non_null(first);
    assert_non_null(strstr(first, "beijing.txt"));
    cJSON *hl = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(hits_of(a), 0), "highlights"),
        0);
    assert_int_equal(cJSON_GetArrayItem(hl, 0)->valueint, 0);
    assert_int_equal(cJSON_GetArrayItem(hl, 1)->valueint, 6);
    cJSON_Delete(a);
    assert_int_equal(hit_count(idx, "\u9996\u90fd", &first, &a), 2);
    cJSON_Delete(a);
    /* One character finds every pair holding it, and is highlighted alone:
     * 京 in 北京 and in 東京, 都 at the end of a run. */
    for (int k = 0; k < 2; k++) {
        const char *one = k ? "\u90fd" : "\u4eac";
        assert_int_equal(hit_count(idx, one, &first, &a), 2);
        for (int h = 0; h < 2; h++) {
            const cJSON *hit = cJSON_GetArrayItem(hits_of(a), h);
            cJSON *span =
                cJSON_GetArrayItem(cJSON_GetObjectItem(hit, "highlights"), 0);
            int at = cJSON_GetArrayItem(span, 0)->valueint;
            assert_int_equal(cJSON_GetArrayItem(span, 1)->valueint, at + 3);
            assert_memory_equal(str_field(hit, "text") + at, one, 3);
        }
        cJSON_Delete(a);
    }
    /* 日本の首都: one highlight over the five characters. */
    assert_int_equal(
        hit_count(idx, "\"\u65e5\u672c\u306e\u9996\u90fd\"", &first, &a), 1);
    assert_non_null(first);
    assert_non_null(strstr(first, "tokyo.txt"));
    hl = cJSON_GetObjectItem(cJSON_GetArrayItem(hits_of(a), 0), "highlights");
    assert_int_equal(cJSON_GetArraySize(hl), 1);
    assert_int_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(hl, 0), 1)->valueint -
            cJSON_GetArrayItem(cJSON_GetArrayItem(hl, 0), 0)->valueint,
        15);
    cJSON_Delete(a);

    /* Format 1: made so, then filled by the indexer. */
    char *old = tmp_file("cjk-old.idx");
    old_format_index(old, "1", dir);
    assert_int_equal(hit_count(old, "\u5317\u4eac", &first, &a), 2);
    assert_non_null(first);
    assert_non_null(strstr(first, "beijing.txt"));
    cJSON_Delete(a);
    const char *paths[] = {old};
    char *value = NULL, *error = NULL;
    qy_db_t *db;
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    assert_int_equal(qy_db_get_metadata(db, QY_META_FORMAT, &value, NULL),
                     QY_OK);
    assert_string_equal(value, "1");
    free(value);
    qy_db_close(db);
    free(old);
    free(dir);
    free(idx);
}

/* An index is of one language or of several: the other cannot be added. */
static void test_auto_is_the_index_language(void **state)
{
    (void)state;
    put_file("one/gardens.txt", english);
    char *idx = tmp_file("one.idx"), *dir = tmp_file("one");
    cJSON *j = index_json(0, idx, "--lang", "auto", dir, (char *)NULL);
    cJSON_Delete(j);
    run_result_t r =
        run(INDEXER, "-q", "-d", idx, "--lang", "english", dir, (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "'auto'"));
    run_free(&r);
    /* Without --lang, the index's own: several. */
    put_file("one/gaerten.txt", german);
    j = index_json(0, idx, dir, (char *)NULL);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "Br\u00fccke", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "lang"),
                        "german");
    cJSON_Delete(a);
    free(dir);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_language_stemmed_as_its_own),
        cmocka_unit_test(test_messages_and_short_texts),
        cmocka_unit_test(test_auto_is_the_index_language),
        cmocka_unit_test(test_french_elision),
        cmocka_unit_test(test_cjk_pairs),
        cmocka_unit_test(test_korean_particles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
