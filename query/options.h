/* query's command line: its arguments and the table of its options
 * (quarry/options.h), from which its parser, --help, manual page and
 * completion are made. */
#ifndef QUARRY_QUERY_OPTIONS_H
#define QUARRY_QUERY_OPTIONS_H

#include <limits.h>

#include "quarry/options.h"
#include "quarry/search.h"

/* More shards than anyone serves; bounds the argument list. */
#define QUERY_MAX_INDEXES 256
/* The widest --width (and $COLUMNS) taken. */
#define QUERY_MAX_WIDTH 10000
/* --limit and --width when not given. */
#define QUERY_UNSET UINT_MAX

/* What the command line asks for; query_args_init gives the defaults. */
typedef struct query_args {
    qy_strlist_t indexes; /* none: the default index */
    unsigned limit;       /* QUERY_UNSET: the format's default */
    const char *lang;     /* NULL: the index's */
    const char *format;   /* a printer's name; NULL: text (json, --batch) */
    int batch;
    unsigned context; /* 0: the default */
    const char *highlight;
    const char *color;
    unsigned width; /* QUERY_UNSET: the terminal's */
    int parsed;
    unsigned timeout;
    qy_search_opts_t search; /* the ranking's settings, and the flags */
    /* Options that end the parsing: do this and exit. */
    int help, version;
    const char *dump; /* --dump-options: man or completion */
} query_args_t;

void query_args_init(query_args_t *args);

extern const qy_optspec_t query_optspec;

#endif
