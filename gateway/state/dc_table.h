/*
 * The data channel's state (RFC 8783): registered DOTS clients (cuid,
 * the peer whose certificate registered it, cdid from a trusted gateway)
 * and their aliases, each with its expiry (pending-lifetime). Written to
 * the store's generic table ("dc-client:<cuid>", "dc-alias:<cuid>/<name>",
 * JSON values) and restored at start.
 *
 * It lives in gateway/state because two layers use it: the data channel
 * (gateway/datachannel) writes it, the signal channel's mitigation
 * requests (gateway/downstream) resolve alias-name through it.
 * Every call names the peer: another peer's clients and aliases are
 * invisible (not found).
 */
#ifndef DOTSGW_DC_TABLE_H
#define DOTSGW_DC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dc_acl.h"
#include "common/dc_json.h"
#include "common/dots_err.h"
#include "common/dots_msg.h"

struct gw;
struct dc_table;

/* NULL when out of memory; what the store holds is loaded (an entry of a
 * peer no longer configured is dropped from the store). */
struct dc_table *dc_table_new(struct gw *);
void	dc_table_free(struct dc_table *);

/* The peer name owning cuid, NULL when it is not registered. */
const char *dc_client_owner(const struct dc_table *, const char *cuid);
/* The cdid stored with cuid ("" none); NULL when not peer's. */
const char *dc_client_cdid(const struct dc_table *, const char *peer,
	    const char *cuid);
/* Register (or replace) cuid for peer; *created tells which. 409 when
 * another peer holds cuid, quota (max-clients-per-peer) 409 too. */
int	dc_client_put(struct dc_table *, const char *peer, const char *cuid,
	    const char *cdid, bool *created, struct dc_err *);
/* Deregister cuid and its aliases: 0, or -1 with 404 when not peer's. */
int	dc_client_del(struct dc_table *, const char *peer, const char *cuid,
	    struct dc_err *);

/* Create or replace alias a (taken either way) of peer's cuid, living
 * lifetime minutes from now; 409 resource-denied past the quota. */
int	dc_alias_put(struct dc_table *, const char *peer, const char *cuid,
	    struct dc_alias *a, uint32_t lifetime, bool *created,
	    struct dc_err *);
int	dc_alias_del(struct dc_table *, const char *peer, const char *cuid,
	    const char *name, struct dc_err *);
/* The alias and its pending-lifetime in minutes (rounded up); NULL when
 * peer's cuid has no such alias. */
const struct dc_alias *dc_alias_get(const struct dc_table *,
	    const char *peer, const char *cuid, const char *name,
	    int64_t *pending);
/* Each alias of peer's cuid, in creation order; stops at fn's non-zero. */
int	dc_alias_foreach(const struct dc_table *, const char *peer,
	    const char *cuid, int (*fn)(const struct dc_alias *,
	    int64_t pending, void *), void *arg);
/* How many aliases peer holds (all its cuids). */
size_t	dc_alias_count(const struct dc_table *, const char *peer);
/* Whether name is taken among the aliases of peer's cuid. */
bool	dc_alias_exists(const struct dc_table *, const char *peer,
	    const char *cuid, const char *name);

/*
 * The signal channel's alias-name (RFC 9132 §4.4.1.1): each name of
 * s->alias_name, an alias of peer's cuid, is replaced by its targets
 * (added to s's target members; duplicates kept out), and alias_name
 * emptied, so what is authorized, kept and relayed upstream names plain
 * targets. 0, or -1 with err 4.04 naming the unknown alias.
 */
int	dc_alias_expand(const struct dc_table *, const char *peer,
	    const char *cuid, struct dots_scope *s, struct dots_err *err);

/*
 * Filtering ACLs (RFC 8783 §7.3) of peer's cuid, kept in the client's
 * order (ordered-by user: RFC 8040 insert/point) under "dc-acl:<cuid>/
 * <name>" with their expiry; a deregistered client's go with it.
 */
enum dc_insert { DC_INSERT_LAST = 0, DC_INSERT_FIRST, DC_INSERT_BEFORE,
	DC_INSERT_AFTER };

/* Create or replace acl (taken either way) of peer's cuid, living
 * lifetime minutes from now. A new ACL goes where `where` says (point:
 * the name of an ACL of the same client for before/after); a replaced
 * one moves only when where is not DC_INSERT_LAST. 409 resource-denied
 * past max-acls-per-peer, 400 invalid-value for a point not found. */
int	dc_acl_put(struct dc_table *, const char *peer, const char *cuid,
	    struct dc_acl *acl, uint32_t lifetime, enum dc_insert where,
	    const char *point, bool *created, struct dc_err *);
/* 0, or -1 with 404 when peer's cuid has no such ACL. */
int	dc_acl_del(struct dc_table *, const char *peer, const char *cuid,
	    const char *name, struct dc_err *);
/* Find a client's ACL by name: NULL when peer's cuid has none of that
 * name; its pending_lifetime/has_pending are set to the minutes left. */
const struct dc_acl *dc_acl_find(const struct dc_table *, const char *peer,
	    const char *cuid, const char *name);
/* Each ACL of peer's cuid in the client's order; stops at fn's non-zero
 * and returns it. */
int	dc_acl_foreach(const struct dc_table *, const char *peer,
	    const char *cuid, int (*fn)(const struct dc_acl *, void *),
	    void *arg);
/* Each ACL of every client (peer, cuid, acl). */
int	dc_acl_walk(const struct dc_table *, int (*fn)(const char *peer,
	    const char *cuid, const struct dc_acl *, void *), void *arg);
/* RFC 9133: the signal channel changes an ACL's activation-type
 * (enum dc_activation); stored, the subscriber told. 0, or -1 with 404
 * when peer's cuid has no such ACL, 500 when the store failed. */
int	dc_acl_set_activation(struct dc_table *, const char *peer,
	    const char *cuid, const char *name, unsigned activation,
	    struct dc_err *);
/* Undo a dc_acl_set_activation() whose request failed: activation
 * (what dc_acl_find() showed before) again, the subscriber told; the
 * store written when it can be. */
void	dc_acl_put_back_activation(struct dc_table *, const char *peer,
	    const char *cuid, const char *name, unsigned activation);
/* How many ACLs peer holds (all its cuids). */
size_t	dc_acl_count(const struct dc_table *, const char *peer);

/*
 * Who acts on ACLs (the wiring in dotsgwd.c): changed after an ACL of
 * peer's cuid was created or replaced (acl) or went (acl NULL: deleted,
 * expired, its client deregistered). One subscriber.
 */
struct dc_acl_events {
	void	(*changed)(void *arg, const char *peer, const char *cuid,
		    const char *name, const struct dc_acl *acl);
	void	*arg;
};
void	dc_acl_subscribe(struct dc_table *, const struct dc_acl_events *);

#endif
