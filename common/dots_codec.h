/*
 * CBOR codec for the DOTS signal-channel bodies (application/dots+cbor).
 *
 * Decoders take untrusted bytes: they run cbor_guard_check() first, reject
 * duplicate map keys, wrong major types and unknown comprehension-required
 * keys (the diagnostic names the key), treat CBOR null and empty arrays as
 * absent (interop-matrix.md), keep unknown comprehension-optional keys in
 * the nearest struct dots_optv, and on error leave *out empty (nothing to
 * free). Encoders write canonical integer-keyed maps in RFC member order
 * and never emit absent or empty members.
 */
#ifndef DOTSGW_DOTS_CODEC_H
#define DOTSGW_DOTS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "dots_err.h"
#include "dots_msg.h"

enum dots_dir {
	DOTS_REQ,	/* client -> server: cuid/cdid/mid and status-type keys refused */
	DOTS_RESP,	/* server -> client (responses, notifications) */
};

int	dots_decode_mitigation(const uint8_t *buf, size_t len, enum dots_dir,
	    struct dots_mitigation *out, struct dots_err *err);
int	dots_decode_signal_config(const uint8_t *buf, size_t len,
	    enum dots_dir, struct dots_signal_config *out, struct dots_err *err);
int	dots_decode_heartbeat(const uint8_t *buf, size_t len,
	    struct dots_heartbeat *out, struct dots_err *err);
int	dots_decode_redirect(const uint8_t *buf, size_t len,
	    struct dots_redirect *out, struct dots_err *err);
/* dotsgw:registration: every member checked, unknown keys refused. */
int	dots_decode_registration(const uint8_t *buf, size_t len,
	    enum dots_dir, struct dots_registration *out, struct dots_err *err);

/* Encoders: *buf is malloc'ed, caller frees. 0 or -1 (allocation). */
int	dots_encode_mitigation(const struct dots_mitigation *,
	    uint8_t **buf, size_t *len);
int	dots_encode_signal_config(const struct dots_signal_config *,
	    uint8_t **buf, size_t *len);
int	dots_encode_heartbeat(const struct dots_heartbeat *,
	    uint8_t **buf, size_t *len);
int	dots_encode_redirect(const struct dots_redirect *,
	    uint8_t **buf, size_t *len);
int	dots_encode_registration(const struct dots_registration *,
	    uint8_t **buf, size_t *len);

#endif
