/*
 * Between dc_table.c (clients, aliases) and dc_table_acl.c (filtering
 * ACLs): the ACLs are their own list with their own expiry timer, which
 * the table creates after its clients are loaded and drops with a client.
 * Not for other callers.
 */
#ifndef DOTSGW_DC_TABLE_IMPL_H
#define DOTSGW_DC_TABLE_IMPL_H

#include <stdint.h>

#include <jansson.h>

#include "common/dc_json.h"

struct event;
struct gw;
struct dc_table;
struct dc_acl_store;
struct store;

/* NULL when out of memory; loads the stored ACLs of known clients. */
struct dc_acl_store *dc_acl_store_new(struct gw *, struct dc_table *);
void	dc_acl_store_free(struct dc_acl_store *);
/* cuid deregistered: its ACLs go (store and subscriber told). */
void	dc_acl_store_drop_client(struct dc_acl_store *, const char *cuid);
struct dc_acl_store *dc_table_acls(const struct dc_table *);

/* dc_table_store.c: what both keep in the store's registry. */
#define DC_STORE_KEY_MAX	320	/* prefix, cuid, '/', name */
/* j (taken; NULL when it could not be built) as compact JSON under key. */
int	dc_store_put_json(struct store *, const char *key, json_t *j);
/* "<cuid>/<name>": cuid copied, the name returned; NULL when malformed. */
const char *dc_store_split_key(const char *key, char cuid[DC_CUID_MAX + 1]);
struct dc_store_loaded {
	size_t	 n, dropped;
};
/* Each stored record under prefix, its JSON to fn with the key after the
 * prefix; one fn refuses (-1) is deleted from the store after the walk.
 * out counts both (added to). 0, or -1 when the store could not be read. */
int	dc_store_load(struct store *, const char *prefix,
	    int (*fn)(void *arg, const char *key, const json_t *), void *arg,
	    struct dc_store_loaded *out);
/* Minutes until expires (wall clock), rounded up; 0 when past. */
int64_t	dc_store_minutes_left(int64_t expires);
/* ev (NULL: no event base) fires at first (wall clock; INT64_MAX: never). */
void	dc_store_arm(struct event *ev, int64_t first);

#endif
