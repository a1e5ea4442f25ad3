/* rtp-recv: RTP from the inherited socket (fd 6, RTP_* variables) or our
 * own -> jitter buffer -> raw audio on stdout, one unbroken timeline; DTMF
 * as lines, statistics at exit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "addr.h"
#include "g711.h"
#include "handoff.h"
#include "log.h"
#include "opt.h"
#include "rtp.h"

static const char usage_text[] =
	"usage: rtp-recv [-hVv] [-c pcmu|pcma] [-j ms] [-l [host]:port] [-t seconds]\n"
	"                [--dtmf-fd fd] [--dtmf-pt type] [--duration seconds]\n";

enum { OPT_DTMF_FD = 256, OPT_DTMF_PT, OPT_DURATION };

static const struct option longopts[] = {
	{ "codec", required_argument, NULL, 'c' },
	{ "dtmf-fd", required_argument, NULL, OPT_DTMF_FD },
	{ "dtmf-pt", required_argument, NULL, OPT_DTMF_PT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "help", no_argument, NULL, 'h' },
	{ "jitter", required_argument, NULL, 'j' },
	{ "local", required_argument, NULL, 'l' },
	{ "timeout", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define MAX_FRAME 2048
/* How far from its time an output frame may be written.  The output clock
 * starts with the first packet, so that the packets arrive about when the
 * frames are due: an arrival within SLACK_NS of a frame's time writes it,
 * and the timer, SLACK_NS after that time, fires only when the packet is
 * late or missing.  One wake-up per packet on a steady stream, not one per
 * packet and one per frame (a third of rtp-recv's CPU), while the output
 * keeps within SLACK_NS of a steady clock (a pipe into rtp-send, as in an
 * echo, passes its timing on). */
#define SLACK_NS 1000000
/* How long rtp-recv waits for late packets when it finds frames more than
 * two behind their time (see the main loop). */
#define GRACE_NS 60000000
/* How long, in a call, rtp-recv plays on after the peer's RTCP BYE for
 * the call to end (see the main loop). */
#define BYE_LINGER_MS 1000

/* Samples of output due at now on the output clock that started at out0:
 * every frame whose time comes within SLACK_NS. */
static uint64_t
samples_due(int64_t now, int64_t out0, int rate)
{
	return (uint64_t)((now + SLACK_NS - out0) * rate / 1000000000);
}

static int dtmf_fd = -1;        /* -1: stderr */

static void
usage(void)
{
	fputs(usage_text, stdout);
	exit(0);
}

/* One line per digit, in one write(2), so that `while read` sees it at
 * once. */
static void
on_dtmf(char digit, void *arg)
{
	char line[16];
	int n;

	(void)arg;
	if (dtmf_fd < 0) {
		sl_event("DTMF %c", digit);
		return;
	}
	n = snprintf(line, sizeof line, "DTMF %c\n", digit);
	while (write(dtmf_fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

/* How long the play-out after SIGTERM waits for a reader that does not
 * read, before it gives up on the rest. */
#define STOP_WRITE_WAIT_MS 2000

/* Writes all of buf to stdout.  A signal interrupting a write does not cut
 * the audio (the play-out after SIGTERM must not lose what is buffered,
 * nor leave half a sample); once one has come, each write waits at most
 * STOP_WRITE_WAIT_MS for the reader.  Returns 0, or -1 when stdout is
 * closed (EPIPE) or the reader stopped reading after a signal. */
static int
out(const int16_t *pcm, size_t n)
{
	uint8_t buf[MAX_FRAME * 2];
	size_t len = n * 2, off = 0, i;
	ssize_t w;

	for (i = 0; i < n; i++) {
		buf[2 * i] = (uint8_t)(pcm[i] & 0xff);
		buf[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	while (off < len) {
		if (sl_rtp_stop_signal()) {
			struct pollfd pw = { 1, POLLOUT, 0 };

			if (poll(&pw, 1, STOP_WRITE_WAIT_MS) == 0)
				return -1;
		}
		w = write(1, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return -1;
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to write stdout");
		}
		off += (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sl_media_params mp;
	struct sl_addr local = { .len = 0 };
	struct sl_rtp_rx *rx;
	RtpSession *s;
	JBParameters jb;
	struct pollfd pfd[3];
	const char *lspec = NULL, *bad;
	char what[128], stats[160];
	int c, pt = -1, dtmf_pt = -1, jitter = 60, own, rtp_fd, rtcp_fd, rc;
	int sigfd, nfd, frame, rate, status = SL_EXIT_OK, closed = 0, draining = 0;
	double timeout = -1, duration = 0;
	int64_t start, now, out0 = 0, deadline, last_rx, drain_end = 0, next;
	int64_t bye_at = 0, grace_end = 0;
	uint64_t packets = 0, n, written = 0, limit = 0, owed;
	int waiting_late;
	int16_t pcm[MAX_FRAME];
	struct timespec tmo;

	sl_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "+c:hj:l:t:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((pt = sl_rtp_codec_pt(optarg)) < 0)
				sl_usage_error("--codec: pcmu or pcma, not %s", optarg);
			break;
		case 'h':
			usage();
			break;
		case 'j':
			jitter = (int)sl_opt_int("--jitter", optarg, 0, 5000);
			break;
		case 'l':
			lspec = optarg;
			break;
		case 't':
			timeout = sl_opt_num("--timeout", optarg, 0, 1e7);
			break;
		case 'v':
			sl_verbose++;
			break;
		case 'V':
			sl_print_version();
			break;
		case OPT_DTMF_FD:
			dtmf_fd = (int)sl_opt_int("--dtmf-fd", optarg, 0, 1 << 20);
			if (fcntl(dtmf_fd, F_GETFD) < 0)
				sl_fatal_err(SL_EXIT_USAGE, errno, "--dtmf-fd %d", dtmf_fd);
			break;
		case OPT_DTMF_PT:
			dtmf_pt = (int)sl_opt_int("--dtmf-pt", optarg, 96, 127);
			break;
		case OPT_DURATION:
			duration = sl_opt_num("--duration", optarg, 0.001, 1e7);
			break;
		default:
			fputs(usage_text, stderr);
			exit(SL_EXIT_USAGE);
		}
	}
	if (optind != argc)
		sl_usage_error("unexpected argument: %s", argv[optind]);

	sl_media_params_init(&mp);
	if (sl_handoff_from_env(&mp, &bad) != 0)
		sl_fatal(SL_EXIT_USAGE, "bad %s: %s", bad, getenv(bad));
	own = lspec != NULL;
	if (!own && mp.rtp_fd < 0)
		sl_usage_error("no socket: give --local [HOST]:PORT, or run inside a call (RTP_FD)");
	if (pt >= 0)
		mp.payload_type = pt;
	if (mp.payload_type != SL_PT_PCMU && mp.payload_type != SL_PT_PCMA)
		sl_fatal(SL_EXIT_USAGE, "payload type %d: only PCMU (0) and PCMA (8) are known",
			 mp.payload_type);
	if (mp.clock_rate != 8000)
		sl_fatal(SL_EXIT_USAGE, "clock rate %d: G.711 runs at 8000 Hz", mp.clock_rate);
	if (mp.ptime < 10 || mp.ptime > 60)
		mp.ptime = 20;
	if (dtmf_pt >= 0)
		mp.dtmf_pt = dtmf_pt;
	else if (own)
		mp.dtmf_pt = 101;
	/* RTP_TIMEOUT is the default, unless the peer is not meant to send. */
	if (timeout < 0)
		timeout = own || mp.direction == SL_DIR_SENDONLY ||
				  mp.direction == SL_DIR_INACTIVE
			  ? 0 : mp.rtp_timeout;

	if (own) {
		char host[256];
		int port;

		if (sl_addr_split(lspec, host, sizeof host, &port) != 0 || port == 0)
			sl_usage_error("--local: expected [HOST]:PORT: %s", lspec);
		/* No host: the IPv6 wildcard, which takes IPv4 too. */
		rc = sl_addr_resolve(host, port, host[0] ? AF_UNSPEC : AF_INET6, 1, &local);
		if (rc != 0 && !host[0])
			rc = sl_addr_resolve(host, port, AF_INET, 1, &local);
		if (rc != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "--local: unable to resolve %s", host);
		if ((rc = sl_rtp_open(&local, NULL, &rtp_fd, &rtcp_fd, what,
				      sizeof what)) != 0 && !host[0] &&
		    sl_addr_family(&local) == AF_INET6 && rc == EAFNOSUPPORT) {
			sl_addr_resolve(host, port, AF_INET, 1, &local);
			rc = sl_rtp_open(&local, NULL, &rtp_fd, &rtcp_fd, what, sizeof what);
		}
		if (rc != 0)
			sl_fatal_err(SL_EXIT_SYSTEM, rc, "unable to %s", what);
	} else {
		rtp_fd = mp.rtp_fd;
		rtcp_fd = mp.rtcp_fd;
		if ((rc = sl_rtp_check_fd(rtp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTP_FD %d", rtp_fd);
		if (rtcp_fd >= 0 && (rc = sl_rtp_check_fd(rtcp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTCP_FD %d", rtcp_fd);
	}
	if (dtmf_fd >= 0)
		fcntl(dtmf_fd, F_SETFD, FD_CLOEXEC);
	if ((sigfd = sl_rtp_catch_signals()) < 0)
		sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to create a pipe");
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

	sl_rtp_init();
	s = sl_rtp_session_new(RTP_SESSION_RECVONLY, rtp_fd, rtcp_fd,
			       mp.payload_type, mp.dtmf_pt);
	if (s == NULL)
		sl_fatal(SL_EXIT_SYSTEM, "unable to create the RTP session");
	rtp_session_get_jitter_buffer_params(s, &jb);
	/* The buffer starts at --jitter and stays there while the jitter is
	 * low; it grows with the jitter, up to half a second. */
	jb.min_size = jitter;
	jb.nom_size = jitter;
	jb.max_size = jitter > 500 ? jitter : 500;
	/* The recursive-least-squares clock model of oRTP 5.1 goes astray
	 * when the first packets come reordered or twice (a second of delay
	 * seen); the basic algorithm (a smoothed offset and twice the mean
	 * late jitter) does not. */
	jb.buffer_algorithm = OrtpJitterBufferBasic;
	jb.adaptive = TRUE;
	jb.enabled = TRUE;
	rtp_session_set_jitter_buffer_params(s, &jb);
	/* The parameters alone are read only when the jitter control is
	 * set up, which happened with the payload type, at oRTP's default
	 * of 80 ms: set it up again with ours. */
	rtp_session_set_jitter_compensation(s, jitter);
	rtp_session_enable_jitter_buffer(s, TRUE);
	rtp_session_enable_adaptive_jitter_compensation(s, TRUE);
	rate = mp.clock_rate;
	frame = rate * mp.ptime / 1000;
	rx = sl_rtp_rx_new(s, rate, frame, on_dtmf, NULL);
	if (rx == NULL)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to allocate");
	if (duration > 0)
		limit = (uint64_t)(duration * rate + 0.5);
	sl_debug("%s %s, jitter %d ms, telephone-event %d, timeout %g s%s",
		 own ? "own socket" : "inherited socket",
		 sl_rtp_codec_name(mp.payload_type), jitter, mp.dtmf_pt, timeout,
		 rtcp_fd >= 0 ? ", RTCP" : "");

	/* The receive clock counts samples since start; the output clock
	 * starts with the first packet and from then on writes exactly one
	 * second of audio per second, silence where packets are missing. */
	start = last_rx = sl_rtp_now();
	for (;;) {
		now = sl_rtp_now();
		/* Frames due and not yet written: the audio for them is not
		 * latency to cut (see the wait for late packets below). */
		owed = 0;
		if (packets > 0 && !draining) {
			uint64_t due = samples_due(now, out0, rate);
			if (due > written)
				owed = due - written;
		}
		n = sl_rtp_rx_pull(rx, (uint32_t)((now - start) * rate / 1000000000),
				   (size_t)owed);
		if (n != packets) {
			if (packets == 0) {
				/* In phase with the arrivals (see SLACK_NS). */
				out0 = now;
				sl_debug("first packet");
			} else if (packets == 1 && written <= (uint64_t)frame) {
				/* The first packet is often a little early or
				 * late (cold caches on either side, a packet
				 * that waited in the socket): when the second
				 * is off its frame's time by more than
				 * SLACK_NS and less than a frame, it gives the
				 * phase instead, or every packet would cost
				 * two wake-ups.  Only once: later an arrival
				 * off its time is the network's jitter, and
				 * following it would empty the buffer.  (When
				 * it is late, the timer has written the first
				 * frame already.) */
				int64_t ft = (int64_t)frame * 1000000000 / rate;
				int64_t off = now - (out0 + ft);

				if ((off > SLACK_NS || off < -SLACK_NS) && off > -ft && off < ft)
					out0 += off;
			}
			packets = n;
			last_rx = now;
		}
		if (!draining && !own && bye_at == 0 && sl_rtp_rx_bye(rx) &&
		    !sl_rtp_stop_signal()) {
			/* In a call the peer's RTCP BYE comes just before its
			 * SIP BYE, which ends the call and us (SIGTERM): wait
			 * for it a little, playing on, so that the call ends as
			 * the peer's hang-up, not as ours. */
			bye_at = now;
			sl_debug("RTCP BYE: playing on for the call's end, at most %d ms",
				 BYE_LINGER_MS);
		}
		if (!draining && (sl_rtp_stop_signal() ||
				  (sl_rtp_rx_bye(rx) &&
				   (own || now - bye_at >= (int64_t)BYE_LINGER_MS * 1000000)))) {
			/* Play out what the jitter buffer holds, faster than
			 * real time, bounded by its size. */
			draining = 1;
			drain_end = (int64_t)written +
				    sl_rtp_rx_delay(rx) + (int64_t)rate * jitter / 1000 + 2 * frame;
			sl_debug("%s: playing out what is buffered",
				 sl_rtp_stop_signal() ? "signal" : "RTCP BYE");
		}
		if (draining) {
			if (packets == 0)
				break;
			if (sl_rtp_rx_queue_empty(rx)) {
				size_t left = sl_rtp_rx_buffered(rx);
				if (limit && written + left > limit)
					left = (size_t)(limit - written);
				while (left > 0 && !closed) {
					size_t k = left < MAX_FRAME ? left : MAX_FRAME;
					sl_rtp_rx_take(rx, pcm, k);
					closed = out(pcm, k) < 0;
					left -= k;
				}
				break;
			}
			if ((int64_t)written >= drain_end || (limit && written >= limit))
				break;
			sl_rtp_rx_take(rx, pcm, (size_t)frame);
			if (out(pcm, (size_t)frame) < 0)
				break;
			written += (uint64_t)frame;
			/* Advance the receive clock with what was written. */
			start -= (int64_t)frame * 1000000000 / rate;
			continue;
		}
		waiting_late = 0;
		if (packets > 0) {
			uint64_t due = samples_due(now, out0, rate);

			/* More than two frames overdue, their audio missing:
			 * this process did not run when they were due (its
			 * host stopped, or it did).  A sender stopped with it
			 * sends what it owes in a burst as soon as it runs
			 * again: wait up to GRACE_NS for that before playing
			 * silence in its place.  Where each frame goes in the
			 * output does not change; only when it is written. */
			if (due >= written + 3 * (uint64_t)frame &&
			    sl_rtp_rx_buffered(rx) < due - written) {
				if (grace_end == 0) {
					grace_end = now + GRACE_NS;
					sl_debug("%llu samples overdue: waiting for late packets",
						 (unsigned long long)(due - written));
				}
				waiting_late = now < grace_end;
			} else {
				grace_end = 0;
			}
			while (!waiting_late && written + (uint64_t)frame <= due) {
				size_t k = (size_t)frame;
				if (limit && written + k > limit)
					k = (size_t)(limit - written);
				sl_rtp_rx_take(rx, pcm, k);
				if (out(pcm, k) < 0) {
					closed = 1;
					break;
				}
				written += k;
				if (limit && written >= limit)
					break;
			}
			if (closed || (limit && written >= limit))
				break;
		}
		/* (After an RTCP BYE the RTP has stopped by design: the wait
		 * for the call's end is not a loss of media.) */
		if (timeout > 0 && bye_at == 0 && now - last_rx >= (int64_t)(timeout * 1e9)) {
			sl_warn("no RTP for %g s: media lost", timeout);
			status = SL_EXIT_MEDIALOST;
			break;
		}

		/* Sleep until the next output frame, the time-out, the end
		 * of the wait after an RTCP BYE, or a packet. */
		deadline = INT64_MAX;
		if (waiting_late)
			deadline = grace_end;
		else if (packets > 0)
			deadline = out0 + SLACK_NS + (int64_t)((written + (uint64_t)frame) *
							    1000000000 / (uint64_t)rate);
		if (timeout > 0 && bye_at == 0) {
			next = last_rx + (int64_t)(timeout * 1e9);
			if (next < deadline)
				deadline = next;
		}
		if (bye_at && !draining) {
			next = bye_at + (int64_t)BYE_LINGER_MS * 1000000;
			if (next < deadline)
				deadline = next;
		}
		nfd = 0;
		pfd[nfd].fd = sigfd;
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = rtp_fd;
		pfd[nfd++].events = POLLIN;
		if (rtcp_fd >= 0) {
			pfd[nfd].fd = rtcp_fd;
			pfd[nfd++].events = POLLIN;
		}
		now = sl_rtp_now();
		if (deadline != INT64_MAX) {
			int64_t d = deadline > now ? deadline - now : 0;
			tmo.tv_sec = d / 1000000000;
			tmo.tv_nsec = d % 1000000000;
		}
		if (ppoll(pfd, (nfds_t)nfd, deadline == INT64_MAX ? NULL : &tmo,
			  NULL) < 0 && errno != EINTR)
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to poll");
	}

	sl_rtp_rx_stats(rx, stats, sizeof stats);
	sl_event("stats %s", stats);
	sl_rtp_rx_free(rx);
	sl_rtp_session_free(s);
	sl_rtp_exit();
	return status;
}
