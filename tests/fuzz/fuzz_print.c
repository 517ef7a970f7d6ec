/* The printers of `query` (every one in QUERY_PRINTERS): whatever a
 * document holds, the text printer sends the terminal no control character,
 * bidirectional control or invalid UTF-8 of it, and the JSON printers write
 * lines of valid JSON in valid UTF-8. Input: a flags byte, then lines: the
 * query, the title, the source, and the passage text (the rest). Highlights
 * and snippet come from qy_highlight, as in a search. */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "printer.h"
#include "quarry/qparse.h"
#include "quarry/search.h"

/* The escape sequences the text printer itself writes in colour. */
static const char *const own_sgr[] = {"\033[0m", "\033[1;31m", "\033[1m",
                                      "\033[35m", "\033[2m"};

static size_t own_sgr_at(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof own_sgr / sizeof *own_sgr; i++) {
        size_t n = strlen(own_sgr[i]);
        if (n <= len && memcmp(s, own_sgr[i], n) == 0)
            return n;
    }
    return 0;
}

static void check_terminal_safe(const char *s, size_t len, int color)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t sgr = color && c == 0x1b ? own_sgr_at(s + i, len - i) : 0;
        if (sgr) {
            i += sgr;
            continue;
        }
        FUZZ_CHECK(c >= 0x20 || c == '\n');
        FUZZ_CHECK(c != 0x7f);
        size_t n = qy_utf8_valid_prefix((const unsigned char *)s + i, len - i);
        FUZZ_CHECK(n > 0);
        if (n == 2)
            FUZZ_CHECK(!(c == 0xc2 && (unsigned char)s[i + 1] <= 0x9f));
        if (n == 3 && c == 0xe2) {
            unsigned cp = (unsigned)(c & 0x0f) << 12 |
                          (unsigned)((unsigned char)s[i + 1] & 0x3f) << 6 |
                          ((unsigned char)s[i + 2] & 0x3f);
            FUZZ_CHECK(!(cp >= 0x202a && cp <= 0x202e));
            FUZZ_CHECK(!(cp >= 0x2066 && cp <= 0x2069));
            FUZZ_CHECK(cp != 0x2028 && cp != 0x2029);
        }
        i += n;
    }
}

static char *print_to_string(const printer_t *p, printer_opts_t *o,
                             const qy_results_t *r, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_CHECK(f != NULL);
    o->out = f;
    FUZZ_CHECK(p->print(o, r) == 0);
    FUZZ_CHECK(fclose(f) == 0);
    return buf;
}

/* Splits off the line at *S (without its newline). */
static char *take_line(const char **s, const char *end)
{
    const char *nl = memchr(*s, '\n', (size_t)(end - *s));
    const char *stop = nl ? nl : end;
    size_t n = (size_t)(stop - *s);
    char *line = malloc(n + 1);
    FUZZ_CHECK(line != NULL);
    memcpy(line, *s, n);
    line[n] = '\0';
    *s = nl ? nl + 1 : end;
    return line;
}

#define PRINTER_ENTRY(name) &name##_printer,
static const printer_t *const printers[] = {QUERY_PRINTERS(PRINTER_ENTRY)};

/* Every line is one valid JSON value, and the whole is valid UTF-8. */
static void check_json_lines(const char *s, size_t n)
{
    FUZZ_CHECK(fuzz_valid_utf8(s, n));
    FUZZ_CHECK(n == 0 || s[n - 1] == '\n');
    const char *end = s + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        char *line = strndup(s, (size_t)(nl - s));
        FUZZ_CHECK(line != NULL);
        cJSON *v = cJSON_Parse(line);
        FUZZ_CHECK(v != NULL);
        cJSON_Delete(v);
        free(line);
        s = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    const char *s = (const char *)data + 1, *end = (const char *)data + size;
    char *query = take_line(&s, end);
    char *title = take_line(&s, end);
    char *source = take_line(&s, end);
    size_t len = (size_t)(end - s);
    char *text = malloc(len + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, s, len);
    text[len] = '\0';
    len = strlen(text); /* stored text ends at its first NUL */

    qy_analyzer_t *a = fuzz_english();
    qy_termset_t *ts = qy_termset_new();
    FUZZ_CHECK(ts != NULL);
    qy_parsed_t parsed;
    FUZZ_CHECK(qy_parse(a, query, strlen(query), &parsed) == QY_OK);
    FUZZ_CHECK(qy_termset_add_query(ts, a, parsed.root) == QY_OK);
    char *described = parsed.root ? qy_node_describe(a, parsed.root)
                                  : strdup("");
    FUZZ_CHECK(described != NULL);
    qy_parsed_free(&parsed);

    qy_result_t hit;
    memset(&hit, 0, sizeof hit);
    hit.rank = 1 + (flags & 7);
    hit.score = (double)flags / 7.0;
    hit.rec.source = source;
    hit.rec.title = title;
    hit.rec.text = text;
    hit.rec.id = flags & 8 ? query : "";
    hit.rec.ordinal = flags;
    FUZZ_CHECK(qy_highlight(a, ts, text, len, flags & 16 ? 3 : 0,
                            &hit.highlights, &hit.nhighlights, &hit.snippet,
                            &hit.cut_before, &hit.cut_after) == QY_OK);
    /* A near-duplicate elsewhere, named by the same hostile strings. */
    qy_location_t also = {title, query, 2};
    if (flags & 64) {
        hit.also = &also;
        hit.nalso = 1;
    }
    qy_result_t hits[2] = {hit, hit};
    hits[1].rank++;
    qy_results_t results;
    memset(&results, 0, sizeof results);
    results.parsed = described;
    results.total = 2;
    results.hits = hits;
    results.count = flags & 32 ? 2 : 1;
    results.suggestion = flags & 128 ? title : NULL;

    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++) {
        const printer_t *p = printers[i];
        for (int color = 0; color < 2; color++) {
            printer_opts_t o = {.out = NULL, .color = color, .query = query};
            o.analyzer = flags & 4 ? a : NULL;
            o.show_parsed = (flags & 2) != 0;
            size_t n = 0;
            char *out = print_to_string(p, &o, &results, &n);
            if (strcmp(p->name, "text") == 0)
                check_terminal_safe(out, n, color);
            else if (strcmp(p->name, "json") == 0 ||
                     strcmp(p->name, "jsonl") == 0)
                check_json_lines(out, n);
            free(out);
        }
    }

    free(hit.highlights);
    free(described);
    qy_termset_free(ts);
    free(query);
    free(title);
    free(source);
    free(text);
    return 0;
}
