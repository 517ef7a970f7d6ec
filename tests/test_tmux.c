/* `query` on a real terminal: tmux runs it in a pane, and what the pane
 * then shows is read back. On a terminal the matched words are highlighted;
 * the escape sequences of a hostile document arrive as visible text and do
 * nothing (the window keeps its title, the screen is not cleared).
 * Exits 77 (skipped) when tmux is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "cli.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN

static char index_dir[4200], sock[4200], conf[4200];
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
