/* The option tables of the programs (quarry/options.h): getopt_long's
 * arguments, the checks of values, --help, the manual page's OPTIONS and
 * the bash completion, each made from the one table. */
#include "quarry/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/cli.h"

/* getopt_long's value of row I of a table: past every short letter. */
#define LONG_BASE 256
/* Lines of --help, the manual page source and the completion end before
 * this column. */
#define TEXT_WIDTH 80
/* The manual page's text is indented by a tab, counted as 8 columns. */
#define MAN_INDENT 8
#define COMPLETION_INDENT 12

int qy_parse_unsigned(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int qy_parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

int qy_opt_unsigned(const char *program, const char *opt, const char *s,
                    unsigned min, unsigned max, unsigned *out)
{
    unsigned long v;
    if (qy_parse_unsigned(s, min, max, &v) != 0) {
        fprintf(stderr,
                "%s: %s expects a whole number from %u to %u, not '%s'\n",
                program, opt, min, max, s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int qy_opt_double(const char *program, const char *opt, const char *s,
                  double min, double max, double *out)
{
    if (qy_parse_double(s, min, max, out) != 0) {
        fprintf(stderr, "%s: %s expects a number from %g to %g, not '%s'\n",
                program, opt, min, max, s);
        return -1;
    }
    return 0;
}

void qy_strlist_free(qy_strlist_t *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static const char *choices_of(const qy_option_t *o)
{
    return o->kind == QY_OPT_ONOFF ? "on off" : o->choices;
}

/* Whether VALUE is one of the space-separated WORDS. */
static int is_choice(const char *words, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = words; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p += len;
        p += *p == ' ';
    }
    return 0;
}

/* "--color expects auto, always or never, not 'x'". */
static void bad_choice(const char *program, const qy_option_t *o,
                       const char *value)
{
    const char *words = choices_of(o);
    fprintf(stderr, "%s: --%s expects ", program, o->name);
    for (const char *p = words; *p;) {
        size_t len = strcspn(p, " ");
        const char *next = p + len + (p[len] == ' ');
        int last = !*next, first = p == words;
        fprintf(stderr, "%s%.*s",
                first  ? ""
                : last ? " or "
                       : ", ",
                (int)len, p);
        p = next;
    }
    fprintf(stderr, ", not '%s'\n", value);
}

static int add_to_list(const char *program, const qy_option_t *o,
                       qy_strlist_t *l, const char *value)
{
    if (o->max > 0 && (double)l->n >= o->max) {
        fprintf(stderr, "%s: at most %g values of --%s\n", program, o->max,
                o->name);
        return -1;
    }
    const char **more = realloc(l->items, (l->n + 1) * sizeof *more);
    if (!more) {
        fprintf(stderr, "%s: out of memory\n", program);
        return -1;
    }
    l->items = more;
    l->items[l->n++] = value;
    return 0;
}

/* Stores the value of the option O (NULL for a FLAG) in ARGS. */
static int store(const char *program, const qy_option_t *o, void *args,
                 const char *value)
{
    void *field = o->has_field ? (char *)args + o->field : NULL;
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", o->name);
    if (!value && o->kind != QY_OPT_FLAG)
        return -1; /* getopt_long gives every such option its value */
    if ((o->flags & QY_OPT_NONEMPTY) && value && !*value) {
        fprintf(stderr, "%s: %s needs a non-empty value\n", program, opt);
        return -1;
    }
    if (o->convert)
        return o->convert(program, value, field);
    if (!field)
        return 0;
    switch (o->kind) {
    case QY_OPT_FLAG:
        if (o->value)
            *(const char **)field = o->value;
        else
            *(int *)field = 1;
        return 0;
    case QY_OPT_STRING:
        *(const char **)field = value;
        return 0;
    case QY_OPT_UNSIGNED:
        return qy_opt_unsigned(program, opt, value, (unsigned)o->min,
                               (unsigned)o->max, field);
    case QY_OPT_DOUBLE:
        return qy_opt_double(program, opt, value, o->min, o->max, field);
    case QY_OPT_CHOICE:
    case QY_OPT_ONOFF:
        if (!is_choice(choices_of(o), value)) {
            bad_choice(program, o, value);
            return -1;
        }
        if (o->kind == QY_OPT_ONOFF)
            *(int *)field = strcmp(value, "on") == 0;
        else
            *(const char **)field = value;
        return 0;
    case QY_OPT_LIST:
        return add_to_list(program, o, field, value);
    }
    return 0;
}

/* getopt_long's table and short-option string for SPEC, malloc'd. */
static int getopt_tables(const qy_optspec_t *spec, struct option **longopts,
                         char **shortopts)
{
    *longopts = calloc(2 * spec->n + 1, sizeof **longopts);
    *shortopts = malloc(3 * spec->n + 2);
    if (!*longopts || !*shortopts) {
        free(*longopts);
        free(*shortopts);
        return -1;
    }
    size_t nl = 0, ns = 0;
    (*shortopts)[ns++] = ':'; /* a missing value returns ':' */
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        int has_arg = o->kind == QY_OPT_FLAG ? no_argument : required_argument;
        const char *names[2] = {o->name, o->alias};
        for (int k = 0; k < 2; k++)
            if (names[k])
                (*longopts)[nl++] = (struct option){names[k], has_arg, NULL,
                                                    LONG_BASE + (int)i};
        if (o->letter) {
            (*shortopts)[ns++] = o->letter;
            if (has_arg == required_argument)
                (*shortopts)[ns++] = ':';
        }
    }
    (*shortopts)[ns] = '\0';
    return 0;
}

static const qy_option_t *row_of(const qy_optspec_t *spec, int c)
{
    if (c >= LONG_BASE && (size_t)(c - LONG_BASE) < spec->n)
        return &spec->options[c - LONG_BASE];
    for (size_t i = 0; c > 0 && i < spec->n; i++)
        if (spec->options[i].letter == c)
            return &spec->options[i];
    return NULL;
}

int qy_options_parse(const qy_optspec_t *spec, int argc, char **argv,
                     void *args, const qy_option_t **stop)
{
    struct option *longopts;
    char *shortopts;
    *stop = NULL;
    if (getopt_tables(spec, &longopts, &shortopts) != 0) {
        fprintf(stderr, "%s: out of memory\n", spec->program);
        return -1;
    }
    int c, result = -1;
    opterr = 0; /* the messages below name the program */
    optind = 0; /* glibc: start afresh, also on a second call */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const qy_option_t *o = c == ':' || c == '?' ? NULL : row_of(spec, c);
        if (!o) {
            /* A long option is named as typed: getopt's optopt holds its
             * row, not a letter. */
            const char *typed = argv[optind - 1];
            qy_cli_bad_option(spec->program, c == ':',
                              strncmp(typed, "--", 2) == 0 ? 0 : optopt, typed);
            goto out;
        }
        if (store(spec->program, o, args,
                  o->kind == QY_OPT_FLAG ? NULL : optarg) != 0)
            goto out;
        if (o->flags & QY_OPT_STOP) {
            *stop = o;
            break;
        }
    }
    result = optind;
out:
    free(longopts);
    free(shortopts);
    return result;
}

/* ---- Text output --------------------------------------------------- */

/* Writes the words of TEXT[0, LEN) from column *COL (FRESH: no word on
 * the line yet), breaking lines before TEXT_WIDTH; a new line starts with
 * PREFIX and spaces up to column INDENT (a tab prefix counts as
 * MAN_INDENT). In a manual page (MAN), a line never starts with '-', '.'
 * or a quote, which scdoc or roff would read as markup. */
static void wrap(FILE *out, const char *text, size_t len, int *col, int indent,
                 const char *prefix, int fresh, int man)
{
    const char *end = text + len;
    int pad = indent - (prefix[0] == '\t' ? MAN_INDENT : 0);
    for (const char *p = text; p < end;) {
        while (p < end && (*p == ' ' || *p == '\n'))
            p++;
        if (p == end)
            break;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\n')
            p++;
        int n = (int)(p - w);
        if (!fresh && *col + 1 + n >= TEXT_WIDTH &&
            !(man && (*w == '-' || *w == '.' || *w == '\''))) {
            fprintf(out, "\n%s%*s", prefix, pad, "");
            *col = indent;
            fresh = 1;
        }
        if (!fresh) {
            fputc(' ', out);
            (*col)++;
        }
        fwrite(w, 1, (size_t)n, out);
        *col += n;
        fresh = 0;
    }
}

/* The value's name as --help shows it: ARG, or the choices "on|off". */
static void put_arg_help(FILE *out, const qy_option_t *o, int *col)
{
    if (o->kind == QY_OPT_FLAG)
        return;
    const char *sep = o->flags & QY_OPT_ATTACHED ? "=" : " ";
    if (o->arg) {
        *col += fprintf(out, "%s%s", sep, o->arg);
        return;
    }
    *col += fprintf(out, "%s", sep);
    for (const char *p = choices_of(o); *p; p++, (*col)++)
        fputc(*p == ' ' ? '|' : *p, out);
}

void qy_options_help(FILE *out, const qy_optspec_t *spec)
{
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        if (o->flags & QY_OPT_HIDDEN)
            continue;
        if (o->section)
            fprintf(out, "\n%s%s", o->section->help ? o->section->help : "",
                    o->section->help ? "\n" : "");
        int col = o->letter ? fprintf(out, "  -%c, --%s", o->letter, o->name)
                            : fprintf(out, "      --%s", o->name);
        if (o->alias)
            col += fprintf(out, ", --%s", o->alias);
        put_arg_help(out, o, &col);
        int pad = col + 2 <= spec->help_column ? spec->help_column - col : 2;
        col += fprintf(out, "%*s", pad, "");
        wrap(out, o->help, strlen(o->help), &col, spec->help_column, "", 1, 0);
        fputc('\n', out);
    }
}

/* ARG with each run of capitals in scdoc's underline: "_START_,_END_". */
static void put_arg_man(FILE *out, const char *arg)
{
    for (const char *p = arg; *p;) {
        size_t caps = 0;
        while (isupper((unsigned char)p[caps]))
            caps++;
        if (caps) {
            fprintf(out, "_%.*s_", (int)caps, p);
            p += caps;
        } else {
            fputc(*p++, out);
        }
    }
}

static void man_heading(FILE *out, const qy_option_t *o)
{
    if (o->letter)
        fprintf(out, "*-%c*, ", o->letter);
    fprintf(out, "*--%s*", o->name);
    if (o->alias)
        fprintf(out, ", *--%s*", o->alias);
    if (o->kind == QY_OPT_FLAG) {
        fputc('\n', out);
        return;
    }
    fputs(o->flags & QY_OPT_ATTACHED ? "=" : " ", out);
    if (o->arg) {
        put_arg_man(out, o->arg);
    } else {
        for (const char *p = choices_of(o); *p;) {
            size_t len = strcspn(p, " ");
            fprintf(out, "%s*%.*s*", p == choices_of(o) ? "" : "|", (int)len,
                    p);
            p += len + (p[len] == ' ');
        }
    }
    fputc('\n', out);
}

/* The paragraphs of TEXT (separated by "\n\n"), each wrapped, indented
 * by PREFIX ("\t" or ""); a blank line after each. */
static void man_paragraphs(FILE *out, const char *text, const char *prefix)
{
    for (const char *p = text; *p;) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int col = prefix[0] == '\t' ? MAN_INDENT : 0;
        fputs(prefix, out);
        wrap(out, p, len, &col, col, prefix, 1, 1);
        fputs("\n\n", out);
        p += len;
        while (*p == '\n')
            p++;
    }
}

void qy_options_man(FILE *out, const qy_optspec_t *spec)
{
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        if (o->flags & QY_OPT_HIDDEN)
            continue;
        if (o->section && o->section->man) {
            fprintf(out, "## %s\n\n", o->section->man);
            if (o->section->man_intro)
                man_paragraphs(out, o->section->man_intro, "");
        }
        man_heading(out, o);
        man_paragraphs(out, o->man ? o->man : o->help, "\t");
    }
}

/* ---- Completion ---------------------------------------------------- */

/* Writes WORD as the next word of a list at column *COL, after SEP
 * ("" for the first); a line that would grow too long ends with BREAK
 * and the next starts at column INDENT. */
static void put_word(FILE *out, const char *sep, const char *word, int *col,
                     int indent, const char *brk)
{
    int n = (int)(strlen(sep) + strlen(word));
    if (*sep && *col + n + (int)strlen(brk) >= TEXT_WIDTH) {
        fprintf(out, "%s\n%*s", brk, indent, "");
        *col = indent;
        sep = "";
    }
    *col += fprintf(out, "%s%s", sep, word);
}

/* "-d | --index" of option O, in a case pattern begun at column *COL. */
static void case_names(FILE *out, const qy_option_t *o, int *col, int *first)
{
    char word[80];
    const char *names[3] = {NULL, o->name, o->alias};
    char letter[3] = {'-', o->letter, '\0'};
    if (o->letter)
        names[0] = letter;
    for (int k = 0; k < 3; k++) {
        if (!names[k])
            continue;
        snprintf(word, sizeof word, "%s%s", k ? "--" : "", names[k]);
        put_word(out, *first ? "" : " | ", word, col, 8, " | \\");
        *first = 0;
    }
}

static void completion_action(FILE *out, const qy_option_t *o)
{
    switch (o->complete) {
    case QY_COMPLETE_FILE:
        fputs("        _quarry_files\n", out);
        break;
    case QY_COMPLETE_DIR:
        fputs("        _quarry_files dirs\n", out);
        break;
    case QY_COMPLETE_CHOICES:
        fprintf(out, "        _quarry_choose \"%s\"\n", choices_of(o));
        break;
    case QY_COMPLETE_LANGUAGES:
        fputs("        _quarry_choose \"$(_quarry_languages)\"\n", out);
        break;
    case QY_COMPLETE_NONE:
        fputs("        COMPREPLY=()\n", out);
        break;
    }
    fputs("        return\n        ;;\n", out);
}

static int takes_value(const qy_option_t *o)
{
    return o->kind != QY_OPT_FLAG && !(o->flags & QY_OPT_HIDDEN);
}

/* The case of each option with a value to complete, then one for the
 * options whose value has no completion. */
static void completion_cases(FILE *out, const qy_optspec_t *spec)
{
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        if (!takes_value(o) || o->complete == QY_COMPLETE_NONE)
            continue;
        int col = 4, first = 1;
        fputs("    ", out);
        case_names(out, o, &col, &first);
        fputs(")\n", out);
        completion_action(out, o);
    }
    int col = 4, first = 1;
    const qy_option_t *any = NULL;
    for (size_t i = 0; i < spec->n; i++) {
        const qy_option_t *o = &spec->options[i];
        if (!takes_value(o) || o->complete != QY_COMPLETE_NONE)
            continue;
        if (first)
            fputs("    ", out);
        case_names(out, o, &col, &first);
        any = o;
    }
    if (any) {
        fputs(")\n", out);
        completion_action(out, any);
    }
}

/* The words offered for "-...": long names (with "=" when the value is
 * attached), aliases, then the letters. */
static void completion_words(FILE *out, const qy_optspec_t *spec)
{
    char word[80];
    int col = fprintf(out, "        _quarry_choose \"");
    const char *sep = "";
    for (int letters = 0; letters < 2; letters++)
        for (size_t i = 0; i < spec->n; i++) {
            const qy_option_t *o = &spec->options[i];
            if (o->flags & QY_OPT_HIDDEN || (letters && !o->letter))
                continue;
            const char *names[2] = {o->name, o->alias};
            for (int k = 0; k < 2 && !letters; k++) {
                if (!names[k])
                    continue;
                snprintf(word, sizeof word, "--%s%s", names[k],
                         o->flags & QY_OPT_ATTACHED ? "=" : "");
                put_word(out, sep, word, &col, COMPLETION_INDENT, "");
                sep = " ";
            }
            if (letters) {
                snprintf(word, sizeof word, "-%c", o->letter);
                put_word(out, sep, word, &col, COMPLETION_INDENT, "");
            }
        }
    fputs("\"\n", out);
}

void qy_options_completion(FILE *out, const qy_optspec_t *spec)
{
    fprintf(out,
            "_quarry_%s()\n"
            "{\n"
            "    local cur prev\n"
            "    _quarry_words\n"
            "    case $prev in\n",
            spec->program);
    completion_cases(out, spec);
    fputs("    esac\n"
          "    if [[ $cur == -* ]]; then\n",
          out);
    completion_words(out, spec);
    fputs("        if [ ${#COMPREPLY[@]} -eq 1 ] && "
          "[[ ${COMPREPLY[0]} == *= ]]; then\n"
          "            compopt -o nospace 2>/dev/null\n"
          "        fi\n"
          "        return\n"
          "    fi\n",
          out);
    fputs(spec->operands == QY_COMPLETE_FILE  ? "    _quarry_files\n"
          : spec->operands == QY_COMPLETE_DIR ? "    _quarry_files dirs\n"
                                              : "    COMPREPLY=()\n",
          out);
    fputs("}\n", out);
}

void qy_options_dump(FILE *out, const qy_optspec_t *spec, const char *what)
{
    if (strcmp(what, "man") == 0)
        qy_options_man(out, spec);
    else
        qy_options_completion(out, spec);
}
