/* Mail: an mbox file or one message (a Maildir's file, an .eml), read with
 * GMime as notmuch reads them. Each message is a document of its own (a
 * qy_unit_t of the article): its Subject is the title, its From, To and Cc,
 * Date and Message-ID are stored with its passages, and its body's
 * paragraphs are the passages: the text/plain part, or the text/html one
 * read as HTML when there is no plain text. Quoted replies ("> " lines and
 * the "... wrote:" line above them) and the signature (below "-- ") are
 * left out, counted as dropped: the message quoted is a document of its
 * own, usually in the same folder, and quoting it again would only repeat
 * its passages. Attachments of a format quarry reads (by their file name,
 * else by their content) are documents of their own after the message,
 * titled by their own title or file name, with the message's addresses and
 * date. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "format_internal.h"
#include "quarry/formats.h"

/* Messages inside messages (forwarded as attachments) and multiparts inside
 * multiparts are followed this deep; a hostile message nests further. */
#define MAX_MIME_DEPTH 16

static const char rule_quoted[] = "quoted reply";
static const char rule_signature[] = "signature";
static const char rule_attachment[] = "attachment that cannot be read";

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_init(void)
{
    g_mime_init();
}

typedef struct mail {
    qy_article_t *out;
    qy_split_part_fn split;
    qy_status_t st;
    const char *message_id; /* of the message being read */
    const char *from, *to, *date;
    int has_text; /* the message's body text was found */
} mail_t;

static void fail(mail_t *m, qy_status_t st)
{
    if (m->st == QY_OK)
        m->st = st;
}

/* S cleaned like passage text (valid UTF-8, white space runs made one
 * space), or NULL when S is NULL or empty; *FAILED set when out of
 * memory. */
static char *clean_or_null(const char *s, int *failed)
{
    if (!s || !*s)
        return NULL;
    char *c = qy_passage_clean(s, strlen(s), NULL);
    *failed |= !c;
    return c;
}

/* Starts a document at the article's next passage. */
static qy_unit_t *add_unit(mail_t *m, const char *title)
{
    qy_article_t *out = m->out;
    qy_unit_t *units = realloc(out->units, (out->nunits + 1) * sizeof *units);
    if (!units) {
        fail(m, QY_NOMEM);
        return NULL;
    }
    out->units = units;
    qy_unit_t *u = &units[out->nunits++];
    memset(u, 0, sizeof *u);
    u->first = out->count;
    int failed = 0;
    u->title = clean_or_null(title && *title ? title : " ", &failed);
    u->id = clean_or_null(m->message_id, &failed);
    u->date = clean_or_null(m->date, &failed);
    u->from = clean_or_null(m->from, &failed);
    u->to = clean_or_null(m->to, &failed);
    if (failed)
        fail(m, QY_NOMEM);
    return u;
}

static void add_drop(mail_t *m, size_t offset, size_t length, const char *rule)
{
    if (!qy_article_drop(m->out, offset, length, rule))
        fail(m, QY_NOMEM);
}

/* qy_span_fn for a passage copied from another article: its own span. */
static void copied_span(void *ctx, size_t start, size_t end, size_t *offset,
                        size_t *length)
{
    const qy_passage_t *p = ctx;
    (void)start;
    (void)end;
    *offset = p->offset;
    *length = p->length;
}

/* Appends the passages of FROM (split from an attachment or an HTML part)
 * to the article, with their sections and pages. */
static void append_article(mail_t *m, const qy_article_t *from)
{
    for (size_t i = 0; m->st == QY_OK && i < from->count; i++) {
        const qy_passage_t *p = &from->passages[i];
        size_t before = m->out->count;
        qy_status_t st =
            qy_article_add_text(m->out, p->text, p->text_len, QY_TEXT_ALL,
                                p->title, copied_span, (void *)p);
        if (st != QY_OK)
            fail(m, st);
        else if (m->out->count > before)
            m->out->passages[m->out->count - 1].page = p->page;
    }
}

/* Whether LINE[0, N) opens a quotation: "> ", after optional spaces. */
static int is_quoted(const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && line[i] == ' ')
        i++;
    return i < n && line[i] == '>';
}

/* The attribution of a quotation ("On Mon, Alice wrote:"): a line ending in
 * a colon right above the quoted lines. */
static int is_attribution(const char *line, size_t n)
{
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
        n--;
    return n > 0 && line[n - 1] == ':';
}

static int is_signature_mark(const char *line, size_t n)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    return (n == 3 && memcmp(line, "-- ", 3) == 0) ||
           (n == 2 && memcmp(line, "--", 2) == 0);
}

static size_t line_end(const char *s, size_t len, size_t i)
{
    const char *nl = memchr(s + i, '\n', len - i);
    return nl ? (size_t)(nl - s) : len;
}

/* The body text TEXT[0, LEN) without its quotations and signature, which
 * become blank lines (so that paragraphs around them stay apart) and are
 * recorded as dropped. */
static void add_body_text(mail_t *m, char *text, size_t len)
{
    size_t i = 0, last_start = 0, last_end = 0;
    int last_kept = 0; /* the previous line was kept and not blank */
    while (i < len) {
        size_t e = line_end(text, len, i);
        if (is_signature_mark(text + i, e - i)) {
            add_drop(m, i, len - i, rule_signature);
            memset(text + i, ' ', len - i);
            break;
        }
        if (is_quoted(text + i, e - i)) {
            size_t start = i;
            if (last_kept &&
                is_attribution(text + last_start, last_end - last_start)) {
                start = last_start;
            }
            while (i < len && is_quoted(text + i, line_end(text, len, i) - i))
                i = line_end(text, len, i) + 1;
            size_t end = i < len ? i : len;
            add_drop(m, start, end - start, rule_quoted);
            for (size_t k = start; k < end; k++)
                if (text[k] != '\n')
                    text[k] = ' ';
            last_kept = 0;
            continue;
        }
        last_start = i;
        last_end = e;
        last_kept = e > i;
        i = e + 1;
    }
    qy_status_t st =
        qy_article_add_text(m->out, text, len, QY_TEXT_UNIT, NULL, NULL, NULL);
    if (st != QY_OK)
        fail(m, st);
}

/* The decoded content of PART (its transfer encoding undone), malloc'd and
 * NUL-terminated; NULL when there is none. */
static char *part_content(GMimePart *part, size_t *len)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (!w)
        return NULL;
    GMimeStream *mem = g_mime_stream_mem_new();
    char *data = NULL;
    if (g_mime_data_wrapper_write_to_stream(w, mem) >= 0) {
        GByteArray *bytes =
            g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        data = malloc(bytes->len + 1);
        if (data) {
            if (bytes->len) /* an empty array has no data at all */
                memcpy(data, bytes->data, bytes->len);
            data[bytes->len] = '\0';
            *len = bytes->len;
        }
    }
    g_object_unref(mem);
    return data;
}

static int is_text(GMimeObject *obj, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    return ct && g_mime_content_type_is_type(ct, "text", subtype);
}

static void add_attachment(mail_t *m, GMimePart *part)
{
    size_t len = 0;
    char *data = part_content(part, &len);
    if (!data)
        return;
    const char *name = g_mime_part_get_filename(part);
    qy_article_t sub = {0};
    const char *why;
    qy_status_t st =
        m->split(QY_FORMAT_AUTO, name, is_text(GMIME_OBJECT(part), "*"), data,
                 len, &sub, &why);
    free(data);
    if (st == QY_OK) {
        if (add_unit(m, sub.title && *sub.title ? sub.title : name ? name : ""))
            append_article(m, &sub);
    } else if (st == QY_INVALID) {
        add_drop(m, 0, 0, rule_attachment);
    } else if (st != QY_NOT_FOUND) {
        fail(m, st);
    }
    qy_article_free(&sub);
}

static void add_html(mail_t *m, GMimePart *part)
{
    size_t len = 0;
    char *text = GMIME_IS_TEXT_PART(part)
                     ? g_mime_text_part_get_text(GMIME_TEXT_PART(part))
                     : NULL;
    if (!text)
        return;
    len = strlen(text);
    qy_article_t sub = {0};
    const char *why;
    qy_status_t st = m->split(QY_FORMAT_HTML, NULL, 1, text, len, &sub, &why);
    g_free(text);
    if (st == QY_OK)
        append_article(m, &sub);
    else
        fail(m, st);
    qy_article_free(&sub);
}

static void add_plain(mail_t *m, GMimePart *part)
{
    char *text = GMIME_IS_TEXT_PART(part)
                     ? g_mime_text_part_get_text(GMIME_TEXT_PART(part))
                     : NULL;
    if (!text)
        return;
    add_body_text(m, text, strlen(text));
    g_free(text);
}

static void add_message(mail_t *m, GMimeMessage *msg, int depth);

/* Walks the MIME tree of a message: its body text first (the first
 * text/plain or text/html part that is not an attachment; of alternatives,
 * the plain one), its attachments after it. PASS 0 reads the body, PASS 1
 * the attachments. */
static void walk(mail_t *m, GMimeObject *obj, int depth, int pass)
{
    if (!obj || depth > MAX_MIME_DEPTH || m->st != QY_OK)
        return;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        if (pass == 0 && ct &&
            g_mime_content_type_is_type(ct, "multipart", "alternative")) {
            GMimeObject *pick = NULL;
            for (int i = 0; i < n && !pick; i++)
                if (is_text(g_mime_multipart_get_part(mp, i), "plain"))
                    pick = g_mime_multipart_get_part(mp, i);
            for (int i = 0; i < n && !pick; i++)
                pick = g_mime_multipart_get_part(mp, i);
            walk(m, pick, depth + 1, pass);
            return;
        }
        for (int i = 0; i < n; i++)
            walk(m, g_mime_multipart_get_part(mp, i), depth + 1, pass);
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner =
            g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (pass == 1 && inner)
            add_message(m, inner, depth + 1);
        return;
    }
    if (!GMIME_IS_PART(obj))
        return;
    GMimePart *part = GMIME_PART(obj);
    int body = !g_mime_part_is_attachment(part) &&
               (is_text(obj, "plain") || is_text(obj, "html"));
    if (pass == 0 && body && !m->has_text) {
        m->has_text = 1;
        if (is_text(obj, "html"))
            add_html(m, part);
        else
            add_plain(m, part);
    } else if (pass == 1 && !(body && m->has_text)) {
        add_attachment(m, part);
    }
}

/* The addresses of TYPE, as written ("Name <address>, ..."); g_free. */
static char *addresses(GMimeMessage *msg, GMimeAddressType type)
{
    InternetAddressList *list = g_mime_message_get_addresses(msg, type);
    if (!list || internet_address_list_length(list) == 0)
        return NULL;
    return internet_address_list_to_string(list, NULL, FALSE);
}

static char *recipients(GMimeMessage *msg)
{
    char *to = addresses(msg, GMIME_ADDRESS_TYPE_TO);
    char *cc = addresses(msg, GMIME_ADDRESS_TYPE_CC);
    if (!cc)
        return to;
    if (!to)
        return cc;
    char *both = g_strconcat(to, ", ", cc, NULL);
    g_free(to);
    g_free(cc);
    return both;
}

static void add_message(mail_t *m, GMimeMessage *msg, int depth)
{
    if (depth > MAX_MIME_DEPTH || m->st != QY_OK)
        return;
    mail_t saved = *m;
    char *from = addresses(msg, GMIME_ADDRESS_TYPE_FROM);
    char *to = recipients(msg);
    GDateTime *when = g_mime_message_get_date(msg);
    char *date = when ? g_date_time_format(when, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
    m->from = from;
    m->to = to;
    m->date = date;
    m->message_id = g_mime_message_get_message_id(msg);
    m->has_text = 0;
    const char *subject = g_mime_message_get_subject(msg);
    qy_unit_t *u = add_unit(m, subject);
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    walk(m, body, depth + 1, 0);
    /* A message whose body holds no word is found by its subject. */
    if (u && m->st == QY_OK && m->out->count == u->first && u->title &&
        *u->title) {
        qy_status_t st = qy_article_add_text(m->out, u->title, strlen(u->title),
                                             QY_TEXT_ALL, NULL, NULL, NULL);
        if (st != QY_OK)
            fail(m, st);
    }
    walk(m, body, depth + 1, 1);
    g_free(from);
    g_free(to);
    g_free(date);
    m->from = saved.from;
    m->to = saved.to;
    m->date = saved.date;
    m->message_id = saved.message_id;
    m->has_text = saved.has_text;
}

/* Whether BUF starts like a message: a header line ("Name: value"), or an
 * mbox's "From " line. */
static int looks_like_mail(const char *buf, size_t len)
{
    if (len >= 5 && memcmp(buf, "From ", 5) == 0)
        return 1;
    size_t i = 0;
    while (i < len && buf[i] > ' ' && buf[i] < 127 && buf[i] != ':')
        i++;
    return i > 0 && i < len && buf[i] == ':';
}

qy_status_t qy_split_mail(const char *buf, size_t len, qy_split_part_fn split,
                          qy_article_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!looks_like_mail(buf, len)) {
        *why = "not a mail message or mbox, skipped";
        return QY_INVALID;
    }
    pthread_once(&gmime_once, gmime_init);
    out->title = calloc(1, 1);
    if (!out->title)
        return QY_NOMEM;
    int mbox = len >= 5 && memcmp(buf, "From ", 5) == 0;
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(buf, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    g_mime_parser_set_format(parser,
                             mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
    mail_t m = {.out = out, .split = split, .st = QY_OK};
    size_t messages = 0;
    while (m.st == QY_OK && !g_mime_parser_eos(parser)) {
        GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
        if (!msg)
            break;
        add_message(&m, msg, 0);
        g_object_unref(msg);
        messages++;
        if (!mbox)
            break;
    }
    g_object_unref(parser);
    if (m.st != QY_OK) {
        qy_article_free(out);
        return m.st;
    }
    if (messages == 0) {
        qy_article_free(out);
        *why = mbox ? "damaged mbox (no message in it), skipped"
                    : "damaged mail message, skipped";
        return QY_INVALID;
    }
    return QY_OK;
}
