/* The option tables (quarry/options.h): the parser's checks of values,
 * and that --help, the manual pages and the bash completion list exactly
 * the options of each program's table, as the table words them. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "../indexer/options.h"
#include "../query/options.h"
#include "cli.h"
#include "quarry/options.h"

#define INDEXER QUARRY_INDEXER_BIN
#define QUERY QUARRY_QUERY_BIN

static char *read_source_file(const char *relative)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", QUARRY_SOURCE_DIR, relative);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open %s", path);
    char *text = slurp_fd(fd);
    close(fd);
    return text;
}

/* ---- The number parsers ------------------------------------------- */

static void test_parse_unsigned(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned long min, max;
        int ok;
        unsigned long value;
    } rows[] = {
        {"0", 0, 10, 1, 0},
        {"10", 0, 10, 1, 10},
        {"11", 0, 10, 0, 0},
        {"0", 1, 10, 0, 0},
        {"", 0, 10, 0, 0},
        {"-1", 0, 10, 0, 0},
        {"+1", 0, 10, 0, 0},
        {" 1", 0, 10, 0, 0},
        {"1 ", 0, 10, 0, 0},
        {"1x", 0, 10, 0, 0},
        {"0x1", 0, 10, 0, 0},
        {"007", 0, 10, 1, 7},
        {"99999999999999999999999", 0, (unsigned long)-1, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        unsigned long v = 12345;
        int rc = qy_parse_unsigned(rows[i].s, rows[i].min, rows[i].max, &v);
        if ((rc == 0) != rows[i].ok ||
            v != (rows[i].ok ? rows[i].value : 12345))
            fail_msg("row %zu ('%s'): rc %d, value %lu", i, rows[i].s, rc, v);
    }
}

static void test_parse_double(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        double value;
    } rows[] = {
        {"0", 1, 0},    {"1", 1, 1},   {"0.5", 1, 0.5},  {"1.01", 0, 0},
        {"-0.1", 0, 0}, {"", 0, 0},    {"x", 0, 0},      {"0.5x", 0, 0},
        {"nan", 0, 0},  {"inf", 0, 0}, {"1e-1", 1, 0.1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        double v = -7;
        int rc = qy_parse_double(rows[i].s, 0, 1, &v);
        if ((rc == 0) != rows[i].ok || v != (rows[i].ok ? rows[i].value : -7))
            fail_msg("row %zu ('%s'): rc %d, value %g", i, rows[i].s, rc, v);
    }
}

/* ---- The parser, on a table of every kind -------------------------- */

typedef struct {
    int flag;
    const char *str, *choice, *shorthand;
    unsigned num;
    double real;
    int onoff, help;
    qy_strlist_t list;
} demo_args_t;

#define DEMO(member) QY_OPT_AT(demo_args_t, member)
static const qy_option_t demo_options[] = {
    {.name = "flag",
     .letter = 'f',
     .kind = QY_OPT_FLAG,
     DEMO(flag),
     .help = "a flag"},
    {.name = "str",
     .letter = 's',
     .kind = QY_OPT_STRING,
     .arg = "S",
     .flags = QY_OPT_NONEMPTY,
     DEMO(str),
     .help = "a string"},
    {.name = "num",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .min = 2,
     .max = 9,
     DEMO(num),
     .help = "a number"},
    {.name = "real",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 1,
     DEMO(real),
     .help = "a real"},
    {.name = "choice",
     .alias = "pick",
     .kind = QY_OPT_CHOICE,
     .choices = "red green blue",
     DEMO(choice),
     .help = "a choice"},
    {.name = "green",
     .kind = QY_OPT_FLAG,
     .value = "green",
     DEMO(choice),
     .help = "short for --choice green"},
    {.name = "onoff", .kind = QY_OPT_ONOFF, DEMO(onoff), .help = "on or off"},
    {.name = "list",
     .kind = QY_OPT_LIST,
     .arg = "L",
     .max = 2,
     DEMO(list),
     .help = "a list"},
    {.name = "help",
     .letter = 'h',
     .kind = QY_OPT_FLAG,
     DEMO(help),
     .flags = QY_OPT_STOP,
     .help = "stops"},
};
static const qy_optspec_t demo = {"demo", demo_options,
                                  sizeof demo_options / sizeof *demo_options,
                                  20, QY_COMPLETE_NONE};

/* Parses ARGS (NULL-terminated, after the program name) into *OUT;
 * returns what qy_options_parse returns. Standard error is discarded. */
static int demo_parse(demo_args_t *out, const qy_option_t **stop, ...)
{
    char *argv[16] = {"demo"};
    int argc = 1;
    va_list ap;
    va_start(ap, stop);
    for (char *a; argc < 15 && (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    memset(out, 0, sizeof *out);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    int rc = qy_options_parse(&demo, argc, argv, out, stop);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(null);
    return rc;
}

static void test_parser(void **state)
{
    (void)state;
    demo_args_t a;
    const qy_option_t *stop;
    assert_int_equal(demo_parse(&a, &stop, "-f", "--num", "3", "--real=0.5",
                                "--pick", "blue", "--onoff", "on", "--list",
                                "x", "--list=y", "word", "-s", "v", NULL),
                     14);
    assert_null(stop);
    assert_int_equal(a.flag, 1);
    assert_int_equal(a.num, 3);
    assert_true(a.real == 0.5);
    assert_string_equal(a.choice, "blue");
    assert_int_equal(a.onoff, 1);
    assert_string_equal(a.str, "v");
    assert_int_equal(a.list.n, 2);
    assert_string_equal(a.list.items[1], "y");
    qy_strlist_free(&a.list);
    /* The shorthand stores its value in the choice; the last one wins. */
    assert_int_equal(demo_parse(&a, &stop, "--choice", "red", "--green", NULL),
                     4);
    assert_string_equal(a.choice, "green");
    /* A unique prefix of a long name is the option. */
    assert_int_equal(demo_parse(&a, &stop, "--fl", NULL), 2);
    assert_int_equal(a.flag, 1);
    /* A stop option ends the parsing: what follows is not read. */
    assert_int_equal(demo_parse(&a, &stop, "-h", "--num", "x", NULL), 2);
    assert_non_null(stop);
    assert_string_equal(stop->name, "help");
    static const char *const bad[][3] = {
        {"--num", "1"},  {"--num", "10"},      {"--num", "x"},
        {"--real", "2"}, {"--choice", "red,"}, {"--onoff", "yes"},
        {"-s", ""},      {"--nope"},           {"-x"},
        {"--num"},       {"--list", "a"},      {"--flag=1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = i == 10 ? demo_parse(&a, &stop, "--list", "a", "--list", "b",
                                      "--list", "c", NULL)
                         : demo_parse(&a, &stop, bad[i][0], bad[i][1], NULL);
        if (rc != -1)
            fail_msg("row %zu (%s): accepted", i, bad[i][0]);
        qy_strlist_free(&a.list);
    }
}

/* The messages name the program, the option and the value, on one line. */
static void test_messages(void **state)
{
    (void)state;
    static const struct {
        const char *program, *args[3], *err;
    } rows[] = {
        {QUERY,
         {"--limit", "-1"},
         "query: --limit expects a whole number "
         "from 0 to 100000, not '-1'\n"},
        {QUERY,
         {"--b", "2"},
         "query: --b expects a number from 0 to 1, "
         "not '2'\n"},
        {QUERY,
         {"--repeats", "yes"},
         "query: --repeats expects on or off, "
         "not 'yes'\n"},
        {QUERY,
         {"--colour", "red"},
         "query: --color expects auto, always or "
         "never, not 'red'\n"},
        {INDEXER,
         {"--commit-every", "0"},
         "indexer: --commit-every expects "
         "a whole number from 1 to "
         "100000000, not '0'\n"},
        {INDEXER,
         {"--jobs", "65"},
         "indexer: --jobs expects a number of "
         "threads from 0 to 64, or auto, not "
         "'65'\n"},
        {INDEXER,
         {"--stdin-name", ""},
         "indexer: --stdin-name needs a "
         "non-empty value\n"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *argv[6] = {(char *)rows[i].program};
        int n = 1;
        for (int k = 0; k < 3 && rows[i].args[k]; k++)
            argv[n++] = (char *)rows[i].args[k];
        argv[n++] = "x";
        argv[n] = NULL;
        run_result_t r = run_argv_fd(argv, -1);
        if (r.status != 2 || strcmp(r.err, rows[i].err) != 0)
            fail_msg("row %zu: exit %d, '%s'", i, r.status, r.err);
        run_free(&r);
    }
}

/* ---- Help, manual pages and completion ----------------------------- */

#define MAX_NAMES 128

typedef struct {
    char *names[MAX_NAMES];
    size_t n;
} names_t;

static void add_name(names_t *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->names[i]) == len && strncmp(s->names[i], name, len) == 0)
            return;
    assert_true(s->n < MAX_NAMES);
    s->names[s->n++] = strndup(name, len);
}

static void free_names(names_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    s->n = 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the options in TEXT[0, LEN): "--name" and "-x". */
static void names_in(names_t *s, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '-' || (i > 0 && (isalnum((unsigned char)text[i - 1]) ||
                                         text[i - 1] == '-')))
            continue;
        size_t j = i + 1 + (i + 1 < len && text[i + 1] == '-');
        size_t start = j;
        while (j < len && (isalnum((unsigned char)text[j]) || text[j] == '-'))
            j++;
        if (j > start)
            add_name(s, text + i, j - i);
        i = j;
    }
}

/* Asserts that GOT and the table's visible options are the same names. */
static void assert_same(names_t *got, const qy_optspec_t *spec,
                        const char *where)
{
    names_t want = {0};
    char buf[80];
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        if (o->flags & QY_OPT_HIDDEN)
            continue;
        add_name(&want, buf,
                 (size_t)snprintf(buf, sizeof buf, "--%s", o->name));
        if (o->alias)
            add_name(&want, buf,
                     (size_t)snprintf(buf, sizeof buf, "--%s", o->alias));
        if (o->letter)
            add_name(&want, buf,
                     (size_t)snprintf(buf, sizeof buf, "-%c", o->letter));
    }
    qsort(want.names, want.n, sizeof *want.names, by_string);
    qsort(got->names, got->n, sizeof *got->names, by_string);
    for (size_t i = 0; i < want.n || i < got->n; i++) {
        const char *w = i < want.n ? want.names[i] : "(none)";
        const char *g = i < got->n ? got->names[i] : "(none)";
        if (strcmp(w, g) != 0)
            fail_msg("%s %s: lists %s where the table has %s", spec->program,
                     where, g, w);
    }
    free_names(&want);
    free_names(got);
}

static run_result_t run_program(const qy_optspec_t *spec, const char *arg)
{
    run_result_t r =
        run(strcmp(spec->program, "query") ? INDEXER : QUERY, arg, NULL);
    assert_int_equal(r.status, 0);
    return r;
}

/* --help: the labels of the option lines ("  -d, --index DIR  the ..."). */
static void test_help_lists_the_table(void **state)
{
    (void)state;
    const qy_optspec_t *specs[] = {&ix_optspec, &query_optspec};
    for (size_t k = 0; k < 2; k++) {
        run_result_t r = run_program(specs[k], "--help");
        names_t got = {0};
        for (const char *line = r.out; *line;) {
            size_t len = strcspn(line, "\n");
            if (strncmp(line, "  -", 3) == 0 ||
                strncmp(line, "      --", 8) == 0) {
                const char *gap = strstr(line + strspn(line, " "), "  ");
                size_t label =
                    gap && gap < line + len ? (size_t)(gap - line) : len;
                names_in(&got, line, label);
            }
            line += len + (line[len] == '\n');
        }
        assert_same(&got, specs[k], "--help");
        run_free(&r);
    }
}

/* The manual page's OPTIONS section is the table's, word for word, and
 * its headings name exactly the table's options. */
static void test_man_pages_are_the_table(void **state)
{
    (void)state;
    const qy_optspec_t *specs[] = {&ix_optspec, &query_optspec};
    const char *pages[] = {"docs/man/indexer.1.scd", "docs/man/query.1.scd"};
    for (size_t k = 0; k < 2; k++) {
        char *page = read_source_file(pages[k]);
        const char *start = strstr(page, "\n# OPTIONS\n\n");
        assert_non_null(start);
        start += strlen("\n# OPTIONS\n\n");
        const char *end = strstr(start, "\n# ");
        assert_non_null(end);
        run_result_t r = run_program(specs[k], "--dump-options=man");
        size_t len = (size_t)(end + 1 - start);
        if (strlen(r.out) != len || strncmp(r.out, start, len) != 0)
            fail_msg("%s: OPTIONS differs from the table; run "
                     "scripts/update-options",
                     pages[k]);
        names_t got = {0};
        for (const char *line = start; line < end;) {
            size_t n = strcspn(line, "\n");
            if (line[0] == '*')
                names_in(&got, line, n);
            line += n + 1;
        }
        assert_same(&got, specs[k], pages[k]);
        run_free(&r);
        free(page);
    }
}

/* completions/quarry.bash holds each program's function as the table
 * makes it, and the words offered for "-" are the table's options. */
static void test_completion_is_the_table(void **state)
{
    (void)state;
    const qy_optspec_t *specs[] = {&ix_optspec, &query_optspec};
    char *file = read_source_file("completions/quarry.bash");
    for (size_t k = 0; k < 2; k++) {
        run_result_t r = run_program(specs[k], "--dump-options=completion");
        if (!strstr(file, r.out))
            fail_msg("completions/quarry.bash: _quarry_%s differs from the "
                     "table; run scripts/update-options",
                     specs[k]->program);
        const char *words = strstr(r.out, "then\n        _quarry_choose \"");
        assert_non_null(words);
        words += strlen("then\n        _quarry_choose \"");
        names_t got = {0};
        names_in(&got, words, strcspn(words, "\""));
        assert_same(&got, specs[k], "completion");
        run_free(&r);
    }
    free(file);
}

/* Every option that takes a value has a case in the completion, and
 * those with choices offer exactly them. */
static void test_completion_cases(void **state)
{
    (void)state;
    const qy_optspec_t *specs[] = {&ix_optspec, &query_optspec};
    for (size_t k = 0; k < 2; k++) {
        run_result_t r = run_program(specs[k], "--dump-options=completion");
        const char *esac = strstr(r.out, "    esac\n");
        assert_non_null(esac);
        for (size_t i = 0; i < specs[k]->n; i++) {
            const qy_option_t *o = &specs[k]->options[i];
            if (o->kind == QY_OPT_FLAG || o->flags & QY_OPT_HIDDEN)
                continue;
            char name[80];
            snprintf(name, sizeof name, "--%s", o->name);
            names_t cases = {0};
            names_in(&cases, r.out, (size_t)(esac - r.out));
            int found = 0;
            for (size_t c = 0; c < cases.n; c++)
                found |= strcmp(cases.names[c], name) == 0;
            free_names(&cases);
            if (!found)
                fail_msg("%s: no completion case for %s", specs[k]->program,
                         name);
            if (o->complete == QY_COMPLETE_CHOICES) {
                char want[300];
                snprintf(want, sizeof want, "_quarry_choose \"%s\"",
                         o->kind == QY_OPT_ONOFF ? "on off" : o->choices);
                assert_non_null(strstr(r.out, want));
            }
        }
        run_free(&r);
    }
}

/* The options scripts use stay in query's table. */
static void test_query_interface(void **state)
{
    (void)state;
    static const char *const interface[] = {
        "index",      "limit", "offset",      "format",  "json",
        "jsonl",      "files", "count",       "batch",   "context",
        "highlight",  "color", "parsed",      "explain", "per-source",
        "duplicates", "all",   "no-spelling", "lang",    "help",
        "version",
    };
    for (size_t i = 0; i < sizeof interface / sizeof *interface; i++) {
        int found = 0;
        for (size_t k = 0; k < query_optspec.n; k++) {
            const qy_option_t *o = &query_optspec.options[k];
            found |= strcmp(o->name, interface[i]) == 0 ||
                     (o->alias && strcmp(o->alias, interface[i]) == 0);
        }
        if (!found)
            fail_msg("query has no --%s", interface[i]);
    }
}

int main(void)
{
    (void)tmp_path;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_unsigned),
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_parser),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_help_lists_the_table),
        cmocka_unit_test(test_man_pages_are_the_table),
        cmocka_unit_test(test_completion_is_the_table),
        cmocka_unit_test(test_completion_cases),
        cmocka_unit_test(test_query_interface),
    };
    return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
