/*
 * The "exabgp" mitigator back-end: the operator's exabgp (the BGP
 * speaker peered with the routers) fed over one persistent connection to
 * dotsgw-exabgp-relay (gateway/exabgp_relay.c), the helper exabgp runs
 * from its `process` stanza, on the Unix socket mitigator: socket.
 * Why this shape and not gobgp's CLI or exabgp's own named pipes:
 * NOTES.md, "exabgp 4.2".
 *
 * Throughput: a rule is one command line (gateway/exabgp_cmd.c) appended
 * to the connection's output buffer; libevent writes everything queued
 * in a loop turn with one write, and nothing waits for exabgp's answer.
 * exabgp answers every command with "done" or "error", in the order of
 * the commands (all ours go through exabgp's one asynchronous queue);
 * the commands waiting for their answer are a FIFO here, so an answer
 * completes the operation of its command's rule set. No answer at all
 * for mitigator: timeout while commands wait (exabgp stuck, or
 * exabgp.api.ack off) drops the connection: their operations fail and
 * the reconcile after the reconnection repairs what they did not do.
 *
 * Reconcile: exabgp keeps what it announced in its adj-rib-out (the
 * neighbors need `adj-rib-out true;`, NOTES.md), and `show adj-rib out
 * extensive` lists it with the attributes. At every connection (exabgp
 * or the relay restarted, or we did) and every reconcile-interval the
 * listing is read: routes with our marker community that no active rule
 * set owns are withdrawn, and what an active rule set lacks is announced
 * again; routes without our marker (the operator's) are never touched.
 * A restarted exabgp lists nothing, so everything is announced again.
 * While the relay cannot be reached, installs and withdrawals fail at
 * once (logged) and the connection is tried every second; the reconcile
 * at the next connection does what they did not.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/mitigator/exabgp_cmd.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"

#define RETRY_S		1	/* between connection attempts */
#define LISTED_BUCKETS	4096
#define REANNOUNCE_LOGGED 10	/* rule sets named; then a sum */

static const char *const fam_name[] = {
	"ipv4 flow", "ipv6 flow", "ipv4 unicast", "ipv6 unicast"
};

/* One rule-set operation: done when the answer to its last command has
 * come. */
struct exa_op {
	struct mit_rules *r;
	unsigned	 left;
	bool		 ok;
};

enum exa_kind { EXA_RULE, EXA_ORPHAN, EXA_LIST };

/* A command sent and not answered yet. */
struct exa_cmd {
	STAILQ_ENTRY(exa_cmd) entry;
	struct exa_op	*op;		/* EXA_RULE */
	uint8_t		 kind;
	uint8_t		 rule;		/* EXA_RULE: index in op->r->rules */
};
STAILQ_HEAD(exa_cmd_head, exa_cmd);

/* An NLRI of the listing being read (a route is listed once per
 * neighbor; it counts once). */
struct listed {
	struct listed	*next;
	char		 key[];
};

struct exa {
	struct mitigator *mg;
	struct bufferevent *bev;	/* NULL while not connected */
	struct event	*retry_ev;
	struct event	*stall_ev;
	struct exa_cmd_head wait;	/* in the order sent */
	size_t		 n_wait;
	bool		 quiet;		/* the relay's absence is logged */
	bool		 answered;	/* on this connection */
	unsigned	 listings;	/* read on this connection */
	bool		 warned_rib;	/* adj-rib-out warning given */
	/* the listing being read */
	bool		 listing;
	struct listed	**listed;
	size_t		 n_ours, n_orphans;
};

static void exa_connect(struct exa *);
static void reconcile(struct exa *);

/* ---- commands ---------------------------------------------------------- */

static void
stall_arm(struct exa *e, bool restart)
{
	struct timeval tv = {
		e->mg->gw->conf->mitigator.timeout_ms / 1000,
		e->mg->gw->conf->mitigator.timeout_ms % 1000 * 1000
	};

	if (e->n_wait == 0)
		evtimer_del(e->stall_ev);
	else if (restart || !evtimer_pending(e->stall_ev, NULL))
		evtimer_add(e->stall_ev, &tv);
}

/* Queue one command line; -1 when it cannot be (out of memory). */
static int
send_cmd(struct exa *e, const char *text, size_t len, enum exa_kind kind,
    struct exa_op *op, size_t rule)
{
	struct exa_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	if (bufferevent_write(e->bev, text, len) == -1) {
		free(c);
		return -1;
	}
	c->kind = (uint8_t)kind;
	c->op = op;
	c->rule = (uint8_t)rule;
	STAILQ_INSERT_TAIL(&e->wait, c, entry);
	e->n_wait++;
	stall_arm(e, false);
	return 0;
}

static void
op_end(struct exa_op *op, bool ok)
{
	if (!ok)
		op->ok = false;
	if (--op->left > 0)
		return;
	mitigator_done(op->r, op->ok);
	free(op);
}

/* Announce (add) or withdraw the rules of r in mask, one command each. */
static void
rules_op(struct exa *e, struct mit_rules *r, bool add, uint64_t mask)
{
	const struct conf_mitigator *mc = &e->mg->gw->conf->mitigator;
	char cmd[EXA_CMD_MAX];
	struct exa_op *op;
	size_t len;

	if (e->bev == NULL || (op = calloc(1, sizeof(*op))) == NULL) {
		mitigator_done(r, false);
		return;
	}
	op->r = r;
	op->ok = true;
	op->left = 1;		/* this function's own share */
	for (size_t i = 0; i < r->n && i < POL_RULES_MAX; i++) {
		if ((mask & UINT64_C(1) << i) == 0)
			continue;
		if ((len = exa_rule_cmd(&r->rules[i], add, mc, r->owner, r->mid,
		    cmd, sizeof(cmd))) == 0 ||
		    send_cmd(e, cmd, len, EXA_RULE, op, i) == -1) {
			op->ok = false;
			continue;
		}
		op->left++;
	}
	op_end(op, true);
}

/* ---- the listing (reconcile) ------------------------------------------- */

static void
listed_free(struct exa *e)
{
	if (e->listed == NULL)
		return;
	for (size_t i = 0; i < LISTED_BUCKETS; i++)
		while (e->listed[i] != NULL) {
			struct listed *l = e->listed[i];

			e->listed[i] = l->next;
			free(l);
		}
	free(e->listed);
	e->listed = NULL;
	e->listing = false;
}

/* Whether key was listed before; it is from now on. */
static bool
listed_before(struct exa *e, const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	struct listed **b, *l;
	size_t len = strlen(key);

	for (const char *p = key; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	b = &e->listed[h % LISTED_BUCKETS];
	for (l = *b; l != NULL; l = l->next)
		if (strcmp(l->key, key) == 0)
			return true;
	if ((l = malloc(sizeof(*l) + len + 1)) != NULL) {
		memcpy(l->key, key, len + 1);
		l->next = *b;
		*b = l;
	}
	return false;
}

/* The active rule set of owner/mid, if one of its rules can be rt. */
static struct mit_rules *
owner_of(struct exa *e, const struct exa_route *rt)
{
	struct mit_rules *r = mitigator_owns(e->mg, rt->owner, rt->mid);

	for (size_t i = 0; r != NULL && i < r->n; i++)
		if (exa_route_is_rule(rt, &r->rules[i]))
			return r;
	return NULL;
}

static void
listed_line(struct exa *e, const char *line)
{
	const struct conf_mitigator *mc = &e->mg->gw->conf->mitigator;
	uint32_t marker = (uint32_t)mc->community_asn << 16 |
	    mc->community_value;
	char key[EXA_NLRI_MAX + 16], cmd[EXA_CMD_MAX];
	struct exa_route rt;
	struct mit_rules *r;
	size_t len;

	if (exa_parse_route(line, marker, mc->community_asn, &rt) == -1 ||
	    !rt.marked || !rt.tagged)
		return;		/* not ours: the operator's, or no route */
	snprintf(key, sizeof(key), "%d %s", (int)rt.family, rt.nlri);
	if (listed_before(e, key))
		return;
	if ((r = owner_of(e, &rt)) != NULL) {
		r->seen++;
		e->n_ours++;
		return;
	}
	if (mitigator_withdrawing(e->mg, rt.owner, rt.mid))
		return;
	log_info("mitigator exabgp: orphan %s %s (owner %08" PRIx32 " mid %"
	    PRIu32 "): withdrawn", fam_name[rt.family], rt.nlri, rt.owner,
	    rt.mid);
	if ((len = exa_withdraw_listed(&rt, cmd, sizeof(cmd))) > 0 &&
	    send_cmd(e, cmd, len, EXA_ORPHAN, NULL, 0) == 0)
		e->n_orphans++;
}

/* After the listing: announce again what exabgp lacks (it restarted, or
 * an operation failed); what it has is left alone, so a reconcile sends
 * the routers nothing. */
static void
reannounce(struct exa *e)
{
	struct mit_rules *r, *next;
	size_t sets = 0, rules = 0, want;
	uint64_t mask;

	/* a route shared with another set is counted with the set whose
	 * tag it carries */
	for (r = TAILQ_FIRST(&e->mg->owned); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (!mit_rules_active(r) || r->pending > 0)
			continue;
		mask = mitigator_tagged(r);
		want = (size_t)__builtin_popcountll(mask);
		if (r->seen >= want)
			continue;
		if (++sets <= REANNOUNCE_LOGGED)
			log_info("mitigator exabgp: owner %08" PRIx32 " mid %"
			    PRIu32 ": %zu of %zu rule(s) at exabgp; announcing "
			    "again", r->owner, r->mid, r->seen, want);
		rules += want - r->seen;
		r->pending++;
		rules_op(e, r, true, mask);
	}
	if (sets > REANNOUNCE_LOGGED)
		log_info("mitigator exabgp: %zu rule set(s) lacked %zu rule(s) "
		    "at exabgp; announced again", sets, rules);
	/* the first listing of a connection may be empty (a restarted
	 * exabgp); a later one that lists none of what it said "done" to
	 * has forgotten it */
	if (e->listings > 1 && e->n_ours == 0 && rules > 0 && !e->warned_rib) {
		log_warnx("mitigator exabgp: exabgp lists none of our routes: "
		    "set 'adj-rib-out true;' on its neighbors (without it "
		    "exabgp forgets what it announced: a router that reconnects "
		    "gets nothing, and every reconcile announces all again)");
		e->warned_rib = true;
	}
}

static void
listing_end(struct exa *e, bool ok)
{
	size_t orphans = e->n_orphans;

	listed_free(e);
	e->listings++;
	if (!ok) {
		log_warnx("mitigator exabgp: exabgp refused `show adj-rib out "
		    "extensive`");
		return;
	}
	if (orphans > 0)
		log_info("mitigator exabgp: %zu orphan route(s) withdrawn",
		    orphans);
	reannounce(e);
}

static void
reconcile(struct exa *e)
{
	static const char cmd[] = "show adj-rib out extensive\n";
	struct mit_rules *r;

	if (e->bev == NULL || e->listing)
		return;
	if ((e->listed = calloc(LISTED_BUCKETS, sizeof(*e->listed))) == NULL)
		return;
	TAILQ_FOREACH(r, &e->mg->owned, entry)
		r->seen = 0;
	e->n_ours = e->n_orphans = 0;
	e->listing = true;
	if (send_cmd(e, cmd, sizeof(cmd) - 1, EXA_LIST, NULL, 0) == -1)
		listed_free(e);
}

/* ---- the connection ------------------------------------------------------ */

/* Every command waiting fails; reconnect after RETRY_S. */
static void
disconnect(struct exa *e, const char *why)
{
	struct timeval tv = { RETRY_S, 0 };
	struct exa_cmd *c;

	if (e->answered)
		log_warnx("mitigator exabgp: lost the relay: %s; %zu command(s) "
		    "unanswered; reconnecting", why, e->n_wait);
	else if (!e->quiet)
		log_warnx("mitigator exabgp: the relay at %s closed the "
		    "connection before any answer (%s; is another dotsgwd "
		    "using this exabgp?); retrying every %d s",
		    e->mg->gw->conf->mitigator.socket, why, RETRY_S);
	e->quiet = !e->answered;
	bufferevent_free(e->bev);
	e->bev = NULL;
	listed_free(e);
	while ((c = STAILQ_FIRST(&e->wait)) != NULL) {
		STAILQ_REMOVE_HEAD(&e->wait, entry);
		e->n_wait--;
		if (c->kind == EXA_RULE)
			op_end(c->op, false);
		free(c);
	}
	evtimer_del(e->stall_ev);
	evtimer_add(e->retry_ev, &tv);
}

/* One line from exabgp (through the relay). */
static void
on_line(struct exa *e, const char *line)
{
	struct exa_cmd *c = STAILQ_FIRST(&e->wait);
	bool done = strcmp(line, "done") == 0;
	bool error = strcmp(line, "error") == 0;
	char text[512];

	if (!e->answered && e->quiet)
		log_info("mitigator exabgp: connected to the relay at %s",
		    e->mg->gw->conf->mitigator.socket);
	e->answered = true;
	e->quiet = false;
	if (!done && !error) {
		if (c != NULL && c->kind == EXA_LIST)
			listed_line(e, line);
		else
			log_debug("mitigator exabgp: exabgp says: %s", line);
		stall_arm(e, true);
		return;
	}
	if (c == NULL) {
		log_debug("mitigator exabgp: an answer nothing waits for: %s",
		    line);
		return;
	}
	STAILQ_REMOVE_HEAD(&e->wait, entry);
	e->n_wait--;
	stall_arm(e, true);
	switch (c->kind) {
	case EXA_RULE:
		if (error) {
			mitigator_rule_text(&c->op->r->rules[c->rule], text,
			    sizeof(text));
			log_warnx("mitigator exabgp: owner %08" PRIx32 " mid %"
			    PRIu32 ": exabgp refused: %s", c->op->r->owner,
			    c->op->r->mid, text);
		}
		op_end(c->op, done);
		break;
	case EXA_ORPHAN:
		if (error)
			log_warnx("mitigator exabgp: exabgp refused to "
			    "withdraw an orphan route (its log says which)");
		break;
	case EXA_LIST:
		listing_end(e, done);
		break;
	}
	free(c);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct exa *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (e->bev != NULL &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		on_line(e, line);
		free(line);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct exa *e = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		disconnect(e, what & BEV_EVENT_EOF ? "connection closed" :
		    strerror(EVUTIL_SOCKET_ERROR()));
}

static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exa *e = arg;

	if (e->answered || !e->quiet)
		log_warnx("mitigator exabgp: no answer for %" PRIu32 " ms with "
		    "%zu command(s) waiting (exabgp stuck; exabgp.api.ack "
		    "false, it must be true, the default; or another dotsgwd "
		    "holds the relay)", e->mg->gw->conf->mitigator.timeout_ms,
		    e->n_wait);
	disconnect(e, "no answer");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	exa_connect(arg);
}

/*
 * A Unix socket connects at once or fails at once (ENOENT or
 * ECONNREFUSED while exabgp or its relay is down, EAGAIN when its
 * backlog is full): no connecting state, and what is installed right
 * after start (the restored mitigations) is queued on the connection.
 */
static void
exa_connect(struct exa *e)
{
	const char *path = e->mg->gw->conf->mitigator.socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { RETRY_S, 0 };
	int fd;

	/* conf.c keeps the path within sun_path */
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || connect(fd, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1) {
		if (!e->quiet)
			log_warnx("mitigator exabgp: cannot connect to the "
			    "relay at %s: %s; retrying every %d s", path,
			    strerror(errno), RETRY_S);
		e->quiet = true;
		if (fd != -1)
			close(fd);
		evtimer_add(e->retry_ev, &tv);
		return;
	}
	if ((e->bev = bufferevent_socket_new(e->mg->gw->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		evtimer_add(e->retry_ev, &tv);
		return;
	}
	bufferevent_setcb(e->bev, read_cb, NULL, event_cb, e);
	bufferevent_enable(e->bev, EV_READ | EV_WRITE);
	if (!e->quiet)
		log_info("mitigator exabgp: connected to the relay at %s", path);
	e->answered = false;
	e->listings = 0;
	e->warned_rib = false;
	reconcile(e);	/* exabgp may have restarted: it may hold nothing */
}

/* ---- ops ------------------------------------------------------------------- */

static int
exa_init(struct mitigator *mg)
{
	struct exa *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->mg = mg;
	STAILQ_INIT(&e->wait);
	if ((e->retry_ev = evtimer_new(mg->gw->base, retry_cb, e)) == NULL ||
	    (e->stall_ev = evtimer_new(mg->gw->base, stall_cb, e)) == NULL) {
		if (e->retry_ev != NULL)
			event_free(e->retry_ev);
		free(e);
		return -1;
	}
	mg->be = e;
	exa_connect(e);
	return 0;
}

static void
exa_install(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	rules_op(mg->be, r, true, mask);
}

static void
exa_withdraw(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	rules_op(mg->be, r, false, mask);
}

static void
exa_reconcile(struct mitigator *mg)
{
	reconcile(mg->be);
}

static void
exa_free(struct mitigator *mg)
{
	struct exa *e = mg->be;
	struct exa_cmd *c;

	if (e == NULL)
		return;
	/* what was sent stays sent: exabgp and the relay carry on */
	if (e->bev != NULL)
		bufferevent_free(e->bev);
	listed_free(e);
	while ((c = STAILQ_FIRST(&e->wait)) != NULL) {
		STAILQ_REMOVE_HEAD(&e->wait, entry);
		if (c->op != NULL && --c->op->left == 0)
			free(c->op);
		free(c);
	}
	event_free(e->retry_ev);
	event_free(e->stall_ev);
	free(e);
	mg->be = NULL;
}

const struct mitigator_ops mitigator_exabgp_ops = {
	"exabgp", exa_init, exa_install, exa_withdraw, exa_reconcile, exa_free
};
