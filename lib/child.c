/* Child processes: spawn with a descriptor map, reap through the loop. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define MAX_WATCHED 1024

struct watched {
	pid_t pid;
	sl_child_cb cb;
	void *arg;
};

static struct watched watched[MAX_WATCHED];
/* Entries in use lie below this: a process forked without exec clears
 * only those (a page of the table written is a page copied). */
static int nwatched;
static int sigchld_installed;

int
sl_fork(const int *fdmap, pid_t pgrp, pid_t *pidp)
{
	sigset_t all, old;
	pid_t pid, parent = getpid();
	int i, err;

	/* No signal is handled between the fork and the reset of the
	 * handlers in the child: it would go through the parent's
	 * self-pipe, which the child shares until then. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid != 0) {
		err = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (pid < 0)
			return err;
		/* Both sides set the group, so that a signal sent to it right
		 * after this returns reaches the child whatever ran first. */
		if (pgrp >= 0)
			setpgid(pid, pgrp ? pgrp : pid);
		*pidp = pid;
		return 0;
	}
	*pidp = 0;
	sl_loop_signals_reset();
	sl_child_forget_all();
	signal(SIGPIPE, SIG_DFL);
	/* What we run does not outlive us: killed before we could stop it
	 * (SIGKILL, a crash), we leave it a SIGHUP, the signal of a
	 * controlling process gone.  A call's media then stops at once
	 * (the media tools do not catch it, so they send no RTCP BYE that
	 * would tell the peer to wait for a SIP BYE nobody will send: the
	 * peer sees its RTP stop), and a chain-loaded sip-answer hangs up as
	 * on SIGTERM.  Its own children are its business. */
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	if (getppid() != parent)
		_exit(SL_EXIT_CANTRUN);
	if (pgrp >= 0)
		setpgid(0, pgrp);
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (fdmap) {
		/* Move sources out of the way first, so that mapping a to b
		 * never clobbers a source still to be mapped. */
		int tmp[32], n = 0;

		for (i = 0; fdmap[i] >= 0 && n < 32; i += 2, n++) {
			tmp[n] = fcntl(fdmap[i], F_DUPFD_CLOEXEC, 64);
			if (tmp[n] < 0) {
				sl_warn_err(errno, "unable to pass descriptor %d", fdmap[i]);
				_exit(SL_EXIT_CANTRUN);
			}
		}
		for (i = 0, n = 0; fdmap[i] >= 0 && n < 32; i += 2, n++) {
			if (dup2(tmp[n], fdmap[i + 1]) < 0)
				_exit(SL_EXIT_CANTRUN);
			/* dup2 leaves the new descriptor inheritable. */
			close(tmp[n]);
		}
	}
	return 0;
}

void
sl_close_all_but(const int *keep)
{
	unsigned int from = 3;
	int i, next;

	/* The kept descriptors in ascending order split [3, ~0] into ranges
	 * to close (keep is short: a selection sort is enough). */
	for (;;) {
		next = -1;
		for (i = 0; keep[i] >= 0; i++)
			if ((unsigned int)keep[i] >= from && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if ((unsigned int)next > from)
			close_range(from, (unsigned int)next - 1, 0);
		from = (unsigned int)next + 1;
	}
	close_range(from, ~0U, 0);
}

/* Commands found in PATH: a serve host runs the same media command (and
 * screening command) in every call, and execvp's search tried each
 * directory of PATH in turn, a failed execve each (9 of 10 a call on a
 * long PATH).  Each kept with the PATH it was found in; sl_spawn_find
 * fills them in the serve parent, so that the call processes forked from
 * it find them there. */
#define FOUND_MAX 4
static struct found {
	char name[256];
	char path_env[4096];
	char file[PATH_MAX];
} found[FOUND_MAX];

/* argv[0]'s file: itself when it has a slash, else the first regular,
 * executable file of that name in PATH (the one execvp would run), or
 * NULL: then execvp searches and reports. */
static const char *
find_cmd(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[PATH_MAX];
	struct stat st;
	struct found *f = NULL;
	int i;

	if (strchr(name, '/'))
		return name;
	if (path == NULL || *name == '\0' || strlen(name) >= sizeof f->name ||
	    strlen(path) >= sizeof f->path_env)
		return NULL;
	for (i = 0; i < FOUND_MAX; i++) {
		if (found[i].file[0] == '\0') {
			if (f == NULL)
				f = &found[i];
		} else if (strcmp(found[i].name, name) == 0 &&
			   strcmp(found[i].path_env, path) == 0) {
			return found[i].file;
		}
	}
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory. */
		if ((size_t)snprintf(file, sizeof file, "%.*s%s%s", (int)(end - p), p,
				     end > p ? "/" : "", name) < sizeof file &&
		    stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0) {
			/* A relative one (the current directory's) is not
			 * kept: execvp searches each time. */
			if (end == p || p[0] != '/' || f == NULL)
				return NULL;
			snprintf(f->name, sizeof f->name, "%s", name);
			snprintf(f->path_env, sizeof f->path_env, "%s", path);
			snprintf(f->file, sizeof f->file, "%s", file);
			return f->file;
		}
		if (*end == '\0')
			return NULL;
	}
}

void
sl_spawn_find(const char *name)
{
	find_cmd(name);
}

/* What the child of vfork failed at, for its parent to report: it shares
 * our memory until it execs or exits, and may write nothing else. */
static volatile int spawn_err, spawn_fd;

/* In the child of vfork: nothing here may write memory but spawn_err and
 * spawn_fd, nor return. */
static void __attribute__((noreturn))
spawn_child(const char *file, char *const argv[], const int *fdmap, pid_t pgrp, pid_t parent)
{
	int i, n;
	sigset_t none;

	sl_loop_signals_default();
	signal(SIGPIPE, SIG_DFL);
	/* As in sl_fork. */
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	if (getppid() != parent)
		_exit(SL_EXIT_CANTRUN);
	if (pgrp >= 0)
		setpgid(0, pgrp);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (fdmap) {
		int tmp[32];

		for (i = 0, n = 0; fdmap[i] >= 0 && n < 32; i += 2, n++) {
			tmp[n] = fcntl(fdmap[i], F_DUPFD_CLOEXEC, 64);
			if (tmp[n] < 0) {
				spawn_fd = fdmap[i];
				spawn_err = errno;
				_exit(SL_EXIT_CANTRUN);
			}
		}
		for (i = 0, n = 0; fdmap[i] >= 0 && n < 32; i += 2, n++) {
			if (dup2(tmp[n], fdmap[i + 1]) < 0)
				_exit(SL_EXIT_CANTRUN);
			close(tmp[n]);
		}
	}
	if (file)
		execve(file, argv, environ);
	/* Gone since it was found, or a script without #! (execvp runs it
	 * with sh): execvp decides, as without the search kept. */
	execvp(argv[0], argv);
	spawn_err = errno;
	_exit(errno == ENOENT ? SL_EXIT_NOCMD : SL_EXIT_CANTRUN);
}

/* With vfork, not fork: the child execs at once, and a fork would copy
 * our page tables and make every page we write next a copy-on-write
 * fault, for nothing (a serve-mode call process forks its media command
 * in every call: BENCHMARKS.md, issue 18). */
int
sl_spawn(char *const argv[], const int *fdmap, pid_t pgrp, pid_t *pidp)
{
	const char *file = find_cmd(argv[0]);
	sigset_t all, old;
	pid_t pid, parent = getpid();
	int err;

	/* No handler of ours may run in the child: it would write to our
	 * memory.  The child unblocks once the dispositions are reset. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	spawn_err = 0;
	spawn_fd = -1;
	fflush(NULL);
	pid = vfork();
	if (pid == 0)
		spawn_child(file, argv, fdmap, pgrp, parent);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return err;
	if (pgrp >= 0)
		setpgid(pid, pgrp ? pgrp : pid);
	if (spawn_fd >= 0)
		sl_warn_err(spawn_err, "unable to pass descriptor %d", spawn_fd);
	else if (spawn_err)
		sl_warn_err(spawn_err, "unable to run %s", argv[0]);
	*pidp = pid;
	return 0;
}

static void
on_sigchld(int signo, void *arg)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nwatched; i++) {
			if (watched[i].pid == pid) {
				struct watched w = watched[i];

				watched[i].pid = 0;
				if (w.cb)
					w.cb(pid, status, w.arg);
				break;
			}
		}
	}
}

int
sl_child_watch(struct sl_loop *l, pid_t pid, sl_child_cb cb, void *arg)
{
	int i, err;

	if (!sigchld_installed) {
		if ((err = sl_loop_signal(l, SIGCHLD, on_sigchld, NULL)) != 0)
			return err;
		sigchld_installed = 1;
	}
	for (i = 0; i < MAX_WATCHED; i++) {
		if (watched[i].pid == 0) {
			watched[i] = (struct watched){ pid, cb, arg };
			if (i >= nwatched)
				nwatched = i + 1;
			/* It may have ended before we watched it. */
			kill(getpid(), SIGCHLD);
			return 0;
		}
	}
	return ENOMEM;
}

void
sl_child_unwatch(pid_t pid)
{
	int i;

	for (i = 0; i < nwatched; i++)
		if (watched[i].pid == pid)
			watched[i].cb = NULL;
}

void
sl_child_loop_done(void)
{
	on_sigchld(SIGCHLD, NULL);
	sigchld_installed = 0;
}

void
sl_child_forget_all(void)
{
	memset(watched, 0, (size_t)nwatched * sizeof *watched);
	nwatched = 0;
	sigchld_installed = 0;
}

int
sl_child_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return SL_EXIT_SYSTEM;
}

const char *
sl_tool_path(const char *name, char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/%s", self, name) < size &&
			    access(buf, X_OK) == 0)
				return buf;
		}
	}
	return name;
}
