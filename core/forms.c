#include "quarry/forms.h"

#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"

/* The data file as one string (generated from core/data/irregular-en.txt
 * at configure time). */
static const char irregular_en[] =
#include "irregular_en.inc"
    ;

typedef struct form {
    char *stem;
    unsigned group; /* the line of the data it is on */
} form_t;

/* A word of the data: where it is, and its line. */
typedef struct word_ref {
    const char *s;
    size_t len;
    unsigned line;
} word_ref_t;

/* The table is read lazily: a line's stems are made when a stem is looked
 * up that begins as one of its words does. The English stemmers keep a
 * word's first letter, and its second when the stem has two
 * (tests/test_forms.c checks it of every form), so the lines whose words
 * begin with a stem's first two letters (its one letter, for a stem of
 * one) hold every group that stem can be in: a question stems a few lines
 * of the table, not all of it. */
struct qy_forms {
    qy_analyzer_t *a;
    const char *data;  /* NULL: no table for the language */
    word_ref_t *words; /* the data's words, in order; made on first use */
    size_t nwords, words_cap;
    unsigned char *line_read; /* per line of data: its stems are made */
    unsigned short *keys;     /* the beginnings looked up, see key() */
    size_t nkeys, keys_cap;
    form_t *items; /* grouped by line, the lines in the order read */
    size_t count, cap;
};

static int add_form(qy_forms_t *f, const char *stem, size_t len, unsigned group)
{
    for (size_t i = f->count; i > 0 && f->items[i - 1].group == group; i--)
        if (strlen(f->items[i - 1].stem) == len &&
            memcmp(f->items[i - 1].stem, stem, len) == 0)
            return 0; /* two forms of one group with the same stem */
    form_t *items = qy_grow(f->items, f->count, &f->cap, sizeof *items, 64);
    if (!items)
        return -1;
    f->items = items;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, stem, len);
    copy[len] = '\0';
    f->items[f->count++] = (form_t){copy, group};
    return 0;
}

/* Lists the words of the data, a line a group; '#' starts a comment. */
static int list_words(qy_forms_t *f)
{
    unsigned line = 0;
    f->nwords = 0;
    for (const char *p = f->data; *p; line++) {
        const char *end = p + strcspn(p, "\n");
        const char *stop = p + strcspn(p, "#\n");
        while (p < stop) {
            while (p < stop && *p == ' ')
                p++;
            const char *w = p;
            while (p < stop && *p != ' ')
                p++;
            if (p == w)
                continue;
            word_ref_t *words =
                qy_grow(f->words, f->nwords, &f->words_cap, sizeof *words, 512);
            if (!words)
                return -1;
            f->words = words;
            f->words[f->nwords++] = (word_ref_t){w, (size_t)(p - w), line};
        }
        p = *end ? end + 1 : end;
    }
    f->line_read = calloc(line + 1, 1);
    return f->line_read ? 0 : -1;
}

/* What a stem or word S[0, LEN) begins with: its first two bytes, or its
 * one, the second then 0. */
static unsigned short key(const char *s, size_t len)
{
    return (unsigned short)((unsigned char)s[0] << 8 |
                            (len > 1 ? (unsigned char)s[1] : 0));
}

/* Whether the word W begins as KEY asks: with both its bytes, or with the
 * first of a one-byte key. */
static int begins(const word_ref_t *w, unsigned short k)
{
    unsigned short own = key(w->s, w->len);
    return (k & 0xff) ? own == k : (own >> 8) == (k >> 8);
}

/* Makes the stems of the lines with a word beginning as KEY asks. */
static int read_key(qy_forms_t *f, unsigned short k)
{
    for (size_t i = 0; i < f->nkeys; i++)
        if (f->keys[i] == k)
            return 0;
    unsigned short *keys =
        qy_grow(f->keys, f->nkeys, &f->keys_cap, sizeof *keys, 16);
    if (!keys)
        return -1;
    f->keys = keys;
    for (size_t i = 0; i < f->nwords; i++) {
        unsigned line = f->words[i].line;
        if (f->line_read[line] || !begins(&f->words[i], k))
            continue;
        size_t j = i;
        while (j > 0 && f->words[j - 1].line == line)
            j--;
        for (; j < f->nwords && f->words[j].line == line; j++) {
            size_t n;
            const char *stem =
                qy_stem(f->a, f->words[j].s, f->words[j].len, &n);
            if (!stem || add_form(f, stem, n, line) != 0)
                return -1;
        }
        f->line_read[line] = 1;
    }
    f->keys[f->nkeys++] = k;
    return 0;
}

qy_forms_t *qy_forms_new(qy_analyzer_t *a)
{
    qy_forms_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->a = a;
    const char *lang = qy_analyzer_language(a);
    if (strcmp(lang, "english") == 0 || strcmp(lang, "porter") == 0)
        f->data = irregular_en;
    return f;
}

void qy_forms_free(qy_forms_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++)
        free(f->items[i].stem);
    free(f->items);
    free(f->words);
    free(f->line_read);
    free(f->keys);
    free(f);
}

/* The first items of the groups holding STEM, in the order of their lines
 * (at most MAX); returns how many. */
static size_t groups_of(const qy_forms_t *f, const char *stem, size_t len,
                        size_t *first, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count;) {
        size_t start = i, found = 0;
        for (; i < f->count && f->items[i].group == f->items[start].group; i++)
            found |= strlen(f->items[i].stem) == len &&
                     memcmp(f->items[i].stem, stem, len) == 0;
        if (!found || n == max)
            continue;
        size_t at = n++;
        for (; at > 0 && f->items[first[at - 1]].group > f->items[start].group;
             at--)
            first[at] = first[at - 1];
        first[at] = start;
    }
    return n;
}

/* Calls FN for each stem of the groups holding STEM, each stem once. */
static size_t each_form(const qy_forms_t *f, const char *stem, size_t len,
                        void (*fn)(void *ctx, const char *stem, size_t len),
                        void *ctx)
{
    /* Stems already given, so that a stem in two matching groups (or the
     * query's own stem) is given once. Groups are small; 64 is plenty. */
    const char *given[64];
    size_t first[64];
    size_t ngiven = 0, calls = 0;
    size_t ngroups =
        groups_of(f, stem, len, first, sizeof first / sizeof *first);
    for (size_t g = 0; g < ngroups; g++) {
        unsigned group = f->items[first[g]].group;
        for (size_t j = first[g]; j < f->count && f->items[j].group == group;
             j++) {
            const char *s = f->items[j].stem;
            int dup = 0;
            for (size_t k = 0; k < ngiven && !dup; k++)
                dup = strcmp(given[k], s) == 0;
            if (dup || ngiven == sizeof given / sizeof *given)
                continue;
            given[ngiven++] = s;
            fn(ctx, s, strlen(s));
            calls++;
        }
    }
    return calls;
}

qy_status_t qy_forms_each(qy_forms_t *f, const char *stem, size_t len,
                          void (*fn)(void *ctx, const char *stem, size_t len),
                          void *ctx, size_t *ncalls)
{
    if (ncalls)
        *ncalls = 0;
    if (!f->data || len == 0)
        return QY_OK;
    /* STEM may be the stemmer's own buffer, which reading lines reuses. */
    char own[QY_MAX_WORD_BYTES + 1];
    char *copy = len < sizeof own ? own : malloc(len + 1);
    if (!copy)
        return QY_NOMEM;
    memcpy(copy, stem, len);
    copy[len] = '\0';
    qy_status_t st = QY_OK;
    if ((!f->line_read && list_words(f) != 0) ||
        read_key(f, key(copy, len)) != 0)
        st = QY_NOMEM;
    size_t calls = st == QY_OK ? each_form(f, copy, len, fn, ctx) : 0;
    if (copy != own)
        free(copy);
    if (ncalls)
        *ncalls = calls;
    return st;
}
