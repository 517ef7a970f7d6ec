#include "quarry/acronyms.h"

#include <string.h>

#define MAX_ACRONYM 10
/* A long form in parentheses is a few words: a bound keeps the scan linear
 * on text full of parentheses. */
#define MAX_PARENTHESIS 160

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_alpha(char c)
{
    return is_upper(c) || (c >= 'a' && c <= 'z');
}

static char lower(char c)
{
    return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

static int is_connective(const char *w, size_t n)
{
    static const char *const words[] = {"of", "the", "and", "for", "on",
                                        "in", "to", "&"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == n && strncmp(w, words[i], n) == 0)
            return 1;
    return 0;
}

/* A word for initials: letters with inner apostrophes (People's); '&' is
 * a word of its own. Hyphens and other marks separate words. */
static int word_char(char c)
{
    return is_alpha(c) || c == '\'';
}

/* Does the text in [start, end) consist of words whose initials spell ACR
 * (connectives may be skipped)? On success *FIRST is where the first
 * spelling word starts. Walks backwards so that a long form before "(ACR)"
 * may be preceded by anything. WHOLE: every word of the span must take part
 * (the long form is the text in parentheses). */
static int spells(const char *t, size_t start, size_t end, const char *acr,
                  size_t n, int whole, size_t *first)
{
    size_t i = end, k = n;
    while (k > 0) {
        while (i > start && !word_char(t[i - 1]) && t[i - 1] != '&') {
            char c = t[i - 1];
            if (c != ' ' && c != '-')
                return 0; /* punctuation breaks a name */
            i--;
        }
        if (i == start)
            return 0;
        size_t e = i;
        if (t[i - 1] == '&')
            i--;
        else
            while (i > start && word_char(t[i - 1]))
                i--;
        size_t w = i;
        if (t[w] == '\'')
            return 0;
        if (lower(t[w]) == lower(acr[k - 1])) {
            k--;
            *first = w;
            continue;
        }
        char word[8];
        size_t wl = e - w < sizeof word ? e - w : sizeof word - 1;
        for (size_t j = 0; j < wl; j++)
            word[j] = lower(t[w + j]);
        if (!is_connective(word, wl) || k == n)
            return 0;
    }
    if (whole) {
        while (i > start && (t[i - 1] == ' ' || t[i - 1] == '-'))
            i--;
        return i == start;
    }
    return is_upper(t[*first]);
}

/* Reads an acronym in [s, e): upper-case letters and an optional plural
 * "s". Returns its length without the "s", or 0. */
static size_t acronym_at(const char *t, size_t s, size_t e)
{
    size_t n = e - s;
    if (n > 0 && t[e - 1] == 's')
        n--;
    if (n < 2 || n > MAX_ACRONYM)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_upper(t[s + i]))
            return 0;
    return n;
}

size_t qy_find_acronyms(const char *t, size_t len, qy_acronym_fn fn,
                        void *ctx)
{
    size_t found = 0;
    for (size_t open = 0; open < len; open++) {
        if (t[open] != '(')
            continue;
        size_t window = len - open < MAX_PARENTHESIS ? len - open
                                                       : MAX_PARENTHESIS;
        const char *close = memchr(t + open, ')', window);
        if (!close)
            continue;
        size_t in_s = open + 1, in_e = (size_t)(close - t);
        size_t first;
        size_t n = acronym_at(t, in_s, in_e);
        if (n) {
            /* Long Form (ACR) */
            size_t before = open;
            while (before > 0 && t[before - 1] == ' ')
                before--;
            if (spells(t, 0, before, t + in_s, n, 0, &first)) {
                found++;
                if (fn(ctx, t + in_s, n, first, before))
                    break;
            }
            continue;
        }
        /* ACR (Long Form): the word just before the parenthesis */
        size_t e = open;
        while (e > 0 && t[e - 1] == ' ')
            e--;
        size_t s = e;
        while (s > 0 && is_alpha(t[s - 1]))
            s--;
        n = acronym_at(t, s, e);
        if (n && (s == 0 || !is_alpha(t[s - 1])) &&
            spells(t, in_s, in_e, t + s, n, 1, &first)) {
            found++;
            if (fn(ctx, t + s, n, first, in_e))
                break;
        }
    }
    return found;
}
