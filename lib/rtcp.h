/* RTCP (RFC 3550 section 6): the compound packets a session sends (a
 * sender or receiver report, SDES with the CNAME, BYE at the end), what is
 * read from the peer's (BYE, the time of its last sender report), and the
 * report interval. */
#ifndef SIPLINE_RTCP_H
#define SIPLINE_RTCP_H

#include <stddef.h>
#include <stdint.h>

/* One reception report block (RFC 3550 6.4.1). */
struct sl_rtcp_block {
	uint32_t ssrc;          /* the source reported on */
	uint8_t fraction;       /* lost since the last report, /256 */
	int32_t lost;           /* cumulative, 24 bits signed */
	uint32_t ext_max;       /* extended highest sequence number */
	uint32_t jitter;        /* timestamp units */
	uint32_t lsr, dlsr;     /* last SR's middle NTP bits, delay since it (1/65536 s) */
};

/* What one compound packet says. */
struct sl_rtcp_report {
	uint32_t ssrc;
	int sender;             /* a sender report (SR) rather than an RR */
	uint64_t ntp;           /* SR: wallclock in NTP format */
	uint32_t rtp_ts;        /* SR: the RTP timestamp of that instant */
	uint32_t packets, octets; /* SR: sent so far (payload octets) */
	int nblocks;            /* 0 or 1 */
	struct sl_rtcp_block block;
	const char *cname;      /* SDES CNAME, at most 255 bytes */
	int bye;                /* ends with a BYE of ssrc */
};

/* Writes the compound packet r into buf.  Returns its length, 0 when size
 * is too small. */
size_t sl_rtcp_build(const struct sl_rtcp_report *r, uint8_t *buf, size_t size);

/* What a compound packet from the peer told us. */
struct sl_rtcp_info {
	int nbye;
	uint32_t bye[8];        /* SSRCs that said BYE (the first 8) */
	int sr;                 /* carried a sender report */
	uint32_t sr_ssrc;
	uint32_t sr_ntp_mid;    /* its NTP time's middle 32 bits (for LSR) */
};

/* Parses a compound packet; every packet in it must be well formed (RFC
 * 3550 6.1: version 2, lengths within the datagram).  Returns 0 or EINVAL. */
int sl_rtcp_parse(const uint8_t *buf, size_t n, struct sl_rtcp_info *out);

/* The wallclock (CLOCK_REALTIME) in NTP format. */
uint64_t sl_rtcp_ntp_now(void);

/* The time to the next report, ns: RFC 3550 6.3 for a two-party session
 * (5 s, 2.5 s before the first report, times a random 0.5-1.5, over
 * e - 3/2). */
int64_t sl_rtcp_interval(int first);

#endif
