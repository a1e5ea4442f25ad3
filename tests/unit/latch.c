/* Unit tests for lib/latch.c, symmetric RTP: which source the media takes
 * for the peer, packet by packet: the SDP's own address, a NAT's, strays
 * before and after the latch, and the end of the window. */
#include <string.h>

#include "addr.h"
#include "latch.h"
#include "tap.h"

#define MS 1000000LL

static struct sl_addr
addr(const char *spec)
{
	struct sl_addr a;

	sl_addr_parse(spec, 0, 0, &a);
	return a;
}

/* n packets (ssrc, seq from seq0) of payload type pt from src at now;
 * the verdict of the last. */
static enum sl_latch_verdict
from(struct sl_latch *l, const char *src, int pt, uint32_t ssrc, uint16_t seq0,
     int n, int64_t now)
{
	struct sl_addr a = addr(src);
	struct sl_rtp_packet p;
	enum sl_latch_verdict v = SL_LATCH_DROP;
	int i;

	memset(&p, 0, sizeof p);
	p.pt = pt;
	p.ssrc = ssrc;
	for (i = 0; i < n; i++) {
		p.seq = (uint16_t)(seq0 + i);
		v = sl_latch_packet(l, &a, &p, now);
	}
	return v;
}

int
main(void)
{
	struct sl_latch l;
	struct sl_addr sdp = addr("10.0.0.5:4000");
	char buf[SL_ADDR_STRLEN];
	int64_t t = 1000 * MS;

	/* The SDP address sends: played at once, latched (confirmed) on the
	 * third packet. */
	sl_latch_init(&l, &sdp, 0, 0, t);
	is_int(from(&l, "10.0.0.5:4000", 0, 1, 10, 1, t), SL_LATCH_PLAY, "SDP address: played at once");
	is_int(from(&l, "10.0.0.5:4000", 0, 1, 11, 1, t), SL_LATCH_PLAY, "second: played");
	is_int(from(&l, "10.0.0.5:4000", 0, 1, 12, 1, t), SL_LATCH_LATCHED, "third: latched");
	ok(sl_addr_equal(&l.peer, &sdp), "to the SDP address");
	is_int(from(&l, "192.0.2.7:31000", 0, 9, 0, 5, t), SL_LATCH_DROP,
	       "after it, another source is not heard");

	/* Behind NAT: the RTP comes from elsewhere; two packets dropped,
	 * the third latches. */
	sl_latch_init(&l, &sdp, 0, 0, t);
	is_int(from(&l, "192.0.2.7:31000", 0, 7, 100, 2, t), SL_LATCH_DROP,
	       "NAT: not the SDP's, not yet latched: dropped");
	is_int(from(&l, "192.0.2.7:31000", 0, 7, 102, 1, t), SL_LATCH_LATCHED, "NAT: the third latches");
	is_str(sl_addr_str(&l.peer, buf), "192.0.2.7:31000", "NAT: to where the RTP comes from");
	is_int(from(&l, "192.0.2.7:31000", 0, 7, 103, 1, t), SL_LATCH_PLAY, "NAT: played from then on");
	is_int(from(&l, "10.0.0.5:4000", 0, 7, 104, 3, t), SL_LATCH_DROP,
	       "NAT: the SDP address is no longer heard");

	/* Strays: other payload types, broken sequences, two sources
	 * interleaved: none counts up to a latch. */
	sl_latch_init(&l, &sdp, 8, 8, t);
	is_int(from(&l, "198.51.100.1:5000", 0, 3, 0, 5, t), SL_LATCH_DROP,
	       "another payload type: no latch");
	is_int(from(&l, "198.51.100.1:5000", 8, 3, 0, 2, t), SL_LATCH_DROP, "two of the right one");
	is_int(from(&l, "198.51.100.2:5000", 8, 4, 2, 1, t), SL_LATCH_DROP, "another source between");
	is_int(from(&l, "198.51.100.1:5000", 8, 3, 2, 1, t), SL_LATCH_DROP, "so the first starts over");
	is_int(from(&l, "198.51.100.1:5000", 8, 3, 4, 1, t), SL_LATCH_DROP, "a gap in the sequence too");
	is_int(from(&l, "198.51.100.1:5000", 8, 5, 5, 1, t), SL_LATCH_DROP, "another SSRC too");
	ok(l.state == SL_LATCH_OPEN, "still open");
	is_int(from(&l, "198.51.100.1:5000", 8, 5, 6, 2, t), SL_LATCH_LATCHED,
	       "three in sequence latch");

	/* The window: no latch in its first 10 s, none after; the SDP
	 * address it is. */
	sl_latch_init(&l, &sdp, 0, 0, t);
	ok(!sl_latch_expired(&l, t + 9999 * MS), "window: open at 9.999 s");
	is_int(from(&l, "192.0.2.7:31000", 0, 7, 0, 3, t + 10000 * MS), SL_LATCH_DROP,
	       "window: no latch at 10 s");
	ok(sl_latch_expired(&l, t + 10000 * MS), "window: over at 10 s");
	ok(!sl_latch_expired(&l, t + 10001 * MS), "said once");
	ok(sl_addr_equal(&l.peer, &sdp), "window: the SDP address");
	is_int(from(&l, "10.0.0.5:4000", 0, 1, 0, 1, t + 11000 * MS), SL_LATCH_PLAY,
	       "window: which is heard");
	is_int(from(&l, "192.0.2.7:31000", 0, 7, 3, 5, t + 11000 * MS), SL_LATCH_DROP,
	       "window: a stray never is");
	return done_testing();
}
