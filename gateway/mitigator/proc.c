/*
 * Asynchronous helper programs (gateway/proc.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/mitigator/proc.h"

#define PROC_REAP_MS	5	/* poll for the exit after EOF */

struct proc {
	struct event_base *base;
	pid_t		 pid;
	int		 fd;
	struct event	*rd;
	struct event	*timer;		/* deadline, then reaping */
	bool		 eof;
	bool		 killed;
	char		*out;
	size_t		 len, cap;
	proc_done_fn	 done;
	void		*arg;
};

static void
proc_free(struct proc *p)
{
	if (p->rd != NULL)
		event_free(p->rd);
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->fd != -1)
		close(p->fd);
	free(p->out);
	free(p);
}

static void
finish(struct proc *p, int status)
{
	proc_done_fn done = p->done;
	void *arg = p->arg;

	p->out[p->len] = '\0';
	if (done != NULL)
		done(arg, status, p->out, p->len);
	proc_free(p);
}

static void
reap(struct proc *p)
{
	struct timeval tv = { 0, PROC_REAP_MS * 1000 };
	int st;
	pid_t r;

	r = waitpid(p->pid, &st, WNOHANG);
	if (r == 0) {
		evtimer_add(p->timer, &tv);	/* closed stdout, not yet gone */
		return;
	}
	if (r == -1)
		finish(p, -1);
	else if (p->killed || !WIFEXITED(st))
		finish(p, -1);
	else
		finish(p, WEXITSTATUS(st));
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;

	if (!p->eof && !p->killed) {
		log_warnx("helper pid %ld: deadline passed, killed",
		    (long)p->pid);
		p->killed = true;
		kill(p->pid, SIGKILL);
		event_del(p->rd);
		p->eof = true;
	}
	reap(p);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;
	char buf[16384];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			size_t k = (size_t)n;

			if (p->len + k > PROC_OUT_MAX)
				k = PROC_OUT_MAX - p->len;
			if (p->len + k + 1 > p->cap) {
				size_t nc = p->cap * 2;
				char *no;

				while (nc < p->len + k + 1)
					nc *= 2;
				if ((no = realloc(p->out, nc)) == NULL)
					k = 0;
				else {
					p->out = no;
					p->cap = nc;
				}
			}
			memcpy(p->out + p->len, buf, k);
			p->len += k;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;		/* EOF or error */
	}
	event_del(p->rd);
	p->eof = true;
	evtimer_del(p->timer);
	reap(p);
}

struct proc *
proc_run(struct event_base *base, char *const argv[], unsigned timeout_ms,
    proc_done_fn done, void *arg)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct proc *p;
	int fds[2];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->fd = -1;
	p->base = base;
	p->done = done;
	p->arg = arg;
	p->cap = 4096;
	if ((p->out = malloc(p->cap)) == NULL || pipe2(fds, O_CLOEXEC) == -1) {
		free(p->out);
		free(p);
		return NULL;
	}
	log_flush();	/* the child would write them again */
	switch (p->pid = fork()) {
	case -1:
		close(fds[0]);
		close(fds[1]);
		free(p->out);
		free(p);
		return NULL;
	case 0:
		/* child: stdin from /dev/null, stdout+stderr to the pipe */
		{
			int nul = open("/dev/null", O_RDONLY);

			if (nul != -1)
				dup2(nul, 0);
			dup2(fds[1], 1);
			dup2(fds[1], 2);
			closefrom(3);
			signal(SIGPIPE, SIG_DFL);
			execvp(argv[0], argv);
			_exit(127);
		}
	}
	close(fds[1]);
	p->fd = fds[0];
	if (fcntl(p->fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (p->rd = event_new(base, p->fd, EV_READ | EV_PERSIST, read_cb,
	    p)) == NULL || (p->timer = evtimer_new(base, timer_cb, p)) ==
	    NULL) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		proc_free(p);
		return NULL;
	}
	event_add(p->rd, NULL);
	evtimer_add(p->timer, &tv);
	return p;
}

void
proc_cancel(struct proc *p)
{
	if (p == NULL)
		return;
	kill(p->pid, SIGKILL);
	/* it was just killed: this wait is short */
	waitpid(p->pid, NULL, 0);
	proc_free(p);
}
