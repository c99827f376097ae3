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

#include "log.h"

static const char *log_ident = "dotsgw";
static int log_verbose;

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

/* One fprintf a line: glibc writes an unbuffered stream's fprintf in one
 * write(2), so a line costs one system call and never interleaves. */
static void
vlog(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	struct timespec ts;
	struct tm tm;
	char when[32], *msg;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	fprintf(stderr, "%s.%06ldZ %s %s: %s%s%s\n", when, ts.tv_nsec / 1000,
	    log_ident, level, msg != NULL ? msg : fmt,
	    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
	free(msg);
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
