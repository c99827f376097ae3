#include <stdio.h>

#include "gateway/downstream/resources.h"
#include "gateway/downstream/server.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"

#define PATH_MAX_LEN	256

void
resources_client_created(struct mit_client *c, void *arg)
{
	struct gw *gw = arg;
	char path[PATH_MAX_LEN];

	snprintf(path, sizeof(path), ".well-known/dots/mitigate/cuid=%s",
	    c->cuid);
	c->coll = server_resource_new(gw->srv, path);
}

void
resources_client_ended(struct mit_client *c, void *arg)
{
	struct gw *gw = arg;

	server_resource_delete(gw->srv, c->coll);
	server_resource_delete(gw->srv, c->coll_cdid);
	c->coll = c->coll_cdid = NULL;
}

/* The cdid path form's collection comes with the first mitigation sent
 * under it, and stays with the client. */
void
resources_created(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;
	struct mit_client *c = m->client;
	char path[PATH_MAX_LEN];

	snprintf(path, sizeof(path), ".well-known/dots/mitigate/cuid=%s/mid=%u",
	    c->cuid, m->mid);
	m->res = server_resource_new(gw->srv, path);
	if (m->path_cdid == NULL)
		return;
	snprintf(path, sizeof(path), ".well-known/dots/mitigate/"
	    "cdid=%s/cuid=%s", m->path_cdid, c->cuid);
	if (c->coll_cdid == NULL)
		c->coll_cdid = server_resource_new(gw->srv, path);
	snprintf(path, sizeof(path), ".well-known/dots/mitigate/"
	    "cdid=%s/cuid=%s/mid=%u", m->path_cdid, c->cuid, m->mid);
	m->res_cdid = server_resource_new(gw->srv, path);
}

void
resources_ended(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;

	server_resource_delete(gw->srv, m->res);
	server_resource_delete(gw->srv, m->res_cdid);
	m->res = m->res_cdid = NULL;
}

void
resources_changed(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;

	server_resource_notify(gw->srv, m->res);
	server_resource_notify(gw->srv, m->res_cdid);
}

void
resources_client_changed(struct mit_client *c, void *arg)
{
	struct gw *gw = arg;

	server_resource_notify(gw->srv, c->coll);
	server_resource_notify(gw->srv, c->coll_cdid);
}
