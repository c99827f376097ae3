#include <stdio.h>
#include <string.h>

#include "../common/conf.h"
#include "../common/log.h"
#include "gw.h"
#include "persist.h"
#include "store.h"

/* One database per node: gateways sharing a state-dir (tests, demos) do
 * not restore each other's state. */
static void
store_path(const struct conf *c, char *buf, size_t len)
{
	size_t off;

	off = (size_t)snprintf(buf, len, "%s/dotsgw-", c->state_dir);
	for (const char *p = c->node_id; *p != '\0' && off + 4 < len; p++)
		buf[off++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		    *p == '-' ? *p : '_';
	snprintf(buf + off, len - off, ".db");
}

int
persist_open(struct gw *gw)
{
	char path[4096], err[512];

	store_path(gw->conf, path, sizeof(path));
	if ((gw->store = store_open(path, err, sizeof(err))) == NULL) {
		log_warnx("state store: %s", err);
		return -1;
	}
	log_info("state store %s", path);
	return 0;
}

void
persist_close(struct gw *gw)
{
	struct store_stats st;

	if (gw->store == NULL)
		return;
	store_stats(gw->store, &st);
	if (st.commits > 0)
		log_info("state store: %llu transactions, %.0f us each on "
		    "average, %llu errors", (unsigned long long)st.commits,
		    (double)st.commit_ns / 1000.0 / (double)st.commits,
		    (unsigned long long)st.errors);
	store_close(gw->store);
	gw->store = NULL;
}
