/*
 * The resources of ietf-dots-data-channel (dots_data.c), called by the
 * HTTPS server (datachannel.c) with the authenticated peer.
 */
#ifndef DOTSGW_RESTCONF_H
#define DOTSGW_RESTCONF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/dc_json.h"

struct gw;
struct peer_rt;

struct rc_request {
	struct gw	*gw;
	const struct peer_rt *peer;
	const char	*method;	/* "GET", ... */
	const char	*path;		/* after /restconf/data/ */
	const char	*content;	/* ?content=, NULL absent */
	const char	*insert;	/* ?insert=, ?point= (RFC 8040 */
	const char	*point;		/* §4.8.5-6), NULL absent */
	const char	*if_match;	/* If-Match, If-None-Match headers, */
	const char	*if_none_match;	/* NULL absent */
	const char	*body;
	size_t		 len;
	const char	*remote;	/* the client's numeric address */
};

struct rc_reply {
	int		 status;
	json_t		*body;		/* NULL: no body */
	char		 location[512];	/* "" none */
	char		 etag[24];	/* "" none; quoted (RFC 7232) */
};

/* Fill r: a status and body, or an RFC 8040 error (rc_error). */
void	rc_dots_data(const struct rc_request *, struct rc_reply *);
void	rc_error(struct rc_reply *, const struct dc_err *);
/* rc_error() of a dc_err made of fmt with one %s (arg). */
void	rc_err(struct rc_reply *, int status, const char *tag, const char *fmt,
	    const char *arg);
/* The request's content= (RFC 8040 §4.8.1; absent: all) as DC_CONTENT_*:
 * 0, or -1 with a 400 in the reply. */
int	rc_content(const struct rc_request *, unsigned *content,
	    struct rc_reply *);

/* Filtering ACLs (dc_acls.c), below the registered cuid of q's peer:
 * name NULL for .../acls, else .../acls/acl=name. */
void	rc_acls(const struct rc_request *, const char *cuid, const char *name,
	    struct rc_reply *);
/* A POST to the dots-client whose body is ACLs (not aliases). */
bool	rc_body_is_acls(const struct rc_request *);
void	rc_acls_post(const struct rc_request *, const char *cuid,
	    struct rc_reply *);

/*
 * Entity tags (etag.c): a resource's is a hash of its configuration
 * (content=config JSON), so pending-lifetime ticking does not change it.
 * rc_etag(config, out) fills out (NULL config: ""). rc_precondition:
 * If-Match / If-None-Match of q against the resource's current tag
 * ("" when it does not exist): 0 to go on, -1 with r set to 412
 * (operation-failed), or to 304 for a GET whose If-None-Match matches.
 */
void	rc_etag(const json_t *config, char out[24]);
int	rc_precondition(const struct rc_request *, const char *etag,
	    struct rc_reply *);

#endif
