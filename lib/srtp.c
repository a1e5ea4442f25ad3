/* SRTP and SRTCP through libsrtp2 (see srtp.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "srtp.h"

struct sl_srtp {
	srtp_t ctx;
	unsigned long auth_fail;
};

static int
init_once(void)
{
	static int done;

	if (!done) {
		if (srtp_init() != srtp_err_status_ok)
			return EIO;
		done = 1;
	}
	return 0;
}

int
sl_srtp_new(const struct sl_sdes *key, int outbound, struct sl_srtp **out)
{
	srtp_policy_t p;
	struct sl_srtp *s;
	unsigned char k[SL_SDES_KEYLEN];

	if (init_once() != 0)
		return EIO;
	memset(&p, 0, sizeof p);
	switch (key->suite) {
	case SL_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		break;
	case SL_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		break;
	default:
		return EINVAL;
	}
	/* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag with either suite. */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	memcpy(k, key->key, sizeof k);
	p.key = k;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		OPENSSL_cleanse(k, sizeof k);
		return ENOMEM;
	}
	if (srtp_create(&s->ctx, &p) != srtp_err_status_ok) {
		OPENSSL_cleanse(k, sizeof k);
		free(s);
		return EIO;
	}
	OPENSSL_cleanse(k, sizeof k);
	*out = s;
	return 0;
}

void
sl_srtp_free(struct sl_srtp *s)
{
	if (s == NULL)
		return;
	srtp_dealloc(s->ctx);
	free(s);
}

int
sl_srtp_protect(struct sl_srtp *s, int rtcp, uint8_t *buf, size_t *len, size_t size)
{
	int n = (int)*len;
	srtp_err_status_t e;

	if (*len + SL_SRTP_TRAILER > size)
		return ENOSPC;
	e = rtcp ? srtp_protect_rtcp(s->ctx, buf, &n) : srtp_protect(s->ctx, buf, &n);
	if (e != srtp_err_status_ok)
		return EIO;
	*len = (size_t)n;
	return 0;
}

int
sl_srtp_unprotect(struct sl_srtp *s, int rtcp, uint8_t *buf, size_t *len)
{
	int n = (int)*len;
	srtp_err_status_t e;

	e = rtcp ? srtp_unprotect_rtcp(s->ctx, buf, &n) : srtp_unprotect(s->ctx, buf, &n);
	switch (e) {
	case srtp_err_status_ok:
		*len = (size_t)n;
		return 0;
	case srtp_err_status_auth_fail:
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		s->auth_fail++;
		return EACCES;
	default:
		return EINVAL;
	}
}

unsigned long
sl_srtp_auth_fail(const struct sl_srtp *s)
{
	return s->auth_fail;
}
