/*
 * The state directory (state-dir: the SQLite store, the audit log, relative
 * credentials). A missing one is created at start, so that the first run
 * of a configuration (topologies/quickstart before `make run`) does not
 * end in SQLite's "unable to open database file".
 */
#ifndef DOTSGW_STATEDIR_H
#define DOTSGW_STATEDIR_H

#include <stddef.h>

/*
 * Make path a directory: each missing component is created mode 0700
 * (it will hold PSK-bearing state) and logged. 0 when path is (now) a
 * directory; -1 with err naming the path and the component that could
 * not be created, or that exists but is no directory.
 */
int	state_dir_make(const char *path, char *err, size_t errlen);

#endif
