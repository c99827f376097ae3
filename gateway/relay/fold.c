/*
 * What downstream sees of a relayed mitigation: the upstreams' feedback
 * folded in (RFC 8811 §3.2.3). The best status any upstream reports, the
 * drop counters they report summed with our own mitigator's.
 */
#include "gateway/relay/relay_impl.h"
#include "gateway/state/mitigation.h"

static int
status_rank(uint32_t status)
{
	switch (status) {
	case DOTS_STATUS_MITIGATED:
		return 5;
	case DOTS_STATUS_IN_PROGRESS:
		return 4;
	case DOTS_STATUS_SIGNAL_LOSS:
		return 3;
	case DOTS_STATUS_STOPPED:
		return 2;
	default:
		return 1;
	}
}

uint32_t
relay_status(const struct mitigation *m)
{
	const struct relay_state *rs = m->relay;
	const struct placement *p;
	uint32_t best = 0;
	bool sending = false;

	if (rs == NULL || !mit_is_active(m) ||
	    m->status == DOTS_STATUS_SIGNAL_LOSS)
		return m->status;
	if (rs->local)
		return m->status;
	TAILQ_FOREACH(p, &rs->placements, m_entry) {
		if (p->state == PL_SENDING)
			sending = true;
		if (p->state == PL_ACTIVE && (best == 0 ||
		    status_rank(p->status) > status_rank(best)))
			best = p->status;
	}
	if (best != 0)
		return best;
	if (sending)
		return m->status;
	/* nobody (any more) takes it */
	return DOTS_STATUS_EXCEEDED;
}

void
relay_counters(const struct mitigation *m, uint64_t c[4])
{
	const struct placement *p;

	c[0] = m->bytes_dropped;
	c[1] = m->pkts_dropped;
	c[2] = m->bps_dropped;
	c[3] = m->pps_dropped;
	if (m->relay == NULL)
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry) {
		if (p->state != PL_ACTIVE && p->state != PL_ENDED)
			continue;
		c[0] += p->bytes_dropped;
		c[1] += p->pkts_dropped;
		c[2] += p->state == PL_ACTIVE ? p->bps_dropped : 0;
		c[3] += p->state == PL_ACTIVE ? p->pps_dropped : 0;
	}
}

const char *
placement_state_name(enum placement_state st)
{
	static const char *const names[] = {
		[PL_SENDING] = "sending", [PL_ACTIVE] = "active",
		[PL_REFUSED] = "refused", [PL_LOST] = "lost",
		[PL_ENDED] = "ended",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] :
	    "unknown";
}
