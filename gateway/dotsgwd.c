/*
 * dotsgwd: the dotsgw daemon. Loads and validates the configuration, brings
 * up the DOTS server side and runs the one libevent loop until SIGTERM.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <event2/event.h>
#include <gnutls/gnutls.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/tls_audit.h"
#include "common/version.h"
#include "gateway/control/admin.h"
#include "gateway/state/audit.h"
#include "gateway/state/cluster.h"
#include "gateway/downstream/durable.h"
#include "gateway/downstream/observe.h"
#include "gateway/gw.h"
#include "gateway/control/metrics.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/usage.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/mitigator/mitigator_dc_acl.h"
#include "gateway/relay/orch.h"
#include "gateway/relay/orch_member.h"
#include "gateway/datachannel/datachannel.h"
#include "gateway/state/dc_table.h"
#include "gateway/relay/relay.h"
#include "gateway/relay/lease.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/control/reload.h"
#include "gateway/core/fd_limit.h"
#include "gateway/core/heap_pages.h"
#include "gateway/downstream/server.h"
#include "gateway/state/statedir.h"
#include "gateway/state/store.h"
#include "gateway/state/telemetry.h"
#include "gateway/relay/tm_relay.h"
#include "gateway/downstream/tm_observe.h"
#include "gateway/upstream/upstream.h"

#define DEFAULT_CONFIG	"/etc/dotsgw/dotsgw.yaml"

static const char usage_text[] =
    "usage: dotsgwd [-fhnVv] [-c config]\n"
    "  -c, --config FILE  configuration file (default " DEFAULT_CONFIG ")\n"
    "  -f, --foreground   stay in the foreground\n"
    "  -h, --help         this text\n"
    "  -n, --check        check the configuration and exit\n"
    "  -V, --version      print the version and exit\n"
    "  -v, --verbose      more verbose (twice: libcoap debug too)\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "check", no_argument, NULL, 'n' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* Asked for (-h): stdout, 0; a usage error: stderr, 64. */
static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

static void __attribute__((noreturn))
version(void)
{
	printf("dotsgwd %s (%s, GnuTLS %s)\n", DOTSGW_VERSION,
	    coap_package_version(), gnutls_check_version(NULL));
	exit(0);
}

static void
conf_warning(void *arg, const char *msg)
{
	log_warnx("%s", msg);
}

/* The lines logged in this turn of the loop leave together (log.h). */
static void
on_log(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

static void
log_kick(void *arg)
{
	event_active(arg, EV_TIMEOUT, 0);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw *gw = arg;

	log_info("%s: shutting down", strsignal((int)sig));
	event_base_loopexit(gw->base, NULL);
}

/* SIGHUP: reload the configuration and reopen the audit log (rotation);
 * a bad file changes nothing but the audit log is reopened all the same. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct gw *gw = arg;
	char msg[CONF_ERRLEN + 64];

	log_info("SIGHUP: reloading %s", gw->conf->path);
	if (gw_reload(gw, msg, sizeof(msg)) == -1 && audit_reopen(gw) == -1)
		log_warnx("audit log: cannot reopen; still writing the old "
		    "file");
}

/*
 * Upstream sessions: the orchestrator membership picks the active
 * orchestrator before the relay resynchronises or places anything there;
 * going down, the relay fails over first. A replaced session is the
 * relay's business only (membership does not change).
 */
static void
on_upstream_up(struct upstream *us, void *arg)
{
	orch_member_up(us);
	relay_upstream_up(us);
}

static void
on_upstream_down(struct upstream *us, void *arg)
{
	relay_upstream_down(us);
	orch_member_down(us);
}

static void
on_upstream_replaced(struct upstream *us, void *arg)
{
	relay_upstream_down(us);
}

static void
wire_upstream_events(struct gw *gw)
{
	static const struct upstream_events ev = {
		.up = on_upstream_up,
		.down = on_upstream_down,
		.replaced = on_upstream_replaced,
	};

	gw->up_events = &ev;
}

/* ---------------------------------------------------------------- */
/* The state layer's events, to the layers above it */

static void
relay_on_refreshed(struct mitigation *m, void *arg)
{
	relay_refresh(m);
}

static void
relay_on_ending(struct mitigation *m, enum mit_end why, void *arg)
{
	relay_withdraw(m);
}

static void
relay_on_activated(struct mitigation *m, void *arg)
{
	relay_activate(m);
}

static void
relay_on_ended(struct mitigation *m, void *arg)
{
	relay_free(m);
}

static uint32_t
relay_on_report(const struct mitigation *m, uint64_t ctr[4], void *arg)
{
	if (ctr != NULL)
		relay_counters(m, ctr);
	return relay_status(m);
}

static void
persist_on_mit(struct mitigation *m, void *gw)
{
	persist_mit(gw, m);
}

static void
persist_on_ending(struct mitigation *m, enum mit_end why, void *gw)
{
	persist_mit(gw, m);
}

static void
durable_on_synced(void *durable, const char *error)
{
	durable_synced(durable, error);
}

static int
relay_on_restored(struct mitigation *m, const struct store_mit *r,
    void *arg)
{
	if (!cluster_owns(arg, r->cuid, r->mid))
		return 0;	/* another node's to relay */
	return relay_restore(m, r->local, r->cdid_up, r->hop_limit);
}

static int
relay_on_restored_placement(struct mitigation *m, const struct store_pl *r,
    void *gw)
{
	struct upstream *us = upstream_find(gw, r->upstream);

	if (us == NULL)		/* no longer configured: decided again */
		return 0;
	if (m->relay == NULL)	/* another cluster node's */
		return 0;
	return relay_restore_placement(m, us, r->umid, r->lifetime);
}

/*
 * The mitigation table's subscribers, in this order (mitigation.h: events
 * go to them in it, teardown in reverse): the downstream resources
 * observers see, audit, the relay, persist. So a withdrawal is audited
 * before the relay withdraws it and stored last, and a removal is deleted
 * from the store, then freed in the relay, then its resources go. The
 * store's group sync releases the durable answers.
 */
static int
wire_state_events(struct gw *gw)
{
	const struct mit_events observations = {
		.client_ended = observe_on_client_ended,
		.ended = observe_on_ended,
		.changed = observe_on_changed,
		.client_changed = observe_on_client_changed,
		.arg = gw,
	};
	const struct mit_events audit = {
		.ending = audit_ending,
		.arg = gw,
	};
	const struct mit_events relay = {
		.refreshed = relay_on_refreshed,
		.ending = relay_on_ending,
		.activated = relay_on_activated,
		.ended = relay_on_ended,
		.report_status = relay_on_report,
		.arg = gw,
	};
	const struct mit_events persist = {
		.created = persist_on_mit,
		.refreshed = persist_on_mit,
		.ending = persist_on_ending,
		.activated = persist_on_mit,
		.ended = persist_on_mit,
		.arg = gw,
	};

	persist_on_synced(gw, durable_on_synced, gw->durable);
	if (mit_subscribe(gw->mt, &observations) == -1 ||
	    mit_subscribe(gw->mt, &audit) == -1 ||
	    mit_subscribe(gw->mt, &relay) == -1 ||
	    mit_subscribe(gw->mt, &persist) == -1)
		return -1;
	return 0;
}

/*
 * The data channel (RFC 8783): its table in gateway/state, which the
 * signal channel's alias-name resolution reads too, and, when
 * "data-channel: {port}" is set, its HTTPS server. -1 on failure.
 */
static int
wire_data_channel(struct gw *gw)
{
	if ((gw->dc = dc_table_new(gw)) == NULL)
		return -1;
	if (gw->conf->data_channel.port != 0 &&
	    (gw->datachannel = datachannel_start(gw)) == NULL)
		return -1;
	return 0;
}

/*
 * The data-channel client toward upstreams (relay/dc_push.c): the ACLs a
 * relayed acl-list names are created at an upstream with "data-channel:"
 * first. Always there, so a reload may add a data channel. -1 on failure.
 */
static int
wire_dc_upstream(struct gw *gw)
{
	return (gw->dc_up = dc_up_new(gw)) == NULL ? -1 : 0;
}

/*
 * The data channel's filtering ACLs become the local mitigator's rules
 * (gateway/mitigator/mitigator_dc_acl.h): told of every ACL change and
 * of every mitigation that starts or ends (activate-when-mitigating);
 * the stored ACLs are applied now, before the mitigations are restored
 * (their events apply the rest). -1 on failure.
 */
static void
dc_acl_on_changed(void *gw, const char *peer, const char *cuid,
    const char *name, const struct dc_acl *acl)
{
	mitigator_dc_acl_changed(gw, peer, cuid, name, acl);
}

static void
dc_acl_on_mit(struct mitigation *m, void *gw)
{
	mitigator_dc_acl_client(gw, m->client);
}

static void
dc_acl_on_ending(struct mitigation *m, enum mit_end why, void *gw)
{
	mitigator_dc_acl_client(gw, m->client);
}

static int
wire_dc_acls(struct gw *gw)
{
	const struct dc_acl_events acl = {
		.changed = dc_acl_on_changed,
		.arg = gw,
	};
	const struct mit_events mit = {
		.created = dc_acl_on_mit,
		.restored = dc_acl_on_mit,
		.activated = dc_acl_on_mit,
		.ending = dc_acl_on_ending,
		.arg = gw,
	};

	dc_acl_subscribe(gw->dc, &acl);
	if (mit_subscribe(gw->mt, &mit) == -1)
		return -1;
	mitigator_dc_acl_start(gw);
	return 0;
}

/*
 * Usage accounting (gateway/state/usage.h): it subscribes to the table
 * after persist, and the relay calls it for placements. -1 when out of
 * memory.
 */
static int
wire_usage(struct gw *gw)
{
	return usage_wire(gw);
}

/*
 * RFC 9244 telemetry: the table of what downstream peers report (restored
 * from the store), served by gateway/downstream/telemetry.c. -1 on
 * failure.
 */
static int
wire_telemetry(struct gw *gw)
{
	static const struct tm_events relay_ev = {
		.report = tm_relay_on_report,
	}, observe_ev = {
		.report = tm_observe_on_report,
	};

	if ((gw->tm = tm_table_new(gw)) == NULL ||
	    (gw->tm_relay = tm_relay_new(gw)) == NULL ||
	    (gw->tm_observe = tm_observe_new(gw)) == NULL ||
	    tm_subscribe(gw->tm, &relay_ev, gw) == -1 ||
	    tm_subscribe(gw->tm, &observe_ev, gw) == -1)
		return -1;
	return 0;
}

/* An upstream's next mid as the cluster's database has it. */
static void
cluster_next_mid(struct gw *gw, const char *upstream, uint32_t next)
{
	struct upstream *us = upstream_find(gw, upstream);

	if (us != NULL && next > us->next_mid)
		us->next_mid = next;
}

/*
 * The cluster (cluster: in the configuration, gateway/state/cluster.h):
 * nodes sharing one PostgreSQL database. Before the restore, so that it
 * knows which mitigations this node relays. -1 on failure (logged).
 */
static int
cluster_adopt(struct gw *gw, struct mitigation *m, const struct store_mit *r,
    const struct store_pl *pl, size_t n)
{
	return relay_adopt(m, r, pl, n);
}

static void
cluster_release(struct gw *gw, struct mitigation *m)
{
	relay_release(m);
}

static int
wire_cluster(struct gw *gw)
{
	const struct cluster_hooks hooks = {
		.next_mid = cluster_next_mid,
		.adopt = cluster_adopt,
		.release = cluster_release,
	};

	return cluster_open(gw, &hooks);
}

static void
gw_free(struct gw *gw)
{
	dc_up_free(gw->dc_up);	/* before the mitigations: no callback */
	gw->dc_up = NULL;
	datachannel_free(gw->datachannel);
	gw->datachannel = NULL;
	admin_free(gw->admin);
	mitigator_free(gw);		/* rules stay: a restart reconciles */
	upstreams_closing(gw);		/* placements stay: a restart resyncs */
	mit_table_free(gw->mt);		/* before the resources it points at */
	gw->mt = NULL;
	orch_free(gw->orch);
	dc_table_free(gw->dc);
	gw->dc = NULL;
	tm_relay_free(gw->tm_relay);
	gw->tm_relay = NULL;
	tm_observe_free(gw->tm_observe);
	gw->tm_observe = NULL;
	tm_table_free(gw->tm);
	gw->tm = NULL;
	upstreams_free(gw);
	server_free(gw->srv);
	peers_free(gw);
	durable_free(gw->durable);	/* after the server: durable.h */
	gw->durable = NULL;
	usage_close(gw);		/* after the table and the relay */
	cluster_close(gw);
	persist_close(gw);
	metrics_free(gw->metrics);
	audit_close(gw->audit);
	heap_pages_free(gw->heap_pages);
	conf_free(gw->conf);
	if (gw->base != NULL)
		event_base_free(gw->base);
}

/* One descriptor per TLS session and per upstream session (issue 16). */
static void
raise_fd_limit(void)
{
	rlim_t n;

	if (fd_limit_raise(&n) == -1)
		log_warn("RLIMIT_NOFILE");
	else
		log_debug("up to %llu descriptors", (unsigned long long)n);
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_CONFIG;
	struct event *sigev[2], *hupev, *logev;
	const int sigs[2] = { SIGTERM, SIGINT };
	char err[CONF_ERRLEN];
	int ch, foreground = 0, check = 0, verbose = 0;
	struct gw gw;
	/* what the relay restores of each mitigation the store gives back */
	const struct persist_restore_hooks restore = {
		.mit = relay_on_restored,
		.placement = relay_on_restored_placement,
		.arg = &gw,
	};

	while ((ch = getopt_long(argc, argv, "c:fhnVv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(0);
		case 'V':
			version();
		default:
			usage(64);
		}
	}
	if (optind != argc)
		usage(64);
	log_init("dotsgwd", verbose);
	memset(&gw, 0, sizeof(gw));
	if (conf_load(path, &gw.conf, err, sizeof(err), conf_warning,
	    NULL) == -1) {
		fprintf(stderr, "dotsgwd: %s\n", err);
		return 1;
	}
	if (check) {
		/* -nv: the effective configuration on stdout, secrets
		 * redacted (conf_print) */
		if (verbose > 0 && conf_print(gw.conf, stdout) == -1) {
			fprintf(stderr, "dotsgwd: %s: cannot print the "
			    "configuration\n", path);
			conf_free(gw.conf);
			return 1;
		}
		fprintf(stderr, "dotsgwd: %s: configuration OK (%zu peers)\n",
		    path, gw.conf->n_peers);
		conf_free(gw.conf);
		return 0;
	}
	/* before daemon(): a failure is seen on the terminal */
	if (state_dir_make(gw.conf->state_dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "dotsgwd: %s\n", err);
		conf_free(gw.conf);
		return 1;
	}
	if (!foreground && daemon(1, 0) == -1)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	coap_startup();
	tls_audit_install();
	if ((gw.base = event_base_new()) == NULL ||
	    event_base_priority_init(gw.base, GW_PRIOS) == -1)
		fatalx("event_base_new failed");
	gw.heap_pages = heap_pages_new(gw.base,
	    (size_t)gw.conf->huge_pages_above << 20);
	if (persist_open(&gw) == -1)
		fatalx("cannot open the state store in %s", gw.conf->state_dir);
	gw.started_ms = gw_now_ms();
	if (peers_init(&gw) == -1 || (gw.mt = mit_table_new(&gw)) == NULL ||
	    (gw.durable = durable_new(&gw)) == NULL ||
	    wire_state_events(&gw) == -1 || wire_usage(&gw) == -1 ||
	    (gw.metrics = metrics_new()) == NULL || mitigator_new(&gw) == -1)
		fatalx("out of memory");
	if (audit_open(&gw) == -1)
		fatalx("cannot open the audit log %s", gw.conf->audit_log);
	wire_upstream_events(&gw);
	if (wire_data_channel(&gw) == -1 || wire_dc_upstream(&gw) == -1 ||
	    wire_telemetry(&gw) == -1 ||
	    server_new(&gw) == NULL || upstreams_init(&gw) == -1 ||
	    admin_start(&gw) == -1 ||
	    (gw.conf->role == ROLE_ORCHESTRATOR && orch_new(&gw) == NULL)) {
		gw_free(&gw);
		coap_cleanup();
		fatalx("cannot start the DOTS server");
	}
	if (wire_dc_acls(&gw) == -1) {
		gw_free(&gw);
		coap_cleanup();
		fatalx("out of memory");
	}
	if (wire_cluster(&gw) == -1) {
		gw_free(&gw);
		coap_cleanup();
		fatalx("cannot join the cluster");
	}
	if (persist_restore(&gw, &restore) == -1) {
		gw_free(&gw);
		coap_cleanup();
		fatalx("cannot restore the state store");
	}
	for (int i = 0; i < 2; i++) {
		sigev[i] = evsignal_new(gw.base, sigs[i], on_signal, &gw);
		event_add(sigev[i], NULL);
	}
	hupev = evsignal_new(gw.base, SIGHUP, on_hup, &gw);
	event_add(hupev, NULL);
	log_info("dotsgwd ready: node %s, %zu peers%s", gw.conf->node_id,
	    gw.conf->n_peers, gw.conf->role == ROLE_ORCHESTRATOR ?
	    ", orchestrator" : "");
	if ((logev = event_new(gw.base, -1, 0, on_log, NULL)) != NULL)
		log_hold(log_kick, logev);
	event_base_dispatch(gw.base);
	log_hold(NULL, NULL);
	if (logev != NULL)
		event_free(logev);
	gw.stopping = true;
	for (int i = 0; i < 2; i++)
		event_free(sigev[i]);
	event_free(hupev);
	gw_free(&gw);
	coap_cleanup();
	return 0;
}
