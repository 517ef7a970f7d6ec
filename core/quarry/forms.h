/* Irregular word forms (steal, stole, stolen): forms the stemmer cannot join,
 * listed as data in core/data/ and used when a question is expanded. */
#ifndef QUARRY_FORMS_H
#define QUARRY_FORMS_H

#include <stddef.h>

#include "quarry/status.h"
#include "quarry/text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_forms qy_forms_t;

/* The table for A's language, its forms stemmed with A (which must outlive
 * it) as they are looked up. Languages without a table get an empty one.
 * NULL when out of memory. */
qy_forms_t *qy_forms_new(qy_analyzer_t *a);
void qy_forms_free(qy_forms_t *forms);

/* Calls FN once for each stem of the group holding STEM, STEM itself
 * included, and sets *NCALLS (when not NULL) to the number of calls (0 when
 * STEM is in no group). A stem in several groups yields all their stems,
 * each once. STEM may be A's own stem buffer. QY_NOMEM when out of memory
 * (no call made). */
qy_status_t qy_forms_each(qy_forms_t *forms, const char *stem, size_t len,
                          void (*fn)(void *ctx, const char *stem, size_t len),
                          void *ctx, size_t *ncalls);

#ifdef __cplusplus
}
#endif

#endif
