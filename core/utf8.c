#include "quarry/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t qy_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else
        return 0;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

char *qy_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = qy_utf8_valid_prefix(p + i, len - i);
        bad += n == 0;
        i += n ? n : 1;
    }
    char *out = malloc(len + bad * 2 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = qy_utf8_valid_prefix(p + i, len - i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
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

/* The code point of the valid N-byte sequence at S. */
static uint32_t decode(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3f);
    return cp;
}

void qy_utf8_put_safe(FILE *out, const char *text, size_t len,
                      qy_escape_style_t style)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0, i = 0;
    while (i < len) {
        size_t n = qy_utf8_valid_prefix(s + i, len - i);
        uint32_t cp = n ? decode(s + i, n) : s[i];
        if (n && !qy_utf8_terminal_unsafe(cp)) {
            i += n;
            continue;
        }
        fwrite(text + run, 1, i - run, out);
        if (style == QY_ESCAPE_JSON)
            fprintf(out, "\\u%04x", n ? (unsigned)cp : 0xfffdu);
        else if (cp < 0x100)
            fprintf(out, "\\x%02x", (unsigned)cp);
        else
            fprintf(out, "\\u%04x", (unsigned)cp);
        i += n ? n : 1;
        run = i;
    }
    fwrite(text + run, 1, len - run, out);
}
