/* Growing an array one element at a time, as the callbacks that collect
 * terms, keys and synonyms do. */
#ifndef QUARRY_GROW_H
#define QUARRY_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Room for element N of the array V (CAP elements of SIZE bytes, CAP 0 for
 * none yet): V itself when it has room, else V reallocated to twice its
 * size (FIRST elements at first), with *CAP updated. NULL when out of
 * memory; V is then left as it was. */
static inline void *qy_grow(void *v, size_t n, size_t *cap, size_t size,
                            size_t first)
{
    if (n < *cap)
        return v;
    size_t more = *cap ? *cap * 2 : first;
    if (more > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(v, more * size);
    if (grown)
        *cap = more;
    return grown;
}

#endif
