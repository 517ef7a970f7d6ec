/* quarry.h - the C API of libquarry, full-text passage search over Xapian
 *
 * libquarry is the engine of the `indexer` and `query` programs: it splits
 * documents into passages (paragraphs), stores them in a Xapian index, and
 * answers a question with the passages that match it best, each with its
 * highlighted words, the window of text that best shows them, and the other
 * places where the same passage stands. quarry(3) is this header as a
 * manual page.
 *
 * Ownership. Every object is created by a function of this API and belongs
 * to the caller until the matching _destroy (or, for an index,
 * quarry_index_close) releases it; NULL is a no-op for each of them. A hit
 * belongs to the results it came from, and results to nothing: but both
 * read the index they came from, so destroy results before closing their
 * index. A `const char *` returned by a function is borrowed from the
 * object it was asked of and stays valid until that object is released
 * (or, for quarry_index_last_error, until the next call on the index); a
 * `char *` handed back through an argument is the caller's to free().
 * Strings given to the API are copied; none need outlive the call.
 *
 * Errors. Every function that can fail returns a quarry_status_t; on
 * failure the objects it was to return are NULL and the index, when there
 * is one, keeps a one-line description readable with
 * quarry_index_last_error(). A bad argument (NULL where an object is
 * needed, a value out of its range) is QUARRY_STATUS_INVALID_ARGUMENT,
 * never a crash. No C++ exception ever leaves the library.
 *
 * Threads. An object may be used by one thread at a time; distinct indexes
 * (even of the same folder) may be used by distinct threads at once.
 *
 * Strings are UTF-8 and NUL-terminated; offsets count bytes.
 */
#ifndef QUARRY_H
#define QUARRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(QUARRY_BUILDING_LIBRARY)
#define QUARRY_EXPORT __attribute__((visibility("default")))
#else
#define QUARRY_EXPORT
#endif

/* The version of this API: the major number changes when a program built
 * against an older header could break (it is the library's SONAME), the
 * minor number when functions are added, the micro number otherwise. */
#define QUARRY_API_MAJOR 0
#define QUARRY_API_MINOR 1
#define QUARRY_API_MICRO 0

/* True when the header is at least version MAJOR.MINOR.MICRO. */
#define QUARRY_CHECK_VERSION(major, minor, micro)                              \
    (QUARRY_API_MAJOR > (major) ||                                             \
     (QUARRY_API_MAJOR == (major) && QUARRY_API_MINOR > (minor)) ||            \
     (QUARRY_API_MAJOR == (major) && QUARRY_API_MINOR == (minor) &&            \
      QUARRY_API_MICRO >= (micro)))

/* The version of the library the program runs with, "MAJOR.MINOR.MICRO".
 * Static. */
QUARRY_EXPORT const char *quarry_version(void);

/* ---- Status ------------------------------------------------------------ */

typedef enum quarry_status {
    QUARRY_STATUS_SUCCESS = 0,
    QUARRY_STATUS_NOT_FOUND,        /* no index, or no file, at the path */
    QUARRY_STATUS_LOCKED,           /* another writer holds the index */
    QUARRY_STATUS_NOT_AN_INDEX,     /* the path exists but is no index */
    QUARRY_STATUS_CORRUPT,          /* the index is damaged */
    QUARRY_STATUS_VERSION,          /* an index format this library cannot
                                       read */
    QUARRY_STATUS_MODIFIED,         /* the index kept changing while read */
    QUARRY_STATUS_READ_ONLY,        /* a write to an index opened for
                                       reading, or a folder that cannot be
                                       written */
    QUARRY_STATUS_IO_ERROR,         /* reading or writing a file failed */
    QUARRY_STATUS_INVALID_ARGUMENT, /* NULL, empty, or out of range */
    QUARRY_STATUS_UNKNOWN_LANGUAGE, /* no stemmer for the language named */
    QUARRY_STATUS_UNREADABLE,       /* a file whose format cannot be read
                                       (encrypted, damaged, no text) */
    QUARRY_STATUS_OUT_OF_MEMORY,
    QUARRY_STATUS_NETWORK,          /* a remote index could not be reached */
    QUARRY_STATUS_XAPIAN_EXCEPTION, /* any other failure reported by Xapian */
    QUARRY_STATUS_INTERNAL_ERROR,   /* a bug in libquarry */
    QUARRY_STATUS_LAST_STATUS       /* not a status: one past the last */
} quarry_status_t;

/* A short, static description of STATUS ("success", "index is locked by
 * another writer", ...). Never NULL, also for values out of range. */
QUARRY_EXPORT const char *quarry_status_to_string(quarry_status_t status);

/* ---- Indexes ----------------------------------------------------------- */

typedef struct quarry_index quarry_index_t;

typedef enum quarry_mode {
    QUARRY_MODE_READ_ONLY = 0,
    QUARRY_MODE_READ_WRITE /* one writer at a time; readers may go on */
} quarry_mode_t;

/* Opens the index in the folder PATH (as `indexer -d PATH` made it; a path
 * tcp://HOST:PORT names an index served by xapian-tcpsrv, for reading).
 * QUARRY_MODE_READ_WRITE creates the folder's index when it has none (its
 * parent must exist), stemming English. On failure *INDEX is NULL and, when
 * MESSAGE is not NULL, *MESSAGE receives a malloc'd one-line message naming
 * the path (free it); on success *MESSAGE is NULL.
 *
 * Returns SUCCESS, NOT_FOUND, NOT_AN_INDEX, CORRUPT, VERSION, LOCKED and
 * READ_ONLY (writers), NETWORK, INVALID_ARGUMENT or OUT_OF_MEMORY. */
QUARRY_EXPORT quarry_status_t quarry_index_open(const char *path,
                                                quarry_mode_t mode,
                                                quarry_index_t **index,
                                                char **message);

/* Opens PATHS[0..N-1] for reading as one index, as `query -d A -d B` does:
 * hits of all of them, ranked together. Errors as quarry_index_open. */
QUARRY_EXPORT quarry_status_t quarry_index_open_shards(const char *const *paths,
                                                       size_t n,
                                                       quarry_index_t **index,
                                                       char **message);

/* Opens PATH for writing, as QUARRY_MODE_READ_WRITE does, stemming
 * LANGUAGE ("english", "french", ...: the names `indexer --list-languages`
 * prints) in a new index. An existing index keeps its language:
 * INVALID_ARGUMENT (with *MESSAGE) when it is another, UNKNOWN_LANGUAGE
 * for a name no stemmer has. */
QUARRY_EXPORT quarry_status_t quarry_index_create(const char *path,
                                                  const char *language,
                                                  quarry_index_t **index,
                                                  char **message);

/* Commits what a writer added since the last commit (see
 * quarry_index_commit) and releases INDEX. Returns the status of that
 * commit; INDEX is released whatever it is. */
QUARRY_EXPORT quarry_status_t quarry_index_close(quarry_index_t *index);

/* The description of the last failure on INDEX, "" when there was none. */
QUARRY_EXPORT const char *quarry_index_last_error(quarry_index_t *index);

/* The stemming language of INDEX ("english"), borrowed from it. */
QUARRY_EXPORT const char *quarry_index_language(quarry_index_t *index);

/* The number of passages INDEX holds, in *COUNT. */
QUARRY_EXPORT quarry_status_t quarry_index_passage_count(quarry_index_t *index,
                                                         unsigned *count);

/* Re-reads the index as last committed (readers: a reader sees the index
 * as it was when opened, or last reopened). */
QUARRY_EXPORT quarry_status_t quarry_index_reopen(quarry_index_t *index);

/* ---- Indexing (writers) -------------------------------------------------
 * Changes become visible to readers, and durable, at the next commit. */

/* Indexes the plain text TEXT as a document stored under SOURCE (any name:
 * a path, a URL). With ID NULL or "", its passages replace those SOURCE
 * had; with an ID, those of the document ID, wherever it came from (the
 * identity a JSON Lines document has in `indexer`). TITLE is the
 * document's title; NULL: taken from the text as `indexer` does (its
 * headline, else its first sentence). The text is split into passages as
 * `indexer` splits a .txt file (or, with an ID, a JSON Lines text: a
 * passage a line). When PASSAGES is not NULL, *PASSAGES receives the
 * number of passages stored (0 for a text without a word).
 *
 * Returns SUCCESS, READ_ONLY (a reader), INVALID_ARGUMENT (SOURCE or TEXT
 * NULL, SOURCE empty), OUT_OF_MEMORY or a failure of the index. */
QUARRY_EXPORT quarry_status_t quarry_index_add_document(
    quarry_index_t *index, const char *source, const char *id,
    const char *title, const char *text, unsigned *passages);

/* Indexes the file PATH as `indexer PATH` does, by its format (by its
 * extension, else its content: text, Markdown, HTML, JSON Lines, PDF, ODT,
 * DOCX, EPUB), stored under its absolute path; its passages replace those
 * the file had. *PASSAGES as for quarry_index_add_document.
 *
 * Returns SUCCESS, NOT_FOUND (no such file), IO_ERROR (unreadable, or not a
 * regular file), UNREADABLE (a binary file, or one of a format it cannot
 * read: encrypted, damaged, no text; the reason in quarry_index_last_error;
 * the passages the file had are removed, as indexer does), READ_ONLY,
 * INVALID_ARGUMENT, OUT_OF_MEMORY or a failure of the index. A JSON Lines
 * file with a line that is no document (no id, no text) is UNREADABLE
 * after the good lines were indexed. */
QUARRY_EXPORT quarry_status_t quarry_index_add_file(quarry_index_t *index,
                                                    const char *path,
                                                    unsigned *passages);

/* Removes every passage stored under SOURCE (a path as the index stores
 * it: absolute for files). Nothing happens when there is none. */
QUARRY_EXPORT quarry_status_t quarry_index_remove_source(quarry_index_t *index,
                                                         const char *source);

/* Makes the changes so far durable and visible to readers that reopen. */
QUARRY_EXPORT quarry_status_t quarry_index_commit(quarry_index_t *index);

/* ---- Search options ------------------------------------------------------
 * The options of `query`, with its defaults and ranges. A setter given a
 * value out of range returns INVALID_ARGUMENT and leaves the option as it
 * was. */

typedef struct quarry_search_options quarry_search_options_t;

/* The most hits one search returns. */
#define QUARRY_MAX_LIMIT 100000

/* New options holding the defaults (10 hits, offset 0, BM25 with k1 = 2,
 * b = 0.75, as `query --help` lists them). Returns SUCCESS or
 * OUT_OF_MEMORY. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_create(quarry_search_options_t **options);
QUARRY_EXPORT void quarry_search_options_destroy(quarry_search_options_t *o);

/* --limit: at most N hits, 0 to QUARRY_MAX_LIMIT. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_limit(quarry_search_options_t *o, unsigned n);
/* --offset: skip the first N hits, 0 to 10000000. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_offset(quarry_search_options_t *o, unsigned n);
/* --context: words in a snippet window, 1 to 1000. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_context(quarry_search_options_t *o, unsigned words);
/* --lang: stem the question in LANGUAGE rather than the index's language;
 * NULL: the index's. UNKNOWN_LANGUAGE for a name no stemmer has. */
QUARRY_EXPORT quarry_status_t quarry_search_options_set_language(
    quarry_search_options_t *o, const char *language);
/* --k1 (0 to 1000) and --b (0 to 1): BM25's parameters. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_k1(quarry_search_options_t *o, double k1);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_b(quarry_search_options_t *o, double b);
/* --title-weight and --proximity, 0 (off) to 100. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_title_weight(quarry_search_options_t *o, double w);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_proximity(quarry_search_options_t *o, double w);
/* --feedback N passages (0: off), --feedback-terms (0 to 1000 each) and
 * --feedback-weight (0 to 1). */
QUARRY_EXPORT quarry_status_t quarry_search_options_set_feedback(
    quarry_search_options_t *o, unsigned passages);
QUARRY_EXPORT quarry_status_t quarry_search_options_set_feedback_terms(
    quarry_search_options_t *o, unsigned terms);
QUARRY_EXPORT quarry_status_t quarry_search_options_set_feedback_weight(
    quarry_search_options_t *o, double weight);
/* Switches, each 0 (off) or 1 (on); other values are INVALID_ARGUMENT:
 * --repeats on, --per-source, --duplicates (keep near-identical passages as
 * hits of their own), --explain (fill each hit's score parts), and
 * spelling (on by default; off: --no-spelling). */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_repeats(quarry_search_options_t *o, int on);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_per_source(quarry_search_options_t *o, int on);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_duplicates(quarry_search_options_t *o, int on);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_explain(quarry_search_options_t *o, int on);
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_spelling(quarry_search_options_t *o, int on);
/* Highlights and snippets (on by default): off leaves every hit without
 * them, which is faster when only the hits' sources or the count are
 * wanted. 0 or 1. */
QUARRY_EXPORT quarry_status_t
quarry_search_options_set_highlights(quarry_search_options_t *o, int on);

/* Turns the VALUE of a source:VALUE filter that is neither absolute nor a
 * glob into the source it names as the index stores it (an absolute path),
 * in a string from malloc() that the library frees; or NULL to match VALUE
 * as the end of the stored paths. `query` resolves against the current
 * folder with realpath(3). */
typedef char *(*quarry_source_resolver_t)(void *context, const char *value);
/* Sets the resolver of source:VALUE filters (NULL: none, the default) and
 * the CONTEXT it is given, which is not copied: it must stay valid while
 * the options are used. */
QUARRY_EXPORT quarry_status_t quarry_search_options_set_source_resolver(
    quarry_search_options_t *o, quarry_source_resolver_t resolver,
    void *context);

/* ---- Searching ---------------------------------------------------------- */

typedef struct quarry_results quarry_results_t;
typedef struct quarry_hit quarry_hit_t;

/* Answers QUESTION (words, or the query syntax of query(1)) from INDEX
 * with OPTIONS (NULL: the defaults) into *RESULTS, as `query` does. A
 * source:VALUE filter matches VALUE as an absolute path, a glob, or the
 * end of the stored paths, unless a resolver is set (the library itself
 * never looks at the current folder). A question without a
 * searchable word finds nothing (SUCCESS, no hits).
 *
 * Returns SUCCESS, INVALID_ARGUMENT, UNKNOWN_LANGUAGE, CORRUPT, MODIFIED,
 * NETWORK, OUT_OF_MEMORY or XAPIAN_EXCEPTION. */
QUARRY_EXPORT quarry_status_t quarry_search(
    quarry_index_t *index, const char *question,
    const quarry_search_options_t *options, quarry_results_t **results);
QUARRY_EXPORT void quarry_results_destroy(quarry_results_t *results);

/* The number of matching passages (exact up to a large bound, then an
 * estimate), whatever the limit. */
QUARRY_EXPORT unsigned quarry_results_total(const quarry_results_t *results);
/* The number of hits returned: at most the limit. */
QUARRY_EXPORT size_t quarry_results_count(const quarry_results_t *results);
/* Hit I (0-based, below quarry_results_count), best first; NULL out of
 * range. */
QUARRY_EXPORT const quarry_hit_t *
quarry_results_hit(const quarry_results_t *results, size_t i);
/* "Did you mean": the question with misspelled words corrected, or NULL. */
QUARRY_EXPORT const char *
quarry_results_suggestion(const quarry_results_t *results);
/* 1 when the hits answer the suggestion, because the question as typed
 * found nothing; else 0. */
QUARRY_EXPORT int quarry_results_corrected(const quarry_results_t *results);
/* The query as understood, one line (`query --parsed`). */
QUARRY_EXPORT const char *
quarry_results_parsed(const quarry_results_t *results);

/* A hit: one passage. Strings are never NULL ("" when absent). */
QUARRY_EXPORT unsigned quarry_hit_rank(const quarry_hit_t *hit); /* 1-based,
                                                    counting skipped hits */
QUARRY_EXPORT double quarry_hit_score(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_text(const quarry_hit_t *hit);
/* The document's title, and the heading of the passage's section. */
QUARRY_EXPORT const char *quarry_hit_title(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_section(const quarry_hit_t *hit);
/* Where the passage came from: the source (a file's absolute path), the
 * document id ("" unless given), the 1-based passage number in its source,
 * its page (0 when the document has none), and its byte span in the
 * source. */
QUARRY_EXPORT const char *quarry_hit_source(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_id(const quarry_hit_t *hit);
QUARRY_EXPORT unsigned quarry_hit_passage(const quarry_hit_t *hit);
QUARRY_EXPORT unsigned quarry_hit_page(const quarry_hit_t *hit);
QUARRY_EXPORT void quarry_hit_offsets(const quarry_hit_t *hit,
                                      unsigned long long *offset,
                                      unsigned long long *length);
/* The document's other fields as a JSON object text, or "". */
QUARRY_EXPORT const char *quarry_hit_meta(const quarry_hit_t *hit);
/* A mail's sender (name <address>), recipients (To and Cc) and date
 * (RFC 3339), each "" for other documents; and the language the passage
 * was stemmed in, "" unless the index holds several. */
QUARRY_EXPORT const char *quarry_hit_from(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_to(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_date(const quarry_hit_t *hit);
QUARRY_EXPORT const char *quarry_hit_language(const quarry_hit_t *hit);

/* The matched words of the text: quarry_hit_highlight_count spans, in
 * order; span I is the bytes [*START, *END) of quarry_hit_text. Returns
 * INVALID_ARGUMENT for I out of range. */
QUARRY_EXPORT size_t quarry_hit_highlight_count(const quarry_hit_t *hit);
QUARRY_EXPORT quarry_status_t quarry_hit_highlight(const quarry_hit_t *hit,
                                                   size_t i, size_t *start,
                                                   size_t *end);
/* The window of the text that best shows the matched words, [*START,
 * *END); *CUT_BEFORE and *CUT_AFTER (each may be NULL) say whether the
 * text goes on before and after it. */
QUARRY_EXPORT void quarry_hit_snippet(const quarry_hit_t *hit, size_t *start,
                                      size_t *end, int *cut_before,
                                      int *cut_after);

/* `also`: the other places where the same (or a near-identical) passage
 * stands, folded into this hit, best first. Place I's source, document id
 * and passage number; any of the three may be NULL. INVALID_ARGUMENT for I
 * out of range. */
QUARRY_EXPORT size_t quarry_hit_also_count(const quarry_hit_t *hit);
QUARRY_EXPORT quarry_status_t quarry_hit_also(const quarry_hit_t *hit, size_t i,
                                              const char **source,
                                              const char **id,
                                              unsigned *passage);

/* With the explain option: the parts of the score (what: "stole",
 * "title:korea", ...; its weight). INVALID_ARGUMENT for I out of range. */
QUARRY_EXPORT size_t quarry_hit_explain_count(const quarry_hit_t *hit);
QUARRY_EXPORT quarry_status_t quarry_hit_explain(const quarry_hit_t *hit,
                                                 size_t i, const char **what,
                                                 double *weight);

#ifdef __cplusplus
}
#endif

#endif
