/* The indexer's command line: its arguments and the table of its options
 * (quarry/options.h), from which its parser, --help, manual page and
 * completion are made. */
#ifndef QUARRY_INDEXER_OPTIONS_H
#define QUARRY_INDEXER_OPTIONS_H

#include "quarry/formats.h"
#include "quarry/options.h"

/* What the command line asks for; ix_args_init gives the defaults. */
typedef struct ix_args {
    const char *index; /* -d, NULL: the default index */
    const char *lang;  /* NULL: the index's, or english */
    qy_format_t format;
    qy_strlist_t include, exclude;
    int no_delete;
    const char *stdin_name;
    int wait;
    unsigned commit_every; /* 0 when not given */
    unsigned jobs;         /* 0 when not given */
    int compact;
    const char *synonyms; /* the file, NULL: none */
    int check, watch, json, quiet, verbose;
    /* Options that end the parsing: do this and exit. */
    int list_languages, help, version;
    const char *dump; /* --dump-options: man or completion */
} ix_args_t;

void ix_args_init(ix_args_t *args);

/* The threads of --jobs auto: one per online core, at most
 * QY_BULK_MAX_JOBS. */
unsigned ix_online_cores(void);

extern const qy_optspec_t ix_optspec;

#endif
