/*
 * What test_gw_store.c (SQLite) and test_gw_store_pg.c (PostgreSQL)
 * both use to look at a store through store.h: a mitigation with every
 * field set and the foreach callbacks that record what they saw.
 * Included by each, like unit.h, so every test binary stays one file.
 */
#ifndef DOTSGW_STORE_CHECKS_H
#define DOTSGW_STORE_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "gateway/state/store.h"

static const uint8_t scope_cbor[] = { 0xa1, 0x0e, 0x18, 0x64 };	/* {14:100} */

/* lifetime and local are what differ between the two tests' mitigations */
static struct store_mit
mit_of(const char *cuid, uint32_t mid, int64_t lifetime, bool local)
{
	struct store_mit m = {
		.peer = "customer1", .cuid = cuid, .mid = mid, .cdid = NULL,
		.path_cdid = "", .scope = scope_cbor,
		.scope_len = sizeof(scope_cbor), .lifetime = lifetime,
		.expires = 1800000000, .start = 1700000000, .status = 2,
		.trigger = -1, .local = local, .cdid_up = "cd1",
		.hop_limit = 16,
	};
	return m;
}

struct seen {
	int	 n;
	char	 cuid[64], cdid_up[16];
	uint32_t mid, status, hop_limit;
	int64_t	 lifetime, expires;
	uint64_t start;
	int	 trigger;
	size_t	 len;
	bool	 scope_ok, cdid_null, local;
};

/* Records the first mitigation. */
static int
see_mit(const struct store_mit *m, void *arg)
{
	struct seen *v = arg;

	if (v->n++ == 0) {
		snprintf(v->cuid, sizeof(v->cuid), "%s", m->cuid);
		v->mid = m->mid;
		v->status = m->status;
		v->lifetime = m->lifetime;
		v->expires = m->expires;
		v->start = m->start;
		v->trigger = m->trigger;
		v->hop_limit = m->hop_limit;
		v->local = m->local;
		v->len = m->scope_len;
		v->scope_ok = m->scope_len == sizeof(scope_cbor) &&
		    memcmp(m->scope, scope_cbor, m->scope_len) == 0;
		v->cdid_null = m->cdid == NULL;
		snprintf(v->cdid_up, sizeof(v->cdid_up), "%s", m->cdid_up);
	}
	return 0;
}

static int
count_pl(const struct store_pl *p, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* Records the last signal configuration: peer in cuid, sid in mid. */
static int
see_cfg(const char *peer, uint32_t sid, const uint8_t *v, size_t len,
    void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->mid = sid;
	s->len = len;
	snprintf(s->cuid, sizeof(s->cuid), "%s", peer);
	return 0;
}

/* Records the last registration: its name in cuid. */
static int
see_reg(const char *name, const uint8_t *v, size_t len, void *arg)
{
	struct seen *s = arg;

	s->n++;
	snprintf(s->cuid, sizeof(s->cuid), "%s", name);
	s->len = len;
	s->scope_ok = len == 2 && v[0] == 0x82;
	return 0;
}

#endif
