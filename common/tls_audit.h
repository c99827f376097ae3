/*
 * GnuTLS's audit log is process-wide, and the function libcoap's
 * coap_startup() installs reads every session's transport pointer as a
 * coap_session_t. The sessions of libmicrohttpd (the data channel) and of
 * libcurl-gnutls (the upstream data-channel client, dotsctl data) carry
 * something else there: their first audit line (a record that does not
 * decrypt, e.g. under a wrong PSK) crashed the process. Call this right
 * after coap_startup(): ours reads no pointer, so DTLS audit lines lose
 * the peer address libcoap added.
 */
#ifndef DOTSGW_TLS_AUDIT_H
#define DOTSGW_TLS_AUDIT_H

void	tls_audit_install(void);

#endif
