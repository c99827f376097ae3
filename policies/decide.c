/*
 * The relay decision (policies/decide.h): local when allowed and it fits,
 * else every permitted upstream that is up, else attack-exceeded-
 * capability. The reason names the volume, what was free and where the
 * request went, for the log and the audit trail.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

/* "12 Gbit/s", "1.5 Mpkt/s", "900 bit/s" */
static const char *fmt_rate(char *buf, size_t len, uint64_t v,
    const char *what)
{
	static const char pfx[] = "kMGTPE";
	uint64_t	 div = 1;
	int		 i = -1;

	while (i < 5 && v / div >= 1000) {
		div *= 1000;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " %s/s", v, what);
	else if (v % div == 0 || v / div >= 100)
		snprintf(buf, len, "%" PRIu64 " %c%s/s", v / div, pfx[i],
		    what);
	else
		snprintf(buf, len, "%.1f %c%s/s", (double)v / (double)div,
		    pfx[i], what);
	return buf;
}

static uint64_t left(uint64_t cap, uint64_t used)
{
	return cap > used ? cap - used : 0;
}

/* Why local mitigation cannot take it, into buf. */
static void why_not_local(char *buf, size_t len,
    const struct conf_peer *req, const struct pol_volume *vol,
    const struct conf_capacity *cap, const struct pol_usage *used)
{
	char	 a[32], b[32];

	if (!req->policy.allow_local)
		snprintf(buf, len, "local mitigation not allowed for %s",
		    req->name);
	else if (vol->bps > left(cap->bps, used->bps))
		snprintf(buf, len, "%s exceeds local free %s",
		    fmt_rate(a, sizeof(a), vol->bps, "bit"),
		    fmt_rate(b, sizeof(b), left(cap->bps, used->bps), "bit"));
	else if (vol->pps > left(cap->pps, used->pps))
		snprintf(buf, len, "%s exceeds local free %s",
		    fmt_rate(a, sizeof(a), vol->pps, "pkt"),
		    fmt_rate(b, sizeof(b), left(cap->pps, used->pps), "pkt"));
	else
		snprintf(buf, len, "local rules full (%" PRIu32 " of %" PRIu32
		    ")", used->rules, cap->rules);
}

/* requester may be relayed to peer: its upstreams list, empty = all. */
static bool permitted(const struct conf_peer *req, const struct conf_peer *p)
{
	size_t	 i;

	if (p == NULL || !(p->roles & PEER_UPSTREAM) || p == req ||
	    strcmp(p->name, req->name) == 0)
		return false;
	if (req->policy.upstreams.n == 0)
		return true;
	for (i = 0; i < req->policy.upstreams.n; i++)
		if (strcmp(req->policy.upstreams.v[i], p->name) == 0)
			return true;
	return false;
}

static void append(char *buf, size_t len, const char *s)
{
	size_t	 n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, "%s", s);
}

/* A permitted upstream as a selection candidate. */
static void to_candidate(const struct pol_upstream *u,
    struct pol_candidate *c)
{
	const struct conf_upstream *up = &u->peer->up;

	memset(c, 0, sizeof(*c));
	c->name = u->peer->name;
	c->up = u->up;
	c->failed = u->failed;
	c->placed = u->placed;
	c->capacity_known = up->capacity_bps != 0 || up->capacity_pps != 0;
	c->headroom_bps = left(up->capacity_bps, u->placed_use.bps);
	c->headroom_pps = left(up->capacity_pps, u->placed_use.pps);
	c->serves = up->serves;
	c->n_serves = up->n_serves;
	c->sources = up->sources;
	c->n_sources = up->n_sources;
	if (u->reg != NULL) {
		/* the prefixes an ISP serves are where it protects targets
		 * and where it is near to sources */
		c->capacity_known = u->reg->capacity_bps != 0 ||
		    u->reg->capacity_pps != 0;
		c->headroom_bps = left(u->reg->capacity_bps, u->placed_use.bps);
		c->headroom_pps = left(u->reg->capacity_pps, u->placed_use.pps);
		c->serves = c->sources = u->reg->served;
		c->n_serves = c->n_sources = u->reg->n_served;
	}
}

void pol_decide(const struct conf_peer *req, const struct pol_volume *vol,
    const struct conf_capacity *cap, const struct pol_usage *used,
    const struct pol_upstream *cand, size_t n_cand,
    const struct pol_request *rq, struct pol_decision *out)
{
	struct pol_candidate pc[POL_MAX_UPSTREAMS];
	size_t	 map[POL_MAX_UPSTREAMS];
	struct pol_request none;
	const struct conf_select *sel;
	struct pol_selection s;
	char	 why[120], a[32], b[32];
	size_t	 i, n_permitted = 0, n_pc = 0;

	memset(out, 0, sizeof(*out));
	if (req->policy.allow_local && pol_capacity_fits(cap, used, vol)) {
		out->local = true;
		snprintf(out->reason, sizeof(out->reason), "local: %s fits %s "
		    "free", fmt_rate(a, sizeof(a), vol->bps, "bit"),
		    fmt_rate(b, sizeof(b), left(cap->bps, used->bps), "bit"));
		return;
	}
	why_not_local(why, sizeof(why), req, vol, cap, used);
	/* those down can never be chosen: only the first POL_MAX_UPSTREAMS
	 * that are up are candidates */
	for (i = 0; req->policy.allow_upstream && i < n_cand; i++) {
		if (!permitted(req, cand[i].peer))
			continue;
		n_permitted++;
		if (!cand[i].up || n_pc == POL_MAX_UPSTREAMS)
			continue;
		to_candidate(&cand[i], &pc[n_pc]);
		map[n_pc++] = i;
	}
	if (rq == NULL) {
		pol_request_of(NULL, vol->bps, vol->pps, &none);
		rq = &none;
	}
	sel = pol_select_rule(&req->policy, rq);
	pol_select(sel, pc, n_pc, rq, &s);
	out->strategy = s.strategy;
	for (i = 0; i < s.n; i++)
		out->up[out->n_up++] = map[s.idx[i]];
	if (out->n_up > 0 && sel->strategy == SEL_ALL) {
		snprintf(out->reason, sizeof(out->reason),
		    "upstream: %s; relayed to ", why);
		for (i = 0; i < out->n_up; i++) {
			if (i > 0)
				append(out->reason, sizeof(out->reason), ", ");
			append(out->reason, sizeof(out->reason),
			    cand[out->up[i]].peer->name);
		}
		return;
	}
	if (out->n_up > 0) {
		snprintf(out->reason, sizeof(out->reason), "upstream: %s; ",
		    why);
		append(out->reason, sizeof(out->reason), s.reason);
		return;
	}
	out->status = DOTS_STATUS_EXCEEDED;
	if (req->policy.allow_upstream && n_permitted > 0 &&
	    sel->strategy != SEL_ALL)
	{
		snprintf(out->reason, sizeof(out->reason), "exceeded: %s; ",
		    why);
		append(out->reason, sizeof(out->reason), s.reason);
	} else
		snprintf(out->reason, sizeof(out->reason), "exceeded: %s; %s",
		    why, !req->policy.allow_upstream ? "relaying not allowed" :
		    n_permitted == 0 ? "no upstream configured for it" :
		    "no upstream up");
}
