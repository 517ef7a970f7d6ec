/* Output for programs: one JSON object (--json), or one object per hit
 * (--jsonl); the schema is documented in README.md. Every string is valid
 * UTF-8 (invalid bytes in file names become U+FFFD). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "printer.h"
#include "quarry/passage.h"
#include "quarry/utf8.h"

/* Version of the JSON schema; raised when a field changes meaning or goes
 * away, not when one is added. */
#define JSON_SCHEMA_VERSION 1

static cJSON *add_string(cJSON *obj, const char *name, const char *s,
                         size_t len)
{
    char *clean = qy_utf8_repair(s, len, NULL);
    if (!clean)
        return NULL;
    cJSON *item = cJSON_AddStringToObject(obj, name, clean);
    free(clean);
    return item;
}

static cJSON *add_cstring(cJSON *obj, const char *name, const char *s)
{
    return add_string(obj, name, s ? s : "", s ? strlen(s) : 0);
}

/* The passage's text, cut at a code point boundary at most
 * QY_PASSAGE_MAX_BYTES in: an index written before passages were bounded
 * may hold longer ones. */
static cJSON *text_string(cJSON *obj, const qy_result_t *h)
{
    const char *t = h->rec.text ? h->rec.text : "";
    size_t n = strlen(t);
    if (n > QY_PASSAGE_MAX_BYTES) {
        n = QY_PASSAGE_MAX_BYTES;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
    }
    return add_string(obj, "text", t, n);
}

static cJSON *snippet_string(cJSON *obj, const qy_result_t *h)
{
    size_t n = h->snippet.end - h->snippet.start;
    char *s = malloc(n + 7);
    if (!s)
        return NULL;
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
    cJSON *item = add_string(obj, "snippet", s, o);
    free(s);
    return item;
}

/* "also": the other places the passage stands, best first. */
static cJSON *add_also(cJSON *o, const qy_result_t *h)
{
    cJSON *also = cJSON_AddArrayToObject(o, "also");
    for (size_t i = 0; also && i < h->nalso; i++) {
        const qy_location_t *l = &h->also[i];
        cJSON *loc = cJSON_CreateObject();
        int ok = loc && cJSON_AddItemToArray(also, loc);
        if (!ok) {
            cJSON_Delete(loc);
            return NULL;
        }
        ok = add_cstring(loc, "source", l->source) &&
             cJSON_AddNumberToObject(loc, "passage", l->ordinal);
        if (ok && l->id && *l->id)
            ok = add_cstring(loc, "id", l->id) != NULL;
        if (!ok)
            return NULL;
    }
    return also;
}

/* "explain": the parts of the score, with --explain. */
static cJSON *add_explain(cJSON *o, const qy_result_t *h)
{
    cJSON *parts = cJSON_AddArrayToObject(o, "explain");
    for (size_t i = 0; parts && i < h->nexplain; i++) {
        cJSON *part = cJSON_CreateObject();
        if (!part || !cJSON_AddItemToArray(parts, part)) {
            cJSON_Delete(part);
            return NULL;
        }
        if (!add_cstring(part, "what", h->explain[i].what) ||
            !cJSON_AddNumberToObject(part, "weight", h->explain[i].weight))
            return NULL;
    }
    return parts;
}

static cJSON *hit_object(const printer_opts_t *opts, const qy_result_t *h,
                         int with_query)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int ok = 1;
    if (with_query)
        ok = add_cstring(o, "query", opts->query) != NULL;
    ok = ok && cJSON_AddNumberToObject(o, "rank", h->rank) &&
         cJSON_AddNumberToObject(o, "score", h->score) &&
         add_cstring(o, "source", h->rec.source) &&
         cJSON_AddNumberToObject(o, "passage", h->rec.ordinal) &&
         add_cstring(o, "title", h->rec.title) &&
         add_cstring(o, "section", h->rec.section) && text_string(o, h) &&
         snippet_string(o, h);
    if (ok && h->rec.page)
        ok = cJSON_AddNumberToObject(o, "page", h->rec.page) != NULL;
    if (ok && h->rec.id && *h->rec.id)
        ok = add_cstring(o, "id", h->rec.id) != NULL;
    /* A mail's fields, and the language of an index of several. */
    const char *const extra[][2] = {{"from", h->rec.from},
                                    {"to", h->rec.to},
                                    {"date", h->rec.date},
                                    {"lang", h->rec.lang}};
    for (size_t i = 0; ok && i < sizeof extra / sizeof *extra; i++)
        if (extra[i][1] && *extra[i][1])
            ok = add_cstring(o, extra[i][0], extra[i][1]) != NULL;
    if (ok && h->rec.meta && *h->rec.meta) {
        /* Stored as JSON object text; anything else is not shown. */
        cJSON *meta = cJSON_Parse(h->rec.meta);
        if (cJSON_IsObject(meta))
            ok = cJSON_AddItemToObject(o, "meta", meta);
        else
            cJSON_Delete(meta);
    }
    cJSON *spans = ok ? cJSON_AddArrayToObject(o, "highlights") : NULL;
    for (size_t i = 0; spans && i < h->nhighlights; i++) {
        cJSON *pair = cJSON_CreateArray();
        if (!pair || !cJSON_AddItemToArray(spans, pair)) {
            cJSON_Delete(pair);
            spans = NULL;
            break;
        }
        cJSON *a = cJSON_CreateNumber((double)h->highlights[i].start);
        cJSON *b = cJSON_CreateNumber((double)h->highlights[i].end);
        if (!cJSON_AddItemToArray(pair, a) || !cJSON_AddItemToArray(pair, b)) {
            cJSON_Delete(b);
            spans = NULL;
        }
    }
    if (!spans || !add_also(o, h) || (opts->explain && !add_explain(o, h))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int print_json(const printer_opts_t *opts, const qy_results_t *r)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root &&
             cJSON_AddNumberToObject(root, "schema", JSON_SCHEMA_VERSION) &&
             add_cstring(root, "query", opts->query) &&
             add_cstring(root, "parsed", r->parsed) &&
             cJSON_AddNumberToObject(root, "total", r->total);
    if (ok)
        ok = r->suggestion
                 ? add_cstring(root, "suggestion", r->suggestion) != NULL
                 : cJSON_AddNullToObject(root, "suggestion") != NULL;
    ok = ok && cJSON_AddBoolToObject(root, "corrected", r->corrected != 0);
    cJSON *hits = ok ? cJSON_AddArrayToObject(root, "hits") : NULL;
    for (size_t i = 0; hits && i < r->count; i++) {
        cJSON *h = hit_object(opts, &r->hits[i], 0);
        if (!h || !cJSON_AddItemToArray(hits, h)) {
            cJSON_Delete(h);
            hits = NULL;
        }
    }
    char *text = hits ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return -1;
    /* Controls, bidi and invisible characters as \uXXXX: JSON is read
     * on terminals too. */
    qy_utf8_put_safe(opts->out, text, strlen(text), QY_ESCAPE_JSON);
    fputc('\n', opts->out);
    free(text);
    return 0;
}

/* --jsonl: one line per hit, the hit object with the question added, each
 * flushed as it is written so that a pipeline sees it at once. */
static int print_jsonl(const printer_opts_t *opts, const qy_results_t *r)
{
    for (size_t i = 0; i < r->count; i++) {
        cJSON *h = hit_object(opts, &r->hits[i], 1);
        char *text = h ? cJSON_PrintUnformatted(h) : NULL;
        cJSON_Delete(h);
        if (!text)
            return -1;
        /* Controls, bidi and invisible characters as \uXXXX: JSON is read
         * on terminals too. */
        qy_utf8_put_safe(opts->out, text, strlen(text), QY_ESCAPE_JSON);
        fputc('\n', opts->out);
        free(text);
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
