/*
 * dotsgw-exabgp-relay SOCKET: the helper exabgp runs for dotsgwd's
 * "exabgp" mitigator back-end (gateway/mitigator_exabgp.c), from the
 * operator's exabgp.conf:
 *
 *	process dotsgw {
 *		run /usr/local/libexec/dotsgw/dotsgw-exabgp-relay
 *		    /run/exabgp/dotsgw.sock;
 *		encoder text;
 *	}
 *
 * exabgp inverts control: it starts its API helpers and reads commands
 * from their stdout, answering on their stdin. This relay listens on a
 * Unix socket (mode 0660) and passes one dotsgwd's command lines to
 * exabgp and exabgp's answer lines back. A socket, not FIFOs: each side
 * sees the other come and go (a connection), and nothing a former
 * dotsgwd left in a pipe reaches the next one.
 *
 * What keeps exabgp safe (NOTES.md, "exabgp 4.2"):
 * - exabgp writes to its helpers blocking, so stdin is always read,
 *   whether or not a dotsgwd is connected, and answers nobody waits for
 *   are dropped; a dotsgwd that stops reading (64 MiB behind) is cut off.
 * - exabgp respawns a helper that exits and, after 5 deaths within a
 *   minute, stops altogether: the relay exits only when exabgp closes its
 *   stdin, and a socket it cannot make (yet) is retried, not fatal.
 * - Only whole lines reach exabgp: the unfinished line of a dotsgwd that
 *   went away is dropped, never glued to the next one's first command.
 * - exabgp answers each command with exactly one "done" or "error" line
 *   (exabgp.api.ack, true by default), in order. The relay counts the
 *   commands it passed and the answers it saw, so that the answers still
 *   owed to a dotsgwd that went away are dropped instead of reaching the
 *   next one as answers to its own commands.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TO_EXA_MAX	(1u << 20)	/* then dotsgwd waits (socket) */
#define TO_GW_MAX	(64u << 20)	/* then dotsgwd is cut off */
#define LINE_MAX_KEPT	(1u << 20)	/* an answer line longer is cut */
#define CHUNK		65536
#define RETRY_MS	5000		/* making the socket again */

struct buf {
	char	*p;
	size_t	 off, len, cap;		/* data is p[off .. off + len) */
};

static const char *path;
static ino_t	 path_ino;		/* of the socket we made */
static int	 lsock = -1, conn = -1;
static struct buf to_exa, to_gw, line;
static unsigned long owed;	/* commands passed, not answered yet */
static unsigned long skip;	/* answers owed to a dotsgwd that left */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one write per line: exabgp's log interleaves its own */
	dprintf(2, "dotsgw-exabgp-relay: %s\n", msg);
}

static void
buf_add(struct buf *b, const char *d, size_t n)
{
	if (n == 0)
		return;		/* b->p may still be NULL */
	if (b->off > 0 && b->off + b->len + n > b->cap) {
		memmove(b->p, b->p + b->off, b->len);
		b->off = 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : CHUNK;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			say("out of memory");
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->off + b->len, d, n);
	b->len += n;
}

static void
buf_eat(struct buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

/* The bytes of to_exa that are whole lines: exabgp must never see half
 * a command. */
static size_t
whole_lines(void)
{
	const char *data;
	size_t whole = to_exa.len;

	if (whole == 0)
		return 0;	/* no pointer arithmetic on a NULL buffer */
	data = to_exa.p + to_exa.off;
	while (whole > 0 && data[whole - 1] != '\n')
		whole--;
	return whole;
}

static void
drop_client(const char *why)
{
	close(conn);
	conn = -1;
	to_gw.off = to_gw.len = 0;
	/* its whole commands still go to exabgp (it sent them); the rest
	 * of an unfinished one does not */
	to_exa.len = whole_lines();
	skip = owed;
	say("dotsgwd %s; %lu answer(s) owed to it will be dropped", why, skip);
}

/* One whole answer line from exabgp (without its '\n'). */
static void
answer(const char *s, size_t n)
{
	bool last = (n == 4 && memcmp(s, "done", 4) == 0) ||
	    (n == 5 && memcmp(s, "error", 5) == 0);

	if (last && owed > 0)
		owed--;
	if (skip > 0) {
		if (last)
			skip--;
		return;
	}
	if (conn == -1)
		return;
	buf_add(&to_gw, s, n);
	buf_add(&to_gw, "\n", 1);
	if (to_gw.len > TO_GW_MAX)
		drop_client("reads no answers (64 MiB behind)");
}

static void
from_exabgp(const char *d, size_t n)
{
	const char *nl;

	while (n > 0) {
		if ((nl = memchr(d, '\n', n)) == NULL) {
			if (line.len + n <= LINE_MAX_KEPT)
				buf_add(&line, d, n);
			return;
		}
		if (line.len == 0)
			answer(d, (size_t)(nl - d));
		else {
			if (line.len + (size_t)(nl - d) <= LINE_MAX_KEPT)
				buf_add(&line, d, (size_t)(nl - d));
			answer(line.p + line.off, line.len);
			line.off = line.len = 0;
		}
		n -= (size_t)(nl - d) + 1;
		d = nl + 1;
	}
}

static void
from_dotsgwd(const char *d, size_t n)
{
	for (const char *p = d; (p = memchr(p, '\n', (size_t)(d + n - p))) !=
	    NULL; p++)
		owed++;
	buf_add(&to_exa, d, n);
}

static void
to_stdout(void)
{
	size_t whole = whole_lines();
	ssize_t w;

	if (whole == 0)
		return;
	if ((w = write(1, to_exa.p + to_exa.off, whole)) > 0)
		buf_eat(&to_exa, (size_t)w);
	else if (w == -1 && errno != EAGAIN && errno != EINTR) {
		say("writing to exabgp: %s; exiting", strerror(errno));
		exit(1);
	}
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
make_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			say("%s exists and is not a socket", path);
			return -1;
		}
		unlink(path);	/* a former relay's: exabgp restarted */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		say("socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, 4) == -1 ||
	    stat(path, &st) == -1) {
		say("%s: %s; trying again in %d s", path, strerror(errno),
		    RETRY_MS / 1000);
		close(fd);
		return -1;
	}
	path_ino = st.st_ino;
	lsock = fd;
	say("listening on %s", path);
	return 0;
}

static void
leave(int code)
{
	struct stat st;

	/* the socket goes with us, unless a newer relay already made its
	 * own at the same path */
	if (lsock != -1 && stat(path, &st) == 0 && st.st_ino == path_ino)
		unlink(path);
	exit(code);
}

int
main(int argc, char **argv)
{
	char chunk[CHUNK];
	uint64_t retry = 0;	/* when to make the socket again */
	ssize_t n;

	if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)
	    NULL)->sun_path)) {
		say("usage: dotsgw-exabgp-relay SOCKET (at most 107 bytes)");
		/* still drain: exabgp must never block on us */
	}
	path = argc == 2 ? argv[1] : NULL;
	signal(SIGPIPE, SIG_IGN);
	if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK) == -1) {
		say("stdin/stdout: %s", strerror(errno));
		return 1;
	}
	if (path != NULL && strlen(path) >= sizeof(((struct sockaddr_un *)
	    NULL)->sun_path))
		path = NULL;
	for (;;) {
		struct pollfd pf[4] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = whole_lines() > 0 ? 1 : -1, .events = POLLOUT },
			/* one dotsgwd at a time (it owns the routes it
			 * announces): the next waits in the backlog until
			 * this one goes, whose end we may not have read yet
			 * when the next connects (a restart) */
			{ .fd = conn == -1 ? lsock : -1, .events = POLLIN },
			{ .fd = conn, .events = (to_exa.len < TO_EXA_MAX ?
			    POLLIN : 0) | (to_gw.len > 0 ? POLLOUT : 0) },
		};

		int wait = -1;

		if (lsock == -1 && path != NULL) {
			uint64_t now = now_ms();

			if (now >= retry) {
				if (make_socket() == -1)
					retry = now + RETRY_MS;
				pf[2].fd = conn == -1 ? lsock : -1;
			}
			if (lsock == -1)
				wait = (int)(retry - now);
		}
		if (poll(pf, 4, wait) == -1) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			leave(1);
		}
		if (pf[0].revents != 0) {
			if ((n = read(0, chunk, sizeof(chunk))) == 0)
				leave(0);	/* exabgp is gone */
			if (n > 0)
				from_exabgp(chunk, (size_t)n);
			else if (errno != EAGAIN && errno != EINTR) {
				say("reading from exabgp: %s", strerror(errno));
				leave(1);
			}
		}
		if (pf[1].revents & (POLLERR | POLLHUP)) {
			say("exabgp stopped reading; exiting");
			leave(1);
		}
		if (pf[1].revents & POLLOUT)
			to_stdout();
		if ((pf[2].revents & POLLIN) && (conn = accept4(lsock, NULL,
		    NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
			say("dotsgwd connected");
		if (conn == -1 || pf[3].fd != conn)
			continue;
		if (pf[3].revents & POLLIN) {
			if ((n = read(conn, chunk, sizeof(chunk))) > 0)
				from_dotsgwd(chunk, (size_t)n);
			else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				drop_client(n == 0 ? "went away" :
				    strerror(errno));
				continue;
			}
		} else if (pf[3].revents & (POLLERR | POLLHUP)) {
			drop_client("went away");
			continue;
		}
		if ((pf[3].revents & POLLOUT) && to_gw.len > 0) {
			if ((n = write(conn, to_gw.p + to_gw.off,
			    to_gw.len)) > 0)
				buf_eat(&to_gw, (size_t)n);
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				drop_client(strerror(errno));
		}
	}
}
