/* --count: the number of matching passages (the `total` of the JSON
 * output), alone on a line. */
#include "printer.h"

static int print_count(const printer_opts_t *opts, const qy_results_t *r)
{
    fprintf(opts->out, "%u\n", r->total);
    return 0;
}

/* The count needs no snippets. */
static void tune_count(qy_search_opts_t *search, int limit_given)
{
    (void)limit_given;
    search->no_highlights = 1;
}

const printer_t count_printer = {
    .print = print_count,
    .name = "count",
    .flags = PRINTER_BATCH,
    .tune = tune_count,
};
