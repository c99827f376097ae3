/*
 * The daemon's descriptor limit. Each TLS (coaps+tcp) session and each
 * upstream client session is a descriptor, and the soft limit a shell
 * gives (often 1,024) is far below what an ISP-scale table needs.
 */
#ifndef DOTSGW_FD_LIMIT_H
#define DOTSGW_FD_LIMIT_H

#include <sys/resource.h>

/* Soft RLIMIT_NOFILE up to the hard one; the limit now in *now. */
int	fd_limit_raise(rlim_t *now);

#endif
