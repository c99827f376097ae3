/*
 * CBOR encoders of DOTS signal-channel bodies: a small writer of our own,
 * so integer widths are always the shortest form and kept-aside raw
 * attributes can be spliced in as they came.
 */
#include <stdlib.h>
#include <string.h>

#include "dots_codec_impl.h"
#include "dots_keys.h"
/* ---- encoding ---- */

struct wbuf {
	uint8_t	*b;
	size_t	 len, cap;
	bool	 oom;
};

static void
w_put(struct wbuf *w, const void *p, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (w->oom || n == 0)
		return;
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 64;
		while (cap < w->len + n)
			cap *= 2;
		if ((nb = realloc(w->b, cap)) == NULL) {
			w->oom = true;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

/* The shortest head for major type mt and argument v (RFC 8949 §4.2.1). */
static void
w_head(struct wbuf *w, unsigned mt, uint64_t v)
{
	uint8_t h[9];
	size_t n, i;

	if (v < 24) {
		h[0] = (uint8_t)(mt << 5 | v);
		w_put(w, h, 1);
		return;
	}
	if (v <= 0xff)
		n = 1, h[0] = (uint8_t)(mt << 5 | 24);
	else if (v <= 0xffff)
		n = 2, h[0] = (uint8_t)(mt << 5 | 25);
	else if (v <= 0xffffffffu)
		n = 4, h[0] = (uint8_t)(mt << 5 | 26);
	else
		n = 8, h[0] = (uint8_t)(mt << 5 | 27);
	for (i = 0; i < n; i++)
		h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w_put(w, h, n + 1);
}

static void
w_text(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	w_head(w, 3, n);
	w_put(w, s, n);
}

static void
w_bool(struct wbuf *w, bool b)
{
	uint8_t c = b ? 0xf5 : 0xf4;

	w_put(w, &c, 1);
}

static void
w_dec(struct wbuf *w, uint32_t hundredths)
{
	static const uint8_t h[] = { 0xc4, 0x82, 0x21 };

	w_put(w, h, sizeof(h));
	w_head(w, 0, hundredths);
}

/* Map members go to a side buffer first: the head needs their count. */
struct wmap {
	struct wbuf	b;
	size_t		n;
};

static struct wbuf *
member(struct wmap *m, uint64_t key)
{
	m->n++;
	w_head(&m->b, 0, key);
	return &m->b;
}

static void
w_map_end(struct wbuf *w, struct wmap *m)
{
	w_head(w, 5, m->n);
	w_put(w, m->b.b, m->b.len);
	if (m->b.oom)
		w->oom = true;
	free(m->b.b);
}

static void
w_strv(struct wmap *m, uint64_t key, const struct strv *sv)
{
	struct wbuf *w;
	size_t i;

	if (sv->n == 0)
		return;
	w = member(m, key);
	w_head(w, 4, sv->n);
	for (i = 0; i < sv->n; i++)
		w_text(w, sv->v[i]);
}

static void
w_opts(struct wmap *m, const struct dots_optv *ov)
{
	size_t i;

	for (i = 0; i < ov->n; i++)
		w_put(member(m, ov->v[i].key), ov->v[i].cbor, ov->v[i].len);
}

static void
enc_targets(struct wmap *m, const struct dots_scope *s)
{
	char buf[PREFIX_STRLEN];
	struct wbuf *w, *wr;
	struct wmap r;
	size_t i;

	if (s->n_target_prefix > 0) {
		w = member(m, DK_TARGET_PREFIX);
		w_head(w, 4, s->n_target_prefix);
		for (i = 0; i < s->n_target_prefix; i++)
			w_text(w, prefix_format(&s->target_prefix[i], buf,
			    sizeof(buf)));
	}
	if (s->n_target_port_range > 0) {
		w = member(m, DK_TARGET_PORT_RANGE);
		w_head(w, 4, s->n_target_port_range);
		for (i = 0; i < s->n_target_port_range; i++) {
			memset(&r, 0, sizeof(r));
			wr = member(&r, DK_LOWER_PORT);
			w_head(wr, 0, s->target_port_range[i].lower);
			if (s->target_port_range[i].upper !=
			    s->target_port_range[i].lower)
				w_head(member(&r, DK_UPPER_PORT), 0,
				    s->target_port_range[i].upper);
			w_map_end(w, &r);
		}
	}
	if (s->n_target_protocol > 0) {
		w = member(m, DK_TARGET_PROTOCOL);
		w_head(w, 4, s->n_target_protocol);
		for (i = 0; i < s->n_target_protocol; i++)
			w_head(w, 0, s->target_protocol[i]);
	}
	w_strv(m, DK_TARGET_FQDN, &s->target_fqdn);
	w_strv(m, DK_TARGET_URI, &s->target_uri);
	w_strv(m, DK_ALIAS_NAME, &s->alias_name);
}

static void
enc_acl_list(struct wmap *m, const struct dots_scope *s)
{
	const struct dots_acl *a;
	struct wbuf *w;
	struct wmap e;
	size_t i;

	if (s->n_acl_list == 0)
		return;
	w = member(m, s->acl_list_rfc9133 ? DK_ACL_LIST_9133 : DK_ACL_LIST);
	w_head(w, 4, s->n_acl_list);
	for (i = 0; i < s->n_acl_list; i++) {
		a = &s->acl_list[i];
		memset(&e, 0, sizeof(e));
		if (a->acl_name != NULL)
			w_text(member(&e, DK_ACL_NAME), a->acl_name);
		if (a->acl_type != NULL)
			w_text(member(&e, DK_ACL_TYPE), a->acl_type);
		if (a->activation_type != 0)
			w_head(member(&e, DK_ACTIVATION_TYPE), 0,
			    a->activation_type);
		w_map_end(w, &e);
	}
}

static void enc_scope(struct wbuf *, const struct dots_scope *);

static void
enc_conflict(struct wmap *m, const struct dots_conflict *c)
{
	struct wbuf *w;
	struct wmap cm;

	if (c == NULL)
		return;
	w = member(m, DK_CONFLICT_INFORMATION);
	memset(&cm, 0, sizeof(cm));
	if (c->conflict_status != 0)
		w_head(member(&cm, DK_CONFLICT_STATUS), 0, c->conflict_status);
	if (c->conflict_cause != 0)
		w_head(member(&cm, DK_CONFLICT_CAUSE), 0, c->conflict_cause);
	if (c->has_retry_timer)
		w_head(member(&cm, DK_RETRY_TIMER), 0, c->retry_timer);
	if (c->conflict_scope != NULL)
		enc_scope(member(&cm, DK_CONFLICT_SCOPE), c->conflict_scope);
	w_map_end(w, &cm);
}

static void
enc_counters(struct wmap *m, const struct dots_scope *s)
{
	if (s->present & DOTS_SCOPE_BYTES_DROPPED)
		w_head(member(m, DK_BYTES_DROPPED), 0, s->bytes_dropped);
	if (s->present & DOTS_SCOPE_BPS_DROPPED)
		w_head(member(m, DK_BPS_DROPPED), 0, s->bps_dropped);
	if (s->present & DOTS_SCOPE_PKTS_DROPPED)
		w_head(member(m, DK_PKTS_DROPPED), 0, s->pkts_dropped);
	if (s->present & DOTS_SCOPE_PPS_DROPPED)
		w_head(member(m, DK_PPS_DROPPED), 0, s->pps_dropped);
}

/* Member order as RFC 9132 Figures 7, 14 and 16 print them. */
static void
enc_scope(struct wbuf *w, const struct dots_scope *s)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (s->present & DOTS_SCOPE_MID)
		w_head(member(&m, DK_MID), 0, s->mid);
	if (s->present & DOTS_SCOPE_MITIGATION_START)
		w_head(member(&m, DK_MITIGATION_START), 0, s->mitigation_start);
	enc_targets(&m, s);
	enc_acl_list(&m, s);
	if (s->present & DOTS_SCOPE_LIFETIME) {
		if (s->lifetime < 0)
			w_head(member(&m, DK_LIFETIME), 1, 0);
		else
			w_head(member(&m, DK_LIFETIME), 0,
			    (uint64_t)s->lifetime);
	}
	if (s->present & DOTS_SCOPE_STATUS)
		w_head(member(&m, DK_STATUS), 0, s->status);
	enc_conflict(&m, s->conflict);
	enc_counters(&m, s);
	if (s->present & DOTS_SCOPE_ATTACK_STATUS)
		w_head(member(&m, DK_ATTACK_STATUS), 0, s->attack_status);
	if (s->present & DOTS_SCOPE_TRIGGER)
		w_bool(member(&m, DK_TRIGGER_MITIGATION), s->trigger_mitigation);
	w_opts(&m, &s->opt);
	w_map_end(w, &m);
}

static int
w_finish(struct wbuf *w, uint8_t **buf, size_t *len)
{
	if (w->oom) {
		free(w->b);
		return -1;
	}
	*buf = w->b;
	*len = w->len;
	return 0;
}

/* {key: inner} around an already encoded inner map. */
static int
w_wrap(uint64_t key, struct wmap *inner, uint8_t **buf, size_t *len)
{
	struct wbuf w = { 0 };
	struct wmap top;

	memset(&top, 0, sizeof(top));
	w_map_end(member(&top, key), inner);
	w_map_end(&w, &top);
	return w_finish(&w, buf, len);
}

int
dots_encode_mitigation(const struct dots_mitigation *mi, uint8_t **buf,
    size_t *len)
{
	struct wmap m;
	struct wbuf *w;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (mi->n_scope > 0) {
		w = member(&m, DK_SCOPE);
		w_head(w, 4, mi->n_scope);
		for (i = 0; i < mi->n_scope; i++)
			enc_scope(w, &mi->scope[i]);
	}
	w_opts(&m, &mi->opt);
	return w_wrap(DK_MITIGATION_SCOPE, &m, buf, len);
}

static void
enc_cfg_param(struct wmap *m, const struct dots_cfg_desc *cd,
    const struct dots_cfg_param *p)
{
	uint64_t base = cd->dec ? DK_MAX_VALUE_DECIMAL : DK_MAX_VALUE;
	const uint32_t val[] = { p->max, p->min, p->cur };
	const bool has[] = { p->has_max, p->has_min, p->has_cur };
	struct wmap pm;
	size_t i;

	if (!p->has_max && !p->has_min && !p->has_cur)
		return;
	memset(&pm, 0, sizeof(pm));
	for (i = 0; i < 3; i++) {
		if (!has[i])
			continue;
		if (cd->dec)
			w_dec(member(&pm, base + i), val[i]);
		else
			w_head(member(&pm, base + i), 0, val[i]);
	}
	w_map_end(member(m, cd->key), &pm);
}

static void
enc_cfg_set(struct wbuf *w, const struct dots_cfg_set *set)
{
	struct wmap m;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < DOTS_CFG_NPARAMS; i++)
		enc_cfg_param(&m, &dots_cfg_params[i],
		    &set->p[dots_cfg_params[i].id]);
	w_map_end(w, &m);
}

int
dots_encode_signal_config(const struct dots_signal_config *sc, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (sc->has_sid)
		w_head(member(&m, DK_SID), 0, sc->sid);
	if (sc->has_mitigating)
		enc_cfg_set(member(&m, DK_MITIGATING_CONFIG), &sc->mitigating);
	if (sc->has_idle)
		enc_cfg_set(member(&m, DK_IDLE_CONFIG), &sc->idle);
	return w_wrap(DK_SIGNAL_CONFIG, &m, buf, len);
}

int
dots_encode_heartbeat(const struct dots_heartbeat *hb, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	w_bool(member(&m, DK_PEER_HB_STATUS), hb->peer_hb_status);
	return w_wrap(DK_HEARTBEAT, &m, buf, len);
}

int
dots_encode_redirect(const struct dots_redirect *r, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (r->alt_server != NULL)
		w_text(member(&m, DK_ALT_SERVER), r->alt_server);
	w_strv(&m, DK_ALT_SERVER_RECORD, &r->alt_server_record);
	return w_wrap(DK_REDIRECTED_SIGNAL, &m, buf, len);
}

int
dots_encode_registration(const struct dots_registration *r, uint8_t **buf,
    size_t *len)
{
	char pb[PREFIX_STRLEN];
	struct wmap m;
	struct wbuf *w;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (r->server_address != NULL)
		w_text(member(&m, DK_REG_SERVER_ADDRESS), r->server_address);
	if (r->server_port != 0)
		w_head(member(&m, DK_REG_SERVER_PORT), 0, r->server_port);
	if (r->server_transport != 0)
		w_head(member(&m, DK_REG_SERVER_TRANSPORT), 0,
		    r->server_transport);
	if (r->capacity_bps != 0)
		w_head(member(&m, DK_REG_CAPACITY_BPS), 0, r->capacity_bps);
	if (r->capacity_pps != 0)
		w_head(member(&m, DK_REG_CAPACITY_PPS), 0, r->capacity_pps);
	w_strv(&m, DK_REG_ATTACK_TYPE, &r->attack_types);
	w_strv(&m, DK_REG_COUNTERMEASURE, &r->countermeasures);
	if (r->threshold_bps != 0)
		w_head(member(&m, DK_REG_THRESHOLD_BPS), 0, r->threshold_bps);
	if (r->threshold_pps != 0)
		w_head(member(&m, DK_REG_THRESHOLD_PPS), 0, r->threshold_pps);
	if (r->threshold_duration != 0)
		w_head(member(&m, DK_REG_THRESHOLD_DURATION), 0,
		    r->threshold_duration);
	if (r->n_served > 0) {
		w = member(&m, DK_REG_SERVED_PREFIX);
		w_head(w, 4, r->n_served);
		for (i = 0; i < r->n_served; i++)
			w_text(w, prefix_format(&r->served[i], pb, sizeof(pb)));
	}
	if (r->registration_time != 0)
		w_head(member(&m, DK_REG_TIME), 0, r->registration_time);
	if (r->tunnel != NULL)
		w_text(member(&m, DK_REG_TUNNEL), r->tunnel);
	if (r->next_hop != NULL)
		w_text(member(&m, DK_REG_NEXT_HOP), r->next_hop);
	if (r->dc_cuid != NULL)
		w_text(member(&m, DK_REG_DC_CUID), r->dc_cuid);
	return w_wrap(DK_REGISTRATION, &m, buf, len);
}