/* TLS for SIP connections (RFC 3261 §26, RFC 5922): one context per
 * process (whom to trust, what certificate to show) and a session per TCP
 * connection, driven without blocking by the transport's loop. */
#ifndef SIPLINE_TLS_H
#define SIPLINE_TLS_H

#include <stddef.h>
#include <sys/types.h>

/* Why a TLS connection or setup failed: negative, apart from errno values
 * and getaddrinfo's EAI_* codes.  sl_strerror() gives the text of the last
 * failure of each kind, with what the peer or OpenSSL said. */
#define SL_ETLS_VERIFY    (-4001)  /* the peer's certificate was refused */
#define SL_ETLS_HANDSHAKE (-4002)  /* no TLS spoken (garbage, plain SIP, a close) */
#define SL_ETLS_TIMEOUT   (-4003)  /* the handshake did not end in time */
#define SL_ETLS_SETUP     (-4004)  /* a CA, certificate or key unusable */
#define SL_ETLS_NEEDED    (-4005)  /* a sips: URI on a transport other than TLS */
#define SL_ETLS_BROKEN    (-4006)  /* the session failed after the handshake
				    * (an alert: a client certificate refused...) */

/* How long a handshake may take once the TCP connection is made, ms. */
#define SL_TLS_HANDSHAKE_MS 5000

struct sl_tls;          /* a context: trust anchors, our certificate */
struct sl_tls_conn;     /* one connection's TLS session */

/* A context that trusts the system's CA store and shows no certificate.
 * Returns 0 or ENOMEM. */
int sl_tls_new(struct sl_tls **out);
void sl_tls_free(struct sl_tls *t);
/* Trusts the PEM certificates in pem (SIP_CA_FILE) instead of the
 * system's store.  Returns 0, SL_ETLS_SETUP (none in it) or ENOMEM. */
int sl_tls_set_ca(struct sl_tls *t, const char *pem, size_t len);
/* Shows cert (PEM: the certificate, then its chain) with the unencrypted
 * PEM private key key (SIP_CERT_FILE, SIP_KEY_FILE).  Returns 0,
 * SL_ETLS_SETUP (unreadable, or the key is not the certificate's) or
 * ENOMEM. */
int sl_tls_set_cert(struct sl_tls *t, const char *cert, size_t clen,
		    const char *key, size_t klen);
/* 1 when the context has a certificate to show (needed to accept). */
int sl_tls_has_cert(const struct sl_tls *t);

/* A session on the connected socket fd.  A client (server 0) checks that
 * the peer's certificate names `name` (a host name, sent as SNI too, or an
 * IP literal, checked against the certificate's IP addresses).  Returns 0
 * or ENOMEM. */
int sl_tls_conn_new(struct sl_tls *t, int fd, int server, const char *name,
		    struct sl_tls_conn **out);
/* Sends close_notify if it can at once, and frees the session (not fd). */
void sl_tls_conn_free(struct sl_tls_conn *c);

/* Goes on with the handshake.  Returns 0 when it is done, EAGAIN when it
 * waits for the socket (sl_tls_conn_events says for what), or
 * SL_ETLS_VERIFY / SL_ETLS_HANDSHAKE / an errno value when it failed. */
int sl_tls_handshake(struct sl_tls_conn *c);
/* The poll events the last EAGAIN waits for (POLLIN or POLLOUT). */
short sl_tls_conn_events(const struct sl_tls_conn *c);

/* Reads up to size bytes into buf; *n is how many.  Returns 0 (*n 0: the
 * peer closed), EAGAIN (nothing yet), SL_ETLS_BROKEN (an alert, a bad
 * record), or ECONNRESET / an errno value. */
int sl_tls_read(struct sl_tls_conn *c, char *buf, size_t size, size_t *n);
/* Writes up to len bytes; *n is how many went.  Returns 0, EAGAIN (the
 * socket is full: wait for sl_tls_conn_events) or an errno value. */
int sl_tls_write(struct sl_tls_conn *c, const char *buf, size_t len, size_t *n);
/* 1 when bytes already read from the socket wait inside the session (poll
 * would not say so). */
int sl_tls_pending(const struct sl_tls_conn *c);

/* Notes what a failed connection to where (host:port, for the message)
 * was; sl_strerror(code) then says "unable to connect to WHERE: ...". */
void sl_tls_note_peer(int code, const char *where);
/* 1 when err is an SL_ETLS_* code. */
int sl_tls_failed(int err);
/* Text for an SL_ETLS_* code. */
const char *sl_tls_strerror(int err);

#endif
