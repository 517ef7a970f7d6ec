/* Running the real programs from tests: a fresh temporary directory, and a
 * runner that captures exit status, standard output and standard error. */
#ifndef QUARRY_TESTS_CLI_H
#define QUARRY_TESTS_CLI_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run_result {
    int status; /* exit code, or 128 + signal */
    char *out;  /* standard output, NUL-terminated */
    char *err;  /* standard error, NUL-terminated */
} run_result_t;

static char cli_tmp[4096];

/* Creates the temporary directory every test of the file works in. */
static int cli_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(cli_tmp, sizeof cli_tmp, "%s/quarry-test-XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(cli_tmp) ? 0 : -1;
}

static int cli_teardown(void **state)
{
    (void)state;
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'",
             cli_tmp, cli_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* A path inside the temporary directory; static buffer per call site. */
static const char *tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", cli_tmp, name);
    return buf;
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

static inline void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    fwrite(content, 1, strlen(content), f);
    fclose(f);
}

/* Executes ARGV, prefixed by the words of $QUARRY_TEST_WRAPPER when it is
 * set (e.g. "valgrind -q --error-exitcode=99"), so that the programs run
 * under a checker; returns only when the exec fails. */
static void exec_wrapped(char *const argv[])
{
    const char *wrapper = getenv("QUARRY_TEST_WRAPPER");
    if (!wrapper || !*wrapper) {
        execv(argv[0], argv);
        return;
    }
    char *words = strdup(wrapper);
    if (!words)
        return;
    char *all[128];
    int n = 0;
    for (char *w = strtok(words, " "); w && n < 64; w = strtok(NULL, " "))
        all[n++] = w;
    for (int i = 0; argv[i] && n < 127; i++)
        all[n++] = argv[i];
    all[n] = NULL;
    execvp(all[0], all);
    free(words);
}

/* Runs ARGV with standard input from /dev/null and standard output into
 * OUT_FD when it is not -1 (else captured). */
static run_result_t run_argv_fd(char *const argv[], int out_fd)
{
    char out_path[4200], err_path[4200];
    snprintf(out_path, sizeof out_path, "%s/.stdout", cli_tmp);
    snprintf(err_path, sizeof err_path, "%s/.stderr", cli_tmp);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = out_fd >= 0
                      ? out_fd
                      : open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        exec_wrapped(argv);
        _exit(127);
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    run_result_t r;
    r.status =
        WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    int fd = open(out_path, O_RDONLY);
    r.out = out_fd >= 0 || fd < 0 ? calloc(1, 1) : slurp_fd(fd);
    if (fd >= 0)
        close(fd);
    fd = open(err_path, O_RDONLY);
    r.err = fd < 0 ? calloc(1, 1) : slurp_fd(fd);
    if (fd >= 0)
        close(fd);
    if (out_fd < 0)
        unlink(out_path);
    unlink(err_path);
    return r;
}

/* Appends the NULL-terminated arguments of AP to ARGV, which holds N of
 * its MAX entries, and ends it with NULL (dropping what does not fit);
 * returns the number of arguments it holds. */
static inline int append_args(char **argv, int n, int max, va_list ap)
{
    const char *arg;
    while (n < max - 1 && (arg = va_arg(ap, const char *)) != NULL)
        argv[n++] = (char *)arg;
    argv[n] = NULL;
    return n;
}

/* Runs PROGRAM with the NULL-terminated arguments that follow. */
static run_result_t run(const char *program, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, program);
    argv[0] = (char *)program;
    append_args(argv, 1, 64, ap);
    va_end(ap);
    return run_argv_fd(argv, -1);
}

static void run_free(run_result_t *r)
{
    free(r->out);
    free(r->err);
}

#endif
