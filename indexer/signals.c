/* How a run is stopped: SIGINT, SIGTERM and SIGHUP ask it to stop after
 * the current file (ix_interrupted), a second one ends it at once. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"

volatile sig_atomic_t ix_interrupted;

static const char second_signal_msg[] =
    "indexer: stopped at once by a second signal; the index keeps its last "
    "commit\n";

/* The first signal asks the run to stop after the current file; a second
 * one ends it at once, even inside a commit that never returns (the index
 * is then as last committed). */
static void on_signal(int sig)
{
    if (ix_interrupted) {
        ssize_t n = write(STDERR_FILENO, second_signal_msg,
                          sizeof second_signal_msg - 1);
        (void)n;
        _exit(128 + sig);
    }
    ix_interrupted = sig;
}

/* The same three as ix_catch_signals installs. */
void ix_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

void ix_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a read from a terminal or pipe returns at once. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
