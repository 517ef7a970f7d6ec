/* The `query` program's command line, run on an index of corpus/: the
 * output formats (--jsonl, --files, --count), --batch against single runs,
 * snippet markers, context and fragments, exit statuses, --parsed,
 * --explain, duplicate folding, --per-source, spelling suggestions, and
 * the manual pages and bash completion (tests/test_options.c checks them
 * against the option tables). */
#include <ctype.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"
#include <cjson/cJSON.h>

#include "cli.h"
#include "quarry/text.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN
#define CORPUS QUARRY_SOURCE_DIR "/corpus"
#define WION "north-korea-cyberattacks-fund-missiles-wion.txt"
#define LATIN "un-report-north-korea-crypto-theft-latin-times.txt"
#define MAX_ARGS 24

static char index_dir[4200];

static int setup(void **state)
{
    if (cli_setup(state))
        return -1;
    tmp_path(index_dir, sizeof index_dir, "index");
    run_result_t r = run(INDEXER, "-q", "-d", index_dir, CORPUS, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer failed: %s", r.err);
    run_free(&r);
    return ok ? 0 : -1;
}

/* ---- Running query ----------------------------------------------------- */

/* Runs ARGV with INPUT (or nothing) on standard input; WRAPPED: under
 * $QUARRY_TEST_WRAPPER, as the programs under test are. */
static run_result_t run_input(char *const argv[], const char *input,
                              int wrapped)
{
    char in_path[4200], out_path[4200], err_path[4200];
    tmp_path(in_path, sizeof in_path, ".stdin");
    tmp_path(out_path, sizeof out_path, ".out");
    tmp_path(err_path, sizeof err_path, ".err");
    write_file(in_path, input ? input : "");
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(in_path, O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (wrapped)
            exec_wrapped(argv);
        else
            execv(argv[0], argv);
        _exit(127);
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    run_result_t r;
    r.status =
        WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    int fd = open(out_path, O_RDONLY);
    r.out = fd < 0 ? calloc(1, 1) : slurp_fd(fd);
    if (fd >= 0)
        close(fd);
    fd = open(err_path, O_RDONLY);
    r.err = fd < 0 ? calloc(1, 1) : slurp_fd(fd);
    if (fd >= 0)
        close(fd);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
    return r;
}

/* `query -d INDEX ARGS...` with INPUT on standard input. */
static run_result_t query_va(const char *input, const char *first, va_list ap)
{
    char *argv[MAX_ARGS + 4] = {QUERY, "-d", index_dir};
    int n = 3;
    for (const char *a = first; a && n < MAX_ARGS + 3;
         a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    argv[n] = NULL;
    return run_input(argv, input, 1);
}

/* `query -d INDEX` followed by the NULL-terminated arguments. */
static run_result_t q(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    run_result_t r = query_va(NULL, first, ap);
    va_end(ap);
    return r;
}

/* The same, reading INPUT. */
static run_result_t qin(const char *input, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    run_result_t r = query_va(input, first, ap);
    va_end(ap);
    return r;
}

/* `query -d INDEX` followed by the arguments of a NULL-terminated table
 * row, then QUESTION (when not NULL). */
static run_result_t q_row(const char *const *args, const char *question)
{
    char *argv[MAX_ARGS + 5] = {QUERY, "-d", index_dir};
    int n = 3;
    for (int i = 0; args[i] && n < MAX_ARGS + 3; i++)
        argv[n++] = (char *)args[i];
    if (question)
        argv[n++] = (char *)question;
    argv[n] = NULL;
    return run_input(argv, NULL, 1);
}

static cJSON *parse_or_fail(const char *text, const char *what)
{
    cJSON *root = cJSON_Parse(text);
    if (!root)
        fail_msg("%s: not JSON: '%s'", what, text);
    return root;
}

/* `query --json -n LIMIT QUESTION`, parsed. */
static cJSON *json_answer(const char *limit, const char *question, int *status)
{
    run_result_t r = q("--json", "-n", limit, question, NULL);
    cJSON *root = parse_or_fail(r.out, question);
    if (status)
        *status = r.status;
    run_free(&r);
    return root;
}

static const char *str_item(const cJSON *o, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(item))
        fail_msg("no string '%s'", name);
    return item->valuestring;
}

/* Splits TEXT into lines (each without its newline); returns the count.
 * TEXT is changed in place; LINES has room for MAX. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (*p && n < max) {
        char *nl = strchr(p, '\n');
        if (!nl)
            fail_msg("output does not end with a newline: '%s'", p);
        *nl = '\0';
        lines[n++] = p;
        p = nl + 1;
    }
    if (*p)
        fail_msg("more than %zu lines", max);
    return n;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* ---- Output formats ---------------------------------------------------- */

static const char *const questions[] = {
    "stole",
    "korea",
    "north korea missile",
    "\"nuclear tests\"",
    "who stole cryptocurrency",
    "zzyzzx",
};
#define NQUESTIONS (sizeof questions / sizeof *questions)

/* --jsonl: a line per hit of --json, the same object plus "query". */
static void test_jsonl_lines_are_the_hits(void **state)
{
    (void)state;
    for (size_t i = 0; i < NQUESTIONS; i++) {
        int status;
        cJSON *root = json_answer("20", questions[i], &status);
        cJSON *hits = cJSON_GetObjectItem(root, "hits");
        run_result_t r = q("--jsonl", "-n", "20", questions[i], NULL);
        if (r.status != status)
            fail_msg("'%s': exit %d, --json exits %d", questions[i], r.status,
                     status);
        char *lines[64];
        size_t n = split_lines(r.out, lines, 64);
        if ((int)n != cJSON_GetArraySize(hits))
            fail_msg("'%s': %zu lines for %d hits", questions[i], n,
                     cJSON_GetArraySize(hits));
        for (size_t k = 0; k < n; k++) {
            cJSON *line = parse_or_fail(lines[k], questions[i]);
            assert_string_equal(str_item(line, "query"), questions[i]);
            cJSON_DeleteItemFromObject(line, "query");
            if (!cJSON_Compare(line, cJSON_GetArrayItem(hits, (int)k), 1))
                fail_msg("'%s': line %zu is not hit %zu", questions[i], k, k);
            cJSON_Delete(line);
        }
        run_free(&r);
        cJSON_Delete(root);
    }
}

/* --files: each matching file once, an absolute path, best first. */
static void test_files(void **state)
{
    (void)state;
    static const struct {
        const char *question;
        const char *files[3]; /* the files, by name, in any order */
        int status;
    } rows[] = {
        {"korea", {WION, LATIN}, 0},
        {"yonhap", {WION}, 0},
        {"chainalysis", {LATIN}, 0},
        {"source:" CORPUS "/" WION " korea", {WION}, 0},
        /* a filter is required, unless an OR makes it an alternative */
        {"yonhap source:" CORPUS "/" LATIN, {NULL}, 1},
        {"yonhap OR source:" CORPUS "/" LATIN, {WION, LATIN}, 0},
        {"korea source:" CORPUS "/" LATIN " OR source:" CORPUS "/" WION,
         {WION, LATIN},
         0},
        {"chainalysis source:" CORPUS "/" LATIN " OR source:" CORPUS "/" WION,
         {LATIN},
         0},
        {"zzyzzx", {NULL}, 1},
        /* paths as stored, wherever query runs: a glob or a name matches
         * the end of a path, a folder's name everything below it */
        {"korea source:*" LATIN, {LATIN}, 0},
        {"korea source:" LATIN, {LATIN}, 0},
        {"korea source:corpus", {WION, LATIN}, 0},
        {"korea source:corpus/*wion.txt", {WION}, 0},
        {"korea source:" CORPUS, {WION, LATIN}, 0},
        {"korea source:" CORPUS "/*wion.txt", {WION}, 0},
        {"korea source:orpus", {NULL}, 1},
    };
    static const char *const forms[][3] = {
        {"--files", NULL}, {"-l", NULL}, {"--format", "files", NULL}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *first = NULL;
        for (size_t f = 0; f < 3; f++) {
            run_result_t r = q_row(forms[f], rows[i].question);
            if (r.status != rows[i].status)
                fail_msg("'%s' %s: exit %d", rows[i].question, forms[f][0],
                         r.status);
            if (first) {
                assert_string_equal(r.out, first);
                run_free(&r);
                continue;
            }
            first = strdup(r.out);
            char *lines[16];
            size_t n = split_lines(r.out, lines, 16);
            size_t expected = 0;
            while (expected < 3 && rows[i].files[expected])
                expected++;
            if (n != expected)
                fail_msg("'%s': %zu files, expected %zu", rows[i].question, n,
                         expected);
            for (size_t k = 0; k < n; k++) {
                assert_true(lines[k][0] == '/');
                int known = 0;
                for (size_t e = 0; e < expected; e++)
                    known |= ends_with(lines[k], rows[i].files[e]);
                if (!known)
                    fail_msg("'%s': unexpected file '%s'", rows[i].question,
                             lines[k]);
                for (size_t j = 0; j < k; j++)
                    assert_string_not_equal(lines[j], lines[k]);
            }
            run_free(&r);
        }
        free(first);
    }
    /* The best file first: the one of the best passage. */
    cJSON *root = json_answer("1", "who stole cryptocurrency", NULL);
    const char *best = str_item(
        cJSON_GetArrayItem(cJSON_GetObjectItem(root, "hits"), 0), "source");
    run_result_t r = q("--files", "who stole cryptocurrency", NULL);
    assert_true(strncmp(r.out, best, strlen(best)) == 0);
    assert_int_equal(r.out[strlen(best)], '\n');
    run_free(&r);
    cJSON_Delete(root);
}

/* --count: the JSON's total, alone on its line. */
static void test_count(void **state)
{
    (void)state;
    for (size_t i = 0; i < NQUESTIONS; i++) {
        int status;
        cJSON *root = json_answer("10", questions[i], &status);
        char expected[32];
        snprintf(expected, sizeof expected, "%d\n",
                 cJSON_GetObjectItem(root, "total")->valueint);
        static const char *const forms[][3] = {
            {"--count", NULL}, {"-c", NULL}, {"--format", "count", NULL}};
        for (size_t f = 0; f < 3; f++) {
            run_result_t r = q_row(forms[f], questions[i]);
            assert_int_equal(r.status, status);
            if (strcmp(r.out, expected) != 0)
                fail_msg("'%s' %s: '%s', expected '%s'", questions[i],
                         forms[f][0], r.out, expected);
            run_free(&r);
        }
        cJSON_Delete(root);
    }
    run_result_t r = q("--count", "zzyzzx", NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "0\n");
    run_free(&r);
}

/* ---- --batch ----------------------------------------------------------- */

/* Batch questions: a question, with what a single run is given. */
static const struct batch_row {
    const char *line;   /* as written on standard input, without '\n' */
    const char *single; /* the same question on the command line */
} batch_rows[] = {
    {"who stole cryptocurrency", "who stole cryptocurrency"},
    {"", ""},
    {"\"nuclear tests\"", "\"nuclear tests\""},
    {"korea NOT cryptocurrency", "korea NOT cryptocurrency"},
    {"zzyzzx", "zzyzzx"},
    {"north korea missile\r", "north korea missile"},
    {"(stole", "(stole"},
    {"  stole  ", "  stole  "},
};
#define NBATCH (sizeof batch_rows / sizeof *batch_rows)

static char *batch_input(void)
{
    size_t len = 1;
    for (size_t i = 0; i < NBATCH; i++)
        len += strlen(batch_rows[i].line) + 1;
    char *in = malloc(len);
    assert_non_null(in);
    in[0] = '\0';
    for (size_t i = 0; i < NBATCH; i++) {
        strcat(in, batch_rows[i].line);
        strcat(in, "\n");
    }
    return in;
}

static void test_batch_equals_single_runs(void **state)
{
    (void)state;
    char *input = batch_input();
    /* JSON: one object per question, each the single run's. */
    run_result_t b = qin(input, "--batch", "-n", "5", NULL);
    assert_int_equal(b.status, 0);
    assert_string_equal(b.err, "");
    char *lines[NBATCH + 1];
    assert_int_equal(split_lines(b.out, lines, NBATCH + 1), NBATCH);
    for (size_t i = 0; i < NBATCH; i++) {
        run_result_t s = q("--json", "-n", "5", batch_rows[i].single, NULL);
        cJSON *x = parse_or_fail(lines[i], "batch");
        cJSON *y = parse_or_fail(s.out, "single");
        if (!cJSON_Compare(x, y, 1))
            fail_msg("question %zu: batch '%s', single '%s'", i, lines[i],
                     s.out);
        cJSON_Delete(x);
        cJSON_Delete(y);
        run_free(&s);
    }
    run_free(&b);
    /* --count and --jsonl: the single runs' outputs, one after another. */
    static const char *const modes[] = {"--count", "--jsonl"};
    for (size_t m = 0; m < 2; m++) {
        b = qin(input, "--batch", modes[m], "-n", "5", NULL);
        assert_int_equal(b.status, 0);
        size_t at = 0;
        for (size_t i = 0; i < NBATCH; i++) {
            run_result_t s = q(modes[m], "-n", "5", batch_rows[i].single, NULL);
            size_t n = strlen(s.out);
            if (strncmp(b.out + at, s.out, n) != 0)
                fail_msg("%s, question %zu: '%s' not at '%s'", modes[m], i,
                         s.out, b.out + at);
            at += n;
            run_free(&s);
        }
        assert_int_equal(b.out[at], '\0');
        run_free(&b);
    }
    free(input);
}

static void test_batch_statuses(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        const char *args[4];
        int status;
        size_t lines;    /* of standard output */
        const char *err; /* in standard error, or NULL: empty */
    } rows[] = {
        {"stole\nzzyzzx\n", {NULL}, 0, 2, NULL},
        {"zzyzzx\nqqxvzz\n", {NULL}, 1, 2, NULL},
        {"stole", {NULL}, 0, 1, NULL}, /* no final newline */
        {"", {NULL}, 1, 0, NULL},
        {"\n\n", {NULL}, 1, 2, NULL},
        {"zzyzzx\n", {"--count"}, 1, 1, NULL},
        {"zzyzzx\n", {"--jsonl"}, 1, 0, NULL},
        {"stole\n", {"korea"}, 2, 0, "WORDS"},
        {"stole\n", {"--files"}, 2, 0, "json, jsonl or count"},
        {"stole\n", {"--format", "text"}, 2, 0, "not text"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *argv[MAX_ARGS] = {QUERY, "-d", index_dir, "--batch"};
        int n = 4;
        for (int k = 0; k < 4 && rows[i].args[k]; k++)
            argv[n++] = (char *)rows[i].args[k];
        argv[n] = NULL;
        run_result_t r = run_input(argv, rows[i].input, 1);
        if (r.status != rows[i].status)
            fail_msg("row %zu: exit %d: %s", i, r.status, r.err);
        char *lines[16];
        assert_int_equal(split_lines(r.out, lines, 16), rows[i].lines);
        if (rows[i].err) {
            if (!strstr(r.err, rows[i].err) ||
                strncmp(r.err, "query: ", 7) != 0)
                fail_msg("row %zu: stderr '%s'", i, r.err);
        } else {
            assert_string_equal(r.err, "");
        }
        run_free(&r);
    }
}

/* Starts `query -d INDEX --batch ARGS...` on pipes: *TO writes its
 * questions, *FROM reads its answers. */
static pid_t start_batch(const char *index, const char *const *args, int *to,
                         int *from)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char *argv[MAX_ARGS] = {QUERY, "-d", (char *)index, "--batch"};
        int n = 4;
        for (int k = 0; args[k] && n < MAX_ARGS - 1; k++)
            argv[n++] = (char *)args[k];
        argv[n] = NULL;
        exec_wrapped(argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    *to = in[1];
    *from = out[0];
    return pid;
}

/* Writes QUESTION and a newline to TO, and reads one answer line from FROM
 * into BUF (without its newline). Only one line may come: the next
 * question is not written yet, so a buffered answer never arrives (the
 * guard turns that into a failure instead of a hang). */
static void ask(int to, int from, const char *question, char *buf, size_t size)
{
    size_t len = strlen(question);
    assert_int_equal(write(to, question, len), (ssize_t)len);
    assert_int_equal(write(to, "\n", 1), 1);
    size_t n = 0;
    do {
        struct pollfd p = {from, POLLIN, 0};
        if (poll(&p, 1, 120000) != 1)
            fail_msg("no answer to '%s'", question);
        ssize_t got = read(from, buf + n, size - 1 - n);
        if (got <= 0)
            fail_msg("output ended at '%s'", question);
        n += (size_t)got;
    } while (buf[n - 1] != '\n' && n < size - 1);
    buf[n] = '\0';
    assert_int_equal(strchr(buf, '\n') - buf, (ptrdiff_t)n - 1);
    buf[n - 1] = '\0';
}

/* Closes TO and expects the batch to end with STATUS, having printed
 * nothing more. */
static void end_batch(pid_t pid, int to, int from, int status)
{
    close(to);
    char rest[16];
    assert_int_equal(read(from, rest, sizeof rest), 0);
    close(from);
    int wstatus;
    waitpid(pid, &wstatus, 0);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), status);
}

/* Each answer is written before the next question is read: a program can
 * ask, read the answer, and ask again over the same pipes. */
static void test_batch_answers_each_question_at_once(void **state)
{
    (void)state;
    static const char *const modes[] = {"--json", "--jsonl", "--count"};
    for (size_t m = 0; m < 3; m++) {
        const char *args[] = {"-n", "1", modes[m], NULL};
        int to, from;
        pid_t pid = start_batch(index_dir, args, &to, &from);
        for (int round = 0; round < 3; round++) {
            char buf[8192];
            ask(to, from, "stole", buf, sizeof buf);
        }
        end_batch(pid, to, from, 0);
    }
}

/* A batch answers each question from the index as it is then: after
 * commits of the indexer, and after a bulk load put a new index in its
 * place. */
static void test_batch_follows_the_index(void **state)
{
    (void)state;
    char dir[4200], idx[4200], file[4300];
    tmp_path(dir, sizeof dir, "follow");
    tmp_path(idx, sizeof idx, "follow.idx");
    assert_int_equal(mkdir(dir, 0700), 0);
    for (int i = 0; i < 4; i++) {
        snprintf(file, sizeof file, "%s/note-%d.txt", dir, i);
        write_file(file, "A jar of marmalade stood on the kitchen table.\n");
    }
    run_result_t r = run(INDEXER, "-q", "-d", idx, dir, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    /* one thread commits to the index; two load a new one in its place */
    static const char *const jobs[] = {"1", "2", "2", "1"};
    const char *args[] = {"--count", NULL};
    int to, from;
    char buf[64];
    pid_t pid = start_batch(idx, args, &to, &from);
    ask(to, from, "marmalade", buf, sizeof buf);
    assert_string_equal(buf, "4");
    for (int i = 4; i < 8; i++) {
        snprintf(file, sizeof file, "%s/note-%d.txt", dir, i);
        write_file(file, "Orange marmalade on toast, again, for breakfast.\n");
        r = run(INDEXER, "-q", "--jobs", jobs[i - 4], "-d", idx, dir, NULL);
        assert_int_equal(r.status, 0);
        run_free(&r);
        ask(to, from, "marmalade", buf, sizeof buf);
        char want[8];
        snprintf(want, sizeof want, "%d", i + 1);
        assert_string_equal(buf, want);
    }
    end_batch(pid, to, from, 0);
}

/* ---- Snippets ---------------------------------------------------------- */

/* Highlight rows: options, question, a text the output must hold, a text it
 * must not (or NULL). */
static void test_highlight_markers(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *question;
        const char *has;
        const char *lacks;
    } rows[] = {
        {{"--highlight=[,]"}, "stole", "attackers [stole] more", "\033"},
        {{"--highlight=<<,>>"}, "stole", "<<stole>>", "[stole]"},
        {{"--highlight", "[,]"}, "stole", "[stole]", NULL},
        {{"--highlight=<b>,</b>"},
         "stole cryptocurrency",
         "<b>stole</b> more than $50 million between 2020 and mid-2021 from "
         "at least three <b>cryptocurrency</b>",
         NULL},
        {{"--highlight=,"}, "stole", "attackers stole more", "[stole]"},
        {{"--highlight=a,b,c"}, "stole", "astoleb,c more", NULL},
        {{"--highlight=[,]", "--color=always"},
         "stole",
         "[stole]",
         "\033[1;31m"},
        {{"--color=always"}, "stole", "\033[1;31mstole\033[0m", "[stole]"},
        {{NULL}, "stole", "attackers stole more", "\033"},
        {{"--json", "--highlight=[,]"},
         "stole",
         "\"highlights\":[[",
         "[stole]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        run_result_t r = q_row(rows[i].args, rows[i].question);
        if (r.status != 0)
            fail_msg("row %zu: exit %d: %s", i, r.status, r.err);
        if (!strstr(r.out, rows[i].has))
            fail_msg("row %zu: no '%s' in '%s'", i, rows[i].has, r.out);
        if (rows[i].lacks && strstr(r.out, rows[i].lacks))
            fail_msg("row %zu: '%s' in '%s'", i, rows[i].lacks, r.out);
        run_free(&r);
    }
}

static int count_word(void *ctx, const qy_token_t *tok)
{
    (void)tok;
    ++*(size_t *)ctx;
    return 0;
}

static size_t words_in(qy_analyzer_t *a, const char *s)
{
    size_t n = 0;
    assert_int_equal(qy_tokenize(a, s, strlen(s), count_word, &n), QY_OK);
    return n;
}

/* --context N: no snippet holds more than N words; a short passage is
 * shown whole under the default. */
static void test_context(void **state)
{
    (void)state;
    qy_analyzer_t *a;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    static const char *const sizes[] = {"1", "3", "8", "20"};
    for (size_t i = 0; i < 4; i++) {
        run_result_t r = q("--json", "-n", "20", "--context", sizes[i],
                           "north korea missile cryptocurrency", NULL);
        assert_int_equal(r.status, 0);
        char *end;
        errno = 0;
        unsigned long most = strtoul(sizes[i], &end, 10);
        assert_true(end != sizes[i] && *end == '\0' && errno == 0);
        cJSON *root = parse_or_fail(r.out, sizes[i]);
        cJSON *hit;
        size_t cut = 0;
        cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
        {
            const char *snippet = str_item(hit, "snippet");
            size_t n = words_in(a, snippet);
            if (n > most || n == 0)
                fail_msg("--context %s: %zu words in '%s'", sizes[i], n,
                         snippet);
            cut += strstr(snippet, "\xe2\x80\xa6") != NULL;
        }
        assert_true(cut > 0); /* the passages are longer than that */
        cJSON_Delete(root);
        run_free(&r);
    }
    /* The default: this passage (35 words) is shown whole. */
    cJSON *root = json_answer("1", "investigators", NULL);
    cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "hits"), 0);
    assert_string_equal(str_item(hit, "snippet"), str_item(hit, "text"));
    cJSON_Delete(root);
    qy_analyzer_free(a);
    static const char *const bad[] = {"0", "x", "1001", "-3", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        run_result_t r = q("--context", bad[i], "korea", NULL);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, "--context expects a whole number "
                                      "from 1 to 1000"));
        assert_string_equal(r.out, "");
        run_free(&r);
    }
}

/* A passage whose matched words lie further apart than the window is shown
 * as several fragments, in text order, each word marked. */
static void test_fragments(void **state)
{
    (void)state;
    static const struct {
        const char *context;
        const char *question;
        const char *line; /* the snippet line of the hit from LATIN:5 */
    } rows[] = {
        {"6", "investigators europe",
         "   [Investigators] found that between 2020 and \xe2\x80\xa6 and "
         "[Europe]."},
        {"4", "investigators bbc europe",
         "   [Investigators] found that between \xe2\x80\xa6 reported [BBC]. "
         "The attacks \xe2\x80\xa6 and [Europe]."},
        {"40", "investigators europe",
         "   [Investigators] found that between 2020 and mid-2021 cyber "
         "attackers stole more than $50 million of digital assets, reported "
         "BBC. The attacks targeted at least three cryptocurrency exchanges "
         "in Asia, North America and [Europe]."},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        run_result_t r = q("--highlight=[,]", "--context", rows[i].context,
                           "-n", "5", rows[i].question, NULL);
        assert_int_equal(r.status, 0);
        const char *head = strstr(r.out, LATIN ":5 ");
        if (!head)
            fail_msg("row %zu: no hit of " LATIN ":5 in '%s'", i, r.out);
        /* header, title, snippet */
        const char *line = strchr(head, '\n'); /* the title's line */
        if (line)
            line = strchr(line + 1, '\n'); /* the snippet's */
        if (!line)
            fail_msg("row %zu: no snippet after '%s'", i, head);
        line++;
        size_t n = strcspn(line, "\n");
        if (strlen(rows[i].line) != n || strncmp(line, rows[i].line, n))
            fail_msg("row %zu: '%.*s', expected '%s'", i, (int)n, line,
                     rows[i].line);
        run_free(&r);
    }
}

/* ---- Exit statuses ----------------------------------------------------- */

static void test_exit_statuses(void **state)
{
    (void)state;
    char missing[4200];
    tmp_path(missing, sizeof missing, "no-such-index");
    static const char *const modes[][4] = {
        {NULL},           {"--json"},        {"--jsonl"},
        {"--files"},      {"--count"},       {"--format", "json"},
        {"--per-source"}, {"--explain"},     {"--parsed"},
        {"--duplicates"}, {"--no-spelling"}, {"--context", "5"},
    };
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        run_result_t r = q_row(modes[m], "korea");
        if (r.status != 0)
            fail_msg("%s korea: exit %d: %s", modes[m][0], r.status, r.err);
        run_free(&r);
        r = q_row(modes[m], "zzyzzx");
        if (r.status != 1)
            fail_msg("%s zzyzzx: exit %d: %s", modes[m][0], r.status, r.err);
        run_free(&r);
        /* A missing index is an error in every mode, said on one line. */
        char *argv[8] = {QUERY, "-d", missing};
        int n = 3;
        for (int k = 0; k < 4 && modes[m][k]; k++)
            argv[n++] = (char *)modes[m][k];
        argv[n++] = "korea";
        argv[n] = NULL;
        r = run_input(argv, NULL, 1);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.out, "");
        assert_true(strncmp(r.err, "query: ", 7) == 0);
        assert_non_null(strstr(r.err, missing));
        assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
        run_free(&r);
    }
    /* A file given as the index (empty, or any other) is named as such. */
    char file[4200];
    tmp_path(file, sizeof file, "not-an-index");
    static const char *const contents[] = {"", "korea\n"};
    for (size_t i = 0; i < 2; i++) {
        write_file(file, contents[i]);
        char *argv[] = {QUERY, "-d", file, "korea", NULL};
        run_result_t r = run_input(argv, NULL, 1);
        assert_int_equal(r.status, 2);
        assert_true(strncmp(r.err, "query: ", 7) == 0);
        assert_non_null(strstr(r.err, file));
        assert_non_null(strstr(r.err, "is a file, not an index"));
        assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
        run_free(&r);
    }
    unlink(file);
    static const struct {
        const char *args[3];
        const char *err;
    } bad[] = {
        {{"--format", "xml"}, "text, json, jsonl, files or count"},
        {{"--format"}, "'--format' needs a value"},
        {{"--highlight=[]"}, "START,END"},
        {{"--color", "sometimes"}, "--color"},
        {{"--limit", "100001"}, "--limit"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[8] = {QUERY, "-d", index_dir};
        int n = 3;
        for (int k = 0; k < 3 && bad[i].args[k]; k++)
            argv[n++] = (char *)bad[i].args[k];
        if (i != 1)
            argv[n++] = "korea";
        argv[n] = NULL;
        run_result_t r = run_input(argv, NULL, 1);
        if (r.status != 2 || !strstr(r.err, bad[i].err))
            fail_msg("bad row %zu: exit %d, '%s'", i, r.status, r.err);
        assert_true(strncmp(r.err, "query: ", 7) == 0);
        assert_string_equal(r.out, "");
        run_free(&r);
    }
}

/* ---- What the query was understood as ------------------------------ */

static void test_parsed(void **state)
{
    (void)state;
    static const char *const rows[] = {"who stole cryptocurrency",
                                       "\"nuclear tests\" NOT korea", "(stole",
                                       "zzyzzx"};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int status;
        cJSON *root = json_answer("3", rows[i], &status);
        char expected[512];
        snprintf(expected, sizeof expected, "Parsed: %s\n",
                 str_item(root, "parsed"));
        /* Text: first, then a blank line before the hits. */
        run_result_t r = q("--parsed", "-n", "3", rows[i], NULL);
        assert_int_equal(r.status, status);
        if (strncmp(r.out, expected, strlen(expected)) != 0)
            fail_msg("'%s': '%s', expected '%s'", rows[i], r.out, expected);
        const char *rest = r.out + strlen(expected);
        if (status == 0)
            assert_true(strncmp(rest, "\n1. ", 4) == 0);
        else
            assert_string_equal(rest, "");
        run_free(&r);
        /* Machine formats: on standard error, standard output untouched. */
        r = q("--parsed", "--count", rows[i], NULL);
        run_result_t plain = q("--count", rows[i], NULL);
        assert_string_equal(r.out, plain.out);
        assert_non_null(strstr(r.err, expected));
        run_free(&r);
        run_free(&plain);
        /* JSON always has it: --parsed changes nothing. */
        r = q("--parsed", "--json", "-n", "3", rows[i], NULL);
        plain = q("--json", "-n", "3", rows[i], NULL);
        assert_string_equal(r.out, plain.out);
        assert_string_equal(r.err, "");
        run_free(&r);
        run_free(&plain);
        cJSON_Delete(root);
    }
    /* Without --parsed, the hits come first. */
    run_result_t r = q("stole", NULL);
    assert_true(strncmp(r.out, "1. ", 3) == 0);
    run_free(&r);
}

/* --explain: each hit's score, part by part; the parts add up to it. */
static void test_explain(void **state)
{
    (void)state;
    static const char *const rows[] = {"who stole cryptocurrency",
                                       "north korea missile", "crypto*"};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        run_result_t r = q("--json", "--explain", "-n", "5", rows[i], NULL);
        assert_int_equal(r.status, 0);
        cJSON *root = parse_or_fail(r.out, rows[i]);
        cJSON *hit;
        cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
        {
            cJSON *parts = cJSON_GetObjectItem(hit, "explain");
            if (!cJSON_IsArray(parts) || cJSON_GetArraySize(parts) == 0)
                fail_msg("'%s': a hit without explain parts", rows[i]);
            double sum = 0;
            cJSON *part;
            cJSON_ArrayForEach(part, parts)
            {
                assert_true(*str_item(part, "what") != '\0');
                cJSON *w = cJSON_GetObjectItem(part, "weight");
                assert_true(cJSON_IsNumber(w));
                sum += w->valuedouble;
            }
            double score = cJSON_GetObjectItem(hit, "score")->valuedouble;
            if (fabs(sum - score) > 1e-6 * (1 + fabs(score)))
                fail_msg("'%s': parts add up to %g, score %g", rows[i], sum,
                         score);
        }
        /* Text: an "explain:" block under each hit naming every part. */
        run_result_t t = q("--explain", "-n", "5", rows[i], NULL);
        assert_int_equal(t.status, 0);
        cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
        {
            cJSON *part;
            cJSON_ArrayForEach(part, cJSON_GetObjectItem(hit, "explain"))
            {
                char line[256];
                snprintf(line, sizeof line, "%9.3f  %s\n",
                         cJSON_GetObjectItem(part, "weight")->valuedouble,
                         str_item(part, "what"));
                if (!strstr(t.out, line))
                    fail_msg("'%s': no '%s' in '%s'", rows[i], line, t.out);
            }
        }
        assert_non_null(strstr(t.out, "\n   explain:\n"));
        cJSON_Delete(root);
        run_free(&r);
        run_free(&t);
    }
    /* Without --explain, no parts. */
    cJSON *root = json_answer("5", "stole", NULL);
    cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
        assert_null(cJSON_GetObjectItem(hit, "explain"));
    cJSON_Delete(root);
    run_result_t r = q("stole", NULL);
    assert_null(strstr(r.out, "explain:"));
    run_free(&r);
}

/* ---- Duplicates and sources -------------------------------------------- */

#define REPEATED                                                               \
    "At least seven attacks were carried out on cryptocurrency "               \
    "platforms by North Korea"

/* The hits of WION whose text starts with REPEATED (the article repeats
 * its highlight paragraph in its body). */
static int repeated_hits(cJSON *hits, cJSON **first)
{
    int n = 0;
    cJSON *hit;
    *first = NULL;
    cJSON_ArrayForEach(hit, hits)
    {
        if (ends_with(str_item(hit, "source"), WION) &&
            strncmp(str_item(hit, "text"), REPEATED, strlen(REPEATED)) == 0) {
            if (!n)
                *first = hit;
            n++;
        }
    }
    return n;
}

static void test_duplicates_fold_into_also(void **state)
{
    (void)state;
    const char *question = "seven attacks cryptocurrency platforms";
    /* --duplicates: both passages are hits, and nothing is folded. */
    run_result_t r = q("--json", "--duplicates", "-n", "50", question, NULL);
    cJSON *all = parse_or_fail(r.out, "--duplicates");
    run_free(&r);
    cJSON *first, *hit;
    assert_int_equal(repeated_hits(cJSON_GetObjectItem(all, "hits"), &first),
                     2);
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(all, "hits")) assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(hit, "also")), 0);
    r = q("--json", "--all", "-n", "50", question, NULL);
    cJSON *all2 = parse_or_fail(r.out, "--all");
    assert_true(cJSON_Compare(all, all2, 1));
    cJSON_Delete(all2);
    run_free(&r);
    cJSON_Delete(all);
    /* By default: one hit, the other place listed under "also". */
    cJSON *root = json_answer("50", question, NULL);
    assert_int_equal(repeated_hits(cJSON_GetObjectItem(root, "hits"), &first),
                     1);
    cJSON *also = cJSON_GetObjectItem(first, "also");
    assert_int_equal(cJSON_GetArraySize(also), 1);
    cJSON *loc = cJSON_GetArrayItem(also, 0);
    assert_true(ends_with(str_item(loc, "source"), WION));
    int passage = cJSON_GetObjectItem(loc, "passage")->valueint;
    assert_true(passage >= 1);
    assert_int_not_equal(passage,
                         cJSON_GetObjectItem(first, "passage")->valueint);
    assert_null(cJSON_GetObjectItem(loc, "id")); /* not a JSON Lines doc */
    /* Text: an "also:" line under the hit naming that place. */
    char expected[256];
    snprintf(expected, sizeof expected, "   also: %s/%s:%d\n", CORPUS, WION,
             passage);
    r = q("-n", "50", question, NULL);
    if (!strstr(r.out, expected))
        fail_msg("no '%s' in '%s'", expected, r.out);
    run_free(&r);
    cJSON_Delete(root);
}

static void test_per_source(void **state)
{
    (void)state;
    static const char *const rows[] = {"korea", "north korea missile",
                                       "cryptocurrency exchanges"};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        cJSON *root = json_answer("50", rows[i], NULL);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(root, "hits")) > 2);
        const char *best = str_item(
            cJSON_GetArrayItem(cJSON_GetObjectItem(root, "hits"), 0), "source");
        run_result_t r = q("--json", "--per-source", "-n", "50", rows[i], NULL);
        assert_int_equal(r.status, 0);
        cJSON *per = parse_or_fail(r.out, rows[i]);
        cJSON *hits = cJSON_GetObjectItem(per, "hits");
        /* one hit per file, the best file's best passage first */
        assert_int_equal(cJSON_GetArraySize(hits), 2);
        const char *s0 = str_item(cJSON_GetArrayItem(hits, 0), "source");
        const char *s1 = str_item(cJSON_GetArrayItem(hits, 1), "source");
        assert_string_not_equal(s0, s1);
        assert_string_equal(s0, best);
        cJSON_Delete(per);
        run_free(&r);
        cJSON_Delete(root);
    }
}

/* ---- Spelling ---------------------------------------------------------- */

static void test_spelling_suggestion(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *question;
        const char *suggestion; /* a word it must hold, or NULL: none */
        int corrected;
        int status;
    } rows[] = {
        /* Nothing matches as typed: the correction is searched. */
        {{NULL}, "cryptocurency", "cryptocurrency", 1, 0},
        {{NULL}, "who stole cryptocurency", "cryptocurrency", 0, 0},
        {{NULL}, "who stole cryptocurrency", NULL, 0, 0},
        {{"--no-spelling"}, "cryptocurency", NULL, 0, 1},
        {{"--no-spelling"}, "who stole cryptocurency", NULL, 0, 0},
        {{NULL}, "Cryptocurency", "cryptocurrency", 1, 0},
        /* A word in capitals is an acronym, not a misspelled word. */
        {{NULL}, "who stole CRYPTOCURENCY", NULL, 0, 0},
        {{NULL}, "CRYPTOCURENCY", NULL, 0, 1},
        /* Never a stop word, which searches for nothing ("kor", "thw"). */
        {{NULL}, "kor", NULL, 0, 1},
        {{NULL}, "thw", NULL, 0, 1},
        /* A prefix is not turned into another prefix. */
        {{NULL}, "cryptocurenc*", NULL, 0, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const char *args[6] = {"--json", "-n", "20"};
        for (int k = 0; k < 3 && rows[i].args[k]; k++)
            args[3 + k] = rows[i].args[k];
        run_result_t r = q_row(args, rows[i].question);
        if (r.status != rows[i].status)
            fail_msg("'%s': exit %d", rows[i].question, r.status);
        cJSON *root = parse_or_fail(r.out, rows[i].question);
        cJSON *sug = cJSON_GetObjectItem(root, "suggestion");
        if (rows[i].suggestion) {
            if (!cJSON_IsString(sug) ||
                !strstr(sug->valuestring, rows[i].suggestion) ||
                strstr(sug->valuestring, "cryptocurency"))
                fail_msg("'%s': suggestion %s", rows[i].question,
                         cJSON_PrintUnformatted(sug));
        } else {
            assert_true(cJSON_IsNull(sug));
        }
        cJSON *corrected = cJSON_GetObjectItem(root, "corrected");
        assert_true(cJSON_IsBool(corrected));
        assert_int_equal(cJSON_IsTrue(corrected), rows[i].corrected);
        if (rows[i].corrected) {
            cJSON *hit;
            assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(root, "hits")) >
                        0);
            cJSON_ArrayForEach(hit, cJSON_GetObjectItem(root, "hits"))
                assert_non_null(
                    find_nocase(str_item(hit, "text"), rows[i].suggestion));
        }
        cJSON_Delete(root);
        run_free(&r);
    }
    /* Text: the suggestion first, and that the hits answer it. */
    cJSON *root = json_answer("3", "cryptocurency", NULL);
    char expected[512];
    snprintf(expected, sizeof expected,
             "Did you mean: %s\nNothing matched as typed; the results are "
             "for the suggestion.\n\n1. ",
             str_item(root, "suggestion"));
    run_result_t r = q("-n", "3", "cryptocurency", NULL);
    assert_int_equal(r.status, 0);
    if (strncmp(r.out, expected, strlen(expected)) != 0)
        fail_msg("'%s', expected '%s'", r.out, expected);
    run_free(&r);
    /* --count: the number alone on standard output, the note on stderr. */
    r = q("--count", "cryptocurency", NULL);
    char count[32];
    snprintf(count, sizeof count, "%d\n",
             cJSON_GetObjectItem(root, "total")->valueint);
    assert_string_equal(r.out, count);
    assert_non_null(strstr(r.err, "Did you mean: "));
    run_free(&r);
    cJSON_Delete(root);
}

/* ---- --help, manual pages and completion ------------------------------- */

/* The manual pages are valid scdoc (when scdoc is installed). */
static void test_man_pages_render(void **state)
{
    (void)state;
    static const char *const pages[] = {"indexer.1.scd", "query.1.scd"};
    for (size_t i = 0; i < 2; i++) {
        char script[4400];
        snprintf(script, sizeof script,
                 "command -v scdoc >/dev/null || exit 0; "
                 "scdoc < '%s/docs/man/%s' | grep -q '^\\.SH \"\\?EXIT "
                 "STATUS'",
                 QUARRY_SOURCE_DIR, pages[i]);
        char *argv[] = {"/bin/sh", "-c", script, NULL};
        run_result_t r = run_input(argv, NULL, 0);
        if (r.status != 0)
            fail_msg("%s: %s", pages[i], r.err);
        run_free(&r);
    }
}

/* Completion rows: the program, the words on the line (the last is being
 * completed, "=" split off as bash does), and the replies. */
static void test_bash_completion(void **state)
{
    (void)state;
    char dir[4200], dir_prefix[4200], file[4200], file_prefix[4200];
    tmp_path(dir, sizeof dir, "completion-dir");
    tmp_path(dir_prefix, sizeof dir_prefix, "completion-d");
    tmp_path(file, sizeof file, "completion-file.md");
    tmp_path(file_prefix, sizeof file_prefix, "completion-f");
    mkdir(dir, 0700);
    write_file(file, "x\n");
    char dir_reply[4300], file_reply[4300];
    snprintf(dir_reply, sizeof dir_reply, "%s|", dir);
    snprintf(file_reply, sizeof file_reply, "%s|", file);
    const struct {
        const char *words[5];
        const char *reply;
    } rows[] = {
        {{"query", "--format", ""}, "text|json|jsonl|files|count|"},
        {{"query", "--format", "js"}, "json|jsonl|"},
        {{"query", "--color", "=", "al"}, "always|"},
        {{"query", "--colour", "n"}, "never|"},
        {{"query", "--color=au"}, "auto|"},
        {{"query", "--repeats", ""}, "on|off|"},
        {{"query", "--lang", "engl"}, "english|"},
        {{"query", "--per"}, "--per-source|"},
        {{"query", "--js"}, "--json|--jsonl|"},
        {{"query", "--high"}, "--highlight=|"},
        {{"query", "-d", dir_prefix}, dir_reply},
        {{"query", "--index", file_prefix}, "|"},
        {{"query", "who", "st"}, "|"},
        {{"indexer", "--format", "m"}, "markdown|mail|"},
        {{"indexer", "--lang", "fre"}, "french|"},
        {{"indexer", "--list"}, "--list-languages|"},
        {{"indexer", "--no-d"}, "--no-delete|"},
        {{"indexer", file_prefix}, file_reply},
        {{"indexer", "--stdin-name", file_prefix}, file_reply},
        {{"indexer", "-d", dir_prefix}, dir_reply},
    };
    char script[8600];
    snprintf(script, sizeof script,
             "source '%s/completions/quarry.bash' || exit 3; "
             "prog=$1; shift; COMP_WORDS=(\"$@\"); "
             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _quarry_$prog; "
             "printf '%%s|' \"${COMPREPLY[@]}\"",
             QUARRY_SOURCE_DIR);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *argv[12] = {"/bin/bash", "-c", script, "bash",
                          (char *)rows[i].words[0]};
        int n = 5;
        for (int k = 0; k < 5 && rows[i].words[k]; k++)
            argv[n++] = (char *)rows[i].words[k];
        argv[n] = NULL;
        run_result_t r = run_input(argv, NULL, 0);
        assert_int_equal(r.status, 0);
        if (strcmp(r.out, rows[i].reply) != 0)
            fail_msg("row %zu: '%s', expected '%s' (%s)", i, r.out,
                     rows[i].reply, r.err);
        run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_lines_are_the_hits),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_batch_equals_single_runs),
        cmocka_unit_test(test_batch_statuses),
        cmocka_unit_test(test_batch_answers_each_question_at_once),
        cmocka_unit_test(test_batch_follows_the_index),
        cmocka_unit_test(test_highlight_markers),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_exit_statuses),
        cmocka_unit_test(test_parsed),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_duplicates_fold_into_also),
        cmocka_unit_test(test_per_source),
        cmocka_unit_test(test_spelling_suggestion),
        cmocka_unit_test(test_man_pages_render),
        cmocka_unit_test(test_bash_completion),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
