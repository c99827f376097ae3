/*
 * Observations of the mitigate resources (observe.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/log.h"
#include "gateway/downstream/observe.h"
#include "gateway/downstream/server.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"

struct obs_set;

struct obs {
	TAILQ_ENTRY(obs) set_entry;	/* its target's observers */
	TAILQ_ENTRY(obs) ds_entry;	/* its session's observations */
	TAILQ_ENTRY(obs) due_entry;	/* to be notified this turn */
	struct obs_set	*set;
	struct ds_session *ds;
	coap_pdu_t	*req;		/* the registration, run again */
	uint32_t	 seq;		/* the next Observe value */
	bool		 due;
};

/* The observers of one mitigation or of one client's collection. */
struct obs_set {
	TAILQ_HEAD(, obs) subs;
	struct obs_set	**home;		/* &m->obs or &c->obs */
};

struct observe {
	struct gw	*gw;
	observe_answer_fn answer;
	struct event	*flush;		/* the due ones go out */
	bool		 armed;		/* ... at the end of this turn */
	TAILQ_HEAD(, obs) due;
	size_t		 n;
};

static void flush_cb(evutil_socket_t, short, void *);

struct observe *
observe_new(struct gw *gw, observe_answer_fn answer)
{
	struct observe *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->gw = gw;
	o->answer = answer;
	TAILQ_INIT(&o->due);
	/* after the turn's requests: its changes go out together */
	if ((o->flush = event_new(gw->base, -1, 0, flush_cb, o)) == NULL ||
	    event_priority_set(o->flush, GW_PRIO_IDLE) == -1) {
		observe_free(o);
		return NULL;
	}
	return o;
}

void
observe_free(struct observe *o)
{
	if (o == NULL)
		return;
	/* the sessions took their observations with them (server_free) */
	if (o->flush != NULL)
		event_free(o->flush);
	free(o);
}

size_t
observe_count(const struct observe *o)
{
	return o != NULL ? o->n : 0;
}

static void
obs_free(struct observe *o, struct obs *s)
{
	struct obs_set *set = s->set;

	TAILQ_REMOVE(&set->subs, s, set_entry);
	if (TAILQ_EMPTY(&set->subs)) {
		*set->home = NULL;
		free(set);
	}
	TAILQ_REMOVE(&s->ds->observations, s, ds_entry);
	if (s->due)
		TAILQ_REMOVE(&o->due, s, due_entry);
	coap_delete_pdu(s->req);
	free(s);
	o->n--;
}

/* The observers' home in the table: m's, or c's for the collection. */
static struct obs_set **
target_of(const struct ds_request *rq)
{
	struct mit_client *c = mit_client_find(rq->gw->mt, rq->path.cuid);
	struct mitigation *m;

	if (c == NULL || c->peer != rq->ds->peer)
		return NULL;
	if (!rq->path.has_mid)
		return &c->obs;
	return (m = mit_find(c, rq->path.mid)) != NULL ? &m->obs : NULL;
}

static uint32_t
observe_value(const coap_pdu_t *pdu)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt = coap_check_option(pdu, COAP_OPTION_OBSERVE, &it);

	return opt == NULL ? UINT32_MAX : coap_decode_var_bytes(
	    coap_opt_value(opt), coap_opt_length(opt));
}

bool
observe_wanted(const struct ds_request *rq)
{
	return rq->method == COAP_REQUEST_CODE_GET && !rq->observe &&
	    rq->path.resource == DOTS_RES_MITIGATE &&
	    observe_value(rq->pdu) == COAP_OBSERVE_ESTABLISH;
}

static bool
same_token(const coap_pdu_t *a, const coap_pdu_t *b)
{
	coap_bin_const_t x = coap_pdu_get_token(a), y = coap_pdu_get_token(b);

	return x.length == y.length && memcmp(x.s, y.s, x.length) == 0;
}

struct obs *
observe_register(struct observe *o, const struct ds_request *rq,
    coap_pdu_t *resp)
{
	struct obs_set **home, *set;
	coap_bin_const_t tok = coap_pdu_get_token(rq->pdu);
	struct obs *s;
	coap_pdu_t *req;
	uint8_t buf[4];

	if (!observe_wanted(rq) || (home = target_of(rq)) == NULL)
		return NULL;
	if ((req = coap_pdu_duplicate(rq->pdu, rq->session, tok.length,
	    tok.s, NULL)) == NULL) {
		log_warnx("peer %s: observation not kept: out of memory",
		    rq->ds->peer->conf->name);
		return NULL;
	}
	if ((set = *home) != NULL)
		TAILQ_FOREACH(s, &set->subs, set_entry)
			if (s->ds == rq->ds) {	/* RFC 7641 §4.1: replaced */
				coap_delete_pdu(s->req);
				s->req = req;
				goto answer;
			}
	if ((s = calloc(1, sizeof(*s))) == NULL || (set == NULL &&
	    (set = calloc(1, sizeof(*set))) == NULL)) {
		free(s);
		coap_delete_pdu(req);
		log_warnx("peer %s: observation not kept: out of memory",
		    rq->ds->peer->conf->name);
		return NULL;
	}
	if (*home == NULL) {
		TAILQ_INIT(&set->subs);
		set->home = home;
		*home = set;
	}
	s->set = set;
	s->ds = rq->ds;
	s->req = req;
	s->seq = 2;
	TAILQ_INSERT_TAIL(&set->subs, s, set_entry);
	TAILQ_INSERT_TAIL(&rq->ds->observations, s, ds_entry);
	o->n++;
answer:
	coap_add_option(resp, COAP_OPTION_OBSERVE, coap_encode_var_safe(buf,
	    sizeof(buf), s->seq), buf);
	s->seq = (s->seq + 1) & 0xffffff;
	return s;
}

void
observe_registered(struct observe *o, struct obs *s, const coap_pdu_t *resp)
{
	if (s != NULL && coap_pdu_get_code(resp) != COAP_RESPONSE_CODE(205))
		obs_free(o, s);
}

void
observe_deregister(struct observe *o, const struct ds_request *rq)
{
	struct obs_set **home;
	struct obs *s;

	if (rq->method != COAP_REQUEST_CODE_GET || rq->observe ||
	    rq->path.resource != DOTS_RES_MITIGATE ||
	    observe_value(rq->pdu) != COAP_OBSERVE_CANCEL ||
	    (home = target_of(rq)) == NULL || *home == NULL)
		return;
	TAILQ_FOREACH(s, &(*home)->subs, set_entry)
		if (s->ds == rq->ds && same_token(s->req, rq->pdu)) {
			obs_free(o, s);
			return;
		}
}

void
observe_session_gone(struct observe *o, struct ds_session *ds)
{
	struct obs *s;

	if (o == NULL)
		return;
	while ((s = TAILQ_FIRST(&ds->observations)) != NULL)
		obs_free(o, s);
}

/* The due ones go out at the end of this loop turn. */
static void
arm(struct observe *o)
{
	if (!TAILQ_EMPTY(&o->due) && !o->armed) {
		o->armed = true;
		event_active(o->flush, EV_TIMEOUT, 0);
	}
}

static void
set_due(struct observe *o, struct obs_set *set)
{
	struct obs *s;

	if (set == NULL)
		return;
	TAILQ_FOREACH(s, &set->subs, set_entry)
		if (!s->due) {
			s->due = true;
			TAILQ_INSERT_TAIL(&o->due, s, due_entry);
		}
	arm(o);
}

void
observe_on_changed(struct mitigation *m, void *gw)
{
	set_due(((struct gw *)gw)->observe, m->obs);
}

void
observe_on_client_changed(struct mit_client *c, void *gw)
{
	set_due(((struct gw *)gw)->observe, c->obs);
}

/* An answer without Observe, the observation's last (RFC 7641 §3.2). */
static void
send_last(struct obs *s, coap_pdu_code_t code, const coap_pdu_t *from)
{
	coap_session_t *sess = s->ds->session;
	coap_bin_const_t tok = coap_pdu_get_token(s->req);
	const uint8_t *data;
	size_t len;
	coap_pdu_t *pdu;

	if ((pdu = coap_pdu_init(COAP_MESSAGE_NON, code,
	    coap_new_message_id(sess), coap_session_max_pdu_size(sess))) ==
	    NULL)
		return;
	if (!coap_add_token(pdu, tok.length, tok.s) || (from != NULL &&
	    coap_get_data(from, &len, &data) && len > 0 &&
	    !coap_add_data(pdu, len, data))) {
		coap_delete_pdu(pdu);
		return;
	}
	(void)coap_send(sess, pdu);
}

static void
ended(struct observe *o, struct obs_set **home)
{
	struct obs *s;

	/* the last one takes the set with it: *home is NULL then */
	while (*home != NULL) {
		s = TAILQ_FIRST(&(*home)->subs);
		/* stopping, the mitigations stay: no 4.04 for them */
		if (!o->gw->stopping)
			send_last(s, COAP_RESPONSE_CODE(404), NULL);
		obs_free(o, s);
	}
}

void
observe_on_ended(struct mitigation *m, void *gw)
{
	ended(((struct gw *)gw)->observe, &m->obs);
}

void
observe_on_client_ended(struct mit_client *c, void *gw)
{
	ended(((struct gw *)gw)->observe, &c->obs);
}

/* The registration run again, Non-confirmable (RFC 9132 §4.4.2.1). */
static void
notify(struct observe *o, struct obs *s)
{
	coap_session_t *sess = s->ds->session;
	coap_bin_const_t tok = coap_pdu_get_token(s->req);
	coap_pdu_code_t code;
	coap_pdu_t *pdu;
	uint8_t buf[4];

	if ((pdu = coap_pdu_init(COAP_MESSAGE_NON, 0,
	    coap_new_message_id(sess), coap_session_max_pdu_size(sess))) ==
	    NULL)
		return;		/* the next change tries again */
	if (!coap_add_token(pdu, tok.length, tok.s) ||
	    !coap_add_option(pdu, COAP_OPTION_OBSERVE, coap_encode_var_safe(
	    buf, sizeof(buf), s->seq), buf)) {
		coap_delete_pdu(pdu);
		return;
	}
	s->seq = (s->seq + 1) & 0xffffff;
	o->answer(o->gw, s->ds, s->req, pdu);
	code = coap_pdu_get_code(pdu);
	if (COAP_RESPONSE_CLASS(code) == 2) {
		(void)coap_send(sess, pdu);
		return;
	}
	/* not answered (0) or refused: the observation ends there */
	send_last(s, code != 0 ? code : COAP_RESPONSE_CODE(500), pdu);
	coap_delete_pdu(pdu);
	obs_free(o, s);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct observe *o = arg;
	struct obs *s;
	size_t n = 0;

	/* those due now; what their answers change goes out next turn (they
	 * stay on o->due meanwhile: obs_free() takes them off there) */
	o->armed = false;
	TAILQ_FOREACH(s, &o->due, due_entry)
		n++;
	while (n-- > 0 && (s = TAILQ_FIRST(&o->due)) != NULL) {
		TAILQ_REMOVE(&o->due, s, due_entry);
		s->due = false;
		notify(o, s);
	}
	arm(o);
}
