/* quarry_query: times the top-10 search of each line of QUERIES on a quarry
 * index, in one process, through qy_search: the parsing, ranking,
 * highlighting and snippets that `query` does, without starting a program
 * per question.
 *
 *   quarry_query [--feedback N] [--threads 1] [--hits] QUERIES INDEX...
 *
 * --feedback N sets the passages of pseudo-relevance feedback (0: none;
 * default: the library's). --threads 1 searches on one thread (default:
 * one per core on a large index, as `query` does). Prints one line per
 * query on standard output: milliseconds TAB hits; with --hits, then TAB
 * the matching total and each hit as TAB id-or-source:ordinal SPACE score
 * (to compare the answers of two settings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "articles.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/xdb.h"

int main(int argc, char **argv)
{
    int feedback = -1, one_thread = 0, hits = 0;
    for (;;) {
        if (argc > 2 && strcmp(argv[1], "--feedback") == 0) {
            char *end;
            long v = strtol(argv[2], &end, 10);
            if (*end || v < 0 || v > 1000) {
                fprintf(stderr, "quarry_query: bad --feedback '%s'\n", argv[2]);
                return 2;
            }
            feedback = (int)v;
            argv += 2;
            argc -= 2;
        } else if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
            if (strcmp(argv[2], "1") != 0) {
                fprintf(stderr, "quarry_query: bad --threads '%s' (only 1)\n",
                        argv[2]);
                return 2;
            }
            one_thread = 1;
            argv += 2;
            argc -= 2;
        } else if (argc > 1 && strcmp(argv[1], "--hits") == 0) {
            hits = 1;
            argv++;
            argc--;
        } else {
            break;
        }
    }
    if (argc < 3) {
        fprintf(stderr, "usage: quarry_query [--feedback N] [--threads 1] "
                        "[--hits] QUERIES INDEX...\n");
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
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    if (feedback >= 0)
        opts.feedback_docs = (unsigned)feedback;
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
    free(line);
    fclose(in);
    qy_analyzer_free(a);
    qy_db_close(db);
    free(lang);
    return rc;
}
