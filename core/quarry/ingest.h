/* Turning passages into index documents: the one write path that the
 * indexer and the evaluation harness share. */
#ifndef QUARRY_INGEST_H
#define QUARRY_INGEST_H

#include "quarry/formats.h"
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

/* Adds one passage: text stems with positions, title and section stems (as
 * words of the text too, after it, and as title and section terms), and the
 * boolean terms of its source and id. */
qy_status_t qy_ingest_record(qy_ingest_t *ing, const qy_record_t *rec);

/* Writes what the passages added so far taught about the language (the
 * spelling data of their words, the acronyms they define and how often)
 * to the index. Call it before each commit. */
qy_status_t qy_ingest_flush(qy_ingest_t *ing);

/* Deletes every passage of SOURCE. */
qy_status_t qy_ingest_remove_source(qy_ingest_t *ing, const char *source);

/* Deletes the passages of SOURCE whose docid is below BEFORE: after a
 * rewrite that replaced its documents one by one (BEFORE being the first
 * docid the rewrite could use), those of documents the source no longer
 * has. */
qy_status_t qy_ingest_remove_source_before(qy_ingest_t *ing, const char *source,
                                           unsigned before);

/* Replaces every passage of SOURCE by those of ARTICLE. A passage's own
 * title (the heading above it), when it has one, is stored as its section;
 * ARTICLE's meta and page numbers are stored with each passage, and its date
 * in QY_SLOT_DATE as for qy_ingest_jsonl. */
qy_status_t qy_ingest_article(qy_ingest_t *ing, const char *source,
                              const qy_article_t *article);

/* Adds the passages of ARTICLE to those of SOURCE, as qy_ingest_article
 * does but deleting none: a later part of a source too large to be split
 * at once (the caller deletes the old passages once it is complete, with
 * qy_ingest_remove_source_before). */
qy_status_t qy_ingest_article_more(qy_ingest_t *ing, const char *source,
                                   const qy_article_t *article);

/* Replaces every passage of the JSON Lines document DOC->id, wherever it
 * came from, by PASSAGES (split from DOC with qy_split_jsonl), stored with
 * DOC's id and meta, SOURCE, and DOC's date in QY_SLOT_DATE when it starts
 * with a year (YYYY, YYYY-MM or YYYY-MM-DD; what follows is not kept).
 * QY_INVALID when DOC->id is empty. */
qy_status_t qy_ingest_jsonl(qy_ingest_t *ing, const char *source,
                            const qy_jsonl_doc_t *doc,
                            const qy_article_t *passages);

/* Called between two runs of a document's passages (qy_ingest_jsonl_add),
 * where the caller may commit; a status other than QY_OK stops the adding
 * and is returned. */
typedef qy_status_t (*qy_ingest_between_fn)(void *ctx);

/* Adds PASSAGES as qy_ingest_jsonl does, but deleting none of the
 * passages DOC->id had: for a document too large for one transaction.
 * With BETWEEN, calls BETWEEN(CTX) each time EVERY bytes of passage text
 * were added (never after the last passage), and frees the text of each
 * passage once it is added (its text is NULL then). The caller deletes the old
 * passages once the document is complete, with qy_ingest_remove_id_before
 * (BEFORE being the first docid the new ones could use). */
qy_status_t qy_ingest_jsonl_add(qy_ingest_t *ing, const char *source,
                                const qy_jsonl_doc_t *doc,
                                qy_article_t *passages, size_t every,
                                qy_ingest_between_fn between, void *ctx);

/* Deletes the passages of the JSON Lines document ID whose docid is below
 * BEFORE; every passage of ID when BEFORE is 0. */
qy_status_t qy_ingest_remove_id_before(qy_ingest_t *ing, const char *id,
                                       unsigned before);

#ifdef __cplusplus
}
#endif

#endif
