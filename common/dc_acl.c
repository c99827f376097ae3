/*
 * RFC 8783 ACLs: names, bits, base64, defaults, freeing (common/dc_acl.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dc_acl_impl.h"

const struct dc_bit dc_op_bits[] = {
	{ "not", DC_OP_NOT }, { "match", DC_OP_MATCH }, { "any", DC_OP_ANY },
	{ NULL, 0 }
};
const struct dc_bit dc_frag_bits[] = {
	{ "df", DC_FRAG_DF }, { "isf", DC_FRAG_ISF }, { "ff", DC_FRAG_FF },
	{ "lf", DC_FRAG_LF }, { NULL, 0 }
};
const struct dc_bit dc_ipflag_bits[] = {
	{ "reserved", DC_IPF_RESERVED }, { "fragment", DC_IPF_FRAGMENT },
	{ "more", DC_IPF_MORE }, { NULL, 0 }
};
const struct dc_bit dc_tcpflag_bits[] = {
	{ "cwr", DC_TCPF_CWR }, { "ece", DC_TCPF_ECE }, { "urg", DC_TCPF_URG },
	{ "ack", DC_TCPF_ACK }, { "psh", DC_TCPF_PSH }, { "rst", DC_TCPF_RST },
	{ "syn", DC_TCPF_SYN }, { "fin", DC_TCPF_FIN }, { NULL, 0 }
};

void
dc_bits_format(const struct dc_bit *t, unsigned v, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; t->name != NULL; t++)
		if ((v & t->bit) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? " " : "", t->name);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
dc_b64_encode(const uint8_t *in, size_t n, char *buf)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		buf[o++] = b64[v >> 18];
		buf[o++] = b64[(v >> 12) & 63];
		buf[o++] = b64[(v >> 6) & 63];
		buf[o++] = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 |
		    (i + 1 < n ? in[i + 1] << 8 : 0);

		buf[o++] = b64[v >> 18];
		buf[o++] = b64[(v >> 12) & 63];
		buf[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		buf[o++] = '=';
	}
	buf[o] = '\0';
}

int
dc_b64_decode(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s), i, pad = 0;

	*n = 0;
	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad > max)
		return -1;
	for (i = 0; i < len; i += 4) {
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			const char *p;

			if (s[i + j] == '=' && i + 4 == len && j >= 4 - pad) {
				v <<= 6;
				continue;
			}
			if (s[i + j] == '\0' ||
			    (p = strchr(b64, s[i + j])) == NULL)
				return -1;
			v = v << 6 | (uint32_t)(p - b64);
		}
		out[(*n)++] = (uint8_t)(v >> 16);
		if (i + 4 < len || pad < 2)
			out[(*n)++] = (uint8_t)(v >> 8);
		if (i + 4 < len || pad < 1)
			out[(*n)++] = (uint8_t)v;
	}
	/* canonical: the bits a padded group drops must be zero, so that
	 * the text we encode back is the text we were given */
	{
		char	 again[4 * ((DC_ROH_MAX + 2) / 3) + 1];

		if (*n > DC_ROH_MAX)
			return -1;
		dc_b64_encode(out, *n, again);
		if (strcmp(again, s) != 0)
			return -1;
	}
	return 0;
}

const char *
dc_acl_type_name(unsigned t)
{
	return t == DC_TYPE_IPV4 ? "ipv4-acl-type" :
	    t == DC_TYPE_IPV6 ? "ipv6-acl-type" : "";
}

const char *
dc_activation_name(unsigned a)
{
	switch (a) {
	case DC_ACT_WHEN_MITIGATING:
		return "activate-when-mitigating";
	case DC_ACT_IMMEDIATE:
		return "immediate";
	case DC_ACT_DEACTIVATE:
		return "deactivate";
	default:
		return "";
	}
}

const char *
dc_forwarding_name(unsigned f)
{
	switch (f) {
	case DC_FWD_ACCEPT:
		return "accept";
	case DC_FWD_DROP:
		return "drop";
	case DC_FWD_REJECT:
		return "reject";
	default:
		return "";
	}
}

enum dc_activation
dc_acl_activation(const struct dc_acl *a)
{
	return a->activation ? (enum dc_activation)a->activation :
	    DC_ACT_WHEN_MITIGATING;
}

void
dc_acl_free(struct dc_acl *a)
{
	free(a->aces);
	a->aces = NULL;
	a->n_aces = 0;
}

void
dc_acls_free(struct dc_acls *l)
{
	for (size_t i = 0; i < l->n; i++)
		dc_acl_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

size_t
dc_port_ranges(const struct dc_port *p, struct port_range out[2])
{
	size_t n = 0;

	switch (p->op) {
	case DC_PORT_RANGE:
	case DC_PORT_EQ:
		out[n++] = (struct port_range){ p->lower, p->upper };
		break;
	case DC_PORT_LTE:
		out[n++] = (struct port_range){ 0, p->lower };
		break;
	case DC_PORT_GTE:
		out[n++] = (struct port_range){ p->lower, 65535 };
		break;
	case DC_PORT_NEQ:
		if (p->lower > 0)
			out[n++] = (struct port_range){ 0,
			    (uint16_t)(p->lower - 1) };
		if (p->lower < 65535)
			out[n++] = (struct port_range){
			    (uint16_t)(p->lower + 1), 65535 };
		break;
	}
	return n;
}

uint8_t
dc_ace_protocol(const struct dc_ace *a, unsigned type)
{
	if (a->l3 != 0 && (a->ip.has & DC_IP_PROTOCOL))
		return a->ip.protocol;
	switch (a->l4) {
	case DC_L4_TCP:
		return 6;
	case DC_L4_UDP:
		return 17;
	case DC_L4_ICMP:
		return type == DC_TYPE_IPV6 ? 58 : type == DC_TYPE_IPV4 ? 1 : 0;
	default:
		return 0;
	}
}

int
dc_ace_family(const struct dc_acl *acl, const struct dc_ace *a)
{
	if (a->l3 != 0)
		return a->l3 == 6 ? AF_INET6 : AF_INET;
	if (acl->type != DC_TYPE_NONE)
		return acl->type == DC_TYPE_IPV6 ? AF_INET6 : AF_INET;
	return 0;
}
