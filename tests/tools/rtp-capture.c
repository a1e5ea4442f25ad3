/* rtp-capture: an RTP receiver that shows what came, as it came: for each
 * RTP packet its source address and header on stdout, and its payload,
 * byte for byte, appended to FILE.  RTCP on the next port is read too; an
 * RTCP BYE ends it.
 *
 * usage: rtp-capture [-6] -p PORT [-I SECONDS] FILE
 *   -p  the RTP port to bind on 127.0.0.1 (::1 with -6); RTCP on PORT+1
 *   -I  stop after that long without a datagram (default 5)
 * Prints one line per datagram:
 *   "rtp from=ADDR:PORT pt=N seq=N ts=N len=N" (len: the payload's bytes)
 *   "rtcp from=ADDR:PORT" ([ADDR]:PORT for IPv6)
 * Stops on an RTCP BYE, SIGTERM/SIGINT or when idle, and exits 0; 1 when
 * it cannot bind or write. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
bind_port(int v6, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((uint16_t)port);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons((uint16_t)port);
		len = sizeof *a;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "rtp-capture: bind port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static const char *
addr_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		snprintf(buf, size, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		snprintf(buf, size, "%s:%u", host, ntohs(a->sin_port));
	}
	return buf;
}

/* Shows an RTP packet and appends its payload to out. */
static void
rtp(const uint8_t *p, size_t n, const char *from, FILE *out)
{
	size_t off = 12, end = n;

	if (n < 12 || (p[0] >> 6) != 2) {
		printf("rtp from=%s not-rtp len=%zu\n", from, n);
		return;
	}
	off += 4 * (size_t)(p[0] & 0x0f);
	if ((p[0] & 0x10) && off + 4 <= n)
		off += 4 + 4 * (size_t)((p[off + 2] << 8) | p[off + 3]);
	if ((p[0] & 0x20) && n > 0)
		end -= p[n - 1];
	if (off > end) {
		printf("rtp from=%s truncated len=%zu\n", from, n);
		return;
	}
	printf("rtp from=%s pt=%u seq=%u ts=%lu len=%zu\n", from, p[1] & 0x7fu,
	       (unsigned)((p[2] << 8) | p[3]),
	       (unsigned long)((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
			       (uint32_t)p[6] << 8 | p[7]),
	       end - off);
	if (fwrite(p + off, 1, end - off, out) != end - off || fflush(out) != 0) {
		perror("rtp-capture: write");
		exit(1);
	}
}

/* True when the compound RTCP packet holds a BYE. */
static int
rtcp_bye(const uint8_t *p, size_t n)
{
	size_t off = 0, len;

	while (off + 4 <= n) {
		if (p[off + 1] == 203)
			return 1;
		len = 4 * ((size_t)((p[off + 2] << 8) | p[off + 3]) + 1);
		off += len;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[2];
	struct sigaction sa;
	double idle = 5;
	int c, v6 = 0, port = 0, i, bye = 0;
	FILE *out;

	while ((c = getopt(argc, argv, "6p:I:")) != -1) {
		switch (c) {
		case '6':
			v6 = 1;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'I':
			idle = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (port <= 0 || port >= 65535 || optind != argc - 1) {
usage:
		fprintf(stderr, "usage: rtp-capture [-6] -p PORT [-I SECONDS] FILE\n");
		return 2;
	}
	if ((out = fopen(argv[optind], "wb")) == NULL) {
		perror(argv[optind]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pfd[0].fd = bind_port(v6, port);
	pfd[1].fd = bind_port(v6, port + 1);
	pfd[0].events = pfd[1].events = POLLIN;

	while (!stop && !bye) {
		int r = poll(pfd, 2, (int)(idle * 1000));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (i = 0; i < 2; i++) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof ss;
			uint8_t buf[65536];
			char from[INET6_ADDRSTRLEN + 16];
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = recvfrom(pfd[i].fd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);
			if (n < 0)
				continue;
			addr_str(&ss, from, sizeof from);
			if (i == 0) {
				rtp(buf, (size_t)n, from, out);
			} else {
				printf("rtcp from=%s\n", from);
				bye = rtcp_bye(buf, (size_t)n);
			}
		}
	}
	return fclose(out) == 0 ? 0 : 1;
}
