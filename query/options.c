/* query's options, each defined once. */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "printer.h"
#include "quarry/guard.h"

void query_args_init(query_args_t *args)
{
    memset(args, 0, sizeof *args);
    args->limit = QUERY_UNSET;
    args->color = "auto";
    args->width = QUERY_UNSET;
    args->timeout = QY_GUARD_DEFAULT_SECONDS;
    qy_search_opts_init(&args->search);
}

/* --highlight=START,END: the first comma separates the two. */
static int convert_highlight(const char *program, const char *value,
                             void *field)
{
    if (!strchr(value, ',')) {
        fprintf(stderr,
                "%s: --highlight expects START,END (e.g. "
                "--highlight='[,]'), not '%s'\n",
                program, value);
        return -1;
    }
    *(const char **)field = value;
    return 0;
}

#if QY_DEFAULT_COUNT_REPEATS
#define REPEATS_DEFAULT "on"
#else
#define REPEATS_DEFAULT "off"
#endif

#define AT(member) QY_OPT_AT(query_args_t, member)

static const qy_opt_section_t output = {.help = "Output:", .man = "Output"};
static const qy_opt_section_t ranking = {
    .help = "Ranking (0 turns each feature off):",
    .man = "Ranking",
    .man_intro = "A weight of 0 turns each feature off."};
static const qy_opt_section_t information = {.man = "Information"};

static const qy_option_t options[] = {
    {.name = "index",
     .letter = 'd',
     .kind = QY_OPT_LIST,
     .arg = "DIR",
     .max = QUERY_MAX_INDEXES,
     AT(indexes),
     .complete = QY_COMPLETE_DIR,
     .help = "the index (repeat for several; tcp://HOST:PORT for a remote "
             "one). Default: $QUARRY_INDEX, else $XDG_DATA_HOME/quarry/index, "
             "else ~/.local/share/quarry/index",
     .man = "The index to search. Repeat to search several indexes (shards) "
            "as one: hits, scores, prefixes, acronyms, synonyms and "
            "*--explain* are those of one index of all their passages. "
            "*tcp://*_HOST_*:*_PORT_ names an index served by "
            "*xapian-tcpsrv*(1); without a hunspell dictionary of the "
            "language, spelling corrections use the local shards' spelling "
            "data only. At most " QY_OPT_STR(
                QUERY_MAX_INDEXES) " indexes. Default: see *ENVIRONMENT*."},
    {.name = "limit",
     .letter = 'n',
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .max = QUERY_MAX_LIMIT,
     AT(limit),
     .help = "print at most N passages (default 10; with --files, every "
             "matching file)",
     .man = "Print at most _N_ passages (default 10, at most " QY_OPT_STR(
         QUERY_MAX_LIMIT) "). With *--files*, the default is every matching "
                          "file."},
    {.name = "offset",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .max = 10000000,
     AT(search.offset),
     .help = "skip the first N passages (default 0)",
     .man = "Skip the first _N_ passages (default 0, at most 10000000); "
            "ranks still count them."},
    {.name = "lang",
     .kind = QY_OPT_STRING,
     .arg = "LANG",
     AT(lang),
     .complete = QY_COMPLETE_LANGUAGES,
     .help = "stemming language (default: the index's)",
     .man = "Stem the question in language _LANG_ instead of the index's own "
            "(*indexer --list-languages* lists them)."},
    {.name = "format",
     .kind = QY_OPT_CHOICE,
     .arg = "FORMAT",
     AT(format),
     .choices = "text json jsonl files count",
     .complete = QY_COMPLETE_CHOICES,
     .section = &output,
     .help = "text (default), json, jsonl, files or count",
     .man = "How to print the answer: *text* (the default), *json*, "
            "*jsonl*, *files* or *count*. The options below are short for "
            "these; the last one given wins."},
    {.name = "json",
     .kind = QY_OPT_FLAG,
     .value = "json",
     AT(format),
     .help = "one JSON object (schema in README.md)",
     .man = "One JSON object on one line: the question, the query as "
            "understood, the number of matches, the spelling suggestion, "
            "and the hits with their text, snippet and highlight offsets "
            "(and a mail's *from*, *to* and *date*, the *lang* of a passage "
            "in an index of several languages). The schema is versioned and "
            "described in README.md."},
    {.name = "jsonl",
     .kind = QY_OPT_FLAG,
     .value = "jsonl",
     AT(format),
     .help = "one JSON object per passage and line, with \"query\"",
     .man = "One JSON object per passage and line, written as soon as it is "
            "ready: the hit object of *--json* with the question added as "
            "*query*. Nothing is printed when nothing matched."},
    {.name = "files",
     .letter = 'l',
     .kind = QY_OPT_FLAG,
     .value = "files",
     AT(format),
     .help = "the matching files, one per line, each once",
     .man = "The files holding matching passages, one absolute path per "
            "line, each once, best first, like *grep -l*. Near-identical "
            "passages are not folded here, and the terms feedback adds do "
            "not match, so every file that the question matches is listed, "
            "and no other."},
    {.name = "count",
     .letter = 'c',
     .kind = QY_OPT_FLAG,
     .value = "count",
     AT(format),
     .help = "the number of matching passages",
     .man = "The number of matching passages (the *total* of *--json*): "
            "exact, whatever *--limit* is, and of the question alone (the "
            "terms feedback adds only rank)."},
    {.name = "batch",
     .kind = QY_OPT_FLAG,
     AT(batch),
     .help = "read questions from standard input, one per line, and answer "
             "each on one line (as --json unless --jsonl or --count); an "
             "empty line gets an empty answer",
     .man = "Read questions from standard input, one per line, and answer "
            "each on one line of standard output, flushed before the next "
            "question is read: the *--json* object by default, or with "
            "*--jsonl* one line per hit, or with *--count* the number. Each "
            "answer is the one a single run with the same options prints at "
            "that moment: the index is read again before each question, so "
            "the answers follow what *indexer* commits, and a new index "
            "that *indexer --jobs* puts in its place. An empty line is an "
            "empty question and gets an answer with no hits, so that the "
            "answers line up with the questions (with *--jsonl*, it gets no "
            "line). A trailing carriage return is removed. An error stops "
            "the batch."},
    {.name = "context",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .min = 1,
     .max = 1000,
     AT(context),
     .help = "words in a snippet window (default " QY_OPT_STR(
         QY_DEFAULT_SNIPPET_WORDS) ")",
     .man = "Words in a snippet window, from 1 to 1000 (default " QY_OPT_STR(
         QY_DEFAULT_SNIPPET_WORDS) "). In text output, a passage whose "
                                   "matched words lie further apart than "
                                   "that is shown as up to three windows "
                                   "joined by \" … \"."},
    {.name = "highlight",
     .kind = QY_OPT_STRING,
     .arg = "START,END",
     .flags = QY_OPT_ATTACHED,
     .convert = convert_highlight,
     AT(highlight),
     .help = "mark matched words with START and END (default: bold red on "
             "a terminal, else nothing)",
     .man = "Write _START_ before and _END_ after each matched word of a "
            "snippet, e.g. *--highlight='[,]'*. The first comma separates "
            "the two strings. Without it, matched words are bold red on a "
            "terminal with colour, and unmarked otherwise. JSON output gives "
            "byte offsets instead."},
    {.name = "color",
     .alias = "colour",
     .kind = QY_OPT_CHOICE,
     .arg = "WHEN",
     .choices = "auto always never",
     AT(color),
     .complete = QY_COMPLETE_CHOICES,
     .help = "colour: auto (a terminal, no NO_COLOR, TERM not dumb), "
             "always, never",
     .man = "Colour and bold in text output: *auto* (the default: when "
            "standard output is a terminal, *NO_COLOR* is unset or empty "
            "and *TERM* is not *dumb*), *always* or *never*."},
    {.name = "width",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .max = QUERY_MAX_WIDTH,
     AT(width),
     .help = "wrap the text output at N columns (default: the terminal's, "
             "$COLUMNS else its own; none when not a terminal; 0: none)",
     .man = "Wrap the lines of text output at _N_ columns, at spaces (a "
            "word is never split; Chinese and Japanese between characters), "
            "the lines that continue one indented further. Default: on a "
            "terminal, *COLUMNS*, else the terminal's width; into a pipe or "
            "a file, no wrapping. *0*: no wrapping. At most " QY_OPT_STR(
                QUERY_MAX_WIDTH) "."},
    {.name = "parsed",
     .kind = QY_OPT_FLAG,
     AT(parsed),
     .help = "print the query as understood before the hits",
     .man = "Print the query as understood (after stop words, stemming, "
            "other word forms and corrections) before the hits. JSON output "
            "always has it, as *parsed*; with *--jsonl*, *--files* and "
            "*--count* it goes to standard error."},
    {.name = "explain",
     .kind = QY_OPT_FLAG,
     AT(search.explain),
     .help = "print each hit's score as the parts it is made of",
     .man = "Show each hit's score as the parts it is made of: the weight "
            "each query word, phrase or expansion gives the passage. In "
            "JSON, each hit gets *explain*: [{\"what\", \"weight\"}]."},
    {.name = "per-source",
     .kind = QY_OPT_FLAG,
     AT(search.per_source),
     .help = "only the best passage of each file",
     .man = "Only the best passage of each file."},
    {.name = "duplicates",
     .alias = "all",
     .kind = QY_OPT_FLAG,
     AT(search.keep_duplicates),
     .help = "show near-identical passages as hits of their own (by "
             "default they are one hit, the others listed under \"also\")",
     .man = "Show near-identical passages as hits of their own instead of "
            "folding them into one hit with an *also* list."},
    {.name = "no-spelling",
     .kind = QY_OPT_FLAG,
     AT(search.no_spelling),
     .help = "no \"Did you mean\", and no search of the correction when the "
             "question as typed finds nothing",
     .man = "Do not suggest spelling corrections, nor search them."},
    {.name = "timeout",
     .kind = QY_OPT_UNSIGNED,
     .arg = "S",
     .max = 86400,
     AT(timeout),
     .help = "end a search that takes longer than S seconds with an error "
             "(default " QY_OPT_STR(QY_GUARD_DEFAULT_SECONDS) "; 0: no bound)",
     .man = "End a search that takes longer than _S_ seconds, at most 86400, "
            "with a one-line error and exit status 2 (default " QY_OPT_STR(
                QY_GUARD_DEFAULT_SECONDS) "; 0: no bound). A search of a sound "
                                          "index takes milliseconds; one "
                                          "that does not end comes from a "
                                          "damaged index."},
    {.name = "k1",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 1000,
     AT(search.k1),
     .section = &ranking,
     .help = "BM25 term-frequency saturation (default " QY_OPT_STR(
         QY_DEFAULT_K1) ")",
     .man = "BM25's term-frequency saturation, from 0 to 1000 "
            "(default " QY_OPT_STR(QY_DEFAULT_K1) ")."},
    {.name = "b",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 1,
     AT(search.b),
     .help = "BM25 length normalisation, 0 to 1 (default " QY_OPT_STR(
         QY_DEFAULT_B) ")",
     .man = "BM25's length normalisation, from 0 to 1 (default " QY_OPT_STR(
         QY_DEFAULT_B) ")."},
    {.name = "title-weight",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 100,
     AT(search.title_weight),
     .help = "weight of question words in the title (default " QY_OPT_STR(
         QY_DEFAULT_TITLE_WEIGHT) ")",
     .man = "Extra weight of question words found in the article's title, "
            "on top of the title's words indexed with the text, from 0 to "
            "100 (default " QY_OPT_STR(QY_DEFAULT_TITLE_WEIGHT) ")."},
    {.name = "proximity",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 100,
     AT(search.proximity),
     .help = "weight of neighbouring question words found close together "
             "(default " QY_OPT_STR(QY_DEFAULT_PROXIMITY) ")",
     .man = "Weight of neighbouring question words found close together in "
            "a passage, from 0 to 100 (default " QY_OPT_STR(
                QY_DEFAULT_PROXIMITY) ")."},
    {.name = "feedback",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .max = 1000,
     AT(search.feedback_docs),
     .help = "expand the question with words of the best N passages "
             "(default " QY_OPT_STR(QY_DEFAULT_FEEDBACK_DOCS) ")",
     .man = "On an index of 500 passages or more (100 per feedback "
            "passage), expand a plain question with the most telling words "
            "of its best _N_ passages and search again, _N_ at most 1000 "
            "(default " QY_OPT_STR(QY_DEFAULT_FEEDBACK_DOCS) ": off)."},
    {.name = "feedback-terms",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .max = 1000,
     AT(search.feedback_terms),
     .help = "... at most N words (default " QY_OPT_STR(
         QY_DEFAULT_FEEDBACK_TERMS) ")",
     .man = "At most _N_ expansion words, up to 1000 (default " QY_OPT_STR(
         QY_DEFAULT_FEEDBACK_TERMS) ")."},
    {.name = "feedback-weight",
     .kind = QY_OPT_DOUBLE,
     .arg = "X",
     .max = 1,
     AT(search.feedback_weight),
     .help = "... their share of the score, 0 to 1 (default " QY_OPT_STR(
         QY_DEFAULT_FEEDBACK_WEIGHT) ")",
     .man =
         "The expansion's share of the score, from 0 to 1 (default " QY_OPT_STR(
             QY_DEFAULT_FEEDBACK_WEIGHT) ")."},
    {.name = "repeats",
     .kind = QY_OPT_ONOFF,
     AT(search.count_repeats),
     .complete = QY_COMPLETE_CHOICES,
     .help = "a word the question repeats weighs more (default " REPEATS_DEFAULT
             ")",
     .man = "Whether a word the question repeats weighs more "
            "(default " REPEATS_DEFAULT ")."},
    QY_OPT_STANDARD_ROWS(query_args_t, &information),
};

const qy_optspec_t query_optspec = {
    .program = "query",
    .options = options,
    .n = sizeof options / sizeof *options,
    .help_column = 20,
    .operands = QY_COMPLETE_NONE,
};
