/*
 * The JSON bodies of the DOTS data channel (RFC 8783, YANG module
 * ietf-dots-data-channel, JSON encoding of RFC 7951) that this gateway
 * takes: the dots-client registration (§6.1) and aliases (§6.1, §7.1).
 * Pure decoders of untrusted input (tests/fuzz/fuzz_dc_json.c) and the
 * encoder of an alias; no I/O, no logging.
 *
 * An alias's targets are held in a struct dots_scope (target members
 * only), so that the signal channel's authorization (policies/authz.h)
 * and an alias-name expansion use them as they are.
 */
#ifndef DOTSGW_DC_JSON_H
#define DOTSGW_DC_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/dc_err.h"
#include "common/dots_msg.h"

#define DC_BODY_MAX	65536	/* request bodies; 413 beyond */
#define DC_NAME_MAX	64	/* alias names (bytes) */
#define DC_CUID_MAX	128	/* as dotsctl --cuid */
#define DC_TARGETS_MAX	64	/* elements of each target list */

/* An RFC 8040 error: HTTP status, error-tag (§7) and a message. */
/* "ietf-dots-data-channel:dots-client": [{ "cuid", "cdid"? }] */
struct dc_client_req {
	char	 cuid[DC_CUID_MAX + 1];
	char	 cdid[DC_CUID_MAX + 1];	/* "" = absent */
};

struct dc_alias {
	char	 name[DC_NAME_MAX + 1];
	struct dots_scope targets;	/* target-* members only */
};

struct dc_aliases {
	struct dc_alias	*v;
	size_t		 n;
};

/* Parse a request body (len bytes, not NUL-terminated); NULL with err
 * 400 malformed-message when it is not one JSON object. */
json_t	*dc_json_parse(const char *body, size_t len, struct dc_err *);

/* The registration body: exactly one dots-client with a cuid. 0 or -1. */
int	dc_decode_client(const json_t *, struct dc_client_req *,
	    struct dc_err *);

/*
 * An aliases body: {"ietf-dots-data-channel:aliases": {"alias": [...]}}
 * (POST, and a PUT of a whole list) or, with one_name set, a PUT of one
 * alias: {"ietf-dots-data-channel:alias": [{...}]} whose name must be
 * one_name. Every alias needs a name and at least one of target-prefix,
 * target-fqdn, target-uri (400 missing-attribute); pending-lifetime is
 * config false (400 invalid-value); unknown members are 400
 * unknown-element; wrong types 400 invalid-value. 0 or -1; out is freed
 * with dc_aliases_free either way.
 */
int	dc_decode_aliases(const json_t *, const char *one_name,
	    struct dc_aliases *out, struct dc_err *);
void	dc_aliases_free(struct dc_aliases *);
void	dc_alias_free(struct dc_alias *);

/* Content selection of RFC 8040 §4.8.1. */
#define DC_CONTENT_CONFIG	0x1
#define DC_CONTENT_NONCONFIG	0x2
#define DC_CONTENT_ALL		(DC_CONTENT_CONFIG | DC_CONTENT_NONCONFIG)

/* One alias as an element of the "alias" list; pending (minutes) is
 * printed with DC_CONTENT_NONCONFIG. NULL when out of memory. */
json_t	*dc_encode_alias(const struct dc_alias *, unsigned content,
	    int64_t pending);

#endif
