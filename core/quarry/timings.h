/* Where one answer's time goes: wall-clock milliseconds per stage, summed
 * over a run and printed to standard error when QUARRY_TIMINGS is set to a
 * non-empty value other than 0. Off, each call costs a branch. */
#ifndef QUARRY_TIMINGS_H
#define QUARRY_TIMINGS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qy_stage {
    QY_STAGE_OPEN,     /* opening the index, its metadata, the analyzer */
    QY_STAGE_PARSE,    /* parsing the question, choosing its words */
    QY_STAGE_FORMS,    /* irregular forms and acronyms of its words */
    QY_STAGE_SPELLING, /* the "Did you mean" lookups */
    QY_STAGE_SEARCH,   /* the ranked search */
    QY_STAGE_COUNT,    /* counting every matching passage */
    QY_STAGE_FEEDBACK, /* the feedback search and its expansion terms */
    QY_STAGE_HITS,     /* reading the hits' stored records */
    QY_STAGE_FOLD,     /* folding near-duplicates */
    QY_STAGE_SNIPPETS, /* highlights and snippet windows */
    QY_STAGE_PRINT,    /* printing the answer */
    QY_STAGE_COUNT_OF_STAGES
} qy_stage_t;

/* Whether timings are on (QUARRY_TIMINGS, read once). */
int qy_timings_on(void);
/* A monotonic clock in milliseconds, or 0 when timings are off. */
double qy_timings_now(void);
/* Adds the milliseconds since START (a qy_timings_now value) to STAGE and
 * returns the clock now, to start the next stage from. */
double qy_timings_add(qy_stage_t stage, double start);
/* Prints "PROGNAME: timings (ms): open X ... total Y" to OUT, TOTAL being
 * the milliseconds since START; nothing when timings are off. */
void qy_timings_report(FILE *out, const char *progname, double start);

#ifdef __cplusplus
}
#endif

#endif
