/* The properties every split article has, whatever its format: cleaned
 * passage text and titles, ordinals in order, spans inside the source. */
#ifndef QUARRY_TESTS_FUZZ_ARTICLE_H
#define QUARRY_TESTS_FUZZ_ARTICLE_H

#include <string.h>

#include "fuzz.h"
#include "quarry/passage.h"

/* Cleaned text: valid UTF-8, NUL-terminated at its length, white space
 * runs made one space, none at either end. */
static inline void fuzz_check_clean(const char *s, size_t len)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(strlen(s) == len);
    FUZZ_CHECK(fuzz_valid_utf8(s, len));
    if (len) {
        FUZZ_CHECK(s[0] != ' ');
        FUZZ_CHECK(s[len - 1] != ' ');
    }
    for (size_t i = 0; i < len; i++) {
        FUZZ_CHECK(s[i] != '\n' && s[i] != '\r' && s[i] != '\t' &&
                   s[i] != '\v' && s[i] != '\f');
        FUZZ_CHECK(!(s[i] == ' ' && i + 1 < len && s[i + 1] == ' '));
    }
}

/* SRC_LEN: the size of the source the spans point into. ORDERED: spans
 * follow one another (plain text; nested blocks of markup may not). */
static inline void fuzz_check_article(const qy_article_t *art, size_t src_len,
                                      int ordered)
{
    fuzz_check_clean(art->title, strlen(art->title));
    FUZZ_CHECK(art->count == 0 || art->passages != NULL);
    size_t prev_end = 0;
    for (size_t i = 0; i < art->count; i++) {
        const qy_passage_t *p = &art->passages[i];
        fuzz_check_clean(p->text, p->text_len);
        FUZZ_CHECK(p->text_len > 0);
        FUZZ_CHECK(p->ordinal == i + 1);
        if (p->title)
            fuzz_check_clean(p->title, strlen(p->title));
        FUZZ_CHECK(p->offset <= src_len && p->length <= src_len - p->offset);
        if (ordered) {
            FUZZ_CHECK(p->offset >= prev_end);
            prev_end = p->offset + p->length;
        }
    }
}

/* Frees ART, checking that it is left empty. */
static inline void fuzz_free_article(qy_article_t *art)
{
    qy_article_free(art);
    FUZZ_CHECK(art->passages == NULL && art->count == 0 &&
               art->title == NULL);
}

#endif
