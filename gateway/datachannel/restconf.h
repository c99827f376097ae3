/*
 * The resources of ietf-dots-data-channel (dots_data.c), called by the
 * HTTPS server (datachannel.c) with the authenticated peer.
 */
#ifndef DOTSGW_RESTCONF_H
#define DOTSGW_RESTCONF_H

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
	const char	*body;
	size_t		 len;
	const char	*remote;	/* the client's numeric address */
};

struct rc_reply {
	int		 status;
	json_t		*body;		/* NULL: no body */
	char		 location[512];	/* "" none */
};

/* Fill r: a status and body, or an RFC 8040 error (rc_error). */
void	rc_dots_data(const struct rc_request *, struct rc_reply *);
void	rc_error(struct rc_reply *, const struct dc_err *);

#endif
