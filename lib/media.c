/* The media side of a call: the RTP/RTCP socket pair and the media
 * process that inherits it.  The default media is the engine of lib/ in a
 * child forked without exec (one process, both directions, pages shared
 * with us); a COMMAND is run with the hand-off of sipline(7).  The
 * signalling tool keeps its copy of the sockets so that it can re-point
 * them when the peer moves its media. */
#include "media.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>


#include "child.h"
#include "codec.h"
#include "engine.h"
#include "log.h"
#include "pacer.h"

struct sl_media {
	struct sl_loop *loop;
	int rtp_fd, rtcp_fd;
	struct sl_addr local;
	struct sl_addr peer;    /* the peer's RTP address (SDP); len 0 unknown */
	int peer_rtcp;          /* and its RTCP port */
	int connected;          /* the sockets are connect()ed to peer */
	pid_t pgrp;
	pid_t engine_pid, cmd_pid;  /* 0 when not running */
	int ctl;                /* the write end of the engine's updates */
	int control_fd, dtmf_fd; /* sl_media_channels; -1 none */
	int dtmf_rx_fd;         /* sl_media_dtmf_received; -1 none */
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
	m->rtp_fd = m->rtcp_fd = m->ctl = m->control_fd = m->dtmf_fd = -1;
	m->dtmf_rx_fd = -1;
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

/* Closes our copies of the channels' ends (the media has them now). */
static void
close_channels(struct sl_media *m)
{
	if (m->control_fd >= 0)
		close(m->control_fd);
	if (m->dtmf_fd >= 0)
		close(m->dtmf_fd);
	if (m->dtmf_rx_fd >= 0)
		close(m->dtmf_rx_fd);
	m->control_fd = m->dtmf_fd = m->dtmf_rx_fd = -1;
}

void
sl_media_channels(struct sl_media *m, int control_fd, int dtmf_fd)
{
	close_channels(m);
	m->control_fd = control_fd;
	m->dtmf_fd = dtmf_fd;
}

void
sl_media_dtmf_received(struct sl_media *m, int fd)
{
	if (m->dtmf_rx_fd >= 0)
		close(m->dtmf_rx_fd);
	m->dtmf_rx_fd = fd;
}

void
sl_media_free(struct sl_media *m)
{
	if (m == NULL)
		return;
	close_channels(m);
	sl_timer_stop(m->loop, &m->kill_timer);
	if (m->engine_pid)
		sl_child_unwatch(m->engine_pid);
	if (m->cmd_pid)
		sl_child_unwatch(m->cmd_pid);
	if (m->ctl >= 0)
		close(m->ctl);
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

/* Connects both sockets to the peer.  Returns 0 or an errno value. */
static int
connect_peer(struct sl_media *m)
{
	struct sl_addr rtcp = m->peer;

	if (m->peer.len == 0)
		return 0;
	if (connect(m->rtp_fd, (const struct sockaddr *)&m->peer.ss, m->peer.len) < 0)
		return errno;
	sl_addr_set_port(&rtcp, m->peer_rtcp);
	if (connect(m->rtcp_fd, (const struct sockaddr *)&rtcp.ss, rtcp.len) < 0)
		return errno;
	m->connected = 1;
	return 0;
}

/* Sends an update to the running engine. */
static void
update(struct sl_media *m, const struct sl_engine_update *u)
{
	if (m->ctl >= 0 && write(m->ctl, u, sizeof *u) != (ssize_t)sizeof *u)
		sl_warn_err(errno, "unable to update the media");
}

int
sl_media_connect(struct sl_media *m, const struct sl_addr *rtp, int rtcp_port)
{
	int moved = !sl_addr_equal(rtp, &m->peer) || rtcp_port != m->peer_rtcp;

	m->peer = *rtp;
	m->peer_rtcp = rtcp_port;
	if (m->engine_pid) {
		/* The engine latches and connects the sockets itself: it is
		 * told, and stops latching. */
		struct sl_engine_update u;

		if (!moved)
			return 0;
		memset(&u, 0, sizeof u);
		u.moved = 1;
		u.remote = *rtp;
		u.rtcp_port = rtcp_port;
		update(m, &u);
		return 0;
	}
	/* A command has the sockets connected (now, or when it starts). */
	if (m->cmd_pid || m->connected)
		return connect_peer(m);
	return 0;
}

void
sl_media_hold(struct sl_media *m, int held)
{
	struct sl_engine_update u;

	if (!m->engine_pid)
		return;
	memset(&u, 0, sizeof u);
	u.hold = held ? 1 : 2;
	update(m, &u);
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
	return m->engine_pid || m->cmd_pid;
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

	if (pid == m->cmd_pid) {
		m->cmd_pid = 0;
		sl_debug("media command %d exited with %d", (int)pid, code);
	} else if (pid == m->engine_pid) {
		m->engine_pid = 0;
		if (m->ctl >= 0) {
			close(m->ctl);
			m->ctl = -1;
		}
		sl_debug("media %d exited with %d", (int)pid, code);
	} else {
		return;
	}
	/* The audio to send has all gone out, no RTP came (8), or the
	 * command ended: the call is over. */
	if (!m->stopping)
		m->status = sl_media_status(code);
	maybe_over(m);
}

/* The default media: the engine in a child of ours (no exec), on our
 * stdin and stdout and the call's sockets, unconnected so that it can
 * latch to where the peer's RTP comes from (symmetric RTP, latch.h).
 * send 0: receiving only, until an update says the call is answered.
 * Returns 0 or an errno value. */
static int
fork_engine(struct sl_media *m, const struct sl_media_params *p, int send)
{
	struct sl_engine_cfg ec;
	const char *call_name = sl_prog;
	int ctl[2], err;
	pid_t pid;

	if (pipe2(ctl, O_CLOEXEC | O_NONBLOCK) < 0)
		return errno;
	if ((err = sl_fork(NULL, 0, &pid)) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		return err;
	}
	if (pid > 0) {
		close(ctl[0]);
		m->ctl = ctl[1];
		/* Our updates may wait (they are small); the engine's reads
		 * must not. */
		fcntl(m->ctl, F_SETFL, 0);
		m->engine_pid = m->pgrp = pid;
		sl_child_watch(m->loop, pid, on_exit_child, m);
		close_channels(m);
		return 0;
	}
	close(ctl[1]);
	{
		/* Nothing of the call's but its RTP: a SIP socket held here
		 * would stay bound, and a connection stay open, until the
		 * media ends, after the call's own process let them go. */
		int keep[] = { m->rtp_fd, m->rtcp_fd, ctl[0], -1, -1, -1 }, k = 3;

		if (m->dtmf_fd >= 0)
			keep[k++] = m->dtmf_fd;
		if (m->dtmf_rx_fd >= 0)
			keep[k++] = m->dtmf_rx_fd;
		sl_close_all_but(keep);
	}
	prctl(PR_SET_NAME, "sipline-media");
	memset(&ec, 0, sizeof ec);
	ec.rtp_fd = m->rtp_fd;
	ec.rtcp_fd = m->rtcp_fd;
	ec.latch = 1;
	ec.remote = m->peer;
	ec.rtcp_port = m->peer_rtcp;
	ec.codec = p->codec ? p->codec : &sl_codecs[0];
	ec.pt = p->payload_type;
	ec.recv_pt = p->local_pt > 0 ? p->local_pt : 0;
	ec.rate = p->sample_rate;
	ec.fmtp = p->fmtp;
	ec.plc = 1;
	ec.ptime = p->ptime;
	ec.dtmf_pt = p->dtmf_pt;
	ec.send = send;
	ec.muted = p->direction == SL_DIR_RECVONLY || p->direction == SL_DIR_INACTIVE;
	ec.input_fd = 0;
	ec.fmt = SL_IN_S16LE;
	/* The digits the call's control channel asks to send. */
	ec.dtmf_in_fd = m->dtmf_fd;
	/* The keys that come by SIP INFO. */
	ec.dtmf_sip_fd = m->dtmf_rx_fd;
	ec.recv = 1;
	ec.output_fd = 1;
	ec.jitter_ms = 60;
	ec.timeout = p->direction == SL_DIR_SENDONLY || p->direction == SL_DIR_INACTIVE ?
		     0 : p->rtp_timeout;
	ec.in_call = 1;
	ec.dtmf_out_fd = -1;
	ec.output_nonblock = 1;
	ec.ctl_fd = ctl[0];
	/* Its lines are those of the tools it stands for. */
	ec.send_name = "rtp-send";
	ec.recv_name = "rtp-recv";
	ec.call_name = call_name;
	ec.call_id = getenv(SL_ENV_SIP_CALL_ID);
	if (p->srtp_tx.suite != SL_SRTP_OFF && p->srtp_rx.suite != SL_SRTP_OFF) {
		ec.srtp_tx = &p->srtp_tx;
		ec.srtp_rx = &p->srtp_rx;
	}
	_exit(sl_engine_run(&ec));
}

int
sl_media_start(struct sl_media *m, char *const *argv,
	       const struct sl_media_params *p, sl_media_cb cb, void *arg)
{
	int fdmap[13] = { m->rtp_fd, SL_HANDOFF_RTP_FD, m->rtcp_fd, SL_HANDOFF_RTCP_FD };
	int nmap = 4;
	struct sl_media_params hp = *p;
	int err, keys = -1;

	m->cb = cb;
	m->arg = arg;
	m->status = 0;
	m->stopping = 0;
	if (argv == NULL) {
		if (m->engine_pid) {
			/* After early media: the engine runs; it sends from
			 * now on. */
			struct sl_engine_update u;

			memset(&u, 0, sizeof u);
			u.send = 1;
			u.muted = p->direction == SL_DIR_RECVONLY ||
				  p->direction == SL_DIR_INACTIVE;
			u.codec = p->codec;
			u.pt = p->payload_type;
			snprintf(u.fmtp, sizeof u.fmtp, "%s", p->fmtp);
			u.ptime = p->ptime;
			u.dtmf_pt = p->dtmf_pt;
			update(m, &u);
			return 0;
		}
		return fork_engine(m, p, 1);
	}
	/* A command gets the hand-off of sipline(7): the sockets connected
	 * to the peer's addresses, on fds 6 and 7, described in RTP_*. */
	if ((err = connect_peer(m)) != 0)
		return err;
	hp.rtp_fd = SL_HANDOFF_RTP_FD;
	hp.rtcp_fd = SL_HANDOFF_RTCP_FD;
	hp.local = m->local;
	hp.srtp_key_fd = -1;
	/* The keys go on a descriptor of their own (RTP_SRTP_KEY_FD), never
	 * into the environment or argv. */
	if (p->srtp_tx.suite != SL_SRTP_OFF && p->srtp_rx.suite != SL_SRTP_OFF) {
		if ((err = sl_handoff_srtp_keys(p, &keys)) != 0)
			goto out;
		fdmap[nmap++] = keys;
		fdmap[nmap++] = SL_HANDOFF_SRTP_KEY_FD;
		hp.srtp_key_fd = SL_HANDOFF_SRTP_KEY_FD;
	}
	hp.dtmf_fd = m->dtmf_fd >= 0 ? SL_HANDOFF_DTMF_FD : -1;
	if (m->control_fd >= 0) {
		fdmap[nmap++] = m->control_fd;
		fdmap[nmap++] = SL_HANDOFF_CONTROL_FD;
	}
	if (m->dtmf_fd >= 0) {
		fdmap[nmap++] = m->dtmf_fd;
		fdmap[nmap++] = SL_HANDOFF_DTMF_FD;
	}
	hp.sip_dtmf_fd = m->dtmf_rx_fd >= 0 ? SL_HANDOFF_SIP_DTMF_FD : -1;
	if (m->dtmf_rx_fd >= 0) {
		fdmap[nmap++] = m->dtmf_rx_fd;
		fdmap[nmap++] = SL_HANDOFF_SIP_DTMF_FD;
	}
	fdmap[nmap] = -1;
	if ((err = sl_handoff_to_env(&hp)) != 0 ||
	    (err = sl_handoff_control_to_env(m->control_fd >= 0 ? SL_HANDOFF_CONTROL_FD : -1)) != 0 ||
	    (err = sl_spawn(argv, fdmap, 0, &m->cmd_pid)) != 0)
		goto out;
	close_channels(m);
	m->pgrp = m->cmd_pid;
	sl_child_watch(m->loop, m->cmd_pid, on_exit_child, m);
out:
	if (keys >= 0)
		close(keys);
	sl_wipe(&hp.srtp_tx, sizeof hp.srtp_tx);
	sl_wipe(&hp.srtp_rx, sizeof hp.srtp_rx);
	return err;
}

int
sl_media_start_early(struct sl_media *m, const struct sl_media_params *p,
		     sl_media_cb cb, void *arg)
{
	if (sl_media_running(m))
		return 0;
	m->cb = cb;
	m->arg = arg;
	m->status = 0;
	m->stopping = 0;
	return fork_engine(m, p, 0);
}

void
sl_media_stop(struct sl_media *m)
{
	stop_rest(m);
}
