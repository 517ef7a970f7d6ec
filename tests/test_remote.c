/* Scale-out: a corpus split into two indexes, each served by xapian-tcpsrv
 * on loopback, answers `query` exactly as one index of the whole corpus
 * does (same top ten passages, same scores, same total). Skipped (77) when
 * xapian-tcpsrv is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cli.h"

#define HALF_FILES 6
#define PARAGRAPHS 5

static const char *const vocabulary[] = {
    "river",   "mountain", "copper",  "mining",    "harbour", "railway",
    "village", "market",   "winter",  "festival",  "bridge",  "castle",
    "forest",  "engine",   "ancient", "museum",    "trade",   "island",
    "valley",  "library",  "council", "treaty",    "famine",  "orchard",
    "glacier", "canal",    "steel",   "cathedral", "parish",  "lighthouse",
    "the",     "of",       "and",     "in",        "was",     "a",
    "built",   "opened",   "rebuilt", "flooded",   "served",  "studied",
};

static const char *const questions[] = {
    "who built the copper railway bridge",
    "winter festival in the village market",
    "ancient castle museum library",
    "\"copper mining\"",
    "glacier OR lighthouse",
};

typedef struct server {
    pid_t pid;
    unsigned port;
} server_t;

static server_t servers[2];
static char whole[4200], shard[2][4200], remote[2][64];

/* A deterministic stream of words, so that scores differ from passage to
 * passage and ties are not a matter of luck. */
static uint32_t lcg = 12345;
static const char *next_word(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return vocabulary[(lcg >> 16) % (sizeof vocabulary / sizeof *vocabulary)];
}

static void write_corpus(const char *dir, int half)
{
    char path[4400];
    mkdir(dir, 0700);
    for (int f = 0; f < HALF_FILES; f++) {
        char text[8192];
        size_t n =
            (size_t)snprintf(text, sizeof text,
                             "Report %d of part %d on the valley\n\n", f, half);
        for (int p = 0; p < PARAGRAPHS; p++) {
            int words = 8 + (int)((lcg >> 8) % 30);
            for (int w = 0; w < words; w++)
                n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
                                      w ? " " : "", next_word());
            n += (size_t)snprintf(text + n, sizeof text - n, ".\n\n");
        }
        if (snprintf(path, sizeof path, "%s/report-%d.txt", dir, f) >=
            (int)sizeof path)
            abort();
        write_file(path, text);
    }
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* Starts xapian-tcpsrv on a free loopback port serving INDEX and waits for
 * it to say that it listens. Returns 0, or -1 when it could not start. */
static int start_server(const char *tcpsrv, const char *index, server_t *s)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        int port = free_port();
        int fds[2];
        if (port <= 0 || pipe(fds) != 0)
            return -1;
        char portarg[16];
        snprintf(portarg, sizeof portarg, "%d", port);
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            close(fds[0]);
            close(fds[1]);
            /* A group of its own: on SIGTERM xapian-tcpsrv signals its
             * whole process group (its connection handlers), which must
             * not include the test and whoever runs it. It ends with the
             * test, even if the test dies. */
            setpgid(0, 0);
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            execl(tcpsrv, tcpsrv, "--interface", "127.0.0.1", "--port", portarg,
                  "--timeout", "60000", index, (char *)NULL);
            _exit(127);
        }
        setpgid(pid, pid); /* as the child does, whichever runs first */
        close(fds[1]);
        char buf[4096];
        size_t n = 0;
        int listening = 0;
        for (;;) {
            ssize_t r = read(fds[0], buf + n, sizeof buf - 1 - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = '\0';
            if (strstr(buf, "Listening...")) {
                listening = 1;
                break;
            }
            if (n == sizeof buf - 1)
                break;
        }
        close(fds[0]);
        if (listening) {
            s->pid = pid;
            s->port = (unsigned)port;
            return 0;
        }
        /* Most likely someone took the port in between: try another. */
        kill(-pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

static void stop_servers(void)
{
    for (int i = 0; i < 2; i++) {
        if (servers[i].pid > 0) {
            kill(-servers[i].pid, SIGTERM);
            waitpid(servers[i].pid, NULL, 0);
            servers[i].pid = 0;
        }
    }
}

static const char *find_tcpsrv(void)
{
    static const char *const where[] = {"/usr/bin/xapian-tcpsrv",
                                        "/usr/local/bin/xapian-tcpsrv"};
    for (size_t i = 0; i < sizeof where / sizeof *where; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

static int setup(void **state)
{
    const char *tcpsrv = find_tcpsrv();
    if (cli_setup(state) != 0 || !tcpsrv)
        return -1;
    char docs[4200], part[2][4300];
    tmp_path(docs, sizeof docs, "docs");
    mkdir(docs, 0700);
    for (int h = 0; h < 2; h++) {
        if (snprintf(part[h], sizeof part[h], "%s/part-%d", docs, h) >=
            (int)sizeof part[h])
            return -1;
        write_corpus(part[h], h);
        snprintf(shard[h], sizeof shard[h], "%s/shard-%d.idx", cli_tmp, h);
        run_result_t r = run(QUARRY_INDEXER_BIN, "-q", "-d", shard[h], part[h],
                             (char *)NULL);
        int ok = r.status == 0;
        run_free(&r);
        if (!ok)
            return -1;
    }
    tmp_path(whole, sizeof whole, "whole.idx");
    run_result_t r = run(QUARRY_INDEXER_BIN, "-q", "-d", whole, part[0],
                         part[1], (char *)NULL);
    int ok = r.status == 0;
    run_free(&r);
    if (!ok)
        return -1;
    for (int h = 0; h < 2; h++) {
        if (start_server(tcpsrv, shard[h], &servers[h]) != 0) {
            stop_servers();
            return -1;
        }
        snprintf(remote[h], sizeof remote[h], "tcp://127.0.0.1:%u",
                 servers[h].port);
    }
    return 0;
}

static int teardown(void **state)
{
    stop_servers();
    return cli_teardown(state);
}

typedef struct hit {
    char source[4096];
    int passage;
    double score;
} hit_t;

/* Best first; equal scores by source and passage, since the order of ties
 * follows document numbers, which differ between the two layouts. */
static int by_rank(const void *pa, const void *pb)
{
    const hit_t *a = pa, *b = pb;
    double tol = 1e-9 * fmax(fabs(a->score), fabs(b->score));
    if (a->score > b->score + tol)
        return -1;
    if (b->score > a->score + tol)
        return 1;
    int c = strcmp(a->source, b->source);
    return c ? c : (a->passage > b->passage) - (a->passage < b->passage);
}

/* Runs the question on INDEXES and fills HITS (best first, in canonical
 * order); returns the number of hits and the total through *TOTAL. */
static size_t ask(const char *question, const char *const *indexes,
                  size_t nindexes, hit_t *hits, size_t cap, double *total)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)QUARRY_QUERY_BIN;
    for (size_t i = 0; i < nindexes; i++) {
        argv[n++] = (char *)"-d";
        argv[n++] = (char *)indexes[i];
    }
    argv[n++] = (char *)"--json";
    argv[n++] = (char *)"-n";
    argv[n++] = (char *)"20";
    argv[n++] = (char *)question;
    argv[n] = NULL;
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0)
        fprintf(stderr, "query %s: %s", question, r.err);
    assert_int_equal(r.status, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    *total = cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "total"));
    const cJSON *list = cJSON_GetObjectItem(doc, "hits");
    size_t count = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, list)
    {
        assert_true(count < cap);
        const char *src =
            cJSON_GetStringValue(cJSON_GetObjectItem(h, "source"));
        assert_non_null(src);
        snprintf(hits[count].source, sizeof hits[count].source, "%s", src);
        hits[count].passage =
            (int)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "passage"));
        hits[count].score =
            cJSON_GetNumberValue(cJSON_GetObjectItem(h, "score"));
        count++;
    }
    cJSON_Delete(doc);
    run_free(&r);
    qsort(hits, count, sizeof *hits, by_rank);
    return count;
}

static void test_two_remotes_answer_as_one_index(void **state)
{
    (void)state;
    const char *one[] = {whole};
    const char *both[] = {remote[0], remote[1]};
    static hit_t a[20], b[20];
    for (size_t q = 0; q < sizeof questions / sizeof *questions; q++) {
        double total_a, total_b;
        size_t na = ask(questions[q], one, 1, a, 20, &total_a);
        size_t nb = ask(questions[q], both, 2, b, 20, &total_b);
        assert_true(na > 0);
        assert_int_equal(na, nb);
        assert_true(total_a == total_b);
        for (size_t i = 0; i < 10 && i < na; i++) {
            assert_string_equal(a[i].source, b[i].source);
            assert_int_equal(a[i].passage, b[i].passage);
            assert_true(fabs(a[i].score - b[i].score) <=
                        1e-9 * fabs(a[i].score));
        }
    }
}

/* The comparison above is only worth something if each shard alone would
 * answer differently: both halves must contribute to the top ten. */
static void test_each_shard_alone_differs(void **state)
{
    (void)state;
    const char *one[] = {whole};
    static hit_t a[20], s[20];
    double total_a, total_s;
    size_t na = ask(questions[0], one, 1, a, 20, &total_a);
    for (int h = 0; h < 2; h++) {
        const char *half[] = {remote[h]};
        size_t ns = ask(questions[0], half, 1, s, 20, &total_s);
        assert_true(total_s < total_a);
        int same = ns >= 10 && na >= 10;
        for (size_t i = 0; same && i < 10; i++)
            same = strcmp(a[i].source, s[i].source) == 0 &&
                   a[i].passage == s[i].passage;
        assert_false(same);
    }
}

int main(void)
{
    if (!find_tcpsrv()) {
        fprintf(stderr, "xapian-tcpsrv is not installed: skipped\n");
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_remotes_answer_as_one_index),
        cmocka_unit_test(test_each_shard_alone_differs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
