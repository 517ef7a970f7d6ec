/* PDF through poppler: the text of each page in reading order, grouped
 * into paragraphs by the geometry of its lines, with the page number of
 * each passage, and the title, author and date of the document's
 * properties. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <poppler.h>

#include "format_internal.h"
#include "quarry/formats.h"
#include "quarry/grow.h"

/* A line of a page: its bytes in the page's text and its box. */
typedef struct pdf_line {
    size_t start, end;
    double x1, y1, x2, y2;
} pdf_line_t;

/* Paragraph breaks, in units of the page's usual line height: a gap
 * between lines wider than this, */
#define PARAGRAPH_GAP 0.6
/* a line indented by more than this from the one above (a first-line
 * indent), or a line ending more than this short of the right edge of the
 * page's text (the last line of a paragraph, a heading). */
#define PARAGRAPH_INDENT 0.8
#define PARAGRAPH_SHORT 4.0

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The lines of TEXT, boxed by the character boxes RECTS (one a character
 * of TEXT, as poppler gives them). Returns the count, or -1 when out of
 * memory; *OUT is malloc'd. */
static long page_lines(const char *text, const PopplerRectangle *rects,
                       guint nrects, pdf_line_t **out)
{
    size_t len = strlen(text), cap = 0, n = 0;
    pdf_line_t *lines = qy_reserve(NULL, 1, &cap, sizeof *lines, 16);
    if (!lines)
        return -1;
    size_t pos = 0;
    guint ch = 0; /* the character at POS */
    while (pos < len) {
        pdf_line_t l = {pos, pos, 1e9, 1e9, -1e9, -1e9};
        while (pos < len && text[pos] != '\n') {
            if (ch < nrects && text[pos] != ' ') {
                const PopplerRectangle *r = &rects[ch];
                l.x1 = r->x1 < l.x1 ? r->x1 : l.x1;
                l.y1 = r->y1 < l.y1 ? r->y1 : l.y1;
                l.x2 = r->x2 > l.x2 ? r->x2 : l.x2;
                l.y2 = r->y2 > l.y2 ? r->y2 : l.y2;
            }
            pos = (size_t)(g_utf8_next_char(text + pos) - text);
            ch++;
        }
        l.end = pos;
        if (pos < len) { /* the newline has a box of its own */
            pos++;
            ch++;
        }
        if (l.x2 < l.x1) /* nothing visible */
            continue;
        pdf_line_t *more = qy_grow(lines, n, &cap, sizeof *lines, 16);
        if (!more) {
            free(lines);
            return -1;
        }
        lines = more;
        lines[n++] = l;
    }
    *out = lines;
    return (long)n;
}

/* 1 when line B starts a paragraph after line A. */
static int breaks(const pdf_line_t *a, const pdf_line_t *b, double height,
                  double right)
{
    if (b->y1 < a->y1) /* a new column */
        return 1;
    if (b->y1 - a->y2 > PARAGRAPH_GAP * height)
        return 1;
    if (b->x1 > a->x1 + PARAGRAPH_INDENT * height)
        return 1;
    return a->x2 < right - PARAGRAPH_SHORT * height;
}

/* Appends line L of TEXT to B, joining a word hyphenated across lines. */
static qy_status_t add_line(qy_block_t *b, const char *text,
                            const pdf_line_t *l)
{
    if (b->len > 0) {
        const char *prev = b->text + b->len;
        int hyphen = b->len >= 2 && prev[-1] == '-' &&
                     g_ascii_isalpha(prev[-2]) &&
                     g_ascii_islower(text[l->start]);
        if (hyphen)
            qy_block_truncate(b, b->len - 1, b->npieces);
        else if (qy_block_add(b, " ", 1, QY_NO_SOURCE, 0, NULL, 0) != QY_OK)
            return QY_NOMEM;
    }
    return qy_block_add(b, text + l->start, l->end - l->start, QY_NO_SOURCE, 0,
                        NULL, 0);
}

/* The first line of the document that looks like a heading: short, not
 * ending like a sentence. Malloc'd, or NULL. */
static char *heading_line(const char *text, const pdf_line_t *l)
{
    size_t n;
    char *s = qy_passage_clean(text + l->start, l->end - l->start, &n);
    if (s && (n == 0 || n > QY_HEADING_MAX_BYTES || strchr(".,;:", s[n - 1]) ||
              !strchr(s, ' '))) {
        free(s);
        s = NULL;
    }
    return s;
}

/* Appends the paragraphs of page PAGENO to OUT. *TEXT_BYTES counts the
 * text taken so far; *HEADING is set from the first heading-like line. */
static qy_status_t add_page(PopplerPage *page, unsigned pageno,
                            qy_article_t *out, qy_block_t *b,
                            size_t *text_bytes, char **heading)
{
    char *text = poppler_page_get_text(page);
    if (!text)
        return QY_OK;
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    if (!poppler_page_get_text_layout(page, &rects, &nrects))
        nrects = 0;
    pdf_line_t *lines = NULL;
    long n = page_lines(text, rects, nrects, &lines);
    qy_status_t st = n < 0 ? QY_NOMEM : QY_OK;
    *text_bytes += strlen(text);
    double *heights = n > 0 ? malloc((size_t)n * sizeof *heights) : NULL;
    double height = 0, right = 0;
    if (n > 0 && !heights)
        st = QY_NOMEM;
    for (long i = 0; st == QY_OK && i < n; i++) {
        heights[i] = lines[i].y2 - lines[i].y1;
        if (lines[i].x2 > right)
            right = lines[i].x2;
    }
    if (st == QY_OK && n > 0) {
        qsort(heights, (size_t)n, sizeof *heights, compare_double);
        height = heights[n / 2];
    }
    size_t first = out->count;
    for (long i = 0; st == QY_OK && i < n; i++) {
        if (!*heading && !out->title)
            *heading = heading_line(text, &lines[i]);
        if (i > 0 && breaks(&lines[i - 1], &lines[i], height, right))
            st = qy_block_flush(b, out, 0, NULL);
        if (st == QY_OK)
            st = add_line(b, text, &lines[i]);
    }
    if (st == QY_OK)
        st = qy_block_flush(b, out, 0, NULL);
    for (size_t i = first; i < out->count; i++)
        out->passages[i].page = pageno;
    free(heights);
    free(lines);
    g_free(rects);
    g_free(text);
    return st;
}

/* The title printed as the first paragraph is the title, not a passage. */
static void drop_title_passage(qy_article_t *out)
{
    if (!out->title || out->count == 0 ||
        strcmp(out->passages[0].text, out->title) != 0)
        return;
    free(out->passages[0].text);
    free(out->passages[0].title);
    memmove(out->passages, out->passages + 1,
            (out->count - 1) * sizeof *out->passages);
    out->count--;
    for (size_t i = 0; i < out->count; i++)
        out->passages[i].ordinal = (unsigned)i + 1;
}

static qy_status_t properties(PopplerDocument *doc, qy_article_t *out)
{
    gchar *title = poppler_document_get_title(doc);
    gchar *author = poppler_document_get_author(doc);
    char date[32] = "";
    time_t t = poppler_document_get_creation_date(doc);
    struct tm tm;
    if (t > 0 && gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    qy_status_t st = qy_article_set_properties(out, title, author, date);
    g_free(title);
    g_free(author);
    return st;
}

qy_status_t qy_split_pdf(const char *buf, size_t len, qy_article_t *out,
                         const char **why)
{
    memset(out, 0, sizeof *out);
    GError *error = NULL;
    GBytes *bytes = g_bytes_new_static(buf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &error);
    g_bytes_unref(bytes);
    if (!doc) {
        int encrypted = error && error->domain == POPPLER_ERROR &&
                        error->code == POPPLER_ERROR_ENCRYPTED;
        *why = encrypted ? "encrypted PDF (needs a password), skipped"
                         : "damaged PDF, skipped";
        g_clear_error(&error);
        return QY_INVALID;
    }
    qy_status_t st = properties(doc, out);
    qy_block_t b = {0};
    char *heading = NULL;
    size_t text_bytes = 0;
    int pages = poppler_document_get_n_pages(doc);
    for (int i = 0; st == QY_OK && i < pages; i++) {
        if (text_bytes > QY_EXTRACT_MAX_BYTES)
            break; /* the rest of a huge document is not indexed */
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        st = add_page(page, (unsigned)i + 1, out, &b, &text_bytes, &heading);
        g_object_unref(page);
    }
    qy_block_free(&b);
    g_object_unref(doc);
    if (st == QY_OK && !out->title && heading) {
        out->title = heading;
        heading = NULL;
    }
    free(heading);
    if (st == QY_OK)
        drop_title_passage(out);
    if (st == QY_OK)
        st = qy_article_default_title(out);
    if (st == QY_OK && out->count == 0 && text_bytes == 0) {
        *why = "no text in the PDF (scanned pages?), skipped";
        st = QY_INVALID;
    }
    if (st != QY_OK)
        qy_article_free(out);
    return st;
}
