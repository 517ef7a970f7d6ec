/* Status codes shared by every part of the quarry core library. */
#ifndef QUARRY_STATUS_H
#define QUARRY_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qy_status {
    QY_OK = 0,
    QY_NOT_FOUND, /* no index (or no file) at the given path */
    QY_LOCKED,    /* another writer holds the index lock */
    QY_OPENING,   /* the path exists but cannot be opened as an index */
    QY_CORRUPT,   /* the index is damaged */
    QY_VERSION,   /* the index was written by an unsupported format version */
    QY_MODIFIED,  /* the index changed under a reader more often than retried */
    QY_READ_ONLY, /* a write was attempted where writing is not permitted */
    QY_IO,        /* an operating-system level read or write failed */
    QY_INVALID, /* an argument is not acceptable (too long, empty, out of range)
                 */
    QY_NOMEM,   /* memory allocation failed */
    QY_NETWORK, /* a remote index could not be reached */
    QY_XAPIAN,  /* any other error reported by Xapian */
    QY_INTERNAL /* an unexpected failure; a bug */
} qy_status_t;

/* A short, static, human-readable description of STATUS. Never NULL. */
const char *qy_status_to_string(qy_status_t status);

#ifdef __cplusplus
}
#endif

#endif
