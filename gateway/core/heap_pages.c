#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "gateway/core/heap_pages.h"

/*
 * malloc moves the break by ~128 KiB at a time and touches what it got
 * at once, so advice given after a move comes too late for it: a new brk
 * area is a mapping of its own, without the advice, until the next look.
 * Past the threshold the break moves TOP_PAD at a time instead
 * (M_TOP_PAD; a trim keeps as much), and is looked at ten times a
 * second: what a handshake wave (~35 MiB/s at 3,000 sessions/s) touches
 * of a step before the look that advises it, ~5 %, stays on 4 KiB pages.
 * Below the threshold, a look a second.
 */
#define TOP_PAD	(64 << 20)
static const struct timeval slow = { 1, 0 }, fast = { 0, 100000 };

struct heap_pages {
	struct event	*ev;
	uintptr_t	 base;		/* the heap's start (page-aligned) */
	uintptr_t	 advised;	/* [base, advised) advised; 0: not yet */
	size_t		 above;
	int		 refused;
};

static void
arm(struct heap_pages *hp)
{
	evtimer_add(hp->ev, hp->advised ? &fast : &slow);
}

long long
heap_pages_check(struct heap_pages *hp)
{
	uintptr_t brk_now = (uintptr_t)sbrk(0);

	if (hp->refused)
		return -1;
	/* a break moved either way may have grown in between: its new
	 * mapping is unadvised */
	if (brk_now == (uintptr_t)-1 || brk_now <= hp->base ||
	    brk_now == hp->advised)
		return (long long)(hp->advised ? hp->advised - hp->base : 0);
	if (hp->advised == 0 && brk_now - hp->base < hp->above)
		return 0;
	if (madvise((void *)hp->base, brk_now - hp->base, MADV_HUGEPAGE) ==
	    -1) {
		/* EINVAL: a kernel without transparent huge pages */
		log_info("heap: no huge pages (madvise: %s)", strerror(errno));
		hp->refused = 1;
		return -1;
	}
	if (hp->advised == 0) {
		log_info("heap past %zu MiB: advised for huge pages",
		    hp->above >> 20);
		if (mallopt(M_TOP_PAD, TOP_PAD) != 1)
			log_warnx("heap: M_TOP_PAD refused");
	}
	hp->advised = brk_now;
	return (long long)(hp->advised - hp->base);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct heap_pages *hp = arg;

	(void)fd;
	(void)what;
	if (heap_pages_check(hp) >= 0)
		arm(hp);
}

/* The heap's start (start_brk, field 47 of /proc/self/stat), or 0. */
static uintptr_t
heap_start(void)
{
	char buf[1024], *p;
	unsigned long v = 0;
	ssize_t n;
	int fd, field;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command (field 2) may hold anything but ends at the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 47 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lu", &v) != 1)
		return 0;
	return (uintptr_t)v;
}

struct heap_pages *
heap_pages_new(struct event_base *base, size_t above)
{
	struct heap_pages *hp;
	uintptr_t start = heap_start();

	if (above == 0 || start == 0)
		return NULL;
	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return NULL;
	hp->base = start;
	hp->above = above;
	if ((hp->ev = evtimer_new(base, timer_cb, hp)) == NULL) {
		free(hp);
		return NULL;
	}
	arm(hp);
	return hp;
}

void
heap_pages_free(struct heap_pages *hp)
{
	if (hp == NULL)
		return;
	event_free(hp->ev);
	free(hp);
}
