/* The query language: a hand-written lexer and recursive-descent parser
 * turning a question or a query in the syntax of quarry/qparse.h into a
 * tree of qy_node_t.
 *
 * Every word is normalised by qy_tokenize, the tokenizer the indexer uses,
 * so the two sides agree on what a word is. Nodes hold normalised words;
 * stemming is left to the search (and to qy_node_describe, for display).
 *
 * Plain words. A query is in the syntax when it holds a `"`, `(` or `)`; a
 * white-space separated AND, OR, NOT, NEAR or NEAR/n; a token starting with
 * `+` or `-` followed by a word character; a token ending in `*` after a word
 * character; or a token starting with a field: `title:`, `section:`,
 * `subject:`, `from:`, `to:`, `source:`, `id:`, `date:` or `lang:`.
 * Anything else is a question: its words, without stop words (unless only
 * stop words are left), each once, OR-ed.
 *
 * The grammar, loosest first (adjacent terms are OR-ed):
 *
 *   group := item ( [OR] item )*
 *   item  := ( '+' | '-' ) primary | and
 *   and   := not ( AND not )*
 *   not   := near ( ( NOT | AND NOT ) near )*    a NOT b = AND_NOT(a, b)
 *   near  := TERM ( NEAR[/n] TERM )* | primary    one NEAR node of all words
 *   primary := TERM | "phrase" | '(' group ')' | title:primary
 *            | section:primary | subject:primary | from:primary
 *            | to:primary | source:VALUE | id:VALUE | date:FROM..TO
 *            | lang:VALUE
 *
 * In a group, `+x` items are required, `-x` items prohibited and the others
 * optional: AND_NOT(AND_MAYBE(AND(required), optional...), prohibited...),
 * each level left out when it has nothing to add (`+a +b` is AND(a, b),
 * `a b` is OR(a, b), a node of one kid is that kid). `+` and `-` count only
 * before a word character, `"` or `(`; right after them, and after
 * `title:`, no operator is recognised (`+AND` is the word "and").
 *
 * The filters source:, id:, date: and lang:, and a mail's subject:, from:
 * and to: (which hold words, as title: does) select rather than rank: a group's
 * unmodified filters are required, those of one field OR-ed together, so
 * `korea date:2020..` is AND(korea, date) (korea among the passages of 2020
 * and later, not either of them), and `+a b source:x` is
 * AND_MAYBE(AND(a, source), b). Items joined by explicit ORs form a chain:
 * in a chain of filters only they are one required alternative
 * (`korea source:x OR id:y` is AND(korea, OR(source, id))); in a chain that
 * holds anything else, its filters are optional like words (`korea OR
 * id:a2` is either).
 *
 * ORs inside an OR and ANDs inside an AND are flattened, and a group holds
 * no two equal nodes: `korea Korea` is one word.
 *
 * Terms. A TERM is a run of bytes up to white space, a parenthesis or a
 * quote. Its words become a WORD, or a PHRASE when there are several
 * (`covid-19` is "covid 19", as Xapian's QueryParser does). `word*` is a
 * PREFIX when it holds one word of at least 2 bytes; otherwise the `*` is
 * ignored and the term is taken as words. An unmodified single-word term
 * that is a stop word is dropped (so is a group or operand left empty by
 * that); when that empties the whole query, the query is parsed again
 * keeping them. Words in phrases and NEAR, and `+`/`-` terms, are kept.
 *
 * Decisions where a user could mean several things:
 *   - `+` and `-` apply to one primary in a group: `+a AND b` is invalid.
 *   - NEAR operands are plain terms (no phrase, prefix, field or group);
 *     in `a NEAR/3 b NEAR/5 c` the widest window (5) applies to all.
 *   - `a AND NOT b` is `a NOT b`.
 *   - title:(...) holds words only: no field inside it.
 *   - source:, id: and date: values run to the next white space (or are
 *     quoted), except that a `)` not opened in the value ends it, so
 *     `(korea source:a.txt)` works. A value may not be empty nor hold
 *     control characters; a date needs `..` and at least one end.
 *   - An empty group `()` or empty phrase `""` is dropped, not an error.
 *
 * Invalid syntax (an unbalanced quote or parenthesis, an operator without
 * an operand, `NOT` opening a group, a group of `-` terms only, more than
 * MAX_DEPTH nested parentheses, more than MAX_NODES nodes, a NEAR/n out of
 * 1..1000, a field without a value) makes the whole query plain words, with
 * syntax = 1 and fallback = 1. So does a syntax query that parses to
 * nothing although it has words (`!!! NOT korea`).
 *
 * qy_node_describe writes one line:
 *   WORD        its stem                          steal
 *   PREFIX      the prefix, unstemmed, then `*`   crypto*
 *   PHRASE      the stems, quoted                 "nuclear test"
 *   NEAR        NEAR/window(stems)                NEAR/10(missil launch)
 *   OR, AND     (x OR y OR z), (x AND y)
 *   AND_NOT     (x AND NOT y AND NOT z)
 *   AND_MAYBE   (x AND_MAYBE y AND_MAYBE z)
 *   title       title:(sub-query, without its own outer parentheses)
 *   others      field:value, the value in double quotes when it holds white
 *               space or is empty; invalid UTF-8 shown as U+FFFD
 * e.g. `((korea AND_MAYBE missil) AND NOT south)` for `+korea missiles
 * -south`. */
#include "quarry/qparse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/schema.h"
#include "quarry/utf8.h"

/* Nesting of parentheses beyond this is invalid: it bounds the recursion
 * of the parser and of everything that walks the tree. */
#define MAX_DEPTH 64
/* Nodes in one tree; a query needing more is invalid (syntax) or keeps its
 * first distinct words (plain). Bounds memory and the quadratic search for
 * duplicates in a group. */
#define MAX_NODES 1024
#define MAX_PLAIN_WORDS (MAX_NODES - 1)
#define NEAR_DEFAULT 10
#define NEAR_MAX 1000
#define MIN_PREFIX_BYTES 2

/* ---- Nodes --------------------------------------------------------------- */

static void node_free(size_t *count, qy_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(count, n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n->field);
    free(n);
    if (count)
        (*count)--;
}

void qy_parsed_free(qy_parsed_t *parsed)
{
    if (!parsed)
        return;
    node_free(NULL, parsed->root);
    memset(parsed, 0, sizeof *parsed);
}

static int node_equal(const qy_node_t *x, const qy_node_t *y)
{
    if (x->kind != y->kind || x->text_len != y->text_len ||
        x->window != y->window || x->nkids != y->nkids)
        return 0;
    if ((x->text == NULL) != (y->text == NULL) ||
        (x->text && memcmp(x->text, y->text, x->text_len) != 0))
        return 0;
    if ((x->field == NULL) != (y->field == NULL) ||
        (x->field && strcmp(x->field, y->field) != 0))
        return 0;
    for (size_t i = 0; i < x->nkids; i++)
        if (!node_equal(x->kids[i], y->kids[i]))
            return 0;
    return 1;
}

/* ---- Parser state -------------------------------------------------------- */

enum perr { P_OK, P_SYNTAX, P_NOMEM };

enum tkind {
    T_END,
    T_ERROR, /* unbalanced quote, field without value, bad NEAR/n */
    T_LPAREN,
    T_RPAREN,
    T_PHRASE, /* start, len: the bytes between the quotes */
    T_TERM,   /* start, len: the raw term */
    T_TITLE,  /* field: `title:` or `section:`; the sub-query follows */
    T_FILTER, /* field, start, len: source:, id: or date: and its value */
    T_AND,
    T_OR,
    T_NOT,
    T_NEAR, /* window */
    T_PLUS,
    T_MINUS
};

/* What the lexer recognises: right after `+`, `-` or `title:`, where an
 * operand must follow, no operator or modifier (`+AND` is the word). */
enum lexmode { LEX_NORMAL, LEX_OPERAND };

typedef struct token {
    enum tkind kind;
    size_t start, len;
    const char *field;
    unsigned window;
} token_t;

typedef struct parser {
    qy_analyzer_t *a;
    const char *s;
    size_t len;
    size_t pos;    /* where the next token starts */
    token_t tok;   /* the current token */
    int keep_stop; /* second pass: keep stop words */
    int depth;
    int in_title;
    size_t nodes;   /* live nodes */
    size_t dropped; /* stop words dropped */
    enum perr err;
} parser_t;

static void fail(parser_t *p, enum perr e)
{
    if (p->err == P_OK)
        p->err = e;
}

static qy_node_t *node_new(parser_t *p, qy_node_kind_t kind)
{
    if (p->err)
        return NULL;
    if (p->nodes >= MAX_NODES) {
        fail(p, P_SYNTAX);
        return NULL;
    }
    qy_node_t *n = calloc(1, sizeof *n);
    if (!n) {
        fail(p, P_NOMEM);
        return NULL;
    }
    n->kind = kind;
    p->nodes++;
    return n;
}

static char *dup_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static qy_node_t *text_node(parser_t *p, qy_node_kind_t kind, const char *s,
                            size_t len)
{
    qy_node_t *n = node_new(p, kind);
    if (!n)
        return NULL;
    n->text = dup_bytes(s, len);
    if (!n->text) {
        node_free(&p->nodes, n);
        fail(p, P_NOMEM);
        return NULL;
    }
    n->text_len = len;
    return n;
}

/* A WORD node for TOK, found at BASE + TOK's offsets of the input. */
static qy_node_t *word_node(parser_t *p, const qy_token_t *tok,
                            const char *base)
{
    qy_node_t *n = text_node(p, QY_N_WORD, tok->word, tok->word_len);
    if (n)
        n->acronym = qy_in_capitals(base + tok->start, tok->end - tok->start);
    return n;
}

/* A growing list of owned nodes. */
typedef struct nodevec {
    qy_node_t **v;
    size_t n, cap;
} nodevec_t;

static void vec_free(parser_t *p, nodevec_t *vec)
{
    for (size_t i = 0; i < vec->n; i++)
        node_free(&p->nodes, vec->v[i]);
    free(vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

/* Appends N (owned; freed on failure). */
static void vec_push(parser_t *p, nodevec_t *vec, qy_node_t *n)
{
    qy_node_t **v = qy_grow(vec->v, vec->n, &vec->cap, sizeof *v, 4);
    if (!v) {
        node_free(&p->nodes, n);
        fail(p, P_NOMEM);
        return;
    }
    vec->v = v;
    vec->v[vec->n++] = n;
}

/* Appends N unless an equal node is there already. */
static void vec_push_unique(parser_t *p, nodevec_t *vec, qy_node_t *n)
{
    for (size_t i = 0; i < vec->n; i++)
        if (node_equal(vec->v[i], n)) {
            node_free(&p->nodes, n);
            return;
        }
    vec_push(p, vec, n);
}

/* Takes the node at *SLOT (which is cleared) and appends it to VEC with
 * PUSH; frees it instead when the parse has failed. */
static void vec_take(parser_t *p, nodevec_t *vec, qy_node_t **slot,
                     void (*push)(parser_t *, nodevec_t *, qy_node_t *))
{
    qy_node_t *n = *slot;
    *slot = NULL;
    if (p->err)
        node_free(&p->nodes, n);
    else
        push(p, vec, n);
}

/* Appends N to an OR or AND list of KIND, taking in the kids of a node of
 * the same kind, since both are associative. */
static void vec_push_flat(parser_t *p, nodevec_t *vec, qy_node_t *n,
                          qy_node_kind_t kind)
{
    if (n->kind != kind) {
        vec_push_unique(p, vec, n);
        return;
    }
    for (size_t i = 0; i < n->nkids; i++)
        vec_take(p, vec, &n->kids[i], vec_push_unique);
    node_free(&p->nodes, n);
}

/* A node of KIND over VEC's nodes (VEC is emptied): NULL for none, the node
 * itself for one (except PHRASE and NEAR, whose callers ensure two). */
static qy_node_t *make_node(parser_t *p, qy_node_kind_t kind, nodevec_t *vec)
{
    if (p->err || vec->n == 0) {
        vec_free(p, vec);
        return NULL;
    }
    if (vec->n == 1 && kind != QY_N_PHRASE && kind != QY_N_NEAR) {
        qy_node_t *only = vec->v[0];
        free(vec->v);
        memset(vec, 0, sizeof *vec);
        return only;
    }
    qy_node_t *n = node_new(p, kind);
    if (!n) {
        vec_free(p, vec);
        return NULL;
    }
    n->kids = vec->v;
    n->nkids = vec->n;
    memset(vec, 0, sizeof *vec);
    return n;
}

/* An OR or AND of VEC's nodes, flattened and without duplicates. */
static qy_node_t *make_group(parser_t *p, qy_node_kind_t kind, nodevec_t *vec)
{
    nodevec_t flat = {0};
    for (size_t i = 0; i < vec->n; i++) {
        qy_node_t *n = vec->v[i];
        vec->v[i] = NULL;
        if (p->err)
            node_free(&p->nodes, n);
        else
            vec_push_flat(p, &flat, n, kind);
    }
    free(vec->v);
    memset(vec, 0, sizeof *vec);
    return make_node(p, kind, &flat);
}

/* ---- Characters ---------------------------------------------------------- */

/* Bytes of the white space character at S[I] (NUL, or what
 * qy_utf8_is_space calls white space), or 0. */
static size_t space_at(const char *s, size_t len, size_t i)
{
    if (s[i] == '\0')
        return 1;
    int32_t cp;
    size_t n = qy_utf8_decode(s + i, len - i, &cp);
    return qy_utf8_is_space(cp) ? n : 0;
}

/* A byte that may belong to a word: ASCII letter or digit, or any byte of
 * a multi-byte character (the tokenizer decides the rest). */
static int is_wordish(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

/* `word*`: a `*` ending a term after a word character. */
static int is_prefix_term(const char *s, size_t n)
{
    return n >= 2 && s[n - 1] == '*' && is_wordish((unsigned char)s[n - 2]);
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Matches an operator at S[0, N): its kind, and for NEAR its window (0 when
 * `NEAR/n` is out of range). Returns 0 when it is no operator. */
static int match_operator(const char *s, size_t n, enum tkind *kind,
                          unsigned *window)
{
    if (n == 3 && memcmp(s, "AND", 3) == 0)
        *kind = T_AND;
    else if (n == 2 && memcmp(s, "OR", 2) == 0)
        *kind = T_OR;
    else if (n == 3 && memcmp(s, "NOT", 3) == 0)
        *kind = T_NOT;
    else if (n == 4 && memcmp(s, "NEAR", 4) == 0) {
        *kind = T_NEAR;
        *window = NEAR_DEFAULT;
    } else if (n > 5 && memcmp(s, "NEAR/", 5) == 0) {
        unsigned w = 0;
        for (size_t i = 5; i < n; i++) {
            if (!is_digit((unsigned char)s[i]))
                return 0;
            if (w <= NEAR_MAX)
                w = w * 10 + (unsigned)(s[i] - '0');
        }
        *kind = T_NEAR;
        *window = w >= 1 && w <= NEAR_MAX ? w : 0;
    } else {
        return 0;
    }
    return 1;
}

static const char *const filter_fields[] = {"source", "id", "date", "lang"};

/* The fields that hold a sub-query of words; the others select. subject:
 * is a mail's title. */
static const char *const text_fields[] = {"title", "section", "subject", "from",
                                          "to"};

static int is_text_field(const char *field)
{
    for (size_t i = 0; i < sizeof text_fields / sizeof *text_fields; i++)
        if (strcmp(field, text_fields[i]) == 0)
            return 1;
    return 0;
}

/* The name in NAMES[0, COUNT) that S[0, N) starts with, followed by `:`,
 * or NULL; *FLEN gets the length of `name:`. */
static const char *match_name(const char *s, size_t n, const char *const *names,
                              size_t count, size_t *flen)
{
    for (size_t i = 0; i < count; i++) {
        size_t k = strlen(names[i]);
        if (n > k && memcmp(s, names[i], k) == 0 && s[k] == ':') {
            *flen = k + 1;
            return names[i];
        }
    }
    return NULL;
}

/* The field S[0, N) starts with, one of text_fields or filter_fields, or
 * NULL; *FLEN gets the length of `name:`. */
static const char *match_field(const char *s, size_t n, size_t *flen)
{
    const char *f = match_name(s, n, text_fields,
                               sizeof text_fields / sizeof *text_fields, flen);
    return f ? f
             : match_name(s, n, filter_fields,
                          sizeof filter_fields / sizeof *filter_fields, flen);
}

/* Whether QUERY uses the syntax (see the top of this file). */
static int looks_like_syntax(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t sp = space_at(s, len, i);
        if (sp) {
            i += sp;
            continue;
        }
        size_t end = i;
        while (end < len && !space_at(s, len, end)) {
            char c = s[end];
            if (c == '"' || c == '(' || c == ')')
                return 1;
            end++;
        }
        size_t n = end - i, flen;
        enum tkind kind;
        unsigned window;
        if (match_operator(s + i, n, &kind, &window))
            return 1;
        if ((s[i] == '+' || s[i] == '-') && n > 1 &&
            is_wordish((unsigned char)s[i + 1]))
            return 1;
        if (is_prefix_term(s + i, n))
            return 1;
        if (match_field(s + i, n, &flen))
            return 1;
        i = end;
    }
    return 0;
}

/* ---- Lexer --------------------------------------------------------------- */

static size_t term_end(const parser_t *p, size_t i)
{
    while (i < p->len && !space_at(p->s, p->len, i)) {
        char c = p->s[i];
        if (c == '"' || c == '(' || c == ')')
            break;
        i++;
    }
    return i;
}

/* Reads the value of a filter field starting at S[I]: up to a space or an
 * unbalanced ')', or quoted with " or ' (source:'My Notes' with a space). */
static void lex_filter(parser_t *p, size_t i, const char *field)
{
    token_t *t = &p->tok;
    size_t start, end;

    t->kind = T_ERROR;
    if (i < p->len && (p->s[i] == '"' || p->s[i] == '\'')) {
        const char *q = memchr(p->s + i + 1, p->s[i], p->len - i - 1);
        if (!q)
            return;
        start = i + 1;
        end = (size_t)(q - p->s);
        p->pos = end + 1;
    } else {
        unsigned open = 0;
        start = end = i;
        while (end < p->len && !space_at(p->s, p->len, end)) {
            if (p->s[end] == '(')
                open++;
            else if (p->s[end] == ')' && open-- == 0)
                break;
            end++;
        }
        p->pos = end;
    }
    if (end == start)
        return;
    for (size_t k = start; k < end; k++) {
        unsigned char c = (unsigned char)p->s[k];
        if (c < 0x20 || c == 0x7f)
            return;
    }
    if (strcmp(field, "date") == 0) {
        const char *dots = NULL;
        for (size_t k = start; k + 1 < end && !dots; k++)
            if (p->s[k] == '.' && p->s[k + 1] == '.')
                dots = p->s + k;
        if (!dots || end - start == 2)
            return;
    }
    t->kind = T_FILTER;
    t->field = field;
    t->start = start;
    t->len = end - start;
}

static void lex(parser_t *p, enum lexmode mode)
{
    token_t *t = &p->tok;
    size_t i = p->pos, sp;

    memset(t, 0, sizeof *t);
    while (i < p->len && (sp = space_at(p->s, p->len, i)) != 0)
        i += sp;
    if (i >= p->len) {
        t->kind = T_END;
        p->pos = i;
        return;
    }
    char c = p->s[i];
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        p->pos = i + 1;
        return;
    }
    if (c == '"') {
        const char *q = memchr(p->s + i + 1, '"', p->len - i - 1);
        if (!q) {
            t->kind = T_ERROR;
            p->pos = p->len;
            return;
        }
        t->kind = T_PHRASE;
        t->start = i + 1;
        t->len = (size_t)(q - p->s) - t->start;
        p->pos = (size_t)(q - p->s) + 1;
        return;
    }
    if (mode == LEX_NORMAL && (c == '+' || c == '-') && i + 1 < p->len) {
        unsigned char next = (unsigned char)p->s[i + 1];
        if (is_wordish(next) || next == '"' || next == '(') {
            t->kind = c == '+' ? T_PLUS : T_MINUS;
            p->pos = i + 1;
            return;
        }
    }

    size_t end = term_end(p, i), flen;
    const char *field = match_field(p->s + i, end - i, &flen);
    if (field && is_text_field(field)) {
        size_t j = i + flen;
        /* The sub-query must follow at once. */
        if (j >= p->len || space_at(p->s, p->len, j) || p->s[j] == ')') {
            t->kind = T_ERROR;
            p->pos = j;
            return;
        }
        t->kind = T_TITLE;
        t->field = field;
        p->pos = j;
        return;
    }
    if (field) {
        lex_filter(p, i + flen, field);
        return;
    }
    if (mode == LEX_NORMAL &&
        match_operator(p->s + i, end - i, &t->kind, &t->window)) {
        if (t->kind == T_NEAR && t->window == 0)
            t->kind = T_ERROR;
        p->pos = end;
        return;
    }
    t->kind = T_TERM;
    t->start = i;
    t->len = end - i;
    p->pos = end;
}

static void advance(parser_t *p)
{
    enum tkind k = p->tok.kind;
    lex(p,
        k == T_PLUS || k == T_MINUS || k == T_TITLE ? LEX_OPERAND : LEX_NORMAL);
}

/* Whether the current token is an AND followed by NOT. */
static int and_not_ahead(parser_t *p)
{
    if (p->tok.kind != T_AND)
        return 0;
    token_t saved = p->tok;
    size_t pos = p->pos;
    advance(p);
    int r = p->tok.kind == T_NOT;
    p->tok = saved;
    p->pos = pos;
    return r;
}

/* ---- Words --------------------------------------------------------------- */

typedef struct words_ctx {
    parser_t *p;
    nodevec_t *vec;
    const char *base; /* the text tokenized */
} words_ctx_t;

static int add_word(void *ctx, const qy_token_t *tok)
{
    words_ctx_t *w = ctx;
    qy_node_t *n = word_node(w->p, tok, w->base);
    if (n)
        vec_push(w->p, w->vec, n);
    return w->p->err != P_OK;
}

/* Appends the words of S[START, START + LEN) to VEC as WORD nodes. */
static void tokenize_words(parser_t *p, size_t start, size_t len,
                           nodevec_t *vec)
{
    words_ctx_t w = {p, vec, p->s + start};
    if (p->err)
        return;
    if (qy_tokenize(p->a, p->s + start, len, add_word, &w) != QY_OK)
        fail(p, P_NOMEM);
}

/* The node for the term S[START, START + LEN): WORD, PHRASE or PREFIX, or
 * NULL when it has no word or is a dropped stop word (KEEP: keep it). */
static qy_node_t *term_node(parser_t *p, size_t start, size_t len, int keep)
{
    nodevec_t words = {0};
    int prefix = is_prefix_term(p->s + start, len);

    tokenize_words(p, start, prefix ? len - 1 : len, &words);
    if (p->err || words.n == 0) {
        vec_free(p, &words);
        return NULL;
    }
    if (words.n > 1)
        return make_node(p, QY_N_PHRASE, &words);
    qy_node_t *w = make_node(p, QY_N_WORD, &words);
    if (prefix && w->text_len >= MIN_PREFIX_BYTES) {
        w->kind = QY_N_PREFIX;
    } else if (!keep && !p->keep_stop &&
               qy_is_stopword(p->a, w->text, w->text_len)) {
        p->dropped++;
        node_free(&p->nodes, w);
        return NULL;
    }
    return w;
}

/* A quoted phrase: its words in order, stop words included. */
static qy_node_t *phrase_node(parser_t *p, size_t start, size_t len)
{
    nodevec_t words = {0};
    tokenize_words(p, start, len, &words);
    if (words.n == 1)
        return make_node(p, QY_N_WORD, &words); /* the word itself */
    return make_node(p, QY_N_PHRASE, &words);
}

static qy_node_t *field_node(parser_t *p, const char *field)
{
    qy_node_t *n = node_new(p, QY_N_FIELD);
    if (!n)
        return NULL;
    n->field = dup_bytes(field, strlen(field));
    if (!n->field) {
        node_free(&p->nodes, n);
        fail(p, P_NOMEM);
        return NULL;
    }
    return n;
}

/* ---- Parser -------------------------------------------------------------- */

static qy_node_t *parse_group(parser_t *p);

static qy_node_t *parse_primary(parser_t *p, int keep)
{
    token_t t = p->tok;
    qy_node_t *n = NULL, *sub;

    switch (t.kind) {
    case T_TERM:
        advance(p);
        return term_node(p, t.start, t.len, keep);
    case T_PHRASE:
        advance(p);
        return phrase_node(p, t.start, t.len);
    case T_LPAREN:
        if (++p->depth > MAX_DEPTH) {
            fail(p, P_SYNTAX);
            return NULL;
        }
        advance(p);
        n = parse_group(p);
        if (!p->err && p->tok.kind != T_RPAREN)
            fail(p, P_SYNTAX);
        if (p->err) {
            node_free(&p->nodes, n);
            return NULL;
        }
        p->depth--;
        advance(p);
        return n;
    case T_TITLE:
        if (p->in_title) {
            fail(p, P_SYNTAX);
            return NULL;
        }
        advance(p);
        p->in_title++;
        sub = parse_primary(p, keep);
        p->in_title--;
        if (!sub)
            return NULL;
        n = field_node(p, t.field);
        /* The node gets its kid only once both exist: node_free(n) then
         * frees a node without kids. */
        qy_node_t **kids = n ? malloc(sizeof *kids) : NULL;
        if (!kids) {
            fail(p, P_NOMEM);
            node_free(&p->nodes, n);
            node_free(&p->nodes, sub);
            return NULL;
        }
        kids[0] = sub;
        n->kids = kids;
        n->nkids = 1;
        return n;
    case T_FILTER:
        if (p->in_title) {
            fail(p, P_SYNTAX);
            return NULL;
        }
        advance(p);
        n = field_node(p, t.field);
        if (!n)
            return NULL;
        n->text = dup_bytes(p->s + t.start, t.len);
        if (!n->text) {
            fail(p, P_NOMEM);
            node_free(&p->nodes, n);
            return NULL;
        }
        n->text_len = t.len;
        return n;
    default:
        /* An operator or `)` where an operand belongs, the end, or an
         * error from the lexer. */
        fail(p, P_SYNTAX);
        return NULL;
    }
}

/* Adds the words of a NEAR operand, which must be a plain term. */
static void near_operand(parser_t *p, const token_t *t, nodevec_t *words)
{
    size_t before = words->n;
    if (t->kind != T_TERM || is_prefix_term(p->s + t->start, t->len)) {
        fail(p, P_SYNTAX);
        return;
    }
    tokenize_words(p, t->start, t->len, words);
    if (words->n == before)
        fail(p, P_SYNTAX);
}

static qy_node_t *parse_near(parser_t *p)
{
    if (p->tok.kind != T_TERM) {
        qy_node_t *n = parse_primary(p, 0);
        if (!p->err && p->tok.kind == T_NEAR)
            fail(p, P_SYNTAX);
        if (p->err) {
            node_free(&p->nodes, n);
            return NULL;
        }
        return n;
    }

    token_t first = p->tok;
    advance(p);
    if (p->tok.kind != T_NEAR)
        return term_node(p, first.start, first.len, 0);

    nodevec_t words = {0};
    unsigned window = 0;
    near_operand(p, &first, &words);
    while (!p->err && p->tok.kind == T_NEAR) {
        if (p->tok.window > window)
            window = p->tok.window;
        advance(p);
        near_operand(p, &p->tok, &words);
        advance(p);
    }
    qy_node_t *n = make_node(p, QY_N_NEAR, &words);
    if (n)
        n->window = window;
    return n;
}

static qy_node_t *parse_not(parser_t *p)
{
    qy_node_t *left = parse_near(p);
    nodevec_t rights = {0};

    while (!p->err && (p->tok.kind == T_NOT || and_not_ahead(p))) {
        if (p->tok.kind == T_AND)
            advance(p);
        advance(p);
        qy_node_t *r = parse_near(p);
        if (r)
            vec_push_unique(p, &rights, r);
    }
    if (p->err || !left || rights.n == 0) {
        /* Nothing left to exclude from, or nothing to exclude. */
        vec_free(p, &rights);
        if (p->err) {
            node_free(&p->nodes, left);
            return NULL;
        }
        return left;
    }
    nodevec_t kids = {0};
    vec_push(p, &kids, left);
    for (size_t i = 0; i < rights.n; i++) {
        qy_node_t *r = rights.v[i];
        rights.v[i] = NULL;
        if (p->err)
            node_free(&p->nodes, r);
        else
            vec_push(p, &kids, r);
    }
    free(rights.v);
    return make_node(p, QY_N_AND_NOT, &kids);
}

static qy_node_t *parse_and(parser_t *p)
{
    nodevec_t ops = {0};
    qy_node_t *n = parse_not(p);
    if (n)
        vec_push(p, &ops, n);
    /* parse_not has taken any AND NOT: this AND is a conjunction. */
    while (!p->err && p->tok.kind == T_AND) {
        advance(p);
        n = parse_not(p);
        if (n)
            vec_push(p, &ops, n);
    }
    return make_group(p, QY_N_AND, &ops);
}

/* A mail's subject:, from: and to: hold words but select, as filters. */
static int is_mail_field(const char *field)
{
    return strcmp(field, "subject") == 0 || strcmp(field, "from") == 0 ||
           strcmp(field, "to") == 0;
}

static int is_filter(const qy_node_t *n)
{
    return n->kind == QY_N_FIELD && n->field &&
           (!is_text_field(n->field) || is_mail_field(n->field));
}

/* Moves VEC's nodes to the end of DST. */
static void vec_move(parser_t *p, nodevec_t *dst, nodevec_t *vec)
{
    for (size_t i = 0; i < vec->n; i++)
        vec_take(p, dst, &vec->v[i], vec_push);
    free(vec->v);
    memset(vec, 0, sizeof *vec);
}

/* Adds the filters to REQUIRED: those of one field OR-ed, in the order the
 * fields first appear. */
static void add_filters(parser_t *p, nodevec_t *required, nodevec_t *filters)
{
    for (size_t i = 0; i < filters->n && !p->err; i++) {
        if (!filters->v[i])
            continue;
        nodevec_t same = {0};
        const char *field = filters->v[i]->field;
        for (size_t j = i; j < filters->n && !p->err; j++) {
            qy_node_t *f = filters->v[j];
            if (f && strcmp(f->field, field) == 0) {
                filters->v[j] = NULL;
                vec_push_unique(p, &same, f);
            }
        }
        qy_node_t *g = make_group(p, QY_N_OR, &same);
        if (g)
            vec_push_unique(p, required, g);
    }
    vec_free(p, filters); /* what is left after a failure */
}

/* The nodes of a group (see the grammar at the top of this file). */
typedef struct group {
    nodevec_t required, optional, prohibited, filters;
    nodevec_t alternatives; /* OR-ed chains of filters, each required */
    nodevec_t chain;        /* unmodified items joined by explicit ORs */
    int dropped; /* an optional or required item lost its stop words */
} group_t;

static void group_free(parser_t *p, group_t *g)
{
    vec_free(p, &g->required);
    vec_free(p, &g->optional);
    vec_free(p, &g->prohibited);
    vec_free(p, &g->filters);
    vec_free(p, &g->alternatives);
    vec_free(p, &g->chain);
}

/* Files the items of the chain that has ended: a lone filter with the
 * group's filters, a chain of filters only as one required alternative,
 * and otherwise every item as optional. */
static void end_chain(parser_t *p, group_t *g)
{
    size_t filters = 0;
    for (size_t i = 0; i < g->chain.n; i++)
        filters += is_filter(g->chain.v[i]);
    if (g->chain.n > 1 && filters == g->chain.n) {
        qy_node_t *any = make_group(p, QY_N_OR, &g->chain);
        if (any)
            vec_push_unique(p, &g->alternatives, any);
        return;
    }
    nodevec_t *to =
        filters == 1 && g->chain.n == 1 ? &g->filters : &g->optional;
    for (size_t i = 0; i < g->chain.n; i++)
        vec_push_unique(p, to, g->chain.v[i]);
    g->chain.n = 0;
    vec_free(p, &g->chain);
}

static qy_node_t *group_node(parser_t *p, group_t *g)
{
    qy_node_t *pos;

    end_chain(p, g);
    if (g->required.n == 0 && g->optional.n == 0 && g->filters.n == 0 &&
        g->alternatives.n == 0) {
        /* `-a -b`: nothing to search for. But `the -a` only lost its stop
         * word, and is parsed again keeping it. */
        if (g->prohibited.n && !g->dropped)
            fail(p, P_SYNTAX);
        group_free(p, g);
        return NULL;
    }
    int terms_required = g->required.n > 0;
    add_filters(p, &g->required, &g->filters);
    vec_move(p, &g->required, &g->alternatives);
    if (g->required.n == 0) {
        pos = make_group(p, QY_N_OR, &g->optional);
    } else if (g->optional.n == 0) {
        pos = make_group(p, QY_N_AND, &g->required);
    } else if (!terms_required) {
        /* Filters do not rank: the optional terms must match, among the
         * passages the filters select. */
        nodevec_t all = {0};
        qy_node_t *any = make_group(p, QY_N_OR, &g->optional);
        if (any)
            vec_push(p, &all, any);
        vec_move(p, &all, &g->required);
        pos = make_group(p, QY_N_AND, &all);
    } else {
        nodevec_t kids = {0};
        qy_node_t *must = make_group(p, QY_N_AND, &g->required);
        if (must)
            vec_push(p, &kids, must);
        vec_move(p, &kids, &g->optional);
        pos = make_node(p, QY_N_AND_MAYBE, &kids);
    }
    if (!pos || g->prohibited.n == 0) {
        group_free(p, g);
        return pos;
    }
    nodevec_t kids = {0};
    vec_push(p, &kids, pos);
    vec_move(p, &kids, &g->prohibited);
    group_free(p, g);
    return make_node(p, QY_N_AND_NOT, &kids);
}

static qy_node_t *parse_group(parser_t *p)
{
    group_t g = {0};
    size_t items = 0;
    int want_operand = 0; /* after an OR */

    while (!p->err) {
        enum tkind k = p->tok.kind;
        if (k == T_END || k == T_RPAREN) {
            if (want_operand)
                fail(p, P_SYNTAX);
            break;
        }
        if (k == T_OR) {
            if (items == 0 || want_operand)
                fail(p, P_SYNTAX);
            want_operand = 1;
            advance(p);
            continue;
        }
        if (!want_operand)
            end_chain(p, &g);
        want_operand = 0;
        items++;
        size_t dropped = p->dropped;
        qy_node_t *n;
        if (k == T_PLUS || k == T_MINUS) {
            end_chain(p, &g);
            advance(p);
            n = parse_primary(p, 1);
            enum tkind next = p->tok.kind;
            if (!p->err && (next == T_AND || next == T_NOT || next == T_NEAR))
                fail(p, P_SYNTAX);
            if (p->err || !n) {
                node_free(&p->nodes, n);
                if (k == T_PLUS && p->dropped > dropped)
                    g.dropped = 1;
                continue;
            }
            vec_push_unique(p, k == T_PLUS ? &g.required : &g.prohibited, n);
        } else {
            n = parse_and(p);
            if (!n) {
                if (p->dropped > dropped)
                    g.dropped = 1;
                continue;
            }
            vec_push_unique(p, &g.chain, n);
        }
    }
    if (p->err) {
        group_free(p, &g);
        return NULL;
    }
    return group_node(p, &g);
}

/* The whole query, with syntax: the tree, or NULL with P->err set or when
 * nothing is left to search. */
static qy_node_t *parse_syntax(parser_t *p)
{
    p->pos = 0;
    lex(p, LEX_NORMAL);
    qy_node_t *root = parse_group(p);
    if (!p->err && p->tok.kind != T_END)
        fail(p, P_SYNTAX); /* a `)` too many */
    if (p->err) {
        node_free(&p->nodes, root);
        return NULL;
    }
    return root;
}

/* ---- Plain words --------------------------------------------------------- */

#define PLAIN_SLOTS (2 * MAX_PLAIN_WORDS + 2) /* hash table, half empty */

typedef struct plain_ctx {
    parser_t *p;
    nodevec_t words;
    int32_t slots[PLAIN_SLOTS]; /* index in words, or -1 */
} plain_ctx_t;

static size_t hash_word(const char *s, size_t n)
{
    return (size_t)(qy_fnv1a(s, n, QY_FNV_START) % PLAIN_SLOTS);
}

static int add_plain_word(void *ctx, const qy_token_t *tok)
{
    plain_ctx_t *c = ctx;
    if (c->words.n >= MAX_PLAIN_WORDS)
        return 1;
    size_t h = hash_word(tok->word, tok->word_len);
    while (c->slots[h] >= 0) {
        const qy_node_t *w = c->words.v[c->slots[h]];
        if (w->text_len == tok->word_len &&
            memcmp(w->text, tok->word, tok->word_len) == 0)
            return 0; /* seen */
        h = (h + 1) % PLAIN_SLOTS;
    }
    qy_node_t *n = word_node(c->p, tok, c->p->s);
    if (n)
        vec_push(c->p, &c->words, n);
    if (c->p->err)
        return 1;
    c->slots[h] = (int32_t)(c->words.n - 1);
    return 0;
}

/* The query as a question: its distinct words, stop words dropped unless
 * nothing else is left, OR-ed. */
static qy_node_t *parse_plain(parser_t *p)
{
    plain_ctx_t *c = malloc(sizeof *c);
    if (!c) {
        fail(p, P_NOMEM);
        return NULL;
    }
    c->p = p;
    memset(&c->words, 0, sizeof c->words);
    for (size_t i = 0; i < PLAIN_SLOTS; i++)
        c->slots[i] = -1;
    if (qy_tokenize(p->a, p->s, p->len, add_plain_word, c) != QY_OK)
        fail(p, P_NOMEM);
    nodevec_t words = c->words;
    free(c);
    if (p->err) {
        vec_free(p, &words);
        return NULL;
    }

    size_t kept = 0;
    for (size_t i = 0; i < words.n; i++)
        if (!qy_is_stopword(p->a, words.v[i]->text, words.v[i]->text_len))
            kept++;
    if (kept > 0 && kept < words.n && !p->keep_stop) {
        size_t o = 0;
        for (size_t i = 0; i < words.n; i++) {
            qy_node_t *w = words.v[i];
            if (qy_is_stopword(p->a, w->text, w->text_len))
                node_free(&p->nodes, w);
            else
                words.v[o++] = w;
        }
        words.n = o;
    }
    /* Distinct already: no need for make_group's search for duplicates. */
    return make_node(p, QY_N_OR, &words);
}

/* ---- Entry point --------------------------------------------------------- */

static void parser_init(parser_t *p, qy_analyzer_t *a, const char *s,
                        size_t len, int keep_stop)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->s = s;
    p->len = len;
    p->keep_stop = keep_stop;
}

qy_status_t qy_parse(qy_analyzer_t *a, const char *query, size_t len,
                     qy_parsed_t *out)
{
    return qy_parse_keeping(a, query, len, 0, out);
}

qy_status_t qy_parse_keeping(qy_analyzer_t *a, const char *query, size_t len,
                             int keep_stop, qy_parsed_t *out)
{
    parser_t p;
    qy_node_t *root = NULL;
    int fallback = 0;

    if (!out)
        return QY_INVALID;
    memset(out, 0, sizeof *out);
    if (!a || (!query && len))
        return QY_INVALID;
    if (!query)
        query = "";

    int syntax = looks_like_syntax(query, len);
    if (syntax) {
        parser_init(&p, a, query, len, keep_stop);
        root = parse_syntax(&p);
        if (!p.err && !root && p.dropped) {
            /* Only stop words: search for them rather than nothing. */
            parser_init(&p, a, query, len, 1);
            root = parse_syntax(&p);
        }
        if (p.err == P_NOMEM)
            return QY_NOMEM;
        /* Invalid, or nothing to search although there are words: take the
         * words (fallback stays 0 when there are none). */
        if (!root) {
            fallback = p.err == P_SYNTAX;
            parser_init(&p, a, query, len, keep_stop);
            root = parse_plain(&p);
            if (p.err)
                return QY_NOMEM;
            if (root)
                fallback = 1;
        }
    } else {
        parser_init(&p, a, query, len, keep_stop);
        root = parse_plain(&p);
        if (p.err)
            return QY_NOMEM;
    }
    out->root = root;
    out->syntax = syntax;
    out->fallback = fallback;
    return QY_OK;
}

/* ---- Description --------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int failed;
} sbuf_t;

static void put(sbuf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    /* Room for S and a '\0'. */
    char *p = n < SIZE_MAX - b->n
                  ? qy_reserve(b->s, b->n + n + 1, &b->cap, 1, 64)
                  : NULL;
    if (!p) {
        b->failed = 1;
        return;
    }
    b->s = p;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void put_str(sbuf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Bytes as they may appear on one line of UTF-8. */
static void put_clean(sbuf_t *b, const char *s, size_t n)
{
    size_t len;
    char *r = qy_utf8_repair(s ? s : "", s ? n : 0, &len);
    if (!r) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
            r[i] = ' ';
    put(b, r, len);
    free(r);
}

static void put_stem(sbuf_t *b, qy_analyzer_t *a, const qy_node_t *n)
{
    const char *word = n->text ? n->text : "";
    size_t len = n->text ? n->text_len : 0, slen = len;
    const char *stem = a ? qy_stem(a, word, len, &slen) : word;
    if (!stem) {
        b->failed = 1;
        return;
    }
    put_clean(b, stem, slen);
}

static void put_value(sbuf_t *b, const qy_node_t *n)
{
    const char *v = n->text ? n->text : "";
    size_t len = n->text ? n->text_len : 0;
    int quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = space_at(v, len, i) != 0 || (unsigned char)v[i] < 0x20;
    if (quote)
        put(b, "\"", 1);
    put_clean(b, v, len);
    if (quote)
        put(b, "\"", 1);
}

/* Whether every word of N, a phrase or NEAR, is a stop word: stop words
 * have no positions, so it is searched as an AND of them (core/search.c). */
static int only_stop_words(qy_analyzer_t *a, const qy_node_t *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind != QY_N_WORD ||
            !qy_is_stopword(a, n->kids[i]->text, n->kids[i]->text_len))
            return 0;
    return n->nkids > 0;
}

static void describe(sbuf_t *b, qy_analyzer_t *a, const qy_node_t *n, int bare)
{
    const char *sep = NULL;
    char buf[32];

    if (b->failed)
        return;
    switch (n->kind) {
    case QY_N_WORD:
        put_stem(b, a, n);
        return;
    case QY_N_PREFIX:
        put_clean(b, n->text, n->text_len);
        put(b, "*", 1);
        return;
    case QY_N_PHRASE:
    case QY_N_NEAR:
        if (only_stop_words(a, n)) {
            sep = " AND ";
            break;
        }
        if (n->kind == QY_N_PHRASE) {
            put(b, "\"", 1);
        } else {
            snprintf(buf, sizeof buf, "NEAR/%u(", n->window);
            put_str(b, buf);
        }
        for (size_t i = 0; i < n->nkids; i++) {
            if (i)
                put(b, " ", 1);
            describe(b, a, n->kids[i], 0);
        }
        put(b, n->kind == QY_N_PHRASE ? "\"" : ")", 1);
        return;
    case QY_N_FIELD:
        put_str(b, n->field ? n->field : "");
        put(b, ":", 1);
        if (n->nkids) {
            put(b, "(", 1);
            describe(b, a, n->kids[0], 1);
            put(b, ")", 1);
        } else {
            put_value(b, n);
        }
        return;
    case QY_N_AND:
        sep = " AND ";
        break;
    case QY_N_OR:
        sep = " OR ";
        break;
    case QY_N_AND_NOT:
        sep = " AND NOT ";
        break;
    case QY_N_AND_MAYBE:
        sep = " AND_MAYBE ";
        break;
    }
    if (!sep) {
        put_str(b, "?");
        return;
    }
    if (!bare)
        put(b, "(", 1);
    for (size_t i = 0; i < n->nkids; i++) {
        if (i)
            put_str(b, sep);
        describe(b, a, n->kids[i], 0);
    }
    if (!bare)
        put(b, ")", 1);
}

char *qy_node_describe(qy_analyzer_t *a, const qy_node_t *node)
{
    sbuf_t b = {0};
    put(&b, "", 0);
    if (node)
        describe(&b, a, node, 0);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
