/*
 * A SQLite store file in a fresh temp directory, for the tests that open
 * one, and its removal with the two files of its WAL. Included like
 * unit.h, so every test binary stays one file.
 */
#ifndef DOTSGW_UNIT_TMPDB_H
#define DOTSGW_UNIT_TMPDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* dir: a mkdtemp() template, made here; path gets dir/s.db. 0 or -1. */
static int
tmpdb_make(char *dir, char *path, size_t len)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, len, "%s/s.db", dir);
	return 0;
}

static void
tmpdb_remove(const char *dir, const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char f[512];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffix[i]);
		unlink(f);
	}
	rmdir(dir);
}

#endif
