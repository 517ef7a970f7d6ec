/* The indexer's messages on standard error: warnings, fatal errors and
 * the --verbose notes of dropped blocks, each one line with the file name
 * escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "quarry/passage.h"
#include "quarry/utf8.h"

static const char progname[] = "indexer";

/* Writes S with what may not reach a terminal raw (controls, bidi and
 * invisible format characters) and invalid UTF-8 shown as \xNN or
 * \uNNNN, so that a file name cannot drive the terminal, read otherwise
 * than it is, or break the message's single line. */
static void put_escaped(FILE *out, const char *s)
{
    qy_utf8_put_safe(out, s, strlen(s), QY_ESCAPE_TEXT);
}

void ix_warn(indexer_t *ix, const char *path, const char *why)
{
    ix_progress_clear(&ix->progress);
    fprintf(stderr, "%s: ", progname);
    put_escaped(stderr, path);
    fprintf(stderr, ": %s\n", why);
    ix->stats.warnings++;
}

void ix_note(indexer_t *ix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ix_progress_clear(&ix->progress);
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Bytes of a dropped block shown by --verbose. */
#define DROP_PREVIEW_BYTES 60

void ix_note_drop(indexer_t *ix, const char *path, unsigned long line,
                  const char *id, const char *rule, const char *text,
                  size_t len)
{
    size_t n;
    char *clean = qy_passage_clean(text, len, &n);
    if (!clean)
        return;
    int cut = n > DROP_PREVIEW_BYTES;
    if (cut) { /* at a character boundary */
        n = qy_utf8_cut(clean, DROP_PREVIEW_BYTES);
        clean[n] = '\0';
    }
    ix_progress_clear(&ix->progress);
    fprintf(stderr, "%s: ", progname);
    put_escaped(stderr, path);
    fprintf(stderr, ":%lu", line);
    if (id) {
        fputs(" (id ", stderr);
        put_escaped(stderr, id);
        fputc(')', stderr);
    }
    fprintf(stderr, ": dropped (%s): \"", rule);
    put_escaped(stderr, clean);
    fprintf(stderr, "%s\"\n", cut ? "\xE2\x80\xA6" : "");
    free(clean);
}

void ix_fatal(indexer_t *ix, const char *path, const char *what,
              const char *detail)
{
    ix_progress_clear(&ix->progress);
    fprintf(stderr, "%s: ", progname);
    put_escaped(stderr, path);
    fprintf(stderr, ": %s: %s\n", what, detail);
    ix->failed = 1;
}
