/* Unit tests for the RTP and RTCP packets (lib/rtp.c, lib/rtcp.c) and the
 * codec table (lib/codec.c): headers built and parsed per RFC 3550, what
 * is not RTP refused, RTCP compounds built as rtp-dump reads them and
 * parsed with their bounds checked. */
#include <errno.h>
#include <string.h>

#include "codec.h"
#include "g711.h"
#include "rtcp.h"
#include "rtp.h"
#include "tap.h"

int
main(void)
{
	uint8_t buf[SL_RTP_MAX], pl[160];
	struct sl_rtp_packet p, q;
	struct sl_rtp_tx tx;
	struct sl_rtcp_report r;
	struct sl_rtcp_info in;
	size_t n;
	uint16_t seq0;

	/* Packets out: the header's fields, the sender's counters. */
	sl_rtp_tx_init(&tx);
	seq0 = tx.seq;
	memset(pl, 0x55, sizeof pl);
	memset(&p, 0, sizeof p);
	p.marker = 1;
	p.pt = 8;
	p.ts = 0xdeadbeef;
	p.payload = pl;
	p.len = 160;
	n = sl_rtp_tx_pack(&tx, &p, 5, buf);
	is_int(n, 172, "packed: 12 + 160 bytes");
	ok(buf[0] == 0x80 && buf[1] == 0x88, "V=2, no P/X/CC; marker and PT 8");
	is_int(sl_rtp_parse(buf, n, &q), 0, "parses");
	ok(q.marker == 1 && q.pt == 8 && q.ts == 0xdeadbeef && q.ssrc == tx.ssrc &&
	   q.seq == seq0 && q.len == 160 && q.payload == buf + 12, "every field back");
	sl_rtp_tx_pack(&tx, &p, 6, buf);
	ok(tx.seq == (uint16_t)(seq0 + 2) && tx.packets == 2 && tx.octets == 320 &&
	   tx.last_time == 6, "sequence +1 a packet, packets and octets counted");

	/* CSRCs, an extension and padding are skipped over. */
	memset(buf, 0, sizeof buf);
	buf[0] = 0x80 | 0x20 | 0x10 | 2;        /* P, X, 2 CSRCs */
	buf[1] = 0;
	buf[20] = 0xbe;                         /* extension: 1 word */
	buf[23] = 1;
	buf[28] = 0x11;                         /* payload */
	buf[39] = 4;                            /* 4 bytes of padding */
	is_int(sl_rtp_parse(buf, 40, &q), 0, "CSRC, extension, padding: parses");
	ok(q.payload == buf + 28 && q.len == 8, "the payload between them");
	is_int(sl_rtp_parse(buf, 27, &q), EINVAL, "an extension past the end: refused");
	buf[39] = 20;
	is_int(sl_rtp_parse(buf, 40, &q), EINVAL, "padding longer than the payload: refused");
	buf[0] = 0x8f;
	is_int(sl_rtp_parse(buf, 12, &q), EINVAL, "15 CSRCs announced, none there: refused");
	buf[0] = 0x40;
	is_int(sl_rtp_parse(buf, 40, &q), EINVAL, "version 1: refused");
	is_int(sl_rtp_parse((const uint8_t *)"hello", 5, &q), EINVAL, "short: refused");
	buf[0] = 0x80;
	buf[1] = 200;
	is_int(sl_rtp_parse(buf, 40, &q), EINVAL, "an RTCP SR: not RTP");

	/* RTCP out: SR with a report block, SDES, BYE. */
	memset(&r, 0, sizeof r);
	r.ssrc = 0x01020304;
	r.sender = 1;
	r.ntp = 0x1112131415161718ULL;
	r.rtp_ts = 77;
	r.packets = 25;
	r.octets = 4000;
	r.nblocks = 1;
	r.block.ssrc = 9;
	r.block.lost = -1;
	r.block.fraction = 3;
	r.cname = "rtp-send@host";
	r.bye = 1;
	n = sl_rtcp_build(&r, buf, sizeof buf);
	is_int(n, 52 + 24 + 8, "SR + block, SDES of a 13-byte CNAME, BYE: 84 bytes");
	ok(buf[0] == 0x81 && buf[1] == 200 && buf[3] == 12, "SR: one block, 13 words");
	ok(buf[32] == 3 && buf[33] == 0xff && buf[35] == 0xff, "block: fraction and a lost of -1 in 24 bits");
	ok(buf[52] == 0x81 && buf[53] == 202 && buf[60] == 1 && buf[61] == 13 &&
	   memcmp(buf + 62, "rtp-send@host", 13) == 0, "SDES: CNAME");
	ok(buf[76] == 0x81 && buf[77] == 203 && buf[80] == 1 && buf[83] == 4, "BYE of our SSRC");
	is_int(sl_rtcp_parse(buf, n, &in), 0, "our compound parses");
	ok(in.sr && in.sr_ssrc == 0x01020304 && in.sr_ntp_mid == 0x13141516 &&
	   in.nbye == 1 && in.bye[0] == 0x01020304, "SR and BYE read back");
	r.sender = 0;
	r.nblocks = 0;
	r.bye = 0;
	n = sl_rtcp_build(&r, buf, sizeof buf);
	ok(n == 8 + 24 && buf[1] == 201 && buf[0] == 0x80, "an RR without blocks when we do not send");
	is_int(sl_rtcp_build(&r, buf, 40), 0, "no room: nothing");

	/* RTCP in: bounds. */
	memcpy(buf, "\x9f\xcb\x00\x09\x00\x00\x00\x01", 8);
	is_int(sl_rtcp_parse(buf, 8, &in), EINVAL, "a BYE longer than the datagram: refused");
	memcpy(buf, "\x82\xcb\x00\x01\x00\x00\x00\x01", 8);
	is_int(sl_rtcp_parse(buf, 8, &in), EINVAL, "a BYE of 2 SSRCs carrying 1: refused");
	memcpy(buf, "\x81\xcb\x00\x01\x00\x00\x00\x07\x81\xcb\x00\x05", 12);
	is_int(sl_rtcp_parse(buf, 12, &in), EINVAL, "a good BYE then a broken one: all refused");
	ok(in.nbye == 0, "and nothing of it counts");
	ok(sl_rtcp_interval(1) >= 1000000000LL && sl_rtcp_interval(1) <= 3100000000LL &&
	   sl_rtcp_interval(0) >= 2000000000LL && sl_rtcp_interval(0) <= 6200000000LL,
	   "report intervals: 2.5 s, then 5 s, times 0.5-1.5 / (e - 3/2)");

	/* The codec table. */
	ok(sl_codec_by_name("pcmu") == sl_codec_by_pt(0) && sl_codec_by_name("PCMA") == sl_codec_by_pt(8),
	   "codecs by name in any case, and by payload type");
	ok(sl_codec_by_name("opus") == sl_codec_by_rtpmap("OPUS/48000/2") &&
	   sl_codec_by_rtpmap("opus/48000") == sl_codec_by_name("opus") &&
	   sl_codec_by_pt(9) == sl_codec_by_rtpmap("G722/8000"),
	   "Opus and G.722 by name, rtpmap (channels or not) and number");
	ok(sl_codec_by_name("speex") == NULL && sl_codec_by_pt(18) == NULL &&
	   sl_codec_by_rtpmap("G722/16000") == NULL && sl_codec_by_rtpmap("opus/4800") == NULL,
	   "unknown ones, or at another clock: none");
	is_str(sl_codec_names(), "pcmu, pcma, g722 or opus", "the names for messages");
	{
		const struct sl_codec *l[4];
		const char *bad;

		ok(sl_codec_list("opus,g722 PCMU", l, 4, &bad) == 3 && l[0] == sl_codec_by_name("opus") &&
		   l[2] == sl_codec_by_pt(0), "a list in its order, commas or spaces");
		ok(sl_codec_list("pcmu,gsm", l, 4, &bad) < 0 && strcmp(bad, "gsm") == 0,
		   "an unknown codec in a list is named");
		ok(sl_codec_list("pcmu,PCMU", l, 4, &bad) < 0 && sl_codec_list(",", l, 4, &bad) < 0,
		   "a codec twice, or none: refused");
		ok(sl_codec_defaults(l, 4) == 2 && l[0] == sl_codec_by_pt(0) && l[1] == sl_codec_by_pt(8),
		   "the default list: PCMU, PCMA");
	}
	ok(sl_codec_ptime_ok(sl_codec_by_name("opus"), 40) &&
	   !sl_codec_ptime_ok(sl_codec_by_name("opus"), 30), "Opus: 10, 20, 40, 60 ms frames");
	is_int(sl_codec_samples(sl_codec_by_pt(9), 16000, 20), 320, "20 ms of G.722: 320 samples");
	is_int(sl_codec_ticks(sl_codec_by_pt(9), 20), 160, "and 160 timestamp units");
	ok(sl_codec_ptime_ok(sl_codec_by_pt(0), 30) && !sl_codec_ptime_ok(sl_codec_by_pt(0), 5) &&
	   !sl_codec_ptime_ok(sl_codec_by_pt(0), 70), "G.711 takes 10 to 60 ms");
	is_int(sl_codec_samples(sl_codec_by_pt(8), 8000, 20), 160, "20 ms of G.711: 160 samples");
	is_int(sl_codec_by_pt(8)->silence, SL_ALAW_SILENCE, "A-law's silence");
	return done_testing();
}
