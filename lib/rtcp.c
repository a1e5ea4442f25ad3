/* RTCP compound packets, built and parsed by hand (RFC 3550 6.4-6.6). */
#include "rtcp.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "rtp.h"

enum { SR = 200, RR = 201, SDES = 202, BYE = 203 };

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The common header of a packet of len bytes (a multiple of 4). */
static void
header(uint8_t *p, int count, int type, size_t len)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = (uint8_t)type;
	put16(p + 2, (unsigned)(len / 4 - 1));
}

size_t
sl_rtcp_build(const struct sl_rtcp_report *r, uint8_t *buf, size_t size)
{
	size_t n = 0, len, clen = r->cname ? strlen(r->cname) : 0;
	const struct sl_rtcp_block *b = &r->block;
	uint8_t *p;

	if (clen > 255)
		clen = 255;
	/* SR 28 + 24, SDES 8 + 2 + cname + end and padding, BYE 8. */
	if (size < 52 + 12 + clen + 3 + 8)
		return 0;
	p = buf;
	len = (r->sender ? 28 : 8) + (r->nblocks ? 24 : 0);
	header(p, r->nblocks ? 1 : 0, r->sender ? SR : RR, len);
	put32(p + 4, r->ssrc);
	n = 8;
	if (r->sender) {
		put32(p + 8, (uint32_t)(r->ntp >> 32));
		put32(p + 12, (uint32_t)r->ntp);
		put32(p + 16, r->rtp_ts);
		put32(p + 20, r->packets);
		put32(p + 24, r->octets);
		n = 28;
	}
	if (r->nblocks) {
		put32(p + n, b->ssrc);
		put32(p + n + 4, (uint32_t)b->fraction << 24 | ((uint32_t)b->lost & 0xffffff));
		put32(p + n + 8, b->ext_max);
		put32(p + n + 12, b->jitter);
		put32(p + n + 16, b->lsr);
		put32(p + n + 20, b->dlsr);
		n += 24;
	}
	/* SDES: one chunk, CNAME, then the end item and zeros to a word. */
	p = buf + n;
	len = (8 + 2 + clen + 1 + 3) & ~(size_t)3;
	memset(p, 0, len);
	header(p, 1, SDES, len);
	put32(p + 4, r->ssrc);
	p[8] = 1;                       /* CNAME */
	p[9] = (uint8_t)clen;
	memcpy(p + 10, r->cname ? r->cname : "", clen);
	n += len;
	if (r->bye) {
		p = buf + n;
		header(p, 1, BYE, 8);
		put32(p + 4, r->ssrc);
		n += 8;
	}
	return n;
}

int
sl_rtcp_parse(const uint8_t *buf, size_t n, struct sl_rtcp_info *out)
{
	size_t off = 0, len;
	int count, type, i;

	memset(out, 0, sizeof *out);
	if (n < 8)
		return EINVAL;
	/* Check the whole compound first: nothing of a damaged one counts. */
	for (off = 0; off < n; off += len) {
		if (n - off < 4 || buf[off] >> 6 != 2)
			return EINVAL;
		len = 4 * ((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 1);
		if (len > n - off)
			return EINVAL;
		count = buf[off] & 0x1f;
		type = buf[off + 1];
		if (type == BYE && len < 4 + 4 * (size_t)count)
			return EINVAL;
		if ((type == SR && len < 28) || (type == RR && len < 8))
			return EINVAL;
	}
	for (off = 0; off < n; off += len) {
		len = 4 * ((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 1);
		count = buf[off] & 0x1f;
		type = buf[off + 1];
		if (type == SR) {
			out->sr = 1;
			out->sr_ssrc = get32(buf + off + 4);
			out->sr_ntp_mid = get32(buf + off + 10);
		} else if (type == BYE) {
			for (i = 0; i < count && out->nbye < 8; i++)
				out->bye[out->nbye++] = get32(buf + off + 4 + 4 * (size_t)i);
		}
	}
	return 0;
}

uint64_t
sl_rtcp_ntp_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return ((uint64_t)t.tv_sec + 2208988800u) << 32 |
	       (uint64_t)(((uint64_t)t.tv_nsec << 32) / 1000000000);
}

int64_t
sl_rtcp_interval(int first)
{
	double td = first ? 2.5 : 5.0;
	double u = 0.5 + (sl_rtp_random32() % 1000001) / 1e6;

	return (int64_t)(td * u / 1.21828 * 1e9);
}
