// Where the code that is running was loaded from: libStyleFilter.so when a C host or libvips loaded
// the library, the filterctl executable when the tool runs. The installed presets are found
// relative to it (PREFIX/lib or PREFIX/bin → PREFIX/share/stylefilter/presets), so an install under
// any PREFIX finds its own without XDG_DATA_DIRS.
#define _GNU_SOURCE
#include "CShim.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int sf_loaded_from(char *path, size_t capacity) {
    Dl_info info;
    if (!path || capacity == 0 || !dladdr((void *) sf_loaded_from, &info) || !info.dli_fname) return -1;
    // dladdr names the main program as it was invoked (possibly relative, or a symlink);
    // /proc/self/exe is its real path.
    char resolved[PATH_MAX];
    const char *name = info.dli_fname;
    if (!realpath(strchr(name, '/') ? name : "/proc/self/exe", resolved)) return -1;
    if (strlen(resolved) + 1 > capacity) return -1;
    strcpy(path, resolved);
    return 0;
}
