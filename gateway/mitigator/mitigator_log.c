/*
 * The "log" mitigator back-end: the rules are logged (by mitigator.c, as
 * the BGP back-end would announce them) and nothing else happens. Its
 * drop counters come from the counter source only.
 */
#include "gateway/mitigator/mitigator.h"

static int
logbe_init(struct mitigator *mg)
{
	return 0;
}

static void
logbe_install(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	mitigator_done(r, true);
}

static void
logbe_withdraw(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	mitigator_done(r, true);
}

static void
logbe_reconcile(struct mitigator *mg)
{
}

static void
logbe_free(struct mitigator *mg)
{
}

const struct mitigator_ops mitigator_log_ops = {
	"log", logbe_init, logbe_install, logbe_withdraw, logbe_reconcile,
	logbe_free
};
