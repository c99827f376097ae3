/*
 * dotsctl's side of the control socket (gateway/control/ctl_sock.h):
 * `status` sends "status" and prints the JSON answer as tables (or as
 * is, --json), `reload` sends "reload" and prints the daemon's answer.
 * One line out, "CODE REASON" and a body back, over a UNIX stream socket.
 */
#ifndef DOTSGW_CTL_ADMIN_H
#define DOTSGW_CTL_ADMIN_H

#include <stdbool.h>

/* The daemon's default (state-dir/dotsgwd.sock) under the shipped systemd
 * unit, whose state-dir is /var/lib/dotsgw (mode 0750, group dotsgw). */
#define CTL_SOCKET_DEFAULT	"/var/lib/dotsgw/dotsgwd.sock"

/* Exit status as dotsctl's: 0 done, 1 refused (a bad config, reload on
 * the read-only socket, credentials not allowed), 2 no answer (no socket,
 * connect refused by its mode: EACCES, timeout). */
int	ctl_admin(const char *path, const char *cmd, bool json,
	    unsigned timeout_s);

/* One request line (cmd, without its newline) and the answer: 0 with the
 * code and the body (malloc'd, NUL-terminated), or -1 (said on stderr). */
int	ctl_request(const char *path, const char *cmd, unsigned timeout_s,
	    int *code, char **body);

#endif
