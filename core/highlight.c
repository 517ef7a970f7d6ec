/* Highlights and snippets, computed with the same tokenizer and stemmer as
 * the index so that every highlighted word is one the index matched. */
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/search.h"

typedef struct ts_entry {
    char *text;
    size_t len;
    int prefix; /* matches words that start with text */
} ts_entry_t;

struct qy_termset {
    ts_entry_t *items;
    size_t count, cap;
};

qy_termset_t *qy_termset_new(void)
{
    return calloc(1, sizeof(qy_termset_t));
}

void qy_termset_free(qy_termset_t *ts)
{
    if (!ts)
        return;
    for (size_t i = 0; i < ts->count; i++)
        free(ts->items[i].text);
    free(ts->items);
    free(ts);
}

size_t qy_termset_size(const qy_termset_t *ts)
{
    return ts->count;
}

static qy_status_t termset_add(qy_termset_t *ts, const char *s, size_t len,
                               int prefix)
{
    for (size_t i = 0; i < ts->count; i++)
        if (ts->items[i].prefix == prefix && ts->items[i].len == len &&
            memcmp(ts->items[i].text, s, len) == 0)
            return QY_OK;
    ts_entry_t *items =
        qy_grow(ts->items, ts->count, &ts->cap, sizeof *items, 8);
    if (!items)
        return QY_NOMEM;
    ts->items = items;
    char *copy = malloc(len + 1);
    if (!copy)
        return QY_NOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    ts->items[ts->count++] = (ts_entry_t){copy, len, prefix};
    return QY_OK;
}

qy_status_t qy_termset_add_stem(qy_termset_t *ts, const char *stem, size_t len)
{
    return termset_add(ts, stem, len, 0);
}

qy_status_t qy_termset_add_prefix(qy_termset_t *ts, const char *prefix,
                                  size_t len)
{
    return termset_add(ts, prefix, len, 1);
}

typedef struct termset_add {
    qy_termset_t *ts;
    qy_status_t st;
} termset_add_t;

static int add_each_stem(void *ctx, const char *stem, size_t len)
{
    termset_add_t *add = ctx;
    add->st = qy_termset_add_stem(add->ts, stem, len);
    return add->st != QY_OK;
}

qy_status_t qy_termset_add_query(qy_termset_t *ts, qy_analyzer_t *a,
                                 const qy_node_t *node)
{
    if (!node)
        return QY_OK;
    switch (node->kind) {
    case QY_N_WORD: {
        termset_add_t add = {ts, QY_OK};
        qy_status_t st =
            qy_stem_each(a, node->text, node->text_len, add_each_stem, &add);
        return st != QY_OK ? st : add.st;
    }
    case QY_N_PREFIX:
        return qy_termset_add_prefix(ts, node->text, node->text_len);
    case QY_N_FIELD:
        return QY_OK; /* matches the title or metadata, not the text */
    case QY_N_AND_NOT:
        return node->nkids ? qy_termset_add_query(ts, a, node->kids[0]) : QY_OK;
    default:
        for (size_t i = 0; i < node->nkids; i++) {
            qy_status_t st = qy_termset_add_query(ts, a, node->kids[i]);
            if (st != QY_OK)
                return st;
        }
        return QY_OK;
    }
}

typedef struct hl_word {
    size_t start, end;
    int term; /* index in the termset, or -1 */
} hl_word_t;

typedef struct hl_state {
    qy_analyzer_t *a;
    const qy_termset_t *ts;
    hl_word_t *words;
    size_t count, cap;
    qy_status_t failed;
} hl_state_t;

static int match_term(const qy_termset_t *ts, const char *word, size_t wlen,
                      const char *stem, size_t slen)
{
    for (size_t i = 0; i < ts->count; i++) {
        const ts_entry_t *e = &ts->items[i];
        if (e->prefix) {
            if (wlen >= e->len && memcmp(word, e->text, e->len) == 0)
                return (int)i;
        } else if (e->len == slen && memcmp(stem, e->text, slen) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int collect_word(void *ctx, const qy_token_t *tok)
{
    hl_state_t *s = ctx;
    hl_word_t *w = qy_grow(s->words, s->count, &s->cap, sizeof *w, 64);
    if (!w) {
        s->failed = QY_NOMEM;
        return 1;
    }
    s->words = w;
    size_t n;
    const char *stem = qy_stem(s->a, tok->word, tok->word_len, &n);
    if (!stem) {
        s->failed = QY_NOMEM;
        return 1;
    }
    s->words[s->count++] =
        (hl_word_t){tok->start, tok->end,
                    match_term(s->ts, tok->word, tok->word_len, stem, n)};
    return 0;
}

/* A word starts a sentence when only spaces, quotes or brackets stand
 * between it and the text's start or a sentence-ending mark. */
static int starts_sentence(const char *text, size_t start)
{
    size_t i = start;
    while (i > 0) {
        unsigned char c = (unsigned char)text[i - 1];
        if (c == ' ' || c == '"' || c == '(' || c == '\'' || c == '[')
            i--;
        else if (c >= 0x80 && i >= 3 && (unsigned char)text[i - 3] == 0xe2 &&
                 (unsigned char)text[i - 2] == 0x80 &&
                 (c == 0x9c || c == 0x98)) /* opening curly quotes */
            i -= 3;
        else
            return c == '.' || c == '!' || c == '?' || c == ':' || c == ';';
    }
    return 1;
}

/* The snippet window's score, in strict order of importance: the question's
 * distinct words it holds (each worth more than any number of repeats, as a
 * window is at most 1,000 words), then its matches counted with
 * repeats (each worth more than a sentence start), then whether it starts a
 * sentence. */
enum { SNIPPET_DISTINCT = 100000, SNIPPET_MATCH = 10, SNIPPET_SENTENCE = 5 };

/* The window start whose WORDS words hold the most distinct terms, then the
 * most matches, then starts a sentence, then comes first. One pass: the
 * window slides and keeps a count per term. */
static size_t best_window(const char *text, const hl_word_t *w, size_t n,
                          size_t words, size_t nterms)
{
    size_t *count = calloc(nterms ? nterms : 1, sizeof *count);
    if (!count)
        return 0;
    long distinct = 0, matches = 0, best_score = -1;
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i].term >= 0) {
            matches++;
            distinct += count[w[i].term]++ == 0;
        }
        if (i >= words && w[i - words].term >= 0) {
            matches--;
            distinct -= --count[w[i - words].term] == 0;
        }
        if (i + 1 < words)
            continue;
        size_t s = i + 1 - words;
        long score = distinct * SNIPPET_DISTINCT + matches * SNIPPET_MATCH +
                     (starts_sentence(text, w[s].start) ? SNIPPET_SENTENCE : 0);
        if (score > best_score) {
            best_score = score;
            best = s;
        }
    }
    free(count);
    return best;
}

/* Widens SNIPPET over the matches it cuts: pairs of Han or kana overlap,
 * so the word before the window may end inside it. */
static void whole_spans(const qy_span_t *spans, size_t n, qy_span_t *snippet,
                        size_t len, int *cut_before, int *cut_after)
{
    for (size_t i = 0; i < n; i++) {
        if (spans[i].start < snippet->start && spans[i].end > snippet->start)
            snippet->start = spans[i].start;
        if (spans[i].start < snippet->end && spans[i].end > snippet->end)
            snippet->end = spans[i].end;
    }
    *cut_before = *cut_before && snippet->start > 0;
    *cut_after = *cut_after && snippet->end < len;
}

qy_status_t qy_highlight(qy_analyzer_t *a, const qy_termset_t *ts,
                         const char *text, size_t len, unsigned words,
                         qy_span_t **spans, size_t *nspans, qy_span_t *snippet,
                         int *cut_before, int *cut_after)
{
    hl_state_t s = {.a = a, .ts = ts};
    *spans = NULL;
    *nspans = 0;
    *snippet = (qy_span_t){0, len};
    *cut_before = *cut_after = 0;
    if (words == 0)
        words = QY_DEFAULT_SNIPPET_WORDS;
    qy_status_t st = qy_tokenize_indexed(a, text, len, collect_word, &s);
    if (st == QY_OK)
        st = s.failed;
    if (st != QY_OK) {
        free(s.words);
        return st;
    }
    size_t nmatch = 0;
    for (size_t i = 0; i < s.count; i++)
        nmatch += s.words[i].term >= 0;
    if (nmatch) {
        *spans = malloc(nmatch * sizeof **spans);
        if (!*spans) {
            free(s.words);
            return QY_NOMEM;
        }
        for (size_t i = 0; i < s.count; i++) {
            if (s.words[i].term < 0)
                continue;
            qy_span_t *last = *nspans ? &(*spans)[*nspans - 1] : NULL;
            if (last && s.words[i].start < last->end) { /* Han pairs overlap */
                if (s.words[i].end > last->end)
                    last->end = s.words[i].end;
            } else
                (*spans)[(*nspans)++] =
                    (qy_span_t){s.words[i].start, s.words[i].end};
        }
    }
    if (s.count > words) {
        size_t first = best_window(text, s.words, s.count, words, ts->count);
        size_t last = first + words - 1;
        if (last >= s.count)
            last = s.count - 1;
        /* Widen to the spaces around the window, keeping the quotes and
         * punctuation that belong to its first and last words. */
        size_t floor = first ? s.words[first - 1].end : 0;
        size_t ceiling = last + 1 < s.count ? s.words[last + 1].start : len;
        size_t start = s.words[first].start;
        while (start > floor && text[start - 1] != ' ')
            start--;
        size_t end = s.words[last].end;
        while (end < ceiling && text[end] != ' ')
            end++;
        *snippet = (qy_span_t){start, end};
        *cut_before = first > 0;
        *cut_after = last + 1 < s.count;
        whole_spans(*spans, *nspans, snippet, len, cut_before, cut_after);
    }
    free(s.words);
    return QY_OK;
}
