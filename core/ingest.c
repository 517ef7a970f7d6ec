#include "quarry/ingest.h"

#include <stdlib.h>
#include <string.h>

#include "quarry/schema.h"

struct qy_ingest {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_doc_t *doc;
    qy_status_t failed; /* first failure inside a tokenizer callback */
    char term[QY_MAX_TERM_BYTES + 1];
};

qy_status_t qy_ingest_new(qy_db_t *db, qy_analyzer_t *a, qy_ingest_t **out)
{
    qy_ingest_t *ing = calloc(1, sizeof *ing);
    if (!ing)
        return QY_NOMEM;
    ing->doc = qy_doc_new();
    if (!ing->doc) {
        free(ing);
        return QY_NOMEM;
    }
    ing->db = db;
    ing->a = a;
    *out = ing;
    return QY_OK;
}

void qy_ingest_free(qy_ingest_t *ing)
{
    if (!ing)
        return;
    qy_doc_free(ing->doc);
    free(ing);
}

/* Records the first failure, which stops the tokenizer. */
static int failed(qy_ingest_t *ing, qy_status_t st)
{
    if (st == QY_OK || st == QY_INVALID) /* a term Xapian cannot hold */
        return 0;
    ing->failed = st;
    return 1;
}

static int add_text_word(void *ctx, const qy_token_t *tok)
{
    qy_ingest_t *ing = ctx;
    size_t n;
    const char *stem = qy_stem(ing->a, tok->word, tok->word_len, &n);
    if (!stem)
        return failed(ing, QY_NOMEM);
    return failed(ing, qy_doc_add_posting(ing->doc, stem, n, tok->pos, 1));
}

static int add_title_word(void *ctx, const qy_token_t *tok)
{
    qy_ingest_t *ing = ctx;
    size_t n;
    const char *stem = qy_stem(ing->a, tok->word, tok->word_len, &n);
    if (!stem)
        return failed(ing, QY_NOMEM);
    size_t plen = strlen(QY_PREFIX_TITLE);
    if (plen + n > QY_MAX_TERM_BYTES)
        return 0;
    memcpy(ing->term, QY_PREFIX_TITLE, plen);
    memcpy(ing->term + plen, stem, n);
    return failed(ing, qy_doc_add_posting(ing->doc, ing->term, plen + n,
                                          tok->pos, 1));
}

static qy_status_t add_boolean(qy_ingest_t *ing, const char *prefix,
                               const char *value)
{
    size_t n = qy_boolean_term(prefix, value, ing->term);
    return qy_doc_add_term(ing->doc, ing->term, n, 0);
}

qy_status_t qy_ingest_record(qy_ingest_t *ing, const qy_record_t *rec)
{
    qy_status_t st;
    const char *text = rec->text ? rec->text : "";
    const char *title = rec->title ? rec->title : "";
    qy_doc_clear(ing->doc);
    ing->failed = QY_OK;
    st = qy_tokenize(ing->a, text, strlen(text), add_text_word, ing);
    if (st == QY_OK)
        st = ing->failed;
    if (st == QY_OK)
        st = qy_tokenize(ing->a, title, strlen(title), add_title_word, ing);
    if (st == QY_OK)
        st = ing->failed;
    if (st == QY_OK && rec->source && *rec->source)
        st = add_boolean(ing, QY_PREFIX_SOURCE, rec->source);
    if (st == QY_OK && rec->id && *rec->id)
        st = add_boolean(ing, QY_PREFIX_ID, rec->id);
    if (st != QY_OK)
        return st;
    size_t len;
    char *data = qy_record_encode(rec, &len);
    if (!data)
        return QY_NOMEM;
    st = qy_doc_set_data(ing->doc, data, len);
    free(data);
    if (st == QY_OK)
        st = qy_db_add_doc(ing->db, ing->doc);
    return st;
}

qy_status_t qy_ingest_remove_source(qy_ingest_t *ing, const char *source)
{
    size_t n = qy_boolean_term(QY_PREFIX_SOURCE, source, ing->term);
    return qy_db_delete_by_term(ing->db, ing->term, n);
}

qy_status_t qy_ingest_article(qy_ingest_t *ing, const char *source,
                              const qy_article_t *article)
{
    qy_status_t st = qy_ingest_remove_source(ing, source);
    for (size_t i = 0; st == QY_OK && i < article->count; i++) {
        const qy_passage_t *p = &article->passages[i];
        qy_record_t rec = {
            .source = source,
            .title = article->title,
            .text = p->text,
            .ordinal = p->ordinal,
            .offset = p->offset,
            .length = p->length,
        };
        st = qy_ingest_record(ing, &rec);
    }
    return st;
}
