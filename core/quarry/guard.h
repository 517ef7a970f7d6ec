/* Last-resort handling of a damaged index: a fault inside libxapian that
 * kills the process, and a search that never ends. Both end the process
 * with exit status 2 and one prepared line on standard error naming the
 * index, written with write(2) from the signal handler (nothing else there
 * is async-signal-safe). */
#ifndef QUARRY_GUARD_H
#define QUARRY_GUARD_H

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status after a fault or a search past its time bound. */
#define QY_GUARD_EXIT 2
/* The default bound of one search, in seconds: far beyond what a search
 * of a sound index takes (milliseconds), well within a person's wait. */
#define QY_GUARD_DEFAULT_SECONDS 5

/* Prepares the messages for PROGNAME working on INDEX (a display name;
 * both are copied) and catches SIGSEGV, SIGBUS, SIGABRT, SIGFPE and SIGILL
 * (on an alternate stack) to print the damage message and exit. */
void qy_guard_faults(const char *progname, const char *index);

/* Arms the time bound of one search: after SECONDS (0: none) the process
 * prints the time-bound message and exits. Call qy_guard_disarm when the
 * search returned. */
void qy_guard_arm(unsigned seconds);
void qy_guard_disarm(void);

/* The bound of a commit that spins: CPU seconds spent without one read or
 * write. A commit of a sound index writes its blocks as it goes; one
 * looping on damaged blocks makes no system call at all. */
#define QY_GUARD_SPIN_SECONDS 10

/* Watches the commit that follows (qy_guard_watch_end when it returned):
 * once the process has spent QY_GUARD_SPIN_SECONDS of CPU time without a
 * read or a write (/proc/self/io), it prints the spin message and exits.
 * Without /proc the commit is not watched. */
void qy_guard_watch_begin(void);
void qy_guard_watch_end(void);

#ifdef __cplusplus
}
#endif

#endif
