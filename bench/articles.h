/* Reading the benchmark corpus: JSON Lines articles ({"id", "title",
 * "text"}, paragraphs of text separated by "\n") split into the passages
 * quarry indexes, so that every system under test gets the same
 * paragraphs. */
#ifndef QUARRY_BENCH_ARTICLES_H
#define QUARRY_BENCH_ARTICLES_H

#include <stdio.h>

#include "quarry/passage.h"

typedef struct bench_article {
    char *id;            /* "" when the line has none */
    char *title;         /* cleaned like passage text; "" when none */
    qy_article_t split;  /* the passages of text, one per kept paragraph */
} bench_article_t;

typedef struct bench_reader {
    FILE *in;
    const char *name;    /* for messages */
    char *line;
    size_t cap;
    unsigned long lineno;
    char *buf;           /* the text laid out for qy_split_plain */
    size_t buf_cap;
} bench_reader_t;

/* Starts reading IN (named NAME in messages). */
void bench_reader_init(bench_reader_t *r, FILE *in, const char *name);
void bench_reader_free(bench_reader_t *r);

/* Reads the next article into *ART (free it with bench_article_free).
 * Each "\n"-separated paragraph of text is judged on its own, exactly as
 * qy_split_plain judges a paragraph (at least five words, no copyright
 * line). Returns 1 for an article, 0 at the end, -1 after printing a
 * one-line error. Lines that are not JSON objects are skipped with a
 * warning. */
int bench_read_article(bench_reader_t *r, bench_article_t *art);
void bench_article_free(bench_article_t *art);

/* Seconds on a monotonic clock. */
double bench_now(void);

#endif
