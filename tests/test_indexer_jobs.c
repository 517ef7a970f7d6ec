/* indexer --jobs: building on worker threads (the bulk loader) gives the
 * index that one thread gives, on the first run and on incremental runs;
 * bad values are refused; an interrupted or killed bulk run leaves the
 * index answering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "scale.h"
#include "test_indexer_util.h"

#define POLL_LIMIT 300.0

static const char *const words[] = {
    "harbor", "lantern", "meadow",  "signal", "orbit",   "canyon",
    "ember",  "falcon",  "garnet",  "quartz", "river",   "cipher",
    "ledger", "violet",  "thistle", "marble", "compass", "juniper",
    "beacon", "saddle",  "pebble",  "walnut", "copper",  "tundra",
};
#define NWORDS (sizeof words / sizeof *words)

/* Questions asked of both indexes: words, a phrase, a boolean, a title. */
static const char *const questions[] = {
    "harbor lantern", "\"meadow signal\"",     "quartz AND river",
    "title:compass",  "juniper beacon saddle", "cipher NOT ledger",
    "violet",         "copper tundra walnut",
};
#define NQUESTIONS (sizeof questions / sizeof *questions)

static unsigned next_word(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % NWORDS;
}

/* N words (one sentence) at TEXT + O. */
static size_t put_words(char *text, size_t size, size_t o, unsigned n,
                        unsigned *seed)
{
    for (unsigned w = 0; w < n && o < size; w++)
        o += (size_t)snprintf(text + o, size - o, "%s%s", w ? " " : "",
                              words[next_word(seed)]);
    if (o < size)
        o += (size_t)snprintf(text + o, size - o, ".");
    return o;
}

/* A tree of every format: FILES text, Markdown and HTML files in turn, in
 * a few folders, and two JSON Lines files of DOCS documents each. */
static void make_tree(const char *dir, unsigned files, unsigned docs,
                      unsigned seed)
{
    char rel[256], text[8192];
    for (unsigned i = 0; i < files; i++) {
        size_t o = 0;
        const char *ext = i % 3 == 0 ? "txt" : i % 3 == 1 ? "md" : "html";
        if (i % 3 == 0)
            o += (size_t)snprintf(text, sizeof text,
                                  "Headline of generated article %u\n\n", i);
        else if (i % 3 == 1)
            o += (size_t)snprintf(text, sizeof text,
                                  "# Markdown notes number %u\n\n", i);
        else
            o += (size_t)snprintf(text, sizeof text,
                                  "<html><head><title>Page %u</title></head>"
                                  "<body>",
                                  i);
        for (unsigned p = 0; p < 3 + i % 3; p++) {
            if (i % 3 == 2)
                o += (size_t)snprintf(text + o, sizeof text - o, "<p>");
            o = put_words(text, sizeof text, o, 12 + (i + p) % 17, &seed);
            o += (size_t)snprintf(text + o, sizeof text - o, "%s",
                                  i % 3 == 2 ? "</p>\n" : "\n\n");
        }
        if (i % 3 == 2)
            o +=
                (size_t)snprintf(text + o, sizeof text - o, "</body></html>\n");
        snprintf(rel, sizeof rel, "%s/d%u/f%03u.%s", dir, i % 4, i, ext);
        put_bytes(rel, text, o);
    }
    for (unsigned f = 0; f < 2; f++) {
        size_t o = 0;
        static char feed[1 << 16];
        for (unsigned d = 0; d < docs; d++) {
            o += (size_t)snprintf(feed + o, sizeof feed - o,
                                  "{\"id\": \"f%u-doc%u\", \"title\": "
                                  "\"Feed %u document %u %s\", \"text\": \"",
                                  f, d, f, d, words[next_word(&seed)]);
            o = put_words(feed, sizeof feed, o, 10 + d % 13, &seed);
            o += (size_t)snprintf(feed + o, sizeof feed - o, "\\n");
            o = put_words(feed, sizeof feed, o, 8 + d % 7, &seed);
            o += (size_t)snprintf(feed + o, sizeof feed - o, "\"}\n");
        }
        snprintf(rel, sizeof rel, "%s/feed%u.jsonl", dir, f);
        put_bytes(rel, feed, o);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* query_json with any exit status but 2. */
static cJSON *ask(const char *index, const char *question)
{
    char *argv[] = {QUERY,         "--no-spelling",  "--feedback",
                    "0",           "--duplicates",   "--json",
                    "-n",          "1000",           "-d",
                    (char *)index, (char *)question, NULL};
    run_result_t r = run_argv_fd(argv, -1);
    if (r.status != 0 && r.status != 1)
        fail_msg("query '%s' exited %d: %s", question, r.status, r.err);
    cJSON *j = cJSON_Parse(r.out);
    if (!j)
        fail_msg("query output is not JSON: '%s'", r.out);
    run_free(&r);
    return j;
}

/* The answer to QUESTION as text: the total, then one line per hit
 * (score, source, passage, id), the lines sorted, since passages with
 * exactly equal scores may come in another order. Malloc'd. */
static char *answer_text(const char *index, const char *question)
{
    cJSON *j = ask(index, question);
    const cJSON *hits = hits_of(j);
    int n = cJSON_GetArraySize(hits);
    char **lines = calloc((size_t)n + 1, sizeof *lines);
    assert_non_null(lines);
    size_t total = 64;
    for (int i = 0; i < n; i++) {
        const cJSON *h = cJSON_GetArrayItem(hits, i);
        const char *id = str_field(h, "id");
        char buf[8192];
        snprintf(buf, sizeof buf, "%.9g %s %d %s\n", json_num(h, "score"),
                 str_field(h, "source"), (int)json_num(h, "passage"),
                 id ? id : "-");
        lines[i] = strdup(buf);
        assert_non_null(lines[i]);
        total += strlen(buf);
    }
    qsort(lines, (size_t)n, sizeof *lines, cmp_str);
    char *text = malloc(total);
    assert_non_null(text);
    size_t o =
        (size_t)snprintf(text, total, "total %d\n", (int)json_num(j, "total"));
    for (int i = 0; i < n; i++) {
        o += (size_t)snprintf(text + o, total - o, "%s", lines[i]);
        free(lines[i]);
    }
    free(lines);
    cJSON_Delete(j);
    return text;
}

/* INDEX_A and INDEX_B answer every question alike, and at least one
 * question finds something. */
static void expect_same_answers(const char *index_a, const char *index_b)
{
    int found = 0;
    for (size_t q = 0; q < NQUESTIONS; q++) {
        char *a = answer_text(index_a, questions[q]);
        char *b = answer_text(index_b, questions[q]);
        if (strcmp(a, b) != 0)
            fail_msg("'%s' is answered differently:\n%s\n---\n%s", questions[q],
                     a, b);
        found |= strncmp(a, "total 0\n", 8) != 0;
        free(a);
        free(b);
    }
    assert_true(found);
}

static void test_corpus_same_results(void **state)
{
    (void)state;
    const char *corpus = QUARRY_SOURCE_DIR "/corpus";
    char *one = tmp_file("corpus1.idx"), *two = tmp_file("corpus2.idx");
    cJSON *j1 = index_json(0, one, "--jobs", "1", corpus, (char *)NULL);
    cJSON *j2 = index_json(0, two, "--jobs", "2", corpus, (char *)NULL);
    assert_true(json_num(j1, "total") > 0);
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j2, "total"));
    assert_int_equal((int)json_num(j1, "passages"),
                     (int)json_num(j2, "passages"));
    assert_int_equal((int)json_num(j2, "passages"), (int)json_num(j2, "total"));
    assert_int_equal((int)json_num(j1, "files.added"),
                     (int)json_num(j2, "files.added"));
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    assert_int_equal(index_doc_count(one), index_doc_count(two));
    const char *corpus_questions[] = {
        "north korea",        "cryptocurrency theft", "\"North Korea\"",
        "missile AND launch", "hackers stole",        "title:korea",
    };
    for (size_t q = 0; q < sizeof corpus_questions / sizeof *corpus_questions;
         q++) {
        char *a = answer_text(one, corpus_questions[q]);
        char *b = answer_text(two, corpus_questions[q]);
        assert_string_equal(a, b);
        assert_true(strncmp(a, "total 0\n", 8) != 0);
        free(a);
        free(b);
    }
    free(one);
    free(two);
}

static void test_tree_same_results(void **state)
{
    (void)state;
    make_tree("tree", 60, 40, 11);
    char *tree = tmp_file("tree"), *one = tmp_file("tree1.idx"),
         *two = tmp_file("tree2.idx"), *any = tmp_file("tree-auto.idx");
    cJSON *j1 = index_json(0, one, tree, (char *)NULL);
    cJSON *j2 = index_json(0, two, "--jobs", "2", tree, (char *)NULL);
    expect_files(j1, 62, 0, 0, 0, 0);
    expect_files(j2, 62, 0, 0, 0, 0);
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j2, "total"));
    assert_int_equal((int)json_num(j1, "passages"),
                     (int)json_num(j2, "passages"));
    int total = (int)json_num(j1, "total");
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    expect_same_answers(one, two);
    /* auto and 0: as many threads as cores, whatever the machine has. */
    cJSON *j = index_json(0, any, "--jobs", "auto", tree, (char *)NULL);
    assert_int_equal((int)json_num(j, "total"), total);
    cJSON_Delete(j);
    j = index_json(0, any, "--jobs", "0", tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 62, 0);
    cJSON_Delete(j);
    expect_same_answers(one, any);
    free(tree);
    free(one);
    free(two);
    free(any);
}

static ino_t dir_ino(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* An article bigger than a worker's queue may hold (8 MB of text) waits
 * for the queue to empty, then goes through; files on either side of it
 * too. The default indexes it as --jobs does, and a small update after it
 * on one thread. Skipped under valgrind: the size cannot shrink below the
 * budget. */
static void test_article_over_queue_budget(void **state)
{
    (void)state;
    if (test_scale(16) != 16)
        skip();
    size_t size = (17u << 20) / 2, o = 0;
    char *text = malloc(size + 256);
    assert_non_null(text);
    unsigned seed = 5;
    o += (size_t)snprintf(text, size, "Headline of a very long article\n\n");
    while (o < size - 1024) {
        o = put_words(text, size, o, 20, &seed);
        text[o++] = '\n';
        text[o++] = '\n';
    }
    put_bytes("big/b.txt", text, o);
    free(text);
    make_tree("big/small", 6, 4, 3);
    char *dir = tmp_file("big"), *one = tmp_file("big1.idx"),
         *two = tmp_file("big2.idx"), *def = tmp_file("big-default.idx");
    cJSON *j1 = index_json(0, one, "--jobs", "1", dir, (char *)NULL);
    cJSON *j2 = index_json(0, two, "--jobs", "2", dir, (char *)NULL);
    /* Without --jobs, a load this large goes on every core. */
    cJSON *j3 = index_json(0, def, dir, (char *)NULL);
    assert_true(json_num(j1, "total") > 50000);
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j2, "total"));
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j3, "total"));
    int files = (int)json_num(j1, "files.added");
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    cJSON_Delete(j3);
    expect_same_answers(one, def);
    /* A small update stays on one thread: written in place, neither
     * merged nor compacted into a new directory. */
    ino_t ino = dir_ino(def);
    put_file("big/small/late.txt", "A late harbor lantern note.\n");
    j3 = index_json(0, def, dir, (char *)NULL);
    expect_files(j3, 1, 0, 0, files, 0);
    cJSON_Delete(j3);
    assert_true(dir_ino(def) == ino);
    free(dir);
    free(one);
    free(two);
    free(def);
}

/* Changes made to the "inc" tree between runs. */
static void change_tree(void)
{
    put_file("inc/d0/f000.txt",
             "Headline of a rewritten article\n\n"
             "The rewritten passage now speaks of a zeppelin over the "
             "harbor.\n\n"
             "Another passage follows with lantern and compass words.\n");
    set_mtime("inc/d0/f000.txt", 1500000000);
    remove_file("inc/d1/f001.md");
    /* One document changed, one gone (f0-doc1), one new. */
    put_file("inc/feed0.jsonl",
             "{\"id\": \"f0-doc0\", \"title\": \"Changed\", \"text\": \"A "
             "zeppelin document replaces the first one of the feed.\"}\n"
             "{\"id\": \"f0-new\", \"title\": \"New\", \"text\": \"A brand "
             "new document about the harbor and its lantern.\"}\n");
    set_mtime("inc/feed0.jsonl", 1500000000);
}

static void test_incremental_same_results(void **state)
{
    (void)state;
    make_tree("inc", 30, 20, 5);
    char *tree = tmp_file("inc"), *one = tmp_file("inc1.idx"),
         *two = tmp_file("inc2.idx");
    cJSON *j = index_json(0, one, tree, (char *)NULL);
    cJSON_Delete(j);
    j = index_json(0, two, "--jobs", "2", tree, (char *)NULL);
    cJSON_Delete(j);
    expect_same_answers(one, two);
    char *before = answer_text(two, "harbor");

    /* Unchanged: nothing written, nothing merged. */
    unsigned long long rev = index_revision(two);
    j = index_json(0, two, "--jobs", "2", tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 32, 0);
    assert_int_equal((int)json_num(j, "passages"), 0);
    cJSON_Delete(j);
    assert_int_equal(index_revision(two), rev);

    change_tree();
    cJSON *j1 = index_json(0, one, "--jobs", "1", tree, (char *)NULL);
    cJSON *j2 = index_json(0, two, "--jobs", "2", tree, (char *)NULL);
    expect_files(j1, 0, 2, 1, 29, 0);
    expect_files(j2, 0, 2, 1, 29, 0);
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j2, "total"));
    assert_int_equal((int)json_num(j1, "passages"),
                     (int)json_num(j2, "passages"));
    assert_int_equal((int)json_num(j2, "total"), (int)index_doc_count(two));
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    expect_same_answers(one, two);
    char *after = answer_text(two, "harbor");
    assert_string_not_equal(before, after);
    free(before);
    free(after);
    /* The new words are found, in the changed file and document; the
     * removed file and document are gone. */
    char *a = answer_text(one, "zeppelin"), *b = answer_text(two, "zeppelin");
    assert_string_equal(a, b);
    assert_int_equal(strncmp(b, "total 2\n", 8), 0);
    free(a);
    free(b);
    assert_int_equal(source_passages(two, source_of("inc/d1/f001.md")), 0);
    assert_int_equal(source_passages(two, source_of("inc/feed0.jsonl")), 2);
    a = answer_text(two, "title:changed");
    assert_int_equal(strncmp(a, "total 1\n", 8), 0);
    free(a);

    /* A run that only removes files: no merge, the same index as one
     * thread makes. */
    remove_file("inc/d2/f002.html");
    j1 = index_json(0, one, tree, (char *)NULL);
    j2 = index_json(0, two, "--jobs", "2", tree, (char *)NULL);
    expect_files(j1, 0, 0, 1, 30, 0);
    expect_files(j2, 0, 0, 1, 30, 0);
    assert_int_equal((int)json_num(j1, "total"), (int)json_num(j2, "total"));
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    expect_same_answers(one, two);
    free(tree);
    free(one);
    free(two);
}

static int count_newlines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_bad_jobs(void **state)
{
    (void)state;
    const char *bad[] = {"-1", "x",  "65", "99999999999999999999", "", "1.5",
                         " 2", "2x", "+2"};
    char *index = tmp_file("bad.idx");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        run_result_t r = run(INDEXER, "--jobs", bad[i], "-d", index,
                             QUARRY_SOURCE_DIR "/corpus", (char *)NULL);
        if (r.status != 2 || !strstr(r.err, "--jobs") ||
            !strstr(r.err, "auto") || count_newlines(r.err) != 1)
            fail_msg("--jobs '%s': exit %d, '%s'", bad[i], r.status, r.err);
        assert_string_equal(r.out, "");
        run_free(&r);
        struct stat st;
        assert_int_not_equal(stat(index, &st), 0); /* nothing created */
    }
    /* The option without its value. */
    run_result_t r = run(INDEXER, "-d", index, "--jobs", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--jobs"));
    run_free(&r);
    free(index);
}

/* Waits until the indexer PID has started its bulk load into INDEX (its
 * shards' directory exists). */
static void wait_for_shards(const char *index, pid_t pid)
{
    char real[PATH_MAX], shards[PATH_MAX + 64];
    assert_non_null(realpath(index, real));
    snprintf(shards, sizeof shards, "%s.bulk-%ld/shard-0", real, (long)pid);
    double deadline = now_seconds() + POLL_LIMIT;
    struct stat st;
    while (stat(shards, &st) != 0) {
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid)
            fail_msg("the indexer ended before its bulk load started");
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            fail_msg("the bulk load never started (%s)", shards);
        }
        poll_pause();
    }
}

/* Starts `indexer --jobs 2 --json -d INDEX -` reading the FIFO at FIFO
 * path, writes DOCS JSON Lines documents to it and waits until the bulk
 * load has started (its shards' directory exists). Returns the indexer's
 * pid; *WRITER is the FIFO's open write end. */
static pid_t start_bulk_on_fifo(const char *index, const char *fifo,
                                const char *out, unsigned docs, int *writer)
{
    char *argv[] = {
        INDEXER,       "--jobs",       "2",          "--json", "-d",
        (char *)index, "--stdin-name", "feed.jsonl", "-",      NULL};
    pid_t pid = spawn(argv, fifo, out, NULL, (uid_t)-1, (gid_t)-1);
    *writer = open(fifo, O_WRONLY);
    assert_true(*writer >= 0);
    for (unsigned d = 0; d < docs; d++) {
        char line[256];
        int n = snprintf(line, sizeof line,
                         "{\"id\": \"piped%u\", \"text\": \"The piped "
                         "document %u speaks of a zeppelin and a harbor.\"}\n",
                         d, d);
        assert_int_equal(write(*writer, line, (size_t)n), n);
    }
    wait_for_shards(index, pid);
    return pid;
}

/* wait_for, but a signal that does not end PID fails the test instead of
 * hanging it. */
static int wait_bounded(pid_t pid)
{
    double deadline = now_seconds() + POLL_LIMIT;
    int ws;
    while (waitpid(pid, &ws, WNOHANG) != pid) {
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            wait_for(pid);
            fail_msg("the indexer did not end after the signal");
        }
        poll_pause();
    }
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* A bulk run killed or interrupted while it reads: the index answers as
 * before the run throughout; killed, it stays as it was (the next run
 * removes the shards left behind); interrupted, what was read is merged
 * in, as one thread commits it. */
static void test_interrupted_bulk(void **state)
{
    (void)state;
    make_tree("old", 12, 5, 3);
    char *tree = tmp_file("old"), *index = tmp_file("int.idx"),
         *fifo = tmp_file("int.fifo"), *out = tmp_file(".int-out");
    cJSON *j = index_json(0, index, "--jobs", "2", tree, (char *)NULL);
    unsigned old_total = (unsigned)json_num(j, "total");
    cJSON_Delete(j);
    char *before = answer_text(index, "harbor lantern");
    assert_int_equal(mkfifo(fifo, 0600), 0);

    /* SIGKILL: nothing of the run is kept. */
    int writer;
    pid_t pid = start_bulk_on_fifo(index, fifo, out, 30, &writer);
    char *during = answer_text(index, "harbor lantern");
    assert_string_equal(before, during);
    free(during);
    kill(pid, SIGKILL);
    assert_int_equal(wait_bounded(pid), 128 + SIGKILL);
    close(writer);
    assert_int_equal(index_doc_count(index), old_total);
    during = answer_text(index, "harbor lantern");
    assert_string_equal(before, during);
    free(during);
    char real[PATH_MAX], leftover[PATH_MAX + 64];
    assert_non_null(realpath(index, real));
    snprintf(leftover, sizeof leftover, "%s.bulk-%ld", real, (long)pid);
    struct stat st;
    assert_int_equal(stat(leftover, &st), 0);
    /* The next run, even one on one thread with nothing to do, removes
     * what the killed one left. */
    j = index_json(0, index, tree, (char *)NULL);
    expect_files(j, 0, 0, 0, 14, 0);
    cJSON_Delete(j);
    assert_int_not_equal(stat(leftover, &st), 0);

    /* SIGTERM: the documents read are merged in; exit 143. */
    pid = start_bulk_on_fifo(index, fifo, out, 30, &writer);
    /* Blocked reading the FIFO: the signal must interrupt the read, not
     * land in a worker thread. */
    kill(pid, SIGTERM);
    assert_int_equal(wait_bounded(pid), 128 + SIGTERM);
    close(writer);
    char *text = read_text(out);
    j = cJSON_Parse(text);
    if (!j)
        fail_msg("no JSON summary after SIGTERM: '%s'", text);
    free(text);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "interrupted")));
    unsigned passages = (unsigned)json_num(j, "passages");
    unsigned total = (unsigned)json_num(j, "total");
    cJSON_Delete(j);
    /* The load starts before the first line is read: the signal may come
     * before any document was, and what was read is all merged in. */
    assert_true(passages <= 30);
    assert_int_equal(total, old_total + passages);
    assert_int_equal(index_doc_count(index), total);
    char *z = answer_text(index, "zeppelin");
    char want[32];
    snprintf(want, sizeof want, "total %u\n", passages);
    assert_int_equal(strncmp(z, want, strlen(want)), 0);
    free(z);
    snprintf(leftover, sizeof leftover, "%s.bulk-%ld", real, (long)pid);
    assert_int_not_equal(stat(leftover, &st), 0);
    free(before);
    free(tree);
    free(index);
    free(fifo);
    free(out);
}

/* How long an interrupted bulk load may take to stop: the workers end
 * after the document they are on, what they wrote is merged, and what is
 * still queued is left for the next run (draining queues of 8 MB each took
 * a minute on a loaded machine). Programs under a wrapper (valgrind) run
 * far slower. */
static double stop_limit(void)
{
    const char *w = getenv("QUARRY_TEST_WRAPPER");
    return w && *w ? 400.0 : 20.0;
}

/* REL: N JSON Lines documents of about 150 words each, every one holding
 * MARK. */
static void put_marked_feed(const char *rel, unsigned n, const char *mark)
{
    size_t size = (size_t)n * 1400 + 1, o = 0;
    char *feed = malloc(size);
    assert_non_null(feed);
    unsigned seed = 7;
    for (unsigned d = 0; d < n; d++) {
        o += (size_t)snprintf(feed + o, size - o,
                              "{\"id\": \"long%u\", \"text\": \"%s", d, mark);
        for (int k = 0; k < 15; k++) {
            o += (size_t)snprintf(feed + o, size - o, " ");
            o = put_words(feed, size, o, 10, &seed);
        }
        o += (size_t)snprintf(feed + o, size - o, "\"}\n");
    }
    put_bytes(rel, feed, o);
    free(feed);
}

/* The exact number of passages holding WORD. */
static unsigned count_of(const char *index, const char *word)
{
    cJSON *j = ask(index, word);
    unsigned n = (unsigned)json_num(j, "total");
    cJSON_Delete(j);
    return n;
}

/* SIGINT during a --jobs 2 update of a JSON Lines file stops the run
 * promptly (130), and every document keeps its old or its new passage:
 * the documents still queued keep their old ones, and the next run
 * finishes the update. */
static void test_interrupted_bulk_update(void **state)
{
    (void)state;
    const unsigned n = (unsigned)test_scale(6000);
    put_marked_feed("upd/feed.jsonl", n, "zeppelinold");
    char *file = tmp_file("upd/feed.jsonl"), *index = tmp_file("upd.idx"),
         *out = tmp_file(".upd-out");
    cJSON *j = index_json(0, index, "--jobs", "2", file, (char *)NULL);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), n);
    put_marked_feed("upd/feed.jsonl", n, "zeppelinnewer");

    char *argv[] = {INDEXER, "--jobs",      "2",          "--json",
                    "-d",    (char *)index, (char *)file, NULL};
    pid_t pid = spawn(argv, NULL, out, NULL, (uid_t)-1, (gid_t)-1);
    wait_for_shards(index, pid);
    kill(pid, SIGINT);
    int ws;
    double deadline = now_seconds() + stop_limit();
    while (waitpid(pid, &ws, WNOHANG) != pid) {
        if (now_seconds() > deadline) {
            kill(pid, SIGKILL);
            wait_for(pid);
            fail_msg("the indexer did not stop within %.0f s of SIGINT",
                     stop_limit());
        }
        poll_pause();
    }
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 128 + SIGINT);
    /* The index opens, and no document lost its passage. */
    assert_int_equal(index_doc_count(index), n);
    unsigned old = count_of(index, "zeppelinold");
    unsigned now = count_of(index, "zeppelinnewer");
    assert_int_equal(old + now, n);
    /* The next run finishes the update. */
    j = index_json(0, index, "--jobs", "2", file, (char *)NULL);
    cJSON_Delete(j);
    assert_int_equal(index_doc_count(index), n);
    assert_int_equal(count_of(index, "zeppelinnewer"), n);
    assert_int_equal(count_of(index, "zeppelinold"), 0);
    free(file);
    free(index);
    free(out);
}

/* REL: a JSON Lines file of N one-passage documents, ids from FIRST. */
static void put_feed(const char *rel, unsigned first, unsigned n)
{
    size_t size = (size_t)n * 160 + 1, o = 0;
    char *feed = malloc(size);
    assert_non_null(feed);
    unsigned seed = first;
    for (unsigned d = first; d < first + n; d++) {
        o += (size_t)snprintf(feed + o, size - o,
                              "{\"id\": \"doc%u\", \"text\": \"", d);
        o = put_words(feed, size, o, 8, &seed);
        o += (size_t)snprintf(feed + o, size - o, "\"}\n");
    }
    put_bytes(rel, feed, o);
    free(feed);
}

/* --compact rewrites the index in a new directory that takes its place,
 * with the same answers; without it, a run on one thread compacts when it
 * wrote IX_COMPACT_MIN_PASSAGES passages or more, half the index or
 * more. */
/* Whether INDEX carries the mark of a compaction begun and not done. */
static int compact_mark(const char *index)
{
    qy_db_t *db = open_index(index);
    char *value = NULL;
    size_t len = 0;
    assert_int_equal(
        qy_db_get_metadata(db, QY_META_COMPACT_PENDING, &value, &len), QY_OK);
    free(value);
    qy_db_close(db);
    return len > 0;
}

/* A run killed while compacting leaves the index marked as it was (the
 * mark is committed before the compaction starts): the next run, even with
 * nothing to index, compacts it and drops the mark. */
static void test_compaction_resumes(void **state)
{
    (void)state;
    char *tree = tmp_file("resume-tree"), *index = tmp_file("resume.idx");
    make_tree("resume-tree", 6, 10, 3);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    assert_false(compact_mark(index));
    qy_db_t *w = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_write(index, 0, &w, &error), QY_OK);
    assert_int_equal(qy_db_set_metadata(w, QY_META_COMPACT_PENDING, "1", 1),
                     QY_OK);
    assert_int_equal(qy_db_commit(w), QY_OK);
    qy_db_close(w);
    unsigned docs = index_doc_count(index);
    ino_t ino = dir_ino(index);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    assert_int_not_equal(dir_ino(index), ino);
    assert_false(compact_mark(index));
    assert_int_equal(index_doc_count(index), docs);
    /* Done: the run after it leaves the index alone. */
    ino = dir_ino(index);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    assert_int_equal(dir_ino(index), ino);
    free(tree);
    free(index);
}

static void test_compact(void **state)
{
    (void)state;
    char *tree = tmp_file("compact-tree"), *index = tmp_file("compact.idx");
    make_tree("compact-tree", 12, 20, 7);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    char *before[NQUESTIONS];
    for (size_t q = 0; q < NQUESTIONS; q++)
        before[q] = answer_text(index, questions[q]);
    unsigned docs = index_doc_count(index);
    ino_t ino = dir_ino(index);

    cJSON *j = index_json(0, index, "--compact", (char *)NULL);
    assert_int_equal((int)json_num(j, "passages"), 0);
    assert_int_equal((int)json_num(j, "total"), (int)docs);
    cJSON_Delete(j);
    assert_int_not_equal(dir_ino(index), ino);
    assert_int_equal(index_doc_count(index), docs);
    for (size_t q = 0; q < NQUESTIONS; q++) {
        char *after = answer_text(index, questions[q]);
        assert_string_equal(after, before[q]);
        free(after);
        free(before[q]);
    }
    /* with files, and with --jobs 2 that has nothing to write */
    ino = dir_ino(index);
    cJSON_Delete(index_json(0, index, "--compact", tree, (char *)NULL));
    assert_int_not_equal(dir_ino(index), ino);
    ino = dir_ino(index);
    cJSON_Delete(
        index_json(0, index, "--jobs", "2", "--compact", tree, (char *)NULL));
    assert_int_not_equal(dir_ino(index), ino);

    /* Without --compact: not for fewer passages than the minimum ... */
    put_feed("compact-tree/small.jsonl", 0, 9999);
    ino = dir_ino(index);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    assert_int_equal(dir_ino(index), ino);
    /* ... nor for less than half the index ... */
    put_feed("compact-tree/large.jsonl", 100000, 10000);
    put_feed("compact-tree/more.jsonl", 200000, 10000);
    ino = dir_ino(index);
    cJSON_Delete(index_json(0, index, tree, (char *)NULL));
    assert_int_not_equal(dir_ino(index), ino); /* 20,000 of 30,000 */
    put_feed("compact-tree/last.jsonl", 300000, 10000);
    ino = dir_ino(index);
    j = index_json(0, index, tree, (char *)NULL);
    assert_int_equal((int)json_num(j, "passages"), 10000);
    cJSON_Delete(j);
    assert_int_equal(dir_ino(index), ino); /* 10,000 of 40,000 */
    assert_int_equal(index_doc_count(index), docs + 39999);
    cJSON_Delete(index_json(0, index, "--commit-every", "3000", tree,
                            (char *)NULL)); /* nothing to write */
    assert_int_equal(dir_ino(index), ino);
    free(tree);
    free(index);
}

/* A compaction that cannot be done (no room beside the index for the new
 * one): after a large run on one thread a warning, the passages being
 * committed; with --compact an error; the index as it was either way. */
static void test_compact_fails(void **state)
{
    (void)state;
    char *parent = tmp_file("fixed"), *index = tmp_file("fixed/c.idx");
    char *feeds = tmp_file("feeds");
    assert_int_equal(mkdir(parent, 0755), 0);
    put_feed("feeds/one.jsonl", 0, 10000);
    /* Root creates entries anywhere: the check runs as an ordinary user. */
    choose_run_user();
    if (geteuid() == 0 && run_uid == (uid_t)-1) {
        print_message("running as root without a user to drop to: a failed "
                      "compaction is not checked\n");
    } else {
        char *argv[] = {NULL, "-q", "-d", index, feeds, NULL};
        run_result_t r = run_indexer(argv);
        assert_int_equal(r.status, 0);
        run_free(&r);
        ino_t ino = dir_ino(index);
        assert_int_equal(chmod(parent, 0555), 0);
        put_feed("feeds/two.jsonl", 10000, 10000);
        assert_int_equal(chown_tree(feeds), 0);
        r = run_indexer(argv);
        assert_int_equal(r.status, 0);
        if (!strstr(r.err, "c.idx: not compacted: cannot create "))
            fail_msg("no warning in '%s'", r.err);
        run_free(&r);
        char *compact[] = {NULL, "-q", "--compact", "-d", index, NULL};
        r = run_indexer(compact);
        assert_int_equal(r.status, 2);
        if (!strstr(r.err, "c.idx: cannot compact the index: cannot create "))
            fail_msg("no error in '%s'", r.err);
        run_free(&r);
        chmod(parent, 0755);
        assert_int_equal(dir_ino(index), ino);
        assert_int_equal(index_doc_count(index), 20000);
    }
    free(parent);
    free(index);
    free(feeds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_same_results),
        cmocka_unit_test(test_tree_same_results),
        cmocka_unit_test(test_incremental_same_results),
        cmocka_unit_test(test_article_over_queue_budget),
        cmocka_unit_test(test_bad_jobs),
        cmocka_unit_test(test_interrupted_bulk),
        cmocka_unit_test(test_interrupted_bulk_update),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_compaction_resumes),
        cmocka_unit_test(test_compact_fails),
    };
    return cmocka_run_group_tests(tests, ix_setup, cli_teardown);
}
