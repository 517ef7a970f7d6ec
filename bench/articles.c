#include "articles.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

/* A leading line that qy_split_plain takes as the headline: the article's
 * own first paragraph is then judged like every other, never taken as a
 * title, whatever its shape. */
static const char HEADLINE[] = "quarry benchmark headline\n\n";

void bench_reader_init(bench_reader_t *r, FILE *in, const char *name)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->name = name;
}

void bench_reader_free(bench_reader_t *r)
{
    free(r->line);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

void bench_article_free(bench_article_t *art)
{
    free(art->id);
    free(art->title);
    qy_article_free(&art->split);
    memset(art, 0, sizeof *art);
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A copy of S with every run of ASCII whitespace made one space. */
static char *clean_copy(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space = o > 0;
            continue;
        }
        if (space)
            t[o++] = ' ';
        space = 0;
        t[o++] = (char)c;
    }
    t[o] = '\0';
    return t;
}

static char *string_field(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v) && v->valuestring)
        return clean_copy(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char num[64];
        snprintf(num, sizeof num, "%.17g", v->valuedouble);
        return strdup(num);
    }
    return strdup("");
}

/* Lays TEXT out as the headline and then one paragraph per line. */
static int layout(bench_reader_t *r, const char *text, size_t *len)
{
    size_t n = strlen(text), need = sizeof HEADLINE + 2 * n + 1;
    if (need > r->buf_cap) {
        char *b = realloc(r->buf, need);
        if (!b)
            return -1;
        r->buf = b;
        r->buf_cap = need;
    }
    size_t o = sizeof HEADLINE - 1;
    memcpy(r->buf, HEADLINE, o);
    for (size_t i = 0; i < n; i++) {
        r->buf[o++] = text[i];
        if (text[i] == '\n')
            r->buf[o++] = '\n';
    }
    r->buf[o] = '\0';
    *len = o;
    return 0;
}

int bench_read_article(bench_reader_t *r, bench_article_t *art)
{
    memset(art, 0, sizeof *art);
    for (;;) {
        ssize_t got = getline(&r->line, &r->cap, r->in);
        if (got < 0)
            return 0;
        r->lineno++;
        cJSON *obj = cJSON_ParseWithLength(r->line, (size_t)got);
        if (!cJSON_IsObject(obj)) {
            fprintf(stderr, "%s:%lu: not a JSON object, skipped\n", r->name,
                    r->lineno);
            cJSON_Delete(obj);
            continue;
        }
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(obj, "text");
        size_t len = 0;
        art->id = string_field(obj, "id");
        art->title = string_field(obj, "title");
        int ok = art->id && art->title &&
                 layout(r, cJSON_IsString(text) ? text->valuestring : "",
                        &len) == 0 &&
                 qy_split_plain(r->buf, len, &art->split) == QY_OK;
        cJSON_Delete(obj);
        if (!ok) {
            fprintf(stderr, "%s:%lu: out of memory\n", r->name, r->lineno);
            bench_article_free(art);
            return -1;
        }
        return 1;
    }
}
