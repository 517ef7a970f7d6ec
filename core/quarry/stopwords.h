/* Stop word lists per language, shipped as data in core/data/stopwords.txt
 * and compiled in. */
#ifndef QUARRY_STOPWORDS_H
#define QUARRY_STOPWORDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_stoplist qy_stoplist_t;

/* The list of the canonical language LANG ("french"), or NULL when it has
 * none. Lists are made once, on first use, and live as long as the
 * process. */
const qy_stoplist_t *qy_stoplist(const char *lang);

/* Non-zero when the normalised WORD (NFKC, case folded) is on LIST. */
int qy_stoplist_has(const qy_stoplist_t *list, const char *word, size_t len);

/* Non-zero when WORD[0, LEN) is one of the N strings of LIST, sorted in
 * strcmp order. */
int qy_sorted_has(const char *const *list, size_t n, const char *word,
                  size_t len);

#ifdef __cplusplus
}
#endif

#endif
