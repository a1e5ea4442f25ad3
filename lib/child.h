/* Child processes: run a command with descriptors put in place, and learn
 * through the loop when it ends. */
#ifndef SIPLINE_CHILD_H
#define SIPLINE_CHILD_H

#include <sys/types.h>

#include "loop.h"

/* A child ended; status as from waitpid(). */
typedef void (*sl_child_cb)(pid_t pid, int status, void *arg);

/* Runs argv[0] (searched in PATH, or found by sl_spawn_find) with argv,
 * in a child of vfork.  fdmap lists pairs (from, to)
 * ending with -1: descriptor `from` becomes `to` in the child; every other
 * descriptor the parent opened with close-on-exec stays closed.  pgrp: -1
 * keeps the parent's process group, 0 makes the child lead a new one, a
 * group id joins that group (so that a whole media pipeline can be
 * signalled at once).  The signals the loop handles are reset.  When
 * exec fails the child exits 127 (not found) or 126, and this reports it
 * on stderr.  Returns 0 or an errno value of vfork(). */
int sl_spawn(char *const argv[], const int *fdmap, pid_t pgrp, pid_t *pid);
/* Looks name up in PATH now and keeps what it found for sl_spawn (in this
 * process and those forked from it), while PATH stays the same. */
void sl_spawn_find(const char *name);
/* The same without the exec: returns 0 in both processes, *pid 0 in the
 * child (which must end with _exit), or an errno value of fork(). */
int sl_fork(const int *fdmap, pid_t pgrp, pid_t *pid);

/* Calls cb from the loop when pid ends.  Returns 0 or an errno value. */
int sl_child_watch(struct sl_loop *l, pid_t pid, sl_child_cb cb, void *arg);
/* Forgets pid (it will be reaped but cb not called). */
void sl_child_unwatch(pid_t pid);

/* In a process forked without exec: closes every descriptor from 3 up
 * but those in keep (ending with -1), so that it does not hold what its
 * parent opened (sockets, connections, the loop's own descriptors). */
void sl_close_all_but(const int *keep);

/* In a process that goes on after its loop is freed (a serve-mode call
 * process between calls): reaps the children that have ended (their
 * callbacks run now), and lets the next loop watch SIGCHLD again; those
 * still running are reaped by it. */
void sl_child_loop_done(void);

/* In a freshly forked process: forgets the parent's children. */
void sl_child_forget_all(void);

/* The exit status a shell would report: the code, or 128 + signal. */
int sl_child_exit_code(int status);

/* Finds a sipline tool: next to the running program first (so that a
 * build tree works uninstalled), else in PATH.  Returns a path in buf, or
 * name itself for PATH search. */
const char *sl_tool_path(const char *name, char *buf, size_t size);

#endif
