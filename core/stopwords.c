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
    size_t first, end; /* its lines of data_lines[] */
    int loaded;
    const char **words; /* into words[] below, sorted */
    size_t count;
};

/* The lists' names and lines are found once; a list's words are
 * normalised only when it is first asked for (a program mostly needs one
 * of them, and normalising all costs more than the rest of its start). */
static struct qy_stoplist lists[MAX_LISTS];
static size_t nlists;
static const char *words[MAX_WORDS];
static size_t nwords;
static char pool[POOL_BYTES];
static size_t pool_used;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static int cmp_words(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* S[0, LEN) normalised into the pool, or NULL when it does not fit. A word
 * of ASCII letters only needs its case folded, which NFKC and case
 * folding come to for it. */
static char *pool_word(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) {
        if (pool_used + len + 1 > POOL_BYTES)
            return NULL;
        char *w = pool + pool_used;
        for (i = 0; i < len; i++)
            w[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        w[len] = '\0';
        pool_used += len + 1;
        return w;
    }
    utf8proc_uint8_t *norm = NULL;
    utf8proc_ssize_t n =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &norm,
                     UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                         UTF8PROC_IGNORE);
    char *w = NULL;
    if (n > 0 && pool_used + (size_t)n + 1 <= POOL_BYTES) {
        w = pool + pool_used;
        memcpy(w, norm, (size_t)n);
        w[n] = '\0';
        pool_used += (size_t)n + 1;
    }
    free(norm);
    return w;
}

/* Adds the word S[0, LEN) to the list L, normalised. A word that does not
 * fit (never with the shipped data) is left out. */
static void add_word(struct qy_stoplist *l, const char *s, size_t len)
{
    if (nwords >= MAX_WORDS)
        return;
    char *w = pool_word(s, len);
    if (w) {
        words[nwords++] = w;
        l->count++;
    }
}

/* The end of the words of LINE: a comment or the line's end. */
static const char *line_end(const char *line)
{
    return line + strcspn(line, "#\n");
}

/* Finds the lists: "[language]" starts one, which runs to the next. */
static void scan(void)
{
    size_t nlines = sizeof data_lines / sizeof *data_lines;
    for (size_t i = 0; i < nlines; i++) {
        const char *line = data_lines[i];
        const char *end = line_end(line);
        const char *close = memchr(line, ']', (size_t)(end - line));
        if (*line == '[' && close && nlists < MAX_LISTS &&
            (size_t)(close - line - 1) < sizeof lists[0].lang) {
            if (nlists)
                lists[nlists - 1].end = i;
            struct qy_stoplist *l = &lists[nlists++];
            memcpy(l->lang, line + 1, (size_t)(close - line - 1));
            l->lang[close - line - 1] = '\0';
            l->first = i + 1;
            l->end = nlines;
        }
    }
}

/* Reads the words of the list L from its lines, normalised and sorted. */
static void load(struct qy_stoplist *l)
{
    size_t start = nwords;
    for (size_t i = l->first; i < l->end; i++) {
        const char *line = data_lines[i];
        const char *end = line_end(line);
        for (const char *p = line; p < end;) {
            while (p < end && *p == ' ')
                p++;
            const char *w = p;
            while (p < end && *p != ' ')
                p++;
            if (p > w)
                add_word(l, w, (size_t)(p - w));
        }
    }
    l->words = words + start;
    qsort((void *)l->words, l->count, sizeof *l->words, cmp_words);
    l->loaded = 1;
}

const qy_stoplist_t *qy_stoplist(const char *lang)
{
    pthread_once(&once, scan);
    for (size_t i = 0; i < nlists; i++)
        if (strcmp(lists[i].lang, lang) == 0) {
            pthread_mutex_lock(&loading);
            if (!lists[i].loaded)
                load(&lists[i]);
            pthread_mutex_unlock(&loading);
            return &lists[i];
        }
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
