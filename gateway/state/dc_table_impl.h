/*
 * Between dc_table.c (clients, aliases) and dc_table_acl.c (filtering
 * ACLs): the ACLs are their own list with their own expiry timer, which
 * the table creates after its clients are loaded and drops with a client.
 * Not for other callers.
 */
#ifndef DOTSGW_DC_TABLE_IMPL_H
#define DOTSGW_DC_TABLE_IMPL_H

struct gw;
struct dc_table;
struct dc_acl_store;

/* NULL when out of memory; loads the stored ACLs of known clients. */
struct dc_acl_store *dc_acl_store_new(struct gw *, struct dc_table *);
void	dc_acl_store_free(struct dc_acl_store *);
/* cuid deregistered: its ACLs go (store and subscriber told). */
void	dc_acl_store_drop_client(struct dc_acl_store *, const char *cuid);
struct dc_acl_store *dc_table_acls(const struct dc_table *);

#endif
