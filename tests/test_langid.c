/* Language detection on real text: the RFC sample (English) and the
 * German and French manual pages of the system, when installed; and the
 * analyzer of several languages stemming a word in each. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/langid.h"
#include "quarry/text.h"

typedef struct tally {
    unsigned files, right;
} tally_t;

static void tally_text(qy_langid_t *l, const char *text, size_t len,
                       const char *expect, tally_t *t)
{
    if (len < 200) /* a stub page: nothing to tell */
        return;
    const char *got = qy_langid_detect(l, text, len);
    t->files++;
    t->right += got && strcmp(got, expect) == 0;
}

/* Every .txt file of DIR (the first 4 KB of each). */
static tally_t detect_files(qy_langid_t *l, const char *dir, const char *expect)
{
    tally_t t = {0, 0};
    DIR *d = opendir(dir);
    if (!d)
        return t;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
            continue;
        char path[4096], buf[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        tally_text(l, buf, len, expect, &t);
    }
    closedir(d);
    return t;
}

/* The manual pages of section 1 in LOCALE, as man prints them. */
static tally_t detect_man_pages(qy_langid_t *l, const char *locale,
                                const char *expect)
{
    tally_t t = {0, 0};
    char dir[256];
    snprintf(dir, sizeof dir, "/usr/share/man/%s/man1", locale);
    DIR *d = opendir(dir);
    if (!d)
        return t;
    struct dirent *e;
    while ((e = readdir(d)) && t.files < 30) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '\''))
            continue;
        char cmd[600], buf[4096];
        snprintf(cmd, sizeof cmd, "MANWIDTH=80 man -P cat '%s/%s' 2>/dev/null",
                 dir, e->d_name);
        FILE *p = popen(cmd, "r");
        if (!p)
            continue;
        size_t len = fread(buf, 1, sizeof buf, p);
        while (fread(cmd, 1, sizeof cmd, p) > 0)
            ;
        pclose(p);
        tally_text(l, buf, len, expect, &t);
    }
    closedir(d);
    return t;
}

static void test_real_text(void **state)
{
    (void)state;
    qy_langid_t *l = qy_langid_new();
    assert_non_null(l);
    tally_t t = detect_files(l, QUARRY_DATA_DIR "/rfc-sample", "english");
    if (t.files) {
        print_message("rfc-sample: %u of %u English\n", t.right, t.files);
        assert_true(t.right >= t.files * 95 / 100);
    }
    /* Some of these pages are left untranslated, in English. */
    static const char *const locales[][2] = {{"de", "german"},
                                             {"fr", "french"}};
    for (size_t i = 0; i < 2; i++) {
        t = detect_man_pages(l, locales[i][0], locales[i][1]);
        if (!t.files)
            continue;
        print_message("man pages (%s): %u of %u %s\n", locales[i][0], t.right,
                      t.files, locales[i][1]);
        assert_true(t.right >= t.files * 80 / 100);
    }
    /* Too short to tell. */
    assert_null(qy_langid_detect(l, "Kiosk.", 6));
    assert_null(qy_langid_detect(l, "", 0));
    qy_langid_free(l);
}

typedef struct collected {
    char v[8][80];
    size_t n;
} collected_t;

static int collect(void *ctx, const char *stem, size_t len)
{
    collected_t *c = ctx;
    snprintf(c->v[c->n++], sizeof c->v[0], "%.*s", (int)len, stem);
    return c->n == 8;
}

static void test_stem_in_each_language(void **state)
{
    (void)state;
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("auto", &a), QY_OK);
    assert_string_equal(qy_analyzer_language(a), "auto");
    assert_string_equal(qy_analyzer_current(a), "english");
    assert_int_equal(qy_analyzer_use(a, "de"), QY_OK);
    assert_string_equal(qy_analyzer_current(a), "german");
    assert_int_equal(qy_analyzer_use(a, "klingon"), QY_INVALID);

    /* One language: its stem. */
    collected_t c = {.n = 0};
    assert_int_equal(qy_stem_each(a, "brücken", strlen("brücken"), collect, &c),
                     QY_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0], "bruck");

    /* Several: the stem in each, once, English without the marks; the
     * question is read keeping them, and English stop words stay stop
     * words. */
    const char *langs[] = {"english", "german", "french"};
    assert_int_equal(qy_analyzer_set_question_languages(a, langs, 3), QY_OK);
    assert_int_equal(qy_analyzer_question_languages(a), 3);
    assert_string_equal(qy_analyzer_current(a), "german");
    assert_true(qy_is_stopword(a, "the", 3));
    assert_true(qy_is_stopword(a, "und", 3));
    assert_true(qy_is_stopword(a, "le", 2));
    assert_false(qy_is_stopword(a, "brücke", strlen("brücke")));
    c.n = 0;
    assert_int_equal(qy_stem_each(a, "décidé", strlen("décidé"), collect, &c),
                     QY_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.v[0], "decid");
    assert_string_equal(c.v[1], "décidé");
    assert_string_equal(c.v[2], "décid");
    c.n = 0;
    assert_int_equal(qy_stem_each(a, "walking", 7, collect, &c), QY_OK);
    assert_int_equal(c.n, 2); /* "walk", and "walking" twice */
    assert_string_equal(qy_analyzer_current(a), "german");
    qy_analyzer_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_text),
        cmocka_unit_test(test_stem_in_each_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
