/*
 * Shared between the dc_acl files: the YANG bits tables and base64 (RFC
 * 7951 binary). Not for other callers.
 */
#ifndef DOTSGW_DC_ACL_IMPL_H
#define DOTSGW_DC_ACL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dc_acl.h"

struct dc_bit {
	const char	*name;
	unsigned	 bit;
};

/* in position order, NULL-terminated: the canonical order we encode */
extern const struct dc_bit dc_op_bits[];
extern const struct dc_bit dc_frag_bits[];
extern const struct dc_bit dc_ipflag_bits[];
extern const struct dc_bit dc_tcpflag_bits[];

/* "not any" into buf (at least 64 bytes); "" for none */
void	 dc_bits_format(const struct dc_bit *, unsigned v, char *buf,
	    size_t len);

/* RFC 4648 base64 with padding: 0, or -1 on a malformed string or more
 * than max bytes */
int	 dc_b64_decode(const char *s, uint8_t *out, size_t max, size_t *n);
/* into buf (at least 4 * ((n + 2) / 3) + 1 bytes) */
void	 dc_b64_encode(const uint8_t *in, size_t n, char *buf);


/* The decoder's walk: the node path so far, for errors. */
struct dctx {
	char		 path[DC_PATH_MAX];
	size_t		 len;
	enum dc_mode	 mode;
	struct dc_err	*err;
};

/* push a path segment, returning the length to pop back to */
size_t	 dcw_push(struct dctx *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 dcw_pop(struct dctx *, size_t old);
/* -1 with a 400 error "PATH: problem" at the node, or at its member key */
int	 dcw_fail(struct dctx *, const char *tag, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 dcw_fail_at(struct dctx *, const char *key, const char *tag,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* every member of the object is one of names (NULL-terminated) */
int	 dcw_members(struct dctx *, const json_t *, const char *const *names);
int	 dcw_need_object(struct dctx *, const json_t *);
/* leaf readers: 1 present, 0 absent, -1 error */
int	 dcw_get_int(struct dctx *, const json_t *, const char *key,
	    int64_t lo, int64_t hi, int64_t *);
int	 dcw_get_str(struct dctx *, const json_t *, const char *key,
	    const char **);
int	 dcw_get_bits(struct dctx *, const json_t *, const char *key,
	    const struct dc_bit *, uint8_t *out8, uint16_t *out16);
int	 dcw_get_op(struct dctx *, const json_t *, uint8_t *op);
int	 dcw_get_binary(struct dctx *, const json_t *, const char *key,
	    uint8_t *out, size_t max, size_t *n);
int	 dcw_get_prefix(struct dctx *, const json_t *, const char *key,
	    int family, struct prefix *);
int	 dcw_leaf_u(struct dctx *, const json_t *, const char *key,
	    int64_t lo, int64_t hi, uint32_t *has, uint32_t bit, void *out,
	    size_t size);
#define LEAF(c, o, k, lo, hi, has, bit, f) \
	(dcw_leaf_u(c, o, k, lo, hi, has, bit, &(f), sizeof(f)) == -1)
/* name: 1..64 characters, no control character; 0 or -1 */
int	 dcw_get_name(struct dctx *, const json_t *, char *out);
/* an identity with or without the ietf-access-control-list: prefix */
bool	 dcw_ident_is(const char *s, const char *name);

/* matches of one ACE under an ACL of that type (dc_acl_matches.c) */
int	 dc_matches(struct dctx *, const json_t *, unsigned type,
	    struct dc_ace *);

#endif
