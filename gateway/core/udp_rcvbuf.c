/*
 * libcoap 4.3.1 has no public accessor for its sockets' descriptors, but
 * every one of them (endpoints, client sessions) is in the context's
 * epoll instance, whose fdinfo (proc(5)) lists them as "tfd: N".
 */
#include <sys/socket.h>
#include <stdio.h>

#include "gateway/core/udp_rcvbuf.h"

int
udp_rcvbuf_grow(int epfd, int bytes)
{
	char path[64], line[256];
	FILE *f;
	int fd, type, cur, n = 0;
	socklen_t len;

	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "tfd: %d", &fd) != 1)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_DGRAM)
			continue;
		/* the kernel reports twice what was set (socket(7)) */
		len = sizeof(cur);
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cur, &len) == 0 &&
		    cur / 2 >= bytes)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes,
		    sizeof(bytes)) == 0)
			n++;
	}
	(void)fclose(f);
	return n;
}
