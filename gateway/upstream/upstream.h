/*
 * The upstream side: one long-lived DOTS signal session to each upstream
 * peer (another ISP's gateway or an orchestrator), with its own libcoap
 * context (PKI setup is per context on GnuTLS), heartbeats kept hop by hop,
 * and reconnection with exponential backoff. The relay places and follows
 * mitigations through upstream_send().
 */
#ifndef DOTSGW_UPSTREAM_H
#define DOTSGW_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/cuid.h"
#include "client/client.h"

struct gw;
struct conf_peer;
struct coap_loop;
struct placement;

TAILQ_HEAD(placement_list, placement);

struct upstream {
	struct gw		*gw;
	const struct conf_peer	*peer;
	struct dots_client	*dc;		/* NULL while disconnected */
	struct coap_loop	*loop;
	char			 cuid[CUID_BUFLEN];	/* ours toward it */
	uint32_t		 next_mid;
	uint32_t		 mid_stored;	/* the store's next mid: those
						   below need no write */
	bool			 up;		/* answered on this session */
	bool			 restart;	/* drop dc at the next tick */
	bool			 resync;	/* compare placements with what
						   it has, once up (our restart,
						   its return) */
	uint32_t		 hb_interval;	/* its signal-config, seconds */
	uint32_t		 missing_hb_allowed;
	uint32_t		 missed;
	bool			 hb_pending;
	uint64_t		 next_hb_ms;
	uint64_t		 reconnect_ms;
	uint32_t		 backoff_s;
	struct event		*tick;
	struct placement_list	 placements;	/* relay.c owns them */
	/* where its DOTS server is: from the config, or (an orchestrator's
	 * ISP member) from its registration; no session while !enabled */
	char			 addr[64];
	uint16_t		 port;
	bool			 tls;
	bool			 enabled;
	uint64_t		 last_ok_ms;	/* last heartbeat answered, or
						   the session came up */
	uint64_t		 last_hb_ms;	/* last heartbeat answered, 0
						   never (/status) */
	uint32_t		 reconnects;	/* times it came back up */
	bool			 ever_up;
	/* it answered an Observe registration without Observe (RFC 7641
	 * §4.1): its placements are polled; back to observed when it
	 * confirms one. The warning is logged once per upstream. */
	bool			 polled;
	bool			 polled_warned;
	/* an orchestrator we are registered at but do not use now
	 * (orch_member.c: only the active one takes requests) */
	bool			 standby;
};

/*
 * What the layers above hear of an upstream session (set by the wiring,
 * gateway/dotsgwd.c, in gw->up_events; each may be NULL): it came up
 * (the first request answered), it went down (before a reconnection with
 * backoff), or how we reach it changed and a new session replaces the
 * current one right away.
 */
struct upstream_events {
	void	(*up)(struct upstream *, void *arg);
	void	(*down)(struct upstream *, void *arg);
	void	(*replaced)(struct upstream *, void *arg);
	void	*arg;
};

int	upstreams_init(struct gw *);
void	upstreams_free(struct gw *);
/* The daemon exits, its placements staying upstream: from now on nothing
 * is deregistered there (dc_closing()). */
void	upstreams_closing(struct gw *);
struct upstream *upstream_new(struct gw *, const struct conf_peer *);
void	upstream_free(struct upstream *);
/* Point it at its peer in a reloaded configuration; a new session when
 * how we reach it changed. -1 when our new credential cannot be read
 * (re-pointed, but the current session and cuid are kept). */
int	upstream_set_conf(struct upstream *, const struct conf_peer *);
struct upstream *upstream_find(struct gw *, const char *name);

/* 0 when it is not connected or the request cannot be sent. */
uint64_t upstream_send(struct upstream *, const struct dc_req *,
	    unsigned timeout_ms, dc_resp_fn, void *arg);
void	upstream_cancel(struct upstream *, uint64_t id);
/* The next mid under our cuid there: unique and increasing (§4.4.1). */
uint32_t upstream_next_mid(struct upstream *);
/* Up and meant to take requests (not a standby orchestrator). */
bool	upstream_usable(const struct upstream *);
/* The endpoint from a registration: (re)connect there now. */
void	upstream_set_endpoint(struct upstream *, const char *addr,
	    uint16_t port, bool tls);
/* A new session now: what it holds under our cuid is resynchronised
 * (a cluster node that took over another's placements). */
void	upstream_resync(struct upstream *);
/* Registration cancelled: end the session, no reconnection. */
void	upstream_disable(struct upstream *, const char *why);

/*
 * How an Observe registration there was answered: confirmed (the answer
 * carried Observe) or not (RFC 7641 §4.1), what naming the resource.
 * Sets the observation mode /status shows; the first "not" is logged as
 * a warning, once per upstream.
 */
void	upstream_observation(struct upstream *, bool confirmed,
	    const char *what);
/* Seconds between polls of a resource there that we may not observe:
 * its poll-interval, else the negotiated heartbeat interval. */
unsigned upstream_poll_interval(const struct upstream *);

#endif
