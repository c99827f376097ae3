/*
 * Several servers (--server A --server B, or A,B): the nodes of one
 * cluster of gateways, any of which serves us. A request that no server
 * answered (handshake failed, no response within --timeout) goes to the
 * next one, in the order given.
 */
#include <stdio.h>

#include "client/client.h"
#include "dotsctl/dotsctl.h"

int
ctl_next_server(struct ctl *c)
{
	char err[DC_ERRLEN];

	if (c->cur_server + 1 >= c->n_servers)
		return -1;
	dc_free(c->dc);
	c->o.uri = c->servers[++c->cur_server];
	if ((c->dc = dc_new(&c->o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dotsctl: %s: %s\n", c->o.uri, err);
		return -1;
	}
	return 0;
}
