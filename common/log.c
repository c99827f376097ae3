/*
 * Logging to stderr with UTC timestamps. The verbosity is the only state;
 * it is set once at startup.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "dotsgw";
static int log_verbose;

/*
 * While an event loop runs (log_hold()), lines wait here and leave
 * together, one write(2) per turn of the loop: a relayed request logs
 * three, and their writes were 4 % of the relay's CPU
 * (tests/bench/README.md). Whole lines only, so they still never
 * interleave with another process's. exit() writes what waits.
 */
#define LOG_HELD_MAX	65536

static struct {
	char	  buf[LOG_HELD_MAX];
	size_t	  len;
	void	(*kick)(void *);	/* NULL: each line leaves at once */
	void	 *arg;
	int	  atexit_set;
} held;

void
log_init(const char *ident, int verbose)
{
	log_ident = ident;
	log_verbose = verbose;
}

int
log_verbosity(void)
{
	return log_verbose;
}

/* v as n digits at p, zero-padded. */
static char *
digits(char *p, long v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/*
 * "2026-12-05T04:30:18.123456Z IDENT LEVEL: " at line, as strftime's
 * "%Y-%m-%dT%H:%M:%S" and ".%06ldZ %s %s: " made it, without them (most
 * of a short line's cost); its length, 0 when it does not fit.
 */
static int
stamp(char *line, size_t len, const struct tm *tm, long us,
    const char *level)
{
	size_t li = strlen(log_ident), ll = strlen(level);
	char *p = line;

	if (tm->tm_year + 1900 < 0 || tm->tm_year + 1900 > 9999 ||
	    li + ll + 40 > len)
		return 0;
	p = digits(p, tm->tm_year + 1900, 4);
	*p++ = '-';
	p = digits(p, tm->tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm->tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm->tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm->tm_min, 2);
	*p++ = ':';
	p = digits(p, tm->tm_sec, 2);
	*p++ = '.';
	p = digits(p, us, 6);
	*p++ = 'Z';
	*p++ = ' ';
	memcpy(p, log_ident, li);
	p += li;
	*p++ = ' ';
	memcpy(p, level, ll);
	p += ll;
	*p++ = ':';
	*p++ = ' ';
	return (int)(p - line);
}

static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(STDERR_FILENO, p, n)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return;		/* nowhere to say so */
		}
		p += w;
		n -= (size_t)w;
	}
}

void
log_flush(void)
{
	int saved = errno;

	if (held.len > 0)
		write_all(held.buf, held.len);
	held.len = 0;
	errno = saved;
}

void
log_hold(void (*kick)(void *), void *arg)
{
	log_flush();
	held.kick = kick;
	held.arg = arg;
	if (kick != NULL && !held.atexit_set)
		held.atexit_set = atexit(log_flush) == 0;
}

/* A whole line: held while a loop runs, else written now. */
static void
emit(const char *line, size_t n)
{
	if (held.kick == NULL || n > sizeof(held.buf)) {
		log_flush();
		write_all(line, n);
		return;
	}
	if (held.len + n > sizeof(held.buf))
		log_flush();
	memcpy(held.buf + held.len, line, n);
	if ((held.len += n) == n)
		held.kick(held.arg);
}

/* A line is formatted once, on the stack when it fits (a relayed request
 * logs three: tests/bench/README.md), and leaves whole (emit()). */
static void
vlog(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	struct timespec ts;
	struct tm tm;
	char line[1024], *msg = NULL;
	size_t n, room;
	int h, m;
	va_list aq;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	h = stamp(line, sizeof(line), &tm, ts.tv_nsec / 1000, level);
	n = (size_t)h;
	room = sizeof(line) - n;
	va_copy(aq, ap);
	m = vsnprintf(line + n, room, fmt, aq);
	va_end(aq);
	if (m >= 0 && (size_t)m < room)
		n += (size_t)m;
	else {
		/* longer than the stack's line: the heap's */
		if (vasprintf(&msg, fmt, ap) == -1)
			msg = NULL;
		log_flush();
		fprintf(stderr, "%.*s%s%s%s\n", h, line,
		    msg != NULL ? msg : fmt, suffix != NULL ? ": " : "",
		    suffix != NULL ? suffix : "");
		free(msg);
		return;
	}
	if (suffix != NULL)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ": %s",
		    suffix);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;	/* the suffix was cut */
	line[n++] = '\n';
	emit(line, n);
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog("debug", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
