/*
 * The DOTS data channel (RFC 8783): a RESTCONF server (RFC 8040) over
 * HTTPS with mutual X.509 on the daemon's credentials, on its own port
 * ("data-channel:"). libmicrohttpd runs in the daemon's libevent loop
 * (epoll mode, no thread of its own). The client certificate maps to its
 * configured peer as on the signal channel (cert-name: a DNS SAN, else
 * the CN); any other certificate, or none, fails the handshake. A
 * client may use TLS-PSK instead: its identity is a peer's psk-identity,
 * with that peer's key, as on the signal channel.
 */
#ifndef DOTSGW_DATACHANNEL_H
#define DOTSGW_DATACHANNEL_H

struct gw;
struct datachannel;

/* NULL with the reason logged; gw->conf->data_channel.port must be set. */
struct datachannel *datachannel_start(struct gw *);
void	datachannel_free(struct datachannel *);

#endif
