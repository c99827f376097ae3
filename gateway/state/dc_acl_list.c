/*
 * RFC 9133 acl-list names (dc_acl_list.h).
 */
#include "gateway/state/dc_acl_list.h"
#include "gateway/state/dc_table.h"
#include "policies/acl.h"

int
dc_acl_list_check(const struct dc_table *dc, const struct conf_peer *p,
    const char *cuid, const struct dots_scope *s, struct dots_err *err)
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
		if (pol_acl_find(p, a->acl_name) == NULL && (dc == NULL ||
		    dc_acl_find(dc, p->name, cuid, a->acl_name) == NULL))
			return dots_errf(err, 404, "acl-name '%s': no such ACL "
			    "for peer %s", a->acl_name, p->name);
	}
	return 0;
}

int
dc_acl_list_apply(struct dc_table *dc, const struct conf_peer *p,
    const char *cuid, const struct dots_scope *s, struct dots_err *err)
{
	struct dc_err e;
	int rc = 0;

	for (size_t i = 0; dc != NULL && i < s->n_acl_list; i++) {
		const struct dots_acl *a = &s->acl_list[i];
		unsigned act = a->activation_type != 0 ? a->activation_type :
		    ACL_ACTIVATE_WHEN_MITIGATING;

		if (pol_acl_find(p, a->acl_name) != NULL ||
		    dc_acl_find(dc, p->name, cuid, a->acl_name) == NULL)
			continue;
		if (dc_acl_set_activation(dc, p->name, cuid, a->acl_name, act,
		    &e) == -1)
			rc = dots_errf(err, 503, "acl-name '%s': %s",
			    a->acl_name, e.msg);
	}
	return rc;
}
