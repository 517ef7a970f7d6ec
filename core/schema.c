#include "quarry/schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t qy_boolean_term(const char *prefix, const char *value, char *buf)
{
    size_t plen = strlen(prefix);
    size_t vlen = strlen(value);
    if (plen + vlen <= QY_MAX_TERM_BYTES) {
        memcpy(buf, prefix, plen);
        memcpy(buf + plen, value, vlen);
        buf[plen + vlen] = '\0';
        return plen + vlen;
    }
    /* Collisions among the few very long paths of one index are
     * vanishingly unlikely. */
    uint64_t h = qy_fnv1a(value, vlen, QY_FNV_START);
    size_t keep = QY_MAX_TERM_BYTES - plen - 17;
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, value, keep);
    snprintf(buf + plen + keep, 18, "#%016llx", (unsigned long long)h);
    return QY_MAX_TERM_BYTES;
}

uint64_t qy_fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void qy_source_key(const char *source, unsigned char key[QY_SOURCE_KEY_BYTES])
{
    uint64_t h = qy_fnv1a(source, strlen(source), QY_FNV_START);
    for (int i = 0; i < QY_SOURCE_KEY_BYTES; i++, h >>= 8)
        key[i] = (unsigned char)h;
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define FORMAT_STRING STRINGIFY(QY_INDEX_FORMAT)

static char *format_error(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, a, b);
    return s;
}

/* Checks that this build reads DB's format; *VERSION (when not NULL) gets
 * it, 0 for a new index. */
static qy_status_t check_format(qy_db_t *db, int *version, char **error)
{
    char *format = NULL;
    size_t len;
    qy_status_t st = qy_db_get_metadata(db, QY_META_FORMAT, &format, &len);
    if (st != QY_OK) {
        *error =
            format_error("index '%s': %s", qy_db_name(db), qy_db_error(db));
        return st;
    }
    long v = strtol(format, NULL, 10);
    if (len && (v < 1 || v > QY_INDEX_FORMAT)) {
        /* The value comes from the index: shown only when it is a plain
         * number, so that a damaged one cannot garble the message. */
        int number = len <= 9 && strspn(format, "0123456789") == len;
        *error = format_error("index '%s' is in format %s, which this "
                              "version of quarry cannot read (it reads "
                              "formats 1 to " FORMAT_STRING ")",
                              qy_db_name(db), number ? format : "unknown");
        free(format);
        return QY_VERSION;
    }
    if (version)
        *version = len ? (int)v : 0;
    free(format);
    return QY_OK;
}

int qy_schema_format(qy_db_t *db)
{
    int version = 0;
    char *error = NULL;
    qy_status_t st = check_format(db, &version, &error);
    free(error);
    return st == QY_OK && version > 0 ? version : QY_INDEX_FORMAT;
}

qy_status_t qy_schema_read(qy_db_t *db, char **lang_out, char **error)
{
    *lang_out = NULL;
    qy_status_t st = check_format(db, NULL, error);
    if (st != QY_OK)
        return st;
    size_t len;
    st = qy_db_get_metadata(db, QY_META_LANG, lang_out, &len);
    if (st != QY_OK) {
        *error =
            format_error("index '%s': %s", qy_db_name(db), qy_db_error(db));
        return st;
    }
    if (len == 0) {
        free(*lang_out);
        *lang_out = strdup("english");
        if (!*lang_out)
            return QY_NOMEM;
    }
    return QY_OK;
}

qy_status_t qy_schema_prepare(qy_db_t *db, const char *lang, char **lang_out,
                              char **error)
{
    char *have = NULL;
    size_t len;
    *error = NULL;
    if (lang_out)
        *lang_out = NULL;
    qy_status_t st = check_format(db, NULL, error);
    if (st != QY_OK)
        return st;
    st = qy_db_get_metadata(db, QY_META_LANG, &have, &len);
    if (st != QY_OK) {
        *error =
            format_error("index '%s': %s", qy_db_name(db), qy_db_error(db));
        return st;
    }
    if (len == 0) {
        const char *use = lang ? lang : "english";
        char version[16];
        snprintf(version, sizeof version, "%d", QY_INDEX_FORMAT);
        st = qy_db_set_metadata(db, QY_META_FORMAT, version, strlen(version));
        if (st == QY_OK)
            st = qy_db_set_metadata(db, QY_META_LANG, use, strlen(use));
        free(have);
        if (st != QY_OK) {
            *error =
                format_error("index '%s': %s", qy_db_name(db), qy_db_error(db));
            return st;
        }
        have = strdup(use);
        if (!have)
            return QY_NOMEM;
    } else if (lang && strcmp(lang, have) != 0) {
        *error = format_error("the index was built for language '%s'; "
                              "indexing '%s' text into it would stop words "
                              "matching (use a new index)",
                              have, lang);
        free(have);
        return QY_INVALID;
    }
    if (lang_out)
        *lang_out = have;
    else
        free(have);
    return QY_OK;
}
