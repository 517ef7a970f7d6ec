/* Irregular word forms: the table loads, and a question's stem reaches the
 * stems of its other forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/forms.h"

typedef struct collected {
    char text[512];
    size_t calls;
} collected_t;

static void collect(void *ctx, const char *stem, size_t len)
{
    collected_t *c = ctx;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof c->text - n, "%s%.*s", n ? " " : "", (int)len,
             stem);
    c->calls++;
}

static const char *forms_of(qy_forms_t *f, qy_analyzer_t *a, const char *word,
                            collected_t *c)
{
    size_t n;
    memset(c, 0, sizeof *c);
    const char *stem = qy_stem(a, word, strlen(word), &n);
    char copy[128];
    memcpy(copy, stem, n);
    size_t calls = 99;
    assert_int_equal(qy_forms_each(f, copy, n, collect, c, &calls), QY_OK);
    assert_int_equal(calls, c->calls);
    return c->text;
}

static void test_english_groups(void **state)
{
    (void)state;
    static const struct {
        const char *word, *expect;
    } rows[] = {
        {"steals", "steal stole stolen"},
        {"stole", "steal stole stolen"},
        {"stolen", "steal stole stolen"},
        {"bought", "buy bought"},
        {"buying", "buy bought"},
        {"children", "child children"},
        {"mice", "mous mice"},
        {"cryptocurrency", ""}, /* regular words are left to the stemmer */
        {"walked", ""},
        {"left", ""}, /* ambiguous forms are not in the table */
    };
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    qy_forms_t *f = qy_forms_new(a);
    assert_non_null(f);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        collected_t c;
        const char *got = forms_of(f, a, rows[i].word, &c);
        if (strcmp(got, rows[i].expect) != 0)
            fail_msg("%s: got '%s', expected '%s'", rows[i].word, got,
                     rows[i].expect);
    }
    qy_forms_free(f);
    qy_analyzer_free(a);
}

/* Whether the stem S[0, LEN) is one of the words of LIST. */
static int listed(const char *list, const char *s, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        if (n == len && memcmp(p, s, len) == 0)
            return 1;
        p += n + (p[n] == ' ');
    }
    return 0;
}

/* The stems of the forms on LINE must be among GOT. */
static void expect_group(qy_analyzer_t *a, const char *lang, const char *line,
                         const char *word, const char *got)
{
    for (const char *o = line; *o;) {
        size_t olen = strcspn(o, " "), n;
        const char *stem = qy_stem(a, o, olen, &n);
        if (olen && !listed(got, stem, n))
            fail_msg("%s: %s gives '%s', without %.*s", lang, word, got,
                     (int)olen, o);
        o += olen + (o[olen] == ' ');
    }
}

/* The table is read by the first two letters of the stems looked up:
 * every form of the data must keep its first letter under both English
 * stemmers, and its second when the stem has two, and find its whole
 * group from a table nothing was read from. */
static void check_forms_of_line(const char *lang, const char *line)
{
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new(lang, &a), QY_OK);
    for (const char *w = line; *w;) {
        size_t wlen = strcspn(w, " "), n;
        if (wlen == 0) {
            w++;
            continue;
        }
        const char *stem = qy_stem(a, w, wlen, &n);
        assert_non_null(stem);
        if (n == 0 || n > wlen || stem[0] != w[0] || (n > 1 && stem[1] != w[1]))
            fail_msg("%s: %.*s stems to %.*s", lang, (int)wlen, w, (int)n,
                     stem);
        char word[128];
        snprintf(word, sizeof word, "%.*s", (int)wlen, w);
        qy_forms_t *f = qy_forms_new(a);
        assert_non_null(f);
        collected_t c;
        expect_group(a, lang, line, word, forms_of(f, a, word, &c));
        qy_forms_free(f);
        w += wlen + (w[wlen] == ' ');
    }
    qy_analyzer_free(a);
}

static void test_every_form_finds_its_group(void **state)
{
    (void)state;
    FILE *in = fopen(QUARRY_SOURCE_DIR "/core/data/irregular-en.txt", "r");
    assert_non_null(in);
    char line[512];
    size_t lines = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "#\n")] = '\0';
        check_forms_of_line("english", line);
        check_forms_of_line("porter", line);
        lines += *line != '\0';
    }
    fclose(in);
    assert_true(lines > 150);
}

static void test_other_language_has_no_table(void **state)
{
    (void)state;
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("french", &a), QY_OK);
    qy_forms_t *f = qy_forms_new(a);
    assert_non_null(f);
    collected_t c;
    assert_string_equal(forms_of(f, a, "stole", &c), "");
    qy_forms_free(f);
    qy_analyzer_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_groups),
        cmocka_unit_test(test_every_form_finds_its_group),
        cmocka_unit_test(test_other_language_has_no_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
