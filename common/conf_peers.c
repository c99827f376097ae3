/* Finding a configured peer by what a session presents. */
#include <string.h>
#include <strings.h>

#include "conf.h"

const struct conf_peer *conf_peer_by_name(const struct conf *c,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

const struct conf_peer *conf_peer_by_psk_identity(const struct conf *c,
    const uint8_t *id, size_t len)
{
	const char	*pid;
	size_t		 i;

	for (i = 0; i < c->n_peers; i++) {
		pid = c->peers[i].psk_identity;
		if (pid != NULL && strlen(pid) == len &&
		    memcmp(pid, id, len) == 0)
			return &c->peers[i];
	}
	return NULL;
}

const struct conf_peer *conf_peer_by_cert_name(const struct conf *c,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].cert_name != NULL &&
		    strcasecmp(c->peers[i].cert_name, name) == 0)
			return &c->peers[i];
	return NULL;
}

