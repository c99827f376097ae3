/*
 * SO_REUSEPORT on libcoap's endpoint sockets. libcoap 4.3.1 sets only
 * SO_REUSEADDR before it binds an endpoint and has no option for more; it
 * calls bind() through its PLT (objdump -R: a JUMP_SLOT for bind), so the
 * executable's definition below is the one it reaches (ELF interposition,
 * as coap_io_prepare_epoll() in coap_loop.c). It is the plain bind() of
 * libc for every caller, except while reuseport_endpoints() is inside
 * coap_new_endpoint(): then a datagram socket gets SO_REUSEPORT first.
 * The kernel makes a reuseport group only of sockets that all had it at
 * their bind, the first one included; sockets sharing a UDP port by
 * SO_REUSEADDR alone would not spread the clients.
 * socket() is interposed the same way, to put the shards' sockets above
 * FD_SETSIZE (below).
 * tests/unit/test_gw_reuseport.c fails if libcoap stops calling bind()
 * through its PLT (and so does reuseport_endpoints(), at start).
 */
#include <sys/socket.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "gateway/core/fd_limit.h"
#include "gateway/core/reuseport.h"
#include "common/log.h"

typedef int (*bind_fn)(int, __CONST_SOCKADDR_ARG, socklen_t);
typedef int (*socket_fn)(int, int, int);

/*
 * Process-wide because bind() has no argument to carry them: armed only
 * inside reuseport_endpoints()'s coap_new_endpoint() (the daemon is one
 * thread, and nothing else binds there), and libc's bind().
 */
static bool		 armed;
static unsigned long	 applied;
static int		 applied_fd;	/* the socket applied last */
static bind_fn		 libc_bind;
static socket_fn	 libc_socket;

/*
 * A shard's socket goes above FD_SETSIZE (fd_limit.h) when RLIMIT_NOFILE
 * allows: with 1,024 shards low, relay_chain.sh's relays aborted at their
 * first upstream handshake. Server sessions are read and written through
 * their endpoint without select(): 50,000 sessions came up on shards
 * above 1,024 (tests/bench/README.md, "Credentials per session").
 */
int
socket(int domain, int type, int protocol)
{
	int fd;

	if (libc_socket == NULL &&
	    (libc_socket = (socket_fn)dlsym(RTLD_NEXT, "socket")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	fd = libc_socket(domain, type, protocol);
	return armed ? fd_move_high(fd) : fd;
}

int
bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	int type = 0, one = 1;
	socklen_t tl = sizeof(type);

	if (libc_bind == NULL &&
	    (libc_bind = (bind_fn)dlsym(RTLD_NEXT, "bind")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (armed && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
	    type == SOCK_DGRAM) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
		    sizeof(one)) == -1)
			return -1;
		applied++;
		applied_fd = fd;
	}
	return libc_bind(fd, addr, len);
}

unsigned long
reuseport_count(void)
{
	return applied;
}

/*
 * Whether some socket holds the UDP port already. The kernel lets a socket
 * of the same user join a port's reuseport group (and, with SO_REUSEADDR
 * on both, which libcoap sets, share a UDP port even without one): a second
 * dotsgwd started on our port would bind without an error and each would
 * get a share of the other's clients. A bind with neither option fails
 * with EADDRINUSE while anything holds the port, so it is tried so first
 * (a process binding in between the two binds is not caught).
 */
static bool
udp_port_taken(const coap_address_t *a)
{
	int fd, rc, saved;

	if ((fd = socket(a->addr.sa.sa_family, SOCK_DGRAM, 0)) == -1)
		return false;	/* libcoap's own bind will say */
	rc = bind(fd, &a->addr.sa, a->size);
	saved = errno;
	close(fd);
	return rc == -1 && saved == EADDRINUSE;
}

/*
 * Datagrams that came while the group was still growing, dropped. The
 * kernel picks a socket by the 4-tuple's hash over the sockets bound so
 * far: a ClientHello that came then sits on a socket its client's next
 * datagrams, hashed over the whole group, no longer reach. libcoap's
 * GnuTLS server keys its DTLS cookies per session, so the endpoint that
 * gets the second ClientHello finds its cookie invalid and sends a new
 * HelloVerifyRequest, which the client ignores: it resends the same
 * ClientHello until its handshake times out (a coap-client's 10 s; a relay
 * restarted under a peer's reconnect, topo_mesh3.sh). Dropped, the
 * ClientHello is sent again a second later and lands where the rest will.
 */
static unsigned
drain(const int *fd, unsigned k)
{
	unsigned dropped = 0;
	char b;

	for (unsigned i = 0; i < k; i++)
		while (recv(fd[i], &b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
			dropped++;
	return dropped;
}

int
reuseport_endpoints(coap_context_t *ctx, const coap_address_t *a,
    coap_proto_t proto, unsigned k)
{
	coap_endpoint_t *ep[REUSEPORT_MAX];
	int fd[REUSEPORT_MAX];
	unsigned long before;
	unsigned i, dropped;
	bool datagram = proto == COAP_PROTO_UDP || proto == COAP_PROTO_DTLS;

	if (k > 1 && (k > REUSEPORT_MAX || !datagram))
		return -1;
	if (datagram && udp_port_taken(a)) {
		log_warnx("UDP port %u is in use by another socket (another "
		    "dotsgwd?)", coap_address_get_port(a));
		return -1;
	}
	if (k <= 1)
		return coap_new_endpoint(ctx, a, proto) == NULL ? -1 : 0;
	for (i = 0; i < k; i++) {
		before = applied;
		armed = true;
		ep[i] = coap_new_endpoint(ctx, a, proto);
		armed = false;
		if (ep[i] == NULL)
			goto fail;
		if (applied != before + 1) {
			/* a socket on the port without SO_REUSEPORT: the
			 * clients would not be spread, or not at all */
			log_warnx("libcoap's endpoint was bound without our "
			    "bind() (SO_REUSEPORT): listen shards need it");
			i++;
			goto fail;
		}
		fd[i] = applied_fd;
	}
	if ((dropped = drain(fd, k)) > 0)
		log_info("port %u: %u datagram(s) that came while its %u shards "
		    "were bound dropped (sent again by their clients)",
		    coap_address_get_port(a), dropped, k);
	return 0;
fail:
	while (i-- > 0)
		if (ep[i] != NULL)
			coap_free_endpoint(ep[i]);
	return -1;
}
