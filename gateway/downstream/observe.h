/*
 * Observations of the mitigate resources (RFC 7641; RFC 9132 §4.4.2.1),
 * kept here, not by libcoap. libcoap 4.3.1 keeps observers on its
 * resources and walks every resource of the context at each registration
 * (coap_touch_observer), at each round of notifications
 * (coap_check_notify) and at each session's end (coap_delete_observers).
 * With a resource per mitigation, every one of those cost O(mitigations
 * held): 60-70 % of a terminal gateway's CPU in the relay bench, where
 * the relay observes each mitigation it places (NOTES.md, "Observations
 * without libcoap's walks").
 *
 * So the mitigate paths have no libcoap resource of their own (the
 * unknown resource answers them all), and an observation hangs off the
 * mitigation, or the client, it observes, and off its session. A GET with
 * Observe 0 answered 2.05 registers; one of the same session for the same
 * target replaces it (RFC 7641 §4.1); Observe 1 deregisters. A change is
 * notified once per loop turn, Non-confirmable (RFC 9132), by running the
 * kept registration again; a target that ends sends 4.04 and ends its
 * observations, and so does an answer other than 2.xx. A session's end
 * ends its observations.
 */
#ifndef DOTSGW_DOWNSTREAM_OBSERVE_H
#define DOTSGW_DOWNSTREAM_OBSERVE_H

#include <stdbool.h>

#include <coap3/coap.h>

struct ds_request;
struct ds_session;
struct gw;
struct mit_client;
struct mitigation;
struct observe;

/* Runs the registration kept in req for a notification: fills resp
 * (token and Observe are there already), as the request handler does. */
typedef void (*observe_answer_fn)(struct gw *, struct ds_session *,
    const coap_pdu_t *req, coap_pdu_t *resp);

struct observe *observe_new(struct gw *, observe_answer_fn);
void	observe_free(struct observe *);

/* rq is a GET of a mitigate path with Observe 0. */
bool	observe_wanted(const struct ds_request *);
/* Before rq is answered in resp: when it asks to observe a target that
 * exists, its session observes it from now on and resp gets Observe (in
 * front of the options the answer adds; libcoap 4.3.1 adds none to a
 * PDU that has data). NULL otherwise. */
struct obs *observe_register(struct observe *, const struct ds_request *,
	    coap_pdu_t *resp);
/* rq was answered: the observation stays only on a 2.05. */
void	observe_registered(struct observe *, struct obs *,
	    const coap_pdu_t *resp);
/* When rq (a GET of a mitigate path) carries Observe 1: that observation
 * (same session, same token) ends. */
void	observe_deregister(struct observe *, const struct ds_request *);
/* Its observations end with it (no answer: the session is gone). */
void	observe_session_gone(struct observe *, struct ds_session *);

/*
 * Hooks of the mitigation table's events (struct mit_events), arg the
 * struct gw: a change of m, or of c's collection, is notified at the end
 * of this loop turn; an end sends 4.04 (none when the daemon stops).
 */
void	observe_on_changed(struct mitigation *, void *gw);
void	observe_on_client_changed(struct mit_client *, void *gw);
void	observe_on_ended(struct mitigation *, void *gw);
void	observe_on_client_ended(struct mit_client *, void *gw);

/* Observations held now (/status, tests). */
size_t	observe_count(const struct observe *);

#endif
