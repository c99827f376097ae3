/*
 * RFC 9133 acl-list activation (policies/acl.h).
 */
#include <string.h>

#include "acl.h"

const struct conf_acl *
pol_acl_find(const struct conf_peer *p, const char *name)
{
	for (size_t i = 0; name != NULL && i < p->n_acls; i++)
		if (strcmp(p->acls[i].name, name) == 0)
			return &p->acls[i];
	return NULL;
}

int
pol_acl_check(const struct conf_peer *p, const struct dots_scope *s,
    struct dots_err *err)
{
	return pol_acl_check_known(p, s, NULL, NULL, err);
}

int
pol_acl_check_known(const struct conf_peer *p, const struct dots_scope *s,
    bool (*known)(const char *name, void *), void *arg, struct dots_err *err)
{
	for (size_t i = 0; i < s->n_acl_list; i++) {
		const struct dots_acl *a = &s->acl_list[i];

		if (a->acl_name == NULL)
			return dots_errf(err, 400, "acl-list entry %zu: missing "
			    "acl-name", i);
		if (a->activation_type > ACL_DEACTIVATE)
			return dots_errf(err, 400, "acl-name '%s': unknown "
			    "activation-type %u", a->acl_name,
			    a->activation_type);
		if (pol_acl_find(p, a->acl_name) == NULL &&
		    (known == NULL || !known(a->acl_name, arg)))
			return dots_errf(err, 404, "acl-name '%s': no such ACL "
			    "for peer %s", a->acl_name, p->name);
	}
	return 0;
}

static void
ace_rule(const struct conf_ace *a, struct pol_rule *r)
{
	memset(r, 0, sizeof(*r));
	if (a->action == CONF_ACE_RATE_LIMIT) {
		r->action = CONF_ACT_RATE_LIMIT;
		r->rate = a->rate;
	} else
		r->action = CONF_ACT_DISCARD;
	r->dst = a->dst;
	r->has_src = a->has_src;
	r->src = a->src;
	if (a->has_proto)
		r->proto[r->n_proto++] = a->proto;
	if (a->has_dport)
		r->dport[r->n_dport++] = a->dport;
	if (a->has_sport)
		r->sport[r->n_sport++] = a->sport;
	if (a->has_icmp) {
		r->icmp[0].lower = r->icmp[0].upper = a->icmp_type;
		r->n_icmp = 1;
	}
}

int
pol_acl_rules(const struct conf_peer *p, const struct dots_scope *s,
    struct pol_rule *out, size_t *n, const char **why)
{
	for (size_t i = 0; i < s->n_acl_list; i++) {
		const struct dots_acl *a = &s->acl_list[i];
		const struct conf_acl *acl;

		if (a->activation_type == ACL_DEACTIVATE ||
		    (acl = pol_acl_find(p, a->acl_name)) == NULL)
			continue;
		for (size_t j = 0; j < acl->n_aces; j++) {
			if (acl->aces[j].action == CONF_ACE_ACCEPT)
				continue;
			if (*n == POL_RULES_MAX) {
				*why = "the scope's and the ACLs' rules are "
				    "more than 64";
				return -1;
			}
			ace_rule(&acl->aces[j], &out[(*n)++]);
		}
	}
	return 0;
}
