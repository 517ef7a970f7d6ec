/* The fatal-signal and time-bound handlers of core/quarry/guard.h. The
 * messages are composed beforehand, so that a handler only calls write(2)
 * and _exit(2). */
#include "quarry/guard.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* A message holds a program name and an index path twice. */
#define GUARD_MESSAGE_BYTES 8192

static char fault_msg[GUARD_MESSAGE_BYTES], alarm_msg[GUARD_MESSAGE_BYTES],
    spin_msg[GUARD_MESSAGE_BYTES];
static size_t fault_len, alarm_len, spin_len;
static unsigned alarm_seconds;

static void write_all(const char *msg, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, msg, len);
        if (n <= 0)
            return;
        msg += n;
        len -= (size_t)n;
    }
}

static void on_fault(int sig)
{
    (void)sig;
    write_all(fault_msg, fault_len);
    _exit(QY_GUARD_EXIT);
}

static void on_alarm(int sig)
{
    (void)sig;
    write_all(alarm_msg, alarm_len);
    _exit(QY_GUARD_EXIT);
}

/* The watch of a commit: /proc/self/io, open while watching, the count of
 * reads and writes at the last tick, and the ticks since it changed. A
 * tick is a quarter of a second of CPU time (ITIMER_VIRTUAL). */
#define SPIN_TICK_USEC 250000
#define SPIN_TICKS (QY_GUARD_SPIN_SECONDS * 1000000 / SPIN_TICK_USEC)
static int io_fd = -1;
static unsigned long long io_calls;
static int still_ticks;

/* syscr + syscw of /proc/self/io, read with async-signal-safe calls; 0
 * when it cannot be read. */
static unsigned long long io_syscalls(void)
{
    char buf[512];
    ssize_t n = pread(io_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long total = 0;
    for (char *p = buf; *p;) {
        if (strncmp(p, "syscr:", 6) == 0 || strncmp(p, "syscw:", 6) == 0) {
            unsigned long long v = 0;
            for (p += 6; *p == ' '; p++)
                ;
            for (; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (unsigned long long)(*p - '0');
            total += v;
        }
        while (*p && *p != '\n')
            p++;
        if (*p)
            p++;
    }
    return total;
}

static void on_tick(int sig)
{
    (void)sig;
    /* The read of the previous tick is counted: one more is none. */
    unsigned long long calls = io_syscalls();
    int moved = calls > io_calls + 1;
    io_calls = calls;
    if (moved) {
        still_ticks = 0;
        return;
    }
    if (++still_ticks >= SPIN_TICKS) {
        write_all(spin_msg, spin_len);
        _exit(QY_GUARD_EXIT);
    }
}

/* snprintf's length, kept within the buffer. */
static size_t clamp(int n)
{
    if (n < 0)
        return 0;
    return (size_t)n < GUARD_MESSAGE_BYTES ? (size_t)n
                                           : GUARD_MESSAGE_BYTES - 1;
}

static void prepare_alarm(const char *progname, const char *index)
{
    alarm_len = clamp(snprintf(
        alarm_msg, sizeof alarm_msg,
        "%s: the search in '%s' did not end within %u s: the index may be "
        "damaged (check it with indexer --check -d '%s', or rebuild it)\n",
        progname, index, alarm_seconds, index));
}

static char *saved_prog, *saved_index;

void qy_guard_faults(const char *progname, const char *index)
{
    free(saved_prog);
    free(saved_index);
    saved_prog = strdup(progname);
    saved_index = strdup(index);
    fault_len = clamp(snprintf(
        fault_msg, sizeof fault_msg,
        "%s: the index '%s' is damaged (Xapian failed reading it; check it "
        "with indexer --check -d '%s', or rebuild it)\n",
        progname, index, index));
    spin_len = clamp(snprintf(
        spin_msg, sizeof spin_msg,
        "%s: the commit to '%s' spun for %d s without writing: the index is "
        "damaged (check it with indexer --check -d '%s', or rebuild it)\n",
        progname, index, QY_GUARD_SPIN_SECONDS, index));
    /* A fault from a runaway recursion has no stack left to run on. */
    static char alt[1 << 16];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

void qy_guard_arm(unsigned seconds)
{
    if (seconds == 0)
        return;
    if (seconds != alarm_seconds || alarm_len == 0) {
        alarm_seconds = seconds;
        prepare_alarm(saved_prog ? saved_prog : "quarry",
                      saved_index ? saved_index : "the index");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

void qy_guard_disarm(void)
{
    alarm(0);
}

void qy_guard_watch_begin(void)
{
    if (io_fd < 0)
        io_fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
    if (io_fd < 0 || spin_len == 0)
        return;
    io_calls = io_syscalls();
    still_ticks = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGVTALRM, &sa, NULL);
    struct itimerval tv = {.it_interval = {0, SPIN_TICK_USEC},
                           .it_value = {0, SPIN_TICK_USEC}};
    setitimer(ITIMER_VIRTUAL, &tv, NULL);
}

void qy_guard_watch_end(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &off, NULL);
}
