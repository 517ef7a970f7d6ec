/* User synonyms: a file of equivalent words and phrases, stored in the
 * index so that every question searched there finds one through another.
 *
 * One group a line; '#' starts a comment line; blank lines are skipped.
 *
 *     usa, united states of america      every entry finds every other
 *     laptop, notebook => computer       the left side also finds the right
 *
 * Entries are words or phrases, analysed like the text of the index: their
 * stop words are left out of the key a question is matched against, and a
 * phrase is searched as a phrase. */
#ifndef QUARRY_SYNONYMS_H
#define QUARRY_SYNONYMS_H

#include <stddef.h>

#include "quarry/status.h"
#include "quarry/text.h"
#include "quarry/xdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The key a phrase is stored and looked up under, for acronyms learned
 * from the text and user synonyms alike: the stems of TEXT's words other
 * than stop words, joined by single spaces (a lone stop word keeps its
 * stem: it is all there is), into KEY (QY_MAX_TERM_BYTES + 1 bytes; empty
 * when TEXT has no word or only stop words). *WORDS, when not NULL,
 * receives the number of words read. QY_INVALID when the key would be
 * longer than QY_MAX_TERM_BYTES; QY_NOMEM. */
qy_status_t qy_synonym_key(qy_analyzer_t *a, const char *text, size_t len,
                           char *key, unsigned *words);

/* Stores TERM => SYN, learned from the text of the index (an acronym and
 * its long form's key), and remembers it as learned, so that replacing the
 * user synonyms never removes it. Nothing is committed. QY_INVALID, and
 * nothing stored, when the pair is too long for its mark's key. */
qy_status_t qy_synonym_learned(qy_db_t *db, const char *term, const char *syn);

/* The long forms an acronym keeps: at most this many, the most often
 * defined, each defined at least a quarter as often as the first. */
#define QY_ACRONYM_LONG_FORMS 2

/* Whether the long form I of an acronym's N, defined COUNT[0..N-1] times
 * (TOP the largest count), is kept: its rank (most often defined first,
 * ties in the order given) is below QY_ACRONYM_LONG_FORMS, and its count
 * at least a quarter of TOP. */
int qy_long_form_kept(const unsigned long *count, size_t n, size_t i,
                      unsigned long top);

/* Counts COUNT more definitions of ACRONYM (a stem) as LONG_FORM (its
 * key) under the pair's learned mark, then stores in the synonym table,
 * both ways, the acronym's long forms that are kept and removes the others
 * (unless they are also the user's pairs); the counts of all stay, so
 * that later runs rank on all the text indexed. Nothing is committed.
 * QY_INVALID, and nothing stored, when a mark's key would be too long. */
qy_status_t qy_acronym_defined(qy_db_t *db, const char *acronym,
                               const char *long_form, unsigned count);

/* After DB was merged from BASE's index and the shards SHARDS[0..N-1]
 * (each mark then holds the count of the first source that had it):
 * gives every mark of a shard the sum of its counts in BASE (when not
 * NULL) and all the shards, and ranks again the long forms of the
 * acronyms those marks name, as qy_acronym_defined does. Nothing is
 * committed. */
qy_status_t qy_acronyms_merge(qy_db_t *db, qy_db_t *base,
                              qy_db_t *const *shards, size_t n);

/* *ONLY: whether TERM => SYN (LEN bytes), a pair of DB's synonym table,
 * was learned from the text and is not also one of the user's pairs. */
qy_status_t qy_synonym_learned_only(qy_db_t *db, const char *term,
                                    const char *syn, size_t len, int *only);

/* Calls FN for each synonym of KEY, as qy_db_each_synonym does, until FN
 * returns non-zero. Of a shard served by xapian-tcpsrv, which has no
 * synonym table to read, the pairs marked as learned or as the user's and
 * those of the user's list: the synonyms of one index of every shard. */
qy_status_t qy_synonyms_each(qy_db_t *db, const char *key,
                             int (*fn)(void *ctx, const char *syn, size_t len),
                             void *ctx);

/* Replaces the user synonyms of DB (those a previous call stored; the
 * acronyms learned from the text stay) by those of TEXT, LEN bytes read
 * from NAME (named in errors). Nothing is committed: the caller commits.
 * On a syntax error returns QY_INVALID with *ERROR "NAME:LINE: why" and
 * changes nothing. *GROUPS, when not NULL, is set to the number of groups
 * read. *ERROR is malloc'd; the caller frees it. */
qy_status_t qy_synonyms_store(qy_db_t *db, qy_analyzer_t *a, const char *name,
                              const char *text, size_t len, unsigned *groups,
                              char **error);

#ifdef __cplusplus
}
#endif

#endif
