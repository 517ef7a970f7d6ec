/* Per-file state as user metadata. The value is one line of text,
 *   "1 KIND MTIME_SEC MTIME_NSEC SIZE INODE FORMAT PASSAGES"
 * then a newline and the source name, so that a key whose name was
 * shortened to a hash still says which file it stands for. The leading 1
 * is the layout's version: a value of another version reads as no state,
 * which only costs reindexing that file. */
#include "state.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/schema.h"

#define STATE_VERSION 1

void ix_state_from_stat(ix_state_t *state, const struct stat *st,
                        qy_format_t format, ix_kind_t kind, unsigned passages)
{
    memset(state, 0, sizeof *state);
    state->kind = kind;
    state->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    state->mtime_nsec = st->st_mtim.tv_nsec;
    state->size = (uint64_t)st->st_size;
    state->ino = (uint64_t)st->st_ino;
    snprintf(state->format, sizeof state->format, "%s", qy_format_name(format));
    state->passages = passages;
}

int ix_state_same(const ix_state_t *a, const ix_state_t *b)
{
    return a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->size == b->size && a->ino == b->ino &&
           strcmp(a->format, b->format) == 0;
}

static size_t state_key(const char *source, char *key)
{
    return qy_boolean_term(IX_STATE_PREFIX, source, key);
}

/* Reads the decimal number at *P, between MIN and MAX and followed by
 * the character END, and moves *P past that character. Returns 0, or -1
 * (*P unchanged) when there is no such number. */
static int read_signed(const char **p, long long min, long long max, char end,
                       long long *out)
{
    const char *s = *p;
    if (!(*s == '-' || (*s >= '0' && *s <= '9'))) /* no spaces, no '+' */
        return -1;
    char *e;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (e == s || errno != 0 || v < min || v > max || *e != end)
        return -1;
    *out = v;
    *p = e + 1;
    return 0;
}

static int read_unsigned(const char **p, unsigned long long max, char end,
                         unsigned long long *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9') /* strtoull would take "-1" */
        return -1;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (e == s || errno != 0 || v > max || *e != end)
        return -1;
    *out = v;
    *p = e + 1;
    return 0;
}

/* Parses VALUE; *SOURCE points into it. Returns 0, or -1 when it is not a
 * state this version writes. */
static int decode(const char *value, ix_state_t *state, const char **source)
{
    const char *p = value;
    long long version, sec, nsec;
    unsigned long long size, ino, passages;
    memset(state, 0, sizeof *state);
    if (read_signed(&p, INT_MIN, INT_MAX, ' ', &version) != 0 ||
        version != STATE_VERSION)
        return -1;
    char kind = p[0];
    if ((kind != IX_KIND_INDEXED && kind != IX_KIND_SKIPPED) || p[1] != ' ')
        return -1;
    p += 2;
    if (read_signed(&p, INT64_MIN, INT64_MAX, ' ', &sec) != 0 ||
        read_signed(&p, 0, 999999999, ' ', &nsec) != 0 ||
        read_unsigned(&p, UINT64_MAX, ' ', &size) != 0 ||
        read_unsigned(&p, UINT64_MAX, ' ', &ino) != 0)
        return -1;
    size_t flen = strcspn(p, " \n");
    if (flen == 0 || flen >= sizeof state->format || p[flen] != ' ')
        return -1;
    memcpy(state->format, p, flen); /* terminated by the memset */
    p += flen + 1;
    if (read_unsigned(&p, UINT_MAX, '\n', &passages) != 0)
        return -1;
    state->kind = (ix_kind_t)kind;
    state->mtime_sec = sec;
    state->mtime_nsec = (long)nsec;
    state->size = size;
    state->ino = ino;
    state->passages = (unsigned)passages;
    *source = p;
    return 0;
}

qy_status_t ix_state_get(qy_db_t *db, const char *source, ix_state_t *state,
                         int *found)
{
    char key[QY_MAX_TERM_BYTES + 1];
    state_key(source, key);
    char *value = NULL;
    size_t len = 0;
    *found = 0;
    qy_status_t st = qy_db_get_metadata(db, key, &value, &len);
    if (st != QY_OK)
        return st;
    const char *name;
    /* A hashed key could, in theory, be shared: the stored name decides. */
    if (len && decode(value, state, &name) == 0 && strcmp(name, source) == 0)
        *found = 1;
    free(value);
    return QY_OK;
}

qy_status_t ix_state_put(qy_db_t *db, const char *source,
                         const ix_state_t *state)
{
    char key[QY_MAX_TERM_BYTES + 1];
    state_key(source, key);
    char head[160];
    int n = snprintf(
        head, sizeof head, "%d %c %lld %ld %llu %llu %s %u\n", STATE_VERSION,
        (char)state->kind, (long long)state->mtime_sec, state->mtime_nsec,
        (unsigned long long)state->size, (unsigned long long)state->ino,
        state->format, state->passages);
    if (n < 0 || (size_t)n >= sizeof head)
        return QY_INTERNAL;
    size_t slen = strlen(source);
    char *value = malloc((size_t)n + slen + 1);
    if (!value)
        return QY_NOMEM;
    memcpy(value, head, (size_t)n);
    memcpy(value + n, source, slen + 1);
    qy_status_t st = qy_db_set_metadata(db, key, value, (size_t)n + slen);
    free(value);
    return st;
}

qy_status_t ix_state_delete(qy_db_t *db, const char *source)
{
    char key[QY_MAX_TERM_BYTES + 1];
    state_key(source, key);
    /* Xapian deletes a metadata entry set to the empty value. */
    return qy_db_set_metadata(db, key, "", 0);
}

typedef struct key_list {
    char **keys;
    size_t n, cap;
    int nomem;
} key_list_t;

static int collect_key(void *ctx, const char *key, size_t len)
{
    key_list_t *l = ctx;
    char **more = qy_grow(l->keys, l->n, &l->cap, sizeof *more, 256);
    if (!more) {
        l->nomem = 1;
        return 1;
    }
    l->keys = more;
    char *copy = malloc(len + 1);
    if (!copy) {
        l->nomem = 1;
        return 1;
    }
    memcpy(copy, key, len);
    copy[len] = '\0';
    l->keys[l->n++] = copy;
    return 0;
}

qy_status_t ix_state_each_under(qy_db_t *db, const char *root,
                                int (*fn)(void *ctx, const char *source),
                                void *ctx)
{
    /* Every key of a file below ROOT starts with the prefix and at least
     * the first KEEP bytes of "ROOT/" (qy_boolean_term keeps that many
     * bytes of a name before its hash); the stored name decides. */
    const size_t plen = strlen(IX_STATE_PREFIX);
    const size_t keep = QY_MAX_TERM_BYTES - plen - 17;
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    char *dir = malloc(rlen + 2);
    char *prefix = malloc(plen + rlen + 2);
    if (!dir || !prefix) {
        free(dir);
        free(prefix);
        return QY_NOMEM;
    }
    memcpy(dir, root, rlen);
    dir[rlen] = '/';
    dir[rlen + 1] = '\0';
    if (rlen == 1) /* the root directory itself: "/" */
        dir[1] = '\0';
    size_t dlen = strlen(dir);
    memcpy(prefix, IX_STATE_PREFIX, plen);
    size_t take = dlen < keep ? dlen : keep;
    memcpy(prefix + plen, dir, take);
    prefix[plen + take] = '\0';

    key_list_t keys = {0};
    qy_status_t st = qy_db_each_metadata_key(db, prefix, collect_key, &keys);
    if (st == QY_OK && keys.nomem)
        st = QY_NOMEM;
    for (size_t i = 0; st == QY_OK && i < keys.n; i++) {
        char *value = NULL;
        size_t len;
        st = qy_db_get_metadata(db, keys.keys[i], &value, &len);
        ix_state_t state;
        const char *source;
        if (st == QY_OK && len && decode(value, &state, &source) == 0 &&
            strncmp(source, dir, dlen) == 0 && fn(ctx, source) != 0) {
            free(value);
            break;
        }
        free(value);
    }
    for (size_t i = 0; i < keys.n; i++)
        free(keys.keys[i]);
    free(keys.keys);
    free(dir);
    free(prefix);
    return st;
}
