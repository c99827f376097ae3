#include <stdlib.h>
#include <sys/queue.h>

#include "common/log.h"
#include "gateway/downstream/durable.h"
#include "gateway/gw.h"
#include "gateway/downstream/server.h"
#include "gateway/state/store.h"

#define SYNC_RETRY_SECONDS	5	/* Max-Age of a 5.03 for a failed sync */

struct held {
	TAILQ_ENTRY(held) wait_entry;	/* until synced, in commit order */
	TAILQ_ENTRY(held) all_entry;	/* until answered */
	struct durable	*d;
	coap_async_t	*async;
	coap_pdu_t	*answer;	/* NULL: the relay answers */
	uint64_t	 seq;
	bool		 waiting;
	bool		 relay_ready;	/* the relay would answer now */
};

TAILQ_HEAD(held_list, held);

struct durable {
	struct gw	 *gw;
	struct held_list  wait;
	size_t		  n_wait;
	struct held_list  all;
};

struct durable *
durable_new(struct gw *gw)
{
	struct durable *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->gw = gw;
	TAILQ_INIT(&d->wait);
	TAILQ_INIT(&d->all);
	return d;
}

static void
unwait(struct durable *d, struct held *h)
{
	TAILQ_REMOVE(&d->wait, h, wait_entry);
	h->waiting = false;
	d->n_wait--;
}

size_t
durable_waiting(const struct durable *d)
{
	return d != NULL ? d->n_wait : 0;
}

static void
held_free(struct durable *d, struct held *h)
{
	if (h->waiting)
		unwait(d, h);
	TAILQ_REMOVE(&d->all, h, all_entry);
	if (h->answer != NULL)
		coap_delete_pdu(h->answer);
	free(h);
}

/* At shutdown, after the server: libcoap freed the asyncs with its
 * context, so they are not touched here. */
void
durable_free(struct durable *d)
{
	struct held *h;

	if (d == NULL)
		return;
	while ((h = TAILQ_FIRST(&d->all)) != NULL)
		held_free(d, h);
	free(d);
}

int
durable_hold(struct durable *d, const struct ds_request *rq,
    coap_pdu_t *answer, uint64_t seq)
{
	coap_async_t *a;
	struct held *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	if (answer == NULL)
		a = coap_find_async(rq->session, coap_pdu_get_token(rq->pdu));
	else
		a = coap_register_async(rq->session, rq->pdu, 0);
	if (a == NULL) {
		free(h);
		return -1;
	}
	h->d = d;
	h->async = a;
	h->answer = answer;
	h->seq = seq;
	h->waiting = true;
	coap_async_set_app_data(a, h);
	TAILQ_INSERT_TAIL(&d->wait, h, wait_entry);
	d->n_wait++;
	TAILQ_INSERT_TAIL(&d->all, h, all_entry);
	return 0;
}

bool
durable_relay_ready(coap_async_t *a)
{
	struct held *h = coap_async_get_app_data(a);

	if (h == NULL || !h->waiting)
		return false;
	h->relay_ready = true;
	return true;
}

bool
durable_answer(coap_async_t *a, coap_pdu_t *resp)
{
	struct held *h = coap_async_get_app_data(a);
	bool ours;

	if (h == NULL)
		return false;
	coap_async_set_app_data(a, NULL);
	if ((ours = h->answer != NULL) && reply_copy(resp, h->answer) == -1)
		reply_errf(resp, 500, "out of memory");
	held_free(h->d, h);
	return ours;
}

static void
trigger(struct durable *d, struct held *h)
{
	coap_async_trigger(h->async);
	server_kick(d->gw->srv);
}

/* h's commit is not on disk: 5.03 (the client retries; a PUT or DELETE
 * again is harmless), a request the relay holds too (when its batch was
 * lost, what the relay did for it is undone: store.h). */
static void
refuse(struct durable *d, struct held *h, const char *why)
{
	coap_pdu_t *p;

	unwait(d, h);
	if ((p = coap_pdu_init(COAP_MESSAGE_ACK, 0, 0, 1152)) == NULL) {
		/* a diagnostic fits; without memory the answer stays */
		if (h->answer != NULL || h->relay_ready)
			trigger(d, h);
		return;
	}
	if (h->answer != NULL)
		coap_delete_pdu(h->answer);
	h->answer = p;
	reply_max_age(p, SYNC_RETRY_SECONDS);
	reply_errf(p, 503, "state store: %s", why);
	trigger(d, h);
}

void
durable_synced(struct durable *d, const char *error)
{
	uint64_t synced = store_synced(d->gw->store);
	uint64_t lost = store_lost(d->gw->store);
	struct held *h;

	if (error != NULL) {
		log_warnx("state store: %s; the requests waiting for it are "
		    "answered 5.03", error);
		while ((h = TAILQ_FIRST(&d->wait)) != NULL)
			refuse(d, h, error);
		return;
	}
	while ((h = TAILQ_FIRST(&d->wait)) != NULL && h->seq <= synced) {
		if (h->seq <= lost)
			refuse(d, h, "the transaction holding it failed");
		else {
			unwait(d, h);
			if (h->answer != NULL || h->relay_ready)
				trigger(d, h);
		}
	}
}
