/*
 * The data-channel client (dc_client.h): libcurl's multi interface in
 * the socket-action style. libcurl says which sockets to watch for what
 * (sock_cb) and when to wake it (timer_cb); libevent tells it when they
 * are ready; finished transfers are collected after each action and
 * reported from there, never from dcc_send().
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <curl/curl.h>

#include "gateway/upstream/dc_client.h"

struct dcc_call {
	TAILQ_ENTRY(dcc_call)	 entry;
	struct dcc		*dcc;
	uint64_t		 id;
	CURL			*easy;
	struct curl_slist	*headers;
	struct curl_slist	*resolve;
	char			*buf;		/* the answer so far */
	size_t			 len, cap;
	char			 errbuf[CURL_ERROR_SIZE];
	dcc_done_fn		*fn;
	void			*arg;
};

struct dcc {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	TAILQ_HEAD(, dcc_call)	 calls;
	uint64_t		 next_id;
	size_t			 n_sockets;	/* events sock_cb holds */
};

static void
call_free(struct dcc_call *k)
{
	if (k->easy != NULL)
		curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->headers);
	curl_slist_free_all(k->resolve);
	free(k->buf);
	free(k);
}

/* Report what finished; a callback may send or cancel others. */
static void
collect(struct dcc *c)
{
	struct dcc_call *k;
	CURLMsg *msg;
	long status;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		k = NULL;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&k) != CURLE_OK || k == NULL)
			continue;
		status = 0;
		if (msg->data.result == CURLE_OK)
			(void)curl_easy_getinfo(k->easy,
			    CURLINFO_RESPONSE_CODE, &status);
		else if (k->errbuf[0] == '\0')
			snprintf(k->errbuf, sizeof(k->errbuf), "%s",
			    curl_easy_strerror(msg->data.result));
		curl_multi_remove_handle(c->multi, k->easy);
		TAILQ_REMOVE(&c->calls, k, entry);
		k->fn(k->arg, status, k->buf != NULL ? k->buf : "", k->len,
		    status != 0 ? NULL : k->errbuf);
		call_free(k);
	}
}

static void
socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct dcc *c = arg;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	(void)curl_multi_socket_action(c->multi, fd, action, &running);
	collect(c);
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct dcc *c = arg;
	int running;

	(void)curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	collect(c);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what libcurl waits for. */
static int
sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct dcc *c = userp;
	struct event *ev = socketp;
	short flags = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL) {
			event_free(ev);
			c->n_sockets--;
		}
		(void)curl_multi_assign(c->multi, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		flags |= EV_READ;
	if (what & CURL_POLL_OUT)
		flags |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		if (event_assign(ev, c->base, fd, flags, socket_ready, c) == -1)
			return -1;
	} else {
		if ((ev = event_new(c->base, fd, flags, socket_ready,
		    c)) == NULL)
			return -1;
		c->n_sockets++;
		(void)curl_multi_assign(c->multi, fd, ev);
	}
	return event_add(ev, NULL) == -1 ? -1 : 0;
}

/* CURLMOPT_TIMERFUNCTION: wake libcurl after ms (-1: never). */
static int
timer_cb(CURLM *multi, long ms, void *userp)
{
	struct dcc *c = userp;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms < 0)
		return evtimer_del(c->timer);
	return evtimer_add(c->timer, &tv);
}

struct dcc *
dcc_new(struct event_base *base)
{
	struct dcc *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		curl_global_cleanup();
		return NULL;
	}
	c->base = base;
	TAILQ_INIT(&c->calls);
	if ((c->multi = curl_multi_init()) == NULL ||
	    (c->timer = evtimer_new(base, timer_fired, c)) == NULL) {
		dcc_free(c);
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

void
dcc_free(struct dcc *c)
{
	struct dcc_call *k;

	if (c == NULL)
		return;
	while ((k = TAILQ_FIRST(&c->calls)) != NULL) {
		TAILQ_REMOVE(&c->calls, k, entry);
		curl_multi_remove_handle(c->multi, k->easy);
		call_free(k);
	}
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);	/* its sockets: sock_cb */
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
	curl_global_cleanup();
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct dcc_call *k = arg;
	size_t len = size * n, take;
	char *nb;

	/* keep at most DCC_BODY_MAX bytes; the rest is read and dropped */
	take = k->len + len > DCC_BODY_MAX ? DCC_BODY_MAX - k->len : len;
	if (take > 0 && k->len + take + 1 > k->cap) {
		size_t cap = k->cap == 0 ? 1024 : k->cap;

		while (cap < k->len + take + 1)
			cap *= 2;
		if ((nb = realloc(k->buf, cap)) == NULL)
			return 0;	/* the transfer fails: out of memory */
		k->buf = nb;
		k->cap = cap;
	}
	if (take > 0) {
		memcpy(k->buf + k->len, data, take);
		k->len += take;
		k->buf[k->len] = '\0';
	}
	return len;
}

static bool
numeric_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

/* The easy handle for r; -1 when an option cannot be set. */
static int
setup(struct dcc_call *k, const struct dcc_req *r)
{
	const char *host = r->server_name != NULL ? r->server_name :
	    r->address;
	char url[2048], pin[512];
	bool v6 = numeric_v6(host);
	CURLcode rc = CURLE_OK;

	if (snprintf(url, sizeof(url), "https://%s%s%s:%u%s", v6 ? "[" : "",
	    host, v6 ? "]" : "", r->port, r->path) >= (int)sizeof(url))
		return -1;
	/* connect to the configured address, check the certificate
	 * against server_name (curl's own resolver never runs) */
	if (r->server_name != NULL && strcmp(r->server_name, r->address) != 0) {
		if (v6)
			return -1;	/* a name, not an address, is checked */
		if (snprintf(pin, sizeof(pin), "%s:%u:%s%s%s", host, r->port,
		    numeric_v6(r->address) ? "[" : "", r->address,
		    numeric_v6(r->address) ? "]" : "") >= (int)sizeof(pin) ||
		    (k->resolve = curl_slist_append(NULL, pin)) == NULL)
			return -1;
		rc |= curl_easy_setopt(k->easy, CURLOPT_RESOLVE, k->resolve);
	}
	if ((k->headers = curl_slist_append(NULL,
	    "Accept: application/yang-data+json")) == NULL)
		return -1;
	if (r->body != NULL && (k->headers = curl_slist_append(k->headers,
	    "Content-Type: application/yang-data+json")) == NULL)
		return -1;
	rc |= curl_easy_setopt(k->easy, CURLOPT_URL, url);
	rc |= curl_easy_setopt(k->easy, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(k->easy, CURLOPT_PROXY, "");	/* no env */
	rc |= curl_easy_setopt(k->easy, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(k->easy, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body != NULL) {
		rc |= curl_easy_setopt(k->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->len);
		rc |= curl_easy_setopt(k->easy, CURLOPT_COPYPOSTFIELDS,
		    r->body);
	}
	rc |= curl_easy_setopt(k->easy, CURLOPT_HTTPHEADER, k->headers);
	rc |= curl_easy_setopt(k->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(k->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(k->easy, CURLOPT_CAINFO, r->ca_file);
	rc |= curl_easy_setopt(k->easy, CURLOPT_CAPATH, NULL);
	rc |= curl_easy_setopt(k->easy, CURLOPT_SSLCERT, r->cert_file);
	rc |= curl_easy_setopt(k->easy, CURLOPT_SSLKEY, r->key_file);
	rc |= curl_easy_setopt(k->easy, CURLOPT_TIMEOUT_MS,
	    (long)r->timeout_ms);
	rc |= curl_easy_setopt(k->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)r->timeout_ms);
	rc |= curl_easy_setopt(k->easy, CURLOPT_WRITEFUNCTION, write_cb);
	rc |= curl_easy_setopt(k->easy, CURLOPT_WRITEDATA, k);
	rc |= curl_easy_setopt(k->easy, CURLOPT_ERRORBUFFER, k->errbuf);
	rc |= curl_easy_setopt(k->easy, CURLOPT_PRIVATE, k);
	return rc == CURLE_OK ? 0 : -1;
}

uint64_t
dcc_send(struct dcc *c, const struct dcc_req *r, dcc_done_fn *fn, void *arg)
{
	struct dcc_call *k;

	if (c == NULL || r->address == NULL || r->path == NULL ||
	    r->method == NULL || fn == NULL)
		return 0;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return 0;
	k->dcc = c;
	k->fn = fn;
	k->arg = arg;
	if ((k->easy = curl_easy_init()) == NULL || setup(k, r) == -1) {
		call_free(k);
		return 0;
	}
	k->id = ++c->next_id;
	TAILQ_INSERT_TAIL(&c->calls, k, entry);
	/* libcurl starts it from timer_cb's event, in the loop */
	if (curl_multi_add_handle(c->multi, k->easy) != CURLM_OK) {
		TAILQ_REMOVE(&c->calls, k, entry);
		call_free(k);
		return 0;
	}
	return k->id;
}

void
dcc_cancel(struct dcc *c, uint64_t id)
{
	struct dcc_call *k;

	if (c == NULL || id == 0)
		return;
	TAILQ_FOREACH(k, &c->calls, entry)
		if (k->id == id) {
			TAILQ_REMOVE(&c->calls, k, entry);
			curl_multi_remove_handle(c->multi, k->easy);
			call_free(k);
			return;
		}
}

size_t
dcc_pending(const struct dcc *c)
{
	const struct dcc_call *k;
	size_t n = 0;

	TAILQ_FOREACH(k, &c->calls, entry)
		n++;
	return n;
}
