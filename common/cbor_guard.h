/*
 * Pre-validation of untrusted CBOR before libcbor allocates anything
 * (libcoap-4.3.1.md §9): a declared length larger than the remaining
 * bytes, nesting deeper than CBOR_GUARD_MAX_DEPTH, more than
 * CBOR_GUARD_MAX_ITEMS items, indefinite-length strings, truncation or
 * trailing bytes after the one top-level item are all rejected.
 */
#ifndef DOTSGW_CBOR_GUARD_H
#define DOTSGW_CBOR_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "dots_err.h"

#define CBOR_GUARD_MAX_DEPTH	16
#define CBOR_GUARD_MAX_ITEMS	16384
#define CBOR_GUARD_MAX_LEN	65536	/* whole body */
/*
 * Answers may be far larger: a GET of all mitigations of a cuid is about
 * 50 bytes and 17 items per mitigation, and a relaying gateway keeps all
 * it places upstream under one cuid (its resynchronisation GETs them all).
 * 16 MiB and 2^21 items hold ~120,000 mitigations; libcbor then holds
 * some 100 MiB for a moment at most.
 */
#define CBOR_GUARD_RESP_MAX_LEN		(16u << 20)
#define CBOR_GUARD_RESP_MAX_ITEMS	(1u << 21)

/* 0 when buf holds exactly one well-formed item within the limits;
 * else -1 with err set to 4.00 and a diagnostic naming the byte offset. */
int	cbor_guard_check(const uint8_t *buf, size_t len, struct dots_err *err);
/* The same with other limits (the CBOR_GUARD_RESP_* ones for answers). */
int	cbor_guard_check_limits(const uint8_t *buf, size_t len, size_t max_len,
	    size_t max_items, struct dots_err *err);

#endif
