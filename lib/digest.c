/* HTTP digest authentication for SIP: choosing a challenge from a 401/407,
 * computing the response with nettle's MD5 / SHA-256, and adding the
 * Authorization header through libosip2's own types. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

/* Random bytes in a cnonce (RFC 7616 asks for at least 64 bits). */
#define CNONCE_BYTES 16

static const struct {
	const char *name;
	enum sl_digest_alg alg;
	int rank;               /* higher is preferred */
} algs[] = {
	{ "SHA-256", SL_DIGEST_SHA256, 4 },
	{ "SHA-256-sess", SL_DIGEST_SHA256_SESS, 3 },
	{ "MD5", SL_DIGEST_MD5, 2 },
	{ "MD5-sess", SL_DIGEST_MD5_SESS, 1 },
};

/* One running hash of either kind, so that each input is fed as it comes and
 * the password never lands in a buffer of ours. */
struct hash {
	int sha256;
	union {
		struct md5_ctx md5;
		struct sha256_ctx sha256;
	} u;
};

const char *
sl_digest_alg_name(enum sl_digest_alg alg)
{
	size_t i;

	for (i = 0; i < sizeof algs / sizeof algs[0]; i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return NULL;
}

/* 1 for the -sess variants. */
static int
alg_sess(enum sl_digest_alg alg)
{
	return alg == SL_DIGEST_MD5_SESS || alg == SL_DIGEST_SHA256_SESS;
}

static void
hash_init(struct hash *h, enum sl_digest_alg alg)
{
	h->sha256 = alg == SL_DIGEST_SHA256 || alg == SL_DIGEST_SHA256_SESS;
	if (h->sha256)
		sha256_init(&h->u.sha256);
	else
		md5_init(&h->u.md5);
}

static void
hash_add(struct hash *h, const char *s)
{
	size_t len = strlen(s);

	if (h->sha256)
		sha256_update(&h->u.sha256, len, (const uint8_t *)s);
	else
		md5_update(&h->u.md5, len, (const uint8_t *)s);
}

/* Adds ":" then s: the fields of every digest input are colon-separated. */
static void
hash_field(struct hash *h, const char *s)
{
	hash_add(h, ":");
	hash_add(h, s);
}

/* Finishes the hash into lowercase hex and wipes the context, which may
 * still hold password bytes in its block buffer. */
static void
hash_hex(struct hash *h, char out[SL_DIGEST_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t n, i;

	if (h->sha256) {
		n = SHA256_DIGEST_SIZE;
		sha256_digest(&h->u.sha256, n, d);
	} else {
		n = MD5_DIGEST_SIZE;
		md5_digest(&h->u.md5, n, d);
	}
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
	explicit_bzero(d, sizeof d);
	explicit_bzero(h, sizeof *h);
}

int
sl_digest_response(enum sl_digest_alg alg, const char *user,
		   const char *realm, const char *password, const char *method,
		   const char *uri, const char *nonce, const char *nc,
		   const char *cnonce, const char *qop,
		   char out[SL_DIGEST_HEX_SIZE])
{
	struct hash h;
	char ha1[SL_DIGEST_HEX_SIZE], ha2[SL_DIGEST_HEX_SIZE];

	if (out == NULL || user == NULL || realm == NULL || password == NULL ||
	    method == NULL || uri == NULL || nonce == NULL ||
	    sl_digest_alg_name(alg) == NULL)
		return EINVAL;
	if (qop != NULL && (strcmp(qop, "auth") != 0 || nc == NULL ||
			    cnonce == NULL))
		return EINVAL;
	if (alg_sess(alg) && cnonce == NULL)
		return EINVAL;

	hash_init(&h, alg);
	hash_add(&h, user);
	hash_field(&h, realm);
	hash_field(&h, password);
	hash_hex(&h, ha1);
	if (alg_sess(alg)) {
		hash_init(&h, alg);
		hash_add(&h, ha1);
		hash_field(&h, nonce);
		hash_field(&h, cnonce);
		hash_hex(&h, ha1);
	}

	hash_init(&h, alg);
	hash_add(&h, method);
	hash_field(&h, uri);
	hash_hex(&h, ha2);

	hash_init(&h, alg);
	hash_add(&h, ha1);
	hash_field(&h, nonce);
	if (qop != NULL) {
		hash_field(&h, nc);
		hash_field(&h, cnonce);
		hash_field(&h, qop);
	}
	hash_field(&h, ha2);
	hash_hex(&h, out);
	/* HA1 stands for the password: anyone holding it can answer. */
	explicit_bzero(ha1, sizeof ha1);
	return 0;
}

/* Copies a parameter value as libosip2 leaves it (a quoted-string with its
 * quotes and backslash escapes, or a bare token) into out, unquoted.
 * Returns 0, EINVAL (unterminated quote, control character) or EMSGSIZE. */
static int
unquote(const char *in, char *out, size_t size)
{
	size_t n = 0;
	int quoted;

	in += strspn(in, " \t");
	quoted = *in == '"';
	if (quoted)
		in++;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (quoted && c == '"')
			break;
		if (quoted && c == '\\') {
			c = (unsigned char)*++in;
			if (c == '\0')
				return EINVAL;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return EINVAL;
		if (n + 1 >= size)
			return EMSGSIZE;
		out[n++] = (char)c;
	}
	if (quoted && *in != '"')
		return EINVAL;
	if (quoted && in[1 + strspn(in + 1, " \t")] != '\0')
		return EINVAL;
	if (!quoted)
		while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
			n--;
	out[n] = '\0';
	return 0;
}

/* Copies s into buf of size (truncating) when buf is not NULL. */
static void
copy_name(char *buf, size_t size, const char *prefix, const char *s)
{
	if (buf != NULL && size > 0)
		snprintf(buf, size, "%s%s", prefix, s);
}

/* 1 when the comma-separated qop list holds the token "auth". */
static int
qop_has_auth(const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == 4 && strncasecmp(p, "auth", 4) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* Reads one parsed challenge header into ch and its preference into *rank.
 * Returns 0, ENOENT (not Digest), ENOTSUP (description into unsupported),
 * EINVAL or EMSGSIZE. */
static int
read_challenge(const osip_www_authenticate_t *w, int proxy,
	       struct sl_digest_challenge *ch, int *rank,
	       char *unsupported, size_t unsupported_size)
{
	char buf[SL_DIGEST_FIELD_SIZE];
	size_t i;
	int err;

	if (w->auth_type == NULL || strcasecmp(w->auth_type, "Digest") != 0)
		return ENOENT;
	memset(ch, 0, sizeof *ch);
	ch->proxy = proxy;

	/* RFC 2617 §3.2.1: no algorithm means MD5. */
	ch->alg = SL_DIGEST_MD5;
	*rank = 2;
	if (w->algorithm != NULL) {
		err = unquote(w->algorithm, buf, sizeof buf);
		if (err != 0)
			return err;
		for (i = 0; i < sizeof algs / sizeof algs[0]; i++)
			if (strcasecmp(buf, algs[i].name) == 0)
				break;
		if (i == sizeof algs / sizeof algs[0]) {
			copy_name(unsupported, unsupported_size, "", buf);
			return ENOTSUP;
		}
		ch->alg = algs[i].alg;
		*rank = algs[i].rank;
	}

	if (w->realm == NULL || w->nonce == NULL)
		return EINVAL;
	if ((err = unquote(w->realm, ch->realm, sizeof ch->realm)) != 0 ||
	    (err = unquote(w->nonce, ch->nonce, sizeof ch->nonce)) != 0)
		return err;
	if (ch->nonce[0] == '\0')
		return EINVAL;
	if (w->opaque != NULL &&
	    (err = unquote(w->opaque, ch->opaque, sizeof ch->opaque)) != 0)
		return err;

	/* No qop at all is RFC 2069 digest, which every server still accepts
	 * an answer to; a list without "auth" (only auth-int) we cannot do. */
	if (w->qop_options != NULL) {
		err = unquote(w->qop_options, buf, sizeof buf);
		if (err != 0)
			return err;
		if (!qop_has_auth(buf)) {
			copy_name(unsupported, unsupported_size, "qop=", buf);
			return ENOTSUP;
		}
		ch->qop_auth = 1;
	}

	if (w->stale != NULL && unquote(w->stale, buf, sizeof buf) == 0 &&
	    strcasecmp(buf, "true") == 0)
		ch->stale = 1;
	return 0;
}

/* The challenge list that goes with the response's status, or NULL. */
static const osip_list_t *
challenge_list(const osip_message_t *resp, int *proxy)
{
	if (resp == NULL || !MSG_IS_RESPONSE(resp))
		return NULL;
	*proxy = resp->status_code == 407;
	if (resp->status_code == 401)
		return &resp->www_authenticates;
	if (resp->status_code == 407)
		return &resp->proxy_authenticates;
	return NULL;
}

int
sl_digest_is_challenge(const osip_message_t *resp)
{
	const osip_list_t *list;
	const osip_www_authenticate_t *w;
	int proxy, i;

	if ((list = challenge_list(resp, &proxy)) == NULL)
		return 0;
	for (i = 0; i < osip_list_size(list); i++) {
		w = osip_list_get(list, i);
		if (w->auth_type != NULL && strcasecmp(w->auth_type, "Digest") == 0)
			return 1;
	}
	return 0;
}

int
sl_digest_pick(const osip_message_t *response, struct sl_digest_challenge *ch,
	       char *unsupported, size_t unsupported_size)
{
	struct sl_digest_challenge cand;
	const osip_list_t *list;
	int proxy, i, rank, best = -1, bad = 0, notsup = 0, err;

	if (ch == NULL)
		return EINVAL;
	if (unsupported != NULL && unsupported_size > 0)
		unsupported[0] = '\0';
	if (response == NULL)
		return EINVAL;
	if ((list = challenge_list(response, &proxy)) == NULL)
		return ENOENT;
	for (i = 0; i < osip_list_size(list); i++) {
		err = read_challenge(osip_list_get(list, i), proxy, &cand, &rank,
				     notsup ? NULL : unsupported,
				     unsupported_size);
		if (err == 0 && rank > best) {
			best = rank;
			*ch = cand;
		} else if (err == ENOTSUP) {
			notsup = 1;
		} else if (err != 0 && err != ENOENT && bad == 0) {
			bad = err;
		}
	}
	explicit_bzero(&cand, sizeof cand);
	if (best >= 0) {
		if (unsupported != NULL && unsupported_size > 0)
			unsupported[0] = '\0';
		return 0;
	}
	if (bad != 0)
		return bad;
	return notsup ? ENOTSUP : ENOENT;
}

/* Converts a libosip2 status (0 or negative OSIP_*) to an errno value. */
static int
osip_errno(int i)
{
	if (i >= 0)
		return 0;
	return i == OSIP_NOMEM ? ENOMEM : EINVAL;
}

/* s as a quoted-string, '"' and '\' escaped, in memory libosip2 frees;
 * NULL when out of memory. */
static char *
quote_dup(const char *s)
{
	char *q, *p;

	q = osip_malloc(2 * strlen(s) + 3);
	if (q == NULL)
		return NULL;
	p = q;
	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* 1 when s holds a control character other than tab (a CR or LF would
 * end the header early). */
static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Fills hex (2 * CNONCE_BYTES + 1) from getrandom(2).  Returns 0 or errno. */
static int
random_hex(char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char b[CNONCE_BYTES];
	size_t got = 0, i;
	ssize_t n;

	while (got < sizeof b) {
		n = getrandom(b + got, sizeof b - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof b; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * sizeof b] = '\0';
	return 0;
}

/* Removes from list every credentials header whose realm is realm. */
static void
remove_realm(osip_list_t *list, const char *realm)
{
	char buf[SL_DIGEST_FIELD_SIZE];
	osip_authorization_t *a;
	int i = 0;

	while (i < osip_list_size(list)) {
		a = osip_list_get(list, i);
		if (a->realm != NULL && unquote(a->realm, buf, sizeof buf) == 0 &&
		    strcmp(buf, realm) == 0) {
			osip_list_remove(list, i);
			osip_authorization_free(a);
		} else {
			i++;
		}
	}
}

/* Sets one field of a, from a fresh copy (quoted when quote is set).
 * Returns 0 or ENOMEM. */
static int
set_field(char **field, const char *value, int quote)
{
	*field = quote ? quote_dup(value) : osip_strdup(value);
	return *field == NULL ? ENOMEM : 0;
}

int
sl_digest_authorize(osip_message_t *req, const struct sl_digest_challenge *ch,
		    const char *user, const char *password, unsigned nc)
{
	char response[SL_DIGEST_HEX_SIZE], cnonce[2 * CNONCE_BYTES + 1];
	char ncbuf[9];
	osip_authorization_t *a = NULL;
	osip_list_t *list;
	char *uri = NULL;
	const char *qop = NULL;
	int err, use_cnonce;

	if (req == NULL || ch == NULL || user == NULL || password == NULL ||
	    !MSG_IS_REQUEST(req) || req->sip_method == NULL ||
	    req->req_uri == NULL || sl_digest_alg_name(ch->alg) == NULL ||
	    (ch->qop_auth && nc == 0))
		return EINVAL;
	/* ch may have been filled by hand: check it before trusting it. */
	if (memchr(ch->realm, '\0', sizeof ch->realm) == NULL ||
	    memchr(ch->nonce, '\0', sizeof ch->nonce) == NULL ||
	    memchr(ch->opaque, '\0', sizeof ch->opaque) == NULL ||
	    ch->nonce[0] == '\0' || has_ctl(user) || has_ctl(ch->realm) ||
	    has_ctl(ch->nonce) || has_ctl(ch->opaque))
		return EINVAL;

	use_cnonce = ch->qop_auth || alg_sess(ch->alg);
	if (use_cnonce && (err = random_hex(cnonce)) != 0)
		return err;
	if (ch->qop_auth) {
		qop = "auth";
		snprintf(ncbuf, sizeof ncbuf, "%08x", nc);
	}
	if ((err = osip_errno(osip_uri_to_str(req->req_uri, &uri))) != 0)
		return err;
	err = sl_digest_response(ch->alg, user, ch->realm, password,
				 req->sip_method, uri, ch->nonce,
				 qop ? ncbuf : NULL, use_cnonce ? cnonce : NULL,
				 qop, response);
	if (err != 0)
		goto out;

	/* The setters of osip_authorization_t take the string as it is to be
	 * printed: quoted-strings must come with their quotes. */
	if ((err = osip_errno(osip_authorization_init(&a))) != 0)
		goto out;
	if ((err = set_field(&a->auth_type, "Digest", 0)) != 0 ||
	    (err = set_field(&a->username, user, 1)) != 0 ||
	    (err = set_field(&a->realm, ch->realm, 1)) != 0 ||
	    (err = set_field(&a->nonce, ch->nonce, 1)) != 0 ||
	    (err = set_field(&a->uri, uri, 1)) != 0 ||
	    (err = set_field(&a->response, response, 1)) != 0 ||
	    (err = set_field(&a->algorithm, sl_digest_alg_name(ch->alg), 0)) != 0)
		goto out;
	if (ch->opaque[0] != '\0' &&
	    (err = set_field(&a->opaque, ch->opaque, 1)) != 0)
		goto out;
	if (use_cnonce && (err = set_field(&a->cnonce, cnonce, 1)) != 0)
		goto out;
	if (qop != NULL &&
	    ((err = set_field(&a->message_qop, qop, 0)) != 0 ||
	     (err = set_field(&a->nonce_count, ncbuf, 0)) != 0))
		goto out;

	list = ch->proxy ? &req->proxy_authorizations : &req->authorizations;
	remove_realm(list, ch->realm);
	if (osip_list_add(list, a, -1) < 0) {
		err = ENOMEM;
		goto out;
	}
	a = NULL;
	/* Headers changed behind the parser's back: without this,
	 * osip_message_to_str() may hand out the text it cached at parse time. */
	osip_message_force_update(req);
out:
	if (a != NULL)
		osip_authorization_free(a);
	osip_free(uri);
	return err;
}
