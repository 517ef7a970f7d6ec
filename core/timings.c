#include "quarry/timings.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int state = -1; /* -1: QUARRY_TIMINGS not read yet */
static double spent[QY_STAGE_COUNT_OF_STAGES];

static const char *const names[QY_STAGE_COUNT_OF_STAGES] = {
    [QY_STAGE_OPEN] = "open",         [QY_STAGE_PARSE] = "parse",
    [QY_STAGE_FORMS] = "forms",       [QY_STAGE_SPELLING] = "spelling",
    [QY_STAGE_SEARCH] = "search",     [QY_STAGE_COUNT] = "count",
    [QY_STAGE_FEEDBACK] = "feedback", [QY_STAGE_HITS] = "hits",
    [QY_STAGE_FOLD] = "fold",         [QY_STAGE_SNIPPETS] = "snippets",
    [QY_STAGE_PRINT] = "print",
};

int qy_timings_on(void)
{
    if (state < 0) {
        const char *v = getenv("QUARRY_TIMINGS");
        state = v && *v && strcmp(v, "0") != 0;
    }
    return state;
}

double qy_timings_now(void)
{
    if (!qy_timings_on())
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double qy_timings_add(qy_stage_t stage, double start)
{
    if (!qy_timings_on())
        return 0;
    double now = qy_timings_now();
    spent[stage] += now - start;
    return now;
}

void qy_timings_report(FILE *out, const char *progname, double start)
{
    if (!qy_timings_on())
        return;
    double total = qy_timings_now() - start, other = total;
    fprintf(out, "%s: timings (ms):", progname);
    for (int i = 0; i < QY_STAGE_COUNT_OF_STAGES; i++) {
        fprintf(out, " %s %.3f", names[i], spent[i]);
        other -= spent[i];
    }
    fprintf(out, " other %.3f total %.3f\n", other, total);
}
