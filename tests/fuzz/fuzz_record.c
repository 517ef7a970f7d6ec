/* The stored record of a passage: decoding any bytes an index could hand
 * back, and encoding then decoding any record. */
#include <string.h>

#include "fuzz.h"
#include "quarry/record.h"

static const char *field(const qy_record_t *r, int i)
{
    const char *f[] = {r->source, r->title, r->text, r->id, r->meta};
    return f[i];
}

/* Every decoded string points into DATA and ends inside it. */
static void check_inside(const qy_record_t *r, const char *data, size_t len)
{
    for (int i = 0; i < 5; i++) {
        const char *s = field(r, i);
        FUZZ_CHECK(s != NULL);
        FUZZ_CHECK(s >= data && s < data + len);
        FUZZ_CHECK(memchr(s, '\0', (size_t)(data + len - s)) != NULL);
    }
}

static void check_same(const qy_record_t *a, const qy_record_t *b)
{
    for (int i = 0; i < 5; i++)
        FUZZ_CHECK(strcmp(field(a, i), field(b, i)) == 0);
    FUZZ_CHECK(a->ordinal == b->ordinal);
    FUZZ_CHECK(a->offset == b->offset);
    FUZZ_CHECK(a->length == b->length);
    FUZZ_CHECK(a->page == b->page);
}

static void round_trip(const qy_record_t *rec)
{
    size_t len = 0;
    char *enc = qy_record_encode(rec, &len);
    FUZZ_CHECK(enc != NULL);
    qy_record_t back;
    FUZZ_CHECK(qy_record_decode(enc, len, &back) == QY_OK);
    check_inside(&back, enc, len);
    check_same(rec, &back);
    free(enc);
}

static uint64_t take_u64(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *p < end; i++)
        v = v << 8 | *(*p)++;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As stored bytes. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    qy_record_t rec;
    if (qy_record_decode(buf, size, &rec) == QY_OK) {
        check_inside(&rec, buf, size);
        round_trip(&rec);
    }
    free(buf);

    /* As a record: numbers from the first bytes, then five strings
     * separated by NUL bytes (missing ones are NULL, read as ""). */
    const uint8_t *p = data, *end = data + size;
    qy_record_t made = {0};
    made.ordinal = (unsigned)take_u64(&p, end);
    made.offset = take_u64(&p, end);
    made.length = take_u64(&p, end);
    made.page = (unsigned)take_u64(&p, end);
    size_t rest = (size_t)(end - p);
    char *strs = malloc(rest + 1);
    if (!strs)
        return 0;
    memcpy(strs, p, rest);
    strs[rest] = '\0';
    const char *f[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t at = 0;
    for (int i = 0; i < 5 && at <= rest; i++) {
        f[i] = strs + at;
        at += strlen(strs + at) + 1;
    }
    made.source = f[0];
    made.title = f[1];
    made.text = f[2];
    made.id = f[3];
    made.meta = f[4];
    size_t len = 0;
    char *enc = qy_record_encode(&made, &len);
    FUZZ_CHECK(enc != NULL);
    qy_record_t back;
    FUZZ_CHECK(qy_record_decode(enc, len, &back) == QY_OK);
    for (int i = 0; i < 5; i++)
        FUZZ_CHECK(strcmp(field(&back, i), f[i] ? f[i] : "") == 0);
    FUZZ_CHECK(back.ordinal == made.ordinal && back.offset == made.offset &&
               back.length == made.length);
    free(enc);
    free(strs);
    return 0;
}
