/* OpenDocument text (.odt) and Word (.docx): a zip container (see
 * format_container.c) of XML parts, read with libxml2. Each paragraph is a
 * passage, each heading the title of the passages below it; the title,
 * author and date come from the document's properties (meta.xml,
 * docProps/core.xml), the title else from the first heading. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "format_internal.h"
#include "quarry/formats.h"

/* No network, no entity expansion (libxml2's own limits hold), no noise
 * on standard error. */
#define XML_OPTIONS                                                            \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |               \
     XML_PARSE_NOBLANKS)

static int is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

xmlDoc *qy_xml_read(const char *buf, size_t len)
{
    if (len > (size_t)0x7fffffff)
        return NULL;
    xmlDoc *doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_OPTIONS);
    /* Entities are left unexpanded in the tree, but reading a node's
     * content expands them, and nested ones grow exponentially (a
     * "billion laughs"): the parts of these formats declare none. */
    if (doc && doc->intSubset && doc->intSubset->entities) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* The text of the first element named NAME below N (depth first), or
 * NULL; xmlFree it. */
static xmlChar *first_text(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (is(c, name))
            return xmlNodeGetContent(c);
        xmlChar *t = first_text(c, name);
        if (t)
            return t;
    }
    return NULL;
}

/* The title, author and date of the properties PART; the date is the
 * element DATE_NAME, else FALLBACK (names without their namespace prefix,
 * as libxml2 gives them). */
static qy_status_t read_properties(qy_zip_t *z, const char *part,
                                   const char *date_name, const char *fallback,
                                   qy_article_t *out)
{
    size_t len;
    const char *why;
    char *xml = qy_zip_read(z, part, &len, &why);
    if (!xml)
        return QY_OK; /* properties are optional */
    xmlDoc *doc = qy_xml_read(xml, len);
    free(xml);
    if (!doc)
        return QY_OK;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlChar *title = first_text(root, "title");
    xmlChar *author = first_text(root, "creator");
    xmlChar *date = first_text(root, date_name);
    if (!date)
        date = first_text(root, fallback);
    qy_status_t st = qy_article_set_properties(
        out, (const char *)title, (const char *)author, (const char *)date);
    xmlFree(title);
    xmlFree(author);
    xmlFree(date);
    xmlFreeDoc(doc);
    return st;
}

typedef struct office {
    qy_article_t *out;
    qy_block_t block;
    char *heading; /* the title of the passages being added */
    char *first_heading;
    int docx;
    qy_status_t st;
} office_t;

static void add(office_t *o, const char *s, size_t n)
{
    if (o->st == QY_OK)
        o->st = qy_block_add(&o->block, s, n, QY_NO_SOURCE, 0, NULL, 0);
}

/* The text of paragraph N into the block: runs, spaces, tabs and breaks;
 * footnote citations and deleted text left out. */
static void paragraph_text(office_t *o, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c && o->st == QY_OK; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            const char *t = (const char *)c->content;
            /* In Word, text is only in <w:t>; elsewhere it is layout. */
            if (t && (!o->docx || (c->parent && is(c->parent, "t"))))
                add(o, t, strlen(t));
        } else if (c->type == XML_ELEMENT_NODE) {
            if (is(c, "s") || is(c, "tab") || is(c, "line-break") ||
                is(c, "br") || is(c, "cr"))
                add(o, " ", 1);
            else if (!is(c, "note-citation") && !is(c, "delText") &&
                     !is(c, "instrText") && !is(c, "pPr") && !is(c, "rPr"))
                paragraph_text(o, c);
        }
    }
}

/* A Word paragraph's style: "Heading1", "Title", ... or NULL. */
static const char *docx_style(const xmlNode *p)
{
    for (const xmlNode *c = p->children; c; c = c->next)
        if (is(c, "pPr"))
            for (const xmlNode *d = c->children; d; d = d->next)
                if (is(d, "pStyle")) {
                    for (xmlAttr *a = d->properties; a; a = a->next)
                        if (strcmp((const char *)a->name, "val") == 0 &&
                            a->children && a->children->content)
                            return (const char *)a->children->content;
                }
    return NULL;
}

static int is_heading(const office_t *o, const xmlNode *n)
{
    if (!o->docx)
        return is(n, "h");
    const char *style = docx_style(n);
    return style &&
           (strncmp(style, "Heading", 7) == 0 || strcmp(style, "Title") == 0);
}

static void heading(office_t *o, const xmlNode *n)
{
    qy_block_clear(&o->block);
    paragraph_text(o, n);
    if (o->st != QY_OK)
        return;
    size_t len;
    char *h = qy_passage_clean(o->block.text ? o->block.text : "", o->block.len,
                               &len);
    qy_block_clear(&o->block);
    if (!h) {
        o->st = QY_NOMEM;
        return;
    }
    if (len == 0 || len > QY_HEADING_MAX_BYTES) {
        free(h);
        return;
    }
    free(o->heading);
    o->heading = h;
    if (!o->first_heading && !(o->first_heading = strdup(h)))
        o->st = QY_NOMEM;
}

static void walk(office_t *o, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c && o->st == QY_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int para = o->docx ? is(c, "p") : is(c, "p") || is(c, "h");
        if (para && is_heading(o, c)) {
            heading(o, c);
        } else if (para) {
            qy_block_clear(&o->block);
            paragraph_text(o, c);
            if (o->st == QY_OK)
                o->st = qy_block_flush(&o->block, o->out, 0, o->heading);
        } else if (!is(c, "tracked-changes") && !is(c, "sectPr")) {
            walk(o, c); /* sections, lists, tables, text boxes */
        }
    }
}

static qy_status_t split_office(const char *buf, size_t len, int docx,
                                qy_article_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    qy_zip_t *z = qy_zip_open(buf, len);
    if (!z) {
        *why = "not a zip container (damaged?), skipped";
        return QY_INVALID;
    }
    size_t n;
    char *xml =
        qy_zip_read(z, docx ? "word/document.xml" : "content.xml", &n, why);
    xmlDoc *doc = xml ? qy_xml_read(xml, n) : NULL;
    free(xml);
    if (!doc) {
        if (xml)
            *why = "unreadable XML (damaged, or declaring entities), skipped";
        qy_zip_close(z);
        return QY_INVALID;
    }
    office_t o = {.out = out, .docx = docx};
    /* Word's date is when the document was created; OpenDocument's
     * dc:date is the document's own (when it was last saved), its
     * creation date the fallback. */
    o.st = docx ? read_properties(z, "docProps/core.xml", "created", "modified",
                                  out)
                : read_properties(z, "meta.xml", "date", "creation-date", out);
    qy_zip_close(z);
    if (o.st == QY_OK)
        walk(&o, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    qy_block_free(&o.block);
    if (o.st == QY_OK && !out->title && o.first_heading) {
        out->title = o.first_heading;
        o.first_heading = NULL;
    }
    free(o.first_heading);
    free(o.heading);
    if (o.st == QY_OK)
        o.st = qy_article_default_title(out);
    if (o.st == QY_OK)
        qy_article_drop_same_titles(out);
    if (o.st != QY_OK)
        qy_article_free(out);
    return o.st;
}

qy_status_t qy_split_odt(const char *buf, size_t len, qy_article_t *out,
                         const char **why)
{
    return split_office(buf, len, 0, out, why);
}

qy_status_t qy_split_docx(const char *buf, size_t len, qy_article_t *out,
                          const char **why)
{
    return split_office(buf, len, 1, out, why);
}
