/* Words: the one tokenizer and stemmer used to index, to query and to
 * highlight, so that the three always agree on what a word is. */
#ifndef QUARRY_TEXT_H
#define QUARRY_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Words whose normalised form is longer than this are skipped: they are not
 * words a person searches for, and they keep terms far below Xapian's limit
 * even with a field prefix. */
#define QY_MAX_WORD_BYTES 64

/* A language's rules: its Snowball stemmer, its stop words, and how words
 * are normalised. Not thread-safe: use one analyzer per thread. */
typedef struct qy_analyzer qy_analyzer_t;

/* Creates the analyzer for LANG: any name or ISO 639 code libstemmer knows
 * ("english", "en", "fr", ...), "none" for no stemming, or "auto" for an
 * index of several languages: English until qy_analyzer_use switches it.
 * Returns QY_OK, QY_INVALID for an unknown language, or QY_NOMEM. */
qy_status_t qy_analyzer_new(const char *lang, qy_analyzer_t **out);
void qy_analyzer_free(qy_analyzer_t *a);

/* The canonical name of A's language ("english", ..., "none"), or "auto"
 * for an analyzer made for several. Static. */
const char *qy_analyzer_language(const qy_analyzer_t *a);

/* Makes A tokenize as an index of FORMAT (core/quarry/schema.h) was
 * written: Han and kana as pairs from QY_FORMAT_CJK_PAIRS on, one by one
 * before; Korean words without their particle from
 * QY_FORMAT_KOREAN_PARTICLES on. A new analyzer tokenizes as
 * QY_INDEX_FORMAT. */
void qy_analyzer_set_format(qy_analyzer_t *a, int format);

/* The hunspell dictionary of A's language (core/quarry/dictionary.h),
 * opened on the first call and kept until A is freed; *OUT NULL when none
 * is installed. QY_NOMEM when out of memory. */
typedef struct qy_dictionary qy_dictionary_t;
qy_status_t qy_analyzer_dictionary(qy_analyzer_t *a, qy_dictionary_t **out);

/* The canonical name of the language A stems in now. Static. */
const char *qy_analyzer_current(const qy_analyzer_t *a);

/* The canonical name for a language name or ISO 639 code in any case
 * ("de", "German"), or NULL when libstemmer has no such language. Static. */
const char *qy_language_name(const char *name);

/* Makes A tokenize, stem and stop words as LANG (a name or code) from now
 * on; the languages used before stay loaded. Returns QY_OK, QY_INVALID for
 * an unknown language, or QY_NOMEM. */
qy_status_t qy_analyzer_use(qy_analyzer_t *a, const char *lang);

/* Makes A analyse questions for an index of the N languages LANGS (names
 * or codes): each word of a question is stemmed in every one of them
 * (qy_stem_each), marks are kept while tokenizing, and the stop words of
 * each of them are stop words. N of 0 or 1: the one language
 * is used, as by qy_analyzer_use. Returns as qy_analyzer_use. */
qy_status_t qy_analyzer_set_question_languages(qy_analyzer_t *a,
                                               const char *const *langs,
                                               size_t n);

/* The number of languages set by qy_analyzer_set_question_languages. */
size_t qy_analyzer_question_languages(const qy_analyzer_t *a);

/* NULL-terminated list of canonical language names, "none" last. Static. */
const char *const *qy_languages(void);

typedef struct qy_token {
    const char *word; /* normalised word; borrowed for the callback only */
    size_t word_len;
    size_t start; /* byte offsets of the word in the input: [start, end) */
    size_t end;
    unsigned pos; /* 1-based word position */
} qy_token_t;

/* Called once per word, in order; a non-zero return stops tokenizing. */
typedef int (*qy_token_fn)(void *ctx, const qy_token_t *tok);

/* Splits TEXT (UTF-8; invalid sequences separate words) into words.
 * Words are runs of letters, marks and digits, joined across an apostrophe
 * between letters (' or U+2019, stored as '). A run of Han, Hiragana and
 * Katakana characters gives each character with the next as a word, their
 * spans overlapping ("北京大学": 北京, 京大, 大学), so that 北京 does not find
 * 東京; a character alone is a word (see qy_analyzer_set_format for indexes
 * of format 1: one word each). Normalisation: NFKC and case folding, and for
 * english and porter also the Latin, Greek and Cyrillic combining diacritics
 * removed (other scripts keep their marks). Returns QY_OK or QY_NOMEM. */
qy_status_t qy_tokenize(qy_analyzer_t *a, const char *text, size_t len,
                        qy_token_fn fn, void *ctx);

/* qy_tokenize as text is indexed: each Han or kana character of a pair is
 * also a word, at the position of the pair it starts (the last of a run
 * at the last pair's), so that a question of one character finds the
 * pairs holding it. Questions are tokenized with qy_tokenize: 北京 asks
 * for the pair alone. */
qy_status_t qy_tokenize_indexed(qy_analyzer_t *a, const char *text, size_t len,
                                qy_token_fn fn, void *ctx);

/* The stem of the normalised WORD. Borrowed until the next call on A;
 * NULL when out of memory. With language "none" the word itself. */
const char *qy_stem(qy_analyzer_t *a, const char *word, size_t len,
                    size_t *out_len);

/* Calls FN(CTX, stem, len) once for each distinct stem of the normalised
 * WORD in the question languages of A (in its current language only when
 * fewer than two are set); the stem is borrowed for the call. A non-zero
 * return of FN stops. Returns QY_OK or QY_NOMEM. */
qy_status_t qy_stem_each(qy_analyzer_t *a, const char *word, size_t len,
                         int (*fn)(void *ctx, const char *stem, size_t len),
                         void *ctx);

/* Non-zero when CP is a Han, Hiragana or Katakana letter: writing without
 * spaces between words, where each such letter is a word of its own. */
int qy_is_cjk(int32_t cp);

/* Non-zero when S[0, LEN), a word as typed (UTF-8), is written as an
 * acronym: capitals (and digits or marks), no small letter. */
int qy_in_capitals(const char *s, size_t len);

/* Non-zero when the normalised WORD is a stop word of A's language, or a
 * question word (who, what, when, where, which, why, how). */
int qy_is_stopword(const qy_analyzer_t *a, const char *word, size_t len);

#ifdef __cplusplus
}
#endif

#endif
