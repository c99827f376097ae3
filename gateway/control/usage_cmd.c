/*
 * "usage" on the control socket (usage_cmd.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gateway/control/usage_cmd.h"
#include "gateway/gw.h"
#include "gateway/state/usage.h"

static int
add_row(const char *peer, enum usage_dir dir, const struct usage_sums *s,
    void *arg)
{
	json_t *a = arg, *o;

	o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "peer", peer, "direction", usage_dir_name(dir),
	    "executions", (json_int_t)s->executions,
	    "mitigation-seconds", (json_int_t)s->seconds,
	    "attack-bps-peak", (json_int_t)s->attack_bps,
	    "attack-pps-peak", (json_int_t)s->attack_pps,
	    "normal-bps-peak", (json_int_t)s->normal_bps,
	    "normal-pps-peak", (json_int_t)s->normal_pps,
	    "dropped-bps-peak", (json_int_t)s->drop_bps,
	    "dropped-pps-peak", (json_int_t)s->drop_pps,
	    "bytes-dropped", (json_int_t)s->bytes,
	    "packets-dropped", (json_int_t)s->pkts);
	return json_array_append_new(a, o);
}

char *
usage_cmd_json(void *arg, int64_t since, int64_t until, size_t *len)
{
	struct gw *gw = arg;
	int64_t now = (int64_t)time(NULL);
	json_t *j, *rows = json_array();
	char *s = NULL;

	if (rows == NULL)
		return NULL;
	if (gw->usage != NULL && usage_sum(gw->usage, since, until, now,
	    add_row, rows) == -1) {
		json_decref(rows);
		return NULL;
	}
	j = json_pack("{s:I,s:I,s:I,s:I,s:o}", "since", (json_int_t)since,
	    "until", (json_int_t)until, "now", (json_int_t)now,
	    "bucket-seconds", (json_int_t)(gw->usage != NULL ?
	    usage_bucket_s(gw->usage) : USAGE_BUCKET_S), "usage", rows);
	if (j != NULL)
		s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s != NULL)
		*len = strlen(s);
	return s;
}
