#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/orch.h"
#include "gateway/state/peer.h"
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"

/* One ISP member: an upstream whose address comes from registration. */
struct orch_reg {
	struct upstream		*us;
	char			*name;	/* its peer's: tells a kept upstream
					   from a new one at a reused address */
	bool			 registered;
	struct dots_registration reg;	/* address filled in */
};

/* Store keys: "register:" and the peer name (store_reg_* is generic). */
#define REG_KEY		"register:"

struct orch {
	struct gw		*gw;
	struct orch_reg		*regs;
	size_t			 n;
};

static int
reg_put(struct gw *gw, const char *peer, const uint8_t *cbor, size_t len)
{
	char key[256];

	snprintf(key, sizeof(key), REG_KEY "%s", peer);
	return store_reg_put(gw->store, key, cbor, len);
}

static int
reg_del(struct gw *gw, const char *peer)
{
	char key[256];

	snprintf(key, sizeof(key), REG_KEY "%s", peer);
	return store_reg_del(gw->store, key);
}

static struct orch_reg *
reg_of_peer(struct orch *o, const struct conf_peer *peer)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->regs[i].us->peer == peer)
			return &o->regs[i];
	return NULL;
}

/* Served prefixes must lie inside what the config lets the peer claim. */
static int
check_served(const struct conf_peer *peer, const struct dots_registration *r,
    struct dots_err *err)
{
	const struct conf_policy *pol = &peer->policy;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < r->n_served; i++) {
		size_t j;

		for (j = 0; j < pol->n_prefixes; j++)
			if (prefix_contains(&pol->prefixes[j], &r->served[i]))
				break;
		if (j == pol->n_prefixes)
			return dots_errf(err, 422, "served-prefix %s is not "
			    "within the prefixes configured for peer %s",
			    prefix_format(&r->served[i], buf, sizeof(buf)),
			    peer->name);
	}
	return 0;
}

/* Take r (moved into e) and start reaching the ISP where it says. */
static void
apply(struct orch_reg *e, struct dots_registration *r)
{
	dots_registration_free(&e->reg);
	e->reg = *r;
	memset(r, 0, sizeof(*r));
	e->registered = true;
	upstream_set_endpoint(e->us, e->reg.server_address,
	    e->reg.server_port ? e->reg.server_port : DOTS_DEFAULT_PORT,
	    e->reg.server_transport == DOTS_REG_TLS);
}

static void
forget(struct orch_reg *e, const char *why)
{
	dots_registration_free(&e->reg);
	e->registered = false;
	upstream_disable(e->us, why);
}

/* The member entry of peer, or -1 with err: 4.04 when we are no
 * orchestrator, 4.03 when the config does not let peer register. */
static struct orch_reg *
member(struct gw *gw, const struct conf_peer *peer, struct dots_err *err)
{
	struct orch_reg *e;

	if (gw->orch == NULL) {
		dots_errf(err, 404, "not an orchestrator (role: gateway)");
		return NULL;
	}
	if ((e = reg_of_peer(gw->orch, peer)) == NULL)
		dots_errf(err, 403, "peer %s may not register: the "
		    "orchestrator's config has no upstream mapping without "
		    "address for it", peer->name);
	return e;
}

int
orch_may_register(struct gw *gw, const struct conf_peer *peer,
    struct dots_err *err)
{
	return member(gw, peer, err) == NULL ? -1 : 0;
}

const struct dots_registration *
orch_registration_of(struct gw *gw, const struct conf_peer *peer)
{
	struct orch_reg *e;
	struct dots_err err;

	if ((e = member(gw, peer, &err)) == NULL || !e->registered)
		return NULL;
	return &e->reg;
}

const struct dots_registration *
orch_register(struct gw *gw, const struct conf_peer *peer,
    struct dots_registration *r, bool *existed, struct dots_err *err)
{
	struct orch_reg *e;
	uint8_t *rec = NULL;
	size_t rlen;

	if ((e = member(gw, peer, err)) == NULL ||
	    check_served(peer, r, err) == -1) {
		dots_registration_free(r);
		return NULL;
	}
	*existed = e->registered;
	r->registration_time = (uint64_t)time(NULL);
	if (dots_encode_registration(r, &rec, &rlen) == -1 ||
	    reg_put(gw, peer->name, rec, rlen) == -1) {
		free(rec);
		dots_registration_free(r);
		dots_errf(err, 500, "cannot store the registration");
		return NULL;
	}
	free(rec);
	log_info("peer %s %s: DOTS server %s port %u (%s), %zu served "
	    "prefixes, capacity %" PRIu64 " bit/s", peer->name,
	    *existed ? "registered again" : "registered", r->server_address,
	    r->server_port ? r->server_port : DOTS_DEFAULT_PORT,
	    r->server_transport == DOTS_REG_TLS ? "tls" : "dtls", r->n_served,
	    r->capacity_bps);
	apply(e, r);
	return &e->reg;
}

int
orch_unregister(struct gw *gw, const struct conf_peer *peer,
    struct dots_err *err)
{
	struct orch_reg *e;

	if ((e = member(gw, peer, err)) == NULL)
		return -1;
	if (reg_del(gw, peer->name) == -1)
		return dots_errf(err, 500, "cannot remove the stored "
		    "registration");
	if (e->registered) {
		log_info("peer %s cancelled its registration", peer->name);
		forget(e, "registration cancelled");
	}
	return 0;
}

/* A stored registration, checked as if it came again (config changes). */
static int load_one(const char *, const uint8_t *, size_t, void *);

/* The same, for members not registered yet (after a reload). */
static int
load_new(const char *key, const uint8_t *cbor, size_t len, void *arg)
{
	struct orch *o = arg;
	const struct conf_peer *peer;
	struct orch_reg *e;

	if (strncmp(key, REG_KEY, strlen(REG_KEY)) != 0 ||
	    (peer = conf_peer_by_name(o->gw->conf, key +
	    strlen(REG_KEY))) == NULL || (e = reg_of_peer(o, peer)) == NULL ||
	    e->registered)
		return 0;
	return load_one(key, cbor, len, arg);
}

static int
load_one(const char *key, const uint8_t *cbor, size_t len, void *arg)
{
	struct orch *o = arg;
	const char *name = key + strlen(REG_KEY);
	const struct conf_peer *peer;
	struct dots_registration r;
	struct dots_err err = { 0 };
	struct orch_reg *e;

	if (strncmp(key, REG_KEY, strlen(REG_KEY)) != 0)
		return 0;		/* someone else's */
	peer = conf_peer_by_name(o->gw->conf, name);
	if (peer == NULL || (e = reg_of_peer(o, peer)) == NULL) {
		log_warnx("stored registration of %s: no such ISP peer any "
		    "more; ignored", name);
		return 0;
	}
	if (dots_decode_registration(cbor, len, DOTS_RESP, &r, &err) == -1 ||
	    (r.server_address == NULL &&
	    dots_errf(&err, 400, "no server-address") == -1) ||
	    check_served(peer, &r, &err) == -1) {
		log_warnx("stored registration of %s: %s; ignored", name,
		    err.msg);
		dots_registration_free(&r);
		return 0;
	}
	log_info("peer %s: registration restored (DOTS server %s port %u)",
	    name, r.server_address, r.server_port ? r.server_port :
	    DOTS_DEFAULT_PORT);
	apply(e, &r);
	return 0;
}

/* The ISP members after a reload: kept upstreams keep their registration,
 * added ones get theirs from the store, removed ones are forgotten. */
int
orch_reload(struct gw *gw)
{
	struct orch *o = gw->orch;
	struct orch_reg *regs = NULL;
	size_t n = 0;

	if (o == NULL)
		return 0;
	if (gw->n_ups > 0 && (regs = calloc(gw->n_ups, sizeof(*regs))) == NULL)
		return -1;
	for (size_t i = 0; i < gw->n_ups; i++) {
		struct upstream *us = gw->ups[i];

		if (!us->peer->up.from_registration)
			continue;
		for (size_t j = 0; j < o->n; j++)
			if (o->regs[j].us == us &&
			    strcmp(o->regs[j].name, us->peer->name) == 0) {
				regs[n] = o->regs[j];
				memset(&o->regs[j], 0, sizeof(o->regs[j]));
			}
		regs[n].us = us;
		if (regs[n].name == NULL &&
		    (regs[n].name = strdup(us->peer->name)) == NULL)
			continue;	/* not a member until the next reload */
		n++;
	}
	for (size_t j = 0; j < o->n; j++) {
		dots_registration_free(&o->regs[j].reg);
		free(o->regs[j].name);
	}
	free(o->regs);
	o->regs = regs;
	o->n = n;
	/* the added ones, if they registered before */
	if (store_reg_foreach(gw->store, load_new, o) == -1)
		log_warnx("registrations: cannot read the stored ones");
	return 0;
}

struct orch *
orch_new(struct gw *gw)
{
	struct orch *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->gw = gw;
	if (gw->n_ups > 0 &&
	    (o->regs = calloc(gw->n_ups, sizeof(*o->regs))) == NULL) {
		free(o);
		return NULL;
	}
	for (size_t i = 0; i < gw->n_ups; i++) {
		if (!gw->ups[i]->peer->up.from_registration)
			continue;
		o->regs[o->n].us = gw->ups[i];
		if ((o->regs[o->n].name = strdup(gw->ups[i]->peer->name)) ==
		    NULL) {
			orch_free(o);
			return NULL;
		}
		o->n++;
	}
	gw->orch = o;
	if (store_reg_foreach(gw->store, load_one, o) == -1)
		log_warnx("registrations: cannot read the stored ones");
	log_info("orchestrator: %zu ISP members may register", o->n);
	return o;
}

void
orch_free(struct orch *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->n; i++) {
		dots_registration_free(&o->regs[i].reg);
		free(o->regs[i].name);
	}
	free(o->regs);
	o->gw->orch = NULL;
	free(o);
}

const struct dots_registration *
orch_registration(const struct gw *gw, const struct upstream *us)
{
	const struct orch *o = gw->orch;

	for (size_t i = 0; o != NULL && i < o->n; i++)
		if (o->regs[i].us == us && o->regs[i].registered)
			return &o->regs[i].reg;
	return NULL;
}
