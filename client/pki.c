#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/pki.h"

int
pki_files_readable(const char *ca, const char *cert, const char *key,
    char *err, size_t errlen)
{
	const char *files[] = { ca, cert, key };
	const char *what[] = { "CA", "certificate", "key" };

	for (size_t i = 0; i < 3; i++) {
		if (files[i] == NULL) {
			snprintf(err, errlen, "no %s file configured", what[i]);
			return -1;
		}
		if (access(files[i], R_OK) == -1) {
			snprintf(err, errlen, "cannot read %s: %s", files[i],
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

void
pki_setup(coap_dtls_pki_t *p, const char *ca, const char *cert,
    const char *key, coap_dtls_cn_callback_t cn_cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->version = COAP_DTLS_PKI_SETUP_VERSION;
	p->verify_peer_cert = 1;
	p->check_common_ca = 1;
	p->cert_chain_validation = 1;
	p->cert_chain_verify_depth = 3;
	p->allow_no_crl = 1;
	p->allow_expired_crl = 1;
	p->validate_cn_call_back = cn_cb;
	p->cn_call_back_arg = arg;
	p->pki_key.key_type = COAP_PKI_KEY_PEM;
	p->pki_key.key.pem.ca_file = ca;
	p->pki_key.key.pem.public_cert = cert;
	p->pki_key.key.pem.private_key = key;
}

/* Append "[, ]TYPE value" to buf (at *off); "..." once it is full. */
static void
name_add(char *buf, size_t len, size_t *off, const char *type,
    const char *fmt, ...)
{
	char v[256];
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	n = snprintf(buf + *off, len - *off, "%s%s %s", *off > 0 ? ", " : "",
	    type, v);
	if (n < 0 || (size_t)n >= len - *off) {
		/* cut: end in "..." if there is room for it */
		if (len >= 4)
			memcpy(buf + len - 4, "...", 4);
		*off = len;
		return;
	}
	*off += (size_t)n;
}

void
pki_cert_names(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	char name[256], ip[INET6_ADDRSTRLEN];
	size_t n, off = 0;
	unsigned critical;
	int type;

	if (len == 0)
		return;
	buf[0] = '\0';
	n = sizeof(name);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, name, &n) == 0)
		name_add(buf, len, &off, "CN", "%s", name);
	for (unsigned i = 0; i < 64; i++) {
		n = sizeof(name) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &n,
		    &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0 || n >= sizeof(name))
			continue;	/* one too long for us: skipped */
		name[n] = '\0';
		switch (type) {
		case GNUTLS_SAN_DNSNAME:
			name_add(buf, len, &off, "DNS", "%s", name);
			break;
		case GNUTLS_SAN_IPADDRESS:
			if ((n == 4 || n == 16) && inet_ntop(n == 4 ?
			    AF_INET : AF_INET6, name, ip, sizeof(ip)) != NULL)
				name_add(buf, len, &off, "IP", "%s", ip);
			break;
		case GNUTLS_SAN_URI:
			name_add(buf, len, &off, "URI", "%s", name);
			break;
		case GNUTLS_SAN_RFC822NAME:
			name_add(buf, len, &off, "email", "%s", name);
			break;
		default:
			break;
		}
	}
	if (off == 0)
		snprintf(buf, len, "no names");
}
