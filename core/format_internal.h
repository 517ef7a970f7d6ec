/* Shared by the format parsers (core/format*.c): assembling the text of a
 * block from the pieces a parser hands over, remembering where each piece
 * came from in the source, and judging the result with passage.c's rules
 * (core/blocks.c, below the parsers). */
#ifndef QUARRY_FORMAT_INTERNAL_H
#define QUARRY_FORMAT_INTERNAL_H

#include <stddef.h>

#include "quarry/formats.h"
#include "quarry/passage.h"
#include "quarry/status.h"

/* Headings and titles longer than this (cleaned) are not titles: a
 * Markdown paragraph underlined by accident is text, not a heading. */
#define QY_HEADING_MAX_BYTES 200

/* No source position: a piece the parser made up (a line break, a
 * replacement character). */
#define QY_NO_SOURCE ((size_t)-1)

typedef struct qy_piece {
    size_t pos; /* where the piece starts in the block's text */
    size_t src; /* its span in the source, or QY_NO_SOURCE */
    size_t src_len;
    size_t prefix; /* leading bytes equal to the source's, one for one */
    size_t suffix; /* trailing bytes equal to the source's (not counting
                      the prefix) */
} qy_piece_t;

typedef struct qy_block {
    char *text; /* the block's text so far; lines end with '\n' */
    size_t len, cap;
    qy_piece_t *pieces;
    size_t npieces, pieces_cap;
} qy_block_t;

/* Appends S[0, N) to B. It came from the source span [SRC, SRC +
 * SRC_LEN) (SRC may be QY_NO_SOURCE), whose bytes are ORIG when not NULL:
 * where S and ORIG agree, at their start and end, spans are exact to the
 * byte. Unless KEEP_LINES, line ends in S become spaces (in HTML and inside
 * a Markdown paragraph they are not breaks). QY_OK or QY_NOMEM. */
qy_status_t qy_block_add(qy_block_t *b, const char *s, size_t n, size_t src,
                         size_t src_len, const char *orig, int keep_lines);

/* Ends the current line of B (<br>, a Markdown hard or soft break). */
qy_status_t qy_block_break(qy_block_t *b);

/* Appends the paragraphs of B to OUT (qy_article_add_text, with FLAGS and
 * TITLE), mapped back to source spans, and empties B. */
qy_status_t qy_block_flush(qy_block_t *b, qy_article_t *out, unsigned flags,
                           const char *title);

/* Drops everything after the first LEN bytes and NPIECES pieces. */
void qy_block_truncate(qy_block_t *b, size_t len, size_t npieces);

void qy_block_clear(qy_block_t *b);
void qy_block_free(qy_block_t *b);

/* Sets every passage title of OUT that equals OUT's title to NULL: such
 * passages simply carry the article's title. */
void qy_article_drop_same_titles(qy_article_t *out);

/* The end of a document with headings: OUT's title becomes *TITLE, or else
 * *FALLBACK, when set (taken over: it is set to NULL), the passage titles
 * equal to it are dropped, then qy_article_default_title and
 * qy_article_title_passage. Returns their status. */
qy_status_t qy_article_finish_titles(qy_article_t *out, char **title,
                                     char **fallback);

/* Decodes the HTML character reference ENT[0, N) ("&amp;", "&eacute;",
 * "&#x41;") with the HTML parser's own table. Returns a malloc'd string
 * (ENT itself when it is not a reference), or NULL when out of memory. */
char *qy_html_decode_reference(const char *ent, size_t n, size_t *out_len);

/* The Markdown and HTML splitters behind qy_split_document. */
qy_status_t qy_split_markdown(const char *buf, size_t len, qy_article_t *out);
qy_status_t qy_split_html(const char *buf, size_t len, qy_article_t *out);

/* The binary formats behind qy_split_file (core/format_pdf.c,
 * core/format_office.c, core/format_epub.c), and mail. */
qy_status_t qy_split_pdf(const char *buf, size_t len, qy_article_t *out,
                         const char **why);
qy_status_t qy_split_odt(const char *buf, size_t len, qy_article_t *out,
                         const char **why);
qy_status_t qy_split_docx(const char *buf, size_t len, qy_article_t *out,
                          const char **why);
qy_status_t qy_split_epub(const char *buf, size_t len, qy_article_t *out,
                          const char **why);
/* core/format_mail.c. A part of a message is split by SPLIT: in FORMAT
 * (the HTML body), or with QY_FORMAT_AUTO (an attachment, named NAME or
 * NULL, of a text MIME type when TEXT) in the format its name or content
 * says. It returns QY_OK, QY_NOT_FOUND when the part is of no format
 * quarry reads, or QY_INVALID with *WHY when it cannot be read. The mail
 * reader is given the dispatch rather than calling it, since the dispatch
 * is what calls the reader. */
typedef qy_status_t (*qy_split_part_fn)(qy_format_t format, const char *name,
                                        int text, const char *data, size_t len,
                                        qy_article_t *out, const char **why);
qy_status_t qy_split_mail(const char *buf, size_t len, qy_split_part_fn split,
                          qy_article_t *out, const char **why);

/* ---- Shared by the binary formats (core/format_container.c) ---- */

typedef struct qy_zip qy_zip_t;

/* Opens the zip archive BUF[0, LEN) (borrowed: it must outlive the
 * handle). NULL when it is not one (or out of memory). */
qy_zip_t *qy_zip_open(const char *buf, size_t len);
void qy_zip_close(qy_zip_t *z);

/* The inflated entry NAME, NUL-terminated, malloc'd (the caller frees it),
 * its length in *LEN. NULL with *WHY set when it is missing, damaged, or
 * would pass QY_EXTRACT_MAX_BYTES or the archive's QY_INFLATE_MAX_BYTES
 * in all. */
char *qy_zip_read(qy_zip_t *z, const char *name, size_t *len, const char **why);

/* Sets OUT's title to TITLE cleaned (when not empty), its meta to
 * {"author": AUTHOR} (when AUTHOR is not empty) and its date to DATE (an
 * ISO 8601 date, as document properties hold it; qy_ingest_article keeps
 * the YYYY-MM-DD it starts with). Any may be NULL. QY_OK or QY_NOMEM. */
qy_status_t qy_article_set_properties(qy_article_t *out, const char *title,
                                      const char *author, const char *date);

/* Parses the XML document BUF[0, LEN) with libxml2, without network or
 * entity expansion and silently. NULL when it is not well-formed. The
 * struct is libxml2's xmlDoc, named so that this header needs none of
 * libxml2's. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier) */
struct _xmlDoc *qy_xml_read(const char *buf, size_t len);

#endif
