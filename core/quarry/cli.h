/* What the two programs say the same way. */
#ifndef QUARRY_CLI_H
#define QUARRY_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Reports a getopt_long failure as one line on standard error, naming the
 * program and the option, followed by a pointer to --help. MISSING_VALUE:
 * getopt returned ':'; OPTOPT: getopt's optopt; ARG: argv[optind - 1]. */
void qy_cli_bad_option(const char *progname, int missing_value, int optopt,
                       const char *arg);

#ifdef __cplusplus
}
#endif

#endif
