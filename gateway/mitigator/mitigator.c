/*
 * The local mitigator, back-end independent part (gateway/mitigator.h):
 * rule sets, limits, the drop-counter source, periodic reconcile.
 *
 * Drop counters: a BGP speaker has none (the routers that enforce a
 * flowspec rule count, not the speaker that announces it), so counters
 * come from a configured counter source (mitigator: counters: FILE),
 * whatever the back-end: one line per mitigation, "PEER CUID MID BYTES
 * PKTS BPS PPS", as exported by the operator's collector. Without one,
 * local counters stay absent (0), as before.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "policies/acl.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/state/peer.h"

static const char *
act_word(unsigned a)
{
	return a == CONF_ACT_RTBH ? "blackhole" : a == CONF_ACT_DISCARD ?
	    "discard" : "rate-limit";
}

uint32_t
mitigator_owner(const char *peer, const char *cuid)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	const char *parts[2] = { peer, cuid };

	for (int i = 0; i < 2; i++) {
		for (const char *p = parts[i]; *p != '\0'; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		h = (h ^ '/') * 16777619u;
	}
	return h;
}

static void
terms_port(char *buf, size_t len, size_t *off, const char *name,
    const struct port_range *r, size_t n)
{
	if (n == 0)
		return;
	*off += (size_t)snprintf(buf + *off, *off < len ? len - *off : 0,
	    " %s ", name);
	for (size_t i = 0; i < n; i++) {
		if (r[i].lower == r[i].upper)
			*off += (size_t)snprintf(buf + *off, *off < len ?
			    len - *off : 0, "%s==%u", i ? " " : "",
			    r[i].lower);
		else
			*off += (size_t)snprintf(buf + *off, *off < len ?
			    len - *off : 0, "%s>=%u&<=%u", i ? " " : "",
			    r[i].lower, r[i].upper);
	}
}

void
mitigator_rule_text(const struct pol_rule *r, char *buf, size_t len)
{
	char	 a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	size_t	 off;

	off = (size_t)snprintf(buf, len, "%s %s", r->action == CONF_ACT_RTBH ?
	    "rtbh" : "match destination", prefix_format(&r->dst, a,
	    sizeof(a)));
	if (r->action != CONF_ACT_RTBH) {
		if (r->has_src)
			off += (size_t)snprintf(buf + off, off < len ?
			    len - off : 0, " source %s",
			    prefix_format(&r->src, b, sizeof(b)));
		if (r->n_proto > 0)
			off += (size_t)snprintf(buf + off, off < len ?
			    len - off : 0, " protocol");
		for (size_t i = 0; i < r->n_proto; i++)
			off += (size_t)snprintf(buf + off, off < len ?
			    len - off : 0, " ==%u", r->proto[i]);
		terms_port(buf, len, &off, "destination-port", r->dport,
		    r->n_dport);
		terms_port(buf, len, &off, "source-port", r->sport, r->n_sport);
		if (r->n_icmp > 0) {
			struct port_range t[POL_RULE_MAX_TERMS];

			for (size_t i = 0; i < r->n_icmp; i++) {
				t[i].lower = r->icmp[i].lower;
				t[i].upper = r->icmp[i].upper;
			}
			terms_port(buf, len, &off, "icmp-type", t, r->n_icmp);
		}
	}
	if (r->action == CONF_ACT_RATE_LIMIT)
		snprintf(buf + off, off < len ? len - off : 0, " then rate-limit "
		    "%" PRIu64, r->rate);
	else
		snprintf(buf + off, off < len ? len - off : 0, " then %s",
		    act_word(r->action));
}

/* ---- routes shared by rule sets ---------------------------------------- */

/* The route's identity at the speaker: the rule text up to its action. */
static void
route_key(const struct pol_rule *r, char *buf, size_t len)
{
	char *t;

	mitigator_rule_text(r, buf, len);
	if ((t = strstr(buf, " then ")) != NULL)
		*t = '\0';
}

static struct rule_ref **
route_bucket(struct mitigator *mg, const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *p = key; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return &mg->routes[h % MIT_ROUTE_BUCKETS];
}

/* The route of rule, one more owner; NULL when out of memory. */
static struct rule_ref *
route_ref(struct mitigator *mg, const struct pol_rule *rule)
{
	struct rule_ref **b, *ref;
	char key[512];

	route_key(rule, key, sizeof(key));
	b = route_bucket(mg, key);
	for (ref = *b; ref != NULL; ref = ref->next)
		if (strcmp(ref->key, key) == 0)
			break;
	if (ref == NULL) {
		if ((ref = calloc(1, sizeof(*ref))) == NULL ||
		    (ref->key = strdup(key)) == NULL) {
			free(ref);
			return NULL;
		}
		ref->next = *b;
		*b = ref;
	}
	ref->refs++;
	return ref;
}

static void
route_free(struct mitigator *mg, struct rule_ref *ref)
{
	struct rule_ref **p = route_bucket(mg, ref->key);

	while (*p != ref)
		p = &(*p)->next;
	*p = ref->next;
	free(ref->key);
	free(ref);
}

/* Undo route_ref() for refs[0..n) (a failed install). */
static void
route_unref_all(struct mitigator *mg, struct rule_ref **refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		refs[i]->refs--;
	for (size_t i = 0; i < n; i++) {
		if (refs[i] == NULL || refs[i]->refs > 0)
			continue;
		for (size_t k = i + 1; k < n; k++)
			if (refs[k] == refs[i])
				refs[k] = NULL;
		route_free(mg, refs[i]);
	}
}

/* ---- active rule sets by owner and mid ---------------------------------- */

static struct mit_rules **
owns_bucket(struct mitigator *mg, uint32_t owner, uint32_t mid)
{
	return &mg->owns[(owner ^ mid * 2654435761u) % MIT_OWNS_BUCKETS];
}

static void
owns_add(struct mitigator *mg, struct mit_rules *r)
{
	struct mit_rules **b = owns_bucket(mg, r->owner, r->mid);

	r->owns_next = *b;
	*b = r;
}

static void
owns_del(struct mitigator *mg, struct mit_rules *r)
{
	struct mit_rules **p = owns_bucket(mg, r->owner, r->mid);

	while (*p != NULL && *p != r)
		p = &(*p)->owns_next;
	if (*p != NULL)
		*p = r->owns_next;
	r->owns_next = NULL;
}

static uint32_t
peer_rules(const struct mitigator *mg, const struct conf_peer *peer)
{
	/* a count kept with n_rules: walking every owned rule here was 70%
	 * of a PUT's CPU at 20,000 mitigations (tests/bench/README.md) */
	const struct peer_rt *rt = peer_find(mg->gw, peer->name);

	return rt != NULL ? rt->rules : 0;
}

/* Action and rules for scope s of peer into rules[POL_RULES_MAX]. */
static int
plan_rules(struct mitigator *mg, const struct conf_peer *peer,
    const struct dots_scope *s, unsigned *act, struct pol_rule *rules,
    size_t *n, char *why, size_t len)
{
	const struct conf_mitigator *mc = &mg->gw->conf->mitigator;
	unsigned sev = pol_attack_severity(s);
	const char *w;

	if ((*act = pol_action(mc, &peer->policy, sev)) == 0) {
		snprintf(why, len, "peer %s may trigger no mitigation action "
		    "(severity %u)", peer->name, sev);
		return -1;
	}
	if (pol_rules_build(s, *act, mc, rules, n, &w) == -1 ||
	    pol_acl_rules(peer, s, rules, n, &w) == -1) {
		snprintf(why, len, "%s", w);
		return -1;
	}
	if (!pol_rules_fit(mc, &peer->policy, peer_rules(mg, peer),
	    mg->n_rules, *n)) {
		snprintf(why, len, "%zu rules exceed the limits (peer %s: "
		    "%" PRIu32 " of %" PRIu32 ", all: %" PRIu32 " of %" PRIu32
		    ")", *n, peer->name, peer_rules(mg, peer),
		    peer->policy.max_rules, mg->n_rules, mc->max_rules);
		return -1;
	}
	return 0;
}

bool
mitigator_admit(struct gw *gw, const struct conf_peer *peer,
    const struct dots_scope *s, const struct pol_volume *vol, bool *offload,
    char *why, size_t len)
{
	struct mitigator *mg = gw->mitig;
	const struct conf *c = gw->conf;
	struct pol_rule *rules;
	unsigned act;
	size_t n;
	int r;

	*offload = false;
	if (mg == NULL)
		return true;
	if (!pol_offload_keep(&mg->offload, &c->offload)) {
		*offload = true;
		snprintf(why, len, "offloading: utilization %" PRIu32 "%% "
		    "(on at %" PRIu32 "%%, off below %" PRIu32 "%%)",
		    pol_utilization(&c->capacity, &gw->local_usage),
		    c->offload.high, c->offload.low);
		return false;
	}
	/* not zeroed: the builders write every rule they count, and this
	 * runs for every request (a calloc of them was 4 % of a relay) */
	if ((rules = reallocarray(NULL, POL_RULES_MAX,
	    sizeof(*rules))) == NULL) {
		snprintf(why, len, "out of memory");
		return false;
	}
	r = plan_rules(mg, peer, s, &act, rules, &n, why, len);
	free(rules);
	return r == 0;
}

/* A rule set of rules[0..n) for m (NULL: a standing set), announced. */
static struct mit_rules *
install_rules(struct mitigator *mg, struct peer_rt *prt, const char *cuid,
    uint32_t mid, struct mitigation *m, unsigned act,
    const struct pol_rule *rules, size_t n, const char *idname)
{
	const struct conf_peer *peer = prt->conf;
	struct mit_rules *r;
	char text[512];

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->rules = calloc(n, sizeof(*r->rules))) == NULL ||
	    (r->refs = calloc(n, sizeof(*r->refs))) == NULL) {
		if (r != NULL)
			free(r->rules);
		free(r);
		return NULL;
	}
	memcpy(r->rules, rules, n * sizeof(*rules));
	r->n = n;
	for (size_t i = 0; i < n; i++)
		if ((r->refs[i] = route_ref(mg, &rules[i])) == NULL) {
			route_unref_all(mg, r->refs, i);
			free(r->refs);
			free(r->rules);
			free(r);
			return NULL;
		}
	/* the speaker replaces a shared route: it carries r's tag now */
	for (size_t i = 0; i < n; i++)
		r->refs[i]->tag = r;
	r->mg = mg;
	r->m = m;
	r->standing = m == NULL;
	r->owner = mitigator_owner(peer->name, cuid);
	r->mid = mid;
	r->action = act;
	TAILQ_INSERT_TAIL(&mg->owned, r, entry);
	owns_add(mg, r);
	mg->n_rules += (uint32_t)n;
	prt->rules += (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		mitigator_rule_text(&rules[i], text, sizeof(text));
		log_info("peer %s cuid %s %s %u: %s rule %zu/%zu: %s",
		    peer->name, cuid, idname, mid, mg->ops->name, i + 1,
		    n, text);
	}
	r->pending++;
	mg->ops->install(mg, r, n < 64 ? (UINT64_C(1) << n) - 1 : ~UINT64_C(0));
	return r;
}

int
mitigator_install(struct gw *gw, struct mitigation *m)
{
	struct mitigator *mg = gw->mitig;
	const struct conf_peer *peer = m->client->peer->conf;
	struct pol_rule rules[POL_RULES_MAX];
	char why[200];
	unsigned act;
	size_t n;

	if (mg == NULL)
		return -1;
	if (plan_rules(mg, peer, &m->scope, &act, rules, &n, why,
	    sizeof(why)) == -1) {
		log_warnx("peer %s cuid %s mid %u: no local rules: %s",
		    peer->name, m->client->cuid, m->mid, why);
		return -1;
	}
	return install_rules(mg, m->client->peer, m->client->cuid, m->mid, m,
	    act, rules, n, "mid") == NULL ? -1 : 0;
}

static struct mit_rules *
rules_of(struct mitigator *mg, const struct mitigation *m)
{
	struct mit_rules *r;

	TAILQ_FOREACH(r, &mg->owned, entry)
		if (r->m == m)
			return r;
	return NULL;
}

static void
rules_free(struct mit_rules *r)
{
	owns_del(r->mg, r);
	TAILQ_REMOVE(&r->mg->owned, r, entry);
	free(r->refs);
	free(r->rules);
	free(r);
}

/*
 * The rule sets of r that share a route with one still active go on
 * without it; a shared route that carried r's tag is announced again by
 * another owner, so that reconcile finds it owned.
 */
static uint64_t
withdraw_mask(struct mitigator *mg, struct mit_rules *r)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < r->n; i++)
		r->refs[i]->refs--;
	for (size_t i = 0; i < r->n; i++) {
		struct rule_ref *ref = r->refs[i];
		struct mit_rules *o;

		if (ref == NULL)
			continue;
		for (size_t k = i + 1; k < r->n; k++)
			if (r->refs[k] == ref)
				r->refs[k] = NULL;	/* one route */
		if (ref->refs == 0) {
			mask |= UINT64_C(1) << i;
			route_free(mg, ref);
			continue;
		}
		if (ref->tag != r)
			continue;
		ref->tag = NULL;
		TAILQ_FOREACH(o, &mg->owned, entry) {
			if (!mit_rules_active(o))
				continue;
			for (size_t j = 0; j < o->n; j++)
				if (o->refs[j] == ref) {
					ref->tag = o;
					o->pending++;
					mg->ops->install(mg, o,
					    UINT64_C(1) << j);
					break;
				}
			if (ref->tag != NULL)
				break;
		}
	}
	free(r->refs);
	r->refs = NULL;		/* what is left is not r's any more */
	return mask;
}

uint64_t
mitigator_tagged(const struct mit_rules *r)
{
	uint64_t mask = 0;

	if (r->refs == NULL)
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		bool dup = false;

		if (r->refs[i]->tag != r)
			continue;
		for (size_t k = 0; k < i && !dup; k++)
			dup = r->refs[k] == r->refs[i];
		if (!dup)
			mask |= UINT64_C(1) << i;
	}
	return mask;
}

void
mitigator_withdraw(struct gw *gw, struct mitigation *m)
{
	struct mitigator *mg = gw->mitig;
	struct mit_rules *r;
	uint64_t mask;

	if (mg == NULL || (r = rules_of(mg, m)) == NULL)
		return;
	log_info("peer %s cuid %s mid %u: withdrawing %zu %s rule(s)",
	    m->client->peer->conf->name, m->client->cuid, m->mid, r->n,
	    mg->ops->name);
	r->m = NULL;	/* in owns until freed: mitigator_withdrawing() */
	mg->n_rules -= (uint32_t)r->n;
	m->client->peer->rules -= (uint32_t)r->n;
	mask = withdraw_mask(mg, r);
	if (mask != (r->n < 64 ? (UINT64_C(1) << r->n) - 1 : ~UINT64_C(0)))
		log_info("peer %s cuid %s mid %u: %d rule(s) stay, shared "
		    "with another mitigation", m->client->peer->conf->name,
		    m->client->cuid, m->mid,
		    (int)r->n - __builtin_popcountll(mask));
	r->pending++;
	mg->ops->withdraw(mg, r, mask);
}

void
mitigator_update(struct gw *gw, struct mitigation *m)
{
	struct mitigator *mg = gw->mitig;
	struct mit_rules *r;
	unsigned sev, act;

	if (mg == NULL || (r = rules_of(mg, m)) == NULL)
		return;
	sev = pol_attack_severity(&m->scope);
	act = pol_action(&gw->conf->mitigator, &m->client->peer->conf->policy,
	    sev);
	if (act == r->action)
		return;
	log_info("peer %s cuid %s mid %u: attack-severity %u: %s instead of "
	    "%s", m->client->peer->conf->name, m->client->cuid, m->mid, sev,
	    pol_action_name(act), pol_action_name(r->action));
	mitigator_withdraw(gw, m);
	(void)mitigator_install(gw, m);
}

void
mitigator_done(struct mit_rules *r, bool ok)
{
	struct mitigator *mg = r->mg;

	r->pending--;
	if (!ok)
		mg->failures++;
	if (mit_rules_active(r)) {
		r->installed = ok;
		if (ok)
			mg->installs++;
		else
			log_warnx("owner %08x mid %u: %s install failed; retried "
			    "at the next reconcile", r->owner, r->mid,
			    mg->ops->name);
	} else if (r->pending == 0) {
		if (ok)
			mg->withdrawals++;
		rules_free(r);
	}
}

struct mit_rules *
mitigator_owns(struct mitigator *mg, uint32_t owner, uint32_t mid)
{
	struct mit_rules *r;

	for (r = *owns_bucket(mg, owner, mid); r != NULL; r = r->owns_next)
		if (mit_rules_active(r) && r->owner == owner && r->mid == mid)
			return r;
	return NULL;
}

bool
mitigator_withdrawing(struct mitigator *mg, uint32_t owner, uint32_t mid)
{
	struct mit_rules *r;

	for (r = *owns_bucket(mg, owner, mid); r != NULL; r = r->owns_next)
		if (!mit_rules_active(r) && r->pending > 0 && r->owner == owner &&
		    r->mid == mid)
			return true;
	return false;
}

/* ---- standing rule sets ------------------------------------------------ */

static struct mit_rules *
standing_of(struct mitigator *mg, uint32_t owner, uint32_t setid)
{
	struct mit_rules *r;

	for (r = *owns_bucket(mg, owner, setid); r != NULL; r = r->owns_next)
		if (r->standing && r->owner == owner && r->mid == setid)
			return r;
	return NULL;
}

bool
mitigator_has_set(struct gw *gw, const char *peer, const char *cuid,
    uint32_t setid)
{
	return gw->mitig != NULL && standing_of(gw->mitig,
	    mitigator_owner(peer, cuid), setid) != NULL;
}

void
mitigator_withdraw_set(struct gw *gw, struct peer_rt *prt, const char *cuid,
    uint32_t setid)
{
	struct mitigator *mg = gw->mitig;
	struct mit_rules *r;

	if (mg == NULL || (r = standing_of(mg, mitigator_owner(
	    prt->conf->name, cuid), setid)) == NULL)
		return;
	log_info("peer %s cuid %s set %u: withdrawing %zu %s rule(s)",
	    prt->conf->name, cuid, setid, r->n, mg->ops->name);
	r->standing = false;
	mg->n_rules -= (uint32_t)r->n;
	prt->rules -= (uint32_t)r->n;
	r->pending++;
	mg->ops->withdraw(mg, r, withdraw_mask(mg, r));
}

int
mitigator_install_set(struct gw *gw, struct peer_rt *prt, const char *cuid,
    uint32_t setid, const char *what, const struct pol_rule *rules, size_t n)
{
	struct mitigator *mg = gw->mitig;
	const struct conf_mitigator *mc;

	if (mg == NULL)
		return -1;
	mc = &gw->conf->mitigator;
	mitigator_withdraw_set(gw, prt, cuid, setid);
	if (n == 0)
		return 0;
	if (!pol_rules_fit(mc, &prt->conf->policy, prt->rules, mg->n_rules,
	    n)) {
		log_warnx("peer %s cuid %s %s: %zu rules exceed the limits "
		    "(peer: %" PRIu32 " of %" PRIu32 ", all: %" PRIu32 " of %"
		    PRIu32 "): not installed", prt->conf->name, cuid, what, n,
		    prt->rules, prt->conf->policy.max_rules, mg->n_rules,
		    mc->max_rules);
		return -1;
	}
	log_info("peer %s cuid %s %s: set %u of %zu %s rule(s)",
	    prt->conf->name, cuid, what, setid, n, mg->ops->name);
	return install_rules(mg, prt, cuid, setid, NULL, rules[0].action,
	    rules, n, "set") == NULL ? -1 : 0;
}

/* ---- drop counters ------------------------------------------------- */

/* The counter file's line for m, if any. */
static void
read_counters(struct mitigator *mg)
{
	const char *path = mg->gw->conf->mitigator.counters;
	char line[512], peer[128], cuid[128];
	unsigned mid;
	uint64_t c[4];
	struct mit_rules *r;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || sscanf(line, "%127s %127s %u %" SCNu64
		    " %" SCNu64 " %" SCNu64 " %" SCNu64, peer, cuid, &mid,
		    &c[0], &c[1], &c[2], &c[3]) != 7)
			continue;
		TAILQ_FOREACH(r, &mg->owned, entry) {
			struct mitigation *m = r->m;

			if (m == NULL || m->mid != mid ||
			    strcmp(m->client->peer->conf->name, peer) != 0 ||
			    strcmp(m->client->cuid, cuid) != 0)
				continue;
			if (memcmp(r->c, c, sizeof(c)) == 0)
				continue;
			memcpy(r->c, c, sizeof(c));
			m->bytes_dropped = c[0];
			m->pkts_dropped = c[1];
			m->bps_dropped = c[2];
			m->pps_dropped = c[3];
			mit_changed(m->client->mt, m);
		}
	}
	fclose(f);
}

static void
stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mitigator *mg = arg;
	struct timeval tv = { mg->gw->conf->mitigator.stats_interval, 0 };

	read_counters(mg);
	evtimer_add(mg->stats_ev, &tv);
}

static void
reconcile_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mitigator *mg = arg;
	struct timeval tv = { mg->gw->conf->mitigator.reconcile_interval, 0 };

	mg->ops->reconcile(mg);
	evtimer_add(mg->reconcile_ev, &tv);
}

int
mitigator_new(struct gw *gw)
{
	struct mitigator *mg;
	struct timeval now = { 0, 0 };
	struct timeval tv = { gw->conf->mitigator.stats_interval, 0 };

	if ((mg = calloc(1, sizeof(*mg))) == NULL)
		return -1;
	mg->gw = gw;
	TAILQ_INIT(&mg->owned);
	if ((mg->routes = calloc(MIT_ROUTE_BUCKETS,
	    sizeof(*mg->routes))) == NULL ||
	    (mg->owns = calloc(MIT_OWNS_BUCKETS, sizeof(*mg->owns))) == NULL) {
		free(mg->routes);
		free(mg);
		return -1;
	}
	switch (gw->conf->mitigator.type) {
	case MITIGATOR_BGP:
		mg->ops = &mitigator_bgp_ops;
		break;
	case MITIGATOR_EXABGP:
		mg->ops = &mitigator_exabgp_ops;
		break;
	default:
		mg->ops = &mitigator_log_ops;
	}
	if ((mg->stats_ev = evtimer_new(gw->base, stats_cb, mg)) == NULL ||
	    (mg->reconcile_ev = evtimer_new(gw->base, reconcile_cb,
	    mg)) == NULL || mg->ops->init(mg) == -1) {
		if (mg->stats_ev != NULL)
			event_free(mg->stats_ev);
		if (mg->reconcile_ev != NULL)
			event_free(mg->reconcile_ev);
		free(mg->routes);
		free(mg->owns);
		free(mg);
		return -1;
	}
	evtimer_add(mg->stats_ev, &tv);
	evtimer_add(mg->reconcile_ev, &now);
	gw->mitig = mg;
	log_info("mitigator: %s", mg->ops->name);
	return 0;
}

void
mitigator_free(struct gw *gw)
{
	struct mitigator *mg = gw->mitig;
	struct mit_rules *r;

	if (mg == NULL)
		return;
	/* rules stay with the speaker: a restart reconciles them */
	mg->ops->free(mg);
	while ((r = TAILQ_FIRST(&mg->owned)) != NULL)
		rules_free(r);
	for (size_t i = 0; i < MIT_ROUTE_BUCKETS; i++)
		while (mg->routes[i] != NULL)
			route_free(mg, mg->routes[i]);
	free(mg->routes);
	free(mg->owns);
	event_free(mg->stats_ev);
	event_free(mg->reconcile_ev);
	free(mg);
	gw->mitig = NULL;
}
