/* Output for a person: one block per hit, the snippet with its matched
 * words highlighted on a terminal (or marked with --highlight strings),
 * the places its text also stands (the first few of a long list), and with
 * --explain its score's parts; on a terminal, wrapped to its width.
 * Document text is never sent to the terminal raw: control characters are
 * shown escaped, so a hostile file cannot move the cursor, retitle the
 * window or change colours, and
 * bidirectional controls are shown escaped too, so it cannot make the text
 * read differently from what it is. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "printer.h"
#include "quarry/grow.h"
#include "quarry/utf8.h"

#define SGR_RESET "\033[0m"
#define SGR_MATCH "\033[1;31m"
#define SGR_TITLE "\033[1m"
#define SGR_PATH "\033[35m"
#define SGR_DIM "\033[2m"

/* TEXT[0..LEN) with what may not reach a terminal raw shown as \xHH or
 * \uHHHH (qy_utf8_terminal_unsafe), and bytes that are not UTF-8 as \xHH,
 * so the output is valid UTF-8. */
static void put_safe(FILE *out, const char *text, size_t len)
{
    qy_utf8_put_safe(out, text, len, QY_ESCAPE_TEXT);
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

/* Where matched words start and end: the user's --highlight strings, else
 * ANSI bold red on a terminal, else nothing. */
typedef struct marks {
    const char *start, *end;
} marks_t;

static marks_t match_marks(const printer_opts_t *opts)
{
    if (opts->mark_start)
        return (marks_t){opts->mark_start,
                         opts->mark_end ? opts->mark_end : ""};
    if (opts->color)
        return (marks_t){SGR_MATCH, SGR_RESET};
    return (marks_t){"", ""};
}

/* Writes TEXT[FROM..TO) with the highlights inside it marked. */
static void put_marked(FILE *out, const qy_result_t *h, qy_span_t range,
                       marks_t m)
{
    const char *text = h->rec.text;
    size_t at = range.start;
    for (size_t i = 0; i < h->nhighlights; i++) {
        qy_span_t s = h->highlights[i];
        if (s.end <= at || s.start >= range.end)
            continue;
        size_t start = s.start > at ? s.start : at;
        size_t end = s.end < range.end ? s.end : range.end;
        put_safe(out, text + at, start - at);
        fputs(m.start, out);
        put_safe(out, text + start, end - start);
        fputs(m.end, out);
        at = end;
    }
    put_safe(out, text + at, range.end - at);
}

/* ---- Wrapping. With a width (a terminal's, or --width) each line of a
 * hit is written to memory first, then wrapped at its spaces, its
 * continuation lines indented; a word is never split, and one longer than
 * a line has a line of its own. */

/* The end of the escape sequence (CSI: ESC [ ... final byte; else ESC and
 * the byte after it) starting at S[I]: it takes no column. */
static size_t escape_end(const char *s, size_t i, size_t len)
{
    if (i + 1 < len && s[i + 1] == '[') {
        size_t j = i + 2;
        while (j < len &&
               !((unsigned char)s[j] >= 0x40 && (unsigned char)s[j] <= 0x7e))
            j++;
        return j < len ? j + 1 : len;
    }
    return i + 2 < len ? i + 2 : len;
}

/* The columns S[I..J) takes on a terminal; *END gets J, the end of the
 * word at I: the next space, or the end of a Chinese or Japanese
 * character, which a line may end after (those scripts put no spaces
 * between words). */
static size_t word_columns(const char *s, size_t i, size_t len, size_t *end)
{
    size_t cols = 0;
    int cjk = 0;
    while (i < len && s[i] != ' ' && !cjk) {
        if (s[i] == '\033') {
            i = escape_end(s, i, len);
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            cols++;
            i++;
            continue;
        }
        int w = utf8proc_charwidth(cp);
        if (qy_is_cjk(cp)) {
            if (cols > 0)
                break; /* a line may end before it too */
            cjk = 1;
        }
        cols += w > 0 ? (size_t)w : 0;
        i += (size_t)n;
    }
    /* The zero-width sequences that close it stay with it. */
    while (i < len && s[i] == '\033')
        i = escape_end(s, i, len);
    *end = i;
    return cols;
}

/* Writes S[0..LEN) from column COL, wrapped at WIDTH, each continuation
 * line starting with INDENT spaces. Runs of spaces at a break go. */
static void put_wrapped(FILE *out, const char *s, size_t len, size_t width,
                        size_t col, size_t indent)
{
    size_t spaces = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == ' ') {
            spaces++;
            i++;
            continue;
        }
        size_t end;
        size_t cols = word_columns(s, i, len, &end);
        if (col > indent && col + spaces + cols > width) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else {
            fprintf(out, "%*s", (int)spaces, "");
            col += spaces;
        }
        spaces = 0;
        fwrite(s + i, 1, end - i, out);
        col += cols;
        i = end;
    }
}

/* A line of output being written: to memory when it is to be wrapped. */
typedef struct line {
    FILE *mem;
    char *buf;
    size_t len;
} line_t;

/* Where the text of a line goes: OUT itself when there is no width (or no
 * memory). */
static FILE *line_begin(const printer_opts_t *opts, line_t *l)
{
    *l = (line_t){NULL, NULL, 0};
    if (opts->width)
        l->mem = open_memstream(&l->buf, &l->len);
    return l->mem ? l->mem : opts->out;
}

/* Ends a line begun at column COL (after what was written to OUT before
 * line_begin): wrapped, continuation lines at INDENT, and a newline. */
static void line_end(const printer_opts_t *opts, line_t *l, size_t col,
                     size_t indent)
{
    if (l->mem && fclose(l->mem) == 0)
        put_wrapped(opts->out, l->buf, l->len, opts->width, col, indent);
    else if (l->mem)
        fwrite(l->buf, 1, l->len, opts->out); /* unwrapped, not lost */
    free(l->buf);
    fputc('\n', opts->out);
}

/* ---- Fragments. A long passage whose matched words lie far apart is
 * shown as the snippet window plus up to two short windows around matched
 * words the snippet lacks, in text order, joined by " … ". */

#define MAX_FRAGMENTS 3
#define MAX_KEYS 64
#define ELLIPSIS "\xe2\x80\xa6"

typedef struct word_list {
    qy_span_t *v;
    size_t n, cap;
    int failed;
} word_list_t;

static int collect_word(void *ctx, const qy_token_t *tok)
{
    word_list_t *w = ctx;
    qy_span_t *v = qy_grow(w->v, w->n, &w->cap, sizeof *v, 64);
    if (!v) {
        w->failed = 1;
        return 1;
    }
    w->v = v;
    w->v[w->n++] = (qy_span_t){tok->start, tok->end};
    return 0;
}

/* A matched word as a key: its stem, so that other forms of a word the
 * snippet shows do not earn a fragment of their own. */
typedef struct key {
    char s[QY_MAX_WORD_BYTES + 1];
} word_key_t;

static int take_first_word(void *ctx, const qy_token_t *tok)
{
    word_key_t *k = ctx;
    size_t n =
        tok->word_len < QY_MAX_WORD_BYTES ? tok->word_len : QY_MAX_WORD_BYTES;
    memcpy(k->s, tok->word, n);
    k->s[n] = '\0';
    return 1;
}

static word_key_t span_key(qy_analyzer_t *a, const char *text, qy_span_t s)
{
    word_key_t k = {{0}};
    qy_tokenize(a, text + s.start, s.end - s.start, take_first_word, &k);
    size_t len = 0;
    const char *stem = k.s[0] ? qy_stem(a, k.s, strlen(k.s), &len) : NULL;
    if (stem) {
        len = len < QY_MAX_WORD_BYTES ? len : QY_MAX_WORD_BYTES;
        memmove(k.s, stem, len);
        k.s[len] = '\0';
    }
    return k;
}

typedef struct key_set {
    word_key_t v[MAX_KEYS];
    size_t n;
} key_set_t;

static int key_set_has(const key_set_t *set, const word_key_t *k)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].s, k->s) == 0)
            return 1;
    return 0;
}

/* Adds the keys of the highlights inside RANGE. */
static void key_set_add_range(key_set_t *set, qy_analyzer_t *a,
                              const qy_result_t *h, qy_span_t range)
{
    for (size_t i = 0; i < h->nhighlights && set->n < MAX_KEYS; i++) {
        qy_span_t s = h->highlights[i];
        if (s.start < range.start || s.end > range.end)
            continue;
        word_key_t k = span_key(a, h->rec.text, s);
        if (!key_set_has(set, &k))
            set->v[set->n++] = k;
    }
}

/* The window of about WORDS words around the word starting at AT: a few
 * words before it, the rest after, with the punctuation that closes the
 * last word. */
static qy_span_t window_around(const word_list_t *w, const char *text,
                               size_t len, size_t at, unsigned words)
{
    size_t k = 0;
    while (k + 1 < w->n && w->v[k].end <= at)
        k++;
    size_t before = words / 4 ? words / 4 : 1;
    size_t first = k > before ? k - before : 0;
    size_t last = first + words - 1 < w->n ? first + words - 1 : w->n - 1;
    if (last < k)
        last = k;
    qy_span_t r = {w->v[first].start, w->v[last].end};
    while (r.end < len && strchr(".,;:!?\"')]", text[r.end]))
        r.end++;
    return r;
}

static int by_start(const void *a, const void *b)
{
    const qy_span_t *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Fills FRAGS with the windows to show, in text order; returns how many
 * (1: the snippet alone). */
static size_t choose_fragments(const printer_opts_t *opts, const qy_result_t *h,
                               qy_span_t *frags, qy_span_t *words_span)
{
    frags[0] = h->snippet;
    qy_analyzer_t *a = opts->analyzer;
    size_t outside = 0;
    for (size_t i = 0; i < h->nhighlights; i++)
        outside += h->highlights[i].start < h->snippet.start ||
                   h->highlights[i].end > h->snippet.end;
    if (!a || !outside || !h->rec.text)
        return 1;
    const char *text = h->rec.text;
    size_t len = strlen(text);
    word_list_t w = {0};
    if (qy_tokenize(a, text, len, collect_word, &w) != QY_OK || w.failed ||
        w.n == 0) {
        free(w.v);
        return 1;
    }
    unsigned context =
        opts->context_words ? opts->context_words : QY_DEFAULT_SNIPPET_WORDS;
    unsigned words = context >= 15 ? context / 3 : context;
    key_set_t *shown = malloc(sizeof *shown);
    if (!shown) {
        free(w.v);
        return 1;
    }
    shown->n = 0;
    key_set_add_range(shown, a, h, h->snippet);
    size_t n = 1;
    for (size_t i = 0; i < h->nhighlights && n < MAX_FRAGMENTS; i++) {
        qy_span_t s = h->highlights[i];
        int covered = 0;
        for (size_t f = 0; f < n; f++)
            covered |= s.start >= frags[f].start && s.end <= frags[f].end;
        if (covered)
            continue;
        word_key_t k = span_key(a, text, s);
        if (key_set_has(shown, &k))
            continue;
        frags[n] = window_around(&w, text, len, s.start, words);
        key_set_add_range(shown, a, h, frags[n]);
        n++;
    }
    free(shown);
    /* In text order, overlapping or touching windows merged. */
    qsort(frags, n, sizeof *frags, by_start);
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        size_t gap = frags[m].end;
        while (gap < frags[i].start && (text[gap] == ' ' || text[gap] == '\n'))
            gap++;
        if (gap >= frags[i].start) {
            if (frags[i].end > frags[m].end)
                frags[m].end = frags[i].end;
        } else {
            frags[++m] = frags[i];
        }
    }
    *words_span = (qy_span_t){w.v[0].start, w.v[w.n - 1].end};
    free(w.v);
    return m + 1;
}

static void put_snippet(FILE *out, const printer_opts_t *opts,
                        const qy_result_t *h)
{
    marks_t m = match_marks(opts);
    qy_span_t frags[MAX_FRAGMENTS], words = {0, 0};
    size_t n = choose_fragments(opts, h, frags, &words);
    if (n == 1) {
        if (h->cut_before)
            fputs(ELLIPSIS, out);
        put_marked(out, h, h->snippet, m);
        if (h->cut_after)
            fputs(ELLIPSIS, out);
        return;
    }
    if (frags[0].start > words.start)
        fputs(ELLIPSIS, out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(" " ELLIPSIS " ", out);
        put_marked(out, h, frags[i], m);
    }
    if (frags[n - 1].end < words.end)
        fputs(ELLIPSIS, out);
}

static void put_location(FILE *out, const char *source, unsigned ordinal,
                         const char *id, const char *cwd)
{
    put_cstr(out, display_source(source ? source : "", cwd));
    fprintf(out, ":%u", ordinal);
    if (id && *id) {
        fputs(" (id ", out);
        put_cstr(out, id);
        fputc(')', out);
    }
}

/* The places of a long also list that are named. */
#define ALSO_SHOWN 3

/* Continuation lines of a hit's lines hang this far in. */
#define HIT_INDENT 3
#define HANGING 2

int text_print_notes(FILE *out, const printer_opts_t *opts,
                     const qy_results_t *r)
{
    int lines = 0;
    printer_opts_t to = *opts;
    to.out = out;
    line_t l;
    if (opts->show_parsed) {
        fputs("Parsed: ", out);
        put_cstr(line_begin(&to, &l), r->parsed ? r->parsed : "");
        line_end(&to, &l, strlen("Parsed: "), HANGING);
        lines++;
    }
    if (r->suggestion) {
        fputs("Did you mean: ", out);
        FILE *t = line_begin(&to, &l);
        if (opts->color)
            fputs(SGR_TITLE, t);
        put_cstr(t, r->suggestion);
        if (opts->color)
            fputs(SGR_RESET, t);
        line_end(&to, &l, strlen("Did you mean: "), HANGING);
        lines++;
        if (r->corrected) {
            fputs("Nothing matched as typed; the results are for the "
                  "suggestion.\n",
                  out);
            lines++;
        }
    }
    return lines;
}

void text_put_safe(FILE *out, const char *text, size_t len)
{
    put_safe(out, text, len);
}

/* "also: a:1, b:2, and 3 more" under a hit that folds near-identical
 * passages. */
static void print_also(const printer_opts_t *opts, const qy_result_t *h,
                       const char *cwd)
{
    FILE *out = opts->out;
    int color = opts->color;
    line_t l;
    fprintf(out, "   %salso:%s ", color ? SGR_DIM : "", color ? SGR_RESET : "");
    FILE *t = line_begin(opts, &l);
    /* A long list is cut short: JSON has all of it. */
    size_t shown = h->nalso > ALSO_SHOWN + 1 ? ALSO_SHOWN : h->nalso;
    for (size_t j = 0; j < shown; j++) {
        if (j)
            fputs(", ", t);
        put_location(t, h->also[j].source, h->also[j].ordinal, h->also[j].id,
                     cwd);
    }
    if (shown < h->nalso)
        fprintf(t, ", and %zu more", h->nalso - shown);
    /* Under the first place. */
    line_end(opts, &l, HIT_INDENT + strlen("also: "),
             HIT_INDENT + strlen("also: "));
}

/* The parts of a hit's score, one a line (--explain). */
static void print_explain(const printer_opts_t *opts, const qy_result_t *h)
{
    FILE *out = opts->out;
    int color = opts->color;
    line_t l;
    fprintf(out, "   %sexplain:%s\n", color ? SGR_DIM : "",
            color ? SGR_RESET : "");
    for (size_t j = 0; j < h->nexplain; j++) {
        fprintf(out, "   %9.3f  ", h->explain[j].weight);
        put_cstr(line_begin(opts, &l),
                 h->explain[j].what ? h->explain[j].what : "");
        /* Under the part's name. */
        line_end(opts, &l, HIT_INDENT + 11, HIT_INDENT + 11 + HANGING);
    }
}

/* One hit: its place and score, title, mail header, snippet, the
 * passages folded into it and the parts of its score. */
static void print_hit(const printer_opts_t *opts, const qy_result_t *h,
                      const char *cwd)
{
    FILE *out = opts->out;
    int color = opts->color;
    fprintf(out, "%s%u.%s ", color ? SGR_TITLE : "", h->rank,
            color ? SGR_RESET : "");
    if (color)
        fputs(SGR_PATH, out);
    put_cstr(out, display_source(h->rec.source, cwd));
    fprintf(out, ":%u", h->rec.ordinal);
    if (h->rec.page)
        fprintf(out, " (page %u)", h->rec.page);
    fprintf(out, "%s  %s%.3f%s\n", color ? SGR_RESET : "", color ? SGR_DIM : "",
            h->score, color ? SGR_RESET : "");
    int titled = h->rec.title && *h->rec.title;
    int sectioned = h->rec.section && *h->rec.section;
    line_t l;
    if (titled || sectioned) { /* Title › Section */
        fputs("   ", out);
        FILE *t = line_begin(opts, &l);
        if (color)
            fputs(SGR_TITLE, t);
        if (titled)
            put_cstr(t, h->rec.title);
        if (titled && sectioned)
            fputs(" \xE2\x80\xBA ", t);
        if (sectioned)
            put_cstr(t, h->rec.section);
        if (color)
            fputs(SGR_RESET, t);
        line_end(opts, &l, HIT_INDENT, HIT_INDENT + HANGING);
    }
    if ((h->rec.from && *h->rec.from) || (h->rec.date && *h->rec.date)) {
        /* A mail: from whom, when. */
        fprintf(out, "   %s", color ? SGR_DIM : "");
        if (h->rec.from && *h->rec.from) {
            fputs("from ", out);
            put_cstr(out, h->rec.from);
        }
        if (h->rec.date && *h->rec.date) {
            fputs(h->rec.from && *h->rec.from ? ", " : "", out);
            put_cstr(out, h->rec.date);
        }
        fprintf(out, "%s\n", color ? SGR_RESET : "");
    }
    fputs("   ", out);
    put_snippet(line_begin(opts, &l), opts, h);
    line_end(opts, &l, HIT_INDENT, HIT_INDENT + HANGING);
    if (h->nalso)
        print_also(opts, h, cwd);
    if (opts->explain && h->nexplain)
        print_explain(opts, h);
}

static int print_text(const printer_opts_t *opts, const qy_results_t *r)
{
    FILE *out = opts->out;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    if (text_print_notes(out, opts, r) && r->count)
        fputc('\n', out);
    for (size_t i = 0; i < r->count; i++) {
        if (i)
            fputc('\n', out);
        print_hit(opts, &r->hits[i], cwd);
    }
    return 0;
}

const printer_t text_printer = {
    .print = print_text,
    .name = "text",
    .flags = PRINTER_NOTES,
};
