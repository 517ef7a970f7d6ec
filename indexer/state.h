/* What the index remembers about each file it holds, so that a run over an
 * unchanged tree only has to stat it: user metadata, one key a file,
 * written in the same transaction as the file's passages. */
#ifndef QUARRY_INDEXER_STATE_H
#define QUARRY_INDEXER_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "quarry/formats.h"
#include "quarry/status.h"
#include "quarry/xdb.h"

/* Keys are this prefix and the file's source name (the name's first bytes
 * and a hash of the whole when it is too long for a key, see
 * qy_boolean_term). */
#define IX_STATE_PREFIX "quarry.file:"

typedef enum ix_kind {
    IX_KIND_INDEXED = 'i', /* its passages are in the index */
    IX_KIND_SKIPPED = 's'  /* skipped for what it holds (binary, too large):
                              nothing in the index until it changes */
} ix_kind_t;

typedef struct ix_state {
    ix_kind_t kind;
    int64_t mtime_sec;
    long mtime_nsec;
    uint64_t size;
    uint64_t ino;
    char format[16];   /* qy_format_name() of the format it was read as */
    unsigned passages; /* passages written for it */
} ix_state_t;

/* The state a file with stat ST read as FORMAT would have. */
void ix_state_from_stat(ix_state_t *state, const struct stat *st,
                        qy_format_t format, ix_kind_t kind, unsigned passages);

/* Non-zero when A and B describe the same file contents read the same
 * way: modification time (to the nanosecond), size, inode and format. */
int ix_state_same(const ix_state_t *a, const ix_state_t *b);

/* Reads the state of SOURCE: *FOUND is 0 when the index has none (or one
 * this version cannot read). */
qy_status_t ix_state_get(qy_db_t *db, const char *source, ix_state_t *state,
                         int *found);

/* Records STATE for SOURCE (part of the writer's open transaction). */
qy_status_t ix_state_put(qy_db_t *db, const char *source,
                         const ix_state_t *state);

/* Forgets SOURCE. */
qy_status_t ix_state_delete(qy_db_t *db, const char *source);

/* Calls FN(CTX, source) for every file recorded below the directory ROOT
 * (a source name), in key order; FN returns non-zero to stop. FN may change
 * the index: the keys are read first. */
qy_status_t ix_state_each_under(qy_db_t *db, const char *root,
                                int (*fn)(void *ctx, const char *source),
                                void *ctx);

#endif
