/* The event loop: poll(2), timers in a sorted list, signals through a
 * self-pipe, hooks that run after every round. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct watch {
	int fd;
	short events;
	sl_fd_cb cb;
	void *arg;
};

struct hook {
	sl_hook_cb cb;
	void *arg;
};

struct sigwatch {
	sl_signal_cb cb;
	void *arg;
};

struct sl_loop {
	struct watch *watches;
	size_t nwatch, capwatch;
	struct pollfd *pfds;
	struct sl_timer *timers;        /* sorted by due */
	struct hook hooks[8];
	size_t nhook;
	int stop;
};

/* Signals: one process-wide self-pipe; the handler only writes the number. */
static int sigpipe_fds[2] = { -1, -1 };
static struct sigwatch sigwatches[65];
static struct sl_loop *sigloop;

int64_t
sl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
sl_loop_new(struct sl_loop **out)
{
	struct sl_loop *l = calloc(1, sizeof *l);

	if (l == NULL)
		return ENOMEM;
	*out = l;
	return 0;
}

void
sl_loop_free(struct sl_loop *l)
{
	if (l == NULL)
		return;
	if (sigloop == l)
		sigloop = NULL;
	free(l->watches);
	free(l->pfds);
	free(l);
}

int
sl_loop_watch(struct sl_loop *l, int fd, short events, sl_fd_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < l->nwatch; i++) {
		if (l->watches[i].fd == fd) {
			l->watches[i].events = events;
			l->watches[i].cb = cb;
			l->watches[i].arg = arg;
			return 0;
		}
	}
	if (l->nwatch == l->capwatch) {
		size_t cap = l->capwatch ? l->capwatch * 2 : 8;
		struct watch *w = realloc(l->watches, cap * sizeof *w);
		struct pollfd *p;

		if (w == NULL)
			return ENOMEM;
		l->watches = w;
		p = realloc(l->pfds, cap * sizeof *p);
		if (p == NULL)
			return ENOMEM;
		l->pfds = p;
		l->capwatch = cap;
	}
	l->watches[l->nwatch++] = (struct watch){ fd, events, cb, arg };
	return 0;
}

void
sl_loop_unwatch(struct sl_loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nwatch; i++) {
		if (l->watches[i].fd == fd) {
			/* Mark; the slot is compacted between rounds so that a
			 * callback may unwatch while the round is running. */
			l->watches[i].fd = -1;
			l->watches[i].cb = NULL;
		}
	}
}

static void
compact_watches(struct sl_loop *l)
{
	size_t i, j = 0;

	for (i = 0; i < l->nwatch; i++)
		if (l->watches[i].fd >= 0)
			l->watches[j++] = l->watches[i];
	l->nwatch = j;
}

int
sl_timer_armed(const struct sl_timer *t)
{
	return t->due != 0;
}

void
sl_timer_stop(struct sl_loop *l, struct sl_timer *t)
{
	struct sl_timer **pp;

	if (!t->due)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->due = 0;
	t->next = NULL;
}

void
sl_timer_start(struct sl_loop *l, struct sl_timer *t, int64_t ms,
	       sl_timer_cb cb, void *arg)
{
	struct sl_timer **pp;

	sl_timer_stop(l, t);
	t->due = sl_now_ms() + (ms < 0 ? 0 : ms);
	if (t->due == 0)
		t->due = 1;
	t->cb = cb;
	t->arg = arg;
	for (pp = &l->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

/* The callback of signals caught without a loop (sl_signals_catch). */
static void
sl_signal_noop(int signo, void *arg)
{
	(void)signo;
	(void)arg;
}

static void
on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;

	if (write(sigpipe_fds[1], &b, 1) < 0) {
		/* The pipe is full: the loop already has wakeups pending. */
	}
	errno = saved;
}

static void
on_sigpipe(int fd, short revents, void *arg)
{
	unsigned char buf[64];
	ssize_t n, i;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			struct sigwatch *w;

			if (buf[i] >= 65)
				continue;
			w = &sigwatches[buf[i]];
			if (w->cb)
				w->cb(buf[i], w->arg);
		}
	}
}

int
sl_loop_signal(struct sl_loop *l, int signo, sl_signal_cb cb, void *arg)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= 65)
		return EINVAL;
	if (sigpipe_fds[0] < 0) {
		if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
			return errno;
	}
	if (sigloop != l) {
		int rc = sl_loop_watch(l, sigpipe_fds[0], POLLIN, on_sigpipe, NULL);

		if (rc)
			return rc;
		sigloop = l;
	}
	sigwatches[signo].cb = cb;
	sigwatches[signo].arg = arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return errno;
	return 0;
}

int
sl_signals_catch(const int *signos)
{
	struct sigaction sa;

	if (sigpipe_fds[0] < 0 && pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (; *signos; signos++) {
		if (*signos >= 65)
			continue;
		/* Marked as ours, for sl_loop_signals_reset. */
		sigwatches[*signos].cb = sl_signal_noop;
		if (sigaction(*signos, &sa, NULL) < 0)
			return -1;
	}
	return sigpipe_fds[0];
}

uint64_t
sl_signals_take(void)
{
	unsigned char buf[64];
	uint64_t mask = 0;
	ssize_t n, i;

	while (sigpipe_fds[0] >= 0 && (n = read(sigpipe_fds[0], buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] < 64)
				mask |= (uint64_t)1 << buf[i];
	return mask;
}

void
sl_loop_signals_default(void)
{
	int s;

	for (s = 1; s < 65; s++)
		if (sigwatches[s].cb)
			signal(s, SIG_DFL);
}

void
sl_loop_signals_reset(void)
{
	int s;

	for (s = 1; s < 65; s++) {
		if (sigwatches[s].cb)
			signal(s, SIG_DFL);
		sigwatches[s].cb = NULL;
	}
	if (sigpipe_fds[0] >= 0) {
		close(sigpipe_fds[0]);
		close(sigpipe_fds[1]);
		sigpipe_fds[0] = sigpipe_fds[1] = -1;
	}
}

int
sl_loop_hook(struct sl_loop *l, sl_hook_cb cb, void *arg)
{
	if (l->nhook == sizeof l->hooks / sizeof l->hooks[0])
		return ENOMEM;
	l->hooks[l->nhook++] = (struct hook){ cb, arg };
	return 0;
}

void
sl_loop_stop(struct sl_loop *l)
{
	l->stop = 1;
}

/* Fires every due timer; a callback may arm or stop any timer. */
static void
run_timers(struct sl_loop *l)
{
	int64_t now = sl_now_ms();

	while (l->timers && l->timers->due <= now) {
		struct sl_timer *t = l->timers;

		l->timers = t->next;
		t->next = NULL;
		t->due = 0;
		t->cb(t->arg);
	}
}

/* Runs the hooks; returns the smallest wait they ask for (-1 none). */
static int64_t
run_hooks(struct sl_loop *l)
{
	int64_t wait = -1;
	size_t i;

	for (i = 0; i < l->nhook; i++) {
		int64_t w = l->hooks[i].cb(l->hooks[i].arg);

		if (w >= 0 && (wait < 0 || w < wait))
			wait = w;
	}
	return wait;
}

int
sl_loop_run(struct sl_loop *l)
{
	l->stop = 0;
	while (!l->stop) {
		int64_t wait = run_hooks(l);
		size_t i, n;
		int rc, timeout;

		if (l->stop)
			break;
		compact_watches(l);
		if (l->timers) {
			int64_t t = l->timers->due - sl_now_ms();

			if (t < 0)
				t = 0;
			if (wait < 0 || t < wait)
				wait = t;
		}
		timeout = wait < 0 ? -1 : wait > 60000 ? 60000 : (int)wait;
		n = l->nwatch;
		for (i = 0; i < n; i++) {
			l->pfds[i].fd = l->watches[i].fd;
			l->pfds[i].events = l->watches[i].events;
			l->pfds[i].revents = 0;
		}
		rc = poll(l->pfds, n, timeout);
		if (rc < 0 && errno != EINTR)
			return errno;
		for (i = 0; rc > 0 && i < n && !l->stop; i++) {
			struct watch *w = &l->watches[i];

			if (l->pfds[i].revents == 0 || w->fd != l->pfds[i].fd ||
			    w->cb == NULL)
				continue;
			w->cb(w->fd, l->pfds[i].revents, w->arg);
		}
		if (!l->stop)
			run_timers(l);
	}
	return 0;
}
