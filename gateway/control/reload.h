/*
 * Configuration reload (SIGHUP, or `dotsctl reload` on the control socket).
 *
 * The file is loaded and validated in full first; an invalid file changes
 * nothing (the error, FILE:LINE, is logged and returned). Then every
 * holder of a pointer into the old struct conf is re-pointed in one go,
 * with no event handled in between:
 *
 *  - peers still there (by name) keep their runtime state: sessions,
 *    mitigations, negotiated signal configuration, heartbeat state, rate
 *    bucket; their new policy applies to new requests (mitigations already
 *    accepted stay);
 *  - added peers start fresh;
 *  - removed peers: their mitigations are withdrawn (upstream too) and
 *    removed at once (audit "removed"; observers get 4.04), their
 *    sessions closed (server_unbind_peer);
 *  - upstream peers added get a session, removed ones are withdrawn from
 *    and closed; one whose address, transport or credentials changed gets
 *    a new session;
 *  - what needs a restart (listen, credentials, node-id, state-dir, admin,
 *    control, the mitigator type) is logged and the old value kept;
 *  - the audit log is reopened (a new path, or rotation).
 */
#ifndef DOTSGW_RELOAD_H
#define DOTSGW_RELOAD_H

#include <stddef.h>

struct gw;

/* 0 with a summary in msg, or -1 with the error in msg. */
int	gw_reload(struct gw *, char *msg, size_t msglen);

#endif
