/* The RTP and RTCP sockets of the media tools: our own pair (standalone
 * use), checks of inherited ones, and datagrams out and in. */
#ifndef SIPLINE_RTPSOCK_H
#define SIPLINE_RTPSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "rtp.h"

/* Opens our own RTP socket, close-on-exec: bound to local (wildcard host
 * or port 0 allowed; no local: the wildcard of remote's family, any port),
 * connect()ed to remote when remote->len != 0.  The RTCP socket goes on the
 * next port (an even/odd pair when we choose the port) and is connected to
 * remote's port + 1; *rtcp_fd is -1 when that port could not be had.
 * Returns 0 or an errno value, with the step that failed in what
 * ("bind 127.0.0.1:4000"). */
int sl_rtp_open(const struct sl_addr *local, const struct sl_addr *remote,
		int *rtp_fd, int *rtcp_fd, char *what, size_t whatsz);

/* Checks that an inherited descriptor is a UDP socket, and makes it
 * close-on-exec.  Returns 0, EBADF or ENOTSOCK. */
int sl_rtp_check_fd(int fd);

/* Sends one datagram: to `to`, or to the connected peer when to is NULL.
 * A connected socket reports an ICMP port unreachable that came back for
 * an earlier datagram by failing the next send with ECONNREFUSED, and
 * that datagram is not sent: it goes again, once, and *refused counts it.
 * Returns 0 or an errno value. */
int sl_rtp_send(int fd, const void *buf, size_t n, const struct sl_addr *to,
		uint64_t *refused);

/* Asks the kernel to stamp each datagram's arrival (read by sl_rtp_recv). */
void sl_rtp_stamp_arrivals(int fd);

/* A datagram read, with its sender and its arrival on the CLOCK_MONOTONIC
 * scale (the kernel's stamp when there is one, else the time it was
 * read). */
struct sl_rtp_dgram {
	uint8_t buf[SL_RTP_MAX];
	size_t len;
	int truncated;          /* it was longer than buf: not all here */
	struct sl_addr from;
	int64_t arrival;
};

/* Reads up to n waiting datagrams without blocking, in one system call
 * (an ICMP error reported instead of a datagram is skipped).  Returns how
 * many, 0 when none waits, or -1 with errno. */
int sl_rtp_recv(int fd, struct sl_rtp_dgram *d, int n);

#endif
