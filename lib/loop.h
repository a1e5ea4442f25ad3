/* The event loop: poll(2) over descriptors, one-shot timers, signals and
 * per-iteration hooks (which drive libosip2's timers and state machines). */
#ifndef SIPLINE_LOOP_H
#define SIPLINE_LOOP_H

#include <stdint.h>

struct sl_loop;

typedef void (*sl_fd_cb)(int fd, short revents, void *arg);
typedef void (*sl_timer_cb)(void *arg);
typedef void (*sl_signal_cb)(int signo, void *arg);
/* Runs after every poll; returns the milliseconds until it needs to run
 * again (-1: no need). */
typedef int64_t (*sl_hook_cb)(void *arg);

/* A timer lives in the caller's structure; zero it before first use. */
struct sl_timer {
	int64_t due;            /* monotonic ms; 0 = not armed */
	sl_timer_cb cb;
	void *arg;
	struct sl_timer *next;
};

/* Monotonic milliseconds, and nanoseconds. */
int64_t sl_now_ms(void);
int64_t sl_now_ns(void);

/* Returns 0 or an errno value. */
int sl_loop_new(struct sl_loop **out);
void sl_loop_free(struct sl_loop *l);

/* Watches fd for events (POLLIN, POLLOUT); replaces an earlier watch of the
 * same fd.  Returns 0 or ENOMEM. */
int sl_loop_watch(struct sl_loop *l, int fd, short events, sl_fd_cb cb, void *arg);
void sl_loop_unwatch(struct sl_loop *l, int fd);

/* Arms t to fire once after ms milliseconds (re-arming moves it). */
void sl_timer_start(struct sl_loop *l, struct sl_timer *t, int64_t ms,
		    sl_timer_cb cb, void *arg);
void sl_timer_stop(struct sl_loop *l, struct sl_timer *t);
int sl_timer_armed(const struct sl_timer *t);

/* Delivers signo through the loop (self-pipe): cb runs from the loop, never
 * from the handler.  SIGCHLD included.  Returns 0 or an errno value. */
int sl_loop_signal(struct sl_loop *l, int signo, sl_signal_cb cb, void *arg);
/* Puts every signal handled by the loop back to its default disposition;
 * for a child process before exec. */
void sl_loop_signals_reset(void);
/* The same for the signal dispositions alone, writing no memory (for a
 * child of vfork, which shares ours until it execs): the self-pipe is
 * close-on-exec. */
void sl_loop_signals_default(void);

/* For a process that runs no loop (the media engine): the signals of the
 * list (ended by 0) through the same self-pipe, their system calls
 * interrupted (no SA_RESTART: a write blocked on a full pipe must give
 * way).  Returns the pipe's read end to poll, or -1 with errno set. */
int sl_signals_catch(const int *signos);
/* The signals caught since the last call, as a mask (bit signo). */
uint64_t sl_signals_take(void);

/* Adds a hook run after each poll round.  Returns 0 or ENOMEM. */
int sl_loop_hook(struct sl_loop *l, sl_hook_cb cb, void *arg);

/* Runs until sl_loop_stop().  Returns 0 or an errno value of poll(2). */
int sl_loop_run(struct sl_loop *l);
void sl_loop_stop(struct sl_loop *l);

#endif
