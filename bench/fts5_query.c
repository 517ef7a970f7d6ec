/* fts5_query: times the top-10 search of each line of QUERIES on an FTS5
 * table loaded by fts5_load, the way an application would ask it: the
 * question's words, each quoted, OR-ed together, ranked by FTS5's bm25,
 * with a snippet of each hit. With --stopwords the words quarry drops (its
 * English stop words and question words) are left out first.
 *
 * Prints one line per query on standard output: milliseconds TAB hits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "articles.h"
#include "quarry/text.h"

/* Appends to *Q the words of LINE: runs of ASCII letters and digits and of
 * non-ASCII bytes, lower-cased, quoted and joined by OR. */
static size_t build_match(qy_analyzer_t *stop, const char *line, char *q,
                          size_t cap)
{
    size_t o = 0, words = 0;
    const char *p = line;
    q[0] = '\0';
    while (*p) {
        while (*p &&
               !(((unsigned char)*p >= 0x80) || (*p >= '0' && *p <= '9') ||
                 (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            p++;
        const char *s = p;
        while (*p && (((unsigned char)*p >= 0x80) || (*p >= '0' && *p <= '9') ||
                      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0 || o + n + 8 >= cap)
            continue;
        char word[256];
        if (n >= sizeof word)
            continue;
        for (size_t i = 0; i < n; i++)
            word[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        word[n] = '\0';
        if (stop && qy_is_stopword(stop, word, n))
            continue;
        o += (size_t)snprintf(q + o, cap - o, "%s\"%s\"", words ? " OR " : "",
                              word);
        words++;
    }
    return words;
}

int main(int argc, char **argv)
{
    int stopwords = argc > 1 && strcmp(argv[1], "--stopwords") == 0;
    if (argc != 3 + stopwords) {
        fprintf(stderr, "usage: fts5_query [--stopwords] DB QUERIES\n");
        return 2;
    }
    const char *dbpath = argv[1 + stopwords], *qpath = argv[2 + stopwords];
    qy_analyzer_t *stop = NULL;
    if (stopwords && qy_analyzer_new("english", &stop) != QY_OK)
        return 2;
    FILE *in = fopen(qpath, "r");
    if (!in) {
        perror(qpath);
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_query: %s: %s\n", dbpath, sqlite3_errmsg(db));
        sqlite3_close(db);
        fclose(in);
        return 2;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT rowid, title, "
                           "snippet(p, 2, '', '', '...', 40), bm25(p) "
                           "FROM p WHERE p MATCH ?1 ORDER BY rank LIMIT 10",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_query: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        fclose(in);
        return 2;
    }
    char *line = NULL, q[16384];
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        if (line[got - 1] == '\n')
            line[got - 1] = '\0';
        double t0 = bench_now();
        unsigned hits = 0;
        if (build_match(stop, line, q, sizeof q) > 0) {
            sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
            int s;
            while ((s = sqlite3_step(st)) == SQLITE_ROW)
                hits++;
            if (s != SQLITE_DONE) {
                fprintf(stderr, "fts5_query: %s: %s\n", line,
                        sqlite3_errmsg(db));
                rc = 2;
            }
            sqlite3_reset(st);
        }
        printf("%.3f\t%u\n", (bench_now() - t0) * 1000.0, hits);
    }
    free(line);
    fclose(in);
    sqlite3_finalize(st);
    sqlite3_close(db);
    qy_analyzer_free(stop);
    return rc;
}
