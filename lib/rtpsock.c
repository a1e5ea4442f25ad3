/* The media tools' sockets: our own RTP/RTCP pair, inherited ones, and
 * datagrams with their arrival times. */
#include "rtpsock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A UDP socket of a's family bound to a (dual-stack when a is the IPv6
 * wildcard).  Returns the descriptor or -1 with errno set. */
static int
bound_socket(const struct sl_addr *a)
{
	int fd, off = 0, saved;

	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (a->ss.ss_family == AF_INET6 && sl_addr_is_any(a))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The port a socket is bound to, -1 on error. */
static int
bound_port(int fd)
{
	struct sl_addr a;

	a.len = sizeof a.ss;
	if (getsockname(fd, (struct sockaddr *)&a.ss, &a.len) < 0)
		return -1;
	return sl_addr_port(&a);
}

int
sl_rtp_open(const struct sl_addr *local, const struct sl_addr *remote,
	    int *rtp_fd, int *rtcp_fd, char *what, size_t whatsz)
{
	struct sl_addr l, r;
	char buf[SL_ADDR_STRLEN];
	int rtp = -1, rtcp = -1, port, tries, err;

	*rtp_fd = *rtcp_fd = -1;
	if (local && local->len) {
		l = *local;
	} else {
		/* Any port on the wildcard of the peer's family. */
		int fam = remote && remote->len ? sl_addr_family(remote) : AF_INET6;
		if ((err = sl_addr_resolve("", 0, fam, 1, &l)) != 0) {
			snprintf(what, whatsz, "find a local address");
			return err < 0 ? EADDRNOTAVAIL : err;
		}
	}
	if (sl_addr_port(&l) != 0) {
		if ((rtp = bound_socket(&l)) < 0) {
			err = errno;
			snprintf(what, whatsz, "bind %s", sl_addr_str(&l, buf));
			return err;
		}
		port = sl_addr_port(&l);
		if (port < 65535) {
			sl_addr_set_port(&l, port + 1);
			rtcp = bound_socket(&l);
			sl_addr_set_port(&l, port);
		}
	} else {
		/* An even port whose odd neighbour is free too (RFC 3550 11),
		 * else any port and no RTCP. */
		for (tries = 0; tries < 64 && rtcp < 0; tries++) {
			if ((rtp = bound_socket(&l)) < 0) {
				err = errno;
				snprintf(what, whatsz, "bind %s", sl_addr_str(&l, buf));
				return err;
			}
			port = bound_port(rtp);
			if (port > 0 && port % 2 == 0 && port < 65535) {
				sl_addr_set_port(&l, port + 1);
				rtcp = bound_socket(&l);
				sl_addr_set_port(&l, 0);
			}
			if (rtcp < 0 && tries < 63) {
				close(rtp);
				rtp = -1;
			}
		}
	}
	if (rtcp < 0)
		sl_debug("no RTCP: port %d is taken", bound_port(rtp) + 1);
	if (remote && remote->len) {
		r = *remote;
		if (connect(rtp, (const struct sockaddr *)&r.ss, r.len) < 0) {
			err = errno;
			snprintf(what, whatsz, "connect to %s", sl_addr_str(&r, buf));
			close(rtp);
			if (rtcp >= 0)
				close(rtcp);
			return err;
		}
		if (rtcp >= 0) {
			sl_addr_set_port(&r, (sl_addr_port(&r) + 1) & 0xffff);
			if (connect(rtcp, (const struct sockaddr *)&r.ss, r.len) < 0) {
				close(rtcp);
				rtcp = -1;
			}
		}
	}
	*rtp_fd = rtp;
	*rtcp_fd = rtcp;
	return 0;
}

int
sl_rtp_check_fd(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno;
	return type == SOCK_DGRAM ? 0 : ENOTSOCK;
}

int
sl_rtp_send(int fd, const void *buf, size_t n, const struct sl_addr *to,
	    uint64_t *refused)
{
	ssize_t w;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (to)
			w = sendto(fd, buf, n, 0, (const struct sockaddr *)&to->ss, to->len);
		else
			w = send(fd, buf, n, 0);
		if (w >= 0)
			return 0;
		if (errno == EINTR) {
			tries--;
			continue;
		}
		if (errno != ECONNREFUSED)
			return errno;
		/* The refusal was of an earlier datagram; this one was not
		 * sent. */
		if (refused)
			(*refused)++;
	}
	return ECONNREFUSED;
}

void
sl_rtp_stamp_arrivals(int fd)
{
	int on = 1;

	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

/* CLOCK_REALTIME and CLOCK_MONOTONIC now, ns. */
static void
clocks(int64_t *real, int64_t *mono)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	*real = (int64_t)r.tv_sec * 1000000000 + r.tv_nsec;
	*mono = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
}

#define BATCH 16

int
sl_rtp_recv(int fd, struct sl_rtp_dgram *d, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct cmsghdr *c;
	int64_t real, mono;
	int i, got;

	if (n > BATCH)
		n = BATCH;
	memset(mm, 0, sizeof mm[0] * (size_t)n);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = d[i].buf;
		iov[i].iov_len = sizeof d[i].buf;
		mm[i].msg_hdr.msg_name = &d[i].from.ss;
		mm[i].msg_hdr.msg_namelen = sizeof d[i].from.ss;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
	}
	do
		got = recvmmsg(fd, mm, (unsigned)n, MSG_DONTWAIT, NULL);
	/* An ICMP error of an earlier send (connected socket). */
	while (got < 0 && (errno == ECONNREFUSED || errno == EINTR));
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	clocks(&real, &mono);
	for (i = 0; i < got; i++) {
		d[i].len = mm[i].msg_len;
		d[i].truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		d[i].from.len = mm[i].msg_hdr.msg_namelen;
		d[i].arrival = mono;
		for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c; c = CMSG_NXTHDR(&mm[i].msg_hdr, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				int64_t t;

				memcpy(&ts, CMSG_DATA(c), sizeof ts);
				/* The stamp is on the wall clock: how long ago it
				 * was is what we take. */
				t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
				if (real >= t && real - t < 10000000000LL)
					d[i].arrival = mono - (real - t);
			}
		}
	}
	return got;
}
