/* Words: tokenizing with utf8proc, stemming with Snowball's libstemmer, and
 * the stop word lists. The indexer, the query parser and the
 * highlighter all call these functions, so a word typed in a query becomes
 * exactly the term the indexer stored. */
#include "quarry/text.h"
#include "quarry/dictionary.h"
#include "quarry/schema.h"
#include "quarry/stopwords.h"
#include "quarry/grow.h"
#include "quarry/utf8.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* libstemmer.h has no include guard: this is the only file including it. */
#include <libstemmer.h>

/* A word whose raw bytes exceed this is skipped without normalising it.
 * Normalisation can shrink a word (decomposed accents recomposed, marks
 * stripped, ignorable characters dropped), but not by this factor in any
 * real text; the cap keeps a 50 MB run of letters from being copied into a
 * 200 MB code point buffer only to be thrown away. */
#define RAW_WORD_CAP (16 * QY_MAX_WORD_BYTES)

/* The languages an analyzer keeps loaded besides the one in use. */
#define HELD_LANGUAGES 16

/* A language's stemmer and its stem cache, while another is in use. */
struct held_language {
    const char *lang;
    struct sb_stemmer *stemmer;
    struct stem_cache *stems;
};

struct qy_analyzer {
    const char *lang;           /* canonical name; static storage */
    struct sb_stemmer *stemmer; /* NULL for "none" */
    int english;                /* diacritics removed */
    const qy_stoplist_t *stops; /* the stop words of lang, or NULL */
    const char *const *elided;  /* the elided words of lang, or NULL */
    int automatic;              /* made as "auto": several languages */
    /* The stop words of the question languages, each in any of them: a
     * passage's stop words have no positions (core/ingest.c), whichever
     * of the languages it is in. */
    const qy_stoplist_t *question_stops[HELD_LANGUAGES];
    size_t nquestion_stops;
    struct held_language held[HELD_LANGUAGES];
    size_t nheld;
    const char *question[HELD_LANGUAGES]; /* see qy_stem_each */
    size_t nquestion;
    utf8proc_option_t options; /* normalisation of non-ASCII words */
    utf8proc_int32_t *cps;     /* code point buffer, cps_cap + 1 entries */
    size_t cps_cap;
    char ascii[QY_MAX_WORD_BYTES]; /* lower-cased ASCII words */
    struct stem_cache *stems;      /* made on first use */
    int cjk_pairs;                 /* Han and kana as overlapping pairs */
    int korean_particles;          /* Korean words without their particle */
    qy_dictionary_t *dict;         /* lang's dictionary, opened on first use */
    int dict_tried;
};

/* Recent stems, direct-mapped by a hash of the word: text repeats its
 * common words so often that most words are stemmed once per analyzer
 * (indexing Wikipedia articles, four words in five hit). Longer
 * words are stemmed every time. The cache starts at STEM_CACHE_FIRST
 * entries and grows to STEM_CACHE once it has made twice as many stems:
 * a question and its snippets touch a few pages, not the 800 kB of the
 * whole. */
#define STEM_CACHE 16384
#define STEM_CACHE_FIRST 512
#define STEM_CACHE_BYTES 23

struct stem_entry {
    unsigned char word_len, stem_len; /* word_len 0: empty */
    /* Whether the word is a stop word, once asked: STOP_UNKNOWN, or the
     * lists it was looked up in (STOP_ENGLISH: the language's own;
     * STOP_QUESTION: the question languages' too) with
     * STOP_YES when it is in it. */
    unsigned char stop;
    char word[STEM_CACHE_BYTES];
    char stem[STEM_CACHE_BYTES + 1];
};

enum { STOP_UNKNOWN = 0, STOP_ENGLISH = 1, STOP_QUESTION = 2, STOP_YES = 4 };

struct stem_cache {
    size_t cap, made; /* entries; stems made into them */
    /* The cache it grew from, kept while the analyzer lives: the stem
     * qy_stem returned last may be in it. */
    struct stem_cache *smaller;
    struct stem_entry e[];
};

static void stem_cache_free(struct stem_cache *c)
{
    while (c) {
        struct stem_cache *smaller = c->smaller;
        free(c);
        c = smaller;
    }
}

/* A's cache, made or grown as it needs; NULL when out of memory. */
static struct stem_cache *stem_cache(qy_analyzer_t *a)
{
    struct stem_cache *c = a->stems;
    if (c && (c->cap == STEM_CACHE || c->made < 2 * c->cap))
        return c;
    size_t cap = c ? STEM_CACHE : STEM_CACHE_FIRST;
    struct stem_cache *grown =
        calloc(1, sizeof *grown + cap * sizeof grown->e[0]);
    if (!grown)
        return c;
    grown->cap = cap;
    grown->smaller = c;
    a->stems = grown;
    return grown;
}

/* The cache entry of WORD[0, LEN), made on first use; NULL when WORD is
 * too long to be cached or out of memory. */
static struct stem_entry *stem_slot(qy_analyzer_t *a, const char *word,
                                    size_t len)
{
    if (len == 0 || len > STEM_CACHE_BYTES)
        return NULL;
    struct stem_cache *c = stem_cache(a);
    if (!c)
        return NULL;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)word[i]) * 16777619u;
    return &c->e[(h ^ (h >> 16)) % c->cap];
}

static int stem_cached(const struct stem_entry *e, const char *word, size_t len)
{
    return e && e->word_len == len && memcmp(e->word, word, len) == 0;
}

/* Forgets the stop word answers of a cache (NULL: none made). */
static void forget_stop_answers(struct stem_cache *c)
{
    for (size_t i = 0; c && i < c->cap; i++)
        c->e[i].stop = STOP_UNKNOWN;
}

/* ---- Languages ---------------------------------------------------------- */

/* The ISO 639 codes libstemmer 2.2 accepts (its modules table), each with
 * the canonical name sb_stemmer_list() reports for the same algorithm.
 * libstemmer itself has no call mapping an alias to its name. Sorted. */
static const struct {
    const char *code;
    const char *name;
} language_aliases[] = {
    {"ar", "arabic"},     {"ara", "arabic"},     {"arm", "armenian"},
    {"baq", "basque"},    {"ca", "catalan"},     {"cat", "catalan"},
    {"da", "danish"},     {"dan", "danish"},     {"de", "german"},
    {"deu", "german"},    {"dut", "dutch"},      {"el", "greek"},
    {"ell", "greek"},     {"en", "english"},     {"eng", "english"},
    {"es", "spanish"},    {"esl", "spanish"},    {"eu", "basque"},
    {"eus", "basque"},    {"fi", "finnish"},     {"fin", "finnish"},
    {"fr", "french"},     {"fra", "french"},     {"fre", "french"},
    {"ga", "irish"},      {"ger", "german"},     {"gle", "irish"},
    {"gre", "greek"},     {"hi", "hindi"},       {"hin", "hindi"},
    {"hu", "hungarian"},  {"hun", "hungarian"},  {"hy", "armenian"},
    {"hye", "armenian"},  {"id", "indonesian"},  {"ind", "indonesian"},
    {"it", "italian"},    {"ita", "italian"},    {"lit", "lithuanian"},
    {"lt", "lithuanian"}, {"ne", "nepali"},      {"nep", "nepali"},
    {"nl", "dutch"},      {"nld", "dutch"},      {"no", "norwegian"},
    {"nor", "norwegian"}, {"por", "portuguese"}, {"pt", "portuguese"},
    {"ro", "romanian"},   {"ron", "romanian"},   {"ru", "russian"},
    {"rum", "romanian"},  {"rus", "russian"},    {"spa", "spanish"},
    {"sr", "serbian"},    {"srp", "serbian"},    {"sv", "swedish"},
    {"swe", "swedish"},   {"ta", "tamil"},       {"tam", "tamil"},
    {"tr", "turkish"},    {"tur", "turkish"},    {"yi", "yiddish"},
    {"yid", "yiddish"},
};

#define MAX_LANGUAGES 128
static const char *languages[MAX_LANGUAGES + 2];
static pthread_once_t languages_once = PTHREAD_ONCE_INIT;

static void languages_init(void)
{
    const char **list = sb_stemmer_list();
    size_t n = 0;
    for (; list && list[n] && n < MAX_LANGUAGES; n++)
        languages[n] = list[n];
    languages[n++] = "none";
    languages[n] = NULL;
}

const char *const *qy_languages(void)
{
    pthread_once(&languages_once, languages_init);
    return languages;
}

/* The canonical name for the lower-cased NAME, or NULL when unknown. */
static const char *canonical_language(const char *name)
{
    const char *const *list = qy_languages();
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return list[i];

    size_t lo = 0, hi = sizeof language_aliases / sizeof *language_aliases;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, language_aliases[mid].code);
        if (c == 0) {
            /* Return the list's own pointer, and only for algorithms this
             * libstemmer build really has. */
            for (size_t i = 0; list[i]; i++)
                if (strcmp(list[i], language_aliases[mid].name) == 0)
                    return list[i];
            return NULL;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *qy_language_name(const char *lang)
{
    char name[32];
    size_t len = lang ? strlen(lang) : 0;
    if (len == 0 || len >= sizeof name)
        return NULL;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)lang[i];
        name[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return canonical_language(name);
}

static int is_english(const char *canonical)
{
    return strcmp(canonical, "english") == 0 ||
           strcmp(canonical, "porter") == 0;
}

/* Elision: the words that French, Italian and Catalan write as their first
 * letters and an apostrophe joined to the next word (l'avenir, dell'anno,
 * d'aigua), as Lucene's elision filters list them. The tokenizer drops
 * them, so that l'avenir is the word avenir. NULL-terminated. */
static const char *const elided_french[] = {"c",      "d", "j", "jusqu",  "l",
                                            "lorsqu", "m", "n", "puisqu", "qu",
                                            "quoiqu", "s", "t", NULL};
static const char *const elided_italian[] = {
    "agl",   "all", "c",    "coll", "d",    "dagl", "dall", "degl",
    "dell",  "gl",  "l",    "m",    "negl", "nell", "pell", "quell",
    "quest", "s",   "sugl", "sull", "t",    "un",   "v",    NULL};
static const char *const elided_catalan[] = {"d", "l", "m", "n",
                                             "s", "t", NULL};

static const char *const *elided_words(const char *canonical)
{
    if (strcmp(canonical, "french") == 0)
        return elided_french;
    if (strcmp(canonical, "italian") == 0)
        return elided_italian;
    if (strcmp(canonical, "catalan") == 0)
        return elided_catalan;
    return NULL;
}

/* The length of the elided word and apostrophe that WORD[0, LEN) starts
 * with in A's language, 0 when none. */
static size_t elision(const qy_analyzer_t *a, const char *word, size_t len)
{
    const char *apos = a->elided ? memchr(word, '\'', len) : NULL;
    if (!apos || apos + 1 == word + len)
        return 0;
    size_t n = (size_t)(apos - word);
    for (const char *const *e = a->elided; *e; e++)
        if (strlen(*e) == n && memcmp(*e, word, n) == 0)
            return n + 1;
    return 0;
}

/* Korean particles (josa), which follow a noun within its word:
 * 학교에서 is 학교 "school" and 에서 "at". Those of two syllables or more
 * are cut from a word of one syllable more; those of one, which also end
 * many nouns (아이, 하나), only from a word of three syllables or more.
 * Longest first. */
static const char *const korean_particles[] = {
    "에서는", "에서도", "에게는", "에게서", "으로는", "으로서", "으로써",
    "에서",   "에게",   "께서",   "한테",   "으로",   "까지",   "부터",
    "처럼",   "보다",   "마다",   "조차",   "에는",   "에도",   "이나",
    "은",     "는",     "이",     "가",     "을",     "를",     "의",
    "에",     "로",     "와",     "과",     "도",     "만",     NULL};

/* Whether WORD[0, LEN) is Hangul syllables only (U+AC00..U+D7A3, three
 * bytes each in UTF-8). */
static int all_hangul(const char *word, size_t len)
{
    if (len == 0 || len % 3 != 0)
        return 0;
    for (size_t i = 0; i < len; i += 3) {
        utf8proc_int32_t cp;
        if (qy_utf8_decode(word + i, len - i, &cp) != 3 || cp < 0xAC00 ||
            cp > 0xD7A3)
            return 0;
    }
    return 1;
}

/* The length of WORD[0, LEN) without its Korean particles: LEN when it is
 * not a Hangul word or ends in none. Particles are cut until none is left
 * (사과와는: 사과와, then 사과), so that the word cut is cut no further when
 * a question's words are tokenized again. */
static size_t korean_stem(const qy_analyzer_t *a, const char *word, size_t len)
{
    if (!a->korean_particles || !all_hangul(word, len))
        return len;
    const char *const *p = korean_particles;
    while (*p) {
        size_t n = strlen(*p);
        size_t keep = n == 3 ? 6 : 3; /* bytes of the stem, at least */
        if (len >= n + keep && memcmp(word + len - n, *p, n) == 0) {
            len -= n;
            p = korean_particles;
        } else {
            p++;
        }
    }
    return len;
}

/* The stemmer of the canonical LANG in *OUT (NULL for "none"). */
static qy_status_t new_stemmer(const char *lang, struct sb_stemmer **out)
{
    *out = NULL;
    if (strcmp(lang, "none") == 0)
        return QY_OK;
    *out = sb_stemmer_new(lang, "UTF_8");
    /* The name came from sb_stemmer_list(): only memory fails. */
    return *out ? QY_OK : QY_NOMEM;
}

qy_status_t qy_analyzer_new(const char *lang, qy_analyzer_t **out)
{
    *out = NULL;
    int automatic = lang && strcmp(lang, "auto") == 0;
    const char *canonical = qy_language_name(automatic ? "english" : lang);
    if (!canonical)
        return QY_INVALID;

    qy_analyzer_t *a = calloc(1, sizeof *a);
    if (!a)
        return QY_NOMEM;
    a->lang = canonical;
    a->automatic = automatic;
    if (new_stemmer(canonical, &a->stemmer) != QY_OK) {
        free(a);
        return QY_NOMEM;
    }
    a->english = is_english(canonical);
    a->elided = elided_words(canonical);
    a->stops = qy_stoplist(a->english ? "english" : canonical);
    a->options = UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                 UTF8PROC_IGNORE;
    a->cjk_pairs = 1;
    a->korean_particles = 1;
    *out = a;
    return QY_OK;
}

void qy_analyzer_free(qy_analyzer_t *a)
{
    if (!a)
        return;
    sb_stemmer_delete(a->stemmer);
    qy_dictionary_close(a->dict);
    free(a->cps);
    stem_cache_free(a->stems);
    for (size_t i = 0; i < a->nheld; i++) {
        sb_stemmer_delete(a->held[i].stemmer);
        stem_cache_free(a->held[i].stems);
    }
    free(a);
}

qy_status_t qy_analyzer_dictionary(qy_analyzer_t *a, qy_dictionary_t **out)
{
    if (!a->dict_tried) {
        qy_status_t st = qy_dictionary_open(qy_analyzer_language(a), &a->dict);
        if (st != QY_OK)
            return st; /* tried again next time */
        a->dict_tried = 1;
    }
    *out = a->dict;
    return QY_OK;
}

void qy_analyzer_set_format(qy_analyzer_t *a, int format)
{
    a->cjk_pairs = format >= QY_FORMAT_CJK_PAIRS;
    a->korean_particles = format >= QY_FORMAT_KOREAN_PARTICLES;
}

const char *qy_analyzer_language(const qy_analyzer_t *a)
{
    return a->automatic ? "auto" : a->lang;
}

const char *qy_analyzer_current(const qy_analyzer_t *a)
{
    return a->lang;
}

qy_status_t qy_analyzer_use(qy_analyzer_t *a, const char *lang)
{
    const char *canonical = qy_language_name(lang);
    if (!canonical)
        return QY_INVALID;
    if (canonical == a->lang)
        return QY_OK;
    size_t i = 0;
    while (i < a->nheld && a->held[i].lang != canonical)
        i++;
    if (i == a->nheld) {
        /* Not loaded: in a free place, or in place of the last one. */
        if (i == HELD_LANGUAGES) {
            i--;
            sb_stemmer_delete(a->held[i].stemmer);
            stem_cache_free(a->held[i].stems);
            a->nheld--;
        }
        struct sb_stemmer *stemmer;
        if (new_stemmer(canonical, &stemmer) != QY_OK)
            return QY_NOMEM;
        a->held[i] = (struct held_language){canonical, stemmer, NULL};
        a->nheld++;
    }
    struct held_language now = {a->lang, a->stemmer, a->stems};
    a->lang = a->held[i].lang;
    a->stemmer = a->held[i].stemmer;
    a->stems = a->held[i].stems;
    a->held[i] = now;
    a->english = is_english(a->lang);
    a->elided = elided_words(a->lang);
    a->stops = qy_stoplist(a->english ? "english" : a->lang);
    return QY_OK;
}

qy_status_t qy_analyzer_set_question_languages(qy_analyzer_t *a,
                                               const char *const *langs,
                                               size_t n)
{
    a->nquestion = 0;
    a->nquestion_stops = 0;
    forget_stop_answers(a->stems);
    for (size_t i = 0; i < a->nheld; i++)
        forget_stop_answers(a->held[i].stems);
    if (n == 1)
        return qy_analyzer_use(a, langs[0]);
    /* Words are read keeping their marks, as every language but English
     * does, so that each language's normalisation can follow. */
    const char *home = NULL;
    for (size_t i = 0; i < n && a->nquestion < HELD_LANGUAGES; i++) {
        const char *c = qy_language_name(langs[i]);
        if (!c)
            return QY_INVALID;
        a->question[a->nquestion++] = c;
        const qy_stoplist_t *stops = qy_stoplist(is_english(c) ? "english" : c);
        if (stops)
            a->question_stops[a->nquestion_stops++] = stops;
        if (!is_english(c) && !home)
            home = c;
    }
    return home ? qy_analyzer_use(a, home) : QY_OK;
}

size_t qy_analyzer_question_languages(const qy_analyzer_t *a)
{
    return a->nquestion;
}

/* ---- Tokenizing ---------------------------------------------------------- */

enum cp_class {
    CP_OTHER,     /* separates words */
    CP_WORD,      /* letter, mark or number */
    CP_CJK,       /* Han, Hiragana or Katakana letter: a word of its own */
    CP_APOS,      /* ' or U+2019: joins two letters */
    CP_IGNORABLE, /* default-ignorable format character (soft hyphen, ZWJ) */
};

int qy_in_capitals(const char *s, size_t len)
{
    int upper = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = qy_utf8_decode(s + i, len - i, &cp);
        if (cp < 0)
            return 0;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT)
            return 0;
        upper |= cat == UTF8PROC_CATEGORY_LU;
        i += n;
    }
    return upper;
}

int qy_is_cjk(int32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) ||   /* Hiragana, Katakana */
           (cp >= 0x31F0 && cp <= 0x31FF) ||   /* Katakana extensions */
           (cp >= 0x3400 && cp <= 0x4DBF) ||   /* Han extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* Han */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* Han compatibility */
           (cp >= 0xFF66 && cp <= 0xFF9D) ||   /* halfwidth Katakana */
           (cp >= 0x1AFF0 && cp <= 0x1B16F) || /* Kana supplements */
           (cp >= 0x20000 && cp <= 0x323AF);   /* Han extensions B to H */
}

static int category_is_letter(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static int category_is_word(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static enum cp_class classify(utf8proc_int32_t cp, utf8proc_category_t *cat)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
            *cat = UTF8PROC_CATEGORY_LL;
            return CP_WORD;
        }
        if (cp >= '0' && cp <= '9') {
            *cat = UTF8PROC_CATEGORY_ND;
            return CP_WORD;
        }
        *cat = UTF8PROC_CATEGORY_PO;
        return cp == '\'' ? CP_APOS : CP_OTHER;
    }
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    *cat = (utf8proc_category_t)p->category;
    if (cp == 0x2019)
        return CP_APOS;
    if (category_is_word(*cat)) {
        if (category_is_letter(*cat) ||
            (*cat >= UTF8PROC_CATEGORY_ND && *cat <= UTF8PROC_CATEGORY_NO))
            if (qy_is_cjk(cp))
                return CP_CJK;
        return CP_WORD;
    }
    if (*cat == UTF8PROC_CATEGORY_CF && p->ignorable)
        return CP_IGNORABLE;
    return CP_OTHER;
}

/* The combining diacritics of Latin, Greek and Cyrillic letters. Not
 * UTF8PROC_STRIPMARK: that strips every mark, including the vowel signs of
 * Indic scripts and the voicing marks of kana ("で" would become "て"). */
static int is_diacritic(utf8proc_int32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE20 && cp <= 0xFE2F);
}

static int grow_cps(qy_analyzer_t *a, size_t need)
{
    /* One entry more than CPS_CAP, for the terminator utf8proc may write. */
    size_t room = a->cps ? a->cps_cap + 1 : 0;
    utf8proc_int32_t *p = qy_reserve(a->cps, need + 1, &room, sizeof *p, 65);
    if (!p)
        return -1;
    a->cps = p;
    a->cps_cap = room - 1;
    return 0;
}

/* Normalises TEXT[start, end) into A's buffers. Returns the length (0 when
 * the word is to be skipped), or -1 when out of memory. */
static ptrdiff_t normalise(qy_analyzer_t *a, const char *text, size_t start,
                           size_t end, int ascii, const char **out)
{
    size_t n = end - start;

    if (ascii) {
        /* NFKC and case folding of ASCII is lower-casing. */
        if (n > QY_MAX_WORD_BYTES)
            return 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)text[start + i];
            a->ascii[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        *out = a->ascii;
        return (ptrdiff_t)n;
    }
    if (n > RAW_WORD_CAP)
        return 0;

    utf8proc_ssize_t count;
    for (;;) {
        count = utf8proc_decompose_custom(
            (const utf8proc_uint8_t *)text + start, (utf8proc_ssize_t)n, a->cps,
            (utf8proc_ssize_t)a->cps_cap, a->options, NULL, NULL);
        if (count < 0)
            return 0; /* cannot happen: the word is valid UTF-8 */
        if ((size_t)count <= a->cps_cap && a->cps)
            break;
        if (grow_cps(a, (size_t)count) != 0)
            return -1;
    }
    utf8proc_ssize_t kept = 0;
    for (utf8proc_ssize_t i = 0; i < count; i++) {
        utf8proc_int32_t cp = a->cps[i];
        if (cp == 0x2019)
            cp = '\'';
        else if (a->english && is_diacritic(cp))
            continue;
        a->cps[kept++] = cp;
    }
    count = kept;
    utf8proc_ssize_t bytes = utf8proc_reencode(a->cps, count, a->options);
    if (bytes <= 0 || bytes > QY_MAX_WORD_BYTES)
        return 0;
    *out = (const char *)a->cps;
    return (ptrdiff_t)bytes;
}

static int category_is_mark(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME;
}

/* A joiner of class NCLS (an apostrophe, or an ignorable character) ends
 * just before TEXT[J]: where the word character it joins to ends, that
 * character in *AFTER and its category in *ACAT; 0 when it joins nothing
 * (an apostrophe joins letters only; ignorable characters in a row join
 * as one). */
static size_t join_across(const char *text, size_t len, size_t j,
                          enum cp_class ncls, utf8proc_int32_t *after,
                          utf8proc_category_t *acat)
{
    size_t k = 0;
    enum cp_class acls = CP_OTHER;
    *after = QY_UTF8_INVALID;
    while (j < len) {
        k = qy_utf8_decode(text + j, len - j, after);
        if (*after < 0)
            break;
        acls = classify(*after, acat);
        if (ncls != CP_IGNORABLE || acls != CP_IGNORABLE)
            break;
        j += k;
    }
    if (j >= len || *after < 0 || acls != CP_WORD)
        return 0;
    if (ncls == CP_APOS && !category_is_letter(*acat))
        return 0;
    return j + k;
}

/* The end of the word whose first character, of class CLS and category
 * CAT, ends just before TEXT[I]. Clears *ASCII when the word holds a
 * character beyond ASCII. */
static size_t word_end(const char *text, size_t len, size_t i,
                       enum cp_class cls, utf8proc_category_t cat, int *ascii)
{
    size_t end = i;
    utf8proc_category_t last = cat;
    while (i < len) {
        utf8proc_int32_t next;
        utf8proc_category_t ncat;
        size_t m = qy_utf8_decode(text + i, len - i, &next);
        if (next < 0)
            break;
        enum cp_class ncls = classify(next, &ncat);

        if (cls == CP_CJK) {
            /* Only combining marks (a decomposed voicing mark) attach to a
             * Han or kana character. */
            if (ncls != CP_WORD || !category_is_mark(ncat))
                break;
        } else if (ncls == CP_APOS || ncls == CP_IGNORABLE) {
            /* An apostrophe joins two letters; ignorable characters (soft
             * hyphens, joiners) join any two word characters. */
            if (ncls == CP_APOS && !category_is_letter(last) &&
                !category_is_mark(last))
                break;
            utf8proc_int32_t after;
            utf8proc_category_t acat = UTF8PROC_CATEGORY_CN;
            size_t past = join_across(text, len, i + m, ncls, &after, &acat);
            if (!past)
                break;
            if (next >= 0x80 || after >= 0x80)
                *ascii = 0;
            last = acat;
            i = end = past;
            continue;
        } else if (ncls != CP_WORD) {
            break;
        }
        if (next >= 0x80)
            *ascii = 0;
        last = ncat;
        i += m;
        end = i;
    }
    return end;
}

/* The end of the Han or kana character (with its marks) starting at
 * TEXT[AT], or 0 when none starts there. */
static size_t cjk_end(const char *text, size_t len, size_t at)
{
    if (at >= len)
        return 0;
    utf8proc_int32_t cp;
    utf8proc_category_t cat;
    size_t n = qy_utf8_decode(text + at, len - at, &cp);
    if (cp < 0 || classify(cp, &cat) != CP_CJK)
        return 0;
    int ascii = 0;
    return word_end(text, len, at + n, CP_CJK, cat, &ascii);
}

/* Where the word of class CLS running to END (its first character and
 * what joins it) ends for A: a Han or kana character followed by another
 * is the pair of them, its successor starting the next pair. *NEXT gets
 * where tokenizing goes on. Returns the word's end, or 0 to skip the word:
 * the last character of a run, already in the pair before (*PAIRED says
 * whether the character starting the word ends a pair). */
static size_t cut_word(const qy_analyzer_t *a, const char *text, size_t len,
                       enum cp_class cls, size_t end, size_t *next, int *paired)
{
    *next = end;
    if (cls != CP_CJK || !a->cjk_pairs) {
        *paired = 0;
        return end;
    }
    size_t pair = cjk_end(text, len, end);
    if (pair) {
        *paired = 1;
        return pair;
    }
    int skip = *paired;
    *paired = 0;
    return skip ? 0 : end;
}

/* Emits the word TEXT[START, END) at position POS: normalised, its elided
 * article or its Korean particle dropped. Returns -1 when out of memory, 0 for
 * a word that normalises to nothing (nothing emitted), 1 when emitted, 2 when
 * FN stopped. */
static int emit_word(qy_analyzer_t *a, const char *text, size_t start,
                     size_t end, int ascii, unsigned pos, qy_token_fn fn,
                     void *ctx)
{
    const char *word = NULL;
    ptrdiff_t wlen = normalise(a, text, start, end, ascii, &word);
    if (wlen <= 0)
        return wlen < 0 ? -1 : 0;
    size_t cut = elision(a, word, (size_t)wlen);
    if (cut) {
        /* The text resumes after its apostrophe (' or U+2019). */
        word += cut;
        wlen -= (ptrdiff_t)cut;
        while (start < end) {
            utf8proc_int32_t c;
            start += qy_utf8_decode(text + start, end - start, &c);
            if (c == '\'' || c == 0x2019)
                break;
        }
    }
    qy_token_t tok = {word, korean_stem(a, word, (size_t)wlen), start, end,
                      pos};
    return fn(ctx, &tok) != 0 ? 2 : 1;
}

/* qy_tokenize; with SINGLES, each Han or kana character of a pair is also
 * a word, at the position of the pair it starts (the last of a run, at
 * the last pair's). */
static qy_status_t tokenize(qy_analyzer_t *a, const char *text, size_t len,
                            int singles, qy_token_fn fn, void *ctx)
{
    unsigned pos = 0;
    size_t i = 0;
    int paired = 0; /* the character at I ends the pair before */
    int r = 1;

    while (i < len && r >= 0 && r != 2) {
        utf8proc_int32_t cp;
        utf8proc_category_t cat;
        size_t n = qy_utf8_decode(text + i, len - i, &cp);
        enum cp_class cls = cp < 0 ? CP_OTHER : classify(cp, &cat);
        if (cls != CP_WORD && cls != CP_CJK) {
            i += n;
            continue;
        }
        size_t start = i;
        int ascii = cp < 0x80;
        size_t first = word_end(text, len, i + n, cls, cat, &ascii);
        size_t end = cut_word(a, text, len, cls, first, &i, &paired);
        if (!end) {
            if (singles && pos > 0)
                r = emit_word(a, text, start, first, 0, pos, fn, ctx);
            continue;
        }
        r = emit_word(a, text, start, end, ascii, pos + 1, fn, ctx);
        pos += r > 0;
        if (r == 1 && singles && end != first)
            r = emit_word(a, text, start, first, 0, pos, fn, ctx);
    }
    return r < 0 ? QY_NOMEM : QY_OK;
}

qy_status_t qy_tokenize(qy_analyzer_t *a, const char *text, size_t len,
                        qy_token_fn fn, void *ctx)
{
    return tokenize(a, text, len, 0, fn, ctx);
}

qy_status_t qy_tokenize_indexed(qy_analyzer_t *a, const char *text, size_t len,
                                qy_token_fn fn, void *ctx)
{
    return tokenize(a, text, len, 1, fn, ctx);
}

/* ---- Stemming ------------------------------------------------------------ */

/* Numbers and codes ("2021", "mp3", "g7") are kept whole: stemmers treat
 * their letters as suffixes. */
static int has_digit(const char *word, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)word[i];
        if (c < 0x80) {
            if (c >= '0' && c <= '9')
                return 1;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        size_t n = qy_utf8_decode(word + i, len - i, &cp);
        if (cp < 0) {
            i += n;
            continue;
        }
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)
            return 1;
        i += n;
    }
    return 0;
}

const char *qy_stem(qy_analyzer_t *a, const char *word, size_t len,
                    size_t *out_len)
{
    if (!a->stemmer || len > INT_MAX || has_digit(word, len)) {
        *out_len = len;
        return word;
    }
    struct stem_entry *e = stem_slot(a, word, len); /* NULL: uncached */
    if (stem_cached(e, word, len)) {
        *out_len = e->stem_len;
        return e->stem;
    }
    const sb_symbol *s =
        sb_stemmer_stem(a->stemmer, (const sb_symbol *)word, (int)len);
    if (!s)
        return NULL;
    *out_len = (size_t)sb_stemmer_length(a->stemmer);
    if (e && *out_len <= STEM_CACHE_BYTES) {
        memcpy(e->word, word, len);
        e->word_len = (unsigned char)len;
        memcpy(e->stem, s, *out_len);
        e->stem[*out_len] = '\0';
        e->stem_len = (unsigned char)*out_len;
        e->stop = STOP_UNKNOWN;
        a->stems->made++;
    } else if (e) {
        e->word_len = 0;
    }
    return (const char *)s;
}

typedef struct word_copy {
    char s[QY_MAX_WORD_BYTES + 1];
    size_t len;
} word_copy_t;

static int copy_first_word(void *ctx, const qy_token_t *tok)
{
    word_copy_t *w = ctx;
    memcpy(w->s, tok->word, tok->word_len);
    w->len = tok->word_len;
    return 1;
}

qy_status_t qy_stem_each(qy_analyzer_t *a, const char *word, size_t len,
                         int (*fn)(void *ctx, const char *stem, size_t len),
                         void *ctx)
{
    size_t n;
    const char *stem;
    if (a->nquestion < 2) {
        stem = qy_stem(a, word, len, &n);
        if (!stem)
            return QY_NOMEM;
        fn(ctx, stem, n);
        return QY_OK;
    }
    const char *home = a->lang;
    char seen[HELD_LANGUAGES][2 * QY_MAX_WORD_BYTES];
    size_t seen_len[HELD_LANGUAGES], nseen = 0;
    qy_status_t st = QY_OK;
    for (size_t i = 0; st == QY_OK && i < a->nquestion; i++) {
        if ((st = qy_analyzer_use(a, a->question[i])) != QY_OK)
            break;
        /* The word as this language normalises it (English drops the
         * marks the question was read with). */
        word_copy_t w = {.len = 0};
        if ((st = qy_tokenize(a, word, len, copy_first_word, &w)) != QY_OK)
            break;
        if (w.len == 0)
            continue;
        if (!(stem = qy_stem(a, w.s, w.len, &n))) {
            st = QY_NOMEM;
            break;
        }
        size_t k = 0;
        while (k < nseen &&
               !(seen_len[k] == n && memcmp(seen[k], stem, n) == 0))
            k++;
        if (k < nseen || n > sizeof seen[0])
            continue;
        memcpy(seen[nseen], stem, n);
        seen_len[nseen++] = n;
        if (fn(ctx, seen[nseen - 1], n))
            break;
    }
    qy_status_t back = qy_analyzer_use(a, home);
    return st == QY_OK ? back : st;
}

/* ---- Stop words ---------------------------------------------------------- */

/* Question words carry no meaning to match in any language's index: a
 * question typed in English is common whatever the articles' language. */
static const char *const question_words[] = {
    "how", "what", "when", "where", "which", "who", "why",
};

/* The stop words of the language in use (core/data/stopwords.txt), and
 * those of every question language when several are set; question words
 * are ignored in every language. */
static int in_stop_lists(const qy_analyzer_t *a, const char *word, size_t len)
{
    if (a->stops && qy_stoplist_has(a->stops, word, len))
        return 1;
    for (size_t i = 0; i < a->nquestion_stops; i++)
        if (qy_stoplist_has(a->question_stops[i], word, len))
            return 1;
    return qy_sorted_has(question_words,
                         sizeof question_words / sizeof *question_words, word,
                         len);
}

/* The answer is kept with the word's stem, when cached (a word is asked
 * about right after it is stemmed): most words of a text are common ones,
 * and a lookup in the list costs more than the cache. The cache is the
 * language's own; the answer is tagged with whether question languages
 * were set, and qy_analyzer_set_question_languages forgets the answers. */
int qy_is_stopword(const qy_analyzer_t *a, const char *word, size_t len)
{
    int list = a->nquestion_stops ? STOP_QUESTION : STOP_ENGLISH;
    struct stem_entry *e = NULL;
    if (a->stems && len > 0 && len <= STEM_CACHE_BYTES) {
        e = stem_slot((qy_analyzer_t *)a, word, len);
        if (!stem_cached(e, word, len))
            e = NULL;
        else if ((e->stop & ~STOP_YES) == list)
            return (e->stop & STOP_YES) != 0;
    }
    int stop = in_stop_lists(a, word, len);
    if (e)
        e->stop = (unsigned char)(list | (stop ? STOP_YES : 0));
    return stop;
}
