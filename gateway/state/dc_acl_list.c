/*
 * RFC 9133 acl-list names (dc_acl_list.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/state/dc_acl_list.h"
#include "gateway/state/dc_table.h"
#include "policies/acl.h"

struct known {
	const struct dc_table	*dc;
	const char		*peer, *cuid;
};

static bool
known(const char *name, void *arg)
{
	const struct known *k = arg;

	return k->dc != NULL && dc_acl_find(k->dc, k->peer, k->cuid,
	    name) != NULL;
}

int
dc_acl_list_check(const struct dc_table *dc, const struct conf_peer *p,
    const char *cuid, const struct dots_scope *s, struct dots_err *err)
{
	struct known k = { dc, p->name, cuid };

	return pol_acl_check_known(p, s, known, &k, err);
}

int
dc_acl_list_apply(struct dc_table *dc, const struct conf_peer *p,
    const char *cuid, const struct dots_scope *s, struct dc_acl_list_undo *u,
    struct dots_err *err)
{
	const struct dc_acl *acl;
	struct dc_err e;

	memset(u, 0, sizeof(*u));
	u->peer = p->name;
	u->cuid = cuid;
	if (dc == NULL || s->n_acl_list == 0)
		return 0;
	if ((u->v = calloc(s->n_acl_list, sizeof(*u->v))) == NULL)
		return dots_errf(err, 500, "out of memory");
	for (size_t i = 0; i < s->n_acl_list; i++) {
		const struct dots_acl *a = &s->acl_list[i];
		unsigned act = a->activation_type != 0 ? a->activation_type :
		    ACL_ACTIVATE_WHEN_MITIGATING;

		if (pol_acl_find(p, a->acl_name) != NULL ||
		    (acl = dc_acl_find(dc, p->name, cuid, a->acl_name)) == NULL)
			continue;
		snprintf(u->v[u->n].name, sizeof(u->v[u->n].name), "%s",
		    acl->name);
		u->v[u->n].activation = acl->activation;
		if (dc_acl_set_activation(dc, p->name, cuid, a->acl_name, act,
		    &e) == -1) {
			dc_acl_list_undo(dc, u);
			return dots_errf(err, 503, "acl-name '%s': %s",
			    a->acl_name, e.msg);
		}
		u->n++;
	}
	return 0;
}

void
dc_acl_list_undo(struct dc_table *dc, struct dc_acl_list_undo *u)
{
	/* last first: a name listed twice ends with its first value */
	while (dc != NULL && u->n > 0) {
		u->n--;
		dc_acl_put_back_activation(dc, u->peer, u->cuid,
		    u->v[u->n].name, u->v[u->n].activation);
	}
	dc_acl_list_undo_free(u);
}

void
dc_acl_list_undo_free(struct dc_acl_list_undo *u)
{
	free(u->v);
	u->v = NULL;
	u->n = 0;
}
