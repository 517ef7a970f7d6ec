/* Scale-out: a corpus split into two indexes answers `query` exactly as one
 * index of the whole corpus does (same hits, scores, totals, suggestions
 * and --explain), whether the two are searched as local shards (-d A -d B)
 * or each served by xapian-tcpsrv on loopback. The questions are plain
 * words, phrases, prefixes, acronyms that one half defines and the other
 * uses, user synonyms and misspelled words. Skipped (77) when
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

/* Sentences put at the end of some paragraphs: acronyms that the first
 * half defines and the second uses, words of the user's synonyms. */
static const char *const defining[] = {
    "The Domain Name System (DNS) maps the names of hosts.",
    "The Address Resolution Protocol (ARP) finds hardware addresses.",
    "A Maximum Transmission Unit (MTU) limits the size of a packet.",
    "The fortress above the harbour was rebuilt.",
};
static const char *const using[] = {
    "Every DNS server of the valley answered the domain name system.",
    "The ARP cache of the engine expired.",
    "The MTU of the canal link was small.",
    "A beacon was lit in the port.",
};

static const char *const questions[] = {
    /* plain words */
    "who built the copper railway bridge",
    "winter festival in the village market",
    "ancient castle museum library",
    "glacier OR lighthouse",
    "copper",
    "harbour trade",
    "river valley NOT famine",
    "cathedral parish council",
    "steel engine",
    "mining",
    /* phrases */
    "\"copper mining\"",
    "\"hardware addresses\"",
    "\"name system\"",
    "\"the village\" market",
    /* prefixes */
    "rail*",
    "cat*",
    "mou* valley",
    "lib* OR har*",
    /* acronyms: defined in one half, used in both */
    "DNS",
    "DNS server",
    "ARP",
    "what is the MTU",
    /* user synonyms */
    "port",
    "fortress",
    "lighthouse",
    "castle beacon",
    /* misspelled (TYPOS of them, the last) */
    "railwya",
    "mountian bridge",
    "libary",
    "festivle market",
};

#define TYPOS 4

#define SYNONYMS "harbour, port\ncastle, fortress\nlighthouse => beacon\n"

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
            n += (size_t)snprintf(text + n, sizeof text - n, ".");
            /* A sentence in a paragraph of random length: no two score
             * alike, so that near-duplicates and ties stay out of it. */
            if ((f + p) % 2 == 0) {
                const char *const *extra = half ? using : defining;
                n += (size_t)snprintf(text + n, sizeof text - n, " %s",
                                      extra[(f + p / 2) % 4]);
            }
            n += (size_t)snprintf(text + n, sizeof text - n, "\n\n");
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

/* Indexes DIRS (NULL-terminated, at most two) into INDEX, with the user's
 * synonyms. */
static int build(const char *index, const char *synonyms, const char *a,
                 const char *b)
{
    run_result_t r =
        run(QUARRY_INDEXER_BIN, "-q", "-d", index, a, b, (char *)NULL);
    int ok = r.status == 0;
    run_free(&r);
    if (!ok)
        return -1;
    r = run(QUARRY_INDEXER_BIN, "-q", "-d", index, "--synonyms", synonyms,
            (char *)NULL);
    ok = r.status == 0;
    run_free(&r);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    const char *tcpsrv = find_tcpsrv();
    if (cli_setup(state) != 0 || !tcpsrv)
        return -1;
    char docs[4200], part[2][4300], synonyms[4200];
    tmp_path(docs, sizeof docs, "docs");
    mkdir(docs, 0700);
    tmp_path(synonyms, sizeof synonyms, "synonyms.txt");
    write_file(synonyms, SYNONYMS);
    for (int h = 0; h < 2; h++) {
        if (snprintf(part[h], sizeof part[h], "%s/part-%d", docs, h) >=
            (int)sizeof part[h])
            return -1;
        write_corpus(part[h], h);
        snprintf(shard[h], sizeof shard[h], "%s/shard-%d.idx", cli_tmp, h);
        if (build(shard[h], synonyms, part[h], NULL) != 0)
            return -1;
    }
    tmp_path(whole, sizeof whole, "whole.idx");
    if (build(whole, synonyms, part[0], part[1]) != 0)
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

#define MAX_PARTS 16

typedef struct hit {
    char source[4096];
    int passage;
    double score;
    size_t nparts; /* --explain */
    char what[MAX_PARTS][128];
    double weight[MAX_PARTS];
} hit_t;

typedef struct answer {
    hit_t hits[20];
    size_t n;
    double total;
    char suggestion[256]; /* "" when none */
    char parsed[1024];    /* the question as understood */
} answer_t;

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

static void read_explain(const cJSON *h, hit_t *out)
{
    const cJSON *part;
    out->nparts = 0;
    cJSON_ArrayForEach(part, cJSON_GetObjectItem(h, "explain"))
    {
        assert_true(out->nparts < MAX_PARTS);
        const char *what =
            cJSON_GetStringValue(cJSON_GetObjectItem(part, "what"));
        snprintf(out->what[out->nparts], sizeof out->what[0], "%s",
                 what ? what : "");
        out->weight[out->nparts++] =
            cJSON_GetNumberValue(cJSON_GetObjectItem(part, "weight"));
    }
}

/* Runs the question on INDEXES (with --explain) into *A: hits best first,
 * in canonical order, the total and the suggestion. */
static void ask(const char *question, const char *const *indexes,
                size_t nindexes, answer_t *a)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)QUARRY_QUERY_BIN;
    for (size_t i = 0; i < nindexes; i++) {
        argv[n++] = (char *)"-d";
        argv[n++] = (char *)indexes[i];
    }
    argv[n++] = (char *)"--json";
    argv[n++] = (char *)"--explain";
    argv[n++] = (char *)"-n";
    argv[n++] = (char *)"20";
    argv[n++] = (char *)question;
    argv[n] = NULL;
    run_result_t r = run_argv_fd(argv, -1);
    /* 1: nothing found, which the comparison reports. */
    if (r.status != 0 && r.status != 1)
        fprintf(stderr, "query %s: %s", question, r.err);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    memset(a, 0, sizeof *a);
    a->total = cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "total"));
    const char *sugg =
        cJSON_GetStringValue(cJSON_GetObjectItem(doc, "suggestion"));
    snprintf(a->suggestion, sizeof a->suggestion, "%s", sugg ? sugg : "");
    const char *parsed =
        cJSON_GetStringValue(cJSON_GetObjectItem(doc, "parsed"));
    snprintf(a->parsed, sizeof a->parsed, "%s", parsed ? parsed : "");
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(doc, "hits"))
    {
        assert_true(a->n < sizeof a->hits / sizeof *a->hits);
        hit_t *out = &a->hits[a->n++];
        const char *src =
            cJSON_GetStringValue(cJSON_GetObjectItem(h, "source"));
        assert_non_null(src);
        snprintf(out->source, sizeof out->source, "%s", src);
        out->passage =
            (int)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "passage"));
        out->score = cJSON_GetNumberValue(cJSON_GetObjectItem(h, "score"));
        read_explain(h, out);
    }
    cJSON_Delete(doc);
    run_free(&r);
    qsort(a->hits, a->n, sizeof *a->hits, by_rank);
}

static int close_to(double x, double y)
{
    return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
}

/* Whether B answers as A did; names the first difference. */
static int same_answer(const char *question, const char *setup,
                       const answer_t *a, const answer_t *b)
{
    const char *why = NULL;
    size_t at = 0;
    if (a->n != b->n)
        why = "number of hits";
    else if (a->total != b->total)
        why = "total";
    else if (strcmp(a->suggestion, b->suggestion) != 0)
        why = "suggestion";
    else if (strcmp(a->parsed, b->parsed) != 0)
        why = "question as understood";
    /* The last hits may be ties cut off differently: the first ten. */
    for (; !why && at < 10 && at < a->n; at++) {
        const hit_t *x = &a->hits[at], *y = &b->hits[at];
        if (strcmp(x->source, y->source) != 0 || x->passage != y->passage)
            why = "hit";
        else if (!close_to(x->score, y->score))
            why = "score";
        else if (x->nparts != y->nparts)
            why = "parts explained";
        for (size_t k = 0; !why && k < x->nparts; k++)
            if (strcmp(x->what[k], y->what[k]) != 0 ||
                !close_to(x->weight[k], y->weight[k]))
                why = "explanation";
    }
    if (why)
        fprintf(stderr, "'%s' on %s: the %s differs (hit %zu)\n", question,
                setup, why, at);
    return why == NULL;
}

static void test_shards_answer_as_one_index(void **state)
{
    (void)state;
    const char *one[] = {whole};
    const char *local[] = {shard[0], shard[1]};
    const char *both[] = {remote[0], remote[1]};
    static answer_t a, b, c;
    int failures = 0, suggested = 0, explained = 0, acronyms = 0;
    const size_t nq = sizeof questions / sizeof *questions;
    /* Without the English dictionary, typos are corrected from the
     * spelling data, which xapian-tcpsrv does not serve. */
    int dictionary = access("/usr/share/hunspell/en_US.dic", R_OK) == 0;
    if (!dictionary)
        fprintf(stderr, "no en_US dictionary: typos not asked remotely\n");
    assert_true(nq >= 30);
    for (size_t q = 0; q < nq; q++) {
        ask(questions[q], one, 1, &a);
        ask(questions[q], local, 2, &b);
        if (a.n == 0)
            fprintf(stderr, "'%s' finds nothing\n", questions[q]);
        failures += a.n == 0;
        failures += !same_answer(questions[q], "two local shards", &a, &b);
        if (dictionary || q < nq - TYPOS) {
            ask(questions[q], both, 2, &c);
            failures += !same_answer(questions[q], "two remote shards", &a, &c);
        }
        suggested += a.suggestion[0] != '\0';
        explained += a.n > 0 && a.hits[0].nparts > 0;
        acronyms += strstr(a.parsed, "dns=domain name system") != NULL;
    }
    assert_int_equal(failures, 0);
    /* The comparison covered what it is meant to: corrections, scores
     * explained, and a long form that only one half defines. */
    assert_true(suggested >= 4);
    assert_int_equal(explained, nq);
    assert_true(acronyms > 0);
}

/* The comparison above is only worth something if each shard alone would
 * answer differently: both halves must contribute to the top ten. */
static void test_each_shard_alone_differs(void **state)
{
    (void)state;
    const char *one[] = {whole};
    static answer_t a, s;
    ask(questions[0], one, 1, &a);
    for (int h = 0; h < 2; h++) {
        const char *half[] = {remote[h]};
        ask(questions[0], half, 1, &s);
        assert_true(s.total < a.total);
        int same = s.n >= 10 && a.n >= 10;
        for (size_t i = 0; same && i < 10; i++)
            same = strcmp(a.hits[i].source, s.hits[i].source) == 0 &&
                   a.hits[i].passage == s.hits[i].passage;
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
    unsetenv("DICPATH"); /* the dictionaries looked for above */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_answer_as_one_index),
        cmocka_unit_test(test_each_shard_alone_differs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
