/* Open addressing with linear probing over a power-of-two table; words live
 * in one growing arena so that a batch costs a handful of allocations. */
#include "quarry/wordcount.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"

typedef struct slot {
    uint64_t hash; /* 0: empty */
    size_t offset; /* of the word in the arena */
    unsigned len;
    unsigned count;
} slot_t;

struct qy_wordcount {
    slot_t *slots;
    size_t cap, used;
    char *arena;
    size_t arena_len, arena_cap;
};

static uint64_t hash_word(const char *w, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)w[i];
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;
}

qy_wordcount_t *qy_wordcount_new(void)
{
    qy_wordcount_t *wc = calloc(1, sizeof *wc);
    if (!wc)
        return NULL;
    wc->cap = 1024;
    wc->slots = calloc(wc->cap, sizeof *wc->slots);
    if (!wc->slots) {
        free(wc);
        return NULL;
    }
    return wc;
}

void qy_wordcount_free(qy_wordcount_t *wc)
{
    if (!wc)
        return;
    free(wc->slots);
    free(wc->arena);
    free(wc);
}

static int grow(qy_wordcount_t *wc)
{
    size_t cap = wc->cap * 2;
    slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < wc->cap; i++) {
        if (!wc->slots[i].hash)
            continue;
        size_t j = wc->slots[i].hash & (cap - 1);
        while (slots[j].hash)
            j = (j + 1) & (cap - 1);
        slots[j] = wc->slots[i];
    }
    free(wc->slots);
    wc->slots = slots;
    wc->cap = cap;
    return 0;
}

qy_status_t qy_wordcount_add(qy_wordcount_t *wc, const char *word, size_t len)
{
    if (len == 0 || len > UINT32_MAX)
        return QY_INVALID;
    uint64_t h = hash_word(word, len);
    size_t i = h & (wc->cap - 1);
    for (; wc->slots[i].hash; i = (i + 1) & (wc->cap - 1)) {
        slot_t *s = &wc->slots[i];
        if (s->hash == h && s->len == len &&
            memcmp(wc->arena + s->offset, word, len) == 0) {
            s->count++;
            return QY_OK;
        }
    }
    char *arena =
        qy_reserve(wc->arena, wc->arena_len + len, &wc->arena_cap, 1, 1 << 16);
    if (!arena)
        return QY_NOMEM;
    wc->arena = arena;
    memcpy(wc->arena + wc->arena_len, word, len);
    wc->slots[i] = (slot_t){h, wc->arena_len, (unsigned)len, 1};
    wc->arena_len += len;
    /* Keep the table at most half full so probes stay short. */
    if (++wc->used * 2 > wc->cap && grow(wc) != 0)
        return QY_NOMEM;
    return QY_OK;
}

size_t qy_wordcount_size(const qy_wordcount_t *wc)
{
    return wc->used;
}

int qy_wordcount_each(const qy_wordcount_t *wc,
                      int (*fn)(void *ctx, const char *word, size_t len,
                                unsigned count),
                      void *ctx)
{
    for (size_t i = 0; i < wc->cap; i++) {
        const slot_t *s = &wc->slots[i];
        if (!s->hash)
            continue;
        int r = fn(ctx, wc->arena + s->offset, s->len, s->count);
        if (r)
            return r;
    }
    return 0;
}

void qy_wordcount_clear(qy_wordcount_t *wc)
{
    memset(wc->slots, 0, wc->cap * sizeof *wc->slots);
    wc->used = 0;
    wc->arena_len = 0;
}
