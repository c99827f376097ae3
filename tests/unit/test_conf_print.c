/*
 * Unit tests of common/conf_print.c: a configuration in, the printed
 * configuration out, loaded again, must be the same struct conf, field by
 * field (conf_same below knows every field; the printer does not get to
 * decide what "the same" means). For the quickstart, a file that sets
 * every key to a value other than its default, and an orchestrator.
 */
#include <stdlib.h>

#include "common/conf.h"
#include "unit.h"

#define QS	"topologies/quickstart/dotsgw.yaml"
#define FULL	"tests/config/print/full.yaml"
#define ORCH	"tests/config/print/orchestrator.yaml"

/* ---- the comparison ---------------------------------------------------- */

static char diff[256];	/* the first field that differs */

static bool differ(const char *what, size_t i)
{
	if (diff[0] == '\0')
		snprintf(diff, sizeof(diff), "%s (item %zu)", what, i);
	return false;
}

#define SAME(f)		do { if (a->f != b->f) return differ(#f, i); } while (0)
#define SAME_STR(f)	do { if (!conf_str_same(a->f, b->f))		\
			    return differ(#f, i); } while (0)
#define SAME_MEM(f)	do { if (memcmp(&a->f, &b->f, sizeof(a->f)) != 0) \
			    return differ(#f, i); } while (0)

static bool strv_same(const struct strv *x, const struct strv *y)
{
	if (x->n != y->n)
		return false;
	for (size_t j = 0; j < x->n; j++)
		if (strcmp(x->v[j], y->v[j]) != 0)
			return false;
	return true;
}

static bool prefixes_same(const struct prefix *x, size_t nx,
    const struct prefix *y, size_t ny)
{
	if (nx != ny)
		return false;
	for (size_t j = 0; j < nx; j++)
		if (!prefix_equal(&x[j], &y[j]))
			return false;
	return true;
}

static bool select_same(const struct conf_select *a,
    const struct conf_select *b, size_t i)
{
	SAME(strategy);
	SAME(fallback);
	if (!strv_same(&a->upstreams, &b->upstreams))
		return differ("select upstreams", i);
	return true;
}

static bool ace_same(const struct conf_ace *a, const struct conf_ace *b,
    size_t i)
{
	SAME_STR(name);
	SAME(has_dst);
	SAME(has_src);
	SAME(has_proto);
	SAME(has_sport);
	SAME(has_dport);
	SAME(has_icmp);
	if ((a->has_dst && !prefix_equal(&a->dst, &b->dst)) ||
	    (a->has_src && !prefix_equal(&a->src, &b->src)))
		return differ("ace prefix", i);
	SAME(proto);
	SAME(sport.lower);
	SAME(sport.upper);
	SAME(dport.lower);
	SAME(dport.upper);
	SAME(icmp_type);
	SAME(action);
	SAME(rate);
	return true;
}

static bool acl_same(const struct conf_acl *a, const struct conf_acl *b,
    size_t i)
{
	SAME_STR(name);
	SAME(family);
	SAME(n_aces);
	for (size_t j = 0; j < a->n_aces; j++)
		if (!ace_same(&a->aces[j], &b->aces[j], j))
			return false;
	return true;
}

static bool policy_same(const struct conf_policy *a,
    const struct conf_policy *b, size_t i)
{
	if (!prefixes_same(a->prefixes, a->n_prefixes, b->prefixes,
	    b->n_prefixes))
		return differ("policy.prefixes", i);
	SAME(n_ports);
	for (size_t j = 0; j < a->n_ports; j++)
		if (a->ports[j].lower != b->ports[j].lower ||
		    a->ports[j].upper != b->ports[j].upper)
			return differ("policy.ports", i);
	SAME(n_protocols);
	if (a->n_protocols > 0 &&
	    memcmp(a->protocols, b->protocols, a->n_protocols) != 0)
		return differ("policy.protocols", i);
	if (!strv_same(&a->fqdns, &b->fqdns))
		return differ("policy.fqdns", i);
	SAME(max_mitigations);
	SAME(max_lifetime);
	SAME(allow_local);
	SAME(allow_upstream);
	if (!strv_same(&a->upstreams, &b->upstreams))
		return differ("policy.upstreams", i);
	SAME(rate_per_s);
	SAME(rate_burst);
	SAME(drop_optional);
	if (!select_same(&a->select, &b->select, i))
		return false;
	SAME(n_select_by_target);
	for (size_t j = 0; j < a->n_select_by_target; j++)
		if (!prefix_equal(&a->select_by_target[j].prefix,
		    &b->select_by_target[j].prefix) ||
		    !select_same(&a->select_by_target[j].sel,
		    &b->select_by_target[j].sel, j))
			return differ("policy.select_by_target", i);
	SAME(mitigation_actions);
	SAME(max_rules);
	return true;
}

static bool reg_same(const struct dots_registration *a,
    const struct dots_registration *b, size_t i)
{
	SAME_STR(server_address);
	SAME(server_port);
	SAME(server_transport);
	SAME(capacity_bps);
	SAME(capacity_pps);
	if (!strv_same(&a->attack_types, &b->attack_types) ||
	    !strv_same(&a->countermeasures, &b->countermeasures))
		return differ("reg words", i);
	SAME(threshold_bps);
	SAME(threshold_pps);
	SAME(threshold_duration);
	if (!prefixes_same(a->served, a->n_served, b->served, b->n_served))
		return differ("reg.served", i);
	SAME(registration_time);
	return true;
}

static bool upstream_same(const struct conf_upstream *a,
    const struct conf_upstream *b, size_t i)
{
	SAME_MEM(address);
	SAME(port);
	SAME(tls);
	SAME_STR(psk_identity);
	SAME(psk_key_len);
	SAME_MEM(psk_key);
	SAME_STR(ca_file);
	SAME_STR(cert_file);
	SAME_STR(key_file);
	SAME_STR(server_name);
	SAME(capacity_bps);
	SAME(capacity_pps);
	SAME(hop_limit);
	SAME(poll_interval);
	if (!prefixes_same(a->serves, a->n_serves, b->serves, b->n_serves) ||
	    !prefixes_same(a->sources, a->n_sources, b->sources,
	    b->n_sources))
		return differ("up serves/sources", i);
	SAME(from_registration);
	SAME(rfc9133);
	SAME(dc.port);
	SAME_MEM(dc.address);
	SAME(dc.timeout_ms);
	SAME(orchestrator);
	SAME(has_register);
	return reg_same(&a->reg, &b->reg, i);
}

static bool peer_same(const struct conf_peer *a, const struct conf_peer *b,
    size_t i)
{
	SAME_STR(name);
	SAME(roles);
	SAME_STR(psk_identity);
	SAME(psk_key_len);
	SAME_MEM(psk_key);
	SAME_STR(cert_name);
	SAME(trusted_gateway);
	if (!policy_same(&a->policy, &b->policy, i) ||
	    !upstream_same(&a->up, &b->up, i))
		return false;
	SAME(n_acls);
	for (size_t j = 0; j < a->n_acls; j++)
		if (!acl_same(&a->acls[j], &b->acls[j], j))
			return false;
	return true;
}

static bool sock_same(const struct conf_control_sock *a,
    const struct conf_control_sock *b, size_t i)
{
	SAME_STR(path);
	SAME(mode);
	SAME_STR(group);
	return true;
}

/* Everything but path (the name the text was loaded under). */
static bool conf_same(const struct conf *a, const struct conf *b)
{
	size_t	 i = 0;

	diff[0] = '\0';
	SAME(role);
	SAME_STR(node_id);
	SAME_STR(state_dir);
	SAME(n_listen);
	for (i = 0; i < a->n_listen; i++) {
		SAME_MEM(listen[i].address);
		SAME(listen[i].port);
		SAME(listen[i].dtls);
		SAME(listen[i].tls);
		SAME(listen[i].shards);
	}
	i = 0;
	SAME_STR(creds.ca_file);
	SAME_STR(creds.cert_file);
	SAME_STR(creds.key_file);
	SAME_STR(creds.psk_hint);
	for (i = 0; i < DOTS_CFG_NPARAMS; i++) {
		SAME(sig[i].min);
		SAME(sig[i].max);
		SAME(sig[i].def);
	}
	i = 0;
	SAME(config_max_age);
	SAME(active_but_terminating);
	SAME(capacity.bps);
	SAME(capacity.pps);
	SAME(capacity.rules);
	SAME(capacity.default_attack_bps);
	SAME(capacity.default_attack_pps);
	SAME(gateway.cdid);
	SAME(gateway.hop_limit);
	SAME(gateway.relay_timeout_ms);
	SAME(overload.rate_per_s);
	SAME(overload.rate_burst);
	SAME(overload.max_clients);
	SAME_MEM(admin.address);
	SAME(admin.port);
	SAME(admin.allow_remote);
	SAME_MEM(data_channel.address);
	SAME(data_channel.port);
	SAME(data_channel.max_aliases);
	SAME(data_channel.max_clients);
	SAME(data_channel.lifetime);
	SAME(telemetry.max_setups);
	SAME(telemetry.max_reports);
	SAME(usage.retention_days);
	if (!sock_same(&a->control.full, &b->control.full, 0) ||
	    !sock_same(&a->control.ro, &b->control.ro, 1))
		return false;
	SAME_STR(audit_log);
	SAME(store.type);
	SAME_STR(store.conninfo);
	SAME(mitigator.type);
	SAME_STR(mitigator.gobgp);
	SAME_MEM(mitigator.api_host);
	SAME(mitigator.api_port);
	SAME_STR(mitigator.socket);
	SAME(mitigator.community_asn);
	SAME(mitigator.community_value);
	SAME_MEM(mitigator.rtbh_next_hop);
	SAME(mitigator.timeout_ms);
	SAME(mitigator.max_rules);
	SAME(mitigator.rate_limit);
	SAME_MEM(mitigator.severity_action);
	SAME_STR(mitigator.counters);
	SAME(mitigator.stats_interval);
	SAME(mitigator.reconcile_interval);
	SAME(offload.high);
	SAME(offload.low);
	SAME(offload.running);
	SAME(n_peers);
	for (i = 0; i < a->n_peers; i++)
		if (!peer_same(&a->peers[i], &b->peers[i], i))
			return false;
	return true;
}

/* ---- print, load, compare ---------------------------------------------- */

static char *print(const struct conf *c, unsigned flags, int *rc)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	*rc = -1;
	if (fp == NULL)
		return NULL;
	*rc = conf_print_flags(c, fp, flags);
	fclose(fp);
	return buf;
}

/* The text after its first line (the header naming the file). */
static const char *body(const char *s)
{
	const char *nl = s != NULL ? strchr(s, '\n') : NULL;

	return nl != NULL ? nl + 1 : "";
}

static void round_trip(const char *path)
{
	struct conf	*a = NULL, *b = NULL;
	char		 err[CONF_ERRLEN] = "", *t1 = NULL, *t2 = NULL;
	int		 rc;

	if (conf_load(path, &a, err, sizeof(err), NULL, NULL) == -1) {
		printf("  FAIL %s\n", err);
		unit_failed_here++;
		return;
	}
	t1 = print(a, CONF_PRINT_SECRETS, &rc);
	CHECK(rc == 0 && t1 != NULL);
	if (t1 == NULL)
		goto out;
	if (conf_load_string("printed.yaml", t1, strlen(t1), &b, err,
	    sizeof(err), NULL, NULL) == -1) {
		printf("  FAIL the print does not load: %s\n%s", err, t1);
		unit_failed_here++;
		goto out;
	}
	if (!conf_same(a, b)) {
		printf("  FAIL %s: %s differs after the round trip\n", path,
		    diff);
		unit_failed_here++;
	}
	/* printing is a fixed point: the print of the print is the same */
	t2 = print(b, CONF_PRINT_SECRETS, &rc);
	CHECK(rc == 0 && t2 != NULL);
	CHECK(t2 != NULL && strcmp(body(t1), body(t2)) == 0);
	/* the comparison sees a change (it can fail) */
	if (b->n_peers > 0) {
		b->peers[b->n_peers - 1].policy.max_rules++;
		CHECK(!conf_same(a, b));
		b->peers[b->n_peers - 1].policy.max_rules--;
		b->peers[0].psk_key[0] ^= 1;
		CHECK(!conf_same(a, b) || a->peers[0].psk_key_len == 0);
	}
out:
	free(t1);
	free(t2);
	conf_free(a);
	conf_free(b);
}

/* Whether a line of t sets key (not a comment naming it). */
static bool sets(const char *t, const char *key)
{
	size_t	 len = strlen(key);

	for (const char *l = t; l != NULL && *l != '\0'; ) {
		while (*l == ' ')
			l++;
		if (strncmp(l, key, len) == 0 && l[len] == ':')
			return true;
		if ((l = strchr(l, '\n')) != NULL)
			l++;
	}
	return false;
}

/* Redacted by default: no secret in the text, and it does not load. */
static void redacted(const char *path, const char *secret)
{
	struct conf	*a = NULL, *b = (struct conf *)1;
	char		 err[CONF_ERRLEN] = "", *t;
	int		 rc;

	if (conf_load(path, &a, err, sizeof(err), NULL, NULL) == -1) {
		printf("  FAIL %s\n", err);
		unit_failed_here++;
		return;
	}
	t = print(a, 0, &rc);
	CHECK(rc == 0 && t != NULL);
	if (t != NULL) {
		CHECK(strstr(t, secret) == NULL);
		CHECK(strstr(t, "psk-key-hex: \"<redacted>\"\n") != NULL);
		CHECK(!sets(t, "psk-key") && sets(t, "psk-key-hex"));
		CHECK(conf_load_string("printed.yaml", t, strlen(t), &b, err,
		    sizeof(err), NULL, NULL) == -1 && b == NULL);
		CHECK(strstr(err, "psk-key-hex: not a hex digit") != NULL);
	}
	free(t);
	conf_free(a);
}

/* What the printed text says for a few keys, as an operator reads it. */
static void spelled(void)
{
	struct conf	*a = NULL;
	char		 err[CONF_ERRLEN] = "", *t;
	int		 rc;

	if (conf_load(FULL, &a, err, sizeof(err), NULL, NULL) == -1) {
		printf("  FAIL %s\n", err);
		unit_failed_here++;
		return;
	}
	t = print(a, CONF_PRINT_SECRETS, &rc);
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK(strstr(t, "\n  mode: 0600\n") != NULL);
		CHECK(strstr(t, "\n    mode: 0644\n") != NULL);
		CHECK(strstr(t, "\n  hop-limit: 8\n") != NULL);
		CHECK(strstr(t, "psk-key: \"a \\\"quoted\\\" \\\\ key\"") !=
		    NULL);
		CHECK(strstr(t, "psk-key-hex: 00ff10c3deadbeef\n") != NULL);
		CHECK(strstr(t, "ports: [80, 443-444]") != NULL);
		CHECK(strstr(t, "fqdns: [example.net, www.example.org]") !=
		    NULL);
		CHECK(strstr(t, "  - address: \"::1\"\n") != NULL);
		/* bgp: the exabgp socket does not apply, so it is not there */
		CHECK(strstr(t, "\n  socket: /run") == NULL);
		CHECK(strstr(t, "# group: ") == NULL);
	}
	free(t);
	conf_free(a);
}

/* A conninfo's password never printed, either form of it. */
static void conninfo(void)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "host=/run/postgresql dbname=dotsgw",
		  "host=/run/postgresql dbname=dotsgw" },
		{ "dbname=x password=s3cret user=u",
		  "dbname=x password=<redacted> user=u" },
		{ "password = 'a \\' b' host=h",
		  "password = <redacted> host=h" },
		{ "postgresql://u:s3cret@db.example:5433/dotsgw?sslmode=require",
		  "postgresql://u:<redacted>@db.example:5433/dotsgw?sslmode=require" },
		{ "postgres://u@h/d?password=s3cret&connect_timeout=2",
		  "postgres://u@h/d?password=<redacted>&connect_timeout=2" },
		{ "postgresql://h/d", "postgresql://h/d" },
	};
	struct conf	*a = NULL;
	char		 buf[256], err[CONF_ERRLEN] = "", *s;
	int		 rc;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		conf_conninfo_redact(t[i].in, buf, sizeof(buf));
		CHECK_STR(buf, t[i].out);
	}
	conf_conninfo_redact("password=s3cret", buf, 12);
	CHECK_STR(buf, "password=<r");
	if (conf_load(FULL, &a, err, sizeof(err), NULL, NULL) == -1) {
		printf("  FAIL %s\n", err);
		unit_failed_here++;
		return;
	}
	s = print(a, 0, &rc);
	CHECK(s != NULL && strstr(s, "full pw") == NULL);
	CHECK(s != NULL && strstr(s, "conninfo: \"host=/run/postgresql "
	    "dbname=dotsgw password=<redacted> user=gw\"\n") != NULL);
	free(s);
	conf_free(a);
}

int main(void)
{
	TEST("conf_print: quickstart in, print out, the same conf back")
		round_trip(QS);
	TEST("conf_print: every key set (full.yaml) round-trips")
		round_trip(FULL);
	TEST("conf_print: orchestrator (registering ISP, exabgp) round-trips")
		round_trip(ORCH);
	TEST("conf_print: PSK keys redacted by default, and unloadable")
		redacted(QS, "quickstart-secret-1");
	TEST("conf_print: redacted upstream PSKs too")
		redacted(ORCH, "orch-secret");
	TEST("conf_print: values spelled as the loader takes them")
		spelled();
	TEST("conf_print: a conninfo's password redacted")
		conninfo();
	return UNIT_EXIT();
}
