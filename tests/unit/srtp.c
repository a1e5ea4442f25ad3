/* Unit tests for lib/srtp.c: SRTP and SRTCP through libsrtp2 with each
 * suite: a round trip, the payload hidden on the wire, and a tampered,
 * replayed or wrongly keyed packet refused and counted. */
#include <errno.h>
#include <string.h>

#include "srtp.h"
#include "tap.h"

static size_t
rtp(uint8_t *buf, uint16_t seq)
{
	memset(buf, 0, 12);
	buf[0] = 0x80;
	buf[2] = seq >> 8;
	buf[3] = seq & 0xff;
	buf[7] = 160;
	buf[11] = 0x42;
	memset(buf + 12, 0xd5, 160);
	return 172;
}

static void
suite(enum sl_srtp_suite which, size_t tag)
{
	const char *name = sl_sdes_suite_name(which);
	struct sl_srtp *tx, *rx, *wrong;
	struct sl_sdes key, other;
	uint8_t buf[256], copy[256];
	uint8_t rtcp[64] = { 0x80, 200, 0, 6, 0, 0, 0, 0x42 };
	size_t len, clen;

	sl_sdes_new(1, which, &key);
	sl_sdes_new(1, which, &other);
	is_int(sl_srtp_new(&key, 1, &tx), 0, "%s: a sender", name);
	is_int(sl_srtp_new(&key, 0, &rx), 0, "%s: a receiver", name);
	is_int(sl_srtp_new(&other, 0, &wrong), 0, "%s: a receiver with another key", name);

	len = rtp(buf, 1);
	is_int(sl_srtp_protect(tx, 0, buf, &len, sizeof buf), 0, "%s: protected", name);
	is_int(len, 172 + tag, "%s: with a %zu-byte tag", name, tag);
	ok(buf[12] != 0xd5 || buf[13] != 0xd5 || buf[14] != 0xd5, "%s: the payload hidden", name);
	memcpy(copy, buf, len);
	clen = len;
	is_int(sl_srtp_unprotect(wrong, 0, copy, &clen), EACCES, "%s: another key: refused", name);
	is_int(sl_srtp_auth_fail(wrong), 1, "%s: and counted", name);
	memcpy(copy, buf, len);
	clen = len;
	copy[20] ^= 1;
	is_int(sl_srtp_unprotect(rx, 0, copy, &clen), EACCES, "%s: one bit flipped: refused", name);
	memcpy(copy, buf, len);
	clen = len;
	is_int(sl_srtp_unprotect(rx, 0, buf, &len), 0, "%s: unprotected", name);
	ok(len == 172 && buf[12] == 0xd5 && buf[171] == 0xd5, "%s: the payload back", name);
	is_int(sl_srtp_unprotect(rx, 0, copy, &clen), EACCES, "%s: replayed: refused", name);
	is_int(sl_srtp_auth_fail(rx), 2, "%s: tampered and replayed counted", name);

	len = 8;
	is_int(sl_srtp_protect(tx, 1, rtcp, &len, sizeof rtcp), 0, "%s: RTCP protected", name);
	is_int(len, 8 + 4 + 10, "%s: an SRTCP index and an 80-bit tag", name);
	is_int(sl_srtp_unprotect(rx, 1, rtcp, &len), 0, "%s: RTCP unprotected", name);
	is_int(len, 8, "%s: to its length", name);
	len = 170;
	is_int(sl_srtp_protect(tx, 0, buf, &len, 180), ENOSPC, "%s: no room for the tag", name);
	sl_srtp_free(tx);
	sl_srtp_free(rx);
	sl_srtp_free(wrong);
}

int
main(void)
{
	struct sl_sdes none = { 1, SL_SRTP_OFF, { 0 } };
	struct sl_srtp *s;

	suite(SL_SRTP_AES_CM_128_HMAC_SHA1_80, 10);
	suite(SL_SRTP_AES_CM_128_HMAC_SHA1_32, 4);
	is_int(sl_srtp_new(&none, 1, &s), EINVAL, "no suite: EINVAL");
	done_testing();
	return 0;
}
