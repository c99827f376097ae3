/*
 * A minimal unit-test harness. Each CHECK prints nothing when it holds and
 * "FAIL file:line: expr" when it does not; each TEST block prints one
 * "PASS name" or "FAIL name" line that tests/run counts. main() returns
 * UNIT_EXIT(), non-zero when anything failed.
 */
#ifndef DOTSGW_UNIT_H
#define DOTSGW_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_total;
static int unit_failed_here;

#define CHECK(e) do {							\
	if (!(e)) {							\
		printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #e);	\
		unit_failed_here++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		printf("  FAIL %s:%d: \"%s\" != \"%s\"\n", __FILE__,	\
		    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
		unit_failed_here++;					\
	}								\
} while (0)

#define TEST(name)							\
	for (int unit_once_ = (unit_failed_here = 0, 1); unit_once_;	\
	    unit_once_ = 0,						\
	    printf("%s %s\n", unit_failed_here ? "FAIL" : "PASS", name), \
	    unit_failed_total += unit_failed_here != 0)

#define UNIT_EXIT() (unit_failed_total ? 1 : 0)

#endif
