/*
 * dotsctl's side of the admin endpoint (gateway/admin.c): `status` reads
 * GET /status and prints it as tables (or the JSON as is), `reload` sends
 * POST /reload and prints the daemon's answer. Plain HTTP/1.0 over TCP.
 */
#ifndef DOTSGW_CTL_ADMIN_H
#define DOTSGW_CTL_ADMIN_H

#include <stdbool.h>

#define CTL_ADMIN_DEFAULT	"127.0.0.1:4647"

/* Exit status as dotsctl's: 0 done, 1 refused (e.g. a bad config), 2 no
 * answer. addr is HOST:PORT or [V6]:PORT. */
int	ctl_admin(const char *addr, const char *cmd, bool json,
	    unsigned timeout_s);

#endif
