/* `query` on a real terminal: tmux runs it in a pane, and what the pane
 * then shows is read back. On a terminal the matched words are highlighted;
 * the escape sequences of a hostile document arrive as visible text and do
 * nothing (the window keeps its title, the screen is not cleared). The
 * text is wrapped to the pane's width (80 and 200 columns, or $COLUMNS) at
 * spaces, continuation lines indented, and not wrapped when piped.
 * Exits 77 (skipped) when tmux is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include <utf8proc.h>

#include "cli.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define LICENSE_DIR "/usr/share/common-licenses"
#define QUESTION "free software license copies"

static char index_dir[4200], sock[4200], conf[4200], licenses[4200];
static int server_started;

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    char docs[4200], doc[4300];
    tmp_path(docs, sizeof docs, "docs");
    tmp_path(index_dir, sizeof index_dir, "index");
    tmp_path(sock, sizeof sock, "tmux.sock");
    tmp_path(conf, sizeof conf, "tmux.conf");
    if (mkdir(docs, 0700) != 0)
        return -1;
    snprintf(doc, sizeof doc, "%s/hostile.txt", docs);
    write_file(doc, "A hostile article for the terminal\n\n"
                    "The quokka sets \033]2;pwned\007 the title, clears "
                    "\033[2J the screen and paints \033[31mred\033[0m too.\n");
    /* Our own settings only (not the user's): no status line. */
    write_file(conf, "set -g status off\n");
    run_result_t r = run(INDEXER, "-q", "-d", index_dir, docs, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    /* Real text to wrap: the licences every Debian system has. */
    tmp_path(licenses, sizeof licenses, "licenses");
    if (ok && access(LICENSE_DIR "/GPL-3", R_OK) == 0 &&
        access(LICENSE_DIR "/Apache-2.0", R_OK) == 0) {
        r = run(INDEXER, "-q", "-d", licenses, LICENSE_DIR "/GPL-3",
                LICENSE_DIR "/Apache-2.0", NULL);
        ok = r.status == 0;
        run_free(&r);
    } else {
        licenses[0] = '\0';
    }
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    if (server_started) {
        run_result_t r =
            run("/usr/bin/env", "tmux", "-S", sock, "kill-server", NULL);
        run_free(&r);
    }
    return cli_teardown(state);
}

/* Runs tmux with our socket and the arguments that follow; returns its
 * standard output (the caller frees it), failing the test unless it
 * exits 0. */
static char *tmux(const char *a1, const char *a2, const char *a3,
                  const char *a4, const char *a5)
{
    char *argv[] = {"/usr/bin/env", "tmux",     "-S",       sock,
                    "-f",           conf,       (char *)a1, (char *)a2,
                    (char *)a3,     (char *)a4, (char *)a5, NULL};
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0)
        fail_msg("tmux %s: exit %d: %s", a1, r.status, r.err);
    free(r.err);
    return r.out;
}

static void test_query_in_a_terminal(void **state)
{
    (void)state;
    char command[9000];
    /* The pane's shell runs query with colour left to its own judgement
     * (auto: a terminal, and NO_COLOR unset), tells us it is done, and
     * keeps the pane open and untouched (cat reads the idle terminal). */
    snprintf(command, sizeof command,
             "env -u NO_COLOR '%s' -d '%s' quokka; "
             "tmux -S '%s' wait-for -S quarry-done; exec cat",
             QUERY, index_dir, sock);
    free(tmux("new-session", "-d", "-x", "160", command));
    server_started = 1;
    /* Returns once the pane has signalled (also if it already has). */
    free(tmux("wait-for", "quarry-done", NULL, NULL, NULL));

    char *plain = tmux("capture-pane", "-p", "-J", NULL, NULL);
    char *styled = tmux("capture-pane", "-p", "-J", "-e", NULL);
    char *title = tmux("display-message", "-p", "#{pane_title}", NULL, NULL);
    char *cursor = tmux("display-message", "-p",
                        "#{history_size} #{cursor_x} #{cursor_y}", NULL, NULL);

    /* The screen was not cleared nor scrolled, and the cursor went no
     * further than the three lines printed: the hit starts the pane. */
    if (strncmp(plain, "1. ", 3) != 0)
        fail_msg("the pane does not start with the hit: '%s'", plain);
    assert_string_equal(cursor, "0 0 3\n");
    /* The document's sequences are shown, not obeyed. */
    assert_non_null(strstr(plain, "The quokka sets \\x1b]2;pwned\\x07 the "
                                  "title, clears \\x1b[2J the screen and "
                                  "paints \\x1b[31mred\\x1b[0m too."));
    if (strstr(title, "pwned"))
        fail_msg("the document retitled the pane: '%s'", title);
    /* The match is highlighted: the style sequences tmux reports just
     * before the word turn on bold and red. */
    const char *word = strstr(styled, "quokka");
    assert_non_null(word);
    const char *run_start = word;
    while (run_start > styled && run_start[-1] == 'm') {
        const char *esc = run_start - 1;
        while (esc > styled && *esc != '\033')
            esc--;
        if (*esc != '\033')
            break;
        run_start = esc;
    }
    char style[64];
    snprintf(style, sizeof style, "%.*s", (int)(word - run_start), run_start);
    if (!strstr(style, "31m") ||
        !(strstr(style, "[1m") || strstr(style, "[1;")))
        fail_msg("the match is not bold red: '%s'", style + (*style != 0));
    /* tmux writes a sequence wherever the style changes: none inside the
     * document's own (escaped) sequences. */
    assert_non_null(strstr(styled, "\\x1b[31mred\\x1b[0m too."));
    free(plain);
    free(styled);
    free(title);
    free(cursor);
}

/* The columns LINE takes (a terminal's count: wide characters two). */
static size_t columns(const char *line, size_t len)
{
    size_t cols = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)line + i,
                             (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            cols++;
            i++;
            continue;
        }
        int w = utf8proc_charwidth(cp);
        cols += w > 0 ? (size_t)w : 0;
        i += (size_t)n;
    }
    return cols;
}

/* The words of TEXT (runs of non-spaces), one a line, in order. */
static char *word_sequence(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 2), *o = out;
    assert_non_null(out);
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        while (*p && *p != ' ' && *p != '\n')
            *o++ = *p++;
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}

typedef struct layout {
    size_t lines, widest;
    size_t starts;        /* lines at the hit's indent: a field begins */
    size_t continuations; /* lines indented further */
    size_t flush_left;    /* lines at column 0 that are no hit's first */
} layout_t;

/* The lines of TEXT (trailing spaces and blank lines at its end left
 * out). */
static layout_t lay_out(const char *text)
{
    layout_t l = {0};
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t len = n;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len > 0) {
            size_t cols = columns(p, len), indent = strspn(p, " ");
            l.lines++;
            if (cols > l.widest)
                l.widest = cols;
            if (indent == 3)
                l.starts++;
            else if (indent > 3)
                l.continuations++;
            else if (!(indent == 0 && p[0] >= '1' && p[0] <= '9' &&
                       strstr(p, ". ")))
                l.flush_left++;
        }
        p += n + (e != NULL);
    }
    return l;
}

/* Runs query on the licences in a detached pane of WIDTH columns (with
 * COLUMNS_ENV, "COLUMNS=N", or none) and returns what the pane shows,
 * its lines joined where tmux itself wrapped them. */
static char *in_pane(unsigned width, const char *columns_env)
{
    static int sessions;
    char command[9000], name[32], cols[16], done[48];
    snprintf(name, sizeof name, "wrap-%d", sessions++);
    snprintf(cols, sizeof cols, "%u", width);
    snprintf(done, sizeof done, "quarry-%s", name);
    snprintf(command, sizeof command,
             "env -u COLUMNS %s '%s' -d '%s' -n 5 '%s'; "
             "tmux -S '%s' wait-for -S %s; exec cat",
             columns_env ? columns_env : "", QUERY, licenses, QUESTION, sock,
             done);
    char *argv[] = {"/usr/bin/env", "tmux", "-S",    sock, "-f", conf,
                    "new-session",  "-d",   "-s",    name, "-x", cols,
                    "-y",           "300",  command, NULL};
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0)
        fail_msg("tmux new-session: exit %d: %s", r.status, r.err);
    run_free(&r);
    server_started = 1;
    free(tmux("wait-for", done, NULL, NULL, NULL));
    char target[40];
    snprintf(target, sizeof target, "%s:", name);
    char *argv2[] = {"/usr/bin/env", "tmux", "-S", sock,   "capture-pane",
                     "-p",           "-J",   "-t", target, NULL};
    r = run_argv_fd(argv2, -1);
    if (r.status != 0)
        fail_msg("tmux capture-pane: exit %d: %s", r.status, r.err);
    free(r.err);
    return r.out;
}

/* What query prints for the same question into a pipe (no wrapping), or
 * with --width WIDTH. */
static char *piped(const char *width)
{
    run_result_t r =
        width ? run(QUERY, "-d", licenses, "-n", "5", "--width", width,
                    QUESTION, NULL)
              : run(QUERY, "-d", licenses, "-n", "5", QUESTION, NULL);
    assert_int_equal(r.status, 0);
    free(r.err);
    return r.out;
}

/* The pane at WIDTH shows the words of the unwrapped output, in order
 * (none split), on lines no wider than WIDTH, the lines that continue a
 * field indented past the field's first. */
static void check_wrapped(unsigned width, const char *columns_env)
{
    if (!licenses[0])
        skip();
    char *flat = piped(NULL), *pane = in_pane(width, columns_env);
    layout_t f = lay_out(flat), p = lay_out(pane);
    char *want = word_sequence(flat), *got = word_sequence(pane);
    if (strcmp(want, got) != 0)
        fail_msg("the pane's words are not the text's:\n%s", pane);
    if (p.widest > width)
        fail_msg("a line of %zu columns at %u:\n%s", p.widest, width, pane);
    /* Wrapping adds continuation lines only: as many fields begin. */
    assert_int_equal(p.starts, f.starts);
    assert_int_equal(p.flush_left, 0);
    assert_true(p.lines == f.lines + p.continuations);
    if (f.widest > width)
        assert_true(p.continuations > 0);
    free(flat);
    free(pane);
    free(want);
    free(got);
}

static void test_wrapped_at_80_columns(void **state)
{
    (void)state;
    check_wrapped(80, NULL);
}

static void test_wrapped_at_200_columns(void **state)
{
    (void)state;
    check_wrapped(200, NULL);
}

/* $COLUMNS is the terminal's width when set. */
static void test_columns_variable(void **state)
{
    (void)state;
    check_wrapped(200 /* the pane */, "COLUMNS=60");
    char *pane = in_pane(200, "COLUMNS=60");
    layout_t p = lay_out(pane);
    assert_true(p.widest <= 60 && p.continuations > 0);
    free(pane);
}

/* Into a pipe nothing is wrapped, unless --width asks. */
static void test_piped_unwrapped(void **state)
{
    (void)state;
    if (!licenses[0])
        skip();
    char *flat = piped(NULL), *narrow = piped("60");
    layout_t f = lay_out(flat), n = lay_out(narrow);
    assert_true(f.widest > 80);
    assert_int_equal(f.continuations, 0);
    assert_true(n.widest <= 60 && n.continuations > 0);
    char *a = word_sequence(flat), *b = word_sequence(narrow);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(flat);
    free(narrow);
}

/* Whether an executable NAME is on $PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    char dir[4096], file[4200];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)n, path);
        snprintf(file, sizeof file, "%s/%s", *dir ? dir : ".", name);
        if (access(file, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

int main(void)
{
    if (!on_path("tmux")) {
        fprintf(stderr, "test_tmux: skipped: tmux is not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_in_a_terminal),
        cmocka_unit_test(test_wrapped_at_80_columns),
        cmocka_unit_test(test_wrapped_at_200_columns),
        cmocka_unit_test(test_columns_variable),
        cmocka_unit_test(test_piped_unwrapped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
