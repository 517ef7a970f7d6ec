/* Passages: splitting a plain-text article into the paragraphs that are
 * indexed and returned as hits.
 *
 * The rules, in the order they apply:
 * - Lines end at LF, CRLF or a lone CR; a line holding only whitespace
 *   (Unicode whitespace included) is blank; blank lines separate blocks.
 * - A block whose lines are all at most 100 bytes and whose lines but the
 *   last are all at least 40 bytes is one wrapped paragraph; any other block
 *   holds one paragraph per line. Lengths exclude surrounding whitespace.
 * - The first paragraph of 3 words of letters or more that is not a
 *   copyright notice is the headline when it is a single line of at most
 *   200 bytes (cleaned) that does not end with . ! ? : ; or … (or CJK
 *   。！？：；, closing quotes and brackets aside): the title, and not a
 *   passage.
 * - Other paragraphs are passages unless they hold no word of letters (a
 *   Han, Hiragana or Katakana letter counts as a word) or are copyright
 *   notices: under 300 bytes, and starting with "©", "(c)" or "copyright",
 *   or containing "all rights reserved" (ASCII case ignored). Text handed
 *   over by a format without QY_TEXT_UNIT (the lines of a JSON Lines
 *   document, whose unit is the document; a Markdown code block) also drops
 *   paragraphs of fewer than 5 words.
 * - A paragraph whose cleaned text is over QY_PASSAGE_MAX_BYTES is judged
 *   as pieces within that bound, cut after a sentence or at a space in the
 *   second half of each (at a code point boundary when there is neither).
 * - Nothing that holds a word is lost whole: a text that kept no passage
 *   is split again keeping every paragraph with a letter or digit (the
 *   headline of a one-line file is then its passage too).
 * - Without a headline, the title is the first sentence of the first
 *   passage (see first_sentence()).
 * - Plain text (qy_split_plain) is also read for its structure (see
 *   structure()): running page headers and footers are dropped, the
 *   centred block below a two-column header is the title, and headings
 *   (underlined, numbered, in capitals, or a short line at the margin
 *   above indented text) become the section of the passages below them.
 *
 * Everything runs in time linear in the input: each line is scanned a fixed
 * number of times and no per-line table is kept, so a 50 MB single line or
 * a file of millions of short lines costs no more than reading it; no
 * buffer grows past the bound on a passage. */
#include "quarry/passage.h"
#include "quarry/grow.h"
#include "quarry/text.h"
#include "quarry/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* Lines of a block are joined as one wrapped paragraph when none is longer
 * than WRAP_MAX_LINE and every line but the last fills at least
 * WRAP_MIN_LINE: text hard-wrapped to a width. A block of short lines of
 * uneven length (a byline over a dateline over a caption) is a list, one
 * paragraph per line. */
#define WRAP_MAX_LINE 100
#define WRAP_MIN_LINE 40

#define HEADLINE_MAX_BYTES 200
#define HEADLINE_MIN_WORDS 3
#define PROSE_MIN_WORDS 5
#define COPYRIGHT_MAX_BYTES 300
#define TITLE_MAX_BYTES 120

static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */

/* ---- Code points --------------------------------------------------------- */

/* Decodes the code point at BUF[I] into *CP and returns its byte length.
 * Invalid UTF-8 (each maximal subpart) and NUL give *CP = -1: both become
 * U+FFFD, so that a NUL never ends the cleaned C string early. */
static size_t next_cp(const char *buf, size_t len, size_t i, int32_t *cp)
{
    if (buf[i] == '\0') {
        *cp = -1;
        return 1;
    }
    return qy_utf8_decode(buf + i, len - i, cp);
}

static int is_letter(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* ---- Lines --------------------------------------------------------------- */

typedef struct line {
    size_t start, end; /* the line's text without surrounding whitespace;
                          start == end for a blank line */
    size_t next;       /* where the next line begins */
} line_t;

/* Scans the line at POS. Lines end at LF, CRLF or a lone CR. */
static void scan_line(const char *buf, size_t len, size_t pos, line_t *line)
{
    size_t i = pos;
    int blank = 1;
    line->start = line->end = pos;
    while (i < len) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n' || c == '\r') {
            line->next =
                i + 1 + (c == '\r' && i + 1 < len && buf[i + 1] == '\n');
            if (blank)
                line->start = line->end = i;
            return;
        }
        if (c < 0x80) { /* the common case, without decoding */
            if (!qy_utf8_ascii_space(c)) {
                if (blank)
                    line->start = i;
                blank = 0;
                line->end = i + 1;
            }
            i++;
            continue;
        }
        int32_t cp;
        size_t n = next_cp(buf, len, i, &cp);
        if (!qy_utf8_is_space(cp)) {
            if (blank)
                line->start = i;
            blank = 0;
            line->end = i + n;
        }
        i += n;
    }
    line->next = len;
    if (blank)
        line->start = line->end = len;
}

/* ---- Cleaning ------------------------------------------------------------ */

/* Appends S[0, LEN) to OUT at *O (OUT NULL: only counts), after the one
 * space a pending whitespace run (*SPACE) leaves. */
static inline void put_clean(char *out, size_t *o, int *space, const char *s,
                             size_t len)
{
    if (*space) {
        if (out)
            out[*o] = ' ';
        (*o)++;
        *space = 0;
    }
    if (out)
        memcpy(out + *o, s, len);
    *o += len;
}

/* Writes the cleaned form of BUF[start, end), which starts and ends with
 * non-whitespace, to OUT (when not NULL); returns its length. */
static size_t clean_span(const char *buf, size_t start, size_t end, char *out)
{
    size_t o = 0;
    int space = 0;
    for (size_t i = start; i < end;) {
        unsigned char c = (unsigned char)buf[i];
        if (c > 0 && c < 0x80) { /* the common case, without decoding */
            if (qy_utf8_ascii_space(c))
                space = 1;
            else
                put_clean(out, &o, &space, buf + i, 1);
            i++;
            continue;
        }
        int32_t cp;
        size_t n = next_cp(buf, end, i, &cp);
        if (cp >= 0 && qy_utf8_is_space(cp))
            space = 1;
        else if (cp < 0)
            put_clean(out, &o, &space, "\xEF\xBF\xBD", 3);
        else
            put_clean(out, &o, &space, buf + i, n);
        i += n;
    }
    return o;
}

static char *copy_text(const char *text, size_t n)
{
    if (n == SIZE_MAX)
        return NULL; /* no room for the '\0' */
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, text, n);
        t[n] = '\0';
    }
    return t;
}

/* ---- Judging paragraphs -------------------------------------------------- */

/* Space-separated words of the cleaned TEXT holding at least one letter,
 * counted up to LIMIT. A Han, Hiragana or Katakana letter is a word of its
 * own, as the tokenizer has it: such text puts no spaces between words. */
static size_t letter_words(const char *text, size_t len, size_t limit)
{
    size_t count = 0;
    int in_word = 0, has_letter = 0;
    for (size_t i = 0; i < len && count < limit;) {
        if (text[i] == ' ') {
            count += in_word && has_letter;
            in_word = has_letter = 0;
            i++;
            continue;
        }
        int32_t cp;
        size_t n = next_cp(text, len, i, &cp);
        i += n;
        if (qy_is_cjk(cp)) {
            count += in_word && has_letter;
            in_word = has_letter = 0;
            count++;
            continue;
        }
        in_word = 1;
        if (!has_letter && is_letter(cp))
            has_letter = 1;
    }
    count += in_word && has_letter;
    return count;
}

/* Closing quotes and brackets that may follow a sentence's last mark. */
static const char *const closers[] = {
    "\"",
    "'",
    ")",
    "]",
    "\xE2\x80\x9D" /* ” */,
    "\xE2\x80\x99" /* ’ */,
    "\xC2\xBB" /* » */,
    "\xE3\x80\x8D" /* 」 */,
    "\xE3\x80\x8F" /* 』 */,
};

/* The length of the closer ending at TEXT[END - 1], or 0. */
static size_t closer_before(const char *text, size_t end)
{
    for (size_t k = 0; k < sizeof closers / sizeof *closers; k++) {
        size_t n = strlen(closers[k]);
        if (end >= n && memcmp(text + end - n, closers[k], n) == 0)
            return n;
    }
    return 0;
}

/* The length of the closer starting at TEXT[I], or 0. */
static size_t closer_at(const char *text, size_t len, size_t i)
{
    for (size_t k = 0; k < sizeof closers / sizeof *closers; k++) {
        size_t n = strlen(closers[k]);
        if (len - i >= n && memcmp(text + i, closers[k], n) == 0)
            return n;
    }
    return 0;
}

/* Non-zero when TEXT ends with . ! ? : ; or … (possibly followed by
 * closing quotes or brackets). */
static int ends_like_sentence(const char *text, size_t len)
{
    size_t n;
    while ((n = closer_before(text, len)) != 0)
        len -= n;
    if (len == 0)
        return 0;
    char c = text[len - 1];
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';')
        return 1;
    /* … and the full stop, marks and colons of CJK text: 。！？：； */
    static const char *const marks[] = {ellipsis,       "\xE3\x80\x82",
                                        "\xEF\xBC\x81", "\xEF\xBC\x9F",
                                        "\xEF\xBC\x9A", "\xEF\xBC\x9B"};
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++)
        if (len >= 3 && memcmp(text + len - 3, marks[k], 3) == 0)
            return 1;
    return 0;
}

static int starts_with_nocase(const char *text, size_t len, const char *p)
{
    size_t n = strlen(p);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        if (c != (unsigned char)p[i])
            return 0;
    }
    return 1;
}

static int is_copyright(const char *text, size_t len)
{
    if (len >= COPYRIGHT_MAX_BYTES)
        return 0;
    if (starts_with_nocase(text, len, "\xC2\xA9") ||
        starts_with_nocase(text, len, "(c)") ||
        starts_with_nocase(text, len, "copyright"))
        return 1;
    for (size_t i = 0; i < len; i++)
        if (starts_with_nocase(text + i, len - i, "all rights reserved"))
            return 1;
    return 0;
}

/* Non-zero when the cleaned TEXT holds a letter or a digit: a word. */
static int has_word(const char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        int32_t cp;
        i += next_cp(text, len, i, &cp);
        if (cp < 0x80
                ? (cp >= '0' && cp <= '9') || is_letter(cp)
                : cp > 0 && (is_letter(cp) ||
                             (utf8proc_category(cp) >= UTF8PROC_CATEGORY_ND &&
                              utf8proc_category(cp) <= UTF8PROC_CATEGORY_NO)))
            return 1;
    }
    return 0;
}

/* ---- Titles -------------------------------------------------------------- */

/* The first sentence of the cleaned TEXT, at most TITLE_MAX_BYTES: a
 * sentence ends at . ! or ? (after which closing quotes may follow) before a
 * space and a character that is not a lower-case letter, or at the end.
 * A longer sentence is cut after its last whole word that fits and "…" is
 * appended (the ellipsis counts towards the limit). */
static char *first_sentence(const char *text, size_t len)
{
    size_t end = 0;
    for (size_t i = 0; i < len && i < TITLE_MAX_BYTES && !end; i++) {
        char c = text[i];
        size_t j, n;
        if (c == '.' || c == '!' || c == '?') {
            j = i + 1;
        } else if (i + 3 <= len &&
                   ((unsigned char)c == 0xE3 || (unsigned char)c == 0xEF) &&
                   (memcmp(text + i, "\xE3\x80\x82", 3) == 0 ||
                    memcmp(text + i, "\xEF\xBC\x81", 3) == 0 ||
                    memcmp(text + i, "\xEF\xBC\x9F", 3) == 0)) {
            /* 。！？ end a sentence with no space after them */
            j = i + 3;
            while ((n = closer_at(text, len, j)) != 0)
                j += n;
            end = j;
            continue;
        } else {
            continue;
        }
        while ((n = closer_at(text, len, j)) != 0)
            j += n;
        if (j == len ||
            (text[j] == ' ' &&
             !(j + 1 < len && text[j + 1] >= 'a' && text[j + 1] <= 'z')))
            end = j;
    }
    if (!end && len <= TITLE_MAX_BYTES)
        end = len;
    if (end && end <= TITLE_MAX_BYTES) {
        char *t = malloc(end + 1);
        if (t) {
            memcpy(t, text, end);
            t[end] = '\0';
        }
        return t;
    }

    /* Cut at the last space that leaves room for the ellipsis. */
    size_t room = TITLE_MAX_BYTES - (sizeof ellipsis - 1);
    size_t cut = 0;
    for (size_t i = 1; i <= room && i < len; i++)
        if (text[i] == ' ')
            cut = i;
    if (cut == 0) {
        /* One very long word: cut at a character boundary. */
        cut = qy_utf8_cut(text, room);
    }
    while (cut > 0 && (text[cut - 1] == ' ' || text[cut - 1] == ',' ||
                       text[cut - 1] == ';' || text[cut - 1] == ':' ||
                       text[cut - 1] == '-'))
        cut--;
    char *t = malloc(cut + sizeof ellipsis);
    if (t) {
        memcpy(t, text, cut);
        memcpy(t + cut, ellipsis, sizeof ellipsis); /* with its NUL */
    }
    return t;
}

/* ---- Splitting ----------------------------------------------------------- */

typedef struct splitter {
    const char *buf;
    size_t len;
    qy_article_t *out;
    size_t cap;
    int seeking_headline; /* still among the leading boilerplate */
    size_t min_words;     /* words of letters a kept paragraph needs */
    int keep_all;         /* keep every paragraph holding a word */
    /* Structure of plain text (qy_split_plain only): */
    int plain;
    int blocks_seen;      /* blocks of content met so far */
    int want_centred;     /* after a two-column header: a centred title */
    size_t page_width;    /* the header's, in bytes */
    char *section;        /* the heading above, malloc'd, or NULL */
    size_t section_since; /* passages when it was met */
    int has_cand;         /* a short line at the margin, a heading when the
                             text below it is indented */
    size_t cand_start, cand_end;
    char *scratch; /* the paragraph being judged, cleaned */
    size_t scratch_cap;
    /* For qy_article_add_text: */
    unsigned flags;    /* QY_TEXT_* */
    const char *title; /* each passage's own title, or NULL */
    qy_span_fn span;   /* maps spans of BUF to the source, or NULL */
    void *span_ctx;
} splitter_t;

/* The rules that drop a paragraph, as the indexer names them. */
static const char rule_no_word[] = "no word of letters";
static const char rule_copyright[] = "copyright notice";
static const char rule_short[] = "fewer than 5 words, in a longer document";

qy_drop_t *qy_article_drop(qy_article_t *a, size_t offset, size_t length,
                           const char *rule)
{
    qy_drop_t *d = qy_grow(a->drops, a->ndrops, &a->drops_cap, sizeof *d, 16);
    if (!d)
        return NULL;
    a->drops = d;
    d = &a->drops[a->ndrops++];
    *d = (qy_drop_t){offset, length, rule};
    return d;
}

/* Records that BUF[start, end) was dropped by RULE. */
static qy_status_t drop(splitter_t *s, size_t start, size_t end,
                        const char *rule)
{
    qy_drop_t *d = qy_article_drop(s->out, start, end - start, rule);
    if (!d)
        return QY_NOMEM;
    if (s->span)
        s->span(s->span_ctx, start, end, &d->offset, &d->length);
    return QY_OK;
}

static qy_status_t judge(splitter_t *s, size_t start, size_t end,
                         int single_line, size_t need);

/* Whether BUF[I] starts a sentence's end: . ! or ? (after closing quotes
 * and brackets) before whitespace, or a CJK 。！？ (which need none). I is
 * where a cut would fall; BUF[START, I) is looked at. */
static int sentence_end_before(const char *buf, size_t start, size_t i)
{
    static const char *const cjk[] = {"\xE3\x80\x82", "\xEF\xBC\x81",
                                      "\xEF\xBC\x9F"};
    for (size_t k = 0; k < sizeof cjk / sizeof *cjk; k++)
        if (i - start >= 3 && memcmp(buf + i - 3, cjk[k], 3) == 0)
            return 1;
    if (!qy_utf8_ascii_space((unsigned char)buf[i]))
        return 0;
    size_t j = i;
    while (j > start && strchr("\"')]", buf[j - 1]))
        j--;
    return j > start && strchr(".!?", buf[j - 1]) != NULL;
}

/* Where to end a piece of BUF[start, end) that may hold at most WINDOW
 * bytes (END - START > WINDOW): after the last sentence in its second
 * half, else at its last space there, else at the last code point
 * boundary. */
static size_t piece_end(const char *buf, size_t start, size_t window)
{
    size_t limit = start + window, floor = start + window / 2;
    for (size_t i = limit; i > floor; i--)
        if (sentence_end_before(buf, start, i))
            return i;
    for (size_t i = limit; i > floor; i--)
        if (qy_utf8_ascii_space((unsigned char)buf[i]))
            return i;
    size_t i = limit; /* never inside a UTF-8 sequence */
    while (i > limit - 3 && ((unsigned char)buf[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The start of the text at or after I in BUF[0, END): whitespace skipped. */
static size_t skip_space(const char *buf, size_t i, size_t end)
{
    while (i < end) {
        int32_t cp;
        size_t n = next_cp(buf, end, i, &cp);
        if (cp < 0 || !qy_utf8_is_space(cp))
            break;
        i += n;
    }
    return i;
}

/* The end of the text BUF[start, i): whitespace dropped. */
static size_t trim_space(const char *buf, size_t start, size_t i)
{
    while (i > start && qy_utf8_ascii_space((unsigned char)buf[i - 1]))
        i--;
    return i;
}

/* Judges the over-long paragraph BUF[start, end) as pieces whose cleaned
 * text is at most QY_PASSAGE_MAX_BYTES, cut at a sentence or a space near
 * the bound, each a paragraph of its own. */
static qy_status_t long_paragraph(splitter_t *s, size_t start, size_t end)
{
    qy_status_t st = QY_OK;
    while (st == QY_OK && start < end) {
        size_t window = QY_PASSAGE_MAX_BYTES, cut, need;
        for (;;) {
            cut = end;
            if (end - start > window)
                cut =
                    trim_space(s->buf, start, piece_end(s->buf, start, window));
            if (cut == start) /* no room even for one code point */
                cut = start + 1;
            need = clean_span(s->buf, start, cut, NULL);
            /* Invalid bytes grow into U+FFFD: at most three times. */
            if (need <= QY_PASSAGE_MAX_BYTES || window < 16)
                break;
            window = QY_PASSAGE_MAX_BYTES / 3;
        }
        st = judge(s, start, cut, 0, need);
        start = skip_space(s->buf, cut, end);
    }
    return st;
}

/* Judges the paragraph BUF[start, end), keeping it as the title, as a
 * passage (or passages, when it is over QY_PASSAGE_MAX_BYTES), or dropping
 * it. Returns QY_OK or QY_NOMEM. */
static qy_status_t paragraph(splitter_t *s, size_t start, size_t end,
                             int single_line)
{
    if (end - start > QY_PASSAGE_MAX_BYTES)
        return long_paragraph(s, start, end);
    size_t need = clean_span(s->buf, start, end, NULL);
    if (need > QY_PASSAGE_MAX_BYTES)
        return long_paragraph(s, start, end);
    return judge(s, start, end, single_line, need);
}

/* Judges the paragraph BUF[start, end), cleaned NEED bytes long. */
static qy_status_t judge(splitter_t *s, size_t start, size_t end,
                         int single_line, size_t need)
{
    /* Most dropped paragraphs are short: clean them into a reused buffer
     * and allocate only what is kept. The buffer is sized by a first,
     * counting pass (an invalid byte grows into U+FFFD), so that it stays
     * as large as the longest paragraph, not three times that. */
    need++;
    char *scratch = qy_reserve(s->scratch, need, &s->scratch_cap, 1, 256);
    if (!scratch)
        return QY_NOMEM;
    s->scratch = scratch;
    char *text = s->scratch;
    size_t n = clean_span(s->buf, start, end, text);
    if (s->keep_all) {
        if (!has_word(text, n))
            return drop(s, start, end, rule_no_word);
    } else {
        size_t words = letter_words(text, n, PROSE_MIN_WORDS);
        int copyright = is_copyright(text, n);
        if (s->seeking_headline && words >= HEADLINE_MIN_WORDS && !copyright) {
            s->seeking_headline = 0;
            if (single_line && n <= HEADLINE_MAX_BYTES &&
                !ends_like_sentence(text, n)) {
                s->out->title = copy_text(text, n);
                return s->out->title ? QY_OK : QY_NOMEM;
            }
        }
        if (copyright)
            return drop(s, start, end, rule_copyright);
        if (words == 0)
            return drop(s, start, end, rule_no_word);
        if (words < s->min_words)
            return drop(s, start, end, rule_short);
    }
    qy_passage_t *grown =
        qy_grow(s->out->passages, s->out->count, &s->cap, sizeof *grown, 16);
    if (!grown)
        return QY_NOMEM;
    s->out->passages = grown;
    if (!(text = copy_text(text, n)))
        return QY_NOMEM;
    char *title = NULL;
    if (s->title && !(title = copy_text(s->title, strlen(s->title)))) {
        free(text);
        return QY_NOMEM;
    }
    qy_passage_t *p = &s->out->passages[s->out->count++];
    p->text = text;
    p->text_len = n;
    p->offset = start;
    p->length = end - start;
    if (s->span)
        s->span(s->span_ctx, start, end, &p->offset, &p->length);
    p->ordinal = (unsigned)s->out->count;
    p->title = title;
    p->page = 0;
    return QY_OK;
}

/* ---- Structure of plain text -------------------------------------------- */

#define HEADING_MAX_BYTES 80 /* longer lines are text */
#define CENTRED_SLACK 12    /* a centred line's middle is at most 6 bytes off */
#define MARGIN_MAX_INDENT 3 /* a heading starts at most this far in */
#define COLUMN_GAP 3        /* spaces between two columns of a header */

static const char rule_furniture[] = "page header or footer";

/* Runs of COLUMN_GAP spaces or more inside BUF[start, end). */
static size_t column_gaps(const char *buf, size_t start, size_t end)
{
    size_t gaps = 0, run = 0;
    for (size_t i = start; i < end; i++) {
        if (buf[i] == ' ') {
            run++;
            continue;
        }
        gaps += run >= COLUMN_GAP;
        run = 0;
    }
    return gaps;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Non-zero when the cleaned TEXT ends with a year (19xx, 20xx). */
static int ends_with_year(const char *t, size_t n)
{
    return n >= 5 && t[n - 5] == ' ' && (t[n - 4] == '1' || t[n - 4] == '2') &&
           is_digit(t[n - 3]) && is_digit(t[n - 2]) && is_digit(t[n - 1]);
}

/* A running page header or footer of the cleaned single line TEXT: one
 * ending "[Page N]", an RFC's or Internet-Draft's running head ("RFC 2351
 * MATIP May 1998"), or a manual page's ("LS(1) User Commands LS(1)"),
 * whose columns GAPS counts. */
static int is_page_furniture(const char *t, size_t n, size_t gaps)
{
    if (n >= 8 && t[n - 1] == ']') {
        size_t i = n - 1;
        while (i > 0 && is_digit(t[i - 1]))
            i--;
        if (i < n - 1 && i >= 6 && memcmp(t + i - 6, "[Page ", 6) == 0)
            return 1;
    }
    if (n > 5 && memcmp(t, "RFC ", 4) == 0 && is_digit(t[4]) &&
        ends_with_year(t, n))
        return 1;
    if (starts_with_nocase(t, n, "internet-draft ") && ends_with_year(t, n))
        return 1;
    /* NAME(SECTION) at the end, columns between */
    if (gaps >= 2 && n > 4 && t[n - 1] == ')') {
        size_t i = n - 1;
        while (i > 0 && t[i - 1] != '(' && t[i - 1] != ' ')
            i--;
        if (i > 1 && t[i - 1] == '(' && is_digit(t[i]) && t[i - 2] != ' ')
            return 1;
    }
    return 0;
}

/* "4.2.1.  Name", "3. FUNCTIONAL SPECIFICATION", "A.1 Name": a section
 * number, then a name starting with a letter. */
static int is_numbered_heading(const char *t, size_t n)
{
    size_t i = 0;
    if (n >= 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] == '.')
        i = 2; /* an appendix letter */
    else if (!is_digit(t[0]))
        return 0;
    int digits = 0;
    while (i < n && (is_digit(t[i]) || t[i] == '.'))
        digits += is_digit(t[i++]);
    if (!digits || i >= n || t[i] != ' ' || i > 12)
        return 0;
    i++;
    if (i >= n || !is_letter((unsigned char)t[i]))
        return 0;
    /* a table of contents' line ends with a page number */
    return !is_digit(t[n - 1]) && t[n - 1] != '.';
}

/* A line all in capitals: two letters or more, no lower-case one. */
static int is_capitals_heading(const char *t, size_t n)
{
    size_t upper = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += next_cp(t, n, i, &cp);
        if (cp < 0)
            return 0;
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_LL)
            return 0;
        upper += utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
    }
    return upper >= 2 && !is_digit(t[n - 1]);
}

/* A line of one repeated mark (=, -, ~, *) at least 3 long: it
 * underlines the line above. */
static int is_underline(const char *buf, size_t start, size_t end)
{
    char c = buf[start];
    if (end - start < 3 || (c != '=' && c != '-' && c != '~' && c != '*'))
        return 0;
    for (size_t i = start; i < end; i++)
        if (buf[i] != c)
            return 0;
    return 1;
}

/* Cleans BUF[start, end) into a malloc'd string; NULL when out of memory. */
static char *clean_copy(const char *buf, size_t start, size_t end, size_t *n)
{
    size_t need = clean_span(buf, start, end, NULL);
    char *t = need < SIZE_MAX ? malloc(need + 1) : NULL;
    if (t) {
        clean_span(buf, start, end, t);
        t[need] = '\0';
        *n = need;
    }
    return t;
}

/* Keeps the current section's heading as a passage when none stood under
 * it. qy_article_add_text grows the passages as this splitter does, by
 * doubling from 16: the capacity follows from the count. */
static qy_status_t keep_heading(splitter_t *s)
{
    qy_status_t st =
        qy_article_keep_heading(s->out, s->section, s->section_since, NULL);
    if (s->out->count > 0) {
        s->cap = 16;
        while (s->cap < s->out->count)
            s->cap *= 2;
    }
    return st;
}

/* Makes BUF[start, end) the heading of the passages that follow, or the
 * title when AS_TITLE and the text has none yet. */
static qy_status_t heading(splitter_t *s, size_t start, size_t end,
                           int as_title)
{
    size_t n;
    char *t = clean_copy(s->buf, start, end, &n);
    if (!t)
        return QY_NOMEM;
    while (n > 0 && (t[n - 1] == ':' || t[n - 1] == ' ')) /* "Notes :" */
        t[--n] = '\0';
    if (n == 0) { /* a line of colons heads nothing */
        free(t);
        return QY_OK;
    }
    if (as_title && s->seeking_headline && !s->out->title) {
        s->out->title = t;
        s->seeking_headline = 0;
        return QY_OK;
    }
    qy_status_t st = keep_heading(s);
    free(s->section);
    s->section = t;
    s->title = t;
    s->section_since = s->out->count;
    return st;
}

/* Settles the pending short line at the margin: a heading when the block
 * that follows is indented (INDENT), else a paragraph. */
static qy_status_t settle_candidate(splitter_t *s, size_t indent)
{
    if (!s->has_cand)
        return QY_OK;
    s->has_cand = 0;
    if (indent > 0)
        return heading(s, s->cand_start, s->cand_end, 0);
    return paragraph(s, s->cand_start, s->cand_end, 1);
}

static qy_status_t block(splitter_t *s, size_t pos, const line_t *head,
                         size_t *next);

/* The structure of plain text: running heads and feet, the title below a
 * two-column header, headings. Returns 1 when the block (LINES lines, the
 * first FIRST indented FIRST_INDENT, the second SECOND_INDENT, the last
 * LAST; GAPS lines with columns; MIN_INDENT the least indentation, WIDTH
 * the longest line; CENTRED when every line is centred on the page; *NEXT
 * where it ends) was taken as structure, with *ST set; 0 when it is text
 * to judge. */
static int structure(splitter_t *s, size_t lines, const line_t *first,
                     const line_t *last, size_t first_indent,
                     size_t second_indent, size_t min_indent, size_t width,
                     int centred, size_t gaps, size_t *next, qy_status_t *st)
{
    const char *buf = s->buf;
    *st = settle_candidate(s, first_indent);
    if (*st != QY_OK)
        return 1;
    int first_block = s->blocks_seen++ == 0;
    size_t n;
    char *t = clean_copy(buf, first->start, first->end, &n);
    if (!t) {
        *st = QY_NOMEM;
        return 1;
    }
    int taken = 1;
    size_t fgaps = column_gaps(buf, first->start, first->end);
    if (lines == 1 && is_page_furniture(t, n, fgaps)) {
        *st = drop(s, first->start, first->end, rule_furniture);
    } else if (first_block && lines >= 2 && gaps >= 2) {
        /* A two-column header (RFC, memo): its lines are passages, judged
         * by the caller; the centred block below it is the title. */
        s->seeking_headline = 0;
        s->want_centred = 1;
        s->page_width = width;
        free(t);
        return 0;
    } else if (s->want_centred && centred && gaps == 0 &&
               (min_indent > 0 || lines <= 2)) {
        s->want_centred = 0;
        free(s->out->title);
        size_t tn;
        s->out->title = clean_copy(buf, first->start, last->end, &tn);
        s->seeking_headline = 0;
        *st = s->out->title ? QY_OK : QY_NOMEM;
    } else if (lines == 2 && n <= HEADING_MAX_BYTES &&
               is_underline(buf, last->start, last->end)) {
        *st = heading(s, first->start, first->end, 1);
    } else if (first_indent <= MARGIN_MAX_INDENT && n <= HEADING_MAX_BYTES &&
               (lines == 1 || second_indent > first_indent) &&
               (is_numbered_heading(t, n) || is_capitals_heading(t, n))) {
        *st = heading(s, first->start, first->end, 0);
        if (*st == QY_OK && lines > 1) { /* the text below it */
            line_t second;
            scan_line(buf, s->len, first->next, &second);
            *st = block(s, first->next, &second, next);
        }
    } else if (lines == 1 && first_indent == 0 && n <= HEADING_MAX_BYTES / 2 &&
               letter_words(t, n, 1) > 0 &&
               (!ends_like_sentence(t, n) || t[n - 1] == ':') &&
               !s->seeking_headline) {
        s->has_cand = 1;
        s->cand_start = first->start;
        s->cand_end = first->end;
    } else {
        taken = 0;
    }
    if (!taken)
        s->want_centred = 0;
    free(t);
    return taken;
}

/* Splits the block of non-blank lines starting at POS, whose first line
 * HEAD the caller has scanned; returns where the block ends through *NEXT. */
static qy_status_t block(splitter_t *s, size_t pos, const line_t *head,
                         size_t *next)
{
    const char *buf = s->buf;
    size_t len = s->len;
    line_t line, first = {0, 0, 0}, last = {0, 0, 0};
    size_t lines = 0, longest = 0;
    int filled = 1; /* every line but the last is at least WRAP_MIN_LINE */
    size_t first_indent = 0, second_indent = 0, min_indent = SIZE_MAX;
    size_t gaps = 0, width = 0;
    int centred = s->want_centred;

    /* First pass: measure the lines. */
    size_t p = pos;
    while (p < len) {
        if (lines == 0)
            line = *head;
        else
            scan_line(buf, len, p, &line);
        if (line.start == line.end)
            break;
        if (s->plain) {
            size_t indent = line.start - p;
            if (lines == 0)
                first_indent = indent;
            else if (lines == 1)
                second_indent = indent;
            if (indent < min_indent)
                min_indent = indent;
            gaps += column_gaps(buf, line.start, line.end) > 0;
            if (line.end - p > width)
                width = line.end - p;
            /* twice the middle of the line against the page's width */
            size_t mid2 = 2 * indent + (line.end - line.start);
            if (centred && (mid2 + CENTRED_SLACK < s->page_width ||
                            mid2 > s->page_width + CENTRED_SLACK))
                centred = 0;
        }
        if (lines == 0)
            first = line;
        else if (last.end - last.start < WRAP_MIN_LINE)
            filled = 0;
        size_t n = line.end - line.start;
        if (n > longest)
            longest = n;
        last = line;
        lines++;
        p = line.next;
    }
    *next = p;
    if (lines == 0)
        return QY_OK;
    qy_status_t sst;
    if (s->plain && !s->keep_all &&
        structure(s, lines, &first, &last, first_indent, second_indent,
                  min_indent, width, centred, gaps, next, &sst))
        return sst;

    if (longest <= WRAP_MAX_LINE && filled &&
        (lines == 1 || !(s->flags & QY_TEXT_LINES)))
        return paragraph(s, first.start, last.end, lines == 1);

    /* Second pass: one paragraph per line. */
    p = pos;
    for (size_t k = 0; k < lines; k++) {
        if (k == 0)
            line = *head;
        else
            scan_line(buf, len, p, &line);
        qy_status_t st = paragraph(s, line.start, line.end, 1);
        if (st != QY_OK)
            return st;
        p = line.next;
    }
    return QY_OK;
}

/* Splits S->buf from POS on, block by block. */
static qy_status_t split_blocks(splitter_t *s, size_t pos)
{
    qy_status_t st = QY_OK;
    while (pos < s->len && st == QY_OK) {
        line_t line;
        scan_line(s->buf, s->len, pos, &line);
        if (line.start == line.end) {
            pos = line.next;
            continue;
        }
        st = block(s, pos, &line, &pos);
    }
    if (st == QY_OK && s->plain && !s->keep_all)
        st = settle_candidate(s, 0);
    if (st == QY_OK && s->plain && !s->keep_all)
        st = keep_heading(s);
    free(s->scratch);
    s->scratch = NULL;
    return st;
}

/* Splits plain text: the whole (or its first part) when FIRST. */
static qy_status_t split_plain(const char *buf, size_t len, int first,
                               qy_article_t *out)
{
    memset(out, 0, sizeof *out);
    splitter_t s = {.buf = buf,
                    .len = len,
                    .out = out,
                    .seeking_headline = first,
                    .min_words = 1,
                    .plain = 1};
    size_t pos = 0;

    if (first && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* byte order mark */

    qy_status_t st = split_blocks(&s, pos);
    if (st == QY_OK && out->count == 0) {
        /* Nothing kept: keep whatever holds a word, the headline too. */
        out->ndrops = 0;
        s.seeking_headline = 0;
        s.keep_all = 1;
        s.title = NULL;
        st = split_blocks(&s, pos);
    }
    free(s.section);
    if (st == QY_OK && !first && !out->title && !(out->title = calloc(1, 1)))
        st = QY_NOMEM;
    if (st == QY_OK)
        st = qy_article_default_title(out);
    if (st != QY_OK)
        qy_article_free(out);
    return st;
}

qy_status_t qy_split_plain(const char *buf, size_t len, qy_article_t *out)
{
    return split_plain(buf, len, 1, out);
}

qy_status_t qy_split_plain_more(const char *buf, size_t len, qy_article_t *out)
{
    return split_plain(buf, len, 0, out);
}

qy_status_t qy_article_default_title(qy_article_t *article)
{
    if (article->title)
        return QY_OK;
    if (article->count > 0)
        article->title = first_sentence(article->passages[0].text,
                                        article->passages[0].text_len);
    else
        article->title = calloc(1, 1);
    return article->title ? QY_OK : QY_NOMEM;
}

char *qy_passage_clean(const char *text, size_t len, size_t *out_len)
{
    size_t start = 0;
    while (start < len) { /* clean_span wants no leading whitespace */
        int32_t cp;
        size_t n = next_cp(text, len, start, &cp);
        if (cp < 0 || !qy_utf8_is_space(cp))
            break;
        start += n;
    }
    size_t n = clean_span(text, start, len, NULL);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    clean_span(text, start, len, out);
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

qy_status_t qy_article_add_text(qy_article_t *article, const char *text,
                                size_t len, unsigned flags, const char *title,
                                qy_span_fn span, void *ctx)
{
    /* The capacity the splitter's doubling from 16 has given PASSAGES. */
    size_t cap = 0;
    if (article->count > 0) {
        cap = 16;
        while (cap < article->count)
            cap *= 2;
    }
    splitter_t s = {.buf = text,
                    .len = len,
                    .out = article,
                    .cap = cap,
                    .flags = flags,
                    .min_words = flags & QY_TEXT_UNIT ? 1 : PROSE_MIN_WORDS,
                    .keep_all = (flags & QY_TEXT_ALL) != 0,
                    .title = title,
                    .span = span,
                    .span_ctx = ctx};
    return split_blocks(&s, 0);
}

/* A passage made of a heading or a title is text of the source already
 * counted elsewhere: it gets an empty span where the article's passages end,
 * so that spans stay inside the source and in order. */
static size_t passages_end(const qy_article_t *article)
{
    size_t end = 0;
    for (size_t i = 0; i < article->count; i++) {
        const qy_passage_t *p = &article->passages[i];
        if (p->offset + p->length > end)
            end = p->offset + p->length;
    }
    return end;
}

static void at_end(void *ctx, size_t start, size_t end, size_t *offset,
                   size_t *length)
{
    (void)start;
    (void)end;
    *offset = *(const size_t *)ctx;
    *length = 0;
}

qy_status_t qy_article_keep_heading(qy_article_t *article, const char *heading,
                                    size_t since, const char *title)
{
    if (!heading || article->count != since ||
        (title && strcmp(heading, title) == 0))
        return QY_OK;
    size_t end = passages_end(article);
    return qy_article_add_text(article, heading, strlen(heading), QY_TEXT_ALL,
                               heading, at_end, &end);
}

qy_status_t qy_article_title_passage(qy_article_t *article)
{
    if (article->count > 0 || !article->title ||
        !has_word(article->title, strlen(article->title)))
        return QY_OK;
    size_t end = passages_end(article);
    return qy_article_add_text(article, article->title, strlen(article->title),
                               QY_TEXT_ALL, NULL, at_end, &end);
}

void qy_article_free(qy_article_t *article)
{
    if (!article)
        return;
    for (size_t i = 0; i < article->count; i++) {
        free(article->passages[i].text);
        free(article->passages[i].title);
    }
    for (size_t i = 0; i < article->nunits; i++) {
        qy_unit_t *u = &article->units[i];
        free(u->title);
        free(u->id);
        free(u->date);
        free(u->from);
        free(u->to);
    }
    free(article->units);
    free(article->passages);
    free(article->drops);
    free(article->title);
    free(article->date);
    free(article->meta);
    memset(article, 0, sizeof *article);
}
