/* Turning passages into index documents: the one write path that the
 * indexer and the evaluation harness share. */
#ifndef QUARRY_INGEST_H
#define QUARRY_INGEST_H

#include "quarry/passage.h"
#include "quarry/record.h"
#include "quarry/status.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qy_ingest qy_ingest_t;

/* A writer of passages into DB, analysing words with A. Both stay the
 * caller's and must outlive the ingest handle. */
qy_status_t qy_ingest_new(qy_db_t *db, qy_analyzer_t *a, qy_ingest_t **out);
void qy_ingest_free(qy_ingest_t *ing);

/* Adds one passage: text stems with positions, title stems, and the boolean
 * terms of its source and id. */
qy_status_t qy_ingest_record(qy_ingest_t *ing, const qy_record_t *rec);

/* Deletes every passage of SOURCE. */
qy_status_t qy_ingest_remove_source(qy_ingest_t *ing, const char *source);

/* Replaces every passage of SOURCE by those of ARTICLE. */
qy_status_t qy_ingest_article(qy_ingest_t *ing, const char *source,
                              const qy_article_t *article);

#ifdef __cplusplus
}
#endif

#endif
