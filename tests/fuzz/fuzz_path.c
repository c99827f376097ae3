/*
 * libFuzzer target for the Uri-Path parser: the input is split at NUL
 * bytes into Uri-Path segments, as libcoap hands them over.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dots_seg segs[9];
	struct dots_path p, q;
	struct dots_err err;
	size_t n = 0, start = 0;
	char buf[512];

	for (size_t i = 0; i <= size && n < 9; i++)
		if (i == size || data[i] == 0) {
			segs[n].s = data + start;
			segs[n++].len = i - start;
			start = i + 1;
		}
	if (dots_path_parse(segs, n, &p, &err) == -1) {
		if (err.coap != 400 && err.coap != 404)
			abort();
		return 0;
	}
	/* what parses formats, and the format parses back to the same */
	if (dots_path_format(&p, buf, sizeof(buf)) == -1)
		abort();
	n = 0;
	start = 0;
	for (size_t i = 0, len = strlen(buf); i <= len; i++)
		if (i == len || buf[i] == '/') {
			segs[n].s = (const uint8_t *)buf + start;
			segs[n++].len = i - start;
			start = i + 1;
		}
	if (dots_path_parse(segs, n, &q, &err) == -1 ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	return 0;
}
