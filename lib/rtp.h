/* oRTP glue shared by rtp-send and rtp-recv: library set-up with its logs
 * on stderr, the RTP/RTCP sockets (inherited or our own), sessions, packets
 * out, and the receiving side's playout buffer and statistics. */
#ifndef SIPLINE_RTP_H
#define SIPLINE_RTP_H

#include <stddef.h>
#include <stdint.h>

#include <ortp/ortp.h>

#include "addr.h"

/* Initialises oRTP and bctoolbox with every log line of theirs sent to
 * stderr through sl_warn/sl_debug, never stdout: none without -v (but
 * fatal ones), warnings and errors with -v, everything with -vv. */
void sl_rtp_init(void);
/* Frees what sl_rtp_init and the sessions left (call once at exit). */
void sl_rtp_exit(void);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t sl_rtp_now(void);
/* Sleeps until CLOCK_MONOTONIC reaches t (ns), or a signal arrives. */
void sl_rtp_sleep_until(int64_t t);

/* SIGTERM and SIGINT set a flag and make the returned descriptor (the
 * read end of a close-on-exec self-pipe) readable; SIGPIPE is ignored.
 * Returns -1 when the pipe cannot be made. */
int sl_rtp_catch_signals(void);
/* The signal caught, 0 while none. */
int sl_rtp_stop_signal(void);

/* The payload type of a codec name ("pcmu", "PCMA"...), -1 when unknown. */
int sl_rtp_codec_pt(const char *name);
/* "PCMU" or "PCMA" for a payload type, NULL for others. */
const char *sl_rtp_codec_name(int pt);

/* Opens our own RTP socket, close-on-exec: bound to local (wildcard host
 * or port 0 allowed; no local: the wildcard of remote's family, any port),
 * connect()ed to remote when remote->len != 0.  The RTCP socket goes on the
 * next port (an even/odd pair when we choose the port) and is connected to
 * remote's port + 1; *rtcp_fd is -1 when that port could not be had.
 * Returns 0 or an errno value, with the step that failed in what
 * ("bind 127.0.0.1:4000"). */
int sl_rtp_open(const struct sl_addr *local, const struct sl_addr *remote,
		int *rtp_fd, int *rtcp_fd, char *what, size_t whatsz);

/* Checks that an inherited descriptor is a UDP socket, and makes it
 * close-on-exec.  Returns 0, EBADF or ENOTSOCK. */
int sl_rtp_check_fd(int fd);

/* A session (mode RTP_SESSION_SENDRECV, _RECVONLY...) on the given
 * sockets (rtcp_fd may be -1), non-blocking and unscheduled, with a profile
 * holding PCMU, PCMA and telephone-event at dtmf_pt (unless -1), payload
 * type pt, and a random SSRC and first sequence number.  NULL when oRTP
 * refuses. */
RtpSession *sl_rtp_session_new(int mode, int rtp_fd, int rtcp_fd, int pt,
			       int dtmf_pt);
/* Destroys the session and its profile (and closes its sockets). */
void sl_rtp_session_free(RtpSession *s);

/* A random 32-bit number (for the first RTP timestamp). */
uint32_t sl_rtp_random32(void);

/* Sends one audio packet of len payload bytes with timestamp ts, marker
 * bit as given.  Never reads the sockets (rtp-recv may share them).
 * Returns 0 or an errno value from the socket. */
int sl_rtp_send_audio(RtpSession *s, const uint8_t *payload, size_t len,
		      uint32_t ts, int marker);
/* Sends one RFC 4733 telephone-event packet. */
int sl_rtp_send_event(RtpSession *s, uint32_t ts, int event, int end,
		      int volume, int duration, int marker);

/* The receiving side: pulls packets out of oRTP's jitter buffer into a
 * playout buffer of decoded samples that the output clock drains, and
 * keeps the statistics. */
struct sl_rtp_rx;

/* frame is the output's granularity in samples.  on_dtmf is called once
 * per received telephone-event (the first packet seen of an event, keyed
 * by SSRC and event timestamp). */
struct sl_rtp_rx *sl_rtp_rx_new(RtpSession *s, int clock_rate, int frame,
				void (*on_dtmf)(char digit, void *arg),
				void *arg);
void sl_rtp_rx_free(struct sl_rtp_rx *rx);

/* Reads the sockets and moves every packet due at user_ts (the receive
 * clock: samples since start) into the playout buffer.  owed: samples
 * the output is behind (due and not yet taken), which the bound on the
 * buffer's latency leaves alone.  Returns the number of RTP packets
 * received so far. */
uint64_t sl_rtp_rx_pull(struct sl_rtp_rx *rx, uint32_t user_ts, size_t owed);
/* Writes n samples of output into out: buffered audio, then silence for
 * what is missing.  Returns how many were audio. */
size_t sl_rtp_rx_take(struct sl_rtp_rx *rx, int16_t *out, size_t n);
/* Samples waiting in the playout buffer. */
size_t sl_rtp_rx_buffered(const struct sl_rtp_rx *rx);
/* 1 when oRTP's jitter buffer holds no audio packet. */
int sl_rtp_rx_queue_empty(const struct sl_rtp_rx *rx);
/* 1 once the current sender said RTCP BYE. */
int sl_rtp_rx_bye(const struct sl_rtp_rx *rx);
/* The jitter buffer's current delay in samples. */
int sl_rtp_rx_delay(const struct sl_rtp_rx *rx);
/* Formats "packets=N lost=N duplicates=N late=N jitter=F.FFms". */
void sl_rtp_rx_stats(const struct sl_rtp_rx *rx, char *buf, size_t size);

#endif
