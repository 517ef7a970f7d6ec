/* The retrieval metrics of bench/eval against small cases computed by hand
 * the way trec_eval computes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmocka_noreturn.h"

#include "metrics.h"

#define EPS 1e-4

/* Ranking d1..d5; relevant: d1 (rank 1), d3 (rank 3), d6 (not retrieved).
 *   AP    = (1/1 + 2/3) / 3                        = 0.5556
 *   P@10  = 2 / 10                                 = 0.2
 *   R@100 = 2 / 3                                  = 0.6667
 *   nDCG  = (1 + 1/log2 4) / (1 + 1/log2 3 + 1/log2 4)
 *         = 1.5 / 2.1309                           = 0.7039 */
static void test_binary_case(void **state)
{
    (void)state;
    qy_scored_doc_t run[] = {
        {"d1", 5}, {"d2", 4}, {"d3", 3}, {"d4", 2}, {"d5", 1}};
    qy_judgment_t judged[] = {
        {"d6", 1, 1}, {"d3", 1, 1}, {"d1", 1, 1}, {"d2", 0, 0}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, 5, judged, 4, &m), 0);
    assert_float_equal(m.map, (1.0 + 2.0 / 3.0) / 3.0, EPS);
    assert_float_equal(m.p10, 0.2, EPS);
    assert_float_equal(m.recall100, 2.0 / 3.0, EPS);
    assert_float_equal(m.ndcg10, 0.7039, EPS);
}

/* Graded gains: ranking a (gain 1), b (3), c (judged, 0); d (2) missing.
 *   DCG  = 1 + 3/log2 3                 = 2.8928
 *   IDCG = 3 + 2/log2 3 + 1/log2 4      = 4.7619
 *   nDCG = 0.6075 */
static void test_graded_ndcg(void **state)
{
    (void)state;
    qy_scored_doc_t run[] = {{"a", 3}, {"b", 2}, {"c", 1}};
    qy_judgment_t judged[] = {
        {"a", 1, 1}, {"b", 3, 1}, {"c", 0, 0}, {"d", 2, 1}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, 3, judged, 4, &m), 0);
    assert_float_equal(m.ndcg10, 0.6075, EPS);
    /* Binary measures ignore the grades: a at 1, b at 2, d missing. */
    assert_float_equal(m.map, (1.0 + 1.0) / 3.0, EPS);
    assert_float_equal(m.p10, 0.2, EPS);
}

/* Only the first 10 count towards nDCG@10 and P@10: a relevant document at
 * rank 11 adds nothing there, but counts for MAP and recall. */
static void test_cutoffs(void **state)
{
    (void)state;
    char names[11][8];
    qy_scored_doc_t run[11];
    for (int i = 0; i < 11; i++) {
        snprintf(names[i], sizeof names[i], "x%02d", i);
        run[i] = (qy_scored_doc_t){names[i], 100.0 - i};
    }
    qy_judgment_t judged[] = {{"x10", 1, 1}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, 11, judged, 1, &m), 0);
    assert_float_equal(m.ndcg10, 0, EPS);
    assert_float_equal(m.p10, 0, EPS);
    assert_float_equal(m.map, 1.0 / 11.0, EPS);
    assert_float_equal(m.recall100, 1.0, EPS);
}

/* MAP stops at rank 1000 and recall at rank 100. */
static void test_depth_limits(void **state)
{
    (void)state;
    size_t n = QY_METRICS_DEPTH + 1;
    qy_scored_doc_t *run = calloc(n, sizeof *run);
    char(*names)[8] = calloc(n, sizeof *names);
    assert_non_null(run);
    assert_non_null(names);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "%05zu", i);
        run[i] = (qy_scored_doc_t){names[i], (double)(n - i)};
    }
    qy_judgment_t judged[] = {{names[100], 1, 1}, {names[1000], 1, 1}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, n, judged, 2, &m), 0);
    /* rank 101 counts for MAP (1/101 over 2 relevant), rank 1001 not */
    assert_float_equal(m.map, (1.0 / 101.0) / 2.0, 1e-6);
    assert_float_equal(m.recall100, 0, EPS);
    free(run);
    free(names);
}

/* Nothing relevant, or nothing retrieved: every figure is 0. */
static void test_empty(void **state)
{
    (void)state;
    qy_scored_doc_t run[] = {{"a", 1}};
    qy_judgment_t none[] = {{"a", 0, 0}};
    qy_judgment_t some[] = {{"b", 1, 1}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, 1, none, 1, &m), 0);
    assert_float_equal(m.map + m.ndcg10 + m.p10 + m.recall100, 0, EPS);
    assert_int_equal(qy_metrics_query(NULL, 0, some, 1, &m), 0);
    assert_float_equal(m.map + m.ndcg10 + m.p10 + m.recall100, 0, EPS);
    /* A grade of -1 (Cranfield) is judged and not relevant. */
    qy_judgment_t minus[] = {{"a", -1, 0}};
    assert_int_equal(qy_metrics_query(run, 1, minus, 1, &m), 0);
    assert_float_equal(m.map + m.ndcg10 + m.p10, 0, EPS);
}

/* trec_eval's order: score descending compared as float, then document id
 * in descending strcmp order. */
static void test_trec_order(void **state)
{
    (void)state;
    qy_scored_doc_t run[] = {
        {"a", 1.0}, {"c", 2.0}, {"b", 1.0}, {"d", 1.0 + 1e-12}, {"e", 0.5}};
    qy_run_sort(run, 5);
    const char *expect[] = {"c", "d", "b", "a", "e"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(run[i].doc, expect[i]);
    /* The order decides the figures: b relevant sits at rank 3. */
    qy_judgment_t judged[] = {{"b", 1, 1}};
    qy_metrics_t m;
    assert_int_equal(qy_metrics_query(run, 5, judged, 1, &m), 0);
    assert_float_equal(m.map, 1.0 / 3.0, EPS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_case), cmocka_unit_test(test_graded_ndcg),
        cmocka_unit_test(test_cutoffs),     cmocka_unit_test(test_depth_limits),
        cmocka_unit_test(test_empty),       cmocka_unit_test(test_trec_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
