/*
 * A list of telemetry entries keyed by (peer, cuid, id), and its store
 * mirror (tm_list.h). A peer holds a few dozen, so every walk is short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_json.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/state/tm_list.h"

void
tm_list_init(struct tm_list *l, const struct tm_kind *kind,
    struct store *store, void *arg)
{
	TAILQ_INIT(&l->head);
	l->kind = kind;
	l->store = store;
	l->arg = arg;
}

static bool
owner_is(const struct tm_ent *x, const char *peer, const char *cuid)
{
	return peer == NULL || (strcmp(x->peer, peer) == 0 &&
	    (cuid == NULL || strcmp(x->cuid, cuid) == 0));
}

static void
store_key(char *buf, size_t len, const char *prefix, const struct tm_ent *x)
{
	snprintf(buf, len, "%s%s/%s/%u", prefix, x->peer, x->cuid, x->id);
}

static void
save(struct tm_list *l, const struct tm_ent *x)
{
	struct dots_err err = { 0 };
	char key[320];
	uint8_t *buf;
	size_t len;

	store_key(key, sizeof(key), l->kind->prefix, x);
	if (dots_json_to_cbor(x->body, &buf, &len, &err) == -1) {
		log_warnx("telemetry: cannot store %s: %s", key, err.msg);
		return;
	}
	(void)store_reg_put(l->store, key, buf, len);
	free(buf);
}

static void
ent_free(struct tm_list *l, struct tm_ent *x, bool forget)
{
	char key[320];

	TAILQ_REMOVE(&l->head, x, entry);
	if (forget) {
		store_key(key, sizeof(key), l->kind->prefix, x);
		(void)store_reg_del(l->store, key);
		l->kind->tell(l, x, true);
	}
	json_decref(x->body);
	free(x->obj);
	free(x);
}

void
tm_list_clear(struct tm_list *l)
{
	while (!TAILQ_EMPTY(&l->head))
		ent_free(l, TAILQ_FIRST(&l->head), false);
}

static struct tm_ent *
ent_new(struct tm_list *l, const char *peer, const char *cuid, uint32_t id)
{
	struct tm_ent *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	snprintf(x->peer, sizeof(x->peer), "%s", peer);
	snprintf(x->cuid, sizeof(x->cuid), "%s", cuid);
	x->id = id;
	TAILQ_INSERT_TAIL(&l->head, x, entry);
	return x;
}

/* "prefix" peer "/" cuid "/" id: cuids and ids hold no '/'. */
static int
split_key(const char *key, const char *prefix, char *peer, char *cuid,
    uint32_t *id)
{
	const char *rest = key + strlen(prefix), *s1, *s2;
	char *end;
	unsigned long v;

	if ((s2 = strrchr(rest, '/')) == NULL || s2 == rest)
		return -1;
	for (s1 = s2 - 1; s1 > rest && *s1 != '/'; s1--)
		;
	if (*s1 != '/' || (size_t)(s1 - rest) > TM_PEER_MAX ||
	    (size_t)(s2 - s1 - 1) > DOTS_ID_MAX || s2 - s1 < 2)
		return -1;
	v = strtoul(s2 + 1, &end, 10);
	if (*end != '\0' || end == s2 + 1 || v > UINT32_MAX)
		return -1;
	memcpy(peer, rest, (size_t)(s1 - rest));
	peer[s1 - rest] = '\0';
	memcpy(cuid, s1 + 1, (size_t)(s2 - s1 - 1));
	cuid[s2 - s1 - 1] = '\0';
	*id = (uint32_t)v;
	return 0;
}

struct tm_ent *
tm_list_load(struct tm_list *l, const char *key, const uint8_t *v,
    size_t len)
{
	struct dots_err err = { 0 };
	char peer[TM_PEER_MAX + 1], cuid[DOTS_ID_MAX + 1];
	uint32_t id;
	json_t *j;
	struct tm_ent *x;

	if (strncmp(key, l->kind->prefix, strlen(l->kind->prefix)) != 0)
		return NULL;
	if (split_key(key, l->kind->prefix, peer, cuid, &id) == -1) {
		log_warnx("telemetry: stored key %s is malformed", key);
		return NULL;
	}
	if ((x = ent_new(l, peer, cuid, id)) == NULL ||
	    (x->obj = malloc(l->kind->obj_size)) == NULL ||
	    l->kind->decode(v, len, x->obj, &j, &err) == -1) {
		log_warnx("telemetry: stored %s: %s", key, err.msg);
		if (x != NULL)
			ent_free(l, x, false);
		return NULL;
	}
	x->body = j;
	x->at_ms = gw_now_ms();
	return x;
}

size_t
tm_list_count(struct tm_list *l, const char *peer)
{
	struct tm_ent *x;
	size_t n = 0;

	TAILQ_FOREACH(x, &l->head, entry)
		if (owner_is(x, peer, NULL))
			n++;
	return n;
}

struct tm_ent *
tm_list_next(struct tm_list *l, struct tm_ent *x, const char *peer,
    const char *cuid)
{
	for (x = x == NULL ? TAILQ_FIRST(&l->head) : TAILQ_NEXT(x, entry);
	    x != NULL; x = TAILQ_NEXT(x, entry))
		if (owner_is(x, peer, cuid))
			return x;
	return NULL;
}

struct tm_ent *
tm_list_find(struct tm_list *l, const char *peer, const char *cuid,
    uint32_t id)
{
	struct tm_ent *x = NULL;

	while ((x = tm_list_next(l, x, peer, cuid)) != NULL && x->id != id)
		;
	return x;
}

int
tm_list_quota(struct tm_list *l, const char *peer, const struct tm_ent *same,
    unsigned max, struct dots_err *err)
{
	if (same != NULL || tm_list_count(l, peer) < max)
		return 0;
	dots_errf(err, 503, "peer %s holds %u telemetry %s, its most "
	    "(telemetry: max-%s-per-peer)", peer, max, l->kind->noun,
	    l->kind->noun);
	return -1;
}

struct tm_ent *
tm_list_put(struct tm_list *l, struct tm_ent *same, const char *peer,
    const char *cuid, uint32_t id, void *obj, json_t *body,
    uint8_t hop_limit, struct dots_err *err)
{
	struct tm_ent *x, *next;

	for (x = tm_list_next(l, NULL, peer, cuid); x != NULL; x = next) {
		next = tm_list_next(l, x, peer, cuid);
		if (x != same && x->id < id && l->kind->overlap(x->obj, obj))
			ent_free(l, x, true);
	}
	if (same == NULL && (same = ent_new(l, peer, cuid, id)) == NULL) {
		dots_errf(err, 500, "out of memory");
		return NULL;
	}
	free(same->obj);
	json_decref(same->body);
	same->obj = obj;
	same->body = body;
	same->at_ms = gw_now_ms();
	same->hop_limit = hop_limit;
	save(l, same);
	l->kind->tell(l, same, false);
	return same;
}

size_t
tm_list_del(struct tm_list *l, const char *peer, const char *cuid,
    bool has_id, uint32_t id)
{
	struct tm_ent *x, *next;
	size_t n = 0;

	for (x = tm_list_next(l, NULL, peer, cuid); x != NULL; x = next) {
		next = tm_list_next(l, x, peer, cuid);
		if (!has_id || x->id == id) {
			ent_free(l, x, true);
			n++;
		}
	}
	return n;
}
