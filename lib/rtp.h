/* RTP packets (RFC 3550 section 5): the fixed header built and parsed, and
 * what a sender keeps: its SSRC, sequence number and counts for RTCP. */
#ifndef SIPLINE_RTP_H
#define SIPLINE_RTP_H

#include <stddef.h>
#include <stdint.h>

#define SL_RTP_HEADER   12      /* the fixed header, no CSRC */
#define SL_RTP_MAX      1500    /* the largest datagram we send or read */

/* One packet, as built or as parsed (payload points into the datagram). */
struct sl_rtp_packet {
	int marker;
	int pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;
	size_t len;
};

/* Parses a datagram: version 2, CSRCs, extension and padding as RFC 3550
 * 5.1 and 5.3.1 lay them out, all within n bytes.  Returns 0, or EINVAL
 * for what is not RTP (RTCP included: the second byte 192-223, RFC 5761
 * 4). */
int sl_rtp_parse(const uint8_t *buf, size_t n, struct sl_rtp_packet *p);

/* A sender's state (RFC 3550 5.1, 6.4.1). */
struct sl_rtp_tx {
	uint32_t ssrc;
	uint16_t seq;           /* of the next packet */
	uint64_t packets;       /* sent, for the sender report */
	uint64_t octets;        /* payload octets sent */
	uint32_t last_ts;       /* timestamp of the last packet sent */
	int64_t last_time;      /* when it was sent (monotonic ns), 0 none yet */
};

/* A random SSRC and first sequence number, nothing sent. */
void sl_rtp_tx_init(struct sl_rtp_tx *tx);
/* Writes the packet p (ssrc and seq are tx's, p's are ignored) into buf
 * (SL_RTP_MAX bytes) and counts it as sent at now.  Returns its length. */
size_t sl_rtp_tx_pack(struct sl_rtp_tx *tx, const struct sl_rtp_packet *p,
		      int64_t now, uint8_t *buf);

/* A random 32-bit number (SSRC, first sequence number and timestamp). */
uint32_t sl_rtp_random32(void);

#endif
