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

/* 0 when buf holds exactly one well-formed item within the limits;
 * else -1 with err set to 4.00 and a diagnostic naming the byte offset. */
int	cbor_guard_check(const uint8_t *buf, size_t len, struct dots_err *err);

#endif
