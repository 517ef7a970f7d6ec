/* What the binary formats share: reading entries of a zip container
 * (libzip) within the caps of formats.h, and the document properties an
 * article keeps (title, date, author). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zip.h>

#include "format_internal.h"
#include "quarry/formats.h"
#include "quarry/grow.h"

struct qy_zip {
    zip_t *zip;
    size_t inflated; /* bytes inflated so far, for QY_INFLATE_MAX_BYTES */
};

qy_zip_t *qy_zip_open(const char *buf, size_t len)
{
    qy_zip_t *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &error);
    if (src)
        z->zip = zip_open_from_source(src, ZIP_RDONLY, &error);
    if (!z->zip) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&error);
        free(z);
        return NULL;
    }
    zip_error_fini(&error);
    return z;
}

void qy_zip_close(qy_zip_t *z)
{
    if (!z)
        return;
    zip_discard(z->zip); /* read only: nothing to write back */
    free(z);
}

char *qy_zip_read(qy_zip_t *z, const char *name, size_t *len, const char **why)
{
    zip_file_t *f = zip_fopen(z->zip, name, 0);
    if (!f) {
        *why = "damaged container (a part is missing)";
        return NULL;
    }
    /* The sizes the archive claims are not trusted: what is inflated is
     * counted as it comes. */
    size_t cap = 0, n = 0;
    char *data = NULL;
    for (;;) {
        /* Room for a byte more and the '\0'. */
        char *bigger = qy_grow(data, n + 1, &cap, 1, 65536);
        if (!bigger) {
            free(data);
            data = NULL;
            *why = "out of memory";
            break;
        }
        data = bigger;
        zip_int64_t r = zip_fread(f, data + n, cap - n - 1);
        if (r < 0) {
            free(data);
            data = NULL;
            *why = "damaged container";
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        z->inflated += (size_t)r;
        if (n > QY_EXTRACT_MAX_BYTES || z->inflated > QY_INFLATE_MAX_BYTES) {
            free(data);
            data = NULL;
            *why = "inflates to too much text, skipped";
            break;
        }
    }
    zip_fclose(f);
    if (!data)
        return NULL;
    data[n] = '\0';
    *len = n;
    return data;
}

static qy_status_t set_title(qy_article_t *out, const char *title)
{
    if (!title || !*title)
        return QY_OK;
    size_t n;
    char *clean = qy_passage_clean(title, strlen(title), &n);
    if (!clean)
        return QY_NOMEM;
    if (n == 0 || n > QY_HEADING_MAX_BYTES) {
        free(clean);
        return QY_OK;
    }
    free(out->title);
    out->title = clean;
    return QY_OK;
}

qy_status_t qy_article_set_properties(qy_article_t *out, const char *title,
                                      const char *author, const char *date)
{
    if (set_title(out, title) != QY_OK)
        return QY_NOMEM;
    while (date && (*date == ' ' || *date == '\t' || *date == '\n'))
        date++;
    if (date && *date) { /* what is not a date is not kept (ingest.c) */
        free(out->date);
        out->date = strndup(date, 32);
        if (!out->date)
            return QY_NOMEM;
    }
    size_t alen;
    char *clean =
        author ? qy_passage_clean(author, strlen(author), &alen) : NULL;
    if (author && !clean)
        return QY_NOMEM;
    if (!clean || alen == 0) {
        free(clean);
        return QY_OK;
    }
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "author", clean))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(clean);
    if (!text)
        return QY_NOMEM;
    free(out->meta);
    out->meta = strdup(text);
    cJSON_free(text);
    return out->meta ? QY_OK : QY_NOMEM;
}
