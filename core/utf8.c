/* UTF-8: decoding, encoding, repair and white space, on utf8proc.
 *
 * Every file that reads UTF-8 decodes it here, so that there is one answer
 * to what a broken sequence is worth: its maximal subpart (Unicode 15, 3.9,
 * "U+FFFD Substitution of Maximal Subparts"), a lead byte with the
 * continuation bytes that could still have completed it, is one invalid
 * character, and every other bad byte is one of its own. A character cut
 * short at the end of a buffer so becomes one U+FFFD, not one per byte. */
#include "quarry/utf8.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* The length of the maximal subpart at S[0..LEN), which is not valid. */
static size_t maximal_subpart(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* valid range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else
        return 1;
    size_t n = 1;
    if (n < len && s[n] >= lo && s[n] <= hi) {
        n++;
        while (n < need && n < len && (s[n] & 0xC0) == 0x80)
            n++;
    }
    return n < need ? n : 1;
}

size_t qy_utf8_decode_multibyte(const char *s, size_t len, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    utf8proc_int32_t c;
    utf8proc_ssize_t n =
        utf8proc_iterate(u, (utf8proc_ssize_t)(len < 4 ? len : 4), &c);
    if (n > 0) {
        *cp = c;
        return (size_t)n;
    }
    *cp = QY_UTF8_INVALID;
    return maximal_subpart(u, len);
}

size_t qy_utf8_encode(int32_t cp, char out[4])
{
    utf8proc_ssize_t n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
    if (n > 0 && utf8proc_codepoint_valid(cp))
        return (size_t)n;
    memcpy(out, replacement, 3);
    return 3;
}

size_t qy_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    if (len == 0)
        return 0;
    int32_t cp;
    size_t n = qy_utf8_decode((const char *)s, len, &cp);
    return cp < 0 ? 0 : n;
}

size_t qy_utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int qy_utf8_is_space(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 0 && qy_utf8_ascii_space(cp);
    if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
        return 1;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

char *qy_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    size_t bad = 0, invalid = 0;
    for (size_t i = 0; i < len;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t n = qy_utf8_decode(s + i, len - i, &cp);
        /* A maximal subpart is at least one byte; U+FFFD is three. */
        if (cp < 0 && n < 3)
            bad += 3 - n;
        invalid += cp < 0;
        i += n;
    }
    char *out = malloc(len + bad + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    if (!invalid) { /* the usual text, valid: as it is */
        memcpy(out, s, len);
        o = len;
    }
    for (size_t i = o; i < len;) {
        int32_t cp;
        size_t n = qy_utf8_decode(s + i, len - i, &cp);
        if (cp < 0) {
            memcpy(out + o, replacement, 3);
            o += 3;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

int qy_utf8_terminal_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
           cp == 0x200b || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

void qy_utf8_put_safe(FILE *out, const char *text, size_t len,
                      qy_escape_style_t style)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0, i = 0;
    while (i < len) {
        if (s[i] >= 0x20 && s[i] < 0x7f) { /* printable ASCII */
            i++;
            continue;
        }
        int32_t cp;
        size_t n = qy_utf8_decode(text + i, len - i, &cp);
        if (cp >= 0 && !qy_utf8_terminal_unsafe((uint32_t)cp)) {
            i += n;
            continue;
        }
        fwrite(text + run, 1, i - run, out);
        if (cp < 0 && style == QY_ESCAPE_JSON)
            fputs("\\ufffd", out);
        else if (cp < 0) /* each byte, as it is: a person may need them */
            for (size_t k = 0; k < n; k++)
                fprintf(out, "\\x%02x", (unsigned)s[i + k]);
        else if (style == QY_ESCAPE_JSON || cp >= 0x100)
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fprintf(out, "\\x%02x", (unsigned)cp);
        i += n;
        run = i;
    }
    fwrite(text + run, 1, len - run, out);
}
