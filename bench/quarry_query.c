/* quarry_query: times the top-10 search of each line of QUERIES on a quarry
 * index, in one process, through qy_search: the parsing, ranking,
 * highlighting and snippets that `query` does, without starting a program
 * per question.
 *
 *   quarry_query [--feedback N] [--feedback-terms N] [--feedback-weight X]
 *                [--repeats 0|1] [--threads 1] [--hits] [--floor]
 *                QUERIES INDEX...
 *
 * --feedback N sets the passages of pseudo-relevance feedback (0: none;
 * default: the library's), --feedback-terms and --feedback-weight its terms
 * and their share of the score, --repeats whether a repeated question word
 * weighs more (query's options of the same names). --threads 1 searches on one
 * thread (default: one per core on a large index, as `query` does). Prints one
 * line per query on standard output: milliseconds TAB hits; with --hits, then
 * TAB the matching total and each hit as TAB id-or-source:ordinal SPACE score
 * (to compare the answers of two settings).
 *
 * --floor also times Xapian's own matcher on the same index and stems, on
 * one thread: a plain OR of the stems quarry searched (of a question of
 * more than QY_QUESTION_MAX_WORDS stems, the rarest that many), BM25 with
 * quarry's k1 and b, no title terms, forms or counting, top 10 then top 30.
 * Each line then ends with TAB floor-10-ms TAB floor-30-ms, and standard
 * error gets the p50 / p95 / p99 of the three columns: what quarry's search
 * costs beyond the matcher's own. Under QUARRY_TIMINGS=1 the stages of
 * every qy_search are summed and printed to standard error at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "articles.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/timings.h"
#include "quarry/xdb.h"

enum { MAX_FLOOR_TERMS = 512 };

typedef struct floor_terms {
    const char *t[MAX_FLOOR_TERMS]; /* within the caller's text */
    unsigned freq[MAX_FLOOR_TERMS];
    size_t n;
} floor_terms_t;

/* The stems of TEXT, a copy of quarry's description of a question ("(a OR
 * b); also: ..."), NUL-separated in place, into *FT; of more than
 * QY_QUESTION_MAX_WORDS, the rarest in DB. */
static void floor_terms(qy_db_t *db, char *text, floor_terms_t *ft)
{
    ft->n = 0;
    if (!text)
        return;
    char *s = text, *end = strstr(s, "; also: ");
    if (end)
        *end = '\0';
    if (*s == '(')
        s++;
    size_t len = strlen(s);
    if (len && s[len - 1] == ')')
        s[--len] = '\0';
    while (*s && ft->n < MAX_FLOOR_TERMS) {
        char *sep = strstr(s, " OR ");
        if (sep)
            *sep = '\0';
        ft->freq[ft->n] = 0;
        qy_db_term_freq(db, s, strlen(s), &ft->freq[ft->n]);
        ft->t[ft->n++] = s;
        if (!sep)
            break;
        s = sep + 4;
    }
    while (ft->n > QY_QUESTION_MAX_WORDS) { /* drop the most frequent */
        size_t worst = 0;
        for (size_t i = 1; i < ft->n; i++)
            if (ft->freq[i] >= ft->freq[worst])
                worst = i;
        ft->t[worst] = ft->t[ft->n - 1];
        ft->freq[worst] = ft->freq[ft->n - 1];
        ft->n--;
    }
}

/* Milliseconds of the plain matcher's search of FT for the top LIMIT. */
static double floor_search(qy_db_t *db, const floor_terms_t *ft,
                           const qy_search_opts_t *opts, unsigned limit,
                           unsigned threads)
{
    qy_query_t *subs[MAX_FLOOR_TERMS];
    size_t n = 0;
    for (size_t i = 0; i < ft->n; i++)
        if ((subs[n] = qy_query_term(ft->t[i], strlen(ft->t[i]), 1, 0)))
            n++;
    if (n == 0)
        return 0;
    qy_query_t *q = qy_query_combine(QY_Q_OR, subs, n, 0);
    for (size_t i = 0; i < n; i++)
        qy_query_free(subs[i]);
    qy_search_params_t params = {.k1 = opts->k1, .b = opts->b, .limit = limit};
    qy_mset_t *mset = NULL;
    qy_db_set_search_threads(db, 1, QY_PARALLEL_MIN_DOCS);
    double t0 = bench_now();
    if (q)
        qy_db_search(db, q, &params, &mset);
    double ms = (bench_now() - t0) * 1000.0;
    qy_db_set_search_threads(db, threads, QY_PARALLEL_MIN_DOCS);
    qy_mset_free(mset);
    qy_query_free(q);
    return ms;
}

/* The three columns of TIMES grown to twice *CAP (256 at first); 0 when
 * out of memory, TIMES then as they were. */
static int grow_times(double *times[3], size_t *cap)
{
    size_t want = *cap ? 2 * *cap : 256;
    for (int i = 0; i < 3; i++) {
        double *t = realloc(times[i], want * sizeof *t);
        if (!t)
            return 0;
        times[i] = t;
    }
    *cap = want;
    return 1;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "p50 / p95 / p99" of the N figures V (nearest rank), to standard error. */
static void print_percentiles(const char *what, double *v, size_t n)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, by_value);
    const double p[3] = {0.50, 0.95, 0.99};
    fprintf(stderr, "%-24s", what);
    for (int i = 0; i < 3; i++) {
        size_t k = (size_t)(p[i] * (double)n + 0.999999);
        fprintf(stderr, "%s%.2f", i ? " / " : " ", v[k < 1 ? 0 : k - 1]);
    }
    fputc('\n', stderr);
}

/* Parses NAME's number ARG into *V, within [0, MAX]; 0 when it is not. */
static int number(const char *name, const char *arg, double max, double *v)
{
    char *end;
    *v = strtod(arg, &end);
    if (end == arg || *end || !(*v >= 0) || *v > max) {
        fprintf(stderr, "quarry_query: bad %s '%s'\n", name, arg);
        return 0;
    }
    return 1;
}

typedef struct flags {
    int one_thread, hits, floor;
} flags_t;

/* The options before QUERIES, into *OPTS and *F; *ARGV and *ARGC are left
 * at the last option. 0 on a bad one. */
static int parse_options(int *argc, char ***argv, qy_search_opts_t *opts,
                         flags_t *f)
{
    for (;;) {
        double v;
        char **a = *argv;
        const char *opt = *argc > 2 ? a[1] : "";
        int used = 2; /* the option and its argument */
        if (*argc > 1 && strcmp(a[1], "--hits") == 0) {
            f->hits = 1;
            used = 1;
        } else if (*argc > 1 && strcmp(a[1], "--floor") == 0) {
            f->floor = 1;
            used = 1;
        } else if (strcmp(opt, "--feedback") == 0) {
            if (!number(opt, a[2], 1000, &v))
                return 0;
            opts->feedback_docs = (unsigned)v;
        } else if (strcmp(opt, "--feedback-terms") == 0) {
            if (!number(opt, a[2], 1000, &v))
                return 0;
            opts->feedback_terms = (unsigned)v;
        } else if (strcmp(opt, "--feedback-weight") == 0) {
            if (!number(opt, a[2], 1, &opts->feedback_weight))
                return 0;
        } else if (strcmp(opt, "--repeats") == 0) {
            if (!number(opt, a[2], 1, &v))
                return 0;
            opts->count_repeats = v > 0;
        } else if (strcmp(opt, "--threads") == 0) {
            if (strcmp(a[2], "1") != 0) {
                fprintf(stderr, "quarry_query: bad --threads '%s' (only 1)\n",
                        a[2]);
                return 0;
            }
            f->one_thread = 1;
        } else {
            return 1;
        }
        *argv += used;
        *argc -= used;
    }
}

int main(int argc, char **argv)
{
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    flags_t f = {0};
    if (!parse_options(&argc, &argv, &opts, &f))
        return 2;
    int one_thread = f.one_thread, hits = f.hits, floor = f.floor;
    if (argc < 3) {
        fprintf(stderr, "usage: quarry_query [--feedback N] [--feedback-terms "
                        "N] [--feedback-weight X] [--repeats 0|1] [--threads "
                        "1] [--hits] [--floor] QUERIES INDEX...\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    char *error = NULL, *lang = NULL;
    qy_status_t st = qy_db_open_read((const char *const *)argv + 2,
                                     (size_t)argc - 2, &db, &error);
    if (st == QY_OK)
        st = qy_schema_read(db, &lang, &error);
    if (st == QY_OK)
        st = qy_analyzer_new(lang, &a);
    if (st == QY_OK)
        qy_analyzer_set_format(a, qy_schema_format(db));
    if (st != QY_OK) {
        fprintf(stderr, "quarry_query: %s\n",
                error ? error : qy_status_to_string(st));
        free(error);
        free(lang);
        qy_db_close(db);
        fclose(in);
        return 2;
    }
    if (one_thread)
        qy_db_set_search_threads(db, 1, QY_PARALLEL_MIN_DOCS);
    double start = qy_timings_now();
    double *times[3] = {NULL, NULL, NULL};
    size_t ntimes = 0, times_cap = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        if (line[got - 1] == '\n')
            line[got - 1] = '\0';
        qy_results_t res = {0};
        double t0 = bench_now();
        st = qy_search(db, a, line, &opts, &res, &error);
        double ms = (bench_now() - t0) * 1000.0;
        if (st != QY_OK) {
            fprintf(stderr, "quarry_query: %s: %s\n", line,
                    error ? error : qy_status_to_string(st));
            free(error);
            error = NULL;
            rc = 2;
        }
        printf("%.3f\t%zu", ms, res.count);
        if (floor && ntimes == times_cap && !grow_times(times, &times_cap)) {
            fprintf(stderr, "quarry_query: out of memory\n");
            qy_results_free(&res);
            rc = 2;
            break;
        }
        if (floor) {
            floor_terms_t ft;
            char *text = strdup(res.parsed ? res.parsed : "");
            floor_terms(db, text, &ft);
            unsigned threads = one_thread ? 1 : 0;
            times[0][ntimes] = ms;
            times[1][ntimes] = floor_search(db, &ft, &opts, 10, threads);
            times[2][ntimes] = floor_search(db, &ft, &opts, 30, threads);
            printf("\t%.3f\t%.3f", times[1][ntimes], times[2][ntimes]);
            ntimes++;
            free(text);
        }
        if (hits) {
            printf("\t%u", res.total);
            for (size_t i = 0; i < res.count; i++) {
                const qy_record_t *r = &res.hits[i].rec;
                printf("\t%s:%u %.17g", *r->id ? r->id : r->source, r->ordinal,
                       res.hits[i].score);
            }
        }
        putchar('\n');
        qy_results_free(&res);
    }
    if (floor) {
        fprintf(stderr, "%zu queries, ms p50 / p95 / p99:\n", ntimes);
        print_percentiles("quarry (qy_search)", times[0], ntimes);
        print_percentiles("floor, top 10", times[1], ntimes);
        print_percentiles("floor, top 30", times[2], ntimes);
    }
    qy_timings_report(stderr, "quarry_query", start);
    for (int i = 0; i < 3; i++)
        free(times[i]);
    free(line);
    fclose(in);
    qy_analyzer_free(a);
    qy_db_close(db);
    free(lang);
    return rc;
}
