/*
 * The effective configuration, printed as YAML that conf_load accepts
 * (dotsgwd -nv): every key of the schema with the value in force, the
 * defaults and the paths made absolute included.
 *
 * It walks the loader's own tables (conf_schema.c): each key is printed
 * by the printer of its handler, so a key added to a table is printed
 * with no change here unless its handler is new, and a handler without
 * a printer makes conf_print fail (the round-trip test sees it). A key
 * that has no value ("ca" without X.509) is printed as a comment; a key
 * that does not apply where it stands (a gobgp key under type exabgp, the
 * policy of an upstream-only peer) is left out, since the loader's
 * cross-key checks would refuse it.
 *
 * PSK secrets are never printed unless asked (CONF_PRINT_SECRETS): each
 * becomes psk-key-hex: "<redacted>", which does not load, so a printed
 * file cannot run with a key nobody chose.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_impl.h"

struct pr {
	FILE		*fp;
	const struct conf *conf;	/* the root, for rules across tables */
	unsigned	 flags;		/* CONF_PRINT_* */
	int		 depth;		/* two spaces each */
	bool		 dash;		/* the next line opens a list item */
	size_t		 n;		/* values printed at this level */
	int		 rc;		/* -1: a value could not be printed */
};

typedef void (*print_fn)(struct pr *, const void *obj, const struct key *);

static void print_keys(struct pr *, const struct schema *, const void *);

/* ---- lines ------------------------------------------------------------- */

static void indent(struct pr *p)
{
	if (p->dash) {
		fprintf(p->fp, "%*s- ", (p->depth - 1) * 2, "");
		p->dash = false;
	} else
		fprintf(p->fp, "%*s", p->depth * 2, "");
}

static bool plain_char(char c, const char *also)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(also, c) != NULL);
}

/* Plain when it cannot be mistaken for YAML syntax, else double-quoted
 * (the loader refuses control characters; UTF-8 passes as it came). */
static void put_str(FILE *fp, const char *s)
{
	const char	*c;
	bool		 plain = plain_char(*s, "/");

	for (c = s; plain && *c != '\0'; c++)
		plain = plain_char(*c, "._/+@-");
	if (plain) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (c = s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', fp);
		fputc(*c, fp);
	}
	fputc('"', fp);
}

static void __attribute__((format(printf, 3, 4)))
kv(struct pr *p, const char *key, const char *fmt, ...)
{
	va_list	 ap;

	indent(p);
	fprintf(p->fp, "%s: ", key);
	va_start(ap, fmt);
	vfprintf(p->fp, fmt, ap);
	va_end(ap);
	fputc('\n', p->fp);
	p->n++;
}

static void kv_str(struct pr *p, const char *key, const char *s)
{
	indent(p);
	fprintf(p->fp, "%s: ", key);
	put_str(p->fp, s);
	fputc('\n', p->fp);
	p->n++;
}

/* A key without a value: shown, commented out. */
static void unset(struct pr *p, const char *key)
{
	fprintf(p->fp, "%*s# %s: (not set)\n", p->depth * 2, "", key);
}

/* A value no printer knows: the output would not load back. */
static void unprintable(struct pr *p, const char *key)
{
	fprintf(p->fp, "%*s# %s: (cannot print this value)\n", p->depth * 2,
	    "", key);
	p->rc = -1;
}

static void word(struct pr *p, const struct key *k, const struct word *w,
    int val)
{
	for (; w->name != NULL; w++)
		if (w->val == val) {
			kv_str(p, k->name, w->name);
			return;
		}
	unprintable(p, k->name);
}

/* ---- lists ------------------------------------------------------------- */

/* The text of item i of arr, in buf (at least PREFIX_STRLEN bytes) or
 * not. */
typedef const char *(*item_text)(char *buf, size_t len, const void *arr,
    size_t i);

/* "key: [a, b]"; an empty list is not set (the loader refuses empty
 * lists). */
static void list(struct pr *p, const char *key, const void *arr, size_t n,
    item_text text)
{
	char	 buf[PREFIX_STRLEN];

	if (n == 0) {
		unset(p, key);
		return;
	}
	indent(p);
	fprintf(p->fp, "%s: [", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : "", p->fp);
		put_str(p->fp, text(buf, sizeof(buf), arr, i));
	}
	fputs("]\n", p->fp);
	p->n++;
}

static const char *text_str(char *buf, size_t len, const void *arr,
    size_t i)
{
	return ((const char *const *)arr)[i];
}

static const char *text_prefix(char *buf, size_t len, const void *arr,
    size_t i)
{
	return prefix_format((const struct prefix *)arr + i, buf, len);
}

static const char *text_port(char *buf, size_t len, const void *arr,
    size_t i)
{
	const struct port_range *r = (const struct port_range *)arr + i;

	if (r->lower == r->upper)
		snprintf(buf, len, "%u", r->lower);
	else
		snprintf(buf, len, "%u-%u", r->lower, r->upper);
	return buf;
}

static const char *text_byte(char *buf, size_t len, const void *arr,
    size_t i)
{
	snprintf(buf, len, "%u", ((const uint8_t *)arr)[i]);
	return buf;
}

static void strv_list(struct pr *p, const char *key, const struct strv *sv)
{
	list(p, key, sv->v, sv->n, text_str);
}

/* The names of the set bools of obj (flag tables hold their offsets). */
static void flag_names(struct pr *p, const struct key *k,
    const struct word *w, const void *obj)
{
	const char	*v[8];
	size_t		 n = 0;

	for (; w->name != NULL && n < 8; w++)
		if (*AT(obj, w->val, const bool))
			v[n++] = w->name;
	list(p, k->name, v, n, text_str);
}

/* ---- mappings ---------------------------------------------------------- */

/* "key:" and the keys of s one level deeper; "key: {}" when none has a
 * value (a key with nothing after it would be null, not a mapping). */
static void print_map(struct pr *p, const char *key, const struct schema *s,
    const void *obj)
{
	struct pr	 sub = *p;
	char		*buf = NULL;
	size_t		 len = 0;

	if ((sub.fp = open_memstream(&buf, &len)) == NULL) {
		unprintable(p, key);
		return;
	}
	sub.depth = p->depth + 1;
	sub.dash = false;
	sub.n = 0;
	print_keys(&sub, s, obj);
	if (fclose(sub.fp) != 0)
		sub.rc = -1;
	p->rc = sub.rc == -1 ? -1 : p->rc;
	indent(p);
	fprintf(p->fp, "%s:%s\n", key, sub.n == 0 ? " {}" : "");
	p->n++;
	if (buf != NULL)
		fwrite(buf, 1, len, p->fp);
	free(buf);
}

/* A list of mappings: each item's first line opens with "- ". */
static void map_list(struct pr *p, const char *key, const void *arr,
    size_t n, size_t elsize, const struct schema *s)
{
	struct pr	 item = *p;

	if (n == 0) {
		unset(p, key);
		return;
	}
	indent(p);
	fprintf(p->fp, "%s:\n", key);
	p->n++;
	item.depth = p->depth + 2;
	for (size_t i = 0; i < n; i++) {
		item.dash = true;
		item.n = 0;
		print_keys(&item, s, (const char *)arr + i * elsize);
		if (item.dash)
			fprintf(p->fp, "%*s- {}\n", (p->depth + 1) * 2, "");
	}
	p->rc = item.rc == -1 ? -1 : p->rc;
}

/* ---- printers of the generic handlers ---------------------------------- */

#define CFIELD(obj, k, type)	AT(obj, (k)->off, const type)

static void pr_map(struct pr *p, const void *obj, const struct key *k)
{
	print_map(p, k->name, k->sub, (const char *)obj + k->off);
}

static void pr_str(struct pr *p, const void *obj, const struct key *k)
{
	const char	*s = *CFIELD(obj, k, char *);

	if (s == NULL)
		unset(p, k->name);
	else
		kv_str(p, k->name, s);
}

/* A number outside the key's bounds is the "not set" of its field
 * (offload high 0, poll-interval 0): the loader would refuse it. */
static void pr_uint(struct pr *p, const struct key *k, uint64_t v)
{
	if ((int64_t)v < k->min || (int64_t)v > k->max)
		unset(p, k->name);
	else
		kv(p, k->name, "%llu", (unsigned long long)v);
}

static void pr_u16(struct pr *p, const void *obj, const struct key *k)
{
	pr_uint(p, k, *CFIELD(obj, k, uint16_t));
}

static void pr_u32(struct pr *p, const void *obj, const struct key *k)
{
	pr_uint(p, k, *CFIELD(obj, k, uint32_t));
}

/* The full range, no bounds in the table. */
static void pr_u64(struct pr *p, const void *obj, const struct key *k)
{
	kv(p, k->name, "%llu", (unsigned long long)*CFIELD(obj, k, uint64_t));
}

static void pr_dec(struct pr *p, const void *obj, const struct key *k)
{
	uint32_t v = *CFIELD(obj, k, uint32_t);

	kv(p, k->name, "\"%u.%02u\"", v / 100, v % 100);
}

static void pr_bool(struct pr *p, const void *obj, const struct key *k)
{
	kv(p, k->name, "%s", *CFIELD(obj, k, bool) ? "true" : "false");
}

static void pr_address(struct pr *p, const void *obj, const struct key *k)
{
	const char	*a = CFIELD(obj, k, char);

	if (a[0] == '\0')
		unset(p, k->name);
	else
		kv_str(p, k->name, a);
}

static void pr_mode(struct pr *p, const void *obj, const struct key *k)
{
	kv(p, k->name, "0%03o", *CFIELD(obj, k, uint32_t));
}

/* ---- printers of the top level and listen ------------------------------ */

static void pr_listen(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf *c = obj;

	map_list(p, k->name, c->listen, c->n_listen, sizeof(*c->listen),
	    &conf_listen_schema);
}

static void pr_transports(struct pr *p, const void *obj, const struct key *k)
{
	flag_names(p, k, conf_transport_flags, obj);
}

static void pr_role(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_role_words, ((const struct conf *)obj)->role);
}

static void pr_peers(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf *c = obj;

	map_list(p, k->name, c->peers, c->n_peers, sizeof(*c->peers),
	    &conf_peer_schema);
}

static void pr_cdid(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_cdid_words, ((const struct conf_gateway *)obj)->cdid);
}

/* ---- printers of the state store --------------------------------------- */

static void pr_store_type(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_store_words, ((const struct conf_store *)obj)->type);
}

/* Redacted like a PSK: what the operator prints or pastes is not the
 * password. */
static void pr_conninfo(struct pr *p, const void *obj, const struct key *k)
{
	const char	*s = *CFIELD(obj, k, char *);
	char		 buf[4200];

	if (s == NULL)
		unset(p, k->name);
	else if (p->flags & CONF_PRINT_SECRETS)
		kv_str(p, k->name, s);
	else {
		conf_conninfo_redact(s, buf, sizeof(buf));
		kv_str(p, k->name, buf);
	}
}

/* ---- printers of the mitigator ----------------------------------------- */

static void pr_mitigator_type(struct pr *p, const void *obj,
    const struct key *k)
{
	word(p, k, conf_mitigator_words,
	    ((const struct conf_mitigator *)obj)->type);
}

static void pr_community(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_mitigator *m = obj;

	kv(p, k->name, "\"%u:%u\"", m->community_asn, m->community_value);
}

static void pr_severity(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_mitigator *m = obj;
	struct pr	 sub = *p;

	indent(p);
	fprintf(p->fp, "%s:\n", k->name);
	p->n++;
	sub.depth = p->depth + 1;
	sub.dash = false;
	for (int i = 0; i < CONF_SEVERITIES; i++) {
		const struct key one = { .name = conf_severity_names[i] };

		word(&sub, &one, conf_act_words, (int)m->severity_action[i]);
	}
	p->rc = sub.rc == -1 ? -1 : p->rc;
}

/* ---- printers of a peer ------------------------------------------------ */

/*
 * The PSK of a peer or an upstream, under one of its two keys: psk-key
 * when it is printable ASCII, else psk-key-hex. Redacted, psk-key-hex
 * says so and psk-key nothing.
 */
static void psk(struct pr *p, const struct key *k, const uint8_t *key,
    size_t len, bool hex_key)
{
	char	 buf[2 * CONF_PSK_MAX + 1];
	bool	 ascii = true;
	size_t	 i;

	if (len == 0) {
		unset(p, k->name);
		return;
	}
	if (!(p->flags & CONF_PRINT_SECRETS)) {
		if (hex_key)
			kv(p, k->name, "\"<redacted>\"");
		return;
	}
	for (i = 0; i < len; i++)
		ascii = ascii && key[i] >= 0x20 && key[i] < 0x7f;
	if (ascii == hex_key)
		return;		/* the other key prints it */
	if (ascii) {
		memcpy(buf, key, len);
		buf[len] = '\0';
		kv_str(p, k->name, buf);
	} else {
		for (i = 0; i < len; i++)
			snprintf(buf + 2 * i, 3, "%02x", key[i]);
		kv(p, k->name, "%s", buf);
	}
	explicit_bzero(buf, sizeof(buf));
}

static void pr_psk_key(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_peer *pe = obj;

	psk(p, k, pe->psk_key, pe->psk_key_len, false);
}

static void pr_psk_hex(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_peer *pe = obj;

	psk(p, k, pe->psk_key, pe->psk_key_len, true);
}

static void pr_upstream(struct pr *p, const void *obj, const struct key *k)
{
	print_map(p, k->name, &conf_upstream_schema,
	    &((const struct conf_peer *)obj)->up);
}

static void pr_prefixes(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_policy *pol =
	    &((const struct conf_peer *)obj)->policy;

	list(p, k->name, pol->prefixes, pol->n_prefixes, text_prefix);
}

static void pr_ports(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_policy *pol =
	    &((const struct conf_peer *)obj)->policy;

	list(p, k->name, pol->ports, pol->n_ports, text_port);
}

static void pr_protocols(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_policy *pol =
	    &((const struct conf_peer *)obj)->policy;

	list(p, k->name, pol->protocols, pol->n_protocols, text_byte);
}

static void pr_fqdns(struct pr *p, const void *obj, const struct key *k)
{
	strv_list(p, k->name, &((const struct conf_peer *)obj)->policy.fqdns);
}

static void pr_lifetime(struct pr *p, const void *obj, const struct key *k)
{
	kv(p, k->name, "%lld", (long long)((const struct conf_peer *)obj)->
	    policy.max_lifetime);
}

static void pr_actions(struct pr *p, const void *obj, const struct key *k)
{
	flag_names(p, k, conf_action_flags, obj);
}

static void pr_upstreams(struct pr *p, const void *obj, const struct key *k)
{
	strv_list(p, k->name,
	    &((const struct conf_peer *)obj)->policy.upstreams);
}

static void pr_select_by_target(struct pr *p, const void *obj,
    const struct key *k)
{
	const struct conf_policy *pol =
	    &((const struct conf_peer *)obj)->policy;

	map_list(p, k->name, pol->select_by_target, pol->n_select_by_target,
	    sizeof(*pol->select_by_target), &conf_select_target_schema);
}

static void pr_mitigation_actions(struct pr *p, const void *obj,
    const struct key *k)
{
	unsigned	 acts = ((const struct conf_peer *)obj)->policy.
			    mitigation_actions;
	const char	*v[8];
	size_t		 n = 0;

	for (const struct word *w = conf_act_words; w->name != NULL && n < 8;
	    w++)
		if (acts & (unsigned)w->val)
			v[n++] = w->name;
	list(p, k->name, v, n, text_str);
}

static void pr_acls(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_peer *pe = obj;

	map_list(p, k->name, pe->acls, pe->n_acls, sizeof(*pe->acls),
	    &conf_acl_schema);
}

/* ---- printers of the upstream mapping and its registration ------------- */

static void pr_up_psk_key(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_upstream *u = obj;

	psk(p, k, u->psk_key, u->psk_key_len, false);
}

static void pr_up_psk_hex(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_upstream *u = obj;

	psk(p, k, u->psk_key, u->psk_key_len, true);
}

static void pr_transport(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_up_transport_words,
	    ((const struct conf_upstream *)obj)->tls);
}

static void pr_register(struct pr *p, const void *obj, const struct key *k)
{
	print_map(p, k->name, &conf_register_schema,
	    &((const struct conf_upstream *)obj)->reg);
}

static void pr_up_data_channel(struct pr *p, const void *obj,
    const struct key *k)
{
	print_map(p, k->name, &conf_up_dc_schema,
	    &((const struct conf_upstream *)obj)->dc);
}

static void pr_up_serves(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_upstream *u = obj;

	list(p, k->name, u->serves, u->n_serves, text_prefix);
}

static void pr_up_sources(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_upstream *u = obj;

	list(p, k->name, u->sources, u->n_sources, text_prefix);
}

static void pr_reg_address(struct pr *p, const void *obj, const struct key *k)
{
	const struct dots_registration *r = obj;

	if (r->server_address == NULL)
		unset(p, k->name);
	else
		kv_str(p, k->name, r->server_address);
}

static void pr_reg_transport(struct pr *p, const void *obj,
    const struct key *k)
{
	const struct dots_registration *r = obj;

	if (r->server_transport == 0)
		unset(p, k->name);
	else
		word(p, k, conf_reg_transport_words, r->server_transport);
}

static void pr_reg_attacks(struct pr *p, const void *obj, const struct key *k)
{
	strv_list(p, k->name,
	    &((const struct dots_registration *)obj)->attack_types);
}

static void pr_reg_counter(struct pr *p, const void *obj, const struct key *k)
{
	strv_list(p, k->name,
	    &((const struct dots_registration *)obj)->countermeasures);
}

static void pr_reg_prefixes(struct pr *p, const void *obj, const struct key *k)
{
	const struct dots_registration *r = obj;

	list(p, k->name, r->served, r->n_served, text_prefix);
}

/* ---- printers of select, ACLs ------------------------------------------ */

static void pr_strategy(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_strategy_words, *CFIELD(obj, k, enum conf_strategy));
}

static void pr_fallback(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_fallback_words, *CFIELD(obj, k, enum conf_strategy));
}

static void pr_sel_upstreams(struct pr *p, const void *obj,
    const struct key *k)
{
	strv_list(p, k->name, CFIELD(obj, k, struct strv));
}

static void pr_sel_prefix(struct pr *p, const void *obj, const struct key *k)
{
	char	 buf[PREFIX_STRLEN];

	kv_str(p, k->name, prefix_format(&((const struct conf_select_target *)
	    obj)->prefix, buf, sizeof(buf)));
}

static void pr_acl_type(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_acl_type_words, ((const struct conf_acl *)obj)->family);
}

static void pr_aces(struct pr *p, const void *obj, const struct key *k)
{
	const struct conf_acl *acl = obj;

	map_list(p, k->name, acl->aces, acl->n_aces, sizeof(*acl->aces),
	    &conf_ace_schema);
}

static void pr_ace_action(struct pr *p, const void *obj, const struct key *k)
{
	word(p, k, conf_ace_action_words, ((const struct conf_ace *)obj)->
	    action);
}

/* The ace match keys: the has_ bool at k->off, the value at k->min. */
static void pr_ace_prefix(struct pr *p, const void *obj, const struct key *k)
{
	char	 buf[PREFIX_STRLEN];

	if (!*CFIELD(obj, k, bool))
		unset(p, k->name);
	else
		kv_str(p, k->name, prefix_format(AT(obj, k->min,
		    const struct prefix), buf, sizeof(buf)));
}

static void pr_ace_port(struct pr *p, const void *obj, const struct key *k)
{
	char	 buf[16];

	if (!*CFIELD(obj, k, bool)) {
		unset(p, k->name);
		return;
	}
	kv_str(p, k->name, text_port(buf, sizeof(buf), AT(obj, k->min,
	    const struct port_range), 0));
}

static void pr_ace_byte(struct pr *p, const void *obj, const struct key *k)
{
	if (!*CFIELD(obj, k, bool))
		unset(p, k->name);
	else
		kv(p, k->name, "%u", *AT(obj, k->min, const uint8_t));
}

/* ---- the printer of each handler --------------------------------------- */

static const struct {
	key_fn		 fn;
	print_fn	 pr;
} printers[] = {
	{ h_map, pr_map }, { h_str, pr_str }, { h_name, pr_str },
	{ h_u16, pr_u16 }, { h_u32, pr_u32 }, { h_u64, pr_u64 },
	{ h_dec, pr_dec }, { h_bool, pr_bool }, { h_address, pr_address },
	{ h_mode, pr_mode },
	{ h_listen, pr_listen }, { h_transports, pr_transports },
	{ h_role, pr_role }, { h_peers, pr_peers }, { h_cdid, pr_cdid },
	{ h_mitigator_type, pr_mitigator_type },
	{ h_store_type, pr_store_type }, { h_conninfo, pr_conninfo },
	{ h_community, pr_community }, { h_severity, pr_severity },
	{ h_psk_key, pr_psk_key }, { h_psk_hex, pr_psk_hex },
	{ h_upstream, pr_upstream }, { h_prefixes, pr_prefixes },
	{ h_ports, pr_ports }, { h_protocols, pr_protocols },
	{ h_fqdns, pr_fqdns }, { h_lifetime, pr_lifetime },
	{ h_actions, pr_actions }, { h_upstreams, pr_upstreams },
	{ h_select_by_target, pr_select_by_target },
	{ h_mitigation_actions, pr_mitigation_actions },
	{ h_acls, pr_acls },
	{ h_up_psk_key, pr_up_psk_key }, { h_up_psk_hex, pr_up_psk_hex },
	{ h_transport, pr_transport }, { h_register, pr_register },
	{ h_up_data_channel, pr_up_data_channel },
	{ h_up_serves, pr_up_serves }, { h_up_sources, pr_up_sources },
	{ h_reg_address, pr_reg_address },
	{ h_reg_transport, pr_reg_transport },
	{ h_reg_attacks, pr_reg_attacks }, { h_reg_counter, pr_reg_counter },
	{ h_reg_prefixes, pr_reg_prefixes },
	{ h_strategy, pr_strategy }, { h_fallback, pr_fallback },
	{ h_sel_upstreams, pr_sel_upstreams }, { h_sel_prefix, pr_sel_prefix },
	{ h_acl_type, pr_acl_type }, { h_aces, pr_aces },
	{ h_ace_action, pr_ace_action }, { h_ace_prefix, pr_ace_prefix },
	{ h_ace_port, pr_ace_port }, { h_ace_byte, pr_ace_byte },
};

static print_fn printer_of(key_fn fn)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (printers[i].fn == fn)
			return printers[i].pr;
	return NULL;
}

/* ---- keys that do not apply where they stand --------------------------- */

static bool named(const char *const *names, const char *name)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/*
 * The mirror of the cross-key checks of conf_schema.c: a key they would
 * refuse given the other values printed. Its value is the default then,
 * so leaving it out loads the same struct.
 */
static bool omit(const struct pr *p, const struct schema *s, const void *obj,
    const struct key *k)
{
	const struct conf_select *sel = NULL;

	if (s == &conf_peer_schema) {
		const struct conf_peer *pe = obj;

		if (k->fn == h_upstream)
			return !(pe->roles & PEER_UPSTREAM);
		return !(pe->roles & PEER_DOWNSTREAM) &&
		    named(conf_downstream_keys, k->name);
	}
	if (s == &conf_upstream_schema) {
		const struct conf_upstream *u = obj;

		if (k->fn == h_register)
			return !u->has_register;
		if (k->fn == h_up_data_channel)
			return u->dc.port == 0;
		/* an ISP that registers: the registration tells both */
		return u->from_registration && (k->fn == h_address ||
		    strcmp(k->name, "port") == 0);
	}
	if (s == &conf_mitigator_schema) {
		const struct conf_mitigator *m = obj;

		return (m->type == MITIGATOR_EXABGP &&
		    named(conf_gobgp_keys, k->name)) ||
		    (m->type == MITIGATOR_BGP &&
		    named(conf_exabgp_keys, k->name));
	}
	if (s == &conf_capacity_schema)
		return p->conf->role == ROLE_ORCHESTRATOR &&
		    named(conf_orch_refused, k->name);
	if (s == &conf_ace_schema)
		return strcmp(k->name, "rate-limit") == 0 &&
		    ((const struct conf_ace *)obj)->action !=
		    CONF_ACE_RATE_LIMIT;
	if (s == &conf_select_schema)
		sel = obj;
	else if (s == &conf_select_target_schema)
		sel = &((const struct conf_select_target *)obj)->sel;
	if (sel != NULL && k->fn == h_fallback)
		return sel->strategy != SEL_PREFIX &&
		    sel->strategy != SEL_NEAR_SOURCE;
	return false;
}

static void print_keys(struct pr *p, const struct schema *s, const void *obj)
{
	print_fn	 fn;

	for (const struct key *k = s->keys; k->name != NULL; k++) {
		if (omit(p, s, obj, k))
			continue;
		if ((fn = printer_of(k->fn)) == NULL)
			unprintable(p, k->name);
		else
			fn(p, obj, k);
	}
}

int conf_print_flags(const struct conf *c, FILE *fp, unsigned flags)
{
	struct pr	 p = { .fp = fp, .conf = c, .flags = flags };

	fputs("# dotsgw: the effective configuration of ", fp);
	for (const char *s = c->path != NULL ? c->path : "?"; *s != '\0'; s++)
		fputc(*s >= 0x20 && *s != 0x7f ? *s : '?', fp);
	fputs("\n# (defaults included, paths absolute, commented keys not "
	    "set)\n", fp);
	if (!(flags & CONF_PRINT_SECRETS))
		fputs("# PSK keys are redacted: put them back before loading "
		    "this file\n", fp);
	print_keys(&p, &conf_root_schema, c);
	if (fflush(fp) != 0 || ferror(fp))
		return -1;
	return p.rc;
}

int conf_print(const struct conf *c, FILE *fp)
{
	return conf_print_flags(c, fp, 0);
}
