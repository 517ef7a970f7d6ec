/* The query language: a question in plain words, or a query in a small
 * syntax, parsed into a tree that core/search.c turns into a Xapian query. */
#ifndef QUARRY_QPARSE_H
#define QUARRY_QPARSE_H

#include <stddef.h>

#include "quarry/status.h"
#include "quarry/text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qy_node_kind {
    QY_N_WORD,      /* text: one normalised word (not stemmed) */
    QY_N_PREFIX,    /* text: normalised beginning of words, from `word*` */
    QY_N_PHRASE,    /* kids: QY_N_WORD in order, from "quoted words" */
    QY_N_NEAR,      /* kids: words within `window` positions in any order */
    QY_N_AND,       /* kids: all must match */
    QY_N_OR,        /* kids: any may match; more matches rank higher */
    QY_N_AND_NOT,   /* kids[0] must match, none of kids[1..] may */
    QY_N_AND_MAYBE, /* kids[0] must match, kids[1..] only add to the score */
    QY_N_FIELD      /* field: "title", "source", "id" or "date"; for title,
                       kids[0] is the sub-query; for the others text holds the
                       raw value (source path or glob, id, FROM..TO) */
} qy_node_kind_t;

typedef struct qy_node {
    qy_node_kind_t kind;
    char *text; /* NUL-terminated, or NULL */
    size_t text_len;
    char *field;     /* QY_N_FIELD only */
    unsigned window; /* QY_N_NEAR only */
    int acronym;     /* QY_N_WORD: typed in capitals, no small letter */
    struct qy_node **kids;
    size_t nkids;
} qy_node_t;

typedef struct qy_parsed {
    qy_node_t *root; /* NULL when the query has no searchable word */
    int syntax;      /* 1: the query used the syntax; 0: plain words */
    int fallback;    /* 1: the syntax was invalid, searched as plain words */
} qy_parsed_t;

/* Parses QUERY (UTF-8, may be invalid) with A's tokenizer and stop words.
 *
 * Plain words (a question): stop words and question words are dropped unless
 * nothing else would remain; the rest are OR-ed.
 *
 * Syntax, used as soon as the query contains any of it: `AND`, `OR`, `NOT`
 * (upper case), `a NEAR b` / `a NEAR/5 b` (default window 10), `+must`,
 * `-mustnot`, `"a phrase"`, `prefix*`, `( ... )`, `title:word`,
 * `title:"a phrase"`, `title:(...)`, `source:PATH-OR-GLOB`, `id:ID`,
 * `date:FROM..TO` (either end may be empty). Adjacent terms are OR-ed;
 * `source:`, `id:` and `date:` filters restrict the terms beside them (AND),
 * several values of one such field are OR-ed.
 * Precedence, loosest first: OR, AND, NOT, NEAR. Stop words are dropped
 * outside phrases. Invalid syntax (an unbalanced quote or parenthesis, an
 * operator with a missing operand) parses as plain words, fallback = 1.
 *
 * Returns QY_OK, QY_NOMEM, or QY_INVALID for a NULL analyzer or output.
 * Free with qy_parsed_free. */
qy_status_t qy_parse(qy_analyzer_t *a, const char *query, size_t len,
                     qy_parsed_t *out);
/* qy_parse, keeping the stop words when KEEP_STOP is non-zero. */
qy_status_t qy_parse_keeping(qy_analyzer_t *a, const char *query, size_t len,
                             int keep_stop, qy_parsed_t *out);
void qy_parsed_free(qy_parsed_t *parsed);

/* The tree as one line of text, words stemmed with A, e.g.
 * `(steal OR cryptocurr)`; malloc'd, NULL when out of memory. */
char *qy_node_describe(qy_analyzer_t *a, const qy_node_t *node);

#ifdef __cplusplus
}
#endif

#endif
