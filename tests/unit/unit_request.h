/*
 * For unit tests of policies/: a mitigation request as a client sends it,
 * RFC-style JSON text to CBOR, through the codec, as dotsgwd receives it.
 */
#ifndef DOTSGW_UNIT_REQUEST_H
#define DOTSGW_UNIT_REQUEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/dots_codec.h"
#include "common/dots_json.h"

/* 0 with *m holding exactly one scope, or -1 (printed). */
static int unit_request(const char *text, struct dots_mitigation *m)
{
	json_t		*root;
	json_error_t	 jerr;
	struct dots_err	 err;
	uint8_t		*buf = NULL;
	size_t		 len;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if ((root = json_loads(text, 0, &jerr)) == NULL) {
		printf("  json: %s\n", jerr.text);
		return -1;
	}
	rc = dots_json_to_cbor(root, &buf, &len, &err);
	json_decref(root);
	if (rc == -1) {
		printf("  to cbor: %s\n", err.msg);
		return -1;
	}
	rc = dots_decode_mitigation(buf, len, DOTS_REQ, m, &err);
	free(buf);
	if (rc == -1 || m->n_scope != 1) {
		printf("  decode: %s\n", err.msg);
		return -1;
	}
	return 0;
}

#endif
