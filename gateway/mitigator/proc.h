/*
 * Running a helper program without blocking the event loop: fork/exec
 * with its stdout and stderr on one non-blocking pipe read by libevent, a
 * deadline after which it is killed (SIGKILL, by its pid), and its exit
 * status reaped with waitpid(pid) only, so no other child is touched.
 * One callback with the exit status and the output, always exactly once
 * unless the job is cancelled first.
 */
#ifndef DOTSGW_PROC_H
#define DOTSGW_PROC_H

#include <stddef.h>

#include <event2/event.h>

#define PROC_OUT_MAX	(8u << 20)	/* output kept; more is cut off */

struct proc;

/* status: the exit code (0..255), or -1 when it could not run, was
 * killed at the deadline or died of a signal; out is NUL-terminated. */
typedef void (*proc_done_fn)(void *arg, int status, const char *out,
    size_t len);

/* Start argv[0] (searched in PATH) with argv; NULL when fork fails. */
struct proc *proc_run(struct event_base *, char *const argv[],
	    unsigned timeout_ms, proc_done_fn, void *arg);
/* No callback after this; the child is killed and reaped. */
void	proc_cancel(struct proc *);

#endif
