/* Record layout: the byte 'Q', a format byte (2), three varints (ordinal,
 * offset, length), then each string field in the order of qy_record_t as a
 * varint length, its bytes and a NUL, so that decoded strings can be used in
 * place without copying. Format 1, still read, lacks the section. Optional
 * fields follow, each a varint, absent when zero, so that records written
 * before them read the same: the page. */
#include "quarry/record.h"

#include <stdlib.h>
#include <string.h>

enum { RECORD_MAGIC = 'Q', RECORD_FORMAT = 2, RECORD_STRINGS = 6 };

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

static void record_strings(const qy_record_t *rec,
                           const char *out[RECORD_STRINGS])
{
    out[0] = rec->source;
    out[1] = rec->title;
    out[2] = rec->text;
    out[3] = rec->id;
    out[4] = rec->meta;
    out[5] = rec->section;
    for (int i = 0; i < RECORD_STRINGS; i++)
        if (!out[i])
            out[i] = "";
}

char *qy_record_encode(const qy_record_t *rec, size_t *len)
{
    const char *strs[RECORD_STRINGS];
    size_t slen[RECORD_STRINGS];
    record_strings(rec, strs);
    size_t total = 2 + 4 * 10;
    for (int i = 0; i < RECORD_STRINGS; i++) {
        slen[i] = strlen(strs[i]);
        total += 10 + slen[i] + 1;
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
    for (int i = 0; i < RECORD_STRINGS; i++) {
        n += put_varint(buf + n, slen[i]);
        memcpy(buf + n, strs[i], slen[i]);
        n += slen[i];
        buf[n++] = '\0';
    }
    if (rec->page)
        n += put_varint(buf + n, rec->page);
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
    const char *strs[RECORD_STRINGS] = {"", "", "", "", "", ""};
    for (int i = 0; i < nstrings; i++) {
        uint64_t n;
        if (get_varint(&p, end, &n) || n >= (uint64_t)(end - p) || p[n] != 0)
            return QY_CORRUPT;
        strs[i] = (const char *)p;
        p += n + 1;
    }
    uint64_t page = 0;
    if (p < end && (get_varint(&p, end, &page) || page > UINT32_MAX))
        return QY_CORRUPT;
    rec->page = (unsigned)page;
    rec->source = strs[0];
    rec->title = strs[1];
    rec->text = strs[2];
    rec->id = strs[3];
    rec->meta = strs[4];
    rec->section = strs[5];
    rec->ordinal = (unsigned)ordinal;
    rec->offset = offset;
    rec->length = length;
    return QY_OK;
}
