/* The query parser: plain questions, every operator of the syntax, the
 * fallback to plain words on invalid syntax, the limits that keep hostile
 * input harmless, and the one-line description of the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/qparse.h"
#include "quarry/text.h"

/* ---- Allocation failures ------------------------------------------------
 *
 * With glibc, and without a sanitizer owning malloc, the allocator is
 * replaced here so that the Nth allocation can be made to fail and the
 * allocations still live after a call can be counted. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QY_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define QY_TEST_ASAN 1
#endif

#if defined(__GLIBC__) && !defined(QY_TEST_ASAN)
#define QY_TEST_FAILING_MALLOC 1

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static int alloc_armed;      /* count and fail only while set */
static long alloc_countdown; /* the allocation reaching 0 fails */
static long alloc_live;      /* allocations minus frees while armed */
static int alloc_failed;     /* an allocation was made to fail */

static int alloc_should_fail(void)
{
    if (!alloc_armed || alloc_countdown <= 0)
        return 0;
    if (--alloc_countdown == 0) {
        alloc_failed = 1;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    void *p = __libc_malloc(size);
    if (p && alloc_armed)
        alloc_live++;
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p && alloc_armed)
        alloc_live++;
    return p;
}

void *realloc(void *old, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    void *p = __libc_realloc(old, size);
    if (p && !old && alloc_armed)
        alloc_live++;
    return p;
}

void free(void *p)
{
    if (p && alloc_armed)
        alloc_live--;
    __libc_free(p);
}
#endif

/* ---- Helpers ------------------------------------------------------------- */

static int setup(void **state)
{
    qy_analyzer_t *a = NULL;
    if (qy_analyzer_new("english", &a) != QY_OK)
        return -1;
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    qy_analyzer_free(*state);
    return 0;
}

/* Checks what the parser promises of every tree it builds. */
static void check_tree(const qy_node_t *n, unsigned depth)
{
    assert_non_null(n);
    assert_true(depth < 1000);
    switch (n->kind) {
    case QY_N_WORD:
    case QY_N_PREFIX:
        assert_non_null(n->text);
        assert_true(n->text_len > 0);
        assert_int_equal(strlen(n->text), n->text_len);
        assert_int_equal(n->nkids, 0);
        if (n->kind == QY_N_PREFIX)
            assert_true(n->text_len >= 2);
        break;
    case QY_N_PHRASE:
    case QY_N_NEAR:
        assert_true(n->nkids >= 2);
        for (size_t i = 0; i < n->nkids; i++)
            assert_int_equal(n->kids[i]->kind, QY_N_WORD);
        if (n->kind == QY_N_NEAR)
            assert_true(n->window >= 1 && n->window <= 1000);
        break;
    case QY_N_AND:
    case QY_N_OR:
    case QY_N_AND_NOT:
    case QY_N_AND_MAYBE:
        assert_true(n->nkids >= 2);
        break;
    case QY_N_FIELD:
        assert_non_null(n->field);
        if (strcmp(n->field, "title") == 0 ||
            strcmp(n->field, "section") == 0 ||
            strcmp(n->field, "subject") == 0 || strcmp(n->field, "from") == 0 ||
            strcmp(n->field, "to") == 0) {
            assert_int_equal(n->nkids, 1);
        } else {
            assert_true(strcmp(n->field, "source") == 0 ||
                        strcmp(n->field, "id") == 0 ||
                        strcmp(n->field, "date") == 0 ||
                        strcmp(n->field, "lang") == 0);
            assert_int_equal(n->nkids, 0);
            assert_non_null(n->text);
            assert_true(n->text_len > 0);
        }
        break;
    default:
        fail_msg("unknown node kind %d", (int)n->kind);
    }
    for (size_t i = 0; i < n->nkids; i++)
        check_tree(n->kids[i], depth + 1);
}

/* The description of QUERY's tree, "" when it has none (caller frees). */
static char *parse_describe(qy_analyzer_t *a, const char *query, size_t len,
                            qy_parsed_t *out)
{
    assert_int_equal(qy_parse(a, query, len, out), QY_OK);
    if (!out->root)
        return NULL;
    check_tree(out->root, 0);
    char *d = qy_node_describe(a, out->root);
    assert_non_null(d);
    return d;
}

/* ---- The table ----------------------------------------------------------- */

typedef struct qcase {
    const char *query;
    const char *expected; /* NULL: no root */
    int syntax, fallback;
} qcase_t;

static const qcase_t cases[] = {
    /* Plain questions. */
    {"who stole cryptocurrency", "(stole OR cryptocurr)", 0, 0},
    {"missiles", "missil", 0, 0},
    {"the of a", "(the OR of OR a)", 0, 0},
    {"who", "who", 0, 0},
    {"Korea korea KOREA missiles", "(korea OR missil)", 0, 0},
    {"", NULL, 0, 0},
    {"   \t\n ", NULL, 0, 0},
    {"!!! ... ??? --- ***", NULL, 0, 0},
    {"Covid-19 vaccine", "(covid OR 19 OR vaccin)", 0, 0},
    {"Korea's missile", "(korea OR missil)", 0, 0},
    {"foo:bar", "(foo OR bar)", 0, 0},
    {"Title:korea", "(titl OR korea)", 0, 0},
    {"and or not near", "near", 0, 0},
    {"a-b +-x --y", "(b OR x OR y)", 0, 0},
    {"x *", "x", 0, 0},
    {"Café résumé naïve", "(cafe OR resum OR naiv)", 0, 0},
    {"東京タワー", "(東京 OR 京タ OR タワ OR ワー)", 0, 0},
    {"\"北京大学\"", "\"北京 京大 大学\"", 1, 0},
    {"Москва", "москва", 0, 0},
    {"\xff\xfe korea \xc3", "korea", 0, 0},
    {"korea\xc2\xa0japan", "(korea OR japan)", 0, 0},

    /* Operators. */
    {"korea AND missile", "(korea AND missil)", 1, 0},
    {"korea OR japan", "(korea OR japan)", 1, 0},
    {"korea NOT south", "(korea AND NOT south)", 1, 0},
    {"korea AND NOT south", "(korea AND NOT south)", 1, 0},
    {"korea NOT south NOT north", "(korea AND NOT south AND NOT north)", 1, 0},
    {"missile NEAR launch", "NEAR/10(missil launch)", 1, 0},
    {"missile NEAR/3 launch", "NEAR/3(missil launch)", 1, 0},
    {"missile NEAR/1 launch", "NEAR/1(missil launch)", 1, 0},
    {"missile NEAR/1000 launch", "NEAR/1000(missil launch)", 1, 0},
    {"missile NEAR launch NEAR site", "NEAR/10(missil launch site)", 1, 0},
    {"missile NEAR/3 launch NEAR/5 site", "NEAR/5(missil launch site)", 1, 0},
    {"the NEAR test", "NEAR/10(the test)", 1, 0},
    /* stop words have no positions: only stop words are all required */
    {"the NEAR of", "(the AND of)", 1, 0},
    {"\"of the\"", "(of AND the)", 1, 0},
    {"korea OR \"of the\"", "(korea OR (of AND the))", 1, 0},
    {"missile NEAR Covid-19", "NEAR/10(missil covid 19)", 1, 0},
    {"+korea missile", "(korea AND_MAYBE missil)", 1, 0},
    {"korea -south", "(korea AND NOT south)", 1, 0},
    {"-south korea", "(korea AND NOT south)", 1, 0},
    {"+korea missile -south", "((korea AND_MAYBE missil) AND NOT south)", 1, 0},
    {"+korea +missile", "(korea AND missil)", 1, 0},
    {"+korea +missile launch japan",
     "((korea AND missil) AND_MAYBE launch AND_MAYBE japan)", 1, 0},
    {"+the cat", "(the AND_MAYBE cat)", 1, 0},
    {"+(korea japan) china", "((korea OR japan) AND_MAYBE china)", 1, 0},
    {"korea -\"south korea\"", "(korea AND NOT \"south korea\")", 1, 0},
    {"+AND korea", "(and AND_MAYBE korea)", 1, 0},
    {"\"nuclear test\"", "\"nuclear test\"", 1, 0},
    {"\"the test of a bomb\"", "\"the test of a bomb\"", 1, 0},
    {"\"tests\"", "test", 1, 0},
    {"\"the\"", "the", 1, 0},
    {"\"\" korea", "korea", 1, 0},
    {"\"\"", NULL, 1, 0},
    {"\"!!!\" ()", NULL, 1, 0},
    {"korea\"nuclear test\"", "(korea OR \"nuclear test\")", 1, 0},
    {"crypto*", "crypto*", 1, 0},
    {"Crypto* coins", "(crypto* OR coin)", 1, 0},
    {"the*", "the*", 1, 0},
    {"x*", "x", 1, 0},
    {"a* korea", "korea", 1, 0},
    {"covid-19*", "\"covid 19\"", 1, 0},
    {"Covid-19 AND vaccine", "(\"covid 19\" AND vaccin)", 1, 0},
    {"+Covid-19", "\"covid 19\"", 1, 0},
    {"U.S. AND Korea's", "(\"u s\" AND korea)", 1, 0},
    {"-5 degrees", "(degre AND NOT 5)", 1, 0},

    /* Precedence: OR, then AND, then NOT, then NEAR; adjacency is OR. */
    {"korea OR japan AND china NOT russia NEAR border",
     "(korea OR (japan AND (china AND NOT NEAR/10(russia border))))", 1, 0},
    {"korea japan AND china", "(korea OR (japan AND china))", 1, 0},
    {"korea AND japan OR china", "((korea AND japan) OR china)", 1, 0},
    {"korea AND japan NOT china", "(korea AND (japan AND NOT china))", 1, 0},
    {"korea NOT japan NEAR china", "(korea AND NOT NEAR/10(japan china))", 1,
     0},

    /* Parentheses. */
    {"(korea OR japan) AND china", "((korea OR japan) AND china)", 1, 0},
    {"(korea OR (japan AND (china NOT russia)))",
     "(korea OR (japan AND (china AND NOT russia)))", 1, 0},
    {"((((korea))))", "korea", 1, 0},
    {"(korea OR japan) OR china", "(korea OR japan OR china)", 1, 0},
    {"korea (japan china)", "(korea OR japan OR china)", 1, 0},
    {"(korea AND japan) AND (china AND japan)", "(korea AND japan AND china)",
     1, 0},
    {"korea AND ()", "korea", 1, 0},
    {"()", NULL, 1, 0},
    {"(+korea)", "korea", 1, 0},
    {"(korea -south) missile", "((korea AND NOT south) OR missil)", 1, 0},

    /* Stop words outside phrases. */
    {"korea AND the", "korea", 1, 0},
    {"the AND of", "(the AND of)", 1, 0},
    {"the -cat", "(the AND NOT cat)", 1, 0},
    {"korea NOT the", "korea", 1, 0},
    {"(the of) OR korea", "korea", 1, 0},
    {"title:the korea", "korea", 1, 0},
    {"title:the", "title:(the)", 1, 0},

    /* Fields. */
    {"title:korea", "title:(korea)", 1, 0},
    {"title:\"nuclear test\"", "title:(\"nuclear test\")", 1, 0},
    {"title:(korea OR japan)", "title:(korea OR japan)", 1, 0},
    {"title:(korea -south)", "title:(korea AND NOT south)", 1, 0},
    {"title:crypto*", "title:(crypto*)", 1, 0},
    {"title:Covid-19", "title:(\"covid 19\")", 1, 0},
    {"title:korea missile", "(title:(korea) OR missil)", 1, 0},
    {"-title:korea japan", "(japan AND NOT title:(korea))", 1, 0},
    {"title:AND", "title:(and)", 1, 0},
    {"source:corpus/*.txt", "source:corpus/*.txt", 1, 0},
    {"source:\"my dir/x.txt\"", "source:\"my dir/x.txt\"", 1, 0},
    {"source:'my dir/*.md'", "source:\"my dir/*.md\"", 1, 0},
    {"source:'*.md' korea", "(korea AND source:*.md)", 1, 0},
    {"id:abc-123 korea", "(korea AND id:abc-123)", 1, 0},
    /* A mail's fields hold words and select. */
    {"burrows from:alice", "(burrow AND from:(alic))", 1, 0},
    {"burrows from:bob@example.org", "(burrow AND from:(\"bob exampl org\"))",
     1, 0},
    {"burrows to:ann to:ben", "(burrow AND (to:(ann) OR to:(ben)))", 1, 0},
    {"warren subject:survey", "(warren AND subject:(survey))", 1, 0},
    {"warren lang:german", "(warren AND lang:german)", 1, 0},
    {"date:2020..2021", "date:2020..2021", 1, 0},
    {"date:2020-03..", "date:2020-03..", 1, 0},
    {"date:..2020", "date:..2020", 1, 0},
    {"korea date:2020.. source:a source:b",
     "(korea AND date:2020.. AND (source:a OR source:b))", 1, 0},
    {"+korea missile source:a", "((korea AND source:a) AND_MAYBE missil)", 1,
     0},
    {"korea -source:old/", "(korea AND NOT source:old/)", 1, 0},
    /* an explicit OR makes a filter an alternative to words... */
    {"korea OR date:2020..", "(korea OR date:2020..)", 1, 0},
    {"id:a2 OR thieves", "(id:a2 OR thiev)", 1, 0},
    {"id:x id:x OR korea", "((id:x OR korea) AND id:x)", 1, 0},
    /* ...and, between filters only, one required alternative */
    {"korea source:x OR id:y", "(korea AND (source:x OR id:y))", 1, 0},
    {"korea source:x OR source:y OR date:2020.. nuclear",
     "((korea OR nuclear) AND (source:x OR source:y OR date:2020..))", 1, 0},
    {"source:x OR id:y", "(source:x OR id:y)", 1, 0},
    {"+korea OR id:x", "(korea AND id:x)", 1, 0},
    {"(korea source:a.txt)", "(korea AND source:a.txt)", 1, 0},
    {"(korea source:a(1).txt)", "(korea AND source:a(1).txt)", 1, 0},
    {"korea AND source:x", "(korea AND source:x)", 1, 0},
    {"(korea foo:bar)", "(korea OR \"foo bar\")", 1, 0},

    /* Invalid syntax: the words, searched as plain words. */
    {"\"nuclear test", "(nuclear OR test)", 1, 1},
    {"korea \"", "korea", 1, 1},
    {"(korea OR japan", "(korea OR japan)", 1, 1},
    {"korea OR japan)", "(korea OR japan)", 1, 1},
    {"(korea))", "korea", 1, 1},
    {")(", NULL, 1, 1},
    {"korea AND", "korea", 1, 1},
    {"AND korea", "korea", 1, 1},
    {"korea AND AND japan", "(korea OR japan)", 1, 1},
    {"korea OR", "korea", 1, 1},
    {"OR korea", "korea", 1, 1},
    {"korea OR OR japan", "(korea OR japan)", 1, 1},
    {"korea NOT", "korea", 1, 1},
    {"korea AND NOT", "korea", 1, 1},
    {"NOT korea", "korea", 1, 1},
    {"(NOT korea)", "korea", 1, 1},
    {"korea OR NOT japan", "(korea OR japan)", 1, 1},
    {"OR", "or", 1, 1},
    {"-korea", "korea", 1, 1},
    {"-korea -japan", "(korea OR japan)", 1, 1},
    {"korea (-japan)", "(korea OR japan)", 1, 1},
    {"NEAR launch", "(near OR launch)", 1, 1},
    {"missile NEAR", "(missil OR near)", 1, 1},
    {"missile NEAR/0 launch", "(missil OR near OR 0 OR launch)", 1, 1},
    {"missile NEAR/1001 launch", "(missil OR near OR 1001 OR launch)", 1, 1},
    {"\"nuclear test\" NEAR launch", "(nuclear OR test OR near OR launch)", 1,
     1},
    {"crypto* NEAR launch", "(crypto OR near OR launch)", 1, 1},
    {"(missile) NEAR launch", "(missil OR near OR launch)", 1, 1},
    {"missile NEAR !!!", "(missil OR near)", 1, 1},
    {"+korea AND japan", "(korea OR japan)", 1, 1},
    {"korea AND -japan", "(korea OR japan)", 1, 1},
    {"+korea NEAR japan", "(korea OR near OR japan)", 1, 1},
    {"title: korea", "(titl OR korea)", 1, 1},
    {"title:", "titl", 1, 1},
    {"(title:)", "titl", 1, 1},
    {"title:\"korea", "(titl OR korea)", 1, 1},
    {"title:(korea", "(titl OR korea)", 1, 1},
    {"title:(source:x)", "(titl OR sourc OR x)", 1, 1},
    {"title:title:x", "(titl OR x)", 1, 1},
    {"source:", "sourc", 1, 1},
    {"source:\"corpus", "(sourc OR corpus)", 1, 1},
    {"source:\"\" korea", "(sourc OR korea)", 1, 1},
    {"date:2020", "(date OR 2020)", 1, 1},
    {"date:..", "date", 1, 1},
    {"!!! NOT korea", "korea", 1, 1},
    {"\xff\xfe korea \xc3 OR", "korea", 1, 1},
};

static void test_table(void **state)
{
    qy_analyzer_t *a = *state;
    int failures = 0;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const qcase_t *c = &cases[i];
        qy_parsed_t p;
        char *d = parse_describe(a, c->query, strlen(c->query), &p);
        int ok = p.syntax == c->syntax && p.fallback == c->fallback &&
                 (c->expected ? d && strcmp(d, c->expected) == 0 : !d);
        if (!ok) {
            print_error("query [%s]: got [%s] syntax=%d fallback=%d, "
                        "expected [%s] syntax=%d fallback=%d\n",
                        c->query, d ? d : "(none)", p.syntax, p.fallback,
                        c->expected ? c->expected : "(none)", c->syntax,
                        c->fallback);
            failures++;
        }
        free(d);
        qy_parsed_free(&p);
        assert_null(p.root);
    }
    assert_int_equal(failures, 0);
}

/* ---- The tree itself ----------------------------------------------------- */

static void test_tree_nodes(void **state)
{
    qy_analyzer_t *a = *state;
    qy_parsed_t p;

    /* Words are normalised, not stemmed. */
    assert_int_equal(qy_parse(a, "Missiles", 8, &p), QY_OK);
    assert_int_equal(p.root->kind, QY_N_WORD);
    assert_string_equal(p.root->text, "missiles");
    assert_int_equal(p.root->text_len, 8);
    qy_parsed_free(&p);

    const char *q = "Covid-19 AND crypto* AND a NEAR/7 b";
    assert_int_equal(qy_parse(a, q, strlen(q), &p), QY_OK);
    qy_node_t *r = p.root;
    assert_int_equal(r->kind, QY_N_AND);
    assert_int_equal(r->nkids, 3);
    assert_int_equal(r->kids[0]->kind, QY_N_PHRASE);
    assert_int_equal(r->kids[0]->nkids, 2);
    assert_string_equal(r->kids[0]->kids[0]->text, "covid");
    assert_string_equal(r->kids[0]->kids[1]->text, "19");
    assert_int_equal(r->kids[1]->kind, QY_N_PREFIX);
    assert_string_equal(r->kids[1]->text, "crypto");
    assert_int_equal(r->kids[2]->kind, QY_N_NEAR);
    assert_int_equal(r->kids[2]->window, 7);
    assert_int_equal(r->kids[2]->nkids, 2);
    qy_parsed_free(&p);

    q = "title:Korea source:\"my dir/x.txt\" date:2020..";
    assert_int_equal(qy_parse(a, q, strlen(q), &p), QY_OK);
    r = p.root;
    assert_int_equal(r->kind, QY_N_AND);
    assert_int_equal(r->nkids, 3);
    assert_int_equal(r->kids[0]->kind, QY_N_FIELD);
    assert_string_equal(r->kids[0]->field, "title");
    assert_int_equal(r->kids[0]->nkids, 1);
    assert_string_equal(r->kids[0]->kids[0]->text, "korea");
    assert_string_equal(r->kids[1]->field, "source");
    assert_string_equal(r->kids[1]->text, "my dir/x.txt");
    assert_int_equal(r->kids[1]->text_len, 12);
    assert_string_equal(r->kids[2]->field, "date");
    assert_string_equal(r->kids[2]->text, "2020..");
    qy_parsed_free(&p);

    q = "+korea missile launch -south -north";
    assert_int_equal(qy_parse(a, q, strlen(q), &p), QY_OK);
    r = p.root;
    assert_int_equal(r->kind, QY_N_AND_NOT);
    assert_int_equal(r->nkids, 3);
    assert_int_equal(r->kids[0]->kind, QY_N_AND_MAYBE);
    assert_int_equal(r->kids[0]->nkids, 3);
    assert_string_equal(r->kids[0]->kids[0]->text, "korea");
    assert_string_equal(r->kids[1]->text, "south");
    assert_string_equal(r->kids[2]->text, "north");
    qy_parsed_free(&p);
}

static void test_null_and_unterminated(void **state)
{
    qy_analyzer_t *a = *state;
    qy_parsed_t p;

    assert_int_equal(qy_parse(a, NULL, 0, &p), QY_OK);
    assert_null(p.root);
    assert_int_equal(p.syntax, 0);
    qy_parsed_free(&p);
    qy_parsed_free(NULL);

    char *d = qy_node_describe(a, NULL);
    assert_non_null(d);
    assert_string_equal(d, "");
    free(d);

    /* Only LEN bytes are read: a query without NUL, cut inside syntax. */
    const char *text = "korea AND \"nuclear test\"";
    for (size_t n = 0; n <= strlen(text); n++) {
        char *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        memcpy(buf, text, n);
        d = parse_describe(a, buf, n, &p);
        if (n == 5) {
            assert_string_equal(d, "korea");
            assert_int_equal(p.syntax, 0);
        }
        if (n == strlen(text))
            assert_string_equal(d, "(korea AND \"nuclear test\")");
        if (n > 10 && n < strlen(text))
            assert_int_equal(p.fallback, 1); /* the quote is open */
        free(d);
        qy_parsed_free(&p);
        free(buf);
    }

    /* A NUL inside the query separates words. */
    d = parse_describe(a, "korea\0AND japan", 15, &p);
    assert_string_equal(d, "(korea AND japan)");
    free(d);
    qy_parsed_free(&p);
}

static void test_other_language(void **state)
{
    (void)state;
    qy_analyzer_t *none;
    qy_parsed_t p;
    assert_int_equal(qy_analyzer_new("none", &none), QY_OK);
    /* Without a stop word list only question words are dropped, and words
     * are not stemmed. */
    char *d = parse_describe(none, "who stole the cryptocurrency", 28, &p);
    assert_string_equal(d, "(stole OR the OR cryptocurrency)");
    free(d);
    qy_parsed_free(&p);
    qy_analyzer_free(none);

    /* French has Snowball's list: le and de are dropped like the. */
    qy_analyzer_t *fr;
    assert_int_equal(qy_analyzer_new("french", &fr), QY_OK);
    d = parse_describe(fr, "le jardin de la ville", 21, &p);
    assert_string_equal(d, "(jardin OR vill)");
    free(d);
    qy_parsed_free(&p);
    qy_analyzer_free(fr);
}

/* Kept on request (evaluation's --stopwords keep), in questions and in
 * queries in the syntax; question words too. */
static void test_stopwords_kept(void **state)
{
    (void)state;
    qy_analyzer_t *a;
    qy_parsed_t p;
    assert_int_equal(qy_analyzer_new("english", &a), QY_OK);
    static const struct {
        const char *query, *dropped, *kept;
    } kept_cases[] = {
        {"what is the history of korea", "(histori OR korea)",
         "(what OR is OR the OR histori OR of OR korea)"},
        {"+korea the", "korea", "(korea AND_MAYBE the)"},
    };
    for (size_t i = 0; i < sizeof kept_cases / sizeof *kept_cases; i++) {
        size_t len = strlen(kept_cases[i].query);
        assert_int_equal(qy_parse_keeping(a, kept_cases[i].query, len, 0, &p),
                         QY_OK);
        char *d = qy_node_describe(a, p.root);
        assert_string_equal(d, kept_cases[i].dropped);
        free(d);
        qy_parsed_free(&p);
        assert_int_equal(qy_parse_keeping(a, kept_cases[i].query, len, 1, &p),
                         QY_OK);
        d = qy_node_describe(a, p.root);
        assert_string_equal(d, kept_cases[i].kept);
        free(d);
        qy_parsed_free(&p);
    }
    qy_analyzer_free(a);
}

/* ---- Limits -------------------------------------------------------------- */

static char *nested(size_t depth, const char *inner)
{
    size_t n = strlen(inner);
    char *s = malloc(2 * depth + n + 1);
    assert_non_null(s);
    memset(s, '(', depth);
    memcpy(s + depth, inner, n);
    memset(s + depth + n, ')', depth);
    s[2 * depth + n] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    qy_analyzer_t *a = *state;
    qy_parsed_t p;

    char *s = nested(64, "korea OR japan");
    char *d = parse_describe(a, s, strlen(s), &p);
    assert_string_equal(d, "(korea OR japan)");
    assert_int_equal(p.syntax, 1);
    assert_int_equal(p.fallback, 0);
    free(d);
    qy_parsed_free(&p);
    free(s);

    s = nested(65, "korea OR japan");
    d = parse_describe(a, s, strlen(s), &p);
    assert_string_equal(d, "(korea OR japan)");
    assert_int_equal(p.syntax, 1);
    assert_int_equal(p.fallback, 1);
    free(d);
    qy_parsed_free(&p);
    free(s);

    /* Deep nesting that alternates kinds of node. */
    char buf[64 * 24 + 16] = "";
    for (int i = 0; i < 64; i++)
        strcat(buf, "(x AND NOT y OR ");
    strcat(buf, "z");
    for (int i = 0; i < 64; i++)
        strcat(buf, ")");
    d = parse_describe(a, buf, strlen(buf), &p);
    assert_int_equal(p.fallback, 0);
    free(d);
    qy_parsed_free(&p);

    /* Far too deep, and unbalanced: no recursion, no crash. */
    size_t n = 200000;
    s = malloc(n + 6);
    assert_non_null(s);
    memset(s, '(', n);
    memcpy(s + n, "korea", 6);
    d = parse_describe(a, s, strlen(s), &p);
    assert_string_equal(d, "korea");
    assert_int_equal(p.fallback, 1);
    free(d);
    qy_parsed_free(&p);
    free(s);
}

/* N distinct words that are not stop words: qaaa, qaab, ... */
static char *many_words(size_t n, const char *sep)
{
    size_t slen = strlen(sep);
    char *s = malloc(n * (5 + slen) + 1);
    assert_non_null(s);
    char *o = s;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(o, sep, slen);
            o += slen;
        }
        *o++ = 'q';
        *o++ = (char)('a' + i / 676 % 26);
        *o++ = (char)('a' + i / 26 % 26);
        *o++ = (char)('a' + i % 26);
    }
    *o = '\0';
    return s;
}

static size_t count_nodes(const qy_node_t *n)
{
    size_t c = 1;
    for (size_t i = 0; i < n->nkids; i++)
        c += count_nodes(n->kids[i]);
    return c;
}

static void test_node_limit(void **state)
{
    qy_analyzer_t *a = *state;
    qy_parsed_t p;

    /* Syntax needing too many nodes is invalid: plain words, capped. */
    char *s = many_words(3000, " AND ");
    char *d = parse_describe(a, s, strlen(s), &p);
    assert_int_equal(p.syntax, 1);
    assert_int_equal(p.fallback, 1);
    assert_int_equal(p.root->kind, QY_N_OR);
    assert_true(count_nodes(p.root) <= 1024);
    assert_string_equal(p.root->kids[0]->text, "qaaa");
    free(d);
    qy_parsed_free(&p);
    free(s);

    /* Within the limit it is kept. */
    s = many_words(500, " AND ");
    d = parse_describe(a, s, strlen(s), &p);
    assert_int_equal(p.fallback, 0);
    assert_int_equal(p.root->kind, QY_N_AND);
    assert_int_equal(p.root->nkids, 500);
    free(d);
    qy_parsed_free(&p);
    free(s);

    /* A long question keeps its first distinct words. */
    s = many_words(5000, " ");
    d = parse_describe(a, s, strlen(s), &p);
    assert_int_equal(p.syntax, 0);
    assert_int_equal(p.root->kind, QY_N_OR);
    assert_true(p.root->nkids > 500);
    assert_true(count_nodes(p.root) <= 1024);
    free(d);
    qy_parsed_free(&p);
    free(s);

    /* Many repetitions of a few words, and one huge hyphenated term. */
    size_t n = 12 * 100000;
    s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = "korea japan "[i % 12];
    s[n] = '\0';
    d = parse_describe(a, s, n, &p);
    assert_string_equal(d, "(korea OR japan)");
    free(d);
    qy_parsed_free(&p);
    for (size_t i = 0; i < n; i++)
        s[i] = "ab-"[i % 3];
    memcpy(s, "x AND ", 6);
    d = parse_describe(a, s, n, &p);
    assert_int_equal(p.fallback, 1);
    free(d);
    qy_parsed_free(&p);
    free(s);
}

/* ---- Garbage ------------------------------------------------------------- */

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t rng(void)
{
    uint32_t x = rng_state; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void test_random_garbage(void **state)
{
    qy_analyzer_t *a = *state;
    /* Pieces separated by `|`: syntax, words, white space (U+3000 too),
     * broken UTF-8, a NUL. */
    static const char pieces[] =
        "AND|OR|NOT|NEAR|NEAR/3|NEAR/0|NEAR/999|(|)|\"|+|-|*|title:|source:|"
        "id:|date:|..|korea|the|a|x|Covid-19|crypto*|\xc3\xa9|\xe6\x9d\xb1| | |"
        "\t|\xe3\x80\x80|\xc3|\xff|\xe2\x80\x99|:|'|\\|\0";
    size_t starts[64], lens[64], npieces = 0;
    for (size_t i = 0, start = 0; i <= sizeof pieces - 1; i++)
        if (i == sizeof pieces - 1 || pieces[i] == '|') {
            starts[npieces] = start;
            lens[npieces++] = i - start;
            start = i + 1;
        }
    /* Set, though a round of length 0 copies nothing from it: cppcheck
     * counts memcpy(q, buf, 0) as a read. */
    char buf[300] = {0};
    unsigned roots = 0, syntaxes = 0, fallbacks = 0;

    for (int iter = 0; iter < 4000; iter++) {
        size_t len = 0, target = rng() % 200;
        while (len < target) {
            if (rng() % 4 == 0) {
                buf[len++] = (char)(rng() & 0xff);
                continue;
            }
            size_t k = rng() % npieces, n = lens[k];
            if (len + n > sizeof buf)
                break;
            memcpy(buf + len, pieces + starts[k], n);
            len += n;
        }
        /* An exact-size copy, so that reading past LEN is caught. */
        char *q = malloc(len ? len : 1);
        assert_non_null(q);
        memcpy(q, buf, len);
        qy_parsed_t p;
        char *d = parse_describe(a, q, len, &p);
        if (p.fallback)
            assert_int_equal(p.syntax, 1);
        roots += p.root != NULL;
        syntaxes += p.syntax != 0;
        fallbacks += p.fallback != 0;
        free(d);
        qy_parsed_free(&p);
        free(q);
    }
    /* The generator reaches every outcome. */
    assert_true(roots > 1000);
    assert_true(syntaxes > 1000);
    assert_true(fallbacks > 100);
    assert_true(syntaxes - fallbacks > 100);
}

/* ---- Out of memory ------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
#ifdef QY_TEST_FAILING_MALLOC
    qy_analyzer_t *a = *state;

    /* Under valgrind the replacement above is itself replaced. */
    void *(*volatile alloc)(size_t) = malloc;
    alloc_countdown = 1;
    alloc_armed = 1;
    void *probe = alloc(16);
    alloc_armed = 0;
    if (probe) {
        free(probe);
        skip();
    }
    static const char *const queries[] = {
        "who stole cryptocurrency",
        "+korea missile -south source:a source:b date:2020..",
        "title:(korea OR \"nuclear test\") AND crypto* NOT x NEAR/3 y",
        "(korea AND (japan OR china)) OR Covid-19",
        "the -cat",
        "korea AND",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        const char *q = queries[i];
        qy_parsed_t p;
        /* Once without failures, so that the analyzer's own buffers have
         * grown and what is live afterwards is only the tree. */
        char *d = parse_describe(a, q, strlen(q), &p);
        free(d);
        qy_parsed_free(&p);

        int completed = 0;
        long fail_at;
        for (fail_at = 1; !completed && fail_at < 10000; fail_at++) {
            alloc_live = 0;
            alloc_failed = 0;
            alloc_countdown = fail_at;
            alloc_armed = 1;
            qy_status_t st = qy_parse(a, q, strlen(q), &p);
            if (st == QY_OK) {
                d = p.root ? qy_node_describe(a, p.root) : NULL;
                free(d);
                qy_parsed_free(&p);
            }
            alloc_armed = 0;
            completed = !alloc_failed;
            if (st != QY_OK) {
                assert_int_equal(st, QY_NOMEM);
                assert_null(p.root);
            }
            /* Failed or not, nothing is left behind. */
            assert_int_equal(alloc_live, 0);
        }
        assert_true(completed);
        assert_true(fail_at > 5); /* failures were injected */
    }
#else
    (void)state;
    skip(); /* a sanitizer owns malloc */
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_tree_nodes),
        cmocka_unit_test(test_null_and_unterminated),
        cmocka_unit_test(test_other_language),
        cmocka_unit_test(test_stopwords_kept),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_random_garbage),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
