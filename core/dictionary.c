/* The language dictionaries of hunspell: is a word a word, and what might a
 * misspelled one be. Debian's dictionaries are UTF-8; one in another
 * encoding is read through iconv. */
#define _GNU_SOURCE /* memfd_create */
#include "quarry/dictionary.h"

#include <dirent.h>
#include <errno.h>
#include <hunspell.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include <utf8proc.h>

/* Longer words are no words of a dictionary: they are not looked up. */
#define DICTIONARY_WORD_BYTES 200

struct qy_dictionary {
    Hunhandle *h;
    int recode;               /* the dictionary is not UTF-8: */
    iconv_t to_dic, from_dic; /* both open when RECODE */
};

/* The Snowball languages hunspell has dictionaries for, each with its ISO
 * 639-1 code and the country variant tried first. */
static const struct {
    const char *lang, *code, *usual;
} languages[] = {
    {"english", "en", "en_US"},    {"porter", "en", "en_US"},
    {"german", "de", "de_DE"},     {"french", "fr", "fr_FR"},
    {"spanish", "es", "es_ES"},    {"italian", "it", "it_IT"},
    {"portuguese", "pt", "pt_PT"}, {"dutch", "nl", "nl_NL"},
    {"swedish", "sv", "sv_SE"},    {"danish", "da", "da_DK"},
    {"norwegian", "nb", "nb_NO"},  {"finnish", "fi", "fi_FI"},
    {"hungarian", "hu", "hu_HU"},  {"romanian", "ro", "ro_RO"},
    {"russian", "ru", "ru_RU"},    {"turkish", "tr", "tr_TR"},
    {"catalan", "ca", "ca_ES"},    {"basque", "eu", "eu_ES"},
    {"greek", "el", "el_GR"},      {"lithuanian", "lt", "lt_LT"},
    {"irish", "ga", "ga_IE"},      {"serbian", "sr", "sr_RS"},
    {"armenian", "hy", "hy_AM"},   {"indonesian", "id", "id_ID"},
    {"arabic", "ar", "ar"},        {"nepali", "ne", "ne_NP"},
    {"hindi", "hi", "hi_IN"},      {"tamil", "ta", "ta_IN"},
    {"yiddish", "yi", "yi"},
};

/* Whether DIR holds NAME.aff and NAME.dic; if so, their paths. */
static int pair_in(const char *dir, const char *name, char *aff, char *dic,
                   size_t size)
{
    if (snprintf(aff, size, "%s/%s.aff", dir, name) >= (int)size ||
        snprintf(dic, size, "%s/%s.dic", dir, name) >= (int)size)
        return 0;
    return access(aff, R_OK) == 0 && access(dic, R_OK) == 0;
}

/* Any CODE_XX dictionary in DIR, the first by name (CODE itself first). */
static int variant_in(const char *dir, const char *code, char *aff, char *dic,
                      size_t size)
{
    if (pair_in(dir, code, aff, dic, size))
        return 1;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    int found = 0;
    size_t cl = strlen(code);
    for (int i = 0; i < n; i++) {
        const char *e = names[i]->d_name;
        size_t el = strlen(e);
        if (!found && el > cl + 4 && strncmp(e, code, cl) == 0 &&
            e[cl] == '_' && strcmp(e + el - 4, ".dic") == 0) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(el - 4), e);
            found = pair_in(dir, name, aff, dic, size);
        }
        free(names[i]);
    }
    free(names);
    return found;
}

/* Finds the dictionary for CODE (USUAL first) in the folders of PATH. */
static int find_pair(const char *path, const char *code, const char *usual,
                     char *aff, char *dic, size_t size)
{
    for (int pass = 0; pass < 2; pass++) {
        for (const char *p = path; *p;) {
            size_t n = strcspn(p, ":");
            char dir[4096];
            if (n > 0 && n < sizeof dir) {
                memcpy(dir, p, n);
                dir[n] = '\0';
                if (pass == 0 ? pair_in(dir, usual, aff, dic, size)
                              : variant_in(dir, code, aff, dic, size))
                    return 1;
            }
            p += n + (p[n] == ':');
        }
    }
    return 0;
}

/* Whether iconv_open failed: it returns (iconv_t)-1 then, a cast that is
 * its interface. */
static int iconv_failed(iconv_t cd)
{
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    return cd == (iconv_t)-1;
}

/* The affix file AFF as a file of this process without n-gram
 * suggestions ("MAXNGRAMSUGS 0"): hunspell's n-gram pass reads the whole
 * word list for each suggestion, 50 to 80 ms, and what it finds is mostly
 * words further than the edits a correction may make. Returns the
 * descriptor (its path in *PATH), or -1 when it cannot be made. */
static int affix_without_ngrams(const char *aff, char *path, size_t size)
{
    FILE *in = fopen(aff, "rb");
    if (!in)
        return -1;
    int fd = memfd_create("quarry-affixes", MFD_CLOEXEC);
    FILE *out = fd < 0 ? NULL : fdopen(dup(fd), "wb");
    char line[8192];
    int ok = out != NULL;
    while (ok && fgets(line, sizeof line, in))
        if (strncmp(line, "MAXNGRAMSUGS", 12) != 0) /* defined once */
            ok = fputs(line, out) >= 0;
    ok = ok && !ferror(in) && fputs("\nMAXNGRAMSUGS 0\n", out) >= 0;
    ok = (out ? fclose(out) == 0 : 0) && ok;
    fclose(in);
    if (ok && snprintf(path, size, "/proc/self/fd/%d", fd) < (int)size)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Hunspell over AFF and DIC, with the n-gram pass off where the affix file
 * can be copied, else as it is. */
static Hunhandle *create(const char *aff, const char *dic)
{
    char path[64];
    int fd = affix_without_ngrams(aff, path, sizeof path);
    Hunhandle *h = Hunspell_create(fd >= 0 ? path : aff, dic);
    if (fd >= 0)
        close(fd);
    return h;
}

qy_status_t qy_dictionary_open(const char *lang, qy_dictionary_t **out)
{
    *out = NULL;
    if (!lang)
        return QY_OK;
    const char *code = NULL, *usual = NULL;
    for (size_t i = 0; i < sizeof languages / sizeof *languages; i++)
        if (strcmp(languages[i].lang, lang) == 0) {
            code = languages[i].code;
            usual = languages[i].usual;
        }
    if (!code)
        return QY_OK;
    const char *path = getenv("DICPATH");
    if (!path)
        path = "/usr/share/hunspell:/usr/share/myspell:"
               "/usr/share/myspell/dicts";
    char aff[4400], dic[4400];
    if (!find_pair(path, code, usual, aff, dic, sizeof aff))
        return QY_OK;
    qy_dictionary_t *d = calloc(1, sizeof *d);
    if (!d)
        return QY_NOMEM;
    d->h = create(aff, dic);
    if (!d->h) {
        free(d);
        return QY_OK; /* unreadable: as if there were none */
    }
    const char *enc = Hunspell_get_dic_encoding(d->h);
    if (enc && strcasecmp(enc, "UTF-8") != 0 && strcasecmp(enc, "UTF8") != 0) {
        d->to_dic = iconv_open(enc, "UTF-8");
        if (iconv_failed(d->to_dic)) {
            qy_dictionary_close(d);
            return QY_OK; /* an encoding iconv lacks: no dictionary */
        }
        d->from_dic = iconv_open("UTF-8", enc);
        if (iconv_failed(d->from_dic)) {
            iconv_close(d->to_dic);
            qy_dictionary_close(d);
            return QY_OK;
        }
        d->recode = 1;
    }
    *out = d;
    return QY_OK;
}

void qy_dictionary_close(qy_dictionary_t *d)
{
    if (!d)
        return;
    if (d->recode) {
        iconv_close(d->to_dic);
        iconv_close(d->from_dic);
    }
    if (d->h)
        Hunspell_destroy(d->h);
    free(d);
}

/* S[0, N) converted by CD (RECODE 0: copied) into OUT, NUL-terminated; 0
 * when it does not fit or cannot be converted. */
static int convert(int recode, iconv_t cd, const char *s, size_t n, char *out,
                   size_t size)
{
    if (!recode) {
        if (n >= size)
            return 0;
        memcpy(out, s, n);
        out[n] = '\0';
        return 1;
    }
    char *in = (char *)s, *o = out;
    size_t left = n, room = size - 1;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &in, &left, &o, &room) == (size_t)-1)
        return 0;
    *o = '\0';
    return 1;
}

/* WORD with its first letter (CAPITAL) or every letter (not) changed in
 * case, into OUT. */
static int recased(const char *word, size_t len, int capital, char *out,
                   size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)word + i,
                             (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0)
            return 0;
        cp = capital ? (i == 0 ? utf8proc_toupper(cp) : cp)
                     : utf8proc_tolower(cp);
        if (o + 4 >= size)
            return 0;
        o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
        i += (size_t)k;
    }
    out[o] = '\0';
    return 1;
}

static int spelled(qy_dictionary_t *d, const char *utf8)
{
    char w[DICTIONARY_WORD_BYTES * 2];
    return convert(d->recode, d->to_dic, utf8, strlen(utf8), w, sizeof w) &&
           Hunspell_spell(d->h, w) != 0;
}

int qy_dictionary_knows(qy_dictionary_t *d, const char *word, size_t len)
{
    char w[DICTIONARY_WORD_BYTES + 1], v[DICTIONARY_WORD_BYTES + 8];
    if (!d || len == 0 || len > DICTIONARY_WORD_BYTES)
        return 0;
    memcpy(w, word, len);
    w[len] = '\0';
    return spelled(d, w) ||
           (recased(w, len, 0, v, sizeof v) && spelled(d, v)) ||
           (recased(v, strlen(v), 1, w, sizeof w) && spelled(d, w));
}

/* Passes hunspell's spellings of UTF8 to FN; non-zero when FN stopped. */
static int suggest_one(qy_dictionary_t *d, const char *utf8,
                       int (*fn)(void *ctx, const char *s, size_t n), void *ctx)
{
    char w[DICTIONARY_WORD_BYTES * 2], s[DICTIONARY_WORD_BYTES * 4];
    if (!convert(d->recode, d->to_dic, utf8, strlen(utf8), w, sizeof w))
        return 0;
    char **list = NULL;
    int n = Hunspell_suggest(d->h, &list, w);
    int stop = 0;
    for (int i = 0; i < n && !stop; i++) {
        if (strpbrk(list[i], " -") || !convert(d->recode, d->from_dic, list[i],
                                               strlen(list[i]), s, sizeof s))
            continue;
        stop = fn(ctx, s, strlen(s));
    }
    if (list)
        Hunspell_free_list(d->h, &list, n);
    return stop;
}

qy_status_t qy_dictionary_suggest(qy_dictionary_t *d, const char *word,
                                  size_t len,
                                  int (*fn)(void *ctx, const char *s, size_t n),
                                  void *ctx)
{
    char w[DICTIONARY_WORD_BYTES + 1], v[DICTIONARY_WORD_BYTES + 8];
    if (!d || len == 0 || len > DICTIONARY_WORD_BYTES)
        return QY_OK;
    memcpy(w, word, len);
    w[len] = '\0';
    /* Hunspell offers nouns for a word typed in small letters only when
     * asked with a capital (German "krankenhuas": "Krankenhaus"). */
    if (!suggest_one(d, w, fn, ctx) && recased(w, len, 1, v, sizeof v) &&
        strcmp(v, w) != 0)
        suggest_one(d, v, fn, ctx);
    return QY_OK;
}
