/* Acronyms a text defines, such as "United Nations (UN)", learned at index
 * time so that a question with either form finds the other. */
#ifndef QUARRY_ACRONYMS_H
#define QUARRY_ACRONYMS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called for each definition found: the acronym (without a plural "s") and
 * the byte span [long_start, long_end) of its long form in the text. A
 * non-zero return stops the search. */
typedef int (*qy_acronym_fn)(void *ctx, const char *acronym, size_t len,
                             size_t long_start, size_t long_end);

/* Finds "Long Form (ACR)" and "ACR (Long Form)" in TEXT: ACR is 2 to 10
 * upper-case ASCII letters, optionally followed by a plural "s", and the
 * initials of the long form's words spell it, in order, where "of", "the",
 * "and", "for", "on", "in", "to" and "&" may be skipped; the long form
 * starts with a capital letter or is the part in parentheses. Returns the
 * number of definitions found. */
size_t qy_find_acronyms(const char *text, size_t len, qy_acronym_fn fn,
                        void *ctx);

#ifdef __cplusplus
}
#endif

#endif
