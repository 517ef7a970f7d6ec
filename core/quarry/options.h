/* Command-line options defined once: a program describes each option in
 * one table row (names, value, range, help and manual text, completion),
 * and the parser, the validation of values, --help, the OPTIONS section of
 * the manual page and the bash completion are all made from that table. */
#ifndef QUARRY_OPTIONS_H
#define QUARRY_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A macro's value as a string literal, for defaults in help text. */
#define QY_OPT_STR_(x) #x
#define QY_OPT_STR(x) QY_OPT_STR_(x)

/* What an option's value is, and where the parser stores it (the field
 * of the program's argument struct that the row names). */
typedef enum qy_opt_kind {
    QY_OPT_FLAG,     /* no value: int set to 1, or the row's `value` stored
                        as a const char * (a shorthand of another option) */
    QY_OPT_STRING,   /* const char *: the argument as given */
    QY_OPT_UNSIGNED, /* unsigned: a whole number from min to max */
    QY_OPT_DOUBLE,   /* double: a number from min to max */
    QY_OPT_CHOICE,   /* const char *: one of the words of `choices` */
    QY_OPT_ONOFF,    /* int: 1 for on, 0 for off */
    QY_OPT_LIST,     /* qy_strlist_t: every value given, at most max */
} qy_opt_kind_t;

/* What the bash completion offers for an option's value (or operand). */
typedef enum qy_opt_complete {
    QY_COMPLETE_NONE,      /* nothing: a number, a pattern, a question */
    QY_COMPLETE_FILE,      /* file names */
    QY_COMPLETE_DIR,       /* directory names */
    QY_COMPLETE_CHOICES,   /* the words of `choices` */
    QY_COMPLETE_LANGUAGES, /* the stemming languages */
} qy_opt_complete_t;

enum {
    QY_OPT_HIDDEN = 1u << 0,   /* in no help, manual page or completion */
    QY_OPT_STOP = 1u << 1,     /* parsing ends here (--help, --version) */
    QY_OPT_ATTACHED = 1u << 2, /* shown as --name=VALUE */
    QY_OPT_NONEMPTY = 1u << 3, /* an empty value is an error */
};

/* The values of a repeatable option, in the order given; items point
 * into argv. Free items with free(). */
typedef struct qy_strlist {
    const char **items;
    size_t n;
} qy_strlist_t;

/* A heading above a group of options: a line of --help, and a
 * subsection of the manual page with an optional paragraph. */
typedef struct qy_opt_section {
    const char *help;      /* "Ranking (0 turns each feature off):" */
    const char *man;       /* "Ranking" */
    const char *man_intro; /* NULL, or a paragraph under the heading */
} qy_opt_section_t;

/* Turns VALUE into the option's field (FIELD points to it), for values
 * the kinds above do not cover. Returns 0, or -1 after printing one line
 * "PROGRAM: ..." on standard error. */
typedef int (*qy_opt_convert_t)(const char *program, const char *value,
                                void *field);

typedef struct qy_option {
    const char *name;  /* the long name, without "--" */
    char letter;       /* the short option, 0 when none */
    const char *alias; /* a second long name of the same option, or NULL */
    qy_opt_kind_t kind;
    const char *arg;     /* the value's name in help and manual ("DIR") */
    double min, max;     /* the range of a number; for a list, max values */
    const char *choices; /* words of a choice, or offered by completion */
    const char *value;   /* a FLAG's string stored in its field */
    qy_opt_convert_t convert; /* when set, turns the value (any kind) */
    size_t field;   /* offsetof the field in the program's arguments */
    int has_field;  /* 0: the option stores nothing */
    unsigned flags; /* QY_OPT_HIDDEN, ... */
    qy_opt_complete_t complete;
    const qy_opt_section_t *section; /* a heading before this option */
    const char *help; /* one sentence for --help, wrapped when printed */
    const char *man;  /* the manual page's text (scdoc), NULL: help's;
                         paragraphs separated by "\n\n" */
} qy_option_t;

/* Where the parser stores an option: QY_OPT_AT(args_t, member). */
#define QY_OPT_AT(type, member) .field = offsetof(type, member), .has_field = 1

/* The rows every program ends its table with: --help, --version and the
 * hidden --dump-options (man or completion), stored in TYPE's int help,
 * int version and const char *dump; SECTION heads them (or NULL). */
#define QY_OPT_STANDARD_ROWS(type, heading)                                    \
    {.name = "help",                                                           \
     .letter = 'h',                                                            \
     .kind = QY_OPT_FLAG,                                                      \
     QY_OPT_AT(type, help),                                                    \
     .flags = QY_OPT_STOP,                                                     \
     .section = (heading),                                                     \
     .help = "show this help and exit",                                        \
     .man = "Print a summary of the options and exit."},                       \
        {.name = "version",                                                    \
         .letter = 'V',                                                        \
         .kind = QY_OPT_FLAG,                                                  \
         QY_OPT_AT(type, version),                                             \
         .flags = QY_OPT_STOP,                                                 \
         .help = "show the version and exit",                                  \
         .man = "Print the version and exit."},                                \
    {                                                                          \
        .name = "dump-options", .kind = QY_OPT_CHOICE, QY_OPT_AT(type, dump),  \
        .choices = "man completion", .flags = QY_OPT_HIDDEN | QY_OPT_STOP,     \
        .help = "print the manual page's OPTIONS or the bash completion"       \
    }

/* A program's options. */
typedef struct qy_optspec {
    const char *program;
    const qy_option_t *options;
    size_t n;
    int help_column;            /* where the help text of each option starts */
    qy_opt_complete_t operands; /* what completion offers for operands */
} qy_optspec_t;

/* Parses argv by SPEC with getopt_long, storing each value in ARGS (the
 * program's argument struct, already holding the defaults). A bad option
 * or value is reported as one line naming the program, the option and
 * the value. Returns the index of the first operand; *STOP is the row of
 * a QY_OPT_STOP option met (parsing ended there), else NULL. Returns -1
 * after a message (exit status 2), also when out of memory. */
int qy_options_parse(const qy_optspec_t *spec, int argc, char **argv,
                     void *args, const qy_option_t **stop);

/* Frees the list's array (the strings belong to argv). */
void qy_strlist_free(qy_strlist_t *l);

/* The option lines of --help, each option's text wrapped to 80 columns
 * from SPEC->help_column. */
void qy_options_help(FILE *out, const qy_optspec_t *spec);

/* The OPTIONS section of the manual page in scdoc, without its heading. */
void qy_options_man(FILE *out, const qy_optspec_t *spec);

/* The bash completion function _quarry_PROGRAM (completions/quarry.bash
 * holds the helpers it calls). */
void qy_options_completion(FILE *out, const qy_optspec_t *spec);

/* --dump-options=WHAT: qy_options_man ("man") or qy_options_completion
 * (any other WHAT). */
void qy_options_dump(FILE *out, const qy_optspec_t *spec, const char *what);

/* Parses S as a whole number from MIN to MAX (decimal, no sign, nothing
 * after it). Returns 0, or -1 with *OUT unchanged. */
int qy_parse_unsigned(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out);

/* Parses S as a number from MIN to MAX. Returns 0, or -1. */
int qy_parse_double(const char *s, double min, double max, double *out);

/* qy_parse_unsigned and qy_parse_double for the value S of the option
 * OPT ("--limit"): on a bad value, prints "PROGRAM: OPT expects a (whole)
 * number from MIN to MAX, not 'S'" and returns -1. */
int qy_opt_unsigned(const char *program, const char *opt, const char *s,
                    unsigned min, unsigned max, unsigned *out);
int qy_opt_double(const char *program, const char *opt, const char *s,
                  double min, double max, double *out);

#ifdef __cplusplus
}
#endif

#endif
