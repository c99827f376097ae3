/*
 * The DMS-offload draft's flow, hop by hop: a mitigation whose acl-list
 * names ACLs goes to an upstream that has a data channel ("upstream:
 * data-channel:") in three steps. Our cuid is registered there as a
 * dots-client (RFC 8783 §6.1, an idempotent PUT, once per signal session
 * life), the ACLs are created there (§7.2, PUT .../acls/acl=NAME), and
 * only when every create succeeded the signal-channel PUT goes, its
 * acl-list naming the ACLs as created. A refused create fails the
 * placement as a refusal of the PUT would (what was created is deleted
 * again); the ACLs are deleted there when the placement is withdrawn.
 *
 * Names there are ours: "<client tag>-<umid>-<name>", the tag a hash of
 * the downstream peer and cuid. Two customers' "block-dns" do not meet,
 * and each placement owns its copies, so withdrawing one mitigation
 * never removes what another still uses. The names follow from the
 * placement, so a restored placement deletes them without stored state.
 *
 * What an ACL says comes from the downstream client's ACLs: those it
 * created on our data channel, else the operator-staged ones of its peer
 * (YAML "acls:", the RFC 8783 subset).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/dc_acl.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/counters.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/upstream/dc_client.h"
#include "gateway/upstream/upstream.h"
#include "policies/acl.h"

#define DC_DATA		"/restconf/data/ietf-dots-data-channel:dots-data"

/* Our dots-client registration at one upstream, for one session life. */
struct dc_reg {
	TAILQ_ENTRY(dc_reg)	 entry;
	struct dc_up		*du;
	const struct upstream	*us;	/* compared, never followed after
					   dc_push_upstream_down() */
	char			 cuid[CUID_BUFLEN];
	uint64_t		 req;	/* outstanding PUT, 0 = done */
	bool			 done;
};

/* Creating a placement's ACLs (placement->dc_job). */
struct dc_job {
	TAILQ_ENTRY(dc_job)	 entry;
	struct dc_up		*du;
	struct placement	*p;
	struct dc_reg		*reg;	/* waiting for it, NULL = not */
	size_t			 next;	/* acl-list entry being created */
	uint64_t		 req;
	bool			 sync;	/* inside dc_push_pending(): a
					   failure is the caller's, as a
					   PUT that cannot be sent */
};

struct dc_up {
	struct gw		*gw;
	struct dcc		*dcc;
	TAILQ_HEAD(, dc_reg)	 regs;
	TAILQ_HEAD(, dc_job)	 jobs;
};

struct dc_up *
dc_up_new(struct gw *gw)
{
	struct dc_up *du;

	if ((du = calloc(1, sizeof(*du))) == NULL)
		return NULL;
	du->gw = gw;
	TAILQ_INIT(&du->regs);
	TAILQ_INIT(&du->jobs);
	if ((du->dcc = dcc_new(gw->base)) == NULL) {
		free(du);
		return NULL;
	}
	return du;
}

void
dc_up_free(struct dc_up *du)
{
	struct dc_reg *r;
	struct dc_job *j;

	if (du == NULL)
		return;
	dcc_free(du->dcc);	/* no callback after this */
	while ((j = TAILQ_FIRST(&du->jobs)) != NULL) {
		TAILQ_REMOVE(&du->jobs, j, entry);
		j->p->dc_job = NULL;
		free(j);
	}
	while ((r = TAILQ_FIRST(&du->regs)) != NULL) {
		TAILQ_REMOVE(&du->regs, r, entry);
		free(r);
	}
	free(du);
}

bool
dc_push_applies(const struct placement *p)
{
	return p->us->peer->up.dc.port != 0 && p->m->scope.n_acl_list > 0;
}

static uint64_t
fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
dc_push_acl_name(const struct placement *p, const char *name, char *out,
    size_t len)
{
	const struct mitigation *m = p->m;
	const char *peer = m->client->peer->conf->name;
	uint64_t h = 0xcbf29ce484222325ULL;
	int n;

	h = fnv1a(h, peer, strlen(peer) + 1);
	h = fnv1a(h, m->client->cuid, strlen(m->client->cuid));
	n = snprintf(out, len, "%08" PRIx32 "-%u-%s", (uint32_t)(h >> 32),
	    p->umid, name);
	if (n > 0 && n <= DC_NAME_MAX && (size_t)n < len)
		return 0;
	/* too long for the YANG's 64: the name's own hash stands in */
	n = snprintf(out, len, "%08" PRIx32 "-%u-%016" PRIx64,
	    (uint32_t)(h >> 32), p->umid,
	    fnv1a(0xcbf29ce484222325ULL, name, strlen(name)));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* RFC 3986 unreserved characters stay, the rest is percent-encoded. */
static void
pct_encode(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* The request skeleton toward p's upstream's data channel. */
static void
req_init(const struct upstream *us, struct dcc_req *r, const char *method,
    const char *path)
{
	const struct conf_upstream *u = &us->peer->up;

	memset(r, 0, sizeof(*r));
	r->method = method;
	r->server_name = u->server_name != NULL ? u->server_name :
	    us->peer->name;
	r->address = u->dc.address[0] != '\0' ? u->dc.address : us->addr;
	r->port = u->dc.port;
	r->path = path;
	r->ca_file = u->ca_file;
	r->cert_file = u->cert_file;
	r->key_file = u->key_file;
	r->timeout_ms = u->dc.timeout_ms != 0 ? u->dc.timeout_ms : 10000;
}

static uint64_t
send_req(struct dc_up *du, const struct dcc_req *r, dcc_done_fn *fn,
    void *arg)
{
	uint64_t id = dcc_send(du->dcc, r, fn, arg);

	metrics_dc_upstream(du->gw->metrics, id == 0);
	return id;
}

/* "HTTP 403 access-denied: <error-message>" from an RFC 8040 error body,
 * or the transport's error. */
static void
describe(long status, const char *body, size_t len, const char *error,
    char *out, size_t outlen)
{
	json_t *j, *e;
	const char *tag = NULL, *msg = NULL;

	if (status == 0) {
		snprintf(out, outlen, "%s", error != NULL ? error : "failed");
		return;
	}
	j = json_loadb(body, len, 0, NULL);
	e = json_object_get(json_object_get(j, "ietf-restconf:errors"),
	    "error");
	e = json_is_array(e) ? json_array_get(e, 0) : e;
	tag = json_string_value(json_object_get(e, "error-tag"));
	msg = json_string_value(json_object_get(e, "error-message"));
	snprintf(out, outlen, "HTTP %ld%s%s%s%s", status, tag ? " " : "",
	    tag ? tag : "", msg ? ": " : "", msg ? msg : "");
	json_decref(j);
}

/* ---- withdrawing ------------------------------------------------------- */

static void
deleted_cb(void *arg, long status, const char *body, size_t len,
    const char *error)
{
	struct dc_up *du = arg;

	/* 404: it was never created, or is gone already */
	if (status / 100 != 2 && status != 404) {
		char why[200];

		describe(status, body, len, error, why, sizeof(why));
		metrics_dc_upstream(du->gw->metrics, true);
		log_warnx("data channel: DELETE of an ACL failed: %s", why);
	}
}

/* DELETE the first n ACLs of p's acl-list there. */
static void
delete_acls(struct dc_up *du, struct placement *p, size_t n)
{
	const struct dots_scope *s = &p->m->scope;
	char name[DC_NAME_MAX + 1], enc[3 * DC_NAME_MAX + 1], path[1024];
	struct dcc_req r;

	for (size_t i = 0; i < n && i < s->n_acl_list; i++) {
		if (s->acl_list[i].acl_name == NULL ||
		    dc_push_acl_name(p, s->acl_list[i].acl_name, name,
		    sizeof(name)) == -1)
			continue;
		pct_encode(name, enc, sizeof(enc));
		snprintf(path, sizeof(path), DC_DATA "/dots-client=%s/acls/"
		    "acl=%s", p->us->cuid, enc);
		req_init(p->us, &r, "DELETE", path);
		(void)send_req(du, &r, deleted_cb, du);
	}
}

static void
job_free(struct dc_job *j)
{
	dcc_cancel(j->du->dcc, j->req);
	TAILQ_REMOVE(&j->du->jobs, j, entry);
	j->p->dc_job = NULL;
	free(j);
}

void
dc_push_cancel(struct placement *p)
{
	if (p->dc_job != NULL)
		job_free(p->dc_job);
}

void
dc_push_withdraw(struct placement *p)
{
	struct dc_up *du = mit_gw(p->m)->dc_up;
	size_t n = p->m->scope.n_acl_list;

	if (du == NULL || !dc_push_applies(p))
		return;
	if (p->dc_job != NULL) {	/* the first ones are created */
		n = p->dc_job->next;
		job_free(p->dc_job);
	}
	p->dc_pushed = false;
	delete_acls(du, p, n);
}

/* ---- creating ---------------------------------------------------------- */

/* The placement fails as when the upstream refuses or misses its PUT. */
static void
job_fail(struct dc_job *j, bool refused, long status, const char *why)
{
	struct placement *p = j->p;
	struct dc_up *du = j->du;
	struct seen before = placement_seen(p);
	size_t created = j->next;
	char name[200];

	bool sync = j->sync;

	job_free(j);
	delete_acls(du, p, created);
	p->state = refused ? PL_REFUSED : PL_LOST;
	p->code = refused ? (status >= 400 && status < 600 ? (int)status :
	    400) : 0;
	snprintf(p->diag, sizeof(p->diag), "data channel: %s", why);
	log_warnx("%s: upstream %s %s mid %u: %s",
	    relay_mit_name(p->m, name, sizeof(name)), p->us->peer->name,
	    refused ? "refused" : "failed", p->umid, p->diag);
	if (sync)
		return;
	relay_failed_over(p->m);
	persist_pl(du->gw, p, false);
	placement_update(p, before);
}

/* A staged ACL in the RFC 8783 model; -1 with why when it has no form
 * there (ports without a protocol: flowspec has them, RFC 8519 not). */
static int
from_conf(const struct conf_acl *c, const char *name, struct dc_acl *a,
    const char **why)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->type = c->family == AF_INET6 ? DC_TYPE_IPV6 : DC_TYPE_IPV4;
	a->has_aces = true;
	if ((a->aces = calloc(c->n_aces ? c->n_aces : 1,
	    sizeof(*a->aces))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (size_t i = 0; i < c->n_aces; i++) {
		const struct conf_ace *ce = &c->aces[i];
		struct dc_ace *e = &a->aces[a->n_aces++];
		struct dc_port *ports[2] = { &e->sport, &e->dport };
		const struct port_range *pr[2] = { &ce->sport, &ce->dport };
		bool has[2] = { ce->has_sport, ce->has_dport };

		snprintf(e->name, sizeof(e->name), "%s", ce->name);
		e->has_matches = true;
		e->l3 = c->family == AF_INET6 ? 6 : 4;
		if (ce->has_dst) {
			e->ip.has |= DC_IP_DST;
			e->ip.dst = ce->dst;
		}
		if (ce->has_src) {
			e->ip.has |= DC_IP_SRC;
			e->ip.src = ce->src;
		}
		if (ce->has_proto) {
			e->ip.has |= DC_IP_PROTOCOL;
			e->ip.protocol = ce->proto;
		}
		if ((ce->has_sport || ce->has_dport) && (!ce->has_proto ||
		    (ce->proto != 6 && ce->proto != 17))) {
			*why = "a port range without protocol 6 or 17 has no "
			    "RFC 8783 form";
			return -1;
		}
		if (ce->has_sport || ce->has_dport)
			e->l4 = ce->proto == 6 ? DC_L4_TCP : DC_L4_UDP;
		for (int k = 0; k < 2; k++) {
			if (!has[k])
				continue;
			ports[k]->lower = pr[k]->lower;
			ports[k]->upper = pr[k]->upper;
			ports[k]->op = pr[k]->lower == pr[k]->upper ?
			    DC_PORT_EQ : DC_PORT_RANGE;
		}
		if (ce->has_icmp) {
			e->l4 = DC_L4_ICMP;
			e->icmp_has = DC_ICMP_TYPE;
			e->icmp_type = ce->icmp_type;
		}
		switch (ce->action) {
		case CONF_ACE_RATE_LIMIT:
			e->has_rate = true;
			e->rate_centi = ce->rate * 100;
			e->forwarding = DC_FWD_ACCEPT;
			break;
		case CONF_ACE_ACCEPT:
			e->forwarding = DC_FWD_ACCEPT;
			break;
		default:
			e->forwarding = DC_FWD_DROP;
			break;
		}
	}
	return 0;
}

/* The body creating the downstream client's ACL name as upname there:
 * its data-channel ACL of that name, else its peer's staged one. Created
 * there without activation-type (activate-when-mitigating: the relayed
 * acl-list activates it) and pending-lifetime (ours to refresh). */
static char *
acl_body(const struct placement *p, const char *name, const char *upname,
    const char **why)
{
	const struct mit_client *mc = p->m->client;
	const struct dc_acl *d = dc_acl_find(mit_gw(p->m)->dc,
	    mc->peer->conf->name, mc->cuid, name);
	const struct conf_acl *c = pol_acl_find(mc->peer->conf, name);
	struct dc_acl a;
	json_t *j = NULL, *one = NULL;
	char *s;

	memset(&a, 0, sizeof(a));
	if (d != NULL) {
		a = *d;		/* aces borrowed */
		snprintf(a.name, sizeof(a.name), "%s", upname);
		a.activation = 0;
		a.has_pending = false;
		one = dc_acl_encode_one(&a, DC_CONTENT_CONFIG);
	} else if (c == NULL) {
		*why = "no such ACL any more";
		return NULL;
	} else {
		if (from_conf(c, upname, &a, why) == -1) {
			dc_acl_free(&a);
			return NULL;
		}
		one = dc_acl_encode_one(&a, DC_CONTENT_CONFIG);
		dc_acl_free(&a);
	}
	if (one != NULL)
		j = json_pack("{s:{s:[o]}}", DC_ACLS_ROOT, "acl", one);
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		*why = "out of memory";
	return s;
}

static void job_next(struct dc_job *);

static void
created_cb(void *arg, long status, const char *body, size_t len,
    const char *error)
{
	struct dc_job *j = arg;
	char why[DOTS_ERR_MSGLEN];

	j->req = 0;
	if (status / 100 == 2) {
		j->next++;
		job_next(j);
		return;
	}
	describe(status, body, len, error, why, sizeof(why));
	metrics_dc_upstream(j->du->gw->metrics, true);
	job_fail(j, status != 0, status, why);
}

/* Create the next ACL, or send the PUT once all are there. */
static void
job_next(struct dc_job *j)
{
	struct placement *p = j->p;
	const struct dots_scope *s = &p->m->scope;
	char upname[DC_NAME_MAX + 1], enc[3 * DC_NAME_MAX + 1], path[1024];
	const char *why = NULL;
	struct dcc_req r;
	char *body;

	if (j->next == s->n_acl_list) {
		job_free(j);
		p->dc_pushed = true;
		placement_send_put(p, 0);
		return;
	}
	if (s->acl_list[j->next].acl_name == NULL ||
	    dc_push_acl_name(p, s->acl_list[j->next].acl_name, upname,
	    sizeof(upname)) == -1) {
		job_fail(j, true, 400, "an acl-name without a name there");
		return;
	}
	if ((body = acl_body(p, s->acl_list[j->next].acl_name, upname,
	    &why)) == NULL) {
		char msg[DOTS_ERR_MSGLEN];

		snprintf(msg, sizeof(msg), "acl %s: %s",
		    s->acl_list[j->next].acl_name, why);
		job_fail(j, true, 400, msg);
		return;
	}
	pct_encode(upname, enc, sizeof(enc));
	snprintf(path, sizeof(path), DC_DATA "/dots-client=%s/acls/acl=%s",
	    p->us->cuid, enc);
	req_init(p->us, &r, "PUT", path);
	r.body = body;
	r.len = strlen(body);
	j->req = send_req(j->du, &r, created_cb, j);
	free(body);
	if (j->req == 0)
		job_fail(j, false, 0, "cannot send to it");
}

static struct dc_reg *
reg_find(struct dc_up *du, const struct upstream *us)
{
	struct dc_reg *r;

	TAILQ_FOREACH(r, &du->regs, entry)
		if (r->us == us && strcmp(r->cuid, us->cuid) == 0)
			return r;
	return NULL;
}

/* A job waiting for r (callbacks below may start or end others). */
static struct dc_job *
job_waiting(struct dc_up *du, const struct dc_reg *r)
{
	struct dc_job *j;

	TAILQ_FOREACH(j, &du->jobs, entry)
		if (j->reg == r)
			return j;
	return NULL;
}

static void
registered_cb(void *arg, long status, const char *body, size_t len,
    const char *error)
{
	struct dc_reg *r = arg;
	struct dc_up *du = r->du;
	struct dc_job *j;
	char why[DOTS_ERR_MSGLEN], msg[DOTS_ERR_MSGLEN + 32];

	r->req = 0;
	if (status / 100 == 2) {
		r->done = true;
		while ((j = job_waiting(du, r)) != NULL) {
			j->reg = NULL;
			job_next(j);
		}
		return;
	}
	describe(status, body, len, error, why, sizeof(why));
	metrics_dc_upstream(du->gw->metrics, true);
	snprintf(msg, sizeof(msg), "dots-client registration: %s", why);
	/* out of the list first: a failover started below registers anew */
	TAILQ_REMOVE(&du->regs, r, entry);
	while ((j = job_waiting(du, r)) != NULL)
		job_fail(j, status != 0, status, msg);
	free(r);
}

/* Our dots-client there: registered, or being registered (NULL: the PUT
 * cannot be sent). */
static struct dc_reg *
reg_get(struct dc_up *du, struct upstream *us)
{
	struct dc_reg *r;
	struct dcc_req q;
	char path[256], body[256];

	if ((r = reg_find(du, us)) != NULL)
		return r;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->du = du;
	r->us = us;
	snprintf(r->cuid, sizeof(r->cuid), "%s", us->cuid);
	snprintf(path, sizeof(path), DC_DATA "/dots-client=%s", us->cuid);
	snprintf(body, sizeof(body), "{\"ietf-dots-data-channel:dots-client"
	    "\":[{\"cuid\":\"%s\"}]}", us->cuid);
	req_init(us, &q, "PUT", path);
	q.body = body;
	q.len = strlen(body);
	if ((r->req = send_req(du, &q, registered_cb, r)) == 0) {
		free(r);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&du->regs, r, entry);
	return r;
}

bool
dc_push_pending(struct placement *p)
{
	struct dc_up *du = mit_gw(p->m)->dc_up;
	struct dc_job *j;
	struct dc_reg *r;

	if (!dc_push_applies(p) || p->dc_pushed)
		return false;
	if (p->dc_job != NULL)		/* on its way */
		return true;
	if (du == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		snprintf(p->diag, sizeof(p->diag), "data channel: out of "
		    "memory");
		p->state = PL_LOST;
		return true;
	}
	j->du = du;
	j->p = p;
	p->dc_job = j;
	TAILQ_INSERT_TAIL(&du->jobs, j, entry);
	j->sync = true;
	if ((r = reg_get(du, p->us)) == NULL) {
		job_fail(j, false, 0, "cannot send to it");
		return true;
	}
	if (r->done)
		job_next(j);
	else
		j->reg = r;
	if (p->dc_job == j)
		j->sync = false;
	return true;
}

void
dc_push_upstream_down(struct upstream *us)
{
	struct dc_up *du = us->gw->dc_up;
	struct dc_reg *r;
	struct dc_job *j;

	if (du == NULL || (r = reg_find(du, us)) == NULL)
		return;
	dcc_cancel(du->dcc, r->req);
	TAILQ_REMOVE(&du->regs, r, entry);
	while ((j = job_waiting(du, r)) != NULL)
		job_fail(j, false, 0, "the upstream went down");
	free(r);
}

int
dc_push_acl_list(const struct placement *p, const struct dots_scope *s,
    struct dots_acl **out)
{
	struct dots_acl *v;
	char name[DC_NAME_MAX + 1];

	if ((v = calloc(s->n_acl_list, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < s->n_acl_list; i++) {
		v[i] = s->acl_list[i];
		v[i].acl_name = NULL;
		if (s->acl_list[i].acl_name == NULL ||
		    dc_push_acl_name(p, s->acl_list[i].acl_name, name,
		    sizeof(name)) == -1 ||
		    (v[i].acl_name = strdup(name)) == NULL) {
			dc_push_acl_list_free(v, s->n_acl_list);
			return -1;
		}
	}
	*out = v;
	return 0;
}

void
dc_push_acl_list_free(struct dots_acl *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].acl_name);
	free(v);
}
