/* SIP transport: one UDP socket, or TCP or TLS (a listening socket and/or
 * client connections with message framing), IPv4 or IPv6, driven by the
 * loop. */
#ifndef SIPLINE_TRANSPORT_H
#define SIPLINE_TRANSPORT_H

#include <stddef.h>

#include "addr.h"
#include "loop.h"

/* The largest SIP message taken in (and sent); larger ones are dropped
 * (UDP) or end the connection (TCP). */
#define SL_SIP_MAX 65535

/* TLS is TCP with a TLS session on every connection (tls.h). */
enum sl_proto { SL_PROTO_UDP, SL_PROTO_TCP, SL_PROTO_TLS };

struct sl_transport;
struct sl_tls;

/* A whole message arrived from src (for TCP: a complete, framed message)
 * on socket sock (0: the main socket or TCP; see sl_transport_add_udp).
 * buf is NUL-terminated at buf[len]. */
typedef void (*sl_recv_cb)(struct sl_transport *t, char *buf, size_t len,
			   const struct sl_addr *src, int sock, void *arg);

/* The network said dst cannot be reached (ICMP port or host unreachable
 * for a datagram we sent there): err is ECONNREFUSED, EHOSTUNREACH... */
typedef void (*sl_unreach_cb)(struct sl_transport *t, const struct sl_addr *dst,
			      int err, void *arg);

/* Returns 0 or ENOMEM. */
int sl_transport_new(struct sl_loop *l, enum sl_proto proto, sl_recv_cb cb,
		     void *arg, struct sl_transport **out);
void sl_transport_free(struct sl_transport *t);
/* Asks to be told when a destination turns out unreachable (UDP), or when
 * a connection we wait for an answer on breaks and no answer can come
 * back another way (TCP, TLS without a listening socket). */
void sl_transport_on_unreachable(struct sl_transport *t, sl_unreach_cb cb);

/* Gives a TLS transport its context (trust, certificate); the caller keeps
 * it and frees it after the transport. */
void sl_transport_set_tls(struct sl_transport *t, struct sl_tls *tls);
/* Says which name the TLS peer at dst must prove with its certificate:
 * the host of the URI or SIP_SERVER that led to dst (RFC 5922).  Without
 * one, dst's address is checked against the certificate's IP addresses.
 * Only the last few destinations are remembered. */
void sl_transport_peer_name(struct sl_transport *t, const struct sl_addr *dst,
			    const char *name);

/* Binds the transport's socket (UDP) or listening socket (TCP) to local;
 * port 0 picks one.  Returns 0 or an errno value. */
int sl_transport_bind(struct sl_transport *t, const struct sl_addr *local);
/* Takes over an already bound socket (UDP, or a listening TCP socket) that a
 * parent process handed down.  Returns 0 or an errno value. */
int sl_transport_adopt(struct sl_transport *t, int fd);
/* The bound socket (-1 when none), e.g. to hand it to a child. */
int sl_transport_fd(const struct sl_transport *t);
/* The address the socket was bound to (its port the real one).  Returns 0,
 * or ENOTCONN when there is no bound socket. */
int sl_transport_bound(const struct sl_transport *t, struct sl_addr *out);

/* Adds another UDP socket (a serve-mode child replies to its first INVITE
 * from the shared listening socket it inherited, without reading it).
 * watch: read from it too.  Returns its number (1 or more) for
 * sl_transport_send_on, or -1 when the table is full. */
int sl_transport_add_udp(struct sl_transport *t, int fd, int watch);
/* Sends to a peer through another process: fn gets the message instead of
 * a socket.  Returns 0 or an errno value. */
typedef int (*sl_relay_fn)(const struct sl_addr *dst, const char *buf, size_t len,
			   void *arg);
/* From now on, whatever is sent to peer goes to fn (a serve-mode call
 * process hands it to its parent, the one writer of the TCP connection the
 * peer came on).  Returns 0, or ENOSPC past 8 peers. */
int sl_transport_relay(struct sl_transport *t, const struct sl_addr *peer,
		       sl_relay_fn fn, void *arg);
/* From now on, everything is sent through fn, and local is the address
 * Via and Contact name (sip-register sends from the socket its child
 * reads: lib/regchan.h); fn NULL: sent from our own sockets again. */
void sl_transport_relay_all(struct sl_transport *t, const struct sl_addr *local,
			    sl_relay_fn fn, void *arg);
/* A TCP or TLS connection with peer was closed or broke. */
typedef void (*sl_lost_cb)(struct sl_transport *t, const struct sl_addr *peer,
			   void *arg);
/* Asks to be told of every connection lost (to register again at once
 * over a new one). */
void sl_transport_on_lost(struct sl_transport *t, sl_lost_cb cb);
/* Says dst is unreachable as if the network had (another process found
 * out for us): the callback of sl_transport_on_unreachable runs. */
void sl_transport_unreachable(struct sl_transport *t, const struct sl_addr *dst,
			      int err);
/* In a forked child: closes every socket it inherited with its parent's
 * transport t but keep (-1: none), without touching the parent's loop or
 * freeing t. */
void sl_transport_drop_inherited(struct sl_transport *t, int keep);
/* Sends from UDP socket sock (0: the main one).  Returns 0 or an errno
 * value. */
int sl_transport_send_on(struct sl_transport *t, int sock,
			 const struct sl_addr *dst, const char *buf, size_t len);

/* Sends one message to dst.  TCP and TLS reuse a connection to or from
 * dst, or connect (waiting at most a few seconds, the TLS handshake
 * included; a certificate that fails verification is an error, never a
 * fall-back to another transport).  Returns 0, an errno value or an
 * SL_ETLS_* code (tls.h). */
int sl_transport_send(struct sl_transport *t, const struct sl_addr *dst,
		      const char *buf, size_t len);

/* The address this transport sends from towards dst, for Via and Contact:
 * the bound address, with a wildcard host replaced by the local address
 * that routes to dst; for TCP without a listening socket, the local end of
 * the connection to dst (made now if needed).  Returns 0 or an errno value. */
int sl_transport_local_for(struct sl_transport *t, const struct sl_addr *dst,
			   struct sl_addr *local);

enum sl_proto sl_transport_proto(const struct sl_transport *t);
/* "UDP", "TCP" or "TLS" as in Via; "udp" / "tcp" / "tls" as in URI
 * parameters. */
const char *sl_proto_via(enum sl_proto p);
const char *sl_proto_param(enum sl_proto p);
/* The port a URI without one means: 5061 for TLS, else 5060. */
int sl_proto_default_port(enum sl_proto p);
/* Parses "udp" / "tcp" / "tls" (any case).  Returns 0 or EINVAL. */
int sl_proto_parse(const char *s, enum sl_proto *p);

#endif
