#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw.h"
#include "gateway/state/peer.h"

uint64_t
gw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
cfg_set_defaults(const struct conf *c, struct dots_cfg_set *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		s->p[i].has_cur = true;
		s->p[i].cur = c->sig[i].def;
	}
}

void
peer_config_reset(struct gw *gw, struct peer_rt *p)
{
	p->has_sid = false;
	p->sid = 0;
	cfg_set_defaults(gw->conf, &p->idle);
	cfg_set_defaults(gw->conf, &p->mitigating);
}

int
peers_init(struct gw *gw)
{
	const struct conf *c = gw->conf;

	gw->peers = calloc(c->n_peers, sizeof(*gw->peers));
	if (gw->peers == NULL)
		return -1;
	for (size_t i = 0; i < c->n_peers; i++) {
		struct peer_rt *p;

		if ((p = peer_new(gw, &c->peers[i])) == NULL)
			return -1;
		gw->peers[gw->n_peers++] = p;
	}
	return 0;
}

struct peer_rt *
peer_new(struct gw *gw, const struct conf_peer *cp)
{
	struct peer_rt *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	peer_set_conf(p, cp);
	peer_config_reset(gw, p);
	return p;
}

void
peer_set_conf(struct peer_rt *p, const struct conf_peer *cp)
{
	p->conf = cp;
	p->psk_key.s = cp->psk_key;
	p->psk_key.length = cp->psk_key_len;
}

void
peers_free(struct gw *gw)
{
	for (size_t i = 0; i < gw->n_peers; i++)
		free(gw->peers[i]);
	free(gw->peers);
	gw->peers = NULL;
	gw->n_peers = 0;
}

/* Runtime state lives at the same index as its conf_peer. */
static struct peer_rt *
peer_of(struct gw *gw, const struct conf_peer *cp)
{
	return cp == NULL ? NULL : gw->peers[cp - gw->conf->peers];
}

struct peer_rt *
peer_find(struct gw *gw, const char *name)
{
	return peer_of(gw, conf_peer_by_name(gw->conf, name));
}

struct peer_rt *
peer_by_psk_identity(struct gw *gw, const uint8_t *id, size_t len)
{
	return peer_of(gw, conf_peer_by_psk_identity(gw->conf, id, len));
}

struct peer_rt *
peer_by_cert_name(struct gw *gw, const char *name)
{
	return peer_of(gw, conf_peer_by_cert_name(gw->conf, name));
}

/* A DNS SubjectAltName, else the subject CN, names a peer's cert-name; the
 * first that does wins (the signal and the data channel map alike). */
struct peer_rt *
peer_by_cert(struct gw *gw, gnutls_x509_crt_t crt)
{
	struct peer_rt *peer = NULL;
	char name[256];
	size_t len;

	for (unsigned i = 0; peer == NULL && i < 64; i++) {
		unsigned critical;
		int type;

		len = sizeof(name) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &len,
		    &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME && len < sizeof(name)) {
			name[len] = '\0';
			peer = peer_by_cert_name(gw, name);
		}
	}
	len = sizeof(name);
	if (peer == NULL && gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &len) == 0)
		peer = peer_by_cert_name(gw, name);
	return peer;
}

const struct dots_cfg_set *
peer_config_current(const struct peer_rt *p)
{
	return p->active > 0 ? &p->mitigating : &p->idle;
}

uint32_t
peer_cfg(const struct peer_rt *p, enum dots_cfg_param_id id)
{
	return peer_config_current(p)->p[id].cur;
}
