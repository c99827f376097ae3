/*
 * A data-channel error (RFC 8040 §7): the HTTP status, the RESTCONF
 * error-tag and an error-message, which names the node at fault. Shared
 * by every data-channel decoder (dc_json.c, dc_acl*.c) and the server.
 */
#ifndef DOTSGW_DC_ERR_H
#define DOTSGW_DC_ERR_H

#define DC_ERR_MSGLEN		256

struct dc_err {
	int		 status;	/* 400, 403, 404, 409, 413, 501 */
	const char	*tag;		/* "invalid-value", "unknown-element",
					   "missing-attribute", "malformed-
					   message", "access-denied",
					   "resource-denied",
					   "operation-not-supported" */
	char		 msg[DC_ERR_MSGLEN];
};

/* Fill err (if not NULL) and return -1. */
int	dc_errf(struct dc_err *, int status, const char *tag,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
