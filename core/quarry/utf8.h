/* UTF-8: decoding and encoding with one repair policy, white space, and
 * hygiene for text that leaves the program. */
#ifndef QUARRY_UTF8_H
#define QUARRY_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What qy_utf8_decode gives for a sequence that is not UTF-8. */
#define QY_UTF8_INVALID (-1)

/* Decodes the character at S[0..LEN), LEN > 0, into *CP and returns its
 * length in bytes. Bytes that are not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid) give *CP =
 * QY_UTF8_INVALID and the length of their maximal subpart: a lead byte
 * with the continuation bytes that could still have completed it, else
 * one byte (Unicode 3.9, "U+FFFD Substitution of Maximal Subparts"). One
 * invalid sequence so stands for one U+FFFD wherever quarry repairs text.
 * qy_utf8_decode_multibyte is the part past ASCII. */
size_t qy_utf8_decode_multibyte(const char *s, size_t len, int32_t *cp);
static inline size_t qy_utf8_decode(const char *s, size_t len, int32_t *cp)
{
    /* Inline for ASCII: the tokenizer and the passage splitter decode
     * every character of every document. */
    if ((unsigned char)s[0] < 0x80) {
        *cp = (unsigned char)s[0];
        return 1;
    }
    return qy_utf8_decode_multibyte(s, len, cp);
}

/* Writes code point CP as UTF-8 to OUT and returns its length (1 to 4);
 * a surrogate or a value beyond U+10FFFF is written as U+FFFD. */
size_t qy_utf8_encode(int32_t cp, char out[4]);

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), or 0 when
 * the bytes there are not valid UTF-8 (or LEN is 0). */
size_t qy_utf8_valid_prefix(const unsigned char *s, size_t len);

/* Where S[0..N) may end without cutting a character: N, or the start of
 * the character S[N] continues (S[N] must be readable when N > 0). */
size_t qy_utf8_cut(const char *s, size_t n);

/* Whether the ASCII character C is white space: space, tab, LF, VT, FF or
 * CR. Inline, for the scanners that test every byte before decoding. */
static inline int qy_utf8_ascii_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Whether code point CP is white space: the ASCII white space above, NEL
 * (U+0085), the line and paragraph separators (U+2028, U+2029) and the
 * space separators (category Zs: U+00A0, U+1680, U+2000..U+200A, U+202F,
 * U+205F, U+3000). QY_UTF8_INVALID is not. */
int qy_utf8_is_space(int32_t cp);

/* A copy of S[0..LEN) with every invalid sequence (each maximal subpart,
 * see qy_utf8_decode) replaced by U+FFFD, NUL-terminated, malloc'd (caller
 * frees); NULL when out of memory. *OUT_LEN, when not NULL, receives its
 * length. */
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
    QY_ESCAPE_JSON  /* \u00HH / \uHHHH, inside a JSON string; a sequence
                       that is not UTF-8 becomes U+FFFD, one for each
                       maximal subpart (qy_utf8_decode) */
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
