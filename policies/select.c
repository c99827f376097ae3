/*
 * Upstream selection (policies/select.h). Each strategy walks the
 * candidates in order (the select list's order when it has one) and
 * writes who it chose and why; a holder is kept by the one-upstream
 * strategies so that a recovered upstream never gets a duplicate.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cbor.h>

#include "common/cbor_guard.h"
#include "select.h"

#define CH_SOURCE_PREFIX	32768	/* ietf-dots-call-home:source-prefix */

const char *
pol_strategy_name(enum conf_strategy s)
{
	switch (s) {
	case SEL_ALL:
		return "all";
	case SEL_FAILOVER:
		return "failover";
	case SEL_CAPACITY:
		return "capacity";
	case SEL_PREFIX:
		return "prefix";
	case SEL_NEAR_SOURCE:
		return "near-source";
	case SEL_NONE:
		return "none";
	}
	return "unknown";
}

/* One text item as a prefix into *p; -1 when it is not one. */
static int
text_prefix(const cbor_item_t *e, struct prefix *p)
{
	char	 buf[PREFIX_STRLEN + 8];
	size_t	 n;

	if (!cbor_isa_string(e) || !cbor_string_is_definite(e) ||
	    (n = cbor_string_length(e)) >= sizeof(buf))
		return -1;
	memcpy(buf, cbor_string_handle(e), n);
	buf[n] = '\0';
	return prefix_parse(buf, p);
}

void
pol_request_of(const struct dots_scope *sc, uint64_t bps, uint64_t pps,
    struct pol_request *rq)
{
	const struct dots_opt *o;
	struct cbor_load_result res;
	struct dots_err	 err;
	cbor_item_t	*it;
	size_t		 i;

	memset(rq, 0, sizeof(*rq));
	rq->bps = bps;
	rq->pps = pps;
	if (sc == NULL)
		return;
	rq->targets = sc->target_prefix;
	rq->n_targets = sc->n_target_prefix;
	o = dots_optv_get(&sc->opt, CH_SOURCE_PREFIX);
	if (o == NULL || o->cbor == NULL ||
	    cbor_guard_check(o->cbor, o->len, &err) == -1 ||
	    (it = cbor_load(o->cbor, o->len, &res)) == NULL)
		return;
	/* a leaf-list is an array; a lone string is taken as one entry */
	if (cbor_isa_array(it) && cbor_array_is_definite(it)) {
		for (i = 0; i < cbor_array_size(it) &&
		    rq->n_sources < POL_MAX_SOURCES; i++)
			if (text_prefix(cbor_array_handle(it)[i],
			    &rq->sources[rq->n_sources]) == 0)
				rq->n_sources++;
	} else if (text_prefix(it, &rq->sources[0]) == 0)
		rq->n_sources = 1;
	cbor_decref(&it);
}

static bool
covered(const struct prefix *p, const struct prefix *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(&set[i], p))
			return true;
	return false;
}

const struct conf_select *
pol_select_rule(const struct conf_policy *pol, const struct pol_request *rq)
{
	for (size_t i = 0; i < pol->n_select_by_target; i++) {
		const struct conf_select_target *t = &pol->select_by_target[i];
		size_t	 j;

		if (rq->n_targets == 0)
			break;
		for (j = 0; j < rq->n_targets; j++)
			if (!prefix_contains(&t->prefix, &rq->targets[j]))
				break;
		if (j == rq->n_targets)
			return &t->sel;
	}
	return &pol->select;
}

/* The candidates in selection order: sel->upstreams or as given. */
static size_t
ordered(const struct conf_select *sel, const struct pol_candidate *cand,
    size_t n_cand, size_t ord[POL_MAX_UPSTREAMS])
{
	size_t	 n = 0, i, j;

	if (sel->upstreams.n == 0) {
		for (i = 0; i < n_cand && n < POL_MAX_UPSTREAMS; i++)
			ord[n++] = i;
		return n;
	}
	for (j = 0; j < sel->upstreams.n; j++)
		for (i = 0; i < n_cand && n < POL_MAX_UPSTREAMS; i++)
			if (cand[i].name != NULL &&
			    strcmp(cand[i].name, sel->upstreams.v[j]) == 0) {
				ord[n++] = i;
				break;
			}
	return n;
}

static bool
usable(const struct pol_candidate *c)
{
	return c->up && !c->failed;
}

static void
add(struct pol_selection *out, size_t i)
{
	if (out->n < POL_MAX_UPSTREAMS)
		out->idx[out->n++] = i;
}

static void
append(char *buf, size_t len, const char *fmt, const char *s)
{
	size_t	 n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, fmt, s);
}

/* "a, b" of the chosen into the reason. */
static void
chosen_names(const struct pol_candidate *cand, struct pol_selection *out)
{
	for (size_t i = 0; i < out->n; i++)
		append(out->reason, sizeof(out->reason), i ? ", %s" : "%s",
		    cand[out->idx[i]].name);
}

/* The holder among ord (placed, not failed), or SIZE_MAX. */
static size_t
holder(const struct pol_candidate *cand, const size_t *ord, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (cand[ord[k]].placed && !cand[ord[k]].failed)
			return ord[k];
	return SIZE_MAX;
}

/* Why nobody: "none up", "b, c failed" ... */
static void
why_nobody(const struct pol_candidate *cand, const size_t *ord, size_t n,
    struct pol_selection *out)
{
	size_t	 n_failed = 0;

	for (size_t k = 0; k < n; k++)
		n_failed += cand[ord[k]].failed;
	if (out->strategy == SEL_NONE)
		append(out->reason, sizeof(out->reason), "%s", "nobody");
	else if (n == 0)
		append(out->reason, sizeof(out->reason), "%s",
		    "no candidate upstream up");
	else if (n_failed == n)
		append(out->reason, sizeof(out->reason), "%s",
		    "every candidate refused or was lost");
	else
		append(out->reason, sizeof(out->reason), "%s",
		    "no candidate up");
}

static void
sel_all(const struct pol_candidate *cand, const size_t *ord, size_t n,
    struct pol_selection *out)
{
	for (size_t k = 0; k < n; k++)
		if (usable(&cand[ord[k]]))
			add(out, ord[k]);
}

static void
sel_failover(const struct pol_candidate *cand, const size_t *ord, size_t n,
    struct pol_selection *out)
{
	size_t	 h = holder(cand, ord, n), skipped = 0;
	char	 tmp[64];

	if (h != SIZE_MAX) {
		add(out, h);
		append(out->reason, sizeof(out->reason), "%s",
		    "kept the holder ");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (usable(&cand[ord[k]])) {
			add(out, ord[k]);
			if (skipped > 0) {
				snprintf(tmp, sizeof(tmp), "%zu earlier "
				    "unavailable; ", skipped);
				append(out->reason, sizeof(out->reason), "%s",
				    tmp);
			}
			return;
		}
		skipped++;
	}
}

/* a has more headroom than b: bit/s first, then packet/s. */
static bool
roomier(const struct pol_candidate *a, const struct pol_candidate *b)
{
	uint64_t abps = a->capacity_known ? a->headroom_bps : 0;
	uint64_t bbps = b->capacity_known ? b->headroom_bps : 0;
	uint64_t apps = a->capacity_known ? a->headroom_pps : 0;
	uint64_t bpps = b->capacity_known ? b->headroom_pps : 0;

	return abps > bbps || (abps == bbps && apps > bpps);
}

static bool
fits(const struct pol_candidate *c, const struct pol_request *rq)
{
	return c->capacity_known && c->headroom_bps >= rq->bps &&
	    (c->headroom_pps == 0 || c->headroom_pps >= rq->pps);
}

static void
sel_capacity(const struct pol_candidate *cand, const size_t *ord, size_t n,
    const struct pol_request *rq, struct pol_selection *out)
{
	size_t	 h = holder(cand, ord, n), best = SIZE_MAX;
	char	 tmp[96];

	if (h != SIZE_MAX) {
		add(out, h);
		append(out->reason, sizeof(out->reason), "%s",
		    "kept the holder ");
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (usable(&cand[ord[k]]) && (best == SIZE_MAX ||
		    roomier(&cand[ord[k]], &cand[best])))
			best = ord[k];
	if (best == SIZE_MAX)
		return;
	add(out, best);
	snprintf(tmp, sizeof(tmp), "most headroom (%" PRIu64 " bit/s%s) ",
	    cand[best].capacity_known ? cand[best].headroom_bps : 0,
	    fits(&cand[best], rq) ? "" : ", less than the attack");
	append(out->reason, sizeof(out->reason), "%s", tmp);
}

/* Every target inside its serves, or one source inside them. */
static bool
serves(const struct pol_candidate *c, const struct pol_request *rq)
{
	size_t	 i;

	if (c->n_serves == 0)
		return false;
	for (i = 0; i < rq->n_targets; i++)
		if (!covered(&rq->targets[i], c->serves, c->n_serves))
			break;
	if (rq->n_targets > 0 && i == rq->n_targets)
		return true;
	for (i = 0; i < rq->n_sources; i++)
		if (covered(&rq->sources[i], c->serves, c->n_serves))
			return true;
	return false;
}

static bool
near_source(const struct pol_candidate *c, const struct pol_request *rq)
{
	for (size_t i = 0; i < rq->n_sources; i++)
		if (covered(&rq->sources[i], c->sources, c->n_sources))
			return true;
	return false;
}

static void
sel_match(const struct pol_candidate *cand, const size_t *ord, size_t n,
    const struct pol_request *rq, enum conf_strategy s,
    struct pol_selection *out)
{
	for (size_t k = 0; k < n; k++) {
		const struct pol_candidate *c = &cand[ord[k]];

		if (usable(c) && (s == SEL_PREFIX ? serves(c, rq) :
		    near_source(c, rq)))
			add(out, ord[k]);
	}
}

static void
run(enum conf_strategy s, const struct pol_candidate *cand, const size_t *ord,
    size_t n, const struct pol_request *rq, struct pol_selection *out)
{
	switch (s) {
	case SEL_ALL:
		sel_all(cand, ord, n, out);
		break;
	case SEL_FAILOVER:
		sel_failover(cand, ord, n, out);
		break;
	case SEL_CAPACITY:
		sel_capacity(cand, ord, n, rq, out);
		break;
	case SEL_PREFIX:
	case SEL_NEAR_SOURCE:
		sel_match(cand, ord, n, rq, s, out);
		break;
	case SEL_NONE:
		break;
	}
}

void
pol_select(const struct conf_select *sel, const struct pol_candidate *cand,
    size_t n_cand, const struct pol_request *rq, struct pol_selection *out)
{
	size_t	 ord[POL_MAX_UPSTREAMS], n;
	char	 tmp[96];

	memset(out, 0, sizeof(*out));
	n = ordered(sel, cand, n_cand, ord);
	out->strategy = sel->strategy;
	snprintf(out->reason, sizeof(out->reason), "%s: ",
	    pol_strategy_name(sel->strategy));
	if (sel->strategy == SEL_NEAR_SOURCE && rq->n_sources == 0)
		append(out->reason, sizeof(out->reason), "%s",
		    "no source-prefix in the request; ");
	else {
		run(sel->strategy, cand, ord, n, rq, out);
		if (out->n == 0 && (sel->strategy == SEL_PREFIX ||
		    sel->strategy == SEL_NEAR_SOURCE))
			append(out->reason, sizeof(out->reason), "%s",
			    sel->strategy == SEL_PREFIX ?
			    "no upstream up serves the targets; " :
			    "no upstream up is near the sources; ");
	}
	if (out->n == 0 && (sel->strategy == SEL_PREFIX ||
	    sel->strategy == SEL_NEAR_SOURCE)) {
		out->strategy = sel->fallback;
		snprintf(tmp, sizeof(tmp), "fallback %s: ",
		    pol_strategy_name(sel->fallback));
		append(out->reason, sizeof(out->reason), "%s", tmp);
		run(sel->fallback, cand, ord, n, rq, out);
	}
	if (out->n > 0)
		chosen_names(cand, out);
	else
		why_nobody(cand, ord, n, out);
}
