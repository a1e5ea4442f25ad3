/* oRTP glue for the media tools.  What oRTP does for us: RTP/RTCP packet
 * building and parsing, RTCP reports, the adaptive jitter buffer.  What it
 * must never do: log to stdout (it carries audio) or read a socket from
 * rtp-send (it shares the sockets with rtp-recv; see sl_rtp_send_audio). */
#include "rtp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bctoolbox/logging.h>
#include <ortp/telephonyevents.h>

#include "dtmf.h"
#include "g711.h"
#include "log.h"

/* ---- library and logs ---- */

/* Every oRTP and bctoolbox line becomes one of ours on stderr. */
static void
log_line(const char *domain, BctbxLogLevel lev, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	if (domain == NULL)
		domain = "ortp";
	if (lev & (BCTBX_LOG_FATAL | BCTBX_LOG_ERROR | BCTBX_LOG_WARNING))
		sl_warn("%s: %s", domain, msg);
	else
		sl_debug("%s: %s", domain, msg);
}

/* The levels shown for -v count v. */
static int
log_mask(int v)
{
	if (v <= 0)
		return BCTBX_LOG_FATAL;
	if (v == 1)
		return BCTBX_LOG_FATAL | BCTBX_LOG_ERROR | BCTBX_LOG_WARNING;
	return BCTBX_LOG_FATAL | BCTBX_LOG_ERROR | BCTBX_LOG_WARNING |
	       BCTBX_LOG_MESSAGE | BCTBX_LOG_TRACE | BCTBX_LOG_DEBUG;
}

static void
set_masks(void)
{
	static const char *const domains[] = { "ortp", "bctbx", "bctoolbox" };
	size_t i;

	bctbx_set_log_level_mask(NULL, log_mask(sl_verbose));
	for (i = 0; i < sizeof domains / sizeof domains[0]; i++)
		bctbx_set_log_level_mask(domains[i], log_mask(sl_verbose));
}

void
sl_rtp_init(void)
{
	/* The default handler writes to stdout: replace its function before
	 * oRTP says anything, and again after, in case ortp_init re-creates
	 * it. */
	bctbx_init_logger(FALSE);
	bctbx_set_log_handler(log_line);
	set_masks();
	ortp_init();
	bctbx_set_log_handler(log_line);
	set_masks();
}

void
sl_rtp_exit(void)
{
	ortp_exit();
	bctbx_uninit_logger();
}

/* ---- time and signals ---- */

int64_t
sl_rtp_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void
sl_rtp_sleep_until(int64_t t)
{
	struct timespec ts;

	ts.tv_sec = t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static volatile sig_atomic_t caught;
static int sigpipe_w = -1;

static void
on_signal(int sig)
{
	int saved = errno;

	caught = sig;
	if (sigpipe_w >= 0 && write(sigpipe_w, "", 1) < 0) {
		/* Full: it is readable already. */
	}
	errno = saved;
}

int
sl_rtp_catch_signals(void)
{
	struct sigaction sa;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	sigpipe_w = p[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked write to stdout must give way. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return p[0];
}

int
sl_rtp_stop_signal(void)
{
	return caught;
}

/* ---- codecs ---- */

int
sl_rtp_codec_pt(const char *name)
{
	if (strcasecmp(name, "pcmu") == 0)
		return SL_PT_PCMU;
	if (strcasecmp(name, "pcma") == 0)
		return SL_PT_PCMA;
	return -1;
}

const char *
sl_rtp_codec_name(int pt)
{
	if (pt == SL_PT_PCMU)
		return "PCMU";
	if (pt == SL_PT_PCMA)
		return "PCMA";
	return NULL;
}

uint32_t
sl_rtp_random32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)random() ^ ((uint32_t)getpid() << 16);
	return r;
}

/* ---- sockets ---- */

/* A UDP socket of a's family bound to a (dual-stack when a is the IPv6
 * wildcard).  Returns the descriptor or -1 with errno set. */
static int
bound_socket(const struct sl_addr *a)
{
	int fd, off = 0, saved;

	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (a->ss.ss_family == AF_INET6 && sl_addr_is_any(a))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The port a socket is bound to, -1 on error. */
static int
bound_port(int fd)
{
	struct sl_addr a;

	a.len = sizeof a.ss;
	if (getsockname(fd, (struct sockaddr *)&a.ss, &a.len) < 0)
		return -1;
	return sl_addr_port(&a);
}

int
sl_rtp_open(const struct sl_addr *local, const struct sl_addr *remote,
	    int *rtp_fd, int *rtcp_fd, char *what, size_t whatsz)
{
	struct sl_addr l, r;
	char buf[SL_ADDR_STRLEN];
	int rtp = -1, rtcp = -1, port, tries, err;

	*rtp_fd = *rtcp_fd = -1;
	if (local && local->len) {
		l = *local;
	} else {
		/* Any port on the wildcard of the peer's family. */
		int fam = remote && remote->len ? sl_addr_family(remote) : AF_INET6;
		if ((err = sl_addr_resolve("", 0, fam, 1, &l)) != 0) {
			snprintf(what, whatsz, "find a local address");
			return err < 0 ? EADDRNOTAVAIL : err;
		}
	}
	if (sl_addr_port(&l) != 0) {
		if ((rtp = bound_socket(&l)) < 0) {
			err = errno;
			snprintf(what, whatsz, "bind %s", sl_addr_str(&l, buf));
			return err;
		}
		port = sl_addr_port(&l);
		if (port < 65535) {
			sl_addr_set_port(&l, port + 1);
			rtcp = bound_socket(&l);
			sl_addr_set_port(&l, port);
		}
	} else {
		/* An even port whose odd neighbour is free too (RFC 3550 11),
		 * else any port and no RTCP. */
		for (tries = 0; tries < 64 && rtcp < 0; tries++) {
			if ((rtp = bound_socket(&l)) < 0) {
				err = errno;
				snprintf(what, whatsz, "bind %s", sl_addr_str(&l, buf));
				return err;
			}
			port = bound_port(rtp);
			if (port > 0 && port % 2 == 0 && port < 65535) {
				sl_addr_set_port(&l, port + 1);
				rtcp = bound_socket(&l);
				sl_addr_set_port(&l, 0);
			}
			if (rtcp < 0 && tries < 63) {
				close(rtp);
				rtp = -1;
			}
		}
	}
	if (rtcp < 0)
		sl_debug("no RTCP: port %d is taken", bound_port(rtp) + 1);
	if (remote && remote->len) {
		r = *remote;
		if (connect(rtp, (const struct sockaddr *)&r.ss, r.len) < 0) {
			err = errno;
			snprintf(what, whatsz, "connect to %s", sl_addr_str(&r, buf));
			close(rtp);
			if (rtcp >= 0)
				close(rtcp);
			return err;
		}
		if (rtcp >= 0) {
			sl_addr_set_port(&r, (sl_addr_port(&r) + 1) & 0xffff);
			if (connect(rtcp, (const struct sockaddr *)&r.ss, r.len) < 0) {
				close(rtcp);
				rtcp = -1;
			}
		}
	}
	*rtp_fd = rtp;
	*rtcp_fd = rtcp;
	return 0;
}

int
sl_rtp_check_fd(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno;
	return type == SOCK_DGRAM ? 0 : ENOTSOCK;
}

/* ---- sessions ---- */

/* With a handler connected, oRTP reports send errors here instead of
 * logging them itself, which on a connected socket dereferences the NULL
 * destination address (oRTP 5.1, log_send_error). */
static void
on_network_error(RtpSession *s, void *a1, void *a2, void *a3)
{
	(void)s;
	(void)a3;
	sl_debug("%s: %s", a1 ? (const char *)a1 : "network error",
		 strerror((int)(intptr_t)a2));
}

RtpSession *
sl_rtp_session_new(int mode, int rtp_fd, int rtcp_fd, int pt, int dtmf_pt)
{
	RtpSession *s;
	RtpProfile *prof;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	char cname[300], host[256];

	s = rtp_session_new(mode);
	if (s == NULL)
		return NULL;
	rtp_session_set_scheduling_mode(s, 0);
	rtp_session_set_blocking_mode(s, 0);
	prof = rtp_profile_new("sipline");
	rtp_profile_set_payload(prof, SL_PT_PCMU, &payload_type_pcmu8000);
	rtp_profile_set_payload(prof, SL_PT_PCMA, &payload_type_pcma8000);
	if (dtmf_pt >= 0 && dtmf_pt != SL_PT_PCMU && dtmf_pt != SL_PT_PCMA)
		rtp_profile_set_payload(prof, dtmf_pt, &payload_type_telephone_event);
	rtp_session_set_profile(s, prof);
	rtp_session_set_payload_type(s, pt);
	if (dtmf_pt >= 0)
		rtp_session_set_send_telephone_event_payload_type(s, dtmf_pt);
	rtp_session_set_symmetric_rtp(s, FALSE);
	rtp_session_signal_connect(s, "network_error", on_network_error, NULL);
	rtp_session_set_sockets(s, rtp_fd, rtcp_fd);
	rtp_session_set_ssrc(s, sl_rtp_random32());
	rtp_session_set_seq_number(s, (uint16_t)sl_rtp_random32());
	/* Reports need somewhere to go: an RTCP socket connected to the
	 * peer's (standalone rtp-recv only listens). */
	rtp_session_enable_rtcp(s, rtcp_fd >= 0 &&
			     getpeername(rtcp_fd, (struct sockaddr *)&peer, &plen) == 0);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(cname, sizeof cname, "%s@%s", sl_prog, host);
	rtp_session_set_source_description(s, cname, NULL, NULL, NULL, NULL,
					   "sipline " SIPLINE_VERSION, NULL);
	return s;
}

void
sl_rtp_session_free(RtpSession *s)
{
	RtpProfile *prof;

	if (s == NULL)
		return;
	prof = rtp_session_get_profile(s);
	rtp_session_destroy(s);
	if (prof)
		rtp_profile_destroy(prof);
}

/* ---- sending ---- */

/* rtp_session_sendm_with_ts() sends and runs the RTCP send scheduler; it
 * reads the RTCP socket only in RTP_SESSION_SENDONLY mode, which is why
 * rtp-send uses RTP_SESSION_SENDRECV and never calls a receive function. */
static int
send_packet(RtpSession *s, mblk_t *mp, uint32_t ts)
{
	int rc;

	rtp_session_clear_send_error_code(s);
	rc = rtp_session_sendm_with_ts(s, mp, ts);
	if (rc < 0) {
		rc = rtp_session_get_last_send_error_code(s);
		return rc > 0 ? rc : EIO;
	}
	return 0;
}

int
sl_rtp_send_audio(RtpSession *s, const uint8_t *payload, size_t len,
		  uint32_t ts, int marker)
{
	mblk_t *mp = rtp_session_create_packet(s, RTP_FIXED_HEADER_SIZE,
					       payload, len);

	if (mp == NULL)
		return ENOMEM;
	rtp_set_markbit(mp, marker ? 1 : 0);
	return send_packet(s, mp, ts);
}

int
sl_rtp_send_event(RtpSession *s, uint32_t ts, int event, int end, int volume,
		  int duration, int marker)
{
	mblk_t *mp = rtp_session_create_telephone_event_packet(s, marker ? 1 : 0);

	if (mp == NULL)
		return EINVAL;
	if (rtp_session_add_telephone_event(s, mp, (uint8_t)event, end ? 1 : 0,
					    (uint8_t)volume,
					    (uint16_t)duration) < 0) {
		freemsg(mp);
		return EINVAL;
	}
	return send_packet(s, mp, ts);
}

/* ---- receiving ---- */

/* RFC 3550 A.1 sequence bookkeeping for the packets of one SSRC. */
struct seqtrack {
	int active;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;        /* count of wraps, times 65536 */
	uint32_t base_seq;      /* extended first sequence number */
	uint64_t received;      /* distinct packets delivered to us */
};

#define DTMF_KEYS 16
#define PEND_MAX_SECONDS 4

struct sl_rtp_rx {
	RtpSession *s;
	OrtpEvQueue *evq;
	int rate;
	int frame;              /* output granularity, the headroom */
	int16_t *pend;          /* decoded samples waiting for the output */
	size_t pend_len, pend_cap;
	uint32_t next_ts;       /* stream timestamp just after pend's end */
	int synced;             /* next_ts means something */
	int rebase;             /* new stream: append its first packet */
	uint64_t lag;           /* filler silence played and not yet matched
				 * by a gap in the stream */
	int bye;
	int locked;             /* audio or DTMF came: SSRC changes need 3 */
	void (*on_dtmf)(char, void *);
	void *arg;
	struct { uint32_t ssrc, ts; } dtmf_seen[DTMF_KEYS];
	unsigned dtmf_next;
	struct seqtrack cur;
	uint64_t expected_done, received_done;  /* earlier SSRCs */
	uint64_t late;          /* delivered, but after its time was played */
};

/* Counts packet (ssrc, seq) in the current stream; a new SSRC starts a
 * new one. */
static void
track_seq(struct sl_rtp_rx *rx, uint32_t ssrc, uint16_t seq)
{
	struct seqtrack *t = &rx->cur;
	uint16_t delta;

	if (!t->active || t->ssrc != ssrc) {
		if (t->active) {
			rx->expected_done += t->cycles + t->max_seq - t->base_seq + 1;
			rx->received_done += t->received;
		}
		memset(t, 0, sizeof *t);
		t->active = 1;
		t->ssrc = ssrc;
		t->max_seq = seq;
		t->base_seq = seq;
		t->received = 1;
		return;
	}
	t->received++;
	delta = (uint16_t)(seq - t->max_seq);
	if (delta != 0 && delta < 0x8000) {
		if (seq < t->max_seq)
			t->cycles += 65536;
		t->max_seq = seq;
	} else if (delta >= 0x8000 && t->cycles == 0 &&
		   (int16_t)(seq - (uint16_t)t->base_seq) < 0) {
		/* Reordered before the first one we saw. */
		t->base_seq = seq;
	}
}

/* Once a packet of ours came through, a new SSRC has to prove itself. */
static void
lock(struct sl_rtp_rx *rx)
{
	if (rx->locked)
		return;
	/* A restarted peer is taken after 3 packets of its new SSRC, not
	 * oRTP's default of 50 (a second of audio thrown away). */
	rtp_session_set_ssrc_changed_threshold(rx->s, 2);
	rx->locked = 1;
}

static void
on_tev_packet(RtpSession *s, void *a1, void *a2, void *a3)
{
	struct sl_rtp_rx *rx = rtp_session_get_data(s);
	mblk_t *mp = a1;
	rtp_header_t *h;
	uint8_t *p;
	int len, i, k;
	char digit;

	(void)a2;
	(void)a3;
	if (rx == NULL || mp == NULL)
		return;
	h = (rtp_header_t *)mp->b_rptr;
	track_seq(rx, h->ssrc, h->seq_number);
	len = rtp_get_payload(mp, &p);
	if (len <= 0 || len % 4 != 0)
		return;
	lock(rx);
	/* One event per timestamp (RFC 4733 2.5.1.1): report its first
	 * packet, whichever of its updates or end packets that is. */
	for (i = 0; i + 4 <= len; i += 4) {
		for (k = 0; k < DTMF_KEYS; k++)
			if (rx->dtmf_seen[k].ssrc == h->ssrc &&
			    rx->dtmf_seen[k].ts == h->timestamp + (uint32_t)i)
				break;
		if (k < DTMF_KEYS)
			continue;
		k = rx->dtmf_next++ % DTMF_KEYS;
		rx->dtmf_seen[k].ssrc = h->ssrc;
		rx->dtmf_seen[k].ts = h->timestamp + (uint32_t)i;
		digit = sl_dtmf_char(p[i]);
		sl_debug("telephone-event %d%s duration %d ts %u", p[i],
			 p[i + 1] & 0x80 ? " end" : "", (p[i + 2] << 8) | p[i + 3],
			 h->timestamp);
		if (digit && rx->on_dtmf)
			rx->on_dtmf(digit, rx->arg);
	}
}

/* A new stream (SSRC change) or a timestamp jump: let the jitter buffer
 * start over, and append the next packet to what is waiting. */
static void
on_resync(RtpSession *s, void *a1, void *a2, void *a3)
{
	struct sl_rtp_rx *rx = rtp_session_get_data(s);

	(void)a1;
	(void)a2;
	(void)a3;
	if (rx == NULL)
		return;
	sl_debug("resync: new SSRC %08x or timestamp jump",
		 rtp_session_get_recv_ssrc(s));
	rtp_session_resync(s);
	rx->rebase = 1;
	rx->bye = 0;
}

struct sl_rtp_rx *
sl_rtp_rx_new(RtpSession *s, int clock_rate, int frame,
	      void (*on_dtmf)(char digit, void *arg), void *arg)
{
	struct sl_rtp_rx *rx = calloc(1, sizeof *rx);

	if (rx == NULL)
		return NULL;
	rx->s = s;
	rx->rate = clock_rate;
	rx->frame = frame;
	rx->on_dtmf = on_dtmf;
	rx->arg = arg;
	rx->pend_cap = (size_t)clock_rate;
	rx->pend = calloc(rx->pend_cap, sizeof *rx->pend);
	rx->evq = ortp_ev_queue_new();
	if (rx->pend == NULL || rx->evq == NULL) {
		sl_rtp_rx_free(rx);
		return NULL;
	}
	rtp_session_set_data(s, rx);
	rtp_session_register_event_queue(s, rx->evq);
	rtp_session_signal_connect(s, "telephone-event_packet", on_tev_packet, NULL);
	rtp_session_signal_connect(s, "ssrc_changed", on_resync, NULL);
	rtp_session_signal_connect(s, "timestamp_jump", on_resync, NULL);
	/* The jitter buffer's default getq returns the newest packet that is
	 * due and throws away the older ones due with it: two packets due
	 * between two of our calls would lose one.  The permissive getq
	 * returns the oldest due packet; calling it until it says none
	 * drains them all, in order. */
	s->permissive = TRUE;
	/* Until a packet has come through, any new SSRC is taken at once: a
	 * stray datagram that happened to look like RTP must not lock the
	 * stream out.  See sl_rtp_rx_pull for afterwards. */
	rtp_session_set_ssrc_changed_threshold(s, 0);
	return rx;
}

void
sl_rtp_rx_free(struct sl_rtp_rx *rx)
{
	if (rx == NULL)
		return;
	if (rx->evq) {
		rtp_session_unregister_event_queue(rx->s, rx->evq);
		ortp_ev_queue_destroy(rx->evq);
	}
	rtp_session_set_data(rx->s, NULL);
	free(rx->pend);
	free(rx);
}

/* Makes room for n samples in the playout buffer.  Returns 0 or ENOMEM. */
static int
reserve(struct sl_rtp_rx *rx, size_t n)
{
	int16_t *p;
	size_t cap = rx->pend_cap;

	if (n <= cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = realloc(rx->pend, cap * sizeof *p);
	if (p == NULL)
		return ENOMEM;
	rx->pend = p;
	rx->pend_cap = cap;
	return 0;
}

/* Appends n samples of silence to the playout buffer. */
static void
pad(struct sl_rtp_rx *rx, size_t n)
{
	if (reserve(rx, rx->pend_len + n) != 0)
		return;
	memset(rx->pend + rx->pend_len, 0, n * sizeof *rx->pend);
	rx->pend_len += n;
}

/* Appends a G.711 packet to the playout buffer.  The buffer is a queue:
 * the output clock drains it and plays silence when it runs dry (counted
 * in lag).  A gap in the timestamps (a lost packet, a sender that was
 * silent) becomes silence, less what lag already played in its place; a
 * packet that comes late but comes is played, a little later, rather than
 * thrown away; one whose samples were all played already is dropped. */
static void
play_packet(struct sl_rtp_rx *rx, mblk_t *mp)
{
	rtp_header_t *h = (rtp_header_t *)mp->b_rptr;
	uint8_t *p;
	int len = rtp_get_payload(mp, &p);
	int32_t d;
	size_t skip = 0, n;
	int pt = h->paytype;
	/* The adaptive jitter buffer adds its clock-drift correction to the
	 * timestamps it returns, in 10 ms steps that come and go while its
	 * estimate settles; each would be a 10 ms hole or cut in the audio.
	 * The queue below absorbs drift: take the sender's own timestamp. */
	uint32_t ts = h->timestamp;

	if (rtp_session_adaptive_jitter_compensation_enabled(rx->s))
		ts -= (uint32_t)rx->s->rtp.jittctl.corrective_slide;

	track_seq(rx, h->ssrc, h->seq_number);
	if (len <= 0 || (pt != SL_PT_PCMU && pt != SL_PT_PCMA))
		return;         /* comfort noise and unknown types: silence */
	lock(rx);
	if (!rx->synced || rx->rebase) {
		/* Headroom: packets come out of the jitter buffer a whole
		 * packet at a time, on a grid of their own; with a packet and
		 * an output frame of silence ahead, the output never waits for
		 * one that is about to be released.  (A new stream starts a
		 * new jitter buffer, and needs it again.) */
		size_t room = (size_t)rx->frame + (size_t)len;
		if (rx->pend_len < room)
			pad(rx, room - rx->pend_len);
		rx->next_ts = ts;
		rx->synced = 1;
		rx->rebase = 0;
		rx->lag = 0;
	}
	d = (int32_t)(ts - rx->next_ts);
	if (sl_verbose > 1)
		sl_debug("packet seq %u ts %u: gap %d, buffered %zu, lag %llu",
			 h->seq_number, ts, d, rx->pend_len,
			 (unsigned long long)rx->lag);
	if ((int64_t)d + len <= 0) {
		rx->late++;
		return;
	}
	if (d < 0) {
		skip = (size_t)-d;
	} else if (d > 0) {
		uint64_t covered = rx->lag < (uint64_t)d ? rx->lag : (uint64_t)d;
		rx->lag -= covered;
		n = (size_t)d - (size_t)covered;
		/* A longer gap the output has not covered is a sender's
		 * timestamp jump: skip it. */
		if (n <= (size_t)rx->rate * PEND_MAX_SECONDS)
			pad(rx, n);
	}
	n = (size_t)len - skip;
	if (reserve(rx, rx->pend_len + n) != 0)
		return;
	sl_g711_decode(pt, p + skip, rx->pend + rx->pend_len, n);
	rx->pend_len += n;
	rx->next_ts = ts + (uint32_t)len;
}

/* RTCP from the peer: notes a BYE from the stream we play. */
static void
read_events(struct sl_rtp_rx *rx)
{
	OrtpEvent *ev;
	uint32_t ssrc, cur = rtp_session_get_recv_ssrc(rx->s);
	int i;

	while ((ev = ortp_ev_queue_get(rx->evq)) != NULL) {
		if (ortp_event_get_type(ev) == ORTP_EVENT_RTCP_PACKET_RECEIVED) {
			mblk_t *m = ortp_event_get_data(ev)->packet;
			do {
				if (!rtcp_is_BYE(m))
					continue;
				for (i = 0; rtcp_BYE_get_ssrc(m, i, &ssrc); i++) {
					sl_debug("RTCP BYE from %08x", ssrc);
					if (rx->cur.active && ssrc == cur)
						rx->bye = 1;
				}
			} while (rtcp_next_packet(m));
		}
		ortp_event_destroy(ev);
	}
}

uint64_t
sl_rtp_rx_pull(struct sl_rtp_rx *rx, uint32_t user_ts, size_t owed)
{
	mblk_t *mp;
	int i;

	/* Each call returns at most one packet and pops at most one
	 * telephone-event: loop until both queues are done for now.  Calls
	 * after the first with the same user_ts do not read the sockets. */
	for (i = 0; i < 256; i++) {
		mp = rtp_session_recvm_with_ts(rx->s, user_ts);
		if (mp != NULL) {
			play_packet(rx, mp);
			freemsg(mp);
		} else if (qempty(&rx->s->rtp.tev_rq)) {
			break;
		}
	}
	read_events(rx);
	if (rx->pend_len > owed + (size_t)rx->frame * 4 + (size_t)sl_rtp_rx_delay(rx)) {
		/* The jitter buffer shrank, or late packets piled up: keep
		 * the latency down by dropping the oldest.  (Audio the
		 * output owes is not latency: it goes out now.) */
		size_t drop = rx->pend_len - owed - (size_t)rx->frame * 2;
		sl_debug("playout buffer at %zu samples: %zu dropped",
			 rx->pend_len, drop);
		memmove(rx->pend, rx->pend + drop,
			(rx->pend_len - drop) * sizeof *rx->pend);
		rx->pend_len -= drop;
	}
	return rtp_session_get_stats(rx->s)->packet_recv;
}

size_t
sl_rtp_rx_take(struct sl_rtp_rx *rx, int16_t *out, size_t n)
{
	size_t have = rx->pend_len < n ? rx->pend_len : n;

	memcpy(out, rx->pend, have * sizeof *out);
	memset(out + have, 0, (n - have) * sizeof *out);
	memmove(rx->pend, rx->pend + have, (rx->pend_len - have) * sizeof *out);
	rx->pend_len -= have;
	if (rx->synced && rx->lag < (uint64_t)rx->rate * 3600)
		rx->lag += n - have;
	return have;
}

size_t
sl_rtp_rx_buffered(const struct sl_rtp_rx *rx)
{
	return rx->pend_len;
}

int
sl_rtp_rx_queue_empty(const struct sl_rtp_rx *rx)
{
	return qempty(&rx->s->rtp.rq);
}

int
sl_rtp_rx_bye(const struct sl_rtp_rx *rx)
{
	return rx->bye;
}

int
sl_rtp_rx_delay(const struct sl_rtp_rx *rx)
{
	return rx->s->rtp.jittctl.adapt_jitt_comp_ts;
}

void
sl_rtp_rx_stats(const struct sl_rtp_rx *rx, char *buf, size_t size)
{
	const rtp_stats_t *st = rtp_session_get_stats(rx->s);
	const struct seqtrack *t = &rx->cur;
	uint64_t expected = rx->expected_done, received = rx->received_done;
	uint64_t late = st->outoftime + rx->late;
	int64_t lost;
	double jitter;

	if (t->active) {
		expected += t->cycles + t->max_seq - t->base_seq + 1;
		received += t->received;
	}
	/* Packets dropped as too late never reached us, yet arrived. */
	lost = (int64_t)expected - (int64_t)received - (int64_t)st->outoftime;
	if (lost < 0)
		lost = 0;
	jitter = rx->s->rtp.jittctl.inter_jitter * 1000.0 / rx->rate;
	sl_debug("expected %llu, delivered %llu, too late for oRTP %llu, "
		 "for the output %llu, bad %llu, jitter buffer %d ms",
		 (unsigned long long)expected, (unsigned long long)received,
		 (unsigned long long)st->outoftime, (unsigned long long)rx->late,
		 (unsigned long long)st->bad, sl_rtp_rx_delay(rx) * 1000 / rx->rate);
	snprintf(buf, size,
		 "packets=%llu lost=%lld duplicates=%llu late=%llu jitter=%.2fms",
		 (unsigned long long)st->packet_recv, (long long)lost,
		 (unsigned long long)st->packet_dup_recv,
		 (unsigned long long)late, jitter);
}
