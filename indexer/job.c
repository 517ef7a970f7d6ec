/* The per-file work: deciding whether a file changed, reading it, splitting
 * it by format, and replacing its passages and recorded state in one
 * transaction. Nothing here walks directories, so the same function serves
 * files found by the walk, files named on the command line, and (through
 * ix_index_stdin) standard input. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "quarry/grow.h"
#include "quarry/guard.h"
#include "quarry/passage.h"
#include "quarry/schema.h"
#include "state.h"

/* Whether a file is binary is judged on its first block before the rest is
 * read, so large binaries cost one small read, and then on the whole. */
#define BINARY_PROBE 8192
/* Text, Markdown and HTML files are read whole; larger ones are skipped. */
#define MAX_DOCUMENT_BYTES ((size_t)1 << 30)
/* Plain text files larger than STREAM_MIN_BYTES are read and split in
 * parts of about STREAM_PART_BYTES, cut at paragraph breaks, whatever
 * their size; their passages are committed in batches as they come. */
#define STREAM_MIN_BYTES ((off_t)16 << 20)
#define STREAM_PART_BYTES ((size_t)1 << 20)
/* ... and committed every STREAM_COMMIT_BYTES of passage text at least:
 * Xapian keeps a transaction's postings in memory, several times the size
 * of the text. */
#define STREAM_COMMIT_BYTES (8ull << 20)
/* A line buffer larger than this is freed once its line is parsed. */
#define JSONL_LINE_KEEP_BYTES ((size_t)1 << 20)
/* Warnings about bad lines of one JSON Lines file before they are only
 * counted. */
#define MAX_LINE_WARNINGS 10

/* STREAM_MIN_BYTES and STREAM_COMMIT_BYTES, or smaller values the tests
 * give in QUARRY_TEST_STREAM_BYTES and QUARRY_TEST_COMMIT_BYTES, so that
 * they can reach these paths with small inputs. */
static unsigned long long test_knob(const char *name,
                                    unsigned long long fallback)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n = v && *v ? strtoull(v, &end, 10) : 0;
    return n && !*end ? n : fallback;
}

static off_t stream_min_bytes(void)
{
    return (off_t)test_knob("QUARRY_TEST_STREAM_BYTES",
                            (unsigned long long)STREAM_MIN_BYTES);
}

static unsigned long long part_commit_bytes(void)
{
    return test_knob("QUARRY_TEST_COMMIT_BYTES", STREAM_COMMIT_BYTES);
}

enum read_result { READ_OK, READ_ERROR, READ_BINARY, READ_TOO_LARGE };

/* Removes the NUL bytes from BUF[0, *LEN) and NUL-terminates it. Other
 * control characters stay: the printers show them escaped. */
static void strip_nuls(char *buf, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < *len; i++)
        if (buf[i])
            buf[o++] = buf[i];
    buf[o] = '\0';
    *len = o;
}

static qy_status_t begin(indexer_t *ix)
{
    /* During a bulk load the target is in the load's own transaction. */
    if (ix->in_transaction || ix->bulk)
        return QY_OK;
    qy_status_t st = qy_db_begin_transaction(ix->db);
    if (st == QY_OK)
        ix->in_transaction = 1;
    return st;
}

qy_status_t ix_commit(indexer_t *ix)
{
    if (ix->bulk) { /* everything is written by qy_bulk_finish */
        ix->pending = 0;
        ix->pending_bytes = 0;
        return QY_OK;
    }
    if (!ix->in_transaction)
        return QY_OK;
    ix->in_transaction = 0;
    ix->pending = 0;
    ix->pending_bytes = 0;
    /* The batch's spelling data goes into the same commit as its passages. */
    qy_guard_watch_begin();
    qy_status_t st = qy_ingest_flush(ix->ing);
    if (st == QY_OK)
        st = qy_db_commit_transaction(ix->db);
    qy_guard_watch_end();
    ix->db_broken = st != QY_OK && st != QY_NOMEM;
    if (st != QY_OK)
        ix_fatal(ix, ix->index_path, "cannot commit the index",
                 *qy_db_error(ix->db) ? qy_db_error(ix->db)
                                      : qy_status_to_string(st));
    return st;
}

qy_status_t ix_bulk_start(indexer_t *ix)
{
    if (ix->jobs < 2 || ix->bulk)
        return QY_OK;
    /* The removals and state changes made so far are committed as a batch
     * would be; qy_bulk_new must be called outside a transaction. */
    qy_status_t st = ix_commit(ix);
    if (st != QY_OK)
        return st;
    char *error = NULL;
    qy_bulk_opts_t opts = {.jobs = ix->jobs,
                           .batch = 0,
                           .commit_bytes = (size_t)part_commit_bytes()};
    st = qy_bulk_new(ix->db, &opts, &ix->bulk, &error);
    if (st != QY_OK)
        ix_fatal(ix, ix->index_path, "cannot start building on threads",
                 error ? error : qy_status_to_string(st));
    free(error);
    return st;
}

/* The progress line; during a bulk load the passages are those the workers
 * have written (the JSON Lines documents are split by the workers). */
static void progress(indexer_t *ix)
{
    if (ix->bulk)
        ix->stats.passages = qy_bulk_passages(ix->bulk);
    ix_progress_update(&ix->progress, &ix->stats);
}

/* Commits when the batch is full. */
static void batch_done(indexer_t *ix, unsigned long changes,
                       unsigned long long bytes)
{
    ix->pending += changes;
    ix->pending_bytes += bytes;
    if (ix->pending >= ix->commit_every || ix->pending_bytes >= IX_COMMIT_BYTES)
        ix_commit(ix);
}

/* Xapian's own words when the index failed, else the status's. */
static void write_failed(indexer_t *ix, const char *path, qy_status_t st)
{
    if (ix->failed) /* reported already: the bulk load did not start */
        return;
    int from_index = st != QY_NOMEM && st != QY_INVALID && st != QY_INTERNAL;
    ix_fatal(ix, path, "cannot index",
             from_index && *qy_db_error(ix->db) ? qy_db_error(ix->db)
                                                : qy_status_to_string(st));
}

/* A failure of the bulk loader, which is often a worker's: the index's
 * handle has no message for it. */
static void bulk_failed(indexer_t *ix, const char *path, qy_status_t st)
{
    if (!ix->failed)
        ix_fatal(ix, path, "cannot index", qy_status_to_string(st));
}

void ix_bulk_dropped(void *ctx, const char *source)
{
    indexer_t *ix = ctx;
    /* The jobs of one JSON Lines file come in a row. */
    if (ix->dropped_last && strcmp(ix->dropped_last, source) == 0)
        return;
    free(ix->dropped_last);
    ix->dropped_last = strdup(source);
    qy_status_t st = ix_state_delete(ix->db, source);
    if (st != QY_OK)
        write_failed(ix, source, st);
}

/* Replaces the passages of SOURCE by those of ART, in this process's
 * transaction or through the bulk loader (which takes ART's contents
 * over). Reports a failure. */
static qy_status_t add_article(indexer_t *ix, const char *path,
                               const char *source, qy_article_t *art)
{
    qy_status_t st;
    if (ix->jobs > 1) {
        st = ix_bulk_start(ix);
        if (st == QY_OK)
            st = qy_bulk_add_article(ix->bulk, source, art);
        if (st != QY_OK)
            bulk_failed(ix, path, st);
        return st;
    }
    st = begin(ix);
    if (st == QY_OK)
        st = qy_ingest_article(ix->ing, source, art);
    if (st != QY_OK)
        write_failed(ix, path, st);
    return st;
}

/* Judges the text DATA[0, *LEN) read whole: READ_BINARY (DATA freed) when
 * it holds too many control bytes, else READ_OK with its stray NUL bytes
 * removed and counted in *STRIPPED. */
static enum read_result check_text(char **data, size_t *len, size_t *stripped)
{
    size_t controls = qy_count_controls(*data, *len);
    if (qy_looks_binary(*data, *len, controls)) {
        free(*data);
        *data = NULL;
        return READ_BINARY;
    }
    if (controls && memchr(*data, '\0', *len)) {
        size_t before = *len;
        strip_nuls(*data, len);
        *stripped = before - *len;
    }
    return READ_OK;
}

/* Reads FD whole into a NUL-terminated buffer, after checking its first
 * block for the signs of a binary file, then the whole; the stray NUL
 * bytes of a text are removed and counted in *STRIPPED. A BINARY format
 * (a PDF, a zip container) is read as it is. ST is the file's fstat (NULL
 * for a pipe). */
static enum read_result read_all(int fd, const struct stat *st, int binary,
                                 char **buf, size_t *len, size_t *stripped)
{
    *stripped = 0;
    size_t cap = st && st->st_size > 0 ? (size_t)st->st_size + 1 : 65536;
    if (st && (uint64_t)st->st_size > MAX_DOCUMENT_BYTES)
        return READ_TOO_LARGE;
    size_t n = 0;
    char *data = malloc(cap);
    if (!data) {
        errno = ENOMEM;
        return READ_ERROR;
    }
    int probed = 0;
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while being read, or a pipe */
            if (cap > MAX_DOCUMENT_BYTES) {
                free(data);
                return READ_TOO_LARGE;
            }
            char *bigger = qy_reserve(data, cap * 2, &cap, 1, 0);
            if (!bigger) {
                free(data);
                errno = ENOMEM;
                return READ_ERROR;
            }
            data = bigger;
        }
        size_t want = cap - n - 1;
        if (!probed && want > BINARY_PROBE)
            want = BINARY_PROBE;
        ssize_t r = read(fd, data + n, want);
        if (r < 0 && errno == EINTR && !ix_interrupted)
            continue;
        if (r < 0) {
            int e = errno;
            free(data);
            errno = e;
            return READ_ERROR;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (!probed && n >= BINARY_PROBE) {
            probed = 1;
            if (!binary &&
                qy_looks_binary(data, n, qy_count_controls(data, n))) {
                free(data);
                return READ_BINARY;
            }
        }
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    return binary ? READ_OK : check_text(buf, len, stripped);
}

static void warn_stripped(indexer_t *ix, const char *path, size_t count)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%zu stray NUL byte%s removed", count,
             count == 1 ? "" : "s");
    ix_warn(ix, path, msg);
}

/* Counts the blocks ART dropped from BUF[0, LEN) and, with --verbose,
 * names each by its line (BUF NULL: a document whose blocks have no line
 * in its bytes, as in a PDF or a zip container, is only counted). */
static void report_drops(indexer_t *ix, const char *path, const char *buf,
                         size_t len, const qy_article_t *art)
{
    ix->stats.dropped += art->ndrops;
    if (!ix->verbose || !buf)
        return;
    size_t pos = 0;
    unsigned long line = 1;
    for (size_t i = 0; i < art->ndrops; i++) {
        const qy_drop_t *d = &art->drops[i];
        size_t at = d->offset < len ? d->offset : len;
        size_t n = d->length < len - at ? d->length : len - at;
        if (at < pos) { /* out of order (HTML's misnested tags) */
            pos = 0;
            line = 1;
        }
        for (; pos < at; pos++)
            line += buf[pos] == '\n';
        ix_note_drop(ix, path, line, NULL, d->rule, buf + at, n);
    }
}

/* Opens the regular file IN names without following a symbolic link and
 * without blocking (a FIFO put in its place is refused, not waited for). */
static int open_input(const ix_input_t *in, struct stat *st)
{
    int fd = openat(in->dirfd, in->name,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        int e = S_ISREG(st->st_mode) ? errno : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    /* Regular files never block; plain reads are simpler to reason about. */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

/* With --verbose, names each block ART dropped from DOC, the document of
 * line LINENO. */
static void note_jsonl_drops(indexer_t *ix, const char *path,
                             unsigned long lineno, const qy_jsonl_doc_t *doc,
                             const qy_article_t *art)
{
    for (size_t i = 0; ix->verbose && i < art->ndrops; i++) {
        const qy_drop_t *d = &art->drops[i];
        size_t tlen = strlen(doc->text);
        size_t at = d->offset < tlen ? d->offset : tlen;
        ix_note_drop(ix, path, lineno, doc->id, d->rule, doc->text + at,
                     d->length < tlen - at ? d->length : tlen - at);
    }
}

/* Parses LINE[0, LEN), line LINENO, into DOC. 0 when it holds a
 * document, 1 when it is skipped (warned, counted in *BAD), -1 on a
 * failure (reported). */
static int parse_jsonl_line(indexer_t *ix, const char *path, const char *line,
                            size_t len, unsigned long lineno,
                            qy_jsonl_doc_t *doc, unsigned *bad)
{
    const char *why = "invalid";
    qy_status_t st;
    if (memchr(line, '\0', len)) {
        st = QY_INVALID;
        why = "a NUL byte";
    } else {
        st = qy_jsonl_parse(line, len, doc, &why);
    }
    if (st == QY_INVALID) {
        if (++*bad <= MAX_LINE_WARNINGS) {
            char msg[160];
            snprintf(msg, sizeof msg, "line %lu: %s, skipped", lineno, why);
            ix_warn(ix, path, msg);
        }
        return 1;
    }
    if (st != QY_OK) {
        write_failed(ix, path, st);
        return -1;
    }
    return 0;
}

/* Hands the document DOC (of line LINENO, LEN bytes) to the bulk loader:
 * the worker splits it and counts what it drops, so how many passages it
 * makes is not known here (the file's state records 0). --verbose names
 * the drops here, by line. */
static int bulk_jsonl_doc(indexer_t *ix, const char *path, const char *source,
                          qy_jsonl_doc_t *doc, size_t len, unsigned long lineno)
{
    qy_article_t art = {0};
    if (ix->verbose && qy_split_jsonl(doc, &art) == QY_OK)
        note_jsonl_drops(ix, path, lineno, doc, &art);
    qy_article_free(&art);
    qy_status_t st = ix_bulk_start(ix);
    if (st == QY_OK)
        st = qy_bulk_add_jsonl(ix->bulk, source, doc);
    if (st != QY_OK) {
        bulk_failed(ix, path, st);
        return -1;
    }
    ix->stats.bytes += len + 1;
    batch_done(ix, 1, len + 1);
    progress(ix);
    return 0;
}

/* Commits within a large document (qy_ingest_jsonl_add). */
static qy_status_t commit_within(void *ctx)
{
    indexer_t *ix = ctx;
    qy_status_t st = ix_commit(ix);
    return st == QY_OK ? begin(ix) : st;
}

/* Replaces the passages of DOC->id by ART's, split from DOC. A document of
 * fewer than part_commit_bytes() of passage text goes in one transaction,
 * its old passages deleted in it; a larger one is committed by that many
 * bytes of passage text, its new passages beside the old ones, which go
 * in its last commit (ART's texts are freed as they go in; a reader, or
 * a killed run, may then find some of it
 * twice; never none, and the file is read again next time). */
static qy_status_t ingest_jsonl_doc(indexer_t *ix, const char *source,
                                    const qy_jsonl_doc_t *doc,
                                    qy_article_t *art)
{
    unsigned long long bytes = 0;
    for (size_t i = 0; i < art->count; i++)
        bytes += art->passages[i].text_len;
    if (bytes < part_commit_bytes())
        return qy_ingest_jsonl(ix->ing, source, doc, art);
    unsigned first = 0, last = 0;
    qy_status_t st = qy_db_docid_range(ix->db, &first, &last);
    if (st == QY_OK)
        st =
            qy_ingest_jsonl_add(ix->ing, source, doc, art,
                                (size_t)part_commit_bytes(), commit_within, ix);
    if (st == QY_OK)
        st = qy_ingest_remove_id_before(ix->ing, doc->id, last + 1);
    return st;
}

/* The passages of the JSON Lines document DOC (of line LINENO, LEN
 * bytes), written by id; DOC is emptied. */
static int index_jsonl_doc(indexer_t *ix, const char *path, const char *source,
                           qy_jsonl_doc_t *doc, size_t len,
                           unsigned long lineno, unsigned *passages)
{
    if (ix->jobs > 1) {
        int r = bulk_jsonl_doc(ix, path, source, doc, len, lineno);
        qy_jsonl_doc_free(doc); /* emptied when it was taken over */
        return r;
    }
    qy_article_t art = {0};
    size_t count = 0;
    qy_status_t st = qy_split_jsonl(doc, &art);
    if (st == QY_OK) {
        count = art.count;
        ix->stats.dropped += art.ndrops;
        note_jsonl_drops(ix, path, lineno, doc, &art);
        free(doc->text); /* in the passages now */
        doc->text = NULL;
        st = ingest_jsonl_doc(ix, source, doc, &art);
        if (st == QY_OK) {
            *passages += (unsigned)count;
            ix->stats.passages += count;
            ix->stats.bytes += len + 1;
        }
        qy_article_free(&art);
    }
    qy_jsonl_doc_free(doc);
    if (st != QY_OK) {
        if (!ix->failed)
            write_failed(ix, path, st);
        return -1;
    }
    /* A document is the unit here: a large file is committed in batches
     * of documents, and its state only once it is complete. */
    batch_done(ix, count ? count : 1, len + 1);
    progress(ix);
    return 0;
}

/* The document of the line *LINE[0, LEN) (its buffer *CAP bytes, freed
 * once parsed when it is large, so that a huge line is not held beside its
 * document). 0 when it was indexed or skipped, -1 on a failure. */
static int index_jsonl_line(indexer_t *ix, const char *path, const char *source,
                            char **line, size_t *cap, size_t len,
                            unsigned long lineno, unsigned *passages,
                            unsigned *bad)
{
    qy_jsonl_doc_t doc;
    int r = parse_jsonl_line(ix, path, *line, len, lineno, &doc, bad);
    if (r != 0)
        return r > 0 ? 0 : -1;
    if (*cap > JSONL_LINE_KEEP_BYTES) {
        free(*line);
        *line = NULL;
        *cap = 0;
    }
    return index_jsonl_doc(ix, path, source, &doc, len, lineno, passages);
}

/* Replaces the passages of SOURCE with the documents of the JSON Lines
 * stream F. Each document replaces its own passages (by id) in the commit
 * that adds its new ones, and the passages of documents the stream no
 * longer holds go once it was read whole: a batch commit or a kill in
 * between leaves each document's old or new passages, never none. With
 * --jobs the load starts first, so that no removal is committed before the
 * merged index replaces the old one. Returns 0 when the whole stream was
 * indexed, 1 when it was interrupted, -1 on a fatal error or a read error
 * (reported). */
static int index_jsonl(indexer_t *ix, FILE *f, const char *path,
                       const char *source, unsigned *passages)
{
    unsigned first = 0, last = 0;
    qy_status_t st = ix->jobs > 1 ? ix_bulk_start(ix) : QY_OK;
    if (ix->failed)
        return -1;
    if (st == QY_OK)
        st = begin(ix);
    if (st == QY_OK)
        st = qy_db_docid_range(ix->db, &first, &last);
    if (st != QY_OK) {
        write_failed(ix, path, st);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    unsigned bad = 0;
    int result = 0;
    *passages = 0;
    for (;;) {
        if (ix_interrupted) {
            result = 1;
            break;
        }
        errno = 0;
        ssize_t n = getline(&line, &cap, f);
        if (n < 0) {
            if (ferror(f) && !(errno == EINTR && ix_interrupted)) {
                ix_warn(ix, path, strerror(errno ? errno : EIO));
                result = -1;
            } else if (ferror(f)) {
                result = 1;
            }
            break;
        }
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            continue;
        if (begin(ix) != QY_OK) {
            write_failed(ix, path, QY_XAPIAN);
            result = -1;
            break;
        }
        if (index_jsonl_line(ix, path, source, &line, &cap, len, lineno,
                             passages, &bad) != 0 ||
            ix->failed) {
            result = -1;
            break;
        }
    }
    free(line);
    if (result == 0) {
        st = begin(ix);
        if (st == QY_OK)
            st = qy_ingest_remove_source_before(ix->ing, source, last + 1);
        if (st != QY_OK) {
            write_failed(ix, path, st);
            result = -1;
        }
    }
    if (bad > MAX_LINE_WARNINGS) {
        char msg[96];
        snprintf(msg, sizeof msg, "%u more bad lines skipped",
                 bad - MAX_LINE_WARNINGS);
        ix_warn(ix, path, msg);
    }
    return result;
}

static int is_plain(qy_format_t format)
{
    return format == QY_FORMAT_TEXT || format == QY_FORMAT_AUTO;
}

/* Splits a whole document of FORMAT; *WHY says why one cannot be read
 * (QY_INVALID). */
static qy_status_t split(qy_format_t format, const char *buf, size_t len,
                         qy_article_t *art, const char **why)
{
    if (is_plain(format))
        return qy_split_plain(buf, len, art);
    return qy_split_file(format, buf, len, art, why);
}

/* The format of the content of FD, when its name does not say it. */
static qy_format_t sniff(const indexer_t *ix, const char *name, int fd,
                         qy_format_t format)
{
    if (ix->format != QY_FORMAT_AUTO || qy_format_known_extension(name))
        return format;
    char probe[BINARY_PROBE];
    ssize_t r;
    do
        r = pread(fd, probe, sizeof probe, 0);
    while (r < 0 && errno == EINTR && !ix_interrupted);
    return r > 0 ? qy_format_sniff(probe, (size_t)r) : format;
}

static qy_format_t format_of(const indexer_t *ix, const char *name)
{
    return ix->format != QY_FORMAT_AUTO ? ix->format : qy_format_for_path(name);
}

/* Records that SOURCE holds nothing worth indexing until it changes. */
static void skip_content(indexer_t *ix, const ix_input_t *in,
                         const struct stat *st, qy_format_t format,
                         const char *why)
{
    ix_warn(ix, in->path, why);
    ix->stats.skipped++;
    ix_state_t state;
    ix_state_from_stat(&state, st, format, IX_KIND_SKIPPED, 0);
    qy_status_t s = begin(ix);
    if (s == QY_OK)
        s = qy_ingest_remove_source(ix->ing, in->source);
    if (s == QY_OK)
        s = ix_state_put(ix->db, in->source, &state);
    if (s != QY_OK)
        write_failed(ix, in->path, s);
    else
        batch_done(ix, 1, 0);
}

/* A file that cannot be read: a warning, and an error when it was named
 * on the command line. */
static void unreadable(indexer_t *ix, const ix_input_t *in, const char *why)
{
    ix_warn(ix, in->path, why);
    ix->stats.skipped++;
    ix->arg_errors |= in->named;
}

/* Splits BUF[0..LEN) (read as FORMAT, STRIPPED NULs removed; freed here)
 * and adds its passages for SOURCE, their count in *PASSAGES. Returns 0
 * when they were added, 1 with *WHY set when it holds nothing to index,
 * -1 for a failure, reported. */
static int split_and_add(indexer_t *ix, const char *path, const char *source,
                         qy_format_t format, char *buf, size_t len,
                         size_t stripped, unsigned *passages, const char **why)
{
    if (stripped)
        warn_stripped(ix, path, stripped);
    qy_article_t art = {0};
    *why = NULL;
    qy_status_t st = split(format, buf, len, &art, why);
    if (st == QY_OK)
        report_drops(ix, path, qy_format_is_binary(format) ? NULL : buf, len,
                     &art);
    free(buf);
    *passages = (unsigned)art.count; /* before the bulk loader takes it */
    if (st == QY_INVALID)
        return 1;
    if (st != QY_OK)
        write_failed(ix, path, st);
    else
        st = add_article(ix, path, source, &art);
    qy_article_free(&art);
    if (st != QY_OK)
        return -1;
    if (!ix->bulk)
        ix->stats.passages += *passages;
    return 0;
}

/* Streams the JSON Lines file open as FD (FST) into the index: memory
 * stays bounded by the longest line, whatever the file's size. Takes FD.
 * 0 when the file's state is to be recorded; -1 when it was skipped,
 * failed or interrupted. */
static int index_jsonl_file(indexer_t *ix, const ix_input_t *in, int fd,
                            const struct stat *fst, qy_format_t format,
                            int known, unsigned *passages)
{
    char probe[BINARY_PROBE];
    ssize_t r;
    do
        r = pread(fd, probe, sizeof probe, 0);
    while (r < 0 && errno == EINTR && !ix_interrupted);
    if (r > 0 && qy_looks_binary(probe, (size_t)r,
                                 qy_count_controls(probe, (size_t)r))) {
        close(fd);
        skip_content(ix, in, fst, format, "binary file, skipped");
        return -1;
    }
    FILE *f = r >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        unreadable(ix, in, strerror(errno));
        close(fd);
        return -1;
    }
    /* The state is forgotten first: if a batch commits part of the file
     * and the run then stops, the next run redoes the file. */
    qy_status_t st = begin(ix);
    if (st == QY_OK && known)
        st = ix_state_delete(ix->db, in->source);
    if (st != QY_OK) {
        fclose(f);
        write_failed(ix, in->path, st);
        return -1;
    }
    int r2 = index_jsonl(ix, f, in->path, in->source, passages);
    fclose(f);
    if (r2 < 0 && !ix->failed) { /* a read error: warned */
        ix->stats.skipped++;
        ix->arg_errors |= in->named;
    }
    return r2 != 0 ? -1 : 0; /* interrupted or failed: redone next run */
}

/* Where to end the first part of BUF[0, LEN) (no more of the file read
 * yet) that can be split on its own: after its last blank line in its
 * second half, else after its last line there, else at its last space
 * there, else at a code point boundary. */
static size_t part_end(const char *buf, size_t len)
{
    size_t half = len / 2, newline = SIZE_MAX;
    for (size_t i = len; i-- > half;) {
        char c = buf[i];
        if (c == '\n') {
            if (newline != SIZE_MAX)
                return newline + 1;
            newline = i;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' &&
                   c != '\v') {
            newline = SIZE_MAX;
        }
    }
    for (size_t i = len; i-- > half;)
        if (buf[i] == '\n')
            return i + 1;
    for (size_t i = len; i-- > half;)
        if (buf[i] == ' ' || buf[i] == '\t')
            return i + 1;
    size_t i = len;
    while (i > len - 3 && ((unsigned char)buf[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Adds the passages of one part ART of a streamed file, split from
 * BUF[0, LEN) found at offset BASE of the (NUL-stripped) text, after
 * ORDINALS passages; FIRST for the first part. */
static qy_status_t add_part(indexer_t *ix, const char *path, const char *source,
                            qy_article_t *art, const char *buf, size_t len,
                            size_t base, unsigned ordinals, int first)
{
    report_drops(ix, path, buf, len, art);
    for (size_t i = 0; i < art->count; i++) {
        art->passages[i].offset += base;
        art->passages[i].ordinal += ordinals;
    }
    unsigned long count = (unsigned long)art->count;
    unsigned long long bytes = 0;
    for (size_t i = 0; i < art->count; i++)
        bytes += art->passages[i].text_len;
    qy_status_t st;
    if (ix->jobs > 1) {
        st = first ? qy_bulk_add_article(ix->bulk, source, art)
                   : qy_bulk_add_article_more(ix->bulk, source, art);
        if (st != QY_OK)
            bulk_failed(ix, path, st);
        return st;
    }
    st = begin(ix);
    if (st == QY_OK)
        st = qy_ingest_article_more(ix->ing, source, art);
    if (st != QY_OK) {
        write_failed(ix, path, st);
        return st;
    }
    ix->stats.passages += count;
    batch_done(ix, count, bytes);
    if (ix->pending_bytes >= part_commit_bytes())
        ix_commit(ix);
    return ix->failed ? QY_XAPIAN : QY_OK;
}

/* Reads the plain text file open as FD (FST) in parts, splits each and
 * adds its passages: memory stays bounded whatever the file's size and
 * the number of its paragraphs. The new passages are added beside the old
 * ones, which are deleted once the file was read whole (its state is
 * forgotten first, so that a run stopped in between redoes it). Parts are
 * cut at paragraph breaks; the first part's title is every part's, and a
 * heading's section ends with its part. Takes FD. 0 when the file's state
 * is to be recorded; -1 when it was skipped, failed or interrupted. */
/* A plain text file read in parts. */
typedef struct stream {
    char *buf;
    size_t cap, have;  /* BUF's room and what it holds */
    size_t base;       /* the file's offset of BUF */
    size_t stripped;   /* NUL bytes left out */
    char *title;       /* the first part's, every part's */
    unsigned ordinals; /* passages added */
    int eof, parts;
} stream_t;

/* The writer ready for a streamed file: its old state forgotten, *LAST_ID
 * the last passage before its new ones. */
static qy_status_t stream_begin(indexer_t *ix, const ix_input_t *in, int known,
                                unsigned *last_id)
{
    unsigned first_id = 0;
    qy_status_t st = QY_OK;
    if (ix->jobs > 1)
        st = ix_bulk_start(ix);
    if (st == QY_OK && !ix->failed)
        st = begin(ix);
    if (st == QY_OK && known)
        st = ix_state_delete(ix->db, in->source);
    if (st == QY_OK)
        st = qy_db_docid_range(ix->db, &first_id, last_id);
    if (st != QY_OK && !ix->failed)
        write_failed(ix, in->path, st);
    return ix->failed && st == QY_OK ? QY_XAPIAN : st;
}

/* S's buffer filled from FD, NULs stripped. 0, or -1 when the file could
 * not be read, is binary or the run was interrupted. */
static int stream_fill(indexer_t *ix, const ix_input_t *in, int fd,
                       const struct stat *fst, qy_format_t format, stream_t *s)
{
    for (;;) {
        while (!s->eof && s->have < s->cap) {
            ssize_t r = read(fd, s->buf + s->have, s->cap - s->have);
            if (r < 0 && errno == EINTR && !ix_interrupted)
                continue;
            if (r < 0) {
                if (!ix_interrupted)
                    unreadable(ix, in, strerror(errno));
                return -1;
            }
            s->eof = r == 0;
            s->have += (size_t)r;
        }
        if (ix_interrupted)
            return -1;
        if (s->parts == 0 &&
            qy_looks_binary(s->buf, s->have,
                            qy_count_controls(s->buf, s->have))) {
            skip_content(ix, in, fst, format, "binary file, skipped");
            return -1;
        }
        if (!memchr(s->buf, '\0', s->have))
            return 0;
        size_t before = s->have;
        strip_nuls(s->buf, &s->have);
        s->stripped += before - s->have;
        if (s->eof || s->have >= s->cap)
            return 0;
        /* fill the room the NULs left */
    }
}

/* The next part of S split and its passages added. */
static qy_status_t stream_part(indexer_t *ix, const ix_input_t *in, stream_t *s)
{
    size_t cut = s->eof ? s->have : part_end(s->buf, s->have);
    qy_article_t art;
    qy_status_t st = s->parts == 0 ? qy_split_plain(s->buf, cut, &art)
                                   : qy_split_plain_more(s->buf, cut, &art);
    if (st == QY_OK && s->parts == 0 && !(s->title = strdup(art.title)))
        st = QY_NOMEM;
    if (st == QY_OK && s->parts > 0) {
        free(art.title);
        if (!(art.title = strdup(s->title)))
            st = QY_NOMEM;
    }
    if (st != QY_OK) {
        write_failed(ix, in->path, st);
        qy_article_free(&art);
        return st;
    }
    unsigned count = (unsigned)art.count;
    st = add_part(ix, in->path, in->source, &art, s->buf, cut, s->base,
                  s->ordinals, s->parts == 0);
    qy_article_free(&art);
    if (st != QY_OK)
        return st;
    s->ordinals += count;
    s->parts++;
    s->base += cut;
    memmove(s->buf, s->buf + cut, s->have - cut);
    s->have -= cut;
    progress(ix);
    return QY_OK;
}

static int index_text_stream(indexer_t *ix, const ix_input_t *in, int fd,
                             const struct stat *fst, qy_format_t format,
                             int known, unsigned *passages)
{
    stream_t s = {.cap = 2 * STREAM_PART_BYTES};
    unsigned last_id = 0;
    int result = -1;
    s.buf = malloc(s.cap + 1);
    qy_status_t st = s.buf ? stream_begin(ix, in, known, &last_id) : QY_NOMEM;
    if (!s.buf && !ix->failed)
        write_failed(ix, in->path, st);
    if (st != QY_OK)
        goto done;
    *passages = 0;
    while (!s.eof || s.have > 0) {
        if (stream_fill(ix, in, fd, fst, format, &s) != 0 ||
            stream_part(ix, in, &s) != QY_OK)
            goto done;
    }
    st = begin(ix);
    if (st == QY_OK)
        st = qy_ingest_remove_source_before(ix->ing, in->source, last_id + 1);
    if (st != QY_OK) {
        write_failed(ix, in->path, st);
        goto done;
    }
    if (s.stripped)
        warn_stripped(ix, in->path, s.stripped);
    *passages = s.ordinals;
    ix->stats.bytes += s.base;
    result = 0;
done:
    free(s.title);
    free(s.buf);
    close(fd);
    return result;
}

/* Reads the file open as FD (FST) whole, splits it and adds its passages.
 * Takes FD. 0 when the file's state is to be recorded; -1 when it was
 * skipped or failed. */
static int index_whole_file(indexer_t *ix, const ix_input_t *in, int fd,
                            const struct stat *fst, qy_format_t format,
                            unsigned *passages)
{
    /* The state keeps the format the name gives, so that the next run
     * compares like with like; the content's is read with. */
    qy_format_t content = sniff(ix, in->source, fd, format);
    char *buf;
    size_t len;
    size_t stripped;
    enum read_result rr =
        read_all(fd, fst, qy_format_is_binary(content), &buf, &len, &stripped);
    int e = errno;
    close(fd);
    if (rr == READ_BINARY) {
        skip_content(ix, in, fst, format, "binary file, skipped");
        return -1;
    }
    if (rr == READ_TOO_LARGE) {
        skip_content(ix, in, fst, format, "larger than 1 GiB, skipped");
        return -1;
    }
    if (rr == READ_ERROR) {
        unreadable(ix, in, strerror(e));
        return -1;
    }
    const char *why;
    int r = split_and_add(ix, in->path, in->source, content, buf, len, stripped,
                          passages, &why);
    if (r > 0)
        skip_content(ix, in, fst, format, why);
    if (r != 0)
        return -1;
    ix->stats.bytes += len;
    return 0;
}

/* Without --jobs, a load found large at the start of a file of SIZE bytes
 * goes on on every core from that file on (IX_JOBS_AUTO_BYTES); small
 * updates stay on one thread. Files are never split between the two. */
static void auto_jobs(indexer_t *ix, unsigned long long size)
{
    unsigned docs = 0;
    unsigned long long load = ix->stats.bytes + size;
    if (ix->jobs_auto < 2 || ix->jobs > 1 || load < IX_JOBS_AUTO_BYTES ||
        qy_db_doc_count(ix->db, &docs) != QY_OK ||
        load < (unsigned long long)docs * IX_PASSAGE_BYTES / 4)
        return;
    ix->jobs = ix->jobs_auto;
}

void ix_index_file(indexer_t *ix, const ix_input_t *in)
{
    int fresh = ix_seen_add(&ix->seen, in->source);
    if (fresh < 0) {
        ix_fatal(ix, in->path, "cannot index", strerror(ENOMEM));
        return;
    }
    if (!fresh) /* met before in this run, under another argument */
        return;
    qy_format_t format = format_of(ix, in->source);
    ix_state_t old, now;
    int known;
    qy_status_t st = ix_state_get(ix->db, in->source, &old, &known);
    if (st != QY_OK) {
        write_failed(ix, in->path, st);
        return;
    }
    ix_state_from_stat(&now, &in->st, format, IX_KIND_INDEXED, 0);
    if (known && ix_state_same(&old, &now)) {
        ix->stats.unchanged++;
        progress(ix);
        return;
    }

    struct stat fst;
    int fd = open_input(in, &fst);
    if (fd < 0) {
        unreadable(ix, in, strerror(errno));
        return;
    }
    auto_jobs(ix, (unsigned long long)fst.st_size);
    unsigned passages = 0;
    int r;
    if (format == QY_FORMAT_JSONL)
        r = index_jsonl_file(ix, in, fd, &fst, format, known, &passages);
    else if (fst.st_size > stream_min_bytes() &&
             is_plain(sniff(ix, in->source, fd, format)))
        r = index_text_stream(ix, in, fd, &fst, format, known, &passages);
    else
        r = index_whole_file(ix, in, fd, &fst, format, &passages);
    if (r != 0)
        return;
    /* The state describes the file as it was opened. */
    ix_state_from_stat(&now, &fst, format, IX_KIND_INDEXED, passages);
    st = ix_state_put(ix->db, in->source, &now);
    if (st != QY_OK) {
        write_failed(ix, in->path, st);
        return;
    }
    if (known)
        ix->stats.updated++;
    else
        ix->stats.added++;
    if (format == QY_FORMAT_JSONL) /* its documents were counted */
        batch_done(ix, 1, 0);
    else
        batch_done(ix, passages ? passages : 1,
                   (unsigned long long)fst.st_size);
    progress(ix);
}

void ix_index_stdin(indexer_t *ix)
{
    const char *path = "standard input";
    const char *source = ix->stdin_name;
    qy_format_t format = format_of(ix, source);
    unsigned freq = 0;
    char term[QY_MAX_TERM_BYTES + 1];
    size_t tlen = qy_boolean_term(QY_PREFIX_SOURCE, source, term);
    qy_status_t st = qy_db_term_freq(ix->db, term, tlen, &freq);
    if (st != QY_OK) {
        write_failed(ix, path, st);
        return;
    }
    unsigned passages = 0;
    if (format == QY_FORMAT_JSONL) {
        int r = index_jsonl(ix, stdin, path, source, &passages);
        if (r < 0 && !ix->failed) {
            ix->stats.skipped++;
            ix->arg_errors = 1;
        }
        if (r != 0)
            return;
    } else {
        /* Without a format from --format or the name's extension, the
         * content says it, as for a file: read as it is, then sniffed. */
        int sniffing =
            ix->format == QY_FORMAT_AUTO && !qy_format_known_extension(source);
        char *buf;
        size_t len;
        size_t stripped = 0;
        enum read_result rr = read_all(STDIN_FILENO, NULL,
                                       sniffing || qy_format_is_binary(format),
                                       &buf, &len, &stripped);
        if (rr == READ_OK && sniffing) {
            format =
                qy_format_sniff(buf, len < BINARY_PROBE ? len : BINARY_PROBE);
            if (!qy_format_is_binary(format))
                rr = check_text(&buf, &len, &stripped);
        }
        if (rr != READ_OK) {
            if (rr == READ_ERROR && ix_interrupted)
                return;
            ix_warn(ix, path,
                    rr == READ_BINARY      ? "binary input, skipped"
                    : rr == READ_TOO_LARGE ? "larger than 1 GiB, skipped"
                                           : strerror(errno));
            ix->stats.skipped++;
            ix->arg_errors |= rr == READ_ERROR;
            return;
        }
        const char *why;
        int r = split_and_add(ix, path, source, format, buf, len, stripped,
                              &passages, &why);
        if (r > 0) {
            ix_warn(ix, path, why);
            ix->stats.skipped++;
        }
        if (r != 0)
            return;
        ix->stats.bytes += len;
        batch_done(ix, passages ? passages : 1, len);
    }
    if (freq)
        ix->stats.updated++;
    else
        ix->stats.added++;
    progress(ix);
}

typedef struct missing {
    indexer_t *ix;
    char *const *unknown;
    size_t nunknown;
} missing_t;

static int under(const char *source, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(source, dir, n) == 0 && source[n] == '/';
}

static int remove_if_missing(void *ctx, const char *source)
{
    missing_t *m = ctx;
    indexer_t *ix = m->ix;
    if (ix_interrupted || ix->failed)
        return 1;
    if (ix_seen_has(&ix->seen, source))
        return 0;
    for (size_t i = 0; i < m->nunknown; i++)
        if (under(source, m->unknown[i]))
            return 0;
    qy_status_t st = begin(ix);
    if (st == QY_OK)
        st = qy_ingest_remove_source(ix->ing, source);
    if (st == QY_OK)
        st = ix_state_delete(ix->db, source);
    if (st != QY_OK) {
        write_failed(ix, source, st);
        return 1;
    }
    ix->stats.removed++;
    batch_done(ix, 1, 0);
    progress(ix);
    return 0;
}

void ix_remove_missing(indexer_t *ix, const char *root, char *const *unknown,
                       size_t nunknown)
{
    missing_t m = {ix, unknown, nunknown};
    qy_status_t st = ix_state_each_under(ix->db, root, remove_if_missing, &m);
    if (st != QY_OK && !ix->failed)
        write_failed(ix, root, st);
}

void ix_remove_unseen(indexer_t *ix, const char *source)
{
    if (ix_interrupted || ix->failed || ix_seen_has(&ix->seen, source))
        return;
    ix_state_t state;
    int known;
    qy_status_t st = ix_state_get(ix->db, source, &state, &known);
    if (st != QY_OK) {
        write_failed(ix, source, st);
        return;
    }
    if (known) {
        missing_t m = {ix, NULL, 0};
        remove_if_missing(&m, source);
    }
}
