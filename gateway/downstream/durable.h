/*
 * Group commit: a write request's answer leaves once its commit is on
 * disk, and one fdatasync (store.h, persist_sync_soon) covers every commit
 * made meanwhile, so a burst of requests costs a few syncs, not one each,
 * and a relay's sync runs while its upstream works.
 *
 * A NON request's answer is held with libcoap's async, its record in the
 * async's app data (a CON request's answer rides on its ACK instead:
 * mitigate.c syncs at once). A request already held for its relay's
 * upstreams (held.c) gets a record without an answer: held.c answers
 * it once both have happened.
 */
#ifndef DOTSGW_DURABLE_H
#define DOTSGW_DURABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <coap3/coap.h>

struct gw;
struct durable;
struct ds_request;

struct durable *durable_new(struct gw *);
void	durable_free(struct durable *);

/*
 * rq's commit is seq (store_committed()). With answer: hold it (taken)
 * until seq is synced. Without: rq is held by the relay already; its
 * answer waits for seq as well (durable_relay_ready). 0, or -1 when it
 * cannot be held (the answer stays the caller's).
 */
int	durable_hold(struct durable *, const struct ds_request *rq,
	    coap_pdu_t *answer, uint64_t seq);
/* The relay would answer the request held as a now: true when that must
 * wait for the sync (it will be triggered then), false to trigger now. */
bool	durable_relay_ready(coap_async_t *a);
/* At the run of a held request: true with resp filled when the answer was
 * held here; false (and the record dropped) when the relay answers it. */
bool	durable_answer(coap_async_t *a, coap_pdu_t *resp);
/* Answers held now for a sync (/metrics). */
size_t	durable_waiting(const struct durable *);
/* The store synced; or failed to (error says why): what waited for it
 * is answered 5.03. */
void	durable_synced(struct durable *, const char *error);

#endif
