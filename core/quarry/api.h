/* What the files of the public API (include/quarry.h) share: core/api.c
 * (indexes, documents, searching) and core/api_file.c (files, which need
 * the format parsers; kept apart so that a program that only searches
 * does not load the libraries of the formats). Not exported. */
#ifndef QUARRY_API_INTERNAL_H
#define QUARRY_API_INTERNAL_H

#include "quarry.h"
#include "quarry/formats.h"
#include "quarry/ingest.h"
#include "quarry/status.h"
#include "quarry/xdb.h"

struct quarry_index {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_ingest_t *ing;   /* writers only */
    int in_transaction; /* a writer's changes since the last commit */
    char *error;        /* the last failure, "" when none */
};

/* Keeps MESSAGE (taken over; NULL: the status's own words) as the last
 * failure of INDEX, and returns ST. */
quarry_status_t qy_api_fail_with(quarry_index_t *index, quarry_status_t st,
                                 char *message);
/* Records the failure ST of a core call about WHAT on INDEX, with Xapian's
 * description when the index has one; returns the API's status. */
quarry_status_t qy_api_fail(quarry_index_t *index, qy_status_t st,
                            const char *what);
/* Opens a writer's transaction when none is (READ_ONLY for a reader). */
quarry_status_t qy_api_begin_write(quarry_index_t *index);
/* Ingests the JSON Lines document DOC under SOURCE, adding its passages to
 * *PASSAGES. */
qy_status_t qy_api_ingest_doc(quarry_index_t *index, const char *source,
                              const qy_jsonl_doc_t *doc, unsigned *passages);
/* Ingests ART under SOURCE, its title replaced by TITLE when not NULL. */
qy_status_t qy_api_ingest_article(quarry_index_t *index, const char *source,
                                  qy_article_t *art, const char *title,
                                  unsigned *passages);

#endif
