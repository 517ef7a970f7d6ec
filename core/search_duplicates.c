/* Near-duplicate folding: hits that nearly repeat a better one (the same
 * paragraph in several files, a box quoting the body) are folded into that
 * one's `also` list, by the 3-word shingles they share; then the page asked
 * for is kept. */
#include "quarry/search_stages.h"

#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/schema.h"

void qy_free_hit(qy_result_t *h)
{
    free(h->highlights);
    free(h->also);
    for (size_t i = 0; i < h->nexplain; i++)
        free(h->explain[i].what);
    free(h->explain);
}

/* A passage's fingerprint: the sorted hashes of its 3-word shingles (of
 * its whole word sequence when shorter). */
typedef struct shingles {
    uint64_t *h;
    size_t n, cap;
    uint64_t w[3]; /* the last three word hashes */
    size_t words;
    int failed;
} shingles_t;

static int add_shingle_word(void *ctx, const qy_token_t *tok)
{
    shingles_t *sh = ctx;
    sh->w[0] = sh->w[1];
    sh->w[1] = sh->w[2];
    sh->w[2] = qy_fnv1a(tok->word, tok->word_len, QY_FNV_START);
    if (++sh->words < 3)
        return 0;
    uint64_t *h = qy_grow(sh->h, sh->n, &sh->cap, sizeof *h, 64);
    if (!h) {
        sh->failed = 1;
        return 1;
    }
    sh->h = h;
    sh->h[sh->n++] = (sh->w[0] * 31 + sh->w[1]) * 31 + sh->w[2];
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static qy_status_t fingerprint(qy_analyzer_t *a, const char *text,
                               shingles_t *sh)
{
    memset(sh, 0, sizeof *sh);
    qy_status_t st = qy_tokenize(a, text, strlen(text), add_shingle_word, sh);
    if (st == QY_OK && sh->failed)
        st = QY_NOMEM;
    if (st == QY_OK && sh->words > 0 && sh->words < 3) {
        /* too short for shingles: the words themselves */
        sh->h = malloc(sizeof *sh->h);
        if (!sh->h)
            return QY_NOMEM;
        sh->h[0] = sh->w[2] ^ (sh->w[1] * 31) ^ (sh->words * 131);
        sh->n = 1;
    }
    if (sh->n > 1)
        qsort(sh->h, sh->n, sizeof *sh->h, cmp_u64);
    return st;
}

/* Two passages are near-duplicates when most shingles of the shorter also
 * stand in the longer: the same paragraph repeated, or repeated in part
 * (a highlight box quoting the body). COMMON counts the shingles they share
 * (a shingle repeated in both counts as often as in the one with fewer). */
static int near_duplicates(size_t common, size_t nx, size_t ny)
{
    if (nx == 0 || ny == 0)
        return 0;
    size_t smaller = nx < ny ? nx : ny;
    return common * 10 >= smaller * 8;
}

/* The kept hits' shingles, each with the kept hits holding it: a new hit
 * is compared with the hits it shares shingles with, not with every kept
 * one (thousands of hits, as an evaluation fetches, made that quadratic). */
typedef struct shingle_posting {
    size_t kept;  /* index among the kept hits */
    size_t times; /* occurrences of the shingle in that hit */
    size_t next;  /* 1-based index of the next posting, 0: none */
} shingle_posting_t;

typedef struct shingle_index {
    uint64_t *keys;
    size_t *head; /* 1-based index of the slot's first posting, 0: empty */
    size_t mask;
    shingle_posting_t *post;
    size_t npost;
} shingle_index_t;

static size_t shingle_slot(const shingle_index_t *ix, uint64_t h)
{
    size_t i = (size_t)((h * 0x9e3779b97f4a7c15ULL) >> 17) & ix->mask;
    while (ix->head[i] && ix->keys[i] != h)
        i = (i + 1) & ix->mask;
    return i;
}

/* Room for TOTAL shingles, the most the kept hits can hold. */
static int shingle_index_init(shingle_index_t *ix, size_t total)
{
    size_t slots = 16;
    while (slots < total * 2)
        slots *= 2;
    memset(ix, 0, sizeof *ix);
    ix->keys = malloc(slots * sizeof *ix->keys);
    ix->head = calloc(slots, sizeof *ix->head);
    ix->post = malloc((total ? total : 1) * sizeof *ix->post);
    ix->mask = slots - 1;
    return ix->keys && ix->head && ix->post;
}

static void shingle_index_free(shingle_index_t *ix)
{
    free(ix->keys);
    free(ix->head);
    free(ix->post);
}

/* Records the sorted shingles SH of kept hit KEPT. */
static void shingle_index_add(shingle_index_t *ix, const shingles_t *sh,
                              size_t kept)
{
    for (size_t i = 0, j; i < sh->n; i = j) {
        for (j = i + 1; j < sh->n && sh->h[j] == sh->h[i];)
            j++;
        size_t slot = shingle_slot(ix, sh->h[i]);
        ix->keys[slot] = sh->h[i];
        ix->post[ix->npost] = (shingle_posting_t){kept, j - i, ix->head[slot]};
        ix->head[slot] = ++ix->npost;
    }
}

/* The first kept hit of which SH nearly repeats, or KEPT when none.
 * COMMON (KEPT entries, zeroed) counts shared shingles and is left zeroed;
 * TOUCHED is scratch for KEPT entries. */
static size_t first_duplicate(const shingle_index_t *ix, const shingles_t *sh,
                              const shingles_t *fp, size_t kept, size_t *common,
                              size_t *touched)
{
    size_t ntouched = 0;
    for (size_t i = 0, j; i < sh->n; i = j) {
        for (j = i + 1; j < sh->n && sh->h[j] == sh->h[i];)
            j++;
        size_t slot = shingle_slot(ix, sh->h[i]);
        for (size_t p = ix->head[slot]; p; p = ix->post[p - 1].next) {
            const shingle_posting_t *sp = &ix->post[p - 1];
            if (common[sp->kept] == 0)
                touched[ntouched++] = sp->kept;
            common[sp->kept] += sp->times < j - i ? sp->times : j - i;
        }
    }
    size_t into = kept;
    for (size_t t = 0; t < ntouched; t++) {
        size_t k = touched[t];
        if (k < into && near_duplicates(common[k], fp[k].n, sh->n))
            into = k;
        common[k] = 0;
    }
    return into;
}

/* Folds each hit that nearly repeats a better one into that one's `also`. */
qy_status_t qy_fold_duplicates(qy_analyzer_t *a, qy_results_t *out, owner_t *o)
{
    size_t n = out->count;
    shingles_t *fp = calloc(n ? n : 1, sizeof *fp);
    size_t *common = calloc(n ? n : 1, sizeof *common);
    size_t *touched = calloc(n ? n : 1, sizeof *touched);
    shingle_index_t ix = {0};
    qy_status_t st = fp && common && touched ? QY_OK : QY_NOMEM;
    size_t total = 0;
    for (size_t i = 0; st == QY_OK && i < n; i++) {
        st = fingerprint(a, out->hits[i].rec.text, &fp[i]);
        total += fp[i].n;
    }
    if (st == QY_OK && !shingle_index_init(&ix, total))
        st = QY_NOMEM;
    size_t kept = 0;
    for (size_t i = 0; st == QY_OK && i < n; i++) {
        size_t into = first_duplicate(&ix, &fp[i], fp, kept, common, touched);
        if (into == kept) {
            /* keeps its place among the kept hits */
            out->hits[kept] = out->hits[i];
            o->docids[kept] = o->docids[i];
            shingles_t t = fp[kept];
            fp[kept] = fp[i];
            fp[i] = t;
            shingle_index_add(&ix, &fp[kept], kept);
            kept++;
            continue;
        }
        qy_result_t *best = &out->hits[into];
        qy_location_t *also =
            realloc(best->also, (best->nalso + 1) * sizeof *also);
        if (!also) {
            st = QY_NOMEM;
            break;
        }
        best->also = also;
        also[best->nalso++] =
            (qy_location_t){out->hits[i].rec.source, out->hits[i].rec.id,
                            out->hits[i].rec.ordinal};
        qy_free_hit(&out->hits[i]);
        memset(&out->hits[i], 0, sizeof out->hits[i]);
    }
    for (size_t i = 0; fp && i < n; i++)
        free(fp[i].h);
    free(fp);
    free(common);
    free(touched);
    shingle_index_free(&ix);
    if (st == QY_OK)
        out->count = kept;
    return st;
}

/* Keeps the hits of the page [offset, offset + limit) and numbers them. */
void qy_keep_page(qy_results_t *out, owner_t *o, const qy_search_opts_t *opts)
{
    size_t from = opts->offset < out->count ? opts->offset : out->count;
    size_t to =
        out->count - from > opts->limit ? from + opts->limit : out->count;
    for (size_t i = 0; i < from; i++)
        qy_free_hit(&out->hits[i]);
    for (size_t i = to; i < out->count; i++)
        qy_free_hit(&out->hits[i]);
    if (from > 0 && to > from) { /* hits may be NULL when there are none */
        memmove(out->hits, out->hits + from, (to - from) * sizeof *out->hits);
        memmove(o->docids, o->docids + from, (to - from) * sizeof *o->docids);
    }
    out->count = to - from;
    for (size_t i = 0; i < out->count; i++)
        out->hits[i].rank = opts->offset + (unsigned)i + 1;
}
