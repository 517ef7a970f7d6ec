/* The stored form of a passage: what the index keeps as a document's data
 * and hands back with every hit. */
#ifndef QUARRY_RECORD_H
#define QUARRY_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "quarry/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Strings are UTF-8 and NUL-terminated; NULL reads as "". */
typedef struct qy_record {
    const char *source;  /* the file the passage came from (absolute path) */
    const char *title;   /* the article's title, "" when none */
    const char *text;    /* the whole passage */
    const char *id;      /* the document id of a JSON Lines record, or "" */
    const char *meta;    /* other fields as a JSON object text, or "" */
    const char *section; /* the heading of the passage's section, or "" */
    unsigned ordinal;    /* 1-based position of the passage in its source */
    uint64_t offset;     /* byte span of the passage in the source */
    uint64_t length;
    unsigned page;    /* 1-based page of a paged document, 0 when none */
    const char *from; /* mail: the sender as written (name <address>), or "" */
    const char *to;   /* mail: the recipients (To and Cc), or "" */
    const char *date; /* mail: the message's date, RFC 3339, or "" */
    const char *lang; /* the language the passage was stemmed in, when the
                         index holds several (--lang auto), or "" */
} qy_record_t;

/* Serialises REC into a malloc'd buffer (the caller frees it) of *LEN
 * bytes; NULL when out of memory. */
char *qy_record_encode(const qy_record_t *rec, size_t *len);

/* Reads DATA back into *REC, whose strings then point into DATA (borrowed
 * for as long as DATA lives). Returns QY_OK, or QY_CORRUPT when DATA is not
 * a record this version can read. */
qy_status_t qy_record_decode(const char *data, size_t len, qy_record_t *rec);

#ifdef __cplusplus
}
#endif

#endif
