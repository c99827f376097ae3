/*
 * Transparent huge pages for the heap, once it is large (issue 16).
 *
 * A table of tens of thousands of DTLS sessions is a heap of hundreds of
 * MiB whose every session libcoap's walks touch: on 4 KiB pages a TLB
 * miss each. On a box that holds few sessions huge pages buy nothing,
 * and each 2 MiB of heap growth faults in at once, in the middle of a
 * request (NOTES.md, "Huge pages for the heap"). So the heap is advised
 * for them (MADV_HUGEPAGE) only once it has grown past a threshold, and
 * again as it grows on.
 */
#ifndef DOTSGW_HEAP_PAGES_H
#define DOTSGW_HEAP_PAGES_H

#include <stddef.h>

struct event_base;
struct heap_pages;

/* Watches the heap; once it is 'above' bytes it is advised (0: never,
 * and NULL is returned, as when its start is not known). */
struct heap_pages *heap_pages_new(struct event_base *, size_t above);
void	heap_pages_free(struct heap_pages *);

/* One look now (the timer's): the bytes advised so far, -1 when the
 * kernel refused (no THP: the watch stops). */
long long heap_pages_check(struct heap_pages *);

#endif
