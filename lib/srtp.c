/* SRTP and SRTCP through libsrtp2 (see srtp.h), loaded when the first
 * SRTP session starts (dynlib.h says why). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "dynlib.h"
#include "srtp.h"

/* The libsrtp2 functions called here; FN(f) is f as loaded. */
#define SRTP_FUNCS(X)                                                   \
	X(srtp_init) X(srtp_create) X(srtp_dealloc) X(srtp_protect)     \
	X(srtp_unprotect) X(srtp_protect_rtcp) X(srtp_unprotect_rtcp)   \
	X(srtp_crypto_policy_set_rtp_default)                           \
	X(srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32)
SL_DYNLIB(libsrtp2, SL_LIBSRTP2_SONAME, SRTP_FUNCS);
#define FN(f) SL_DYNLIB_FN(libsrtp2, f)

struct sl_srtp {
	srtp_t ctx;
	unsigned long auth_fail;
};

/* Returns 0, or ELIBACC (said) when libsrtp2 cannot be loaded, EIO when it
 * does not start. */
static int
init_once(void)
{
	static int done;
	int err;

	if (!done) {
		if ((err = sl_dynlib_load(&libsrtp2)) != 0)
			return err;
		if (FN(srtp_init)() != srtp_err_status_ok)
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

	int err;

	if ((err = init_once()) != 0)
		return err;
	memset(&p, 0, sizeof p);
	switch (key->suite) {
	case SL_SRTP_AES_CM_128_HMAC_SHA1_80:
		/* ..._aes_cm_128_hmac_sha1_80 is a macro for it. */
		FN(srtp_crypto_policy_set_rtp_default)(&p.rtp);
		break;
	case SL_SRTP_AES_CM_128_HMAC_SHA1_32:
		FN(srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32)(&p.rtp);
		break;
	default:
		return EINVAL;
	}
	/* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag with either suite. */
	FN(srtp_crypto_policy_set_rtp_default)(&p.rtcp);
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	memcpy(k, key->key, sizeof k);
	p.key = k;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		sl_wipe(k, sizeof k);
		return ENOMEM;
	}
	if (FN(srtp_create)(&s->ctx, &p) != srtp_err_status_ok) {
		sl_wipe(k, sizeof k);
		free(s);
		return EIO;
	}
	sl_wipe(k, sizeof k);
	*out = s;
	return 0;
}

void
sl_srtp_free(struct sl_srtp *s)
{
	if (s == NULL)
		return;
	FN(srtp_dealloc)(s->ctx);
	free(s);
}

int
sl_srtp_protect(struct sl_srtp *s, int rtcp, uint8_t *buf, size_t *len, size_t size)
{
	int n = (int)*len;
	srtp_err_status_t e;

	if (*len + SL_SRTP_TRAILER > size)
		return ENOSPC;
	e = rtcp ? FN(srtp_protect_rtcp)(s->ctx, buf, &n) : FN(srtp_protect)(s->ctx, buf, &n);
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

	e = rtcp ? FN(srtp_unprotect_rtcp)(s->ctx, buf, &n) : FN(srtp_unprotect)(s->ctx, buf, &n);
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
