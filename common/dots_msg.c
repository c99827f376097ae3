/*
 * The DOTS message model: ownership helpers and the set comparisons the
 * server needs for refreshes (RFC 9132 §4.4.1) and overlap (§4.4.1.1).
 */
#include <stdlib.h>
#include <string.h>

#include "dots_msg.h"

void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int
strv_push(struct strv *sv, const char *s)
{
	char **nv, *c;

	if ((c = strdup(s)) == NULL)
		return -1;
	if ((nv = reallocarray(sv->v, sv->n + 1, sizeof(*nv))) == NULL) {
		free(c);
		return -1;
	}
	nv[sv->n++] = c;
	sv->v = nv;
	return 0;
}

int
strv_copy(struct strv *dst, const struct strv *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		if (strv_push(dst, src->v[i]) == -1) {
			strv_free(dst);
			return -1;
		}
	}
	return 0;
}

void
dots_optv_free(struct dots_optv *ov)
{
	size_t i;

	for (i = 0; i < ov->n; i++)
		free(ov->v[i].cbor);
	free(ov->v);
	ov->v = NULL;
	ov->n = 0;
}

int
dots_optv_copy(struct dots_optv *dst, const struct dots_optv *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -1;
	for (; dst->n < src->n; dst->n++) {
		i = dst->n;
		dst->v[i].key = src->v[i].key;
		dst->v[i].len = src->v[i].len;
		if ((dst->v[i].cbor = malloc(src->v[i].len)) == NULL) {
			dots_optv_free(dst);
			return -1;
		}
		memcpy(dst->v[i].cbor, src->v[i].cbor, src->v[i].len);
	}
	return 0;
}

int
dots_optv_set(struct dots_optv *ov, const struct dots_opt *o)
{
	struct dots_opt *nv;
	uint8_t *c;
	size_t i;

	if ((c = malloc(o->len ? o->len : 1)) == NULL)
		return -1;
	memcpy(c, o->cbor, o->len);
	for (i = 0; i < ov->n; i++)
		if (ov->v[i].key == o->key) {
			free(ov->v[i].cbor);
			ov->v[i].cbor = c;
			ov->v[i].len = o->len;
			return 0;
		}
	if ((nv = realloc(ov->v, (ov->n + 1) * sizeof(*nv))) == NULL) {
		free(c);
		return -1;
	}
	ov->v = nv;
	ov->v[ov->n].key = o->key;
	ov->v[ov->n].cbor = c;
	ov->v[ov->n].len = o->len;
	ov->n++;
	return 0;
}

const struct dots_opt *
dots_optv_get(const struct dots_optv *ov, uint64_t key)
{
	size_t i;

	for (i = 0; i < ov->n; i++)
		if (ov->v[i].key == key)
			return &ov->v[i];
	return NULL;
}

static void
acl_list_free(struct dots_acl *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].acl_name);
		free(v[i].acl_type);
	}
	free(v);
}

void
dots_scope_free(struct dots_scope *s)
{
	if (s == NULL)
		return;
	free(s->target_prefix);
	free(s->target_port_range);
	free(s->target_protocol);
	strv_free(&s->target_fqdn);
	strv_free(&s->target_uri);
	strv_free(&s->alias_name);
	if (s->conflict != NULL) {
		if (s->conflict->conflict_scope != NULL) {
			dots_scope_free(s->conflict->conflict_scope);
			free(s->conflict->conflict_scope);
		}
		free(s->conflict);
	}
	acl_list_free(s->acl_list, s->n_acl_list);
	dots_optv_free(&s->opt);
	memset(s, 0, sizeof(*s));
}

static int
dup_mem(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = calloc(n, size)) == NULL)
		return -1;
	memcpy(*dst, src, n * size);
	return 0;
}

static char *
dup_str(const char *s, int *fail)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		*fail = 1;
	return c;
}

static int
acl_list_copy(struct dots_scope *dst, const struct dots_scope *src)
{
	size_t i;
	int fail = 0;

	dst->acl_list = NULL;
	dst->n_acl_list = 0;
	if (src->n_acl_list == 0)
		return 0;
	if ((dst->acl_list = calloc(src->n_acl_list,
	    sizeof(*dst->acl_list))) == NULL)
		return -1;
	dst->n_acl_list = src->n_acl_list;
	for (i = 0; i < src->n_acl_list; i++) {
		dst->acl_list[i].acl_name = dup_str(src->acl_list[i].acl_name,
		    &fail);
		dst->acl_list[i].acl_type = dup_str(src->acl_list[i].acl_type,
		    &fail);
		dst->acl_list[i].activation_type =
		    src->acl_list[i].activation_type;
	}
	return fail ? -1 : 0;
}

static int
conflict_copy(struct dots_scope *dst, const struct dots_scope *src)
{
	const struct dots_conflict *sc = src->conflict;
	struct dots_conflict *dc;

	dst->conflict = NULL;
	if (sc == NULL)
		return 0;
	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return -1;
	*dc = *sc;
	dc->conflict_scope = NULL;
	dst->conflict = dc;
	if (sc->conflict_scope == NULL)
		return 0;
	if ((dc->conflict_scope = calloc(1, sizeof(*dc->conflict_scope)))
	    == NULL)
		return -1;
	return dots_scope_copy(dc->conflict_scope, sc->conflict_scope);
}

/*
 * Deep copy. Scalars come with the struct assignment; every pointer is
 * reset before it is duplicated so a failure half way can be freed.
 */
int
dots_scope_copy(struct dots_scope *dst, const struct dots_scope *src)
{
	*dst = *src;
	dst->target_prefix = NULL;
	dst->target_port_range = NULL;
	dst->target_protocol = NULL;
	memset(&dst->target_fqdn, 0, sizeof(dst->target_fqdn));
	memset(&dst->target_uri, 0, sizeof(dst->target_uri));
	memset(&dst->alias_name, 0, sizeof(dst->alias_name));
	dst->conflict = NULL;
	dst->acl_list = NULL;
	dst->n_acl_list = 0;
	memset(&dst->opt, 0, sizeof(dst->opt));
	if (dup_mem((void **)&dst->target_prefix, src->target_prefix,
	    src->n_target_prefix, sizeof(*src->target_prefix)) == -1 ||
	    dup_mem((void **)&dst->target_port_range, src->target_port_range,
	    src->n_target_port_range, sizeof(*src->target_port_range)) == -1 ||
	    dup_mem((void **)&dst->target_protocol, src->target_protocol,
	    src->n_target_protocol, sizeof(*src->target_protocol)) == -1 ||
	    strv_copy(&dst->target_fqdn, &src->target_fqdn) == -1 ||
	    strv_copy(&dst->target_uri, &src->target_uri) == -1 ||
	    strv_copy(&dst->alias_name, &src->alias_name) == -1 ||
	    conflict_copy(dst, src) == -1 ||
	    acl_list_copy(dst, src) == -1 ||
	    dots_optv_copy(&dst->opt, &src->opt) == -1) {
		dots_scope_free(dst);
		return -1;
	}
	return 0;
}

void
dots_mitigation_free(struct dots_mitigation *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_scope; i++)
		dots_scope_free(&m->scope[i]);
	free(m->scope);
	dots_optv_free(&m->opt);
	memset(m, 0, sizeof(*m));
}

void
dots_redirect_free(struct dots_redirect *r)
{
	if (r == NULL)
		return;
	free(r->alt_server);
	strv_free(&r->alt_server_record);
	memset(r, 0, sizeof(*r));
}

void
dots_registration_free(struct dots_registration *r)
{
	if (r == NULL)
		return;
	free(r->server_address);
	strv_free(&r->attack_types);
	strv_free(&r->countermeasures);
	free(r->served);
	free(r->tunnel);
	free(r->next_hop);
	free(r->dc_cuid);
	memset(r, 0, sizeof(*r));
}

/* Set equality with duplicates ignored: every a is in b and vice versa. */
static bool
in_prefixes(const struct prefix *p, const struct prefix *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_equal(p, &v[i]))
			return true;
	return false;
}

static bool
same_prefixes(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i;

	for (i = 0; i < a->n_target_prefix; i++)
		if (!in_prefixes(&a->target_prefix[i], b->target_prefix,
		    b->n_target_prefix))
			return false;
	for (i = 0; i < b->n_target_prefix; i++)
		if (!in_prefixes(&b->target_prefix[i], a->target_prefix,
		    a->n_target_prefix))
			return false;
	return true;
}

static bool
in_ranges(const struct port_range *r, const struct port_range *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r->lower == v[i].lower && r->upper == v[i].upper)
			return true;
	return false;
}

static bool
same_ranges(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i;

	for (i = 0; i < a->n_target_port_range; i++)
		if (!in_ranges(&a->target_port_range[i],
		    b->target_port_range, b->n_target_port_range))
			return false;
	for (i = 0; i < b->n_target_port_range; i++)
		if (!in_ranges(&b->target_port_range[i],
		    a->target_port_range, a->n_target_port_range))
			return false;
	return true;
}

static bool
in_protos(uint8_t p, const uint8_t *v, size_t n)
{
	return n > 0 && memchr(v, p, n) != NULL;
}

static bool
same_protos(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i;

	for (i = 0; i < a->n_target_protocol; i++)
		if (!in_protos(a->target_protocol[i], b->target_protocol,
		    b->n_target_protocol))
			return false;
	for (i = 0; i < b->n_target_protocol; i++)
		if (!in_protos(b->target_protocol[i], a->target_protocol,
		    a->n_target_protocol))
			return false;
	return true;
}

static bool
in_strv(const char *s, const struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(s, sv->v[i]) == 0)
			return true;
	return false;
}

static bool
same_strv(const struct strv *a, const struct strv *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!in_strv(a->v[i], b))
			return false;
	for (i = 0; i < b->n; i++)
		if (!in_strv(b->v[i], a))
			return false;
	return true;
}

bool
dots_scope_same_target(const struct dots_scope *a, const struct dots_scope *b)
{
	return same_prefixes(a, b) && same_ranges(a, b) &&
	    same_protos(a, b) && same_strv(&a->target_fqdn, &b->target_fqdn) &&
	    same_strv(&a->target_uri, &b->target_uri) &&
	    same_strv(&a->alias_name, &b->alias_name);
}

static bool
strv_share(const struct strv *a, const struct strv *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (in_strv(a->v[i], b))
			return true;
	return false;
}

static bool
prefixes_share(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i, j;

	for (i = 0; i < a->n_target_prefix; i++)
		for (j = 0; j < b->n_target_prefix; j++)
			if (prefix_overlaps(&a->target_prefix[i],
			    &b->target_prefix[j]))
				return true;
	return false;
}

/* An absent list means "all ports" / "all protocols". */
static bool
ports_meet(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i, j;

	if (a->n_target_port_range == 0 || b->n_target_port_range == 0)
		return true;
	for (i = 0; i < a->n_target_port_range; i++)
		for (j = 0; j < b->n_target_port_range; j++)
			if (port_range_overlaps(&a->target_port_range[i],
			    &b->target_port_range[j]))
				return true;
	return false;
}

static bool
protos_meet(const struct dots_scope *a, const struct dots_scope *b)
{
	size_t i;

	if (a->n_target_protocol == 0 || b->n_target_protocol == 0)
		return true;
	for (i = 0; i < a->n_target_protocol; i++)
		if (in_protos(a->target_protocol[i], b->target_protocol,
		    b->n_target_protocol))
			return true;
	return false;
}

bool
dots_scope_overlaps(const struct dots_scope *a, const struct dots_scope *b)
{
	if (strv_share(&a->target_fqdn, &b->target_fqdn) ||
	    strv_share(&a->target_uri, &b->target_uri) ||
	    strv_share(&a->alias_name, &b->alias_name))
		return true;
	return prefixes_share(a, b) && ports_meet(a, b) && protos_meet(a, b);
}

const char *
dots_status_name(uint32_t status)
{
	static const char *const names[] = {
		NULL, "attack-mitigation-in-progress",
		"attack-successfully-mitigated", "attack-stopped",
		"attack-exceeded-capability",
		"dots-client-withdrawn-mitigation",
		"attack-mitigation-terminated", "attack-mitigation-withdrawn",
		"attack-mitigation-signal-loss",
	};

	if (status == 0 || status >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[status];
}

const char *
dots_cfg_param_name(enum dots_cfg_param_id id)
{
	static const char *const names[DOTS_CFG_NPARAMS] = {
		[DOTS_CFG_HEARTBEAT_INTERVAL] = "heartbeat-interval",
		[DOTS_CFG_MISSING_HB_ALLOWED] = "missing-hb-allowed",
		[DOTS_CFG_MAX_RETRANSMIT] = "max-retransmit",
		[DOTS_CFG_ACK_TIMEOUT] = "ack-timeout",
		[DOTS_CFG_ACK_RANDOM_FACTOR] = "ack-random-factor",
		[DOTS_CFG_PROBING_RATE] = "probing-rate",
	};

	return (unsigned)id < DOTS_CFG_NPARAMS ? names[id] : "unknown";
}

bool
dots_cfg_param_is_decimal(enum dots_cfg_param_id id)
{
	return id == DOTS_CFG_ACK_TIMEOUT || id == DOTS_CFG_ACK_RANDOM_FACTOR;
}
