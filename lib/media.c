/* The media side of a call: the RTP/RTCP socket pair and the media
 * processes that inherit it.  The signalling tool keeps its copy of the
 * sockets so that it can re-point them when the peer moves its media. */
#include "media.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

struct sl_media {
	struct sl_loop *loop;
	int rtp_fd, rtcp_fd;
	struct sl_addr local;
	pid_t pgrp;
	pid_t send_pid, recv_pid, cmd_pid;   /* 0 when not running */
	int stopping;
	int status;
	sl_media_cb cb;
	void *arg;
	struct sl_timer kill_timer;
};

/* Binds a UDP socket of ip's family to ip:port.  Returns it, or -1. */
static int
bind_udp(const struct sl_addr *ip, int port)
{
	struct sl_addr a = *ip;
	int fd, one = 1;

	sl_addr_set_port(&a, port);
	fd = socket(a.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (a.ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int
sl_media_new(struct sl_loop *loop, const struct sl_addr *ip, struct sl_media **out)
{
	struct sl_media *m;
	int tries, span = (SL_RTP_PORT_MAX - SL_RTP_PORT_MIN) / 2;

	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ENOMEM;
	m->loop = loop;
	m->rtp_fd = m->rtcp_fd = -1;
	for (tries = 0; tries < 128; tries++) {
		unsigned r;
		int port;

		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r = (unsigned)random();
		port = SL_RTP_PORT_MIN + 2 * (int)(r % (unsigned)span);
		m->rtp_fd = bind_udp(ip, port);
		if (m->rtp_fd < 0) {
			if (errno != EADDRINUSE)
				break;
			continue;
		}
		m->rtcp_fd = bind_udp(ip, port + 1);
		if (m->rtcp_fd >= 0) {
			m->local = *ip;
			sl_addr_set_port(&m->local, port);
			*out = m;
			return 0;
		}
		close(m->rtp_fd);
		m->rtp_fd = -1;
		if (errno != EADDRINUSE)
			break;
	}
	free(m);
	return errno ? errno : EADDRINUSE;
}

void
sl_media_free(struct sl_media *m)
{
	if (m == NULL)
		return;
	sl_timer_stop(m->loop, &m->kill_timer);
	if (m->send_pid)
		sl_child_unwatch(m->send_pid);
	if (m->recv_pid)
		sl_child_unwatch(m->recv_pid);
	if (m->cmd_pid)
		sl_child_unwatch(m->cmd_pid);
	if (m->rtp_fd >= 0)
		close(m->rtp_fd);
	if (m->rtcp_fd >= 0)
		close(m->rtcp_fd);
	free(m);
}

const struct sl_addr *
sl_media_local(const struct sl_media *m)
{
	return &m->local;
}

int
sl_media_connect(struct sl_media *m, const struct sl_addr *rtp, int rtcp_port)
{
	struct sl_addr rtcp = *rtp;

	if (connect(m->rtp_fd, (const struct sockaddr *)&rtp->ss, rtp->len) < 0)
		return errno;
	sl_addr_set_port(&rtcp, rtcp_port);
	if (connect(m->rtcp_fd, (const struct sockaddr *)&rtcp.ss, rtcp.len) < 0)
		return errno;
	return 0;
}

int
sl_media_status(int code)
{
	if (code == 8 || (code >= 100 && code <= 127))
		return code;
	return 0;
}

int
sl_media_running(const struct sl_media *m)
{
	return m->send_pid || m->recv_pid || m->cmd_pid;
}

static void
maybe_over(struct sl_media *m)
{
	if (sl_media_running(m))
		return;
	sl_timer_stop(m->loop, &m->kill_timer);
	if (m->cb) {
		sl_media_cb cb = m->cb;

		m->cb = NULL;
		cb(m, m->status, m->arg);
	}
}

static void
on_kill_timer(void *arg)
{
	struct sl_media *m = arg;

	if (sl_media_running(m)) {
		sl_warn("media did not stop within %d ms; killing it", SL_MEDIA_STOP_WAIT_MS);
		kill(-m->pgrp, SIGKILL);
	}
}

/* Ends whatever media still runs, keeping the status already decided. */
static void
stop_rest(struct sl_media *m)
{
	if (!sl_media_running(m) || m->stopping)
		return;
	m->stopping = 1;
	kill(-m->pgrp, SIGTERM);
	sl_timer_start(m->loop, &m->kill_timer, SL_MEDIA_STOP_WAIT_MS, on_kill_timer, m);
}

static void
on_exit_child(pid_t pid, int wstatus, void *arg)
{
	struct sl_media *m = arg;
	int code = sl_child_exit_code(wstatus);
	int stopping = m->stopping;

	if (pid == m->cmd_pid) {
		m->cmd_pid = 0;
		if (!stopping)
			m->status = sl_media_status(code);
		sl_debug("media command %d exited with %d", (int)pid, code);
	} else if (pid == m->send_pid) {
		m->send_pid = 0;
		sl_debug("rtp-send %d exited with %d", (int)pid, code);
		/* The audio to send has all gone out: the call is over. */
		if (!stopping)
			m->status = sl_media_status(code);
		stop_rest(m);
	} else if (pid == m->recv_pid) {
		m->recv_pid = 0;
		sl_debug("rtp-recv %d exited with %d", (int)pid, code);
		/* Media lost, or a failure: the call ends with it.  An
		 * ordinary end (the peer's RTCP BYE) leaves the call up until
		 * our audio is sent or the peer hangs up. */
		if (!stopping && sl_media_status(code) != 0) {
			m->status = sl_media_status(code);
			stop_rest(m);
		}
	}
	maybe_over(m);
}

/* Starts one sipline media tool in the media's process group (making the
 * group if there is none yet).  Returns 0 or an errno value. */
static int
spawn_tool(struct sl_media *m, const char *name, pid_t *pid)
{
	int fdmap[] = { m->rtp_fd, SL_HANDOFF_RTP_FD, m->rtcp_fd, SL_HANDOFF_RTCP_FD, -1 };
	char path[4096];
	char *argv[] = { (char *)sl_tool_path(name, path, sizeof path), NULL };
	int err, join = sl_media_running(m);

	if ((err = sl_spawn(argv, fdmap, join ? m->pgrp : 0, pid)) != 0)
		return err;
	if (!join)
		m->pgrp = *pid;
	sl_child_watch(m->loop, *pid, on_exit_child, m);
	return 0;
}

/* Puts the hand-off variables of p in the environment for what we start. */
static int
export_params(struct sl_media *m, const struct sl_media_params *p)
{
	struct sl_media_params hp = *p;

	hp.rtp_fd = SL_HANDOFF_RTP_FD;
	hp.rtcp_fd = SL_HANDOFF_RTCP_FD;
	hp.local = m->local;
	return sl_handoff_to_env(&hp);
}

int
sl_media_start(struct sl_media *m, char *const *argv,
	       const struct sl_media_params *p, sl_media_cb cb, void *arg)
{
	int fdmap[] = { m->rtp_fd, SL_HANDOFF_RTP_FD, m->rtcp_fd, SL_HANDOFF_RTCP_FD, -1 };
	int err;

	if ((err = export_params(m, p)) != 0)
		return err;
	m->cb = cb;
	m->arg = arg;
	m->status = 0;
	m->stopping = 0;
	if (argv) {
		if ((err = sl_spawn(argv, fdmap, 0, &m->cmd_pid)) != 0)
			return err;
		m->pgrp = m->cmd_pid;
		sl_child_watch(m->loop, m->cmd_pid, on_exit_child, m);
		return 0;
	}
	if (!m->send_pid && (err = spawn_tool(m, "rtp-send", &m->send_pid)) != 0)
		return err;
	/* rtp-recv may be running already, for early media. */
	if (!m->recv_pid && (err = spawn_tool(m, "rtp-recv", &m->recv_pid)) != 0) {
		stop_rest(m);
		return err;
	}
	return 0;
}

int
sl_media_start_early(struct sl_media *m, const struct sl_media_params *p,
		     sl_media_cb cb, void *arg)
{
	int err;

	if (sl_media_running(m))
		return 0;
	if ((err = export_params(m, p)) != 0)
		return err;
	m->cb = cb;
	m->arg = arg;
	m->status = 0;
	m->stopping = 0;
	return spawn_tool(m, "rtp-recv", &m->recv_pid);
}

void
sl_media_stop(struct sl_media *m)
{
	stop_rest(m);
}
