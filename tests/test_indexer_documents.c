/* The binary document formats end to end: PDF, OpenDocument text, Word
 * and EPUB files made at test time by the tools Debian ships (pandoc,
 * ghostscript, qpdf), indexed, and asked for through `query`; damaged
 * ones skipped with a warning while the rest is indexed. A test whose
 * tool is missing is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static int setup(void **state)
{
    return ix_setup(state);
}

static int teardown(void **state)
{
    return cli_teardown(state);
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Runs the shell command FMT in the temporary directory. */
static void shell(const char *fmt, ...)
{
    char cmd[4096], line[sizeof cmd + sizeof cli_tmp + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "cd '%s' && { %s; } >/dev/null 2>&1", cli_tmp,
             cmd);
    if (system(line) != 0)
        fail_msg("failed: %s", cmd);
}

/* A two-page PostScript document with its properties (a pdfmark), made a
 * PDF by ghostscript: its lines are placed as a typesetter would, a blank
 * line between paragraphs. */
static const char postscript[] =
    "%!PS\n"
    "[ /Title (Harbour Records of the Fishing Fleet) /Author (Ann Harbour)\n"
    "  /CreationDate (D:20190704120000Z) /DOCINFO pdfmark\n"
    "/Times-Roman findfont 12 scalefont setfont\n"
    "/l { 72 exch moveto show } def\n"
    "(The fishing fleet left the harbour before dawn on every calm) 700 l\n"
    "(morning of the season, carrying nets, ice and the whole crew.) 686 l\n"
    "(Gulls followed the boats out past the breakwater and waited) 658 l\n"
    "(for the first catch to be sorted on deck by the youngest hands.) 644 l\n"
    "showpage\n"
    "/Times-Roman findfont 12 scalefont setfont\n"
    "(In winter the boats stayed moored while the crews mended the) 700 l\n"
    "(torn nets in the long sheds along the quay near the market.) 686 l\n"
    "showpage\n";

static void make_pdf(const char *name)
{
    put_file("fleet.ps", postscript);
    char *path = tmp_file("%s", name);
    make_parents(path);
    free(path);
    shell("ps2pdf fleet.ps %s", name);
}

static const cJSON *hit_with(const cJSON *answer, const char *source_end)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, hits_of(answer))
    {
        const char *s = str_field(h, "source");
        size_t n = strlen(s), m = strlen(source_end);
        if (n >= m && strcmp(s + n - m, source_end) == 0)
            return h;
    }
    fail_msg("no hit from %s", source_end);
    return NULL;
}

static double num_field(const cJSON *o, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(f) ? f->valuedouble : -1;
}

static void test_pdf(void **state)
{
    (void)state;
    if (!have("ps2pdf"))
        skip();
    make_pdf("fleet.pdf");
    char *idx = tmp_file("pdf.idx"), *pdf = tmp_file("fleet.pdf");
    cJSON *j = index_json(0, idx, pdf, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j, "passages"), 3);
    cJSON_Delete(j);

    /* Wrapped lines are one paragraph; the page is each passage's. */
    cJSON *a = query_json(0, idx, "moored", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_string_equal(str_field(h, "text"),
                        "In winter the boats stayed moored while the crews "
                        "mended the torn nets in the long sheds along the "
                        "quay near the market.");
    assert_int_equal((int)num_field(h, "page"), 2);
    assert_int_equal((int)num_field(h, "passage"), 3);
    assert_string_equal(str_field(h, "title"),
                        "Harbour Records of the Fishing Fleet");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "meta");
    assert_string_equal(str_field(meta, "author"), "Ann Harbour");
    cJSON_Delete(a);

    a = query_json(0, idx, "gulls", (char *)NULL);
    h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_int_equal((int)num_field(h, "page"), 1);
    assert_int_equal((int)num_field(h, "passage"), 2);
    cJSON_Delete(a);

    /* The date of the properties is the date filter's. */
    a = query_json(0, idx, "boats", "date:2019-07-01..2019-07-31",
                   (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
    cJSON_Delete(a);
    a = query_json(1, idx, "boats", "date:2020..2021", (char *)NULL);
    cJSON_Delete(a);
    char filter[PATH_MAX + 2048 + 16];
    snprintf(filter, sizeof filter, "source:%s", source_of("fleet.pdf"));
    a = query_json(0, idx, "title:harbour", filter, (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 3);
    cJSON_Delete(a);

    /* The human output names the page after the passage. */
    run_result_t r = run(QUERY, "-d", idx, "moored", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "fleet.pdf:3 (page 2)"));
    run_free(&r);

    /* Unchanged, it is not read again. */
    j = index_json(0, idx, pdf, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    cJSON_Delete(j);
    free(pdf);
    free(idx);
}

/* Without a title in its properties, a PDF's title is its first
 * heading-like line. */
static void test_pdf_heading_title(void **state)
{
    (void)state;
    if (!have("groff") || !have("ps2pdf"))
        skip();
    put_file("report.ms",
             ".TL\nAnnual Report on Coastal Erosion\n.PP\nThe cliffs "
             "retreated by nearly two metres along the eastern shore this "
             "year, faster than in any year measured before.\n");
    shell("groff -ms -Tps report.ms > report.ps && ps2pdf report.ps "
          "report.pdf");
    char *idx = tmp_file("heading.idx"), *pdf = tmp_file("report.pdf");
    cJSON *j = index_json(0, idx, pdf, (char *)NULL);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "cliffs", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_string_equal(str_field(h, "title"),
                        "Annual Report on Coastal Erosion");
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    cJSON_Delete(a);
    free(pdf);
    free(idx);
}

static const char book[] =
    "---\n"
    "title: The Lighthouse Keeper's Journal\n"
    "author: Maria Stone\n"
    "date: 2021-03-14\n"
    "---\n"
    "\n"
    "# The northern coast\n"
    "\n"
    "The keeper climbed the spiral stairs every evening to light the great "
    "lamp above the rocks.\n"
    "\n"
    "Storms battered the tower through the long winter, yet the light never "
    "failed the passing ships.\n"
    "\n"
    "# Supplies from the mainland\n"
    "\n"
    "A small boat brought flour, oil and letters from the mainland once "
    "every fortnight.\n";

/* OpenDocument, Word and EPUB, made by pandoc from the same Markdown:
 * paragraphs, headings as the sections of the passages below them, the
 * document's title, author and date. The EPUB has a title page, whose
 * author line is a passage as an HTML paragraph is. */
static void test_office_and_epub(void **state)
{
    (void)state;
    if (!have("pandoc"))
        skip();
    put_file("book.md", book);
    shell("pandoc book.md -o book.odt && pandoc book.md -o book.docx && "
          "pandoc book.md -o book.epub");
    char *idx = tmp_file("office.idx"), *odt = tmp_file("book.odt"),
         *docx = tmp_file("book.docx"), *epub = tmp_file("book.epub");
    cJSON *j = index_json(0, idx, odt, docx, epub, (char *)NULL);
    expect_files(j, 3, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j, "passages"), 10);
    cJSON_Delete(j);

    static const char *const names[] = {"book.odt", "book.docx", "book.epub"};
    static const int ordinals[] = {3, 3, 4};
    cJSON *a = query_json(0, idx, "fortnight", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 3);
    for (int i = 0; i < 3; i++) {
        const cJSON *h = hit_with(a, names[i]);
        assert_string_equal(str_field(h, "text"),
                            "A small boat brought flour, oil and letters "
                            "from the mainland once every fortnight.");
        assert_string_equal(str_field(h, "title"),
                            "The Lighthouse Keeper\u2019s Journal");
        assert_string_equal(str_field(h, "section"),
                            "Supplies from the mainland");
        assert_int_equal((int)num_field(h, "passage"), ordinals[i]);
        assert_null(cJSON_GetObjectItemCaseSensitive(h, "page"));
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "meta");
        assert_string_equal(str_field(meta, "author"), "Maria Stone");
    }
    cJSON_Delete(a);
    char filter[PATH_MAX + 2048 + 16];
    snprintf(filter, sizeof filter, "source:%s", source_of("book.docx"));
    a = query_json(0, idx, "storms", filter, (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "section"),
                        "The northern coast");
    cJSON_Delete(a);
    /* The book's date (the OPF's); pandoc dates the others today. */
    a = query_json(0, idx, "fortnight", "date:2021-03-14..2021-03-14",
                   (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    assert_non_null(strstr(
        str_field(cJSON_GetArrayItem(hits_of(a), 0), "source"), "book.epub"));
    cJSON_Delete(a);

    snprintf(filter, sizeof filter, "source:%s", source_of("book.epub"));
    run_result_t r = run(QUERY, "-d", idx, "--duplicates", "fortnight", filter,
                         (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "book.epub:4  "));
    assert_non_null(strstr(r.out, "Supplies from the mainland"));
    run_free(&r);
    free(odt);
    free(docx);
    free(epub);
    free(idx);
}

/* Files without a known extension are read as what their content is. */
static void test_sniffing(void **state)
{
    (void)state;
    if (!have("ps2pdf"))
        skip();
    make_pdf("sniffed/notes");
    put_file("sniffed/README",
             "A plain note without any extension that mentions the "
             "quayside.\n");
    char *idx = tmp_file("sniff.idx"), *dir = tmp_file("sniffed");
    cJSON *j = index_json(0, idx, dir, (char *)NULL);
    expect_files(j, 2, 0, 0, 0, 0);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "moored", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_int_equal((int)num_field(h, "page"), 2);
    assert_non_null(strstr(str_field(h, "source"), "sniffed/notes"));
    cJSON_Delete(a);
    a = query_json(0, idx, "quayside", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    cJSON_Delete(a);
    /* Again: the file is unchanged, whatever its content said. */
    j = index_json(0, idx, dir, (char *)NULL);
    expect_files(j, 0, 0, 0, 2, 0);
    cJSON_Delete(j);
    free(dir);
    free(idx);
}

/* Damaged, encrypted, image-only and inflating documents are skipped, each
 * with one warning line that says why; the rest of the folder is indexed. */
static void test_damaged(void **state)
{
    (void)state;
    if (!have("ps2pdf") || !have("qpdf") || !have("python3"))
        skip();
    make_pdf("bad/good.pdf");
    /* Entities nested ten deep, ten times each: a "billion laughs". */
    char laughs[2048] = "<!DOCTYPE d [<!ENTITY a \"haha\">";
    for (int i = 1; i < 10; i++) {
        size_t n = strlen(laughs);
        n += (size_t)snprintf(laughs + n, sizeof laughs - n, "<!ENTITY %c \"",
                              'a' + i);
        for (int k = 0; k < 10; k++)
            n += (size_t)snprintf(laughs + n, sizeof laughs - n, "&%c;",
                                  'a' + i - 1);
        snprintf(laughs + n, sizeof laughs - n, "\">");
    }
    strcat(laughs, "]><d><title>&j;</title><p><r><t>&j;</t></r></p></d>");
    put_file("bad/laughs.xml", laughs);
    shell("cd bad && head -c 1500 good.pdf > cut.pdf && "
          "qpdf --encrypt user owner 256 -- good.pdf locked.pdf && "
          "printf 'not a zip at all' > fake.docx && "
          "head -c 300 good.pdf > fake.epub && "
          "printf '%%%%!PS\\nnewpath 90 90 moveto 200 200 lineto stroke "
          "showpage\\n' > lines.ps && ps2pdf lines.ps drawing.pdf && "
          "rm lines.ps && "
          "python3 -c \"import zipfile; z = zipfile.ZipFile('bomb.odt', 'w', "
          "zipfile.ZIP_DEFLATED); z.writestr('content.xml', b'<a>' + b' ' * "
          "(70 << 20) + b'</a>'); z.close()\" && "
          "python3 -c \"import zipfile; z = zipfile.ZipFile('laughs.docx', "
          "'w'); z.write('laughs.xml', 'word/document.xml'); "
          "z.write('laughs.xml', 'docProps/core.xml'); z.close()\" && "
          "rm laughs.xml");
    char *idx = tmp_file("bad.idx"), *dir = tmp_file("bad");
    run_result_t r = run(INDEXER, "-d", idx, "--json", dir, (char *)NULL);
    assert_int_equal(r.status, 0);
    static const char *const warnings[] = {
        "cut.pdf: damaged PDF, skipped",
        "locked.pdf: encrypted PDF (needs a password), skipped",
        "fake.docx: not a zip container (damaged?), skipped",
        "fake.epub: not a zip container (damaged?), skipped",
        "drawing.pdf: no text in the PDF (scanned pages?), skipped",
        "bomb.odt: inflates to too much text, skipped",
        ("laughs.docx: unreadable XML (damaged, or declaring entities), "
         "skipped"),
    };
    for (size_t i = 0; i < sizeof warnings / sizeof *warnings; i++)
        if (!strstr(r.err, warnings[i]))
            fail_msg("no warning '%s' in: %s", warnings[i], r.err);
    int lines = 0;
    for (const char *p = r.err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 7);
    cJSON *j = cJSON_Parse(r.out);
    expect_files(j, 1, 0, 0, 0, 7);
    cJSON_Delete(j);
    run_free(&r);
    cJSON *a = query_json(0, idx, "gulls", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 1);
    cJSON_Delete(a);
    free(dir);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_pdf_heading_title),
        cmocka_unit_test(test_office_and_epub),
        cmocka_unit_test(test_sniffing),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
