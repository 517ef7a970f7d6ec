/* Record layout: the byte 'Q', a format byte (2), three varints (ordinal,
 * offset, length), then each string field in the order of qy_record_t as a
 * varint length, its bytes and a NUL, so that decoded strings can be used in
 * place without copying. Format 1, still read, lacks the section. Optional
 * fields follow, absent when zero or empty, so that records written before
 * them read the same: the page (a varint), then the strings of mail and
 * language (from, to, date, lang, written as the others are), which need the
 * page written before them, even when zero. */
#include "quarry/record.h"

#include <stdlib.h>
#include <string.h>

enum {
    RECORD_MAGIC = 'Q',
    RECORD_FORMAT = 2,
    RECORD_STRINGS = 6,
    RECORD_EXTRA = 4
};

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static int get_varint(const unsigned char **p, const unsigned char *end,
                      uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* The string fields, the optional ones (RECORD_EXTRA) last. */
static void record_strings(const qy_record_t *rec,
                           const char *out[RECORD_STRINGS + RECORD_EXTRA])
{
    out[0] = rec->source;
    out[1] = rec->title;
    out[2] = rec->text;
    out[3] = rec->id;
    out[4] = rec->meta;
    out[5] = rec->section;
    out[6] = rec->from;
    out[7] = rec->to;
    out[8] = rec->date;
    out[9] = rec->lang;
    for (int i = 0; i < RECORD_STRINGS + RECORD_EXTRA; i++)
        if (!out[i])
            out[i] = "";
}

static size_t put_string(unsigned char *buf, const char *s, size_t len)
{
    size_t n = put_varint(buf, len);
    memcpy(buf + n, s, len);
    n += len;
    buf[n++] = '\0';
    return n;
}

/* Reads a string written by put_string; -1 when damaged. */
static int get_string(const unsigned char **p, const unsigned char *end,
                      const char **s)
{
    uint64_t n;
    if (get_varint(p, end, &n) || n >= (uint64_t)(end - *p) || (*p)[n] != 0)
        return -1;
    *s = (const char *)*p;
    *p += n + 1;
    return 0;
}

char *qy_record_encode(const qy_record_t *rec, size_t *len)
{
    const char *strs[RECORD_STRINGS + RECORD_EXTRA];
    size_t slen[RECORD_STRINGS + RECORD_EXTRA];
    record_strings(rec, strs);
    size_t total = 2 + 4 * 10;
    int extra = 0;
    for (int i = 0; i < RECORD_STRINGS + RECORD_EXTRA; i++) {
        slen[i] = strlen(strs[i]);
        total += 10 + slen[i] + 1;
        extra |= i >= RECORD_STRINGS && slen[i] > 0;
    }
    unsigned char *buf = malloc(total);
    if (!buf)
        return NULL;
    size_t n = 0;
    buf[n++] = RECORD_MAGIC;
    buf[n++] = RECORD_FORMAT;
    n += put_varint(buf + n, rec->ordinal);
    n += put_varint(buf + n, rec->offset);
    n += put_varint(buf + n, rec->length);
    for (int i = 0; i < RECORD_STRINGS; i++)
        n += put_string(buf + n, strs[i], slen[i]);
    if (rec->page || extra)
        n += put_varint(buf + n, rec->page);
    for (int i = RECORD_STRINGS; extra && i < RECORD_STRINGS + RECORD_EXTRA;
         i++)
        n += put_string(buf + n, strs[i], slen[i]);
    *len = n;
    return (char *)buf;
}

qy_status_t qy_record_decode(const char *data, size_t len, qy_record_t *rec)
{
    const unsigned char *p = (const unsigned char *)data;
    const unsigned char *end = p + len;
    uint64_t ordinal, offset, length;
    memset(rec, 0, sizeof *rec);
    if (len < 2 || p[0] != RECORD_MAGIC || (p[1] != 1 && p[1] != RECORD_FORMAT))
        return QY_CORRUPT;
    int nstrings = p[1] == 1 ? RECORD_STRINGS - 1 : RECORD_STRINGS;
    p += 2;
    if (get_varint(&p, end, &ordinal) || get_varint(&p, end, &offset) ||
        get_varint(&p, end, &length) || ordinal > UINT32_MAX)
        return QY_CORRUPT;
    const char *strs[RECORD_STRINGS + RECORD_EXTRA] = {"", "", "", "", "",
                                                       "", "", "", "", ""};
    for (int i = 0; i < nstrings; i++)
        if (get_string(&p, end, &strs[i]))
            return QY_CORRUPT;
    uint64_t page = 0;
    if (p < end && (get_varint(&p, end, &page) || page > UINT32_MAX))
        return QY_CORRUPT;
    for (int i = RECORD_STRINGS; p < end && i < RECORD_STRINGS + RECORD_EXTRA;
         i++)
        if (get_string(&p, end, &strs[i]))
            return QY_CORRUPT;
    rec->page = (unsigned)page;
    rec->source = strs[0];
    rec->title = strs[1];
    rec->text = strs[2];
    rec->id = strs[3];
    rec->meta = strs[4];
    rec->section = strs[5];
    rec->from = strs[6];
    rec->to = strs[7];
    rec->date = strs[8];
    rec->lang = strs[9];
    rec->ordinal = (unsigned)ordinal;
    rec->offset = offset;
    rec->length = length;
    return QY_OK;
}
