/* The interface every output format of `query` implements, so that adding a
 * format touches one file. */
#ifndef QUARRY_QUERY_PRINTER_H
#define QUARRY_QUERY_PRINTER_H

#include <stdio.h>

#include "quarry/search.h"

typedef struct printer_opts {
    FILE *out;
    int color;          /* ANSI colour and bold for a terminal */
    const char *query;  /* the question as the user gave it */
} printer_opts_t;

typedef struct printer {
    /* Prints RESULTS. Returns 0, or -1 when out of memory. */
    int (*print)(const printer_opts_t *opts, const qy_results_t *results);
} printer_t;

extern const printer_t text_printer;
extern const printer_t json_printer;

#endif
