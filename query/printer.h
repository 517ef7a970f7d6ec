/* The interface every output format of `query` implements. A format is one
 * file, query/print_NAME.c, defining NAME_printer, plus its name in
 * QUERY_PRINTERS below; query.c finds it there for --format NAME. */
#ifndef QUARRY_QUERY_PRINTER_H
#define QUARRY_QUERY_PRINTER_H

#include <stdio.h>

#include "quarry/search.h"
#include "quarry/text.h"

/* The most hits one search returns (--limit's bound). */
#define QUERY_MAX_LIMIT 100000

/* Every format, in the order --help lists them; the first is the default. */
#define QUERY_PRINTERS(X) X(text) X(json) X(jsonl) X(files) X(count)

/* What the printers are told besides the results. A zeroed tail means the
 * defaults, so that `{out, color, query}` is a complete set. */
typedef struct printer_opts {
    FILE *out;
    int color;         /* ANSI colour and bold for a terminal */
    const char *query; /* the question as the user gave it */
    /* Strings written around each matched word of a snippet; NULL: the
     * ANSI highlight when COLOR, else none. */
    const char *mark_start, *mark_end;
    /* Splits passages into words for extra snippet fragments; NULL: one
     * fragment per hit. */
    qy_analyzer_t *analyzer;
    unsigned context_words; /* words of a snippet window; 0: the default */
    int show_parsed;        /* --parsed: say how the query was understood */
    int explain;            /* --explain: the hits carry their score parts */
    /* The text format wraps its lines at this many columns (a terminal's,
     * or --width); 0: no wrapping. */
    unsigned width;
} printer_opts_t;

enum {
    /* Prints one line per question, so --batch can use it. */
    PRINTER_BATCH = 1 << 0,
    /* The output carries `parsed` and the spelling suggestion itself;
     * for other formats query.c writes them to standard error. */
    PRINTER_NOTES = 1 << 1,
};

typedef struct printer {
    /* Prints RESULTS. Returns 0, or -1 when out of memory. */
    int (*print)(const printer_opts_t *opts, const qy_results_t *results);
    const char *name; /* the --format value */
    unsigned flags;   /* PRINTER_* */
    /* Optional: adjusts the search to what the format shows (LIMIT_GIVEN:
     * the user chose --limit). */
    void (*tune)(qy_search_opts_t *search, int limit_given);
} printer_t;

#define QUERY_DECLARE_PRINTER(name) extern const printer_t name##_printer;
QUERY_PRINTERS(QUERY_DECLARE_PRINTER)
#undef QUERY_DECLARE_PRINTER

/* Writes the notes a person reads before the hits: with --parsed the query
 * as understood, and the spelling suggestion ("Did you mean: ...") with,
 * when the hits answer it, a line saying so. Terminal-safe. Returns the
 * number of lines written. */
int text_print_notes(FILE *out, const printer_opts_t *opts,
                     const qy_results_t *results);

/* Writes TEXT[0..LEN) for a terminal: control characters, bidirectional
 * controls and invalid UTF-8 are shown escaped (\xHH, \uHHHH). */
void text_put_safe(FILE *out, const char *text, size_t len);

#endif
