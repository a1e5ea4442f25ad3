/* rtp-dump: a loopback RTP peer that only listens, and says what came on
 * the wire, one line per datagram, for checking a sender against RFC 3550
 * and RFC 4733.
 *
 * usage: rtp-dump -p PORT [-t SECONDS] [-I SECONDS] [-b] [-e PT] [-w FILE]
 *   -p  binds RTP on 127.0.0.1:PORT and RTCP on PORT+1 (RTCP first, so
 *       that once PORT is bound both are)
 *   -t  stops after that long in all (default 10)
 *   -I  stops after that long without a datagram, once one came (default 2)
 *   -b  stops 0.2 s after the first RTCP BYE
 *   -e  the telephone-event payload type (default 101)
 *   -w  appends the payload of every RTP packet but telephone-events to
 *       FILE (the G.711 codes as they came, in arrival order)
 * Stops on SIGTERM/SIGINT too, and exits 0 (100 usage, 111 failure).
 *
 * Each line starts with the arrival time in seconds since the first
 * datagram (six decimals) and the socket, then key=value fields, the last
 * the sender's address:
 *   T RTP v=2 p=0 x=0 cc=0 m=1 pt=0 seq=N ts=N ssrc=0xHEX len=N from=ADDR:PORT
 *   T RTP ... pt=101 ... len=4 event=N end=0|1 vol=N dur=N from=ADDR:PORT
 *   T RTCP types=SR,SDES,BYE ssrc=0xHEX sr_ts=N sr_packets=N sr_octets=N
 *          cname=TEXT bye=0xHEX from=ADDR:PORT
 *   T RTP short len=N from=..., T RTCP bad len=N from=...: what does not
 *   parse
 * (ssrc= is the first packet's; fields of types not present are left out;
 * a CNAME with blanks has them replaced by '_'). */
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
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
/* The sender of the datagram being printed, as ADDR:PORT. */
static char from[64];

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rtp-dump -p PORT [-t SECONDS] [-I SECONDS] [-b] "
		"[-e PT] [-w FILE]\n");
	exit(100);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
bind_udp(int port)
{
	struct sockaddr_in a;
	int fd;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "rtp-dump: fatal: unable to bind 127.0.0.1:%d: %s\n",
			port, strerror(errno));
		exit(111);
	}
	return fd;
}

/* One RTP packet; returns nothing, prints its line (after the time). */
static void
rtp(const uint8_t *b, size_t n, int event_pt, FILE *w)
{
	size_t hdr, pad = 0;
	int v, p, x, cc, m, pt;

	if (n < 12) {
		printf("RTP short len=%zu from=%s\n", n, from);
		return;
	}
	v = b[0] >> 6;
	p = (b[0] >> 5) & 1;
	x = (b[0] >> 4) & 1;
	cc = b[0] & 15;
	m = b[1] >> 7;
	pt = b[1] & 127;
	hdr = 12 + 4 * (size_t)cc;
	if (x && n >= hdr + 4)
		hdr += 4 + 4 * (size_t)be16(b + hdr + 2);
	if (p && n > hdr)
		pad = b[n - 1];
	if (n < hdr + pad) {
		printf("RTP short len=%zu from=%s\n", n, from);
		return;
	}
	printf("RTP v=%d p=%d x=%d cc=%d m=%d pt=%d seq=%u ts=%lu ssrc=0x%08lx len=%zu",
	       v, p, x, cc, m, pt, be16(b + 2), (unsigned long)be32(b + 4),
	       (unsigned long)be32(b + 8), n - hdr - pad);
	b += hdr;
	n -= hdr + pad;
	if (pt == event_pt) {
		if (n >= 4)
			printf(" event=%d end=%d vol=%d dur=%u", b[0], b[1] >> 7,
			       b[1] & 63, be16(b + 2));
	} else if (w) {
		fwrite(b, 1, n, w);
		fflush(w);
	}
	printf(" from=%s\n", from);
}

/* One RTCP compound packet; returns 1 when it holds a BYE. */
static int
rtcp(const uint8_t *b, size_t n)
{
	char types[256] = "", more[1024] = "", num[16];
	const char *name;
	size_t off = 0, len, used;
	uint32_t first = 0;
	int bye = 0, pt, rc, have_ssrc = 0;

	while (off + 4 <= n) {
		const uint8_t *h = b + off;

		len = 4 * ((size_t)be16(h + 2) + 1);
		if ((h[0] >> 6) != 2 || off + len > n)
			break;
		pt = h[1];
		rc = h[0] & 31;
		switch (pt) {
		case 200: name = "SR"; break;
		case 201: name = "RR"; break;
		case 202: name = "SDES"; break;
		case 203: name = "BYE"; break;
		case 204: name = "APP"; break;
		default:
			snprintf(num, sizeof num, "%d", pt);
			name = num;
		}
		used = strlen(types);
		snprintf(types + used, sizeof types - used, "%s%s", used ? "," : "", name);
		if (len >= 8 && !have_ssrc) {
			first = be32(h + 4);
			have_ssrc = 1;
		}
		used = strlen(more);
		if (pt == 200 && len >= 28) {
			snprintf(more + used, sizeof more - used,
				 " sr_ts=%lu sr_packets=%lu sr_octets=%lu",
				 (unsigned long)be32(h + 16), (unsigned long)be32(h + 20),
				 (unsigned long)be32(h + 24));
		} else if (pt == 202 && rc > 0 && len >= 8) {
			/* The first chunk's items: type, length, text. */
			size_t i = 8;

			while (i + 2 <= len && h[i] != 0 && i + 2 + h[i + 1] <= len) {
				if (h[i] == 1) {
					char cname[256];
					size_t k, cl = h[i + 1];

					for (k = 0; k < cl; k++) {
						char c = (char)h[i + 2 + k];
						cname[k] = c > ' ' && c < 127 ? c : '_';
					}
					cname[cl] = '\0';
					snprintf(more + used, sizeof more - used,
						 " cname=%s", cname);
				}
				i += 2 + h[i + 1];
			}
		} else if (pt == 203) {
			bye = 1;
			if (rc > 0 && len >= 8)
				snprintf(more + used, sizeof more - used,
					 " bye=0x%08lx", (unsigned long)be32(h + 4));
		}
		off += len;
	}
	if (off != n || types[0] == '\0') {
		printf("RTCP bad len=%zu from=%s\n", n, from);
		return bye;
	}
	printf("RTCP types=%s ssrc=0x%08lx%s from=%s\n", types, (unsigned long)first, more, from);
	return bye;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct pollfd pfd[2];
	uint8_t buf[65536];
	double start, first = -1, last = 0, limit = 10, idle = 2, bye_at = -1;
	int opt, port = 0, event_pt = 101, stop_on_bye = 0, i;
	FILE *w = NULL;

	while ((opt = getopt(argc, argv, "bp:t:I:e:w:")) != -1) {
		switch (opt) {
		case 'b':
			stop_on_bye = 1;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 'I':
			idle = atof(optarg);
			break;
		case 'e':
			event_pt = atoi(optarg);
			break;
		case 'w':
			if ((w = fopen(optarg, "ab")) == NULL) {
				fprintf(stderr, "rtp-dump: fatal: %s: %s\n", optarg,
					strerror(errno));
				return 111;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc || port <= 0 || port >= 65535 || limit <= 0 || idle <= 0 ||
	    event_pt < 0 || event_pt > 127)
		usage();
	/* RTCP first: once the RTP port is bound, both are. */
	pfd[1].fd = bind_udp(port + 1);
	pfd[0].fd = bind_udp(port);
	pfd[0].events = pfd[1].events = POLLIN;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	start = now();
	while (!stop) {
		double t = now();

		if (t - start >= limit || (first >= 0 && t - last >= idle) ||
		    (bye_at >= 0 && t - bye_at >= 0.2))
			break;
		if (poll(pfd, 2, 50) <= 0)
			continue;
		/* RTP before RTCP when both wait: the order they were sent in,
		 * near enough. */
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			struct sockaddr_in src;
			socklen_t slen = sizeof src;
			char host[INET_ADDRSTRLEN];

			n = recvfrom(pfd[i].fd, buf, sizeof buf, 0, (struct sockaddr *)&src, &slen);
			if (n < 0)
				continue;
			inet_ntop(AF_INET, &src.sin_addr, host, sizeof host);
			snprintf(from, sizeof from, "%s:%u", host, ntohs(src.sin_port));
			last = now();
			if (first < 0)
				first = last;
			printf("%.6f ", last - first);
			if (i == 0) {
				rtp(buf, (size_t)n, event_pt, w);
			} else if (rtcp(buf, (size_t)n) && stop_on_bye && bye_at < 0) {
				bye_at = last;
			}
			fflush(stdout);
		}
	}
	if (w)
		fclose(w);
	return 0;
}
