/*
 * The orchestrator role (role: orchestrator; draft-nishizuka-dots-inter-
 * domain-mechanism §3.2, §4.1). ISP gateways register on the signal
 * channel at /.well-known/dots/register (a dotsgw extension, README.md
 * "Orchestrator"): PUT declares where their DOTS server is and what they
 * can mitigate, GET reads it back, DELETE cancels. Only peers the config
 * lists with an "upstream:" mapping without address may register; the
 * registration supplies that address, the config the credentials and the
 * expected server name. A registered ISP is an upstream like any other:
 * the relay fans requests out to every registered ISP that is up except
 * the asking one. Registrations survive restarts (store_reg_*, the
 * SQLite state store).
 */
#ifndef DOTSGW_ORCH_H
#define DOTSGW_ORCH_H

#include <stdbool.h>

#include "common/dots_msg.h"

struct gw;
struct conf_peer;
struct dots_err;
struct upstream;

struct orch *orch_new(struct gw *);
void	orch_free(struct orch *);
/* After a reload swapped the upstreams (kept ones keep their pointer). */
int	orch_reload(struct gw *);

/*
 * The registry, for the signal-channel resource (gateway/downstream/
 * register.c). Each fails with err: 4.04 when we are no orchestrator,
 * 4.03 when peer may not register.
 */
int	orch_may_register(struct gw *, const struct conf_peer *,
	    struct dots_err *);
/* peer's registration, NULL when it has none. */
const struct dots_registration *orch_registration_of(struct gw *,
	    const struct conf_peer *);
/* Check (4.22 for a served-prefix outside peer's prefixes), store (5.00)
 * and apply r, which is taken; *existed tells a new registration from a
 * repeated one. The registration as kept, or NULL with err. */
const struct dots_registration *orch_register(struct gw *,
	    const struct conf_peer *, struct dots_registration *r,
	    bool *existed, struct dots_err *err);
/* Cancelled: done whatever the state was (0), or -1 with err. */
int	orch_unregister(struct gw *, const struct conf_peer *,
	    struct dots_err *);

/* The registration of an ISP upstream, NULL when it has none. */
const struct dots_registration *orch_registration(const struct gw *,
	    const struct upstream *);

#endif
