/* TLS sessions for the transport's connections, with OpenSSL 3.
 *
 * Why OpenSSL and not GnuTLS: the peers sipline is tested against and
 * meets most (Kamailio's tls module, baresip's libre) are built on it, so a
 * handshake that works in the tests works the same way there; it checks a
 * host name or an IP address against a certificate (X509_VERIFY_PARAM) and
 * sends SNI itself; its non-blocking SSL_read / SSL_write / SSL_do_handshake
 * say what they wait for, which fits the poll loop; it has DTLS-SRTP
 * (RFC 5764) for the media later; and its licence (Apache-2.0) goes into a
 * GPL-3.0-or-later program.
 *
 * Verification follows RFC 5922: the client checks the server's chain
 * against the system's CA store (or SIP_CA_FILE alone) and that the
 * certificate names the host the URI or SIP_SERVER gave (DNS name, wildcard
 * only as a whole left-most label) or, for an IP literal, its IP address.
 * The server side (sip-answer) shows its certificate and asks for none.
 * OpenSSL is loaded only when a TLS context is first made (dynlib.h). */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dynlib.h"

/* The OpenSSL functions called here, loaded (libssl, and libcrypto with
 * it) when the first TLS context is made; FN(f) is f as loaded.  The
 * headers' macros (SSL_CTX_set_mode, sk_X509_INFO_num...) are written out
 * as the calls they stand for, since a macro's body would call the real
 * symbol. */
#define OPENSSL_FUNCS(X) \
	X(BIO_free) X(BIO_new_mem_buf) X(ERR_clear_error) \
	X(ERR_get_error) X(ERR_reason_error_string) X(EVP_PKEY_free) \
	X(OPENSSL_sk_num) X(OPENSSL_sk_pop_free) X(OPENSSL_sk_value) \
	X(PEM_X509_INFO_read_bio) X(PEM_read_bio_PrivateKey) \
	X(PEM_read_bio_X509) X(PEM_read_bio_X509_AUX) \
	X(SSL_CTX_check_private_key) X(SSL_CTX_ctrl) X(SSL_CTX_free) \
	X(SSL_CTX_new) X(SSL_CTX_set_cert_store) \
	X(SSL_CTX_set_default_verify_paths) X(SSL_CTX_set_options) \
	X(SSL_CTX_use_PrivateKey) X(SSL_CTX_use_certificate) \
	X(SSL_ctrl) X(SSL_do_handshake) X(SSL_free) X(SSL_get0_param) \
	X(SSL_get_error) X(SSL_get_verify_result) X(SSL_has_pending) \
	X(SSL_is_init_finished) X(SSL_new) X(SSL_read_ex) \
	X(SSL_set1_host) X(SSL_set_accept_state) \
	X(SSL_set_connect_state) X(SSL_set_fd) X(SSL_set_verify) \
	X(SSL_shutdown) X(SSL_write_ex) X(TLS_method) \
	X(X509_INFO_free) X(X509_STORE_add_cert) X(X509_STORE_free) \
	X(X509_STORE_new) X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(X509_VERIFY_PARAM_set_hostflags) X(X509_free) \
	X(X509_verify_cert_error_string)
SL_DYNLIB(libssl, SL_LIBSSL_SONAME, OPENSSL_FUNCS);
#define FN(f) SL_DYNLIB_FN(libssl, f)

struct sl_tls {
	SSL_CTX *ctx;
	int has_cert;
};

struct sl_tls_conn {
	SSL *ssl;
	short events;
	int server;
};

#define NCODES 6

/* The last failure of each kind: what happened, and with whom. */
static char details[NCODES][400];
static char wheres[NCODES][300];

int
sl_tls_failed(int err)
{
	return err <= SL_ETLS_VERIFY && err > SL_ETLS_VERIFY - NCODES;
}

static int
slot(int code)
{
	return SL_ETLS_VERIFY - code;
}

static void __attribute__((format(printf, 2, 3)))
note(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details[slot(code)], sizeof details[0], fmt, ap);
	va_end(ap);
	wheres[slot(code)][0] = '\0';
}

void
sl_tls_note_peer(int code, const char *where)
{
	if (sl_tls_failed(code))
		snprintf(wheres[slot(code)], sizeof wheres[0], "%s", where);
}

const char *
sl_tls_strerror(int err)
{
	static const char *const plain[NCODES] = {
		"certificate verify failed", "TLS handshake failed",
		"TLS handshake timed out", "unusable TLS certificate or key",
		"a sips: URI needs TLS (SIP_TRANSPORT=tls)", "TLS session failed",
	};
	static char text[sizeof details[0] + sizeof wheres[0] + 32];
	int i;

	if (!sl_tls_failed(err))
		return "unknown TLS error";
	i = slot(err);
	if (wheres[i][0])
		snprintf(text, sizeof text, "unable to connect to %s: %s", wheres[i],
			 details[i][0] ? details[i] : plain[i]);
	else
		snprintf(text, sizeof text, "%s", details[i][0] ? details[i] : plain[i]);
	return text;
}

/* What OpenSSL's error queue says, for a message; "" when nothing. */
static const char *
openssl_reason(void)
{
	unsigned long e = FN(ERR_get_error)(), last = e;
	const char *r;

	/* The last error is the one closest to the cause. */
	while ((e = FN(ERR_get_error)()) != 0)
		last = e;
	if (last == 0)
		return "";
	r = FN(ERR_reason_error_string)(last);
	return r ? r : "";
}

/* ": " and what OpenSSL's error queue says, or "" when nothing. */
static const char *
openssl_suffix(void)
{
	static char buf[300];
	const char *r = openssl_reason();

	snprintf(buf, sizeof buf, "%s%s", *r ? ": " : "", r);
	return buf;
}

int
sl_tls_new(struct sl_tls **out)
{
	struct sl_tls *t;
	int err;

	if ((err = sl_dynlib_load(&libssl)) != 0)
		return err;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return ENOMEM;
	t->ctx = FN(SSL_CTX_new)(FN(TLS_method)());
	if (t->ctx == NULL) {
		free(t);
		return ENOMEM;
	}
	/* TLS 1.0 and 1.1 are gone (RFC 8996). */
	FN(SSL_CTX_ctrl)(t->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
	/* Renegotiation is a write that must read: never take part in one.
	 * A close without close_notify is just a close: SIP's framing says
	 * where a message ends, not the TLS close. */
	FN(SSL_CTX_set_options)(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* A write that fills the socket goes on with the rest of the buffer,
	 * as on TCP. */
	FN(SSL_CTX_ctrl)(t->ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
	FN(SSL_CTX_set_default_verify_paths)(t->ctx);
	*out = t;
	return 0;
}

void
sl_tls_free(struct sl_tls *t)
{
	if (t == NULL)
		return;
	FN(SSL_CTX_free)(t->ctx);
	free(t);
}

int
sl_tls_has_cert(const struct sl_tls *t)
{
	return t->has_cert;
}

static void
free_infos(STACK_OF(X509_INFO) *infos)
{
	FN(OPENSSL_sk_pop_free)((OPENSSL_STACK *)infos,
				(OPENSSL_sk_freefunc)FN(X509_INFO_free));
}

int
sl_tls_set_ca(struct sl_tls *t, const char *pem, size_t len)
{
	STACK_OF(X509_INFO) *infos;
	X509_STORE *store;
	BIO *bio;
	int i, n = 0;

	bio = FN(BIO_new_mem_buf)(pem, (int)len);
	if (bio == NULL)
		return ENOMEM;
	FN(ERR_clear_error)();
	infos = FN(PEM_X509_INFO_read_bio)(bio, NULL, NULL, NULL);
	FN(BIO_free)(bio);
	if (infos == NULL) {
		note(SL_ETLS_SETUP, "no PEM certificate in it%s",
		     openssl_suffix());
		return SL_ETLS_SETUP;
	}
	/* This store replaces the system's: trust what the file says. */
	store = FN(X509_STORE_new)();
	if (store == NULL) {
		free_infos(infos);
		return ENOMEM;
	}
	for (i = 0; i < FN(OPENSSL_sk_num)((const OPENSSL_STACK *)infos); i++) {
		X509_INFO *info = FN(OPENSSL_sk_value)((const OPENSSL_STACK *)infos, i);

		if (info->x509 && FN(X509_STORE_add_cert)(store, info->x509) == 1)
			n++;
	}
	free_infos(infos);
	if (n == 0) {
		FN(X509_STORE_free)(store);
		note(SL_ETLS_SETUP, "no PEM certificate in it");
		return SL_ETLS_SETUP;
	}
	FN(SSL_CTX_set_cert_store)(t->ctx, store);
	return 0;
}

int
sl_tls_set_cert(struct sl_tls *t, const char *cert, size_t clen, const char *key,
		size_t klen)
{
	BIO *bio;
	X509 *x, *chain;
	EVP_PKEY *pk;
	int err = SL_ETLS_SETUP;

	FN(ERR_clear_error)();
	if ((bio = FN(BIO_new_mem_buf)(cert, (int)clen)) == NULL)
		return ENOMEM;
	x = FN(PEM_read_bio_X509_AUX)(bio, NULL, NULL, NULL);
	if (x == NULL || FN(SSL_CTX_use_certificate)(t->ctx, x) != 1) {
		note(SL_ETLS_SETUP, "no usable PEM certificate in it%s",
		     openssl_suffix());
		FN(X509_free)(x);
		FN(BIO_free)(bio);
		return err;
	}
	FN(X509_free)(x);
	/* What follows the certificate is its chain, up to the CA. */
	while ((chain = FN(PEM_read_bio_X509)(bio, NULL, NULL, NULL)) != NULL)
		if (FN(SSL_CTX_ctrl)(t->ctx, SSL_CTRL_CHAIN_CERT, 0, (char *)chain) != 1)
			FN(X509_free)(chain);
	FN(BIO_free)(bio);
	FN(ERR_clear_error)();
	if ((bio = FN(BIO_new_mem_buf)(key, (int)klen)) == NULL)
		return ENOMEM;
	pk = FN(PEM_read_bio_PrivateKey)(bio, NULL, NULL, NULL);
	FN(BIO_free)(bio);
	if (pk == NULL) {
		note(SL_ETLS_SETUP, "no usable unencrypted PEM private key in the key file%s",
		     openssl_suffix());
		return err;
	}
	if (FN(SSL_CTX_use_PrivateKey)(t->ctx, pk) != 1 || FN(SSL_CTX_check_private_key)(t->ctx) != 1) {
		note(SL_ETLS_SETUP, "the key does not belong to the certificate");
		FN(EVP_PKEY_free)(pk);
		return err;
	}
	FN(EVP_PKEY_free)(pk);
	t->has_cert = 1;
	return 0;
}

/* 1 when name is an IPv4 or IPv6 literal. */
static int
is_ip(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

int
sl_tls_conn_new(struct sl_tls *t, int fd, int server, const char *name,
		struct sl_tls_conn **out)
{
	struct sl_tls_conn *c = calloc(1, sizeof *c);
	char host[256];
	size_t n;

	if (c == NULL)
		return ENOMEM;
	c->ssl = FN(SSL_new)(t->ctx);
	if (c->ssl == NULL || FN(SSL_set_fd)(c->ssl, fd) != 1) {
		FN(SSL_free)(c->ssl);
		free(c);
		return ENOMEM;
	}
	c->server = server;
	if (server) {
		FN(SSL_set_accept_state)(c->ssl);
	} else {
		X509_VERIFY_PARAM *param = FN(SSL_get0_param)(c->ssl);

		FN(SSL_set_connect_state)(c->ssl);
		FN(SSL_set_verify)(c->ssl, SSL_VERIFY_PEER, NULL);
		/* A bracketed IPv6 literal, as a URI holds it. */
		n = strlen(name);
		if (name[0] == '[' && n > 2 && n - 2 < sizeof host) {
			memcpy(host, name + 1, n - 2);
			host[n - 2] = '\0';
		} else {
			snprintf(host, sizeof host, "%s", name);
		}
		FN(X509_VERIFY_PARAM_set_hostflags)(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_ip(host)) {
			/* RFC 6066: no SNI for an address; its IP SAN is checked. */
			FN(X509_VERIFY_PARAM_set1_ip_asc)(param, host);
		} else {
			FN(SSL_ctrl)(c->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
				     TLSEXT_NAMETYPE_host_name, host);
			FN(SSL_set1_host)(c->ssl, host);
		}
	}
	*out = c;
	return 0;
}

void
sl_tls_conn_free(struct sl_tls_conn *c)
{
	if (c == NULL)
		return;
	/* One try at close_notify, never waiting for the peer's. */
	if (FN(SSL_is_init_finished)(c->ssl))
		FN(SSL_shutdown)(c->ssl);
	FN(ERR_clear_error)();
	FN(SSL_free)(c->ssl);
	free(c);
}

short
sl_tls_conn_events(const struct sl_tls_conn *c)
{
	return c->events ? c->events : POLLIN;
}

int
sl_tls_pending(const struct sl_tls_conn *c)
{
	return FN(SSL_has_pending)(c->ssl);
}

/* Sorts out a failed SSL_* call: EAGAIN with the events to wait for, or
 * the error. */
static int
failure(struct sl_tls_conn *c, int r, int handshake)
{
	int e = FN(SSL_get_error)(c->ssl, r), saved = errno;
	long v;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		c->events = POLLIN;
		return EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->events = POLLOUT;
		return EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		if (handshake) {
			note(SL_ETLS_HANDSHAKE, "TLS handshake failed: the peer closed the connection");
			return SL_ETLS_HANDSHAKE;
		}
		return 0;
	}
	if (handshake && !c->server && (v = FN(SSL_get_verify_result)(c->ssl)) != X509_V_OK) {
		FN(ERR_clear_error)();
		note(SL_ETLS_VERIFY, "certificate verify failed: %s",
		     FN(X509_verify_cert_error_string)(v));
		return SL_ETLS_VERIFY;
	}
	if (handshake) {
		const char *why = openssl_reason();

		if (*why == '\0')
			why = e == SSL_ERROR_SYSCALL && saved ? strerror(saved)
							      : "the peer closed the connection";
		note(SL_ETLS_HANDSHAKE, "TLS handshake failed: %s", why);
		return SL_ETLS_HANDSHAKE;
	}
	if (e == SSL_ERROR_SSL) {
		/* What the peer's alert says (a client certificate it wants,
		 * in TLS 1.3 only after our side of the handshake ended). */
		note(SL_ETLS_BROKEN, "TLS session failed: %s", openssl_reason());
		return SL_ETLS_BROKEN;
	}
	FN(ERR_clear_error)();
	return saved ? saved : ECONNRESET;
}

int
sl_tls_handshake(struct sl_tls_conn *c)
{
	int r;

	FN(ERR_clear_error)();
	errno = 0;
	r = FN(SSL_do_handshake)(c->ssl);
	if (r == 1) {
		c->events = POLLIN;
		return 0;
	}
	return failure(c, r, 1);
}

int
sl_tls_read(struct sl_tls_conn *c, char *buf, size_t size, size_t *n)
{
	size_t got = 0;
	int r;

	*n = 0;
	FN(ERR_clear_error)();
	errno = 0;
	r = FN(SSL_read_ex)(c->ssl, buf, size, &got);
	if (r == 1) {
		*n = got;
		return 0;
	}
	return failure(c, 0, 0);
}

int
sl_tls_write(struct sl_tls_conn *c, const char *buf, size_t len, size_t *n)
{
	size_t put = 0;
	int r;

	*n = 0;
	FN(ERR_clear_error)();
	errno = 0;
	r = FN(SSL_write_ex)(c->ssl, buf, len, &put);
	if (r == 1) {
		*n = put;
		return 0;
	}
	r = failure(c, 0, 0);
	/* A close seen while writing is a broken connection. */
	return r == 0 ? EPIPE : r;
}
