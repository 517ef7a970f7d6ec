#include "quarry/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", a, b);
    return s;
}

char *qy_index_path(const char *explicit_path)
{
    if (explicit_path)
        return strdup(explicit_path);
    const char *env = getenv("QUARRY_INDEX");
    if (env && *env)
        return strdup(env);
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/')
        return join(xdg, "/quarry/index");
    const char *home = getenv("HOME");
    if (home && *home)
        return join(home, "/.local/share/quarry/index");
    return NULL;
}

int qy_make_parents(const char *dir)
{
    char *path = strdup(dir);
    if (!path)
        return -1;
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    for (char *p = path + 1; slash && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            free(path);
            return -1;
        }
        *p = '/';
    }
    if (slash && *path && mkdir(path, 0777) != 0 && errno != EEXIST) {
        free(path);
        return -1;
    }
    free(path);
    return 0;
}
