/* What every fuzz target shares: a check that stops the run with a message
 * when a documented property fails, analyzers chosen by an input byte, and
 * a UTF-8 validity test. A target defines LLVMFuzzerTestOneInput and, when
 * it needs set-up, LLVMFuzzerInitialize. */
#ifndef QUARRY_TESTS_FUZZ_H
#define QUARRY_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "quarry/text.h"
#include "quarry/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed property is a crash for libFuzzer: it saves the input. */
#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* Whether S[0..LEN) is entirely valid UTF-8. */
static inline int fuzz_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = qy_utf8_valid_prefix(p + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* The analyzer of the language that BYTE selects among qy_languages().
 * Analyzers are made once per language and kept for the whole run. */
static inline qy_analyzer_t *fuzz_analyzer(uint8_t byte)
{
    static qy_analyzer_t *cache[64];
    const char *const *langs = qy_languages();
    size_t n = 0;
    while (n < sizeof cache / sizeof *cache && langs[n])
        n++;
    if (n == 0)
        abort(); /* "none" at least is always there */
    size_t i = byte % n;
    if (!cache[i] && qy_analyzer_new(langs[i], &cache[i]) != QY_OK) {
        fprintf(stderr, "cannot create the analyzer for %s\n", langs[i]);
        abort();
    }
    return cache[i];
}

/* The English analyzer: what an index made with the defaults uses. */
static inline qy_analyzer_t *fuzz_english(void)
{
    static qy_analyzer_t *a;
    if (!a && qy_analyzer_new("english", &a) != QY_OK)
        abort();
    return a;
}

#endif
