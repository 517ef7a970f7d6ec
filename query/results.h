/* query's side of libquarry (query/results.c): its parsed options as the
 * library's search options, and the library's results as the plain structs
 * the printers read. */
#ifndef QUARRY_QUERY_RESULTS_H
#define QUARRY_QUERY_RESULTS_H

#include "quarry.h"
#include "quarry/search.h"

/* Search options holding OPTS, stemming the question in LANG (NULL: the
 * index's language). Returns the status of the first setter that refused
 * (UNKNOWN_LANGUAGE for LANG), *OUT NULL then. */
quarry_status_t query_search_options(const qy_search_opts_t *opts,
                                     const char *lang,
                                     quarry_search_options_t **out);

/* Fills *OUT with a view of RESULTS: its strings are borrowed from them,
 * its arrays are its own (query_results_view_free, also after a failure).
 * Returns 0, or -1 when out of memory. */
int query_results_view(const quarry_results_t *results, qy_results_t *out);
void query_results_view_free(qy_results_t *view);

#endif
