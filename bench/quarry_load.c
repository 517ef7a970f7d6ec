/* quarry_load: indexes a JSON Lines file on several cores through the core
 * library's bulk loader (core/quarry/bulk.h), as `indexer` does for one
 * JSON Lines file when it runs its documents on worker threads:
 *
 *   quarry_load [--jobs N] [--batch N] -d INDEX FILE.jsonl
 *
 * Prints "passages SECONDS" on standard output. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "articles.h"
#include "quarry/bulk.h"
#include "quarry/schema.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: quarry_load [--jobs N] [--batch N] -d INDEX FILE.jsonl\n");
    return 2;
}

static int parse_count(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > 1000000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int main(int argc, char **argv)
{
    qy_bulk_opts_t opts = {0, 0, 0};
    const char *index = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], &opts.jobs))
                return usage();
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], &opts.batch))
                return usage();
        } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
            index = argv[++i];
        } else if (!file && argv[i][0] != '-') {
            file = argv[i];
        } else {
            return usage();
        }
    }
    if (!index || !file)
        return usage();
    char source[PATH_MAX];
    FILE *in = realpath(file, source) ? fopen(source, "r") : NULL;
    if (!in) {
        fprintf(stderr, "quarry_load: %s: %s\n", file, strerror(errno));
        return 2;
    }
    double t0 = bench_now();
    qy_db_t *db = NULL;
    qy_bulk_t *bulk = NULL;
    char *error = NULL;
    qy_status_t st = qy_db_open_write(index, 0, &db, &error);
    if (st == QY_OK)
        st = qy_schema_prepare(db, "english", NULL, &error);
    if (st == QY_OK)
        st = qy_bulk_new(db, &opts, &bulk, &error);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while (st == QY_OK && (got = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[got - 1] == '\n')
            line[--got] = '\0';
        qy_jsonl_doc_t doc;
        const char *why = NULL;
        qy_status_t parsed = qy_jsonl_parse(line, (size_t)got, &doc, &why);
        if (parsed == QY_INVALID) {
            fprintf(stderr, "quarry_load: %s:%lu: %s, skipped\n", file, lineno,
                    why ? why : "not a document");
            continue;
        }
        st = parsed;
        if (st == QY_OK)
            st = qy_bulk_add_jsonl(bulk, source, &doc);
    }
    free(line);
    fclose(in);
    if (st == QY_OK) {
        st = qy_bulk_finish(bulk, &db, NULL, &error);
        bulk = NULL;
    }
    qy_bulk_free(bulk);
    qy_db_close(db);
    double secs = bench_now() - t0;
    unsigned passages = 0;
    db = NULL;
    if (st == QY_OK)
        st = qy_db_open_read(&index, 1, &db, &error);
    if (st == QY_OK)
        st = qy_db_doc_count(db, &passages);
    qy_db_close(db);
    if (st != QY_OK) {
        fprintf(stderr, "quarry_load: %s\n",
                error ? error : qy_status_to_string(st));
        free(error);
        return 2;
    }
    printf("%u %.3f\n", passages, secs);
    return 0;
}
