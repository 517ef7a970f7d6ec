/* fts5_load: the SQLite FTS5 side of the benchmark. Loads the passages of
 * a `bench_corpus tsv` file (id TAB title TAB passage) into a new FTS5
 * table, one row per passage, in one transaction:
 *
 *   CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, title UNINDEXED, body,
 *                                     tokenize = 'porter unicode61');
 *
 * FTS5 stores the text as quarry does; the title and id are stored, not
 * indexed. Prints "rows SECONDS" on standard output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "articles.h"

static FILE *in;

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "fts5_load: %s: %s\n", what, sqlite3_errmsg(db));
    sqlite3_close(db);
    if (in)
        fclose(in);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fts5_load DB PASSAGES.tsv\n");
        return 2;
    }
    in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        return 2;
    }
    double t0 = bench_now();
    sqlite3 *db = NULL;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return fail(db, argv[1]);
    if (sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, "
                     "title UNINDEXED, body, "
                     "tokenize = 'porter unicode61');"
                     "BEGIN;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "create");
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO p(id, title, body) "
                           "VALUES (?1, ?2, ?3)",
                           -1, &ins, NULL) != SQLITE_OK)
        return fail(db, "prepare");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long rows = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        if (line[got - 1] == '\n')
            line[--got] = '\0';
        char *title = strchr(line, '\t');
        char *body = title ? strchr(title + 1, '\t') : NULL;
        if (!body)
            continue;
        *title++ = '\0';
        *body++ = '\0';
        sqlite3_bind_text(ins, 1, line, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, body, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return fail(db, "insert");
        sqlite3_reset(ins);
        rows++;
    }
    free(line);
    fclose(in);
    in = NULL;
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "commit");
    if (sqlite3_close(db) != SQLITE_OK)
        return fail(db, "close");
    printf("%lu %.3f\n", rows, bench_now() - t0);
    return 0;
}
