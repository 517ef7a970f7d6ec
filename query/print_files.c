/* --files: the sources of the matching passages, one per line and each
 * once, best first, like `grep -l`. The paths are the absolute ones the
 * index stores, so the list means the same from any directory; control
 * characters in them are shown escaped, as in the text output. */
#include <stdlib.h>
#include <string.h>

#include "printer.h"

typedef struct entry {
    const char *source;
    size_t rank; /* position in the results */
} entry_t;

static int by_source_then_rank(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int c = strcmp(x->source, y->source);
    return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

static int print_files(const printer_opts_t *opts, const qy_results_t *r)
{
    size_t n = r->count;
    entry_t *e = malloc((n ? n : 1) * sizeof *e);
    unsigned char *first = calloc(n ? n : 1, 1);
    if (!e || !first) {
        free(e);
        free(first);
        return -1;
    }
    /* Sorted by source, the first of each run is its best passage. */
    for (size_t i = 0; i < n; i++)
        e[i] = (entry_t){r->hits[i].rec.source ? r->hits[i].rec.source : "",
                         i};
    qsort(e, n, sizeof *e, by_source_then_rank);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(e[i].source, e[i - 1].source) != 0)
            first[e[i].rank] = 1;
    for (size_t i = 0; i < n; i++) {
        if (!first[i])
            continue;
        const char *source = r->hits[i].rec.source ? r->hits[i].rec.source
                                                   : "";
        text_put_safe(opts->out, source, strlen(source));
        fputc('\n', opts->out);
    }
    free(e);
    free(first);
    return 0;
}

/* Every matching source, not only those of the first ten passages: the
 * best passage of each, unfolded, unless the user set --limit. Nothing is
 * highlighted. */
static void tune_files(qy_search_opts_t *search, int limit_given)
{
    search->per_source = 1;
    search->keep_duplicates = 1;
    search->no_highlights = 1;
    if (!limit_given)
        search->limit = QUERY_MAX_LIMIT;
}

const printer_t files_printer = {
    .print = print_files,
    .name = "files",
    .tune = tune_files,
};
