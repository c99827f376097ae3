/*
 * gateway/core/heap_pages.c: the heap is advised for huge pages only once
 * it has grown past the threshold, and what it grows afterwards is
 * advised at the next look (a brk area the kernel adds is a mapping of
 * its own, without the advice), also when the break shrank and grew
 * again between two looks. The advice is the "hg" of the mapping's
 * VmFlags in /proc/self/smaps. The heap is grown with sbrk() itself, as
 * malloc grows it (under ASan malloc does not use the break at all), and
 * counted from its start, what malloc took before included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gateway/core/heap_pages.h"
#include "unit.h"

#define MiB	(1024 * 1024)

/* 1: the mapping holding p is advised for huge pages, 0: not, -1: none */
static int
advised(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	uintptr_t a = (uintptr_t)p, lo, hi;
	int in = 0, r = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* a mapping's first line; its fields ("Size:") never
		 * scan as two numbers around a dash */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = a >= lo && a < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			r = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

/* The bytes of the [heap] mappings now. */
static long long
heap_size(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo, hi;
	long long n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "[heap]") != NULL &&
		    sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			n += (long long)(hi - lo);
	fclose(f);
	return n;
}

static int
thp_kernel(void)
{
	return access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) ==
	    0;
}

int
main(void)
{
	struct event_base *base = event_base_new();
	struct heap_pages *hp;
	char *start, *more;
	long long heap0 = heap_size();	/* malloc's so far; ASan's: none */

	TEST("0 MiB: never, nothing watched") {
		CHECK(heap_pages_new(base, 0) == NULL);
	}
	TEST("below the threshold the heap is left alone") {
		hp = heap_pages_new(base, (size_t)heap0 + 8 * MiB);
		CHECK(hp != NULL);
		start = sbrk(4 * MiB);
		CHECK(start != (void *)-1);
		CHECK(heap_pages_check(hp) == 0);
		CHECK(advised(start + MiB) == 0);
	}
	TEST("past it the whole heap is advised") {
		more = sbrk(8 * MiB);
		CHECK(more != (void *)-1);
		if (!thp_kernel()) {
			CHECK(heap_pages_check(hp) == -1);
		} else {
			CHECK(heap_pages_check(hp) >= heap0 + 12 * MiB);
			CHECK(advised(start + MiB) == 1);
			CHECK(advised(more + 4 * MiB) == 1);
		}
	}
	TEST("growth after a look is advised at the next one") {
		more = sbrk(2 * MiB);
		CHECK(more != (void *)-1);
		if (thp_kernel()) {
			CHECK(advised(more + MiB) == 0);
			CHECK(heap_pages_check(hp) >= heap0 + 14 * MiB);
			CHECK(advised(more + MiB) == 1);
		}
	}
	TEST("a break that shrank and grew again between looks is advised") {
		/* the regrown part is a new mapping below the last break
		 * seen */
		CHECK(sbrk(-4 * MiB) != (void *)-1);
		more = sbrk(2 * MiB);
		CHECK(more != (void *)-1);
		if (thp_kernel()) {
			CHECK(advised(more + MiB) == 0);
			CHECK(heap_pages_check(hp) >= heap0 + 12 * MiB);
			CHECK(advised(more + MiB) == 1);
		}
	}
	heap_pages_free(hp);
	event_base_free(base);
	return UNIT_EXIT();
}
