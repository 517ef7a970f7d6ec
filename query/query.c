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

#include "printer.h"
#include "results.h"
#include "quarry/cli.h"
#include "quarry/guard.h"
#include "quarry/paths.h"
#include "quarry/search.h"
#include "quarry/timings.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_ERROR = 2 };
/* More shards than anyone serves; bounds the argument list. */
#define MAX_INDEXES 256

static const char *progname = "query";

/* The widest --width (and $COLUMNS) taken. */
#define MAX_WIDTH 10000

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
    printf(
        "Usage: %s [OPTION]... WORDS...\n"
        "  or:  %s --batch [OPTION]... < QUESTIONS\n"
        "Print the passages of the index that best answer WORDS.\n"
        "\n"
        "WORDS are a question: stop words and question words (who, what, "
        "...) are\n"
        "dropped and the rest searched for in any form their stem takes. "
        "The query\n"
        "syntax also works: AND, OR, NOT, \"a phrase\", a NEAR b, +must, "
        "-mustnot,\n"
        "prefix*, ( ), title:, source:, id:, date:FROM..TO. Invalid syntax "
        "is searched\n"
        "as plain words.\n"
        "\n"
        "  -d, --index DIR   the index (repeat for several; tcp://HOST:PORT "
        "for a\n"
        "                    remote one). Default: $QUARRY_INDEX, else\n"
        "                    $XDG_DATA_HOME/quarry/index, else\n"
        "                    ~/.local/share/quarry/index\n"
        "  -n, --limit N     print at most N passages (default 10; with "
        "--files,\n"
        "                    every matching file)\n"
        "      --offset N    skip the first N passages (default 0)\n"
        "      --lang LANG   stemming language (default: the index's)\n"
        "\n"
        "Output:\n"
        "      --format FMT  text (default), json, jsonl, files or count\n"
        "      --json        one JSON object (schema in README.md)\n"
        "      --jsonl       one JSON object per passage and line, with "
        "\"query\"\n"
        "  -l, --files       the matching files, one per line, each once\n"
        "  -c, --count       the number of matching passages\n"
        "      --batch       read questions from standard input, one per "
        "line, and\n"
        "                    answer each on one line (as --json unless "
        "--jsonl or\n"
        "                    --count); an empty line gets an empty answer\n"
        "      --context N   words in a snippet window (default %d)\n"
        "      --highlight=START,END  mark matched words with START and "
        "END\n"
        "                    (default: bold red on a terminal, else "
        "nothing)\n"
        "      --color WHEN  colour: auto (a terminal, no NO_COLOR, TERM "
        "not dumb),\n"
        "                    always, never\n"
        "      --parsed      print the query as understood before the hits\n"
        "      --explain     print each hit's score as the parts it is made "
        "of\n"
        "      --per-source  only the best passage of each file\n"
        "      --duplicates, --all  show near-identical passages as hits "
        "of their\n"
        "                    own (by default they are one hit, the others "
        "listed\n"
        "                    under \"also\")\n"
        "      --no-spelling  no \"Did you mean\", and no search of the "
        "correction\n"
        "                    when the question as typed finds nothing\n"
        "      --width N     wrap the text output at N columns (default: "
        "the\n"
        "                    terminal's, $COLUMNS else its own; none when "
        "not a\n"
        "                    terminal; 0: none)\n"
        "      --timeout S   end a search that takes longer than S seconds "
        "with an\n"
        "                    error (default %d; 0: no bound)\n"
        "\n"
        "Ranking (0 turns each feature off):\n"
        "      --k1 X        BM25 term-frequency saturation (default %.2f)\n"
        "      --b X         BM25 length normalisation, 0 to 1 (default "
        "%.2f)\n"
        "      --title-weight X  weight of question words in the title "
        "(default %g)\n"
        "      --proximity X     weight of neighbouring question words found "
        "close\n"
        "                        together (default %g)\n"
        "      --feedback N      expand the question with words of the best "
        "N passages\n"
        "                        (default %d)\n"
        "      --feedback-terms N   ... at most N words (default %d)\n"
        "      --feedback-weight X  ... their share of the score, 0 to 1 "
        "(default %g)\n"
        "      --repeats on|off  a word the question repeats weighs more "
        "(default %s)\n"
        "\n"
        "  -h, --help        show this help and exit\n"
        "  -V, --version     show the version and exit\n"
        "\n"
        "Exit status: 0 when a passage matched (with --batch: for some "
        "question),\n"
        "1 when none did, 2 on error.\n",
        progname, progname, QY_DEFAULT_SNIPPET_WORDS, QY_GUARD_DEFAULT_SECONDS,
        QY_DEFAULT_K1, QY_DEFAULT_B, QY_DEFAULT_TITLE_WEIGHT,
        QY_DEFAULT_PROXIMITY, QY_DEFAULT_FEEDBACK_DOCS,
        QY_DEFAULT_FEEDBACK_TERMS, QY_DEFAULT_FEEDBACK_WEIGHT,
        QY_DEFAULT_COUNT_REPEATS ? "on" : "off");
}

static int parse_unsigned(const char *opt, const char *s, unsigned min,
                          unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max || s[0] == '-') {
        fprintf(stderr,
                "%s: %s expects a whole number from %u to %u, not "
                "'%s'\n",
                progname, opt, min, max, s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi,
                        double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s: %s expects a number from %g to %g, not '%s'\n",
                progname, opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
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
        char *end;
        errno = 0;
        unsigned long n = strtoul(columns, &end, 10);
        if (!*end && !errno && n > 0 && n <= MAX_WIDTH && columns[0] != '-')
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

/* Options without a short form. */
enum {
    OPT_FORMAT = 256,
    OPT_JSONL,
    OPT_BATCH,
    OPT_CONTEXT,
    OPT_HIGHLIGHT,
    OPT_PARSED,
    OPT_EXPLAIN,
    OPT_PER_SOURCE,
    OPT_DUPLICATES,
    OPT_NO_SPELLING,
    OPT_TIMEOUT,
    OPT_WIDTH,
};

int main(int argc, char **argv)
{
    double t_start = qy_timings_now();
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, 'j'},
        {"jsonl", no_argument, NULL, OPT_JSONL},
        {"files", no_argument, NULL, 'l'},
        {"count", no_argument, NULL, 'c'},
        {"batch", no_argument, NULL, OPT_BATCH},
        {"context", required_argument, NULL, OPT_CONTEXT},
        {"highlight", required_argument, NULL, OPT_HIGHLIGHT},
        {"parsed", no_argument, NULL, OPT_PARSED},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"per-source", no_argument, NULL, OPT_PER_SOURCE},
        {"duplicates", no_argument, NULL, OPT_DUPLICATES},
        {"all", no_argument, NULL, OPT_DUPLICATES},
        {"no-spelling", no_argument, NULL, OPT_NO_SPELLING},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"lang", required_argument, NULL, 'L'},
        {"k1", required_argument, NULL, 'k'},
        {"b", required_argument, NULL, 'b'},
        {"title-weight", required_argument, NULL, 'T'},
        {"proximity", required_argument, NULL, 'P'},
        {"feedback", required_argument, NULL, 'F'},
        {"feedback-terms", required_argument, NULL, 'E'},
        {"feedback-weight", required_argument, NULL, 'W'},
        {"repeats", required_argument, NULL, 'R'},
        {"color", required_argument, NULL, 'C'},
        {"colour", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *indexes[MAX_INDEXES];
    size_t nindexes = 0;
    const char *lang = NULL, *color_when = "auto";
    const char *highlight = NULL;
    const printer_t *printer = NULL;
    int batch = 0, limit_given = 0, show_parsed = 0;
    unsigned context = 0, timeout = QY_GUARD_DEFAULT_SECONDS, width = 0;
    int width_given = 0;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    opts.resolve_source = resolve_source;
    int c;
    opterr = 0; /* our own one-line messages name the program */
    while ((c = getopt_long(argc, argv, ":d:n:lchV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (nindexes == MAX_INDEXES) {
                fprintf(stderr, "%s: at most %d indexes\n", progname,
                        MAX_INDEXES);
                return EXIT_ERROR;
            }
            indexes[nindexes++] = optarg;
            break;
        case 'n':
            if (parse_unsigned("--limit", optarg, 0, QUERY_MAX_LIMIT,
                               &opts.limit))
                return EXIT_ERROR;
            limit_given = 1;
            break;
        case 'o':
            if (parse_unsigned("--offset", optarg, 0, 10000000, &opts.offset))
                return EXIT_ERROR;
            break;
        case OPT_FORMAT:
            printer = find_printer(optarg);
            if (!printer) {
                fprintf(stderr, "%s: --format expects ", progname);
                list_formats(stderr, 0);
                fprintf(stderr, ", not '%s'\n", optarg);
                return EXIT_ERROR;
            }
            break;
        case 'j':
            printer = &json_printer;
            break;
        case OPT_JSONL:
            printer = &jsonl_printer;
            break;
        case 'l':
            printer = &files_printer;
            break;
        case 'c':
            printer = &count_printer;
            break;
        case OPT_BATCH:
            batch = 1;
            break;
        case OPT_CONTEXT:
            if (parse_unsigned("--context", optarg, 1, 1000, &context))
                return EXIT_ERROR;
            opts.snippet_words = context;
            break;
        case OPT_HIGHLIGHT:
            if (!strchr(optarg, ',')) {
                fprintf(stderr,
                        "%s: --highlight expects START,END (e.g. "
                        "--highlight='[,]'), not '%s'\n",
                        progname, optarg);
                return EXIT_ERROR;
            }
            highlight = optarg;
            break;
        case OPT_PARSED:
            show_parsed = 1;
            break;
        case OPT_EXPLAIN:
            opts.explain = 1;
            break;
        case OPT_PER_SOURCE:
            opts.per_source = 1;
            break;
        case OPT_DUPLICATES:
            opts.keep_duplicates = 1;
            break;
        case OPT_NO_SPELLING:
            opts.no_spelling = 1;
            break;
        case OPT_TIMEOUT:
            if (parse_unsigned("--timeout", optarg, 0, 86400, &timeout))
                return EXIT_ERROR;
            break;
        case OPT_WIDTH:
            if (parse_unsigned("--width", optarg, 0, MAX_WIDTH, &width))
                return EXIT_ERROR;
            width_given = 1;
            break;
        case 'L':
            lang = optarg;
            break;
        case 'k':
            if (parse_double("--k1", optarg, 0, 1000, &opts.k1))
                return EXIT_ERROR;
            break;
        case 'b':
            if (parse_double("--b", optarg, 0, 1, &opts.b))
                return EXIT_ERROR;
            break;
        case 'T':
            if (parse_double("--title-weight", optarg, 0, 100,
                             &opts.title_weight))
                return EXIT_ERROR;
            break;
        case 'P':
            if (parse_double("--proximity", optarg, 0, 100, &opts.proximity))
                return EXIT_ERROR;
            break;
        case 'F':
            if (parse_unsigned("--feedback", optarg, 0, 1000,
                               &opts.feedback_docs))
                return EXIT_ERROR;
            break;
        case 'E':
            if (parse_unsigned("--feedback-terms", optarg, 0, 1000,
                               &opts.feedback_terms))
                return EXIT_ERROR;
            break;
        case 'W':
            if (parse_double("--feedback-weight", optarg, 0, 1,
                             &opts.feedback_weight))
                return EXIT_ERROR;
            break;
        case 'R':
            if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
                fprintf(stderr,
                        "%s: --repeats expects on or off, not "
                        "'%s'\n",
                        progname, optarg);
                return EXIT_ERROR;
            }
            opts.count_repeats = strcmp(optarg, "on") == 0;
            break;
        case 'C':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
                strcmp(optarg, "never")) {
                fprintf(stderr,
                        "%s: --color expects auto, always or never, "
                        "not '%s'\n",
                        progname, optarg);
                return EXIT_ERROR;
            }
            color_when = optarg;
            break;
        case 'h':
            print_help();
            return finish_output(EXIT_FOUND);
        case 'V':
            printf("query (quarry) %s\n", QUARRY_VERSION);
            return finish_output(EXIT_FOUND);
        case ':':
        default:
            /* A long option is named as written: getopt's optopt holds
             * its internal code, not a letter. */
            qy_cli_bad_option(progname, c == ':',
                              strncmp(argv[optind - 1], "--", 2) == 0 ? 0
                                                                      : optopt,
                              argv[optind - 1]);
            return EXIT_ERROR;
        }
    }
    if (!printer)
        printer = batch ? &json_printer : &text_printer;
    if (batch && optind < argc) {
        fprintf(stderr,
                "%s: --batch reads the questions from standard "
                "input, not from WORDS ('%s')\n",
                progname, argv[optind]);
        usage_hint();
        return EXIT_ERROR;
    }
    if (batch && !(printer->flags & PRINTER_BATCH)) {
        fprintf(stderr, "%s: --batch answers as ", progname);
        list_formats(stderr, PRINTER_BATCH);
        fprintf(stderr, ", not %s\n", printer->name);
        return EXIT_ERROR;
    }
    if (!batch && optind >= argc) {
        fprintf(stderr, "%s: no WORDS to search for\n", progname);
        usage_hint();
        return EXIT_ERROR;
    }
    if (printer->tune)
        printer->tune(&opts, limit_given);
    signal(SIGPIPE, SIG_IGN);

    char *default_index = NULL;
    if (nindexes == 0) {
        default_index = qy_index_path(NULL);
        if (!default_index) {
            fprintf(stderr,
                    "%s: no index given (-d DIR), and no HOME to "
                    "look in\n",
                    progname);
            return EXIT_ERROR;
        }
        indexes[nindexes++] = default_index;
    }
    int status = EXIT_ERROR;
    char *error = NULL, *question = NULL;
    char *mark_start = NULL;
    session_t s = {.printer = printer, .timeout = timeout};
    for (size_t i = 0; i < nindexes; i++) {
        struct stat info;
        if (stat(indexes[i], &info) == 0 && !S_ISDIR(info.st_mode)) {
            fprintf(stderr,
                    "%s: '%s' is a file, not an index (an index is the "
                    "folder indexer -d made)\n",
                    progname, indexes[i]);
            return EXIT_ERROR;
        }
    }
    /* Faults inside libxapian come from a damaged index: named, not a
     * core dump. Several indexes are named together. */
    char named[1024];
    size_t used = 0;
    named[0] = '\0';
    for (size_t i = 0; i < nindexes && used < sizeof named; i++)
        used += (size_t)snprintf(named + used, sizeof named - used, "%s%s",
                                 i ? "', '" : "", indexes[i]);
    qy_guard_faults(progname, named);
    double t_open = qy_timings_now();
    quarry_status_t st =
        quarry_index_open_shards(indexes, nindexes, &s.index, &error);
    if (st != QUARRY_STATUS_SUCCESS) {
        fprintf(stderr, "%s: %s\n", progname,
                error ? error : quarry_status_to_string(st));
        goto out;
    }
    const char *words_lang = lang ? lang : quarry_index_language(s.index);
    if (qy_analyzer_new(words_lang, &s.a) != QY_OK ||
        (st = query_search_options(&opts, lang, &s.opts)) ==
            QUARRY_STATUS_UNKNOWN_LANGUAGE) {
        fprintf(stderr,
                "%s: unknown language '%s' (see indexer "
                "--list-languages)\n",
                progname, words_lang);
        goto out;
    }
    if (st != QUARRY_STATUS_SUCCESS) {
        fprintf(stderr, "%s: %s\n", progname, quarry_status_to_string(st));
        goto out;
    }
    qy_timings_add(QY_STAGE_OPEN, t_open);
    s.popts = (printer_opts_t){
        .out = stdout,
        .color = want_color(color_when),
        .analyzer = s.a,
        .context_words = context,
        .show_parsed = show_parsed,
        .explain = opts.explain,
        .width = width_given ? width : terminal_width(STDOUT_FILENO),
    };
    if (highlight) {
        const char *comma = strchr(highlight, ',');
        mark_start = strndup(highlight, (size_t)(comma - highlight));
        if (!mark_start) {
            fprintf(stderr, "%s: out of memory\n", progname);
            goto out;
        }
        s.popts.mark_start = mark_start;
        s.popts.mark_end = comma + 1;
    }
    if (batch) {
        status = finish_output(run_batch(&s));
        goto out;
    }
    question = join_words(argv + optind, argc - optind);
    if (!question) {
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
    qy_timings_report(stderr, progname, t_start);
    free(mark_start);
    free(question);
    free(error);
    free(default_index);
    return status;
}
