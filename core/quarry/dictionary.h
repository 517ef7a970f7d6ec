/* The dictionary of a language (hunspell's, as Debian installs them): which
 * words are words, and how a word that is none may be spelled. Spelling
 * corrections ask it first, so that a right word the index lacks is never
 * "corrected" into one the index holds. */
#ifndef QUARRY_DICTIONARY_H
#define QUARRY_DICTIONARY_H

#include <stddef.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_dictionary qy_dictionary_t;

/* Opens the hunspell dictionary of LANG (a Snowball language name as
 * qy_analyzer_language gives it: "english", "german", ...). Dictionaries
 * are looked for in the folders of $DICPATH (colon-separated; when set,
 * only there), else in /usr/share/hunspell and /usr/share/myspell: the
 * language's usual one first (en_US, de_DE, fr_FR, ...), else any of its
 * country variants. *OUT is NULL, with QY_OK, when none is installed.
 * QY_NOMEM when out of memory. Close it with qy_dictionary_close. */
qy_status_t qy_dictionary_open(const char *lang, qy_dictionary_t **out);
void qy_dictionary_close(qy_dictionary_t *d);

/* Non-zero when WORD (LEN bytes of UTF-8, as typed) is a word of D's
 * language: as written, in small letters, or with its first letter a
 * capital (a German noun typed in small letters is still a word). */
int qy_dictionary_knows(qy_dictionary_t *d, const char *word, size_t len);

/* Calls FN with each of D's spellings for WORD (LEN bytes, UTF-8), most
 * likely first, until FN returns non-zero; a suggestion of several words
 * ("a dress") is not passed. The strings are borrowed for the call. */
qy_status_t qy_dictionary_suggest(qy_dictionary_t *d, const char *word,
                                  size_t len,
                                  int (*fn)(void *ctx, const char *s, size_t n),
                                  void *ctx);

#ifdef __cplusplus
}
#endif

#endif
