/*
 * A missing state-dir is created with its parents (statedir.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "gateway/state/statedir.h"

#define STATE_DIR_MODE	0700

/* One component, prefix of the state-dir path: 0 when it is a directory. */
static int
make_one(const char *full, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, STATE_DIR_MODE) == 0) {
		/* the umask may have taken bits; the mode is ours to say */
		if (chmod(dir, STATE_DIR_MODE) == -1) {
			snprintf(err, errlen, "state-dir %s: chmod %s: %s",
			    full, dir, strerror(errno));
			return -1;
		}
		log_info("state-dir %s: created %s (mode 0700)", full, dir);
		return 0;
	}
	if (errno == EEXIST && stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "state-dir %s: %s exists and is not a "
		    "directory", full, dir);
		return -1;
	}
	snprintf(err, errlen, "state-dir %s: cannot create %s: %s", full, dir,
	    strerror(errno));
	return -1;
}

int
state_dir_make(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *p, *s;
	int rc = 0;

	if (path[0] == '\0') {
		snprintf(err, errlen, "state-dir is empty");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "state-dir %s: exists and is not a "
		    "directory", path);
		return -1;
	}
	if ((p = strdup(path)) == NULL) {
		snprintf(err, errlen, "state-dir %s: out of memory", path);
		return -1;
	}
	/* every prefix ending before a '/', then the whole path */
	for (s = p + 1; rc == 0 && (s = strchr(s, '/')) != NULL; s++) {
		if (s[-1] == '/')
			continue;	/* "a//b" */
		*s = '\0';
		rc = make_one(path, p, err, errlen);
		*s = '/';
	}
	if (rc == 0)
		rc = make_one(path, p, err, errlen);
	free(p);
	return rc;
}
