/* The registration channel between sip-register and the program it
 * chain-loads (regchan.h): one message per packet, a header and a SIP
 * message (or nothing). */
#include "regchan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "handoff.h"
#include "log.h"
#include "transport.h"

enum {
	MSG_HELLO = 'H',        /* child -> parent */
	MSG_SEND = 'S',         /* parent -> child: send the body to addr */
	MSG_RECV = 'R',         /* child -> parent: the body came from addr */
	MSG_FAIL = 'E',         /* child -> parent: sending to addr failed: err */
	MSG_LOST = 'L',         /* child -> parent: connection with addr broke */
	MSG_PUBLIC = 'P',       /* parent -> child: our public address */
};

struct hdr {
	int type;
	int err;
	struct sockaddr_storage ss;
	socklen_t len;
};

struct sl_regchan {
	struct sl_loop *loop;
	int fd;
	struct sl_sip *sip;
	sl_regchan_cb cb;
	void *arg;
	char *buf;
};

/* Sends one message.  Returns 0 or an errno value. */
static int
put(int fd, int type, int err, const struct sl_addr *a, const char *body, size_t len)
{
	struct hdr h;
	struct iovec iov[2];
	struct msghdr m;

	memset(&h, 0, sizeof h);
	h.type = type;
	h.err = err;
	if (a) {
		memcpy(&h.ss, &a->ss, a->len);
		h.len = a->len;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof h;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = len;
	memset(&m, 0, sizeof m);
	m.msg_iov = iov;
	m.msg_iovlen = body ? 2 : 1;
	if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0)
		return errno;
	return 0;
}

/* Reads one message into buf (SL_SIP_MAX + 1 bytes, NUL-terminated).
 * Returns the body's length, 0 at the end, -1 for nothing (or a bad one). */
static ssize_t
get(int fd, struct hdr *h, struct sl_addr *a, char *buf)
{
	struct iovec iov[2];
	struct msghdr m;
	ssize_t n;

	iov[0].iov_base = h;
	iov[0].iov_len = sizeof *h;
	iov[1].iov_base = buf;
	iov[1].iov_len = SL_SIP_MAX;
	memset(&m, 0, sizeof m);
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n == 0)
		return 0;
	if (n < (ssize_t)sizeof *h || h->len > sizeof h->ss)
		return -1;
	n -= sizeof *h;
	buf[n] = '\0';
	memset(a, 0, sizeof *a);
	memcpy(&a->ss, &h->ss, h->len);
	a->len = h->len;
	return n + 1;       /* > 0 even for an empty body */
}

/* ---- sip-register's end ---- */

/* Sends through the child; once it is gone (its socket with it), from a
 * socket of our own: the unregistration on the way out still leaves. */
static int
relay(const struct sl_addr *dst, const char *buf, size_t len, void *arg)
{
	struct sl_regchan *ch = arg;
	int err = put(ch->fd, MSG_SEND, 0, dst, buf, len);

	if (err != EPIPE && err != ECONNRESET && err != ENOTCONN)
		return err;
	sl_regchan_unuse(ch);
	return sl_transport_send(sl_sip_transport(ch->sip), dst, buf, len);
}

static void
on_parent(int fd, short revents, void *arg)
{
	struct sl_regchan *ch = arg;
	struct hdr h;
	struct sl_addr a;
	ssize_t n = get(fd, &h, &a, ch->buf);

	if (n == 0 || (n < 0 && (revents & (POLLHUP | POLLERR)))) {
		sl_loop_unwatch(ch->loop, fd);
		ch->cb(SL_REGCHAN_CLOSED, NULL, ch->arg);
		return;
	}
	if (n < 0)
		return;
	switch (h.type) {
	case MSG_HELLO:
		ch->cb(SL_REGCHAN_HELLO, NULL, ch->arg);
		break;
	case MSG_RECV:
		sl_sip_inject(ch->sip, ch->buf, (size_t)n - 1, &a, 0);
		break;
	case MSG_FAIL:
		sl_transport_unreachable(sl_sip_transport(ch->sip), &a, h.err);
		break;
	case MSG_LOST:
		/* What was sent over that connection has lost its way back:
		 * its answer comes over the flow our Contact names, and the
		 * child's listening socket is no flow.  It fails now, as over
		 * a connection of our own, not after timer F's 32 s (seen
		 * when a registrar restarts: the REGISTER sent on the first
		 * loss reached the old process's backlog just before it
		 * went). */
		sl_transport_unreachable(sl_sip_transport(ch->sip), &a, ECONNRESET);
		ch->cb(SL_REGCHAN_LOST, &a, ch->arg);
		break;
	}
}

int
sl_regchan_parent(struct sl_loop *loop, int fd, struct sl_sip *sip,
		  sl_regchan_cb cb, void *arg, struct sl_regchan **out)
{
	struct sl_regchan *ch = calloc(1, sizeof *ch);
	int err;

	if (ch == NULL || (ch->buf = malloc(SL_SIP_MAX + 1)) == NULL) {
		free(ch);
		return ENOMEM;
	}
	ch->loop = loop;
	ch->fd = fd;
	ch->sip = sip;
	ch->cb = cb;
	ch->arg = arg;
	if ((err = sl_loop_watch(loop, fd, POLLIN, on_parent, ch)) != 0) {
		free(ch->buf);
		free(ch);
		return err;
	}
	*out = ch;
	return 0;
}

void
sl_regchan_use(struct sl_regchan *ch, const struct sl_addr *local)
{
	sl_transport_relay_all(sl_sip_transport(ch->sip), local, relay, ch);
}

void
sl_regchan_unuse(struct sl_regchan *ch)
{
	sl_transport_relay_all(sl_sip_transport(ch->sip), NULL, NULL, NULL);
}

int
sl_regchan_public(struct sl_regchan *ch, const struct sl_addr *pub)
{
	return put(ch->fd, MSG_PUBLIC, 0, pub, NULL, 0);
}

void
sl_regchan_free(struct sl_regchan *ch)
{
	if (ch == NULL)
		return;
	sl_loop_unwatch(ch->loop, ch->fd);
	close(ch->fd);
	free(ch->buf);
	free(ch);
}

/* ---- the child's end: one per process ---- */

static struct sl_regchan child = { .fd = -1 };

static int
child_foreign(const char *buf, size_t len, osip_message_t *msg,
	      const struct sl_addr *src, void *arg)
{
	(void)msg;
	(void)arg;
	if (child.fd >= 0)
		put(child.fd, MSG_RECV, 0, src, buf, len);
	return 1;
}

static void
child_lost(struct sl_transport *t, const struct sl_addr *peer, void *arg)
{
	(void)t;
	(void)arg;
	if (child.fd >= 0)
		put(child.fd, MSG_LOST, 0, peer, NULL, 0);
}

static void
child_unreach(const struct sl_addr *dst, int err, void *arg)
{
	(void)arg;
	if (child.fd >= 0)
		put(child.fd, MSG_FAIL, err, dst, NULL, 0);
}

static void
on_child(int fd, short revents, void *arg)
{
	struct hdr h;
	struct sl_addr a;
	ssize_t n = get(fd, &h, &a, child.buf);
	int err;

	(void)arg;
	if (n == 0 || (n < 0 && (revents & (POLLHUP | POLLERR)))) {
		/* sip-register is gone: calls go on, nothing registers. */
		sl_loop_unwatch(child.loop, fd);
		close(fd);
		child.fd = -1;
		return;
	}
	if (n < 0)
		return;
	switch (h.type) {
	case MSG_SEND:
		err = sl_transport_send(sl_sip_transport(child.sip), &a, child.buf,
					(size_t)n - 1);
		if (err)
			put(fd, MSG_FAIL, err, &a, NULL, 0);
		break;
	case MSG_PUBLIC:
		sl_sip_set_public(child.sip, a.len ? &a : NULL);
		break;
	}
}

int
sl_regchan_child(struct sl_loop *loop, struct sl_sip *sip, int use)
{
	int fd, type, err;
	socklen_t len = sizeof type;

	child.fd = -1;
	if (sl_handoff_regchan_take(&fd) != 0) {
		sl_warn("ignoring %s: not a descriptor", SL_ENV_SIP_REGISTER_FD);
		return 0;
	}
	if (fd < 0)
		return 0;
	if (!use) {
		/* Closed at once: sip-register registers from its own. */
		close(fd);
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET) {
		sl_warn("ignoring %s=%d: not a registration channel", SL_ENV_SIP_REGISTER_FD, fd);
		return 0;
	}
	/* Not for the calls' media commands. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if ((child.buf = malloc(SL_SIP_MAX + 1)) == NULL)
		return ENOMEM;
	child.loop = loop;
	child.sip = sip;
	child.fd = fd;
	if ((err = sl_loop_watch(loop, fd, POLLIN, on_child, NULL)) != 0)
		return err;
	sl_sip_on_foreign(sip, child_foreign, NULL);
	sl_sip_on_unreachable(sip, child_unreach, NULL);
	sl_transport_on_lost(sl_sip_transport(sip), child_lost);
	return put(fd, MSG_HELLO, 0, NULL, NULL, 0);
}

void
sl_regchan_child_drop(void)
{
	if (child.fd >= 0)
		close(child.fd);
	child.fd = -1;
}
