/* Unit tests for lib/tls.c and the TLS bits of lib/transport.c: names and
 * ports of the transport, error texts, unusable PEM, and a client and a
 * server session over a non-blocking socketpair: the host name and IP
 * checks, and a write far larger than the socket's buffer going through in
 * pieces (partial writes) while the other side reads. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tap.h"
#include "tls.h"
#include "transport.h"

/* A self-signed certificate for DNS:good.test and IP:127.0.0.1, and its
 * key, as PEM text. */
static void
make_cert(char **cert, size_t *clen, char **key, size_t *klen)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	BIO *b;
	char *p;
	long n;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"good.test", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:good.test,IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, pk, EVP_sha256());
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	*cert = malloc(n);
	memcpy(*cert, p, n);
	*clen = n;
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	*key = malloc(n);
	memcpy(*key, p, n);
	*klen = n;
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(pk);
}

/* Both handshakes, stepped in turn until neither waits (bounded).
 * Returns the client's result; *srv_err gets the server's. */
static int
handshake(struct sl_tls_conn *cli, struct sl_tls_conn *srv, int *srv_err)
{
	int c = EAGAIN, s = EAGAIN, rounds;

	for (rounds = 0; rounds < 100 && (c == EAGAIN || s == EAGAIN); rounds++) {
		if (c == EAGAIN)
			c = sl_tls_handshake(cli);
		if (s == EAGAIN)
			s = sl_tls_handshake(srv);
	}
	*srv_err = s;
	return c;
}

/* A connected non-blocking pair with small buffers, so that big writes
 * come back short. */
static void
pair(int fds[2])
{
	int small = 4096, i;

	socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	for (i = 0; i < 2; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	}
}

/* A client of ctx_cli that expects name, and a server of ctx_srv, shake
 * hands over a fresh pair.  Returns the client's result. */
static int
connect_as(struct sl_tls *ctx_cli, struct sl_tls *ctx_srv, const char *name)
{
	struct sl_tls_conn *cli, *srv;
	int fds[2], err, serr;

	pair(fds);
	sl_tls_conn_new(ctx_cli, fds[0], 0, name, &cli);
	sl_tls_conn_new(ctx_srv, fds[1], 1, NULL, &srv);
	err = handshake(cli, srv, &serr);
	sl_tls_conn_free(cli);
	sl_tls_conn_free(srv);
	close(fds[0]);
	close(fds[1]);
	return err;
}

int
main(void)
{
	struct sl_tls *ctx_cli, *ctx_srv, *ctx_bad;
	struct sl_tls_conn *cli, *srv;
	enum sl_proto p;
	char *cert, *key, *big, *got;
	size_t clen, klen, sent = 0, recvd = 0, n;
	int fds[2], err, serr, rounds, shorts = 0;
	const size_t total = 256 * 1024;

	/* As in the tools: a write to a closed peer is an error. */
	signal(SIGPIPE, SIG_IGN);
	plan(27);

	ok(sl_proto_parse("TLS", &p) == 0 && p == SL_PROTO_TLS, "\"TLS\" parses");
	is_str(sl_proto_via(SL_PROTO_TLS), "TLS", "Via says TLS");
	is_str(sl_proto_param(SL_PROTO_TLS), "tls", "transport=tls");
	is_int(sl_proto_default_port(SL_PROTO_TLS), 5061, "TLS: 5061");
	is_int(sl_proto_default_port(SL_PROTO_TCP), 5060, "TCP: 5060");
	ok(sl_proto_parse("dtls", &p) == EINVAL, "\"dtls\" does not");

	ok(sl_tls_failed(SL_ETLS_VERIFY) && sl_tls_failed(SL_ETLS_BROKEN), "TLS codes are TLS codes");
	ok(!sl_tls_failed(-2) && !sl_tls_failed(ECONNRESET), "EAI and errno codes are not");
	is_str(sl_strerror(SL_ETLS_NEEDED), "a sips: URI needs TLS (SIP_TRANSPORT=tls)",
	       "sl_strerror knows them");

	make_cert(&cert, &clen, &key, &klen);
	ok(sl_tls_new(&ctx_bad) == 0, "a context");
	is_int(sl_tls_set_ca(ctx_bad, "not PEM at all\n", 15), SL_ETLS_SETUP, "a CA file without a certificate");
	is_str(sl_strerror(SL_ETLS_SETUP), "no PEM certificate in it", "...said");
	is_int(sl_tls_set_cert(ctx_bad, cert, clen, cert, clen), SL_ETLS_SETUP, "a certificate as its own key");
	ok(!sl_tls_has_cert(ctx_bad), "...is no certificate to show");
	sl_tls_free(ctx_bad);

	sl_tls_new(&ctx_srv);
	sl_tls_new(&ctx_cli);
	is_int(sl_tls_set_cert(ctx_srv, cert, clen, key, klen), 0, "certificate and key");
	ok(sl_tls_has_cert(ctx_srv), "...to show");
	is_int(sl_tls_set_ca(ctx_cli, cert, clen), 0, "the client trusts it");

	/* The name the certificate holds. */
	pair(fds);
	sl_tls_conn_new(ctx_cli, fds[0], 0, "good.test", &cli);
	sl_tls_conn_new(ctx_srv, fds[1], 1, NULL, &srv);
	err = handshake(cli, srv, &serr);
	is_int(err, 0, "good.test: the handshake ends");
	is_int(serr, 0, "...on both sides");

	/* 256 KiB through 4 KiB socket buffers: short writes, taken up where
	 * they stopped, while the other side reads. */
	big = malloc(total);
	got = malloc(total);
	for (n = 0; n < total; n++)
		big[n] = (char)('a' + n % 26);
	for (rounds = 0; rounds < 100000 && recvd < total; rounds++) {
		if (sent < total) {
			err = sl_tls_write(cli, big + sent, total - sent, &n);
			if (err == 0) {
				if (n < total - sent)
					shorts++;
				sent += n;
			} else if (err != EAGAIN) {
				break;
			} else {
				shorts++;
			}
		}
		do {
			err = sl_tls_read(srv, got + recvd, total - recvd, &n);
			if (err == 0)
				recvd += n;
		} while (err == 0 && n > 0 && recvd < total);
	}
	ok(sent == total && recvd == total && memcmp(big, got, total) == 0,
	   "256 KiB arrive whole and in order (%zu sent, %zu read)", sent, recvd);
	ok(shorts > 0, "...after %d short or refused writes", shorts);
	sl_tls_conn_free(cli);
	close(fds[0]);
	err = sl_tls_read(srv, got, 100, &n);
	ok(err == 0 && n == 0, "the peer's close reads as 0 bytes");
	sl_tls_conn_free(srv);
	close(fds[1]);

	/* Another name, and IP literals. */
	err = connect_as(ctx_cli, ctx_srv, "evil.test");
	is_int(err, SL_ETLS_VERIFY, "evil.test: refused");
	is_str(sl_strerror(err), "certificate verify failed: hostname mismatch", "...said");
	sl_tls_note_peer(err, "evil.test:5061");
	is_str(sl_strerror(err), "unable to connect to evil.test:5061: certificate verify failed: hostname mismatch",
	       "...with the peer");
	is_int(connect_as(ctx_cli, ctx_srv, "[127.0.0.1]"), 0, "127.0.0.1 (bracketed): its IP SAN");
	err = connect_as(ctx_cli, ctx_srv, "127.0.0.2");
	ok(err == SL_ETLS_VERIFY && strstr(sl_strerror(err), "IP address mismatch"),
	   "127.0.0.2: refused, %s", sl_strerror(err));

	sl_tls_free(ctx_cli);
	sl_tls_free(ctx_srv);
	free(cert);
	free(key);
	free(big);
	free(got);
	return done_testing();
}
