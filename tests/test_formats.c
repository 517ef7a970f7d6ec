/* Tests of the input formats: Markdown, HTML and JSON Lines documents split
 * into passages, format names and detection, hostile input, and storing
 * JSON Lines documents in an index. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scale.h"
#include "quarry/formats.h"
#include "quarry/ingest.h"
#include "quarry/record.h"
#include "quarry/schema.h"
#include "quarry/text.h"
#include "quarry/utf8.h"
#include "quarry/xdb.h"

#define MAX_PASSAGES 16

/* ---- Checks every article must pass -------------------------------------- */

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = qy_utf8_valid_prefix((const unsigned char *)s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

static void check_clean(const char *what, const char *s)
{
    size_t n = strlen(s);
    if (!valid_utf8(s, n))
        fail_msg("%s is not valid UTF-8", what);
    if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
        fail_msg("%s has a space at an end: \"%s\"", what, s);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' || s[i] == '\t' || s[i] == '\r' ||
            (s[i] == ' ' && s[i + 1] == ' '))
            fail_msg("%s holds uncollapsed whitespace: \"%s\"", what, s);
}

/* Well formed: ordinals count up, texts and titles are clean UTF-8, spans
 * lie inside the source and follow each other. */
static void check_article(const char *name, size_t len, const qy_article_t *a)
{
    assert_non_null(a->title);
    check_clean("title", a->title);
    for (size_t i = 0; i < a->count; i++) {
        const qy_passage_t *p = &a->passages[i];
        if (p->ordinal != i + 1)
            fail_msg("%s: passage %zu has ordinal %u", name, i + 1, p->ordinal);
        assert_non_null(p->text);
        assert_int_equal(strlen(p->text), p->text_len);
        assert_true(p->text_len > 0);
        check_clean("passage text", p->text);
        if (p->title)
            check_clean("passage title", p->title);
        if (p->offset > len || p->length > len - p->offset)
            fail_msg("%s: passage %zu spans [%zu, +%zu) of %zu bytes", name,
                     i + 1, p->offset, p->length, len);
    }
}

/* ---- Markdown and HTML: exact passages ----------------------------------- */

typedef struct split_case {
    const char *name;
    qy_format_t format;
    const char *input;
    const char *title;                 /* the article's */
    const char *texts[MAX_PASSAGES];   /* NULL-terminated */
    const char *titles[MAX_PASSAGES];  /* each passage's own; NULL: none */
    const char *sources[MAX_PASSAGES]; /* what its span starts with, or NULL */
} split_case_t;

static const split_case_t split_cases[] = {
    /* Markdown */
    {"md: headings title the passages below them",
     QY_FORMAT_MARKDOWN,
     "Intro paragraph before any heading has enough words to count.\n"
     "\n"
     "# Main Title Of The Notes\n"
     "\n"
     "Text under the main title has five words or more.\n"
     "\n"
     "## Second Section Here\n"
     "\n"
     "Text under the second section also has many words.\n"
     "\n"
     "### Deeper Part\n"
     "\n"
     "Text of the deeper part with at least five words.\n",
     "Main Title Of The Notes",
     {"Intro paragraph before any heading has enough words to count.",
      "Text under the main title has five words or more.",
      "Text under the second section also has many words.",
      "Text of the deeper part with at least five words."},
     {NULL, NULL, "Second Section Here", "Deeper Part"},
     {"Intro paragraph", "Text under the main", "Text under the second",
      "Text of the deeper"}},
    {"md: the highest heading is the title, wherever it comes",
     QY_FORMAT_MARKDOWN,
     "## Alpha Section\n\nThe alpha section holds a few words.\n\n"
     "# Real Title\n\nThe text below the real title is here.\n\n"
     "Setext Heading\n--------------\n\nUnder a setext heading live five "
     "words.\n",
     "Real Title",
     {"The alpha section holds a few words.",
      "The text below the real title is here.",
      "Under a setext heading live five words."},
     {"Alpha Section", NULL, "Setext Heading"},
     {NULL}},
    {"md: front matter gives the title and is not text",
     QY_FORMAT_MARKDOWN,
     "---\ntitle: \"Front Matter Title\"\ntags: [one, two, three, four, "
     "five]\n---\n# Heading Title\n\nBody text of the note with enough "
     "words.\n",
     "Front Matter Title",
     {"Body text of the note with enough words."},
     {"Heading Title"},
     {"Body text"}},
    {"md: markup removed, link text kept, URLs dropped",
     QY_FORMAT_MARKDOWN,
     "Some *emphasis*, **strong**, `inline code`, ~~struck~~ and "
     "[a link](http://example.com/page \"its title\") in one sentence.\n",
     "Some emphasis, strong, inline code, struck and a link in one sentence.",
     {"Some emphasis, strong, inline code, struck and a link in one "
      "sentence."},
     {NULL},
     {"Some *emphasis*"}},
    {"md: autolinks are URLs and are dropped",
     QY_FORMAT_MARKDOWN,
     "Visit <https://example.com/x> or write to <me@example.com> for the "
     "details today, or [the site](https://example.com/x).\n",
     NULL,
     {"Visit or write to for the details today, or the site."},
     {NULL},
     {NULL}},
    {"md: HTML blocks dropped, inline tags dropped with their text kept",
     QY_FORMAT_MARKDOWN,
     "Before the block there is a paragraph of text.\n\n"
     "<div class=\"note\">\nHidden raw HTML block text with many words.\n"
     "</div>\n\n"
     "<!-- a comment that has quite a few words in it -->\n\n"
     "Text with <kbd>inline</kbd> tags keeps its inner words.\n",
     NULL,
     {"Before the block there is a paragraph of text.",
      "Text with inline tags keeps its inner words."},
     {NULL, NULL},
     {"Before", "Text with"}},
    {"md: code is text, kept only where prose",
     QY_FORMAT_MARKDOWN,
     "A paragraph before the code block has some words.\n\n"
     "```c\nint x = 0;\n/* this comment line reads like a sentence of "
     "prose */\n```\n\n"
     "    indented code block line that has many words in it\n",
     NULL,
     {"A paragraph before the code block has some words.",
      "/* this comment line reads like a sentence of prose */",
      "indented code block line that has many words in it"},
     {NULL, NULL, NULL},
     {"A paragraph", "/* this comment", "indented code"}},
    {"md: character references decoded",
     QY_FORMAT_MARKDOWN,
     "Caf&eacute; &amp; cr&egrave;me br&ucirc;l&eacute;e &#x263A; &#65;&#0; "
     "&bogus; here.\n",
     NULL,
     {"Caf\xC3\xA9 & cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
      "e \xE2\x98\xBA "
      "A\xEF\xBF\xBD &bogus; here."},
     {NULL},
     {"Caf&eacute;"}},
    {"md: images dropped with their alt text",
     QY_FORMAT_MARKDOWN,
     "![a picture of the sea shore at dawn](sea.png) The sea was calm and "
     "blue all day long.\n",
     NULL,
     {"The sea was calm and blue all day long."},
     {NULL},
     {"The sea"}},
    {"md: list items, quotes and table cells are blocks, short ones too",
     QY_FORMAT_MARKDOWN,
     "- First item has enough words in it\n- Short\n"
     "- Third item also has enough words\n\n"
     "1. Numbered item with five or more words\n\n"
     "> Quoted text that has a fair number of words.\n>\n"
     "> Second quoted paragraph with more words here.\n\n"
     "| Name | Description |\n|---|---|\n"
     "| alpha | The first letter of the Greek alphabet |\n",
     NULL,
     {"First item has enough words in it", "Short",
      "Third item also has enough words",
      "Numbered item with five or more words",
      "Quoted text that has a fair number of words.",
      "Second quoted paragraph with more words here.", "Name", "Description",
      "alpha", "The first letter of the Greek alphabet"},
     {NULL},
     {"First item", "Short", "Third item", "Numbered", "Quoted",
      "Second quoted", "Name", "Description", "alpha", "The first letter"}},
    {"md: lines of a paragraph are joined as in plain text",
     QY_FORMAT_MARKDOWN,
     "This paragraph is hard-wrapped at about seventy columns so that\n"
     "its lines are joined back into one passage.\n\n"
     "The first of two long lines, well over a hundred bytes long, so that "
     "each of them is a passage on its own.\n"
     "The second of the two long lines, also more than a hundred bytes long, "
     "and a passage by itself.\n",
     NULL,
     {"This paragraph is hard-wrapped at about seventy columns so that its "
      "lines are joined back into one passage.",
      "The first of two long lines, well over a hundred bytes long, so that "
      "each of them is a passage on its own.",
      "The second of the two long lines, also more than a hundred bytes long, "
      "and a passage by itself."},
     {NULL},
     {"This paragraph", "The first of two", "The second of the two"}},
    {"md: a heading too long for a title is text",
     QY_FORMAT_MARKDOWN,
     "This paragraph was underlined by accident, and it goes on and on for "
     "far longer than any title would, well past two hundred bytes, because "
     "it is really a paragraph of the text and not a heading at all, as "
     "anyone can see.\n---\n\nA second paragraph follows the first one.\n",
     "This paragraph was underlined by accident, and it goes on and on for "
     "far longer than any title would, well past two\xE2\x80\xA6",
     {"This paragraph was underlined by accident, and it goes on and on for "
      "far longer than any title would, well past two hundred bytes, because "
      "it is really a paragraph of the text and not a heading at all, as "
      "anyone can see.",
      "A second paragraph follows the first one."},
     {NULL},
     {"This paragraph", "A second"}},

    /* HTML */
    {"html: <title> is the title, headings title passages, references "
     "decoded",
     QY_FORMAT_HTML,
     "<!DOCTYPE html><html><head><title>Caf&eacute; &amp; Bar</title></head>"
     "<body><h1>Heading One Here</h1>"
     "<p>Paragraph under heading one has words &lt;em&gt; &#233;t&#xE9;.</p>"
     "<h2>Second <i>Heading</i></h2><p>A paragraph under the second "
     "heading.</p></body></html>",
     "Caf\xC3\xA9 & Bar",
     {"Paragraph under heading one has words <em> \xC3\xA9t\xC3\xA9.",
      "A paragraph under the second heading."},
     {"Heading One Here", "Second Heading"},
     {"Paragraph under", "A paragraph under"}},
    {"html: without <title>, the first <h1>",
     QY_FORMAT_HTML,
     "<h2>Before</h2><p>A paragraph before the first main heading.</p>"
     "<h1>Only Heading</h1><p>The first paragraph under the heading.</p>"
     "<h1>Another Main Heading</h1><p>The paragraph under another one.</p>",
     "Only Heading",
     {"A paragraph before the first main heading.",
      "The first paragraph under the heading.",
      "The paragraph under another one."},
     {"Before", NULL, "Another Main Heading"},
     {NULL}},
    {"html: script, style, nav, footer and the like dropped",
     QY_FORMAT_HTML,
     "<html><head><style>p { the style text should never appear }</style>"
     "<script>var s = '<p>script text that should never appear</p>';"
     "</script></head><body>"
     "<nav><ul><li>Home page link of the navigation bar</li></ul></nav>"
     "<header><h1>The Page Heading Kept</h1><p>A header paragraph that is "
     "dropped entirely.</p></header>"
     "<p>The one paragraph of the page that is kept.</p>"
     "<aside>An aside about something else with many words.</aside>"
     "<form><label>A form label with a few more words</label>"
     "<textarea>Text typed into the form by someone</textarea></form>"
     "<noscript>Please enable scripts to see this page properly.</noscript>"
     "<template><p>A template paragraph that is never shown.</p></template>"
     "<p hidden>A hidden paragraph that is never shown either.</p>"
     "<div aria-hidden=\"true\">An element hidden from readers of the "
     "page.</div>"
     "<img alt=\"the alternative text of an image here\" src=\"x.png\">"
     "<svg><text>Words drawn in a picture are not prose</text></svg>"
     "<footer>Copyright footer text dropped from the page.</footer>"
     "</body></html>",
     "The Page Heading Kept",
     {"The one paragraph of the page that is kept."},
     {NULL},
     {"The one paragraph"}},
    {"html: paragraphs, list items, cells, quotes and divisions are blocks, "
     "short ones too",
     QY_FORMAT_HTML,
     "<ul><li>A list item that mentions espresso drinks.<ul><li>A nested "
     "item inside the first list item.</li></ul></li><li>Short</li></ul>"
     "<table><tr><th>Header cell with a few words in it</th><td>x</td></tr>"
     "<tr><td>A table cell containing a sentence of text.</td></tr></table>"
     "<blockquote>A quotation from someone with some words.</blockquote>"
     "<dl><dt>A term that is defined in the list</dt><dd>And its definition "
     "in a few words.</dd></dl>"
     "<div>Loose text directly inside a division is a block."
     "<p>A nested paragraph inside the division element.</p>"
     "Trailing text of the division after the paragraph.</div>"
     "<figure><img src=x><figcaption>The caption of the figure has some "
     "words.</figcaption></figure>",
     NULL,
     {"A list item that mentions espresso drinks.",
      "A nested item inside the first list item.", "Short",
      "Header cell with a few words in it", "x",
      "A table cell containing a sentence of text.",
      "A quotation from someone with some words.",
      "A term that is defined in the list",
      "And its definition in a few words.",
      "Loose text directly inside a division is a block.",
      "A nested paragraph inside the division element.",
      "Trailing text of the division after the paragraph.",
      "The caption of the figure has some words."},
     {NULL},
     {"A list item", "A nested item", "Short", "Header cell", "x",
      "A table cell", "A quotation", "A term", "And its", "Loose text",
      "A nested paragraph", "Trailing text", "The caption"}},
    {"html: inline markup dropped, whitespace collapsed",
     QY_FORMAT_HTML,
     "<p>\n  Some <b>bold</b>,\t<i>italic</i> and <a href=\"http://x.org/\">"
     "linked</a>&nbsp;&nbsp;words<span>together</span>\xC2\xA0 "
     "here.\n</p>",
     NULL,
     {"Some bold, italic and linked wordstogether here."},
     {NULL},
     {"Some <b>bold"}},
    {"html: <br> ends a line, <br><br> a paragraph; <pre> keeps lines",
     QY_FORMAT_HTML,
     "<p>Line one of a poem that is short<br>line two of the poem goes "
     "here<br><br>A new paragraph after two line breaks.</p>"
     "<p>This paragraph is hard-wrapped at about seventy columns, so "
     "that<br>its lines are joined back into one passage.</p>"
     "<pre>\nint main(void) { return 0; }\n\nThis pre block has a "
     "sentence of prose in it.\n</pre>",
     NULL,
     {"Line one of a poem that is short", "line two of the poem goes here",
      "A new paragraph after two line breaks.",
      "This paragraph is hard-wrapped at about seventy columns, so that its "
      "lines are joined back into one passage.",
      "This pre block has a sentence of prose in it."},
     {NULL},
     {"Line one", "line two", "A new paragraph", "This paragraph",
      "This pre block"}},
    {"html: fragments and broken markup",
     QY_FORMAT_HTML,
     "Text before any tag is a passage too.<p>An unclosed paragraph of "
     "words<p>And a second one that is <b>bold <i>and</b> misnested</i> "
     "here.</div></span>",
     NULL,
     {"Text before any tag is a passage too.", "An unclosed paragraph of words",
      "And a second one that is bold and misnested here."},
     {NULL},
     {"Text before", "An unclosed", "And a second"}},
};

static void run_split_case(const split_case_t *sc)
{
    size_t len = strlen(sc->input);
    qy_article_t a;
    qy_status_t st = qy_split_document(sc->format, sc->input, len, &a);
    if (st != QY_OK)
        fail_msg("%s: %s", sc->name, qy_status_to_string(st));
    check_article(sc->name, len, &a);

    size_t want = 0;
    while (want < MAX_PASSAGES && sc->texts[want])
        want++;
    for (size_t k = 0; k < a.count && k < want; k++)
        if (strcmp(a.passages[k].text, sc->texts[k]) != 0)
            fail_msg("%s: passage %zu is \"%s\", expected \"%s\"", sc->name,
                     k + 1, a.passages[k].text, sc->texts[k]);
    if (a.count != want)
        fail_msg("%s: %zu passages, expected %zu", sc->name, a.count, want);
    for (size_t k = 0; k < want; k++) {
        const qy_passage_t *p = &a.passages[k];
        const char *t = sc->titles[k];
        if ((t == NULL) != (p->title == NULL) || (t && strcmp(t, p->title)))
            fail_msg("%s: passage %zu has title \"%s\", expected \"%s\"",
                     sc->name, k + 1, p->title ? p->title : "(none)",
                     t ? t : "(none)");
        const char *src = sc->sources[k];
        if (src && (p->length < strlen(src) ||
                    memcmp(sc->input + p->offset, src, strlen(src)) != 0))
            fail_msg("%s: passage %zu spans \"%.*s\", expected it to start "
                     "with \"%s\"",
                     sc->name, k + 1, (int)p->length, sc->input + p->offset,
                     src);
    }
    /* No title given: the first passage's, or none without passages. */
    const char *title = sc->title ? sc->title : want ? sc->texts[0] : "";
    if (strcmp(a.title, title) != 0)
        fail_msg("%s: title \"%s\", expected \"%s\"", sc->name, a.title, title);
    qy_article_free(&a);
}

static void test_split_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof split_cases / sizeof *split_cases; i++)
        run_split_case(&split_cases[i]);
}

/* A passage's span covers its block in the source, markup included. */
static void test_spans(void **state)
{
    (void)state;
    const char *md = "# Title\n\nA *first* paragraph with a [link](x.html) "
                     "and quite a few more words\nsome more words here.\n";
    qy_article_t a;
    assert_int_equal(qy_split_document(QY_FORMAT_MARKDOWN, md, strlen(md), &a),
                     QY_OK);
    assert_int_equal(a.count, 1);
    assert_int_equal(a.passages[0].offset, strlen("# Title\n\n"));
    assert_int_equal(a.passages[0].length,
                     strlen(md) - strlen("# Title\n\n") - 1);
    qy_article_free(&a);

    const char *html = "<p>  An <b>HTML</b> paragraph &amp; its five words "
                       "</p>";
    assert_int_equal(qy_split_document(QY_FORMAT_HTML, html, strlen(html), &a),
                     QY_OK);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.passages[0].text,
                        "An HTML paragraph & its five words");
    /* From the first word to the last, not the whitespace around them. */
    assert_int_equal(a.passages[0].offset, strlen("<p>  "));
    assert_int_equal(a.passages[0].length,
                     strlen("An <b>HTML</b> paragraph &amp; its five words"));
    qy_article_free(&a);
}

/* Plain text through qy_split_document is qy_split_plain's; JSON Lines and
 * "auto" are not documents it splits. */
static void test_split_document_dispatch(void **state)
{
    (void)state;
    const char *in = "A Headline For The Text\n\nThe only paragraph of the "
                     "text has words.\n";
    qy_article_t a, b;
    assert_int_equal(qy_split_document(QY_FORMAT_TEXT, in, strlen(in), &a),
                     QY_OK);
    assert_int_equal(qy_split_plain(in, strlen(in), &b), QY_OK);
    assert_string_equal(a.title, b.title);
    assert_int_equal(a.count, 1);
    assert_int_equal(b.count, 1);
    assert_string_equal(a.passages[0].text, b.passages[0].text);
    assert_null(a.passages[0].title);
    qy_article_free(&a);
    qy_article_free(&b);

    assert_int_equal(qy_split_document(QY_FORMAT_JSONL, in, strlen(in), &a),
                     QY_INVALID);
    assert_int_equal(a.count, 0);
    assert_null(a.title);
    assert_int_equal(qy_split_document(QY_FORMAT_AUTO, in, strlen(in), &a),
                     QY_INVALID);
    assert_int_equal(qy_split_document((qy_format_t)99, in, strlen(in), &a),
                     QY_INVALID);

    static const qy_format_t formats[] = {QY_FORMAT_TEXT, QY_FORMAT_MARKDOWN,
                                          QY_FORMAT_HTML};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(qy_split_document(formats[i], NULL, 0, &a), QY_OK);
        assert_int_equal(a.count, 0);
        assert_string_equal(a.title, "");
        qy_article_free(&a);
    }
}

/* ---- Format names -------------------------------------------------------- */

/* The page is an optional field: a record without one is the record
 * written before pages were kept, and reads as page 0. */
static void test_record_page(void **state)
{
    (void)state;
    qy_record_t rec = {
        .source = "/a.pdf", .text = "words", .ordinal = 3, .page = 12};
    size_t len, plain_len;
    char *data = qy_record_encode(&rec, &len);
    rec.page = 0;
    char *plain = qy_record_encode(&rec, &plain_len);
    assert_non_null(data);
    assert_non_null(plain);
    assert_int_equal(len, plain_len + 1);
    assert_memory_equal(data, plain, plain_len);
    qy_record_t back;
    assert_int_equal(qy_record_decode(data, len, &back), QY_OK);
    assert_int_equal(back.page, 12);
    assert_int_equal(back.ordinal, 3);
    assert_string_equal(back.text, "words");
    assert_int_equal(qy_record_decode(plain, plain_len, &back), QY_OK);
    assert_int_equal(back.page, 0);
    data[len - 1] = (char)0x80; /* a varint cut short */
    assert_int_equal(qy_record_decode(data, len, &back), QY_CORRUPT);
    free(data);
    free(plain);
}

/* A mail's fields and the language follow the page, which is then written
 * even when zero; records without them read as before. */
static void test_record_mail(void **state)
{
    (void)state;
    qy_record_t rec = {.source = "/box.mbox",
                       .text = "words",
                       .id = "1@example.org",
                       .ordinal = 2,
                       .from = "A <a@example.org>",
                       .to = "b@example.org",
                       .date = "2024-03-04T10:00:00+01:00",
                       .lang = "german"};
    size_t len;
    char *data = qy_record_encode(&rec, &len);
    assert_non_null(data);
    qy_record_t back;
    assert_int_equal(qy_record_decode(data, len, &back), QY_OK);
    assert_int_equal(back.page, 0);
    assert_string_equal(back.id, "1@example.org");
    assert_string_equal(back.from, "A <a@example.org>");
    assert_string_equal(back.to, "b@example.org");
    assert_string_equal(back.date, "2024-03-04T10:00:00+01:00");
    assert_string_equal(back.lang, "german");
    assert_int_equal(qy_record_decode(data, len - 1, &back), QY_CORRUPT);
    free(data);
    rec.from = rec.to = rec.date = rec.lang = NULL;
    data = qy_record_encode(&rec, &len);
    assert_int_equal(qy_record_decode(data, len, &back), QY_OK);
    assert_string_equal(back.from, "");
    assert_string_equal(back.lang, "");
    assert_int_equal((unsigned char)data[len - 1], 0); /* no page written */
    free(data);
}

/* A file named without a known extension is read as its content says;
 * the extensions that name a format are never sniffed. */
static void test_format_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        qy_format_t format;
    } heads[] = {
        {"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", QY_FORMAT_PDF},
        {"<!DOCTYPE html><html><body><p>x</p></body></html>\n", QY_FORMAT_HTML},
        {"Plain words in a note.\n", QY_FORMAT_TEXT},
        {"", QY_FORMAT_TEXT},
        {"From a@example.org Mon Mar  4 10:00:00 2024\nFrom: a@example.org\n"
         "Subject: s\n\nbody\n",
         QY_FORMAT_MAIL},
        {"Return-Path: <a@example.org>\nReceived: from x by y\nFrom: "
         "a@example.org\nTo: b@example.org\nSubject: s\nDate: Mon, 4 Mar 2024 "
         "10:00:00 +0000\nMessage-ID: <1@x>\n\nbody\n",
         QY_FORMAT_MAIL},
        /* A sentence opening with "From " is no mailbox. */
        {"From the harbour the boats left at dawn.\nThey came back late.\n",
         QY_FORMAT_TEXT},
    };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
        if (qy_format_sniff(heads[i].head, strlen(heads[i].head)) !=
            heads[i].format)
            fail_msg("sniffed \"%s\" as %s", heads[i].head,
                     qy_format_name(qy_format_sniff(heads[i].head,
                                                    strlen(heads[i].head))));
    assert_true(qy_format_known_extension("a/b.TXT"));
    assert_true(qy_format_known_extension("b.pdf"));
    assert_false(qy_format_known_extension("notes"));
    assert_false(qy_format_known_extension("README.Debian"));
    assert_false(qy_format_known_extension("dir.md/.hidden"));
    /* A Maildir's messages are mail by where they are. */
    assert_true(qy_format_known_extension("Mail/cur/1709550000.M1P1.host:2,S"));
    assert_int_equal(qy_format_for_path("Mail/new/1709550000.M1P1.host"),
                     QY_FORMAT_MAIL);
    assert_int_equal(qy_format_for_path("new/notes.txt"), QY_FORMAT_TEXT);
    assert_int_equal(qy_format_for_path("recurrent/x"), QY_FORMAT_TEXT);
    assert_int_equal(qy_format_for_path("box.MBOX"), QY_FORMAT_MAIL);
}

static void test_format_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int ok;
        qy_format_t format;
    } names[] = {
        {"auto", 0, QY_FORMAT_AUTO},    {"text", 0, QY_FORMAT_TEXT},
        {"txt", 0, QY_FORMAT_TEXT},     {"markdown", 0, QY_FORMAT_MARKDOWN},
        {"md", 0, QY_FORMAT_MARKDOWN},  {"html", 0, QY_FORMAT_HTML},
        {"htm", 0, QY_FORMAT_HTML},     {"jsonl", 0, QY_FORMAT_JSONL},
        {"ndjson", 0, QY_FORMAT_JSONL}, {"HTML", 0, QY_FORMAT_HTML},
        {"pdf", 0, QY_FORMAT_PDF},      {"ODT", 0, QY_FORMAT_ODT},
        {"docx", 0, QY_FORMAT_DOCX},    {"epub", 0, QY_FORMAT_EPUB},
        {"mail", 0, QY_FORMAT_MAIL},    {"mbox", 0, QY_FORMAT_MAIL},
        {"doc", -1, QY_FORMAT_AUTO},    {"", -1, QY_FORMAT_AUTO},
        {"json", -1, QY_FORMAT_AUTO},   {"markdownx", -1, QY_FORMAT_AUTO},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        qy_format_t f = (qy_format_t)99;
        int r = qy_format_from_name(names[i].name, &f);
        if (r != names[i].ok)
            fail_msg("\"%s\": %d", names[i].name, r);
        if (r == 0 && f != names[i].format)
            fail_msg("\"%s\": format %d", names[i].name, (int)f);
        if (r != 0 && f != (qy_format_t)99)
            fail_msg("\"%s\" changed the format", names[i].name);
    }
    assert_int_equal(qy_format_from_name(NULL, &(qy_format_t){0}), -1);

    assert_string_equal(qy_format_name(QY_FORMAT_AUTO), "auto");
    assert_string_equal(qy_format_name(QY_FORMAT_TEXT), "text");
    assert_string_equal(qy_format_name(QY_FORMAT_MARKDOWN), "markdown");
    assert_string_equal(qy_format_name(QY_FORMAT_HTML), "html");
    assert_string_equal(qy_format_name(QY_FORMAT_JSONL), "jsonl");
    assert_non_null(qy_format_name((qy_format_t)99));
    /* Every canonical name reads back as its format. */
    for (int f = QY_FORMAT_AUTO; f <= QY_FORMAT_JSONL; f++) {
        qy_format_t back;
        assert_int_equal(qy_format_from_name(qy_format_name(f), &back), 0);
        assert_int_equal(back, f);
    }
}

static void test_format_for_path(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        qy_format_t format;
    } paths[] = {
        {"notes.md", QY_FORMAT_MARKDOWN},
        {"/home/me/notes/README.MD", QY_FORMAT_MARKDOWN},
        {"a/b.markdown", QY_FORMAT_MARKDOWN},
        {"page.html", QY_FORMAT_HTML},
        {"page.HTM", QY_FORMAT_HTML},
        {"page.xhtml", QY_FORMAT_HTML},
        {"docs.jsonl", QY_FORMAT_JSONL},
        {"docs.NDJSON", QY_FORMAT_JSONL},
        {"article.txt", QY_FORMAT_TEXT},
        {"Makefile", QY_FORMAT_TEXT},
        {"data.json", QY_FORMAT_TEXT},
        {"archive.md.gz", QY_FORMAT_TEXT},
        {"dir.md/file", QY_FORMAT_TEXT},
        {".md", QY_FORMAT_TEXT},
        {"notes.md.", QY_FORMAT_TEXT},
        {"-", QY_FORMAT_TEXT},
        {"", QY_FORMAT_TEXT},
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (qy_format_for_path(paths[i].path) != paths[i].format)
            fail_msg("%s: %s", paths[i].path,
                     qy_format_name(qy_format_for_path(paths[i].path)));
    assert_int_equal(qy_format_for_path(NULL), QY_FORMAT_TEXT);
}

/* ---- JSON Lines ---------------------------------------------------------- */

typedef struct jsonl_case {
    const char *line;
    size_t len; /* 0: strlen(line) */
    qy_status_t status;
    const char *why; /* for QY_INVALID */
    const char *id, *title, *text, *url, *date, *meta;
} jsonl_case_t;

static const jsonl_case_t jsonl_cases[] = {
    {"{\"id\":\"a1\",\"title\":\"T\",\"text\":\"x\"}", 0, QY_OK, NULL, "a1",
     "T", "x", "", "", ""},
    {"{\"_id\":\"b2\",\"text\":\"y\"}", 0, QY_OK, NULL, "b2", "", "y", "", "",
     ""},
    {"{\"id\":42,\"text\":\"t\"}", 0, QY_OK, NULL, "42", "", "t", "", "", ""},
    {"{\"id\":-7,\"text\":\"t\"}", 0, QY_OK, NULL, "-7", "", "t", "", "", ""},
    {"{\"id\":9007199254740991,\"text\":\"t\"}", 0, QY_OK, NULL,
     "9007199254740991", "", "t", "", "", ""},
    {"{\"_id\":{\"$oid\":\"5f1d\"},\"text\":\"t\"}", 0, QY_OK, NULL, "5f1d", "",
     "t", "", "", ""},
    /* A lone surrogate escape is repaired as invalid UTF-8 is (U+FFFD); a
     * pair, and an escaped backslash before "ud800", are kept. */
    {"{\"id\":\"s\\ud800\",\"text\":\"a \\udc00\\ud800 b \\ud83d\\ude00 "
     "\\\\ud800 \\ud800\"}",
     0, QY_OK, NULL, "s\xef\xbf\xbd", "",
     "a \xef\xbf\xbd\xef\xbf\xbd b \xf0\x9f\x98\x80 \\ud800 \xef\xbf\xbd", "",
     "", ""},
    {"  {\"id\":\"w\", \"text\":\"spaces around\"}  \r\n", 0, QY_OK, NULL, "w",
     "", "spaces around", "", "", ""},
    {"\xEF\xBB\xBF{\"id\":\"bom\",\"text\":\"t\"}", 0, QY_OK, NULL, "bom", "",
     "t", "", "", ""},
    {"{\"id\":\"m\",\"title\":null,\"text\":\"t\",\"url\":\"https://x.org/a\","
     "\"date\":\"2022-02-06\",\"lang\":\"en\",\"tags\":[\"a\",\"b\"],"
     "\"_id\":\"other\",\"n\":{\"k\":1}}",
     0, QY_OK, NULL, "m", "", "t", "https://x.org/a", "2022-02-06",
     "{\"url\":\"https://x.org/a\",\"date\":\"2022-02-06\",\"lang\":\"en\","
     "\"tags\":[\"a\",\"b\"],\"_id\":\"other\",\"n\":{\"k\":1}}"},
    {"{\"id\":\"u\",\"title\":\"caf\\u00e9 \xff\",\"text\":\"bad \xc3(\","
     "\"x\":\"\xfe\"}",
     0, QY_OK, NULL, "u", "caf\xC3\xA9 \xEF\xBF\xBD", "bad \xEF\xBF\xBD(", "",
     "", "{\"x\":\"\xEF\xBF\xBD\"}"},
    /* Invalid lines, each with its reason. */
    {"hello", 0, QY_INVALID, "not valid JSON", NULL, NULL, NULL, NULL, NULL,
     NULL},
    {"{\"id\":\"a\",\"text\":", 0, QY_INVALID, "not valid JSON", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":\"a\",\"text\":\"b\"} {}", 0, QY_INVALID, "text after", NULL,
     NULL, NULL, NULL, NULL, NULL},
    {"[1,2]", 0, QY_INVALID, "not a JSON object", NULL, NULL, NULL, NULL, NULL,
     NULL},
    {"\"just a string\"", 0, QY_INVALID, "not a JSON object", NULL, NULL, NULL,
     NULL, NULL, NULL},
    {"", 0, QY_INVALID, "empty line", NULL, NULL, NULL, NULL, NULL, NULL},
    {" \t\r", 0, QY_INVALID, "empty line", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"title\":\"x\",\"text\":\"y\"}", 0, QY_INVALID, "no id", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":null,\"text\":\"y\"}", 0, QY_INVALID, "no id", NULL, NULL, NULL,
     NULL, NULL, NULL},
    {"{\"id\":\"\",\"text\":\"y\"}", 0, QY_INVALID, "empty id", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":true,\"text\":\"y\"}", 0, QY_INVALID, "id is not", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":[1],\"text\":\"y\"}", 0, QY_INVALID, "id is not", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":1.5,\"text\":\"y\"}", 0, QY_INVALID, "not an integer", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"{\"id\":9007199254740993,\"text\":\"y\"}", 0, QY_INVALID, "too large",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"id\":\"x\"}", 0, QY_INVALID, "no text", NULL, NULL, NULL, NULL, NULL,
     NULL},
    {"{\"id\":\"x\",\"text\":null}", 0, QY_INVALID, "no text", NULL, NULL, NULL,
     NULL, NULL, NULL},
    {"{\"id\":\"x\",\"text\":[\"a\"]}", 0, QY_INVALID, "text is not a string",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"id\":\"x\",\"text\":\"a\",\"title\":3}", 0, QY_INVALID,
     "title is not a string", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"id\":\"x\",\"text\":\"a\",\"date\":20220206}", 0, QY_INVALID,
     "date is not a string", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"id\":\"x\",\"text\":\"a\",\"url\":{}}", 0, QY_INVALID,
     "url is not a string", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"id\":\"x\",\"text\":\"a\0b\"}", 20, QY_INVALID, "NUL", NULL, NULL,
     NULL, NULL, NULL, NULL},
};

/* A line of FIELDS, a JSON object's members without braces, in which
 * each '#' stands for N copies of the two-byte character "é" (so that a
 * cut in its middle would show as invalid UTF-8). */
static char *jsonl_with_long(const char *fields, size_t n)
{
    size_t hashes = 0;
    for (const char *p = fields; *p; p++)
        hashes += *p == '#';
    char *line = malloc(strlen(fields) + hashes * 2 * n + 3);
    assert_non_null(line);
    size_t o = 0;
    line[o++] = '{';
    for (const char *p = fields; *p; p++) {
        if (*p != '#') {
            line[o++] = *p;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            memcpy(line + o, "\xC3\xA9", 2);
            o += 2;
        }
    }
    line[o++] = '}';
    line[o] = '\0';
    return line;
}

/* Every field but the text is stored with each passage of a document:
 * each is bounded, whatever the line. */
static void test_jsonl_field_caps(void **state)
{
    (void)state;
    qy_jsonl_doc_t doc;
    const char *why = NULL;
    char *line = jsonl_with_long("\"id\":\"x\",\"title\":\"#\",\"text\":\"#\","
                                 "\"url\":\"#\",\"date\":\"2020-01-02#\","
                                 "\"note\":\"#\",\"tags\":[\"#\"],\"n\":1",
                                 20000);
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why), QY_OK);
    assert_int_equal(strlen(doc.text), 40000); /* the text is whole */
    assert_true(strlen(doc.title) <= QY_JSONL_TITLE_MAX_BYTES);
    assert_true(strlen(doc.title) >= QY_JSONL_TITLE_MAX_BYTES - 1);
    assert_true(strlen(doc.url) <= QY_JSONL_FIELD_MAX_BYTES);
    assert_true(strlen(doc.url) >= QY_JSONL_FIELD_MAX_BYTES - 1);
    assert_true(strlen(doc.date) <= QY_JSONL_FIELD_MAX_BYTES);
    assert_true(strlen(doc.meta) <= QY_JSONL_META_MAX_BYTES);
    const char *got[] = {doc.title, doc.url, doc.date, doc.meta};
    for (size_t k = 0; k < 4; k++)
        assert_true(valid_utf8(got[k], strlen(got[k])));
    /* The meta is JSON still; it keeps its members in order up to the
     * first that goes over, and the strings in it are cut. */
    cJSON *meta = cJSON_Parse(doc.meta);
    assert_non_null(meta);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(meta, "url");
    assert_true(cJSON_IsString(url));
    assert_true(strlen(url->valuestring) <= QY_JSONL_FIELD_MAX_BYTES);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(meta, "note"));
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "tags")); /* 40 KB */
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "n"));    /* after it */
    cJSON_Delete(meta);
    qy_jsonl_doc_free(&doc);
    free(line);

    /* An id is refused rather than cut: cut, it could be another's. */
    line = jsonl_with_long("\"id\":\"#\",\"text\":\"a b\"", 600);
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why),
                     QY_INVALID);
    assert_non_null(strstr(why, "id longer than"));
    free(line);
    line = jsonl_with_long("\"id\":\"#\",\"text\":\"a b\"", 500);
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why), QY_OK);
    assert_int_equal(strlen(doc.id), 1000);
    qy_jsonl_doc_free(&doc);
    free(line);
}

static void test_jsonl_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jsonl_cases / sizeof *jsonl_cases; i++) {
        const jsonl_case_t *c = &jsonl_cases[i];
        size_t len = c->len ? c->len : strlen(c->line);
        qy_jsonl_doc_t doc;
        const char *why = "unset";
        qy_status_t st = qy_jsonl_parse(c->line, len, &doc, &why);
        if (st != c->status)
            fail_msg("%s: %s (%s)", c->line, qy_status_to_string(st),
                     why ? why : "");
        if (st != QY_OK) {
            assert_non_null(why);
            if (!strstr(why, c->why))
                fail_msg("%s: reason \"%s\", expected \"%s\"", c->line, why,
                         c->why);
            assert_null(doc.id);
            assert_null(doc.text);
            assert_null(doc.meta);
            continue;
        }
        const char *got[] = {doc.id,  doc.title, doc.text,
                             doc.url, doc.date,  doc.meta};
        const char *want[] = {c->id,  c->title, c->text,
                              c->url, c->date,  c->meta};
        static const char *const names[] = {"id",  "title", "text",
                                            "url", "date",  "meta"};
        for (size_t k = 0; k < 6; k++) {
            assert_non_null(got[k]);
            assert_true(valid_utf8(got[k], strlen(got[k])));
            if (strcmp(got[k], want[k]) != 0)
                fail_msg("%s: %s is \"%s\", expected \"%s\"", c->line, names[k],
                         got[k], want[k]);
        }
        qy_jsonl_doc_free(&doc);
        assert_null(doc.id);
    }
    qy_jsonl_doc_free(NULL);
}

static void test_jsonl_hostile(void **state)
{
    (void)state;
    qy_jsonl_doc_t doc;
    const char *why;

    /* Nesting far deeper than any document: refused, not recursed into. */
    size_t depth = test_scale(100000);
    char *deep = malloc(2 * depth + 64);
    assert_non_null(deep);
    size_t n = (size_t)sprintf(deep, "{\"id\":\"d\",\"text\":\"t\",\"x\":");
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    deep[n + 2 * depth] = '}';
    assert_int_equal(qy_jsonl_parse(deep, n + 2 * depth + 1, &doc, &why),
                     QY_INVALID);
    free(deep);

    /* A huge line: one 8 MB text. */
    size_t big = test_scale(8u << 20);
    char *line = malloc(big + 64);
    assert_non_null(line);
    n = (size_t)sprintf(line, "{\"id\":\"big\",\"text\":\"");
    for (size_t i = 0; i < big; i++)
        line[n + i] = i % 7 == 6 ? ' ' : (char)('a' + i % 7);
    n += big;
    n += (size_t)sprintf(line + n, "\"}");
    assert_int_equal(qy_jsonl_parse(line, n, &doc, &why), QY_OK);
    assert_int_equal(strlen(doc.text), big);
    qy_article_t a;
    assert_int_equal(qy_split_jsonl(&doc, &a), QY_OK);
    assert_true(a.count >= big / QY_PASSAGE_MAX_BYTES);
    for (size_t i = 0; i < a.count; i++)
        assert_true(a.passages[i].text_len <= QY_PASSAGE_MAX_BYTES);
    qy_article_free(&a);
    qy_jsonl_doc_free(&doc);

    /* Only part of a buffer is the line: nothing past LEN is read. */
    static const char part[] = "{\"id\":\"p\",\"text\":\"t\"}";
    strcpy(line, part);
    strcat(line, "GARBAGE");
    assert_int_equal(qy_jsonl_parse(line, strlen(part), &doc, &why), QY_OK);
    assert_string_equal(doc.text, "t");
    qy_jsonl_doc_free(&doc);
    free(line);
}

static void test_split_jsonl(void **state)
{
    (void)state;
    qy_jsonl_doc_t doc;
    const char *why;
    const char *line =
        "{\"id\":\"n1\",\"title\":\"  A  Title\\twith space \",\"text\":"
        "\"Line one of the text has five words.\\n\\nshort\\n"
        "The third line is a hard-wrapped line of forty bytes\\n"
        "and it is not joined to this one at all.\\r\\n"
        "\xC2\xA9 2022 Somebody, all rights reserved.\"}";
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why), QY_OK);
    qy_article_t a;
    assert_int_equal(qy_split_jsonl(&doc, &a), QY_OK);
    check_article("jsonl", strlen(doc.text), &a);
    assert_string_equal(a.title, "A Title with space");
    assert_int_equal(a.count, 3);
    assert_string_equal(a.passages[0].text,
                        "Line one of the text has five words.");
    assert_string_equal(a.passages[1].text,
                        "The third line is a hard-wrapped line of forty bytes");
    assert_string_equal(a.passages[2].text,
                        "and it is not joined to this one at all.");
    /* Spans are positions in the document's text. */
    for (size_t i = 0; i < a.count; i++) {
        assert_null(a.passages[i].title);
        assert_memory_equal(doc.text + a.passages[i].offset, a.passages[i].text,
                            a.passages[i].length);
    }
    qy_article_free(&a);
    qy_jsonl_doc_free(&doc);

    /* No title: none is made up. */
    line = "{\"id\":\"n2\",\"text\":\"A text without any title at all.\"}";
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why), QY_OK);
    assert_int_equal(qy_split_jsonl(&doc, &a), QY_OK);
    assert_string_equal(a.title, "");
    assert_int_equal(a.count, 1);
    qy_article_free(&a);
    qy_jsonl_doc_free(&doc);
}

/* ---- Hostile input ------------------------------------------------------- */

static char *repeat(const char *unit, size_t times, const char *tail,
                    size_t *len)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *buf = malloc(u * times + t + 1);
    assert_non_null(buf);
    for (size_t i = 0; i < times; i++)
        memcpy(buf + i * u, unit, u);
    memcpy(buf + u * times, tail, t + 1);
    *len = u * times + t;
    return buf;
}

static int has_passage_with(const qy_article_t *a, const char *text)
{
    for (size_t i = 0; i < a->count; i++)
        if (strstr(a->passages[i].text, text))
            return 1;
    return 0;
}

/* Nesting 100,000 deep, in the ways the parsers could be made to recurse
 * or look back through every open element: finished, well formed, and the
 * text at the bottom still found. */
static void test_deep_nesting(void **state)
{
    (void)state;
    static const struct {
        qy_format_t format;
        const char *unit;
        int found; /* the text below is in a passage (not in <svg>, in a
                      heading, or in an HTML block) */
    } cases[] = {
        {QY_FORMAT_HTML, "<div>", 1},
        {QY_FORMAT_HTML, "<b>", 1},
        {QY_FORMAT_HTML, "<i><b><u>", 1},
        {QY_FORMAT_HTML, "<ul><li>", 1},
        {QY_FORMAT_HTML, "<table><tr><td>", 1},
        {QY_FORMAT_HTML, "<div/>", 1},
        {QY_FORMAT_HTML, "<span></div>", 1},
        {QY_FORMAT_HTML, "<p><b>", 1},
        {QY_FORMAT_HTML, "<x-custom a=\"1\">", 1},
        {QY_FORMAT_HTML, "<blockquote>", 1},
        {QY_FORMAT_HTML, "<svg><g>", 0},
        {QY_FORMAT_HTML, "<h1>", 0},
        {QY_FORMAT_MARKDOWN, ">", 1},
        {QY_FORMAT_MARKDOWN, "- ", 1},
        {QY_FORMAT_MARKDOWN, "> - 1. ", 1},
        {QY_FORMAT_MARKDOWN, "[", 1},
        {QY_FORMAT_MARKDOWN, "*_", 1},
        {QY_FORMAT_MARKDOWN, "![a](", 1},
        {QY_FORMAT_MARKDOWN, "<div>", 0}, /* an HTML block: dropped */
        {QY_FORMAT_MARKDOWN, "&amp;", 1},
        {QY_FORMAT_TEXT, "([", 1},
    };
    const char *tail = " The words at the very bottom of the pile.";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        char *buf = repeat(cases[i].unit, test_scale(100000), tail, &len);
        qy_article_t a;
        assert_int_equal(qy_split_document(cases[i].format, buf, len, &a),
                         QY_OK);
        check_article(cases[i].unit, len, &a);
        if (cases[i].found &&
            !has_passage_with(&a, "at the very bottom of the pile"))
            fail_msg("%s: the text below the nesting is lost", cases[i].unit);
        qy_article_free(&a);
        free(buf);
    }
}

/* Random bytes, NULs and broken UTF-8 in every format: clean output. */
static void test_garbage(void **state)
{
    (void)state;
    size_t len = test_scale(1u << 20);
    char *buf = malloc(len);
    assert_non_null(buf);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        /* Mostly markup characters, letters and spaces, some high bytes. */
        static const char alphabet[] = "<>/&;#!-[]()*_`|\"'= \n\nabcdefghi";
        unsigned r = (x >> 16) & 0xFF;
        buf[i] = r < 200 ? alphabet[r % (sizeof alphabet - 1)] : (char)r;
        if (r == 255)
            buf[i] = '\0';
    }
    static const qy_format_t formats[] = {QY_FORMAT_TEXT, QY_FORMAT_MARKDOWN,
                                          QY_FORMAT_HTML};
    for (size_t f = 0; f < 3; f++) {
        qy_article_t a;
        assert_int_equal(qy_split_document(formats[f], buf, len, &a), QY_OK);
        check_article(qy_format_name(formats[f]), len, &a);
        qy_article_free(&a);
    }
    free(buf);

    /* Invalid UTF-8 and NULs inside prose become U+FFFD. */
    static const char bad[] = "<h1>Bad \xff title</h1><p>A paragraph with a "
                              "NUL \0 and \xc3\x28 broken \xe2\x82 bytes "
                              "inside.</p>";
    static const char bad_md[] = "# Bad \xff title\n\nA paragraph with a NUL "
                                 "\0 and \xc3\x28 broken \xe2\x82 bytes "
                                 "inside.\n";
    static const struct {
        qy_format_t format;
        const char *buf;
        size_t len;
    } docs[] = {{QY_FORMAT_HTML, bad, sizeof bad - 1},
                {QY_FORMAT_MARKDOWN, bad_md, sizeof bad_md - 1}};
    for (size_t i = 0; i < 2; i++) {
        qy_article_t a;
        assert_int_equal(
            qy_split_document(docs[i].format, docs[i].buf, docs[i].len, &a),
            QY_OK);
        check_article("bad bytes", docs[i].len, &a);
        assert_string_equal(a.title, "Bad \xEF\xBF\xBD title");
        assert_int_equal(a.count, 1);
        assert_non_null(strstr(a.passages[0].text, "broken"));
        assert_non_null(strstr(a.passages[0].text, "inside."));
        assert_non_null(strstr(a.passages[0].text, "\xEF\xBF\xBD"));
        qy_article_free(&a);
    }
}

/* ---- Into the index ------------------------------------------------------ */

static char tmp_root[1024];

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int make_tmp_root(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    snprintf(tmp_root, sizeof tmp_root, "%s/quarry-test-formats-XXXXXX", base);
    return mkdtemp(tmp_root) == NULL ? -1 : 0;
}

static int remove_tmp_root(void **state)
{
    (void)state;
    return nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct index {
    qy_db_t *db;
    qy_analyzer_t *a;
    qy_ingest_t *ing;
} index_t;

static void index_open(index_t *x, const char *name)
{
    char path[sizeof tmp_root + 64];
    snprintf(path, sizeof path, "%s/%s", tmp_root, name);
    assert_int_equal(qy_db_open_write(path, QY_DB_NO_SYNC, &x->db, NULL),
                     QY_OK);
    assert_int_equal(qy_analyzer_new("english", &x->a), QY_OK);
    assert_int_equal(qy_ingest_new(x->db, x->a, &x->ing), QY_OK);
}

static void index_close(index_t *x)
{
    qy_ingest_free(x->ing);
    qy_analyzer_free(x->a);
    qy_db_close(x->db);
}

static unsigned term_freq(index_t *x, const char *term)
{
    unsigned freq = 99;
    assert_int_equal(qy_db_term_freq(x->db, term, strlen(term), &freq), QY_OK);
    return freq;
}

static void ingest_line(index_t *x, const char *source, const char *line)
{
    qy_jsonl_doc_t doc;
    const char *why;
    qy_article_t a;
    assert_int_equal(qy_jsonl_parse(line, strlen(line), &doc, &why), QY_OK);
    assert_int_equal(qy_split_jsonl(&doc, &a), QY_OK);
    assert_int_equal(qy_ingest_jsonl(x->ing, source, &doc, &a), QY_OK);
    qy_article_free(&a);
    qy_jsonl_doc_free(&doc);
}

/* Searches Q (freed) and returns how many passages match; the first hit's
 * record goes to *REC (its strings borrowed from *MSET, freed by the
 * caller) when REC is not NULL. */
static size_t search(index_t *x, qy_query_t *q, qy_mset_t **mset,
                     qy_record_t *rec)
{
    static const qy_search_params_t params = {
        .k1 = 1.2, .b = 0.75, .limit = 10, .check_at_least = 10};
    assert_non_null(q);
    assert_int_equal(qy_db_search(x->db, q, &params, mset), QY_OK);
    qy_query_free(q);
    size_t n = qy_mset_size(*mset);
    if (rec && n > 0) {
        qy_hit_t hit;
        qy_mset_hit(*mset, 0, &hit);
        assert_int_equal(qy_record_decode(hit.data, hit.data_len, rec), QY_OK);
    }
    return n;
}

static size_t count(index_t *x, qy_query_t *q)
{
    qy_mset_t *mset;
    size_t n = search(x, q, &mset, NULL);
    qy_mset_free(mset);
    return n;
}

static void test_ingest_jsonl(void **state)
{
    (void)state;
    index_t x;
    index_open(&x, "jsonl");
    ingest_line(&x, "/data/a.jsonl",
                "{\"id\":\"doc-1\",\"title\":\"First Version\",\"text\":"
                "\"The old wording of the first document.\\nAnother old line "
                "of the first document.\",\"date\":\"2022-02-06T10:00:00Z\","
                "\"lang\":\"en\"}");
    ingest_line(&x, "/data/a.jsonl",
                "{\"id\":7,\"text\":\"A document whose date is not a date.\","
                "\"date\":\"yesterday\"}");
    assert_int_equal(term_freq(&x, "Qdoc-1"), 2);
    assert_int_equal(term_freq(&x, "Q7"), 1);

    /* The record carries the id, meta, title and source. */
    qy_mset_t *mset;
    qy_record_t rec;
    assert_int_equal(search(&x, qy_query_term("word", 4, 1, 0), &mset, &rec),
                     1);
    assert_string_equal(rec.id, "doc-1");
    assert_string_equal(rec.title, "First Version");
    assert_string_equal(rec.source, "/data/a.jsonl");
    assert_string_equal(rec.meta,
                        "{\"date\":\"2022-02-06T10:00:00Z\",\"lang\":\"en\"}");
    assert_int_equal(rec.ordinal, 1);
    qy_mset_free(mset);

    /* The date is a value: its day, compared bytewise. */
    assert_int_equal(count(&x, qy_query_value_range(QY_SLOT_DATE, "2022-02-01",
                                                    "2022-02-28")),
                     2);
    assert_int_equal(count(&x, qy_query_value_range(QY_SLOT_DATE, "2022-02-06",
                                                    "2022-02-06")),
                     2);
    assert_int_equal(
        count(&x, qy_query_value_range(QY_SLOT_DATE, "2022-03-01", NULL)), 0);
    assert_int_equal(count(&x, qy_query_value_range(QY_SLOT_DATE, "0", NULL)),
                     2); /* "yesterday" gave none */

    /* The same id again, from another file: replaced, not added. */
    ingest_line(&x, "/data/b.jsonl",
                "{\"_id\":\"doc-1\",\"title\":\"Second Version\",\"text\":"
                "\"The new phrasing of the first document.\",\"date\":"
                "\"2023-05\"}");
    assert_int_equal(term_freq(&x, "Qdoc-1"), 1);
    assert_int_equal(count(&x, qy_query_term("word", 4, 1, 0)), 0);
    assert_int_equal(search(&x, qy_query_term("phrase", 6, 1, 0), &mset, &rec),
                     1);
    assert_string_equal(rec.title, "Second Version");
    assert_string_equal(rec.source, "/data/b.jsonl");
    assert_string_equal(rec.meta, "{\"date\":\"2023-05\"}");
    qy_mset_free(mset);
    assert_int_equal(
        count(&x, qy_query_value_range(QY_SLOT_DATE, "2023", "2023\xff")), 1);
    assert_int_equal(term_freq(&x, "Q7"), 1);

    /* No id: refused. */
    qy_jsonl_doc_t doc = {0};
    qy_article_t none = {0};
    assert_int_equal(qy_ingest_jsonl(x.ing, "/data/c.jsonl", &doc, &none),
                     QY_INVALID);
    index_close(&x);
}

/* Every passage stores its article's title, and the heading above it as
 * its section; title: searches the one, section: the other. */
static void test_ingest_section_titles(void **state)
{
    (void)state;
    index_t x;
    index_open(&x, "sections");
    const char *md = "# Main Title\n\nThe opening paragraph of the notes is "
                     "here.\n\n## Gardening Section\n\nThe paragraph about "
                     "planting roses in spring.\n";
    qy_article_t a;
    assert_int_equal(qy_split_document(QY_FORMAT_MARKDOWN, md, strlen(md), &a),
                     QY_OK);
    assert_int_equal(qy_ingest_article(x.ing, "/notes/garden.md", &a), QY_OK);
    qy_article_free(&a);

    assert_int_equal(term_freq(&x, "Smain"), 2);
    assert_int_equal(term_freq(&x, "Sgarden"), 0);
    assert_int_equal(term_freq(&x, "XSgarden"), 1);
    assert_int_equal(term_freq(&x, "garden"), 1); /* a word of its text */
    qy_mset_t *mset;
    qy_record_t rec;
    assert_int_equal(search(&x, qy_query_term("rose", 4, 1, 0), &mset, &rec),
                     1);
    assert_string_equal(rec.title, "Main Title");
    assert_string_equal(rec.section, "Gardening Section");
    assert_string_equal(rec.id, "");
    assert_int_equal(rec.ordinal, 2);
    qy_mset_free(mset);
    assert_int_equal(search(&x, qy_query_term("open", 4, 1, 0), &mset, &rec),
                     1);
    assert_string_equal(rec.title, "Main Title");
    assert_string_equal(rec.section, "");
    qy_mset_free(mset);
    index_close(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_table),
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_split_document_dispatch),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_format_for_path),
        cmocka_unit_test(test_format_sniff),
        cmocka_unit_test(test_record_page),
        cmocka_unit_test(test_record_mail),
        cmocka_unit_test(test_jsonl_parse_table),
        cmocka_unit_test(test_jsonl_field_caps),
        cmocka_unit_test(test_jsonl_hostile),
        cmocka_unit_test(test_split_jsonl),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_ingest_jsonl),
        cmocka_unit_test(test_ingest_section_titles),
    };
    return cmocka_run_group_tests(tests, make_tmp_root, remove_tmp_root);
}
