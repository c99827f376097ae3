/*
 * What dc_table.c (clients, aliases) and dc_table_acl.c (filtering ACLs)
 * share (dc_table_impl.h): records as compact JSON in the store's
 * registry, restoring them by key prefix, and an expiry timer armed at
 * the earliest of a list's deadlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/dc_json.h"
#include "gateway/state/dc_table_impl.h"
#include "gateway/state/store.h"

int
dc_store_put_json(struct store *st, const char *key, json_t *j)
{
	char *s;
	int rc;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return -1;
	}
	rc = store_reg_put(st, key, (const uint8_t *)s, strlen(s));
	free(s);
	json_decref(j);
	return rc;
}

const char *
dc_store_split_key(const char *key, char cuid[DC_CUID_MAX + 1])
{
	const char *slash = strchr(key, '/');

	if (slash == NULL || (size_t)(slash - key) > DC_CUID_MAX)
		return NULL;
	memcpy(cuid, key, (size_t)(slash - key));
	cuid[slash - key] = '\0';
	return slash + 1;
}

struct load {
	const char	*prefix;
	int		(*fn)(void *, const char *, const json_t *);
	void		*arg;
	struct dc_store_loaded *out;
	char		(*drop)[DC_STORE_KEY_MAX];	/* deleted at the end */
	size_t		 n_drop;
};

static int
load_one(const char *key, const uint8_t *v, size_t len, void *arg)
{
	struct load *l = arg;
	size_t pre = strlen(l->prefix);
	json_t *j;
	int rc;

	if (strncmp(key, l->prefix, pre) != 0)
		return 0;
	j = json_loadb((const char *)v, len, 0, NULL);
	rc = j == NULL ? -1 : l->fn(l->arg, key + pre, j);
	json_decref(j);
	if (rc == 0) {
		l->out->n++;
		return 0;
	}
	/* a peer no longer configured, a client no longer registered, or
	 * damage: forgotten */
	l->out->dropped++;
	if (strlen(key) < DC_STORE_KEY_MAX) {
		void *p = realloc(l->drop, (l->n_drop + 1) * sizeof(*l->drop));

		if (p != NULL) {
			l->drop = p;
			strcpy(l->drop[l->n_drop++], key);
		}
	}
	return 0;
}

int
dc_store_load(struct store *st, const char *prefix,
    int (*fn)(void *arg, const char *key, const json_t *), void *arg,
    struct dc_store_loaded *out)
{
	struct load l = { prefix, fn, arg, out, NULL, 0 };
	int rc;

	rc = store_reg_foreach(st, load_one, &l);
	for (size_t i = 0; i < l.n_drop; i++)
		(void)store_reg_del(st, l.drop[i]);
	free(l.drop);
	return rc;
}

int64_t
dc_store_minutes_left(int64_t expires)
{
	int64_t left = expires - (int64_t)time(NULL);

	return left <= 0 ? 0 : (left + 59) / 60;
}

void
dc_store_arm(struct event *ev, int64_t first)
{
	int64_t now = (int64_t)time(NULL);
	struct timeval tv = { 0, 0 };

	if (ev == NULL)
		return;
	if (first == INT64_MAX) {
		evtimer_del(ev);
		return;
	}
	tv.tv_sec = first > now ? (time_t)(first - now) : 0;
	evtimer_add(ev, &tv);
}
