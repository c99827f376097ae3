/*
 * libFuzzer target for the RFC 8783 ACL decoder (common/dc_acl*.c): the
 * data channel's most exposed parser, fed by any authenticated client.
 * Whatever decodes, as a request or as our stored form, must encode, and
 * the encoding must decode again (stored form) to the same JSON (abort()
 * otherwise); the authorisation and the flowspec rules must stay within
 * their bounds, and a refusal must carry a RESTCONF error-tag. One ACL
 * encoded with content=config decodes again as a request (what a client
 * echoes to refresh it) to the same configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/dc_acl.h"
#include "common/dc_json.h"
#include "policies/dc_acl_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
once(const uint8_t *data, size_t size, enum dc_mode mode)
{
	static struct pol_rule rules[POL_RULES_MAX];
	static struct prefix pfx[2];
	struct conf_peer peer;
	struct dc_acls	 l, l2;
	struct dc_err	 err;
	json_t		*j1, *j2;
	char		*text;
	size_t		 n;

	if (dc_acls_decode((const char *)data, size, mode, &l, &err) == -1) {
		if (err.tag == NULL || err.status != 400 || l.n != 0)
			abort();
		return;
	}
	if ((j1 = dc_acls_encode(&l)) == NULL ||
	    (text = json_dumps(j1, JSON_COMPACT)) == NULL)
		abort();
	if (dc_acls_decode(text, strlen(text), DC_STORED, &l2, &err) == -1) {
		fprintf(stderr, "re-decode failed: %s: %s\n%s\n", err.tag,
		    err.msg, text);
		abort();
	}
	if ((j2 = dc_acls_encode(&l2)) == NULL || !json_equal(j1, j2))
		abort();
	memset(&peer, 0, sizeof(peer));
	peer.name = "p";
	prefix_parse("198.51.100.0/24", &pfx[0]);
	prefix_parse("2001:db8::/32", &pfx[1]);
	peer.policy.prefixes = pfx;
	peer.policy.n_prefixes = 2;
	peer.policy.mitigation_actions = CONF_ACT_DISCARD | CONF_ACT_RATE_LIMIT;
	for (size_t i = 0; i < l.n; i++) {
		json_t *c = dc_acl_encode_one(&l.v[i], DC_CONTENT_CONFIG);
		json_t *nc = dc_acl_encode_one(&l.v[i], DC_CONTENT_NONCONFIG);
		json_t *body, *again;
		struct dc_acls l3;

		if (c == NULL || nc == NULL ||
		    json_object_get(c, "pending-lifetime") != NULL ||
		    (body = json_pack("{s:{s:[O]}}", DC_ACLS_ROOT, "acl",
		    c)) == NULL)
			abort();
		if (dc_acls_decode_json(body, DC_REQUEST, &l3, &err) == -1 ||
		    l3.n != 1 || (again = dc_acl_encode_one(&l3.v[0],
		    DC_CONTENT_CONFIG)) == NULL || !json_equal(c, again))
			abort();
		json_decref(again);
		json_decref(body);
		json_decref(c);
		json_decref(nc);
		dc_acls_free(&l3);
		if (dc_acl_authorize(&peer, &l.v[i], i, &err) == -1 &&
		    (err.status != 403 || err.tag == NULL))
			abort();
		n = 0;
		if (dc_acl_rules(&peer, &l.v[i], i, rules, &n, &err) == -1) {
			if (n != 0 || err.tag == NULL)
				abort();
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (n > POL_RULES_MAX ||
			    rules[j].n_dport > POL_RULE_MAX_TERMS ||
			    rules[j].n_sport > POL_RULE_MAX_TERMS ||
			    (rules[j].has_src && rules[j].src.family !=
			    rules[j].dst.family))
				abort();
	}
	free(text);
	json_decref(j1);
	json_decref(j2);
	dc_acls_free(&l);
	dc_acls_free(&l2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	once(data, size, DC_REQUEST);
	once(data, size, DC_STORED);
	return 0;
}
