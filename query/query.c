/* query: answers a question with the passages of the index that match it
 * best. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printer.h"
#include "quarry/cli.h"
#include "quarry/paths.h"
#include "quarry/schema.h"
#include "quarry/search.h"

#ifndef QUARRY_VERSION
#define QUARRY_VERSION "0.1.0"
#endif

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_ERROR = 2 };
/* More shards than anyone serves; bounds the argument list. */
#define MAX_INDEXES 256

static const char *progname = "query";

static void usage_hint(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void print_help(void)
{
    printf(
        "Usage: %s [OPTION]... WORDS...\n"
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
        "  -n, --limit N     print at most N passages (default 10)\n"
        "      --offset N    skip the first N passages (default 0)\n"
        "      --json        print one JSON object (schema in README.md)\n"
        "      --lang LANG   stemming language (default: the index's)\n"
        "      --k1 X        BM25 term-frequency saturation (default %.2f)\n"
        "      --b X         BM25 length normalisation, 0 to 1 (default "
        "%.2f)\n"
        "Ranking of plain questions (0 turns each off):\n"
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
        "      --color WHEN  highlight: auto (a terminal, no NO_COLOR), "
        "always, never\n"
        "  -h, --help        show this help and exit\n"
        "  -V, --version     show the version and exit\n"
        "\n"
        "Exit status: 0 when a passage matched, 1 when none did, 2 on "
        "error.\n",
        progname, QY_DEFAULT_K1, QY_DEFAULT_B, QY_DEFAULT_TITLE_WEIGHT,
        QY_DEFAULT_PROXIMITY, QY_DEFAULT_FEEDBACK_DOCS,
        QY_DEFAULT_FEEDBACK_TERMS, QY_DEFAULT_FEEDBACK_WEIGHT,
        QY_DEFAULT_COUNT_REPEATS ? "on" : "off");
}

static int parse_unsigned(const char *opt, const char *s, unsigned max,
                          unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > max || s[0] == '-') {
        fprintf(stderr, "%s: %s expects a whole number from 0 to %u, not "
                        "'%s'\n", progname, opt, max, s);
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
    fprintf(stderr, "%s: cannot write output: %s\n", progname,
            strerror(errno));
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"lang", required_argument, NULL, 'L'},
        {"k1", required_argument, NULL, 'k'},
        {"b", required_argument, NULL, 'b'},
        {"title-weight", required_argument, NULL, 'T'},
        {"proximity", required_argument, NULL, 'P'},
        {"feedback", required_argument, NULL, 'F'},
        {"feedback-terms", required_argument, NULL, 'E'},
        {"feedback-weight", required_argument, NULL, 'W'},
        {"repeats", required_argument, NULL, 'R'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *indexes[MAX_INDEXES];
    size_t nindexes = 0;
    const char *lang = NULL, *color_when = "auto";
    const printer_t *printer = &text_printer;
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    int c;
    opterr = 0; /* our own one-line messages name the program */
    while ((c = getopt_long(argc, argv, ":d:n:hV", longopts, NULL)) != -1) {
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
            if (parse_unsigned("--limit", optarg, 100000, &opts.limit))
                return EXIT_ERROR;
            break;
        case 'o':
            if (parse_unsigned("--offset", optarg, 10000000, &opts.offset))
                return EXIT_ERROR;
            break;
        case 'j':
            printer = &json_printer;
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
            if (parse_unsigned("--feedback", optarg, 1000,
                               &opts.feedback_docs))
                return EXIT_ERROR;
            break;
        case 'E':
            if (parse_unsigned("--feedback-terms", optarg, 1000,
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
                fprintf(stderr, "%s: --repeats expects on or off, not "
                                "'%s'\n", progname, optarg);
                return EXIT_ERROR;
            }
            opts.count_repeats = strcmp(optarg, "on") == 0;
            break;
        case 'c':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
                strcmp(optarg, "never")) {
                fprintf(stderr, "%s: --color expects auto, always or never, "
                                "not '%s'\n", progname, optarg);
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
            qy_cli_bad_option(progname, c == ':', optopt, argv[optind - 1]);
            return EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no WORDS to search for\n", progname);
        usage_hint();
        return EXIT_ERROR;
    }
    signal(SIGPIPE, SIG_IGN);

    char *default_index = NULL;
    if (nindexes == 0) {
        default_index = qy_index_path(NULL);
        if (!default_index) {
            fprintf(stderr, "%s: no index given (-d DIR), and no HOME to "
                            "look in\n", progname);
            return EXIT_ERROR;
        }
        indexes[nindexes++] = default_index;
    }
    int status = EXIT_ERROR;
    char *error = NULL, *index_lang = NULL, *question = NULL;
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    qy_results_t results = {0};
    qy_status_t st = qy_db_open_read(indexes, nindexes, &db, &error);
    if (st == QY_OK)
        st = qy_schema_read(db, &index_lang, &error);
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s\n", progname,
                error ? error : qy_status_to_string(st));
        goto out;
    }
    if (qy_analyzer_new(lang ? lang : index_lang, &a) != QY_OK) {
        fprintf(stderr, "%s: unknown language '%s' (see indexer "
                        "--list-languages)\n", progname,
                lang ? lang : index_lang);
        goto out;
    }
    question = join_words(argv + optind, argc - optind);
    if (!question) {
        fprintf(stderr, "%s: out of memory\n", progname);
        goto out;
    }
    st = qy_search(db, a, question, &opts, &results, &error);
    if (st != QY_OK) {
        fprintf(stderr, "%s: %s\n", progname,
                error ? error : qy_status_to_string(st));
        goto out;
    }
    printer_opts_t popts = {stdout, want_color(color_when), question};
    if (printer->print(&popts, &results) != 0) {
        fprintf(stderr, "%s: out of memory\n", progname);
        goto out;
    }
    status = finish_output(results.total ? EXIT_FOUND : EXIT_NONE);
out:
    qy_results_free(&results);
    qy_analyzer_free(a);
    qy_db_close(db);
    free(question);
    free(index_lang);
    free(error);
    free(default_index);
    return status;
}
