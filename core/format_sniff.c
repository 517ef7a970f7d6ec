/* Telling a file's format by its content (libmagic, and the "From " line
 * of an mbox), for files whose name does not say it, and a text from a
 * binary file. */
#include <pthread.h>
#include <string.h>

#include <magic.h>

#include "quarry/formats.h"

static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic; /* NULL when the database cannot be loaded */

static void magic_init(void)
{
    /* Only the MIME type; the tests that cannot tell a document format
     * apart (compressed and tar contents, ELF, CDF, CSV, JSON) are off. */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
                           MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF |
                           MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_CSV |
                           MAGIC_NO_CHECK_JSON | MAGIC_ERROR);
    if (m && magic_load(m, NULL) != 0) {
        magic_close(m);
        m = NULL;
    }
    magic = m;
}

static const struct {
    const char *mime;
    qy_format_t format;
} mime_types[] = {
    {"application/pdf", QY_FORMAT_PDF},
    {"application/vnd.oasis.opendocument.text", QY_FORMAT_ODT},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml."
     "document",
     QY_FORMAT_DOCX},
    {"application/epub+zip", QY_FORMAT_EPUB},
    {"text/html", QY_FORMAT_HTML},
    {"message/rfc822", QY_FORMAT_MAIL},
    {"application/mbox", QY_FORMAT_MAIL},
};

/* An mbox, which libmagic may call plain text: a "From " line, then a
 * header line ("Name: value"). */
static int is_mbox(const char *head, size_t n)
{
    if (n < 5 || memcmp(head, "From ", 5) != 0)
        return 0;
    const char *nl = memchr(head, '\n', n);
    if (!nl)
        return 0;
    size_t i = (size_t)(nl - head) + 1, start = i;
    while (i < n && head[i] > ' ' && head[i] < 127 && head[i] != ':')
        i++;
    return i > start && i < n && head[i] == ':';
}

qy_format_t qy_format_sniff(const void *head, size_t n)
{
    pthread_once(&magic_once, magic_init);
    if (!magic || n == 0)
        return QY_FORMAT_TEXT;
    qy_format_t format = QY_FORMAT_TEXT;
    pthread_mutex_lock(&magic_lock);
    const char *mime = magic_buffer(magic, head, n);
    for (size_t i = 0; mime && i < sizeof mime_types / sizeof *mime_types; i++)
        if (strcmp(mime, mime_types[i].mime) == 0)
            format = mime_types[i].format;
    pthread_mutex_unlock(&magic_lock);
    if (format == QY_FORMAT_TEXT && is_mbox(head, n))
        format = QY_FORMAT_MAIL;
    return format;
}

/* Text holds control bytes other than whitespace only by accident: a file
 * is binary when more than 1 byte in CONTROL_SHARE (and more than one in
 * all) is one. Machine code and compressed data hold about one in ten. */
#define CONTROL_SHARE 16

/* NUL, the C0 controls that are not whitespace, and DEL. */
static int is_control(unsigned char c)
{
    return (c < 0x20 && (c < '\t' || c > '\r')) || c == 0x7f;
}

size_t qy_count_controls(const char *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += is_control((unsigned char)p[i]);
    return count;
}

/* Non-zero when the N bytes at P, a file's start or the whole of it, are
 * not text: they open like an executable, an image or an archive, or too
 * many of them are control bytes. */
int qy_looks_binary(const char *p, size_t n, size_t controls)
{
    static const struct {
        const char *magic;
        size_t len;
    } magics[] = {
        {"\x7f"
         "ELF",
         4},
        {"\x89PNG", 4},
        {"\x1f\x8b", 2},
        {"PK\x03\x04", 4},
        {"GIF8", 4},
        {"\xff\xd8\xff", 3},
        {"\xfd"
         "7zXZ",
         5},
        {"BZh", 3},
        {"%PDF-", 5},
        {"\x28\xb5\x2f\xfd", 4}, /* zstd */
    };
    for (size_t k = 0; k < sizeof magics / sizeof *magics; k++)
        if (n >= magics[k].len &&
            memcmp(p, magics[k].magic, magics[k].len) == 0)
            return 1;
    return controls > 1 && controls > n / CONTROL_SHARE;
}
