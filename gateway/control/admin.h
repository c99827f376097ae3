/*
 * The local admin endpoint: HTTP on the daemon's own event loop (libevent
 * evhttp), 127.0.0.1 by default and loopback only unless the configuration
 * says allow-remote. GET /metrics (Prometheus text), GET /status (JSON),
 * POST /reload (as SIGHUP; answers with the result). There is no
 * authentication: whoever can connect can read state and reload.
 */
#ifndef DOTSGW_ADMIN_H
#define DOTSGW_ADMIN_H

struct gw;
struct admin;

/* 0 with gw->admin set (NULL when admin.port is 0), -1 when it cannot
 * listen. */
int	admin_start(struct gw *);
void	admin_free(struct admin *);

#endif
