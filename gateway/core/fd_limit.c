#include <sys/select.h>
#include <sys/socket.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "gateway/core/fd_limit.h"

int
fd_limit_raise(rlim_t *now)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	*now = rl.rlim_cur;
	if (rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	*now = rl.rlim_cur;
	return 0;
}

int
fd_move_high(int fd)
{
	int hi, fl;

	if (fd < 0 || fd >= FD_SETSIZE)
		return fd;
	fl = fcntl(fd, F_GETFD);
	hi = fcntl(fd, fl > 0 && (fl & FD_CLOEXEC) ? F_DUPFD_CLOEXEC :
	    F_DUPFD, FD_SETSIZE);
	if (hi == -1)
		return fd;	/* no room up there: it stays low */
	close(fd);
	return hi;
}

typedef int (*accept_fn)(int, __SOCKADDR_ARG, socklen_t *);

/*
 * libcoap accepts TLS (and TCP) sessions with accept() through its PLT
 * (objdump -R: a JUMP_SLOT), so this definition is the one it reaches
 * (ELF interposition, as bind() in reuseport.c); nothing else in the
 * daemon accepts but the control socket and libmicrohttpd (accept4()),
 * and those never select() either. A TLS server session on a descriptor
 * above 1,024 is served as any other (tests/unit/test_gw_fd_high.c).
 */
int
accept(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	static accept_fn libc_accept;

	if (libc_accept == NULL &&
	    (libc_accept = (accept_fn)dlsym(RTLD_NEXT, "accept")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return fd_move_high(libc_accept(fd, addr, len));
}
