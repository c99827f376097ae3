/*
 * The local mitigator: what a mitigation that relay.c keeps local turns
 * into. A back-end ("log", "bgp" or "exabgp", mitigator: type) installs and
 * withdraws the rules policies/flowspec.c builds from the scope, reports
 * drop statistics and reconciles what it holds with our table. Every
 * back-end call is asynchronous: nothing here waits for a speaker.
 *
 * Each mitigation's rules are one rule set, tagged with the owner (a
 * hash of peer and cuid) and mid so that what the speaker holds can be
 * matched to our table after a restart: at start and then periodically
 * the speaker's routes carrying our marker community are listed, the
 * ones no active local mitigation owns are withdrawn and ours are
 * announced again (mitigator: reconcile-interval, 30 s by default), which
 * also repairs a failed install or a restarted speaker.
 */
#ifndef DOTSGW_MITIGATOR_H
#define DOTSGW_MITIGATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/dots_msg.h"
#include "policies/capacity.h"
#include "policies/flowspec.h"
#include "policies/offload.h"

#define MIT_ROUTE_BUCKETS	16384
#define MIT_OWNS_BUCKETS	16384

struct gw;
struct mitigation;
struct mitigator;
struct peer_rt;

/* The rules of one local mitigation. */
struct mit_rules {
	TAILQ_ENTRY(mit_rules) entry;
	struct mit_rules *owns_next;	/* mg->owns chain, until freed */
	struct mitigator *mg;
	struct mitigation *m;		/* NULL once withdrawn; no pointer
					   into the conf: reload frees it */
	bool		 standing;	/* no mitigation's: a data-channel
					   ACL's (mitigator_dc_acl.c), active
					   until mitigator_withdraw_set */
	uint32_t	 owner;		/* mitigator_owner(peer, cuid) */
	uint32_t	 mid;
	unsigned	 action;	/* CONF_ACT_* */
	struct pol_rule	*rules;
	struct rule_ref	**refs;		/* refs[i]: the route of rules[i] */
	size_t		 n;
	bool		 installed;	/* the back-end confirmed every rule */
	unsigned	 pending;	/* back-end operations in flight */
	size_t		 seen;		/* routes of it in the last listing */
	uint64_t	 c[4];		/* bytes, pkts, bps, pps dropped */
};
TAILQ_HEAD(mit_rules_head, mit_rules);

/*
 * One route at the speaker. The speaker knows a route by its NLRI (the
 * match, or the RTBH prefix), not by its attributes: two rule sets with
 * the same match share one route, which carries the action and tag of
 * the set that announced it last (tag). It is withdrawn only with its
 * last owner; when its tagged owner goes first, another announces it.
 */
struct rule_ref {
	struct rule_ref	*next;		/* hash chain */
	char		*key;		/* the match as announced */
	unsigned	 refs;		/* active rule sets with this route */
	struct mit_rules *tag;		/* whose action and tag it carries */
};

struct mitigator_ops {
	const char *name;
	int	(*init)(struct mitigator *);
	/* announce the rules of r in mask (bit i: rules[i]);
	 * mitigator_done(r, ok) when finished */
	void	(*install)(struct mitigator *, struct mit_rules *,
		    uint64_t mask);
	/* withdraw the rules of r in mask; mitigator_done(r, ok) when
	 * finished */
	void	(*withdraw)(struct mitigator *, struct mit_rules *,
		    uint64_t mask);
	/* withdraw what carries our marker and is not in owned */
	void	(*reconcile)(struct mitigator *);
	void	(*free)(struct mitigator *);
};

struct mitigator {
	struct gw	*gw;
	const struct mitigator_ops *ops;
	void		*be;		/* back-end state */
	struct mit_rules_head owned;	/* active and being withdrawn */
	struct rule_ref	**routes;	/* hash table, MIT_ROUTE_BUCKETS */
	/* rule sets by owner and mid, MIT_OWNS_BUCKETS, active or being
	 * withdrawn (mitigator_withdrawing): reconcile looks up every
	 * listed route, and a walk of owned per route was quadratic in the
	 * rules held */
	struct mit_rules **owns;
	uint32_t	 n_rules;	/* rules of active rule sets */
	struct pol_offload offload;
	bool		 offload_busy;	/* relay.c is moving mitigations */
	struct event	*stats_ev;
	struct event	*reconcile_ev;
	uint64_t	 installs, withdrawals, failures;
};

extern const struct mitigator_ops mitigator_log_ops;
extern const struct mitigator_ops mitigator_bgp_ops;
extern const struct mitigator_ops mitigator_exabgp_ops;

/* From gw->conf; gw->mitig set. -1 on failure. The first reconcile runs
 * on the first loop turn, after the table is loaded. */
int	mitigator_new(struct gw *);
void	mitigator_free(struct gw *);

/*
 * Whether a new request of peer may be mitigated locally: offload allows
 * it, the peer may trigger an action, the rules can be built and fit the
 * peer's and the total limits. Else false with why.
 */
bool	mitigator_admit(struct gw *, const struct conf_peer *,
	    const struct dots_scope *, const struct pol_volume *,
	    bool *offload, char *why, size_t len);
/* Install m's rules; -1 when they cannot be built (logged). */
int	mitigator_install(struct gw *, struct mitigation *);
/* Withdraw m's rules (nothing when it has none). */
void	mitigator_withdraw(struct gw *, struct mitigation *);
/* m's attack information changed: when its severity now maps to another
 * action, the rules are withdrawn and installed again with it. */
void	mitigator_update(struct gw *, struct mitigation *);

/*
 * Rule sets that belong to no mitigation (the data channel's filtering
 * ACLs, RFC 8783 activation-type): installed, shared, counted and
 * reconciled like a mitigation's, under owner mitigator_owner(peer, cuid)
 * and a set id the caller picks (mid space: ids from 2^31 up). Install
 * replaces a set of that owner and id. -1 when the limits refuse them
 * (logged) or out of memory.
 */
int	mitigator_install_set(struct gw *, struct peer_rt *, const char *cuid,
	    uint32_t setid, const char *what, const struct pol_rule *,
	    size_t n);
void	mitigator_withdraw_set(struct gw *, struct peer_rt *, const char *cuid,
	    uint32_t setid);
bool	mitigator_has_set(struct gw *, const char *peer, const char *cuid,
	    uint32_t setid);

/* A rule set is active: a mitigation's or a standing one. */
static inline bool
mit_rules_active(const struct mit_rules *r)
{
	return r->m != NULL || r->standing;
}

/* For back-ends. */
void	mitigator_done(struct mit_rules *, bool ok);
uint32_t mitigator_owner(const char *peer, const char *cuid);
/* The active rule set of ours with this owner/mid, or NULL. */
struct mit_rules *mitigator_owns(struct mitigator *, uint32_t owner,
	    uint32_t mid);
/* A rule set of this owner/mid is being withdrawn: a listing taken
 * before its withdrawal ran still shows its routes, which are no
 * orphans (withdrawing one by its key after a route it shares was
 * announced again for its other owner would take that one away). */
bool	mitigator_withdrawing(struct mitigator *, uint32_t owner,
	    uint32_t mid);
/* The rules of r whose route at the speaker carries r's tag (bit i:
 * rules[i]; one bit per route): what a listing should show of r. */
uint64_t mitigator_tagged(const struct mit_rules *);
/* "match destination 192.0.2.0/24 protocol ==17 ..." for logs. */
void	mitigator_rule_text(const struct pol_rule *, char *buf, size_t len);

#endif
