/* How passages are laid out in the index: term prefixes and metadata keys,
 * shared by the writer and the readers so that the two cannot drift. */
#ifndef QUARRY_SCHEMA_H
#define QUARRY_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "quarry/status.h"
#include "quarry/xdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Unprefixed terms are the stems of the passage text, with positions
 * (stop words without: see core/ingest.c), and those of the article title,
 * without positions, so that a word of the title finds every passage of its
 * article (a phrase or NEAR matches within the text; title: matches within
 * the title). Prefixed terms (Xapian's conventions where there is one): */
#define QY_PREFIX_TITLE "S" /* stems of the article title, with positions */
#define QY_PREFIX_SECTION                                                      \
    "XS"                     /* stems of the passage's section heading,        \
                                with positions */
#define QY_PREFIX_SOURCE "P" /* boolean: the source path */
#define QY_PREFIX_ID                                                           \
    "Q"                     /* boolean: a JSON Lines document id, or a         \
                               mail's Message-ID */
#define QY_PREFIX_FROM "XF" /* stems of a mail's sender, with positions */
#define QY_PREFIX_TO "XT"   /* stems of a mail's recipients, with positions */
#define QY_PREFIX_LANG "L"  /* boolean: the language of the passage */

/* Value slots. The date of a JSON Lines document, a mail or a document:
 * YYYY-MM-DD text (or only YYYY or YYYY-MM when that is all it gives), compared
 * bytewise. */
#define QY_SLOT_DATE 0
/* The key of the passage's source path (qy_source_key), so that a search
 * can keep one hit per source (Xapian's collapse key). */
#define QY_SLOT_SOURCE 1
#define QY_SOURCE_KEY_BYTES 8

/* The index format this build writes and the newest it reads. Format 1
 * made each Han or kana character a word; format 2 (QY_FORMAT_CJK_PAIRS)
 * makes them overlapping pairs (qy_tokenize); format 3
 * (QY_FORMAT_KOREAN_PARTICLES) cuts a Korean word's particle. An index of
 * an older format is still read, searched and updated as it was written. */
#define QY_INDEX_FORMAT 3
#define QY_FORMAT_CJK_PAIRS 2
#define QY_FORMAT_KOREAN_PARTICLES 3

#define QY_META_FORMAT "quarry.format"
#define QY_META_LANG "quarry.lang"
/* Set (committed) while the indexer compacts the index, removed once the
 * compacted index is in place: a run killed in between leaves it, and the
 * next run compacts. */
#define QY_META_COMPACT_PENDING "quarry.compact-pending"

/* The boolean term for PREFIX + VALUE, written to BUF (at least
 * QY_MAX_TERM_BYTES + 1 bytes), NUL-terminated; returns its length. Values
 * too long for a term keep their first bytes and end in a hash of the whole,
 * so distinct values keep distinct terms. */
size_t qy_boolean_term(const char *prefix, const char *value, char *buf);

/* 64-bit FNV-1a of LEN bytes at DATA, continuing from H (QY_FNV_START for
 * a new hash): cheap and stable across builds and machines. */
#define QY_FNV_START 0xcbf29ce484222325ULL
uint64_t qy_fnv1a(const void *data, size_t len, uint64_t h);

/* The collapse key of SOURCE: its hash, QY_SOURCE_KEY_BYTES bytes (least
 * significant first). Paths are long and repeated in every passage of
 * their source; the key takes 8 bytes, and two sources of one index share
 * one with a probability near 2^-64 per pair. */
void qy_source_key(const char *source, unsigned char key[QY_SOURCE_KEY_BYTES]);

/* For a writer: records LANG and the format in a new index, or checks that an
 * existing index was built with LANG (NULL: whatever it was built with; the
 * language in force is returned in *LANG_OUT, malloc'd, when not NULL).
 * QY_INVALID with *ERROR set when the languages differ, QY_VERSION when the
 * index is newer than this build. *ERROR is malloc'd; the caller frees it. */
qy_status_t qy_schema_prepare(qy_db_t *db, const char *lang, char **lang_out,
                              char **error);

/* For a reader: the language the index was built with (malloc'd, "english"
 * for an empty index) after checking the format. */
qy_status_t qy_schema_read(qy_db_t *db, char **lang_out, char **error);

/* The format DB was written in, QY_INDEX_FORMAT for a new index (or when
 * it cannot be read: qy_schema_read and qy_schema_prepare report that). */
int qy_schema_format(qy_db_t *db);

#ifdef __cplusplus
}
#endif

#endif
