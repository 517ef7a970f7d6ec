/* query's side of libquarry: its options as the library's search options,
 * and the library's results in the shape the printers read (printer.h).
 * query searches through the public API (quarry.h) like any other program;
 * the printers keep their plain structs. */
#include "results.h"

#include <stdlib.h>
#include <string.h>

quarry_status_t query_search_options(const qy_search_opts_t *opts,
                                     const char *lang,
                                     quarry_search_options_t **out)
{
    quarry_search_options_t *o = NULL;
    quarry_status_t st = quarry_search_options_create(&o);
    /* Each value was checked against the same range when parsed. */
    const quarry_status_t steps[] = {
        st,
        quarry_search_options_set_limit(o, opts->limit),
        quarry_search_options_set_offset(o, opts->offset),
        quarry_search_options_set_context(o, opts->snippet_words),
        quarry_search_options_set_k1(o, opts->k1),
        quarry_search_options_set_b(o, opts->b),
        quarry_search_options_set_title_weight(o, opts->title_weight),
        quarry_search_options_set_proximity(o, opts->proximity),
        quarry_search_options_set_feedback(o, opts->feedback_docs),
        quarry_search_options_set_feedback_terms(o, opts->feedback_terms),
        quarry_search_options_set_feedback_weight(o, opts->feedback_weight),
        quarry_search_options_set_repeats(o, opts->count_repeats),
        quarry_search_options_set_per_source(o, opts->per_source),
        quarry_search_options_set_duplicates(o, opts->keep_duplicates),
        quarry_search_options_set_explain(o, opts->explain),
        quarry_search_options_set_spelling(o, !opts->no_spelling),
        quarry_search_options_set_highlights(o, !opts->no_highlights),
        quarry_search_options_set_source_resolver(o, opts->resolve_source,
                                                  opts->resolve_ctx),
        quarry_search_options_set_language(o, lang),
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] != QUARRY_STATUS_SUCCESS) {
            st = steps[i];
            break;
        }
    if (st != QUARRY_STATUS_SUCCESS) {
        quarry_search_options_destroy(o);
        o = NULL;
    }
    *out = o;
    return st;
}

/* Copies the spans, places and score parts of HIT into H. */
static int view_hit(const quarry_hit_t *hit, qy_result_t *h)
{
    h->rank = quarry_hit_rank(hit);
    h->score = quarry_hit_score(hit);
    h->rec.source = quarry_hit_source(hit);
    h->rec.title = quarry_hit_title(hit);
    h->rec.text = quarry_hit_text(hit);
    h->rec.id = quarry_hit_id(hit);
    h->rec.meta = quarry_hit_meta(hit);
    h->rec.section = quarry_hit_section(hit);
    h->rec.from = quarry_hit_from(hit);
    h->rec.to = quarry_hit_to(hit);
    h->rec.date = quarry_hit_date(hit);
    h->rec.lang = quarry_hit_language(hit);
    h->rec.ordinal = quarry_hit_passage(hit);
    h->rec.page = quarry_hit_page(hit);
    unsigned long long offset, length;
    quarry_hit_offsets(hit, &offset, &length);
    h->rec.offset = offset;
    h->rec.length = length;
    quarry_hit_snippet(hit, &h->snippet.start, &h->snippet.end, &h->cut_before,
                       &h->cut_after);

    size_t n = quarry_hit_highlight_count(hit);
    if (n && !(h->highlights = calloc(n, sizeof *h->highlights)))
        return -1;
    for (; h->nhighlights < n; h->nhighlights++) {
        qy_span_t *s = &h->highlights[h->nhighlights];
        quarry_hit_highlight(hit, h->nhighlights, &s->start, &s->end);
    }
    n = quarry_hit_also_count(hit);
    if (n && !(h->also = calloc(n, sizeof *h->also)))
        return -1;
    for (; h->nalso < n; h->nalso++) {
        qy_location_t *l = &h->also[h->nalso];
        quarry_hit_also(hit, h->nalso, &l->source, &l->id, &l->ordinal);
    }
    n = quarry_hit_explain_count(hit);
    if (n && !(h->explain = calloc(n, sizeof *h->explain)))
        return -1;
    for (; h->nexplain < n; h->nexplain++) {
        const char *what;
        quarry_hit_explain(hit, h->nexplain, &what,
                           &h->explain[h->nexplain].weight);
        h->explain[h->nexplain].what = (char *)what; /* only read */
    }
    return 0;
}

int query_results_view(const quarry_results_t *results, qy_results_t *out)
{
    memset(out, 0, sizeof *out);
    out->parsed = (char *)quarry_results_parsed(results); /* only read */
    out->suggestion = (char *)quarry_results_suggestion(results);
    out->corrected = quarry_results_corrected(results);
    out->total = quarry_results_total(results);
    size_t n = quarry_results_count(results);
    if (n && !(out->hits = calloc(n, sizeof *out->hits)))
        return -1;
    for (; out->count < n; out->count++)
        if (view_hit(quarry_results_hit(results, out->count),
                     &out->hits[out->count]) != 0) {
            out->count++; /* freed with the others */
            return -1;
        }
    return 0;
}

void query_results_view_free(qy_results_t *view)
{
    for (size_t i = 0; i < view->count; i++) {
        free(view->hits[i].highlights);
        free(view->hits[i].also);
        free(view->hits[i].explain);
    }
    free(view->hits);
    memset(view, 0, sizeof *view);
}
