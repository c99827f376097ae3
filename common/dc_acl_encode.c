/*
 * RFC 8783 ACLs to their JSON (common/dc_acl.h): what was decoded, in the
 * YANG's order, leaves absent stay absent. Identities without module
 * prefix, rate-limit with its 2 fraction digits ("20.00"), as the RFC's
 * examples print them, so a PUT body comes back from GET as it was sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dc_acl_impl.h"
#include "dc_json.h"

/* json_object_set_new that remembers a failure: *ok false */
static void
put(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		*ok = false;
}

static void
put_bits(json_t *o, const char *key, const struct dc_bit *t, unsigned v,
    bool *ok)
{
	char buf[96];

	dc_bits_format(t, v, buf, sizeof(buf));
	put(o, key, json_string(buf), ok);
}

static void
put_b64(json_t *o, const char *key, const uint8_t *b, size_t n, bool *ok)
{
	char buf[4 * ((DC_ROH_MAX + 2) / 3) + 1];

	dc_b64_encode(b, n, buf);
	put(o, key, json_string(buf), ok);
}

static void
put_prefix(json_t *o, const char *key, const struct prefix *p, bool *ok)
{
	char buf[PREFIX_STRLEN];

	put(o, key, json_string(prefix_format(p, buf, sizeof(buf))), ok);
}

static json_t *
enc_ip(const struct dc_ip *m, bool v6, bool *ok)
{
	json_t *o = json_object(), *f;

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	if (m->has & DC_IP_DSCP)
		put(o, "dscp", json_integer(m->dscp), ok);
	if (m->has & DC_IP_ECN)
		put(o, "ecn", json_integer(m->ecn), ok);
	if (m->has & DC_IP_LENGTH)
		put(o, "length", json_integer(m->length), ok);
	if (m->has & DC_IP_TTL)
		put(o, "ttl", json_integer(m->ttl), ok);
	if (m->has & DC_IP_PROTOCOL)
		put(o, "protocol", json_integer(m->protocol), ok);
	if (m->has & DC_IP_IHL)
		put(o, "ihl", json_integer(m->ihl), ok);
	if (m->has & DC_IP_FLAGS)
		put_bits(o, "flags", dc_ipflag_bits, m->flags, ok);
	if (m->has & DC_IP_OFFSET)
		put(o, "offset", json_integer(m->offset), ok);
	if (m->has & DC_IP_IDENT)
		put(o, "identification", json_integer(m->identification), ok);
	if (m->has & DC_IP_DST)
		put_prefix(o, v6 ? "destination-ipv6-network" :
		    "destination-ipv4-network", &m->dst, ok);
	if (m->has & DC_IP_SRC)
		put_prefix(o, v6 ? "source-ipv6-network" :
		    "source-ipv4-network", &m->src, ok);
	if (m->has & DC_IP_FLOW)
		put(o, "flow-label", json_integer(m->flow_label), ok);
	if (m->has & DC_IP_FRAG) {
		put(o, "fragment", f = json_object(), ok);
		if (f != NULL && (m->has & DC_IP_FRAG_OP))
			put_bits(f, "operator", dc_op_bits, m->frag_op, ok);
		if (f != NULL)
			put_bits(f, "type", dc_frag_bits, m->frag_type, ok);
	}
	return o;
}

static void
put_port(json_t *o, const char *key, const struct dc_port *p, bool *ok)
{
	static const char *const ops[] = { "", "", "lte", "gte", "eq", "neq" };
	json_t *x;

	if (p->op == DC_PORT_NONE)
		return;
	put(o, key, x = json_object(), ok);
	if (x == NULL)
		return;
	if (p->op == DC_PORT_RANGE) {
		put(x, "lower-port", json_integer(p->lower), ok);
		put(x, "upper-port", json_integer(p->upper), ok);
		return;
	}
	if (p->has_op)
		put(x, "operator", json_string(ops[p->op]), ok);
	put(x, "port", json_integer(p->lower), ok);
}

static json_t *
enc_tcp(const struct dc_ace *a, bool *ok)
{
	const struct dc_tcp *t = &a->tcp;
	json_t *o = json_object(), *fb;

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	if (t->has & DC_TCP_SEQ)
		put(o, "sequence-number", json_integer(t->seq), ok);
	if (t->has & DC_TCP_ACK)
		put(o, "acknowledgement-number", json_integer(t->ack), ok);
	if (t->has & DC_TCP_DOFF)
		put(o, "data-offset", json_integer(t->data_offset), ok);
	if (t->has & DC_TCP_RSVD)
		put(o, "reserved", json_integer(t->reserved), ok);
	if (t->has & DC_TCP_FLAGS)
		put_bits(o, "flags", dc_tcpflag_bits, t->flags, ok);
	if (t->has & DC_TCP_WINDOW)
		put(o, "window-size", json_integer(t->window), ok);
	if (t->has & DC_TCP_URGENT)
		put(o, "urgent-pointer", json_integer(t->urgent), ok);
	if (t->has & DC_TCP_OPTIONS)
		put_b64(o, "options", t->options, t->n_options, ok);
	if (t->has & DC_TCP_FBMASK) {
		put(o, "flags-bitmask", fb = json_object(), ok);
		if (fb != NULL && (t->has & DC_TCP_FB_OP))
			put_bits(fb, "operator", dc_op_bits, t->fb_op, ok);
		if (fb != NULL)
			put(fb, "bitmask", json_integer(t->fb_mask), ok);
	}
	put_port(o, "source-port-range-or-operator", &a->sport, ok);
	put_port(o, "destination-port-range-or-operator", &a->dport, ok);
	return o;
}

static json_t *
enc_matches(const struct dc_ace *a, bool *ok)
{
	json_t *m = json_object(), *o;

	if (m == NULL) {
		*ok = false;
		return NULL;
	}
	if (a->l3 != 0)
		put(m, a->l3 == 6 ? "ipv6" : "ipv4", enc_ip(&a->ip, a->l3 == 6,
		    ok), ok);
	switch (a->l4) {
	case DC_L4_TCP:
		put(m, "tcp", enc_tcp(a, ok), ok);
		break;
	case DC_L4_UDP:
		put(m, "udp", o = json_object(), ok);
		if (o == NULL)
			break;
		if (a->has_udp_length)
			put(o, "length", json_integer(a->udp_length), ok);
		put_port(o, "source-port-range-or-operator", &a->sport, ok);
		put_port(o, "destination-port-range-or-operator", &a->dport,
		    ok);
		break;
	case DC_L4_ICMP:
		put(m, "icmp", o = json_object(), ok);
		if (o == NULL)
			break;
		if (a->icmp_has & DC_ICMP_TYPE)
			put(o, "type", json_integer(a->icmp_type), ok);
		if (a->icmp_has & DC_ICMP_CODE)
			put(o, "code", json_integer(a->icmp_code), ok);
		if (a->icmp_has & DC_ICMP_ROH)
			put_b64(o, "rest-of-header", a->roh, a->n_roh, ok);
		break;
	}
	return m;
}

static json_t *
enc_ace(const struct dc_ace *a, bool *ok)
{
	json_t	*o = json_object(), *act;
	char	 buf[32];

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	put(o, "name", json_string(a->name), ok);
	if (a->has_matches)
		put(o, "matches", enc_matches(a, ok), ok);
	if (a->forwarding != 0) {
		put(o, "actions", act = json_object(), ok);
		if (act != NULL)
			put(act, "forwarding", json_string(
			    dc_forwarding_name(a->forwarding)), ok);
		if (act != NULL && a->has_rate) {
			snprintf(buf, sizeof(buf), "%" PRIu64 ".%02u",
			    a->rate_centi / 100,
			    (unsigned)(a->rate_centi % 100));
			put(act, "rate-limit", json_string(buf), ok);
		}
	}
	return o;
}

static json_t *
enc_acl(const struct dc_acl *a, bool *ok)
{
	json_t *o = json_object(), *aces, *arr;

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	put(o, "name", json_string(a->name), ok);
	if (a->type != DC_TYPE_NONE)
		put(o, "type", json_string(dc_acl_type_name(a->type)), ok);
	if (a->activation != 0)
		put(o, "activation-type", json_string(
		    dc_activation_name(a->activation)), ok);
	if (a->has_pending)
		put(o, "pending-lifetime", json_integer(a->pending_lifetime),
		    ok);
	if (!a->has_aces)
		return o;
	put(o, "aces", aces = json_object(), ok);
	if (aces == NULL || a->n_aces == 0)
		return o;
	put(aces, "ace", arr = json_array(), ok);
	for (size_t i = 0; arr != NULL && i < a->n_aces; i++)
		if (json_array_append_new(arr, enc_ace(&a->aces[i], ok)) == -1)
			*ok = false;
	return o;
}

json_t *
dc_acls_encode(const struct dc_acls *l)
{
	json_t	*root = json_object(), *acls = json_object(),
		*arr = json_array();
	bool	 ok = root != NULL && acls != NULL && arr != NULL;

	if (!ok) {
		json_decref(root);
		json_decref(acls);
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; i < l->n; i++)
		if (json_array_append_new(arr, enc_acl(&l->v[i], &ok)) == -1)
			ok = false;
	put(acls, "acl", arr, &ok);
	put(root, DC_ACLS_ROOT, acls, &ok);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* nonconfig: the name, pending-lifetime, and each ace's name (the
 * statistics RFC 8783 adds are not kept: flowspec speakers count none) */
static json_t *
enc_nonconfig(const struct dc_acl *a, bool *ok)
{
	json_t *o = json_object(), *aces, *arr, *e;

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	put(o, "name", json_string(a->name), ok);
	if (a->has_pending)
		put(o, "pending-lifetime", json_integer(a->pending_lifetime),
		    ok);
	if (a->n_aces == 0)
		return o;
	put(o, "aces", aces = json_object(), ok);
	if (aces == NULL)
		return o;
	put(aces, "ace", arr = json_array(), ok);
	for (size_t i = 0; arr != NULL && i < a->n_aces; i++) {
		e = json_pack("{s:s}", "name", a->aces[i].name);
		if (e == NULL || json_array_append_new(arr, e) == -1)
			*ok = false;
	}
	return o;
}

json_t *
dc_acl_encode_one(const struct dc_acl *a, unsigned content)
{
	struct dc_acl	 cfg;
	json_t		*o;
	bool		 ok = true;

	if ((content & DC_CONTENT_ALL) == DC_CONTENT_NONCONFIG)
		o = enc_nonconfig(a, &ok);
	else if (content & DC_CONTENT_NONCONFIG)
		o = enc_acl(a, &ok);
	else {
		cfg = *a;
		cfg.has_pending = false;
		o = enc_acl(&cfg, &ok);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}
