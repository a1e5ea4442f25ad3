/* udp-relay: forwards RTP from a loopback port to another (and RTCP from
 * the next port to the next port) with repeatable damage to the RTP:
 * pseudo-random loss from a seed, duplicates, swapped pairs.
 *
 * usage: udp-relay [-6] -l port -r port [-L percent] [-S seed] [-D n]
 *                  [-W n] [-x] [-I seconds]
 *   -L  drop that share of the RTP packets (the same ones for a seed)
 *   -D  send every n-th packet twice
 *   -W  hold every n-th packet back and send it after the next one
 *   -x  drop RTCP (a stream whose BYE never arrives)
 *   -I  stop after that long without traffic (default 30)
 * Stops on SIGTERM/SIGINT or when idle; then prints on stderr
 * "udp-relay: in=N out=N dropped=N duplicated=N swapped=N rtcp=N". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
bound(const char *host, int port, int family)
{
	struct sl_addr a;
	int fd;

	if (sl_addr_resolve(host, port, family, 1, &a) != 0)
		exit(111);
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		fprintf(stderr, "udp-relay: bind port %d: %s\n", port, strerror(errno));
		exit(111);
	}
	return fd;
}

/* xorshift: the same losses for the same seed. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int
main(int argc, char **argv)
{
	const char *lo = "127.0.0.1";
	int c, family = AF_INET, lport = 0, rport = 0, dup = 0, swap = 0;
	int no_rtcp = 0, fd[2], out[2];
	double loss = 0, idle = 30;
	uint32_t seed = 1;
	struct sl_addr dst[2];
	unsigned long in = 0, sent = 0, dropped = 0, duplicated = 0, swapped = 0, rtcp = 0;
	char held[2048], buf[2048];
	ssize_t heldlen = -1, n;
	struct pollfd pfd[2];
	struct sigaction sa;
	int i;

	while ((c = getopt(argc, argv, "6l:r:L:S:D:W:xI:")) != -1) {
		switch (c) {
		case '6': family = AF_INET6; lo = "::1"; break;
		case 'l': lport = atoi(optarg); break;
		case 'r': rport = atoi(optarg); break;
		case 'L': loss = atof(optarg); break;
		case 'S': seed = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'D': dup = atoi(optarg); break;
		case 'W': swap = atoi(optarg); break;
		case 'x': no_rtcp = 1; break;
		case 'I': idle = atof(optarg); break;
		default: return 100;
		}
	}
	if (lport <= 0 || rport <= 0) {
		fprintf(stderr, "usage: udp-relay [-6] -l port -r port [-L percent] "
			"[-S seed] [-D n] [-W n] [-x] [-I seconds]\n");
		return 100;
	}
	if (seed == 0)
		seed = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < 2; i++) {
		fd[i] = bound(lo, lport + i, family);
		out[i] = bound(lo, 0, family);
		if (sl_addr_resolve(lo, rport + i, family, 0, &dst[i]) != 0)
			return 111;
		pfd[i].fd = fd[i];
		pfd[i].events = POLLIN;
	}
	while (!stop) {
		int r = poll(pfd, 2, (int)(idle * 1000));
		if (r == 0)
			break;
		if (r < 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			n = recv(fd[1], buf, sizeof buf, 0);
			if (n >= 0 && !no_rtcp) {
				/* A BYE ends the stream: what is held goes first. */
				if (heldlen >= 0) {
					sendto(out[0], held, (size_t)heldlen, 0,
					       (struct sockaddr *)&dst[0].ss, dst[0].len);
					sent++;
					heldlen = -1;
				}
				sendto(out[1], buf, (size_t)n, 0,
				       (struct sockaddr *)&dst[1].ss, dst[1].len);
				rtcp++;
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = recv(fd[0], buf, sizeof buf, 0);
		if (n < 0)
			continue;
		in++;
		if (loss > 0 && (double)(rnd(&seed) % 10000) < loss * 100) {
			dropped++;
			continue;
		}
		if (swap > 0 && heldlen < 0 && in % (unsigned long)swap == 0) {
			memcpy(held, buf, (size_t)n);
			heldlen = n;
			swapped++;
			continue;
		}
		sendto(out[0], buf, (size_t)n, 0, (struct sockaddr *)&dst[0].ss, dst[0].len);
		sent++;
		if (dup > 0 && in % (unsigned long)dup == 0) {
			sendto(out[0], buf, (size_t)n, 0,
			       (struct sockaddr *)&dst[0].ss, dst[0].len);
			sent++;
			duplicated++;
		}
		if (heldlen >= 0) {
			sendto(out[0], held, (size_t)heldlen, 0,
			       (struct sockaddr *)&dst[0].ss, dst[0].len);
			sent++;
			heldlen = -1;
		}
	}
	fprintf(stderr, "udp-relay: in=%lu out=%lu dropped=%lu duplicated=%lu "
		"swapped=%lu rtcp=%lu\n", in, sent, dropped, duplicated, swapped, rtcp);
	return 0;
}
