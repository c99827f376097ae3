/*
 * The control sockets (dotsctl status, reload): UNIX stream sockets
 * served from the daemon's libevent loop, in the manner of bgpd's control
 * socket and its restricted sibling.
 *
 * Protocol: one short request per connection, a line ("status\n",
 * "usage [SINCE UNTIL]\n" (both sockets) or
 * "reload\n", at most CTL_MAX_REQUEST bytes, within 10 s); one answer,
 * then the daemon closes. At most 32 connections are open together; a
 * further one is closed unanswered. The answer is a status line "CODE REASON\n" and a body:
 *   200 OK            status: the JSON of status.h; reload: the summary;
 *                     usage [SINCE UNTIL]: the JSON of usage_cmd.h
 *   400 Bad Request   not a command we know, or usage with bad times
 *   403 Forbidden     reload on the read-only socket, or a peer whose
 *                     credentials (SO_PEERCRED) are not allowed
 *   413 Too Long      no newline within CTL_MAX_REQUEST bytes
 *   422 Refused       reload: the new file is invalid (FILE:LINE ...)
 *   500 Error         out of memory
 *
 * Who may talk: the file mode and group of each socket decide who can
 * connect(); as defence in depth the peer's credentials are checked as
 * well, so that a wrong mode does not open it: uid 0, the daemon's uid,
 * or a member (primary or supplementary group, SO_PEERGROUPS) of the
 * socket's group (the configured one, else the daemon's).
 *
 * Lifetime: the sockets are made at start (a stale file of a dead daemon
 * is replaced; a live one, where connect() succeeds, stops the start) and
 * removed at exit when the file is still ours. A reload keeps them as
 * they are: control: needs a restart (reload.c logs it).
 */
#ifndef DOTSGW_CTL_SOCK_H
#define DOTSGW_CTL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct conf_control;
struct ctl_server;

#define CTL_MAX_REQUEST	64

/* What the sockets serve; the server knows nothing else of the daemon. */
struct ctl_handlers {
	/* The status JSON text (malloc'd, *len set); NULL when out of
	 * memory. */
	char	*(*status)(void *arg, size_t *len);
	/* 0 with a summary in msg, -1 with the error in msg. */
	int	 (*reload)(void *arg, char *msg, size_t msglen);
	void	*arg;
	/* "usage [SINCE UNTIL]": the usage JSON (usage_cmd.h), as status. */
	char	*(*usage)(void *arg, int64_t since, int64_t until,
		    size_t *len);
};

/* The sockets of conf (the full one, and the read-only one when it has a
 * path) listening on base; NULL with the reason in err (a start error:
 * a group that does not exist, a live socket in the way, ...). The
 * configuration is copied: conf may go (a reload). */
struct ctl_server *ctl_server_new(struct event_base *base,
	    const struct conf_control *conf, const struct ctl_handlers *h,
	    char *err, size_t errlen);
/* Closes every connection and removes the socket files still ours. */
void	ctl_server_free(struct ctl_server *);

/* Whether two control: sections make the same sockets. */
bool	ctl_conf_same(const struct conf_control *,
	    const struct conf_control *);

#endif
