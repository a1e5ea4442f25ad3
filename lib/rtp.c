/* RTP packets: the 12-byte header of RFC 3550 5.1, by hand (it is four
 * words), and the sender's counters. */
#include "rtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

uint32_t
sl_rtp_random32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)random() ^ ((uint32_t)getpid() << 16);
	return r;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
sl_rtp_parse(const uint8_t *buf, size_t n, struct sl_rtp_packet *p)
{
	size_t hlen, pad = 0;

	if (n < SL_RTP_HEADER || buf[0] >> 6 != 2)
		return EINVAL;
	/* RTCP packet types (192-223) read as the marker bit and payload
	 * types 64-95, which RTP leaves unused for that reason. */
	if (buf[1] >= 192 && buf[1] <= 223)
		return EINVAL;
	hlen = SL_RTP_HEADER + 4 * (size_t)(buf[0] & 0x0f);
	if (buf[0] & 0x10) {            /* extension: 4 bytes, then its words */
		if (n < hlen + 4)
			return EINVAL;
		hlen += 4 + 4 * (size_t)(buf[hlen + 2] << 8 | buf[hlen + 3]);
	}
	if (n < hlen)
		return EINVAL;
	if (buf[0] & 0x20) {            /* padding: its count is the last byte */
		pad = buf[n - 1];
		if (pad == 0 || pad > n - hlen)
			return EINVAL;
	}
	p->marker = buf[1] >> 7;
	p->pt = buf[1] & 0x7f;
	p->seq = (uint16_t)(buf[2] << 8 | buf[3]);
	p->ts = get32(buf + 4);
	p->ssrc = get32(buf + 8);
	p->payload = buf + hlen;
	p->len = n - hlen - pad;
	return 0;
}

void
sl_rtp_tx_init(struct sl_rtp_tx *tx)
{
	memset(tx, 0, sizeof *tx);
	tx->ssrc = sl_rtp_random32();
	tx->seq = (uint16_t)sl_rtp_random32();
}

size_t
sl_rtp_tx_pack(struct sl_rtp_tx *tx, const struct sl_rtp_packet *p,
	       int64_t now, uint8_t *buf)
{
	size_t len = p->len > SL_RTP_MAX - SL_RTP_HEADER ? SL_RTP_MAX - SL_RTP_HEADER : p->len;

	buf[0] = 0x80;
	buf[1] = (uint8_t)((p->marker ? 0x80 : 0) | (p->pt & 0x7f));
	buf[2] = (uint8_t)(tx->seq >> 8);
	buf[3] = (uint8_t)tx->seq;
	put32(buf + 4, p->ts);
	put32(buf + 8, tx->ssrc);
	memcpy(buf + SL_RTP_HEADER, p->payload, len);
	tx->seq++;
	tx->packets++;
	tx->octets += len;
	tx->last_ts = p->ts;
	tx->last_time = now;
	return SL_RTP_HEADER + len;
}
