/*
 * The "bgp" mitigator back-end: a local gobgpd (the operator's BGP
 * speaker, peered with the routers) driven through its CLI,
 * `gobgp -u HOST -p PORT global rib ...`, one command at a time in
 * order (an add and the del that follows it must not swap), each run by
 * proc.c without blocking the loop and killed at mitigator: timeout.
 *
 * Flowspec rules (RFC 8955) go to ipv4-flowspec/ipv6-flowspec with
 * traffic-rate 0 (discard) or N bytes/s (rate-limit); RTBH routes
 * (RFC 7999) to ipv4/ipv6 unicast with community BLACKHOLE 65535:666
 * and the configured discard next hop. Every route carries the marker
 * community and a large community MARKER-ASN:OWNER:MID (RFC 8092) naming
 * the rule set, which is what reconcile matches against our table.
 */
#include <sys/socket.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/mitigator/proc.h"

#define BGP_ARGS_MAX	40
#define RTBH_V6_NEXT_HOP "100::1"	/* RFC 6666 discard-only prefix */

static const char *const families[4] = {
	"ipv4-flowspec", "ipv6-flowspec", "ipv4", "ipv6"
};

/* One rule-set operation: done when its last command ends. */
struct bgp_op {
	struct mit_rules *r;
	unsigned	 left;
	bool		 ok;
};

struct bgp_cmd {
	TAILQ_ENTRY(bgp_cmd) entry;
	char		*argv[BGP_ARGS_MAX + 1];
	size_t		 argc;
	struct bgp_op	*op;		/* NULL: no rule set waits */
	int		 list;		/* families[] index, -1 = not a list */
};
TAILQ_HEAD(bgp_cmd_head, bgp_cmd);

struct bgp {
	struct mitigator *mg;
	struct bgp_cmd_head queue;
	struct bgp_cmd	*running;
	struct proc	*proc;
	bool		 reconciling;	/* a reconcile is queued */
	bool		 list_failed;	/* a listing of this reconcile */
};

static void run_next(struct bgp *);

static int
arg(struct bgp_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
arg(struct bgp_cmd *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (c->argc == BGP_ARGS_MAX)
		return -1;
	va_start(ap, fmt);
	r = vasprintf(&c->argv[c->argc], fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->argv[c->argc] = NULL;
		return -1;
	}
	c->argc++;
	return 0;
}

static void
cmd_free(struct bgp_cmd *c)
{
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

/* gobgp -u HOST -p PORT [-j] global rib -a FAMILY */
static struct bgp_cmd *
cmd_new(struct bgp *b, const char *family, bool json)
{
	const struct conf_mitigator *mc = &b->mg->gw->conf->mitigator;
	struct bgp_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->list = -1;
	/* from the configuration of now: a reload may move the speaker */
	if (arg(c, "%s", mc->gobgp) == -1 || arg(c, "-u") == -1 ||
	    arg(c, "%s", mc->api_host) == -1 || arg(c, "-p") == -1 ||
	    arg(c, "%u", mc->api_port) == -1 || (json && arg(c, "-j") == -1) ||
	    arg(c, "global") == -1 || arg(c, "rib") == -1 ||
	    arg(c, "-a") == -1 || arg(c, "%s", family) == -1) {
		cmd_free(c);
		return NULL;
	}
	return c;
}

static int
port_terms(struct bgp_cmd *c, const char *name, const struct port_range *r,
    size_t n)
{
	char buf[POL_RULE_MAX_TERMS * 14 + 1];
	size_t off = 0;

	if (n == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    r[i].lower == r[i].upper ? "%s==%u" : "%s>=%u&<=%u",
		    i ? " " : "", r[i].lower, r[i].upper);
	return arg(c, "%s", name) == -1 || arg(c, "%s", buf) == -1 ? -1 : 0;
}

/* The command announcing (add) or withdrawing (del) one rule. */
static struct bgp_cmd *
rule_cmd(struct bgp *b, const struct mit_rules *rs, const struct pol_rule *r,
    bool add)
{
	const struct conf_mitigator *mc = &b->mg->gw->conf->mitigator;
	bool v6 = r->dst.family != AF_INET;
	struct bgp_cmd *c;
	char p[PREFIX_STRLEN], buf[POL_RULE_MAX_TERMS * 6 + 1];
	size_t off = 0;
	int e = 0;

	if (r->action == CONF_ACT_RTBH) {
		if ((c = cmd_new(b, families[v6 ? 3 : 2], false)) == NULL)
			return NULL;
		e |= arg(c, add ? "add" : "del");
		e |= arg(c, "%s", prefix_format(&r->dst, p, sizeof(p)));
		if (add) {
			e |= arg(c, "nexthop");
			e |= arg(c, "%s", v6 ? RTBH_V6_NEXT_HOP :
			    mc->rtbh_next_hop);
			e |= arg(c, "community");
			e |= arg(c, "65535:666,%u:%u", mc->community_asn,
			    mc->community_value);
		}
	} else {
		if ((c = cmd_new(b, families[v6 ? 1 : 0], false)) == NULL)
			return NULL;
		e |= arg(c, add ? "add" : "del");
		e |= arg(c, "match");
		e |= arg(c, "destination");
		e |= arg(c, "%s", prefix_format(&r->dst, p, sizeof(p)));
		if (r->has_src) {
			e |= arg(c, "source");
			e |= arg(c, "%s", prefix_format(&r->src, p, sizeof(p)));
		}
		if (r->n_proto > 0) {
			buf[0] = '\0';
			for (size_t i = 0; i < r->n_proto; i++)
				off += (size_t)snprintf(buf + off,
				    sizeof(buf) - off, "%s==%u", i ? " " : "",
				    r->proto[i]);
			e |= arg(c, "protocol");
			e |= arg(c, "%s", buf);
		}
		e |= port_terms(c, "destination-port", r->dport, r->n_dport);
		e |= port_terms(c, "source-port", r->sport, r->n_sport);
		if (r->n_icmp > 0) {
			struct port_range t[POL_RULE_MAX_TERMS];

			for (size_t i = 0; i < r->n_icmp; i++) {
				t[i].lower = r->icmp[i].lower;
				t[i].upper = r->icmp[i].upper;
			}
			e |= port_terms(c, "icmp-type", t, r->n_icmp);
		}
		if (add) {
			e |= arg(c, "then");
			if (r->action == CONF_ACT_RATE_LIMIT) {
				e |= arg(c, "rate-limit");
				e |= arg(c, "%" PRIu64, r->rate);
			} else
				e |= arg(c, "discard");
			e |= arg(c, "community");
			e |= arg(c, "%u:%u", mc->community_asn,
			    mc->community_value);
		}
	}
	if (add) {
		e |= arg(c, "large-community");
		e |= arg(c, "%u:%u:%u", mc->community_asn, rs->owner, rs->mid);
	}
	if (e != 0) {
		cmd_free(c);
		return NULL;
	}
	return c;
}

static void
op_end(struct bgp_op *op, bool ok)
{
	if (!ok)
		op->ok = false;
	if (--op->left > 0)
		return;
	mitigator_done(op->r, op->ok);
	free(op);
}

/* Every rule of r as one operation. */
static void
rules_op(struct bgp *b, struct mit_rules *r, bool add, uint64_t mask)
{
	struct bgp_op *op;
	struct bgp_cmd *cmds[POL_RULES_MAX];
	size_t n = 0;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		mitigator_done(r, false);
		return;
	}
	op->r = r;
	op->ok = true;
	for (size_t i = 0; i < r->n && i < POL_RULES_MAX; i++) {
		if ((mask & UINT64_C(1) << i) == 0)
			continue;
		if ((cmds[n] = rule_cmd(b, r, &r->rules[i], add)) == NULL) {
			op->ok = false;
			continue;
		}
		cmds[n++]->op = op;
	}
	op->left = (unsigned)n + 1;	/* + this function's own share */
	for (size_t i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&b->queue, cmds[i], entry);
	op_end(op, true);
	run_next(b);
}

/* ---- reconcile ----------------------------------------------------- */

/* Our rule set, from a path's attributes: marker community and
 * large community ASN:OWNER:MID. */
static bool
path_tag(json_t *path, uint32_t marker, unsigned asn, uint32_t *owner,
    uint32_t *mid)
{
	json_t *attrs = json_object_get(path, "attrs"), *a, *v;
	bool marked = false, tagged = false;
	size_t i, j;

	json_array_foreach(attrs, i, a) {
		json_int_t type = json_integer_value(json_object_get(a,
		    "type"));

		if (type == 8)
			json_array_foreach(json_object_get(a, "communities"),
			    j, v)
				if ((uint64_t)json_integer_value(v) == marker)
					marked = true;
		if (type == 32)
			json_array_foreach(json_object_get(a, "value"), j, v)
				if (json_integer_value(json_object_get(v,
				    "ASN")) == (json_int_t)asn) {
					*owner = (uint32_t)json_integer_value(
					    json_object_get(v, "LocalData1"));
					*mid = (uint32_t)json_integer_value(
					    json_object_get(v, "LocalData2"));
					tagged = true;
				}
	}
	return marked && tagged;
}

/*
 * The del command for a listed route: a unicast key is the prefix; a
 * flowspec key is gobgp's "[destination: P][protocol: ==tcp]" form,
 * whose name/value pairs are exactly its match arguments.
 */
static struct bgp_cmd *
orphan_cmd(struct bgp *b, int fam, const char *key)
{
	struct bgp_cmd *c = cmd_new(b, families[fam], false);
	char buf[1024], *p, *name, *val, *end;
	int e = 0;

	if (c == NULL)
		return NULL;
	e |= arg(c, "del");
	if (fam >= 2)
		e |= arg(c, "%s", key);
	else {
		snprintf(buf, sizeof(buf), "%s", key);
		e |= arg(c, "match");
		for (p = buf; e == 0 && (name = strchr(p, '[')) != NULL;
		    p = end + 1) {
			if ((end = strchr(name, ']')) == NULL ||
			    (val = strstr(name, ": ")) == NULL || val > end) {
				e = -1;
				break;
			}
			*val = '\0';
			*end = '\0';
			e |= arg(c, "%s", name + 1);
			e |= arg(c, "%s", val + 2);
		}
	}
	if (e != 0) {
		cmd_free(c);
		return NULL;
	}
	return c;
}

static void
reconcile_list(struct bgp *b, int fam, const char *out)
{
	const struct conf_mitigator *mc = &b->mg->gw->conf->mitigator;
	uint32_t marker = (uint32_t)mc->community_asn << 16 |
	    mc->community_value;
	json_error_t jerr;
	json_t *root, *paths, *path;
	const char *key;
	uint32_t owner = 0, mid = 0;
	size_t i, n = 0;

	if ((root = json_loads(out, 0, &jerr)) == NULL) {
		log_warnx("mitigator bgp: %s: unparsable RIB listing: %s",
		    families[fam], jerr.text);
		return;
	}
	json_object_foreach(root, key, paths) {
		json_array_foreach(paths, i, path) {
			struct bgp_cmd *c;
			struct mit_rules *r;

			if (!path_tag(path, marker, mc->community_asn, &owner,
			    &mid))
				continue;
			if ((r = mitigator_owns(b->mg, owner, mid)) != NULL) {
				r->seen++;
				break;
			}
			if (mitigator_withdrawing(b->mg, owner, mid))
				break;
			log_info("mitigator bgp: orphan %s %s (owner %08x mid "
			    "%u): withdrawn", families[fam], key, owner, mid);
			if ((c = orphan_cmd(b, fam, key)) != NULL) {
				TAILQ_INSERT_TAIL(&b->queue, c, entry);
				n++;
			}
			break;
		}
	}
	json_decref(root);
	if (n > 0)
		log_info("mitigator bgp: %zu orphan route(s) in %s", n,
		    families[fam]);
}

/* After the listings: announce again what the speaker lacks (it may have
 * restarted, or an earlier install failed); what it has is left alone,
 * so a reconcile sends the routers no update. */
static void
reannounce(struct bgp *b)
{
	struct mit_rules *r;

	uint64_t mask;
	size_t want;

	/* a route shared with another set is counted with the set whose
	 * tag it carries */
	TAILQ_FOREACH(r, &b->mg->owned, entry) {
		if (!mit_rules_active(r) || r->pending > 0)
			continue;
		mask = mitigator_tagged(r);
		want = (size_t)__builtin_popcountll(mask);
		if (r->seen < want) {
			log_info("mitigator bgp: owner %08x mid %u: %zu of %zu "
			    "rule(s) at the speaker; announcing again",
			    r->owner, r->mid, r->seen, want);
			r->pending++;
			rules_op(b, r, true, mask);
		}
	}
}

/* ---- running commands ------------------------------------------------ */

static void
cmd_done(void *arg, int status, const char *out, size_t len)
{
	struct bgp *b = arg;
	struct bgp_cmd *c = b->running;
	char *nl;

	b->running = NULL;
	b->proc = NULL;
	if (status != 0) {
		char first[200];

		snprintf(first, sizeof(first), "%s", out);
		if ((nl = strchr(first, '\n')) != NULL)
			*nl = '\0';
		log_warnx("mitigator bgp: %s %s %s: exit %d: %s",
		    c->argv[9] ? c->argv[9] : "", c->argc > 10 ? c->argv[10] :
		    "", c->argc > 11 ? c->argv[11] : "", status, first);
	}
	if (c->list >= 0) {
		if (status == 0)
			reconcile_list(b, c->list, out);
		else
			b->list_failed = true;
		/* with a listing missing, every rule would look missing */
		if (c->list == 3) {
			b->reconciling = false;
			if (!b->list_failed)
				reannounce(b);
			b->list_failed = false;
		}
	}
	if (c->op != NULL)
		op_end(c->op, status == 0);
	cmd_free(c);
	run_next(b);
}

static void
run_next(struct bgp *b)
{
	const struct conf_mitigator *mc = &b->mg->gw->conf->mitigator;
	struct bgp_cmd *c;

	while (b->running == NULL && (c = TAILQ_FIRST(&b->queue)) != NULL) {
		TAILQ_REMOVE(&b->queue, c, entry);
		b->running = c;
		b->proc = proc_run(b->mg->gw->base, c->argv, mc->timeout_ms,
		    cmd_done, b);
		if (b->proc == NULL) {
			log_warn("mitigator bgp: cannot run %s", c->argv[0]);
			cmd_done(b, -1, "", 0);
			return;
		}
	}
}

/* ---- ops ------------------------------------------------------------- */

static int
bgp_init(struct mitigator *mg)
{
	struct bgp *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	b->mg = mg;
	TAILQ_INIT(&b->queue);
	mg->be = b;
	return 0;
}

static void
bgp_install(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	rules_op(mg->be, r, true, mask);
}

static void
bgp_withdraw(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	rules_op(mg->be, r, false, mask);
}

static void
bgp_reconcile(struct mitigator *mg)
{
	struct bgp *b = mg->be;
	struct bgp_cmd *c;

	struct mit_rules *r;

	if (b->reconciling)
		return;
	TAILQ_FOREACH(r, &mg->owned, entry)
		r->seen = 0;
	for (int fam = 0; fam < 4; fam++) {
		if ((c = cmd_new(b, families[fam], true)) == NULL)
			return;
		c->list = fam;
		TAILQ_INSERT_TAIL(&b->queue, c, entry);
	}
	b->reconciling = true;
	run_next(b);
}

static void
bgp_free(struct mitigator *mg)
{
	struct bgp *b = mg->be;
	struct bgp_cmd *c;

	if (b == NULL)
		return;
	proc_cancel(b->proc);
	if (b->running != NULL)
		TAILQ_INSERT_HEAD(&b->queue, b->running, entry);
	while ((c = TAILQ_FIRST(&b->queue)) != NULL) {
		TAILQ_REMOVE(&b->queue, c, entry);
		if (c->op != NULL && --c->op->left == 0)
			free(c->op);
		cmd_free(c);
	}
	free(b);
	mg->be = NULL;
}

const struct mitigator_ops mitigator_bgp_ops = {
	"bgp", bgp_init, bgp_install, bgp_withdraw, bgp_reconcile, bgp_free
};
