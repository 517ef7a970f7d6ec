/* Which language a text is written in, for an index of several languages
 * (--lang auto): libexttextcat's n-gram models, among the languages
 * libstemmer can stem. */
#ifndef QUARRY_LANGID_H
#define QUARRY_LANGID_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_langid qy_langid_t;

/* Loads the language models (some tens of milliseconds). NULL when they
 * cannot be read or memory runs out. Not thread-safe: one per thread. */
qy_langid_t *qy_langid_new(void);
void qy_langid_free(qy_langid_t *l);

/* The canonical name (qy_language_name) of the language of TEXT[0, LEN),
 * or NULL when the text is too short to tell, is in no language the
 * models know, or only in languages without a stemmer. Only the first few
 * kilobytes are read. Static. */
const char *qy_langid_detect(qy_langid_t *l, const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
