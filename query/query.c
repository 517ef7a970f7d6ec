/* query: answers a question with the passages of the index that match it
 * best. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "printer.h"
#include "results.h"
#include "quarry/guard.h"
#include "quarry/paths.h"
#include "quarry/search.h"
#include "quarry/timings.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_ERROR = 2 };

static const char *progname = "query";

/* source:VALUE of a relative path that exists: the absolute path the
 * index stores for it, from the current directory as the indexer took it. */
static char *resolve_source(void *ctx, const char *value)
{
    (void)ctx;
    return realpath(value, NULL);
}

static void usage_hint(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void print_help(void)
{
    printf("Usage: %s [OPTION]... WORDS...\n"
           "  or:  %s --batch [OPTION]... < QUESTIONS\n"
           "Print the passages of the index that best answer WORDS.\n"
           "\n"
           "WORDS are a question: stop words and question words (who, what, "
           "...) are\n"
           "dropped and the rest searched for in any form their stem takes. "
           "The query\n"
           "syntax also works: AND, OR, NOT, \"a phrase\", a NEAR b, +must, "
           "-mustnot,\n"
           "prefix*, ( ), title:, source:, id:, date:FROM..TO. Invalid "
           "syntax is searched\n"
           "as plain words.\n"
           "\n",
           progname, progname);
    qy_options_help(stdout, &query_optspec);
    printf("\n"
           "Exit status: 0 when a passage matched (with --batch: for some "
           "question),\n"
           "1 when none did, 2 on error.\n");
}

/* The columns of the terminal FD is, from $COLUMNS, else from the
 * terminal itself; 0 when FD is no terminal (output to a pipe or a file is
 * not wrapped). */
static unsigned terminal_width(int fd)
{
    if (!isatty(fd))
        return 0;
    const char *columns = getenv("COLUMNS");
    if (columns && *columns) {
        unsigned long n;
        if (qy_parse_unsigned(columns, 1, QUERY_MAX_WIDTH, &n) == 0)
            return (unsigned)n;
    }
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

static int want_color(const char *when)
{
    if (strcmp(when, "always") == 0)
        return 1;
    if (strcmp(when, "never") == 0)
        return 0;
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
           !(term && strcmp(term, "dumb") == 0);
}

static char *join_words(char **words, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *q = malloc(len);
    if (!q)
        return NULL;
    q[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(q, " ");
        strcat(q, words[i]);
    }
    return q;
}

/* Output that could not be written because the reader went away (`| head`)
 * is not an error; any other write failure is. */
static int finish_output(int status)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    if (errno == EPIPE)
        return status;
    fprintf(stderr, "%s: cannot write output: %s\n", progname, strerror(errno));
    return EXIT_ERROR;
}

static const printer_t *const printers[] = {
#define QUERY_PRINTER_ENTRY(name) &name##_printer,
    QUERY_PRINTERS(QUERY_PRINTER_ENTRY)
#undef QUERY_PRINTER_ENTRY
};

static const printer_t *find_printer(const char *name)
{
    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++)
        if (strcmp(printers[i]->name, name) == 0)
            return printers[i];
    return NULL;
}

/* "a, b or c" of the formats with all of FLAGS, for messages. */
static void list_formats(FILE *out, unsigned flags)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++)
        total += (printers[i]->flags & flags) == flags;
    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++) {
        if ((printers[i]->flags & flags) != flags)
            continue;
        n++;
        fprintf(out, "%s%s",
                n == 1       ? ""
                : n == total ? " or "
                             : ", ",
                printers[i]->name);
    }
}

/* Everything one answer needs, shared by all the questions of a batch. */
typedef struct session {
    quarry_index_t *index;
    qy_analyzer_t *a; /* the printers' words */
    quarry_search_options_t *opts;
    const printer_t *printer;
    printer_opts_t popts;
    char *mark_start; /* of --highlight, owned */
    unsigned timeout; /* seconds a search may take, 0: no bound */
} session_t;

/* Searches QUESTION and prints the answer. Returns 0 (*FOUND: whether a
 * passage matched) or -1 after an error message. */
static int answer(session_t *s, const char *question, int *found)
{
    qy_results_t results = {0};
    quarry_results_t *hits = NULL;
    int rc = 0;
    /* A damaged index can make Xapian loop forever. */
    qy_guard_arm(s->timeout);
    quarry_status_t st = quarry_search(s->index, question, s->opts, &hits);
    qy_guard_disarm();
    if (st != QUARRY_STATUS_SUCCESS) {
        fprintf(stderr, "%s: %s\n", progname,
                quarry_index_last_error(s->index));
        rc = -1;
        goto out;
    }
    if (query_results_view(hits, &results) != 0) {
        fprintf(stderr, "%s: out of memory\n", progname);
        rc = -1;
        goto out;
    }
    s->popts.query = question;
    double t = qy_timings_now();
    if (!(s->printer->flags & PRINTER_NOTES)) {
        /* Notes for a person, kept out of machine-readable output. */
        printer_opts_t notes = s->popts;
        notes.out = stderr;
        notes.color = 0;
        notes.width = terminal_width(STDERR_FILENO);
        text_print_notes(stderr, &notes, &results);
    }
    if (s->printer->print(&s->popts, &results) != 0) {
        fprintf(stderr, "%s: out of memory\n", progname);
        rc = -1;
        goto out;
    }
    *found = results.total > 0;
    qy_timings_add(QY_STAGE_PRINT, t);
out:
    query_results_view_free(&results);
    quarry_results_destroy(hits);
    return rc;
}

/* --batch: a question per line of standard input, an answer per question,
 * each flushed before the next question is read. An empty line is a
 * question too (with no answer but an empty one), so that the Nth answer is
 * always the Nth line's. */
static int run_batch(session_t *s)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int any = 0, status = EXIT_NONE;
    while ((n = getline(&line, &cap, stdin)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        int found = 0;
        /* Each answer is the one a single run would print now: from the
         * index as last committed, or swapped in by a bulk load. */
        if (quarry_index_reopen(s->index) != QUARRY_STATUS_SUCCESS) {
            fprintf(stderr, "%s: %s\n", progname,
                    quarry_index_last_error(s->index));
            status = EXIT_ERROR;
            break;
        }
        if (answer(s, line, &found) != 0) {
            status = EXIT_ERROR;
            break;
        }
        any |= found;
        if (fflush(stdout) != 0 || ferror(stdout))
            break; /* finish_output tells a closed pipe from an error */
    }
    if (status != EXIT_ERROR && ferror(stdin)) {
        fprintf(stderr, "%s: cannot read standard input: %s\n", progname,
                strerror(errno));
        status = EXIT_ERROR;
    }
    free(line);
    if (status == EXIT_ERROR)
        return status;
    return any ? EXIT_FOUND : EXIT_NONE;
}

/* The printer ARGS ask for, checked against the WORDS given (NWORDS of
 * them, FIRST the first); NULL after a message. */
static const printer_t *choose_printer(const query_args_t *args,
                                       const char *first, int nwords)
{
    const printer_t *printer = args->format  ? find_printer(args->format)
                               : args->batch ? &json_printer
                                             : &text_printer;
    if (args->batch && nwords > 0) {
        fprintf(stderr,
                "%s: --batch reads the questions from standard "
                "input, not from WORDS ('%s')\n",
                progname, first);
        usage_hint();
        return NULL;
    }
    if (args->batch && !(printer->flags & PRINTER_BATCH)) {
        fprintf(stderr, "%s: --batch answers as ", progname);
        list_formats(stderr, PRINTER_BATCH);
        fprintf(stderr, ", not %s\n", printer->name);
        return NULL;
    }
    if (!args->batch && nwords == 0) {
        fprintf(stderr, "%s: no WORDS to search for\n", progname);
        usage_hint();
        return NULL;
    }
    return printer;
}

/* Opens the N INDEXES as one. Returns 0, or -1 after a message. */
static int open_indexes(session_t *s, const char **indexes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat info;
        if (stat(indexes[i], &info) == 0 && !S_ISDIR(info.st_mode)) {
            fprintf(stderr,
                    "%s: '%s' is a file, not an index (an index is the "
                    "folder indexer -d made)\n",
                    progname, indexes[i]);
            return -1;
        }
    }
    /* Faults inside libxapian come from a damaged index: named, not a
     * core dump. Several indexes are named together. */
    char named[1024];
    size_t used = 0;
    named[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof named; i++)
        used += (size_t)snprintf(named + used, sizeof named - used, "%s%s",
                                 i ? "', '" : "", indexes[i]);
    qy_guard_faults(progname, named);
    char *error = NULL;
    quarry_status_t st =
        quarry_index_open_shards(indexes, n, &s->index, &error);
    if (st != QUARRY_STATUS_SUCCESS)
        fprintf(stderr, "%s: %s\n", progname,
                error ? error : quarry_status_to_string(st));
    free(error);
    return st == QUARRY_STATUS_SUCCESS ? 0 : -1;
}

/* The session of ARGS: the index open, the search options and the
 * printer's. Returns 0, or -1 after a message (S holds what to free). */
static int open_session(session_t *s, const query_args_t *args,
                        const qy_search_opts_t *opts)
{
    const char **indexes = args->indexes.items;
    size_t n = args->indexes.n;
    const char *default_index[1];
    char *path = NULL;
    if (n == 0) {
        if (!(path = qy_index_path(NULL))) {
            fprintf(stderr,
                    "%s: no index given (-d DIR), and no HOME to look in\n",
                    progname);
            return -1;
        }
        default_index[0] = path;
        indexes = default_index;
        n = 1;
    }
    double t_open = qy_timings_now();
    int rc = open_indexes(s, indexes, n);
    free(path);
    if (rc != 0)
        return -1;
    const char *words_lang =
        args->lang ? args->lang : quarry_index_language(s->index);
    quarry_status_t st = QUARRY_STATUS_SUCCESS;
    if (qy_analyzer_new(words_lang, &s->a) != QY_OK ||
        (st = query_search_options(opts, args->lang, &s->opts)) ==
            QUARRY_STATUS_UNKNOWN_LANGUAGE) {
        fprintf(stderr,
                "%s: unknown language '%s' (see indexer --list-languages)\n",
                progname, words_lang);
        return -1;
    }
    if (st != QUARRY_STATUS_SUCCESS) {
        fprintf(stderr, "%s: %s\n", progname, quarry_status_to_string(st));
        return -1;
    }
    qy_timings_add(QY_STAGE_OPEN, t_open);
    return 0;
}

/* How the answers are printed. Returns 0, or -1 after a message. */
static int printer_options(session_t *s, const query_args_t *args)
{
    s->popts = (printer_opts_t){
        .out = stdout,
        .color = want_color(args->color),
        .analyzer = s->a,
        .context_words = args->context,
        .show_parsed = args->parsed,
        .explain = args->search.explain,
        .width = args->width != QUERY_UNSET ? args->width
                                            : terminal_width(STDOUT_FILENO),
    };
    if (!args->highlight)
        return 0;
    const char *comma = strchr(args->highlight, ',');
    s->mark_start = strndup(args->highlight, (size_t)(comma - args->highlight));
    if (!s->mark_start) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return -1;
    }
    s->popts.mark_start = s->mark_start;
    s->popts.mark_end = comma + 1;
    return 0;
}

/* Answers the question of WORDS, or those of standard input with
 * --batch; the exit status. */
static int run(const query_args_t *args, char **words, int nwords)
{
    const printer_t *printer =
        choose_printer(args, nwords ? words[0] : NULL, nwords);
    if (!printer)
        return EXIT_ERROR;
    qy_search_opts_t opts = args->search;
    opts.resolve_source = resolve_source;
    if (args->limit != QUERY_UNSET)
        opts.limit = args->limit;
    if (args->context)
        opts.snippet_words = args->context;
    if (printer->tune)
        printer->tune(&opts, args->limit != QUERY_UNSET);
    signal(SIGPIPE, SIG_IGN);
    int status = EXIT_ERROR;
    char *question = NULL;
    session_t s = {.printer = printer, .timeout = args->timeout};
    if (open_session(&s, args, &opts) != 0 || printer_options(&s, args) != 0)
        goto out;
    if (args->batch) {
        status = finish_output(run_batch(&s));
        goto out;
    }
    if (!(question = join_words(words, nwords))) {
        fprintf(stderr, "%s: out of memory\n", progname);
        goto out;
    }
    int found = 0;
    if (answer(&s, question, &found) == 0)
        status = finish_output(found ? EXIT_FOUND : EXIT_NONE);
out:
    qy_analyzer_free(s.a);
    quarry_search_options_destroy(s.opts);
    quarry_index_close(s.index);
    free(s.mark_start);
    free(question);
    return status;
}

/* The options that do one thing and end the run. */
static int run_stop_option(const query_args_t *args)
{
    if (args->version)
        printf("query (quarry) %s\n", QUARRY_VERSION);
    else if (args->dump)
        qy_options_dump(stdout, &query_optspec, args->dump);
    else
        print_help();
    return finish_output(EXIT_FOUND);
}

int main(int argc, char **argv)
{
    double t_start = qy_timings_now();
    query_args_t args;
    query_args_init(&args);
    const qy_option_t *stop;
    int first = qy_options_parse(&query_optspec, argc, argv, &args, &stop);
    if (first < 0) {
        qy_strlist_free(&args.indexes);
        return EXIT_ERROR;
    }
    int status =
        stop ? run_stop_option(&args) : run(&args, argv + first, argc - first);
    if (!stop)
        qy_timings_report(stderr, progname, t_start);
    qy_strlist_free(&args.indexes);
    return status;
}
