#include "seen.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a finalising mix so that the low bits used for the slot
 * depend on every byte. Never 0, which marks an empty slot. */
static uint64_t hash_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static size_t find(const uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] && slots[i] != h)
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(ix_seen_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            slots[find(slots, cap, s->slots[i])] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int ix_seen_add(ix_seen_t *s, const char *name)
{
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    uint64_t h = hash_name(name);
    size_t i = find(s->slots, s->cap, h);
    if (s->slots[i])
        return 0;
    s->slots[i] = h;
    s->count++;
    return 1;
}

int ix_seen_has(const ix_seen_t *s, const char *name)
{
    if (!s->cap)
        return 0;
    return s->slots[find(s->slots, s->cap, hash_name(name))] != 0;
}

void ix_seen_free(ix_seen_t *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}
