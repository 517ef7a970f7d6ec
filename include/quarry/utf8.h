/* UTF-8 hygiene for text that leaves the program. */
#ifndef QUARRY_UTF8_H
#define QUARRY_UTF8_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), or 0 when
 * the bytes there are not valid UTF-8 (overlong forms, surrogates and code
 * points above U+10FFFF are invalid). */
size_t qy_utf8_valid_prefix(const unsigned char *s, size_t len);

/* A copy of S[0..LEN) with every invalid byte replaced by U+FFFD,
 * NUL-terminated, malloc'd (caller frees); NULL when out of memory.
 * *OUT_LEN, when not NULL, receives its length. */
char *qy_utf8_repair(const char *s, size_t len, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
