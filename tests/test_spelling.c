/* Spelling corrections, word by word, in English and German: a right word
 * the index lacks is never corrected, though the index holds a word a
 * letter or two away from it ("thieves" is no typo of "achieves"), and a
 * typo of a word the index holds is corrected to that word. The index is
 * built here, from sentences holding both. Without a dictionary (an empty
 * $DICPATH), the index's own spelling data answers, as it always did.
 * Skipped (77) when the English or German hunspell dictionary is not
 * installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "quarry/search.h"
#include "quarry/xdb.h"

#include "cli.h"

typedef struct language {
    const char *lang;     /* --lang of the index */
    const char *sentence; /* a passage around each word ("%s") */
    /* Right words the index lacks, each with a word the index holds that
     * the index's spelling data would offer for it. */
    const char *const (*right)[2];
    size_t nright;
    /* Typos, each with the word meant, which the index holds, as the
     * tokenizer writes it (ß case-folds to ss). A typo whose stem is the
     * meant word's ("begining", "begin") is none here: it finds the same
     * passages, and is left alone. */
    const char *const (*typos)[2];
    size_t ntypos;
    char index[4200];
} language_t;

static const char *const english_right[][2] = {
    {"thieves", "achieves"}, {"long", "along"},       {"mice", "nice"},
    {"wept", "kept"},        {"went", "want"},        {"stolen", "stole"},
    {"lantern", "pattern"},  {"saddle", "paddle"},    {"blanket", "planet"},
    {"pebble", "people"},    {"meadow", "shadow"},    {"thunder", "under"},
    {"cottage", "voltage"},  {"spider", "wider"},     {"candle", "handle"},
    {"velvet", "helmet"},    {"anchor", "author"},    {"ladder", "leader"},
    {"kettle", "settle"},    {"biscuit", "circuit"},  {"violin", "violet"},
    {"orchard", "richard"},  {"elephant", "elegant"}, {"zebra", "cobra"},
    {"whisker", "whiskey"},  {"bridle", "bride"},     {"copper", "hopper"},
    {"basket", "market"},    {"mitten", "written"},   {"puddle", "middle"},
    {"wagon", "dragon"},     {"hammer", "summer"},    {"pillow", "follow"},
};

static const char *const english_typos[][2] = {
    {"recieve", "receive"},
    {"adress", "address"},
    {"protocl", "protocol"},
    {"goverment", "government"},
    {"enviroment", "environment"},
    {"seperate", "separate"},
    {"definately", "definitely"},
    {"buisness", "business"},
    {"rythm", "rhythm"},
    {"beleive", "believe"},
    {"comittee", "committee"},
    {"tommorow", "tomorrow"},
    {"wierd", "weird"},
    {"neccessary", "necessary"},
    {"succesful", "successful"},
    {"accomodate", "accommodate"},
    {"tounge", "tongue"},
    {"cemetary", "cemetery"},
    {"libary", "library"},
    {"reccomend", "recommend"},
    {"acheive", "achieve"},
    {"arguement", "argument"},
    {"concious", "conscious"},
    {"foriegn", "foreign"},
    {"knowlege", "knowledge"},
    {"millenium", "millennium"},
    {"retransmision", "retransmission"},
    {"sheduling", "scheduling"},
    {"congestoin", "congestion"},
    {"persue", "pursue"},
    {"truely", "truly"},
    {"greatful", "grateful"},
};

static const char *const german_right[][2] = {
    {"hund", "mund"},       {"tisch", "fisch"},    {"brot", "boot"},
    {"wald", "wand"},       {"berg", "burg"},      {"fluss", "flug"},
    {"himmel", "schimmel"}, {"sonne", "tonne"},    {"mond", "mund"},
    {"stern", "stirn"},     {"blume", "bluse"},    {"baum", "raum"},
    {"vogel", "kegel"},     {"pferd", "pfad"},     {"schule", "schuhe"},
    {"kirche", "kirsche"},  {"brücke", "lücke"},   {"zeitung", "leitung"},
    {"garten", "karten"},   {"küche", "kühe"},     {"zimmer", "nimmer"},
    {"stuhl", "stahl"},     {"teller", "keller"},  {"gabel", "nabel"},
    {"messer", "wasser"},   {"flasche", "tasche"}, {"hose", "rose"},
    {"mantel", "mangel"},   {"nebel", "hebel"},    {"regen", "degen"},
    {"wolke", "molke"},     {"insel", "pinsel"},
};

static const char *const german_typos[][2] = {
    {"regirung", "regierung"},
    {"krankenhuas", "krankenhaus"},
    {"banhof", "bahnhof"},
    {"wissenschft", "wissenschaft"},
    {"geschichet", "geschichte"},
    {"entwicklng", "entwicklung"},
    {"gesellschat", "gesellschaft"},
    {"verwaltnug", "verwaltung"},
    {"wirtschat", "wirtschaft"},
    {"bevölkerng", "bevölkerung"},
    {"untericht", "unterricht"},
    {"ausbildnug", "ausbildung"},
    {"verkher", "verkehr"},
    {"eisenbhan", "eisenbahn"},
    {"gemiende", "gemeinde"},
    {"bürgermiester", "bürgermeister"},
    {"haupstadt", "hauptstadt"},
    {"jahrhudert", "jahrhundert"},
    {"verfasung", "verfassung"},
    {"universitt", "universität"},
    {"bibliotek", "bibliothek"},
    {"strasenbahn", "strassenbahn"},
    {"fahrad", "fahrrad"},
    {"flughfen", "flughafen"},
    {"landwirtschft", "landwirtschaft"},
    {"nachbarschft", "nachbarschaft"},
    {"erfahrng", "erfahrung"},
    {"umwlet", "umwelt"},
    {"forschnug", "forschung"},
    {"sprahce", "sprache"},
    {"zietpunkt", "zeitpunkt"},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static language_t languages[] = {
    {"english", "A short note about the %s for the record.", english_right,
     COUNT(english_right), english_typos, COUNT(english_typos), ""},
    {"german", "Ein kurzer Bericht über %s für die Akten.", german_right,
     COUNT(german_right), german_typos, COUNT(german_typos), ""},
};

static char empty_dicpath[4200];

static void append(char **text, size_t *len, const char *sentence,
                   const char *word)
{
    char line[512];
    int n = snprintf(line, sizeof line, sentence, word);
    *text = realloc(*text, *len + (size_t)n + 3);
    assert_non_null(*text);
    memcpy(*text + *len, line, (size_t)n);
    memcpy(*text + *len + n, "\n\n", 3);
    *len += (size_t)n + 2;
}

/* The index of LANG's words: those the typos mean, and the neighbours of
 * the right words, each in a passage of its own, twice. */
static int build(language_t *l)
{
    char docs[4300], doc[4400];
    snprintf(docs, sizeof docs, "%s/%s", cli_tmp, l->lang);
    snprintf(l->index, sizeof l->index, "%s/%s.idx", cli_tmp, l->lang);
    if (mkdir(docs, 0700) != 0)
        return -1;
    char *text = NULL;
    size_t len = 0;
    for (int copy = 0; copy < 2; copy++) {
        for (size_t i = 0; i < l->ntypos; i++)
            append(&text, &len, l->sentence, l->typos[i][1]);
        for (size_t i = 0; i < l->nright; i++)
            append(&text, &len, l->sentence, l->right[i][1]);
    }
    if (!text)
        return -1;
    snprintf(doc, sizeof doc, "%s/words.txt", docs);
    write_file(doc, text);
    free(text);
    run_result_t r = run(QUARRY_INDEXER_BIN, "-q", "--lang", l->lang, "-d",
                         l->index, docs, (char *)NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "indexer: %s", r.err);
    run_free(&r);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    if (cli_setup(state) != 0)
        return -1;
    tmp_path(empty_dicpath, sizeof empty_dicpath, "no-dictionaries");
    if (mkdir(empty_dicpath, 0700) != 0)
        return -1;
    for (size_t i = 0; i < COUNT(languages); i++)
        if (build(&languages[i]) != 0)
            return -1;
    return 0;
}

/* The suggestion for QUESTION on L's index (malloc'd), or NULL. */
static char *suggestion(const language_t *l, const char *question)
{
    const char *paths[] = {l->index};
    qy_db_t *db = NULL;
    qy_analyzer_t *a = NULL;
    char *error = NULL;
    assert_int_equal(qy_db_open_read(paths, 1, &db, &error), QY_OK);
    assert_int_equal(qy_analyzer_new(l->lang, &a), QY_OK);
    qy_search_opts_t opts;
    qy_search_opts_init(&opts);
    qy_results_t r;
    if (qy_search(db, a, question, &opts, &r, &error) != QY_OK)
        fail_msg("'%s': %s", question, error ? error : "?");
    char *s = r.suggestion ? strdup(r.suggestion) : NULL;
    qy_results_free(&r);
    qy_analyzer_free(a);
    qy_db_close(db);
    return s;
}

static void check_language(const language_t *l)
{
    int failures = 0;
    for (size_t i = 0; i < l->nright; i++) {
        char *s = suggestion(l, l->right[i][0]);
        if (s) {
            fprintf(stderr, "%s: the right word '%s' became '%s'\n", l->lang,
                    l->right[i][0], s);
            failures++;
        }
        free(s);
    }
    for (size_t i = 0; i < l->ntypos; i++) {
        char *s = suggestion(l, l->typos[i][0]);
        if (!s || strcmp(s, l->typos[i][1]) != 0) {
            fprintf(stderr, "%s: the typo '%s' became '%s', not '%s'\n",
                    l->lang, l->typos[i][0], s ? s : "(nothing)",
                    l->typos[i][1]);
            failures++;
        }
        free(s);
    }
    assert_int_equal(failures, 0);
}

static void test_english(void **state)
{
    (void)state;
    assert_true(languages[0].nright >= 30 && languages[0].ntypos >= 30);
    check_language(&languages[0]);
}

static void test_german(void **state)
{
    (void)state;
    assert_true(languages[1].nright >= 30 && languages[1].ntypos >= 30);
    check_language(&languages[1]);
}

/* The table above holds because of the dictionary: without one, the
 * index's spelling data still corrects typos, and also "corrects" right
 * words into their neighbours. */
static void test_without_a_dictionary(void **state)
{
    (void)state;
    const char *saved = getenv("DICPATH");
    char *keep = saved ? strdup(saved) : NULL;
    setenv("DICPATH", empty_dicpath, 1);
    char *typo = suggestion(&languages[0], "recieve");
    char *right = suggestion(&languages[0], "thieves");
    if (keep)
        setenv("DICPATH", keep, 1);
    else
        unsetenv("DICPATH");
    free(keep);
    assert_non_null(typo);
    assert_string_equal(typo, "receive");
    assert_non_null(right);
    assert_string_equal(right, "achieves");
    free(typo);
    free(right);
}

static int installed(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/hunspell/%s.dic", name);
    return access(path, R_OK) == 0;
}

int main(void)
{
    if (!installed("en_US") || !installed("de_DE")) {
        fprintf(stderr, "test_spelling: skipped: the hunspell dictionaries "
                        "en_US and de_DE are not installed\n");
        return 77;
    }
    unsetenv("DICPATH");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_german),
        cmocka_unit_test(test_without_a_dictionary),
    };
    return cmocka_run_group_tests(tests, setup, cli_teardown);
}
