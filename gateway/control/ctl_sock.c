#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/control/ctl_sock.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59	/* Linux 4.13; older headers lack it */
#endif

#define CTL_TIMEOUT_S	10	/* a request is one short line */
#define CTL_BACKLOG	16
#define CTL_MAX_CONNS	32	/* at once; each lasts a request */

struct ctl_server;

struct ctl_listener {
	struct ctl_server	*srv;
	struct evconnlistener	*lev;
	char			*path;
	char			*group;		/* NULL: the daemon's */
	gid_t			 gid;
	unsigned		 mode;
	bool			 read_only;
	dev_t			 dev;		/* the file we made, */
	ino_t			 ino;		/* removed only if still ours */
};

struct ctl_conn {
	struct ctl_listener	*l;
	struct bufferevent	*bev;
	char			*refused;	/* the 403's text, or NULL */
	TAILQ_ENTRY(ctl_conn)	 entry;
};

struct ctl_server {
	struct event_base	*base;
	struct ctl_handlers	 h;
	uid_t			 uid;		/* the daemon's */
	struct ctl_listener	 l[2];		/* full, read-only */
	size_t			 n;
	TAILQ_HEAD(, ctl_conn)	 conns;
	size_t			 n_conns;
};

static void
conn_free(struct ctl_conn *c)
{
	TAILQ_REMOVE(&c->l->srv->conns, c, entry);
	c->l->srv->n_conns--;
	bufferevent_free(c->bev);	/* closes the socket */
	free(c->refused);
	free(c);
}

/* The answer is out: close. What the peer sent beyond the request is
 * read first: a UNIX socket closed with unread data resets the peer,
 * whose read of our answer would then fail (ECONNRESET). */
static void
conn_written(struct bufferevent *bev, void *arg)
{
	evutil_socket_t fd = bufferevent_getfd(bev);
	char sink[512];
	size_t total = 0;
	ssize_t n;

	while (total < 64 * 1024 &&
	    (n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
	conn_free(arg);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg);

/* "CODE REASON\n" and the body; the connection closes once it is sent. */
static void
answer(struct ctl_conn *c, const char *status, const char *body,
    size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_add_printf(out, "%s\n", status) == -1 ||
	    (len > 0 && evbuffer_add(out, body, len) == -1)) {
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, NULL, conn_written, conn_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
answer_text(struct ctl_conn *c, const char *status, const char *text)
{
	answer(c, status, text, strlen(text));
}

static void
do_status(struct ctl_conn *c)
{
	struct ctl_handlers *h = &c->l->srv->h;
	size_t len;
	char *s;

	if ((s = h->status(h->arg, &len)) == NULL) {
		answer_text(c, "500 Error", "out of memory\n");
		return;
	}
	answer(c, "200 OK", s, len);
	free(s);
}

static void
do_reload(struct ctl_conn *c)
{
	struct ctl_handlers *h = &c->l->srv->h;
	char msg[CONF_ERRLEN + 64];
	size_t len;
	int rc;

	if (c->l->read_only) {
		log_warnx("control: reload refused on the read-only socket %s",
		    c->l->path);
		answer_text(c, "403 Forbidden", "reload refused: this is the "
		    "read-only control socket (status only); reload needs "
		    "the full one (control.socket)\n");
		return;
	}
	log_info("control: reload requested on %s", c->l->path);
	rc = h->reload(h->arg, msg, sizeof(msg) - 1);
	len = strlen(msg);
	msg[len++] = '\n';
	answer(c, rc == 0 ? "200 OK" : "422 Refused", msg, len);
}

/* "usage" or "usage SINCE UNTIL" (Unix seconds, UNTIL 0: now); read
 * only, so both sockets serve it. */
static void
do_usage(struct ctl_conn *c, const char *args)
{
	struct ctl_handlers *h = &c->l->srv->h;
	long long since = 0, until = 0;
	char *end = NULL;
	size_t len;
	char *s;

	if (*args != '\0') {
		errno = 0;
		since = strtoll(args, &end, 10);
		if (errno == 0 && end != args && *end == ' ')
			until = strtoll(end, &end, 10);
	}
	if (*args != '\0' && (errno != 0 || end == NULL || *end != '\0' ||
	    since < 0 || until < 0 || (until != 0 && until <= since))) {
		answer_text(c, "400 Bad Request", "usage: want 'usage' or "
		    "'usage SINCE UNTIL' (Unix seconds, SINCE < UNTIL; UNTIL "
		    "0: now)\n");
		return;
	}
	if (h->usage == NULL ||
	    (s = h->usage(h->arg, since, until, &len)) == NULL) {
		answer_text(c, "500 Error", "out of memory\n");
		return;
	}
	answer(c, "200 OK", s, len);
	free(s);
}

static void
request(struct ctl_conn *c, const char *line)
{
	char buf[CTL_MAX_REQUEST + 64];

	if (c->refused != NULL)
		answer_text(c, "403 Forbidden", c->refused);
	else if (strcmp(line, "status") == 0)
		do_status(c);
	else if (strcmp(line, "reload") == 0)
		do_reload(c);
	else if (strncmp(line, "usage", 5) == 0 &&
	    (line[5] == '\0' || line[5] == ' '))
		do_usage(c, line + 5);
	else {
		/* the line is short (bounded) but not ours to trust */
		snprintf(buf, sizeof(buf), "unknown command '%.*s' (status, "
		    "reload)\n", CTL_MAX_REQUEST, line);
		for (char *p = buf; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n')
				*p = '?';
		answer_text(c, "400 Bad Request", buf);
	}
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		/* the read high-water mark stops reading at the bound */
		if (c->refused != NULL && evbuffer_get_length(in) >=
		    CTL_MAX_REQUEST)
			answer_text(c, "403 Forbidden", c->refused);
		else if (evbuffer_get_length(in) >= CTL_MAX_REQUEST)
			answer_text(c, "413 Too Long", "a request is one line "
			    "of at most 64 bytes (status, reload)\n");
		return;
	}
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	request(c, line);
	free(line);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char line[CTL_MAX_REQUEST + 1];
	size_t n;

	/* EOF after a request without its newline ("printf status | nc -U"):
	 * still one request */
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) &&
	    (n = evbuffer_get_length(in)) > 0 && n <= CTL_MAX_REQUEST) {
		evbuffer_remove(in, line, n);
		line[n] = '\0';
		request(c, line);
		return;
	}
	conn_free(c);
}

/* SO_PEERCRED (and SO_PEERGROUPS): root, the daemon's user, or a member of
 * the socket's group. The file mode should have let no one else in; this
 * holds even when it is wrong. */
static bool
peer_allowed(const struct ctl_listener *l, int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);
	gid_t groups[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == -1) {
		log_warn("control: %s: SO_PEERCRED", l->path);
		return false;
	}
	if (uc->uid == 0 || uc->uid == l->srv->uid || uc->gid == l->gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		/* ERANGE: more than 256 groups; ENOPROTOOPT: an old
		 * kernel. Primary group only then. */
		log_debug("control: %s: SO_PEERGROUPS: %s", l->path,
		    strerror(errno));
		return false;
	}
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == l->gid)
			return true;
	return false;
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_listener *l = arg;
	struct timeval rt = { CTL_TIMEOUT_S, 0 }, wt = { 3 * CTL_TIMEOUT_S, 0 };
	struct ctl_conn *c;
	struct ucred uc;

	if (l->srv->n_conns >= CTL_MAX_CONNS) {
		log_warnx("control: %s: %d connections open already; closing a "
		    "new one", l->path, CTL_MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(l->srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->l = l;
	TAILQ_INSERT_TAIL(&l->srv->conns, c, entry);
	l->srv->n_conns++;
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_MAX_REQUEST);
	bufferevent_set_timeouts(c->bev, &rt, &wt);
	if (!peer_allowed(l, fd, &uc)) {
		log_warnx("control: %s: refused uid %u gid %u (not root, the "
		    "daemon's user or a member of group %s)", l->path,
		    (unsigned)uc.uid, (unsigned)uc.gid, l->group ? l->group :
		    "of the daemon");
		/* answered once its request is read (conn_written) */
		if (asprintf(&c->refused, "permission denied: uid %u is not "
		    "root, the daemon's user or a member of group %s\n",
		    (unsigned)uc.uid, l->group ? l->group : "of the daemon") ==
		    -1) {
			c->refused = NULL;
			conn_free(c);
			return;
		}
	}
	bufferevent_enable(c->bev, EV_READ);
}

/* A socket file at path: none, or a dead daemon's (replaced); a live one
 * (connect succeeds) or anything but a socket is an error. */
static int
clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "control socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a "
		    "socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "control socket %s: socket: %s", path,
		    strerror(errno));
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "control socket %s: in use by a running "
		    "daemon (connect succeeded); not starting a second one",
		    path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "control socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "control socket %s: cannot remove the "
		    "stale socket: %s", path, strerror(errno));
		return -1;
	}
	log_info("control: removed the stale socket %s (no daemon behind "
	    "it)", path);
	return 0;
}

static int
listen_one(struct ctl_server *srv, struct ctl_listener *l,
    const struct conf_control_sock *c, bool read_only, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct group gr, *grp = NULL;
	char grbuf[4096];
	struct stat st;
	mode_t omask;
	int fd, rc;

	l->srv = srv;
	l->read_only = read_only;
	l->mode = c->mode;
	l->gid = getegid();
	if ((l->path = strdup(c->path)) == NULL ||
	    (c->group != NULL && (l->group = strdup(c->group)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (c->group != NULL) {
		if ((rc = getgrnam_r(c->group, &gr, grbuf, sizeof(grbuf),
		    &grp)) != 0 || grp == NULL) {
			snprintf(err, errlen, "control socket %s: group %s %s",
			    c->path, c->group, rc != 0 ? strerror(rc) :
			    "does not exist");
			return -1;
		}
		l->gid = grp->gr_gid;
	}
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: path too long",
		    c->path);
		return -1;
	}
	if (clear_stale(c->path, err, errlen) == -1)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "control socket %s: socket: %s", c->path,
		    strerror(errno));
		return -1;
	}
	/* owner only until the group and mode are set */
	omask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(omask);
	if (rc == -1) {
		snprintf(err, errlen, "control socket %s: bind: %s", c->path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (lstat(c->path, &st) == -1 ||
	    (c->group != NULL && chown(c->path, (uid_t)-1, l->gid) == -1) ||
	    chmod(c->path, (mode_t)c->mode) == -1) {
		snprintf(err, errlen, "control socket %s: cannot set group %s "
		    "and mode %04o: %s", c->path, c->group ? c->group :
		    "(the daemon's)", c->mode, strerror(errno));
		unlink(c->path);
		close(fd);
		return -1;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if ((l->lev = evconnlistener_new(srv->base, on_accept, l,
	    LEV_OPT_CLOSE_ON_FREE, CTL_BACKLOG, fd)) == NULL) {
		snprintf(err, errlen, "control socket %s: listen: %s", c->path,
		    strerror(errno));
		unlink(c->path);
		close(fd);
		return -1;
	}
	log_info("control: listening on %s (%s, mode %04o, group %s)",
	    c->path, read_only ? "read-only: status" : "status, reload",
	    c->mode, c->group ? c->group : "of the daemon");
	return 0;
}

struct ctl_server *
ctl_server_new(struct event_base *base, const struct conf_control *conf,
    const struct ctl_handlers *h, char *err, size_t errlen)
{
	struct ctl_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->base = base;
	srv->h = *h;
	srv->uid = geteuid();
	TAILQ_INIT(&srv->conns);
	if (conf->full.path != NULL) {
		if (listen_one(srv, &srv->l[srv->n++], &conf->full, false, err,
		    errlen) == -1)
			goto fail;
	}
	if (conf->ro.path != NULL) {
		if (listen_one(srv, &srv->l[srv->n++], &conf->ro, true, err,
		    errlen) == -1)
			goto fail;
	}
	return srv;
fail:
	ctl_server_free(srv);
	return NULL;
}

void
ctl_server_free(struct ctl_server *srv)
{
	struct ctl_conn *c;
	struct stat st;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		conn_free(c);
	for (size_t i = 0; i < srv->n; i++) {
		struct ctl_listener *l = &srv->l[i];

		if (l->lev != NULL) {
			evconnlistener_free(l->lev);
			/* another daemon may have replaced a file it took
			 * for stale: remove ours only */
			if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
			    st.st_ino == l->ino)
				unlink(l->path);
		}
		free(l->path);
		free(l->group);
	}
	free(srv);
}

static bool
str_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
sock_same(const struct conf_control_sock *a, const struct conf_control_sock *b)
{
	return str_same(a->path, b->path) && str_same(a->group, b->group) &&
	    a->mode == b->mode;
}

bool
ctl_conf_same(const struct conf_control *a, const struct conf_control *b)
{
	return sock_same(&a->full, &b->full) && sock_same(&a->ro, &b->ro);
}
