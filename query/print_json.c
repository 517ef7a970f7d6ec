/* Output for programs: one JSON object (--json), or one object per hit
 * (--jsonl); the schema is documented in README.md. Every string is valid
 * UTF-8 (invalid bytes in file names become U+FFFD). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "printer.h"
#include "quarry/grow.h"
#include "quarry/passage.h"
#include "quarry/utf8.h"

/* Version of the JSON schema; raised when a field changes meaning or goes
 * away, not when one is added. */
#define JSON_SCHEMA_VERSION 1

/* The JSON text is written into a buffer, as cJSON would print the tree
 * of it (cJSON_PrintUnformatted; tests compare the two), without building
 * the tree: for ten hits with their passages that took as many
 * instructions as the search's own start. */
typedef struct jbuf {
    char *s;
    size_t n, cap;
    int failed;
} jbuf_t;

static void put(jbuf_t *b, const char *s, size_t len)
{
    if (b->failed)
        return;
    char *grown = qy_reserve(b->s, b->n + len + 1, &b->cap, 1, 16384);
    if (!grown) {
        b->failed = 1;
        return;
    }
    b->s = grown;
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void put_cstr(jbuf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

/* The string S (up to a NUL, as cJSON reads it), quoted and escaped as
 * cJSON escapes. */
static void put_quoted(jbuf_t *b, const char *s)
{
    put(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 32 && c != '"' && c != '\\')
            continue;
        put(b, run, (size_t)(p - run));
        run = p + 1;
        char esc[8];
        switch (c) {
        case '"':
        case '\\':
            snprintf(esc, sizeof esc, "\\%c", c);
            break;
        case '\b':
            put_cstr(b, "\\b");
            continue;
        case '\f':
            put_cstr(b, "\\f");
            continue;
        case '\n':
            put_cstr(b, "\\n");
            continue;
        case '\r':
            put_cstr(b, "\\r");
            continue;
        case '\t':
            put_cstr(b, "\\t");
            continue;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
        }
        put_cstr(b, esc);
    }
    put(b, run, strlen(run));
    put(b, "\"", 1);
}

/* S[0, LEN) as a JSON string, invalid UTF-8 repaired. */
static void put_string(jbuf_t *b, const char *s, size_t len)
{
    char *clean = qy_utf8_repair(s, len, NULL);
    if (!clean) {
        b->failed = 1;
        return;
    }
    put_quoted(b, clean);
    free(clean);
}

static void put_cstring(jbuf_t *b, const char *s)
{
    put_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* A number as cJSON prints it ("%1.15g", or "%1.17g" when that does not
 * read back): a whole number in int's range, -0 aside, is its digits;
 * anything else is left to cJSON itself. */
static void put_number(jbuf_t *b, double d)
{
    if (d > (double)INT_MIN && d < (double)INT_MAX && d == (double)(int)d &&
        !(d == 0 && signbit(d))) {
        char num[16];
        snprintf(num, sizeof num, "%d", (int)d);
        put_cstr(b, num);
        return;
    }
    cJSON *item = cJSON_CreateNumber(d);
    char *text = item ? cJSON_PrintUnformatted(item) : NULL;
    cJSON_Delete(item);
    if (!text) {
        b->failed = 1;
        return;
    }
    put_cstr(b, text);
    free(text);
}

/* ",\"NAME\":" (without the comma for the first member, FIRST). */
static void put_key(jbuf_t *b, const char *name, int first)
{
    if (!first)
        put(b, ",", 1);
    put_quoted(b, name);
    put(b, ":", 1);
}

/* The passage's text, cut at a code point boundary at most
 * QY_PASSAGE_MAX_BYTES in: an index written before passages were bounded
 * may hold longer ones. */
static void put_text(jbuf_t *b, const qy_result_t *h)
{
    const char *t = h->rec.text ? h->rec.text : "";
    size_t n = strlen(t);
    if (n > QY_PASSAGE_MAX_BYTES) {
        n = QY_PASSAGE_MAX_BYTES;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
    }
    put_key(b, "text", 0);
    put_string(b, t, n);
}

static void put_snippet(jbuf_t *b, const qy_result_t *h)
{
    size_t n = h->snippet.end - h->snippet.start;
    char *s = malloc(n + 7);
    if (!s) {
        b->failed = 1;
        return;
    }
    size_t o = 0;
    if (h->cut_before) {
        memcpy(s, "\xe2\x80\xa6", 3);
        o = 3;
    }
    memcpy(s + o, h->rec.text + h->snippet.start, n);
    o += n;
    if (h->cut_after) {
        memcpy(s + o, "\xe2\x80\xa6", 3);
        o += 3;
    }
    put_key(b, "snippet", 0);
    put_string(b, s, o);
    free(s);
}

/* "also": the other places the passage stands, best first. */
static void put_also(jbuf_t *b, const qy_result_t *h)
{
    put_key(b, "also", 0);
    put(b, "[", 1);
    for (size_t i = 0; i < h->nalso; i++) {
        const qy_location_t *l = &h->also[i];
        put(b, i ? ",{" : "{", i ? 2 : 1);
        put_key(b, "source", 1);
        put_cstring(b, l->source);
        put_key(b, "passage", 0);
        put_number(b, l->ordinal);
        if (l->id && *l->id) {
            put_key(b, "id", 0);
            put_cstring(b, l->id);
        }
        put(b, "}", 1);
    }
    put(b, "]", 1);
}

/* "explain": the parts of the score, with --explain. */
static void put_explain(jbuf_t *b, const qy_result_t *h)
{
    put_key(b, "explain", 0);
    put(b, "[", 1);
    for (size_t i = 0; i < h->nexplain; i++) {
        put(b, i ? ",{" : "{", i ? 2 : 1);
        put_key(b, "what", 1);
        put_cstring(b, h->explain[i].what);
        put_key(b, "weight", 0);
        put_number(b, h->explain[i].weight);
        put(b, "}", 1);
    }
    put(b, "]", 1);
}

/* A mail's fields, the language of an index of several, and the stored
 * metadata (JSON object text; anything else is not shown). */
static void put_extra(jbuf_t *b, const qy_result_t *h)
{
    const char *const extra[][2] = {{"from", h->rec.from},
                                    {"to", h->rec.to},
                                    {"date", h->rec.date},
                                    {"lang", h->rec.lang}};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        if (extra[i][1] && *extra[i][1]) {
            put_key(b, extra[i][0], 0);
            put_cstring(b, extra[i][1]);
        }
    if (!h->rec.meta || !*h->rec.meta)
        return;
    cJSON *meta = cJSON_Parse(h->rec.meta);
    if (cJSON_IsObject(meta)) {
        char *text = cJSON_PrintUnformatted(meta);
        if (text) {
            put_key(b, "meta", 0);
            put_cstr(b, text);
        } else {
            b->failed = 1;
        }
        free(text);
    }
    cJSON_Delete(meta);
}

static void put_hit(jbuf_t *b, const printer_opts_t *opts, const qy_result_t *h,
                    int with_query)
{
    put(b, "{", 1);
    if (with_query) {
        put_key(b, "query", 1);
        put_cstring(b, opts->query);
    }
    put_key(b, "rank", !with_query);
    put_number(b, h->rank);
    put_key(b, "score", 0);
    put_number(b, h->score);
    put_key(b, "source", 0);
    put_cstring(b, h->rec.source);
    put_key(b, "passage", 0);
    put_number(b, h->rec.ordinal);
    put_key(b, "title", 0);
    put_cstring(b, h->rec.title);
    put_key(b, "section", 0);
    put_cstring(b, h->rec.section);
    put_text(b, h);
    put_snippet(b, h);
    if (h->rec.page) {
        put_key(b, "page", 0);
        put_number(b, h->rec.page);
    }
    if (h->rec.id && *h->rec.id) {
        put_key(b, "id", 0);
        put_cstring(b, h->rec.id);
    }
    put_extra(b, h);
    put_key(b, "highlights", 0);
    put(b, "[", 1);
    for (size_t i = 0; i < h->nhighlights; i++) {
        put(b, i ? ",[" : "[", i ? 2 : 1);
        put_number(b, (double)h->highlights[i].start);
        put(b, ",", 1);
        put_number(b, (double)h->highlights[i].end);
        put(b, "]", 1);
    }
    put(b, "]", 1);
    put_also(b, h);
    if (opts->explain)
        put_explain(b, h);
    put(b, "}", 1);
}

/* Writes B's text and a newline, controls, bidi and invisible characters
 * as \uXXXX: JSON is read on terminals too. */
static int put_out(const printer_opts_t *opts, jbuf_t *b)
{
    int ok = !b->failed && b->s;
    if (ok) {
        qy_utf8_put_safe(opts->out, b->s, b->n, QY_ESCAPE_JSON);
        fputc('\n', opts->out);
    }
    free(b->s);
    *b = (jbuf_t){0};
    return ok ? 0 : -1;
}

static int print_json(const printer_opts_t *opts, const qy_results_t *r)
{
    jbuf_t b = {0};
    put(&b, "{", 1);
    put_key(&b, "schema", 1);
    put_number(&b, JSON_SCHEMA_VERSION);
    put_key(&b, "query", 0);
    put_cstring(&b, opts->query);
    put_key(&b, "parsed", 0);
    put_cstring(&b, r->parsed);
    put_key(&b, "total", 0);
    put_number(&b, r->total);
    put_key(&b, "suggestion", 0);
    if (r->suggestion)
        put_cstring(&b, r->suggestion);
    else
        put_cstr(&b, "null");
    put_key(&b, "corrected", 0);
    put_cstr(&b, r->corrected ? "true" : "false");
    put_key(&b, "hits", 0);
    put(&b, "[", 1);
    for (size_t i = 0; i < r->count; i++) {
        if (i)
            put(&b, ",", 1);
        put_hit(&b, opts, &r->hits[i], 0);
    }
    put(&b, "]}", 2);
    return put_out(opts, &b);
}

/* --jsonl: one line per hit, the hit object with the question added, each
 * flushed as it is written so that a pipeline sees it at once. */
static int print_jsonl(const printer_opts_t *opts, const qy_results_t *r)
{
    for (size_t i = 0; i < r->count; i++) {
        jbuf_t b = {0};
        put_hit(&b, opts, &r->hits[i], 1);
        if (put_out(opts, &b) != 0)
            return -1;
        if (fflush(opts->out) != 0)
            break; /* the reader is gone; the caller reports other errors */
    }
    return 0;
}

const printer_t json_printer = {
    .print = print_json,
    .name = "json",
    .flags = PRINTER_BATCH | PRINTER_NOTES,
};

const printer_t jsonl_printer = {
    .print = print_jsonl,
    .name = "jsonl",
    .flags = PRINTER_BATCH,
};
