/* Unit tests for lib/digest.c: the published RFC vectors, choosing a
 * challenge from parsed 401/407 responses, and the Authorization header as it
 * goes on the wire. */
#include "digest.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#define PASSWORD "s3cr3t-Pa55w0rd"

static const char request_text[] =
	"REGISTER sip:sipline.test SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-unit-1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@sipline.test>;tag=unit1\r\n"
	"To: <sip:alice@sipline.test>\r\n"
	"Call-ID: unit-call-1\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sip:alice@127.0.0.1:5061>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* Parses SIP text; NULL (and a failed test) when libosip2 refuses it. */
static osip_message_t *
parse(const char *text)
{
	osip_message_t *m;

	if (osip_message_init(&m) != 0)
		return NULL;
	if (osip_message_parse(m, text, strlen(text)) != 0) {
		ok(0, "libosip2 parses the test message");
		osip_message_free(m);
		return NULL;
	}
	return m;
}

/* A response with status code and the given extra header lines. */
static osip_message_t *
response(int code, const char *headers)
{
	char *text;
	osip_message_t *m;
	size_t size = strlen(headers) + 512;

	text = malloc(size);
	if (text == NULL)
		return NULL;
	snprintf(text, size,
		 "SIP/2.0 %d Unauthorized\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-unit-1\r\n"
		 "From: <sip:alice@sipline.test>;tag=unit1\r\n"
		 "To: <sip:alice@sipline.test>;tag=srv\r\n"
		 "Call-ID: unit-call-1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n"
		 "\r\n", code, headers);
	m = parse(text);
	free(text);
	return m;
}

/* sl_digest_pick on a response built from code and headers; returns its
 * result, with the unsupported name in unsup (64 bytes). */
static int
pick(int code, const char *headers, struct sl_digest_challenge *ch,
     char *unsup)
{
	osip_message_t *m = response(code, headers);
	int err;

	if (m == NULL)
		return -1;
	err = sl_digest_pick(m, ch, unsup, 64);
	osip_message_free(m);
	return err;
}

static void
test_vectors(void)
{
	char out[SL_DIGEST_HEX_SIZE];
	const char *nonce7616 = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	const char *cnonce7616 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	const char *nonce2617 = "dcd98b7102dd2f0e8b11d0f600bfb0c093";

	/* RFC 2617 §3.5 */
	is_int(sl_digest_response(SL_DIGEST_MD5, "Mufasa", "testrealm@host.com",
				  "Circle Of Life", "GET", "/dir/index.html",
				  nonce2617, "00000001", "0a4f113b", "auth", out),
	       0, "RFC 2617 vector: returns 0");
	is_str(out, "6629fae49393a05397450978507c4ef1", "RFC 2617 §3.5 MD5 qop=auth");

	/* RFC 7616 §3.9.1 */
	sl_digest_response(SL_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
			   "Circle of Life", "GET", "/dir/index.html", nonce7616,
			   "00000001", cnonce7616, "auth", out);
	is_str(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	       "RFC 7616 §3.9.1 SHA-256 qop=auth");
	sl_digest_response(SL_DIGEST_MD5, "Mufasa", "http-auth@example.org",
			   "Circle of Life", "GET", "/dir/index.html", nonce7616,
			   "00000001", cnonce7616, "auth", out);
	is_str(out, "8ca523f5e9506fed4657c9700eebdbec", "RFC 7616 §3.9.1 MD5 qop=auth");

	/* Without qop (RFC 2069 style).  Computed independently with:
	 *   m() { printf %s "$1" | md5sum | cut -d' ' -f1; }
	 *   HA1=$(m 'Mufasa:testrealm@host.com:Circle Of Life')
	 *   HA2=$(m 'GET:/dir/index.html')
	 *   m "$HA1:dcd98b7102dd2f0e8b11d0f600bfb0c093:$HA2"
	 * and the same with sha256sum for SHA-256. */
	sl_digest_response(SL_DIGEST_MD5, "Mufasa", "testrealm@host.com",
			   "Circle Of Life", "GET", "/dir/index.html", nonce2617,
			   NULL, NULL, NULL, out);
	is_str(out, "670fd8c2df070c60b045671b8b24ff02", "MD5 without qop");
	sl_digest_response(SL_DIGEST_SHA256, "Mufasa", "testrealm@host.com",
			   "Circle Of Life", "GET", "/dir/index.html", nonce2617,
			   NULL, NULL, NULL, out);
	is_str(out, "e71f89d8267982ee1cd4dfb3637698eaf2f55848fe056aee7be175262aab5d2a",
	       "SHA-256 without qop");

	/* -sess: HA1 = H(H(user:realm:pass):nonce:cnonce), computed as
	 *   S1=$(m "$HA1:dcd98b7102dd2f0e8b11d0f600bfb0c093:0a4f113b")
	 *   m "$S1:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:$HA2" */
	sl_digest_response(SL_DIGEST_MD5_SESS, "Mufasa", "testrealm@host.com",
			   "Circle Of Life", "GET", "/dir/index.html", nonce2617,
			   "00000001", "0a4f113b", "auth", out);
	is_str(out, "8e3825c57e897f5a0dec6c2d4e5059d0", "MD5-sess qop=auth");
	sl_digest_response(SL_DIGEST_SHA256_SESS, "Mufasa", "testrealm@host.com",
			   "Circle Of Life", "GET", "/dir/index.html", nonce2617,
			   "00000001", "0a4f113b", "auth", out);
	is_str(out, "b8822e12417cb7750f4e2b8515f0dcf25b7dd26993e80bee1426201446a7f59b",
	       "SHA-256-sess qop=auth");

	is_int(sl_digest_response(SL_DIGEST_MD5, "u", "r", NULL, "GET", "/", "n",
				  NULL, NULL, NULL, out), EINVAL,
	       "response: NULL password is EINVAL");
	is_int(sl_digest_response(SL_DIGEST_MD5, "u", "r", "p", "GET", "/", "n",
				  "00000001", NULL, "auth", out), EINVAL,
	       "response: qop without cnonce is EINVAL");
	is_int(sl_digest_response(SL_DIGEST_MD5, "u", "r", "p", "GET", "/", "n",
				  "00000001", "c", "auth-int", out), EINVAL,
	       "response: qop=auth-int is EINVAL");
	is_int(sl_digest_response(SL_DIGEST_MD5_SESS, "u", "r", "p", "GET", "/",
				  "n", NULL, NULL, NULL, out), EINVAL,
	       "response: -sess without cnonce is EINVAL");
	is_int(sl_digest_response((enum sl_digest_alg)42, "u", "r", "p", "GET",
				  "/", "n", NULL, NULL, NULL, out), EINVAL,
	       "response: unknown algorithm is EINVAL");

	is_str(sl_digest_alg_name(SL_DIGEST_MD5), "MD5", "alg name MD5");
	is_str(sl_digest_alg_name(SL_DIGEST_SHA256), "SHA-256", "alg name SHA-256");
	is_str(sl_digest_alg_name(SL_DIGEST_MD5_SESS), "MD5-sess", "alg name MD5-sess");
	is_str(sl_digest_alg_name(SL_DIGEST_SHA256_SESS), "SHA-256-sess",
	       "alg name SHA-256-sess");
}

static void
test_pick(void)
{
	struct sl_digest_challenge ch;
	char unsup[64], *hdr;
	osip_message_t *m;
	size_t i;

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"sipline.test\", "
		    "nonce=\"abc123\", qop=\"auth\", algorithm=MD5\r\n", &ch, unsup),
	       0, "single MD5 challenge: picked");
	is_int(ch.alg, SL_DIGEST_MD5, "single MD5 challenge: MD5");
	is_int(ch.qop_auth, 1, "single MD5 challenge: qop=auth");
	is_int(ch.proxy, 0, "401: proxy=0");
	is_int(ch.stale, 0, "no stale: stale=0");
	is_str(ch.realm, "sipline.test", "realm comes unquoted");
	is_str(ch.nonce, "abc123", "nonce comes unquoted");
	is_str(ch.opaque, "", "no opaque: empty");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n",
		    &ch, unsup), 0, "no algorithm: picked");
	is_int(ch.alg, SL_DIGEST_MD5, "no algorithm means MD5");
	is_int(ch.qop_auth, 0, "no qop: qop_auth=0");

	is_int(pick(401,
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n-sha\", "
		    "algorithm=SHA-256, qop=\"auth\"\r\n"
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n-md5\", "
		    "algorithm=MD5, qop=\"auth\"\r\n", &ch, unsup),
	       0, "SHA-256 then MD5: picked");
	is_int(ch.alg, SL_DIGEST_SHA256, "SHA-256 then MD5: SHA-256 chosen");
	is_str(ch.nonce, "n-sha", "SHA-256 then MD5: the SHA-256 nonce");
	is_int(pick(401,
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n-md5\", "
		    "algorithm=MD5, qop=\"auth\"\r\n"
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n-sha\", "
		    "algorithm=SHA-256, qop=\"auth\"\r\n", &ch, unsup),
	       0, "MD5 then SHA-256: picked");
	is_int(ch.alg, SL_DIGEST_SHA256, "MD5 then SHA-256: SHA-256 chosen");
	is_str(ch.nonce, "n-sha", "MD5 then SHA-256: the SHA-256 nonce");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "algorithm=SHA-512-256, qop=\"auth\"\r\n", &ch, unsup),
	       ENOTSUP, "only SHA-512-256: ENOTSUP");
	is_str(unsup, "SHA-512-256", "only SHA-512-256: name reported");
	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "algorithm=AKAv1-MD5\r\n", &ch, unsup),
	       ENOTSUP, "only AKAv1-MD5: ENOTSUP");
	is_str(unsup, "AKAv1-MD5", "only AKAv1-MD5: name reported");
	is_int(pick(401,
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", "
		    "algorithm=SHA-512-256\r\n"
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", "
		    "algorithm=MD5\r\n", &ch, unsup),
	       0, "SHA-512-256 and MD5: picked");
	is_int(ch.alg, SL_DIGEST_MD5, "SHA-512-256 and MD5: MD5 chosen");
	is_str(unsup, "", "a pick clears unsupported[]");
	m = response(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		     "algorithm=AKAv1-MD5\r\n");
	is_int(m ? sl_digest_pick(m, &ch, NULL, 0) : -1, ENOTSUP,
	       "unsupported with no name buffer: ENOTSUP");
	osip_message_free(m);

	is_int(pick(407, "Proxy-Authenticate: Digest realm=\"proxy.test\", "
		    "nonce=\"pn\", qop=\"auth\"\r\n", &ch, unsup),
	       0, "407: picked");
	is_int(ch.proxy, 1, "407: proxy=1");
	is_str(ch.realm, "proxy.test", "407: proxy realm");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "stale=true\r\n", &ch, unsup), 0, "stale=true: picked");
	is_int(ch.stale, 1, "stale=true: stale=1");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "stale=TRUE\r\n", &ch, unsup);
	is_int(ch.stale, 1, "stale=TRUE: stale=1");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "stale=\"true\"\r\n", &ch, unsup);
	is_int(ch.stale, 1, "stale=\"true\": stale=1");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "stale=false\r\n", &ch, unsup);
	is_int(ch.stale, 0, "stale=false: stale=0");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "algorithm=\"SHA-256\"\r\n", &ch, unsup),
	       0, "quoted algorithm: picked");
	is_int(ch.alg, SL_DIGEST_SHA256, "algorithm=\"SHA-256\": SHA-256");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "algorithm=sha-256\r\n", &ch, unsup);
	is_int(ch.alg, SL_DIGEST_SHA256, "algorithm=sha-256: SHA-256");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "algorithm=\"md5\"\r\n", &ch, unsup);
	is_int(ch.alg, SL_DIGEST_MD5, "algorithm=\"md5\": MD5");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "algorithm=MD5-sess, qop=\"auth\"\r\n", &ch, unsup);
	is_int(ch.alg, SL_DIGEST_MD5_SESS, "algorithm=MD5-sess: MD5-sess");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "algorithm=SHA-256-SESS\r\n", &ch, unsup);
	is_int(ch.alg, SL_DIGEST_SHA256_SESS, "algorithm=SHA-256-SESS: SHA-256-sess");
	is_int(pick(401,
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", "
		    "algorithm=MD5-sess\r\n"
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", "
		    "algorithm=MD5\r\n", &ch, unsup), 0, "MD5-sess and MD5: picked");
	is_int(ch.alg, SL_DIGEST_MD5, "MD5-sess and MD5: plain MD5 chosen");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "qop=\"auth-int,auth\"\r\n", &ch, unsup),
	       0, "qop=\"auth-int,auth\": picked");
	is_int(ch.qop_auth, 1, "qop=\"auth-int,auth\": qop_auth=1");
	pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	     "qop=\"auth, auth-int\"\r\n", &ch, unsup);
	is_int(ch.qop_auth, 1, "qop=\"auth, auth-int\": qop_auth=1");
	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
		    "qop=\"auth-int\"\r\n", &ch, unsup),
	       ENOTSUP, "qop=\"auth-int\" alone: ENOTSUP");
	is_str(unsup, "qop=auth-int", "qop=\"auth-int\" alone: reported");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", opaque=\"op/aq\", "
		    "nonce=\"n\\\"q\"\r\n", &ch, unsup), 0,
	       "escaped quote in nonce: picked");
	is_str(ch.nonce, "n\"q", "escaped quote in nonce: unescaped");
	is_str(ch.opaque, "op/aq", "opaque: unquoted");

	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", qop=\"auth\"\r\n",
		    &ch, unsup), EINVAL, "missing nonce: EINVAL");
	is_int(pick(401, "WWW-Authenticate: Digest nonce=\"n\", qop=\"auth\"\r\n",
		    &ch, unsup), EINVAL, "missing realm: EINVAL");
	/* libosip2 reads an unquoted qop as a quoted-string and swallows the
	 * next parameter's value: refuse rather than answer the wrong nonce. */
	is_int(pick(401, "WWW-Authenticate: Digest realm=\"r\", qop=auth, "
		    "nonce=\"n\"\r\n", &ch, unsup), EINVAL,
	       "unquoted qop before nonce (libosip2 mis-parse): EINVAL");
	is_int(pick(401,
		    "WWW-Authenticate: Digest realm=\"r\", algorithm=SHA-256\r\n"
		    "WWW-Authenticate: Digest realm=\"r\", nonce=\"good\"\r\n",
		    &ch, unsup), 0, "malformed SHA-256 and good MD5: picked");
	is_str(ch.nonce, "good", "malformed SHA-256 and good MD5: MD5 used");

	/* 255 characters fit, 256 do not, 100000 do not and do not overflow. */
	for (i = 0; i < 3; i++) {
		static const size_t lens[] = { 255, 256, 100000 };
		size_t n = lens[i], size = n + 128;

		hdr = malloc(size);
		if (hdr == NULL)
			break;
		memcpy(hdr, "WWW-Authenticate: Digest realm=\"r\", nonce=\"", 43);
		memset(hdr + 43, 'x', n);
		snprintf(hdr + 43 + n, size - 43 - n, "\"\r\n");
		is_int(pick(401, hdr, &ch, unsup), i == 0 ? 0 : EMSGSIZE,
		       "%zu-character nonce: %s", n, i == 0 ? "fits" : "EMSGSIZE");
		if (i == 0)
			is_int(strlen(ch.nonce), 255, "255-character nonce kept whole");
		free(hdr);
	}

	is_int(pick(401, "", &ch, unsup), ENOENT, "401 without challenge: ENOENT");
	is_int(pick(401, "WWW-Authenticate: Basic realm=\"r\"\r\n", &ch, unsup),
	       ENOENT, "Basic only: ENOENT");
	is_int(pick(200, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n",
		    &ch, unsup), ENOENT, "200: ENOENT");
	is_int(pick(407, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n",
		    &ch, unsup), ENOENT, "407 with only WWW-Authenticate: ENOENT");
	is_int(sl_digest_pick(NULL, &ch, unsup, sizeof unsup), EINVAL,
	       "NULL response: EINVAL");

	m = response(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n");
	is_int(m ? sl_digest_is_challenge(m) : -1, 1, "is_challenge: 401 Digest");
	osip_message_free(m);
	m = response(407, "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n");
	is_int(m ? sl_digest_is_challenge(m) : -1, 1, "is_challenge: 407 Digest");
	osip_message_free(m);
	m = response(401, "WWW-Authenticate: Basic realm=\"r\"\r\n");
	is_int(m ? sl_digest_is_challenge(m) : -1, 0, "is_challenge: Basic");
	osip_message_free(m);
	m = response(200, "");
	is_int(m ? sl_digest_is_challenge(m) : -1, 0, "is_challenge: 200");
	osip_message_free(m);
}

/* Serializes req, checks the password is nowhere in it, and parses it back.
 * Returns the reparsed message (or NULL), the text in *text. */
static osip_message_t *
roundtrip(osip_message_t *req, char **text)
{
	size_t len;
	osip_message_t *back;

	*text = NULL;
	if (!ok(osip_message_to_str(req, text, &len) == 0, "request serializes"))
		return NULL;
	ok(strstr(*text, PASSWORD) == NULL, "the password is not in the request");
	back = parse(*text);
	return back;
}

/* The line of text starting with name, copied into buf. */
static const char *
header_line(const char *text, const char *name, char *buf, size_t size)
{
	const char *p = strstr(text, name), *end;

	if (p == NULL)
		return NULL;
	end = strstr(p, "\r\n");
	if (end == NULL || (size_t)(end - p) >= size)
		return NULL;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return buf;
}

/* Unquotes a libosip2 quoted-string field into buf ("" when NULL). */
static const char *
unq(const char *s, char *buf, size_t size)
{
	size_t n;

	if (s == NULL || strlen(s) < 2 || s[0] != '"' || (n = strlen(s)) >= size + 2)
		return "";
	memcpy(buf, s + 1, n - 2);
	buf[n - 2] = '\0';
	return buf;
}

static void
test_authorize(void)
{
	struct sl_digest_challenge ch;
	osip_message_t *req, *back, *resp;
	osip_authorization_t *a;
	char *text, line[1024], want[1024], cn[128];
	char expect[SL_DIGEST_HEX_SIZE], unsup[64];

	/* qop=auth, opaque, MD5: every field, exactly as on the wire. */
	resp = response(401, "WWW-Authenticate: Digest realm=\"sipline.test\", "
			"nonce=\"5f3a1b/9c\", opaque=\"op123\", qop=\"auth\", "
			"algorithm=MD5\r\n");
	req = parse(request_text);
	if (resp == NULL || req == NULL ||
	    !is_int(sl_digest_pick(resp, &ch, unsup, sizeof unsup), 0,
		    "authorize: challenge picked"))
		goto out;
	is_int(sl_digest_authorize(req, &ch, "alice", PASSWORD, 1), 0,
	       "authorize: returns 0");
	back = roundtrip(req, &text);
	if (back != NULL) {
		is_int(osip_list_size(&back->authorizations), 1,
		       "authorize: one Authorization header");
		is_int(osip_list_size(&back->proxy_authorizations), 0,
		       "authorize: no Proxy-Authorization header");
		a = osip_list_get(&back->authorizations, 0);
		if (a != NULL) {
			is_str(a->auth_type, "Digest", "scheme Digest");
			is_str(a->username, "\"alice\"", "username quoted");
			is_str(a->realm, "\"sipline.test\"", "realm quoted");
			is_str(a->nonce, "\"5f3a1b/9c\"", "nonce quoted");
			is_str(a->uri, "\"sip:sipline.test\"", "uri quoted, the Request-URI");
			is_str(a->algorithm, "MD5", "algorithm=MD5 token");
			is_str(a->opaque, "\"op123\"", "opaque echoed, quoted");
			is_str(a->message_qop, "auth", "qop=auth token");
			is_str(a->nonce_count, "00000001", "nc=00000001");
			ok(a->cnonce && strlen(a->cnonce) == 34 && a->cnonce[0] == '"' &&
			   strspn(a->cnonce + 1, "0123456789abcdef") == 32,
			   "cnonce: 32 hex digits, quoted");
			unq(a->cnonce, cn, sizeof cn);
			sl_digest_response(SL_DIGEST_MD5, "alice", "sipline.test",
					   PASSWORD, "REGISTER", "sip:sipline.test",
					   "5f3a1b/9c", "00000001", cn, "auth",
					   expect);
			snprintf(want, sizeof want, "\"%s\"", expect);
			is_str(a->response, want, "response matches, quoted");
			snprintf(want, sizeof want,
				 "Authorization: Digest username=\"alice\", "
				 "realm=\"sipline.test\", nonce=\"5f3a1b/9c\", "
				 "uri=\"sip:sipline.test\", response=\"%s\", "
				 "algorithm=MD5, cnonce=\"%s\", opaque=\"op123\", "
				 "qop=auth, nc=00000001", expect, cn);
			is_str(header_line(text, "Authorization:", line, sizeof line),
			       want, "Authorization line on the wire");
		}
		osip_message_free(back);
	}
	osip_free(text);

	/* A retry replaces the header instead of adding a second one. */
	is_int(sl_digest_authorize(req, &ch, "alice", PASSWORD, 2), 0,
	       "second authorize: returns 0");
	back = roundtrip(req, &text);
	if (back != NULL) {
		is_int(osip_list_size(&back->authorizations), 1,
		       "second authorize: still one Authorization header");
		a = osip_list_get(&back->authorizations, 0);
		is_str(a ? a->nonce_count : NULL, "00000002",
		       "second authorize: nc=00000002");
		osip_message_free(back);
	}
	osip_free(text);

	/* A 407 adds Proxy-Authorization and leaves Authorization alone. */
	osip_message_free(resp);
	resp = response(407, "Proxy-Authenticate: Digest realm=\"proxy.test\", "
			"nonce=\"pn\", algorithm=SHA-256\r\n");
	if (resp != NULL &&
	    is_int(sl_digest_pick(resp, &ch, unsup, sizeof unsup), 0,
		   "407 challenge picked") &&
	    is_int(sl_digest_authorize(req, &ch, "alice", PASSWORD, 1), 0,
		   "407 authorize: returns 0")) {
		back = roundtrip(req, &text);
		if (back != NULL) {
			is_int(osip_list_size(&back->authorizations), 1,
			       "407: Authorization kept");
			is_int(osip_list_size(&back->proxy_authorizations), 1,
			       "407: one Proxy-Authorization");
			sl_digest_response(SL_DIGEST_SHA256, "alice", "proxy.test",
					   PASSWORD, "REGISTER", "sip:sipline.test",
					   "pn", NULL, NULL, NULL, expect);
			snprintf(want, sizeof want,
				 "Proxy-Authorization: Digest username=\"alice\", "
				 "realm=\"proxy.test\", nonce=\"pn\", "
				 "uri=\"sip:sipline.test\", response=\"%s\", "
				 "algorithm=SHA-256", expect);
			is_str(header_line(text, "Proxy-Authorization:", line,
					   sizeof line), want,
			       "Proxy-Authorization line: no qop, nc, cnonce or opaque");
			osip_message_free(back);
		}
		osip_free(text);
	}
	osip_message_free(req);
	req = NULL;

	/* No qop, MD5: the exact response, computed with
	 *   HA1=$(m alice:sipline.test:secret); HA2=$(m REGISTER:sip:sipline.test)
	 *   m "$HA1:abc:$HA2" */
	osip_message_free(resp);
	resp = response(401, "WWW-Authenticate: Digest realm=\"sipline.test\", "
			"nonce=\"abc\"\r\n");
	req = parse(request_text);
	if (resp == NULL || req == NULL)
		goto out;
	sl_digest_pick(resp, &ch, unsup, sizeof unsup);
	is_int(sl_digest_authorize(req, &ch, "alice", "secret", 0), 0,
	       "no qop: nc 0 accepted");
	back = roundtrip(req, &text);
	if (back != NULL) {
		is_str(header_line(text, "Authorization:", line, sizeof line),
		       "Authorization: Digest username=\"alice\", "
		       "realm=\"sipline.test\", nonce=\"abc\", "
		       "uri=\"sip:sipline.test\", "
		       "response=\"e9734b269011a827c7e41f0cd69c5899\", "
		       "algorithm=MD5", "no qop: exact Authorization line");
		osip_message_free(back);
	}
	osip_free(text);

	/* A quote in the username is escaped; control characters refused. */
	is_int(sl_digest_authorize(req, &ch, "al\"ice", "secret", 0), 0,
	       "username with a quote: returns 0");
	back = roundtrip(req, &text);
	if (back != NULL) {
		a = osip_list_get(&back->authorizations, 0);
		is_int(osip_list_size(&back->authorizations), 1,
		       "same realm: replaced");
		is_str(a ? a->username : NULL, "\"al\\\"ice\"",
		       "username quote escaped");
		osip_message_free(back);
	}
	osip_free(text);
	is_int(sl_digest_authorize(req, &ch, "alice\r\nX: y", "secret", 0), EINVAL,
	       "username with CRLF: EINVAL");
	ch.qop_auth = 1;
	is_int(sl_digest_authorize(req, &ch, "alice", "secret", 0), EINVAL,
	       "qop with nc 0: EINVAL");
	is_int(sl_digest_authorize(resp, &ch, "alice", "secret", 1), EINVAL,
	       "a response: EINVAL");
out:
	osip_message_free(req);
	osip_message_free(resp);
}

int
main(void)
{
	if (parser_init() != 0) {
		printf("Bail out! parser_init failed\n");
		return 1;
	}
	test_vectors();
	test_pick();
	test_authorize();
	return done_testing();
}
