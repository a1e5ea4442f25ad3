/* rtp-send: raw audio on stdin -> G.711, paced RTP (and RFC 4733 DTMF) to
 * the peer of the inherited socket (fd 6, RTP_* variables) or of our own. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "addr.h"
#include "dtmf.h"
#include "g711.h"
#include "handoff.h"
#include "log.h"
#include "opt.h"
#include "rtp.h"

static const char usage_text[] =
	"usage: rtp-send [-hVv] [-c pcmu|pcma] [-d digits] [-f s16le|ulaw|alaw]\n"
	"                [-l [host]:port] [-p ms] [-r host:port] [--dtmf-fd fd]\n"
	"                [--dtmf-pt type]\n";

enum { OPT_DTMF_FD = 256, OPT_DTMF_PT };
enum { FMT_S16LE, FMT_ULAW, FMT_ALAW };

static const struct option longopts[] = {
	{ "codec", required_argument, NULL, 'c' },
	{ "dtmf", required_argument, NULL, 'd' },
	{ "dtmf-fd", required_argument, NULL, OPT_DTMF_FD },
	{ "dtmf-pt", required_argument, NULL, OPT_DTMF_PT },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "local", required_argument, NULL, 'l' },
	{ "ptime", required_argument, NULL, 'p' },
	{ "remote", required_argument, NULL, 'r' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The state of one run. */
struct tx {
	RtpSession *s;
	int pt, fmt, bps;       /* codec, input format, bytes per sample */
	int rate, frame;        /* Hz, samples per packet */
	int64_t ptime_ns;
	int muted;              /* direction recvonly/inactive: send nothing */
	uint8_t *in;            /* input not yet sent */
	size_t inlen, incap;
	int eof;
	int64_t last_input;     /* when input last arrived */
	int dtmf_fd;
	char line[1100];        /* a --dtmf-fd line being read */
	size_t linelen;
	struct sl_dtmf_tx dtmf;
	uint64_t sent;          /* packets */
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	exit(0);
}

/* Parses "[HOST]:PORT" for option opt, preferring family; exits 100. */
static void
parse_addr(const char *opt, const char *spec, int need_host, int family,
	   struct sl_addr *a)
{
	char host[256];
	int port, rc;

	if (sl_addr_split(spec, host, sizeof host, &port) != 0 || port == 0 ||
	    (need_host && host[0] == '\0'))
		sl_usage_error("%s: expected %s: %s", opt,
			       need_host ? "HOST:PORT" : "[HOST]:PORT", spec);
	rc = sl_addr_resolve(host, port, host[0] ? AF_UNSPEC : family,
			     !need_host, a);
	if (rc != 0)
		sl_fatal_err(SL_EXIT_USAGE, rc, "%s: unable to resolve %s", opt,
			     host);
}

/* Reads what stdin has (called when poll says so). */
static void
read_input(struct tx *t, int64_t now)
{
	ssize_t n;

	n = read(0, t->in + t->inlen, t->incap - t->inlen);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to read stdin");
	}
	if (n == 0) {
		t->eof = 1;
		sl_debug("end of input");
		return;
	}
	t->inlen += (size_t)n;
	t->last_input = now;
}

/* Queues one line of digits from --dtmf-fd. */
static void
dtmf_line(struct tx *t, char *line)
{
	const char *bad;

	if (sl_dtmf_check(line, &bad) != 0) {
		sl_warn("DTMF line ignored: '%c' is not a digit 0-9 * # A-D or ','",
			*bad);
		return;
	}
	if (sl_dtmf_tx_push(&t->dtmf, line) != 0)
		sl_warn("DTMF line ignored: too many digits waiting");
	else
		sl_debug("DTMF queued: %s", line);
}

static void
read_dtmf(struct tx *t)
{
	ssize_t n;
	size_t i, start = 0;

	n = read(t->dtmf_fd, t->line + t->linelen, sizeof t->line - 1 - t->linelen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			sl_warn_err(errno, "unable to read DTMF from fd %d", t->dtmf_fd);
		if (t->linelen > 0) {
			t->line[t->linelen] = '\0';
			dtmf_line(t, t->line);
		}
		t->dtmf_fd = -1;
		return;
	}
	t->linelen += (size_t)n;
	for (i = 0; i < t->linelen; i++) {
		if (t->line[i] != '\n')
			continue;
		t->line[i] = '\0';
		dtmf_line(t, t->line + start);
		start = i + 1;
	}
	memmove(t->line, t->line + start, t->linelen - start);
	t->linelen -= start;
	if (t->linelen == sizeof t->line - 1) {
		sl_warn("DTMF line too long: ignored");
		t->linelen = 0;
	}
}

/* Bytes of input that make one packet. */
static size_t
frame_bytes(const struct tx *t)
{
	return (size_t)t->frame * (size_t)t->bps;
}

/* 1 when a packet's worth of input (or the padded last one) is there.  A
 * stray byte at the end, half a sample, is no audio and makes no packet. */
static int
have_frame(const struct tx *t)
{
	return t->inlen >= frame_bytes(t) || (t->eof && t->inlen >= (size_t)t->bps);
}

/* Takes one packet's worth of input off the buffer, encoded into out
 * (NULL: thrown away), the last partial frame padded with silence. */
static void
take_frame(struct tx *t, uint8_t *out)
{
	size_t fb = frame_bytes(t), n = t->inlen < fb ? t->inlen : fb;
	size_t samples = n / (size_t)t->bps, i;
	int16_t pcm[1024];

	if (out) {
		if (t->fmt == FMT_S16LE) {
			for (i = 0; i < samples; i++)
				pcm[i] = (int16_t)(t->in[2 * i] | (t->in[2 * i + 1] << 8));
			sl_g711_encode(t->pt, pcm, out, samples);
		} else {
			int from = t->fmt == FMT_ALAW ? SL_PT_PCMA : SL_PT_PCMU;
			if (from == t->pt)
				memcpy(out, t->in, samples);
			else
				sl_g711_transcode(from, t->pt, t->in, out, samples);
		}
		memset(out + samples, sl_g711_silence(t->pt),
		       (size_t)t->frame - samples);
	}
	memmove(t->in, t->in + n, t->inlen - n);
	t->inlen -= n;
}

static void
send_audio(struct tx *t, uint32_t ts, int marker)
{
	uint8_t payload[1024];
	int rc;

	take_frame(t, payload);
	if (t->muted)
		return;
	rc = sl_rtp_send_audio(t->s, payload, (size_t)t->frame, ts, marker);
	/* A peer not listening yet (ECONNREFUSED) is no reason to stop. */
	if (rc != 0 && sl_verbose)
		sl_debug("packet ts %u not sent: %s", ts, strerror(rc));
	t->sent++;
	if (sl_verbose > 1)
		sl_debug("audio ts %u%s", ts, marker ? " marker" : "");
}

static void
send_event(struct tx *t, const struct sl_dtmf_step *st)
{
	if (sl_verbose)
		sl_debug("DTMF %c ts %u duration %d%s%s", sl_dtmf_char(st->event),
			 st->ts, st->duration, st->marker ? " start" : "",
			 st->end ? " end" : "");
	if (t->muted)
		return;
	sl_rtp_send_event(t->s, st->ts, st->event, st->end, SL_DTMF_VOLUME,
			  st->duration, st->marker);
	t->sent++;
}

/* Runs the stream until the input and the digits are done or a signal
 * stops it.  The packet clock: packet k is due at anchor + k ptime with
 * timestamp ts0 + k frame + jump.  A file is read ahead and sent on that
 * schedule; when the input itself comes more than 2 packets late (a live
 * source that stalled), the anchor moves to now and the timestamp by the
 * real gap (marker set), so that latency never builds up and the receiver
 * sees no burst. */
static void
run(struct tx *t, int sigfd)
{
	struct pollfd pfd[3];
	struct sl_dtmf_step st;
	int64_t anchor = 0, due, now, k = 0, debt = 0, gap;
	uint32_t ts0 = sl_rtp_random32(), jump = 0, ts;
	int started = 0, marker = 1, busy, frame, nfd, timeout, starved = 0;

	for (;;) {
		if (sl_rtp_stop_signal())
			return;
		now = sl_rtp_now();
		frame = have_frame(t);
		busy = sl_dtmf_tx_busy(&t->dtmf);
		if (!started && (frame || busy)) {
			started = 1;
			anchor = now;
			/* Digits may start the stream before the first read:
			 * input that comes right after is owed to those packet
			 * times, not new audio after a silence. */
			if (t->last_input == 0)
				t->last_input = now;
			sl_debug("stream starts: ts %u, ptime %lld ms", ts0,
				 (long long)(t->ptime_ns / 1000000));
		}
		if (!started && t->eof)
			return;
		timeout = -1;
		if (started && (frame || busy)) {
			due = anchor + k * t->ptime_ns;
			if (now < due) {
				/* Early: keep the buffers fed, then sleep to
				 * the exact time. */
				nfd = 0;
				timeout = 0;
				goto wait;
			}
			/* Late because the input was (not because we were
			 * scheduled late: then the packets just catch up). */
			if (starved && now - due > 2 * t->ptime_ns) {
				gap = now - due;
				anchor += gap;
				jump += (uint32_t)(gap * t->rate / 1000000000);
				marker = 1;
				debt = 0;
				sl_debug("input %lld ms late: schedule moved, "
					 "timestamp jumps %lld samples",
					 (long long)(gap / 1000000),
					 (long long)(gap * t->rate / 1000000000));
			}
			/* Audio owed from event times when none was there. */
			while (debt > 0 && t->inlen >= frame_bytes(t)) {
				take_frame(t, NULL);
				debt--;
			}
			starved = 0;
			frame = have_frame(t);
			ts = ts0 + (uint32_t)(k * t->frame) + jump;
			memset(&st, 0, sizeof st);
			if (busy)
				sl_dtmf_tx_step(&t->dtmf, ts, &st);
			if (st.event_packet)
				send_event(t, &st);
			if (st.mute) {
				if (frame)
					take_frame(t, NULL);
				else
					debt++;
			} else if (frame) {
				send_audio(t, ts, marker);
				marker = 0;
			} else {
				debt++;
			}
			k++;
			continue;
		}
		if (started && t->eof)
			break;
		if (started)
			starved = 1;    /* a packet waits for its audio */
wait:
		nfd = 0;
		pfd[nfd].fd = sigfd;
		pfd[nfd++].events = POLLIN;
		/* Read ahead in big pieces: below half full, or empty. */
		if (!t->eof && t->inlen + frame_bytes(t) <= t->incap &&
		    (t->inlen <= t->incap / 2 || !have_frame(t))) {
			pfd[nfd].fd = 0;
			pfd[nfd++].events = POLLIN;
		}
		if (t->dtmf_fd >= 0) {
			pfd[nfd].fd = t->dtmf_fd;
			pfd[nfd++].events = POLLIN;
		}
		/* Early with nothing to read: straight to the sleep, which
		 * a signal interrupts anyway (saves a system call in three
		 * per packet). */
		if ((nfd > 1 || timeout != 0) &&
		    poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR)
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to poll");
		now = sl_rtp_now();
		for (int i = 1; i < nfd; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == 0) {
				/* Input after a silence of the source is new
				 * audio, not audio owed to an event. */
				if (now - t->last_input > 2 * t->ptime_ns)
					debt = 0;
				read_input(t, now);
			} else {
				read_dtmf(t);
			}
		}
		if (timeout == 0 && started && !sl_rtp_stop_signal())
			sl_rtp_sleep_until(anchor + k * t->ptime_ns);
	}
	/* The last packet lasts a ptime too: a file of N seconds takes N. */
	if (t->sent > 0)
		sl_rtp_sleep_until(anchor + k * t->ptime_ns);
}

int
main(int argc, char **argv)
{
	struct sl_media_params mp;
	struct sl_addr local = { .len = 0 }, remote = { .len = 0 };
	const char *lspec = NULL, *rspec = NULL, *dtmf = NULL, *bad;
	int c, pt = -1, ptime = -1, dtmf_pt = -1, own, rtp_fd, rtcp_fd, rc;
	int sigfd;
	char what[128];
	struct tx t;

	sl_log_init(argv[0]);
	memset(&t, 0, sizeof t);
	t.fmt = FMT_S16LE;
	t.dtmf_fd = -1;
	while ((c = getopt_long(argc, argv, "+c:d:f:hl:p:r:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((pt = sl_rtp_codec_pt(optarg)) < 0)
				sl_usage_error("--codec: pcmu or pcma, not %s", optarg);
			break;
		case 'd':
			if (sl_dtmf_check(optarg, &bad) != 0)
				sl_usage_error("--dtmf: '%c' is not a digit 0-9 * # A-D or ','",
					       *bad);
			dtmf = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "s16le") == 0)
				t.fmt = FMT_S16LE;
			else if (strcmp(optarg, "ulaw") == 0)
				t.fmt = FMT_ULAW;
			else if (strcmp(optarg, "alaw") == 0)
				t.fmt = FMT_ALAW;
			else
				sl_usage_error("--format: s16le, ulaw or alaw, not %s", optarg);
			break;
		case 'h':
			usage();
			break;
		case 'l':
			lspec = optarg;
			break;
		case 'p':
			ptime = (int)sl_opt_int("--ptime", optarg, 10, 60);
			break;
		case 'r':
			rspec = optarg;
			break;
		case 'v':
			sl_verbose++;
			break;
		case 'V':
			sl_print_version();
			break;
		case OPT_DTMF_FD:
			t.dtmf_fd = (int)sl_opt_int("--dtmf-fd", optarg, 0, 1 << 20);
			if (fcntl(t.dtmf_fd, F_GETFD) < 0)
				sl_fatal_err(SL_EXIT_USAGE, errno, "--dtmf-fd %d", t.dtmf_fd);
			break;
		case OPT_DTMF_PT:
			dtmf_pt = (int)sl_opt_int("--dtmf-pt", optarg, 96, 127);
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
	own = lspec || rspec;
	if (!own && mp.rtp_fd < 0)
		sl_usage_error("no peer: give --remote HOST:PORT, or run inside a call (RTP_FD)");
	if (own && !rspec)
		sl_usage_error("--local needs --remote HOST:PORT");
	if (pt >= 0)
		mp.payload_type = pt;
	if (mp.payload_type != SL_PT_PCMU && mp.payload_type != SL_PT_PCMA)
		sl_fatal(SL_EXIT_USAGE, "payload type %d: only PCMU (0) and PCMA (8) are known",
			 mp.payload_type);
	if (mp.clock_rate != 8000)
		sl_fatal(SL_EXIT_USAGE, "clock rate %d: G.711 runs at 8000 Hz", mp.clock_rate);
	if (ptime > 0)
		mp.ptime = ptime;
	else if (mp.ptime < 10 || mp.ptime > 60)
		sl_fatal(SL_EXIT_USAGE, "RTP_PTIME %d is out of range (10 to 60)", mp.ptime);
	if (dtmf_pt >= 0)
		mp.dtmf_pt = dtmf_pt;
	else if (own || mp.rtp_fd < 0)
		mp.dtmf_pt = 101;
	if ((dtmf || t.dtmf_fd >= 0) && mp.dtmf_pt < 0)
		sl_usage_error("the peer takes no telephone-event (RTP_DTMF_PAYLOAD_TYPE "
			       "is unset): no DTMF; --dtmf-pt forces one");
	t.muted = !own && (mp.direction == SL_DIR_RECVONLY ||
			   mp.direction == SL_DIR_INACTIVE);

	if (own) {
		parse_addr("--remote", rspec, 1, AF_UNSPEC, &remote);
		if (lspec)
			parse_addr("--local", lspec, 0, sl_addr_family(&remote), &local);
		if ((rc = sl_rtp_open(&local, &remote, &rtp_fd, &rtcp_fd, what,
				      sizeof what)) != 0)
			sl_fatal_err(SL_EXIT_SYSTEM, rc, "unable to %s", what);
	} else {
		rtp_fd = mp.rtp_fd;
		rtcp_fd = mp.rtcp_fd;
		if ((rc = sl_rtp_check_fd(rtp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTP_FD %d", rtp_fd);
		if (rtcp_fd >= 0 && (rc = sl_rtp_check_fd(rtcp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTCP_FD %d", rtcp_fd);
	}
	if (t.dtmf_fd >= 0)
		fcntl(t.dtmf_fd, F_SETFD, FD_CLOEXEC);
	if ((sigfd = sl_rtp_catch_signals()) < 0)
		sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to create a pipe");
	/* Timer slack would blur the schedule by 50 us per packet. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	{
		/* A packet is late when the scheduler wakes us late: with the
		 * lowest real-time priority (where allowed: root, or
		 * RLIMIT_RTPRIO) a busy machine no longer delays it.  rtp-send
		 * sleeps between packets, so it never holds a core; what it
		 * runs gets back the normal policy. */
		struct sched_param sp = { .sched_priority = 1 };

		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0)
			sl_debug("real-time scheduling (SCHED_FIFO 1)");
	}

	t.pt = mp.payload_type;
	t.rate = mp.clock_rate;
	t.frame = mp.clock_rate * mp.ptime / 1000;
	t.ptime_ns = (int64_t)mp.ptime * 1000000;
	t.bps = t.fmt == FMT_S16LE ? 2 : 1;
	t.incap = (size_t)t.rate * (size_t)t.bps + frame_bytes(&t);
	if ((t.in = malloc(t.incap)) == NULL)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to allocate");
	sl_dtmf_tx_init(&t.dtmf, t.rate, t.frame);
	if (dtmf)
		sl_dtmf_tx_push(&t.dtmf, dtmf);

	sl_rtp_init();
	t.s = sl_rtp_session_new(RTP_SESSION_SENDRECV, rtp_fd, rtcp_fd, t.pt,
				 mp.dtmf_pt);
	if (t.s == NULL)
		sl_fatal(SL_EXIT_SYSTEM, "unable to create the RTP session");
	sl_debug("%s %s, ptime %d ms, telephone-event %d, RTCP %s%s",
		 own ? "own socket" : "inherited socket", sl_rtp_codec_name(t.pt),
		 mp.ptime, mp.dtmf_pt, rtcp_fd >= 0 ? "on" : "off",
		 t.muted ? ", muted (direction)" : "");

	run(&t, sigfd);

	if (t.sent > 0 && rtcp_fd >= 0 && !t.muted)
		rtp_session_bye(t.s, sl_rtp_stop_signal() ? "stopped" : "end of input");
	sl_debug("%llu packets sent", (unsigned long long)t.sent);
	sl_rtp_session_free(t.s);
	sl_rtp_exit();
	free(t.in);
	return SL_EXIT_OK;
}
