/* Input sizes for tests that prove a bound on big inputs (linear time, no
 * limit hit): full size natively, a sixteenth under valgrind, where the
 * same code paths run twenty to fifty times slower. */
#ifndef QUARRY_TESTS_SCALE_H
#define QUARRY_TESTS_SCALE_H

#include <stddef.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

static inline size_t test_scale(size_t n)
{
#ifdef RUNNING_ON_VALGRIND
    if (RUNNING_ON_VALGRIND)
        return n / 16;
#endif
    return n;
}

#endif
