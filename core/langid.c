/* Language detection with libexttextcat. Its answer is a list of the
 * likeliest languages, "[en--utf8][sco--utf8]", best first, when their
 * scores are close; the first of them with a Snowball stemmer is taken
 * (English text scores close to Scots, which has none). */
#include "quarry/langid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textcat.h>

#include "quarry/text.h"

#ifndef QY_TEXTCAT_DIR
#define QY_TEXTCAT_DIR "/usr/share/libexttextcat/"
#endif

/* What is read of a text: a few hundred bytes tell the language (the
 * library's own advice); more only slows the n-gram count down. */
#define SAMPLE_BYTES 4096

/* Below this, n-grams are too few to tell languages apart: "Kiosk." reads
 * as Lithuanian. A sentence or two is enough. */
#define MIN_SAMPLE_BYTES 80

struct qy_langid {
    void *textcat;
    /* The text, NUL-terminated: textcat_Classify reads the byte after the
     * SIZE it is given (valgrind). */
    char sample[SAMPLE_BYTES + 1];
};

/* The models of the languages Snowball stems only: comparing a text with
 * all 160 of fpdb.conf takes a millisecond, most of it spent on languages
 * that could not be stemmed anyway. textcat reads its configuration from
 * a file, here the reading end of a pipe the lines kept are written to (a
 * few kilobytes at most, less than a pipe holds). NULL when that fails. */
static void *init_stemmed_languages(void)
{
    FILE *in = fopen(QY_TEXTCAT_DIR "fpdb.conf", "r");
    int fds[2];
    if (!in)
        return NULL;
    if (pipe(fds) != 0) {
        fclose(in);
        return NULL;
    }
    char line[512], conf[16384];
    size_t len = 0;
    while (fgets(line, sizeof line, in)) {
        char model[256], id[256], code[16];
        if (line[0] == '#' || sscanf(line, "%255s %255s", model, id) != 2)
            continue;
        size_t n = strcspn(id, "-");
        if (n >= sizeof code)
            continue;
        memcpy(code, id, n);
        code[n] = '\0';
        const char *name = qy_language_name(code);
        if (!name || strcmp(name, "none") == 0)
            continue;
        int w = snprintf(conf + len, sizeof conf - len, "%s %s\n", model, id);
        if (w < 0 || (size_t)w >= sizeof conf - len)
            break;
        len += (size_t)w;
    }
    fclose(in);
    int written = len > 0 && write(fds[1], conf, len) == (ssize_t)len;
    close(fds[1]);
    void *textcat = NULL;
    if (written) {
        char path[32];
        snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
        textcat = special_textcat_Init(path, QY_TEXTCAT_DIR);
    }
    close(fds[0]);
    return textcat;
}

qy_langid_t *qy_langid_new(void)
{
    qy_langid_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->textcat = init_stemmed_languages();
    if (!l->textcat) /* all of them, then */
        l->textcat =
            special_textcat_Init(QY_TEXTCAT_DIR "fpdb.conf", QY_TEXTCAT_DIR);
    if (!l->textcat) {
        free(l);
        return NULL;
    }
    return l;
}

void qy_langid_free(qy_langid_t *l)
{
    if (!l)
        return;
    textcat_Done(l->textcat);
    free(l);
}

const char *qy_langid_detect(qy_langid_t *l, const char *text, size_t len)
{
    size_t sampled = len;
    if (sampled > SAMPLE_BYTES) {
        sampled = SAMPLE_BYTES;
        /* not inside a UTF-8 sequence */
        while (sampled > 0 && ((unsigned char)text[sampled] & 0xC0) == 0x80)
            sampled--;
    }
    if (sampled < MIN_SAMPLE_BYTES || sampled > SAMPLE_BYTES)
        return NULL;
    memcpy(l->sample, text, sampled);
    l->sample[sampled] = '\0';
    const char *r = textcat_Classify(l->textcat, l->sample, sampled);
    /* "[code-country-encoding]..." or a word: SHORT, UNKNOWN */
    while (r && *r == '[') {
        const char *end = strchr(r, ']');
        if (!end)
            break;
        char code[16];
        size_t n = strcspn(r + 1, "-]");
        if (n < sizeof code) {
            memcpy(code, r + 1, n);
            code[n] = '\0';
            const char *name = qy_language_name(code);
            if (name && strcmp(name, "none") != 0)
                return name;
        }
        r = end + 1;
    }
    return NULL;
}
