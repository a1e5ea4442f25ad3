/* libFuzzer target: rtp-recv's receive path.  sl_rtp_rx_pull reads the
 * session's sockets itself (there is no entry point that takes a packet),
 * so each input is sent as datagrams over loopback to a fresh RECVONLY
 * session set up as rtp-recv sets it up (adaptive jitter buffer,
 * telephone-event), then pulled, played out and counted.
 *
 * Input: a first byte (bit 0: PCMA instead of PCMU; bit 1: no adaptive
 * compensation), then records of [control][length, 2 bytes][bytes]:
 * control bit 0 sends the bytes to the RTCP socket instead of RTP; the
 * other bits advance the receive clock by that many 20 ms frames. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rtp.h"

static int tx = -1;

static int
udp_socket(struct sockaddr_in *a)
{
	socklen_t len = sizeof *a;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof *a) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0) {
		perror("fuzz-rtp: socket");
		exit(1);
	}
	return fd;
}

static void
on_dtmf(char digit, void *arg)
{
	if (digit == '\0')
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a;

	sl_log_init("fuzz-rtp");
	sl_rtp_init();
	tx = udp_socket(&a);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in ra, ca;
	int rtp_fd, rtcp_fd, pt, frame = 160;
	uint32_t user_ts = 0;
	size_t i;
	int16_t pcm[160];
	char stats[256];
	JBParameters jb;
	RtpSession *s;
	struct sl_rtp_rx *rx;

	if (size < 1 || size > 65536)
		return 0;
	pt = data[0] & 1 ? 8 : 0;
	rtp_fd = udp_socket(&ra);
	rtcp_fd = udp_socket(&ca);
	s = sl_rtp_session_new(RTP_SESSION_RECVONLY, rtp_fd, rtcp_fd, pt, 101);
	if (s == NULL)
		abort();
	rtp_session_get_jitter_buffer_params(s, &jb);
	jb.min_size = jb.nom_size = 60;
	jb.max_size = 500;
	jb.adaptive = TRUE;
	jb.enabled = TRUE;
	rtp_session_set_jitter_buffer_params(s, &jb);
	rtp_session_enable_jitter_buffer(s, TRUE);
	rtp_session_enable_adaptive_jitter_compensation(s, !(data[0] & 2));
	rx = sl_rtp_rx_new(s, 8000, frame, on_dtmf, NULL);
	if (rx == NULL)
		abort();
	for (i = 1; i + 3 <= size; ) {
		int ctl = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];

		i += 3;
		if (len > size - i)
			len = size - i;
		sendto(tx, data + i, len, 0, (struct sockaddr *)(ctl & 1 ? &ca : &ra),
		       sizeof ra);
		i += len;
		user_ts += (uint32_t)(ctl >> 1) * (uint32_t)frame;
		sl_rtp_rx_pull(rx, user_ts, 0);
		sl_rtp_rx_take(rx, pcm, (size_t)frame);
		sl_rtp_rx_buffered(rx);
		sl_rtp_rx_queue_empty(rx);
		sl_rtp_rx_bye(rx);
	}
	/* Play out the rest, as rtp-recv does when it drains. */
	for (i = 0; i < 50; i++) {
		user_ts += (uint32_t)frame;
		sl_rtp_rx_pull(rx, user_ts, 0);
		sl_rtp_rx_take(rx, pcm, (size_t)frame);
	}
	sl_rtp_rx_stats(rx, stats, sizeof stats);
	sl_rtp_rx_free(rx);
	sl_rtp_session_free(s);     /* closes both sockets */
	return 0;
}
