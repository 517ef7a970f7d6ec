/* Passages: an article split into the paragraphs that are indexed and
 * returned as hits. */
#ifndef QUARRY_PASSAGE_H
#define QUARRY_PASSAGE_H

#include <stddef.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most bytes of cleaned text a passage holds: a longer paragraph is
 * split into passages of at most this size, cut after a sentence or at a
 * space in the second half of each (at a code point boundary when it has
 * neither). */
#define QY_PASSAGE_MAX_BYTES 65536

typedef struct qy_passage {
    char *text; /* cleaned UTF-8: whitespace runs (Unicode too) become
                   one space, no leading/trailing space, invalid UTF-8
                   replaced by U+FFFD, NUL-terminated */
    size_t text_len;
    size_t offset; /* byte span of the paragraph in the source */
    size_t length;
    unsigned ordinal; /* 1-based, counting only kept passages */
    char *title;      /* the title of this passage's section (a heading above
                         it), cleaned like text; NULL: the article's title */
    unsigned page;    /* 1-based page of a paged document (PDF); 0: none */
} qy_passage_t;

/* A block of the source that was not made a passage, and why. */
typedef struct qy_drop {
    size_t offset, length; /* its span in the source, like a passage's */
    const char *rule;      /* static: "no word of letters", ... */
} qy_drop_t;

/* One document of a file that holds several (the messages of a mailbox,
 * the attachments of a message): the article's passages from FIRST up to
 * the next unit's FIRST are its own, with its own properties. Strings are
 * malloc'd, NULL when absent; TITLE is cleaned like passage text. */
typedef struct qy_unit {
    size_t first;
    char *title;
    char *id;   /* a Message-ID: stored as the passages' id */
    char *date; /* RFC 3339; its YYYY-MM-DD is what date: filters on */
    char *from; /* mail: the sender, "Name <address>" */
    char *to;   /* mail: the recipients (To, then Cc) */
} qy_unit_t;

typedef struct qy_article {
    char *title; /* cleaned like passage text; "" when none */
    qy_passage_t *passages;
    size_t count;
    qy_drop_t *drops; /* the blocks dropped, in source order */
    size_t ndrops, drops_cap;
    char *date; /* from a document's properties: YYYY-MM-DD, or NULL */
    char *meta; /* other properties (author) as JSON object text, or NULL */
    qy_unit_t *units; /* the documents of a file that holds several, in
                         passage order (the first's FIRST is 0); NULL: the
                         article is one document */
    size_t nunits;
} qy_article_t;

/* Splits plain text into passages.
 *
 * Paragraphs are separated by blank lines (lines holding only whitespace,
 * Unicode whitespace included; lines end at LF, CRLF or CR). Inside a block,
 * lines are joined as one wrapped paragraph when every line is at most 100
 * bytes and every line but the last at least 40 bytes; otherwise the block
 * holds one paragraph per line. A paragraph longer than
 * QY_PASSAGE_MAX_BYTES becomes several passages.
 *
 * The headline is the first paragraph of 3 or more words that is not a
 * copyright notice, when it is a single line of at most 200 bytes that does
 * not end like a sentence; it becomes the title and is not a passage.
 * Without one, the title is the first sentence of the first passage, cut at
 * a word and ended with "…" when longer than 120 bytes (the "…" included).
 *
 * Structure is read too: the centred block below a two-column header (an
 * RFC's) is the title; running page headers and footers ("[Page 3]") are
 * dropped; headings (underlined, numbered "4.2.1.  Name", in capitals at
 * the margin, or a short line at the margin above indented text) are the
 * title (qy_passage_t.title) of the passages below them.
 *
 * Paragraphs that are provably not content are dropped: those without a
 * word of letters (rules, page numbers) and copyright notices. A text that
 * keeps no passage that way is split again keeping every paragraph with a
 * letter or digit, the headline included, so that a text holding a word
 * always yields a passage. Returns QY_OK (OUT filled, with no passages only
 * when the text holds no word) or QY_NOMEM. */
qy_status_t qy_split_plain(const char *buf, size_t len, qy_article_t *out);

/* Splits a later part of a plain text too large to be split at once, cut
 * at a paragraph break: as qy_split_plain, but no headline is looked for
 * and the title is left "" (the caller gives the first part's). Offsets are
 * from BUF and ordinals start at 1. */
qy_status_t qy_split_plain_more(const char *buf, size_t len, qy_article_t *out);

/* Frees everything OUT holds and zeroes it. */
void qy_article_free(qy_article_t *article);

/* Records in ARTICLE's drops that [OFFSET, OFFSET + LENGTH) of the source
 * was dropped by RULE (a static string). Returns the new drop, NULL when
 * out of memory. */
qy_drop_t *qy_article_drop(qy_article_t *article, size_t offset, size_t length,
                           const char *rule);

/* ---- The same rules for text from other formats ---------------------------
 * Format parsers (core/format_*.c) hand the text of their blocks to these,
 * so that every format cleans, splits and judges paragraphs alike. ARTICLE
 * must be zeroed or filled only by qy_split_plain and these functions. */

/* Cleans TEXT[0, LEN) like passage text (whitespace runs become one space,
 * none leading or trailing, invalid UTF-8 and NUL become U+FFFD). Returns a
 * malloc'd string (the caller frees it), its length in *OUT_LEN when not
 * NULL; NULL when out of memory. */
char *qy_passage_clean(const char *text, size_t len, size_t *out_len);

/* Maps the span [START, END) of the text given to qy_article_add_text to the
 * span of the source it came from. */
typedef void (*qy_span_fn)(void *ctx, size_t start, size_t end, size_t *offset,
                           size_t *length);

enum {
    QY_TEXT_LINES = 1 << 0, /* every line is a paragraph: wrapped lines are
                               not joined */
    QY_TEXT_UNIT = 1 << 1,  /* the text is a unit its format marks (an HTML
                               block, a Markdown paragraph or list item):
                               kept whatever its length; without it,
                               paragraphs of fewer than 5 words of letters
                               are dropped (the lines of a JSON Lines
                               document, whose unit is the document) */
    QY_TEXT_ALL = 1 << 2    /* keep every paragraph holding a letter or a
                               digit, copyright notices included */
};

/* Appends the paragraphs of TEXT[0, LEN) to ARTICLE as qy_split_plain
 * splits them, without looking for a headline: blank lines separate blocks,
 * a block is one wrapped paragraph or holds a paragraph per line (always
 * the latter with QY_TEXT_LINES), and paragraphs are judged as FLAGS say.
 * Ordinals continue ARTICLE's. Each new passage's title is a copy of TITLE
 * (NULL: none of its own); its span is SPAN's mapping, or positions in TEXT
 * when SPAN is NULL. Returns QY_OK or QY_NOMEM (ARTICLE then holds what was
 * added before; free it with qy_article_free). */
qy_status_t qy_article_add_text(qy_article_t *article, const char *text,
                                size_t len, unsigned flags, const char *title,
                                qy_span_fn span, void *ctx);

/* Gives ARTICLE, when its title is NULL, the title qy_split_plain would
 * when there is no headline: the first sentence of its first passage, or
 * "". Returns QY_OK or QY_NOMEM. */
qy_status_t qy_article_default_title(qy_article_t *article);

/* Keeps the words of HEADING (NULL: none), a section heading that no
 * passage stood under (ARTICLE has SINCE passages, as many as when the
 * heading was met), as a passage of its own, unless it is the document's
 * TITLE (NULL: not known), whose words every passage carries. Returns QY_OK
 * or QY_NOMEM. */
qy_status_t qy_article_keep_heading(qy_article_t *article, const char *heading,
                                    size_t since, const char *title);

/* Makes ARTICLE's title, when it holds a word, its one passage when it has
 * none: a document whose only content is its title is found by it. Returns
 * QY_OK or QY_NOMEM. */
qy_status_t qy_article_title_passage(qy_article_t *article);

#ifdef __cplusplus
}
#endif

#endif
