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
    unsigned group;
} form_t;

struct qy_forms {
    form_t *items;
    size_t count, cap;
};

static int add_form(qy_forms_t *f, const char *stem, size_t len, unsigned group)
{
    for (size_t i = f->count; i > 0 && f->items[i - 1].group == group; i--)
        if (strlen(f->items[i - 1].stem) == len &&
            memcmp(f->items[i - 1].stem, stem, len) == 0)
            return 0; /* two forms of one group with the same stem */
    form_t *items = qy_grow(f->items, f->count, &f->cap, sizeof *items, 512);
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

static int load(qy_forms_t *f, qy_analyzer_t *a, const char *data)
{
    unsigned group = 0;
    for (const char *line = data; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *p = line;
        int words = 0;
        while (p < end && *p != '#') {
            while (p < end && *p == ' ')
                p++;
            const char *w = p;
            while (p < end && *p != ' ' && *p != '#')
                p++;
            if (p == w)
                continue;
            size_t n;
            const char *stem = qy_stem(a, w, (size_t)(p - w), &n);
            if (!stem || add_form(f, stem, n, group) != 0)
                return -1;
            words++;
        }
        group += words > 0;
        line = *end ? end + 1 : end;
    }
    return 0;
}

qy_forms_t *qy_forms_new(qy_analyzer_t *a)
{
    qy_forms_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    const char *lang = qy_analyzer_language(a);
    if ((strcmp(lang, "english") == 0 || strcmp(lang, "porter") == 0) &&
        load(f, a, irregular_en) != 0) {
        qy_forms_free(f);
        return NULL;
    }
    return f;
}

void qy_forms_free(qy_forms_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++)
        free(f->items[i].stem);
    free(f->items);
    free(f);
}

size_t qy_forms_each(const qy_forms_t *f, const char *stem, size_t len,
                     void (*fn)(void *ctx, const char *stem, size_t len),
                     void *ctx)
{
    /* Stems already given, so that a stem in two matching groups (or the
     * query's own stem) is given once. Groups are small; 64 is plenty. */
    const char *given[64];
    size_t ngiven = 0, calls = 0;
    for (size_t i = 0; i < f->count; i++) {
        const form_t *x = &f->items[i];
        if (strlen(x->stem) != len || memcmp(x->stem, stem, len) != 0)
            continue;
        size_t first = i;
        while (first > 0 && f->items[first - 1].group == x->group)
            first--;
        for (size_t j = first; j < f->count && f->items[j].group == x->group;
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
        while (i + 1 < f->count && f->items[i + 1].group == x->group)
            i++; /* the rest of this group cannot hold STEM again */
    }
    return calls;
}
