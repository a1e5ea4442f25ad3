/* Unit tests for lib/sdp.c: the offers the fuzz target (fuzz/sdp.c) found
 * mishandled, kept as regression tests, and the build/parse round trip. */
#include "sdp.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define HEAD "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"

/* Parses text; returns sl_sdp_parse's result. */
static int
parse(const char *text, struct sl_sdp_stream *st)
{
	const char *why = NULL;

	return sl_sdp_parse(text, st, &why);
}

int
main(void)
{
	struct sl_sdp_stream st, back;
	char buf[SL_SDP_MAX], host[SL_ADDR_STRLEN];
	const char *why;

	is_int(parse(HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\n", &st), 0, "a plain offer parses");
	is_str(sl_addr_str(&st.addr, host), "127.0.0.1:4000", "its address");
	is_int(st.dtmf_pt, 101, "its telephone-event");

	/* inet_aton shorthands are not RFC 4566 addresses. */
	ok(parse(HEAD "c=IN IP4 0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st) != 0,
	   "c=IN IP4 0.0.0 is refused");
	ok(parse(HEAD "c=IN IP4 2130706433\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st) != 0,
	   "c=IN IP4 2130706433 is refused");
	ok(parse(HEAD "c=IN IP4 localhost\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st) != 0,
	   "a host name is refused (never resolved)");
	ok(parse(HEAD "c=IN IP4 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st) != 0,
	   "an IPv6 address under IP4 is refused");
	is_int(parse(HEAD "c=IN IP6 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st), 0,
	       "c=IN IP6 ::1 is taken");
	is_int(parse(HEAD "c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", &st), 0,
	       "c=IN IP4 0.0.0.0 parses");
	is_int(st.addr.len, 0, "and means hold: no address");

	/* libosip2 read past the end of this one (ASan shows it). */
	ok(parse(HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/A\n", &st) != 0,
	   "an m= line cut short at the very end is refused, without reading past it");

	/* A non-numeric rtpmap payload type was read as 0 (PCMU). */
	is_int(parse(HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
		     "a=rtpmap:*101 telephone-event/8000\r\n", &st), 0,
	       "an offer with a malformed rtpmap parses");
	is_int(st.dtmf_pt, -1, "its malformed telephone-event rtpmap is ignored");
	is_int(st.npts, 1, "PCMU stays the only codec");

	/* What we understood, written and read back, is the same stream. */
	is_int(parse(HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0 101\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\na=sendonly\r\n", &st), 0,
	       "an offer for the round trip parses");
	is_int(sl_sdp_build(&st, 1, 1, buf, sizeof buf), 0, "it is built again");
	is_int(sl_sdp_parse(buf, &back, &why), 0, "and parses again");
	ok(sl_addr_equal(&st.addr, &back.addr) && st.npts == back.npts &&
	   st.pts[0] == back.pts[0] && st.pts[1] == back.pts[1] && st.dtmf_pt == back.dtmf_pt &&
	   st.ptime == back.ptime && st.dir == back.dir, "into the same stream");
	done_testing();
	return 0;
}
