/*
 * An error from a decoder or validator, ready to become a CoAP response:
 * the response code and the diagnostic payload (RFC 7252 §5.5.2).
 */
#ifndef DOTSGW_DOTS_ERR_H
#define DOTSGW_DOTS_ERR_H

#include <stdarg.h>

#define DOTS_ERR_MSGLEN 200

struct dots_err {
	int	coap;			/* e.g. 400 for 4.00, 415, 422, 401 */
	char	msg[DOTS_ERR_MSGLEN];	/* short, plain text, names the key */
};

/* Fill err (if not NULL) and return -1, so callers can "return dots_errf(...)". */
int	dots_errf(struct dots_err *err, int coap, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
