/* EPUB: a zip container (see format_container.c) of XHTML chapters, read
 * in the order of the package's spine (the OPF file that
 * META-INF/container.xml names), each through the HTML splitter. The book's
 * title, author and date come from the OPF metadata; a chapter's own title
 * is the title of its passages. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "format_internal.h"
#include "quarry/formats.h"

/* Chapters read at most: a spine longer than this is damaged. */
#define MAX_CHAPTERS 10000

static int is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0 && a->children)
            return (const char *)a->children->content;
    return NULL;
}

static xmlDoc *read_xml(qy_zip_t *z, const char *name, const char **why)
{
    size_t len;
    char *xml = qy_zip_read(z, name, &len, why);
    xmlDoc *doc = xml ? qy_xml_read(xml, len) : NULL;
    if (xml && !doc)
        *why = "unreadable XML (damaged, or declaring entities), skipped";
    free(xml);
    return doc;
}

/* The path of the package document, malloc'd, or NULL. */
static char *package_path(qy_zip_t *z, const char **why)
{
    xmlDoc *doc = read_xml(z, "META-INF/container.xml", why);
    if (!doc)
        return NULL;
    const xmlNode *files = child(xmlDocGetRootElement(doc), "rootfiles");
    const xmlNode *file = child(files, "rootfile");
    const char *path = file ? attr(file, "full-path") : NULL;
    char *copy = path ? strdup(path) : NULL;
    if (!path)
        *why = "no package in the book, skipped";
    xmlFreeDoc(doc);
    return copy;
}

/* The value of the hex digit C, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* HREF (relative to the package's folder DIR, DIRLEN bytes), with %XX
 * escapes (two hex digits) decoded; malloc'd. */
static char *resolve(const char *dir, size_t dirlen, const char *href)
{
    size_t n = strlen(href);
    char *s = malloc(dirlen + n + 1);
    if (!s)
        return NULL;
    memcpy(s, dir, dirlen);
    size_t o = dirlen;
    for (size_t i = 0; i < n && href[i] != '#'; i++) {
        int hi, lo;
        if (href[i] == '%' && i + 2 < n && (hi = hex_digit(href[i + 1])) >= 0 &&
            (lo = hex_digit(href[i + 2])) >= 0) {
            s[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            s[o++] = href[i];
        }
    }
    s[o] = '\0';
    return s;
}

/* Moves the passages of CHAPTER to the end of OUT; those without a title
 * of their own take the chapter's. */
static qy_status_t append_chapter(qy_article_t *out, qy_article_t *chapter)
{
    if (chapter->count == 0)
        return QY_OK;
    qy_passage_t *p =
        realloc(out->passages, (out->count + chapter->count) * sizeof *p);
    if (!p)
        return QY_NOMEM;
    out->passages = p;
    for (size_t i = 0; i < chapter->count; i++) {
        qy_passage_t *q = &p[out->count];
        *q = chapter->passages[i];
        if (!q->title && chapter->title && *chapter->title &&
            !(q->title = strdup(chapter->title)))
            return QY_NOMEM; /* the passage is out's: freed with it */
        q->ordinal = (unsigned)++out->count;
        chapter->passages[i].text = NULL;
        chapter->passages[i].title = NULL;
    }
    return QY_OK;
}

static qy_status_t metadata(const xmlNode *pkg, qy_article_t *out)
{
    const xmlNode *meta = child(pkg, "metadata");
    const xmlNode *t = child(meta, "title"), *a = child(meta, "creator"),
                  *d = child(meta, "date");
    xmlChar *title = t ? xmlNodeGetContent(t) : NULL;
    xmlChar *author = a ? xmlNodeGetContent(a) : NULL;
    xmlChar *date = d ? xmlNodeGetContent(d) : NULL;
    qy_status_t st = qy_article_set_properties(
        out, (const char *)title, (const char *)author, (const char *)date);
    xmlFree(title);
    xmlFree(author);
    xmlFree(date);
    return st;
}

/* The chapters of the spine, in order. */
static qy_status_t chapters(qy_zip_t *z, const xmlNode *pkg, const char *opf,
                            qy_article_t *out, const char **why)
{
    const char *slash = strrchr(opf, '/');
    size_t dirlen = slash ? (size_t)(slash - opf) + 1 : 0;
    const xmlNode *manifest = child(pkg, "manifest");
    const xmlNode *spine = child(pkg, "spine");
    if (!manifest || !spine) {
        *why = "no spine in the book, skipped";
        return QY_INVALID;
    }
    qy_status_t st = QY_OK;
    unsigned count = 0;
    for (const xmlNode *ref = spine->children; ref && st == QY_OK;
         ref = ref->next) {
        const char *idref = is(ref, "itemref") ? attr(ref, "idref") : NULL;
        if (!idref)
            continue;
        if (++count > MAX_CHAPTERS)
            break;
        const char *href = NULL;
        for (const xmlNode *it = manifest->children; it && !href;
             it = it->next) {
            const char *id = is(it, "item") ? attr(it, "id") : NULL;
            if (id && strcmp(id, idref) == 0)
                href = attr(it, "href");
        }
        if (!href)
            continue; /* a dangling reference: the rest is still read */
        char *path = resolve(opf, dirlen, href);
        if (!path)
            return QY_NOMEM;
        size_t len;
        char *html = qy_zip_read(z, path, &len, why);
        free(path);
        if (!html) {
            if (strstr(*why, "too much"))
                return QY_INVALID;
            continue; /* a missing chapter */
        }
        qy_article_t chapter = {0};
        st = qy_split_html(html, len, &chapter);
        free(html);
        if (st == QY_OK)
            st = append_chapter(out, &chapter);
        qy_article_free(&chapter);
    }
    return st;
}

qy_status_t qy_split_epub(const char *buf, size_t len, qy_article_t *out,
                          const char **why)
{
    memset(out, 0, sizeof *out);
    qy_zip_t *z = qy_zip_open(buf, len);
    if (!z) {
        *why = "not a zip container (damaged?), skipped";
        return QY_INVALID;
    }
    qy_status_t st = QY_INVALID;
    char *opf = package_path(z, why);
    xmlDoc *doc = opf ? read_xml(z, opf, why) : NULL;
    if (doc) {
        const xmlNode *pkg = xmlDocGetRootElement(doc);
        st = metadata(pkg, out);
        if (st == QY_OK)
            st = chapters(z, pkg, opf, out, why);
        xmlFreeDoc(doc);
    }
    free(opf);
    qy_zip_close(z);
    if (st == QY_OK)
        st = qy_article_default_title(out);
    if (st == QY_OK)
        qy_article_drop_same_titles(out);
    if (st != QY_OK)
        qy_article_free(out);
    return st;
}
