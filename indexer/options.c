/* The indexer's options, each defined once. */
#include "options.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "quarry/bulk.h"

void ix_args_init(ix_args_t *args)
{
    memset(args, 0, sizeof *args);
    args->format = QY_FORMAT_AUTO;
    args->stdin_name = "stdin";
    args->commit_every = 0; /* not given: IX_COMMIT_EVERY */
    args->jobs = 0;         /* not given: one, or every core (indexer.h) */
}

/* --format: a format's name, or auto. */
static int convert_format(const char *program, const char *value, void *field)
{
    if (qy_format_from_name(value, field) == 0)
        return 0;
    fprintf(stderr,
            "%s: unknown format '%s' (expected auto, text, markdown, html, "
            "jsonl, pdf, odt, docx, epub or mail)\n",
            program, value);
    return -1;
}

unsigned ix_online_cores(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1                  ? 1
           : cores > QY_BULK_MAX_JOBS ? QY_BULK_MAX_JOBS
                                      : (unsigned)cores;
}

/* --jobs: 0 or "auto" is one thread per online core. */
static int convert_jobs(const char *program, const char *value, void *field)
{
    unsigned long n;
    if (strcmp(value, "auto") == 0 ||
        (qy_parse_unsigned(value, 0, QY_BULK_MAX_JOBS, &n) == 0 && n == 0)) {
        n = ix_online_cores();
    } else if (qy_parse_unsigned(value, 0, QY_BULK_MAX_JOBS, &n) != 0) {
        fprintf(stderr,
                "%s: --jobs expects a number of threads from 0 to %d, or "
                "auto, not '%s'\n",
                program, QY_BULK_MAX_JOBS, value);
        return -1;
    }
    *(unsigned *)field = (unsigned)n;
    return 0;
}

#define AT(member) QY_OPT_AT(ix_args_t, member)

static const qy_option_t options[] = {
    {.name = "index",
     .letter = 'd',
     .kind = QY_OPT_STRING,
     .arg = "DIR",
     AT(index),
     .complete = QY_COMPLETE_DIR,
     .help = "the index (default: $QUARRY_INDEX, else "
             "$XDG_DATA_HOME/quarry/index, else ~/.local/share/quarry/index)",
     .man = "The index to write. Default: see *ENVIRONMENT*."},
    {.name = "lang",
     .kind = QY_OPT_STRING,
     .arg = "LANG",
     AT(lang),
     .complete = QY_COMPLETE_LANGUAGES,
     .help = "stemming language of a new index (default english; auto: "
             "each document's own; see --list-languages)",
     .man = "The stemming language of a new index (default *english*); "
            "*none* turns stemming off. An existing index keeps its "
            "language: naming another is an error. *auto* makes an index of "
            "several languages: each document's language (each message's, "
            "in a mailbox) is detected from its first 4 KB (libexttextcat), "
            "among the languages the stemmer knows, and the document is "
            "stemmed in it; a text too short to tell (under 80 bytes) is "
            "English. The language is stored with each passage (*lang* in "
            "*query --json*, the *lang:* filter), and *query* stems each "
            "word of a question in every language the index holds."},
    {.name = "list-languages",
     .kind = QY_OPT_FLAG,
     AT(list_languages),
     .flags = QY_OPT_STOP,
     .help = "print the accepted languages and exit",
     .man = "Print the accepted languages, one per line, and exit."},
    {.name = "format",
     .kind = QY_OPT_STRING,
     .arg = "FORMAT",
     .convert = convert_format,
     AT(format),
     .complete = QY_COMPLETE_CHOICES,
     .choices = "auto text markdown html jsonl pdf odt docx epub mail",
     .help = "read every input as FORMAT: text, markdown, html, jsonl, pdf, "
             "odt, docx, epub, mail (default auto: by the extension, .md "
             ".markdown markdown, .html .htm .xhtml html, .jsonl .ndjson "
             "jsonl, .pdf .odt .docx .epub, .mbox .eml mail; without a known "
             "one by the content, else text)",
     .man = "Read every input as _FORMAT_: *text*, *markdown*, *html*, "
            "*jsonl*, *pdf*, *odt*, *docx*, *epub* or *mail*. The default, "
            "*auto*, goes by the file name: *.md* and *.markdown* are "
            "Markdown; *.html*, *.htm* and *.xhtml* are HTML; *.jsonl* and "
            "*.ndjson* are JSON Lines; *.pdf*, *.odt*, *.docx* and *.epub* "
            "those formats; *.mbox* and *.eml* mail, and so is a file in a "
            "folder named *cur* or *new* (a Maildir's); *.txt* and *.text* "
            "text; any other file is read as what its content is (libmagic; "
            "a *From* line followed by a header is an mbox), else as text."},
    {.name = "include",
     .kind = QY_OPT_LIST,
     .arg = "GLOB",
     AT(include),
     .help = "index only files matching GLOB (repeatable)",
     .man = "Index only the files matching _GLOB_. Repeatable."},
    {.name = "exclude",
     .kind = QY_OPT_LIST,
     .arg = "GLOB",
     AT(exclude),
     .help = "skip files and directories matching GLOB (repeatable); GLOBs "
             "match the path below the PATH given, or the name",
     .man = "Skip the files and directories matching _GLOB_. Repeatable. A "
            "_GLOB_ matches the path below the _PATH_ given, or the file's "
            "name."},
    {.name = "no-delete",
     .kind = QY_OPT_FLAG,
     AT(no_delete),
     .help = "keep the passages of files that are gone"},
    {.name = "stdin-name",
     .kind = QY_OPT_STRING,
     .arg = "NAME",
     AT(stdin_name),
     .flags = QY_OPT_NONEMPTY,
     .complete = QY_COMPLETE_FILE,
     .help = "the source name of the passages read from - (default stdin); "
             "its extension picks the format",
     .man = "The source name of the passages read from *-* (default "
            "*stdin*); its extension picks the format. Without a known "
            "extension, the content does, as for a file."},
    {.name = "wait",
     .kind = QY_OPT_FLAG,
     AT(wait),
     .help = "wait for another indexer to finish instead of failing",
     .man = "When another indexer is writing the index, wait for it to "
            "finish instead of failing."},
    {.name = "commit-every",
     .kind = QY_OPT_UNSIGNED,
     .arg = "N",
     .min = 1,
     .max = 100000000,
     AT(commit_every),
     .help = "commit after N passages (default " QY_OPT_STR(
         IX_COMMIT_EVERY) "; one thread only, also without --jobs)",
     .man =
         "Commit after every _N_ passages, from 1 to 100000000 "
         "(default " QY_OPT_STR(
             IX_COMMIT_EVERY) "). What was committed survives an interruption. "
                              "One thread only (it keeps a run without "
                              "*--jobs* on one thread); see *--jobs*."},
    {.name = "jobs",
     .kind = QY_OPT_STRING,
     .arg = "N",
     .convert = convert_jobs,
     AT(jobs),
     .complete = QY_COMPLETE_CHOICES,
     .choices = "auto 0 1 2 4 8",
     .help = "index on N threads (0 or auto: one per core; default: one, "
             "and one per core for a large load), merging the new passages "
             "into the index once, at the end",
     .man = "Index on _N_ worker threads. *0* or *auto* means one thread per "
            "online core (at most " QY_OPT_STR(
                QY_BULK_MAX_JOBS) "); anything but a number from 0 "
                                  "to " QY_OPT_STR(QY_BULK_MAX_JOBS) " or "
                                                                     "*auto* "
                                                                     "is an "
                                                                     "error "
                                                                     "(exit "
                                                                     "status "
                                                                     "2). "
                                                                     "Without "
                                                                     "*--jobs* "
                                                                     "(and "
                                                                     "without "
                                                                     "*--"
                                                                     "commit-"
                                                                     "every*) "
                                                                     "a run "
                                                                     "starts "
                                                                     "on "
                                                                     "one "
                                                                     "thread "
                                                                     "and goes "
                                                                     "on with "
                                                                     "one "
                                                                     "thread "
                                                                     "per core "
                                                                     "from the "
                                                                     "first "
                                                                     "file at "
                                                                     "which "
                                                                     "what it "
                                                                     "has read "
                                                                     "to "
                                                                     "index, "
                                                                     "that "
                                                                     "file "
                                                                     "included,"
                                                                     " "
                                                                     "reaches "
                                                                     "8 MB "
                                                                     "(about a "
                                                                     "batch of "
                                                                     "20000 "
                                                                     "passages "
                                                                     "of "
                                                                     "prose) "
                                                                     "and a "
                                                                     "quarter "
                                                                     "of the "
                                                                     "text the "
                                                                     "index "
                                                                     "holds "
                                                                     "(reckoned"
                                                                     " at 400 "
                                                                     "bytes a "
                                                                     "passage):"
                                                                     " a first "
                                                                     "build or "
                                                                     "a large "
                                                                     "reload "
                                                                     "uses "
                                                                     "every "
                                                                     "core, "
                                                                     "small "
                                                                     "updates "
                                                                     "stay on "
                                                                     "one "
                                                                     "thread. "
                                                                     "A file "
                                                                     "is never "
                                                                     "split "
                                                                     "between "
                                                                     "the "
                                                                     "two.\n\n"
                                                                     "With _N_ "
                                                                     "of 2 or "
                                                                     "more the "
                                                                     "threads "
                                                                     "write "
                                                                     "the "
                                                                     "passages,"
                                                                     " each "
                                                                     "into a "
                                                                     "shard of "
                                                                     "its own "
                                                                     "(a "
                                                                     "temporary"
                                                                     " index "
                                                                     "in "
                                                                     "_INDEX_."
                                                                     "bulk-_"
                                                                     "PID_/ "
                                                                     "beside "
                                                                     "the "
                                                                     "index, "
                                                                     "written "
                                                                     "without "
                                                                     "fsync). "
                                                                     "At the "
                                                                     "end of "
                                                                     "the run "
                                                                     "the "
                                                                     "shards "
                                                                     "and the "
                                                                     "index "
                                                                     "are "
                                                                     "merged "
                                                                     "by "
                                                                     "Xapian's "
                                                                     "compactio"
                                                                     "n into a "
                                                                     "new "
                                                                     "index, "
                                                                     "which is "
                                                                     "synced "
                                                                     "and "
                                                                     "takes "
                                                                     "the "
                                                                     "index's "
                                                                     "place in "
                                                                     "one "
                                                                     "atomic "
                                                                     "rename. "
                                                                     "Nothing "
                                                                     "is "
                                                                     "committed"
                                                                     " before "
                                                                     "that: "
                                                                     "*--"
                                                                     "commit-"
                                                                     "every* "
                                                                     "does "
                                                                     "not "
                                                                     "apply, a "
                                                                     "run that "
                                                                     "is "
                                                                     "killed "
                                                                     "leaves "
                                                                     "the "
                                                                     "index "
                                                                     "exactly "
                                                                     "as it "
                                                                     "was (the "
                                                                     "next run "
                                                                     "removes "
                                                                     "its "
                                                                     "shards), "
                                                                     "and "
                                                                     "SIGINT, "
                                                                     "SIGTERM "
                                                                     "or "
                                                                     "SIGHUP "
                                                                     "stop the "
                                                                     "reading "
                                                                     "and "
                                                                     "merge "
                                                                     "what the "
                                                                     "workers "
                                                                     "have "
                                                                     "indexed "
                                                                     "(document"
                                                                     "s read "
                                                                     "but not "
                                                                     "begun "
                                                                     "keep "
                                                                     "their "
                                                                     "old "
                                                                     "passages;"
                                                                     " the "
                                                                     "next "
                                                                     "run "
                                                                     "indexes "
                                                                     "them), "
                                                                     "then "
                                                                     "exit "
                                                                     "with 128 "
                                                                     "+ the "
                                                                     "signal "
                                                                     "number. "
                                                                     "Queries "
                                                                     "answer "
                                                                     "from the "
                                                                     "old "
                                                                     "index "
                                                                     "until "
                                                                     "the "
                                                                     "rename. "
                                                                     "The "
                                                                     "merge "
                                                                     "rewrites "
                                                                     "the "
                                                                     "whole "
                                                                     "index, "
                                                                     "so "
                                                                     "*--jobs* "
                                                                     "pays off "
                                                                     "for "
                                                                     "large "
                                                                     "loads, "
                                                                     "not for "
                                                                     "a few "
                                                                     "changed "
                                                                     "files; a "
                                                                     "run that "
                                                                     "only "
                                                                     "skips "
                                                                     "unchanged"
                                                                     " "
                                                                     "files or "
                                                                     "removes "
                                                                     "passages "
                                                                     "starts "
                                                                     "no "
                                                                     "threads. "
                                                                     "The "
                                                                     "merged "
                                                                     "index is "
                                                                     "compact "
                                                                     "(see "
                                                                     "*--"
                                                                     "compact*)"
                                                                     ". Search "
                                                                     "results, "
                                                                     "the "
                                                                     "acronyms "
                                                                     "learned "
                                                                     "and the "
                                                                     "blocks "
                                                                     "counted "
                                                                     "as "
                                                                     "dropped "
                                                                     "are "
                                                                     "those of "
                                                                     "*--jobs "
                                                                     "1*, "
                                                                     "except "
                                                                     "that "
                                                                     "passages "
                                                                     "with "
                                                                     "exactly "
                                                                     "equal "
                                                                     "scores "
                                                                     "may come "
                                                                     "in "
                                                                     "another "
                                                                     "order."},
    {.name = "compact",
     .kind = QY_OPT_FLAG,
     AT(compact),
     .help = "rewrite the index compactly at the end (PATH may then be left "
             "out); done without it when one thread wrote " QY_OPT_STR(
                 IX_COMPACT_MIN_PASSAGES) " passages or more, half the index "
                                          "or more",
     .man = "Rewrite the index compactly at the end of the run, after its "
            "last commit: Xapian's compaction writes full blocks into a new "
            "index beside it (in _INDEX_.bulk-_PID_/), which is synced and "
            "takes the index's place in one atomic rename, as at the end of "
            "*--jobs*. Xapian's writer leaves its blocks about half full, so "
            "the index shrinks to about half: on a sample of 160,000 "
            "Wikipedia passages, from 400 MB to 209 MB, in 2 s. _PATH_ may "
            "be left out to compact an index that many updates have grown. "
            "Without the option, a run on one thread that wrote " QY_OPT_STR(
                IX_COMPACT_MIN_PASSAGES) " passages or more, half of the "
                                         "index or more (a first build, a "
                                         "reload), compacts too, and a "
                                         "failure there is only a warning. "
                                         "An interrupted run does not compact; "
                                         "a run killed while "
                                         "compacting leaves the index marked "
                                         "(*quarry.compact-pending*), "
                                         "and the next run compacts it; a run "
                                         "of *--jobs* 2 or more that "
                                         "wrote passages is compact already. "
                                         "Queries answer from the old "
                                         "index until the rename, and a reader "
                                         "such as *query --batch* "
                                         "moves to the new one at its next "
                                         "question."},
    {.name = "synonyms",
     .kind = QY_OPT_STRING,
     .arg = "FILE",
     AT(synonyms),
     .complete = QY_COMPLETE_FILE,
     .help = "store the synonym groups of FILE in the index, in place of "
             "those stored before (PATH may then be left out)",
     .man = "Store the synonym groups of _FILE_ (*-* for standard input) in "
            "the index, in place of the groups stored before; a question "
            "for one entry of a group then also finds the others. One group "
            "a line, entries separated by commas: *usa, united states of "
            "america* makes each entry find the other; *laptop, notebook => "
            "computer* makes *laptop* and *notebook* find *computer*, not "
            "the reverse. Lines starting with *#* and blank lines are "
            "skipped. Entries are words or phrases, stemmed in the index's "
            "language; a phrase is searched as a phrase. An empty _FILE_ "
            "removes the stored groups; acronyms learned from the text are "
            "kept. A line that cannot be read is an error naming _FILE_ and "
            "the line, and nothing is stored. With *--synonyms*, _PATH_ may "
            "be left out."},
    {.name = "check",
     .kind = QY_OPT_FLAG,
     AT(check),
     .help = "check every table of the index with Xapian's own check and "
             "say whether it is sound (no PATH)",
     .man = "Check every table of the index with Xapian's own consistency "
            "check (it reads the whole index) and print one line: the index "
            "is sound (exit status 0), or damaged, with the first fault "
            "found (exit status 2: rebuild it). Takes no _PATH_."},
    {.name = "watch",
     .kind = QY_OPT_FLAG,
     AT(watch),
     .help = "after indexing, keep the index current: apply the files "
             "created, changed, moved and deleted under each PATH within "
             "seconds, until SIGINT or SIGTERM (exit 0)",
     .man = "After indexing the _PATH_s, keep the index current until "
            "stopped: files created, changed, renamed, moved and deleted in "
            "each folder given, and in the folders below it (new ones are "
            "watched as they appear), are applied within a few seconds, "
            "through the same checks, filters and atomic replacement of "
            "each file as a plain run. Changes are gathered until none came "
            "for half a second, so that a file written in many small writes "
            "is read once, complete, and at most 3 s under a steady stream; "
            "each batch is one commit. A file given as a _PATH_ is watched "
            "through its folder. When inotify's queue overflows "
            "(*fs.inotify.max_queued_events*), the indexer warns and walks "
            "every _PATH_ again; when a folder cannot be watched (the limit "
            "*fs.inotify.max_user_watches*), it warns once and walks every "
            "_PATH_ again each 30 s until all are watched. SIGINT, SIGTERM "
            "and SIGHUP commit what was done and end the run with status 0. "
            "While it runs, the indexer is the index's one writer: another "
            "one fails, or waits with *--wait*; *query* answers from the "
            "last batch. With *-v*, one line for each batch applied. Not "
            "with *-* alone: standard input is read once. See "
            "_docs/quarry-indexer.service_ for a systemd user service that "
            "runs it."},
    {.name = "json",
     .kind = QY_OPT_FLAG,
     AT(json),
     .help = "print the summary as one JSON object on standard output",
     .man = "Print the summary as one JSON object on standard output: "
            "*schema*, *index*, *files* (*added*, *updated*, *removed*, "
            "*unchanged*, *skipped*), *passages*, *dropped*, *total*, "
            "*bytes*, *seconds*, *warnings*, *interrupted* and *status*."},
    {.name = "quiet",
     .letter = 'q',
     .kind = QY_OPT_FLAG,
     AT(quiet),
     .help = "no progress line and no summary on standard error",
     .man = "No progress line and no summary on standard error."},
    {.name = "verbose",
     .letter = 'v',
     .kind = QY_OPT_FLAG,
     AT(verbose),
     .help = "name each block of text not made a passage, and why, on "
             "standard error",
     .man = "Name each block of text that was not made a passage on "
            "standard error, by file and line, with the rule that dropped "
            "it (no word of letters, a copyright notice, a short line of a "
            "JSON Lines document). The summary counts them in any case "
            "(*dropped* in *--json*)."},
    QY_OPT_STANDARD_ROWS(ix_args_t, NULL),
};

const qy_optspec_t ix_optspec = {
    .program = "indexer",
    .options = options,
    .n = sizeof options / sizeof *options,
    .help_column = 22,
    .operands = QY_COMPLETE_FILE,
};
