/* The tokenizer and the stemmer: any bytes, in any language. The first
 * byte picks the language (its top bit the index format), the rest is
 * the text. */
#include <string.h>

#include "fuzz.h"
#include "quarry/schema.h"
#include "quarry/utf8.h"
#include "quarry/xdb.h"

typedef struct tok_check {
    qy_analyzer_t *a;
    const char *text;
    size_t len;
    size_t prev_start, prev_end;
    int prev_pair; /* the token before was a pair of Han or kana */
    int indexed;   /* qy_tokenize_indexed */
    unsigned prev_pos;
    uint64_t hash; /* of every token, to compare two runs */
} tok_check_t;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int check_token(void *ctx, const qy_token_t *tok)
{
    tok_check_t *c = ctx;
    /* Words come in order inside the text; only a pair of Han or kana
     * overlaps the one before, a pair too, from its second character. */
    FUZZ_CHECK(tok->start < tok->end);
    FUZZ_CHECK(tok->end <= c->len);
    int32_t cp;
    size_t first =
        qy_utf8_decode(c->text + tok->start, tok->end - tok->start, &cp);
    int cjk = qy_is_cjk(cp);
    if (c->indexed) {
        /* A character of a pair comes after it, at its position. */
        FUZZ_CHECK(tok->start >= c->prev_start);
        FUZZ_CHECK(tok->start >= c->prev_end || cjk);
        FUZZ_CHECK(tok->pos == c->prev_pos + 1 ||
                   (cjk && tok->pos == c->prev_pos && tok->pos > 0));
    } else {
        if (tok->start < c->prev_end)
            FUZZ_CHECK(cjk && c->prev_pair && tok->start > c->prev_start);
        FUZZ_CHECK(tok->pos == c->prev_pos + 1);
    }
    /* A normalised word is valid UTF-8 and never longer than the limit. */
    FUZZ_CHECK(tok->word != NULL);
    FUZZ_CHECK(tok->word_len > 0 && tok->word_len <= QY_MAX_WORD_BYTES);
    FUZZ_CHECK(fuzz_valid_utf8(tok->word, tok->word_len));
    c->prev_pair = cjk && tok->start + first < tok->end;
    c->prev_start = tok->start;
    c->prev_end = tok->end;
    c->prev_pos = tok->pos;
    c->hash = mix(c->hash, tok->word, tok->word_len);
    c->hash = mix(c->hash, &tok->start, sizeof tok->start);

    (void)qy_is_stopword(c->a, tok->word, tok->word_len);
    size_t slen = 0;
    const char *stem = qy_stem(c->a, tok->word, tok->word_len, &slen);
    FUZZ_CHECK(stem != NULL);
    FUZZ_CHECK(slen <= QY_MAX_TERM_BYTES);
    c->hash = mix(c->hash, stem, slen);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    qy_analyzer_t *a = fuzz_analyzer(data[0]);
    /* The top bit: tokenize as an index of format 1 (a word per Han). */
    qy_analyzer_set_format(a, data[0] & 0x80 ? 1 : QY_INDEX_FORMAT);
    /* A copy of exactly the input's size, so reading past it is caught. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);

    tok_check_t first = {
        .a = a, .text = text, .len = len, .hash = 0xcbf29ce484222325ULL};
    FUZZ_CHECK(qy_tokenize(a, text, len, check_token, &first) == QY_OK);
    /* The analyzer keeps buffers between calls: a second run over the same
     * text must see exactly the same words. */
    tok_check_t second = {
        .a = a, .text = text, .len = len, .hash = 0xcbf29ce484222325ULL};
    FUZZ_CHECK(qy_tokenize(a, text, len, check_token, &second) == QY_OK);
    FUZZ_CHECK(first.hash == second.hash);
    FUZZ_CHECK(first.prev_pos == second.prev_pos);
    /* As indexed: the same positions, the characters of pairs besides. */
    tok_check_t indexed = {.a = a, .text = text, .len = len, .indexed = 1};
    FUZZ_CHECK(qy_tokenize_indexed(a, text, len, check_token, &indexed) ==
               QY_OK);
    FUZZ_CHECK(indexed.prev_pos == first.prev_pos);

    /* The stemmer on a whole short text as one word, as a query word that
     * reaches it unsplit would be. */
    size_t slen = 0;
    if (len <= QY_MAX_WORD_BYTES && fuzz_valid_utf8(text, len))
        FUZZ_CHECK(qy_stem(a, text, len, &slen) != NULL);
    free(text);
    return 0;
}
