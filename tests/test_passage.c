/* Tests of splitting plain-text articles into passages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "scale.h"
#include "quarry/passage.h"

static char *read_corpus(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/corpus/%s", QUARRY_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            char *more = realloc(buf, cap);
            if (!more)
                free(buf);
            assert_non_null(more);
            buf = more;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Every passage's span starts and ends inside its text, and the article is
 * well formed. */
static void check_article(const char *buf, size_t len, const qy_article_t *a)
{
    assert_non_null(a->title);
    for (size_t i = 0; i < a->count; i++) {
        const qy_passage_t *p = &a->passages[i];
        assert_int_equal(p->ordinal, i + 1);
        assert_non_null(p->text);
        assert_int_equal(strlen(p->text), p->text_len);
        assert_true(p->text_len > 0);
        assert_true(p->text[0] != ' ');
        assert_true(p->text[p->text_len - 1] != ' ');
        assert_null(strstr(p->text, "  "));
        assert_true(p->length > 0);
        assert_true(p->offset + p->length <= len);
        assert_false(is_ascii_space(buf[p->offset]));
        assert_false(is_ascii_space(buf[p->offset + p->length - 1]));
        if (i > 0)
            assert_true(p->offset >=
                        a->passages[i - 1].offset + a->passages[i - 1].length);
    }
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- The seed articles --------------------------------------------------- */

static void test_wion(void **state)
{
    (void)state;
    size_t len;
    char *buf =
        read_corpus("north-korea-cyberattacks-fund-missiles-wion.txt", &len);
    qy_article_t a;
    assert_int_equal(qy_split_plain(buf, len, &a), QY_OK);
    check_article(buf, len, &a);

    assert_string_equal(a.title,
                        "North Korea funding nuke, missile programmes through "
                        "cyberattacks\xE2\x80\x99 proceeds, say UN experts");
    assert_int_equal(a.count, 16);

    /* The short lines of the page (banner, byline, dateline, caption) are
     * passages of their own: none is provably not content. */
    static const char *const first_words[] = {
        "ugc_banner",
        "WION Web Team",
        "SeoulUpdated: Feb 06, 2022",
        "main img",
        "Representative image. Photograph:(Reuters)",
        "Story highlights",
        "At least seven attacks were carried out",
        "If you are wondering how North Korea",
        "The country was able to continue",
        "\"According to a member state",
        "DPRK is the acronym",
        "At least seven attacks were carried out",
        "The North also kept developing",
        "\"Although no nuclear tests",
        "North Korea also demonstrated",
        "(With inputs from agencies)",
    };
    for (size_t i = 0; i < 16; i++) {
        const qy_passage_t *p = &a.passages[i];
        if (!starts_with(p->text, first_words[i]))
            fail_msg("passage %zu: %.60s", i + 1, p->text);
        /* The span points at the same words in the file. */
        assert_memory_equal(buf + p->offset, first_words[i],
                            strlen(first_words[i]));
    }
    /* The twelfth passage repeats the seventh one's opening sentences. */
    assert_true(starts_with(a.passages[6].text, a.passages[11].text));
    assert_true(a.passages[11].text_len < a.passages[6].text_len);

    /* A trailing no-break space is whitespace: not in text nor span. */
    const qy_passage_t *p5 = &a.passages[10];
    assert_string_equal(p5->text + p5->text_len - 6, "Korea.");
    assert_memory_equal(buf + p5->offset + p5->length, " \xC2\xA0\n", 4);
    assert_memory_equal(buf + p5->offset + p5->length - 6, "Korea.", 6);

    /* The headline is the title, not a passage. */
    for (size_t i = 0; i < a.count; i++)
        assert_null(strstr(a.passages[i].text, "say UN experts"));
    qy_article_free(&a);
    assert_null(a.title);
    assert_null(a.passages);
    assert_int_equal(a.count, 0);
    free(buf);
}

static void test_latin_times(void **state)
{
    (void)state;
    size_t len;
    char *buf =
        read_corpus("un-report-north-korea-crypto-theft-latin-times.txt", &len);
    qy_article_t a;
    assert_int_equal(qy_split_plain(buf, len, &a), QY_OK);
    check_article(buf, len, &a);

    /* No headline: the first sentence, cut to 120 bytes with "…". */
    assert_string_equal(a.title,
                        "United Nations (UN) alleged in a report that North "
                        "Korea's missile program is funded via stealing "
                        "millions of dollars\xE2\x80\xA6");
    assert_true(strlen(a.title) <= 120);
    assert_int_equal(a.count, 9);

    /* One paragraph a line: the first is the whole first line. */
    assert_int_equal(a.passages[0].offset, 0);
    assert_int_equal(a.passages[0].length, 142);
    assert_int_equal(buf[142], '\n');
    assert_true(starts_with(a.passages[0].text, "United Nations (UN) alleged"));
    assert_true(starts_with(a.passages[1].text, "Reuters reported that"));
    assert_int_equal(a.passages[1].offset, 143);
    assert_true(starts_with(a.passages[8].text,
                            "On Friday, Russia and China didn\xE2\x80\x99t"));
    assert_memory_equal(buf + a.passages[8].offset, "On Friday, Russia", 17);

    /* The copyright line is dropped. */
    for (size_t i = 0; i < a.count; i++)
        assert_null(strstr(a.passages[i].text, "All rights reserved"));
    const qy_passage_t *last = &a.passages[8];
    assert_memory_equal(buf + last->offset + last->length, "\n\xC2\xA9", 3);
    qy_article_free(&a);
    free(buf);
}

/* ---- Small cases --------------------------------------------------------- */

#define MAX_PASSAGES 6

typedef struct split_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
    const char *title;
    const char *texts[MAX_PASSAGES + 1]; /* NULL-terminated */
    size_t offsets[MAX_PASSAGES];
} split_case_t;

#define WRAPPED                                                                \
    "This paragraph was wrapped by an editor at a narrow" NL                   \
    "width of about fifty bytes, so its sentence spans" NL "three lines."

static const split_case_t split_cases[] = {
    {"CJK prose, no spaces between words, short paragraphs kept",
     /* 東京の天気は今日とても良いです。明日は雨が降るでしょう。 /
        北朝鮮のハッカーが暗号通貨を盗んだ。 / 写真 */
     "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE5\xA4\xA9\xE6\xB0\x97\xE3\x81\xAF"
     "\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xA8\xE3\x81\xA6\xE3\x82\x82\xE8\x89\xAF"
     "\xE3\x81\x84\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82\xE6\x98\x8E\xE6\x97\xA5"
     "\xE3\x81\xAF\xE9\x9B\xA8\xE3\x81\x8C\xE9\x99\x8D\xE3\x82\x8B\xE3\x81\xA7"
     "\xE3\x81\x97\xE3\x82\x87\xE3\x81\x86\xE3\x80\x82\n\n\xE5\x8C\x97\xE6\x9C"
     "\x9D\xE9\xAE\xAE\xE3\x81\xAE\xE3\x83\x8F\xE3\x83\x83\xE3\x82\xAB\xE3\x83"
     "\xBC\xE3\x81\x8C\xE6\x9A\x97\xE5\x8F\xB7\xE9\x80\x9A\xE8\xB2\xA8\xE3\x82"
     "\x92\xE7\x9B\x97\xE3\x82\x93\xE3\x81\xA0\xE3\x80\x82\n\n\xE5\x86\x99\xE7"
     "\x9C\x9F\n",
     0,
     /* the first sentence, ended by 。 */
     "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE5\xA4\xA9\xE6\xB0\x97\xE3\x81\xAF"
     "\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xA8\xE3\x81\xA6\xE3\x82\x82\xE8\x89\xAF"
     "\xE3\x81\x84\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82",
     {"\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE5\xA4\xA9\xE6\xB0\x97\xE3\x81\xAF"
      "\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xA8\xE3\x81\xA6\xE3\x82\x82\xE8\x89\xAF"
      "\xE3\x81\x84\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82\xE6\x98\x8E\xE6\x97\xA5"
      "\xE3\x81\xAF\xE9\x9B\xA8\xE3\x81\x8C\xE9\x99\x8D\xE3\x82\x8B\xE3\x81\xA7"
      "\xE3\x81\x97\xE3\x82\x87\xE3\x81\x86\xE3\x80\x82",
      "\xE5\x8C\x97\xE6\x9C\x9D\xE9\xAE\xAE\xE3\x81\xAE\xE3\x83\x8F\xE3\x83\x83"
      "\xE3\x82\xAB\xE3\x83\xBC\xE3\x81\x8C\xE6\x9A\x97\xE5\x8F\xB7\xE9\x80\x9A"
      "\xE8\xB2\xA8\xE3\x82\x92\xE7\x9B\x97\xE3\x82\x93\xE3\x81\xA0\xE3\x80"
      "\x82",
      /* two letters, two words: short, kept */
      "\xE5\x86\x99\xE7\x9C\x9F"},
     {0, 86, 142}},
    {"a CJK headline",
     /* 北朝鮮のハッカー / 暗号通貨を盗んだと国連の報告書は述べている。 */
     "\xE5\x8C\x97\xE6\x9C\x9D\xE9\xAE\xAE\xE3\x81\xAE\xE3\x83\x8F\xE3\x83\x83"
     "\xE3\x82\xAB\xE3\x83\xBC\n\n\xE6\x9A\x97\xE5\x8F\xB7\xE9\x80\x9A\xE8\xB2"
     "\xA8\xE3\x82\x92\xE7\x9B\x97\xE3\x82\x93\xE3\x81\xA0\xE3\x81\xA8\xE5\x9B"
     "\xBD\xE9\x80\xA3\xE3\x81\xAE\xE5\xA0\xB1\xE5\x91\x8A\xE6\x9B\xB8\xE3\x81"
     "\xAF\xE8\xBF\xB0\xE3\x81\xB9\xE3\x81\xA6\xE3\x81\x84\xE3\x82\x8B\xE3\x80"
     "\x82\n",
     0,
     "\xE5\x8C\x97\xE6\x9C\x9D\xE9\xAE\xAE\xE3\x81\xAE\xE3\x83\x8F\xE3\x83\x83"
     "\xE3\x82\xAB\xE3\x83\xBC",
     {"\xE6\x9A\x97\xE5\x8F\xB7\xE9\x80\x9A\xE8\xB2\xA8\xE3\x82\x92\xE7\x9B\x97"
      "\xE3\x82\x93\xE3\x81\xA0\xE3\x81\xA8\xE5\x9B\xBD\xE9\x80\xA3\xE3\x81\xAE"
      "\xE5\xA0\xB1\xE5\x91\x8A\xE6\x9B\xB8\xE3\x81\xAF\xE8\xBF\xB0\xE3\x81\xB9"
      "\xE3\x81\xA6\xE3\x81\x84\xE3\x82\x8B\xE3\x80\x82"},
     {26}},
    {"wrapped paragraphs and a headline",
#define NL "\n"
     "A Headline About Something\n\n" WRAPPED "\n\nA second paragraph that "
     "has enough words.\n",
#undef NL
     0,
     "A Headline About Something",
     {"This paragraph was wrapped by an editor at a narrow width of about "
      "fifty bytes, so its sentence spans three lines.",
      "A second paragraph that has enough words."},
     {28, 144}},
    {"CRLF line endings",
#define NL "\r\n"
     "A Headline About Something\r\n\r\n" WRAPPED "\r\n\r\nA second "
     "paragraph that has enough words.\r\n",
#undef NL
     0,
     "A Headline About Something",
     {"This paragraph was wrapped by an editor at a narrow width of about "
      "fifty bytes, so its sentence spans three lines.",
      "A second paragraph that has enough words."},
     {30, 150}},
    {"lone CR line endings",
     "A Headline About Something\r\rA first paragraph with enough words.\r"
     "\rA second paragraph that has enough words.",
     0,
     "A Headline About Something",
     {"A first paragraph with enough words.",
      "A second paragraph that has enough words."},
     {28, 66}},
    {"one paragraph a line when a line is long",
     "This first line is a rather long line of prose that goes on well past "
     "one hundred bytes in its total length.\nA second line holding its own "
     "short "
     "paragraph.\nA third, also on its own line.\n",
     0,
     "This first line is a rather long line of prose that goes on well past "
     "one hundred bytes in its total length.",
     {"This first line is a rather long line of prose that goes on well past "
      "one hundred bytes in its total length.",
      "A second line holding its own short paragraph.",
      "A third, also on its own line."},
     {0, 109, 156}},
    {"short uneven lines are a list, not a wrapped paragraph: each kept",
     "A Headline Above a Byline\n\nWeb Team\nSeoulUpdated: Feb 06, 2022, 03:39 "
     "PM IST\nmain img\n"
     "Representative image. Photograph:(Reuters)\n\n"
     "The only paragraph here with five words or more.",
     0,
     "A Headline Above a Byline",
     {"Web Team", "SeoulUpdated: Feb 06, 2022, 03:39 PM IST", "main img",
      "Representative image. Photograph:(Reuters)",
      "The only paragraph here with five words or more."},
     {27, 36, 77, 86, 130}},
    {"no-break spaces make a blank line",
     "The first paragraph has enough words.\n\xC2\xA0 \xC2\xA0\n"
     "The second paragraph has enough words too.",
     0,
     "The first paragraph has enough words.",
     {"The first paragraph has enough words.",
      "The second paragraph has enough words too."},
     {0, 44}},
    {"Unicode whitespace inside a paragraph",
     "\tTabs\tand   spaces\xE2\x80\x83"
     "and\xC2\xA0no-break\xE3\x80\x80"
     "spaces in it.\xC2\xA0\n",
     0,
     "Tabs and spaces and no-break spaces in it.",
     {"Tabs and spaces and no-break spaces in it."},
     {1}},
    {"no trailing newline",
     "First line.\nLast line without a newline, at "
     "the end.",
     0,
     NULL,
     {"First line.", "Last line without a newline, at the end."},
     {0, 12}},
    {"empty input", "", 0, "", {NULL}, {0}},
    {"only whitespace",
     " \n\t\r\n\xC2\xA0\xE3\x80\x80\n\n  ",
     0,
     "",
     {NULL},
     {0}},
    {"byte order mark",
     "\xEF\xBB\xBFSome words after a byte order mark.",
     0,
     "Some words after a byte order mark.",
     {"Some words after a byte order mark."},
     {3}},
    {"a leading copyright line is not a headline",
     "\xC2\xA9 2022 Some Media Group\n\nA Real Headline Comes Here\n\n"
     "Body text of the article comes here.",
     0,
     "A Real Headline Comes Here",
     {"Body text of the article comes here."},
     {54}},
    {"copyright notices are dropped",
     "A paragraph of prose that is kept here.\n\n"
     "\xC2\xA9 2024 Latin Times. All rights reserved. Do not reproduce.\n\n"
     "Copyright 2022 The Daily Example Newspaper Company Ltd\n\n"
     "(C) 2022 The Daily Example Newspaper Company Ltd\n\n"
     "Some Outlet Media Group, all rights reserved, 2022\n",
     0,
     "A paragraph of prose that is kept here.",
     {"A paragraph of prose that is kept here."},
     {0}},
    {"a long paragraph that mentions rights is prose",
     "All rights reserved is how this paragraph starts, but it goes on and "
     "on about other things, such as the weather, the sea, the hills and the "
     "long roads between them, and the people who walk those roads in the "
     "evening, and the dogs that follow them, until it is far longer than "
     "any copyright notice is.",
     0,
     "All rights reserved is how this paragraph starts, but it goes on and on "
     "about other things, such as the weather, the\xE2\x80\xA6",
     {"All rights reserved is how this paragraph starts, but it goes "
      "on and on about other things, such as the weather, the sea, "
      "the hills and the long roads between them, and the people "
      "who walk those roads in the evening, and the dogs that follow "
      "them, until it is far longer than any copyright notice is."},
     {0}},
    {"invalid UTF-8 is replaced",
     "Bad \xFF byte, a cut \xE2\x80 sequence, \xED\xA0\x80 a surrogate, "
     "\xC3 and more.\n\nA paragraph cut short at the end \xF0\x9F\x98",
     0,
     NULL,
     {"Bad \xEF\xBF\xBD byte, a cut \xEF\xBF\xBD sequence, \xEF\xBF\xBD"
      "\xEF\xBF\xBD\xEF\xBF\xBD a surrogate, \xEF\xBF\xBD and more.",
      "A paragraph cut short at the end \xEF\xBF\xBD"},
     {0, 61}},
    {"embedded NUL",
     "Text with a\0NUL byte inside of it.",
     34,
     NULL,
     {"Text with a\xEF\xBF\xBDNUL byte inside of it."},
     {0}},
    {"headline after a short banner, which is kept",
     "ugc_banner\n\nA Headline Without a Period\n\nBody text of the article "
     "comes here.",
     0,
     "A Headline Without a Period",
     {"ugc_banner", "Body text of the article comes here."},
     {0, 41}},
    {"a question is not a headline",
     "Is this a headline or a question?\n\nBody text of the article here.",
     0,
     "Is this a headline or a question?",
     {"Is this a headline or a question?", "Body text of the article here."},
     {0, 35}},
    {"a quoted sentence is not a headline",
     "\"We will not stop,\" he said.\n\nBody text of the article here.",
     0,
     "\"We will not stop,\" he said.",
     {"\"We will not stop,\" he said.", "Body text of the article here."},
     {0, 30}},
    {"a two-line paragraph is not a headline",
     "A Headline Split Over Two Lines That Are\nBoth Long Enough To Be Filled\n"
     "\nBody text of the article here.",
     0,
     "A Headline Split Over Two Lines That Are Both Long Enough To Be "
     "Filled",
     {"A Headline Split Over Two Lines That Are Both Long Enough To Be "
      "Filled",
      "Body text of the article here."},
     {0, 72}},
    {"title is the first sentence",
     "U.S. officials said the attacks grew. Then more words came after it.",
     0,
     "U.S. officials said the attacks grew.",
     {"U.S. officials said the attacks grew. Then more words came after it."},
     {0}},
    {"title after a closing quote",
     "He said \"the attacks grew.\" Then more words came after it.",
     0,
     "He said \"the attacks grew.\"",
     {"He said \"the attacks grew.\" Then more words came after it."},
     {0}},
};

static void test_split_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof split_cases / sizeof *split_cases; i++) {
        const split_case_t *sc = &split_cases[i];
        size_t len = sc->len ? sc->len : strlen(sc->input);
        qy_article_t a;
        assert_int_equal(qy_split_plain(sc->input, len, &a), QY_OK);
        check_article(sc->input, len, &a);

        size_t want = 0;
        while (want < MAX_PASSAGES && sc->texts[want])
            want++;
        if (a.count != want)
            fail_msg("%s: %zu passages, expected %zu", sc->name, a.count, want);
        for (size_t k = 0; k < want; k++) {
            if (strcmp(a.passages[k].text, sc->texts[k]) != 0)
                fail_msg("%s: passage %zu is \"%s\"", sc->name, k + 1,
                         a.passages[k].text);
            if (a.passages[k].offset != sc->offsets[k])
                fail_msg("%s: passage %zu at %zu, expected %zu", sc->name,
                         k + 1, a.passages[k].offset, sc->offsets[k]);
        }
        /* No title given: the first passage's, or none without passages. */
        const char *title = sc->title ? sc->title : want ? sc->texts[0] : "";
        if (strcmp(a.title, title) != 0)
            fail_msg("%s: title \"%s\"", sc->name, a.title);
        qy_article_free(&a);
    }
}

static void test_span_covers_paragraph(void **state)
{
    (void)state;
    /* A wrapped paragraph's span runs from its first word to its last,
     * across the line breaks, without the whitespace around it. */
    const char *in = "  \n \t This wrapped paragraph has lines filled to a "
                     "width,\r\n  and then a last line.\xC2\xA0\t\r\n\n";
    qy_article_t a;
    assert_int_equal(qy_split_plain(in, strlen(in), &a), QY_OK);
    assert_int_equal(a.count, 1);
    size_t start = (size_t)(strstr(in, "This") - in);
    size_t end = (size_t)(strstr(in, "line.") - in) + 5;
    assert_int_equal(a.passages[0].offset, start);
    assert_int_equal(a.passages[0].length, end - start);
    assert_string_equal(a.passages[0].text,
                        "This wrapped paragraph has lines filled to a width, "
                        "and then a last line.");
    qy_article_free(&a);
}

static void test_long_title_without_spaces(void **state)
{
    (void)state;
    /* A 200-byte first "sentence" of one word (of two-byte letters) is cut
     * at a character boundary. */
    char in[512];
    size_t n = 0;
    for (int k = 0; k < 100; k++, n += 2)
        memcpy(in + n, "\xC3\xA9", 2);
    memcpy(in + n, " and more words after it", 24);
    n += 24;
    qy_article_t a;
    assert_int_equal(qy_split_plain(in, n, &a), QY_OK);
    assert_int_equal(a.count, 1);
    size_t t = strlen(a.title);
    assert_true(t <= 120);
    assert_int_equal(t, 116 + 3);
    assert_memory_equal(a.title + t - 3, "\xE2\x80\xA6", 3);
    qy_article_free(&a);
}

static void test_heading_colon(void **state)
{
    (void)state;
    /* The colon ending a heading goes, with the space before it; a line of
     * colons heads nothing. */
    const char in[] = "The Title Of It\n\nSecurity Considerations :\n\n"
                      "   The first paragraph under the heading is here.\n\n"
                      ":\n\n   Another paragraph after a colon line.\n";
    qy_article_t a;
    assert_int_equal(qy_split_plain(in, sizeof in - 1, &a), QY_OK);
    assert_string_equal(a.title, "The Title Of It");
    assert_int_equal(a.count, 2);
    for (size_t i = 0; i < a.count; i++)
        assert_string_equal(a.passages[i].title, "Security Considerations");
    qy_article_free(&a);
}

/* Checks that A's passages are the one paragraph BUF[0, N) cut into
 * pieces within the bound, in order, whose text joined (with a space where
 * the cut dropped whitespace) is the paragraph's; returns how many end a
 * sentence. */
static size_t check_pieces(const char *buf, size_t n, const qy_article_t *a)
{
    size_t clean_len;
    char *whole = qy_passage_clean(buf, n, &clean_len);
    assert_non_null(whole);
    char *joined = malloc(clean_len + 1);
    assert_non_null(joined);
    size_t o = 0, sentences = 0;
    assert_true(a->count > 1);
    for (size_t i = 0; i < a->count; i++) {
        const qy_passage_t *p = &a->passages[i];
        assert_true(p->text_len > 0);
        assert_true(p->text_len <= QY_PASSAGE_MAX_BYTES);
        assert_int_equal(p->text_len, strlen(p->text));
        assert_int_equal(p->ordinal, i + 1);
        assert_true(p->offset + p->length <= n);
        if (i > 0) {
            const qy_passage_t *q = &a->passages[i - 1];
            assert_true(q->offset + q->length <= p->offset);
            if (q->offset + q->length < p->offset)
                joined[o++] = ' ';
            sentences += strchr(".!?", q->text[q->text_len - 1]) != NULL;
        }
        assert_true(o + p->text_len <= clean_len);
        memcpy(joined + o, p->text, p->text_len);
        o += p->text_len;
    }
    assert_int_equal(o, clean_len);
    assert_memory_equal(joined, whole, clean_len);
    free(joined);
    free(whole);
    return sentences;
}

static void test_long_paragraph(void **state)
{
    (void)state;
    /* A real text made one paragraph: its lines joined, repeated. */
    size_t len;
    char *text =
        read_corpus("un-report-north-korea-crypto-theft-latin-times.txt", &len);
    assert_true(len > 0);
    size_t n = 0, copies = 4 * QY_PASSAGE_MAX_BYTES / len + 2;
    char *buf = malloc(copies * (len + 1));
    assert_non_null(buf);
    for (size_t c = 0; c < copies; c++) {
        for (size_t i = 0; i < len; i++)
            buf[n++] = text[i] == '\n' || text[i] == '\r' ? ' ' : text[i];
        buf[n++] = ' ';
    }
    free(text);
    qy_article_t a;
    assert_int_equal(qy_split_plain(buf, n, &a), QY_OK);
    size_t sentences = check_pieces(buf, n, &a);
    assert_int_equal(sentences, a.count - 1); /* cut after sentences */
    qy_article_free(&a);

    /* No space at all: cut between code points, never inside one. */
    n = 3 * QY_PASSAGE_MAX_BYTES + 7;
    char *bigger = realloc(buf, n);
    assert_non_null(bigger);
    buf = bigger;
    for (size_t i = 0; i + 2 <= n; i += 2)
        memcpy(buf + i, "\xC3\xA9", 2);
    buf[n - 1] = 'x';
    assert_int_equal(qy_split_plain(buf, n, &a), QY_OK);
    check_pieces(buf, n, &a);
    for (size_t i = 0; i < a.count; i++)
        assert_true((unsigned char)a.passages[i].text[0] != 0xA9);
    qy_article_free(&a);

    /* Invalid bytes grow into U+FFFD: the bound still holds. */
    for (size_t i = 0; i + 2 <= n; i += 2)
        memcpy(buf + i, "a\xFF", 2);
    assert_int_equal(qy_split_plain(buf, n, &a), QY_OK);
    assert_true(a.count > 1);
    for (size_t i = 0; i < a.count; i++)
        assert_true(a.passages[i].text_len <= QY_PASSAGE_MAX_BYTES);
    qy_article_free(&a);

    /* A paragraph at the bound is one passage. */
    memset(buf, 'a', QY_PASSAGE_MAX_BYTES);
    assert_int_equal(qy_split_plain(buf, QY_PASSAGE_MAX_BYTES, &a), QY_OK);
    assert_int_equal(a.count, 1);
    assert_int_equal(a.passages[0].text_len, QY_PASSAGE_MAX_BYTES);
    qy_article_free(&a);
    free(buf);
}

static void test_huge_inputs(void **state)
{
    (void)state;
    /* A 50 MB single line is split into passages within the bound, in
     * linear time. */
    size_t n = test_scale(50u << 20);
    char *buf = malloc(n);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i += 5)
        memcpy(buf + i, "word ", 5);
    buf[n - 1] = 'x';
    qy_article_t a;
    assert_int_equal(qy_split_plain(buf, n, &a), QY_OK);
    assert_true(a.count >= n / QY_PASSAGE_MAX_BYTES);
    check_pieces(buf, n, &a);
    assert_int_equal(a.passages[0].offset, 0);
    assert_true(strlen(a.title) <= 120);
    qy_article_free(&a);

    /* Millions of short lines without a word: nothing kept. */
    for (size_t i = 0; i + 1 < n; i += 2)
        memcpy(buf + i, "-\n", 2);
    assert_int_equal(qy_split_plain(buf, n, &a), QY_OK);
    assert_int_equal(a.count, 0);
    assert_string_equal(a.title, "");
    qy_article_free(&a);

    /* Millions of short prose paragraphs. */
    size_t per = 32, count = test_scale(8u << 20) / per;
    for (size_t i = 0; i < count; i++)
        memcpy(buf + i * per, "One two three four five sixes.\n\n", per);
    assert_int_equal(qy_split_plain(buf, count * per, &a), QY_OK);
    assert_int_equal(a.count, count);
    assert_int_equal(a.passages[count - 1].offset, (count - 1) * per);
    assert_int_equal(a.passages[count - 1].ordinal, count);
    qy_article_free(&a);
    free(buf);
}

static void test_free_is_safe(void **state)
{
    (void)state;
    qy_article_t a;
    memset(&a, 0, sizeof a);
    qy_article_free(&a);
    qy_article_free(NULL);
    assert_int_equal(qy_split_plain(NULL, 0, &a), QY_OK);
    assert_int_equal(a.count, 0);
    assert_string_equal(a.title, "");
    qy_article_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wion),
        cmocka_unit_test(test_latin_times),
        cmocka_unit_test(test_split_table),
        cmocka_unit_test(test_span_covers_paragraph),
        cmocka_unit_test(test_long_title_without_spaces),
        cmocka_unit_test(test_heading_colon),
        cmocka_unit_test(test_long_paragraph),
        cmocka_unit_test(test_huge_inputs),
        cmocka_unit_test(test_free_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
