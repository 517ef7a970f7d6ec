/* Spelling: a correction of the question's words the index does not
 * know, from the forms, the index's spelling data and the language's
 * dictionary, suggested beside the answer or answered instead of a
 * question that finds nothing. */
#include "quarry/search_stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/dictionary.h"
#include "quarry/forms.h"
#include "quarry/schema.h"
#include "quarry/utf8.h"

/* Edits a spelling correction may make to a word. */
#define QY_SPELLING_EDITS 2

typedef struct speller {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_forms_t *forms;     /* the irregular forms: known words; read when
                              a word the index lacks is first met */
    qy_dictionary_t *dict; /* the language's dictionary, the analyzer's,
                              asked for when first needed; NULL: none */
    const char *query;
    char *out;   /* the query with corrections, growing */
    size_t len;  /* bytes of out */
    size_t done; /* bytes of query copied to out */
    int changed;
    qy_status_t st;
} speller_t;

static int append(speller_t *sp, const char *s, size_t n)
{
    char *o = realloc(sp->out, sp->len + n + 1);
    if (!o) {
        sp->st = QY_NOMEM;
        return 1;
    }
    memcpy(o + sp->len, s, n);
    sp->len += n;
    o[sp->len] = '\0';
    sp->out = o;
    return 0;
}

/* Whether the word at START of QUERY is in the value of a filter
 * (source:, id:, date:, lang:) or of a mail's addresses (from:, to:): a
 * path, an id or a name, not a word to correct. */
static int in_filter_value(const char *query, size_t start)
{
    size_t i = start;
    while (i > 0 && query[i - 1] != ' ' && query[i - 1] != '\t' &&
           query[i - 1] != '(')
        i--;
    static const char *const filters[] = {
        "source:", "id:", "date:", "lang:", "from:", "to:"};
    for (size_t f = 0; f < sizeof filters / sizeof *filters; f++) {
        size_t n = strlen(filters[f]);
        if (start >= i + n && strncmp(query + i, filters[f], n) == 0)
            return 1;
    }
    return 0;
}

/* Whether the index holds the stem STEM (N bytes) in passage text or in
 * titles; *FREQ gets the passages holding it in text. */
static int index_knows(qy_db_t *db, const char *stem, size_t n, unsigned *freq)
{
    *freq = 0;
    if (n > QY_MAX_TERM_BYTES)
        return 0;
    if (qy_db_term_freq(db, stem, n, freq) != QY_OK || *freq > 0)
        return 1; /* a failure counts as known: nothing is corrected */
    char term[QY_MAX_TERM_BYTES + 1];
    size_t plen = strlen(QY_PREFIX_TITLE);
    unsigned tfreq = 0;
    if (plen + n > QY_MAX_TERM_BYTES)
        return 0;
    memcpy(term, QY_PREFIX_TITLE, plen);
    memcpy(term + plen, stem, n);
    return qy_db_term_freq(db, term, plen + n, &tfreq) != QY_OK || tfreq > 0;
}

typedef struct known_stem {
    qy_db_t *db;
    int known; /* or its frequency cannot be read */
} known_stem_t;

/* Whether the index holds STEM; in an index of several languages, called
 * with the word's stem in each. */
static int stem_known(void *ctx, const char *stem, size_t n)
{
    known_stem_t *k = ctx;
    unsigned freq = 0;
    return k->known = index_knows(k->db, stem, n, &freq);
}

static void count_form(void *ctx, const char *stem, size_t n)
{
    (void)stem;
    (void)n;
    (*(size_t *)ctx)++;
}

/* The dictionary's best spelling of a word, as one word that is no stop
 * word: of those the index holds, the fewest edits away, and of those the
 * one in the most passages. */
typedef struct candidate {
    speller_t *sp;
    const char *typed; /* the normalised word typed */
    size_t typed_len;
    char best[QY_MAX_WORD_BYTES + 1];
    unsigned best_freq, best_edits;
} candidate_t;

/* Edits (insertions, deletions, substitutions, swaps of two neighbours)
 * that turn A into B, byte by byte; LIMIT + 1 when more than LIMIT. */
static unsigned edits(const char *a, size_t an, const char *b, size_t bn,
                      unsigned limit)
{
    unsigned rows[3][QY_MAX_WORD_BYTES + 2];
    if (an > QY_MAX_WORD_BYTES || bn > QY_MAX_WORD_BYTES ||
        (an > bn ? an - bn : bn - an) > limit)
        return limit + 1;
    for (size_t j = 0; j <= bn; j++)
        rows[0][j] = (unsigned)j;
    for (size_t i = 1; i <= an; i++) {
        unsigned *cur = rows[i % 3], *up = rows[(i - 1) % 3],
                 *up2 = rows[(i + 1) % 3];
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= bn; j++) {
            unsigned d = up[j - 1] + (a[i - 1] != b[j - 1]);
            if (up[j] + 1 < d)
                d = up[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && up2[j - 2] + 1 < d)
                d = up2[j - 2] + 1;
            cur[j] = d;
        }
    }
    unsigned d = rows[an % 3][bn];
    return d > limit ? limit + 1 : d;
}

/* The one word of a text: its normalised form, and whether it covers the
 * whole text. */
typedef struct lone_word {
    char word[QY_MAX_WORD_BYTES + 1];
    size_t len, words, end;
} lone_word_t;

static int one_word(void *ctx, const qy_token_t *tok)
{
    lone_word_t *w = ctx;
    if (w->words++ > 0 || tok->start != 0 || tok->word_len > QY_MAX_WORD_BYTES)
        return 1;
    memcpy(w->word, tok->word, tok->word_len);
    w->word[tok->word_len] = '\0';
    w->len = tok->word_len;
    w->end = tok->end;
    return 0;
}

static int weigh_candidate(void *ctx, const char *s, size_t len)
{
    candidate_t *c = ctx;
    lone_word_t w = {0};
    if (qy_tokenize(c->sp->a, s, len, one_word, &w) != QY_OK || w.words != 1 ||
        w.end != len || qy_is_stopword(c->sp->a, w.word, w.len))
        return 0;
    /* As far as the spelling data may be: "kerbros" is no "brokers". */
    unsigned e =
        edits(c->typed, c->typed_len, w.word, w.len, QY_SPELLING_EDITS);
    if (e > QY_SPELLING_EDITS || (c->best_freq > 0 && e > c->best_edits))
        return 0;
    size_t n;
    const char *stem = qy_stem(c->sp->a, w.word, w.len, &n);
    unsigned freq = 0;
    if (stem && index_knows(c->sp->db, stem, n, &freq) && freq > 0 &&
        (c->best_freq == 0 || e < c->best_edits || freq > c->best_freq)) {
        c->best_freq = freq;
        c->best_edits = e;
        memcpy(c->best, w.word, w.len + 1);
    }
    return 0;
}

/* The correction of the misspelled word at TOK: the dictionary's spelling
 * that the index holds most, else the closest word of the index's spelling
 * data; NULL when none. Malloc'd. */
static char *correction(speller_t *sp, const qy_token_t *tok)
{
    /* The tokenizer's buffers serve the candidates too: a copy. */
    char typed[QY_MAX_WORD_BYTES + 1];
    size_t tn =
        tok->word_len < QY_MAX_WORD_BYTES ? tok->word_len : QY_MAX_WORD_BYTES;
    memcpy(typed, tok->word, tn);
    typed[tn] = '\0';
    if (sp->dict) {
        candidate_t c = {.sp = sp, .typed = typed, .typed_len = tn};
        qy_dictionary_suggest(sp->dict, sp->query + tok->start,
                              tok->end - tok->start, weigh_candidate, &c);
        if (c.best_freq > 0)
            return strdup(c.best);
    }
    char *better = NULL;
    if (qy_db_spelling_suggestion(sp->db, typed, tn, QY_SPELLING_EDITS,
                                  &better) != QY_OK)
        return NULL;
    return better;
}

/* A word that neither the index, nor the irregular forms, nor the
 * language's dictionary knows is replaced by its likeliest spelling that
 * the index holds. Not a word typed in capitals: an acronym the index
 * lacks ("MEDLARS") is no misspelled word ("pedlars"). */
static int correct_word(void *ctx, const qy_token_t *tok)
{
    speller_t *sp = ctx;
    int32_t first;
    qy_utf8_decode(sp->query + tok->start, tok->end - tok->start, &first);
    /* A pair of Han or kana characters overlaps the next: no correction
     * may replace it. */
    if (qy_is_cjk(first))
        return 0;
    if (tok->word_len < 3 || qy_is_stopword(sp->a, tok->word, tok->word_len) ||
        qy_in_capitals(sp->query + tok->start, tok->end - tok->start))
        return 0;
    if (sp->query[tok->end] == ':')
        return 0; /* a field's name (title:), not a word */
    /* A prefix (netw*) is no word: correcting it would search another
     * prefix without saying so. */
    if (sp->query[tok->end] == '*')
        return 0;
    if (in_filter_value(sp->query, tok->start))
        return 0;
    known_stem_t known = {sp->db, 0};
    if (qy_stem_each(sp->a, tok->word, tok->word_len, stem_known, &known) !=
            QY_OK ||
        known.known)
        return 0;
    size_t n;
    const char *stem = qy_stem(sp->a, tok->word, tok->word_len, &n);
    if (!stem || n > QY_MAX_TERM_BYTES)
        return 0;
    if (!sp->forms && !(sp->forms = qy_forms_new(sp->a))) {
        sp->st = QY_NOMEM;
        return 1;
    }
    size_t forms = 0;
    if (qy_forms_each(sp->forms, stem, n, count_form, &forms, NULL) != QY_OK) {
        sp->st = QY_NOMEM;
        return 1;
    }
    if (forms > 0)
        return 0; /* "went", "mice": forms the stemmer cannot join */
    if (!sp->dict && qy_analyzer_dictionary(sp->a, &sp->dict) != QY_OK) {
        sp->st = QY_NOMEM;
        return 1;
    }
    if (sp->dict && qy_dictionary_knows(sp->dict, sp->query + tok->start,
                                        tok->end - tok->start))
        return 0; /* a right word the index lacks */
    char *better = correction(sp, tok);
    if (!better)
        return 0;
    /* A stop word is searched for nothing in a question: "kor" is not
     * "for". */
    if (qy_is_stopword(sp->a, better, strlen(better))) {
        free(better);
        return 0;
    }
    if (append(sp, sp->query + sp->done, tok->start - sp->done) ||
        append(sp, better, strlen(better))) {
        free(better);
        return 1;
    }
    free(better);
    sp->done = tok->end;
    sp->changed = 1;
    return 0;
}

typedef struct word_count {
    qy_analyzer_t *a;
    size_t n;
} word_count_t;

static int count_word(void *ctx, const qy_token_t *tok)
{
    word_count_t *c = ctx;
    if (!qy_is_stopword(c->a, tok->word, tok->word_len))
        c->n++;
    return c->n > QY_QUESTION_MAX_WORDS;
}

/* Whether QUERY has more than QY_QUESTION_MAX_WORDS words besides stop
 * words. */
int qy_long_question(qy_analyzer_t *a, const char *query)
{
    word_count_t c = {a, 0};
    qy_tokenize(a, query, strlen(query), count_word, &c);
    return c.n > QY_QUESTION_MAX_WORDS;
}

qy_status_t qy_suggest(qy_db_t *db, qy_analyzer_t *a, const char *query,
                       char **suggestion)
{
    speller_t sp = {.db = db, .a = a, .query = query};
    *suggestion = NULL;
    qy_status_t st = qy_tokenize(a, query, strlen(query), correct_word, &sp);
    qy_forms_free(sp.forms);
    if (st == QY_OK)
        st = sp.st;
    if (st == QY_OK && sp.changed &&
        !append(&sp, query + sp.done, strlen(query) - sp.done)) {
        *suggestion = sp.out;
        return QY_OK;
    }
    free(sp.out);
    return st == QY_OK ? sp.st : st;
}
