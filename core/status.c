#include "quarry/status.h"

const char *qy_status_to_string(qy_status_t status)
{
    switch (status) {
    case QY_OK:
        return "success";
    case QY_NOT_FOUND:
        return "not found";
    case QY_LOCKED:
        return "index is locked by another writer";
    case QY_OPENING:
        return "cannot open index";
    case QY_CORRUPT:
        return "index is corrupt";
    case QY_VERSION:
        return "unsupported index format version";
    case QY_MODIFIED:
        return "index kept changing while being read";
    case QY_READ_ONLY:
        return "index is read-only";
    case QY_IO:
        return "input/output error";
    case QY_INVALID:
        return "invalid argument";
    case QY_NOMEM:
        return "out of memory";
    case QY_NETWORK:
        return "network error";
    case QY_XAPIAN:
        return "Xapian error";
    case QY_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}
