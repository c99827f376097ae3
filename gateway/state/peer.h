/*
 * Runtime state of each configured peer (struct conf_peer is its immutable
 * configuration): the session configuration negotiated with it (RFC 9132
 * §4.5, per DOTS client, not per session), liveness from heartbeats, and
 * how many mitigations it has active.
 */
#ifndef DOTSGW_PEER_H
#define DOTSGW_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <gnutls/x509.h>

#include <coap3/coap.h>

#include "common/conf.h"
#include "common/dots_msg.h"
#include "policies/rate.h"

struct gw;

struct peer_rt {
	const struct conf_peer *conf;
	coap_bin_const_t psk_key;	/* points into conf; for libcoap */
	bool		 has_sid;
	uint32_t	 sid;
	struct dots_cfg_set idle;	/* current values only */
	struct dots_cfg_set mitigating;
	size_t		 active;	/* mitigations not yet terminated */
	bool		 up;		/* heard from within missing-hb */
	uint64_t	 last_rx_ms;	/* any request from it */
	struct pol_bucket rate;		/* its request rate */
	struct pol_bucket global_share;	/* its share of the global rate */
	size_t		 n_clients;	/* its cuids in the table */
	uint32_t	 rules;		/* mitigator.c: local rules it holds */
};

int	peers_init(struct gw *);
void	peers_free(struct gw *);
/* One peer's runtime state with the server's default session config. */
struct peer_rt *peer_new(struct gw *, const struct conf_peer *);
/* Point it at (a reloaded copy of) its configuration. */
void	peer_set_conf(struct peer_rt *, const struct conf_peer *);
struct peer_rt *peer_find(struct gw *, const char *name);
struct peer_rt *peer_by_psk_identity(struct gw *, const uint8_t *, size_t);
struct peer_rt *peer_by_cert_name(struct gw *, const char *);
/* The peer a verified client certificate names (DNS SAN, else CN). */
struct peer_rt *peer_by_cert(struct gw *, gnutls_x509_crt_t);

/* Reset the peer's session configuration to the server defaults. */
void	peer_config_reset(struct gw *, struct peer_rt *);
/* The set in force: mitigating-config while it has active mitigations. */
const struct dots_cfg_set *peer_config_current(const struct peer_rt *);
uint32_t peer_cfg(const struct peer_rt *, enum dots_cfg_param_id);

#endif
