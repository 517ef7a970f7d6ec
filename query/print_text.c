/* Output for a person: one block per hit, the snippet with its matched
 * words highlighted on a terminal. Document text is never sent to the
 * terminal raw: control characters are shown escaped, so a hostile file
 * cannot move the cursor, retitle the window or change colours. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printer.h"

#define SGR_RESET "\033[0m"
#define SGR_MATCH "\033[1;31m"
#define SGR_TITLE "\033[1m"
#define SGR_PATH "\033[35m"
#define SGR_DIM "\033[2m"

/* Writes TEXT[0..LEN) with C0, DEL and C1 control characters escaped. */
static void put_safe(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        unsigned code = 0;
        size_t width = 0;
        if (c < 0x20 || c == 0x7f) {
            code = c;
            width = 1;
        } else if (c == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
                   s[i + 1] <= 0x9f) {
            code = s[i + 1];
            width = 2;
        }
        if (!width)
            continue;
        fwrite(text + run, 1, i - run, out);
        fprintf(out, "\\x%02x", code);
        i += width - 1;
        run = i + 1;
    }
    fwrite(text + run, 1, len - run, out);
}

static void put_cstr(FILE *out, const char *s)
{
    put_safe(out, s, strlen(s));
}

/* The source path relative to the working directory when it lies below
 * it: shorter to read and what the user typed to index it. */
static const char *display_source(const char *source, const char *cwd)
{
    size_t n = strlen(cwd);
    if (n > 1 && strncmp(source, cwd, n) == 0 && source[n] == '/')
        return source + n + 1;
    return source;
}

static void put_snippet(FILE *out, const qy_result_t *h, int color)
{
    const char *text = h->rec.text;
    size_t at = h->snippet.start;
    if (h->cut_before)
        fputs("\xe2\x80\xa6", out);
    for (size_t i = 0; i < h->nhighlights; i++) {
        qy_span_t s = h->highlights[i];
        if (s.end <= at || s.start >= h->snippet.end)
            continue;
        put_safe(out, text + at, s.start - at);
        if (color)
            fputs(SGR_MATCH, out);
        put_safe(out, text + s.start, s.end - s.start);
        if (color)
            fputs(SGR_RESET, out);
        at = s.end;
    }
    put_safe(out, text + at, h->snippet.end - at);
    if (h->cut_after)
        fputs("\xe2\x80\xa6", out);
    fputc('\n', out);
}

static int print_text(const printer_opts_t *opts, const qy_results_t *r)
{
    FILE *out = opts->out;
    int color = opts->color;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    for (size_t i = 0; i < r->count; i++) {
        const qy_result_t *h = &r->hits[i];
        if (i)
            fputc('\n', out);
        fprintf(out, "%s%u.%s ", color ? SGR_TITLE : "", h->rank,
                color ? SGR_RESET : "");
        if (color)
            fputs(SGR_PATH, out);
        put_cstr(out, display_source(h->rec.source, cwd));
        fprintf(out, ":%u%s  %s%.3f%s\n", h->rec.ordinal,
                color ? SGR_RESET : "", color ? SGR_DIM : "", h->score,
                color ? SGR_RESET : "");
        if (h->rec.title && *h->rec.title) {
            fputs("   ", out);
            if (color)
                fputs(SGR_TITLE, out);
            put_cstr(out, h->rec.title);
            if (color)
                fputs(SGR_RESET, out);
            fputc('\n', out);
        }
        fputs("   ", out);
        put_snippet(out, h, color);
    }
    return 0;
}

const printer_t text_printer = {print_text};
