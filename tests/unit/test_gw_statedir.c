/* gateway/statedir.c: a missing state-dir is created, 0700, parents too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/state/statedir.h"
#include "unit.h"

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ?
	    (int)(st.st_mode & 07777) : -1;
}

int
main(void)
{
	char top[] = "/tmp/dotsgw-statedir.XXXXXX", path[512], err[512];
	FILE *f;

	log_init("test_gw_statedir", 0);
	if (mkdtemp(top) == NULL)
		return 1;
	umask(022);
	TEST("missing state-dir and its parents are created 0700") {
		snprintf(path, sizeof(path), "%s/a/b/state", top);
		CHECK(state_dir_make(path, err, sizeof(err)) == 0);
		CHECK(mode_of(path) == 0700);
		snprintf(path, sizeof(path), "%s/a", top);
		CHECK(mode_of(path) == 0700);
		snprintf(path, sizeof(path), "%s/a/b", top);
		CHECK(mode_of(path) == 0700);
	}
	TEST("0700 whatever the umask") {
		umask(0777);
		snprintf(path, sizeof(path), "%s/masked", top);
		CHECK(state_dir_make(path, err, sizeof(err)) == 0);
		CHECK(mode_of(path) == 0700);
		umask(022);
	}
	TEST("an existing directory is kept as it is") {
		snprintf(path, sizeof(path), "%s/existing", top);
		CHECK(mkdir(path, 0755) == 0);
		CHECK(state_dir_make(path, err, sizeof(err)) == 0);
		CHECK(mode_of(path) == 0755);
	}
	TEST("'..', '//' and a trailing '/' in the path") {
		snprintf(path, sizeof(path), "%s/x//y/../z/", top);
		CHECK(state_dir_make(path, err, sizeof(err)) == 0);
		snprintf(path, sizeof(path), "%s/x/z", top);
		CHECK(mode_of(path) == 0700);
	}
	TEST("a file in the way: an error naming the path and the file") {
		char file[512], want[1100];

		snprintf(file, sizeof(file), "%s/plain", top);
		CHECK((f = fopen(file, "w")) != NULL);
		if (f != NULL)
			fclose(f);
		snprintf(path, sizeof(path), "%s/plain/state", top);
		CHECK(state_dir_make(path, err, sizeof(err)) == -1);
		snprintf(want, sizeof(want), "state-dir %s: %s exists and is "
		    "not a directory", path, file);
		CHECK_STR(err, want);
		CHECK(state_dir_make(file, err, sizeof(err)) == -1);
		snprintf(want, sizeof(want), "state-dir %s: exists and is not "
		    "a directory", file);
		CHECK_STR(err, want);
	}
	TEST("an empty state-dir is refused") {
		CHECK(state_dir_make("", err, sizeof(err)) == -1);
		CHECK_STR(err, "state-dir is empty");
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	if (system(path) != 0)
		printf("  (could not remove %s)\n", top);
	return UNIT_EXIT();
}
