/* What the indexer reads and what it skips: a tree of hostile inputs, the
 * include/exclude filters, standard input, and special files named on the
 * command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

/* Non-zero when some line of ERR names FILE and gives WHY. */
static int warned(const char *err, const char *file, const char *why)
{
    for (const char *line = err; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, len);
        int hit = strncmp(copy, "indexer: ", 9) == 0 && strstr(copy, file) &&
                  strstr(copy, why);
        free(copy);
        if (hit)
            return 1;
        line += len + (end ? 1 : 0);
    }
    return 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The first hit of WORDS: its source (and text), or NULL when nothing
 * matched. */
static char *hit_source(const char *index, const char *words, char **text)
{
    run_result_t r =
        run(QUERY, QUERY_EXACT, "--json", "-d", index, words, (char *)NULL);
    cJSON *a = cJSON_Parse(r.out);
    run_free(&r);
    assert_non_null(a);
    const cJSON *hits = hits_of(a);
    char *src = NULL;
    if (cJSON_GetArraySize(hits) > 0) {
        const cJSON *h = cJSON_GetArrayItem(hits, 0);
        src = strdup(str_field(h, "source"));
        if (text)
            *text = strdup(str_field(h, "text"));
    }
    cJSON_Delete(a);
    return src;
}

static void expect_source(const char *index, const char *words,
                          const char *source)
{
    char *src = hit_source(index, words, NULL);
    if (!src)
        fail_msg("'%s' found nothing (expected %s)", words, source);
    assert_string_equal(src, source);
    free(src);
}

static void expect_found(const char *index, const char *words, const char *rel)
{
    expect_source(index, words, source_of(rel));
}

static void expect_absent(const char *index, const char *words)
{
    run_result_t r = run(QUERY, QUERY_EXACT, "-d", index, words, (char *)NULL);
    if (r.status != 1)
        fail_msg("'%s': query exited %d, expected 1 (nothing)", words,
                 r.status);
    run_free(&r);
}

static void make_socket(const char *rel)
{
    char *path = tmp_file("%s", rel);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof addr.sun_path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    close(fd);
    free(path);
}

static void make_symlink(const char *target, const char *rel)
{
    char *path = tmp_file("%s", rel);
    assert_int_equal(symlink(target, path), 0);
    free(path);
}

/* Every kind of input a real folder can hold, in one tree: the indexer
 * finishes, warns once for each file it skips (naming it and saying why),
 * and indexes all the rest. */
static void test_nasty_tree(void **state)
{
    (void)state;
    /* Indexed, with nothing to say. */
    put_bytes("nasty/empty.txt", "", 0);
    put_file("nasty/blank.txt", "\n  \n\t\n\r\n");
    put_file("nasty/latin1.txt", "The headline of the Latin-1 file\n\n"
                                 "Caf\xe9 cr\xe8me br\xfbl\xe9"
                                 "e is a "
                                 "dessert called marzipanfake here.\n");
    put_file("nasty/ansi.txt",
             "The headline of the terminal file\n\n"
             "\x1b[31mRed\x1b[0m text with bells \x07 and backspaces \x08 "
             "holds escapeword among others.\n\n"
             "\x1b]0;window title\x07 more words after an OSC sequence.\n");
    put_file("nasty/cjk.txt", "The headline of the CJK file\n\n"
                              "The kanjimarker coins were stolen: "
                              "北朝鮮のハッカーが暗号通貨を盗んだ。"
                              "중국어와 한국어도 있다.\n");
    put_file("nasty/rtl.txt", "The headline of the RTL file\n\n"
                              "القراصنة سرقوا العملات المشفرة من البورصات "
                              "rtlmarker \xe2\x80\x8f שלום עולם\n");
    put_file("nasty/emoji.txt",
             "The headline of the emoji file\n\n"
             "Rockets \xf0\x9f\x9a\x80 and fire \xf0\x9f\x94\xa5 and a "
             "family \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 "
             "emojimarker.\n");
    put_file("nasty/crlf.txt", "The headline of the CRLF file\r\n\r\n"
                               "Windows line endings hold crlfmarker in "
                               "this passage.\r\n");
    char longword[301];
    memset(longword, 'w', 300);
    longword[300] = '\0';
    char lw[512];
    snprintf(lw, sizeof lw,
             "The headline of the long word file\n\n"
             "A %s word and longwordmarker with more words.\n",
             longword);
    put_file("nasty/longword.txt", lw);
    put_article("nasty/bad\xff\xfename.txt", "badnamemarker");
    /* 50 MB on one line. */
    {
        const char *sentence = "a very long line repeats these words "
                               "bigfilemarker again and again ";
        size_t slen = strlen(sentence), size = 50u * 1000 * 1000;
        char *big = malloc(size);
        assert_non_null(big);
        for (size_t i = 0; i < size; i++)
            big[i] = sentence[i % slen];
        put_bytes("nasty/big.txt", big, size);
        free(big);
    }
    /* Not indexed, silently. */
    put_article("nasty/.hidden.txt", "hiddenmarker");
    put_article("nasty/sub/.git/config", "gitmarker");
    put_article("nasty/sub/plain.txt", "submarker");
    /* Skipped, each with a warning. */
    put_bytes("nasty/nul.txt", "NUL\0bytes\0here", 14);
    {
        char late[12000];
        memset(late, 'x', sizeof late);
        for (size_t i = 80; i < sizeof late; i += 80)
            late[i] = '\n';
        late[sizeof late - 1] = '\0';
        put_bytes("nasty/late-nul.txt", late, sizeof late);
    }
    put_bytes("nasty/esc\x1b[2Jname\n.txt", "bin\0\0ary", 8);
    make_symlink("loop2", "nasty/loop1");
    make_symlink("loop1", "nasty/loop2");
    make_symlink("/etc/passwd", "nasty/outside");
    make_symlink("..", "nasty/sub/up");
    char *fifo = tmp_file("nasty/fifo");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    free(fifo);
    make_socket("nasty/sock");
    put_article("nasty/unreadable.txt", "unreadablemarker");

    choose_run_user();
    char *unreadable = tmp_file("nasty/unreadable.txt");
    assert_int_equal(chmod(unreadable, 0), 0);
    free(unreadable);
    int can_deny = geteuid() != 0 || run_uid != (uid_t)-1;
    if (!can_deny)
        print_message("running as root without a user to drop to: the "
                      "unreadable-file case is not checked\n");

    char *tree = tmp_file("nasty"), *index = tmp_file("nasty.idx");
    char *argv[] = {NULL, "--json", "-d", index, tree, NULL};
    run_result_t r = run_indexer(argv);
    if (r.status != 0)
        fail_msg("indexer exited %d: %s", r.status, r.err);

    struct {
        const char *name, *why;
    } skipped[] = {
        {"nasty/nul.txt", "binary file, skipped"},
        {"nasty/esc\\x1b[2Jname\\x0a.txt", "binary file, skipped"},
        {"nasty/loop1", "symbolic link, not followed"},
        {"nasty/loop2", "symbolic link, not followed"},
        {"nasty/outside", "symbolic link, not followed"},
        {"nasty/sub/up", "symbolic link, not followed"},
        {"nasty/fifo", "a FIFO, skipped"},
        {"nasty/sock", "a socket, skipped"},
        {"nasty/unreadable.txt", "Permission denied"},
    };
    size_t nskipped = sizeof skipped / sizeof *skipped - (can_deny ? 0 : 1);
    for (size_t i = 0; i < nskipped; i++)
        if (!warned(r.err, skipped[i].name, skipped[i].why))
            fail_msg("no warning '%s' for %s in:\n%s", skipped[i].why,
                     skipped[i].name, r.err);
    /* Text with a stray NUL is text, without it, and says so once. */
    if (!warned(r.err, "nasty/late-nul.txt", "1 stray NUL byte removed"))
        fail_msg("no warning for the NUL of late-nul.txt in:\n%s", r.err);
    /* One line per warning and nothing else; no raw control characters
     * from file names reach the terminal. */
    assert_int_equal(count_lines(r.err), (int)nskipped + 1);
    assert_null(strchr(r.err, '\x1b'));
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    /* Every file written above that is neither hidden nor skipped. */
    int indexed = can_deny ? 13 : 14;
    expect_files(j, indexed, 0, 0, 0, (int)nskipped);
    assert_int_equal((int)json_num(j, "warnings"), (int)nskipped + 1);
    cJSON_Delete(j);
    run_free(&r);

    expect_found(index, "marzipanfake", "nasty/latin1.txt");
    char *text = NULL;
    char *src = hit_source(index, "marzipanfake", &text);
    assert_non_null(strstr(text, "Caf\xef\xbf\xbd")); /* U+FFFD */
    free(src);
    free(text);
    expect_found(index, "escapeword", "nasty/ansi.txt");
    expect_found(index, "kanjimarker", "nasty/cjk.txt");
    expect_found(index, "盗", "nasty/cjk.txt");
    expect_found(index, "rtlmarker", "nasty/rtl.txt");
    expect_found(index, "العملات", "nasty/rtl.txt");
    expect_found(index, "emojimarker", "nasty/emoji.txt");
    expect_found(index, "crlfmarker", "nasty/crlf.txt");
    expect_found(index, "longwordmarker", "nasty/longword.txt");
    expect_found(index, "submarker", "nasty/sub/plain.txt");
    assert_int_equal(
        source_passages(index, source_of("nasty/bad\xff\xfename.txt")), 2);
    assert_true(source_passages(index, source_of("nasty/big.txt")) >= 1);
    assert_int_equal(source_passages(index, source_of("nasty/empty.txt")), 0);
    assert_int_equal(source_passages(index, "/etc/passwd"), 0);
    expect_absent(index, "hiddenmarker");
    expect_absent(index, "gitmarker");
    if (can_deny)
        expect_absent(index, "unreadablemarker");

    /* A second run reads nothing again; the files that stay unreadable
     * or special are warned about again, the binary ones not. */
    r = run_indexer(argv);
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    assert_non_null(j);
    expect_files(j, 0, 0, 0, indexed + 2, (int)nskipped - 2);
    assert_int_equal((int)json_num(j, "bytes"), 0);
    cJSON_Delete(j);
    run_free(&r);
    free(tree);
    free(index);
}

static void test_include_exclude(void **state)
{
    (void)state;
    put_article("filt/keep.md", "alphamarker");
    put_article("filt/drop.txt", "betamarker");
    put_article("filt/docs/guide.md", "gammamarker");
    put_article("filt/docs/draft/wip.md", "deltamarker");
    put_article("filt/node_modules/pkg/readme.md", "epsilonmarker");
    char *tree = tmp_file("filt"), *index = tmp_file("filt.idx");
    /* Includes match the base name or the path below the tree; excludes
     * prune whole directories, by name or by path. */
    cJSON *j =
        index_json(0, index, "--include", "*.md", "--exclude", "node_modules",
                   "--exclude", "docs/draft", tree, (char *)NULL);
    expect_files(j, 2, 0, 0, 0, 0);
    cJSON_Delete(j);
    expect_found(index, "alphamarker", "filt/keep.md");
    expect_found(index, "gammamarker", "filt/docs/guide.md");
    expect_absent(index, "betamarker");
    expect_absent(index, "deltamarker");
    expect_absent(index, "epsilonmarker");
    /* A glob on the relative path: `*` also crosses '/'. */
    char *index2 = tmp_file("filt2.idx");
    j = index_json(0, index2, "--include", "docs/*", tree, (char *)NULL);
    expect_files(j, 2, 0, 0, 0, 0);
    cJSON_Delete(j);
    expect_found(index2, "deltamarker", "filt/docs/draft/wip.md");
    free(tree);
    free(index);
    free(index2);
}

/* Runs the indexer with standard input from the file REL and ARGS after
 * "-d INDEX --json"; returns the summary. */
static cJSON *index_stdin(int expect_status, const char *rel, const char *index,
                          char **err_out, ...)
{
    char *in = tmp_file("%s", rel), *out = tmp_file(".sout");
    char *err = tmp_file(".serr");
    char *argv[16] = {INDEXER, "-d", (char *)index, "--json"};
    va_list ap;
    va_start(ap, err_out);
    append_args(argv, 4, 16, ap);
    va_end(ap);
    pid_t pid = spawn(argv, in, out, err, (uid_t)-1, (gid_t)-1);
    int status = wait_for(pid);
    char *text = read_text(out), *errs = read_text(err);
    if (status != expect_status)
        fail_msg("indexer exited %d (expected %d): %s", status, expect_status,
                 errs);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    if (err_out)
        *err_out = errs;
    else
        free(errs);
    free(text);
    free(in);
    free(out);
    free(err);
    return j;
}

/* Binary is judged on evidence: real executables, images and compressed
 * files are skipped; text with a few stray NUL or control bytes is text,
 * read without its NULs, with one warning naming the file. */
static void test_binary_on_evidence(void **state)
{
    (void)state;
    static const char strayed[] = "A text file with one stray NUL\0 byte "
                                  "and a \x01 control byte holds "
                                  "straymarker.\n";
    put_bytes("evidence/stray.txt", strayed, sizeof strayed - 1);
    char *stray = tmp_file("evidence/stray.txt");
    char *gz = tmp_file("evidence/text.gz");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' 2>/dev/null", stray, gz);
    int have_gzip = system(cmd) == 0;
    /* Real binaries of the system, where they are. */
    const char *candidates[] = {"/usr/bin/ls",
                                "/usr/share/gitweb/static/git-logo.png",
                                have_gzip ? gz : NULL};
    /* The indexer, its four arguments, the binaries and the NULL. */
    char *argv[5 + sizeof candidates / sizeof *candidates + 1] = {
        NULL, "--json", "-d", NULL, stray};
    char *index = tmp_file("evidence.idx");
    argv[3] = index;
    int argc = 5;
    const char *binaries[3];
    int nbin = 0;
    for (size_t i = 0; i < 3; i++)
        if (candidates[i] && access(candidates[i], R_OK) == 0) {
            argv[argc++] = (char *)candidates[i];
            binaries[nbin++] = candidates[i];
        }
    argv[argc] = NULL;
    run_result_t r = run_indexer(argv);
    if (r.status != 0)
        fail_msg("indexer exited %d: %s", r.status, r.err);
    for (int i = 0; i < nbin; i++)
        if (!warned(r.err, binaries[i], "binary file, skipped"))
            fail_msg("%s not skipped as binary:\n%s", binaries[i], r.err);
    assert_true(warned(r.err, "stray.txt", "1 stray NUL byte removed"));
    assert_int_equal(count_lines(r.err), nbin + 1);
    run_free(&r);
    char *text = NULL;
    char *src = hit_source(index, "straymarker", &text);
    assert_non_null(src);
    assert_string_equal(src, stray);
    assert_string_equal(text, "A text file with one stray NUL byte and a "
                              "\x01 control byte holds straymarker.");
    free(src);
    free(text);
    free(index);
    free(gz);
    free(stray);
}

/* Standard input: its passages are stored under --stdin-name (default
 * "stdin"), whose extension picks the format unless --format says; they
 * are replaced on every run. */
static void test_stdin(void **state)
{
    (void)state;
    char *index = tmp_file("stdin.idx");
    put_article("in1.txt", "pipedmarker");
    cJSON *j = index_stdin(0, "in1.txt", index, NULL, "-", (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    expect_source(index, "pipedmarker", "stdin");

    put_article("in2.txt", "secondpipe");
    j = index_stdin(0, "in2.txt", index, NULL, "-", (char *)NULL);
    expect_files(j, 0, 1, 0, 0, 0);
    cJSON_Delete(j);
    expect_source(index, "secondpipe", "stdin");
    expect_absent(index, "pipedmarker");

    /* As text, the first line is a headline and the last a passage. */
    put_file("in3.data",
             "{\"id\": \"s0\", \"title\": \"Zero\", \"text\": "
             "\"The first piped document has several words.\"}\n\n"
             "{\"id\": \"s1\", \"title\": \"Piped\", \"text\": "
             "\"A piped JSON document holds jsonpipemarker here.\"}\n");
    j = index_stdin(0, "in3.data", index, NULL, "--stdin-name", "feed.jsonl",
                    "-", (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    run_result_t r = run(QUERY, QUERY_EXACT, "--json", "-d", index,
                         "jsonpipemarker", (char *)NULL);
    assert_int_equal(r.status, 0);
    cJSON *a = cJSON_Parse(r.out);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_string_equal(str_field(h, "source"), "feed.jsonl");
    assert_string_equal(str_field(h, "id"), "s1");
    cJSON_Delete(a);
    run_free(&r);
    /* --format wins over the name. */
    j = index_stdin(0, "in3.data", index, NULL, "--stdin-name", "other.jsonl",
                    "--format", "text", "-", (char *)NULL);
    cJSON_Delete(j);
    r = run(QUERY, QUERY_EXACT, "--json", "-d", index, "jsonpipemarker",
            (char *)NULL);
    a = cJSON_Parse(r.out);
    int as_text = 0;
    const cJSON *hit;
    cJSON_ArrayForEach(hit, hits_of(a))
    {
        if (strcmp(str_field(hit, "source"), "other.jsonl") == 0) {
            as_text = 1;
            assert_null(str_field(hit, "id"));
        }
    }
    assert_true(as_text);
    cJSON_Delete(a);
    run_free(&r);

    /* Binary input is skipped with a warning, like a binary file. */
    put_bytes("in4.bin", "\0\1\2", 3);
    char *errs = NULL;
    j = index_stdin(0, "in4.bin", index, &errs, "--stdin-name", "blob", "-",
                    (char *)NULL);
    expect_files(j, 0, 0, 0, 0, 1);
    cJSON_Delete(j);
    assert_non_null(strstr(errs, "standard input: binary"));
    free(errs);
    free(index);
}

/* Standard input named without a known extension is read as what its
 * content is, as a file is: HTML, a mailbox; text stays text. */
static void test_stdin_sniffed(void **state)
{
    (void)state;
    char *index = tmp_file("sniffed-stdin.idx");
    put_file("page.in", "<!DOCTYPE html><html><head><title>Tide tables "
                        "</title></head><body><p>High water at the "
                        "lighthouse falls near noon.</p></body></html>\n");
    cJSON *j = index_stdin(0, "page.in", index, NULL, "--stdin-name", "page",
                           "-", (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    cJSON *a = query_json(0, index, "lighthouse", (char *)NULL);
    assert_string_equal(str_field(cJSON_GetArrayItem(hits_of(a), 0), "title"),
                        "Tide tables");
    cJSON_Delete(a);

    put_file("box.in", "From ann@example.org Mon Mar  4 10:00:00 2024\n"
                       "From: Ann <ann@example.org>\n"
                       "Subject: Harbour dues\n"
                       "\n"
                       "The harbour dues rise in April for every mooring.\n");
    j = index_stdin(0, "box.in", index, NULL, "-", (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    a = query_json(0, index, "mooring", (char *)NULL);
    const cJSON *h = cJSON_GetArrayItem(hits_of(a), 0);
    assert_string_equal(str_field(h, "title"), "Harbour dues");
    assert_string_equal(str_field(h, "from"), "Ann <ann@example.org>");
    assert_string_equal(str_field(h, "source"), "stdin");
    cJSON_Delete(a);

    /* --format still decides: the same mailbox read as text. */
    j = index_stdin(0, "box.in", index, NULL, "--format", "text",
                    "--stdin-name", "box-as-text", "-", (char *)NULL);
    cJSON_Delete(j);
    a = query_json(0, index, "mooring", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
    cJSON_ArrayForEach(h, hits_of(a))
    {
        int as_text = strcmp(str_field(h, "source"), "box-as-text") == 0;
        assert_true(as_text == !cJSON_GetObjectItemCaseSensitive(h, "from"));
    }
    cJSON_Delete(a);
    free(index);
}

static void test_named_special_files(void **state)
{
    (void)state;
    char *index = tmp_file("named.idx");
    char *fifo = tmp_file("named.fifo");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    /* Never opened, so never waited on. */
    run_result_t r = run(INDEXER, "-d", index, fifo, (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not a regular file or directory"));
    run_free(&r);
    /* A symbolic link named on the command line is followed: the user
     * asked for it. Its passages are stored under the real name. */
    put_article("named-target.txt", "targetmarker");
    char *link = tmp_file("named-link.txt");
    assert_int_equal(symlink("named-target.txt", link), 0);
    cJSON *j = index_json(0, index, link, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    cJSON_Delete(j);
    expect_found(index, "targetmarker", "named-target.txt");
    /* '-' twice is refused before anything is read. */
    r = run(INDEXER, "-d", index, "-", "-", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "more than once"));
    run_free(&r);
    free(fifo);
    free(link);
    free(index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nasty_tree),
        cmocka_unit_test(test_include_exclude),
        cmocka_unit_test(test_binary_on_evidence),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_stdin_sniffed),
        cmocka_unit_test(test_named_special_files),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
