/* eval: measures quarry's ranking on test collections with relevance
 * judgments (Cranfield, CISI, any collection in the BEIR layout), the way
 * trec_eval would, through the same library calls the indexer and `query`
 * make: documents are split into passages and written with the shared write
 * path, every question is answered by qy_search, and the passages found are
 * turned into a ranking of documents. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "metrics.h"
#include "quarry/ingest.h"
#include "quarry/options.h"
#include "quarry/passage.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_BELOW = 1, EXIT_ERROR = 2 };

/* Passages retrieved per question before they are grouped into documents,
 * unless --depth says: enough for the QY_METRICS_DEPTH documents evaluated,
 * at the collection's passages per document (rounded up) plus this many
 * more, and at most MAX_AUTO_DEPTH. Fetching more costs time (each hit is
 * compared with the others for near-duplicates) and cannot change the
 * documents evaluated. */
#define DEPTH_MARGIN 100
#define MAX_AUTO_DEPTH 5000
/* The alternative aggregation sums the best this many passages. */
#define DEFAULT_SUM_TOP 3

static const char *progname = "eval";

/* ---- Small helpers ------------------------------------------------------ */

static void die_nomem(void)
{
    fprintf(stderr, "%s: out of memory\n", progname);
    exit(EXIT_ERROR);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die_nomem();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        die_nomem();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* Grows the array *ARR of *CAP elements of SIZE bytes to hold N + 1. */
static void grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 64;
    *arr = xrealloc(*arr, *cap * size);
}

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf_t;

static void sb_add(strbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_adds(strbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static const char *sb_str(const strbuf_t *b)
{
    return b->s ? b->s : "";
}

static void sb_clear(strbuf_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads PATH whole (NUL-terminated); NULL with a message naming it. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot read '%s': %s\n", progname, path,
                strerror(errno));
        return NULL;
    }
    strbuf_t b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_add(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read '%s'\n", progname, path);
        free(b.s);
        return NULL;
    }
    if (!b.s)
        sb_add(&b, "", 0);
    *len = b.len;
    return b.s;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        die_nomem();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The next line of BUF from *POS, without its line end (LF, CRLF); NULL at
 * the end. */
static const char *next_line(const char *buf, size_t len, size_t *pos,
                             size_t *n)
{
    if (*pos >= len)
        return NULL;
    const char *s = buf + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    size_t l = nl ? (size_t)(nl - s) : len - *pos;
    *pos += l + (nl != NULL);
    if (l && s[l - 1] == '\r')
        l--;
    *n = l;
    return s;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
}

/* ---- Collections -------------------------------------------------------- */

typedef struct doc {
    char *id, *title, *text;
    int wrapped; /* SMART text: hard-wrapped lines, see reflow() */
} doc_t;

typedef struct question {
    char *id;   /* the id the judgments use */
    char *text; /* the question as a person would type it */
} question_t;

typedef struct qrel {
    size_t query; /* index into the collection's questions */
    char *doc;
    int grade;
} qrel_t;

typedef enum gain_kind {
    GAIN_GRADE,    /* gain = grade, relevant when grade > 0 */
    GAIN_BINARY,   /* gain 1 when grade > 0 */
    GAIN_CLEVERDON /* Cranfield: 1 (complete answer) .. 4 (minimum
                      interest) gain 4 .. 1; relevant when grade > 0 */
} gain_kind_t;

typedef struct collection {
    char *name;
    char *source; /* the documents file, recorded as the passages' source */
    gain_kind_t gains;
    doc_t *docs;
    size_t ndocs, capdocs;
    question_t *questions;
    size_t nquestions, capquestions;
    qrel_t *qrels;
    size_t nqrels, capqrels;
} collection_t;

static void collection_free(collection_t *c)
{
    for (size_t i = 0; i < c->ndocs; i++) {
        free(c->docs[i].id);
        free(c->docs[i].title);
        free(c->docs[i].text);
    }
    for (size_t i = 0; i < c->nquestions; i++) {
        free(c->questions[i].id);
        free(c->questions[i].text);
    }
    for (size_t i = 0; i < c->nqrels; i++)
        free(c->qrels[i].doc);
    free(c->docs);
    free(c->questions);
    free(c->qrels);
    free(c->name);
    free(c->source);
    memset(c, 0, sizeof *c);
}

static void add_doc(collection_t *c, char *id, char *title, char *text,
                    int wrapped)
{
    grow((void **)&c->docs, &c->capdocs, c->ndocs, sizeof *c->docs);
    c->docs[c->ndocs++] = (doc_t){id, title, text, wrapped};
}

static void add_question(collection_t *c, char *id, char *text)
{
    grow((void **)&c->questions, &c->capquestions, c->nquestions,
         sizeof *c->questions);
    c->questions[c->nquestions++] = (question_t){id, text};
}

static void add_qrel(collection_t *c, size_t query, const char *doc, size_t len,
                     int grade)
{
    grow((void **)&c->qrels, &c->capqrels, c->nqrels, sizeof *c->qrels);
    c->qrels[c->nqrels++] = (qrel_t){query, xstrndup(doc, len), grade};
}

/* The index of the question whose id is ID, or -1. Linear: collections
 * have hundreds of questions, looked up once per judgment line. */
static long find_question(const collection_t *c, const char *id, size_t len)
{
    for (size_t i = 0; i < c->nquestions; i++)
        if (strlen(c->questions[i].id) == len &&
            memcmp(c->questions[i].id, id, len) == 0)
            return (long)i;
    return -1;
}

/* How passages are made of a SMART document's text. */
typedef enum split_mode {
    SPLIT_PARAGRAPHS, /* indented lines start paragraphs, one passage each */
    SPLIT_WHOLE       /* the whole text as one paragraph */
} split_mode_t;

/* SMART texts are hard-wrapped, with no blank line inside an abstract: the
 * indexer reads such a block of wrapped lines as one paragraph, and
 * SPLIT_WHOLE does the same here. SPLIT_PARAGRAPHS also starts a paragraph
 * at each line indented by two spaces or more (a single leading space is a
 * wrapped line in Cranfield). Either way the result has one paragraph per
 * line and blank lines between them, which qy_split_plain reads the same
 * whatever the line lengths (its wrapped-block heuristics need lines of 40
 * bytes or more, which SMART files do not keep to). */
static char *reflow(const char *text, split_mode_t mode)
{
    strbuf_t out = {0};
    size_t pos = 0, len = strlen(text), n;
    const char *line;
    int in_para = 0;
    while ((line = next_line(text, len, &pos, &n)) != NULL) {
        size_t lead = 0;
        while (lead < n && is_blank(line[lead]))
            lead++;
        if (lead == n) {
            if (mode == SPLIT_PARAGRAPHS)
                in_para = 0;
            continue;
        }
        if (in_para && (mode == SPLIT_WHOLE || lead < 2))
            sb_adds(&out, " ");
        else if (out.len)
            sb_adds(&out, "\n\n");
        sb_add(&out, line + lead, n - lead);
        in_para = 1;
    }
    if (!out.s)
        sb_add(&out, "", 0);
    return out.s;
}

/* Joins lines with single spaces. */
static char *one_line(const char *text)
{
    char *s = reflow(text, SPLIT_WHOLE);
    return s;
}

/* A SMART field marker: `.X` alone on its line (trailing blanks allowed, as
 * in CISI), or `.I ID`. Returns the letter, and for .I the id. */
static char smart_marker(const char *line, size_t n, const char **arg,
                         size_t *arglen)
{
    if (n < 2 || line[0] != '.' || line[1] < 'A' || line[1] > 'Z')
        return 0;
    if (n > 2 && !is_blank(line[2]))
        return 0;
    size_t i = 2;
    while (i < n && is_blank(line[i]))
        i++;
    size_t end = n;
    while (end > i && is_blank(line[end - 1]))
        end--;
    if (line[1] == 'I') {
        if (end == i)
            return 0;
        *arg = line + i;
        *arglen = end - i;
        return 'I';
    }
    return end == i ? line[1] : 0;
}

typedef struct smart_record {
    char id[64];
    strbuf_t title, text;
    char field; /* the field being read, 0 before the first */
    int started;
} smart_record_t;

typedef enum smart_kind { SMART_DOCS, SMART_QUERIES } smart_kind_t;

/* Reads a SMART file of documents or queries.
 *
 * TEXT_LAST: the text (.W) is the last field of a record, so any other
 * marker after it is a stray line of the text (Cranfield documents 240, 576
 * and 578) and is skipped rather than obeyed. Otherwise fields after .W are
 * real (CISI's .X citations), and only .T and .W are kept: authors, sources
 * and citation numbers are not prose to search. Queries keep .T (CISI's
 * later queries have one) ahead of .W. */
static int read_smart(collection_t *c, const char *path, smart_kind_t kind,
                      int text_last)
{
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf)
        return -1;
    smart_record_t r = {0};
    size_t pos = 0, n, lineno = 0;
    const char *line;
    int ok = 1;
    for (;;) {
        line = next_line(buf, len, &pos, &n);
        lineno++;
        const char *arg = NULL;
        size_t arglen = 0;
        char m = line ? smart_marker(line, n, &arg, &arglen) : 'I';
        if (m == 'I') {
            if (r.started) {
                char *title = one_line(sb_str(&r.title));
                if (kind == SMART_DOCS) {
                    add_doc(c, xstrdup(r.id), title, xstrdup(sb_str(&r.text)),
                            1);
                } else {
                    strbuf_t q = {0};
                    sb_adds(&q, title);
                    sb_adds(&q, "\n");
                    sb_adds(&q, sb_str(&r.text));
                    char *text = one_line(q.s);
                    free(q.s);
                    free(title);
                    add_question(c, xstrdup(r.id), text);
                }
            }
            if (!line)
                break;
            if (arglen >= sizeof r.id) {
                fprintf(stderr, "%s: %s:%zu: record id too long\n", progname,
                        path, lineno);
                ok = 0;
                break;
            }
            memcpy(r.id, arg, arglen);
            r.id[arglen] = '\0';
            sb_clear(&r.title);
            sb_clear(&r.text);
            r.field = 0;
            r.started = 1;
            continue;
        }
        if (m && !(text_last && r.field == 'W')) {
            r.field = m;
            continue;
        }
        if (m) /* a stray marker inside the text */
            continue;
        if (!r.started) {
            if (n == 0)
                continue;
            fprintf(stderr, "%s: %s:%zu: not a SMART file (no .I record)\n",
                    progname, path, lineno);
            ok = 0;
            break;
        }
        strbuf_t *into = r.field == 'T'   ? &r.title
                         : r.field == 'W' ? &r.text
                                          : NULL;
        if (into) {
            sb_add(into, line, n);
            sb_adds(into, "\n");
        }
    }
    free(r.title.s);
    free(r.text.s);
    free(buf);
    return ok ? 0 : -1;
}

/* Judgment lines of whitespace-separated columns: QUERY DOC GRADE
 * (Cranfield: the query is the position of the question in cran.qry) or
 * QUERY ITER DOC GRADE (TREC qrels, CISI.REL). */
typedef enum qrel_format {
    QRELS_CRANFIELD, /* query position, doc, grade */
    QRELS_TREC,      /* query id, iteration, doc, grade */
    QRELS_CISI,      /* query id, doc, 0, 0.0: every line relevant */
    QRELS_BEIR       /* tab-separated query-id, corpus-id, score; header */
} qrel_format_t;

static int read_qrels(collection_t *c, const char *path, qrel_format_t fmt)
{
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf)
        return -1;
    size_t pos = 0, n, lineno = 0;
    const char *line;
    int ok = 1;
    while (ok && (line = next_line(buf, len, &pos, &n)) != NULL) {
        lineno++;
        const char *col[4];
        size_t cl[4], ncol = 0;
        for (size_t i = 0; i < n && ncol < 4;) {
            while (i < n && is_blank(line[i]))
                i++;
            if (i == n)
                break;
            col[ncol] = line + i;
            while (i < n && !is_blank(line[i]))
                i++;
            cl[ncol] = (size_t)(line + i - col[ncol]);
            ncol++;
        }
        if (ncol == 0)
            continue;
        if (fmt == QRELS_BEIR && lineno == 1 &&
            strncmp(line, "query-id", 8) == 0)
            continue;
        size_t need = fmt == QRELS_TREC || fmt == QRELS_CISI ? 4 : 3;
        if (ncol < need) {
            fprintf(stderr, "%s: %s:%zu: expected %zu columns\n", progname,
                    path, lineno, need);
            ok = 0;
            break;
        }
        size_t qi = 0, di = fmt == QRELS_TREC ? 2 : 1;
        size_t gi = fmt == QRELS_TREC ? 3 : 2;
        long query;
        if (fmt == QRELS_CRANFIELD) {
            char *end;
            long v = strtol(col[0], &end, 10);
            query =
                end == col[0] + cl[0] && v >= 1 && (size_t)v <= c->nquestions
                    ? v - 1
                    : -1;
        } else {
            query = find_question(c, col[qi], cl[qi]);
        }
        if (query < 0) {
            fprintf(stderr, "%s: %s:%zu: unknown query '%.*s'\n", progname,
                    path, lineno, (int)cl[qi], col[qi]);
            ok = 0;
            break;
        }
        int grade = 1;
        if (fmt != QRELS_CISI) {
            char *end;
            double g = strtod(col[gi], &end);
            if (end != col[gi] + cl[gi]) {
                fprintf(stderr, "%s: %s:%zu: bad relevance '%.*s'\n", progname,
                        path, lineno, (int)cl[gi], col[gi]);
                ok = 0;
                break;
            }
            grade = (int)g;
        }
        add_qrel(c, (size_t)query, col[di], cl[di], grade);
    }
    free(buf);
    return ok ? 0 : -1;
}

static int load_cranfield(collection_t *c, const char *dir)
{
    char *docs = path_join(dir, "cran.all.1400");
    char *qry = path_join(dir, "cran.qry");
    char *rel = path_join(dir, "cranqrel");
    c->name = xstrdup("cranfield");
    c->source = xstrdup(docs);
    c->gains = GAIN_CLEVERDON;
    int st = read_smart(c, docs, SMART_DOCS, 1);
    if (st == 0)
        st = read_smart(c, qry, SMART_QUERIES, 1);
    if (st == 0) /* judgments number the questions by position */
        st = read_qrels(c, rel, QRELS_CRANFIELD);
    if (st == 0)
        for (size_t i = 0; i < c->nquestions; i++) {
            char id[32];
            snprintf(id, sizeof id, "%zu", i + 1);
            free(c->questions[i].id);
            c->questions[i].id = xstrdup(id);
        }
    free(docs);
    free(qry);
    free(rel);
    return st;
}

static int load_cisi(collection_t *c, const char *dir)
{
    char *docs = path_join(dir, "CISI.ALL");
    char *qry = path_join(dir, "CISI.QRY");
    char *rel = path_join(dir, "CISI.REL");
    c->name = xstrdup("cisi");
    c->source = xstrdup(docs);
    c->gains = GAIN_GRADE;
    int st = read_smart(c, docs, SMART_DOCS, 0);
    if (st == 0)
        st = read_smart(c, qry, SMART_QUERIES, 0);
    if (st == 0)
        st = read_qrels(c, rel, QRELS_CISI);
    free(docs);
    free(qry);
    free(rel);
    return st;
}

/* A JSON string or number field as a malloc'd string; NULL when absent. */
static char *json_text(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v) && v->valuestring)
        return xstrdup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char num[64];
        snprintf(num, sizeof num, "%.17g", v->valuedouble);
        return xstrdup(num);
    }
    return NULL;
}

typedef enum jsonl_kind { JSONL_CORPUS, JSONL_QUERIES } jsonl_kind_t;

static int read_jsonl(collection_t *c, const char *path, jsonl_kind_t kind)
{
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf)
        return -1;
    size_t pos = 0, n, lineno = 0;
    const char *line;
    int ok = 1;
    while (ok && (line = next_line(buf, len, &pos, &n)) != NULL) {
        lineno++;
        size_t i = 0;
        while (i < n && is_blank(line[i]))
            i++;
        if (i == n)
            continue;
        cJSON *obj = cJSON_ParseWithLength(line, n);
        char *id = obj ? json_text(obj, "_id") : NULL;
        char *text = obj ? json_text(obj, "text") : NULL;
        if (!cJSON_IsObject(obj) || !id || !text) {
            fprintf(stderr,
                    "%s: %s:%zu: expected a JSON object with "
                    "\"_id\" and \"text\"\n",
                    progname, path, lineno);
            ok = 0;
            free(id);
            free(text);
        } else if (kind == JSONL_CORPUS) {
            char *title = json_text(obj, "title");
            add_doc(c, id, title ? title : xstrdup(""), text, 0);
        } else {
            add_question(c, id, text);
        }
        cJSON_Delete(obj);
    }
    free(buf);
    return ok ? 0 : -1;
}

static int load_beir(collection_t *c, const char *dir)
{
    char *docs = path_join(dir, "corpus.jsonl");
    char *qry = path_join(dir, "queries.jsonl");
    char *rel = path_join(dir, "qrels/test.tsv");
    char resolved[PATH_MAX];
    const char *base = realpath(dir, resolved) ? resolved : dir;
    const char *slash = strrchr(base, '/');
    c->name = xstrdup(slash && slash[1] ? slash + 1 : base);
    c->source = xstrdup(docs);
    c->gains = GAIN_GRADE;
    int st = read_jsonl(c, docs, JSONL_CORPUS);
    if (st == 0)
        st = read_jsonl(c, qry, JSONL_QUERIES);
    if (st == 0)
        st = read_qrels(c, rel, QRELS_BEIR);
    free(docs);
    free(qry);
    free(rel);
    return st;
}

/* Loads the collection in DIR, recognised by its files. */
static int load_collection(collection_t *c, const char *dir)
{
    char *probe[3] = {path_join(dir, "cran.all.1400"),
                      path_join(dir, "CISI.ALL"),
                      path_join(dir, "corpus.jsonl")};
    int kind = -1;
    for (int i = 0; i < 3 && kind < 0; i++)
        if (file_exists(probe[i]))
            kind = i;
    for (int i = 0; i < 3; i++)
        free(probe[i]);
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "%s: cannot read '%s': %s\n", progname, dir,
                strerror(errno));
        return -1;
    }
    switch (kind) {
    case 0:
        return load_cranfield(c, dir);
    case 1:
        return load_cisi(c, dir);
    case 2:
        return load_beir(c, dir);
    }
    fprintf(stderr,
            "%s: '%s' holds no known collection (cran.all.1400, "
            "CISI.ALL, or corpus.jsonl with queries.jsonl and "
            "qrels/test.tsv)\n",
            progname, dir);
    return -1;
}

/* ---- Judgments ---------------------------------------------------------- */

static int qrel_order(const void *pa, const void *pb)
{
    const qrel_t *a = pa, *b = pb;
    if (a->query != b->query)
        return a->query < b->query ? -1 : 1;
    int d = strcmp(a->doc, b->doc);
    if (d)
        return d;
    return (a->grade < b->grade) - (a->grade > b->grade);
}

/* Sorts the judgments by question and document; of a pair judged twice the
 * highest grade stays. */
static void tidy_qrels(collection_t *c)
{
    if (c->nqrels == 0)
        return; /* qrels is NULL then, which qsort must not be given */
    qsort(c->qrels, c->nqrels, sizeof *c->qrels, qrel_order);
    size_t k = 0;
    for (size_t i = 0; i < c->nqrels; i++) {
        if (k && c->qrels[k - 1].query == c->qrels[i].query &&
            strcmp(c->qrels[k - 1].doc, c->qrels[i].doc) == 0) {
            free(c->qrels[i].doc);
            continue;
        }
        c->qrels[k++] = c->qrels[i];
    }
    c->nqrels = k;
}

static qy_judgment_t judgment(const collection_t *c, const qrel_t *q)
{
    qy_judgment_t j = {q->doc, 0, q->grade > 0};
    if (q->grade > 0)
        j.gain = c->gains == GAIN_CLEVERDON ? (q->grade <= 4 ? 5 - q->grade : 1)
                 : c->gains == GAIN_BINARY  ? 1
                                            : q->grade;
    return j;
}

/* ---- Questions ---------------------------------------------------------- */

/* The question as plain words: the collections' questions are prose, and
 * their brackets, quotes, `+`, `-`, `*` and `:` are punctuation, not query
 * syntax (nor are upper-case AND, OR, NOT and NEAR). The tokenizer drops
 * these characters anyway, so the words searched are the same. */
static char *plain_question(const char *text)
{
    char *q = xstrdup(text);
    for (char *p = q; *p; p++)
        if (strchr("\"()+-*:/", *p))
            *p = ' ';
    for (char *p = q; *p;) {
        while (*p && is_blank(*p))
            p++;
        char *w = p;
        while (*p && !is_blank(*p))
            p++;
        size_t n = (size_t)(p - w);
        if ((n == 3 && (!strncmp(w, "AND", 3) || !strncmp(w, "NOT", 3))) ||
            (n == 2 && !strncmp(w, "OR", 2)) ||
            (n == 4 && !strncmp(w, "NEAR", 4)))
            for (size_t i = 0; i < n; i++)
                w[i] = (char)(w[i] - 'A' + 'a');
    }
    return q;
}

/* ---- Index -------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct index_stats {
    size_t passages;
    size_t wordless_docs; /* documents without a word: no passage is due */
    size_t empty_docs;    /* documents with a word that gave no passage */
} index_stats_t;

/* Non-zero when TEXT holds a letter or digit (any non-ASCII byte is taken
 * for one: the count this serves only tells empty documents apart). */
static int has_word(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        if (isalnum(*p) || *p >= 0x80)
            return 1;
    return 0;
}

/* Writes every document of C into a new index at DIR: the text split with
 * qy_split_plain, each passage added with qy_ingest_record under the
 * document's id and title. */
static int build_index(const collection_t *c, const char *dir,
                       split_mode_t mode, index_stats_t *stats)
{
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    qy_ingest_t *ing = NULL;
    char *error = NULL, *lang = NULL;
    qy_status_t st = qy_db_open_write(dir, QY_DB_NO_SYNC, &db, &error);
    if (st == QY_OK)
        st = qy_schema_prepare(db, "english", &lang, &error);
    if (st == QY_OK)
        st = qy_analyzer_new(lang, &a);
    if (st == QY_OK)
        st = qy_ingest_new(db, a, &ing);
    memset(stats, 0, sizeof *stats);
    for (size_t i = 0; st == QY_OK && i < c->ndocs; i++) {
        const doc_t *d = &c->docs[i];
        char *text = d->wrapped ? reflow(d->text, mode) : xstrdup(d->text);
        qy_article_t art;
        st = qy_split_plain(text, strlen(text), &art);
        free(text);
        if (st == QY_OK && art.count == 0 && d->title && *d->title) {
            /* A document of only a title is found by it, as in the
             * indexer's JSON Lines. */
            free(art.title);
            art.title = xstrdup(d->title);
            st = qy_article_title_passage(&art);
        }
        if (st != QY_OK)
            break;
        if (art.count == 0 && has_word(d->text) + has_word(d->title) == 0)
            stats->wordless_docs++;
        else
            stats->empty_docs += art.count == 0;
        for (size_t k = 0; st == QY_OK && k < art.count; k++) {
            qy_record_t rec = {
                .source = c->source,
                .title = d->title,
                .section = art.passages[k].title,
                .text = art.passages[k].text,
                .id = d->id,
                .ordinal = art.passages[k].ordinal,
                .offset = art.passages[k].offset,
                .length = art.passages[k].length,
            };
            st = qy_ingest_record(ing, &rec);
            stats->passages++;
        }
        qy_article_free(&art);
    }
    if (st == QY_OK)
        st = qy_db_commit(db);
    if (st != QY_OK)
        fprintf(stderr, "%s: cannot index %s into '%s': %s\n", progname,
                c->name, dir,
                error ? error
                      : (db && *qy_db_error(db) ? qy_db_error(db)
                                                : qy_status_to_string(st)));
    qy_ingest_free(ing);
    qy_analyzer_free(a);
    qy_db_close(db);
    free(error);
    free(lang);
    return st == QY_OK ? 0 : -1;
}

/* ---- Index cache -------------------------------------------------------- */

/* An index built once is kept under --index-cache DIR for the next run, in
 * a directory named for the collection, the split and a key that changes
 * when the collection's documents file or this program changes (a rebuilt
 * program may index differently). The index is complete when its "stats"
 * file is there: it is written last, after the index is committed. */
static char *cache_path(const char *cache, const collection_t *c,
                        split_mode_t mode)
{
    struct stat src, self;
    uint64_t h = QY_FNV_START;
    if (stat(c->source, &src) == 0) {
        h = qy_fnv1a(&src.st_size, sizeof src.st_size, h);
        h = qy_fnv1a(&src.st_mtime, sizeof src.st_mtime, h);
    }
    if (stat("/proc/self/exe", &self) == 0) {
        h = qy_fnv1a(&self.st_size, sizeof self.st_size, h);
        h = qy_fnv1a(&self.st_mtime, sizeof self.st_mtime, h);
    }
    char name[256];
    snprintf(name, sizeof name, "%s-%s-%016llx", c->name,
             mode == SPLIT_WHOLE ? "whole" : "paragraphs",
             (unsigned long long)h);
    return path_join(cache, name);
}

static int read_stats(const char *dir, index_stats_t *stats)
{
    char *path = path_join(dir, "stats");
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return -1;
    /* One line of three counts, as write_stats leaves it. */
    char line[128];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t *counts[] = {&stats->passages, &stats->empty_docs,
                        &stats->wordless_docs};
    const char *p = line;
    for (size_t i = 0; ok && i < sizeof counts / sizeof *counts; i++) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        ok = end != p && errno == 0 && v <= SIZE_MAX;
        *counts[i] = (size_t)v;
        p = end;
    }
    return ok ? 0 : -1;
}

static int write_stats(const char *dir, const index_stats_t *stats)
{
    char *path = path_join(dir, "stats");
    FILE *f = fopen(path, "w");
    int ok = f && fprintf(f, "%zu %zu %zu\n", stats->passages,
                          stats->empty_docs, stats->wordless_docs) > 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "%s: cannot write '%s'\n", progname, path);
    free(path);
    return ok ? 0 : -1;
}

/* The index of C in *DIR (PATH_MAX bytes): the cached one when CACHE holds
 * it, else one built now, into the cache (when given, kept) or into a new
 * temporary directory (*TEMPORARY set: the caller removes it). */
static int open_index(const collection_t *c, const char *cache,
                      split_mode_t mode, char *dir, int *temporary,
                      index_stats_t *stats, int *cached)
{
    const char *base = getenv("TMPDIR");
    *temporary = 0;
    *cached = 0;
    if (cache) {
        char *final = cache_path(cache, c, mode);
        snprintf(dir, PATH_MAX, "%s", final);
        if (read_stats(final, stats) == 0) {
            free(final);
            *cached = 1;
            return 0;
        }
        if (mkdir(cache, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create '%s': %s\n", progname, cache,
                    strerror(errno));
            free(final);
            return -1;
        }
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s/.building-XXXXXX", cache);
        if (!mkdtemp(tmp)) {
            fprintf(stderr, "%s: cannot create a directory in '%s': %s\n",
                    progname, cache, strerror(errno));
            free(final);
            return -1;
        }
        int st = build_index(c, tmp, mode, stats);
        if (st == 0)
            st = write_stats(tmp, stats);
        if (st == 0 && read_stats(final, stats) == 0) {
            /* another run built it meanwhile: take that one */
            remove_tree(tmp);
            free(final);
            *cached = 1;
            return 0;
        }
        remove_tree(final); /* a stale, incomplete one */
        if (st == 0 && rename(tmp, final) != 0) {
            fprintf(stderr, "%s: cannot rename '%s' to '%s': %s\n", progname,
                    tmp, final, strerror(errno));
            st = -1;
        }
        if (st != 0)
            remove_tree(tmp);
        free(final);
        return st;
    }
    snprintf(dir, PATH_MAX, "%s/quarry-eval-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "%s: cannot create a directory in '%s': %s\n", progname,
                base && *base ? base : "/tmp", strerror(errno));
        return -1;
    }
    *temporary = 1;
    return build_index(c, dir, mode, stats);
}

/* ---- Settings ----------------------------------------------------------- */

typedef enum aggregate {
    AGG_MAX, /* a document scores its best passage */
    AGG_SUM  /* ... the sum of its best sum_top passages */
} aggregate_t;

/* The values the experiments try, each alone on top of BM25 with the
 * project's k1 and b; the `defaults` row is qy_search_opts_init's. */
#define TRY_TITLE_WEIGHT 0.5
#define TRY_PROXIMITY 0.3
#define TRY_FEEDBACK_DOCS 5
#define TRY_FEEDBACK_TERMS QY_DEFAULT_FEEDBACK_TERMS
#define TRY_FEEDBACK_WEIGHT QY_DEFAULT_FEEDBACK_WEIGHT

typedef struct setting {
    const char *name;
    const char *about;
} setting_t;

static const setting_t settings[] = {
    {"xapian", "BM25 with Xapian's own defaults (k1 = 1, b = 0.5)"},
    {"bm25", "BM25 with the project's k1 and b, nothing else"},
    {"title", "bm25 + question words in the title"},
    {"proximity", "bm25 + neighbouring question words close together"},
    {"feedback", "bm25 + pseudo-relevance feedback (ESet, RM3 weights)"},
    {"repeats", "bm25 + repeated question words weigh more"},
    {"sum", "bm25, documents scored by their best passages summed"},
    {"all", "bm25 + title + proximity + feedback + repeats"},
    {"defaults", "what `query` does by default"},
};
#define NSETTINGS (sizeof settings / sizeof *settings)

/* Options given on the command line on top of every setting. */
typedef struct overrides {
    int k1_set, b_set, title_set, prox_set, window_set, fb_set, fbt_set,
        fbw_set, agg_set, repeats_set, repeats, fba_set, scheme_set, stops_set,
        keep_stops, weighting_set, wparam_set, spread_set;
    double k1, b, title_weight, proximity, feedback_weight, feedback_agreement,
        feedback_spread, weighting_param;
    unsigned window, feedback_docs, feedback_terms;
    aggregate_t agg;
    qy_expand_scheme_t scheme;
    qy_weighting_t weighting;
} overrides_t;

static const char *const weighting_names[] = {"bm25", "bm25plus", "dph",
                                              "dlh",  "pl2",      "lm"};
#define NWEIGHTINGS (sizeof weighting_names / sizeof *weighting_names)

static void setting_opts(const char *name, const overrides_t *ov,
                         qy_search_opts_t *o, aggregate_t *agg)
{
    qy_search_opts_init(o);
    *agg = AGG_MAX;
    if (strcmp(name, "defaults") != 0) {
        o->title_weight = 0;
        o->proximity = 0;
        o->feedback_docs = 0;
        o->count_repeats = 0;
    }
    if (strcmp(name, "xapian") == 0) {
        o->k1 = 1.0;
        o->b = 0.5;
    } else if (strcmp(name, "title") == 0 || strcmp(name, "all") == 0) {
        o->title_weight = TRY_TITLE_WEIGHT;
    }
    if (strcmp(name, "proximity") == 0 || strcmp(name, "all") == 0)
        o->proximity = TRY_PROXIMITY;
    if (strcmp(name, "feedback") == 0 || strcmp(name, "all") == 0) {
        o->feedback_docs = TRY_FEEDBACK_DOCS;
        o->feedback_terms = TRY_FEEDBACK_TERMS;
        o->feedback_weight = TRY_FEEDBACK_WEIGHT;
    }
    if (strcmp(name, "repeats") == 0 || strcmp(name, "all") == 0)
        o->count_repeats = 1;
    if (strcmp(name, "sum") == 0)
        *agg = AGG_SUM;
    if (ov->k1_set)
        o->k1 = ov->k1;
    if (ov->b_set)
        o->b = ov->b;
    if (ov->title_set)
        o->title_weight = ov->title_weight;
    if (ov->prox_set)
        o->proximity = ov->proximity;
    if (ov->window_set)
        o->proximity_window = ov->window;
    if (ov->fb_set)
        o->feedback_docs = ov->feedback_docs;
    if (ov->fbt_set)
        o->feedback_terms = ov->feedback_terms;
    if (ov->fbw_set)
        o->feedback_weight = ov->feedback_weight;
    if (ov->agg_set)
        *agg = ov->agg;
    if (ov->repeats_set)
        o->count_repeats = ov->repeats;
    if (ov->stops_set)
        o->keep_stopwords = ov->keep_stops;
    if (ov->fba_set)
        o->feedback_agreement = ov->feedback_agreement;
    if (ov->spread_set)
        o->feedback_spread = ov->feedback_spread;
    if (ov->scheme_set)
        o->feedback_scheme = ov->scheme;
    if (ov->weighting_set)
        o->weighting = ov->weighting;
    if (ov->wparam_set)
        o->weighting_param = ov->weighting_param;
}

/* ---- Evaluation --------------------------------------------------------- */

typedef struct run_config {
    unsigned depth;
    unsigned sum_top;
    size_t max_queries; /* 0: all judged questions */
    FILE *run_out;      /* TREC run file, or NULL */
    int fold;           /* fold near-duplicate hits, as query shows them */
    const char *run_tag;
} run_config_t;

typedef struct row {
    char *collection, *setting;
    size_t queries;
    qy_metrics_t mean;    /* binary relevance throughout */
    double graded_ndcg10; /* nDCG@10 with the collection's graded gains */
    double seconds;
} row_t;

typedef struct passage_score {
    const char *doc;
    double score;
} passage_score_t;

static int by_doc_then_score(const void *pa, const void *pb)
{
    const passage_score_t *a = pa, *b = pb;
    int d = strcmp(a->doc, b->doc);
    if (d)
        return d;
    return (a->score < b->score) - (a->score > b->score);
}

/* Groups the passage hits of one question by document. */
static size_t aggregate_docs(const qy_results_t *res, aggregate_t agg,
                             unsigned sum_top, passage_score_t *scratch,
                             qy_scored_doc_t *run)
{
    size_t n = 0;
    for (size_t i = 0; i < res->count; i++) {
        const char *id = res->hits[i].rec.id;
        if (!id || !*id)
            continue;
        scratch[n++] = (passage_score_t){id, res->hits[i].score};
    }
    qsort(scratch, n, sizeof *scratch, by_doc_then_score);
    size_t ndocs = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double score = 0;
        unsigned taken = 0;
        while (j < n && strcmp(scratch[j].doc, scratch[i].doc) == 0) {
            if (agg == AGG_MAX ? taken == 0 : taken < sum_top) {
                score += scratch[j].score;
                taken++;
            }
            j++;
        }
        run[ndocs++] = (qy_scored_doc_t){scratch[i].doc, score};
        i = j;
    }
    qy_run_sort(run, ndocs);
    return ndocs;
}

static int evaluate(const collection_t *c, qy_db_t *db, qy_analyzer_t *a,
                    const char *setting, const overrides_t *ov,
                    const run_config_t *cfg, row_t *row)
{
    qy_search_opts_t opts;
    aggregate_t agg;
    setting_opts(setting, ov, &opts, &agg);
    opts.limit = cfg->depth;
    opts.no_highlights = 1;
    /* query folds near-identical hits into one for display; that step
     * comes after the ranking, is the same for every setting, and on
     * thousands of hits a question costs most of the time. */
    opts.keep_duplicates = !cfg->fold;
    passage_score_t *scratch = xrealloc(NULL, cfg->depth * sizeof *scratch);
    qy_scored_doc_t *run = xrealloc(NULL, cfg->depth * sizeof *run);
    qy_judgment_t *judged = NULL, *graded = NULL;
    size_t capjudged = 0;
    qy_metrics_t sum = {0};
    double graded_sum = 0;
    size_t evaluated = 0;
    double t0 = now();
    int ok = 1;
    for (size_t qi = 0, r = 0; ok && r < c->nqrels; qi++) {
        /* the judgments of question qi are c->qrels[r .. e) */
        if (c->qrels[r].query != qi)
            continue;
        size_t e = r;
        while (e < c->nqrels && c->qrels[e].query == qi)
            e++;
        if (cfg->max_queries && evaluated == cfg->max_queries)
            break;
        size_t m = e - r;
        if (m > capjudged) {
            capjudged = m;
            judged = xrealloc(judged, m * sizeof *judged);
            graded = xrealloc(graded, m * sizeof *graded);
        }
        for (size_t k = 0; k < m; k++) {
            graded[k] = judgment(c, &c->qrels[r + k]);
            judged[k] = graded[k];
            judged[k].gain = judged[k].relevant;
        }
        r = e;

        char *q = plain_question(c->questions[qi].text);
        qy_results_t res;
        char *error = NULL;
        qy_status_t st = qy_search(db, a, q, &opts, &res, &error);
        free(q);
        if (st != QY_OK) {
            fprintf(stderr, "%s: %s question %s: %s\n", progname, c->name,
                    c->questions[qi].id,
                    error ? error : qy_status_to_string(st));
            free(error);
            qy_results_free(&res);
            ok = 0;
            break;
        }
        size_t ndocs = aggregate_docs(&res, agg, cfg->sum_top, scratch, run);
        if (ndocs > QY_METRICS_DEPTH)
            ndocs = QY_METRICS_DEPTH;
        qy_metrics_t qm, qg;
        if (qy_metrics_query(run, ndocs, judged, m, &qm) != 0 ||
            qy_metrics_query(run, ndocs, graded, m, &qg) != 0)
            die_nomem();
        graded_sum += qg.ndcg10;
        if (cfg->run_out)
            for (size_t k = 0; k < ndocs; k++)
                fprintf(cfg->run_out, "%s Q0 %s %zu %.6f %s\n",
                        c->questions[qi].id, run[k].doc, k + 1, run[k].score,
                        cfg->run_tag);
        sum.ndcg10 += qm.ndcg10;
        sum.map += qm.map;
        sum.p10 += qm.p10;
        sum.recall100 += qm.recall100;
        evaluated++;
        qy_results_free(&res);
    }
    free(scratch);
    free(run);
    free(judged);
    free(graded);
    if (!ok)
        return -1;
    row->collection = xstrdup(c->name);
    row->setting = xstrdup(setting);
    row->queries = evaluated;
    row->seconds = now() - t0;
    if (evaluated) {
        row->mean.ndcg10 = sum.ndcg10 / (double)evaluated;
        row->mean.map = sum.map / (double)evaluated;
        row->mean.p10 = sum.p10 / (double)evaluated;
        row->mean.recall100 = sum.recall100 / (double)evaluated;
        row->graded_ndcg10 = graded_sum / (double)evaluated;
    }
    return 0;
}

/* ---- Command line ------------------------------------------------------- */

/* What the command line asks for. A ranking option left at its "unset"
 * value (NAN, UINT_MAX, -1 or NULL) keeps each setting's own. */
typedef struct eval_args {
    qy_strlist_t settings;
    int all, fold;
    double k1, b, title_weight, proximity, feedback_weight, feedback_agreement,
        feedback_spread, weighting_param, min_map;
    unsigned window, feedback_docs, feedback_terms, sum_top, depth, queries;
    int repeats;
    const char *stopwords, *aggregate, *scheme, *weighting, *split, *qrels,
        *gain, *run, *format, *cache;
    int help, version;
    const char *dump;
} eval_args_t;

#define UNSET_NUMBER UINT_MAX

static void eval_args_init(eval_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->k1 = a->b = a->title_weight = a->proximity = a->feedback_weight =
        a->feedback_agreement = a->feedback_spread = a->weighting_param = NAN;
    a->window = a->feedback_docs = a->feedback_terms = a->queries =
        UNSET_NUMBER;
    a->sum_top = DEFAULT_SUM_TOP;
    a->repeats = -1;
    a->min_map = -1;
}

#define AT(member) QY_OPT_AT(eval_args_t, member)
#define NUMBER(nm, k, lo, hi, member, text)                                    \
    {                                                                          \
        .name = (nm), .kind = (k), .arg = (k) == QY_OPT_DOUBLE ? "X" : "N",    \
        .min = (lo), .max = (hi), AT(member), .help = (text)                   \
    }

static const qy_option_t options[] = {
    {.name = "setting",
     .letter = 's',
     .kind = QY_OPT_LIST,
     .arg = "NAME",
     AT(settings),
     .help = "rank with the named setting (below; repeat for several rows; "
             "default: defaults)"},
    {.name = "all",
     .kind = QY_OPT_FLAG,
     AT(all),
     .help = "every setting below"},
    NUMBER("k1", QY_OPT_DOUBLE, 0, 1000, k1,
           "BM25 term-frequency saturation, on top of each setting"),
    NUMBER("b", QY_OPT_DOUBLE, 0, 1, b,
           "BM25 length normalisation, on top of each setting"),
    NUMBER("title-weight", QY_OPT_DOUBLE, 0, 100, title_weight,
           "query's --title-weight, on top of each setting"),
    NUMBER("proximity", QY_OPT_DOUBLE, 0, 100, proximity,
           "query's --proximity, on top of each setting"),
    NUMBER("proximity-window", QY_OPT_UNSIGNED, 2, 1000, window,
           "query's --proximity-window, on top of each setting"),
    NUMBER("feedback", QY_OPT_UNSIGNED, 0, 1000, feedback_docs,
           "query's --feedback, on top of each setting"),
    NUMBER("feedback-terms", QY_OPT_UNSIGNED, 0, 1000, feedback_terms,
           "query's --feedback-terms, on top of each setting"),
    NUMBER("feedback-weight", QY_OPT_DOUBLE, 0, 1, feedback_weight,
           "query's --feedback-weight, on top of each setting"),
    {.name = "repeats",
     .kind = QY_OPT_ONOFF,
     .arg = "on|off",
     AT(repeats),
     .help = "query's --repeats, on top of each setting"},
    NUMBER("feedback-agreement", QY_OPT_DOUBLE, 0, 1, feedback_agreement,
           "query's --feedback-agreement, on top of each setting"),
    {.name = "stopwords",
     .kind = QY_OPT_CHOICE,
     .arg = "drop|keep",
     .choices = "drop keep",
     AT(stopwords),
     .help = "a question's stop words (drop: query's way)"},
    NUMBER("feedback-spread", QY_OPT_DOUBLE, 0, 1, feedback_spread,
           "query's --feedback-spread, on top of each setting"),
    {.name = "feedback-scheme",
     .kind = QY_OPT_CHOICE,
     .arg = "trad|bo1",
     .choices = "trad bo1",
     AT(scheme),
     .help = "query's --feedback-scheme, on top of each setting"},
    {.name = "weighting",
     .kind = QY_OPT_CHOICE,
     .arg = "W",
     .choices = "bm25 bm25plus dph dlh pl2 lm",
     AT(weighting),
     .help = "rank with bm25 (default), bm25plus, dph, dlh, pl2 or lm"},
    NUMBER("weighting-param", QY_OPT_DOUBLE, 0, 100000, weighting_param,
           "its parameter (BM25+ delta, PL2 c, LM Dirichlet mu; 0: Xapian's "
           "default)"),
    {.name = "aggregate",
     .kind = QY_OPT_CHOICE,
     .arg = "HOW",
     .choices = "max sum",
     AT(aggregate),
     .help = "a document's score from its passages: max (the best one; "
             "default) or sum (its best --sum-top passages)"},
    NUMBER("sum-top", QY_OPT_UNSIGNED, 1, 1000, sum_top,
           "passages summed by --aggregate sum (default " QY_OPT_STR(
               DEFAULT_SUM_TOP) ")"),
    {.name = "split",
     .kind = QY_OPT_CHOICE,
     .arg = "HOW",
     .choices = "whole paragraphs",
     AT(split),
     .help = "passages of a SMART document: whole (its hard-wrapped text is "
             "one paragraph, as the indexer reads it; default) or paragraphs "
             "(indented lines start paragraphs)"},
    NUMBER(
        "depth", QY_OPT_UNSIGNED, 1, 100000, depth,
        "passages retrieved per question (default: " QY_OPT_STR(
            QY_METRICS_DEPTH) " per document, times the collection's "
                              "passages per document, plus " QY_OPT_STR(
                                  DEPTH_MARGIN) ", at most " QY_OPT_STR(MAX_AUTO_DEPTH) ")"),
    NUMBER("queries", QY_OPT_UNSIGNED, 1, 1000000, queries,
           "only the first N judged questions"),
    {.name = "qrels",
     .kind = QY_OPT_STRING,
     .arg = "FILE",
     AT(qrels),
     .complete = QY_COMPLETE_FILE,
     .help = "judgments from a TREC qrels file (query iter doc grade) "
             "instead of the collection's"},
    {.name = "cranfield-gain",
     .kind = QY_OPT_CHOICE,
     .arg = "G",
     .choices = "cleverdon grade binary",
     AT(gain),
     .help = "nDCG gains of Cranfield's grades: cleverdon (grade 1, a "
             "complete answer, gains 4 ... grade 4 gains 1; default), grade "
             "(the grade itself) or binary (1 when relevant)"},
    {.name = "run",
     .kind = QY_OPT_STRING,
     .arg = "FILE",
     AT(run),
     .complete = QY_COMPLETE_FILE,
     .help = "also write the ranking as a TREC run file (one setting)"},
    {.name = "format",
     .kind = QY_OPT_CHOICE,
     .arg = "F",
     .choices = "markdown tsv",
     AT(format),
     .help = "markdown (default) or tsv"},
    NUMBER("min-map", QY_OPT_DOUBLE, 0, 1, min_map,
           "exit 1 when a row's MAP is below X"),
    {.name = "fold",
     .kind = QY_OPT_FLAG,
     AT(fold),
     .help = "fold near-identical passages into one hit, as query shows "
             "them (slower; the ranking is the same)"},
    {.name = "index-cache",
     .kind = QY_OPT_STRING,
     .arg = "DIR",
     AT(cache),
     .complete = QY_COMPLETE_DIR,
     .help = "keep each collection's index in DIR and read it from there "
             "next time (rebuilt when the collection or this program "
             "changes)"},
    QY_OPT_STANDARD_ROWS(eval_args_t, NULL),
};
#undef NUMBER
#undef AT

static const qy_optspec_t eval_optspec = {
    .program = "eval",
    .options = options,
    .n = sizeof options / sizeof *options,
    .help_column = 23,
    .operands = QY_COMPLETE_DIR,
};

static void print_help(void)
{
    printf("Usage: %s [OPTION]... COLLECTION-DIR...\n"
           "Index each test collection with quarry, answer its questions, and "
           "print\n"
           "nDCG@10, MAP (at 1000), P@10 and Recall@100 as trec_eval computes "
           "them\n"
           "(relevant: grade above 0; nDCG gain 1 per relevant document), and "
           "nDCG@10\n"
           "with graded gains, averaged over every judged question.\n"
           "\n"
           "A COLLECTION-DIR holds Cranfield (cran.all.1400, cran.qry, "
           "cranqrel), CISI\n"
           "(CISI.ALL, CISI.QRY, CISI.REL) or the BEIR layout (corpus.jsonl, "
           "queries.jsonl,\n"
           "qrels/test.tsv).\n"
           "\n",
           progname);
    qy_options_help(stdout, &eval_optspec);
    printf("\nSettings:\n");
    for (size_t i = 0; i < NSETTINGS; i++)
        printf("  %-10s %s\n", settings[i].name, settings[i].about);
    printf("\nExit status: 0 done, 1 a MAP below --min-map, 2 error.\n");
}

static int known_setting(const char *name)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return 1;
    return 0;
}

/* The ranking options A gives, on top of every setting. */
static void overrides_from(const eval_args_t *a, overrides_t *ov)
{
    memset(ov, 0, sizeof *ov);
#define DOUBLE_OVERRIDE(flag, member)                                          \
    do {                                                                       \
        ov->flag = !isnan(a->member);                                          \
        ov->member = ov->flag ? a->member : 0;                                 \
    } while (0)
#define UNSIGNED_OVERRIDE(flag, member)                                        \
    do {                                                                       \
        ov->flag = a->member != UNSET_NUMBER;                                  \
        ov->member = ov->flag ? a->member : 0;                                 \
    } while (0)
    DOUBLE_OVERRIDE(k1_set, k1);
    DOUBLE_OVERRIDE(b_set, b);
    DOUBLE_OVERRIDE(title_set, title_weight);
    DOUBLE_OVERRIDE(prox_set, proximity);
    DOUBLE_OVERRIDE(fbw_set, feedback_weight);
    DOUBLE_OVERRIDE(fba_set, feedback_agreement);
    DOUBLE_OVERRIDE(spread_set, feedback_spread);
    DOUBLE_OVERRIDE(wparam_set, weighting_param);
    UNSIGNED_OVERRIDE(window_set, window);
    UNSIGNED_OVERRIDE(fb_set, feedback_docs);
    UNSIGNED_OVERRIDE(fbt_set, feedback_terms);
#undef DOUBLE_OVERRIDE
#undef UNSIGNED_OVERRIDE
    ov->repeats_set = a->repeats >= 0;
    ov->repeats = a->repeats > 0;
    ov->stops_set = a->stopwords != NULL;
    ov->keep_stops = a->stopwords && strcmp(a->stopwords, "keep") == 0;
    ov->agg_set = a->aggregate != NULL;
    ov->agg =
        a->aggregate && strcmp(a->aggregate, "sum") == 0 ? AGG_SUM : AGG_MAX;
    ov->scheme_set = a->scheme != NULL;
    ov->scheme = a->scheme && strcmp(a->scheme, "bo1") == 0 ? QY_EXPAND_BO1
                                                            : QY_EXPAND_TRAD;
    ov->weighting_set = a->weighting != NULL;
    for (size_t w = 0; a->weighting && w < NWEIGHTINGS; w++)
        if (strcmp(a->weighting, weighting_names[w]) == 0)
            ov->weighting = (qy_weighting_t)w;
}

/* The settings A names, --all's after the others, in *CHOSEN (malloc'd);
 * -1 after a message naming an unknown one. */
static int chosen_settings(const eval_args_t *a, const char ***chosen,
                           size_t *n)
{
    *n = 0;
    *chosen = malloc((a->settings.n + NSETTINGS + 1) * sizeof **chosen);
    if (!*chosen)
        die_nomem();
    for (size_t i = 0; i < a->settings.n; i++) {
        if (!known_setting(a->settings.items[i])) {
            fprintf(stderr, "%s: unknown setting '%s' (see --help)\n", progname,
                    a->settings.items[i]);
            return -1;
        }
        (*chosen)[(*n)++] = a->settings.items[i];
    }
    for (size_t i = 0; a->all && i < NSETTINGS; i++)
        (*chosen)[(*n)++] = settings[i].name;
    if (*n == 0)
        (*chosen)[(*n)++] = "defaults";
    return 0;
}

/* The row's label: the setting and the options given on top of it. */
static char *row_label(const char *setting, const overrides_t *ov)
{
    strbuf_t b = {0};
    char part[64];
    sb_adds(&b, setting);
#define LABEL(cond, ...)                                                       \
    do {                                                                       \
        if (cond) {                                                            \
            snprintf(part, sizeof part, __VA_ARGS__);                          \
            sb_adds(&b, part);                                                 \
        }                                                                      \
    } while (0)
    LABEL(ov->k1_set, " k1=%g", ov->k1);
    LABEL(ov->b_set, " b=%g", ov->b);
    LABEL(ov->title_set, " title=%g", ov->title_weight);
    LABEL(ov->prox_set, " prox=%g", ov->proximity);
    LABEL(ov->window_set, " window=%u", ov->window);
    LABEL(ov->fb_set, " fb=%u", ov->feedback_docs);
    LABEL(ov->fbt_set, " fbterms=%u", ov->feedback_terms);
    LABEL(ov->fbw_set, " fbweight=%g", ov->feedback_weight);
    LABEL(ov->repeats_set, " repeats=%s", ov->repeats ? "on" : "off");
    LABEL(ov->stops_set, " stopwords=%s", ov->keep_stops ? "keep" : "drop");
    LABEL(ov->agg_set, " agg=%s", ov->agg == AGG_MAX ? "max" : "sum");
    LABEL(ov->fba_set, " agree=%g", ov->feedback_agreement);
    LABEL(ov->spread_set, " spread=%g", ov->feedback_spread);
    LABEL(ov->scheme_set, " fbscheme=%s",
          ov->scheme == QY_EXPAND_BO1 ? "bo1" : "trad");
    LABEL(ov->weighting_set, " weighting=%s", weighting_names[ov->weighting]);
    LABEL(ov->wparam_set, " wparam=%g", ov->weighting_param);
#undef LABEL
    return b.s;
}

/* The rows of CHOSEN on each collection of ARGV[FIRST, ARGC): the exit
 * status. */
static int evaluate_all(const eval_args_t *args, const char **chosen,
                        size_t nchosen, int argc, char **argv, int first);

int main(int argc, char **argv)
{
    eval_args_t args;
    eval_args_init(&args);
    const qy_option_t *stop;
    int first = qy_options_parse(&eval_optspec, argc, argv, &args, &stop);
    if (first < 0)
        return EXIT_ERROR;
    if (stop) {
        if (args.version)
            printf("eval (quarry) %s\n", QUARRY_VERSION);
        else if (args.dump)
            qy_options_dump(stdout, &eval_optspec, args.dump);
        else
            print_help();
        qy_strlist_free(&args.settings);
        return EXIT_OK;
    }
    const char **chosen;
    size_t nchosen;
    int status = chosen_settings(&args, &chosen, &nchosen) != 0
                     ? EXIT_ERROR
                     : evaluate_all(&args, chosen, nchosen, argc, argv, first);
    free(chosen);
    qy_strlist_free(&args.settings);
    return status;
}

static int evaluate_all(const eval_args_t *args, const char **chosen,
                        size_t nchosen, int argc, char **argv, int first)
{
    overrides_t ov;
    overrides_from(args, &ov);
    run_config_t cfg = {args->depth,
                        args->sum_top,
                        args->queries == UNSET_NUMBER ? 0 : args->queries,
                        NULL,
                        args->fold,
                        "quarry"};
    const char *cache_dir = args->cache, *qrels_path = args->qrels,
               *run_path = args->run;
    split_mode_t split = args->split && strcmp(args->split, "paragraphs") == 0
                             ? SPLIT_PARAGRAPHS
                             : SPLIT_WHOLE;
    int tsv = args->format && strcmp(args->format, "tsv") == 0;
    gain_kind_t gain = !args->gain                         ? GAIN_CLEVERDON
                       : strcmp(args->gain, "grade") == 0  ? GAIN_GRADE
                       : strcmp(args->gain, "binary") == 0 ? GAIN_BINARY
                                                           : GAIN_CLEVERDON;
    double min_map = args->min_map;
    if (first >= argc) {
        fprintf(stderr, "%s: no COLLECTION-DIR given\n", progname);
        fprintf(stderr, "Try '%s --help' for more information.\n", progname);
        return EXIT_ERROR;
    }
    if (run_path && (nchosen != 1 || argc - first != 1)) {
        fprintf(stderr,
                "%s: --run writes one ranking: give one setting and "
                "one collection\n",
                progname);
        return EXIT_ERROR;
    }
    if (run_path) {
        cfg.run_out = fopen(run_path, "w");
        if (!cfg.run_out) {
            fprintf(stderr, "%s: cannot write '%s': %s\n", progname, run_path,
                    strerror(errno));
            return EXIT_ERROR;
        }
    }

    row_t *rows = calloc(nchosen * (size_t)(argc - first), sizeof *rows);
    if (!rows)
        die_nomem();
    size_t nrows = 0;
    int status = EXIT_OK;
    for (int ci = first; ci < argc && status == EXIT_OK; ci++) {
        collection_t coll = {0};
        double t0 = now();
        if (load_collection(&coll, argv[ci]) != 0) {
            collection_free(&coll);
            status = EXIT_ERROR;
            break;
        }
        if (qrels_path) {
            for (size_t i = 0; i < coll.nqrels; i++)
                free(coll.qrels[i].doc);
            coll.nqrels = 0;
            if (read_qrels(&coll, qrels_path, QRELS_TREC) != 0) {
                collection_free(&coll);
                status = EXIT_ERROR;
                break;
            }
        }
        if (coll.gains == GAIN_CLEVERDON)
            coll.gains = gain;
        tidy_qrels(&coll);
        char dir[PATH_MAX];
        index_stats_t stats = {0};
        int temporary, cached;
        int built = open_index(&coll, cache_dir, split, dir, &temporary, &stats,
                               &cached);
        run_config_t ccfg = cfg;
        if (!ccfg.depth) {
            size_t found = coll.ndocs - stats.empty_docs - stats.wordless_docs;
            size_t per_doc = found ? (stats.passages + found - 1) / found : 1;
            size_t depth = per_doc * QY_METRICS_DEPTH + DEPTH_MARGIN;
            ccfg.depth =
                (unsigned)(depth < MAX_AUTO_DEPTH ? depth : MAX_AUTO_DEPTH);
        }
        qy_db_t *db = NULL;
        qy_analyzer_t *a = NULL;
        char *error = NULL;
        const char *paths[] = {dir};
        if (built == 0 && qy_db_open_read(paths, 1, &db, &error) != QY_OK) {
            fprintf(stderr, "%s: %s\n", progname, error ? error : dir);
            built = -1;
        }
        if (built == 0 && qy_analyzer_new("english", &a) != QY_OK)
            die_nomem();
        if (built == 0)
            fprintf(stderr,
                    "%s: %s: %zu documents (%zu without a passage, %zu "
                    "without a word), %zu passages, %zu questions, %zu "
                    "judgments; %s in %.1f s\n",
                    progname, coll.name, coll.ndocs, stats.empty_docs,
                    stats.wordless_docs, stats.passages, coll.nquestions,
                    coll.nqrels,
                    cached ? "index read from the cache" : "indexed",
                    now() - t0);
        for (size_t s = 0; built == 0 && s < nchosen; s++) {
            row_t *row = &rows[nrows];
            if (evaluate(&coll, db, a, chosen[s], &ov, &ccfg, row) != 0) {
                built = -1;
                break;
            }
            free(row->setting);
            row->setting = row_label(chosen[s], &ov);
            fprintf(stderr, "%s: %s %s: %zu questions in %.1f s\n", progname,
                    row->collection, row->setting, row->queries, row->seconds);
            nrows++;
        }
        qy_analyzer_free(a);
        qy_db_close(db);
        free(error);
        if (temporary)
            remove_tree(dir);
        collection_free(&coll);
        if (built != 0)
            status = EXIT_ERROR;
    }
    if (cfg.run_out && fclose(cfg.run_out) != 0 && status == EXIT_OK) {
        fprintf(stderr, "%s: cannot write '%s'\n", progname, run_path);
        status = EXIT_ERROR;
    }

    if (nrows) {
        if (tsv)
            printf("collection\tsetting\tqueries\tndcg@10\tmap\tp@10\t"
                   "recall@100\tgraded-ndcg@10\n");
        else
            printf("| collection | setting | queries | nDCG@10 | MAP | P@10 "
                   "| R@100 | graded nDCG@10 |\n"
                   "|---|---|---:|---:|---:|---:|---:|---:|\n");
    }
    for (size_t i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];
        printf(tsv ? "%s\t%s\t%zu\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n"
                   : "| %s | %s | %zu | %.4f | %.4f | %.4f | %.4f | %.4f |\n",
               r->collection, r->setting, r->queries, r->mean.ndcg10,
               r->mean.map, r->mean.p10, r->mean.recall100, r->graded_ndcg10);
        if (min_map >= 0 && r->mean.map < min_map && status == EXIT_OK) {
            fprintf(stderr, "%s: %s %s: MAP %.4f is below %.4f\n", progname,
                    r->collection, r->setting, r->mean.map, min_map);
            status = EXIT_BELOW;
        }
    }
    for (size_t i = 0; i < nrows; i++) {
        free(rows[i].collection);
        free(rows[i].setting);
    }
    free(rows);
    if (fflush(stdout) != 0 && status == EXIT_OK)
        status = EXIT_ERROR;
    return status;
}
