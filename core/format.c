/* Input formats: their names, telling them apart by file name, and the
 * dispatch to each format's splitter. */
#include "quarry/formats.h"

#include <string.h>
#include <strings.h>

#include "format_internal.h"

/* ---- Names --------------------------------------------------------------- */

static const struct {
    const char *name;
    qy_format_t format;
} format_names[] = {
    {"auto", QY_FORMAT_AUTO},    {"text", QY_FORMAT_TEXT},
    {"txt", QY_FORMAT_TEXT},     {"markdown", QY_FORMAT_MARKDOWN},
    {"md", QY_FORMAT_MARKDOWN},  {"html", QY_FORMAT_HTML},
    {"htm", QY_FORMAT_HTML},     {"jsonl", QY_FORMAT_JSONL},
    {"ndjson", QY_FORMAT_JSONL}, {"pdf", QY_FORMAT_PDF},
    {"odt", QY_FORMAT_ODT},      {"docx", QY_FORMAT_DOCX},
    {"epub", QY_FORMAT_EPUB},    {"mail", QY_FORMAT_MAIL},
    {"mbox", QY_FORMAT_MAIL},    {"eml", QY_FORMAT_MAIL},
};

int qy_format_from_name(const char *name, qy_format_t *out)
{
    for (size_t i = 0; name && i < sizeof format_names / sizeof *format_names;
         i++)
        if (strcasecmp(name, format_names[i].name) == 0) {
            *out = format_names[i].format;
            return 0;
        }
    return -1;
}

const char *qy_format_name(qy_format_t format)
{
    switch (format) {
    case QY_FORMAT_AUTO:
        return "auto";
    case QY_FORMAT_TEXT:
        return "text";
    case QY_FORMAT_MARKDOWN:
        return "markdown";
    case QY_FORMAT_HTML:
        return "html";
    case QY_FORMAT_JSONL:
        return "jsonl";
    case QY_FORMAT_PDF:
        return "pdf";
    case QY_FORMAT_ODT:
        return "odt";
    case QY_FORMAT_DOCX:
        return "docx";
    case QY_FORMAT_EPUB:
        return "epub";
    case QY_FORMAT_MAIL:
        return "mail";
    }
    return "unknown";
}

static const struct {
    const char *ext;
    qy_format_t format;
} extensions[] = {
    {"md", QY_FORMAT_MARKDOWN},  {"markdown", QY_FORMAT_MARKDOWN},
    {"html", QY_FORMAT_HTML},    {"htm", QY_FORMAT_HTML},
    {"xhtml", QY_FORMAT_HTML},   {"jsonl", QY_FORMAT_JSONL},
    {"ndjson", QY_FORMAT_JSONL}, {"pdf", QY_FORMAT_PDF},
    {"odt", QY_FORMAT_ODT},      {"docx", QY_FORMAT_DOCX},
    {"epub", QY_FORMAT_EPUB},    {"txt", QY_FORMAT_TEXT},
    {"text", QY_FORMAT_TEXT},    {"mbox", QY_FORMAT_MAIL},
    {"eml", QY_FORMAT_MAIL},
};

/* The entry of extensions[] for PATH's extension, or -1. */
static int extension_of(const char *path)
{
    if (!path)
        return -1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) /* no extension, or a hidden file's name */
        return -1;
    for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++)
        if (strcasecmp(dot + 1, extensions[i].ext) == 0)
            return (int)i;
    return -1;
}

/* Whether PATH is a message of a Maildir: in its cur/ or new/ folder. */
static int in_maildir(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    if (!base)
        return 0;
    const char *dir = base;
    while (dir > path && dir[-1] != '/')
        dir--;
    size_t n = (size_t)(base - dir);
    return (n == 3 && memcmp(dir, "cur", 3) == 0) ||
           (n == 3 && memcmp(dir, "new", 3) == 0);
}

qy_format_t qy_format_for_path(const char *path)
{
    int i = extension_of(path);
    if (i < 0)
        return in_maildir(path) ? QY_FORMAT_MAIL : QY_FORMAT_TEXT;
    return extensions[i].format;
}

int qy_format_known_extension(const char *path)
{
    return extension_of(path) >= 0 || in_maildir(path);
}

int qy_format_is_binary(qy_format_t format)
{
    return format == QY_FORMAT_PDF || format == QY_FORMAT_ODT ||
           format == QY_FORMAT_DOCX || format == QY_FORMAT_EPUB ||
           format == QY_FORMAT_MAIL;
}

qy_status_t qy_split_document(qy_format_t format, const char *buf, size_t len,
                              qy_article_t *out)
{
    if (!buf) {
        buf = "";
        len = 0;
    }
    switch (format) {
    case QY_FORMAT_TEXT:
        return qy_split_plain(buf, len, out);
    case QY_FORMAT_MARKDOWN:
        return qy_split_markdown(buf, len, out);
    case QY_FORMAT_HTML:
        return qy_split_html(buf, len, out);
    case QY_FORMAT_PDF:
    case QY_FORMAT_ODT:
    case QY_FORMAT_DOCX:
    case QY_FORMAT_EPUB:
    case QY_FORMAT_MAIL: {
        const char *why;
        return qy_split_file(format, buf, len, out, &why);
    }
    case QY_FORMAT_AUTO:
    case QY_FORMAT_JSONL:
        break;
    }
    memset(out, 0, sizeof *out);
    return QY_INVALID;
}

/* A part of a mail (see qy_split_part_fn): an attachment is read in the
 * format its name says, else its content; records and mailboxes are not
 * documents, nor is a part that is neither text by its MIME type nor a
 * document format (an image, an archive). */
static qy_status_t split_mail_part(qy_format_t format, const char *name,
                                   int text, const char *data, size_t len,
                                   qy_article_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (format == QY_FORMAT_AUTO)
        format = name && qy_format_known_extension(name)
                     ? qy_format_for_path(name)
                     : qy_format_sniff(data, len);
    if (format == QY_FORMAT_JSONL || format == QY_FORMAT_MAIL ||
        (format == QY_FORMAT_TEXT && !text))
        return QY_NOT_FOUND;
    return qy_split_file(format, data, len, out, why);
}

qy_status_t qy_split_file(qy_format_t format, const char *buf, size_t len,
                          qy_article_t *out, const char **why)
{
    *why = "invalid";
    if (!buf) {
        buf = "";
        len = 0;
    }
    switch (format) {
    case QY_FORMAT_PDF:
        return qy_split_pdf(buf, len, out, why);
    case QY_FORMAT_ODT:
        return qy_split_odt(buf, len, out, why);
    case QY_FORMAT_DOCX:
        return qy_split_docx(buf, len, out, why);
    case QY_FORMAT_EPUB:
        return qy_split_epub(buf, len, out, why);
    case QY_FORMAT_MAIL:
        return qy_split_mail(buf, len, split_mail_part, out, why);
    default:
        return qy_split_document(format, buf, len, out);
    }
}
