/* HTTP digest authentication for SIP (RFC 2617, RFC 7616, RFC 8760). */
#ifndef SIPLINE_DIGEST_H
#define SIPLINE_DIGEST_H

#include <stddef.h>
#include <osipparser2/osip_message.h>

/* Longest realm, nonce or opaque accepted from a challenge, NUL included. */
#define SL_DIGEST_FIELD_SIZE 256
/* Lowercase hex of the largest hash (SHA-256) and its NUL. */
#define SL_DIGEST_HEX_SIZE 65

enum sl_digest_alg {
	SL_DIGEST_MD5,
	SL_DIGEST_SHA256,
	SL_DIGEST_MD5_SESS,
	SL_DIGEST_SHA256_SESS,
};

struct sl_digest_challenge {
	int proxy;                  /* 1 = 407 Proxy-Authenticate, 0 = 401 WWW-Authenticate */
	enum sl_digest_alg alg;
	int qop_auth;               /* server offered qop=auth */
	int stale;                  /* stale=true: same credentials, new nonce */
	/* Unquoted and unescaped; opaque is "" when the challenge had none. */
	char realm[SL_DIGEST_FIELD_SIZE];
	char nonce[SL_DIGEST_FIELD_SIZE];
	char opaque[SL_DIGEST_FIELD_SIZE];
};

/* The algorithm's name as it goes in algorithm= ("MD5", "SHA-256-sess"...);
 * NULL for a value outside the enum. */
const char *sl_digest_alg_name(enum sl_digest_alg alg);

/* 1 when resp is a 401 carrying a Digest WWW-Authenticate, or a 407
 * carrying a Digest Proxy-Authenticate; 0 otherwise. */
int sl_digest_is_challenge(const osip_message_t *resp);

/* Picks the challenge to answer from a 401 (WWW-Authenticate) or 407
 * (Proxy-Authenticate) response: SHA-256 preferred over MD5 when both are
 * offered (RFC 8760 §2.4: one header per algorithm, in any order), plain
 * preferred over -sess, the first header on a tie.  Returns 0, ENOENT when
 * the response has no digest challenge (or is not a 401/407), ENOTSUP when
 * every digest challenge asks for something we do not support, with its
 * description copied (truncated if need be) into unsupported[] when that is
 * not NULL: the algorithm's name ("SHA-512-256", "AKAv1-MD5") or, for a
 * challenge whose qop list lacks "auth", "qop=" and the list; EINVAL for a
 * malformed challenge (no realm or nonce, an unterminated quote, control
 * characters), EMSGSIZE when a realm, nonce or opaque does not fit the
 * struct.  A supported well-formed challenge wins over malformed ones. */
int sl_digest_pick(const osip_message_t *response,
		   struct sl_digest_challenge *ch,
		   char *unsupported, size_t unsupported_size);

/* The response hash (lowercase hex, NUL-terminated) per RFC 2617 / RFC 7616:
 * HA1 = H(user:realm:password), for -sess H(H(user:realm:password):nonce:
 * cnonce); HA2 = H(method:uri); response = H(HA1:nonce:HA2) when qop is NULL,
 * H(HA1:nonce:nc:cnonce:qop:HA2) when qop is "auth" (nc and cnonce then
 * required; -sess always needs cnonce).  Returns 0 or EINVAL (a NULL
 * argument, an unknown alg, a qop other than "auth"). */
int sl_digest_response(enum sl_digest_alg alg, const char *user,
		       const char *realm, const char *password,
		       const char *method, const char *uri, const char *nonce,
		       const char *nc, const char *cnonce, const char *qop,
		       char out[SL_DIGEST_HEX_SIZE]);

/* Adds an Authorization (Proxy-Authorization when ch->proxy) header answering
 * ch to req, for req's method and Request-URI, as username user: username,
 * realm, nonce, uri, response, algorithm, opaque (when the challenge had
 * one), and with qop=auth also qop, nc (nc as %08x) and a fresh random
 * cnonce (-sess sends a cnonce too).  Any Authorization (resp.
 * Proxy-Authorization) header of req for the same realm is removed first, so
 * a retried request carries only the new one; the caller still gives the
 * retry a new CSeq and Via branch, and counts nc per nonce.  The password
 * only ever goes into the hash.  Returns 0, EINVAL (bad arguments, a
 * username with control characters, nc 0 with qop), ENOMEM, or the errno of
 * getrandom(2). */
int sl_digest_authorize(osip_message_t *req,
			const struct sl_digest_challenge *ch,
			const char *user, const char *password, unsigned nc);

#endif
