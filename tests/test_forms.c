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
    size_t calls = qy_forms_each(f, copy, n, collect, c);
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
        cmocka_unit_test(test_other_language_has_no_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
