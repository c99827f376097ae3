/*
 * The daemon's descriptors. Each TLS (coaps+tcp) session and each
 * upstream client session is a descriptor, and the soft limit a shell
 * gives (often 1,024) is far below what an ISP-scale table needs.
 * libcoap 4.3.1's GnuTLS client select()s on its session's socket, and
 * glibc's fortified FD_SET aborts the process on a descriptor >=
 * FD_SETSIZE (1,024): the descriptors libcoap never select()s on (listen
 * shards, accepted TLS sessions) go above it, so that upstream sessions
 * find low ones free.
 */
#ifndef DOTSGW_FD_LIMIT_H
#define DOTSGW_FD_LIMIT_H

#include <sys/resource.h>

/* Soft RLIMIT_NOFILE up to the hard one; the limit now in *now. */
int	fd_limit_raise(rlim_t *now);

/* fd moved to a descriptor >= FD_SETSIZE (fd closed), or fd itself when
 * the limit leaves no room there. */
int	fd_move_high(int fd);

#endif
