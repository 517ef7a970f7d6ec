/* The word counter: counts, distinct words, growth, clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/wordcount.h"

typedef struct totals {
    unsigned long words, sum, korea;
} totals_t;

static int tally(void *ctx, const char *w, size_t len, unsigned count)
{
    totals_t *t = ctx;
    t->words++;
    t->sum += count;
    if (len == 5 && memcmp(w, "korea", 5) == 0)
        t->korea = count;
    return 0;
}

static int stop_at_first(void *ctx, const char *w, size_t len, unsigned n)
{
    (void)ctx, (void)w, (void)len, (void)n;
    return 7;
}

static void test_counts_and_growth(void **state)
{
    (void)state;
    qy_wordcount_t *wc = qy_wordcount_new();
    assert_non_null(wc);
    char word[32];
    /* 50,000 distinct words, each twice, and "korea" 3 times */
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 50000; i++) {
            int n = snprintf(word, sizeof word, "w%d", i);
            assert_int_equal(qy_wordcount_add(wc, word, (size_t)n), QY_OK);
        }
    for (int i = 0; i < 3; i++)
        assert_int_equal(qy_wordcount_add(wc, "korea", 5), QY_OK);
    assert_int_equal(qy_wordcount_add(wc, "", 0), QY_INVALID);
    assert_int_equal(qy_wordcount_size(wc), 50001);
    totals_t t = {0};
    assert_int_equal(qy_wordcount_each(wc, tally, &t), 0);
    assert_int_equal(t.words, 50001);
    assert_int_equal(t.sum, 100003);
    assert_int_equal(t.korea, 3);
    assert_int_equal(qy_wordcount_each(wc, stop_at_first, NULL), 7);
    qy_wordcount_clear(wc);
    assert_int_equal(qy_wordcount_size(wc), 0);
    assert_int_equal(qy_wordcount_add(wc, "korea", 5), QY_OK);
    t = (totals_t){0};
    qy_wordcount_each(wc, tally, &t);
    assert_int_equal(t.words, 1);
    assert_int_equal(t.korea, 1);
    qy_wordcount_free(wc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
