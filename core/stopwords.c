/* The stop word lists of core/data/stopwords.txt, each a sorted array of
 * words normalised as the tokenizer normalises them (NFKC, case folding),
 * so that the data can keep the spelling its source publishes (German
 * "daß" is looked up as "dass"). */
#include "quarry/stopwords.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* The data file, a string a line (generated at configure time). */
static const char *const data_lines[] = {
#include "stopwords.inc"
};

#define MAX_LISTS 32
#define MAX_WORDS 4096
#define POOL_BYTES 65536

struct qy_stoplist {
    char lang[32];
    const char **words; /* into words[] below, sorted */
    size_t count;
};

static struct qy_stoplist lists[MAX_LISTS];
static size_t nlists;
static const char *words[MAX_WORDS];
static size_t nwords;
static char pool[POOL_BYTES];
static size_t pool_used;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_words(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Adds the word S[0, LEN) to the list being read, normalised. A word that
 * does not fit (never with the shipped data) is left out. */
static void add_word(const char *s, size_t len)
{
    utf8proc_uint8_t *norm = NULL;
    utf8proc_ssize_t n =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &norm,
                     UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                         UTF8PROC_IGNORE);
    if (n > 0 && nwords < MAX_WORDS &&
        pool_used + (size_t)n + 1 <= POOL_BYTES) {
        char *w = pool + pool_used;
        memcpy(w, norm, (size_t)n);
        w[n] = '\0';
        pool_used += (size_t)n + 1;
        words[nwords++] = w;
        lists[nlists - 1].count++;
    }
    free(norm);
}

static void finish_list(void)
{
    if (nlists == 0)
        return;
    struct qy_stoplist *l = &lists[nlists - 1];
    l->words = words + (nwords - l->count);
    qsort((void *)l->words, l->count, sizeof *l->words, cmp_words);
}

static void load(void)
{
    for (size_t i = 0; i < sizeof data_lines / sizeof *data_lines; i++) {
        const char *line = data_lines[i];
        const char *end = line + strcspn(line, "#\n");
        const char *close = memchr(line, ']', (size_t)(end - line));
        if (*line == '[' && close && nlists < MAX_LISTS &&
            (size_t)(close - line - 1) < sizeof lists[0].lang) {
            finish_list();
            struct qy_stoplist *l = &lists[nlists++];
            memcpy(l->lang, line + 1, (size_t)(close - line - 1));
            l->lang[close - line - 1] = '\0';
            continue;
        }
        for (const char *p = line; nlists && p < end;) {
            while (p < end && *p == ' ')
                p++;
            const char *w = p;
            while (p < end && *p != ' ')
                p++;
            if (p > w)
                add_word(w, (size_t)(p - w));
        }
    }
    finish_list();
}

const qy_stoplist_t *qy_stoplist(const char *lang)
{
    pthread_once(&once, load);
    for (size_t i = 0; i < nlists; i++)
        if (strcmp(lists[i].lang, lang) == 0)
            return &lists[i];
    return NULL;
}

int qy_sorted_has(const char *const *list, size_t n, const char *word,
                  size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t elen = strlen(list[mid]);
        int c = memcmp(word, list[mid], len < elen ? len : elen);
        if (c == 0)
            c = len < elen ? -1 : len > elen;
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

int qy_stoplist_has(const qy_stoplist_t *list, const char *word, size_t len)
{
    return qy_sorted_has(list->words, list->count, word, len);
}
