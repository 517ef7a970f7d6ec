/* The question's analysis: the parse tree of a question becomes a Xapian
 * query. Each word is searched for with its irregular forms, the synonyms
 * the user defined and the long forms of acronyms the index learned; title:,
 * source:, date: and the other fields become filters; a plain question is an
 * OR of its words, looked for in the title too, with neighbouring words
 * rewarded when close together, and a long one keeps its most informative
 * words only. */
#include "quarry/search_stages.h"

#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/forms.h"
#include "quarry/grow.h"
#include "quarry/schema.h"
#include "quarry/synonyms.h"

/* Longest run of question words looked up as a defined long form. */
#define QY_LONG_FORM_WORDS 8
/* The weight of a word's other forms and synonyms beside the word as typed:
 * they answer the question too, but the form the user chose answers it
 * best. */
#define QY_EXPANSION_WEIGHT 0.5
/* A `word*` expands to at most this many index terms (the most frequent). */
#define QY_PREFIX_MAX_TERMS 200

/* ---- Expanding a word: its irregular forms and defined synonyms ------ */

typedef struct alternatives {
    build_t *b;
    qy_query_t *subs[32];
    size_t n;
    const char *self; /* the word's own stem, not an alternative */
    int learned_ok;   /* long forms learned from the text apply */
    int failed;
} alternatives_t;

static void add_alternative(alternatives_t *alt, qy_query_t *q)
{
    if (!q) {
        alt->failed = 1;
        return;
    }
    if (alt->n == sizeof alt->subs / sizeof *alt->subs) {
        qy_query_free(q);
        return;
    }
    alt->subs[alt->n++] = q;
}

static qy_query_t *prefixed_term(build_t *b, const char *stem, size_t n,
                                 unsigned pos)
{
    char term[QY_MAX_TERM_BYTES + 1];
    size_t plen = strlen(b->prefix);
    if (plen + n > QY_MAX_TERM_BYTES)
        return qy_query_match_nothing();
    memcpy(term, b->prefix, plen);
    memcpy(term + plen, stem, n);
    return qy_query_term(term, plen + n, b->wqf ? b->wqf : 1, pos);
}

static void highlight_stem(build_t *b, const char *stem, size_t n)
{
    if (b->terms && !b->negated && !*b->prefix &&
        qy_termset_add_stem(b->terms, stem, n) != QY_OK)
        b->failed = QY_NOMEM;
}

/* Appends "SELF=ALT" (or "|ALT" after the first) to the notes. */
static void note_alternative(build_t *b, const char *self, const char *alt,
                             size_t n, int first)
{
    size_t have = b->notes ? strlen(b->notes) : 0;
    size_t need = have + strlen(self) + n + 4;
    char *notes = realloc(b->notes, need);
    if (!notes) {
        b->failed = QY_NOMEM;
        return;
    }
    if (first)
        snprintf(notes + have, need - have, "%s%s=%.*s", have ? "; " : "", self,
                 (int)n, alt);
    else
        snprintf(notes + have, need - have, "|%.*s", (int)n, alt);
    b->notes = notes;
}

static void add_form(void *ctx, const char *stem, size_t n)
{
    alternatives_t *alt = ctx;
    if (strlen(alt->self) == n && memcmp(alt->self, stem, n) == 0)
        return;
    highlight_stem(alt->b, stem, n);
    note_alternative(alt->b, alt->self, stem, n, alt->n == 0);
    add_alternative(alt, prefixed_term(alt->b, stem, n, alt->b->pos));
}

/* A synonym is a term or terms joined by spaces (a defined long form):
 * the latter is searched as a phrase. Its stems leave out the stop words
 * of the text ("democrat peopl republ korea" for "Democratic People's
 * Republic of Korea"), so the phrase allows one word between two stems. */
static int add_synonym(void *ctx, const char *syn, size_t len)
{
    alternatives_t *alt = ctx;
    qy_query_t *words[QY_LONG_FORM_WORDS];
    size_t n = 0;
    if (!alt->learned_ok) {
        int only = 0;
        qy_status_t st =
            qy_synonym_learned_only(alt->b->db, alt->self, syn, len, &only);
        if (st != QY_OK) {
            alt->b->failed = st;
            return 1;
        }
        if (only)
            return 0;
    }
    note_alternative(alt->b, alt->self, syn, len, alt->n == 0);
    for (size_t i = 0; i < len && n < QY_LONG_FORM_WORDS;) {
        size_t j = i;
        while (j < len && syn[j] != ' ')
            j++;
        if (j > i) {
            highlight_stem(alt->b, syn + i, j - i);
            words[n] = qy_query_term(syn + i, j - i, 1, (unsigned)n + 1);
            n++;
        }
        i = j + 1;
    }
    if (n == 1)
        add_alternative(alt, words[0]);
    else if (n > 1)
        add_alternative(alt,
                        qy_combine_owned(QY_Q_PHRASE, words, n, 2 * n - 1));
    return 0;
}

/* The acronyms learned from the text ("CAN", "WAR", "WHO") find their long
 * forms only when typed in capitals: "can" and "war" are words of their
 * own. ACRONYM: the word was typed so. */
typedef struct stems {
    build_t *b;
    char first[QY_MAX_TERM_BYTES + 1]; /* for the word's forms, synonyms */
    size_t first_len;
    qy_query_t *terms[16];
    size_t n;
    int failed;
} stems_t;

static int add_stem(void *ctx, const char *stem, size_t n)
{
    stems_t *s = ctx;
    if (n > QY_MAX_TERM_BYTES)
        return 0;
    if (s->n == 0) {
        memcpy(s->first, stem, n);
        s->first[n] = '\0';
        s->first_len = n;
    } else {
        highlight_stem(s->b, stem, n);
    }
    qy_query_t *q = prefixed_term(s->b, stem, n, s->b->pos);
    if (!q) {
        s->failed = 1;
        return 1;
    }
    s->terms[s->n++] = q;
    return s->n == sizeof s->terms / sizeof *s->terms;
}

/* The word's stem, or in an index of several languages its stem in each,
 * as one term (Xapian's synonym): a word weighs as one whatever the number
 * of its stems. */
static qy_query_t *stems_term(build_t *b, const char *word, size_t len,
                              char *stem, size_t *stem_len)
{
    stems_t s = {.b = b};
    ++b->pos;
    qy_status_t st = qy_stem_each(b->a, word, len, add_stem, &s);
    if (st != QY_OK || s.failed) {
        for (size_t i = 0; i < s.n; i++)
            qy_query_free(s.terms[i]);
        return NULL;
    }
    if (s.n == 0)
        return qy_query_match_nothing();
    memcpy(stem, s.first, s.first_len + 1);
    *stem_len = s.first_len;
    if (s.n == 1)
        return s.terms[0];
    return qy_combine_owned(b->in_phrase ? QY_Q_OR : QY_Q_SYNONYM, s.terms, s.n,
                            0);
}

static qy_query_t *stem_term(build_t *b, const char *word, size_t len,
                             int acronym)
{
    size_t n = 0;
    char stem[QY_MAX_TERM_BYTES + 1];
    qy_query_t *q = stems_term(b, word, len, stem, &n);
    if (!q || n == 0 || b->in_phrase || b->negated)
        return q;
    if (!b->forms)
        return q;
    alternatives_t alt = {.b = b, .self = stem, .learned_ok = acronym};
    qy_status_t st = qy_forms_each(b->forms, stem, n, add_form, &alt, NULL);
    if (st != QY_OK)
        b->failed = st;
    if (!*b->prefix) {
        st = qy_synonyms_each(b->db, stem, add_synonym, &alt);
        if (st != QY_OK)
            b->failed = st;
    }
    if (alt.failed) {
        for (size_t i = 0; i < alt.n; i++)
            qy_query_free(alt.subs[i]);
        qy_query_free(q);
        return NULL;
    }
    if (alt.n == 0)
        return q;
    qy_query_t *both[2] = {
        q, qy_scaled(qy_combine_owned(QY_Q_SYNONYM, alt.subs, alt.n, 0),
                     QY_EXPANSION_WEIGHT)};
    return qy_combine_owned(QY_Q_OR, both, 2, 0);
}

/* Boolean filters carry no weight: they select, the words rank. */
static qy_query_t *unweighted(qy_query_t *q)
{
    if (!q)
        return NULL;
    qy_query_t *s = qy_query_scale(q, 0.0);
    qy_query_free(q);
    return s;
}

static qy_query_t *boolean_term(const char *prefix, const char *value)
{
    char term[QY_MAX_TERM_BYTES + 1];
    size_t n = qy_boolean_term(prefix, value, term);
    return unweighted(qy_query_term(term, n, 1, 0));
}

typedef struct glob_match {
    const char *pattern, *alt; /* a path matches either (ALT: NULL) */
    size_t plen;
    qy_query_t **terms;
    size_t count, cap;
    int failed;
} glob_match_t;

static int match_source(void *ctx, const char *term, size_t len)
{
    glob_match_t *g = ctx;
    char path[QY_MAX_TERM_BYTES + 1];
    memcpy(path, term + g->plen, len - g->plen);
    path[len - g->plen] = '\0';
    if (fnmatch(g->pattern, path, 0) != 0 &&
        (!g->alt || fnmatch(g->alt, path, 0) != 0))
        return 0;
    qy_query_t **t = qy_grow(g->terms, g->count, &g->cap, sizeof *t, 16);
    if (!t) {
        g->failed = 1;
        return 1;
    }
    g->terms = t;
    qy_query_t *q = qy_query_term(term, len, 1, 0);
    if (!q) {
        g->failed = 1;
        return 1;
    }
    g->terms[g->count++] = q;
    return 0;
}

/* source:VALUE matches the paths as the index stores them: absolute, as
 * the indexer resolved them. An absolute VALUE is a file or, when the index
 * has no file of that path, a folder (everything below it); an absolute
 * glob matches whole paths. Any other VALUE matches the end of a path from
 * a '/' on: `*.md`, `rfc1.txt`; a folder name, such as `notes`, stands
 * for everything below it. The caller's resolver (b->resolve) may first
 * turn a relative VALUE without glob characters into the path it names. */
static qy_query_t *source_filter(build_t *b, const char *value)
{
    char pattern[PATH_MAX * 2 + 8], alt[PATH_MAX * 2 + 8] = "";
    int glob = strpbrk(value, "*?[") != NULL;
    char *resolved = NULL;
    if (!glob && value[0] != '/' && b->resolve)
        resolved = b->resolve(b->resolve_ctx, value);
    if (resolved)
        value = resolved;
    size_t n = strlen(value);
    while (!glob && n > 1 && value[n - 1] == '/')
        n--; /* a folder written with its slash */
    if (value[0] == '/' && glob) {
        snprintf(pattern, sizeof pattern, "%s", value);
    } else if (value[0] == '/') {
        char term[QY_MAX_TERM_BYTES + 1];
        snprintf(pattern, sizeof pattern, "%.*s", (int)n, value);
        size_t tn = qy_boolean_term(QY_PREFIX_SOURCE, pattern, term);
        unsigned freq = 0;
        qy_status_t st = qy_db_term_freq(b->db, term, tn, &freq);
        if (st != QY_OK || freq > 0) {
            free(resolved);
            if (st != QY_OK)
                b->failed = st;
            return st == QY_OK ? unweighted(qy_query_term(term, tn, 1, 0))
                               : NULL;
        }
        /* "/" itself: everything */
        snprintf(pattern, sizeof pattern, "%.*s/*", n == 1 ? 0 : (int)n, value);
    } else {
        snprintf(pattern, sizeof pattern, "*/%.*s", (int)n, value);
        if (!glob)
            snprintf(alt, sizeof alt, "*/%.*s/*", (int)n, value);
    }
    free(resolved);
    glob_match_t g = {.pattern = pattern,
                      .alt = *alt ? alt : NULL,
                      .plen = strlen(QY_PREFIX_SOURCE)};
    qy_status_t st2 =
        qy_db_each_term(b->db, QY_PREFIX_SOURCE, match_source, &g);
    qy_query_t *q = NULL;
    if (st2 != QY_OK)
        b->failed = st2;
    else if (!g.failed)
        q = g.count ? unweighted(qy_query_combine(QY_Q_OR, g.terms, g.count, 0))
                    : qy_query_match_nothing();
    for (size_t i = 0; i < g.count; i++)
        qy_query_free(g.terms[i]);
    free(g.terms);
    return q;
}

static qy_query_t *date_filter(const char *value)
{
    const char *dots = strstr(value, "..");
    if (!dots)
        return qy_query_match_nothing();
    char lo[64] = "", hi[64] = "";
    size_t n = (size_t)(dots - value);
    if (n < sizeof lo)
        memcpy(lo, value, n), lo[n] = '\0';
    snprintf(hi, sizeof hi, "%s", dots + 2);
    /* An end given as a year or a month covers all of it. */
    if (*hi && strlen(hi) < 10)
        strncat(hi, "\xff", sizeof hi - strlen(hi) - 1);
    return unweighted(
        qy_query_value_range(QY_SLOT_DATE, *lo ? lo : NULL, *hi ? hi : NULL));
}

/* The term prefix of a field that holds words (a mail's subject is its
 * title), or NULL for a filter. */
static const char *text_field_prefix(const char *field)
{
    static const struct {
        const char *field, *prefix;
    } fields[] = {
        {"title", QY_PREFIX_TITLE},     {"subject", QY_PREFIX_TITLE},
        {"section", QY_PREFIX_SECTION}, {"from", QY_PREFIX_FROM},
        {"to", QY_PREFIX_TO},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (strcmp(field, fields[i].field) == 0)
            return fields[i].prefix;
    return NULL;
}

static qy_query_t *build_field(build_t *b, const qy_node_t *n)
{
    const char *f = n->field ? n->field : "";
    const char *prefix = text_field_prefix(f);
    if (prefix) {
        if (!n->nkids)
            return qy_query_match_nothing();
        const char *saved = b->prefix;
        b->prefix = prefix;
        qy_query_t *q = qy_build_node(b, n->kids[0]);
        b->prefix = saved;
        /* A mail's subject:, from: and to: select, as filters do. */
        return strcmp(f, "title") == 0 || strcmp(f, "section") == 0
                   ? q
                   : unweighted(q);
    }
    const char *value = n->text ? n->text : "";
    if (strcmp(f, "source") == 0)
        return source_filter(b, value);
    if (strcmp(f, "id") == 0)
        return boolean_term(QY_PREFIX_ID, value);
    if (strcmp(f, "date") == 0)
        return date_filter(value);
    if (strcmp(f, "lang") == 0)
        return boolean_term(QY_PREFIX_LANG, value);
    return qy_query_match_nothing();
}

/* Non-zero when N is a word of the analyzer's stop list. */
static int is_stop_node(const build_t *b, const qy_node_t *n)
{
    return n->kind == QY_N_WORD && qy_is_stopword(b->a, n->text, n->text_len);
}

static qy_query_t *build_kids(build_t *b, const qy_node_t *n, qy_query_op_t op,
                              unsigned window)
{
    qy_query_t **subs = calloc(n->nkids ? n->nkids : 1, sizeof *subs);
    qy_query_t *q = NULL;
    if (!subs)
        return NULL;
    int words_as_typed = op == QY_Q_PHRASE || op == QY_Q_NEAR;
    b->in_phrase += words_as_typed;
    /* Stop words are indexed without positions (core/ingest.c): a phrase
     * or NEAR leaves them out and keeps their room in its window ("Republic
     * of Korea" is republ, korea within 3 words). One of only stop words
     * asks for all of them. */
    size_t stops = 0, k = 0, i;
    if (words_as_typed)
        for (i = 0; i < n->nkids; i++)
            stops += is_stop_node(b, n->kids[i]);
    int all_stops = words_as_typed && stops == n->nkids;
    for (i = 0; i < n->nkids; i++) {
        if (words_as_typed && !all_stops && is_stop_node(b, n->kids[i]))
            continue;
        int excluded = op == QY_Q_AND_NOT && i > 0;
        b->negated += excluded;
        subs[k] = qy_build_node(b, n->kids[i]);
        b->negated -= excluded;
        if (!subs[k])
            break;
        k++;
    }
    b->in_phrase -= words_as_typed;
    if (i == n->nkids && k > 0) {
        if (all_stops)
            op = QY_Q_AND;
        else if (op == QY_Q_PHRASE && stops)
            window = (unsigned)n->nkids;
        q = k == 1 && words_as_typed ? subs[0]
                                     : qy_query_combine(op, subs, k, window);
        if (k == 1 && words_as_typed)
            k = 0; /* handed on, not freed */
    }
    for (size_t j = 0; j < k; j++)
        qy_query_free(subs[j]);
    free(subs);
    return q;
}

/* A phrase or NEAR matches within the text or within the title: the
 * title's words are in every passage's text, but without positions there
 * (core/ingest.c), so its phrases are found through its prefixed terms. */
static qy_query_t *build_positional(build_t *b, const qy_node_t *n,
                                    qy_query_op_t op, unsigned window)
{
    qy_query_t *text = build_kids(b, n, op, window);
    if (!text || *b->prefix)
        return text;
    b->prefix = QY_PREFIX_TITLE;
    qy_query_t *either[2] = {text, build_kids(b, n, op, window)};
    b->prefix = "";
    return qy_combine_owned(QY_Q_OR, either, 2, 0);
}

qy_query_t *qy_build_node(build_t *b, const qy_node_t *n)
{
    switch (n->kind) {
    case QY_N_WORD:
        return stem_term(b, n->text, n->text_len, n->acronym);
    case QY_N_PREFIX: {
        char term[QY_MAX_TERM_BYTES + 1];
        size_t plen = strlen(b->prefix);
        if (plen + n->text_len > QY_MAX_TERM_BYTES)
            return qy_query_match_nothing();
        memcpy(term, b->prefix, plen);
        memcpy(term + plen, n->text, n->text_len);
        return qy_query_prefix(b->db, term, plen + n->text_len,
                               QY_PREFIX_MAX_TERMS);
    }
    case QY_N_PHRASE:
        return build_positional(b, n, QY_Q_PHRASE, 0);
    case QY_N_NEAR:
        return build_positional(b, n, QY_Q_NEAR, n->window ? n->window : 10);
    case QY_N_AND:
        return build_kids(b, n, QY_Q_AND, 0);
    case QY_N_OR:
        return build_kids(b, n, QY_Q_OR, 0);
    case QY_N_AND_NOT:
        return build_kids(b, n, QY_Q_AND_NOT, 0);
    case QY_N_AND_MAYBE:
        return build_kids(b, n, QY_Q_AND_MAYBE, 0);
    case QY_N_FIELD:
        return build_field(b, n);
    }
    return NULL;
}

/* ---- Ranking plain questions ------------------------------------------ */

char *qy_dup_error(const char *fmt, const char *arg)
{
    size_t n = strlen(fmt) + strlen(arg) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, arg);
    return s;
}

/* The words of a plain question, in order: the parser gives a WORD or an
 * OR of WORDs. *ONE holds a single word for *WORDS to point at. Returns 0
 * for any other shape. */
int qy_question_words(const qy_node_t *root, const qy_node_t **one,
                      const qy_node_t *const **words, size_t *n)
{
    if (root->kind == QY_N_WORD) {
        *one = root;
        *words = one;
        *n = 1;
        return 1;
    }
    if (root->kind != QY_N_OR || root->nkids == 0)
        return 0;
    for (size_t i = 0; i < root->nkids; i++)
        if (root->kids[i]->kind != QY_N_WORD)
            return 0;
    *words = (const qy_node_t *const *)root->kids;
    *n = root->nkids;
    return 1;
}

/* Combines the N queries of SUBS with OP, then frees them; a single one is
 * returned as it is. NULL when out of memory (SUBS are freed anyway). */
qy_query_t *qy_combine_owned(qy_query_op_t op, qy_query_t **subs, size_t n,
                             unsigned window)
{
    qy_query_t *q = NULL;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= subs[i] != NULL;
    if (ok && n == 1) {
        q = subs[0];
        subs[0] = NULL;
    } else if (ok && n > 0) {
        q = qy_query_combine(op, subs, n, window);
    }
    for (size_t i = 0; i < n; i++)
        qy_query_free(subs[i]);
    return q;
}

qy_query_t *qy_scaled(qy_query_t *q, double factor)
{
    if (!q)
        return NULL;
    qy_query_t *s = qy_query_scale(q, factor);
    qy_query_free(q);
    return s;
}

typedef struct qtf_count {
    const qy_node_t *const *words;
    unsigned *counts;
    size_t n;
} qtf_count_t;

static int count_token(void *ctx, const qy_token_t *tok)
{
    qtf_count_t *c = ctx;
    for (size_t i = 0; i < c->n; i++)
        if (c->words[i]->text_len == tok->word_len &&
            memcmp(c->words[i]->text, tok->word, tok->word_len) == 0)
            c->counts[i]++;
    return 0;
}

/* How often each of the N question words occurs in QUERY, into COUNTS (at
 * least 1 each). A word counts as often as it is typed in the same form:
 * the question's other forms of it ("material", "materials") are question
 * words of their own, searched for the same stem, so counting them again
 * would weigh the stem twice over (measured in docs/quality.md). */
qy_status_t qy_count_words(qy_analyzer_t *a, const char *query,
                           const qy_node_t *const *words, size_t n,
                           unsigned *counts)
{
    qtf_count_t c = {words, counts, n};
    for (size_t i = 0; i < n; i++)
        counts[i] = 0;
    qy_status_t st = qy_tokenize(a, query, strlen(query), count_token, &c);
    for (size_t i = 0; i < n; i++)
        if (counts[i] == 0)
            counts[i] = 1;
    return st;
}

/* Runs of question words that spell a long form the index has learned
 * ("democrat peopl republ korea"), or a phrase of the user's synonyms, also
 * find what it stands for. Writes at most N queries to OUT; returns how
 * many. */
static size_t long_forms(build_t *b, const qy_node_t *const *words, size_t n,
                         qy_query_t **out)
{
    size_t found = 0;
    for (size_t i = 0; i + 1 < n && found < n; i++) {
        char key[QY_MAX_TERM_BYTES + 1];
        size_t len = 0;
        for (size_t j = i; j < n && j < i + QY_LONG_FORM_WORDS; j++) {
            size_t sn;
            const char *stem =
                qy_stem(b->a, words[j]->text, words[j]->text_len, &sn);
            if (!stem || len + sn + 1 > QY_MAX_TERM_BYTES)
                break;
            if (len)
                key[len++] = ' ';
            memcpy(key + len, stem, sn);
            len += sn;
            key[len] = '\0';
            if (j == i)
                continue;
            alternatives_t alt = {.b = b, .self = key, .learned_ok = 1};
            if (qy_synonyms_each(b->db, key, add_synonym, &alt) != QY_OK)
                break;
            if (alt.failed) {
                for (size_t k = 0; k < alt.n; k++)
                    qy_query_free(alt.subs[k]);
                break;
            }
            if (alt.n && found < n)
                out[found++] = qy_scaled(
                    qy_combine_owned(QY_Q_SYNONYM, alt.subs, alt.n, 0),
                    QY_EXPANSION_WEIGHT);
            else
                for (size_t k = 0; k < alt.n; k++)
                    qy_query_free(alt.subs[k]);
        }
    }
    return found;
}

/* The question's words, each also looked for in the title (weighted), and
 * pairs of neighbouring words rewarded when close together in the text. */
qy_query_t *qy_question_query(build_t *b, const qy_node_t *const *words,
                              size_t n, const unsigned *qtf,
                              const qy_search_opts_t *opts)
{
    int title = opts->title_weight > 0;
    qy_query_t **subs = calloc(3 * n, sizeof *subs);
    if (!subs)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        b->wqf = qtf ? qtf[i] : 1;
        subs[k++] = qy_build_node(b, words[i]);
        if (title) {
            /* the same word again: its expansions are noted once */
            char *notes = b->notes;
            b->notes = NULL;
            b->prefix = QY_PREFIX_TITLE;
            subs[k++] =
                qy_scaled(qy_build_node(b, words[i]), opts->title_weight);
            b->prefix = "";
            free(b->notes);
            b->notes = notes;
        }
        b->wqf = 1;
    }
    k += long_forms(b, words, n, subs + k);
    qy_query_t *q = qy_combine_owned(QY_Q_OR, subs, k, 0);
    if (!q || opts->proximity <= 0 || n < 2) {
        free(subs);
        return q;
    }
    unsigned window = opts->proximity_window ? opts->proximity_window
                                             : QY_DEFAULT_PROXIMITY_WINDOW;
    k = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        qy_query_t *pair[2] = {qy_build_node(b, words[i]),
                               qy_build_node(b, words[i + 1])};
        subs[k++] = qy_combine_owned(QY_Q_NEAR, pair, 2, window);
    }
    qy_query_t *near =
        qy_scaled(qy_combine_owned(QY_Q_OR, subs, k, 0), opts->proximity);
    free(subs);
    if (!near) {
        qy_query_free(q);
        return NULL;
    }
    qy_query_t *both[2] = {q, near};
    return qy_combine_owned(QY_Q_AND_MAYBE, both, 2, 0);
}

char *qy_label(const char *prefix, const char *text)
{
    size_t n = strlen(prefix) + strlen(text) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", prefix, text);
    return s;
}

/* A long question (CISI's run to 334 words, whole paragraphs) is searched
 * for its QY_QUESTION_MAX_WORDS most informative words only, those of
 * highest qtf * IDF, in question order: OR-ing every word makes each pass
 * visit most of the index, while the best passages are decided by the
 * rarer words (docs/quality.md and docs/performance.md measure both).
 * Parts other than words (phrases, groups) are kept first. *WORDS and *N
 * become the kept parts, in *KEPT (the caller frees it); QTF, when given,
 * is compacted to match. */
qy_status_t qy_informative_words(qy_db_t *db, qy_analyzer_t *a,
                                 const qy_node_t *const **words, size_t *n,
                                 unsigned *qtf, const qy_node_t ***kept)
{
    unsigned passages = 0;
    qy_status_t st = qy_db_doc_count(db, &passages);
    if (st != QY_OK)
        return st;
    size_t all = *n;
    double *score = malloc(all * sizeof *score);
    unsigned char *keep = calloc(all, 1);
    const qy_node_t **out = malloc(all * sizeof *out);
    if (!score || !keep || !out) {
        free(score);
        free(keep);
        free(out);
        return QY_NOMEM;
    }
    for (size_t i = 0; i < all; i++) {
        const qy_node_t *w = (*words)[i];
        size_t sn;
        unsigned freq = 0;
        if (w->kind != QY_N_WORD) {
            score[i] = INFINITY; /* a phrase or group: kept */
            continue;
        }
        const char *stem = qy_stem(a, w->text, w->text_len, &sn);
        score[i] = -1; /* in no passage: chosen last */
        if (!stem) {
            st = QY_NOMEM;
            break;
        }
        if (sn <= QY_MAX_TERM_BYTES &&
            (st = qy_db_term_freq(db, stem, sn, &freq)) != QY_OK)
            break;
        if (freq > 0)
            score[i] =
                (qtf ? qtf[i] : 1) * log(((double)passages + 1) / (double)freq);
    }
    for (size_t k = 0; st == QY_OK && k < QY_QUESTION_MAX_WORDS; k++) {
        size_t best = all;
        for (size_t i = 0; i < all; i++)
            if (!keep[i] && (best == all || score[i] > score[best]))
                best = i;
        keep[best] = 1;
    }
    size_t m = 0;
    for (size_t i = 0; st == QY_OK && i < all; i++)
        if (keep[i]) {
            if (qtf)
                qtf[m] = qtf[i];
            out[m++] = (*words)[i];
        }
    free(score);
    free(keep);
    if (st != QY_OK) {
        free(out);
        return st;
    }
    *kept = out;
    *words = out;
    *n = m;
    return QY_OK;
}
