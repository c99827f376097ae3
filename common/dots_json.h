/*
 * Generic translation between application/dots+cbor and the RFC's JSON
 * notation (RFC 7951 names, as printed in RFC 9132 examples), driven by the
 * key table in dots_keys.h. For logs, the CLI, and for sending the RFC's
 * JSON examples as they are. Keys missing from the table are rendered as
 * their decimal number ("32999": ...) and accepted back the same way.
 */
#ifndef DOTSGW_DOTS_JSON_H
#define DOTSGW_DOTS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dots_err.h"

/* New reference, or NULL with err set (the CBOR is guarded first). */
json_t	*dots_cbor_to_json(const uint8_t *buf, size_t len,
	    struct dots_err *err);

/* 0 with *buf malloc'ed, or -1 with err naming the member at fault. */
int	 dots_json_to_cbor(const json_t *root, uint8_t **buf, size_t *len,
	    struct dots_err *err);

#endif
