/* UTF-8 hygiene for text that leaves the program. */
#ifndef QUARRY_UTF8_H
#define QUARRY_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Whether code point CP may not be sent to a terminal as it is: the C0
 * and C1 controls and DEL (escape sequences move the cursor, retitle the
 * window, change colours; an 8-bit terminal starts them with C1 bytes), the
 * bidirectional marks, embeddings, overrides and isolates (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), which reorder or hide
 * what is shown, the invisible format characters (U+200B, U+2060..U+2064,
 * U+FEFF), and the line and paragraph separators U+2028 and U+2029. The
 * joiners U+200C and U+200D are left alone: scripts and emoji need them. */
int qy_utf8_terminal_unsafe(uint32_t cp);

/* How qy_utf8_put_safe shows what it escapes. */
typedef enum qy_escape_style {
    QY_ESCAPE_TEXT, /* \xHH below U+0100 and for bytes that are not UTF-8,
                       else \uHHHH: visible to a person */
    QY_ESCAPE_JSON  /* \u00HH / \uHHHH, inside a JSON string; a byte that
                       is not UTF-8 becomes U+FFFD */
} qy_escape_style_t;

/* Writes S[0..LEN) to OUT with the code points qy_utf8_terminal_unsafe
 * names, and the bytes that are not UTF-8, escaped in STYLE; the rest as
 * it is. Output in QY_ESCAPE_JSON style is still valid JSON when S is
 * (JSON's own syntax is ASCII). */
void qy_utf8_put_safe(FILE *out, const char *s, size_t len,
                      qy_escape_style_t style);

#ifdef __cplusplus
}
#endif

#endif
