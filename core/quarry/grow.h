/* Growing an array or a byte buffer: the one way quarry's collecting
 * arrays, stacks and text buffers get bigger. */
#ifndef QUARRY_GROW_H
#define QUARRY_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Room for NEED elements in the array V (CAP elements of SIZE bytes, CAP 0
 * for none yet): V itself when it has room, else V reallocated to the first
 * of FIRST (or *CAP when it is not 0), twice that, four times that, ... that
 * holds NEED, with *CAP updated. A NULL V is always allocated, whatever *CAP
 * says. NULL when out of memory or past SIZE_MAX bytes; V is then left as it
 * was. */
static inline void *qy_reserve(void *v, size_t need, size_t *cap, size_t size,
                               size_t first)
{
    if (v && need <= *cap)
        return v;
    size_t more = *cap ? *cap : first;
    if (more == 0)
        more = 1;
    while (more < need) {
        if (more > SIZE_MAX / 2)
            return NULL;
        more *= 2;
    }
    if (more > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(v, more * size);
    if (grown)
        *cap = more;
    return grown;
}

/* Room for element N of the array V, the next one to be appended: as
 * qy_reserve for N + 1 elements. */
static inline void *qy_grow(void *v, size_t n, size_t *cap, size_t size,
                            size_t first)
{
    return n == SIZE_MAX ? NULL : qy_reserve(v, n + 1, cap, size, first);
}

#endif
