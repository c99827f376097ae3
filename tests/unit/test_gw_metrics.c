/* gateway/metrics.c: what the hot path counts and how /metrics shows it. */
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "common/conf.h"
#include "gateway/gw.h"
#include "gateway/control/metrics.h"
#include "gateway/state/counters.h"
#include "unit.h"

static const char conf_text[] =
    "capacity: { bps: 5000, pps: 70, rules: 3 }\n"
    "peers:\n"
    "  - { name: a, psk-identity: a, psk-key: k, prefixes: [10.0.0.0/8] }\n";

/* The value of the sample line that starts with key, or -1. */
static double
sample(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p != NULL && *p != '\0';
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static char *
render(struct gw *gw)
{
	size_t len;
	char *t = metrics_render(gw, &len);

	CHECK(t != NULL && strlen(t) == len);
	return t;
}

static void
test_requests(struct gw *gw)
{
	int put = COAP_REQUEST_CODE_PUT, get = COAP_REQUEST_CODE_GET;
	char *t;

	metrics_request(gw->metrics, "a", put, COAP_RESPONSE_CODE(201));
	metrics_request(gw->metrics, "a", put, COAP_RESPONSE_CODE(201));
	metrics_request(gw->metrics, "a", put, COAP_RESPONSE_CODE(401));
	metrics_request(gw->metrics, "b", get, COAP_RESPONSE_CODE(205));
	metrics_request(gw->metrics, "a", put, 0);	/* no answer yet */
	metrics_request(NULL, "a", put, COAP_RESPONSE_CODE(201));
	/* peer names are printable without spaces: '"' and '\\' may occur */
	metrics_request(gw->metrics, "q\"x\\", get, COAP_RESPONSE_CODE(404));
	t = render(gw);
	CHECK(sample(t, "dotsgw_requests_total{peer=\"q\\\"x\\\\\","
	    "method=\"GET\",code=\"4.04\"}") == 1);
	CHECK(sample(t, "dotsgw_requests_total{peer=\"a\",method=\"PUT\","
	    "code=\"2.01\"}") == 2);
	CHECK(sample(t, "dotsgw_requests_total{peer=\"a\",method=\"PUT\","
	    "code=\"4.01\"}") == 1);
	CHECK(sample(t, "dotsgw_requests_total{peer=\"b\",method=\"GET\","
	    "code=\"2.05\"}") == 1);
	CHECK(strstr(t, "code=\"0.00\"") == NULL);
	CHECK(strstr(t, "# TYPE dotsgw_requests_total counter\n") != NULL);
	free(t);
}

static void
test_latency(struct gw *gw)
{
	char *t;

	metrics_relay_latency(gw->metrics, 400);	/* 0.4 ms */
	metrics_relay_latency(gw->metrics, 500);	/* on the bound */
	metrics_relay_latency(gw->metrics, 3000);
	metrics_relay_latency(gw->metrics, 20000000);	/* 20 s: +Inf only */
	t = render(gw);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_bucket{le=\"0.0005\"}")
	    == 2);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_bucket{le=\"0.001\"}")
	    == 2);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_bucket{le=\"0.005\"}")
	    == 3);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_bucket{le=\"10\"}") == 3);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_bucket{le=\"+Inf\"}")
	    == 4);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_count") == 4);
	CHECK(sample(t, "dotsgw_relay_latency_seconds_sum") > 20.0038 &&
	    sample(t, "dotsgw_relay_latency_seconds_sum") < 20.0040);
	free(t);
}

static void
test_events(struct gw *gw)
{
	char *t;

	metrics_decision(gw->metrics, "local");
	metrics_decision(gw->metrics, "upstream");
	metrics_decision(gw->metrics, "upstream");
	metrics_decision(gw->metrics, "exceeded");
	metrics_reload(gw->metrics, true);
	metrics_reload(gw->metrics, false);
	metrics_reload(gw->metrics, false);
	gw->local_usage.bps = 1234;
	gw->local_usage.rules = 2;
	t = render(gw);
	CHECK(sample(t, "dotsgw_decisions_total{result=\"local\"}") == 1);
	CHECK(sample(t, "dotsgw_decisions_total{result=\"upstream\"}") == 2);
	CHECK(sample(t, "dotsgw_decisions_total{result=\"exceeded\"}") == 1);
	CHECK(sample(t, "dotsgw_reloads_total{result=\"ok\"}") == 1);
	CHECK(sample(t, "dotsgw_reloads_total{result=\"failed\"}") == 2);
	CHECK(sample(t, "dotsgw_capacity_configured{unit=\"bps\"}") == 5000);
	CHECK(sample(t, "dotsgw_capacity_configured{unit=\"rules\"}") == 3);
	CHECK(sample(t, "dotsgw_capacity_in_use{unit=\"bps\"}") == 1234);
	CHECK(sample(t, "dotsgw_capacity_in_use{unit=\"rules\"}") == 2);
	free(t);
}

int
main(void)
{
	struct gw gw;
	char err[CONF_ERRLEN];

	memset(&gw, 0, sizeof(gw));
	if (conf_load_string("t.yaml", conf_text, strlen(conf_text), &gw.conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL conf: %s\n", err);
		return 1;
	}
	if ((gw.metrics = metrics_new()) == NULL)
		return 1;
	TEST("metrics: requests by peer, method and code") test_requests(&gw);
	TEST("metrics: relay latency histogram") test_latency(&gw);
	TEST("metrics: decisions, reloads, capacity") test_events(&gw);
	metrics_free(gw.metrics);
	conf_free(gw.conf);
	return UNIT_EXIT();
}
