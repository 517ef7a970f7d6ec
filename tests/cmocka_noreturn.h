/* <cmocka.h> for the tests, with what the static analyzers need to know.
 * A failing cmocka assertion (and fail_msg, skip) longjmps back to the test
 * runner, so the code after it never runs; cmocka 1.1 does not say so (its
 * _fail and _assert_* are plain functions), and clang's analyzer (make lint's
 * clang-tidy) and cppcheck then follow paths past a failed assertion: NULL
 * dereferences after assert_non_null(p), and so on. For them alone each
 * assertion becomes its test and abort(), which they know does not return.
 * Compiled tests use cmocka's own macros. */
#ifndef QUARRY_TESTS_CMOCKA_NORETURN_H
#define QUARRY_TESTS_CMOCKA_NORETURN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#if defined(__clang_analyzer__) || defined(__CPPCHECK__)
#include <stdlib.h>
#include <string.h>

/* Each argument is evaluated once, as cmocka does. */
static inline int qt_str_equal(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static inline int qt_mem_equal(const void *a, const void *b, size_t n)
{
    return a && b && memcmp(a, b, n) == 0;
}

static inline int qt_float_equal(double a, double b, double epsilon)
{
    return a - b <= epsilon && b - a <= epsilon;
}

#define QT_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

#undef fail
#undef fail_msg
#undef skip
#undef assert_true
#undef assert_false
#undef assert_non_null
#undef assert_null
#undef assert_ptr_equal
#undef assert_ptr_not_equal
#undef assert_int_equal
#undef assert_int_not_equal
#undef assert_float_equal
#undef assert_string_equal
#undef assert_string_not_equal
#undef assert_memory_equal
#undef assert_memory_not_equal
#define fail() abort()
#define fail_msg(msg, ...)                                                     \
    do {                                                                       \
        print_error("ERROR: " msg "\n", ##__VA_ARGS__);                        \
        abort();                                                               \
    } while (0)
#define skip() abort()
#define assert_true(c) QT_CHECK(c)
#define assert_false(c) QT_CHECK(!(c))
#define assert_non_null(c) QT_CHECK((c) != NULL)
#define assert_null(c) QT_CHECK((c) == NULL)
#define assert_ptr_equal(a, b) QT_CHECK((const void *)(a) == (const void *)(b))
#define assert_ptr_not_equal(a, b)                                             \
    QT_CHECK((const void *)(a) != (const void *)(b))
#define assert_int_equal(a, b) QT_CHECK((uintmax_t)(a) == (uintmax_t)(b))
#define assert_int_not_equal(a, b) QT_CHECK((uintmax_t)(a) != (uintmax_t)(b))
#define assert_float_equal(a, b, epsilon)                                      \
    QT_CHECK(qt_float_equal((a), (b), (epsilon)))
#define assert_string_equal(a, b) QT_CHECK(qt_str_equal((a), (b)))
#define assert_string_not_equal(a, b) QT_CHECK(!qt_str_equal((a), (b)))
#define assert_memory_equal(a, b, n) QT_CHECK(qt_mem_equal((a), (b), (n)))
#define assert_memory_not_equal(a, b, n) QT_CHECK(!qt_mem_equal((a), (b), (n)))
#endif

#endif
