/* JSON Lines: one document a line, {"id": ..., "title": ..., "text": ...}.
 *
 * A line is read with cJSON. The id is "id", else "_id": a string, an
 * integer small enough to be exact in a double (|id| < 2^53), or MongoDB's
 * {"$oid": "..."}. "title", "text", "url" and "date" are strings when given
 * (null counts as absent); "text" is required. Every other field, and url
 * and date, is kept as the JSON object text "meta".
 *
 * The fields but the text are bounded, as every passage stores them: an id
 * longer than QY_JSONL_ID_MAX_BYTES is refused (cut, it could name another
 * document), a title is cut to QY_JSONL_TITLE_MAX_BYTES and other strings
 * to QY_JSONL_FIELD_MAX_BYTES, and the members of the meta that would make
 * it longer than QY_JSONL_META_MAX_BYTES are left out. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "quarry/formats.h"
#include "quarry/utf8.h"

/* Integers beyond this lose digits in a double: such ids must be strings. */
#define MAX_EXACT_ID 9007199254740992.0 /* 2^53: from here on, not all are */

static char *repaired(const char *s)
{
    return qy_utf8_repair(s, strlen(s), NULL);
}

/* Whether S[0, LEN) is valid UTF-8 (needs no repair). */
static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n =
            (unsigned char)s[i] < 0x80
                ? 1
                : qy_utf8_valid_prefix((const unsigned char *)s + i, len - i);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

/* S cut in place to at most MAX bytes, at a character's start. */
static void cut_string(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        s[qy_utf8_cut(s, max)] = '\0';
}

static char *empty(void)
{
    return calloc(1, 1);
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The members of ROOT named NAME, all of them (a name may be repeated). */
static void remove_all(cJSON *root, const char *name)
{
    while (cJSON_GetObjectItemCaseSensitive(root, name))
        cJSON_DeleteItemFromObjectCaseSensitive(root, name);
}

/* Reads the string field NAME of ROOT into *OUT (repaired; "" when absent
 * or null), cut to MAX bytes (0: whole; the string is then taken from
 * ROOT when it needs no repair, so that a long text is not copied).
 * Returns 0, 1 when it is not a string, -1 when out of memory. */
static int string_field(cJSON *root, const char *name, size_t max, char **out)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!item || cJSON_IsNull(item)) {
        *out = empty();
        return *out ? 0 : -1;
    }
    if (!cJSON_IsString(item) || !item->valuestring)
        return 1;
    char *s = item->valuestring;
    size_t len = strlen(s);
    if (max) {
        cut_string(s, max);
        *out = repaired(s);
    } else if (valid_utf8(s, len)) {
        *out = s;
        item->valuestring = NULL; /* taken: the member is removed after */
    } else {
        *out = repaired(s);
    }
    return *out ? 0 : -1;
}

/* Reads the id of ROOT into *OUT and names its member in *KEY. Returns
 * QY_OK, QY_INVALID with *WHY set, or QY_NOMEM. */
static qy_status_t read_id(const cJSON *root, char **out, const char **key,
                           const char **why)
{
    *key = "id";
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    if (!id || cJSON_IsNull(id)) {
        *key = "_id";
        id = cJSON_GetObjectItemCaseSensitive(root, "_id");
    }
    if (!id || cJSON_IsNull(id)) {
        *why = "no id";
        return QY_INVALID;
    }
    if (cJSON_IsObject(id)) { /* MongoDB's export: {"$oid": "..."} */
        const cJSON *oid = cJSON_GetObjectItemCaseSensitive(id, "$oid");
        if (cJSON_IsString(oid) && oid->valuestring)
            id = oid;
    }
    if (cJSON_IsString(id) && id->valuestring) {
        if (!*id->valuestring) {
            *why = "empty id";
            return QY_INVALID;
        }
        if (strlen(id->valuestring) > QY_JSONL_ID_MAX_BYTES) {
            *why = "id longer than 1 KiB";
            return QY_INVALID;
        }
        *out = repaired(id->valuestring);
        return *out ? QY_OK : QY_NOMEM;
    }
    if (cJSON_IsNumber(id)) {
        double v = id->valuedouble;
        if (!isfinite(v) || v != floor(v)) {
            *why = "id is a number that is not an integer";
            return QY_INVALID;
        }
        if (fabs(v) >= MAX_EXACT_ID) {
            *why = "id is an integer too large to be exact; write it as a "
                   "string";
            return QY_INVALID;
        }
        char buf[32];
        snprintf(buf, sizeof buf, "%.0f", v == 0 ? 0.0 : v); /* never -0 */
        *out = strdup(buf);
        return *out ? QY_OK : QY_NOMEM;
    }
    *why = "id is not a string or an integer";
    return QY_INVALID;
}

/* The JSON object LINE[0..LEN) holds (a byte order mark and white space
 * around it allowed), or NULL with *WHY set. */
static cJSON *parse_object(const char *line, size_t len, const char **why)
{
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3; /* a byte order mark before the first line */
        len -= 3;
    }
    while (len > 0 && is_json_space(line[len - 1]))
        len--;
    size_t start = 0;
    while (start < len && is_json_space(line[start]))
        start++;
    if (start == len) {
        *why = "empty line";
        return NULL;
    }
    if (memchr(line, '\0', len)) { /* JSON has none; strings would end there */
        *why = "NUL byte in line";
        return NULL;
    }

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!root) {
        *why = "not valid JSON";
        return NULL;
    }
    while (end && end < line + len && is_json_space(*end))
        end++;
    if (end != line + len) {
        *why = "not valid JSON (text after the object)";
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        *why = "not a JSON object";
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The room member ITEM takes in the printed object at most: its value as
 * printed, its name escaped at worst (\\u00XX a byte), the quotes, colon
 * and comma; SIZE_MAX when out of memory. */
static size_t member_bytes(const cJSON *item)
{
    char *value = cJSON_PrintUnformatted(item);
    if (!value)
        return SIZE_MAX;
    size_t n = strlen(value);
    free(value);
    return n + 6 * strlen(item->string ? item->string : "") + 4;
}

/* The members of ROOT (the meta) within bounds: its strings cut to
 * QY_JSONL_FIELD_MAX_BYTES, and the members from the first that would
 * take it beyond QY_JSONL_META_MAX_BYTES left out (every one that follows
 * too, so that which are kept does not depend on their sizes). */
static void bound_meta(cJSON *root)
{
    size_t total = 2; /* the braces */
    cJSON *item = root->child;
    while (item) {
        if (cJSON_IsString(item) && item->valuestring)
            cut_string(item->valuestring, QY_JSONL_FIELD_MAX_BYTES);
        size_t n = member_bytes(item);
        if (n > QY_JSONL_META_MAX_BYTES - total)
            break;
        total += n;
        item = item->next;
    }
    while (item) {
        cJSON *next = item->next;
        cJSON_Delete(cJSON_DetachItemViaPointer(root, item));
        item = next;
    }
}

/* Fills OUT from the fields of ROOT: the id, title, text, url and date,
 * and as its meta (repaired) every field but the id, title and text, which
 * are removed from ROOT. */
static qy_status_t read_fields(cJSON *root, qy_jsonl_doc_t *out,
                               const char **why)
{
    static const struct {
        const char *name;
        size_t field; /* offset of the string in qy_jsonl_doc_t */
        size_t max;   /* its length at most; 0: whole */
        const char *why;
    } fields[] = {
        {"title", offsetof(qy_jsonl_doc_t, title), QY_JSONL_TITLE_MAX_BYTES,
         "title is not a string"},
        {"text", offsetof(qy_jsonl_doc_t, text), 0, "text is not a string"},
        {"url", offsetof(qy_jsonl_doc_t, url), QY_JSONL_FIELD_MAX_BYTES,
         "url is not a string"},
        {"date", offsetof(qy_jsonl_doc_t, date), QY_JSONL_FIELD_MAX_BYTES,
         "date is not a string"},
    };
    const char *id_key;
    qy_status_t st = read_id(root, &out->id, &id_key, why);
    for (size_t i = 0; st == QY_OK && i < sizeof fields / sizeof *fields; i++) {
        char **dst = (char **)((char *)out + fields[i].field);
        int r = string_field(root, fields[i].name, fields[i].max, dst);
        if (r < 0)
            st = QY_NOMEM;
        else if (r > 0) {
            *why = fields[i].why;
            st = QY_INVALID;
        }
    }
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
    if (st == QY_OK && (!text || cJSON_IsNull(text))) {
        *why = "no text";
        st = QY_INVALID;
    }
    if (st != QY_OK)
        return st;
    remove_all(root, id_key);
    remove_all(root, "title");
    remove_all(root, "text");
    bound_meta(root);
    if (!root->child) {
        out->meta = empty();
    } else {
        char *meta = cJSON_PrintUnformatted(root);
        if (meta) {
            /* Strings pass through cJSON byte for byte: repair them. */
            out->meta = repaired(meta);
            free(meta);
        }
    }
    return out->meta ? QY_OK : QY_NOMEM;
}

static qy_status_t parse_line(const char *line, size_t len, qy_jsonl_doc_t *out,
                              const char **why)
{
    memset(out, 0, sizeof *out);
    *why = NULL;
    cJSON *root = parse_object(line, len, why);
    if (!root)
        return QY_INVALID;
    qy_status_t st = read_fields(root, out, why);
    cJSON_Delete(root);
    if (st != QY_OK)
        qy_jsonl_doc_free(out);
    return st;
}

/* A copy of LINE[0..LEN) (same length) with every \\u escape of a lone
 * surrogate, which cJSON refuses, made \\ufffd, as invalid UTF-8 is
 * repaired; NULL when there is none (or no memory: cJSON then refuses the
 * line). */
static char *without_lone_surrogates(const char *line, size_t len)
{
    char *copy = NULL;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (!in_string) {
            in_string = c == '"';
            continue;
        }
        if (c == '"') {
            in_string = 0;
            continue;
        }
        if (c != '\\' || i + 1 >= len)
            continue;
        if (line[i + 1] != 'u' || i + 6 > len) {
            i++; /* an escaped character: not a quote or a \\u */
            continue;
        }
        char hex[5] = {0};
        memcpy(hex, line + i + 2, 4);
        char *end;
        unsigned long cp = strtoul(hex, &end, 16);
        if (*end || cp < 0xd800 || cp > 0xdfff) {
            i += 1;
            continue;
        }
        if (cp < 0xdc00 && i + 12 <= len && line[i + 6] == '\\' &&
            line[i + 7] == 'u') {
            memcpy(hex, line + i + 8, 4);
            unsigned long low = strtoul(hex, &end, 16);
            if (!*end && low >= 0xdc00 && low <= 0xdfff) {
                i += 11; /* a pair */
                continue;
            }
        }
        if (!copy) {
            if (!(copy = malloc(len + 1)))
                return NULL;
            memcpy(copy, line, len);
            copy[len] = '\0';
        }
        memcpy(copy + i, "\\ufffd", 6);
        i += 5;
    }
    return copy;
}

qy_status_t qy_jsonl_parse(const char *line, size_t len, qy_jsonl_doc_t *out,
                           const char **why)
{
    char *fixed = without_lone_surrogates(line, len);
    qy_status_t st = parse_line(fixed ? fixed : line, len, out, why);
    free(fixed);
    return st;
}

void qy_jsonl_doc_free(qy_jsonl_doc_t *doc)
{
    if (!doc)
        return;
    free(doc->id);
    free(doc->title);
    free(doc->text);
    free(doc->url);
    free(doc->date);
    free(doc->meta);
    memset(doc, 0, sizeof *doc);
}

qy_status_t qy_split_jsonl(const qy_jsonl_doc_t *doc, qy_article_t *out)
{
    memset(out, 0, sizeof *out);
    const char *title = doc->title ? doc->title : "";
    const char *text = doc->text ? doc->text : "";
    out->title = qy_passage_clean(title, strlen(title), NULL);
    qy_status_t st = out->title ? QY_OK : QY_NOMEM;
    if (st == QY_OK)
        st = qy_article_add_text(out, text, strlen(text), QY_TEXT_LINES, NULL,
                                 NULL, NULL);
    /* The document is the unit: when no line of it is prose, every line
     * with a word is kept, and a document without one is its title. */
    if (st == QY_OK && out->count == 0) {
        out->ndrops = 0; /* judged again */
        st = qy_article_add_text(out, text, strlen(text),
                                 QY_TEXT_LINES | QY_TEXT_ALL, NULL, NULL, NULL);
    }
    if (st == QY_OK)
        st = qy_article_title_passage(out);
    if (st != QY_OK)
        qy_article_free(out);
    return st;
}
