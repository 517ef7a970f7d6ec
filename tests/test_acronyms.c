/* Acronym definitions found in text: the seed articles' and a table of
 * near misses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/acronyms.h"

typedef struct found {
    char text[512];
} found_t;

static int note(void *ctx, const char *acr, size_t len, size_t ls, size_t le)
{
    found_t *f = ctx;
    (void)ls;
    (void)le;
    size_t n = strlen(f->text);
    snprintf(f->text + n, sizeof f->text - n, "%s%.*s", n ? ";" : "", (int)len,
             acr);
    return 0;
}

typedef struct span {
    const char *text;
    char out[512];
} span_t;

static int note_span(void *ctx, const char *acr, size_t len, size_t ls,
                     size_t le)
{
    span_t *s = ctx;
    size_t n = strlen(s->out);
    snprintf(s->out + n, sizeof s->out - n, "%s%.*s=%.*s", n ? ";" : "",
             (int)len, acr, (int)(le - ls), s->text + ls);
    return 0;
}

static void test_table(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } rows[] = {
        {"United Nations (UN) alleged in a report", "UN=United Nations"},
        {"formally known as Democratic People's Republic of Korea (DPRK).",
         "DPRK=Democratic People's Republic of Korea"},
        {"the Federal Bureau of Investigation (FBI) said",
         "FBI=Federal Bureau of Investigation"},
        {"launches of ICBMs (intercontinental ballistic missiles) were", ""},
        {"the WHO (World Health Organization) said",
         "WHO=World Health Organization"},
        {"Research and Development (R&D)", ""}, /* not all capitals */
        {"profits (UN) rose", ""},              /* initials do not spell */
        {"united nations (UN)", ""},            /* not a name */
        {"in the year (2021)", ""},
        {"A (B)", ""}, /* one letter */
        {"(", ""},
        {"()", ""},
        {"Local Area Networks (LANs) grew", "LAN=Local Area Networks"},
        {"North Atlantic Treaty Organization (NATO) and United Nations (UN)",
         "NATO=North Atlantic Treaty Organization;UN=United Nations"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        span_t s = {.text = rows[i].text};
        qy_find_acronyms(rows[i].text, strlen(rows[i].text), note_span, &s);
        if (strcmp(s.out, rows[i].expect) != 0)
            fail_msg("'%s': got '%s', expected '%s'", rows[i].text, s.out,
                     rows[i].expect);
    }
}

static void test_seed_articles(void **state)
{
    (void)state;
    FILE *f =
        fopen(QUARRY_SOURCE_DIR
              "/corpus/un-report-north-korea-crypto-theft-latin-times.txt",
              "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    found_t found = {{0}};
    assert_int_equal(qy_find_acronyms(buf, n, note, &found), 2);
    assert_string_equal(found.text, "UN;DPRK");
}

static void test_hostile_input(void **state)
{
    (void)state;
    static char buf[100000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = "( )ABab&'-"[i % 10];
    found_t found = {{0}};
    qy_find_acronyms(buf, sizeof buf, note, &found);
    memset(buf, '(', sizeof buf);
    qy_find_acronyms(buf, sizeof buf, note, &found);
    memset(buf, '(', sizeof buf - 1); /* each '(' sees the one ')' */
    buf[sizeof buf - 1] = ')';
    qy_find_acronyms(buf, sizeof buf, note, &found);
    assert_string_equal(found.text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_seed_articles),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
