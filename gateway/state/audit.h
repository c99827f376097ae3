/*
 * The audit log: one JSON object per line for every decision on a
 * mitigation request (who asked what, accepted or refused with which code,
 * the rule that decided, where it was sent) and for withdrawals, expiries
 * and removals. Each line is flushed as written; SIGHUP reopens the file
 * (log rotation). Off unless the configuration names a file (audit-log).
 */
#ifndef DOTSGW_AUDIT_H
#define DOTSGW_AUDIT_H

#include <coap3/coap.h>

#include "gateway/state/mitigation.h"

struct gw;
struct audit;
struct ds_request;
struct dots_scope;
struct mitigation;

/* Open gw->conf->audit_log into gw->audit (NULL when off); -1 when the
 * file cannot be opened. */
int	audit_open(struct gw *);
/* Close and open again (rotation, or a new path after a reload). */
int	audit_reopen(struct gw *);
void	audit_close(struct audit *);

/* A mitigation PUT was answered (resp holds the code): new request,
 * refresh or refusal; efficacy updates are not decisions. s is the
 * request's scope when decoded (else NULL), m the mitigation it made or
 * refreshed (else NULL). */
void	audit_put(const struct ds_request *, const coap_pdu_t *resp,
	    const struct dots_scope *s, const struct mitigation *m);
/* Something happened to an accepted mitigation: "withdrawn", "expired",
 * "terminated" (end of active-but-terminating), "replaced", "removed". */
void	audit_mitigation(struct gw *, const char *event,
	    const struct mitigation *, const char *reason);
/* The table's ending event (struct mit_events; arg is the struct gw):
 * the client's withdrawal, an expiry, the end of active-but-terminating. */
void	audit_ending(struct mitigation *, enum mit_end, void *arg);

#endif
