/*
 * CBOR decoders of the session bodies (RFC 9132 §4.5-4.7): signal-config,
 * heartbeat, redirected-signal, and dotsgw:registration (private use,
 * README.md "Orchestrator"), on the machinery of dots_codec.c.
 */
#include <string.h>

#include "dots_codec_impl.h"
#include "dots_keys.h"
#include "prefix.h"

/* Signal-config parameters in RFC 9132 Figure 20 order. */
const struct dots_cfg_desc dots_cfg_params[DOTS_CFG_NPARAMS] = {
	{ DK_HEARTBEAT_INTERVAL, DOTS_CFG_HEARTBEAT_INTERVAL, false },
	{ DK_MISSING_HB_ALLOWED, DOTS_CFG_MISSING_HB_ALLOWED, false },
	{ DK_PROBING_RATE, DOTS_CFG_PROBING_RATE, false },
	{ DK_MAX_RETRANSMIT, DOTS_CFG_MAX_RETRANSMIT, false },
	{ DK_ACK_TIMEOUT, DOTS_CFG_ACK_TIMEOUT, true },
	{ DK_ACK_RANDOM_FACTOR, DOTS_CFG_ACK_RANDOM_FACTOR, true },
};

struct cfg_ctx {
	const struct dots_cfg_desc	*cd;
	struct dots_cfg_param	*p;
};

static int
cfg_value(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	const struct dots_cfg_desc *cd = ((struct cfg_ctx *)arg)->cd;
	struct dots_cfg_param *p = ((struct cfg_ctx *)arg)->p;
	uint64_t base = cd->dec ? DK_MAX_VALUE_DECIMAL : DK_MAX_VALUE;
	uint32_t *val[] = { &p->max, &p->min, &p->cur };
	bool *has[] = { &p->has_max, &p->has_min, &p->has_cur };
	uint64_t u = 0;
	size_t i;

	if (k < base || k > base + 2)
		return 1;
	i = k - base;
	*has[i] = true;
	if (cd->dec)
		return dec_get_dec(d, k, v, val[i]);
	if (dec_get_uint(d, k, v, 65535, &u) == -1)
		return -1;
	*val[i] = (uint32_t)u;
	return 0;
}

static int
cfg_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_cfg_set *set = arg;
	struct cfg_ctx cc;
	size_t j;

	for (j = 0; j < DOTS_CFG_NPARAMS && dots_cfg_params[j].key != k; j++)
		;
	if (j == DOTS_CFG_NPARAMS)
		return 1;
	cc.cd = &dots_cfg_params[j];
	cc.p = &set->p[dots_cfg_params[j].id];
	return dec_map(d, k, v, cfg_value, &cc, NULL);
}

static int
sc_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_signal_config *sc = arg;

	switch (k) {
	case DK_SID:
		sc->has_sid = true;
		return dec_get_u32(d, k, v, &sc->sid);
	case DK_MITIGATING_CONFIG:
		sc->has_mitigating = true;
		return dec_map(d, k, v, cfg_member, &sc->mitigating, NULL);
	case DK_IDLE_CONFIG:
		sc->has_idle = true;
		return dec_map(d, k, v, cfg_member, &sc->idle, NULL);
	}
	return 1;
}

static int
dec_signal_config(struct dec *d, cbor_item_t *root,
    struct dots_signal_config *sc)
{
	cbor_item_t *c;

	if ((c = dec_top(d, root, DK_SIGNAL_CONFIG)) == NULL)
		return -1;
	return dec_walk(d, DK_SIGNAL_CONFIG, c, sc_member, sc, NULL);
}

int
dots_decode_signal_config(const uint8_t *buf, size_t len, enum dots_dir dir,
    struct dots_signal_config *out, struct dots_err *err)
{
	struct dec d = { .dir = dir, .err = err };
	cbor_item_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((root = dec_load(buf, len, err)) == NULL)
		return -1;
	rc = dec_signal_config(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	return rc;
}

struct hb_ctx {
	struct dots_heartbeat	*hb;
	bool			 seen;
};

static int
hb_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct hb_ctx *hc = arg;

	if (k != DK_PEER_HB_STATUS)
		return 1;
	hc->seen = true;
	return dec_get_bool(d, k, v, &hc->hb->peer_hb_status);
}

int
dots_decode_heartbeat(const uint8_t *buf, size_t len,
    struct dots_heartbeat *out, struct dots_err *err)
{
	struct dec d = { .dir = DOTS_REQ, .err = err };
	struct hb_ctx hc = { .hb = out };
	cbor_item_t *root, *c;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = dec_load(buf, len, err)) == NULL)
		return -1;
	if ((c = dec_top(&d, root, DK_HEARTBEAT)) == NULL)
		goto out;
	if (dec_walk(&d, DK_HEARTBEAT, c, hb_member, &hc, NULL) == -1)
		goto out;
	rc = hc.seen ? 0 : dec_bad(&d, "missing %s", DK_PEER_HB_STATUS);
out:
	cbor_decref(&root);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	return rc;
}

static int
redirect_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_redirect *r = arg;

	if (k == DK_ALT_SERVER)
		return dec_get_text(d, k, v, &r->alt_server);
	if (k == DK_ALT_SERVER_RECORD)
		return dec_get_strv(d, k, v, &r->alt_server_record);
	return 1;
}

static int
dec_redirect(struct dec *d, cbor_item_t *root, struct dots_redirect *r)
{
	cbor_item_t *c;

	if ((c = dec_top(d, root, DK_REDIRECTED_SIGNAL)) == NULL)
		return -1;
	if (dec_walk(d, DK_REDIRECTED_SIGNAL, c, redirect_member, r,
	    NULL) == -1)
		return -1;
	if (r->alt_server == NULL)
		return dec_bad(d, "missing %s", DK_ALT_SERVER);
	return 0;
}

int
dots_decode_redirect(const uint8_t *buf, size_t len,
    struct dots_redirect *out, struct dots_err *err)
{
	struct dec d = { .dir = DOTS_RESP, .err = err };
	cbor_item_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((root = dec_load(buf, len, err)) == NULL)
		return -1;
	rc = dec_redirect(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		dots_redirect_free(out);
	return rc;
}

/* ---- dotsgw:registration (private use, README.md "Orchestrator") ---- */

/* A name in a registration: short, printable, no spaces. */
static int
reg_word(struct dec *d, uint64_t k, const char *s)
{
	if (strlen(s) > DOTS_REG_MAX_TEXT)
		return dots_errf(d->err, 422, "%s longer than %d bytes",
		    dec_kd(d, k), DOTS_REG_MAX_TEXT);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return dots_errf(d->err, 422, "%s: only printable "
			    "ASCII without spaces", dec_kd(d, k));
	return 0;
}

static int
reg_list(struct dec *d, uint64_t k, cbor_item_t *v, struct strv *sv)
{
	cbor_item_t **a = NULL;
	size_t i, j, n = 0;

	if (dec_get_array(d, k, v, &a, &n) == -1)
		return -1;
	if (n > DOTS_REG_MAX_LIST)
		return dots_errf(d->err, 422, "more than %d values in %s",
		    DOTS_REG_MAX_LIST, dec_kd(d, k));
	if (dec_get_strv(d, k, v, sv) == -1)
		return -1;
	for (i = 0; i < sv->n; i++) {
		if (reg_word(d, k, sv->v[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(sv->v[j], sv->v[i]) == 0)
				return dots_errf(d->err, 422, "%s: '%s' given "
				    "twice", dec_kd(d, k), sv->v[i]);
	}
	return 0;
}

static int
reg_prefixes(struct dec *d, uint64_t k, cbor_item_t *v,
    struct dots_registration *r)
{
	cbor_item_t **a = NULL;
	size_t n = 0;

	if (dec_get_array(d, k, v, &a, &n) == -1)
		return -1;
	if (n > DOTS_REG_MAX_LIST)
		return dots_errf(d->err, 422, "more than %d values in %s",
		    DOTS_REG_MAX_LIST, dec_kd(d, k));
	return dec_prefix_array(d, k, v, 422, &r->served, &r->n_served);
}

static int
reg_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_registration *r = arg;
	struct prefix host;
	uint64_t u = 0;

	switch (k) {
	case DK_REG_SERVER_ADDRESS:
		if (dec_get_text(d, k, v, &r->server_address) == -1 ||
		    reg_word(d, k, r->server_address) == -1)
			return -1;
		if (prefix_parse_addr(r->server_address, &host) == -1)
			return dots_errf(d->err, 422, "%s '%s' is not a "
			    "numeric IPv4 or IPv6 address", dec_kd(d, k),
			    r->server_address);
		return 0;
	case DK_REG_SERVER_PORT:
		if (dec_get_uint(d, k, v, 65535, &u) == -1)
			return -1;
		if (u == 0)
			return dots_errf(d->err, 422, "%s must be 1..65535",
			    dec_kd(d, k));
		r->server_port = (uint16_t)u;
		return 0;
	case DK_REG_SERVER_TRANSPORT:
		if (dec_get_uint(d, k, v, UINT8_MAX, &u) == -1)
			return -1;
		if (u != DOTS_REG_DTLS && u != DOTS_REG_TLS)
			return dots_errf(d->err, 422, "%s must be 1 (dtls) "
			    "or 2 (tls)", dec_kd(d, k));
		r->server_transport = (uint8_t)u;
		return 0;
	case DK_REG_CAPACITY_BPS:
		return dec_get_uint(d, k, v, UINT64_MAX, &r->capacity_bps);
	case DK_REG_CAPACITY_PPS:
		return dec_get_uint(d, k, v, UINT64_MAX, &r->capacity_pps);
	case DK_REG_ATTACK_TYPE:
		return reg_list(d, k, v, &r->attack_types);
	case DK_REG_COUNTERMEASURE:
		return reg_list(d, k, v, &r->countermeasures);
	case DK_REG_THRESHOLD_BPS:
		return dec_get_uint(d, k, v, UINT64_MAX, &r->threshold_bps);
	case DK_REG_THRESHOLD_PPS:
		return dec_get_uint(d, k, v, UINT64_MAX, &r->threshold_pps);
	case DK_REG_THRESHOLD_DURATION:
		return dec_get_u32(d, k, v, &r->threshold_duration);
	case DK_REG_SERVED_PREFIX:
		return reg_prefixes(d, k, v, r);
	case DK_REG_TIME:
		if (d->dir == DOTS_REQ)
			return dec_bad(d, "%s is set by the orchestrator", k);
		return dec_get_uint(d, k, v, UINT64_MAX, &r->registration_time);
	case DK_REG_TUNNEL:
		return dec_get_text(d, k, v, &r->tunnel) == -1 ? -1 :
		    reg_word(d, k, r->tunnel);
	case DK_REG_NEXT_HOP:
		if (dec_get_text(d, k, v, &r->next_hop) == -1 ||
		    reg_word(d, k, r->next_hop) == -1)
			return -1;
		if (prefix_parse_addr(r->next_hop, &host) == -1)
			return dots_errf(d->err, 422, "%s '%s' is not a "
			    "numeric IPv4 or IPv6 address", dec_kd(d, k),
			    r->next_hop);
		return 0;
	case DK_REG_DC_CUID:
		/* set by the data channel's registration (dc_provision.c) */
		if (d->dir == DOTS_REQ)
			return dec_bad(d, "%s is set by the orchestrator", k);
		return dec_get_text(d, k, v, &r->dc_cuid);
	}
	/* strict: a registration has no optional extensions */
	return dots_errf(d->err, 400, "unexpected key %s in a registration",
	    dec_kd(d, k));
}

int
dots_decode_registration(const uint8_t *buf, size_t len, enum dots_dir dir,
    struct dots_registration *out, struct dots_err *err)
{
	struct dec d = { .dir = dir, .err = err };
	cbor_item_t *root, *c;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = dec_load(buf, len, err)) == NULL)
		return -1;
	if ((c = dec_top(&d, root, DK_REGISTRATION)) != NULL)
		rc = dec_walk(&d, DK_REGISTRATION, c, reg_member, out, NULL);
	cbor_decref(&root);
	if (rc == -1)
		dots_registration_free(out);
	return rc;
}