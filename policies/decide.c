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

void pol_decide(const struct conf_peer *req, const struct pol_volume *vol,
    const struct conf_capacity *cap, const struct pol_usage *used,
    const struct pol_upstream *cand, size_t n_cand, struct pol_decision *out)
{
	char	 why[120], a[32], b[32];
	size_t	 i, n_permitted = 0;

	memset(out, 0, sizeof(*out));
	if (req->policy.allow_local && pol_capacity_fits(cap, used, vol)) {
		out->local = true;
		snprintf(out->reason, sizeof(out->reason), "local: %s fits %s "
		    "free", fmt_rate(a, sizeof(a), vol->bps, "bit"),
		    fmt_rate(b, sizeof(b), left(cap->bps, used->bps), "bit"));
		return;
	}
	why_not_local(why, sizeof(why), req, vol, cap, used);
	for (i = 0; req->policy.allow_upstream && i < n_cand; i++) {
		if (!permitted(req, cand[i].peer))
			continue;
		n_permitted++;
		if (!cand[i].up || out->n_up == POL_MAX_UPSTREAMS)
			continue;
		out->up[out->n_up++] = i;
	}
	if (out->n_up > 0) {
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
	out->status = DOTS_STATUS_EXCEEDED;
	snprintf(out->reason, sizeof(out->reason), "exceeded: %s; %s", why,
	    !req->policy.allow_upstream ? "relaying not allowed" :
	    n_permitted == 0 ? "no upstream configured for it" :
	    "no upstream up");
}
