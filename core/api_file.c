/* quarry_index_add_file (include/quarry.h): a file read whole, its format
 * told by its name or its content, split by the format parsers and stored
 * under its absolute path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quarry/api.h"
#include "quarry/grow.h"

/* Reads the regular file PATH whole into *BUF (malloc'd, NUL-terminated). */
static quarry_status_t read_file(quarry_index_t *index, const char *path,
                                 char **buf, size_t *len)
{
    struct stat info;
    FILE *f = fopen(path, "rb");
    if (!f)
        goto failed;
    if (fstat(fileno(f), &info) != 0)
        goto failed;
    if (!S_ISREG(info.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return qy_api_fail_with(index, QUARRY_STATUS_IO_ERROR,
                                strdup("not a regular file"));
    }
    size_t cap = (size_t)info.st_size + 1, n = 0;
    char *b = malloc(cap);
    if (!b) {
        fclose(f);
        return qy_api_fail_with(index, QUARRY_STATUS_OUT_OF_MEMORY, NULL);
    }
    size_t got;
    while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        /* Room for a byte more and the '\0': the file grew while read. */
        char *bigger = qy_grow(b, n + 1, &cap, 1, 4096);
        if (!bigger) {
            free(b);
            fclose(f);
            return qy_api_fail_with(index, QUARRY_STATUS_OUT_OF_MEMORY, NULL);
        }
        b = bigger;
    }
    int bad = ferror(f);
    fclose(f);
    f = NULL;
    if (bad) {
        free(b);
        goto failed;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return QUARRY_STATUS_SUCCESS;
failed:;
    int err = errno;
    if (f)
        fclose(f);
    char *msg = NULL;
    size_t need = strlen(path) + strlen(strerror(err)) + 3;
    if ((msg = malloc(need)) != NULL)
        snprintf(msg, need, "%s: %s", path, strerror(err));
    return qy_api_fail_with(index,
                            err == ENOENT || err == ENOTDIR
                                ? QUARRY_STATUS_NOT_FOUND
                                : QUARRY_STATUS_IO_ERROR,
                            msg);
}

/* The documents of the JSON Lines file BUF, one a line, all under SOURCE
 * (whose passages were removed). A line that is no document makes the
 * result QY_INVALID with *WHY, after the others were ingested. */
static qy_status_t ingest_lines(quarry_index_t *index, const char *source,
                                char *buf, size_t len, unsigned *passages,
                                const char **why)
{
    qy_status_t result = QY_OK;
    for (char *line = buf, *end = buf + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((nl ? nl : end) - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        qy_jsonl_doc_t doc = {0};
        const char *bad = NULL;
        qy_status_t st = n == 0 ? QY_OK : qy_jsonl_parse(line, n, &doc, &bad);
        if (st == QY_OK && n > 0)
            st = qy_api_ingest_doc(index, source, &doc, passages);
        qy_jsonl_doc_free(&doc);
        if (st == QY_INVALID && bad) {
            result = QY_INVALID;
            *why = bad;
        } else if (st != QY_OK) {
            return st;
        }
        line = nl ? nl + 1 : end;
    }
    return result;
}

/* Sniffing reads this many bytes of a file whose name says nothing. */
#define SNIFF_BYTES 4096

quarry_status_t quarry_index_add_file(quarry_index_t *index, const char *path,
                                      unsigned *passages)
{
    unsigned stored = 0;
    char *buf = NULL, *source = NULL;
    size_t len = 0;
    const char *why = NULL;
    if (passages)
        *passages = 0;
    if (!index)
        return QUARRY_STATUS_INVALID_ARGUMENT;
    if (!path || !*path)
        return qy_api_fail_with(index, QUARRY_STATUS_INVALID_ARGUMENT,
                                strdup("no file named"));
    quarry_status_t result = qy_api_begin_write(index);
    if (result == QUARRY_STATUS_SUCCESS)
        result = read_file(index, path, &buf, &len);
    if (result != QUARRY_STATUS_SUCCESS)
        return result;
    source = realpath(path, NULL);
    if (!source) {
        free(buf);
        return qy_api_fail_with(index, QUARRY_STATUS_IO_ERROR, strdup(path));
    }
    qy_format_t format = qy_format_for_path(path);
    if (!qy_format_known_extension(path))
        format = qy_format_sniff(buf, len < SNIFF_BYTES ? len : SNIFF_BYTES);
    /* What the file held goes, also when it cannot be read now. */
    qy_status_t st = qy_ingest_remove_source(index->ing, source);
    if (st == QY_OK && !qy_format_is_binary(format) &&
        qy_looks_binary(buf, len, qy_count_controls(buf, len))) {
        st = QY_INVALID; /* as indexer, which skips it */
        why = "binary file";
    } else if (st == QY_OK && format == QY_FORMAT_JSONL) {
        st = ingest_lines(index, source, buf, len, &stored, &why);
    } else if (st == QY_OK) {
        qy_article_t art = {0};
        st = qy_split_file(format, buf, len, &art, &why);
        if (st == QY_OK)
            st = qy_api_ingest_article(index, source, &art, NULL, &stored);
        else if (st != QY_INVALID)
            why = NULL;
        qy_article_free(&art);
    }
    free(buf);
    free(source);
    if (st == QY_INVALID && why) {
        char *msg = NULL;
        size_t need = strlen(path) + strlen(why) + 3;
        if ((msg = malloc(need)) != NULL)
            snprintf(msg, need, "%s: %s", path, why);
        result = qy_api_fail_with(index, QUARRY_STATUS_UNREADABLE, msg);
    } else if (st != QY_OK) {
        result = qy_api_fail(index, st, path);
    }
    if (passages)
        *passages = stored;
    return result;
}
