/* Blocks: the text of a block assembled from the pieces a format parser
 * hands over (core/format_*.c), with where each piece came from in the
 * source, and split into passages mapped back to source spans. Below the
 * parsers: it calls none of them, and core/format.c, which dispatches to
 * them, does not call it. */
#include <stdlib.h>
#include <string.h>

#include "format_internal.h"
#include "quarry/grow.h"

qy_status_t qy_block_add(qy_block_t *b, const char *s, size_t n, size_t src,
                         size_t src_len, const char *orig, int keep_lines)
{
    if (n == 0)
        return QY_OK;
    char *text = n > (size_t)-1 - b->len
                     ? NULL
                     : qy_reserve(b->text, b->len + n, &b->cap, 1, 64);
    if (!text)
        return QY_NOMEM;
    b->text = text;

    /* How much of S is the source's own bytes: all of it for plain text,
     * all but a reference for text with one, at both ends. */
    size_t prefix = 0, suffix = 0;
    if (src != QY_NO_SOURCE && orig) {
        size_t m = n < src_len ? n : src_len;
        while (prefix < m && s[prefix] == orig[prefix])
            prefix++;
        while (suffix < m - prefix &&
               s[n - 1 - suffix] == orig[src_len - 1 - suffix])
            suffix++;
    }

    char *t = b->text + b->len;
    memcpy(t, s, n);
    if (!keep_lines)
        for (size_t i = 0; i < n; i++)
            if (t[i] == '\n' || t[i] == '\r')
                t[i] = ' ';

    /* A piece that continues the previous one in the source extends it:
     * Markdown hands a line over in many small pieces. */
    qy_piece_t *last = b->npieces ? &b->pieces[b->npieces - 1] : NULL;
    int exact = prefix == n && n == src_len;
    if (last && exact && last->src != QY_NO_SOURCE &&
        last->prefix == last->src_len && last->src_len == b->len - last->pos &&
        last->src + last->src_len == src) {
        last->src_len += n;
        last->prefix += n;
    } else {
        qy_piece_t *pieces =
            qy_grow(b->pieces, b->npieces, &b->pieces_cap, sizeof *pieces, 64);
        if (!pieces)
            return QY_NOMEM;
        b->pieces = pieces;
        b->pieces[b->npieces++] =
            (qy_piece_t){b->len, src, src_len, prefix, suffix};
    }
    b->len += n;
    return QY_OK;
}

qy_status_t qy_block_break(qy_block_t *b)
{
    return qy_block_add(b, "\n", 1, QY_NO_SOURCE, 0, NULL, 1);
}

/* The last piece starting at or before POS. */
static size_t piece_at(const qy_block_t *b, size_t pos)
{
    size_t lo = 0, hi = b->npieces;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->pieces[mid].pos <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static size_t piece_end(const qy_block_t *b, size_t i)
{
    return i + 1 < b->npieces ? b->pieces[i + 1].pos : b->len;
}

/* Where text position POS of piece I lies in the source: exact inside the
 * piece's prefix and suffix, else the piece's start (or, for the END of a
 * span, its end). */
static size_t source_at(const qy_block_t *b, size_t i, size_t pos, int end)
{
    const qy_piece_t *p = &b->pieces[i];
    size_t n = piece_end(b, i) - p->pos, d = pos - p->pos;
    if (end && d == n)
        return p->src + p->src_len;
    if (d < p->prefix || (end && d == p->prefix))
        return p->src + d;
    if (n - d <= p->suffix)
        return p->src + p->src_len - (n - d);
    return end ? p->src + p->src_len : p->src;
}

/* qy_span_fn: from the first source byte of [START, END) to the last. */
static void block_span(void *ctx, size_t start, size_t end, size_t *offset,
                       size_t *length)
{
    const qy_block_t *b = ctx;
    size_t lo = QY_NO_SOURCE, hi = QY_NO_SOURCE;
    size_t first = piece_at(b, start), last = piece_at(b, end - 1);
    for (size_t k = first; k <= last && lo == QY_NO_SOURCE; k++)
        if (b->pieces[k].src != QY_NO_SOURCE)
            lo = source_at(b, k, k == first ? start : b->pieces[k].pos, 0);
    for (size_t k = last + 1; k-- > first && hi == QY_NO_SOURCE;)
        if (b->pieces[k].src != QY_NO_SOURCE)
            hi = source_at(b, k, k == last ? end : piece_end(b, k), 1);
    if (lo == QY_NO_SOURCE || hi == QY_NO_SOURCE) {
        *offset = *length = 0;
        return;
    }
    if (hi < lo) { /* pieces out of source order (HTML's misnested tags) */
        size_t t = lo;
        lo = hi;
        hi = t;
    }
    *offset = lo;
    *length = hi - lo;
}

qy_status_t qy_block_flush(qy_block_t *b, qy_article_t *out, unsigned flags,
                           const char *title)
{
    qy_status_t st = QY_OK;
    if (b->len > 0)
        st = qy_article_add_text(out, b->text, b->len, flags, title, block_span,
                                 b);
    qy_block_clear(b);
    return st;
}

void qy_block_truncate(qy_block_t *b, size_t len, size_t npieces)
{
    if (npieces < b->npieces)
        b->npieces = npieces;
    if (b->npieces > 0 && len < b->len) {
        /* The last piece may reach past LEN (a merged one, or one cut). */
        qy_piece_t *p = &b->pieces[b->npieces - 1];
        size_t n = len > p->pos ? len - p->pos : 0;
        if (p->prefix == p->src_len && p->src_len == b->len - p->pos)
            p->src_len = n;
        if (p->prefix > n)
            p->prefix = n;
        p->suffix = 0;
    }
    if (len < b->len)
        b->len = len;
}

void qy_block_clear(qy_block_t *b)
{
    b->len = 0;
    b->npieces = 0;
}

void qy_block_free(qy_block_t *b)
{
    free(b->text);
    free(b->pieces);
    memset(b, 0, sizeof *b);
}

qy_status_t qy_article_finish_titles(qy_article_t *out, char **title,
                                     char **fallback)
{
    char **take = *title ? title : fallback;
    if (*take) {
        out->title = *take;
        *take = NULL;
    }
    qy_article_drop_same_titles(out);
    qy_status_t st = qy_article_default_title(out);
    return st == QY_OK ? qy_article_title_passage(out) : st;
}

void qy_article_drop_same_titles(qy_article_t *out)
{
    for (size_t i = 0; i < out->count; i++) {
        qy_passage_t *p = &out->passages[i];
        if (p->title && out->title && strcmp(p->title, out->title) == 0) {
            free(p->title);
            p->title = NULL;
        }
    }
}
