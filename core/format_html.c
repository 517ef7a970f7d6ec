/* HTML: parsed with gumbo, a complete HTML5 parser, then walked for the
 * text of its blocks.
 *
 * - <title> (else the first <h1>) is the article's title; each heading
 *   titles the passages below it.
 * - Paragraphs, list items, table cells, blockquotes, divisions and the like
 *   are blocks; each block is split and judged like a block of plain text,
 *   <br> ending a line and <br><br> a paragraph. Inline markup is dropped,
 *   its text kept; character references are decoded (by gumbo).
 * - script, style, nav, footer, aside, form, noscript, template, iframe,
 *   object, svg, math, form controls, and elements marked hidden are
 *   dropped with their content; of a header only the headings are kept.
 *   Images are dropped with their alt text.
 *
 * Hostile input. The HTML5 tree builder looks through the stack of open
 * elements for many tags, so a document nested N deep costs N^2, and gumbo
 * frees its tree recursively. Before parsing, a scan that follows the HTML
 * tokenizer's states tracks how deep elements nest and blanks (with spaces,
 * so that offsets stay true) the tags of elements nested deeper than
 * MAX_DEPTH, keeping their text. Gumbo's memory comes from a tracked
 * allocator and is released in one sweep, so neither a tree deeper than the
 * scan foresaw nor running out of memory inside gumbo can crash. */
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "format_internal.h"
#include "quarry/formats.h"
#include "quarry/grow.h"

#define MAX_DEPTH 256
/* How far below the top an end tag may close an element (closing those
 * above it), as misnested real pages need. */
#define END_TAG_REACH 8

/* ---- A tracked allocator for gumbo -------------------------------------- */

typedef union chunk {
    struct {
        union chunk *prev, *next;
    } link;
    max_align_t align;
} chunk_t;

typedef struct arena {
    chunk_t *head;
    jmp_buf oom;
} arena_t;

static void *arena_alloc(void *userdata, size_t size)
{
    arena_t *a = userdata;
    chunk_t *c =
        size <= (size_t)-1 - sizeof *c ? malloc(sizeof *c + size) : NULL;
    if (!c)
        longjmp(a->oom, 1); /* gumbo does not check: leave it here */
    c->link.prev = NULL;
    c->link.next = a->head;
    if (a->head)
        a->head->link.prev = c;
    a->head = c;
    return c + 1;
}

static void arena_dealloc(void *userdata, void *ptr)
{
    arena_t *a = userdata;
    if (!ptr)
        return;
    chunk_t *c = (chunk_t *)ptr - 1;
    if (c->link.prev)
        c->link.prev->link.next = c->link.next;
    else
        a->head = c->link.next;
    if (c->link.next)
        c->link.next->link.prev = c->link.prev;
    free(c);
}

static void arena_free(arena_t *a)
{
    if (!a)
        return;
    for (chunk_t *c = a->head, *next; c; c = next) {
        next = c->link.next;
        free(c);
    }
    free(a);
}

/* Parses BUF with gumbo into memory of A; NULL when out of memory. */
static GumboOutput *parse(arena_t *a, const char *buf, size_t len)
{
    GumboOptions opts = kGumboDefaultOptions;
    opts.allocator = arena_alloc;
    opts.deallocator = arena_dealloc;
    opts.userdata = a;
    opts.max_errors = 0; /* parse errors are not needed: keep none */
    if (setjmp(a->oom))
        return NULL;
    return gumbo_parse_with_options(&opts, buf, len);
}

/* ---- Limiting the depth -------------------------------------------------- */

static int is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int name_eq(const char *name, size_t n, const char *lit)
{
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (!lit[i] || c != lit[i])
            return 0;
    }
    return lit[n] == '\0';
}

/* Tag names, ASCII case ignored. */
static int names_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        char c = a[i], d = b[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (d >= 'A' && d <= 'Z')
            d = (char)(d + ('a' - 'A'));
        if (c != d)
            return 0;
    }
    return 1;
}

static int name_in(const char *name, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (name_eq(name, n, *list))
            return 1;
    return 0;
}

/* Elements that never hold others. */
static const char *const void_tags[] = {
    "area",  "base",   "basefont", "bgsound", "br",     "col",  "embed",
    "frame", "hr",     "img",      "input",   "keygen", "link", "meta",
    "param", "source", "track",    "wbr",     NULL};
/* Elements that the next of their kind (or their parent's end) closes:
 * they cannot nest by themselves, so they are not counted. */
static const char *const self_ending_tags[] = {
    "p",        "li",      "dt",   "dd",    "option", "optgroup",
    "tr",       "td",      "th",   "thead", "tbody",  "tfoot",
    "colgroup", "caption", "html", "head",  "body",   NULL};
/* Elements whose content is text up to their end tag (outside SVG and
 * MathML). */
static const char *const raw_text_tags[] = {"script",   "style",   "xmp",
                                            "iframe",   "noembed", "noframes",
                                            "textarea", "title",   NULL};
/* An end tag does not close elements across these. */
static const char *const scope_tags[] = {
    "table", "template", "applet", "object", "marquee", "svg", "math", NULL};

typedef struct open_tag {
    const char *name;
    size_t len;
} open_tag_t;

typedef struct limiter {
    const char *buf;
    size_t len;
    char *copy; /* BUF with blanked tags, made at the first one */
    open_tag_t *stack;
    size_t depth, cap;
    size_t foreign; /* svg and math elements open */
} limiter_t;

/* Skips the attributes of a tag from I (just after its name) as the
 * tokenizer does; returns the index after its '>', or LEN. */
static size_t skip_attributes(const char *b, size_t len, size_t i)
{
    enum {
        BEFORE_NAME,
        NAME,
        AFTER_NAME,
        BEFORE_VALUE,
        UNQUOTED
    } s = BEFORE_NAME;
    while (i < len) {
        char c = b[i];
        if (s == BEFORE_VALUE && (c == '"' || c == '\'')) {
            const char *q = memchr(b + i + 1, c, len - i - 1);
            if (!q)
                return len;
            i = (size_t)(q - b) + 1;
            s = BEFORE_NAME;
            continue;
        }
        if (c == '>')
            return i + 1;
        i++;
        switch (s) {
        case BEFORE_NAME:
            if (!is_html_space(c) && c != '/')
                s = NAME;
            break;
        case NAME:
        case AFTER_NAME:
            if (c == '=')
                s = BEFORE_VALUE;
            else if (c == '/')
                s = BEFORE_NAME;
            else if (is_html_space(c))
                s = AFTER_NAME;
            else
                s = NAME;
            break;
        case BEFORE_VALUE:
            if (!is_html_space(c))
                s = UNQUOTED;
            break;
        case UNQUOTED:
            if (is_html_space(c))
                s = BEFORE_NAME;
            break;
        }
    }
    return len;
}

static int blank(limiter_t *l, size_t from, size_t to)
{
    if (!l->copy) {
        l->copy = malloc(l->len ? l->len : 1);
        if (!l->copy)
            return -1;
        memcpy(l->copy, l->buf, l->len);
    }
    memset(l->copy + from, ' ', to - from);
    return 0;
}

/* The end of the raw text that starts at I and ends at </NAME. */
static size_t raw_text_end(const char *b, size_t len, size_t i,
                           const char *name, size_t n)
{
    while (i < len) {
        const char *lt = memchr(b + i, '<', len - i);
        if (!lt)
            return len;
        size_t k = (size_t)(lt - b), e = k + 2 + n;
        if (e <= len && b[k + 1] == '/' && names_eq(b + k + 2, n, name, n) &&
            (e == len || is_html_space(b[e]) || b[e] == '/' || b[e] == '>'))
            return k;
        i = k + 1;
    }
    return len;
}

static size_t scan_name(const char *b, size_t len, size_t i)
{
    while (i < len && !is_html_space(b[i]) && b[i] != '/' && b[i] != '>')
        i++;
    return i;
}

/* Handles the start tag <NAME...> spanning [AT, END); sets *RAW when its
 * content is raw text. Returns -1 when out of memory. */
static int start_tag(limiter_t *l, const char *name, size_t n, size_t at,
                     size_t end, int *raw)
{
    *raw = 0;
    if (name_in(name, n, void_tags) || name_in(name, n, self_ending_tags))
        return 0;
    if (!l->foreign && name_in(name, n, raw_text_tags)) {
        *raw = 1; /* holds no elements: need not be counted */
        return 0;
    }
    open_tag_t *s = qy_grow(l->stack, l->depth, &l->cap, sizeof *s, 64);
    if (!s)
        return -1;
    l->stack = s;
    l->stack[l->depth++] = (open_tag_t){name, n};
    if (name_eq(name, n, "svg") || name_eq(name, n, "math"))
        l->foreign++;
    if (l->depth > MAX_DEPTH && blank(l, at, end) != 0)
        return -1;
    return 0;
}

static void pop(limiter_t *l)
{
    open_tag_t *t = &l->stack[--l->depth];
    if (name_eq(t->name, t->len, "svg") || name_eq(t->name, t->len, "math"))
        l->foreign--;
}

static int end_tag(limiter_t *l, const char *name, size_t n, size_t at,
                   size_t end)
{
    for (size_t k = l->depth, reach = 0; k-- > 0 && reach < END_TAG_REACH;
         reach++) {
        const open_tag_t *t = &l->stack[k];
        if (names_eq(name, n, t->name, t->len)) {
            int deep = k >= MAX_DEPTH;
            while (l->depth > k)
                pop(l);
            return deep ? blank(l, at, end) : 0;
        }
        if (name_in(t->name, t->len, scope_tags))
            break;
    }
    return 0;
}

/* Returns BUF, or a copy of it with the tags nested too deep blanked
 * (*COPY, to be freed); -1 when out of memory. */
static int limit_depth(const char *buf, size_t len, char **copy)
{
    limiter_t l = {buf, len, NULL, NULL, 0, 0, 0};
    size_t i = 0;
    int err = 0;
    while (i < len && !err) {
        const char *lt = memchr(buf + i, '<', len - i);
        if (!lt)
            break;
        size_t at = (size_t)(lt - buf);
        i = at + 1;
        if (i >= len)
            break;
        char c = buf[i];
        if (c == '!' && len - i >= 3 && buf[i + 1] == '-' &&
            buf[i + 2] == '-') {
            /* A comment: ends at -->, --!>, or at once as <!--> or <!--->. */
            size_t k = i + 3;
            if (k < len && buf[k] == '>') {
                i = k + 1;
                continue;
            }
            if (k + 1 < len && buf[k] == '-' && buf[k + 1] == '>') {
                i = k + 2;
                continue;
            }
            for (i = len; k + 2 < len; k++)
                if (buf[k] == '-' && buf[k + 1] == '-' &&
                    (buf[k + 2] == '>' ||
                     (buf[k + 2] == '!' && k + 3 < len && buf[k + 3] == '>'))) {
                    i = k + (buf[k + 2] == '>' ? 3 : 4);
                    break;
                }
        } else if (c == '!' || c == '?' ||
                   (c == '/' && i + 1 < len && !is_alpha(buf[i + 1]))) {
            /* A doctype, a bogus comment, or </>: up to the next '>'. */
            const char *gt = memchr(buf + i, '>', len - i);
            i = gt ? (size_t)(gt - buf) + 1 : len;
        } else if (c == '/') {
            size_t name = i + 1, name_end = scan_name(buf, len, name);
            i = skip_attributes(buf, len, name_end);
            err = end_tag(&l, buf + name, name_end - name, at, i);
        } else if (is_alpha(c)) {
            size_t name = i, name_end = scan_name(buf, len, name);
            int raw;
            i = skip_attributes(buf, len, name_end);
            if (name_eq(buf + name, name_end - name, "plaintext") && !l.foreign)
                break; /* the rest is text */
            err = start_tag(&l, buf + name, name_end - name, at, i, &raw);
            if (raw)
                i = raw_text_end(buf, len, i, buf + name, name_end - name);
        }
    }
    free(l.stack);
    *copy = l.copy;
    if (err) {
        free(l.copy);
        *copy = NULL;
        return -1;
    }
    return 0;
}

/* ---- Walking the tree ---------------------------------------------------- */

typedef struct walk {
    const char *src; /* what gumbo parsed */
    size_t len;
    qy_article_t *out;
    qy_block_t block;
    char *section; /* the heading above, cleaned; NULL before the first */
    size_t section_since; /* passages when it was met */
    char *title;          /* of <title> */
    char *first_h1;
    GumboNode *heading; /* the heading being read, or NULL */
    unsigned mute;      /* inside a header: only headings count */
    unsigned lines;     /* inside pre: line ends are kept */
    qy_status_t st;
} walk_t;

static const GumboVector *children(const GumboNode *node)
{
    if (node->type == GUMBO_NODE_DOCUMENT)
        return &node->v.document.children;
    if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE)
        return &node->v.element.children;
    return NULL;
}

static void fail(walk_t *w, qy_status_t st)
{
    if (w->st == QY_OK)
        w->st = st;
}

static void flush(walk_t *w)
{
    /* A block is a unit, kept whatever its length; the lines of <pre> are
     * kept only where prose. */
    if (w->st == QY_OK && !w->heading)
        fail(w, qy_block_flush(&w->block, w->out, w->lines ? 0 : QY_TEXT_UNIT,
                               w->section));
}

static void add_text(walk_t *w, const GumboText *t)
{
    if (w->mute && !w->heading)
        return;
    size_t n = strlen(t->text);
    const char *orig = t->original_text.data;
    size_t orig_len = t->original_text.length;
    size_t src = QY_NO_SOURCE;
    if (orig && orig >= w->src && orig_len <= w->len &&
        (size_t)(orig - w->src) <= w->len - orig_len)
        src = (size_t)(orig - w->src);
    fail(w, qy_block_add(&w->block, t->text, n, src, orig_len,
                         src != QY_NO_SOURCE ? orig : NULL,
                         w->lines > 0 && !w->heading));
}

/* The text of an element's text children, cleaned; NULL when out of
 * memory. */
static char *element_text(const GumboNode *node, size_t *n)
{
    const GumboVector *kids = children(node);
    size_t total = 0;
    for (unsigned i = 0; kids && i < kids->length; i++) {
        const GumboNode *k = kids->data[i];
        if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE)
            total += strlen(k->v.text.text);
    }
    char *raw = malloc(total + 1), *o = raw;
    if (!raw)
        return NULL;
    for (unsigned i = 0; kids && i < kids->length; i++) {
        const GumboNode *k = kids->data[i];
        if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE) {
            size_t len = strlen(k->v.text.text);
            memcpy(o, k->v.text.text, len);
            o += len;
        }
    }
    char *clean = qy_passage_clean(raw, total, n);
    free(raw);
    return clean;
}

static int is_hidden(const GumboElement *el)
{
    if (gumbo_get_attribute(&el->attributes, "hidden"))
        return 1;
    const GumboAttribute *a =
        gumbo_get_attribute(&el->attributes, "aria-hidden");
    return a && strcmp(a->value, "true") == 0;
}

static int is_block(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_UL:
        return 1;
    default:
        return 0;
    }
}

static int is_dropped(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_VIDEO:
        return 1;
    default:
        return 0;
    }
}

static int heading_level(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_H1:
        return 1;
    case GUMBO_TAG_H2:
        return 2;
    case GUMBO_TAG_H3:
        return 3;
    case GUMBO_TAG_H4:
        return 4;
    case GUMBO_TAG_H5:
        return 5;
    case GUMBO_TAG_H6:
        return 6;
    default:
        return 0;
    }
}

/* Called before NODE's children; returns whether to visit them. */
static int enter(walk_t *w, GumboNode *node)
{
    switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
        return 1;
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE:
        add_text(w, &node->v.text);
        return 0;
    case GUMBO_NODE_ELEMENT:
        break;
    default: /* comments, template contents */
        return 0;
    }
    GumboElement *el = &node->v.element;
    if (el->tag_namespace != GUMBO_NAMESPACE_HTML || is_dropped(el->tag) ||
        is_hidden(el))
        return 0;
    if (el->tag == GUMBO_TAG_TITLE) {
        if (!w->title) {
            size_t n;
            char *t = element_text(node, &n);
            if (!t)
                fail(w, QY_NOMEM);
            else if (n == 0 || n > QY_HEADING_MAX_BYTES)
                free(t);
            else
                w->title = t;
        }
        return 0;
    }
    if (el->tag == GUMBO_TAG_BR) {
        if (!w->mute || w->heading)
            fail(w, w->heading ? qy_block_add(&w->block, " ", 1, QY_NO_SOURCE,
                                              0, NULL, 0)
                               : qy_block_break(&w->block));
        return 0;
    }
    if (heading_level(el->tag)) {
        if (!w->heading) {
            flush(w);
            w->heading = node;
        }
        return 1;
    }
    if (el->tag == GUMBO_TAG_HEADER) {
        flush(w);
        w->mute++;
        return 1;
    }
    if (is_block(el->tag)) {
        flush(w);
        if (el->tag == GUMBO_TAG_PRE || el->tag == GUMBO_TAG_LISTING ||
            el->tag == GUMBO_TAG_PLAINTEXT)
            w->lines++;
    }
    return 1;
}

static void end_heading(walk_t *w)
{
    size_t n;
    char *text = qy_passage_clean(w->block.text, w->block.len, &n);
    if (!text) {
        fail(w, QY_NOMEM);
        return;
    }
    if (n > QY_HEADING_MAX_BYTES) { /* too long for a title: text */
        free(text);
        fail(w, qy_block_flush(&w->block, w->out, QY_TEXT_UNIT, w->section));
        return;
    }
    qy_block_clear(&w->block);
    if (n == 0) {
        free(text);
        return;
    }
    if (w->heading->v.element.tag == GUMBO_TAG_H1 && !w->first_h1 &&
        !(w->first_h1 = strdup(text)))
        fail(w, QY_NOMEM);
    fail(w, qy_article_keep_heading(w->out, w->section, w->section_since,
                                    w->title ? w->title : w->first_h1));
    free(w->section);
    w->section = text;
    w->section_since = w->out->count;
}

/* Called after NODE's children. */
static void leave(walk_t *w, GumboNode *node)
{
    if (node->type != GUMBO_NODE_ELEMENT)
        return;
    GumboTag tag = node->v.element.tag;
    if (node == w->heading) {
        end_heading(w);
        w->heading = NULL;
    } else if (tag == GUMBO_TAG_HEADER) {
        w->mute--;
    } else if (is_block(tag)) {
        flush(w);
        if (tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_LISTING ||
            tag == GUMBO_TAG_PLAINTEXT)
            w->lines--;
    }
}

typedef struct frame {
    GumboNode *node;
    unsigned next; /* the next child to visit */
} frame_t;

/* Visits the tree under ROOT depth first, without recursion: the tree may
 * be deep. */
static void walk_tree(walk_t *w, GumboNode *root)
{
    frame_t *stack = NULL;
    size_t depth = 0, cap = 0;
    if (!enter(w, root))
        return;
    stack = qy_reserve(NULL, 1, &cap, sizeof *stack, 64);
    if (!stack) {
        fail(w, QY_NOMEM);
        return;
    }
    stack[depth++] = (frame_t){root, 0};
    while (depth > 0 && w->st == QY_OK) {
        frame_t *f = &stack[depth - 1];
        const GumboVector *kids = children(f->node);
        if (!kids || f->next >= kids->length) {
            leave(w, f->node);
            depth--;
            continue;
        }
        GumboNode *child = kids->data[f->next++];
        if (!enter(w, child))
            continue;
        frame_t *s = qy_grow(stack, depth, &cap, sizeof *s, 64);
        if (!s) {
            fail(w, QY_NOMEM);
            break;
        }
        stack = s;
        stack[depth++] = (frame_t){child, 0};
    }
    free(stack);
}

qy_status_t qy_split_html(const char *buf, size_t len, qy_article_t *out)
{
    memset(out, 0, sizeof *out);
    if (len > UINT_MAX) /* gumbo counts offsets in unsigned int */
        return qy_split_plain(buf, len, out);

    char *copy;
    if (limit_depth(buf, len, &copy) != 0)
        return QY_NOMEM;
    const char *src = copy ? copy : buf;
    arena_t *arena = calloc(1, sizeof *arena);
    GumboOutput *doc = arena ? parse(arena, src, len) : NULL;
    if (!doc) {
        arena_free(arena);
        free(copy);
        return QY_NOMEM;
    }

    walk_t w = {.src = src, .len = len, .out = out};
    walk_tree(&w, doc->document);
    if (w.heading)
        end_heading(&w);
    w.heading = NULL;
    flush(&w);
    fail(&w, qy_article_keep_heading(out, w.section, w.section_since,
                                     w.title ? w.title : w.first_h1));
    arena_free(arena);
    free(copy);

    if (w.st == QY_OK)
        w.st = qy_article_finish_titles(out, &w.title, &w.first_h1);
    qy_block_free(&w.block);
    free(w.section);
    free(w.title);
    free(w.first_h1);
    if (w.st != QY_OK)
        qy_article_free(out);
    return w.st;
}

char *qy_html_decode_reference(const char *ent, size_t n, size_t *out_len)
{
    arena_t *arena = calloc(1, sizeof *arena);
    GumboOutput *doc = arena ? parse(arena, ent, n) : NULL;
    char *text = NULL;
    size_t len = 0;
    /* The text lands in <body>, the second child of <html>. */
    const GumboVector *html = doc ? children(doc->root) : NULL;
    int ok = doc != NULL;
    for (unsigned i = 0; html && i < html->length; i++) {
        const GumboNode *body = html->data[i];
        if (body->type != GUMBO_NODE_ELEMENT ||
            body->v.element.tag != GUMBO_TAG_BODY)
            continue;
        const GumboVector *kids = children(body);
        if (kids->length == 1 &&
            ((const GumboNode *)kids->data[0])->type == GUMBO_NODE_TEXT) {
            const char *t = ((const GumboNode *)kids->data[0])->v.text.text;
            len = strlen(t);
            text = malloc(len + 1);
            if (text)
                memcpy(text, t, len + 1);
            else
                ok = 0; /* out of memory, not "no reference" */
        }
        break; /* one <body> */
    }
    arena_free(arena);
    if (!ok)
        return NULL;
    if (!text) { /* not a reference: the text as it is */
        text = malloc(n + 1);
        if (!text)
            return NULL;
        memcpy(text, ent, n);
        text[n] = '\0';
        len = n;
    }
    if (out_len)
        *out_len = len;
    return text;
}
