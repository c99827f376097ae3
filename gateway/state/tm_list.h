/*
 * One kind of RFC 9244 telemetry state (setups, reports): entries keyed
 * by (peer, cuid, id), each a decoded object and the body it came in,
 * mirrored in the state store's generic table as "prefix peer/cuid/id".
 * telemetry.c keeps one list per kind and adds each kind's rules
 * (overrides, tmid marks) on top; what both kinds do lives here.
 */
#ifndef DOTSGW_STATE_TM_LIST_H
#define DOTSGW_STATE_TM_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

#include "common/dots_err.h"
#include "common/dots_path.h"

#define TM_PEER_MAX	128

struct store;
struct tm_list;

struct tm_ent {
	TAILQ_ENTRY(tm_ent) entry;
	char		 peer[TM_PEER_MAX + 1];
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 id;		/* tsid or tmid */
	void		*obj;		/* malloc'ed, flat */
	json_t		*body;
	uint64_t	 at_ms;		/* gw_now_ms() of the PUT or restore */
	uint8_t		 hop_limit;	/* reports: as received, 0 = none */
};

struct tm_kind {
	const char	*prefix;	/* store key: "tm-setup:" */
	const char	*noun;		/* "setups": the quota's 5.03 */
	size_t		 obj_size;
	int		(*decode)(const uint8_t *, size_t, void *obj, json_t **,
			    struct dots_err *);
	/* a higher id overrides the lower ones of its cuid it overlaps */
	bool		(*overlap)(const void *a, const void *b);
	/* x was put (gone false) or removed */
	void		(*tell)(const struct tm_list *, const struct tm_ent *x,
			    bool gone);
};

struct tm_list {
	TAILQ_HEAD(, tm_ent) head;
	const struct tm_kind *kind;
	struct store	*store;
	void		*arg;		/* tell's */
};

void	tm_list_init(struct tm_list *, const struct tm_kind *, struct store *,
	    void *arg);
/* Frees every entry; the store keeps them. */
void	tm_list_clear(struct tm_list *);
/* A stored (key, v): the entry it restores, or NULL when the key is not
 * this kind's or is bad (logged). */
struct tm_ent *tm_list_load(struct tm_list *, const char *key,
	    const uint8_t *v, size_t len);
/* peer NULL: every entry. */
size_t	tm_list_count(struct tm_list *, const char *peer);
/* The next entry after x (NULL: the first) of peer and cuid; peer NULL:
 * any, cuid NULL: any of the peer's. */
struct tm_ent *tm_list_next(struct tm_list *, struct tm_ent *x,
	    const char *peer, const char *cuid);
struct tm_ent *tm_list_find(struct tm_list *, const char *peer,
	    const char *cuid, uint32_t id);
/* A new entry (same NULL) beyond the peer's max: -1 with 5.03. */
int	tm_list_quota(struct tm_list *, const char *peer,
	    const struct tm_ent *same, unsigned max, struct dots_err *);
/* Sets (peer, cuid, id) to obj and body (taken), in same or a new
 * entry, after removing the lower ids of the cuid obj overlaps; stores
 * and tells it. NULL with err (5.00): obj and body are the caller's. */
struct tm_ent *tm_list_put(struct tm_list *, struct tm_ent *same,
	    const char *peer, const char *cuid, uint32_t id, void *obj,
	    json_t *body, uint8_t hop_limit, struct dots_err *);
/* has_id false: all of the cuid's. Returns how many went. */
size_t	tm_list_del(struct tm_list *, const char *peer, const char *cuid,
	    bool has_id, uint32_t id);

#endif
