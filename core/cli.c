#include "quarry/cli.h"

#include <stdio.h>

void qy_cli_bad_option(const char *progname, int missing_value, int optopt,
                       const char *arg)
{
    char shortopt[3] = {'-', (char)optopt, '\0'};
    fprintf(stderr,
            missing_value ? "%s: option '%s' needs a value\n"
                          : "%s: unknown option '%s'\n",
            progname, optopt ? shortopt : arg);
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}
