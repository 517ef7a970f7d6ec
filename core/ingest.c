#include "quarry/ingest.h"
#include "quarry/synonyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/acronyms.h"
#include "quarry/langid.h"
#include "quarry/schema.h"
#include "quarry/wordcount.h"

/* Distinct words counted before their spelling data is written anyway,
 * which bounds the memory a long batch takes. */
#define SPELLING_FLUSH_WORDS 200000

/* The start of a document that its language is told from. */
#define LANGUAGE_SAMPLE_BYTES 4096

struct qy_ingest {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_doc_t *doc;
    qy_status_t failed; /* first failure inside a tokenizer callback */
    const char *prefix; /* of the heading being added: title or section */
    const char *date;   /* QY_SLOT_DATE of the records being added, or NULL */
    size_t date_len;
    qy_wordcount_t *spelling; /* words seen since the last flush */
    qy_wordcount_t *acronyms; /* "acronym\tlong form" definitions, as well */
    qy_langid_t *langid;      /* an analyzer for several languages: tells
                                 each document's; else NULL */
    const char *lang;         /* the language of the document being added,
                                 when told; else NULL */
    char term[QY_MAX_TERM_BYTES + 1];
};

qy_status_t qy_ingest_new(qy_db_t *db, qy_analyzer_t *a, qy_ingest_t **out)
{
    qy_ingest_t *ing = calloc(1, sizeof *ing);
    if (!ing)
        return QY_NOMEM;
    ing->doc = qy_doc_new();
    ing->spelling = qy_wordcount_new();
    ing->acronyms = qy_wordcount_new();
    if (!ing->doc || !ing->spelling || !ing->acronyms) {
        qy_ingest_free(ing);
        return QY_NOMEM;
    }
    if (strcmp(qy_analyzer_language(a), "auto") == 0 &&
        !(ing->langid = qy_langid_new())) {
        qy_ingest_free(ing);
        return QY_IO; /* the language models cannot be read */
    }
    ing->db = db;
    ing->a = a;
    *out = ing;
    return QY_OK;
}

/* With several languages, makes the language of TITLE and the N passages
 * P the analyzer's, and the records'. A document too short or too unusual
 * to tell is English. */
static qy_status_t detect_language(qy_ingest_t *ing, const char *title,
                                   const qy_passage_t *p, size_t n)
{
    if (!ing->langid)
        return QY_OK;
    char sample[LANGUAGE_SAMPLE_BYTES];
    size_t len = 0;
    for (size_t i = 0; i <= n && len < sizeof sample; i++) {
        const char *s = i == 0 ? title : p[i - 1].text;
        size_t k = s ? strlen(s) : 0;
        if (k > sizeof sample - len - 1)
            k = sizeof sample - len - 1;
        if (s && k)
            memcpy(sample + len, s, k);
        len += k;
        if (len < sizeof sample)
            sample[len++] = '\n';
    }
    const char *lang = qy_langid_detect(ing->langid, sample, len);
    ing->lang = lang ? lang : "english";
    return qy_analyzer_use(ing->a, ing->lang);
}

void qy_ingest_free(qy_ingest_t *ing)
{
    if (!ing)
        return;
    qy_doc_free(ing->doc);
    qy_wordcount_free(ing->spelling);
    qy_wordcount_free(ing->acronyms);
    qy_langid_free(ing->langid);
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

static int memchr_digit(const char *w, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (w[i] >= '0' && w[i] <= '9')
            return 1;
    return 0;
}

/* A word of the text at POS. Stop words carry no position: they are
 * about two words in five of English prose, a phrase or NEAR leaves them
 * out and keeps their room (core/search.c), and without their positions
 * the index is a fifth smaller. Their frequency still counts. */
static qy_status_t add_word(qy_ingest_t *ing, const qy_token_t *tok,
                            const char *stem, size_t n, unsigned pos)
{
    if (qy_is_stopword(ing->a, tok->word, tok->word_len))
        return qy_doc_add_term(ing->doc, stem, n, 1);
    return qy_doc_add_posting(ing->doc, stem, n, pos, 1);
}

static int add_text_word(void *ctx, const qy_token_t *tok)
{
    qy_ingest_t *ing = ctx;
    size_t n;
    const char *stem = qy_stem(ing->a, tok->word, tok->word_len, &n);
    if (!stem)
        return failed(ing, QY_NOMEM);
    /* Spelling data: words of letters only, three bytes or more (numbers
     * and codes have no spelling to correct). */
    if (tok->word_len >= 3 && !memchr_digit(tok->word, tok->word_len) &&
        qy_wordcount_add(ing->spelling, tok->word, tok->word_len) != QY_OK)
        return failed(ing, QY_NOMEM);
    return failed(ing, add_word(ing, tok, stem, n, tok->pos));
}

/* STEM[0, N) under ing->prefix, at the word's position. */
static int add_prefixed(qy_ingest_t *ing, const qy_token_t *tok,
                        const char *stem, size_t n)
{
    size_t plen = strlen(ing->prefix);
    if (plen + n > QY_MAX_TERM_BYTES)
        return 0;
    memcpy(ing->term, ing->prefix, plen);
    memcpy(ing->term + plen, stem, n);
    return failed(
        ing, qy_doc_add_posting(ing->doc, ing->term, plen + n, tok->pos, 1));
}

static int add_title_word(void *ctx, const qy_token_t *tok)
{
    qy_ingest_t *ing = ctx;
    size_t n;
    const char *stem = qy_stem(ing->a, tok->word, tok->word_len, &n);
    if (!stem)
        return failed(ing, QY_NOMEM);
    /* The title is part of every passage's text, as words of the text:
     * BM25 then counts them with the text's own (a title word doubles when
     * the text repeats the title) and in the passage's length. They carry
     * no position there: a phrase or NEAR matches within the text (title:
     * within the title), and the index is 2 % smaller. A section heading's
     * words are added the same way, under their own prefix. */
    if (failed(ing, qy_doc_add_term(ing->doc, stem, n, 1)))
        return 1;
    return add_prefixed(ing, tok, stem, n);
}

/* A word of a mail's sender or recipients: only under its prefix, so that
 * addresses weigh nothing in the ranking of the text. */
static int add_field_word(void *ctx, const qy_token_t *tok)
{
    qy_ingest_t *ing = ctx;
    size_t n;
    const char *stem = qy_stem(ing->a, tok->word, tok->word_len, &n);
    if (!stem)
        return failed(ing, QY_NOMEM);
    return add_prefixed(ing, tok, stem, n);
}

/* The words of S, when not empty, under PREFIX with WORD_FN. */
static qy_status_t add_field(qy_ingest_t *ing, const char *prefix,
                             const char *s, qy_token_fn word_fn)
{
    if (!s || !*s)
        return QY_OK;
    ing->prefix = prefix;
    qy_status_t st = qy_tokenize_indexed(ing->a, s, strlen(s), word_fn, ing);
    return st == QY_OK ? ing->failed : st;
}

static qy_status_t set_source_key(qy_ingest_t *ing, const char *source)
{
    unsigned char key[QY_SOURCE_KEY_BYTES];
    qy_source_key(source, key);
    return qy_doc_set_value(ing->doc, QY_SLOT_SOURCE, (const char *)key,
                            sizeof key);
}

static qy_status_t add_boolean(qy_ingest_t *ing, const char *prefix,
                               const char *value)
{
    size_t n = qy_boolean_term(prefix, value, ing->term);
    return qy_doc_add_term(ing->doc, ing->term, n, 0);
}

typedef struct acronym_ctx {
    qy_ingest_t *ing;
    const char *text;
    qy_status_t st;
} acronym_ctx_t;

/* Counts a definition; the flush writes the batch's counts. */
static int learn_acronym(void *ctx, const char *acr, size_t len,
                         size_t long_start, size_t long_end)
{
    acronym_ctx_t *c = ctx;
    qy_ingest_t *ing = c->ing;
    char word[16];
    for (size_t i = 0; i < len && i < sizeof word - 1; i++)
        word[i] = (char)(acr[i] - 'A' + 'a');
    word[len < sizeof word ? len : sizeof word - 1] = '\0';
    size_t n;
    const char *stem = qy_stem(ing->a, word, strlen(word), &n);
    if (!stem) {
        c->st = QY_NOMEM;
        return 1;
    }
    char acronym[QY_MAX_TERM_BYTES + 1];
    memcpy(acronym, stem, n);
    acronym[n] = '\0';
    char key[QY_MAX_TERM_BYTES + 1];
    c->st = qy_synonym_key(ing->a, c->text + long_start, long_end - long_start,
                           key, NULL);
    if (c->st == QY_INVALID) {
        c->st = QY_OK;
        return 0; /* too long for a key: not kept */
    }
    if (c->st != QY_OK)
        return 1;
    if (!strchr(key, ' '))
        return 0; /* a one-word "long form" is no definition */
    /* Every definition counts: the acronym keeps the long forms the text
     * uses most for it (core/synonyms.c). */
    char pair[2 * QY_MAX_TERM_BYTES + 2];
    int plen = snprintf(pair, sizeof pair, "%s\t%s", acronym, key);
    c->st = qy_wordcount_add(ing->acronyms, pair, (size_t)plen);
    return c->st != QY_OK;
}

static int write_acronym(void *ctx, const char *pair, size_t len,
                         unsigned count)
{
    qy_ingest_t *ing = ctx;
    char acronym[2 * QY_MAX_TERM_BYTES + 2];
    memcpy(acronym, pair, len);
    acronym[len] = '\0';
    char *tab = strchr(acronym, '\t');
    *tab = '\0';
    qy_status_t st = qy_acronym_defined(ing->db, acronym, tab + 1, count);
    /* QY_INVALID: the pair's mark is too long for a key, not kept. */
    return st != QY_OK && st != QY_INVALID ? (int)st : 0;
}

static int write_spelling(void *ctx, const char *word, size_t len,
                          unsigned count)
{
    qy_ingest_t *ing = ctx;
    qy_status_t st = qy_db_add_spelling(ing->db, word, len, count);
    return st != QY_OK && st != QY_INVALID ? (int)st : 0;
}

qy_status_t qy_ingest_flush(qy_ingest_t *ing)
{
    int st = qy_wordcount_each(ing->spelling, write_spelling, ing);
    qy_wordcount_clear(ing->spelling);
    if (st == 0)
        st = qy_wordcount_each(ing->acronyms, write_acronym, ing);
    qy_wordcount_clear(ing->acronyms);
    return (qy_status_t)st;
}

qy_status_t qy_ingest_record(qy_ingest_t *ing, const qy_record_t *rec)
{
    qy_status_t st;
    const char *text = rec->text ? rec->text : "";
    const char *title = rec->title ? rec->title : "";
    qy_doc_clear(ing->doc);
    ing->failed = QY_OK;
    st = qy_tokenize_indexed(ing->a, text, strlen(text), add_text_word, ing);
    if (st == QY_OK)
        st = ing->failed;
    if (st == QY_OK)
        st = add_field(ing, QY_PREFIX_TITLE, title, add_title_word);
    if (st == QY_OK)
        st = add_field(ing, QY_PREFIX_SECTION, rec->section, add_title_word);
    if (st == QY_OK)
        st = add_field(ing, QY_PREFIX_FROM, rec->from, add_field_word);
    if (st == QY_OK)
        st = add_field(ing, QY_PREFIX_TO, rec->to, add_field_word);
    if (st == QY_OK) {
        acronym_ctx_t c = {ing, text, QY_OK};
        qy_find_acronyms(text, strlen(text), learn_acronym, &c);
        st = c.st;
    }
    if (st == QY_OK &&
        qy_wordcount_size(ing->spelling) + qy_wordcount_size(ing->acronyms) >=
            SPELLING_FLUSH_WORDS)
        st = qy_ingest_flush(ing);
    if (st == QY_OK && rec->source && *rec->source)
        st = add_boolean(ing, QY_PREFIX_SOURCE, rec->source);
    if (st == QY_OK && rec->source && *rec->source)
        st = set_source_key(ing, rec->source);
    if (st == QY_OK && rec->id && *rec->id)
        st = add_boolean(ing, QY_PREFIX_ID, rec->id);
    if (st == QY_OK && rec->lang && *rec->lang)
        st = add_boolean(ing, QY_PREFIX_LANG, rec->lang);
    if (st != QY_OK)
        return st;
    size_t len;
    char *data = qy_record_encode(rec, &len);
    if (!data)
        return QY_NOMEM;
    st = qy_doc_set_data(ing->doc, data, len);
    free(data);
    if (st == QY_OK && ing->date)
        st = qy_doc_set_value(ing->doc, QY_SLOT_DATE, ing->date, ing->date_len);
    if (st == QY_OK)
        st = qy_db_add_doc(ing->db, ing->doc);
    return st;
}

static qy_status_t remove_before(qy_ingest_t *ing, const char *prefix,
                                 const char *value, unsigned before);

qy_status_t qy_ingest_remove_source(qy_ingest_t *ing, const char *source)
{
    return remove_before(ing, QY_PREFIX_SOURCE, source, 0);
}

qy_status_t qy_ingest_remove_source_before(qy_ingest_t *ing, const char *source,
                                           unsigned before)
{
    return before ? remove_before(ing, QY_PREFIX_SOURCE, source, before)
                  : QY_OK;
}

/* The length of DATE's leading YYYY, YYYY-MM or YYYY-MM-DD, or 0 (also
 * for digits run together, as in 20220206). */
static size_t date_prefix(const char *date)
{
    static const char shape[] = "dddd-dd-dd";
    size_t n = 0, ok = 0;
    while (shape[n] && date[n] &&
           (shape[n] == 'd' ? date[n] >= '0' && date[n] <= '9'
                            : date[n] == shape[n])) {
        n++;
        if (n == 4 || n == 7 || n == 10)
            ok = n;
    }
    return date[ok] >= '0' && date[ok] <= '9' ? 0 : ok;
}

static void set_date(qy_ingest_t *ing, const char *date)
{
    ing->date_len = date ? date_prefix(date) : 0;
    ing->date = ing->date_len ? date : NULL;
}

qy_status_t qy_ingest_article(qy_ingest_t *ing, const char *source,
                              const qy_article_t *article)
{
    qy_status_t st = qy_ingest_remove_source(ing, source);
    return st == QY_OK ? qy_ingest_article_more(ing, source, article) : st;
}

qy_status_t qy_ingest_article_more(qy_ingest_t *ing, const char *source,
                                   const qy_article_t *article)
{
    qy_status_t st = QY_OK;
    set_date(ing, article->date);
    const qy_unit_t *unit = NULL;
    size_t next = 0; /* the next unit */
    if (st == QY_OK && (article->nunits == 0 || article->units[0].first > 0))
        st = detect_language(ing, article->title, article->passages,
                             article->nunits ? article->units[0].first
                                             : article->count);
    for (size_t i = 0; st == QY_OK && i < article->count; i++) {
        while (st == QY_OK && next < article->nunits &&
               article->units[next].first <= i) {
            unit = &article->units[next++];
            set_date(ing, unit->date);
            size_t end = next < article->nunits ? article->units[next].first
                                                : article->count;
            st = detect_language(ing, unit->title, article->passages + i,
                                 end > i ? end - i : 0);
        }
        if (st != QY_OK)
            break;
        const qy_passage_t *p = &article->passages[i];
        qy_record_t rec = {
            .source = source,
            .title = unit ? unit->title : article->title,
            .section = p->title,
            .text = p->text,
            .meta = article->meta,
            .ordinal = p->ordinal,
            .offset = p->offset,
            .length = p->length,
            .page = p->page,
            .lang = ing->lang,
        };
        if (unit) {
            rec.id = unit->id;
            rec.from = unit->from;
            rec.to = unit->to;
            rec.date = unit->date;
        }
        st = qy_ingest_record(ing, &rec);
    }
    ing->date = NULL;
    ing->date_len = 0;
    return st;
}

/* Removes the passages indexed by the boolean term PREFIX + VALUE whose
 * docid is below BEFORE (all of them when BEFORE is 0). */
static qy_status_t remove_before(qy_ingest_t *ing, const char *prefix,
                                 const char *value, unsigned before)
{
    size_t n = qy_boolean_term(prefix, value, ing->term);
    return before ? qy_db_delete_by_term_below(ing->db, ing->term, n, before)
                  : qy_db_delete_by_term(ing->db, ing->term, n);
}

qy_status_t qy_ingest_remove_id_before(qy_ingest_t *ing, const char *id,
                                       unsigned before)
{
    return remove_before(ing, QY_PREFIX_ID, id, before);
}

/* The passage text of PASSAGES from FROM on, up to EVERY bytes of it (one
 * passage at least), as the end of that run; to the end when EVERY is 0. */
static size_t run_end(const qy_article_t *passages, size_t from, size_t every)
{
    if (!every)
        return passages->count;
    size_t bytes = 0, i = from;
    while (i < passages->count && (i == from || bytes < every))
        bytes += passages->passages[i++].text_len;
    return i;
}

/* Adds the passages [FROM, TO) of PASSAGES, split from DOC. */
static qy_status_t add_jsonl_run(qy_ingest_t *ing, const char *source,
                                 const qy_jsonl_doc_t *doc,
                                 const qy_article_t *passages, size_t from,
                                 size_t to)
{
    qy_status_t st = QY_OK;
    for (size_t i = from; st == QY_OK && i < to; i++) {
        const qy_passage_t *p = &passages->passages[i];
        qy_record_t rec = {
            .source = source,
            .title = passages->title,
            .section = p->title,
            .text = p->text,
            .id = doc->id,
            .meta = doc->meta,
            .ordinal = p->ordinal,
            .offset = p->offset,
            .length = p->length,
            .lang = ing->lang,
        };
        st = qy_ingest_record(ing, &rec);
    }
    return st;
}

/* The date and language of DOC's passages PASSAGES told. */
static qy_status_t start_jsonl(qy_ingest_t *ing, const qy_jsonl_doc_t *doc,
                               const qy_article_t *passages)
{
    if (!doc->id || !*doc->id)
        return QY_INVALID;
    set_date(ing, doc->date);
    return detect_language(ing, passages->title, passages->passages,
                           passages->count);
}

static qy_status_t end_jsonl(qy_ingest_t *ing, qy_status_t st)
{
    ing->date = NULL;
    ing->date_len = 0;
    return st;
}

qy_status_t qy_ingest_jsonl_add(qy_ingest_t *ing, const char *source,
                                const qy_jsonl_doc_t *doc,
                                qy_article_t *passages, size_t every,
                                qy_ingest_between_fn between, void *ctx)
{
    qy_status_t st = start_jsonl(ing, doc, passages);
    for (size_t i = 0; st == QY_OK && i < passages->count;) {
        size_t end = run_end(passages, i, between ? every : 0);
        st = add_jsonl_run(ing, source, doc, passages, i, end);
        for (; between && i < end; i++) { /* in the index now */
            free(passages->passages[i].text);
            passages->passages[i].text = NULL;
        }
        i = end;
        if (st == QY_OK && i < passages->count && between)
            st = between(ctx);
    }
    return end_jsonl(ing, st);
}

qy_status_t qy_ingest_jsonl(qy_ingest_t *ing, const char *source,
                            const qy_jsonl_doc_t *doc,
                            const qy_article_t *passages)
{
    qy_status_t st = start_jsonl(ing, doc, passages);
    if (st == QY_OK)
        st = qy_ingest_remove_id_before(ing, doc->id, 0);
    if (st == QY_OK)
        st = add_jsonl_run(ing, source, doc, passages, 0, passages->count);
    return end_jsonl(ing, st);
}
