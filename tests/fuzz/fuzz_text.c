/* The tokenizer and the stemmer: any bytes, in any language. The first
 * byte picks the language, the rest is the text. */
#include <string.h>

#include "fuzz.h"
#include "quarry/xdb.h"

typedef struct tok_check {
    qy_analyzer_t *a;
    size_t len;
    size_t prev_end;
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
    /* Words come in order, without overlap, inside the text. */
    FUZZ_CHECK(tok->start < tok->end);
    FUZZ_CHECK(tok->end <= c->len);
    FUZZ_CHECK(tok->start >= c->prev_end);
    FUZZ_CHECK(tok->pos == c->prev_pos + 1);
    /* A normalised word is valid UTF-8 and never longer than the limit. */
    FUZZ_CHECK(tok->word != NULL);
    FUZZ_CHECK(tok->word_len > 0 && tok->word_len <= QY_MAX_WORD_BYTES);
    FUZZ_CHECK(fuzz_valid_utf8(tok->word, tok->word_len));
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
    /* A copy of exactly the input's size, so reading past it is caught. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);

    tok_check_t first = {a, len, 0, 0, 0xcbf29ce484222325ULL};
    FUZZ_CHECK(qy_tokenize(a, text, len, check_token, &first) == QY_OK);
    /* The analyzer keeps buffers between calls: a second run over the same
     * text must see exactly the same words. */
    tok_check_t second = {a, len, 0, 0, 0xcbf29ce484222325ULL};
    FUZZ_CHECK(qy_tokenize(a, text, len, check_token, &second) == QY_OK);
    FUZZ_CHECK(first.hash == second.hash);
    FUZZ_CHECK(first.prev_pos == second.prev_pos);

    /* The stemmer on a whole short text as one word, as a query word that
     * reaches it unsplit would be. */
    size_t slen = 0;
    if (len <= QY_MAX_WORD_BYTES && fuzz_valid_utf8(text, len))
        FUZZ_CHECK(qy_stem(a, text, len, &slen) != NULL);
    free(text);
    return 0;
}
