/* bench_corpus: turns the JSON Lines benchmark corpus into what each system
 * under test reads, with the same paragraphs for all of them.
 *
 *   bench_corpus tsv          < articles.jsonl   id TAB title TAB passage
 *   bench_corpus paragraphs   < articles.jsonl   passages between blank lines
 *   bench_corpus titles EVERY < articles.jsonl   every EVERY-th title
 *   bench_corpus repeat N     < articles.jsonl   N copies, distinct ids
 *
 * Passages are the "\n"-separated paragraphs of each article's text that
 * quarry keeps (five words or more, no copyright line), cleaned of
 * whitespace runs, so none holds a tab or a line break. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "articles.h"

static int usage(void)
{
    fprintf(stderr, "usage: bench_corpus tsv|paragraphs|titles EVERY|"
                    "repeat N < articles.jsonl\n");
    return 2;
}

static int parse_count(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v == 0 || v > 1000000) {
        fprintf(stderr,
                "bench_corpus: '%s' is not a count from 1 to "
                "1000000\n",
                s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Writes N copies of every line; copy K > 1 gets the id "ID~K", so each
 * copy is a distinct document with the same text. */
static int repeat(unsigned long n)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    /* Buffer the input: the copies go out one whole corpus after another,
     * as a larger collection would look, not line by line. */
    char **lines = NULL;
    size_t count = 0, lcap = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        if (count == lcap) {
            lcap = lcap ? 2 * lcap : 1024;
            char **more = realloc(lines, lcap * sizeof *lines);
            if (!more)
                break;
            lines = more;
        }
        if (!(lines[count] = malloc((size_t)got + 1)))
            break;
        memcpy(lines[count], line, (size_t)got + 1);
        count++;
    }
    free(line);
    if (!feof(stdin)) {
        fprintf(stderr, "bench_corpus: out of memory\n");
        for (size_t i = 0; i < count; i++)
            free(lines[i]);
        free(lines);
        return 2;
    }
    int rc = 0;
    for (unsigned long k = 1; k <= n && rc == 0; k++) {
        for (size_t i = 0; i < count && rc == 0; i++) {
            lineno = i + 1;
            if (k == 1) {
                fputs(lines[i], stdout);
                continue;
            }
            cJSON *obj = cJSON_Parse(lines[i]);
            if (!cJSON_IsObject(obj)) {
                fprintf(stderr, "stdin:%lu: not a JSON object, skipped\n",
                        lineno);
                cJSON_Delete(obj);
                continue;
            }
            char buf[512];
            cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
            if (cJSON_IsString(id))
                snprintf(buf, sizeof buf, "%s~%lu", id->valuestring, k);
            else if (cJSON_IsNumber(id))
                snprintf(buf, sizeof buf, "%.17g~%lu", id->valuedouble, k);
            else
                snprintf(buf, sizeof buf, "%lu~%lu", lineno, k);
            cJSON_ReplaceItemInObjectCaseSensitive(obj, "id",
                                                   cJSON_CreateString(buf));
            char *out = cJSON_PrintUnformatted(obj);
            if (out) {
                fputs(out, stdout);
                fputc('\n', stdout);
            } else {
                rc = 2;
            }
            free(out);
            cJSON_Delete(obj);
        }
    }
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    unsigned long every = 0;
    if (strcmp(mode, "repeat") == 0) {
        unsigned long n;
        if (argc != 3 || parse_count(argv[2], &n) != 0)
            return usage();
        int rc = repeat(n);
        return fflush(stdout) == 0 && rc == 0 ? 0 : 2;
    }
    if (strcmp(mode, "titles") == 0) {
        if (argc != 3 || parse_count(argv[2], &every) != 0)
            return usage();
    } else if ((strcmp(mode, "tsv") != 0 && strcmp(mode, "paragraphs") != 0) ||
               argc != 2) {
        return usage();
    }

    bench_reader_t r;
    bench_article_t art;
    bench_reader_init(&r, stdin, "stdin");
    unsigned long articles = 0, passages = 0;
    int got;
    while ((got = bench_read_article(&r, &art)) == 1) {
        articles++;
        if (every) {
            if (articles % every == 0 && *art.title)
                printf("%s\n", art.title);
        } else {
            for (size_t i = 0; i < art.split.count; i++) {
                const char *text = art.split.passages[i].text;
                if (mode[0] == 't')
                    printf("%s\t%s\t%s\n", art.id, art.title, text);
                else
                    printf("%s\n\n", text);
            }
        }
        passages += art.split.count;
        bench_article_free(&art);
    }
    bench_reader_free(&r);
    if (fflush(stdout) != 0 || got < 0)
        return 2;
    fprintf(stderr, "bench_corpus: %lu articles, %lu passages\n", articles,
            passages);
    return 0;
}
