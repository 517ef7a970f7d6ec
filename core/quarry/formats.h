/* Input formats: turning a file of some format into passages. */
#ifndef QUARRY_FORMATS_H
#define QUARRY_FORMATS_H

#include <stddef.h>

#include "quarry/passage.h"
#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qy_format {
    QY_FORMAT_AUTO = 0, /* decide by the file name */
    QY_FORMAT_TEXT,
    QY_FORMAT_MARKDOWN,
    QY_FORMAT_HTML,
    QY_FORMAT_JSONL,
    QY_FORMAT_PDF,
    QY_FORMAT_ODT,
    QY_FORMAT_DOCX,
    QY_FORMAT_EPUB,
    QY_FORMAT_MAIL /* an mbox, or one message (a Maildir's file, .eml) */
} qy_format_t;

/* Reads a --format value: "auto", "text" (or "txt"), "markdown" ("md"),
 * "html" ("htm"), "jsonl" ("ndjson"), "pdf", "odt", "docx", "epub", "mail"
 * ("mbox", "eml").
 * Returns 0, or -1 for an unknown name. */
int qy_format_from_name(const char *name, qy_format_t *out);

/* The canonical name of FORMAT ("text", "markdown", ...). Static. */
const char *qy_format_name(qy_format_t format);

/* The format of PATH by its extension, case-insensitive: .md .markdown ->
 * markdown, .html .htm .xhtml -> html, .jsonl .ndjson -> jsonl, .pdf,
 * .odt, .docx, .epub, .mbox .eml -> mail; a file without one of these
 * extensions in a folder named cur or new (a Maildir's) -> mail; anything
 * else -> text. */
qy_format_t qy_format_for_path(const char *path);

/* 1 when PATH's name says its format (one of those above, or .txt and
 * .text), 0 when qy_format_for_path only guesses text. */
int qy_format_known_extension(const char *path);

/* The format of a file by its first bytes HEAD[0, N) (libmagic): PDF,
 * OpenDocument text, Word, EPUB, HTML and mail (a message, or an mbox: a
 * "From " line followed by a header) are recognised, anything else is
 * text. Thread-safe; the magic database is loaded once, on first use. */
qy_format_t qy_format_sniff(const void *head, size_t n);

/* The number of control bytes among the N at P: NUL, the C0 controls
 * that are not whitespace, and DEL. */
size_t qy_count_controls(const char *p, size_t n);

/* Non-zero when the N bytes at P, a file's start or the whole of it, of
 * which CONTROLS are control bytes (qy_count_controls), are not text: they
 * open like an executable, an image or an archive, or too many of them are
 * control bytes. */
int qy_looks_binary(const char *p, size_t n, size_t controls);

/* 1 for the formats stored in a binary container (PDF and the zip based
 * ones) or read by their own library (mail), which are read as they are,
 * NUL bytes included, with qy_split_file. */
int qy_format_is_binary(qy_format_t format);

/* Caps for the binary formats, so that a damaged or hostile file cannot
 * take unbounded memory: the text taken from one document, and the bytes
 * inflated from one zip container (a zip bomb stops there). */
#define QY_EXTRACT_MAX_BYTES ((size_t)64 << 20)
#define QY_INFLATE_MAX_BYTES ((size_t)256 << 20)

/* Splits the file BUF[0, LEN) of any format but jsonl, as
 * qy_split_document does, with the reason a document cannot be read:
 * QY_INVALID with *WHY set to a static one-line reason ("encrypted PDF",
 * "damaged zip container", "no text (scanned pages?)") for a file to skip;
 * QY_NOMEM. The binary formats give each passage its page (PDF), the
 * article's date and meta ({"author": ...}) from the document's
 * properties. Mail gives the article one unit (qy_unit_t) per message and
 * per attachment read (core/format_mail.c says which). */
qy_status_t qy_split_file(qy_format_t format, const char *buf, size_t len,
                          qy_article_t *out, const char **why);

/* Splits a whole document of FORMAT (not jsonl; for pdf, odt, docx and
 * epub, see qy_split_file, which also says why a file cannot be read)
 * into passages, like qy_split_plain does for text:
 * - markdown: markup removed with a real Markdown parser; each heading
 *   becomes the title of the passages below it (qy_passage_t.title), the
 *   first top-level heading also the article title (a YAML front matter
 *   "title:" comes first); code blocks are text, kept where prose; link
 *   text is kept, URLs, images and HTML blocks are dropped;
 * - html: a real HTML5 parser; <title> (else the first <h1>) is the article
 *   title, headings title the passages below them; paragraphs, list items,
 *   table cells, blockquotes and similar blocks are passages; script, style,
 *   nav, footer, header, aside, form, noscript and template content dropped.
 * A passage's title is NULL when it is the article's. Offsets of markdown
 * and html passages point at the source bytes of their block. Returns
 * QY_OK, QY_INVALID (jsonl, or a format that is not known) or QY_NOMEM. */
qy_status_t qy_split_document(qy_format_t format, const char *buf, size_t len,
                              qy_article_t *out);

/* The bounds of a JSON Lines document's fields but its text: a longer id
 * is refused; a title, url, date or other string member is cut (at a
 * character's start); members of the meta beyond its bound are left out. */
#define QY_JSONL_ID_MAX_BYTES 1024
#define QY_JSONL_TITLE_MAX_BYTES 1024
#define QY_JSONL_FIELD_MAX_BYTES 4096
#define QY_JSONL_META_MAX_BYTES 16384

/* One JSON Lines document. Strings are malloc'd, valid UTF-8 (invalid
 * input is repaired to U+FFFD) and never NULL ("" when absent). */
typedef struct qy_jsonl_doc {
    char *id; /* "id", else "_id"; numbers are written in decimal */
    char *title;
    char *text;
    char *url;
    char *date; /* as given, e.g. "2022-02-06" */
    char *meta; /* every other field, and url and date, as one JSON object
                   text; "" when there are none */
} qy_jsonl_doc_t;

/* Parses LINE (one line of a .jsonl file, without its newline). Returns
 * QY_OK; QY_INVALID with *WHY set to a static reason ("not a JSON object",
 * "no id", "no text", ...) for a line that cannot be indexed; QY_NOMEM. */
qy_status_t qy_jsonl_parse(const char *line, size_t len, qy_jsonl_doc_t *out,
                           const char **why);
void qy_jsonl_doc_free(qy_jsonl_doc_t *doc);

/* Splits DOC's text into passages: each line is a paragraph (blank lines
 * ignored), lines of fewer than 5 words and copyright notices dropped; the
 * article title is DOC's title (no headline detection). A document always
 * yields a passage when it holds a word: without a line of prose, every
 * line with a word is kept; with an empty text, the title is its passage.
 * Offsets are positions in DOC->text. */
qy_status_t qy_split_jsonl(const qy_jsonl_doc_t *doc, qy_article_t *out);

#ifdef __cplusplus
}
#endif

#endif
