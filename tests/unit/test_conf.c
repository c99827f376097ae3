/* Unit tests of common/conf.c: the quickstart file, defaults, and errors. */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/conf.h"
#include "unit.h"

struct warns {
	int	n;
	char	last[CONF_ERRLEN + 320];
};

static void collect(void *arg, const char *msg)
{
	struct warns *w = arg;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Load text as "t.yaml"; it must fail with a message starting with want. */
static void bad(const char *text, const char *want)
{
	struct conf	*c = (struct conf *)1;
	char		 err[CONF_ERRLEN] = "";

	if (conf_load_string("t.yaml", text, strlen(text), &c, err,
	    sizeof(err), NULL, NULL) != -1 || c != NULL) {
		printf("  FAIL loaded: %s\n", text);
		unit_failed_here++;
		conf_free(c);
		return;
	}
	if (!starts(err, want)) {
		printf("  FAIL want \"%s\"\n        got \"%s\"\n", want, err);
		unit_failed_here++;
	}
}

static struct conf *good(const char *text, struct warns *w)
{
	struct conf	*c = NULL;
	char		 err[CONF_ERRLEN] = "";

	if (conf_load_string("t.yaml", text, strlen(text), &c, err,
	    sizeof(err), w ? collect : NULL, w) == -1) {
		printf("  FAIL did not load: %s\n", err);
		unit_failed_here++;
		return NULL;
	}
	return c;
}

/* The absolute form conf.c gives a path relative to the test's cwd. */
static void abs_path(const char *rel, char *out, size_t len)
{
	char	 cwd[PATH_MAX], *rp;

	if ((rp = realpath(rel, NULL)) != NULL) {
		snprintf(out, len, "%s", rp);
		free(rp);
	} else if (rel[0] == '/')	/* not there yet, e.g. a fresh clone */
		snprintf(out, len, "%s", rel);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(out, len, "%s/%s", cwd, rel);
}

#define QS_DIR	"topologies/quickstart"
#define QS	QS_DIR "/dotsgw.yaml"

static void test_quickstart(void)
{
	struct conf	*c = NULL;
	const struct conf_peer *p;
	char		 err[CONF_ERRLEN] = "", dir[PATH_MAX];
	char		 sd[PATH_MAX + 64];
	char		 want[PATH_MAX + 128], buf[PREFIX_STRLEN];
	struct warns	 w = { 0, "" };
	struct stat	 st;

	abs_path(QS_DIR, dir, sizeof(dir));
	snprintf(want, sizeof(want), "%s/../../.state/quickstart", dir);
	abs_path(want, sd, sizeof(sd));

	CHECK(conf_load(QS, &c, err, sizeof(err), collect, &w) == 0);
	if (c == NULL) {
		printf("  FAIL %s\n", err);
		unit_failed_here++;
		return;
	}
	/* the mode warning depends on the checkout's umask; none other */
	CHECK(stat(QS, &st) == 0);
	CHECK(w.n == ((st.st_mode & 044) ? 1 : 0));
	CHECK(c->path[0] == '/');
	CHECK_STR(c->node_id, "gw1.quickstart.example");
	CHECK_STR(c->state_dir, sd);
	CHECK(c->n_listen == 1);
	CHECK_STR(c->listen[0].address, "127.0.0.1");
	CHECK(c->listen[0].port == 4646);
	CHECK(c->listen[0].dtls && c->listen[0].tls);
	CHECK(c->listen[0].shards == CONF_SHARDS_DEFAULT);
	snprintf(want, sizeof(want), "%s/pki/ca.pem", sd);
	CHECK_STR(c->creds.ca_file, want);
	snprintf(want, sizeof(want), "%s/pki/gw1.pem", sd);
	CHECK_STR(c->creds.cert_file, want);
	snprintf(want, sizeof(want), "%s/pki/gw1.key", sd);
	CHECK_STR(c->creds.key_file, want);
	CHECK_STR(c->creds.psk_hint, "dotsgw");

	CHECK(c->sig[DOTS_CFG_HEARTBEAT_INTERVAL].min == 15);
	CHECK(c->sig[DOTS_CFG_HEARTBEAT_INTERVAL].max == 240);
	CHECK(c->sig[DOTS_CFG_HEARTBEAT_INTERVAL].def == 30);
	CHECK(c->sig[DOTS_CFG_MISSING_HB_ALLOWED].min == 3);
	CHECK(c->sig[DOTS_CFG_MISSING_HB_ALLOWED].max == 20);
	CHECK(c->sig[DOTS_CFG_MISSING_HB_ALLOWED].def == 15);
	CHECK(c->sig[DOTS_CFG_MAX_RETRANSMIT].min == 2);
	CHECK(c->sig[DOTS_CFG_MAX_RETRANSMIT].max == 15);
	CHECK(c->sig[DOTS_CFG_MAX_RETRANSMIT].def == 3);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].min == 100);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].max == 3000);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].def == 200);
	CHECK(c->sig[DOTS_CFG_ACK_RANDOM_FACTOR].min == 110);
	CHECK(c->sig[DOTS_CFG_ACK_RANDOM_FACTOR].max == 400);
	CHECK(c->sig[DOTS_CFG_ACK_RANDOM_FACTOR].def == 150);
	CHECK(c->sig[DOTS_CFG_PROBING_RATE].min == 5);
	CHECK(c->sig[DOTS_CFG_PROBING_RATE].max == 20);
	CHECK(c->sig[DOTS_CFG_PROBING_RATE].def == 5);
	CHECK(c->config_max_age == 3600);
	CHECK(c->active_but_terminating == 120);
	CHECK(c->capacity.bps == 10000000000ULL);
	CHECK(c->capacity.pps == 10000000 && c->capacity.rules == 0);
	CHECK(c->capacity.default_attack_bps == 1000000000);
	CHECK(c->capacity.default_attack_pps == 1000000);
	CHECK(c->gateway.cdid == CDID_INSERT);
	CHECK(c->gateway.hop_limit == 16);
	CHECK(c->gateway.relay_timeout_ms == 2000);

	CHECK(c->n_peers == 2);
	p = &c->peers[0];
	CHECK_STR(p->name, "customer1");
	CHECK(p->roles == PEER_DOWNSTREAM);
	CHECK_STR(p->psk_identity, "customer1");
	CHECK(p->psk_key_len == 19 &&
	    memcmp(p->psk_key, "quickstart-secret-1", 19) == 0);
	CHECK(p->cert_name == NULL);
	CHECK(!p->trusted_gateway);
	CHECK(p->policy.n_prefixes == 2);
	CHECK_STR(prefix_format(&p->policy.prefixes[0], buf, sizeof(buf)),
	    "192.0.2.0/24");
	CHECK_STR(prefix_format(&p->policy.prefixes[1], buf, sizeof(buf)),
	    "2001:db8:6401::/48");
	CHECK(p->policy.n_ports == 0 && p->policy.n_protocols == 0);
	CHECK(p->policy.fqdns.n == 0);
	CHECK(p->policy.max_mitigations == 16);
	CHECK(p->policy.max_lifetime == 86400);

	CHECK(p->policy.allow_local && p->policy.allow_upstream);
	CHECK(p->policy.upstreams.n == 0 && !p->policy.drop_optional);
	CHECK(p->policy.rate_per_s == 10 && p->policy.rate_burst == 20);

	p = &c->peers[1];
	CHECK_STR(p->name, "customer2");
	CHECK(p->roles == PEER_DOWNSTREAM);
	CHECK(p->psk_identity == NULL && p->psk_key_len == 0);
	CHECK_STR(p->cert_name, "customer2.example");
	CHECK(p->policy.n_prefixes == 1);
	CHECK_STR(prefix_format(&p->policy.prefixes[0], buf, sizeof(buf)),
	    "198.51.100.0/24");
	CHECK(p->policy.n_ports == 3);
	CHECK(p->policy.ports[0].lower == 80 && p->policy.ports[0].upper == 80);
	CHECK(p->policy.ports[1].lower == 443 &&
	    p->policy.ports[1].upper == 443);
	CHECK(p->policy.ports[2].lower == 8000 &&
	    p->policy.ports[2].upper == 8080);
	CHECK(p->policy.n_protocols == 2);
	CHECK(p->policy.protocols[0] == 6 && p->policy.protocols[1] == 17);
	CHECK(p->policy.fqdns.n == 1);
	CHECK_STR(p->policy.fqdns.v[0], "www.example.net");
	CHECK(p->policy.max_mitigations == 64);
	CHECK(p->policy.max_lifetime == 86400);

	CHECK(conf_peer_by_name(c, "customer2") == &c->peers[1]);
	CHECK(conf_peer_by_name(c, "customer3") == NULL);
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"customer1", 9) ==
	    &c->peers[0]);
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"customer12",
	    9) == &c->peers[0]);
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"customer1",
	    8) == NULL);
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"customer1\0",
	    10) == NULL);
	CHECK(conf_peer_by_cert_name(c, "Customer2.EXAMPLE") == &c->peers[1]);
	CHECK(conf_peer_by_cert_name(c, "customer1") == NULL);
	conf_free(c);
}

static void test_defaults(void)
{
	struct conf	*c;
	struct conf_sigparam d[DOTS_CFG_NPARAMS];
	char		 cwd[PATH_MAX];
	struct warns	 w = { 0, "" };

	c = good("peers:\n"
	    "  - name: a\n"
	    "    psk-identity: a\n"
	    "    psk-key-hex: 00FF10ab\n"
	    "    trusted-gateway: yes\n"
	    "    prefixes: [192.0.2.1/24]\n"
	    "    max-lifetime: -1\n"
	    "credentials: { ca: /etc/ca.pem }\n", &w);
	if (c == NULL)
		return;
	CHECK_STR(c->node_id, "dotsgw");
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_STR(c->state_dir, cwd);
	CHECK_STR(c->creds.ca_file, "/etc/ca.pem");
	CHECK(c->creds.cert_file == NULL && c->creds.psk_hint == NULL);
	CHECK(c->n_listen == 1);
	CHECK_STR(c->listen[0].address, "127.0.0.1");
	CHECK(c->listen[0].port == 4646 && c->listen[0].dtls &&
	    c->listen[0].tls);
	conf_sig_defaults(d);
	CHECK(memcmp(d, c->sig, sizeof(d)) == 0);
	CHECK(c->config_max_age == 3600 && c->active_but_terminating == 120);
	CHECK(c->peers[0].psk_key_len == 4);
	CHECK(memcmp(c->peers[0].psk_key, "\x00\xff\x10\xab", 4) == 0);
	CHECK(c->peers[0].trusted_gateway);
	CHECK(c->peers[0].policy.max_lifetime == -1);
	CHECK(c->peers[0].policy.max_mitigations == 64);
	/* host bits are cleared, with a warning */
	CHECK(w.n == 1);
	CHECK_STR(w.last, "t.yaml:6: peers[0].prefixes[0]: 192.0.2.1/24 has "
	    "host bits set; using 192.0.2.0/24");
	conf_free(c);
}

static void test_values(void)
{
	struct conf	*c;

	c = good("node-id: gw9\n"
	    "state-dir: /nonexistent/dotsgw/state\n"
	    "credentials: { ca: ca.pem, cert: /abs/c.pem, key: k.key }\n"
	    "listen:\n"
	    "  - { address: '::1', port: 5000, transports: [tls] }\n"
	    "  - { address: 192.0.2.1, transports: [dtls, dtls] }\n"
	    "  - { address: '::1', port: 5001 }\n"
	    "signal-config:\n"
	    "  ack-timeout: { min: 1, max: 2.5, default: \"1.5\" }\n"
	    "  ack-random-factor: { default: 2 }\n"
	    "  heartbeat-interval: { min: 60, max: 60, default: 60 }\n"
	    "  max-age: 0\n"
	    "mitigation: { active-but-terminating: 0 }\n"
	    "peers:\n"
	    "  - name: x\n"
	    "    cert-name: X.example\n"
	    "    trusted-gateway: False\n"
	    "    prefixes: ['2001:db8::/32', 10.0.0.0/8]\n"
	    "    ports: [0, '1-65535']\n"
	    "    protocols: [0, 255]\n"
	    "    fqdns: [example.com., a-b.c_d.example]\n"
	    "    max-mitigations: 1000000\n"
	    "    max-lifetime: 2147483648\n", NULL);
	if (c == NULL)
		return;
	CHECK_STR(c->node_id, "gw9");
	CHECK_STR(c->state_dir, "/nonexistent/dotsgw/state");
	CHECK_STR(c->creds.ca_file, "/nonexistent/dotsgw/state/ca.pem");
	CHECK_STR(c->creds.cert_file, "/abs/c.pem");
	CHECK_STR(c->creds.key_file, "/nonexistent/dotsgw/state/k.key");
	CHECK(c->n_listen == 3);
	CHECK_STR(c->listen[0].address, "::1");
	CHECK(c->listen[0].port == 5000 && !c->listen[0].dtls &&
	    c->listen[0].tls);
	CHECK(c->listen[1].port == 4646 && c->listen[1].dtls &&
	    !c->listen[1].tls);
	CHECK(c->listen[2].port == 5001);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].min == 100);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].max == 250);
	CHECK(c->sig[DOTS_CFG_ACK_TIMEOUT].def == 150);
	CHECK(c->sig[DOTS_CFG_ACK_RANDOM_FACTOR].def == 200);
	CHECK(c->sig[DOTS_CFG_ACK_RANDOM_FACTOR].min == 110);
	CHECK(c->sig[DOTS_CFG_HEARTBEAT_INTERVAL].def == 60);
	CHECK(c->config_max_age == 0 && c->active_but_terminating == 0);
	CHECK(!c->peers[0].trusted_gateway);
	CHECK(c->peers[0].policy.n_ports == 2);
	CHECK(c->peers[0].policy.ports[0].upper == 0);
	CHECK(c->peers[0].policy.ports[1].lower == 1 &&
	    c->peers[0].policy.ports[1].upper == 65535);
	CHECK(c->peers[0].policy.protocols[1] == 255);
	CHECK_STR(c->peers[0].policy.fqdns.v[0], "example.com");
	CHECK_STR(c->peers[0].policy.fqdns.v[1], "a-b.c_d.example");
	CHECK(c->peers[0].policy.max_mitigations == 1000000);
	CHECK(c->peers[0].policy.max_lifetime == 2147483648LL);
	CHECK(conf_peer_by_cert_name(c, "x.EXAMPLE") == &c->peers[0]);
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"x", 1) == NULL);
	conf_free(c);
}

#define PEER "peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n" \
	     "    prefixes: [192.0.2.0/24]\n"

static void test_errors(void)
{
	/* typos and structure */
	bad(PEER "    prefixs: [192.0.2.0/24]\n",
	    "t.yaml:6: peers[0].prefixs: unknown key");
	bad("nodeid: x\n" PEER, "t.yaml:1: nodeid: unknown key");
	bad(PEER "  - name: b\n    cert-name: b\n    prefixes: [10.0.0.0/8]\n"
	    "    porrts: [1]\n", "t.yaml:9: peers[1].porrts: unknown key");
	bad("signal-config:\n  heartbeat-interval: { min: 1, maxx: 2 }\n" PEER,
	    "t.yaml:2: signal-config.heartbeat-interval.maxx: unknown key");
	bad("node-id: x\n", "t.yaml:1: peers: required key is missing");
	bad("", "t.yaml:1: peers: required key is missing");
	bad("# only a comment\n", "t.yaml:1: peers: required key is missing");
	bad("peers: []\n", "t.yaml:1: peers: at least one peer is required");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n",
	    "t.yaml:2: peers[0].prefixes: required key is missing");
	bad("peers:\n  - psk-identity: a\n    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:2: peers[0].name: required key is missing");
	bad("- a\n- b\n", "t.yaml:1: expected a mapping");
	bad("just a string\n", "t.yaml:1: expected a mapping");
	bad(PEER "node-id: a\nnode-id: b\n",
	    "t.yaml:7: node-id: duplicate key (first on line 6)");
	bad(PEER "    name: b\n",
	    "t.yaml:6: peers[0].name: duplicate key (first on line 2)");
	bad("? [a]\n: b\n" PEER, "t.yaml:1: keys must be scalars");

	/* wrong node types */
	bad("listen: 127.0.0.1\n" PEER, "t.yaml:1: listen: expected a list");
	bad("peers:\n  name: a\n", "t.yaml:2: peers: expected a list");
	bad("peers:\n  - a\n", "t.yaml:2: peers[0]: expected a mapping");
	bad("credentials: [a]\n" PEER,
	    "t.yaml:1: credentials: expected a mapping");
	bad("node-id: [a]\n" PEER, "t.yaml:1: node-id: expected a scalar");
	bad("node-id:\n" PEER, "t.yaml:1: node-id: must not be empty");
	bad("node-id: a b\n" PEER, "t.yaml:1: node-id: only printable ASCII");
	bad(PEER "    prefixes: 192.0.2.0/24\n",
	    "t.yaml:6: peers[0].prefixes: duplicate key");
	bad("peers:\n  - name: a\n    cert-name: a\n    prefixes: 10.0.0.0/8\n",
	    "t.yaml:4: peers[0].prefixes: expected a list");
	bad("peers:\n  - name: a\n    cert-name: a\n"
	    "    prefixes: [[10.0.0.0/8]]\n",
	    "t.yaml:4: peers[0].prefixes[0]: expected a scalar");
	bad("node-id: \"a\\0b\"\n" PEER, "t.yaml:1: node-id: contains a NUL");

	/* peers: names, identities, keys */
	bad(PEER "  - name: a\n    cert-name: a.example\n"
	    "    prefixes: [10.0.0.0/8]\n",
	    "t.yaml:6: peers[1].name: duplicate of peers[0]");
	bad(PEER "  - name: b\n    psk-identity: a\n    psk-key: k2\n"
	    "    prefixes: [10.0.0.0/8]\n",
	    "t.yaml:7: peers[1].psk-identity: duplicate of peers[0]");
	bad("credentials: { ca: c, cert: c, key: k }\npeers:\n"
	    "  - { name: a, cert-name: A.example, prefixes: [10.0.0.0/8] }\n"
	    "  - { name: b, cert-name: a.EXAMPLE, prefixes: [10.0.0.0/8] }\n",
	    "t.yaml:4: peers[1].cert-name: duplicate of peers[0]");
	bad(PEER "    psk-key-hex: 00\n",
	    "t.yaml:6: peers[0].psk-key-hex: give psk-key or psk-key-hex, "
	    "not both");
	bad("peers:\n  - name: a\n    psk-identity: a\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:3: peers[0].psk-identity: needs psk-key or psk-key-hex");
	bad("peers:\n  - name: a\n    cert-name: a\n    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:4: peers[0].psk-key: needs psk-identity");
	bad("peers:\n  - name: a\n    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:2: peers[0]: neither an identity "
	    "(psk-identity/cert-name) nor upstream");
	bad("peers:\n  - name: a\n    psk-identity: "
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "\n    psk-key: k\n    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:3: peers[0].psk-identity: longer than 64 bytes");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key: "
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "\n    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:4: peers[0].psk-key: must be 1..64 bytes");
	bad("peers:\n  - name: a\n    psk-identity: a\n"
	    "    psk-key: \"\\xe9t\"\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:4: peers[0].psk-key: must be printable ASCII");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key-hex: abc\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:4: peers[0].psk-key-hex: expected an even number");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key-hex: zz\n"
	    "    prefixes: [192.0.2.0/24]\n",
	    "t.yaml:4: peers[0].psk-key-hex: not a hex digit at offset 0");
	bad(PEER "    role: downstream\n",
	    "t.yaml:6: peers[0].role: unknown key");
	bad(PEER "    trusted-gateway: maybe\n",
	    "t.yaml:6: peers[0].trusted-gateway: expected true, false");
	bad("peers:\n  - name: a\n    cert-name: a\n"
	    "    prefixes: [10.0.0.0/8]\n",
	    "t.yaml:3: peers[0].cert-name: needs credentials ca, cert and key");

	/* policy lists */
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24, 192.0.2.0/33]\n",
	    "t.yaml:5: peers[0].prefixes[1]: \"192.0.2.0/33\" is not a valid "
	    "prefix");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n"
	    "    prefixes:\n      - 192.0.2.0/24\n      - example.com\n",
	    "t.yaml:7: peers[0].prefixes[1]: \"example.com\" is not a valid");
	bad("peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n"
	    "    prefixes: []\n", "t.yaml:5: peers[0].prefixes: must not be "
	    "empty");
	bad(PEER "    ports: [80, 70000]\n",
	    "t.yaml:6: peers[0].ports[1]: 70000 is out of range 0..65535");
	bad(PEER "    ports: ['90-80']\n",
	    "t.yaml:6: peers[0].ports[0]: 90-80: lower port exceeds upper");
	bad(PEER "    ports: [http]\n",
	    "t.yaml:6: peers[0].ports[0]: expected a port or");
	bad(PEER "    protocols: [6, 256]\n",
	    "t.yaml:6: peers[0].protocols[1]: 256 is out of range 0..255");
	bad(PEER "    fqdns: [Example.com]\n",
	    "t.yaml:6: peers[0].fqdns[0]: \"Example.com\" must be lowercase");
	bad(PEER "    fqdns: [a..b]\n",
	    "t.yaml:6: peers[0].fqdns[0]: \"a..b\" has an empty label");
	bad(PEER "    fqdns: ['*.example.com']\n",
	    "t.yaml:6: peers[0].fqdns[0]: \"*.example.com\" is not a domain");
	bad(PEER "    max-mitigations: 0\n",
	    "t.yaml:6: peers[0].max-mitigations: 0 is out of range 1..1000000");
	bad(PEER "    max-lifetime: 0\n",
	    "t.yaml:6: peers[0].max-lifetime: must be -1 (indefinite)");
	bad(PEER "    max-lifetime: -2\n",
	    "t.yaml:6: peers[0].max-lifetime: -2 is out of range");
	bad(PEER "    max-lifetime: 2147483649\n",
	    "t.yaml:6: peers[0].max-lifetime: 2147483649 is out of range");
	bad(PEER "    max-mitigations: 010\n",
	    "t.yaml:6: peers[0].max-mitigations: expected an integer");
	bad(PEER "    max-mitigations: 99999999999999999999999\n",
	    "t.yaml:6: peers[0].max-mitigations: expected an integer");

	/* listen */
	bad("listen:\n  - address: 127.0.0.1\n    port: 70000\n" PEER,
	    "t.yaml:3: listen[0].port: 70000 is out of range 1..65535");
	bad("listen:\n  - address: 127.0.0.1\n    shards: 0\n" PEER,
	    "t.yaml:3: listen[0].shards: 0 is out of range 1..4096");
	bad("listen:\n  - address: 127.0.0.1\n    port: 0\n" PEER,
	    "t.yaml:3: listen[0].port: 0 is out of range 1..65535");
	bad("listen:\n  - address: localhost\n" PEER,
	    "t.yaml:2: listen[0].address: \"localhost\" is not a numeric");
	bad("listen:\n  - port: 1\n" PEER,
	    "t.yaml:2: listen[0].address: required key is missing");
	bad("listen:\n  - { address: '::1', transports: [dtls, quic] }\n" PEER,
	    "t.yaml:2: listen[0].transports[1]: expected dtls or tls");
	bad("listen:\n  - { address: '::1', transports: [] }\n" PEER,
	    "t.yaml:2: listen[0].transports: at least one transport");
	bad("listen: []\n" PEER, "t.yaml:1: listen: at least one listener");
	bad("listen:\n  - { address: '::1' }\n"
	    "  - { address: '0::1', port: 4646 }\n" PEER,
	    "t.yaml:3: listen[1]: duplicate of listen[0]");

	/* credentials */
	bad("credentials:\n  cert: a.pem\n" PEER,
	    "t.yaml:2: credentials.cert: cert and key must be given together");
	bad("credentials:\n  key: a.key\n" PEER,
	    "t.yaml:2: credentials.key: cert and key must be given together");
	bad("credentials:\n  ca: \"\"\n" PEER,
	    "t.yaml:2: credentials.ca: must not be empty");

	/* signal-config */
	bad("signal-config:\n  heartbeat-interval: { min: 60 }\n" PEER,
	    "t.yaml:2: signal-config.heartbeat-interval: the implied default "
	    "30 is outside min..max 60..240; set default");
	bad("signal-config:\n  heartbeat-interval:\n    min: 15\n    max: 60\n"
	    "    default: 90\n" PEER,
	    "t.yaml:5: signal-config.heartbeat-interval.default: 90 is outside "
	    "min..max 15..60");
	bad("signal-config:\n  max-retransmit: { min: 9, max: 4, default: 5 }\n"
	    PEER,
	    "t.yaml:2: signal-config.max-retransmit.min: 9 exceeds max 4");
	bad("signal-config:\n  ack-timeout: { default: \"40.00\" }\n" PEER,
	    "t.yaml:2: signal-config.ack-timeout.default: 40.00 is outside "
	    "min..max 1.00..30.00");
	bad("signal-config:\n  ack-timeout: { default: \"2.001\" }\n" PEER,
	    "t.yaml:2: signal-config.ack-timeout.default: expected a decimal "
	    "with at most two fraction digits");
	bad("signal-config:\n  ack-timeout: { default: 2. }\n" PEER,
	    "t.yaml:2: signal-config.ack-timeout.default: expected a decimal");
	bad("signal-config:\n  ack-random-factor: { min: 0.5 }\n" PEER,
	    "t.yaml:2: signal-config.ack-random-factor.min: 0.5 is out of "
	    "range 1.00..1000.00");
	bad("signal-config:\n  probing-rate: { max: 0 }\n" PEER,
	    "t.yaml:2: signal-config.probing-rate.max: 0 is out of range");
	bad("signal-config:\n  max-age: -1\n" PEER,
	    "t.yaml:2: signal-config.max-age: -1 is out of range "
	    "0..4294967295");
	bad("mitigation:\n  active-but-terminating: 301\n" PEER,
	    "t.yaml:2: mitigation.active-but-terminating: 301 is out of range "
	    "0..300");

	/* YAML itself */
	bad("a: &x 1\nb: *x\n", "t.yaml:2: aliases are not allowed");
	bad(PEER "  - &p {name: b, cert-name: b, prefixes: [10.0.0.0/8]}\n"
	    "  - *p\n", "t.yaml:7: aliases are not allowed");
	bad("node-id: &x a\n" PEER, "t.yaml:1: anchors are not allowed");
	bad("peers:\n  - name: a\n   bad: indent\n",
	    "t.yaml:3: yaml: did not find expected '-' indicator (col 4)");
	bad("node-id: a\n  x: y\n",
	    "t.yaml:2: yaml: mapping values are not allowed in this context "
	    "(col 4)");
	bad("node-id: [a\n", "t.yaml:2: yaml: did not find expected ',' or "
	    "']' (col 1)");
	bad("node-id: \"a\n", "t.yaml:2: yaml: found unexpected end of stream");
	bad("node-id: a\n\tpeers: x\n", "t.yaml:2: yaml: ");
	bad(PEER "---\nnode-id: b\n",
	    "t.yaml:6: only one YAML document is allowed");
	bad("a: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n",
	    "t.yaml:1: nesting deeper than 16 levels");
	bad("node-id: a\x01\n", "t.yaml:1: yaml: control characters are not "
	    "allowed (col 11)");
	bad("node-id: \xff\n", "t.yaml:1: yaml: invalid leading UTF-8 octet");
}

/* capacity:, gateway: and the relay policy of a peer, all left out */
static void test_relay_defaults(void)
{
	struct conf	*c;
	const struct conf_policy *pol;

	if ((c = good(PEER, NULL)) == NULL)
		return;
	CHECK(c->capacity.bps == 10000000000ULL);
	CHECK(c->capacity.pps == 10000000);
	CHECK(c->capacity.rules == 0);
	CHECK(c->capacity.default_attack_bps == 1000000000);
	CHECK(c->capacity.default_attack_pps == 1000000);
	CHECK(c->gateway.cdid == CDID_INSERT);
	CHECK(c->gateway.hop_limit == 16);
	CHECK(c->gateway.relay_timeout_ms == 2000);
	CHECK(c->peers[0].roles == PEER_DOWNSTREAM);
	pol = &c->peers[0].policy;
	CHECK(pol->allow_local && pol->allow_upstream);
	CHECK(pol->upstreams.n == 0);
	CHECK(pol->rate_per_s == 10 && pol->rate_burst == 20);
	CHECK(!pol->drop_optional);
	CHECK(c->peers[0].up.address[0] == '\0');
	CHECK(c->peers[0].up.server_name == NULL);
	conf_free(c);
}

#define RELAY \
	"state-dir: /st\n" \
	"credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n" \
	"capacity:\n" \
	"  bps: 18446744073709551615\n" \
	"  pps: 0\n" \
	"  rules: 4294967295\n" \
	"  default-attack-bps: 0\n" \
	"  default-attack-pps: 5\n" \
	"gateway: { cdid: keep, hop-limit: 255, relay-timeout: 100 }\n" \
	"peers:\n" \
	"  - name: cust\n" \
	"    psk-identity: cust\n" \
	"    psk-key: k\n" \
	"    prefixes: [192.0.2.0/24]\n" \
	"    actions: [upstream]\n" \
	"    upstreams: [isp-b, mesh]\n" \
	"    rate: { per-second: 1, burst: 1000000 }\n" \
	"    drop-optional: yes\n" \
	"  - name: isp-b\n" \
	"    upstream:\n" \
	"      address: '2001:db8::b'\n" \
	"      port: 5684\n" \
	"      transport: tls\n" \
	"      psk-identity: gw1@isp-b\n" \
	"      psk-key-hex: 0102ff\n" \
	"      server-name: dots.isp-b.example\n" \
	"      capacity: { bps: 100000000000, pps: 50000000 }\n" \
	"      hop-limit: 1\n" \
	"      poll-interval: 5\n" \
	"  - name: isp-c\n" \
	"    upstream: { address: 198.51.100.7 }\n" \
	"  - name: mesh\n" \
	"    cert-name: gw.mesh.example\n" \
	"    prefixes: [203.0.113.0/24]\n" \
	"    actions: [local, local]\n" \
	"    upstream:\n" \
	"      address: 203.0.113.1\n" \
	"      ca: mesh-ca.pem\n" \
	"      cert: /abs/m.pem\n" \
	"      key: m.key\n"

static void test_relay(void)
{
	struct conf	*c;
	const struct conf_peer *p;

	if ((c = good(RELAY, NULL)) == NULL)
		return;
	CHECK(c->capacity.bps == UINT64_MAX && c->capacity.pps == 0);
	CHECK(c->capacity.rules == UINT32_MAX);
	CHECK(c->capacity.default_attack_bps == 0);
	CHECK(c->capacity.default_attack_pps == 5);
	CHECK(c->gateway.cdid == CDID_KEEP && c->gateway.hop_limit == 255);
	CHECK(c->gateway.relay_timeout_ms == 100);
	CHECK(c->n_peers == 4);

	p = &c->peers[0];
	CHECK(p->roles == PEER_DOWNSTREAM);
	CHECK(!p->policy.allow_local && p->policy.allow_upstream);
	CHECK(p->policy.upstreams.n == 2);
	CHECK_STR(p->policy.upstreams.v[0], "isp-b");
	CHECK_STR(p->policy.upstreams.v[1], "mesh");
	CHECK(p->policy.rate_per_s == 1 && p->policy.rate_burst == 1000000);
	CHECK(p->policy.drop_optional);

	p = &c->peers[1];
	CHECK(p->roles == PEER_UPSTREAM);
	CHECK(p->psk_identity == NULL && p->cert_name == NULL);
	CHECK_STR(p->up.address, "2001:db8::b");
	CHECK(p->up.port == 5684 && p->up.tls);
	CHECK_STR(p->up.psk_identity, "gw1@isp-b");
	CHECK(p->up.psk_key_len == 3 &&
	    memcmp(p->up.psk_key, "\x01\x02\xff", 3) == 0);
	CHECK(p->psk_key_len == 0);
	/* PSK toward it: no X.509 files, not even the defaults */
	CHECK(p->up.ca_file == NULL && p->up.cert_file == NULL &&
	    p->up.key_file == NULL);
	CHECK_STR(p->up.server_name, "dots.isp-b.example");
	CHECK(p->up.capacity_bps == 100000000000ULL);
	CHECK(p->up.capacity_pps == 50000000);
	CHECK(p->up.hop_limit == 1);
	CHECK(p->up.poll_interval == 5);

	p = &c->peers[2];
	CHECK(p->roles == PEER_UPSTREAM);
	CHECK_STR(p->up.address, "198.51.100.7");
	CHECK(p->up.port == 4646 && !p->up.tls);
	CHECK(p->up.psk_identity == NULL && p->up.psk_key_len == 0);
	CHECK_STR(p->up.ca_file, "/st/ca.pem");
	CHECK_STR(p->up.cert_file, "/st/gw.pem");
	CHECK_STR(p->up.key_file, "/st/gw.key");
	CHECK_STR(p->up.server_name, "isp-c");
	CHECK(p->up.capacity_bps == 0 && p->up.capacity_pps == 0);
	CHECK(p->up.hop_limit == 16);
	CHECK(p->up.poll_interval == 0);	/* the heartbeat interval */

	p = &c->peers[3];
	CHECK(p->roles == (PEER_DOWNSTREAM | PEER_UPSTREAM));
	CHECK(p->policy.allow_local && !p->policy.allow_upstream);
	CHECK_STR(p->up.ca_file, "/st/mesh-ca.pem");
	CHECK_STR(p->up.cert_file, "/abs/m.pem");
	CHECK_STR(p->up.key_file, "/st/m.key");
	CHECK_STR(p->up.server_name, "mesh");
	CHECK(conf_peer_by_cert_name(c, "gw.mesh.example") == p);
	/* upstream PSK identities are ours, not the peers' */
	CHECK(conf_peer_by_psk_identity(c, (const uint8_t *)"gw1@isp-b",
	    9) == NULL);
	conf_free(c);

	/* the same upstream twice, told apart by port or transport */
	c = good(PEER "  - { name: u1, upstream: { address: 192.0.2.9 } }\n"
	    "  - { name: u2, upstream: { address: 192.0.2.9, port: 1 } }\n"
	    "  - { name: u3, upstream: { address: 192.0.2.9, transport: tls "
	    "} }\n"
	    "credentials: { ca: c, cert: c, key: k }\n", NULL);
	conf_free(c);
}

/* Secrets toward an upstream count for the mode warning too. */
static void test_relay_warnings(void)
{
	struct conf	*c;
	struct warns	 w = { 0, "" };

	c = good("peers:\n  - name: a\n    psk-identity: a\n    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24]\n    actions: [upstream]\n", &w);
	CHECK(w.n == 1);
	CHECK_STR(w.last, "t.yaml:6: peers[0].actions: upstream only, but no "
	    "peer has an upstream mapping: every request will fail with "
	    "attack-exceeded-capability");
	conf_free(c);
}

#define UP "  - name: up\n    upstream:\n      address: 192.0.2.1\n"
#define UPPSK UP "      psk-identity: me\n      psk-key: k\n"

static void test_relay_errors(void)
{
	/* roles */
	bad("peers:\n  - name: a\n", "t.yaml:2: peers[0]: neither an "
	    "identity (psk-identity/cert-name) nor upstream");
	bad("peers:\n" UPPSK "    prefixes: [10.0.0.0/8]\n",
	    "t.yaml:7: peers[0].prefixes: for downstream peers only (this "
	    "one has no psk-identity or cert-name)");
	bad("peers:\n" UPPSK "    actions: [local]\n",
	    "t.yaml:7: peers[0].actions: for downstream peers only");
	bad("peers:\n" UPPSK "    upstreams: [up]\n",
	    "t.yaml:7: peers[0].upstreams: for downstream peers only");
	bad("peers:\n" UPPSK "    rate: { per-second: 1 }\n",
	    "t.yaml:7: peers[0].rate: for downstream peers only");
	bad("peers:\n" UPPSK "    drop-optional: true\n",
	    "t.yaml:7: peers[0].drop-optional: for downstream peers only");
	bad("peers:\n" UPPSK "    trusted-gateway: true\n",
	    "t.yaml:7: peers[0].trusted-gateway: for downstream peers only");
	bad("peers:\n" UPPSK "    max-mitigations: 3\n",
	    "t.yaml:7: peers[0].max-mitigations: for downstream peers only");
	bad("peers:\n  - name: a\n    cert-name: a\n    upstream: { address: "
	    "192.0.2.1, psk-identity: x, psk-key: k }\n",
	    "t.yaml:2: peers[0].prefixes: required key is missing");
	bad("peers:\n  - name: a\n    upstream: []\n",
	    "t.yaml:3: peers[0].upstream: expected a mapping");

	/* the upstream mapping */
	bad("peers:\n  - name: up\n    upstream: { port: 1 }\n",
	    "t.yaml:3: peers[0].upstream.address: required key is missing");
	bad("peers:\n  - name: up\n    upstream: { address: isp.example }\n",
	    "t.yaml:3: peers[0].upstream.address: \"isp.example\" is not a "
	    "numeric IPv4 or IPv6 address");
	bad("peers:\n" UPPSK "      port: 0\n",
	    "t.yaml:7: peers[0].upstream.port: 0 is out of range 1..65535");
	bad("peers:\n" UPPSK "      transport: quic\n",
	    "t.yaml:7: peers[0].upstream.transport: expected dtls or tls, "
	    "not \"quic\"");
	bad("peers:\n" UPPSK "      hop-limit: 0\n",
	    "t.yaml:7: peers[0].upstream.hop-limit: 0 is out of range 1..255");
	bad("peers:\n" UPPSK "      hop-limit: 256\n",
	    "t.yaml:7: peers[0].upstream.hop-limit: 256 is out of range");
	bad("peers:\n" UPPSK "      poll-interval: 0\n",
	    "t.yaml:7: peers[0].upstream.poll-interval: 0 is out of range "
	    "1..3600");
	bad("peers:\n" UPPSK "      poll-interval: 3601\n",
	    "t.yaml:7: peers[0].upstream.poll-interval: 3601 is out of range");
	bad("peers:\n" UPPSK "      poll-interval: 1s\n",
	    "t.yaml:7: peers[0].upstream.poll-interval: expected an integer");
	bad("peers:\n" UPPSK "      capacity: { bps: -1 }\n",
	    "t.yaml:7: peers[0].upstream.capacity.bps: -1 is out of range "
	    "0..18446744073709551615");
	bad("peers:\n" UPPSK "      capacity: { pps: 18446744073709551616 }\n",
	    "t.yaml:7: peers[0].upstream.capacity.pps: 18446744073709551616 "
	    "is out of range");
	bad("peers:\n" UPPSK "      capacity: { bps: 1G }\n",
	    "t.yaml:7: peers[0].upstream.capacity.bps: expected an integer, "
	    "not \"1G\"");
	bad("peers:\n" UPPSK "      capacity: { gbps: 1 }\n",
	    "t.yaml:7: peers[0].upstream.capacity.gbps: unknown key");
	bad("peers:\n" UPPSK "      role: upstream\n",
	    "t.yaml:7: peers[0].upstream.role: unknown key");
	bad("peers:\n" UP "      psk-identity: me\n",
	    "t.yaml:5: peers[0].upstream.psk-identity: needs psk-key or "
	    "psk-key-hex");
	bad("peers:\n" UP "      psk-key: k\n",
	    "t.yaml:5: peers[0].upstream.psk-key: needs psk-identity");
	bad("peers:\n" UPPSK "      psk-key-hex: 00\n",
	    "t.yaml:7: peers[0].upstream.psk-key-hex: give psk-key or "
	    "psk-key-hex, not both");
	bad("peers:\n" UPPSK "      ca: ca.pem\n",
	    "t.yaml:7: peers[0].upstream.ca: give psk-identity or X.509 (ca, "
	    "cert, key), not both");
	bad("peers:\n" UP "      cert: c.pem\n"
	    "credentials: { ca: c, cert: c, key: k }\n",
	    "t.yaml:5: peers[0].upstream.cert: cert and key must be given "
	    "together");
	bad("peers:\n" UP, "t.yaml:3: peers[0].upstream: X.509 needs ca, cert "
	    "and key (here or in credentials), or give psk-identity");
	bad("credentials: { cert: c, key: k }\npeers:\n" UP,
	    "t.yaml:4: peers[0].upstream: X.509 needs ca, cert and key");
	bad("credentials: { ca: c }\npeers:\n" UP "      cert: c\n",
	    "t.yaml:6: peers[0].upstream.cert: cert and key must be given");
	bad("peers:\n" UPPSK "      server-name: \"\"\n",
	    "t.yaml:7: peers[0].upstream.server-name: must not be empty");
	bad("peers:\n" UPPSK "  - name: up2\n    upstream:\n"
	    "      address: 192.0.2.1\n      port: 4646\n"
	    "      psk-identity: me\n      psk-key: k\n",
	    "t.yaml:8: peers[1].upstream: same address, port and transport "
	    "as peers[0]");
	bad("peers:\n  - { name: u1, upstream: { address: '::1', "
	    "transport: tls, psk-identity: a, psk-key: b } }\n"
	    "  - { name: u2, upstream: { address: '0::1', "
	    "transport: tls, psk-identity: a, psk-key: b } }\n",
	    "t.yaml:3: peers[1].upstream: same address, port and transport "
	    "as peers[0]");

	/* the downstream relay policy */
	bad(PEER "    actions: []\n",
	    "t.yaml:6: peers[0].actions: must not be empty");
	bad(PEER "    actions: [local, relay]\n",
	    "t.yaml:6: peers[0].actions[1]: expected local or upstream, not "
	    "\"relay\"");
	bad(PEER "    actions: local\n",
	    "t.yaml:6: peers[0].actions: expected a list");
	bad(PEER "    upstreams: []\n",
	    "t.yaml:6: peers[0].upstreams: must not be empty");
	bad(PEER "    upstreams: [nobody]\n",
	    "t.yaml:6: peers[0].upstreams[0]: \"nobody\" names no peer");
	bad(PEER "    upstreams: [a]\n",
	    "t.yaml:6: peers[0].upstreams[0]: \"a\" is this peer itself");
	bad(PEER "    upstream: { address: 192.0.2.1, psk-identity: x, "
	    "psk-key: y }\n    upstreams: [a]\n",
	    "t.yaml:7: peers[0].upstreams[0]: \"a\" is this peer itself");
	bad(PEER "    upstreams:\n      - up\n      - b\n" UPPSK
	    "  - { name: b, cert-name: b, prefixes: [10.0.0.0/8] }\n"
	    "credentials: { ca: c, cert: c, key: k }\n",
	    "t.yaml:8: peers[0].upstreams[1]: \"b\" is not an upstream peer");
	bad(PEER "    rate: { per-second: 0 }\n",
	    "t.yaml:6: peers[0].rate.per-second: 0 is out of range "
	    "1..1000000");
	bad(PEER "    rate: { burst: 1000001 }\n",
	    "t.yaml:6: peers[0].rate.burst: 1000001 is out of range "
	    "1..1000000");
	bad(PEER "    rate: { per-minute: 1 }\n",
	    "t.yaml:6: peers[0].rate.per-minute: unknown key");
	bad(PEER "    rate: 10\n", "t.yaml:6: peers[0].rate: expected a "
	    "mapping");
	bad(PEER "    drop-optional: sometimes\n",
	    "t.yaml:6: peers[0].drop-optional: expected true, false");

	/* capacity and gateway */
	bad("capacity: { bps: 10G }\n" PEER,
	    "t.yaml:1: capacity.bps: expected an integer, not \"10G\"");
	bad("capacity: { pps: -5 }\n" PEER,
	    "t.yaml:1: capacity.pps: -5 is out of range");
	bad("capacity: { rules: 4294967296 }\n" PEER,
	    "t.yaml:1: capacity.rules: 4294967296 is out of range "
	    "0..4294967295");
	bad("capacity: { default-attack-bps: 1.5 }\n" PEER,
	    "t.yaml:1: capacity.default-attack-bps: expected an integer");
	bad("capacity: { rule: 1 }\n" PEER,
	    "t.yaml:1: capacity.rule: unknown key");
	bad("capacity: 1\n" PEER, "t.yaml:1: capacity: expected a mapping");
	bad("gateway: { cdid: strip }\n" PEER,
	    "t.yaml:1: gateway.cdid: expected insert, keep or off, not "
	    "\"strip\"");
	bad("gateway: { hop-limit: 0 }\n" PEER,
	    "t.yaml:1: gateway.hop-limit: 0 is out of range 1..255");
	bad("gateway: { relay-timeout: 99 }\n" PEER,
	    "t.yaml:1: gateway.relay-timeout: 99 is out of range 100..60000");
	bad("gateway: { relay-timeout: 60001 }\n" PEER,
	    "t.yaml:1: gateway.relay-timeout: 60001 is out of range");
	bad("gateway:\n  cdid: off\n  cdid: on\n" PEER,
	    "t.yaml:3: gateway.cdid: duplicate key (first on line 2)");
}

/* The NUL byte inside the buffer, not at its end. */
static void test_nul(void)
{
	static const char text[] = "node-id: a\0b\n" PEER;
	struct conf	*c = NULL;
	char		 err[CONF_ERRLEN];

	CHECK(conf_load_string("t.yaml", text, sizeof(text) - 1, &c, err,
	    sizeof(err), NULL, NULL) == -1);
	CHECK(c == NULL);
	CHECK(starts(err, "t.yaml:1: yaml: control characters are not "
	    "allowed"));
	/* a tiny error buffer is truncated, never overrun */
	CHECK(conf_load_string("t.yaml", "x: 1\n", 5, &c, err, 8, NULL,
	    NULL) == -1);
	CHECK(strcmp(err, "t.yaml:") == 0);
	CHECK(conf_load_string("t.yaml", "x: 1\n", 5, &c, NULL, 0, NULL,
	    NULL) == -1);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	CHECK(chmod(path, mode) == 0);
}

static void test_mode_warning(void)
{
	char		 dir[] = "/tmp/test_conf.XXXXXX", path[64], want[256];
	char		 err[CONF_ERRLEN], sub[96];
	struct conf	*c = NULL;
	struct warns	 w = { 0, "" };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/gw.yaml", dir);
	snprintf(sub, sizeof(sub), "%s/state", dir);
	CHECK(mkdir(sub, 0700) == 0);

	write_file(path, "state-dir: state\n" PEER, 0644);
	CHECK(conf_load(path, &c, err, sizeof(err), collect, &w) == 0);
	snprintf(want, sizeof(want), "%s: holds PSK secrets but is readable "
	    "by group/others (mode 0644); chmod 600", path);
	CHECK(w.n == 1);
	CHECK_STR(w.last, want);
	if (c != NULL)
		CHECK_STR(c->state_dir, sub);
	conf_free(c);

	w.n = 0;
	CHECK(chmod(path, 0640) == 0);
	CHECK(conf_load(path, &c, err, sizeof(err), collect, &w) == 0);
	CHECK(w.n == 1 && strstr(w.last, "(mode 0640)") != NULL);
	conf_free(c);

	w.n = 0;
	CHECK(chmod(path, 0600) == 0);
	CHECK(conf_load(path, &c, err, sizeof(err), collect, &w) == 0);
	CHECK(w.n == 0);
	conf_free(c);

	/* no secrets, no warning; conf_load_string never checks modes */
	write_file(path, "credentials: { ca: c, cert: c, key: k }\npeers:\n"
	    "  - { name: a, cert-name: a, prefixes: [10.0.0.0/8] }\n", 0644);
	CHECK(conf_load(path, &c, err, sizeof(err), collect, &w) == 0);
	CHECK(w.n == 0);
	conf_free(c);
	c = good(PEER, &w);
	CHECK(w.n == 0);
	conf_free(c);

	/* errors carry the path; a missing file says why */
	write_file(path, PEER "    prefixs: [1.2.3.4]\n", 0600);
	CHECK(conf_load(path, &c, err, sizeof(err), NULL, NULL) == -1);
	snprintf(want, sizeof(want), "%s:6: peers[0].prefixs: unknown key",
	    path);
	CHECK_STR(err, want);
	CHECK(c == NULL);
	CHECK(unlink(path) == 0);
	CHECK(conf_load(path, &c, err, sizeof(err), NULL, NULL) == -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK_STR(err, want);
	CHECK(conf_load(dir, &c, err, sizeof(err), NULL, NULL) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	rmdir(sub);
	rmdir(dir);
}

static void test_admin_audit(void)
{
	struct conf	*c;

	/* defaults: no admin endpoint, no audit log */
	if ((c = good(PEER, NULL)) == NULL)
		return;
	CHECK(c->admin.port == 0);
	CHECK_STR(c->admin.address, "127.0.0.1");
	CHECK(!c->admin.allow_remote);
	CHECK(c->audit_log == NULL);
	conf_free(c);
	c = good("state-dir: /var/lib/dotsgw\naudit-log: audit.log\n"
	    "admin: { address: \"::1\", port: 4647 }\n" PEER, NULL);
	if (c == NULL)
		return;
	CHECK(c->admin.port == 4647);
	CHECK_STR(c->admin.address, "::1");
	CHECK_STR(c->audit_log, "/var/lib/dotsgw/audit.log");
	conf_free(c);
	c = good("audit-log: off\nadmin: { address: 10.1.2.3, port: 1, "
	    "allow-remote: true }\n" PEER, NULL);
	if (c == NULL)
		return;
	CHECK(c->audit_log == NULL);
	CHECK(c->admin.allow_remote);
	conf_free(c);
	/* port 0 turns it off: the address does not matter then */
	conf_free(good("admin: { address: 10.1.2.3, port: 0 }\n" PEER, NULL));
	bad("admin: { address: 10.1.2.3, port: 4647 }\n" PEER,
	    "t.yaml:1: admin.address: is not a loopback address");
	bad("admin:\n  address: \"::2\"\n  port: 4647\n" PEER,
	    "t.yaml:2: admin.address: is not a loopback address");
	bad("admin: { port: 65536 }\n" PEER, "t.yaml:1: admin.port: 65536 is "
	    "out of range");
	bad("admin: { address: localhost }\n" PEER, "t.yaml:1: admin.address: "
	    "\"localhost\" is not a numeric");
}

int main(void)
{
	TEST("conf: quickstart file") test_quickstart();
	TEST("conf: defaults") test_defaults();
	TEST("conf: values") test_values();
	TEST("conf: errors") test_errors();
	TEST("conf: relay defaults") test_relay_defaults();
	TEST("conf: relay values") test_relay();
	TEST("conf: relay warnings") test_relay_warnings();
	TEST("conf: relay errors") test_relay_errors();
	TEST("conf: NUL bytes, small buffers") test_nul();
	TEST("conf: mode warning") test_mode_warning();
	TEST("conf: admin and audit-log") test_admin_audit();
	return UNIT_EXIT();
}
