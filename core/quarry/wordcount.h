/* Counting words in memory, so that per-word index data (spelling) is
 * written once per distinct word and batch instead of once per word seen. */
#ifndef QUARRY_WORDCOUNT_H
#define QUARRY_WORDCOUNT_H

#include <stddef.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_wordcount qy_wordcount_t;

/* NULL when out of memory. */
qy_wordcount_t *qy_wordcount_new(void);
void qy_wordcount_free(qy_wordcount_t *wc);

/* Counts one more WORD. QY_OK or QY_NOMEM. */
qy_status_t qy_wordcount_add(qy_wordcount_t *wc, const char *word, size_t len);

/* Distinct words counted since the last clear. */
size_t qy_wordcount_size(const qy_wordcount_t *wc);

/* Calls FN for every word with its count (in no particular order); a
 * non-zero return stops and is returned. */
int qy_wordcount_each(const qy_wordcount_t *wc,
                      int (*fn)(void *ctx, const char *word, size_t len,
                                unsigned count),
                      void *ctx);

/* Forgets every word, keeping the memory for reuse. */
void qy_wordcount_clear(qy_wordcount_t *wc);

#ifdef __cplusplus
}
#endif

#endif
