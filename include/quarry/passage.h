/* Passages: an article split into the paragraphs that are indexed and
 * returned as hits. */
#ifndef QUARRY_PASSAGE_H
#define QUARRY_PASSAGE_H

#include <stddef.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_passage {
    char *text;      /* cleaned UTF-8: whitespace runs (Unicode too) become
                        one space, no leading/trailing space, invalid UTF-8
                        replaced by U+FFFD, NUL-terminated */
    size_t text_len;
    size_t offset;   /* byte span of the paragraph in the source */
    size_t length;
    unsigned ordinal; /* 1-based, counting only kept passages */
} qy_passage_t;

typedef struct qy_article {
    char *title;          /* cleaned like passage text; "" when none */
    qy_passage_t *passages;
    size_t count;
} qy_article_t;

/* Splits plain text into passages.
 *
 * Paragraphs are separated by blank lines (lines holding only whitespace,
 * Unicode whitespace included; lines end at LF, CRLF or CR). Inside a block,
 * lines are joined as one wrapped paragraph when every line is at most 100
 * bytes and every line but the last at least 40 bytes; otherwise the block
 * holds one paragraph per line.
 *
 * The headline is the first paragraph of 3 or more words that is not a
 * copyright notice, when it is a single line of at most 200 bytes that does
 * not end like a sentence; it becomes the title and is not a passage.
 * Without one, the title is the first sentence of the first passage, cut at
 * a word and ended with "…" when longer than 120 bytes (the "…" included).
 *
 * Paragraphs that are not prose are dropped: fewer than 5 words of letters
 * (banners, bylines, datelines, image captions, credits) or a copyright
 * notice. Returns QY_OK (OUT filled, possibly with no passages) or QY_NOMEM. */
qy_status_t qy_split_plain(const char *buf, size_t len, qy_article_t *out);

/* Frees everything OUT holds and zeroes it. */
void qy_article_free(qy_article_t *article);

#ifdef __cplusplus
}
#endif

#endif
