/* Unit tests for lib/sdes.c: a=crypto lines (RFC 4568) read and written,
 * the suites we speak, and what is refused as unusable or malformed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sdes.h"
#include "tap.h"

/* The key of RFC 4568's examples: 30 bytes, 40 base64 characters. */
#define KEY "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

int
main(void)
{
	struct sl_sdes c, d;
	const char *why = NULL;
	char buf[SL_SDES_MAX];

	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY, &c, &why), 0,
	       "the RFC's example parses");
	is_int(c.tag, 1, "its tag");
	is_int(c.suite, SL_SRTP_AES_CM_128_HMAC_SHA1_80, "its suite");
	ok(c.key[0] == 0x3d && c.key[29] == 0x51, "its key decoded");
	is_int(sl_sdes_format(&c, buf, sizeof buf), 0, "written back");
	is_str(buf, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY, "as it was");
	is_int(sl_sdes_parse("42 AES_CM_128_HMAC_SHA1_32 inline:" KEY "|2^20\r\n", &c, &why), 0,
	       "_32 with a lifetime and a line end");
	is_int(c.tag, 42, "tag 42");
	is_int(c.suite, SL_SRTP_AES_CM_128_HMAC_SHA1_32, "suite _32");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|1048576", &c, &why), 0,
	       "a lifetime in digits");

	/* Usable by others, not by us: skip the line (ENOTSUP). */
	is_int(sl_sdes_parse("1 AES_256_CM_HMAC_SHA1_80 inline:" KEY, &c, &why), ENOTSUP,
	       "another suite: not supported");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|2^20|1:4", &c, &why),
	       ENOTSUP, "an MKI: not supported");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|2^49", &c, &why), ENOTSUP,
	       "a lifetime past 2^48: not supported");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|1:4;inline:" KEY "|2:4",
			     &c, &why), ENOTSUP, "several keys: not supported");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY " KDR=1", &c, &why), ENOTSUP,
	       "a session parameter: not supported");

	/* Malformed (EINVAL), each with a reason. */
	why = NULL;
	is_int(sl_sdes_parse("AES_CM_128_HMAC_SHA1_80 inline:" KEY, &c, &why), EINVAL, "no tag");
	ok(why != NULL && strstr(why, "tag") != NULL, "said: %s", why ? why : "(nothing)");
	is_int(sl_sdes_parse("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY, &c, &why), EINVAL,
	       "a tag of 10 digits");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80", &c, &why), EINVAL, "no key");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 uri:http://x", &c, &why), EINVAL,
	       "a key method other than inline");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", &c, &why), EINVAL,
	       "a short key");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "AAAA", &c, &why), EINVAL,
	       "a long key");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!",
			     &c, &why), EINVAL, "a character that is not base64");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|2^x", &c, &why), EINVAL,
	       "a malformed lifetime");
	is_int(sl_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|1:", &c, &why), EINVAL,
	       "a malformed MKI");
	is_int(sl_sdes_parse("", &c, &why), EINVAL, "empty");

	/* Fresh keys differ and survive a round trip. */
	is_int(sl_sdes_new(7, SL_SRTP_AES_CM_128_HMAC_SHA1_32, &c), 0, "a fresh key");
	is_int(sl_sdes_new(7, SL_SRTP_AES_CM_128_HMAC_SHA1_32, &d), 0, "another");
	ok(memcmp(c.key, d.key, SL_SDES_KEYLEN) != 0, "they differ");
	is_int(sl_sdes_format(&c, buf, sizeof buf), 0, "written");
	is_int(sl_sdes_parse(buf, &d, &why), 0, "read back");
	ok(d.tag == 7 && d.suite == c.suite && memcmp(c.key, d.key, SL_SDES_KEYLEN) == 0,
	   "the same tag, suite and key");
	is_int(sl_sdes_format(&c, buf, 20), ENOSPC, "too small a buffer: ENOSPC");

	/* The key file line of rtp-send and rtp-recv. */
	is_int(sl_sdes_read_line("AES_CM_128_HMAC_SHA1_80 " KEY "\n", &c, &why), 0,
	       "a key file line");
	is_int(c.suite, SL_SRTP_AES_CM_128_HMAC_SHA1_80, "its suite");
	is_int(sl_sdes_read_line("AES_CM_128_HMAC_SHA1_80", &c, &why), EINVAL,
	       "a key file line without a key");
	is_str(sl_sdes_suite_name(SL_SRTP_OFF), "off", "no suite is named off");

	/* The hand-off's two lines (RTP_SRTP_KEY_FD), read from the start by
	 * each reader whatever the descriptor's offset. */
	{
		struct sl_sdes a, b;
		char text[200];
		FILE *f = tmpfile();
		int fd = fileno(f);

		is_int(sl_sdes_new(1, SL_SRTP_AES_CM_128_HMAC_SHA1_80, &c), 0, "our key");
		is_int(sl_sdes_new(1, SL_SRTP_AES_CM_128_HMAC_SHA1_80, &d), 0, "the peer's");
		is_int(sl_sdes_format_line(&c, text, sizeof text), 0, "a key line");
		is_int(sl_sdes_format_line(&d, text + strlen(text), sizeof text - strlen(text)),
		       0, "another");
		ok(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "written to a file");
		is_int(sl_sdes_read_pair_fd(fd, &a, &b, &why), 0, "read at its end");
		ok(memcmp(a.key, c.key, SL_SDES_KEYLEN) == 0 &&
		   memcmp(b.key, d.key, SL_SDES_KEYLEN) == 0, "ours first, the peer's second");
		is_int(sl_sdes_read_pair_fd(fd, &a, &b, &why), 0, "read again, by another");
		ok(memcmp(b.key, d.key, SL_SDES_KEYLEN) == 0, "the same");
		fclose(f);
		is_int(sl_srtp_mode_parse("mandatory"), SL_SRTP_MODE_MANDATORY, "mandatory");
		is_int(sl_srtp_mode_parse("on"), -1, "no mode named on");
	}
	{
		struct sl_srtp_suites su;
		const char *bad;

		is_int(sl_srtp_suites_parse("AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80",
					    &su, &bad), 0, "a list of suites");
		ok(su.n == 2 && su.suite[0] == SL_SRTP_AES_CM_128_HMAC_SHA1_32, "in its order");
		is_int(sl_srtp_suites_parse("AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_32",
					    &su, &bad), EINVAL, "a suite twice");
		is_int(sl_srtp_suites_parse("AES_256_CM_HMAC_SHA1_80", &su, &bad), EINVAL,
		       "a suite we lack");
	}
	done_testing();
	return 0;
}
