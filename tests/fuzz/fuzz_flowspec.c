/*
 * libFuzzer target for the mitigator rule builder: a decoded mitigation
 * request's raw comprehension-optional attributes (call-home sources,
 * telemetry attack-detail and total-attack-traffic) read by
 * policies/flowspec.c and policies/capacity.c, and its RFC 9133 acl-list
 * matched against a staged ACL (policies/acl.c). Whatever builds must be
 * within the documented bounds (abort() otherwise).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/dots_codec.h"
#include "policies/acl.h"
#include "policies/capacity.h"
#include "policies/flowspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pol_rule rules[POL_RULES_MAX];
	struct conf_mitigator mc;
	struct conf_capacity cap = { 1000, 1000, 0, 10, 10 };
	struct dots_mitigation m;
	struct pol_volume vol;
	struct dots_err err;
	const char *why;
	size_t n;

	if (dots_decode_mitigation(data, size, DOTS_REQ, &m, &err) == -1)
		return 0;
	memset(&mc, 0, sizeof(mc));
	mc.rate_limit = 1;
	for (size_t i = 0; i < m.n_scope; i++) {
		unsigned sev = pol_attack_severity(&m.scope[i]);

		if (sev > 5)
			abort();
		pol_attack_volume(&m.scope[i], &cap, &vol);
		for (unsigned act = CONF_ACT_RATE_LIMIT; act <= CONF_ACT_RTBH;
		    act <<= 1) {
			if (pol_rules_build(&m.scope[i], act, &mc, rules, &n,
			    &why) == -1)
				continue;
			if (n == 0 || n > POL_RULES_MAX)
				abort();
			for (size_t j = 0; j < n; j++)
				if (rules[j].n_proto > POL_RULE_MAX_TERMS ||
				    rules[j].n_sport > POL_RULE_MAX_TERMS ||
				    rules[j].n_icmp > POL_RULE_MAX_TERMS ||
				    (rules[j].has_src && rules[j].src.family !=
				    rules[j].dst.family))
					abort();
		}
	}
	for (size_t i = 0; i < m.n_scope; i++) {
		static struct conf_ace ace = { .action = CONF_ACE_DROP,
		    .has_dst = true };
		static struct conf_acl acl = { "a", AF_INET, &ace, 1 };
		struct conf_peer peer = { .name = "p", .acls = &acl,
		    .n_acls = 1 };

		n = POL_RULES_MAX - 1;
		if (pol_acl_check(&peer, &m.scope[i], &err) == 0 &&
		    pol_acl_rules(&peer, &m.scope[i], rules, &n, &why) == 0 &&
		    n > POL_RULES_MAX)
			abort();
	}
	dots_mitigation_free(&m);
	return 0;
}
