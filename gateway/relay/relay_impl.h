/*
 * What the relay's files share (gateway/relay/ only; the rest of the
 * daemon sees relay.h). Each group below is one file's.
 */
#ifndef DOTSGW_RELAY_IMPL_H
#define DOTSGW_RELAY_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "gateway/relay/relay.h"

#define RELAY_PUT_TIMEOUT_MS	30000	/* NON repeated every 2 s till then */
#define RELAY_OBS_TIMEOUT_MS	30000
#define RELAY_RESYNC_TIMEOUT_MS	30000
#define RELAY_POLL_TIMEOUT_MIN_MS 4000	/* two NON sends (client.h) */

struct conf_peer;
struct dc_req;
struct dc_resp;
struct dots_opt;
struct dots_scope;
struct gw;
struct mitigation;
struct pol_decision;
struct pol_request;
struct pol_upstream;
struct pol_volume;
struct upstream;

/* "peer P cuid C mid N" for log lines. */
const char *relay_mit_name(const struct mitigation *, char *buf, size_t len);

/* path.c: the relay path (private-use key 49152), node ids of dotsgw
 * hops. */
int	relay_path_decode(const struct dots_scope *, struct strv *out);
int	relay_path_encode(const struct strv *, struct dots_opt *);
void	relay_path_join(const struct strv *, char *buf, size_t len);
bool	relay_path_has(const struct strv *, const char *id);
void	relay_path_ids(const char *in, char *out, size_t len);

/* plan.c: deciding. */
bool	relay_holding(const struct placement *);
size_t	relay_candidates(struct gw *, const struct conf_peer *,
	    const struct mitigation *,
	    struct pol_upstream cand[POL_MAX_UPSTREAMS]);
void	relay_capable_only(struct gw *, const struct dots_scope *,
	    const struct pol_volume *, struct pol_upstream *cand, size_t n);
void	relay_decide(struct gw *, const struct conf_peer *,
	    const struct dots_scope *, const struct pol_volume *,
	    const struct pol_upstream *cand, size_t n,
	    const struct pol_request *, struct pol_decision *, bool *offloaded);

/* placement.c: one mitigation at one upstream. */
struct placement *placement_alloc(struct mitigation *, struct upstream *,
	    uint32_t umid);
struct placement *placement_new(struct mitigation *, struct upstream *);
void	placement_free(struct placement *);
void	placement_send(struct placement *);
void	placement_send_put(struct placement *, uint32_t attack_status);
void	placement_detach(struct placement *);
void	placement_delete(struct placement *);
void	placement_schedule_refresh(struct placement *);
void	placement_take_report(struct placement *, const struct dc_resp *);
void	placement_check_exceeded(struct placement *);
/* Uri-Path storage for one request about a placement. */
struct upath {
	char	cdid[DOTS_ID_MAX + 8];
	char	cuid[40];
	char	mid[24];
};
void	placement_path(const struct placement *, bool cdid, struct dc_req *,
	    struct upath *);
/* What downstream can see of a placement, to notify only on change. */
struct seen {
	enum placement_state state;
	uint32_t status;
	uint64_t c[4];
};
struct seen placement_seen(const struct placement *);
/* Something upstream happened to p: report a settled mitigation, tell
 * downstream observers if what they see moved. */
void	placement_update(struct placement *, struct seen before);

/* observe.c: following a placement, observed or polled. */
void	placement_observe(struct placement *);
void	placement_observe_soon(evutil_socket_t, short, void *p);
void	placement_poll_stop(struct placement *);

/* local.c: local mitigation and offload. */
void	relay_local_start(struct gw *, struct mitigation *);
void	relay_local_stop(struct gw *, struct mitigation *);
void	relay_offload_check(struct gw *);

/* settle.c: reporting settled upstreams to the waiter. */
bool	relay_upstreams_settled(const struct relay_state *);
void	relay_settle_check(struct mitigation *);
void	relay_await_free(struct mitigation *);

/* failover.c */
void	relay_failed_over(struct mitigation *);
int	relay_redecide(struct mitigation *, void *gw);

/* relay.c */
void	relay_placements_end(struct mitigation *);

/* dc_push.c: the ACLs of an acl-list, created at an upstream's data
 * channel before the PUT that names them (RFC 8783, DMS-offload). */
struct dots_acl;
bool	dc_push_applies(const struct placement *);
/* true: the PUT waits (creating them; or it failed at once, p's state
 * says so); false: send it now. */
bool	dc_push_pending(struct placement *);
void	dc_push_cancel(struct placement *);
/* DELETE them there (withdrawn, refused). */
void	dc_push_withdraw(struct placement *);
void	dc_push_upstream_down(struct upstream *);
/* Their names there, for the relayed acl-list. */
int	dc_push_acl_name(const struct placement *, const char *name,
	    char *out, size_t len);
int	dc_push_acl_list(const struct placement *, const struct dots_scope *,
	    struct dots_acl **out);
void	dc_push_acl_list_free(struct dots_acl *, size_t);

#endif
