/* Where the index lives when the user does not say. */
#ifndef QUARRY_PATHS_H
#define QUARRY_PATHS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The index path: EXPLICIT when not NULL, else $QUARRY_INDEX when set and
 * not empty, else $XDG_DATA_HOME/quarry/index, else
 * $HOME/.local/share/quarry/index. malloc'd (caller frees); NULL when out of
 * memory or when no rule applies (no HOME). */
char *qy_index_path(const char *explicit_path);

/* Creates DIR's missing parent directories (not DIR itself), like
 * `mkdir -p "$(dirname DIR)"`. Returns 0, or -1 with errno set. */
int qy_make_parents(const char *dir);

#ifdef __cplusplus
}
#endif

#endif
