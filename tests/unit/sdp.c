/* Unit tests for lib/sdp.c: the offers the fuzz target (fuzz/sdp.c) found
 * mishandled, kept as regression tests, and the build/parse round trip. */
#include "sdp.h"
#include "tap.h"

#include <errno.h>
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

#define KEY "WVNfX19zZWN1cmVfcnRwX2tleV8xMjM0NTY3ODkw"
#define AUDIO(proto) HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 " proto " 0\r\n"

/* SRTP offer/answer (RFC 4568) in each mode. */
static void
srtp_cases(void)
{
	struct sl_sdp_stream offer, ours, answer;
	struct sl_sdes tx, rx;
	char buf[SL_SDP_MAX];
	const char *why;

	/* Our offers. */
	parse(AUDIO("RTP/AVP"), &ours);
	is_int(sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_MANDATORY, NULL), 0, "a mandatory offer");
	ok(ours.savp && ours.ncrypto == 2 && ours.crypto[0].tag == 1 &&
	   ours.crypto[0].suite == SL_SRTP_AES_CM_128_HMAC_SHA1_80 && ours.crypto[1].tag == 2 &&
	   ours.crypto[1].suite == SL_SRTP_AES_CM_128_HMAC_SHA1_32,
	   "is RTP/SAVP with _80 as tag 1 and _32 as tag 2");
	ok(memcmp(ours.crypto[0].key, ours.crypto[1].key, SL_SDES_KEYLEN) != 0,
	   "each with a key of its own");
	is_int(sl_sdp_build(&ours, 1, 1, buf, sizeof buf), 0, "it is built");
	ok(strstr(buf, "m=audio 4000 RTP/SAVP") != NULL &&
	   strstr(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") != NULL &&
	   strstr(buf, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:") != NULL,
	   "with RTP/SAVP and both a=crypto lines");
	is_int(sl_sdp_parse(buf, &offer, &why), 0, "it parses back");
	ok(offer.savp && offer.ncrypto == 2 && offer.crypto_lines == 2 &&
	   memcmp(offer.crypto[1].key, ours.crypto[1].key, SL_SDES_KEYLEN) == 0,
	   "with the same keys");
	is_int(sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_OPTIONAL, NULL), 0, "an optional offer");
	ok(!ours.savp && ours.ncrypto == 2, "is RTP/AVP with keys");
	is_int(sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_OFF, NULL), 0, "an offer with SRTP off");
	ok(!ours.savp && ours.ncrypto == 0, "is plain");

	/* Offers taken. */
	parse(AUDIO("RTP/SAVP") "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:" KEY "\r\n", &offer);
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OFF, NULL, &tx, &rx, &why), 488,
	       "RTP/SAVP with SRTP off: 488");
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OPTIONAL, NULL, &tx, &rx, &why), 0,
	       "RTP/SAVP taken when optional");
	ok(rx.tag == 7 && tx.tag == 7 && tx.suite == SL_SRTP_AES_CM_128_HMAC_SHA1_32 &&
	   rx.suite == tx.suite && memcmp(tx.key, rx.key, SL_SDES_KEYLEN) != 0,
	   "its key, and a fresh one of ours under its tag and suite");
	{
		struct sl_srtp_suites only80 = { { SL_SRTP_AES_CM_128_HMAC_SHA1_80 }, 1 };

		is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OPTIONAL, &only80, &tx, &rx,
					      &why), 488, "a suite we do not take: 488");
	}
	parse(AUDIO("RTP/AVP") "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY KEY "\r\n"
	      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\n", &offer);
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_MANDATORY, NULL, &tx, &rx, &why), 0,
	       "an unknown suite is skipped for the next line");
	is_int((int)rx.tag, 2, "the line of tag 2");
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OFF, NULL, &tx, &rx, &why), 0,
	       "keys over RTP/AVP with SRTP off: taken as plain");
	is_int(rx.suite, SL_SRTP_OFF, "no key");
	parse(AUDIO("RTP/AVP") "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short\r\n"
	      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\n", &offer);
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OPTIONAL, NULL, &tx, &rx, &why), 488,
	       "a malformed line beside a good one: 488 (RFC 4568 6.3)");
	parse(AUDIO("RTP/AVP"), &offer);
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_MANDATORY, NULL, &tx, &rx, &why), 488,
	       "plain RTP when mandatory: 488");
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OPTIONAL, NULL, &tx, &rx, &why), 0,
	       "plain RTP when optional: taken");
	parse(AUDIO("RTP/SAVP"), &offer);
	is_int(sl_sdp_srtp_take_offer(&offer, SL_SRTP_MODE_OPTIONAL, NULL, &tx, &rx, &why), 488,
	       "RTP/SAVP without a=crypto: 488");

	/* Answers to our offer. */
	sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_MANDATORY, NULL);
	parse(AUDIO("RTP/SAVP") "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY "\r\n", &answer);
	is_int(sl_sdp_srtp_check_answer(&ours, &answer, SL_SRTP_MODE_MANDATORY, &tx, &rx, &why),
	       0, "an answer taking our tag 2");
	ok(tx.tag == 2 && memcmp(tx.key, ours.crypto[1].key, SL_SDES_KEYLEN) == 0 &&
	   rx.suite == SL_SRTP_AES_CM_128_HMAC_SHA1_32, "our key of tag 2, its key");
	parse(AUDIO("RTP/SAVP") "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY "\r\n", &answer);
	is_int(sl_sdp_srtp_check_answer(&ours, &answer, SL_SRTP_MODE_MANDATORY, &tx, &rx, &why),
	       EINVAL, "an answer to a tag we never offered is unusable");
	parse(AUDIO("RTP/AVP"), &answer);
	is_int(sl_sdp_srtp_check_answer(&ours, &answer, SL_SRTP_MODE_MANDATORY, &tx, &rx, &why),
	       EINVAL, "a plain answer when mandatory is unusable");
	sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_OPTIONAL, NULL);
	is_int(sl_sdp_srtp_check_answer(&ours, &answer, SL_SRTP_MODE_OPTIONAL, &tx, &rx, &why),
	       0, "a plain answer when optional is plain RTP");
	is_int(rx.suite, SL_SRTP_OFF, "without keys");
	sl_sdp_srtp_offer(&ours, SL_SRTP_MODE_OFF, NULL);
	parse(AUDIO("RTP/SAVP"), &answer);
	is_int(sl_sdp_srtp_check_answer(&ours, &answer, SL_SRTP_MODE_OFF, &tx, &rx, &why),
	       EINVAL, "RTP/SAVP answering a plain offer is unusable");
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

	srtp_cases();
	done_testing();
	return 0;
}
