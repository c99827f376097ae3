/*
 * Internals of the CBOR codec, shared by its files and by no one else:
 * dots_codec.c (the decoding machinery and the mitigation scope),
 * dots_codec_session.c (signal-config, heartbeat, redirect, registration)
 * and dots_codec_enc.c (every encoder).
 */
#ifndef DOTSGW_DOTS_CODEC_IMPL_H
#define DOTSGW_DOTS_CODEC_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "dots_codec.h"

/* One decode: its direction, where the error goes, key description
 * buffers for messages. */
struct dec {
	enum dots_dir	 dir;
	struct dots_err	*err;
	char		 kb[80];
	char		 kb2[80];
};

/*
 * One member of a container: 0 taken, -1 error (err set), 1 not a member
 * of this container (dec_walk() then hands it to unknown()).
 */
typedef int member_fn(struct dec *, uint64_t, cbor_item_t *, void *);

/* A key's description for messages ("heartbeat-interval (key 33)"). */
const char	*dec_kd(struct dec *, uint64_t key);
/* 400 with fmt, its one %s the description of key. */
int		 dec_bad(struct dec *, const char *fmt, uint64_t key);
/* The guarded cbor_load of a whole body (one item, no trailing bytes). */
cbor_item_t	*dec_load(const uint8_t *buf, size_t len, struct dots_err *);
/* The map of the one top-level container want of root. */
cbor_item_t	*dec_top(struct dec *, cbor_item_t *root, uint64_t want);
int		 dec_walk(struct dec *, uint64_t in, cbor_item_t *m,
		    member_fn *, void *ctx, struct dots_optv *ov);
int		 dec_map(struct dec *, uint64_t in, cbor_item_t *m,
		    member_fn *, void *ctx, struct dots_optv *ov);

/* Typed members: 0, or -1 with the error set. */
int	dec_get_uint(struct dec *, uint64_t key, cbor_item_t *, uint64_t max,
	    uint64_t *out);
int	dec_get_u32(struct dec *, uint64_t key, cbor_item_t *, uint32_t *out);
int	dec_get_bool(struct dec *, uint64_t key, cbor_item_t *, bool *out);
int	dec_get_text(struct dec *, uint64_t key, cbor_item_t *, char **out);
int	dec_get_dec(struct dec *, uint64_t key, cbor_item_t *, uint32_t *out);
int	dec_get_array(struct dec *, uint64_t key, cbor_item_t *,
	    cbor_item_t ***a, size_t *n);
int	dec_get_strv(struct dec *, uint64_t key, cbor_item_t *,
	    struct strv *);
int	dec_prefix_array(struct dec *, uint64_t key, cbor_item_t *, int code,
	    struct prefix **out, size_t *n);

/* A signal-config parameter: its key, its index, decimal or not. */
struct dots_cfg_desc {
	uint64_t	key;
	int		id;
	bool		dec;
};
/* In RFC 9132 Figure 20 order (dots_codec_session.c). */
extern const struct dots_cfg_desc dots_cfg_params[DOTS_CFG_NPARAMS];

#endif
