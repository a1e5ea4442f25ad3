/* The media engine (engine.h): the send schedule and the playout clock on
 * sockets, stdin and stdout, driven by one timer.
 *
 * Wake-ups: while the send schedule runs, the engine wakes only at its
 * packet times, and the output's frames fall on the same grid (each side
 * aligns to the one that started first); the sockets are read then, the
 * kernel's arrival stamps keeping the arrival times exact.  Without a
 * send schedule (rtp-recv, or no input yet) it wakes on arrivals, and the
 * output clock takes its phase from them.  Either way a steady call costs
 * one wake-up per packet time. */
#include "engine.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtmf.h"
#include "latch.h"
#include "log.h"
#include "loop.h"
#include "pacer.h"
#include "playout.h"
#include "rtcp.h"
#include "rtp.h"
#include "rtpsock.h"
#include "srtp.h"

/* How long the end of the output waits for a reader that does not read. */
#define STOP_WRITE_WAIT_MS 2000
/* Output written in pieces of at most this many samples. */
#define PCM_MAX 4096
/* Datagrams read from a socket in one wake-up, at most. */
#define READ_MAX 256
/* While the send schedule drives the wake-ups, RTCP (every 5 s or so) is
 * read every this many of them, not every one. */
#define RTCP_EVERY 10
/* Output held for a reader that does not read (the default media). */
#define OUT_HOLD_SECONDS 2

struct engine {
	struct sl_engine_cfg c;
	int sigfd;
	int stop;               /* SIGTERM or SIGINT came */
	int status;
	/* sending */
	int sending, send_done;
	struct sl_pacer pacer;
	struct sl_rtp_tx tx;
	uint64_t refused, unsent;
	int64_t send_wake;
	/* receiving */
	int receiving, recv_done;
	struct sl_playout pl;
	int16_t pcm[PCM_MAX];
	uint8_t *oq;            /* output the reader has not taken (nonblock) */
	size_t oq_len, oq_cap;
	uint64_t out_dropped;
	int64_t recv_wake;
	/* where packets go while the sockets are not connected */
	int rtp_connected, rtcp_connected;
	struct sl_addr rtp_to, rtcp_to;
	int latching;
	struct sl_latch latch;
	/* RTCP */
	int rtcp_on;
	int64_t rtcp_next;
	char cname[300];
	unsigned wakes;
	unsigned late, late_since;  /* late wake-ups, since the window's start */
	int realtime;
	int output_plain;       /* a file or a device: writes never wait */
	int pl_rate;            /* of the pipe */
	struct sl_rtp_dgram dgrams[8];
	struct sl_srtp *srtp_tx, *srtp_rx;
	char fmtp[128];         /* the peer's, after an update */
	/* --dtmf-fd of rtp-send */
	char line[1100];
	size_t linelen;
};

/* ---- lines of each side ---- */

/* Messages of the sending side go out as its tool's (the default media is
 * rtp-send and rtp-recv in one process). */
static void
as(const char *name)
{
	if (name)
		sl_prog = name;
}

static void
take_signals(struct engine *e)
{
	uint64_t m = sl_signals_take();

	if (m & ((uint64_t)1 << SIGTERM | (uint64_t)1 << SIGINT))
		e->stop = 1;
}

/* ---- output ---- */

static void
le16(const int16_t *pcm, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)(pcm[i] & 0xff);
		out[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
}

/* Writes all of buf, blocking.  A signal interrupting a write does not
 * cut the audio (the play-out after SIGTERM must not lose what is
 * buffered, nor leave half a sample); once one has come, each write waits
 * at most STOP_WRITE_WAIT_MS for the reader.  Returns 0, or -1 when the
 * output is closed (EPIPE) or the reader stopped reading after a signal. */
static int
write_all(struct engine *e, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		if (e->stop) {
			struct pollfd pw = { e->c.output_fd, POLLOUT, 0 };

			if (poll(&pw, 1, STOP_WRITE_WAIT_MS) == 0)
				return -1;
		}
		w = write(e->c.output_fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR) {
				take_signals(e);
				continue;
			}
			if (errno == EPIPE)
				return -1;
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to write stdout");
		}
		off += (size_t)w;
	}
	return 0;
}

/* Writes what the reader takes now without waiting (a pipe with room
 * takes a page whole).  Returns -1 when the output is closed. */
static int
flush(struct engine *e)
{
	struct pollfd pw = { e->c.output_fd, POLLOUT, 0 };
	ssize_t w;

	while (e->oq_len > 0) {
		if (!e->output_plain &&
		    (poll(&pw, 1, 0) <= 0 || !(pw.revents & (POLLOUT | POLLERR | POLLHUP))))
			return 0;
		w = write(e->c.output_fd, e->oq, e->oq_len < 4096 ? e->oq_len : 4096);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == EPIPE)
				return -1;
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to write stdout");
		}
		memmove(e->oq, e->oq + w, e->oq_len - (size_t)w);
		e->oq_len -= (size_t)w;
	}
	return 0;
}

/* n samples of output.  Returns -1 when the output is closed. */
static int
output(struct engine *e, const int16_t *pcm, size_t n)
{
	uint8_t buf[PCM_MAX * 2];
	size_t len = n * 2;

	le16(pcm, n, buf);
	if (!e->c.output_nonblock)
		return write_all(e, buf, len);
	if (e->oq_len + len > e->oq_cap) {
		/* The reader does not read: its oldest audio goes. */
		size_t drop = e->oq_len + len - e->oq_cap;

		if (e->out_dropped == 0)
			sl_debug("output not read: audio dropped");
		e->out_dropped += drop;
		memmove(e->oq, e->oq + drop, e->oq_len - drop);
		e->oq_len -= drop;
	}
	memcpy(e->oq + e->oq_len, buf, len);
	e->oq_len += len;
	return flush(e);
}

/* One DTMF line per digit, in one write(2), so that `while read` sees it
 * at once. */
static void
say_digit(struct engine *e, char digit)
{
	char line[16];
	int n;

	if (e->c.dtmf_out_fd < 0) {
		as(e->c.recv_name);
		sl_event("DTMF %c", digit);
		return;
	}
	n = snprintf(line, sizeof line, "DTMF %c\n", digit);
	while (write(e->c.dtmf_out_fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

/* ---- sockets ---- */

/* Points the RTP socket (and RTCP, at rtcp_port, unless it is 0) at a. */
static void
connect_to(struct engine *e, const struct sl_addr *a, int rtcp_port)
{
	struct sl_addr r = *a;

	if (connect(e->c.rtp_fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		e->rtp_connected = 1;
	else
		sl_warn_err(errno, "unable to connect the RTP socket");
	e->rtp_to = *a;
	if (e->c.rtcp_fd < 0 || rtcp_port == 0)
		return;
	sl_addr_set_port(&r, rtcp_port);
	e->rtcp_to = r;
	if (connect(e->c.rtcp_fd, (const struct sockaddr *)&r.ss, r.len) == 0)
		e->rtcp_connected = 1;
}

/* RTCP sent to the latched host's RTP port + 1 until its own RTCP shows
 * where its RTCP comes from (a NAT maps each port on its own). */
static void
latched(struct engine *e, const struct sl_addr *peer)
{
	char a[SL_ADDR_STRLEN];

	if (sl_addr_equal(peer, &e->c.remote)) {
		connect_to(e, peer, e->c.rtcp_port);
		sl_debug("latched to the SDP address");
		return;
	}
	connect_to(e, peer, 0);
	e->rtcp_to = *peer;
	sl_addr_set_port(&e->rtcp_to, (sl_addr_port(peer) + 1) & 0xffff);
	as(e->c.call_name);
	if (e->c.call_id)
		sl_event("media-latched rtp=%s call-id=%s", sl_addr_str(peer, a), e->c.call_id);
	else
		sl_event("media-latched rtp=%s", sl_addr_str(peer, a));
}

static void
send_packet(struct engine *e, const struct sl_rtp_packet *p, int64_t now)
{
	uint8_t buf[SL_RTP_MAX + SL_SRTP_TRAILER];
	size_t n = sl_rtp_tx_pack(&e->tx, p, now, buf);
	int rc;

	if (e->srtp_tx != NULL && sl_srtp_protect(e->srtp_tx, 0, buf, &n, sizeof buf) != 0) {
		e->unsent++;
		return;
	}
	rc = sl_rtp_send(e->c.rtp_fd, buf, n, e->rtp_connected ? NULL : &e->rtp_to,
			     &e->refused);

	if (rc != 0) {
		/* A peer not listening yet is no reason to stop. */
		e->unsent++;
		sl_debug("packet ts %u not sent: %s", p->ts, strerror(rc));
	}
	if (sl_verbose > 1)
		sl_debug("%s ts %u%s", p->pt == e->c.dtmf_pt ? "event" : "audio",
			 p->ts, p->marker ? " marker" : "");
}

/* Datagrams read from a socket in one go, at most. */
#define BATCH 8

static void
read_rtp(struct engine *e)
{
	struct sl_rtp_dgram *d = e->dgrams;
	struct sl_rtp_packet pkt;
	int i, k, n;
	char digit;

	for (k = 0; k < READ_MAX / BATCH; k++) {
		if ((n = sl_rtp_recv(e->c.rtp_fd, d, BATCH)) <= 0)
			return;
		for (i = 0; i < n; i++) {
			/* Longer than any RTP we take: its payload cut short
			 * would play as something else. */
			if (d[i].truncated) {
				sl_playout_bad(&e->pl);
				continue;
			}
			if (e->srtp_rx != NULL &&
			    sl_srtp_unprotect(e->srtp_rx, 0, d[i].buf, &d[i].len) != 0)
				continue;
			if (sl_rtp_parse(d[i].buf, d[i].len, &pkt) != 0)
				continue;
			if (e->latching && !e->rtp_connected) {
				enum sl_latch_verdict v = sl_latch_packet(&e->latch, &d[i].from,
									  &pkt, d[i].arrival);

				if (v == SL_LATCH_DROP)
					continue;
				if (v == SL_LATCH_LATCHED)
					latched(e, &e->latch.peer);
			}
			as(e->c.recv_name);
			if ((digit = sl_playout_packet(&e->pl, d[i].arrival, &pkt)) != '\0')
				say_digit(e, digit);
		}
		if (n < BATCH)
			return;
	}
}

static void
read_rtcp(struct engine *e)
{
	struct sl_rtp_dgram *d = e->dgrams;
	struct sl_rtcp_info info;
	int i, k, n;

	if ((n = sl_rtp_recv(e->c.rtcp_fd, d, BATCH)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (e->latching && !e->rtcp_connected) {
			/* Only the host we take as the peer; the first of its
			 * reports shows its RTCP port. */
			if (!sl_addr_same_host(&d[i].from, &e->latch.peer))
				continue;
			if (e->latch.state == SL_LATCH_DONE)
				connect_to(e, &e->rtp_to, sl_addr_port(&d[i].from));
		}
		if (e->srtp_rx != NULL &&
		    sl_srtp_unprotect(e->srtp_rx, 1, d[i].buf, &d[i].len) != 0)
			continue;
		if (sl_rtcp_parse(d[i].buf, d[i].len, &info) != 0)
			continue;
		as(e->c.recv_name);
		for (k = 0; k < info.nbye; k++)
			sl_playout_bye(&e->pl, info.bye[k]);
		if (info.sr)
			sl_playout_sr(&e->pl, info.sr_ssrc, info.sr_ntp_mid, d[i].arrival);
	}
}

/* Our report (and the BYE at the end). */
static void
report(struct engine *e, int64_t now, int bye)
{
	struct sl_rtcp_report r;
	uint8_t buf[512];
	size_t n;

	memset(&r, 0, sizeof r);
	r.ssrc = e->tx.ssrc;
	/* A sender in the last two report intervals sends an SR. */
	r.sender = e->tx.last_time != 0 && (bye || now - e->tx.last_time < 10000000000LL);
	if (r.sender) {
		r.ntp = sl_rtcp_ntp_now();
		r.rtp_ts = e->tx.last_ts + (uint32_t)((now - e->tx.last_time) / 1000 *
						      e->c.codec->clock_rate / 1000000);
		r.packets = (uint32_t)e->tx.packets;
		r.octets = (uint32_t)e->tx.octets;
	}
	if (e->receiving && sl_playout_report(&e->pl, now, &r.block) == 0)
		r.nblocks = 1;
	r.cname = e->cname;
	r.bye = bye;
	if ((n = sl_rtcp_build(&r, buf, sizeof buf - SL_SRTP_TRAILER)) > 0 &&
	    (e->srtp_tx == NULL || sl_srtp_protect(e->srtp_tx, 1, buf, &n, sizeof buf) == 0))
		sl_rtp_send(e->c.rtcp_fd, buf, n, e->rtcp_connected ? NULL : &e->rtcp_to, NULL);
}

/* ---- input ---- */

static void
read_input(struct engine *e, int64_t now, int ready)
{
	uint8_t *where;
	size_t room = sl_pacer_room(&e->pacer, &where);
	ssize_t n;

	if (room == 0)
		return;
	if (!ready) {
		struct pollfd pi = { e->c.input_fd, POLLIN, 0 };

		if (poll(&pi, 1, 0) <= 0)
			return;
	}
	n = read(e->c.input_fd, where, room);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to read stdin");
	}
	if (n == 0)
		sl_debug("end of input");
	sl_pacer_input(&e->pacer, (size_t)n, now);
}

/* Queues one line of digits from --dtmf-fd. */
static void
dtmf_line(struct engine *e, char *line)
{
	const char *bad;

	if (sl_dtmf_check(line, &bad) != 0) {
		sl_warn("DTMF line ignored: '%c' is not a digit 0-9 * # A-D or ','", *bad);
		return;
	}
	if (sl_pacer_dtmf(&e->pacer, line) != 0)
		sl_warn("DTMF line ignored: too many digits waiting");
	else
		sl_debug("DTMF queued: %s", line);
}

static void
read_dtmf(struct engine *e)
{
	ssize_t n;
	size_t i, start = 0;

	n = read(e->c.dtmf_in_fd, e->line + e->linelen, sizeof e->line - 1 - e->linelen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			sl_warn_err(errno, "unable to read DTMF from fd %d", e->c.dtmf_in_fd);
		if (e->linelen > 0) {
			e->line[e->linelen] = '\0';
			dtmf_line(e, e->line);
		}
		e->c.dtmf_in_fd = -1;
		return;
	}
	e->linelen += (size_t)n;
	for (i = 0; i < e->linelen; i++) {
		if (e->line[i] != '\n')
			continue;
		e->line[i] = '\0';
		dtmf_line(e, e->line + start);
		start = i + 1;
	}
	memmove(e->line, e->line + start, e->linelen - start);
	e->linelen -= start;
	if (e->linelen == sizeof e->line - 1) {
		sl_warn("DTMF line too long: ignored");
		e->linelen = 0;
	}
}

/* The keys of SIP INFOs from the signalling tool: the same lines as
 * those of RTP events. */
static void
read_sip_dtmf(struct engine *e)
{
	char buf[64];
	ssize_t n, i;

	n = read(e->c.dtmf_sip_fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		e->c.dtmf_sip_fd = -1;
		return;
	}
	for (i = 0; i < n; i++)
		if (sl_dtmf_event(buf[i]) >= 0)
			say_digit(e, sl_dtmf_char(sl_dtmf_event(buf[i])));
}

/* ---- the two sides ---- */

static int
start_sending(struct engine *e)
{
	struct sl_pacer_cfg pc;
	int err;

	memset(&pc, 0, sizeof pc);
	pc.codec = e->c.codec;
	pc.pt = e->c.pt;
	pc.rate = e->c.rate;
	pc.fmtp = e->c.fmtp;
	pc.fmt = e->c.fmt;
	pc.ptime = e->c.ptime;
	pc.dtmf_pt = e->c.dtmf_pt;
	pc.muted = e->c.muted;
	pc.ts0 = sl_rtp_random32();
	if ((err = sl_pacer_init(&e->pacer, &pc)) != 0)
		return err;
	if (e->c.digits)
		sl_pacer_dtmf(&e->pacer, e->c.digits);
	e->sending = 1;
	e->send_wake = INT64_MAX;
	return 0;
}

/* A packet is late when the scheduler wakes us late.  With the lowest
 * real-time priority (where allowed: root, or RLIMIT_RTPRIO) a busy
 * machine no longer delays it; but a real-time wake-up costs more CPU
 * (a fifth more for a call on the bench's virtual machine, BENCHMARKS.md),
 * for nothing while the machine is idle.  So the priority is
 * taken once the machine has shown that it delays us: LATE_WAKES wake-ups
 * more than LATE_NS late within LATE_WINDOW packet times.  We sleep
 * between packets, so we never hold a core; what we run gets back the
 * normal policy. */
#define LATE_NS 1000000
#define LATE_WAKES 3
#define LATE_WINDOW 500

static void
count_lateness(struct engine *e, int64_t late)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (e->realtime)
		return;
	if (e->wakes - e->late_since > LATE_WINDOW) {
		e->late_since = e->wakes;
		e->late = 0;
	}
	if (late <= LATE_NS || ++e->late < LATE_WAKES)
		return;
	e->realtime = 1;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0)
		sl_debug("woken %lld us late: real-time scheduling (SCHED_FIFO 1)",
			 (long long)(late / 1000));
}

static void
run_send(struct engine *e, int64_t now, int input_ready)
{
	struct sl_pacer_out out;
	int64_t phase;
	int i;

	as(e->c.send_name);
	if (e->stop) {
		e->send_done = 1;
		return;
	}
	read_input(e, now, input_ready);
	/* Packet times on the output's frame times: one wake-up for both. */
	if (!sl_pacer_started(&e->pacer) && e->receiving &&
	    e->pacer.ptime_ns == e->pl.frame_ns && sl_playout_phase(&e->pl, &phase))
		sl_pacer_align(&e->pacer, phase);
	for (;;) {
		switch (sl_pacer_step(&e->pacer, now, &out, &e->send_wake)) {
		case SL_PACE_SEND:
			for (i = 0; i < out.n; i++)
				send_packet(e, &out.pkt[i], now);
			continue;
		case SL_PACE_WAIT:
			return;
		case SL_PACE_DONE:
			e->send_done = 1;
			e->send_wake = INT64_MAX;
			return;
		}
	}
}

static void
run_recv(struct engine *e, int64_t now)
{
	size_t n;

	as(e->c.recv_name);
	if (e->sending && sl_pacer_started(&e->pacer) && e->pacer.ptime_ns == e->pl.frame_ns)
		sl_playout_align(&e->pl, e->pacer.anchor, e->pacer.ptime_ns);
	if (e->stop || (e->sending && e->send_done))
		sl_playout_stop(&e->pl);
	for (;;) {
		switch (sl_playout_next(&e->pl, now, e->pcm, PCM_MAX, &n, &e->recv_wake)) {
		case SL_PLAY_WRITE:
			if (output(e, e->pcm, n) < 0)
				sl_playout_closed(&e->pl);
			continue;
		case SL_PLAY_WAIT:
			return;
		case SL_PLAY_END:
			e->recv_done = 1;
			e->recv_wake = INT64_MAX;
			if (sl_playout_status(&e->pl) != 0) {
				e->status = sl_playout_status(&e->pl);
				sl_warn("no RTP for %g s: media lost", e->c.timeout);
			}
			return;
		}
	}
}

/* An update from the signalling tool. */
static void
read_ctl(struct engine *e)
{
	struct sl_engine_update u;
	while (read(e->c.ctl_fd, &u, sizeof u) == (ssize_t)sizeof u) {
		if (u.moved) {
			e->latching = 0;
			e->latch.state = SL_LATCH_DONE;
			e->latch.peer = u.remote;
			connect_to(e, &u.remote, u.rtcp_port);
			e->rtcp_on = e->c.rtcp_fd >= 0;
		}
		if (u.hold && e->sending) {
			/* The direction's own mute stays under our hold. */
			e->pacer.cfg.muted = u.hold == 1 || e->c.muted;
			sl_debug("%s", u.hold == 1 ? "on hold: sending nothing" : "off hold");
		}
		if (u.hold && e->receiving) {
			e->pl.cfg.timeout_ns = u.hold == 1 ? 0 : (int64_t)(e->c.timeout * 1e9);
			/* The silence of the hold is not lost media. */
			e->pl.last_rx = sl_now_ns();
		}
		if (u.send && !e->sending) {
			/* (on the pipe's rate of the start: resampled) */
			if (u.codec) {
				e->c.codec = u.codec;
				e->c.pt = u.pt;
				snprintf(e->fmtp, sizeof e->fmtp, "%s", u.fmtp);
				e->c.fmtp = e->fmtp;
			}
			if (u.ptime > 0)
				e->c.ptime = u.ptime;
			e->c.dtmf_pt = u.dtmf_pt;
			e->c.muted = u.muted;
			e->c.send = 1;
			if (start_sending(e) != 0)
				sl_warn("unable to start sending");
		}
	}
}

/* ---- the loop ---- */

static int
setup(struct engine *e, int64_t now)
{
	static const int sigs[] = { SIGTERM, SIGINT, 0 };
	struct stat sb;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[256];
	int err;

	if ((e->sigfd = sl_signals_catch(sigs)) < 0)
		return errno;
	signal(SIGPIPE, SIG_IGN);
	/* Timer slack would blur the schedule by 50 us a packet. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	sl_rtp_tx_init(&e->tx);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(e->cname, sizeof e->cname, "%s@%s",
		 e->c.send_name ? e->c.send_name : sl_prog, host);
	e->pl_rate = e->c.rate > 0 ? e->c.rate : e->c.codec->pipe_rate;
	e->c.rate = e->pl_rate;
	if (e->c.recv) {
		struct sl_playout_cfg pc;

		memset(&pc, 0, sizeof pc);
		pc.codec = e->c.codec;
		pc.pt = e->c.pt;
		pc.recv_pt = e->c.recv_pt;
		pc.rate = e->c.rate;
		pc.plc = e->c.plc;
		pc.frame = sl_codec_samples(e->c.codec, e->pl_rate, e->c.ptime);
		pc.jitter_ms = e->c.jitter_ms;
		pc.dtmf_pt = e->c.dtmf_pt;
		pc.in_call = e->c.in_call;
		pc.timeout_ns = (int64_t)(e->c.timeout * 1e9);
		pc.limit = (uint64_t)(e->c.duration * e->pl_rate + 0.5);
		if ((err = sl_playout_init(&e->pl, &pc, now)) != 0)
			return err;
		e->receiving = 1;
		e->recv_wake = INT64_MAX;
		sl_rtp_stamp_arrivals(e->c.rtp_fd);
		if (fstat(e->c.output_fd, &sb) == 0 && (S_ISREG(sb.st_mode) || S_ISCHR(sb.st_mode)))
			e->output_plain = 1;
		if (e->c.output_nonblock) {
			e->oq_cap = (size_t)e->pl_rate * 2 * OUT_HOLD_SECONDS;
			if ((e->oq = malloc(e->oq_cap)) == NULL)
				return ENOMEM;
		}
	}
	if (e->c.send && (err = start_sending(e)) != 0)
		return err;
	if (e->c.latch) {
		int pt = e->c.pt > 0 ? e->c.pt : e->c.codec->pt;

		e->latching = 1;
		sl_latch_init(&e->latch, &e->c.remote, pt, e->c.recv_pt > 0 ? e->c.recv_pt : pt,
			      now);
		e->rtp_to = e->c.remote;
		e->rtcp_to = e->c.remote;
		sl_addr_set_port(&e->rtcp_to, e->c.rtcp_port);
		e->rtcp_on = e->c.rtcp_fd >= 0;
	} else {
		e->rtp_connected = 1;
		/* Reports need somewhere to go: an RTCP socket connected to
		 * the peer's (standalone rtp-recv only listens). */
		e->rtcp_connected = e->c.rtcp_fd >= 0 &&
			getpeername(e->c.rtcp_fd, (struct sockaddr *)&ss, &sl) == 0;
		e->rtcp_on = e->rtcp_connected;
	}
	e->rtcp_next = now + sl_rtcp_interval(1);
	return 0;
}

/* Puts descriptor fd in the poll set for events. */
static void
watch(struct pollfd *pfd, int *n, int fd, short events)
{
	if (fd < 0)
		return;
	pfd[*n].fd = fd;
	pfd[*n].events = events;
	pfd[*n].revents = 0;
	(*n)++;
}

/* revents of fd in the last poll, 0 when it was not watched. */
static short
revents(const struct pollfd *pfd, int n, int fd)
{
	int i;

	for (i = 0; i < n && fd >= 0; i++)
		if (pfd[i].fd == fd)
			return pfd[i].revents;
	return 0;
}

int
sl_engine_run(const struct sl_engine_cfg *cfg)
{
	struct engine *e = calloc(1, sizeof *e);
	struct pollfd pfd[10];
	struct timespec tmo;
	int64_t now, wake;
	int npfd = 0, err, status, n;
	uint8_t *where;

	if (e == NULL)
		return SL_EXIT_SYSTEM;
	e->c = *cfg;
	if ((cfg->srtp_tx != NULL && (err = sl_srtp_new(cfg->srtp_tx, 1, &e->srtp_tx)) != 0) ||
	    (cfg->srtp_rx != NULL && (err = sl_srtp_new(cfg->srtp_rx, 0, &e->srtp_rx)) != 0))
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start SRTP");
	now = sl_now_ns();
	if ((err = setup(e, now)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start the media");
	for (;;) {
		now = sl_now_ns();
		e->wakes++;
		/* The self-pipe is read when it says so (it stays readable). */
		if (npfd == 0 || revents(pfd, npfd, e->sigfd))
			take_signals(e);
		if (e->c.ctl_fd >= 0 && revents(pfd, npfd, e->c.ctl_fd))
			read_ctl(e);
		if (e->latching && e->latch.state == SL_LATCH_OPEN &&
		    sl_latch_expired(&e->latch, now)) {
			sl_debug("no source latched: the SDP address it is");
			connect_to(e, &e->latch.peer, e->c.rtcp_port);
		}
		if (e->receiving && !e->recv_done) {
			if (e->c.dtmf_sip_fd >= 0 && revents(pfd, npfd, e->c.dtmf_sip_fd))
				read_sip_dtmf(e);
			read_rtp(e);
			if (e->c.rtcp_fd >= 0 && (revents(pfd, npfd, e->c.rtcp_fd) ||
						  e->wakes % RTCP_EVERY == 0))
				read_rtcp(e);
		}
		if (e->sending && !e->send_done) {
			if (e->c.dtmf_in_fd >= 0 && revents(pfd, npfd, e->c.dtmf_in_fd))
				read_dtmf(e);
			run_send(e, now, revents(pfd, npfd, e->c.input_fd) != 0);
		}
		if (e->receiving && !e->recv_done)
			run_recv(e, now);
		if (e->rtcp_on && now >= e->rtcp_next && !e->stop) {
			report(e, now, 0);
			e->rtcp_next = now + sl_rtcp_interval(0);
		}
		if (e->receiving && e->recv_done && e->status != 0)
			break;          /* media lost: everything ends */
		if ((!e->sending || e->send_done) && (!e->receiving || e->recv_done))
			break;
		if (e->sending && e->send_done && !e->recv_done) {
			npfd = 0;
			continue;       /* the output plays out, now */
		}

		wake = INT64_MAX;
		if (e->sending && !e->send_done && e->send_wake < wake)
			wake = e->send_wake;
		if (e->receiving && !e->recv_done && e->recv_wake < wake)
			wake = e->recv_wake;
		/* Reports and the latching window go with a packet time when
		 * there is one. */
		if (e->rtcp_on && e->rtcp_next < wake && wake == INT64_MAX)
			wake = e->rtcp_next;
		if (e->latching && e->latch.state == SL_LATCH_OPEN && e->latch.until < wake)
			wake = e->latch.until;
		npfd = 0;
		watch(pfd, &npfd, e->sigfd, POLLIN);
		watch(pfd, &npfd, e->c.ctl_fd, POLLIN);
		if (e->sending && !e->send_done) {
			watch(pfd, &npfd, e->c.dtmf_in_fd, POLLIN);
			/* Input wakes us only when a packet waits for it. */
			if (e->send_wake == INT64_MAX && sl_pacer_room(&e->pacer, &where) > 0)
				watch(pfd, &npfd, e->c.input_fd, POLLIN);
		}
		if (e->receiving && !e->recv_done &&
		    (!e->sending || e->send_done || e->send_wake == INT64_MAX ||
		     sl_playout_waiting(&e->pl))) {
			watch(pfd, &npfd, e->c.rtp_fd, POLLIN);
			watch(pfd, &npfd, e->c.rtcp_fd, POLLIN);
		}
		if (e->receiving && !e->recv_done)
			watch(pfd, &npfd, e->c.dtmf_sip_fd, POLLIN);
		if (e->oq_len > 0)
			watch(pfd, &npfd, e->c.output_fd, POLLOUT);
		now = sl_now_ns();
		if (wake != INT64_MAX) {
			int64_t d = wake > now ? wake - now : 0;

			tmo.tv_sec = d / 1000000000;
			tmo.tv_nsec = d % 1000000000;
		}
		if ((n = ppoll(pfd, (nfds_t)npfd, wake == INT64_MAX ? NULL : &tmo, NULL)) < 0 &&
		    errno != EINTR)
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to poll");
		if (n == 0 && e->sending && wake == e->send_wake)
			count_lateness(e, sl_now_ns() - wake);
		if (e->oq_len > 0 && flush(e) < 0) {
			e->oq_len = 0;
			sl_playout_closed(&e->pl);
		}
	}

	now = sl_now_ns();
	if (e->oq_len > 0) {
		/* What the reader has not taken yet, at the end. */
		e->c.output_nonblock = 0;
		e->stop = 1;
		write_all(e, e->oq, e->oq_len);
	}
	if (e->sending && e->tx.packets > 0 && e->rtcp_on && !e->c.muted) {
		as(e->c.send_name);
		report(e, now, 1);
	}
	if (e->sending) {
		as(e->c.send_name);
		/* Said when something went wrong on the way, or asked for. */
		if (e->refused || e->unsent || sl_verbose)
			sl_event("stats packets=%llu refused=%llu", (unsigned long long)e->tx.packets,
				 (unsigned long long)e->refused);
		if (e->unsent)
			sl_warn("%llu packets not sent", (unsigned long long)e->unsent);
		sl_pacer_free(&e->pacer);
	}
	if (e->receiving) {
		char stats[160];

		as(e->c.recv_name);
		sl_playout_stats_line(&e->pl, stats, sizeof stats);
		if (e->srtp_rx != NULL)
			sl_event("stats %s srtp=%s auth_fail=%lu", stats,
				 sl_sdes_suite_name(e->c.srtp_rx->suite),
				 sl_srtp_auth_fail(e->srtp_rx));
		else
			sl_event("stats %s", stats);
		sl_playout_free(&e->pl);
	}
	status = e->status;
	sl_srtp_free(e->srtp_tx);
	sl_srtp_free(e->srtp_rx);
	free(e->oq);
	free(e);
	return status;
}
