/* The set of sources one run has met, to tell which recorded files went
 * away and to index a file reached twice only once. */
#ifndef QUARRY_INDEXER_SEEN_H
#define QUARRY_INDEXER_SEEN_H

#include <stddef.h>
#include <stdint.h>

/* Holds 64-bit hashes of the names rather than the names, so a tree of
 * millions of files costs 16 bytes a file. Two names with one hash would
 * make a removed file look present (its passages kept): with 64 bits that
 * takes billions of files to become likely. */
typedef struct ix_seen {
    uint64_t *slots; /* 0: empty */
    size_t cap, count;
} ix_seen_t;

/* Adds NAME. Returns 1 when it was new, 0 when already there, -1 when out
 * of memory. */
int ix_seen_add(ix_seen_t *s, const char *name);

/* Non-zero when NAME was added. */
int ix_seen_has(const ix_seen_t *s, const char *name);

void ix_seen_free(ix_seen_t *s);

#endif
