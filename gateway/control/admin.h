/*
 * The operator's endpoints, both on the daemon's own event loop:
 *  - the control sockets (ctl_sock.h): UNIX stream sockets with a file
 *    mode, a group and a peer-credential check; `dotsctl status` and
 *    `dotsctl reload` (status only on the read-only one);
 *  - the HTTP endpoint (libevent evhttp, admin.port; 127.0.0.1 by
 *    default, loopback only unless allow-remote): GET /metrics, Prometheus
 *    text, counters only. It has no authentication, so it carries nothing
 *    else: /status and /reload answer 404 naming the control socket.
 */
#ifndef DOTSGW_ADMIN_H
#define DOTSGW_ADMIN_H

struct gw;
struct admin;

/* 0 with gw->admin set: the control sockets, and the HTTP endpoint when
 * admin.port is not 0. -1 when either cannot listen (logged: a group that
 * does not exist, a running daemon's socket in the way, a port taken). */
int	admin_start(struct gw *);
void	admin_free(struct admin *);

#endif
