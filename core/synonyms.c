/* User synonyms: read a file of groups, store them in the index's synonym
 * table the way acronyms learned from the text are stored (the key a
 * question's stems are matched against, the stems it also finds), and
 * remember them so that the next file replaces them. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry/grow.h"
#include "quarry/synonyms.h"
#include "quarry/utf8.h"
#include "quarry/wordcount.h"

/* The user metadata key that lists the pairs stored, "KEY\tSYNONYM\n"
 * each. */
#define SYNONYMS_KEY "quarry.synonyms"
/* The prefixes of user metadata keys "PREFIX KEY\tSYNONYM" that mark a
 * pair as learned from the text, or as the user's. */
#define LEARNED_PREFIX "quarry.learned "
#define USER_PREFIX "quarry.user "
/* Set when every user pair whose key fits is marked under USER_PREFIX
 * (indexes whose synonyms were stored earlier have only the list). */
#define USER_MARKS_KEY "quarry.user-marks"
#define PAIR_KEY_BYTES (QY_MAX_METADATA_KEY_BYTES + 1)

typedef struct pairs {
    char *buf; /* "KEY\tSYNONYM\n"... */
    size_t len, cap;
} pairs_t;

static int pairs_has(const pairs_t *p, const char *line, size_t n)
{
    for (size_t i = 0; i < p->len;) {
        const char *end = memchr(p->buf + i, '\n', p->len - i);
        size_t k = end ? (size_t)(end - (p->buf + i)) + 1 : p->len - i;
        if (k == n && memcmp(p->buf + i, line, n) == 0)
            return 1;
        i += k;
    }
    return 0;
}

static qy_status_t pairs_add(pairs_t *p, const char *key, const char *syn)
{
    size_t kn = strlen(key), sn = strlen(syn), n = kn + sn + 2;
    char line[2 * QY_MAX_TERM_BYTES + 2];
    if (kn > QY_MAX_TERM_BYTES || sn > QY_MAX_TERM_BYTES)
        return QY_INVALID; /* keys are cut to that length: cannot happen */
    if (kn == sn && memcmp(key, syn, kn) == 0)
        return QY_OK;
    memcpy(line, key, kn);
    line[kn] = '\t';
    memcpy(line + kn + 1, syn, sn);
    line[n - 1] = '\n';
    if (pairs_has(p, line, n))
        return QY_OK;
    if (n + 1 > SIZE_MAX - p->len)
        return QY_NOMEM;
    /* Room for the line and its '\0'. */
    char *more = qy_reserve(p->buf, p->len + n + 1, &p->cap, 1, 256);
    if (!more)
        return QY_NOMEM;
    p->buf = more;
    memcpy(p->buf + p->len, line, n);
    p->len += n;
    p->buf[p->len] = '\0';
    return QY_OK;
}

/* ---- Reading the file ------------------------------------------------ */

typedef struct phrase_key {
    qy_analyzer_t *a;
    char *key; /* QY_MAX_TERM_BYTES + 1 bytes */
    size_t len;
    unsigned words, kept;
    char first[QY_MAX_TERM_BYTES + 1]; /* stem of the first word */
    qy_status_t st;
} phrase_key_t;

static int add_key_word(void *ctx, const qy_token_t *tok)
{
    phrase_key_t *k = ctx;
    size_t n;
    const char *stem = qy_stem(k->a, tok->word, tok->word_len, &n);
    if (!stem) {
        k->st = QY_NOMEM;
        return 1;
    }
    if (k->words++ == 0 && n <= QY_MAX_TERM_BYTES) {
        memcpy(k->first, stem, n);
        k->first[n] = '\0';
    }
    if (qy_is_stopword(k->a, tok->word, tok->word_len))
        return 0;
    if (k->len + n + 1 > QY_MAX_TERM_BYTES) {
        k->st = QY_INVALID;
        return 1;
    }
    if (k->len)
        k->key[k->len++] = ' ';
    memcpy(k->key + k->len, stem, n);
    k->len += n;
    k->key[k->len] = '\0';
    k->kept++;
    return 0;
}

qy_status_t qy_synonym_key(qy_analyzer_t *a, const char *text, size_t len,
                           char *key, unsigned *words)
{
    phrase_key_t k = {.a = a, .key = key, .st = QY_OK};
    key[0] = '\0';
    qy_status_t st = qy_tokenize(a, text, len, add_key_word, &k);
    if (st == QY_OK)
        st = k.st;
    if (st == QY_OK && k.kept == 0 && k.words == 1)
        strcpy(key, k.first); /* a lone stop word: all there is */
    if (words)
        *words = k.words;
    return st;
}

#define MAX_ENTRIES 64

typedef char entry_t[QY_MAX_TERM_BYTES + 1];

typedef struct reader {
    qy_analyzer_t *a;
    entry_t *left, *right; /* MAX_ENTRIES each */
    const char *name;
    unsigned line;
    char **error;
} reader_t;

static qy_status_t bad(reader_t *r, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    size_t need = strlen(r->name) + strlen(why) + 32;
    *r->error = malloc(need);
    if (!*r->error)
        return QY_NOMEM;
    snprintf(*r->error, need, "%s:%u: %s", r->name, r->line, why);
    return QY_INVALID;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits S[0..LEN) at commas into keys, written one after the other into
 * KEYS (each NUL-terminated); *N receives how many. */
static qy_status_t side_keys(reader_t *r, const char *s, size_t len,
                             entry_t *keys, size_t max, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i <= len;) {
        const char *comma = memchr(s + i, ',', len - i);
        size_t end = comma ? (size_t)(comma - s) : len;
        size_t b = i, e = end;
        while (b < e && is_space(s[b]))
            b++;
        while (e > b && is_space(s[e - 1]))
            e--;
        if (b == e)
            return bad(r, "empty entry (two commas, or a comma at an end)");
        if (*n == max)
            return bad(r, "more than %zu entries in one group", max);
        unsigned words = 0;
        qy_status_t st = qy_synonym_key(r->a, s + b, e - b, keys[*n], &words);
        if (st == QY_INVALID) {
            size_t show = e - b > 40 ? qy_utf8_cut(s + b, 40) : e - b;
            return bad(r, "entry '%.*s%s' is too long", (int)show, s + b,
                       show < e - b ? "..." : "");
        }
        if (st != QY_OK)
            return st;
        if (words == 0)
            return bad(r, "entry '%.*s' has no word", (int)(e - b), s + b);
        if (!keys[*n][0])
            return bad(r, "entry '%.*s' has only stop words", (int)(e - b),
                       s + b);
        (*n)++;
        if (!comma)
            break;
        i = end + 1;
    }
    return QY_OK;
}

/* Reads one line into pairs: "a, b, c" (each finds the others) or
 * "a, b => c, d" (a and b find c and d). */
static qy_status_t read_line(reader_t *r, const char *s, size_t len,
                             pairs_t *out, unsigned *groups)
{
    size_t b = 0;
    while (b < len && is_space(s[b]))
        b++;
    if (b == len || s[b] == '#')
        return QY_OK;
    entry_t *left = r->left, *right = r->right;
    size_t nl = 0, nr = 0;
    const char *arrow = NULL;
    for (size_t i = b; i + 1 < len; i++)
        if (s[i] == '=' && s[i + 1] == '>') {
            if (arrow)
                return bad(r, "more than one '=>'");
            arrow = s + i;
        }
    qy_status_t st;
    if (arrow) {
        size_t at = (size_t)(arrow - s);
        if ((st = side_keys(r, s + b, at - b, left, MAX_ENTRIES, &nl)) !=
                QY_OK ||
            (st = side_keys(r, arrow + 2, len - at - 2, right, MAX_ENTRIES,
                            &nr)) != QY_OK)
            return st;
        for (size_t i = 0; i < nl; i++)
            for (size_t j = 0; j < nr; j++)
                if ((st = pairs_add(out, left[i], right[j])) != QY_OK)
                    return st;
    } else {
        if ((st = side_keys(r, s + b, len - b, left, MAX_ENTRIES, &nl)) !=
            QY_OK)
            return st;
        if (nl < 2)
            return bad(r, "a group needs two entries or more, separated by "
                          "',' (or '=>')");
        for (size_t i = 0; i < nl; i++)
            for (size_t j = 0; j < nl; j++)
                if (i != j && (st = pairs_add(out, left[i], left[j])) != QY_OK)
                    return st;
    }
    (*groups)++;
    return QY_OK;
}

static qy_status_t read_file(reader_t *r, const char *text, size_t len,
                             pairs_t *out, unsigned *groups)
{
    if (memchr(text, '\0', len)) {
        r->line = 1;
        for (const char *p = text; *p; p++)
            r->line += *p == '\n';
        return bad(r, "a NUL byte: not a text file");
    }
    for (size_t i = 0; i < len;) {
        r->line++;
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        for (size_t j = i; j < end;) {
            size_t k =
                qy_utf8_valid_prefix((const unsigned char *)text + j, end - j);
            if (k == 0)
                return bad(r, "not valid UTF-8");
            j += k;
        }
        qy_status_t st = read_line(r, text + i, end - i, out, groups);
        if (st != QY_OK)
            return st;
        i = end + 1;
    }
    return QY_OK;
}

/* ---- Storing ---------------------------------------------------------- */

/* Calls FN for each "KEY\tSYNONYM" line of LIST. */
static qy_status_t each_pair(qy_db_t *db, char *list,
                             qy_status_t (*fn)(qy_db_t *, const char *,
                                               const char *))
{
    for (char *line = list; *line;) {
        char *end = strchr(line, '\n');
        if (!end)
            break;
        *end = '\0';
        char *tab = strchr(line, '\t');
        qy_status_t st = QY_OK;
        if (tab) {
            *tab = '\0';
            st = fn(db, line, tab + 1);
            *tab = '\t';
        }
        *end = '\n';
        if (st != QY_OK && st != QY_INVALID)
            return st;
        line = end + 1;
    }
    return QY_OK;
}

/* The key PREFIX TERM \t SYN in BUF; 0 when it is too long for a key. */
static int pair_key(char buf[PAIR_KEY_BYTES], const char *prefix,
                    const char *term, const char *syn)
{
    int n = snprintf(buf, PAIR_KEY_BYTES, "%s%s\t%s", prefix, term, syn);
    return n > 0 && n < PAIR_KEY_BYTES;
}

qy_status_t qy_synonym_learned(qy_db_t *db, const char *term, const char *syn)
{
    char key[PAIR_KEY_BYTES];
    if (!db || !term || !syn || !pair_key(key, LEARNED_PREFIX, term, syn))
        return QY_INVALID;
    qy_status_t st = qy_db_add_synonym(db, term, syn);
    return st == QY_OK ? qy_db_set_metadata(db, key, "1", 1) : st;
}

/* A mark's count: its value as a number ("1" for marks written before
 * counts were kept). */
static unsigned long mark_count(const char *value, size_t len)
{
    unsigned long n = 0;
    for (size_t i = 0; i < len && value[i] >= '0' && value[i] <= '9'; i++)
        n = n < 100000000UL ? n * 10 + (unsigned long)(value[i] - '0') : n;
    return n == 0 && len > 0 ? 1 : n;
}

#define MAX_LONG_FORMS 64

typedef struct long_forms {
    qy_db_t *db;
    size_t skip; /* bytes of "PREFIX ACRONYM\t" */
    size_t n;
    char form[MAX_LONG_FORMS][QY_MAX_TERM_BYTES + 1];
    unsigned long count[MAX_LONG_FORMS];
    qy_status_t st;
} long_forms_t;

static int note_long_form(void *ctx, const char *key, size_t len)
{
    long_forms_t *f = ctx;
    if (f->n == MAX_LONG_FORMS || len <= f->skip ||
        len - f->skip > QY_MAX_TERM_BYTES || len >= PAIR_KEY_BYTES)
        return 0;
    char k[PAIR_KEY_BYTES], *value = NULL;
    size_t vlen = 0;
    memcpy(k, key, len);
    k[len] = '\0';
    f->st = qy_db_get_metadata(f->db, k, &value, &vlen);
    if (f->st == QY_OK && vlen > 0) {
        memcpy(f->form[f->n], key + f->skip, len - f->skip);
        f->form[f->n][len - f->skip] = '\0';
        f->count[f->n++] = mark_count(value, vlen);
    }
    free(value);
    return f->st != QY_OK;
}

/* Adds the pair both ways, or removes it both ways unless it is the
 * user's. */
static qy_status_t keep_pair(qy_db_t *db, const char *acr, const char *form,
                             int keep)
{
    if (keep) {
        qy_status_t st = qy_db_add_synonym(db, acr, form);
        return st == QY_OK ? qy_db_add_synonym(db, form, acr) : st;
    }
    int only = 0;
    qy_status_t st =
        qy_synonym_learned_only(db, acr, form, strlen(form), &only);
    if (st == QY_OK && only)
        st = qy_db_remove_synonym(db, acr, form);
    if (st == QY_OK)
        st = qy_synonym_learned_only(db, form, acr, strlen(acr), &only);
    if (st == QY_OK && only)
        st = qy_db_remove_synonym(db, form, acr);
    return st;
}

static unsigned long top_count(const long_forms_t *f)
{
    unsigned long top = 0;
    for (size_t i = 0; i < f->n; i++)
        top = f->count[i] > top ? f->count[i] : top;
    return top;
}

/* Reads into F (zeroed) ACRONYM's long forms and their counts, in byte
 * order. */
static qy_status_t read_long_forms(qy_db_t *db, const char *acronym,
                                   long_forms_t *f)
{
    char prefix[PAIR_KEY_BYTES];
    snprintf(prefix, sizeof prefix, "%s%s\t", LEARNED_PREFIX, acronym);
    f->db = db;
    f->skip = strlen(prefix);
    qy_status_t st = qy_db_each_metadata_key(db, prefix, note_long_form, f);
    return st == QY_OK ? f->st : st;
}

/* Ranks ACRONYM's long forms by the counts of their marks. Without ONLY,
 * stores in the synonym table, both ways, the long forms it keeps and
 * removes the others (unless they are also the user's pairs); with ONLY,
 * a long form, sets *KEPT to whether it is kept and changes nothing. */
static qy_status_t rank_long_forms(qy_db_t *db, const char *acronym,
                                   const char *only, int *kept)
{
    long_forms_t *f = calloc(1, sizeof *f);
    if (!f)
        return QY_NOMEM;
    qy_status_t st = read_long_forms(db, acronym, f);
    unsigned long top = top_count(f);
    if (only)
        *kept = 0;
    for (size_t i = 0; st == QY_OK && i < f->n; i++) {
        int keep = qy_long_form_kept(f->count, f->n, i, top);
        if (!only)
            st = keep_pair(db, acronym, f->form[i], keep);
        else if (strcmp(f->form[i], only) == 0)
            *kept = keep;
    }
    free(f);
    return st;
}

int qy_long_form_kept(const unsigned long *count, size_t n, size_t i,
                      unsigned long top)
{
    /* Rank: most often defined first, ties in the order given (byte order
     * of the long forms, as their marks are met). */
    size_t rank = 0;
    for (size_t j = 0; j < n; j++)
        rank += count[j] > count[i] || (j < i && count[j] == count[i]);
    return rank < QY_ACRONYM_LONG_FORMS && count[i] * 4 >= top;
}

/* Adds COUNT to the mark KEY (PAIR_KEY_BYTES at most). */
static qy_status_t add_to_mark(qy_db_t *db, const char *key,
                               unsigned long count)
{
    char *value = NULL;
    size_t vlen = 0;
    qy_status_t st = qy_db_get_metadata(db, key, &value, &vlen);
    unsigned long n = mark_count(value ? value : "", vlen) + count;
    free(value);
    char num[24];
    int nl = snprintf(num, sizeof num, "%lu", n);
    return st == QY_OK ? qy_db_set_metadata(db, key, num, (size_t)nl) : st;
}

qy_status_t qy_acronym_defined(qy_db_t *db, const char *acronym,
                               const char *long_form, unsigned count)
{
    char key[PAIR_KEY_BYTES], back[PAIR_KEY_BYTES];
    if (!db || !acronym || !long_form ||
        !pair_key(key, LEARNED_PREFIX, acronym, long_form) ||
        !pair_key(back, LEARNED_PREFIX, long_form, acronym))
        return QY_INVALID;
    qy_status_t st = add_to_mark(db, key, count);
    if (st == QY_OK)
        st = add_to_mark(db, back, count);
    return st == QY_OK ? rank_long_forms(db, acronym, NULL, NULL) : st;
}

/* ---- Merging shards ---------------------------------------------------- */

typedef struct mark_sum {
    qy_db_t *db, *base;
    qy_db_t *const *shards;
    size_t n, self;         /* the shard whose marks are walked */
    qy_wordcount_t *ranked; /* the acronyms whose counts changed */
    qy_status_t st;
} mark_sum_t;

/* The count of the mark KEY in DB (0 without one). */
static qy_status_t mark_in(qy_db_t *db, const char *key, unsigned long *count)
{
    char *value = NULL;
    size_t vlen = 0;
    qy_status_t st = qy_db_get_metadata(db, key, &value, &vlen);
    *count = st == QY_OK ? mark_count(value, vlen) : 0;
    free(value);
    return st;
}

/* Sets the merged count of a shard's mark, once: at the first shard that
 * has it. */
static int sum_mark(void *ctx, const char *key, size_t len)
{
    mark_sum_t *m = ctx;
    char k[PAIR_KEY_BYTES];
    if (len >= PAIR_KEY_BYTES)
        return 0;
    memcpy(k, key, len);
    k[len] = '\0';
    unsigned long total = 0, n = 0;
    for (size_t i = 0; i < m->self; i++) {
        if ((m->st = mark_in(m->shards[i], k, &n)) != QY_OK)
            return 1;
        if (n > 0)
            return 0;
    }
    for (size_t i = m->self; i < m->n; i++) {
        if ((m->st = mark_in(m->shards[i], k, &n)) != QY_OK)
            return 1;
        total += n;
    }
    if (m->base && (m->st = mark_in(m->base, k, &n)) != QY_OK)
        return 1;
    total += m->base ? n : 0;
    char num[24];
    int nl = snprintf(num, sizeof num, "%lu", total);
    if ((m->st = qy_db_set_metadata(m->db, k, num, (size_t)nl)) != QY_OK)
        return 1;
    /* "PREFIX ACRONYM\tLONG FORM": an acronym is one term, a long form
     * several. */
    const char *term = k + strlen(LEARNED_PREFIX);
    size_t tl = strcspn(term, "\t");
    if (term[tl] == '\t' && !memchr(term, ' ', tl))
        m->st = qy_wordcount_add(m->ranked, term, tl);
    return m->st != QY_OK;
}

static int rank_acronym(void *ctx, const char *acronym, size_t len,
                        unsigned count)
{
    mark_sum_t *m = ctx;
    char a[QY_MAX_TERM_BYTES + 1];
    (void)count;
    if (len > QY_MAX_TERM_BYTES)
        return 0;
    memcpy(a, acronym, len);
    a[len] = '\0';
    m->st = rank_long_forms(m->db, a, NULL, NULL);
    return m->st != QY_OK;
}

qy_status_t qy_acronyms_merge(qy_db_t *db, qy_db_t *base,
                              qy_db_t *const *shards, size_t n)
{
    mark_sum_t m = {db, base, shards, n, 0, qy_wordcount_new(), QY_OK};
    if (!m.ranked)
        return QY_NOMEM;
    qy_status_t st = QY_OK;
    for (m.self = 0; st == QY_OK && m.self < n; m.self++) {
        st = qy_db_each_metadata_key(shards[m.self], LEARNED_PREFIX, sum_mark,
                                     &m);
        if (st == QY_OK)
            st = m.st;
    }
    if (st == QY_OK) {
        qy_wordcount_each(m.ranked, rank_acronym, &m);
        st = m.st;
    }
    qy_wordcount_free(m.ranked);
    return st;
}

/* *SET: whether the user metadata KEY has a value. */
static qy_status_t key_set(qy_db_t *db, const char *key, int *set)
{
    char *value = NULL;
    size_t len = 0;
    qy_status_t st = qy_db_get_metadata(db, key, &value, &len);
    free(value);
    *set = st == QY_OK && len > 0;
    return st;
}

/* *MARKED: whether the pair TERM => SYN is marked under PREFIX. */
static qy_status_t is_marked(qy_db_t *db, const char *prefix, const char *term,
                             const char *syn, int *marked)
{
    char key[PAIR_KEY_BYTES];
    *marked = 0;
    if (!pair_key(key, prefix, term, syn))
        return QY_OK; /* too long to be marked */
    return key_set(db, key, marked);
}

/* *FOUND: whether the user's list holds TERM => SYN. */
static qy_status_t in_user_list(qy_db_t *db, const char *term, const char *syn,
                                int *found)
{
    char line[2 * QY_MAX_TERM_BYTES + 3];
    *found = 0;
    int n = snprintf(line, sizeof line, "%s\t%s\n", term, syn);
    if (n <= 0 || (size_t)n >= sizeof line)
        return QY_OK;
    char *value = NULL;
    size_t vlen = 0;
    qy_status_t st = qy_db_get_metadata(db, SYNONYMS_KEY, &value, &vlen);
    if (st == QY_OK) {
        pairs_t user = {.buf = value, .len = vlen, .cap = vlen};
        *found = pairs_has(&user, line, (size_t)n);
    }
    free(value);
    return st;
}

qy_status_t qy_synonym_learned_only(qy_db_t *db, const char *term,
                                    const char *syn, size_t len, int *only)
{
    char pair_syn[QY_MAX_TERM_BYTES + 1];
    *only = 0;
    if (!db || !term || !syn)
        return QY_INVALID;
    if (len > QY_MAX_TERM_BYTES)
        return QY_OK; /* too long to have been learned */
    memcpy(pair_syn, syn, len);
    pair_syn[len] = '\0';
    /* Every pair of the synonym table is the user's or learned, so the
     * user's marks decide (indexes written before the learned marks, or
     * merged without them, have learned pairs without one). Where the
     * user's pairs are not marked, or this one's key is too long to be,
     * their list decides: a read of all of it. */
    char key[PAIR_KEY_BYTES];
    int marks = 0, users = 0;
    qy_status_t st = key_set(db, USER_MARKS_KEY, &marks);
    if (st == QY_OK && marks && pair_key(key, USER_PREFIX, term, pair_syn))
        st = key_set(db, key, &users);
    else if (st == QY_OK)
        st = in_user_list(db, term, pair_syn, &users);
    *only = st == QY_OK && !users;
    return st;
}

/* Removes a user pair, unless the text taught the index the same one, and
 * its mark. */
static qy_status_t remove_user_pair(qy_db_t *db, const char *term,
                                    const char *syn)
{
    char key[PAIR_KEY_BYTES];
    int learned = 0;
    qy_status_t st = is_marked(db, LEARNED_PREFIX, term, syn, &learned);
    /* A learned pair stays only while its acronym keeps that long form
     * (the acronym is one term, its long form several). */
    if (st == QY_OK && learned)
        st = strchr(term, ' ') ? rank_long_forms(db, syn, term, &learned)
                               : rank_long_forms(db, term, syn, &learned);
    if (st == QY_OK && !learned)
        st = qy_db_remove_synonym(db, term, syn);
    if (st == QY_OK && pair_key(key, USER_PREFIX, term, syn))
        st = qy_db_set_metadata(db, key, "", 0);
    return st;
}

/* Stores a user pair, and marks it as the user's when its key fits. */
static qy_status_t add_user_pair(qy_db_t *db, const char *term, const char *syn)
{
    char key[PAIR_KEY_BYTES];
    qy_status_t st = qy_db_add_synonym(db, term, syn);
    if (st == QY_OK && pair_key(key, USER_PREFIX, term, syn))
        st = qy_db_set_metadata(db, key, "1", 1);
    return st;
}

static qy_status_t db_failed(qy_db_t *db, qy_status_t st, char **error)
{
    const char *why = qy_db_error(db);
    if (!why || !*why)
        why = qy_status_to_string(st);
    size_t need = strlen(why) + 32;
    if ((*error = malloc(need)))
        snprintf(*error, need, "storing synonyms: %s", why);
    return st;
}

qy_status_t qy_synonyms_store(qy_db_t *db, qy_analyzer_t *a, const char *name,
                              const char *text, size_t len, unsigned *groups,
                              char **error)
{
    *error = NULL;
    if (!db || !a || !name || (!text && len))
        return QY_INVALID;
    pairs_t pairs = {0};
    unsigned n = 0;
    reader_t r = {.a = a, .name = name, .error = error};
    r.left = malloc(2 * MAX_ENTRIES * sizeof *r.left);
    if (!r.left)
        return QY_NOMEM;
    r.right = r.left + MAX_ENTRIES;
    qy_status_t st = read_file(&r, text ? text : "", len, &pairs, &n);
    free(r.left);
    if (st != QY_OK) {
        free(pairs.buf);
        return st;
    }
    char *old = NULL;
    size_t old_len = 0;
    st = qy_db_get_metadata(db, SYNONYMS_KEY, &old, &old_len);
    if (st == QY_OK)
        st = each_pair(db, old, remove_user_pair);
    if (st == QY_OK && pairs.buf)
        st = each_pair(db, pairs.buf, add_user_pair);
    if (st == QY_OK)
        st = qy_db_set_metadata(db, SYNONYMS_KEY, pairs.buf ? pairs.buf : "",
                                pairs.len);
    if (st == QY_OK)
        st = qy_db_set_metadata(db, USER_MARKS_KEY, "1", 1);
    free(old);
    free(pairs.buf);
    if (st != QY_OK)
        return db_failed(db, st, error);
    if (groups)
        *groups = n;
    return QY_OK;
}

/* The synonyms of a key gathered from every shard, each once. */
typedef struct gathered {
    const char *prefix; /* of the metadata keys being read */
    size_t prefix_len;
    char **syn;
    size_t n, cap;
    int failed;
} gathered_t;

static int gather(void *ctx, const char *syn, size_t len)
{
    gathered_t *g = ctx;
    char **more = qy_grow(g->syn, g->n, &g->cap, sizeof *more, 16);
    if (!more) {
        g->failed = 1;
        return 1;
    }
    g->syn = more;
    char *copy = malloc(len + 1);
    if (!copy) {
        g->failed = 1;
        return 1;
    }
    memcpy(copy, syn, len);
    copy[len] = '\0';
    g->syn[g->n++] = copy;
    return 0;
}

/* A mark "PREFIX KEY\tSYNONYM": its synonym. */
static int gather_marked(void *ctx, const char *key, size_t len)
{
    gathered_t *g = ctx;
    return len > g->prefix_len
               ? gather(ctx, key + g->prefix_len, len - g->prefix_len)
               : 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

qy_status_t qy_synonyms_each(qy_db_t *db, const char *key,
                             int (*fn)(void *ctx, const char *syn, size_t len),
                             void *ctx)
{
    if (!db || !key || !fn)
        return QY_INVALID;
    if (qy_db_remote_shards(db) == 0)
        return qy_db_each_synonym(db, key, fn, ctx);
    /* A remote shard's synonym table cannot be read, but its marks can:
     * learned pairs always have one, the user's when their key fits (the
     * others are in the user's list). */
    gathered_t g = {0};
    char prefix[PAIR_KEY_BYTES];
    qy_status_t st = qy_db_each_synonym(db, key, gather, &g);
    const char *const marks[] = {LEARNED_PREFIX, USER_PREFIX};
    for (size_t i = 0; i < 2 && st == QY_OK && !g.failed; i++) {
        int n = snprintf(prefix, sizeof prefix, "%s%s\t", marks[i], key);
        if (n <= 0 || n >= (int)sizeof prefix)
            continue;
        g.prefix = prefix;
        g.prefix_len = (size_t)n;
        st = qy_db_each_metadata_key(db, prefix, gather_marked, &g);
    }
    char *list = NULL;
    size_t list_len = 0, key_len = strlen(key);
    if (st == QY_OK && !g.failed)
        st = qy_db_get_metadata(db, SYNONYMS_KEY, &list, &list_len);
    for (char *line = list; st == QY_OK && !g.failed && line && *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n > key_len && memcmp(line, key, key_len) == 0 &&
            line[key_len] == '\t')
            gather(&g, line + key_len + 1, n - key_len - 1);
        line = end ? end + 1 : NULL;
    }
    free(list);
    if (g.failed && st == QY_OK)
        st = QY_NOMEM;
    if (g.n > 1)
        qsort(g.syn, g.n, sizeof *g.syn, by_bytes);
    int stopped = 0;
    for (size_t i = 0; st == QY_OK && !stopped && i < g.n; i++)
        if (i == 0 || strcmp(g.syn[i], g.syn[i - 1]) != 0)
            stopped = fn(ctx, g.syn[i], strlen(g.syn[i])) != 0;
    /* gather sets g.syn[0, g.n) before it counts them: the analyzer, which
     * cannot follow G through the shim's callbacks, thinks otherwise. */
    for (size_t i = 0; i < g.n; i++)
        free(g.syn[i]); // NOLINT(clang-analyzer-core.CallAndMessage)
    free(g.syn);
    return st;
}
