#include "quarry/search.h"

#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/dictionary.h"
#include "quarry/forms.h"
#include "quarry/timings.h"
#include "quarry/synonyms.h"
#include "quarry/schema.h"

/* Longest run of question words looked up as a defined long form. */
#define QY_LONG_FORM_WORDS 8
/* The weight of a word's other forms and synonyms beside the word as typed:
 * they answer the question too, but the form the user chose answers it
 * best. */
#define QY_EXPANSION_WEIGHT 0.5
/* Edits a spelling correction may make to a word. */
#define QY_SPELLING_EDITS 2
/* A `word*` expands to at most this many index terms (the most frequent). */
#define QY_PREFIX_MAX_TERMS 200

void qy_search_opts_init(qy_search_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->limit = 10;
    opts->k1 = QY_DEFAULT_K1;
    opts->b = QY_DEFAULT_B;
    opts->snippet_words = QY_DEFAULT_SNIPPET_WORDS;
    opts->title_weight = QY_DEFAULT_TITLE_WEIGHT;
    opts->proximity = QY_DEFAULT_PROXIMITY;
    opts->proximity_window = QY_DEFAULT_PROXIMITY_WINDOW;
    opts->feedback_docs = QY_DEFAULT_FEEDBACK_DOCS;
    opts->feedback_terms = QY_DEFAULT_FEEDBACK_TERMS;
    opts->feedback_weight = QY_DEFAULT_FEEDBACK_WEIGHT;
    opts->feedback_agreement = QY_DEFAULT_FEEDBACK_AGREEMENT;
    opts->count_repeats = QY_DEFAULT_COUNT_REPEATS;
}

typedef struct build {
    qy_db_t *db;
    qy_analyzer_t *a;
    const char *prefix; /* term prefix while inside title:(...) */
    unsigned pos;       /* query position, for Xapian's wqf/phrases */
    unsigned wqf;       /* within-query frequency of the next word; 0: 1 */
    qy_status_t failed;
    qy_forms_t *forms;   /* irregular forms and synonyms expand words (plain
                            questions only); NULL: words stay as typed */
    qy_termset_t *terms; /* words to highlight: expansions are added */
    int negated;         /* inside the excluded part of a NOT */
    int in_phrase;       /* inside a phrase or NEAR: words stay as typed */
    char *notes;         /* expansions made, for `parsed`: "a=b|c; d=e" */
    char *(*resolve)(void *ctx, const char *value); /* see qy_search_opts */
    void *resolve_ctx;
} build_t;

static qy_query_t *build_node(build_t *b, const qy_node_t *n);
static qy_query_t *scaled(qy_query_t *q, double factor);
static qy_query_t *combine_owned(qy_query_op_t op, qy_query_t **subs, size_t n,
                                 unsigned window);

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
        add_alternative(alt, combine_owned(QY_Q_PHRASE, words, n, 2 * n - 1));
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
    return combine_owned(b->in_phrase ? QY_Q_OR : QY_Q_SYNONYM, s.terms, s.n,
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
    qy_forms_each(b->forms, stem, n, add_form, &alt);
    if (!*b->prefix) {
        qy_status_t st = qy_synonyms_each(b->db, stem, add_synonym, &alt);
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
        q, scaled(combine_owned(QY_Q_SYNONYM, alt.subs, alt.n, 0),
                  QY_EXPANSION_WEIGHT)};
    return combine_owned(QY_Q_OR, both, 2, 0);
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
    if (g->count == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        qy_query_t **t = realloc(g->terms, cap * sizeof *t);
        if (!t) {
            g->failed = 1;
            return 1;
        }
        g->terms = t;
        g->cap = cap;
    }
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
        qy_query_t *q = build_node(b, n->kids[0]);
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
        subs[k] = build_node(b, n->kids[i]);
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
    return combine_owned(QY_Q_OR, either, 2, 0);
}

static qy_query_t *build_node(build_t *b, const qy_node_t *n)
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

static char *dup_error(const char *fmt, const char *arg)
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
static int question_words(const qy_node_t *root, const qy_node_t **one,
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
static qy_query_t *combine_owned(qy_query_op_t op, qy_query_t **subs, size_t n,
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

static qy_query_t *scaled(qy_query_t *q, double factor)
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
static qy_status_t count_words(qy_analyzer_t *a, const char *query,
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
                out[found++] =
                    scaled(combine_owned(QY_Q_SYNONYM, alt.subs, alt.n, 0),
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
static qy_query_t *question_query(build_t *b, const qy_node_t *const *words,
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
        subs[k++] = build_node(b, words[i]);
        if (title) {
            /* the same word again: its expansions are noted once */
            char *notes = b->notes;
            b->notes = NULL;
            b->prefix = QY_PREFIX_TITLE;
            subs[k++] = scaled(build_node(b, words[i]), opts->title_weight);
            b->prefix = "";
            free(b->notes);
            b->notes = notes;
        }
        b->wqf = 1;
    }
    k += long_forms(b, words, n, subs + k);
    qy_query_t *q = combine_owned(QY_Q_OR, subs, k, 0);
    if (!q || opts->proximity <= 0 || n < 2) {
        free(subs);
        return q;
    }
    unsigned window = opts->proximity_window ? opts->proximity_window
                                             : QY_DEFAULT_PROXIMITY_WINDOW;
    k = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        qy_query_t *pair[2] = {build_node(b, words[i]),
                               build_node(b, words[i + 1])};
        subs[k++] = combine_owned(QY_Q_NEAR, pair, 2, window);
    }
    qy_query_t *near =
        scaled(combine_owned(QY_Q_OR, subs, k, 0), opts->proximity);
    free(subs);
    if (!near) {
        qy_query_free(q);
        return NULL;
    }
    qy_query_t *both[2] = {q, near};
    return combine_owned(QY_Q_AND_MAYBE, both, 2, 0);
}

typedef struct feedback_filter {
    qy_analyzer_t *a;
} feedback_filter_t;

/* Expansion terms are words of two letters or more that are not stop
 * words (the index keeps stop words; the ESet ranks them low, but not out). */
static int feedback_term_ok(void *ctx, const char *term, size_t len)
{
    feedback_filter_t *f = ctx;
    return len >= 2 && !qy_is_stopword(f->a, term, len);
}

/* A long question (CISI's run to 334 words, whole paragraphs) is searched
 * for its QY_QUESTION_MAX_WORDS most informative words only, those of
 * highest qtf * IDF, in question order: OR-ing every word makes each pass
 * visit most of the index, while the best passages are decided by the
 * rarer words (docs/quality.md and docs/performance.md measure both).
 * Parts other than words (phrases, groups) are kept first. *WORDS and *N
 * become the kept parts, in *KEPT (the caller frees it); QTF, when given,
 * is compacted to match. */
static qy_status_t informative_words(qy_db_t *db, qy_analyzer_t *a,
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

/* Whether the feedback passages are about one thing: the terms chosen
 * from them are held, on average, by at least AGREEMENT of the FOUND
 * passages. When each of them is about something else, the terms each
 * lends are its own, and expanding with them pulls the search apart. */
static int passages_agree(const qy_expand_term_t *terms, size_t n, size_t found,
                          double agreement)
{
    if (!(agreement > 0))
        return 1;
    if (found == 0 || n == 0)
        return 0;
    double held = 0;
    for (size_t i = 0; i < n; i++)
        held += (double)terms[i].docs / (double)found;
    return held / (double)n >= agreement;
}

/* RM3-style pseudo-relevance feedback: *Q becomes
 * OR(scale(1 - lambda, Q), scale(lambda * N, OR(scale(p(t), t)...))) where
 * the terms t come from Xapian's ESet over the best passages of Q, p(t) is
 * their relevance-model weight normalised to sum to 1, and N is the number
 * of question words (BM25 weights add up over the question's words, so the
 * expansion gets a comparable share). */
static qy_status_t expand_question(qy_db_t *db, qy_analyzer_t *a,
                                   qy_query_t **q, size_t nwords,
                                   const qy_search_opts_t *opts,
                                   double *question_scale,
                                   qy_query_t **expansion_out, char **error)
{
    double lambda = opts->feedback_weight;
    if (opts->feedback_docs == 0 || opts->feedback_terms == 0 || !(lambda > 0))
        return QY_OK;
    if (lambda > 1)
        lambda = 1;
    /* The best passages stand for the relevant ones only when they are a
     * small part of the index; on a small index they are most of what
     * matches, and expanding from them drifts off the question. */
    unsigned passages = 0;
    qy_status_t st = qy_db_doc_count(db, &passages);
    if (st != QY_OK) {
        *error = dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    if ((double)passages < (double)opts->feedback_docs * QY_FEEDBACK_MIN_RATIO)
        return QY_OK;
    qy_search_params_t params = {
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = opts->feedback_docs,
        .check_at_least = 0,
        .weighting = opts->weighting,
        .weighting_param = opts->weighting_param,
    };
    qy_mset_t *first = NULL;
    st = qy_db_search(db, *q, &params, &first);
    qy_expand_term_t *terms = NULL;
    size_t nterms = 0;
    feedback_filter_t filter = {a};
    if (st == QY_OK)
        st = qy_db_expand(db, first, opts->feedback_docs, opts->feedback_terms,
                          opts->feedback_scheme, feedback_term_ok, &filter,
                          &terms, &nterms);
    size_t fb_found = first ? qy_mset_size(first) : 0;
    int spread = 0;
    if (fb_found > 1 && opts->feedback_spread > 0) {
        qy_hit_t best, last;
        qy_mset_hit(first, 0, &best);
        qy_mset_hit(first, fb_found - 1, &last);
        spread = best.weight > 0 &&
                 last.weight < opts->feedback_spread * best.weight;
    }
    qy_mset_free(first);
    if (st != QY_OK) {
        *error = dup_error("search failed: %s", qy_db_error(db));
        return st;
    }
    double total = 0;
    for (size_t i = 0; i < nterms; i++)
        total += terms[i].relevance;
    if (nterms == 0 || !(total > 0) || spread ||
        !passages_agree(terms, nterms, fb_found, opts->feedback_agreement)) {
        qy_expand_terms_free(terms, nterms);
        return QY_OK;
    }
    qy_query_t **subs = calloc(nterms, sizeof *subs);
    if (!subs) {
        qy_expand_terms_free(terms, nterms);
        return QY_NOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < nterms; i++) {
        if (!(terms[i].relevance > 0))
            continue;
        subs[k++] =
            scaled(qy_query_term(terms[i].term, strlen(terms[i].term), 1, 0),
                   terms[i].relevance / total);
    }
    qy_expand_terms_free(terms, nterms);
    qy_query_t *expansion =
        scaled(combine_owned(QY_Q_OR, subs, k, 0), lambda * (double)nwords);
    free(subs);
    if (!expansion)
        return QY_NOMEM;
    *expansion_out = qy_query_scale(expansion, 1.0);
    if (!*expansion_out) {
        qy_query_free(expansion);
        return QY_NOMEM;
    }
    if (lambda >= 1) {
        qy_query_free(*q);
        *q = expansion;
        *question_scale = 0;
        return QY_OK;
    }
    *question_scale = 1 - lambda;
    qy_query_t *both[2] = {scaled(*q, 1 - lambda), expansion};
    *q = combine_owned(QY_Q_OR, both, 2, 0);
    return *q ? QY_OK : QY_NOMEM;
}

/* Everything one search allocates besides the hits array. */
typedef struct owner {
    qy_mset_t *mset;
    qy_termset_t *terms;
    unsigned *docids; /* of out->hits, in the same order */
} owner_t;

static void free_hit(qy_result_t *h)
{
    free(h->highlights);
    free(h->also);
    for (size_t i = 0; i < h->nexplain; i++)
        free(h->explain[i].what);
    free(h->explain);
}

void qy_results_free(qy_results_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free_hit(&r->hits[i]);
    free(r->hits);
    free(r->parsed);
    free(r->suggestion);
    owner_t *o = r->owner_;
    if (o) {
        qy_mset_free(o->mset);
        qy_termset_free(o->terms);
        free(o->docids);
        free(o);
    }
    memset(r, 0, sizeof *r);
}

static qy_status_t describe(qy_analyzer_t *a, const qy_parsed_t *p,
                            qy_results_t *out)
{
    char *d = p->root ? qy_node_describe(a, p->root) : strdup("");
    if (!d)
        return QY_NOMEM;
    if (p->fallback) {
        const char *note = " (invalid syntax: searched as plain words)";
        char *s = malloc(strlen(d) + strlen(note) + 1);
        if (!s) {
            free(d);
            return QY_NOMEM;
        }
        strcpy(s, d);
        strcat(s, note);
        free(d);
        d = s;
    }
    out->parsed = d;
    return QY_OK;
}

static qy_status_t collect_hits(owner_t *o, qy_results_t *out, char **error)
{
    size_t n = qy_mset_size(o->mset);
    if (n == 0)
        return QY_OK;
    out->hits = calloc(n, sizeof *out->hits);
    o->docids = calloc(n, sizeof *o->docids);
    if (!out->hits || !o->docids)
        return QY_NOMEM;
    for (size_t i = 0; i < n; i++) {
        qy_hit_t hit;
        qy_result_t *r = &out->hits[out->count];
        qy_mset_hit(o->mset, i, &hit);
        if (qy_record_decode(hit.data, hit.data_len, &r->rec) != QY_OK) {
            char id[32];
            snprintf(id, sizeof id, "%u", hit.docid);
            *error = dup_error("passage %s of the index is damaged", id);
            return QY_CORRUPT;
        }
        r->rank = (unsigned)i + 1;
        r->score = hit.weight;
        o->docids[out->count] = hit.docid;
        out->count++;
    }
    return QY_OK;
}

/* Highlights and snippets, for the hits of the page only: more are fetched
 * than are shown, to fold near-duplicates. */
static qy_status_t highlight_hits(qy_analyzer_t *a, owner_t *o,
                                  const qy_search_opts_t *opts,
                                  qy_results_t *out)
{
    if (opts->no_highlights)
        return QY_OK;
    const char *home = qy_analyzer_current(a);
    for (size_t i = 0; i < out->count; i++) {
        qy_result_t *r = &out->hits[i];
        /* A passage's words are found in the language it was stemmed in. */
        qy_status_t st = QY_OK;
        if (r->rec.lang && *r->rec.lang && qy_language_name(r->rec.lang))
            st = qy_analyzer_use(a, r->rec.lang);
        if (st == QY_OK)
            st = qy_highlight(a, o->terms, r->rec.text, strlen(r->rec.text),
                              opts->snippet_words, &r->highlights,
                              &r->nhighlights, &r->snippet, &r->cut_before,
                              &r->cut_after);
        qy_status_t back = qy_analyzer_use(a, home);
        if (st != QY_OK || back != QY_OK)
            return st != QY_OK ? st : back;
    }
    return QY_OK;
}

/* Makes *ERROR (or, when there is none, Xapian's description or the
 * status) a message that names the index, as every error about an index
 * does; left as it was when out of memory. */
static void name_index(const qy_db_t *db, qy_status_t st, char **error)
{
    const char *what = *error             ? *error
                       : *qy_db_error(db) ? qy_db_error(db)
                                          : qy_status_to_string(st);
    const char *name = qy_db_name(db);
    size_t n = strlen(name) + strlen(what) + 12;
    char *s = malloc(n);
    if (!s)
        return;
    snprintf(s, n, "index '%s': %s", name, what);
    free(*error);
    *error = s;
}

/* ---- Near-duplicate passages ------------------------------------------ */

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
    if (sh->n == sh->cap) {
        size_t cap = sh->cap ? sh->cap * 2 : 64;
        uint64_t *h = realloc(sh->h, cap * sizeof *h);
        if (!h) {
            sh->failed = 1;
            return 1;
        }
        sh->h = h;
        sh->cap = cap;
    }
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
static qy_status_t fold_duplicates(qy_analyzer_t *a, qy_results_t *out,
                                   owner_t *o)
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
        free_hit(&out->hits[i]);
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
static void keep_page(qy_results_t *out, owner_t *o,
                      const qy_search_opts_t *opts)
{
    size_t from = opts->offset < out->count ? opts->offset : out->count;
    size_t to =
        out->count - from > opts->limit ? from + opts->limit : out->count;
    for (size_t i = 0; i < from; i++)
        free_hit(&out->hits[i]);
    for (size_t i = to; i < out->count; i++)
        free_hit(&out->hits[i]);
    if (from > 0 && to > from) { /* hits may be NULL when there are none */
        memmove(out->hits, out->hits + from, (to - from) * sizeof *out->hits);
        memmove(o->docids, o->docids + from, (to - from) * sizeof *o->docids);
    }
    out->count = to - from;
    for (size_t i = 0; i < out->count; i++)
        out->hits[i].rank = opts->offset + (unsigned)i + 1;
}

/* ---- Spelling --------------------------------------------------------- */

typedef struct speller {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_forms_t *forms;     /* the irregular forms: known words */
    qy_dictionary_t *dict; /* the language's dictionary, opened when first
                              needed; NULL: none installed */
    int dict_tried;
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
    size_t forms = 0;
    if (sp->forms)
        qy_forms_each(sp->forms, stem, n, count_form, &forms);
    if (forms > 0)
        return 0; /* "went", "mice": forms the stemmer cannot join */
    if (!sp->dict_tried) {
        sp->dict_tried = 1;
        if (qy_dictionary_open(qy_analyzer_language(sp->a), &sp->dict) !=
            QY_OK) {
            sp->st = QY_NOMEM;
            return 1;
        }
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
static int long_question(qy_analyzer_t *a, const char *query)
{
    word_count_t c = {a, 0};
    qy_tokenize(a, query, strlen(query), count_word, &c);
    return c.n > QY_QUESTION_MAX_WORDS;
}

static qy_status_t suggest(qy_db_t *db, qy_analyzer_t *a, const char *query,
                           char **suggestion)
{
    speller_t sp = {.db = db, .a = a, .query = query};
    *suggestion = NULL;
    sp.forms = qy_forms_new(a);
    if (!sp.forms)
        return QY_NOMEM;
    qy_status_t st = qy_tokenize(a, query, strlen(query), correct_word, &sp);
    qy_forms_free(sp.forms);
    qy_dictionary_close(sp.dict);
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

/* ---- Explaining scores ------------------------------------------------ */

typedef struct parts {
    qy_query_t **q;
    char **what;
    size_t n, cap;
    int failed;
} parts_t;

static void add_part(parts_t *p, char *what, qy_query_t *q)
{
    if (!what || !q || p->failed) {
        free(what);
        qy_query_free(q);
        p->failed = 1;
        return;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        qy_query_t **nq = realloc(p->q, cap * sizeof *nq);
        if (nq)
            p->q = nq;
        char **nw = nq ? realloc(p->what, cap * sizeof *nw) : NULL;
        if (!nw) {
            free(what);
            qy_query_free(q);
            p->failed = 1;
            return;
        }
        p->what = nw;
        p->cap = cap;
    }
    p->q[p->n] = q;
    p->what[p->n++] = what;
}

static char *label(const char *prefix, const char *text)
{
    size_t n = strlen(prefix) + strlen(text) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", prefix, text);
    return s;
}

/* The parts of a syntax query that add to scores: its positive leaves. */
static void syntax_parts(build_t *b, const qy_node_t *n, parts_t *p)
{
    switch (n->kind) {
    case QY_N_AND_NOT:
        if (n->nkids)
            syntax_parts(b, n->kids[0], p);
        return;
    case QY_N_AND:
    case QY_N_OR:
    case QY_N_AND_MAYBE:
        for (size_t i = 0; i < n->nkids; i++)
            syntax_parts(b, n->kids[i], p);
        return;
    case QY_N_FIELD:
        if (!n->field || strcmp(n->field, "title") != 0)
            return;
        break;
    default:
        break;
    }
    add_part(p, qy_node_describe(b->a, n), build_node(b, n));
}

static qy_status_t explain_hits(qy_db_t *db, const owner_t *o,
                                const qy_search_params_t *params, parts_t *p,
                                qy_results_t *out)
{
    if (p->failed)
        return QY_NOMEM;
    if (out->count == 0 || p->n == 0)
        return QY_OK;
    double *w = calloc(out->count * p->n, sizeof *w);
    if (!w)
        return QY_NOMEM;
    qy_status_t st = qy_db_explain(db, (const qy_query_t *const *)p->q, p->n,
                                   o->docids, out->count, params, w);
    for (size_t d = 0; st == QY_OK && d < out->count; d++) {
        qy_result_t *h = &out->hits[d];
        h->explain = calloc(p->n, sizeof *h->explain);
        if (!h->explain) {
            st = QY_NOMEM;
            break;
        }
        for (size_t q = 0; q < p->n; q++) {
            if (!(w[d * p->n + q] > 0))
                continue;
            char *what = strdup(p->what[q]);
            if (!what) {
                st = QY_NOMEM;
                break;
            }
            h->explain[h->nexplain++] = (qy_explain_t){what, w[d * p->n + q]};
        }
    }
    free(w);
    return st;
}

static void parts_free(parts_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        qy_query_free(p->q[i]);
        free(p->what[i]);
    }
    free(p->q);
    free(p->what);
}

/* Hits fetched for a page before near-duplicates are folded. */
static unsigned fetch_size(const qy_search_opts_t *opts)
{
    unsigned long want = (unsigned long)opts->offset + opts->limit;
    if (opts->keep_duplicates)
        return opts->limit;
    want = want * 2 + 10;
    return want > 100000 ? 100000 : (unsigned)want;
}

static qy_status_t search_once(qy_db_t *db, qy_analyzer_t *a, const char *query,
                               const qy_search_opts_t *opts, qy_results_t *out,
                               char **error);

qy_status_t qy_search(qy_db_t *db, qy_analyzer_t *a, const char *query,
                      const qy_search_opts_t *opts, qy_results_t *out,
                      char **error)
{
    qy_status_t st = search_once(db, a, query, opts, out, error);
    /* A writer committing between the steps of one search (the feedback
     * search, the expansion, the final search) shows as QY_MODIFIED: read
     * the new revision and answer again. */
    for (int retry = 0; st == QY_MODIFIED && retry < 5; retry++) {
        qy_results_free(out);
        free(*error);
        *error = NULL;
        if (qy_db_reopen(db) != QY_OK)
            break;
        st = search_once(db, a, query, opts, out, error);
    }
    if (st != QY_OK || opts->no_spelling)
        return st;
    /* A long question that found passages is pasted text: a word of it the
     * index lacks is more often a rare term than a typo, and looking each
     * one up in the spelling data costs milliseconds (docs/performance.md). */
    if (out->total > 0 && long_question(a, query))
        return QY_OK;
    char *suggestion = NULL;
    double t = qy_timings_now();
    st = suggest(db, a, query, &suggestion);
    qy_timings_add(QY_STAGE_SPELLING, t);
    if (st != QY_OK || !suggestion)
        return st;
    if (out->total == 0) {
        /* Nothing for the question as typed: answer the correction. */
        qy_search_opts_t again = *opts;
        again.no_spelling = 1;
        qy_results_t corrected;
        char *err2 = NULL;
        st = search_once(db, a, suggestion, &again, &corrected, &err2);
        if (st != QY_OK) {
            qy_results_free(&corrected);
            free(err2);
            free(suggestion);
            return QY_OK; /* the original answer stands */
        }
        qy_results_free(out);
        *out = corrected;
        out->corrected = 1;
    }
    out->suggestion = suggestion;
    return QY_OK;
}

/* ---- An index of several languages --------------------------------- */

typedef struct index_languages {
    char names[16][32];
    const char *v[16];
    size_t n;
} index_languages_t;

static int add_index_language(void *ctx, const char *term, size_t len)
{
    index_languages_t *l = ctx;
    size_t plen = strlen(QY_PREFIX_LANG);
    if (len - plen >= sizeof l->names[0])
        return 0;
    memcpy(l->names[l->n], term + plen, len - plen);
    l->names[l->n][len - plen] = '\0';
    if (qy_language_name(l->names[l->n]))
        l->v[l->n] = l->names[l->n], l->n++;
    return l->n == sizeof l->v / sizeof *l->v;
}

/* An index built with --lang auto: the question is analysed in every
 * language its passages were stemmed in. */
static qy_status_t use_index_languages(qy_db_t *db, qy_analyzer_t *a)
{
    if (strcmp(qy_analyzer_language(a), "auto") != 0 ||
        qy_analyzer_question_languages(a) > 0)
        return QY_OK;
    index_languages_t l = {.n = 0};
    qy_status_t st =
        qy_db_each_term(db, QY_PREFIX_LANG, add_index_language, &l);
    if (st == QY_OK && l.n > 0)
        st = qy_analyzer_set_question_languages(a, l.v, l.n);
    return st;
}

static qy_status_t search_once(qy_db_t *db, qy_analyzer_t *a, const char *query,
                               const qy_search_opts_t *opts, qy_results_t *out,
                               char **error)
{
    qy_parsed_t parsed;
    qy_status_t st;
    memset(out, 0, sizeof *out);
    *error = NULL;
    owner_t *o = calloc(1, sizeof *o);
    if (!o)
        return QY_NOMEM;
    out->owner_ = o;
    if ((st = use_index_languages(db, a)) != QY_OK)
        return st;
    double t = qy_timings_now();
    st = qy_parse_keeping(a, query, strlen(query), opts->keep_stopwords,
                          &parsed);
    if (st != QY_OK)
        return st;
    out->syntax = parsed.syntax;
    out->fallback = parsed.fallback;
    st = describe(a, &parsed, out);
    if (st != QY_OK || !parsed.root) {
        qy_parsed_free(&parsed);
        return st;
    }
    o->terms = qy_termset_new();
    if (!o->terms)
        st = QY_NOMEM;
    if (st == QY_OK)
        st = qy_termset_add_query(o->terms, a, parsed.root);
    qy_query_t *q = NULL, *expansion = NULL;
    double question_scale = 1;
    const qy_node_t *one = NULL, *const *words = NULL;
    size_t nwords = 0;
    int question = st == QY_OK && (!parsed.syntax || parsed.fallback) &&
                   question_words(parsed.root, &one, &words, &nwords);
    unsigned *qtf = NULL;
    const qy_node_t **kept_words = NULL;
    if (question && opts->count_repeats) {
        qtf = calloc(nwords, sizeof *qtf);
        st = qtf ? count_words(a, query, words, nwords, qtf) : QY_NOMEM;
    }
    if (st == QY_OK && question && nwords > QY_QUESTION_MAX_WORDS)
        st = informative_words(db, a, &words, &nwords, qtf, &kept_words);
    build_t b = {.db = db,
                 .a = a,
                 .prefix = "",
                 .terms = o->terms,
                 .resolve = opts->resolve_source,
                 .resolve_ctx = opts->resolve_ctx};
    /* A long text with parentheses or quotes is syntax: an OR of its
     * parts. Of more than QY_QUESTION_MAX_WORDS parts, its phrases and
     * groups and its most informative words are searched, as for a long
     * question. */
    const qy_node_t *root = parsed.root;
    qy_node_t reduced;
    if (st == QY_OK && !question && root->kind == QY_N_OR &&
        root->nkids > QY_QUESTION_MAX_WORDS) {
        const qy_node_t *const *kids = (const qy_node_t *const *)root->kids;
        size_t nk = root->nkids;
        st = informative_words(db, a, &kids, &nk, NULL, &kept_words);
        if (st == QY_OK) {
            reduced = *root;
            reduced.kids = (qy_node_t **)kids;
            reduced.nkids = nk;
            root = &reduced;
        }
    }
    t = qy_timings_add(QY_STAGE_PARSE, t);
    qy_forms_t *forms = qy_forms_new(a);
    if (!forms && st == QY_OK)
        st = QY_NOMEM;
    b.forms = question ? forms : NULL;
    if (st == QY_OK) {
        q = question ? question_query(&b, words, nwords, qtf, opts)
                     : build_node(&b, root);
        if (b.failed != QY_OK)
            st = b.failed;
        else if (!q)
            st = QY_NOMEM;
    }
    if (st == QY_OK && b.notes) {
        char *p = label(out->parsed, "; also: ");
        char *full = p ? label(p, b.notes) : NULL;
        free(p);
        if (full) {
            free(out->parsed);
            out->parsed = full;
        } else {
            st = QY_NOMEM;
        }
    }
    free(b.notes);
    b.notes = NULL;
    /* What the question matches, before feedback: the passages counted,
     * and with per_source the ones whose sources are listed. Feedback terms
     * only rank. */
    qy_query_t *matching = NULL;
    if (st == QY_OK) {
        matching = qy_query_scale(q, 1.0);
        if (!matching)
            st = QY_NOMEM;
    }
    t = qy_timings_add(QY_STAGE_FORMS, t);
    if (st == QY_OK && question)
        st = expand_question(db, a, &q, nwords, opts, &question_scale,
                             &expansion, error);
    t = qy_timings_add(QY_STAGE_FEEDBACK, t);
    if (st == QY_OK && expansion && opts->per_source) {
        qy_query_t *both[2] = {q, matching};
        qy_query_t *within = qy_query_combine(QY_Q_FILTER, both, 2, 0);
        qy_query_free(q);
        q = within;
        if (!q)
            st = QY_NOMEM;
    }
    qy_search_params_t params = {
        .k1 = opts->k1,
        .b = opts->b,
        .offset = 0,
        .limit = fetch_size(opts),
        .check_at_least = 100,
        .collapse = opts->per_source,
        .collapse_slot = QY_SLOT_SOURCE,
        .weighting = opts->weighting,
        .weighting_param = opts->weighting_param,
    };
    /* Each hit of per_source is another source: none is folded under
     * another's near-duplicate, or its source would go missing. */
    int fold = !opts->keep_duplicates && !opts->per_source;
    if (!fold) {
        params.offset = opts->offset;
        params.limit = opts->limit;
    }
    if (st == QY_OK) {
        st = qy_db_search(db, q, &params, &o->mset);
        if (st != QY_OK)
            *error = dup_error("search failed: %s", qy_db_error(db));
    }
    qy_query_free(q);
    t = qy_timings_add(QY_STAGE_SEARCH, t);
    /* The search may have counted every match already: without feedback
     * terms (which match more) and collapsing, it searched MATCHING. */
    if (st == QY_OK && !(!expansion && !params.collapse &&
                         qy_mset_exact_count(o->mset, &out->total))) {
        st = qy_db_count(db, matching, &out->total);
        if (st != QY_OK)
            *error = dup_error("search failed: %s", qy_db_error(db));
    }
    qy_query_free(matching);
    t = qy_timings_add(QY_STAGE_COUNT, t);
    if (st == QY_OK)
        st = collect_hits(o, out, error);
    t = qy_timings_add(QY_STAGE_HITS, t);
    if (st == QY_OK && fold)
        st = fold_duplicates(a, out, o);
    if (st == QY_OK && fold)
        keep_page(out, o, opts);
    else if (st == QY_OK)
        for (size_t i = 0; i < out->count; i++)
            out->hits[i].rank = opts->offset + (unsigned)i + 1;
    t = qy_timings_add(QY_STAGE_FOLD, t);
    if (st == QY_OK)
        st = highlight_hits(a, o, opts, out);
    t = qy_timings_add(QY_STAGE_SNIPPETS, t);
    if (st == QY_OK && opts->explain) {
        parts_t parts = {0};
        b.in_phrase = 0;
        b.negated = 0;
        b.terms = NULL;
        if (question) {
            for (size_t i = 0; i < nwords && question_scale > 0; i++) {
                size_t n;
                const char *stem =
                    qy_stem(a, words[i]->text, words[i]->text_len, &n);
                char *what = stem ? malloc(n + 1) : NULL;
                if (what) {
                    memcpy(what, stem, n);
                    what[n] = '\0';
                }
                add_part(&parts, what,
                         scaled(build_node(&b, words[i]), question_scale));
                if (opts->title_weight > 0) {
                    b.prefix = QY_PREFIX_TITLE;
                    add_part(&parts, label("title:", what ? what : ""),
                             scaled(build_node(&b, words[i]),
                                    opts->title_weight * question_scale));
                    b.prefix = "";
                }
            }
            if (expansion) {
                add_part(&parts, strdup("feedback"), expansion);
                expansion = NULL;
            }
        } else {
            syntax_parts(&b, root, &parts);
        }
        st = explain_hits(db, o, &params, &parts, out);
        parts_free(&parts);
        qy_timings_add(QY_STAGE_SEARCH, t);
    }
    qy_query_free(expansion);
    free(b.notes); /* the explain parts' expansions repeat the notes */
    free(qtf);
    free(kept_words);
    qy_forms_free(forms);
    qy_parsed_free(&parsed);
    if (st != QY_OK && st != QY_NOMEM)
        name_index(db, st, error);
    return st;
}
