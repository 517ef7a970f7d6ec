/* Markdown: parsed with md4c (CommonMark, with GitHub's tables,
 * strikethrough and task lists), then split block by block.
 *
 * - Paragraphs, list items, table cells and quoted paragraphs are blocks,
 *   split and judged like a block of plain text (a soft line break is a line
 *   end, so a paragraph of long lines holds a passage per line, as a text
 *   file would).
 * - Each heading titles the passages below it; the first heading of the
 *   highest level (or a YAML front matter "title:") is the article's title.
 * - Code blocks are text: split like plain text and kept where prose.
 * - Link text is kept and its URL dropped; an autolink, whose text is its
 *   URL, is dropped. Images are dropped with their alt text, HTML blocks
 *   and inline HTML tags are dropped. Character references are decoded. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "format_internal.h"
#include "quarry/formats.h"
#include "quarry/utf8.h"

#define MD_FLAGS (MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS)

/* Named references decoded per document, beyond which the rest stay as
 * written: each costs a parse of the reference. */
#define MAX_REFERENCES 64

typedef struct reference {
    char *name; /* as written, "&eacute;" */
    char *text; /* decoded */
    size_t name_len, text_len;
} reference_t;

typedef struct md {
    const char *buf; /* what md4c parses: the source after front matter */
    size_t len;
    size_t base; /* offset of BUF in the source */
    qy_article_t *out;
    qy_block_t block;
    unsigned heading;     /* level of the heading being read, or 0 */
    int code;             /* inside a code block */
    unsigned skip;        /* inside an HTML block or an image */
    char *section;        /* the heading above, or NULL */
    size_t section_since; /* passages when it was met */
    char *front_title;
    char *top_title; /* the first heading of level TOP_LEVEL */
    unsigned top_level;
    /* The link being read (links do not nest). */
    int in_link;
    char *href;
    size_t href_len, link_len, link_pieces;
    reference_t refs[MAX_REFERENCES];
    size_t nrefs;
    qy_status_t st;
} md_t;

static int failed(md_t *m, qy_status_t st)
{
    if (st != QY_OK && m->st == QY_OK)
        m->st = st;
    return m->st != QY_OK; /* non-zero stops md4c */
}

static int flush(md_t *m)
{
    /* A paragraph, heading or list item is a unit, kept whatever its
     * length; the lines of code are kept only where prose. */
    return failed(m, qy_block_flush(&m->block, m->out,
                                    m->code ? 0 : QY_TEXT_UNIT, m->section));
}

/* ---- Blocks -------------------------------------------------------------- */

static void end_heading(md_t *m)
{
    size_t n;
    char *text = qy_passage_clean(m->block.text, m->block.len, &n);
    if (!text) {
        failed(m, QY_NOMEM);
        return;
    }
    if (n > QY_HEADING_MAX_BYTES) { /* a paragraph underlined by accident */
        free(text);
        flush(m);
        return;
    }
    qy_block_clear(&m->block);
    if (n == 0) {
        free(text);
        return;
    }
    if (!m->top_title || m->heading < m->top_level) {
        free(m->top_title);
        if (!(m->top_title = strdup(text))) {
            free(text);
            failed(m, QY_NOMEM);
            return;
        }
        m->top_level = m->heading;
    }
    failed(m, qy_article_keep_heading(m->out, m->section, m->section_since,
                                      m->front_title ? m->front_title
                                                     : m->top_title));
    free(m->section);
    m->section = text;
    m->section_since = m->out->count;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ctx)
{
    md_t *m = ctx;
    if (m->skip)
        return 0; /* HTML blocks hold no blocks */
    switch (type) {
    case MD_BLOCK_DOC:
        return 0;
    case MD_BLOCK_HTML:
        m->skip++;
        return flush(m);
    case MD_BLOCK_H:
        flush(m);
        m->heading = ((const MD_BLOCK_H_DETAIL *)detail)->level;
        return m->st != QY_OK;
    case MD_BLOCK_CODE:
        flush(m);
        m->code = 1;
        return m->st != QY_OK;
    default:
        return flush(m);
    }
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *ctx)
{
    md_t *m = ctx;
    (void)detail;
    if (type == MD_BLOCK_HTML) {
        m->skip--;
        return 0;
    }
    if (m->skip)
        return 0;
    if (type == MD_BLOCK_H && m->heading) {
        end_heading(m);
        m->heading = 0;
        return m->st != QY_OK;
    }
    if (type == MD_BLOCK_CODE) {
        flush(m); /* as code */
        m->code = 0;
        return m->st != QY_OK;
    }
    return flush(m);
}

/* ---- Spans --------------------------------------------------------------- */

static int enter_span(MD_SPANTYPE type, void *detail, void *ctx)
{
    md_t *m = ctx;
    if (type == MD_SPAN_IMG) {
        m->skip++;
        return 0;
    }
    if (type != MD_SPAN_A || m->skip || m->in_link)
        return 0;
    const MD_ATTRIBUTE *href = &((const MD_SPAN_A_DETAIL *)detail)->href;
    free(m->href);
    m->href = malloc(href->size + 1);
    if (!m->href)
        return failed(m, QY_NOMEM);
    if (href->size) /* md4c gives NULL text for an empty destination */
        memcpy(m->href, href->text, href->size);
    m->href[href->size] = '\0';
    m->href_len = href->size;
    m->in_link = 1;
    m->link_len = m->block.len;
    m->link_pieces = m->block.npieces;
    return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ctx)
{
    md_t *m = ctx;
    (void)detail;
    if (type == MD_SPAN_IMG) {
        m->skip--;
        return 0;
    }
    if (type != MD_SPAN_A || !m->in_link)
        return 0;
    m->in_link = 0;
    /* An autolink's text is its URL (for mail, without "mailto:"). */
    size_t n = m->block.len - m->link_len;
    /* An empty block has no text buffer yet: no pointer arithmetic on it. */
    const char *text = n ? m->block.text + m->link_len : "";
    const char *href = m->href;
    size_t href_len = m->href_len;
    if (href_len >= 7 && memcmp(href, "mailto:", 7) == 0 && n + 7 == href_len) {
        href += 7;
        href_len -= 7;
    }
    if (n > 0 && n == href_len && memcmp(text, href, n) == 0)
        qy_block_truncate(&m->block, m->link_len, m->link_pieces);
    return 0;
}

/* ---- Text ---------------------------------------------------------------- */

/* Decodes the character reference S[0, N) md4c found (&name;, &#123; or
 * &#x1F;) and appends it, spanning its source SRC. */
static int add_reference(md_t *m, const char *s, size_t n, size_t src)
{
    if (n >= 4 && s[1] == '#') {
        /* CommonMark: numeric, replacement character for 0, surrogates and
         * values beyond Unicode. */
        int hex = s[2] == 'x' || s[2] == 'X';
        uint32_t cp = 0;
        for (size_t i = hex ? 3 : 2; i + 1 < n; i++) {
            char c = s[i];
            unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                                : (unsigned)(c - 'A' + 10);
            if (cp <= 0x10FFFF)
                cp = cp * (hex ? 16 : 10) + d;
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = 0xFFFD;
        char utf8[4];
        size_t len = qy_utf8_encode((int32_t)cp, utf8);
        return failed(m,
                      qy_block_add(&m->block, utf8, len, src, n, s, m->code));
    }
    for (size_t i = 0; i < m->nrefs; i++) {
        reference_t *r = &m->refs[i];
        if (r->name_len == n && memcmp(r->name, s, n) == 0)
            return failed(m, qy_block_add(&m->block, r->text, r->text_len, src,
                                          n, s, m->code));
    }
    if (m->nrefs == MAX_REFERENCES)
        return failed(m, qy_block_add(&m->block, s, n, src, n, s, m->code));
    reference_t *r = &m->refs[m->nrefs];
    r->text = qy_html_decode_reference(s, n, &r->text_len);
    r->name = malloc(n);
    if (!r->text || !r->name) {
        free(r->text);
        free(r->name);
        return failed(m, QY_NOMEM);
    }
    memcpy(r->name, s, n);
    r->name_len = n;
    m->nrefs++;
    return failed(
        m, qy_block_add(&m->block, r->text, r->text_len, src, n, s, m->code));
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE size, void *ctx)
{
    md_t *m = ctx;
    if (m->skip)
        return 0;
    /* Text points into the source, or at md4c's own strings ("\n"). */
    size_t src = QY_NO_SOURCE;
    uintptr_t at = (uintptr_t)s, from = (uintptr_t)m->buf;
    if (at >= from && size <= m->len && at - from <= m->len - size)
        src = m->base + (size_t)(at - from);
    switch (type) {
    case MD_TEXT_NULLCHAR:
        return failed(m, qy_block_add(&m->block, "\xEF\xBF\xBD", 3,
                                      QY_NO_SOURCE, 0, NULL, 0));
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
        return failed(m, m->heading ? qy_block_add(&m->block, " ", 1,
                                                   QY_NO_SOURCE, 0, NULL, 0)
                                    : qy_block_break(&m->block));
    case MD_TEXT_HTML: /* an inline tag: markup */
        return 0;
    case MD_TEXT_ENTITY:
        if (src == QY_NO_SOURCE) /* not expected: keep it as written */
            return failed(
                m, qy_block_add(&m->block, s, size, src, 0, NULL, m->code));
        return add_reference(m, s, size, src);
    default: /* normal text, code, LaTeX */
        return failed(m, qy_block_add(&m->block, s, size, src, size,
                                      src != QY_NO_SOURCE ? s : NULL,
                                      m->code && !m->heading));
    }
}

/* ---- Front matter -------------------------------------------------------- */

/* The length of the line at S (without its end) and where the next begins. */
static size_t line_at(const char *s, size_t len, size_t *next)
{
    const char *nl = memchr(s, '\n', len);
    size_t n = nl ? (size_t)(nl - s) : len;
    *next = nl ? n + 1 : len;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    return n;
}

static int is_fence(const char *s, size_t n, const char *fence)
{
    while (n > 3 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n == 3 && memcmp(s, fence, 3) == 0;
}

/* A YAML front matter block (--- ... --- or ...) at the start of BUF:
 * returns its length, 0 when there is none, and its "title:" in *TITLE
 * (malloc'd, cleaned) when it has one. -1 when out of memory. */
static long front_matter(const char *buf, size_t len, char **title)
{
    size_t next, n = line_at(buf, len, &next);
    *title = NULL;
    if (!is_fence(buf, n, "---") || next >= len)
        return 0;
    const char *value = NULL;
    size_t value_len = 0;
    for (size_t pos = next; pos < len;) {
        n = line_at(buf + pos, len - pos, &next);
        const char *line = buf + pos;
        if (is_fence(line, n, "---") || is_fence(line, n, "...")) {
            if (value) {
                if (value_len >= 2 && (value[0] == '"' || value[0] == '\'') &&
                    value[value_len - 1] == value[0]) {
                    value++;
                    value_len -= 2;
                }
                size_t tn;
                *title = qy_passage_clean(value, value_len, &tn);
                if (!*title)
                    return -1;
                if (tn > QY_HEADING_MAX_BYTES || tn == 0) {
                    free(*title);
                    *title = NULL;
                }
            }
            return (long)(pos + next);
        }
        if (!value && n > 6 && memcmp(line, "title:", 6) == 0) {
            value = line + 6;
            value_len = n - 6;
            while (value_len > 0 && (*value == ' ' || *value == '\t')) {
                value++;
                value_len--;
            }
            while (value_len > 0 && (value[value_len - 1] == ' ' ||
                                     value[value_len - 1] == '\t'))
                value_len--;
        }
        pos += next;
    }
    return 0; /* never closed: not front matter */
}

/* ---- The document -------------------------------------------------------- */

qy_status_t qy_split_markdown(const char *buf, size_t len, qy_article_t *out)
{
    memset(out, 0, sizeof *out);
    size_t base = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        base = 3; /* byte order mark */
    char *front_title;
    long fm = front_matter(buf + base, len - base, &front_title);
    if (fm < 0)
        return QY_NOMEM;
    base += (size_t)fm;
    if (len - base > UINT_MAX) { /* md4c counts in unsigned int */
        free(front_title);
        return qy_split_plain(buf, len, out);
    }

    /* md4c 0.4.8 (Debian 12) can read bytes past the end of its input
     * (mity/md4c#167, fixed after that release; valgrind shows it on
     * "\xA9##r[](r[]("): it parses a copy followed by NUL bytes, so that
     * what it reads there is defined and ends the text. */
    enum { MD4C_PADDING = 64 };
    char *padded = malloc(len - base + MD4C_PADDING);
    if (!padded) {
        free(front_title);
        return QY_NOMEM;
    }
    memcpy(padded, buf + base, len - base);
    memset(padded + (len - base), 0, MD4C_PADDING);
    md_t m = {.buf = padded,
              .len = len - base,
              .base = base,
              .out = out,
              .front_title = front_title};
    MD_PARSER parser = {0,           MD_FLAGS,   enter_block,
                        leave_block, enter_span, leave_span,
                        text,        NULL,       NULL};
    int rc = md_parse(m.buf, (MD_SIZE)m.len, &parser, &m);
    if (rc != 0 && m.st == QY_OK)
        m.st = QY_NOMEM; /* md4c fails only when out of memory */
    if (m.st == QY_OK) {
        m.heading = 0;
        flush(&m);
        failed(&m, qy_article_keep_heading(out, m.section, m.section_since,
                                           m.front_title ? m.front_title
                                                         : m.top_title));
    }
    if (m.st == QY_OK)
        m.st = qy_article_finish_titles(out, &m.front_title, &m.top_title);
    qy_block_free(&m.block);
    free(padded);
    free(m.section);
    free(m.front_title);
    free(m.top_title);
    free(m.href);
    for (size_t i = 0; i < m.nrefs; i++) {
        free(m.refs[i].name);
        free(m.refs[i].text);
    }
    if (m.st != QY_OK)
        qy_article_free(out);
    return m.st;
}
