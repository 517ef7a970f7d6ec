/* What the indexer tells the user: a progress line on a terminal, and a
 * summary at the end, as text or as one JSON object. */
#ifndef QUARRY_INDEXER_PROGRESS_H
#define QUARRY_INDEXER_PROGRESS_H

#include <stdio.h>
#include <time.h>

typedef struct ix_stats {
    unsigned added, updated, removed, unchanged, skipped; /* files */
    unsigned long long passages; /* written in this run */
    unsigned long long dropped;  /* blocks of text not made passages */
    unsigned long long bytes;    /* of input read */
    unsigned warnings;
} ix_stats_t;

typedef struct ix_progress {
    int enabled; /* standard error is a terminal and not --quiet */
    int shown;   /* a progress line is on the screen */
    struct timespec start, last;
} ix_progress_t;

/* Starts the clock. ENABLED: draw the progress line. */
void ix_progress_init(ix_progress_t *p, int enabled);

/* Seconds since ix_progress_init. */
double ix_progress_elapsed(const ix_progress_t *p);

/* Redraws the progress line, at most ten times a second. */
void ix_progress_update(ix_progress_t *p, const ix_stats_t *s);

/* Replaces the progress line by "indexer: WHAT..." for a long step at the
 * end of the run, such as the merge. */
void ix_progress_note(ix_progress_t *p, const char *what);

/* Erases the progress line, before a warning or the summary. */
void ix_progress_clear(ix_progress_t *p);

/* The summary as one line of text on OUT. */
void ix_summary_text(FILE *out, const char *progname, const ix_stats_t *s,
                     const char *index, unsigned total, double seconds,
                     int interrupted);

/* The summary as one JSON object on one line of OUT (schema in README.md).
 * Returns 0, or -1 when out of memory. */
int ix_summary_json(FILE *out, const ix_stats_t *s, const char *index,
                    unsigned total, double seconds, int interrupted,
                    int status);

#endif
