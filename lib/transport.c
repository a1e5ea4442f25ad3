/* SIP transport over UDP, TCP and TLS.  UDP is a socket (and, in a
 * serve-mode call process, the shared one it answers from).  TCP is a
 * listening socket (when bound) plus connections, each with a receive
 * buffer that is cut into messages by the Content-Length of each header
 * block.  TLS is TCP with a session (tls.c) on each connection: the same
 * framing, on the bytes the session decrypts. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "tls.h"

#define MAX_CONNS 64
#define MAX_RELAYS 8
#define CONNECT_TIMEOUT_MS 3000
#define MAX_NAMES 8

struct conn {
	int fd;
	struct sl_addr peer;
	struct sl_addr local;
	char *buf;
	size_t len;
	struct sl_tls_conn *tls;    /* TLS only */
	int handshaking;            /* TLS: an accepted one not ready yet */
	short events;               /* what the loop watches it for */
	struct sl_timer hs_timer;   /* bounds an accepted one's handshake */
	struct sl_transport *t;
};

struct sl_transport {
	struct sl_loop *loop;
	enum sl_proto proto;
	sl_recv_cb cb;
	sl_unreach_cb unreach;
	void *arg;
	int fd;                 /* UDP socket or TCP listener; -1 = none */
	struct sl_addr bound;
	/* A UDP client that never bound binds an ephemeral socket of its
	 * first destination's family (own), and one of the other family
	 * when a destination of it comes: the targets of a name with A and
	 * AAAA records are tried one after the other. */
	int own;
	int fd2;                /* -1 = none */
	struct sl_addr bound2;
	struct conn conns[MAX_CONNS];
	int extra[4];           /* more UDP sockets, numbered 1.. */
	int nextra;
	struct {                /* peers reached through another process */
		struct sl_addr peer;
		sl_relay_fn fn;
		void *arg;
	} relays[MAX_RELAYS];
	int nrelays;
	/* Every destination reached through another process (sip-register's
	 * REGISTERs leave from its child's socket), and the address that
	 * socket sends from; relay_all NULL: none. */
	sl_relay_fn relay_all;
	void *relay_all_arg;
	struct sl_addr relay_local;
	sl_lost_cb lost;
	char *rxbuf;            /* UDP datagram buffer */
	struct sl_tls *tls;     /* TLS: the context (not ours to free) */
	struct {                /* TLS: the name each peer must prove */
		struct sl_addr addr;
		char name[256];
	} names[MAX_NAMES];
	int nextname;
	int no_cert_said;
};

const char *
sl_proto_via(enum sl_proto p)
{
	return p == SL_PROTO_TLS ? "TLS" : p == SL_PROTO_TCP ? "TCP" : "UDP";
}

const char *
sl_proto_param(enum sl_proto p)
{
	return p == SL_PROTO_TLS ? "tls" : p == SL_PROTO_TCP ? "tcp" : "udp";
}

int
sl_proto_default_port(enum sl_proto p)
{
	return p == SL_PROTO_TLS ? 5061 : 5060;
}

int
sl_proto_parse(const char *s, enum sl_proto *p)
{
	if (strcasecmp(s, "udp") == 0)
		*p = SL_PROTO_UDP;
	else if (strcasecmp(s, "tcp") == 0)
		*p = SL_PROTO_TCP;
	else if (strcasecmp(s, "tls") == 0)
		*p = SL_PROTO_TLS;
	else
		return EINVAL;
	return 0;
}

int
sl_transport_new(struct sl_loop *l, enum sl_proto proto, sl_recv_cb cb,
		 void *arg, struct sl_transport **out)
{
	struct sl_transport *t = calloc(1, sizeof *t);
	int i;

	if (t == NULL)
		return ENOMEM;
	t->rxbuf = malloc(SL_SIP_MAX + 1);
	if (t->rxbuf == NULL) {
		free(t);
		return ENOMEM;
	}
	t->loop = l;
	t->proto = proto;
	t->cb = cb;
	t->arg = arg;
	t->fd = -1;
	t->fd2 = -1;
	for (i = 0; i < MAX_CONNS; i++)
		t->conns[i].fd = -1;
	*out = t;
	return 0;
}

static void
conn_close(struct sl_transport *t, struct conn *c)
{
	if (c->fd < 0)
		return;
	sl_loop_unwatch(t->loop, c->fd);
	sl_timer_stop(t->loop, &c->hs_timer);
	sl_tls_conn_free(c->tls);
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

void
sl_transport_free(struct sl_transport *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < MAX_CONNS; i++)
		conn_close(t, &t->conns[i]);
	for (i = 0; i < t->nextra; i++) {
		sl_loop_unwatch(t->loop, t->extra[i]);
		close(t->extra[i]);
	}
	if (t->fd >= 0) {
		sl_loop_unwatch(t->loop, t->fd);
		close(t->fd);
	}
	if (t->fd2 >= 0) {
		sl_loop_unwatch(t->loop, t->fd2);
		close(t->fd2);
	}
	free(t->rxbuf);
	free(t);
}

enum sl_proto
sl_transport_proto(const struct sl_transport *t)
{
	return t->proto;
}

void
sl_transport_set_tls(struct sl_transport *t, struct sl_tls *tls)
{
	t->tls = tls;
}

void
sl_transport_peer_name(struct sl_transport *t, const struct sl_addr *dst,
		       const char *name)
{
	int i;

	if (t->proto != SL_PROTO_TLS)
		return;
	for (i = 0; i < MAX_NAMES; i++)
		if (sl_addr_equal(&t->names[i].addr, dst))
			break;
	if (i == MAX_NAMES) {
		i = t->nextname;
		t->nextname = (t->nextname + 1) % MAX_NAMES;
	}
	t->names[i].addr = *dst;
	snprintf(t->names[i].name, sizeof t->names[i].name, "%s", name);
}

/* The name the peer at dst must prove (its address when none was given),
 * and "name:port" for messages into where. */
static const char *
peer_name(struct sl_transport *t, const struct sl_addr *dst, char *buf,
	  char *where, size_t wsize)
{
	const char *name = NULL;
	int i;

	for (i = 0; i < MAX_NAMES && name == NULL; i++)
		if (t->names[i].addr.len && sl_addr_equal(&t->names[i].addr, dst))
			name = t->names[i].name;
	if (name == NULL) {
		name = sl_addr_host(dst, buf);
		snprintf(where, wsize, "%s", sl_addr_str(dst, (char[SL_ADDR_STRLEN]){ 0 }));
	} else {
		snprintf(where, wsize, "%s%s%s:%d", strchr(name, ':') && name[0] != '[' ? "[" : "",
			 name, strchr(name, ':') && name[0] != '[' ? "]" : "", sl_addr_port(dst));
	}
	return name;
}

int
sl_transport_fd(const struct sl_transport *t)
{
	return t->fd;
}

int
sl_transport_bound(const struct sl_transport *t, struct sl_addr *out)
{
	if (t->fd < 0 || t->bound.len == 0)
		return ENOTCONN;
	*out = t->bound;
	return 0;
}

void
sl_transport_on_unreachable(struct sl_transport *t, sl_unreach_cb cb)
{
	t->unreach = cb;
}

/* Reads the socket's error queue (IP_RECVERR): each entry names the
 * destination of a datagram that came back as unreachable. */
static void
read_errors(struct sl_transport *t, int fd)
{
	for (;;) {
		char ctl[512], head[64];
		struct sl_addr dst;
		/* Not rxbuf: this also runs from a send, while a received
		 * message may still be in use there. */
		struct iovec iov = { head, sizeof head };
		struct msghdr mh;
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof mh);
		mh.msg_name = &dst.ss;
		mh.msg_namelen = sizeof dst.ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof ctl;
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		dst.len = mh.msg_namelen;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			struct sock_extended_err ee;

			if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof ee);
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6 &&
			    ee.ee_origin != SO_EE_ORIGIN_LOCAL)
				continue;
			if (t->unreach && ee.ee_errno && dst.len)
				t->unreach(t, &dst, (int)ee.ee_errno, t->arg);
		}
	}
}

/* Sends one datagram from fd.  An ICMP error that came back for an
 * earlier datagram is reported by the next sendto() on the socket,
 * whatever its destination: pass it on from the error queue (which names
 * the destination it belongs to) and send again.  Returns 0 or an errno
 * value. */
static int
udp_send(struct sl_transport *t, int fd, const struct sl_addr *dst,
	 const char *buf, size_t len)
{
	int tries, err = 0;

	for (tries = 0; tries < 8; tries++) {
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)&dst->ss, dst->len) >= 0)
			return 0;
		err = errno;
		if (err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH &&
		    err != EHOSTDOWN)
			return err;
		read_errors(t, fd);
	}
	return err;
}

static void
on_udp(int fd, short revents, void *arg)
{
	struct sl_transport *t = arg;
	struct sl_addr src;
	ssize_t n;
	int budget = 64;  /* leave room for timers under a flood */
	int sock = 0, i;

	for (i = 0; i < t->nextra; i++)
		if (t->extra[i] == fd)
			sock = i + 1;
	if (revents & POLLERR)
		read_errors(t, fd);
	while (budget-- > 0) {
		src.len = sizeof src.ss;
		n = recvfrom(fd, t->rxbuf, SL_SIP_MAX, MSG_DONTWAIT,
			     (struct sockaddr *)&src.ss, &src.len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == EHOSTDOWN) {
				read_errors(t, fd);
				continue;
			}
			sl_warn_err(errno, "unable to receive");
			return;
		}
		t->rxbuf[n] = '\0';
		t->cb(t, t->rxbuf, n, &src, sock, t->arg);
	}
}

/* Length of the first complete message in buf, 0 when more bytes are
 * needed, -1 when the stream cannot be framed (no usable Content-Length,
 * two that differ, or a message over the limit). */
static ssize_t
frame_length(const char *buf, size_t len)
{
	const char *end, *p;
	size_t head;
	long clen = 0, seen = -1;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		return len > SL_SIP_MAX ? -1 : 0;
	head = end - buf + 4;
	for (p = buf; p < end; ) {
		const char *eol = memmem(p, end - p + 2, "\r\n", 2);
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *v = NULL;

		if (n > 15 && strncasecmp(p, "Content-Length", 14) == 0 &&
		    (p[14] == ':' || p[14] == ' ' || p[14] == '\t'))
			v = p + 14;
		else if (n > 2 && (p[0] == 'l' || p[0] == 'L') &&
			 (p[1] == ':' || p[1] == ' ' || p[1] == '\t'))
			v = p + 1;
		if (v) {
			while (*v == ' ' || *v == '\t' || *v == ':')
				v++;
			if (*v < '0' || *v > '9')
				return -1;
			clen = strtol(v, NULL, 10);
			/* Two that differ leave the body's end unknown: as
			 * unframed as a negative one (RFC 4475 §3.3.9). */
			if (clen < 0 || clen > SL_SIP_MAX || (seen >= 0 && clen != seen))
				return -1;
			seen = clen;
		}
		p += n + 2;
	}
	if (head + clen > SL_SIP_MAX)
		return -1;
	return len >= head + clen ? (ssize_t)(head + clen) : 0;
}

static void on_tcp_conn(int fd, short revents, void *arg);

/* Reads what the connection has for us into buf.  Returns the number of
 * bytes, 0 when the peer closed it, or -1 with errno set (EAGAIN: nothing
 * yet). */
static ssize_t
conn_read(struct conn *c, char *buf, size_t size)
{
	size_t n;
	int err;

	if (c->tls == NULL)
		return read(c->fd, buf, size);
	err = sl_tls_read(c->tls, buf, size, &n);
	if (err) {
		errno = err;
		return -1;
	}
	return (ssize_t)n;
}

/* Watches c for events (a TLS session may wait to write while reading). */
static void
conn_watch(struct sl_transport *t, struct conn *c, short events)
{
	if (c->events == events)
		return;
	if (sl_loop_watch(t->loop, c->fd, events, on_tcp_conn, t) == 0)
		c->events = events;
}

/* Hands every whole message in c's buffer to the callback.  Returns 0, or
 * -1 when c was closed (or its slot reused) meanwhile. */
static int
deliver(struct sl_transport *t, struct conn *c)
{
	ssize_t m;

	for (;;) {
		/* Keep-alive CRLFs between messages (RFC 5626) are skipped. */
		size_t skip = 0;

		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		if (skip) {
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
		}
		m = frame_length(c->buf, c->len);
		if (m < 0 || (m == 0 && c->len == SL_SIP_MAX)) {
			sl_warn("closing %s connection from %s: message too large or unframed",
				sl_proto_via(t->proto),
				sl_addr_str(&c->peer, (char[SL_ADDR_STRLEN]){ 0 }));
			conn_close(t, c);
			return -1;
		}
		if (m == 0)
			return 0;
		{
			char save = c->buf[m];
			struct sl_addr peer = c->peer;
			int cfd = c->fd;

			c->buf[m] = '\0';
			t->cb(t, c->buf, m, &peer, 0, t->arg);
			/* The callback may have closed or reused this slot. */
			if (c->fd != cfd)
				return -1;
			c->buf[m] = save;
		}
		memmove(c->buf, c->buf + m, c->len - m);
		c->len -= m;
	}
}

/* The peer closed c (or broke it: err).  A part of a message left in the
 * buffer is said; a client that waits for an answer over c is told at
 * once when no answer can come any other way (no listening socket the
 * peer could connect back to). */
static void
conn_lost(struct sl_transport *t, struct conn *c, int err)
{
	char a[SL_ADDR_STRLEN];
	struct sl_addr peer = c->peer;
	int tell = t->fd < 0 && t->unreach;

	if (c->len)
		sl_warn("%s connection closed by %s in the middle of a message (%zu bytes dropped)",
			sl_proto_via(t->proto), sl_addr_str(&c->peer, a), c->len);
	else
		sl_debug("%s connection closed by %s%s%s", sl_proto_via(t->proto),
			 sl_addr_str(&c->peer, a), err ? ": " : "", err ? sl_strerror(err) : "");
	if (sl_tls_failed(err)) {
		/* Not a debug matter: the peer refused us (a certificate it
		 * wants...).  Who it was goes with the error. */
		if (tell)
			sl_tls_note_peer(err, a);
		else
			sl_warn("closing TLS connection with %s: %s", a, sl_strerror(err));
	}
	conn_close(t, c);
	if (t->lost)
		t->lost(t, &peer, t->arg);
	if (tell)
		t->unreach(t, &peer, err ? err : ECONNRESET, t->arg);
}

/* Goes on with an accepted connection's TLS handshake. */
static void
accept_step(struct sl_transport *t, struct conn *c)
{
	char a[SL_ADDR_STRLEN];
	int err = sl_tls_handshake(c->tls);

	if (err == EAGAIN) {
		conn_watch(t, c, sl_tls_conn_events(c->tls));
		return;
	}
	if (err) {
		sl_warn("closing TLS connection from %s: %s", sl_addr_str(&c->peer, a),
			sl_strerror(err));
		conn_close(t, c);
		return;
	}
	c->handshaking = 0;
	sl_timer_stop(t->loop, &c->hs_timer);
	sl_debug("TLS connection from %s", sl_addr_str(&c->peer, a));
	conn_watch(t, c, POLLIN);
}

static void
on_handshake_timeout(void *arg)
{
	struct conn *c = arg;

	sl_warn("closing TLS connection from %s: no handshake within %d s",
		sl_addr_str(&c->peer, (char[SL_ADDR_STRLEN]){ 0 }), SL_TLS_HANDSHAKE_MS / 1000);
	conn_close(c->t, c);
}

static void
on_tcp_conn(int fd, short revents, void *arg)
{
	struct sl_transport *t = arg;
	struct conn *c = NULL;
	ssize_t n;
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (t->conns[i].fd == fd)
			c = &t->conns[i];
	if (c == NULL)
		return;
	if (c->handshaking) {
		accept_step(t, c);
		return;
	}
	if (c->buf == NULL && (c->buf = malloc(SL_SIP_MAX + 1)) == NULL) {
		conn_close(t, c);
		return;
	}
	/* A TLS session may hold bytes it has already taken off the socket,
	 * which poll would never announce: read until it has none. */
	do {
		n = conn_read(c, c->buf + c->len, SL_SIP_MAX - c->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (c->tls)
				conn_watch(t, c, sl_tls_conn_events(c->tls));
			return;
		}
		if (n <= 0) {
			conn_lost(t, c, n < 0 ? errno : 0);
			return;
		}
		if (c->tls)
			conn_watch(t, c, POLLIN);
		c->len += n;
		if (deliver(t, c) != 0)
			return;
	} while (c->tls && sl_tls_pending(c->tls));
}

/* Takes fd (with its TLS session, if any) as a new connection slot;
 * returns it or NULL when full. */
static struct conn *
conn_add(struct sl_transport *t, int fd, const struct sl_addr *peer,
	 struct sl_tls_conn *tls)
{
	int i, one = 1;

	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &t->conns[i];

		if (c->fd >= 0)
			continue;
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->t = t;
		c->peer = *peer;
		c->tls = tls;
		c->local.len = sizeof c->local.ss;
		getsockname(fd, (struct sockaddr *)&c->local.ss, &c->local.len);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (sl_loop_watch(t->loop, fd, POLLIN, on_tcp_conn, t)) {
			c->fd = -1;
			c->tls = NULL;
			return NULL;
		}
		c->events = POLLIN;
		return c;
	}
	return NULL;
}

static void
on_tcp_listen(int fd, short revents, void *arg)
{
	struct sl_transport *t = arg;
	struct sl_tls_conn *tls = NULL;
	struct sl_addr peer;
	struct conn *c;
	int cfd;

	peer.len = sizeof peer.ss;
	cfd = accept4(fd, (struct sockaddr *)&peer.ss, &peer.len,
		      SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	if (t->proto == SL_PROTO_TLS) {
		if (!sl_tls_has_cert(t->tls)) {
			if (!t->no_cert_said++)
				sl_warn("refusing TLS connections: no certificate to show (set SIP_CERT_FILE and SIP_KEY_FILE)");
			close(cfd);
			return;
		}
		if (sl_tls_conn_new(t->tls, cfd, 1, NULL, &tls) != 0) {
			close(cfd);
			return;
		}
	}
	if ((c = conn_add(t, cfd, &peer, tls)) == NULL) {
		sl_warn("refusing %s connection: too many connections", sl_proto_via(t->proto));
		sl_tls_conn_free(tls);
		close(cfd);
		return;
	}
	if (tls) {
		/* The handshake runs from the loop, never holding it: a peer
		 * that stalls gets SL_TLS_HANDSHAKE_MS. */
		c->handshaking = 1;
		sl_timer_start(t->loop, &c->hs_timer, SL_TLS_HANDSHAKE_MS, on_handshake_timeout, c);
		accept_step(t, c);
	}
}

static int
watch_bound(struct sl_transport *t)
{
	int fl = fcntl(t->fd, F_GETFL), one = 1;

	if (t->proto == SL_PROTO_UDP) {
		/* Learn at once when a destination is closed, instead of
		 * retransmitting into the void until timer F. */
		setsockopt(t->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
		setsockopt(t->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	}
	fcntl(t->fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(t->fd, F_SETFD, FD_CLOEXEC);
	t->bound.len = sizeof t->bound.ss;
	if (getsockname(t->fd, (struct sockaddr *)&t->bound.ss, &t->bound.len) < 0)
		return errno;
	return sl_loop_watch(t->loop, t->fd, POLLIN,
			     t->proto == SL_PROTO_UDP ? on_udp : on_tcp_listen, t);
}

int
sl_transport_bind(struct sl_transport *t, const struct sl_addr *local)
{
	int one = 1, fd, type;

	type = t->proto == SL_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	fd = socket(local->ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (t->proto != SL_PROTO_UDP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (local->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0 ||
	    (t->proto != SL_PROTO_UDP && listen(fd, 64) < 0)) {
		int err = errno;

		close(fd);
		return err;
	}
	t->fd = fd;
	return watch_bound(t);
}

int
sl_transport_adopt(struct sl_transport *t, int fd)
{
	int type;
	socklen_t len = sizeof type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno;
	if ((type == SOCK_DGRAM) != (t->proto == SL_PROTO_UDP))
		return EPROTOTYPE;
	t->fd = fd;
	return watch_bound(t);
}

static struct conn *
conn_find(struct sl_transport *t, const struct sl_addr *dst)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (t->conns[i].fd >= 0 && sl_addr_equal(&t->conns[i].peer, dst))
			return &t->conns[i];
	return NULL;
}

/* Waits (bounded by deadline, monotonic ms) until fd is ready for events.
 * Returns 0 or ETIMEDOUT. */
static int
wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	int64_t left;
	int r;

	do {
		left = deadline - sl_now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : ETIMEDOUT;
}

/* The client's handshake on a fresh connection to dst: bounded, like the
 * connect before it (the tool has nothing to do meanwhile but wait for
 * it).  Returns 0 or an errno / SL_ETLS_* value. */
static int
tls_connect(struct sl_transport *t, int fd, const struct sl_addr *dst,
	    struct sl_tls_conn **out)
{
	char host[SL_ADDR_STRLEN], where[300];
	const char *name = peer_name(t, dst, host, where, sizeof where);
	int64_t deadline = sl_now_ms() + SL_TLS_HANDSHAKE_MS;
	int err;

	if ((err = sl_tls_conn_new(t->tls, fd, 0, name, out)) != 0)
		return err;
	while ((err = sl_tls_handshake(*out)) == EAGAIN)
		if (wait_for(fd, sl_tls_conn_events(*out), deadline) != 0) {
			err = SL_ETLS_TIMEOUT;
			break;
		}
	if (err == 0) {
		sl_debug("TLS connection to %s, certificate verified", where);
		return 0;
	}
	sl_tls_conn_free(*out);
	*out = NULL;
	if (!sl_tls_failed(err))
		return err;
	sl_tls_note_peer(err, where);
	return err;
}

/* Connects to dst, waiting at most CONNECT_TIMEOUT_MS (and for TLS the
 * handshake at most SL_TLS_HANDSHAKE_MS).  Returns the connection, or
 * NULL with errno set (an SL_ETLS_* value for TLS). */
static struct conn *
conn_open(struct sl_transport *t, const struct sl_addr *dst)
{
	struct sl_tls_conn *tls = NULL;
	struct conn *c;
	socklen_t len;
	int fd, err = 0;

	fd = socket(dst->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		if (wait_for(fd, POLLOUT, sl_now_ms() + CONNECT_TIMEOUT_MS) != 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		len = sizeof err;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			goto fail;
	}
	if (t->proto == SL_PROTO_TLS && (err = tls_connect(t, fd, dst, &tls)) != 0)
		goto fail;
	c = conn_add(t, fd, dst, tls);
	if (c == NULL) {
		sl_tls_conn_free(tls);
		err = EMFILE;
		goto fail;
	}
	return c;
fail:
	close(fd);
	errno = err;
	return NULL;
}

/* Writes all of buf to c, waiting (bounded) when the kernel buffer is
 * full: a partial write goes on from where it stopped.  Returns 0 or an
 * errno value. */
static int
conn_write(struct conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		short events = POLLOUT;
		size_t n = 0;
		int err = 0;

		if (c->tls) {
			err = sl_tls_write(c->tls, buf, len, &n);
			events = sl_tls_conn_events(c->tls);
		} else {
			ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);

			if (r < 0)
				err = errno == EWOULDBLOCK ? EAGAIN : errno;
			else
				n = (size_t)r;
		}
		if (err == EINTR)
			continue;
		if (err == EAGAIN) {
			if (wait_for(c->fd, events, sl_now_ms() + CONNECT_TIMEOUT_MS) != 0)
				return ETIMEDOUT;
			continue;
		}
		if (err)
			return err;
		buf += n;
		len -= n;
	}
	return 0;
}

int
sl_transport_add_udp(struct sl_transport *t, int fd, int watch)
{
	int one = 1;

	if (t->nextra == (int)(sizeof t->extra / sizeof *t->extra))
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	if (watch) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (sl_loop_watch(t->loop, fd, POLLIN, on_udp, t) != 0)
			return -1;
	}
	t->extra[t->nextra++] = fd;
	return t->nextra;
}

int
sl_transport_relay(struct sl_transport *t, const struct sl_addr *peer,
		   sl_relay_fn fn, void *arg)
{
	int i;

	for (i = 0; i < t->nrelays; i++)
		if (sl_addr_equal(&t->relays[i].peer, peer))
			return 0;
	if (t->nrelays == MAX_RELAYS)
		return ENOSPC;
	t->relays[t->nrelays].peer = *peer;
	t->relays[t->nrelays].fn = fn;
	t->relays[t->nrelays].arg = arg;
	t->nrelays++;
	return 0;
}

void
sl_transport_relay_all(struct sl_transport *t, const struct sl_addr *local,
		       sl_relay_fn fn, void *arg)
{
	t->relay_all = fn;
	t->relay_all_arg = arg;
	if (local)
		t->relay_local = *local;
}

void
sl_transport_on_lost(struct sl_transport *t, sl_lost_cb cb)
{
	t->lost = cb;
}

void
sl_transport_unreachable(struct sl_transport *t, const struct sl_addr *dst, int err)
{
	if (t->unreach)
		t->unreach(t, dst, err, t->arg);
}

void
sl_transport_drop_inherited(struct sl_transport *t, int keep)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (t->conns[i].fd >= 0 && t->conns[i].fd != keep)
			close(t->conns[i].fd);
	for (i = 0; i < t->nextra; i++)
		if (t->extra[i] != keep)
			close(t->extra[i]);
	if (t->fd >= 0 && t->fd != keep)
		close(t->fd);
	if (t->fd2 >= 0 && t->fd2 != keep)
		close(t->fd2);
}

int
sl_transport_send_on(struct sl_transport *t, int sock, const struct sl_addr *dst,
		     const char *buf, size_t len)
{
	if (sock <= 0 || sock > t->nextra || t->proto != SL_PROTO_UDP)
		return sl_transport_send(t, dst, buf, len);
	return udp_send(t, t->extra[sock - 1], dst, buf, len);
}

/* Binds an ephemeral UDP socket of family (a wildcard address), read
 * like the main one.  Returns it, or -1 with errno set. */
static int
udp_bind_any(struct sl_transport *t, int family, struct sl_addr *bound)
{
	struct sl_addr any;
	int fd, one = 1, err;

	memset(&any, 0, sizeof any);
	any.ss.ss_family = family;
	any.len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	bound->len = sizeof bound->ss;
	if (bind(fd, (struct sockaddr *)&any.ss, any.len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound->ss, &bound->len) < 0 ||
	    (errno = sl_loop_watch(t->loop, fd, POLLIN, on_udp, t)) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* The UDP socket that sends to dst, and the address it is bound to: the
 * bound socket; a client that never bound binds its own now, of dst's
 * family, and another for the other family when one is needed.  Returns
 * it, or -1 with *err set. */
static int
udp_socket_for(struct sl_transport *t, const struct sl_addr *dst,
	       const struct sl_addr **bound, int *err)
{
	if (t->fd < 0) {
		if ((t->fd = udp_bind_any(t, dst->ss.ss_family, &t->bound)) < 0) {
			*err = errno;
			return -1;
		}
		t->own = 1;
	}
	*bound = &t->bound;
	if (!t->own || t->bound.ss.ss_family == dst->ss.ss_family)
		return t->fd;
	if (t->fd2 < 0 &&
	    (t->fd2 = udp_bind_any(t, dst->ss.ss_family, &t->bound2)) < 0) {
		*err = errno;
		return -1;
	}
	*bound = &t->bound2;
	return t->fd2;
}

int
sl_transport_send(struct sl_transport *t, const struct sl_addr *dst,
		  const char *buf, size_t len)
{
	struct conn *c;
	int err, i;

	if (len > SL_SIP_MAX)
		return EMSGSIZE;
	if (t->relay_all)
		return t->relay_all(dst, buf, len, t->relay_all_arg);
	for (i = 0; i < t->nrelays; i++)
		if (sl_addr_equal(&t->relays[i].peer, dst))
			return t->relays[i].fn(dst, buf, len, t->relays[i].arg);
	if (t->proto == SL_PROTO_UDP) {
		const struct sl_addr *bound;
		int fd = udp_socket_for(t, dst, &bound, &err);

		if (fd < 0)
			return err;
		return udp_send(t, fd, dst, buf, len);
	}
	c = conn_find(t, dst);
	if (c == NULL && (c = conn_open(t, dst)) == NULL)
		return errno;
	err = conn_write(c, buf, len);
	if (err)
		conn_close(t, c);
	return err;
}

int
sl_transport_local_for(struct sl_transport *t, const struct sl_addr *dst,
		       struct sl_addr *local)
{
	struct sl_addr route;
	int err;

	if (t->relay_all) {
		*local = t->relay_local;
		return 0;
	}
	if (t->proto != SL_PROTO_UDP && t->fd < 0) {
		struct conn *c = conn_find(t, dst);

		if (c == NULL && (c = conn_open(t, dst)) == NULL)
			return errno;
		*local = c->local;
		return 0;
	}
	if (t->proto == SL_PROTO_UDP) {
		const struct sl_addr *bound;

		if (udp_socket_for(t, dst, &bound, &err) < 0)
			return err;
		*local = *bound;
	} else {
		*local = t->bound;
	}
	if (sl_addr_is_any(local) || local->ss.ss_family != dst->ss.ss_family) {
		if ((err = sl_addr_route_to(dst, &route)) != 0)
			return err;
		sl_addr_set_port(&route, sl_addr_port(local));
		*local = route;
	}
	return 0;
}
