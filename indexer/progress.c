#include "progress.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "quarry/utf8.h"

void ix_progress_init(ix_progress_t *p, int enabled)
{
    p->enabled = enabled;
    p->shown = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) +
           (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

double ix_progress_elapsed(const ix_progress_t *p)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return since(&p->start, &now);
}

void ix_progress_update(ix_progress_t *p, const ix_stats_t *s)
{
    if (!p->enabled)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (p->shown && since(&p->last, &now) < 0.1)
        return;
    p->last = now;
    double secs = since(&p->start, &now);
    double mb = (double)s->bytes / 1e6;
    unsigned files = s->added + s->updated + s->unchanged;
    /* \r and erase-to-end: the line is redrawn in place. */
    fprintf(stderr,
            "\r\033[Kindexer: %u files, %llu passages, %.1f MB/s, %.1f s",
            files, s->passages, secs > 0 ? mb / secs : 0.0, secs);
    fflush(stderr);
    p->shown = 1;
}

void ix_progress_note(ix_progress_t *p, const char *what)
{
    if (!p->enabled)
        return;
    fprintf(stderr, "\r\033[Kindexer: %s...", what);
    fflush(stderr);
    p->shown = 1;
}

void ix_progress_clear(ix_progress_t *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = 0;
}

void ix_summary_text(FILE *out, const char *progname, const ix_stats_t *s,
                     const char *index, unsigned total, double seconds,
                     int interrupted)
{
    fprintf(out,
            "%s: %sfiles: %u added, %u updated, %u removed, %u unchanged, "
            "%u skipped; %llu passages written, %llu blocks dropped, %u in %s "
            "(%.2f s)\n",
            progname, interrupted ? "interrupted; " : "", s->added, s->updated,
            s->removed, s->unchanged, s->skipped, s->passages, s->dropped,
            total, index, seconds);
}

int ix_summary_json(FILE *out, const ix_stats_t *s, const char *index,
                    unsigned total, double seconds, int interrupted, int status)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *files = NULL;
    char *name = qy_utf8_repair(index, strlen(index), NULL);
    int ok = o && name && cJSON_AddNumberToObject(o, "schema", 1) &&
             cJSON_AddStringToObject(o, "index", name) &&
             (files = cJSON_AddObjectToObject(o, "files")) != NULL &&
             cJSON_AddNumberToObject(files, "added", s->added) &&
             cJSON_AddNumberToObject(files, "updated", s->updated) &&
             cJSON_AddNumberToObject(files, "removed", s->removed) &&
             cJSON_AddNumberToObject(files, "unchanged", s->unchanged) &&
             cJSON_AddNumberToObject(files, "skipped", s->skipped) &&
             cJSON_AddNumberToObject(o, "passages", (double)s->passages) &&
             cJSON_AddNumberToObject(o, "dropped", (double)s->dropped) &&
             cJSON_AddNumberToObject(o, "total", total) &&
             cJSON_AddNumberToObject(o, "bytes", (double)s->bytes) &&
             cJSON_AddNumberToObject(o, "seconds", seconds) &&
             cJSON_AddNumberToObject(o, "warnings", s->warnings) &&
             cJSON_AddBoolToObject(o, "interrupted", interrupted) &&
             cJSON_AddNumberToObject(o, "status", status);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    free(name);
    cJSON_Delete(o);
    if (!text)
        return -1;
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}
