/*
 * libFuzzer target for conf_conninfo_redact (common/conf_conninfo.c): any
 * string, both of libpq's forms. The output is NUL-terminated within the
 * buffer, whatever its size, and a password= value never survives in it.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[2048], small[7];
	const char *pw;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	conf_conninfo_redact(in, out, sizeof(out));
	if (memchr(out, '\0', sizeof(out)) == NULL)
		abort();
	conf_conninfo_redact(in, small, sizeof(small));
	if (memchr(small, '\0', sizeof(small)) == NULL)
		abort();
	/* an unquoted key=value password is always replaced */
	if (strncmp(in, "password=", 9) == 0 && in[9] != '\'' &&
	    in[9] != '\0' && !isspace((unsigned char)in[9]) &&
	    strncmp(in, "password=<redacted>", 19) != 0) {
		pw = out + 9;
		if (strncmp(pw, "<redacted>", 10) != 0)
			abort();
	}
	return 0;
}
