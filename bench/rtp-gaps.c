/* rtp-gaps: watches the RTP that crosses the loopback interface and
 * prints, per stream, how evenly it was paced: the deviation of each
 * inter-packet gap from the gap its RTP timestamps call for, plus loss and
 * RFC 3550 jitter.  Times are the kernel's receive timestamps of a packet
 * socket (SO_TIMESTAMPNS), so the figures do not depend on when this
 * program gets to run, and the streams' own receivers are left alone.
 *
 * usage: rtp-gaps [-v] [-d SECONDS] [-i IFACE] [-o FILE] PORT[-PORT]...
 * (-v: every gap on stderr as it is seen.)
 * Watches UDP datagrams from or to the given ports that look like RTP
 * audio (version 2, payload type below 72: RTCP is left out, and so are
 * telephone-events, which have their own timing).  Runs until SIGINT or
 * SIGTERM, or for -d SECONDS, then prints one line per stream:
 *
 *   stream src=IP:PORT dst=IP:PORT ssrc=X packets=N lost=N gaps=N
 *     mean=MS p50=MS p99=MS max=MS jitter=MS
 *
 * (on one line) where p50/p99/max are the deviations |gap - expected| in
 * milliseconds over the stream's gaps, mean the mean gap itself, and
 * a last line "capture drops=N" (packets the kernel could not hand us:
 * when not 0, the figures are incomplete).  Needs root (a packet socket). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RANGES 64
#define MAX_STREAMS 4096

/* What tells streams apart: addresses, ports and SSRC, as on the wire. */
struct key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ssrc;
	int family;
};

struct stream {
	struct key k;
	char src[64], dst[64];
	uint32_t ssrc;
	uint64_t packets;
	uint16_t first_seq, last_seq;
	uint64_t ext_seq_max;   /* extended highest sequence number */
	uint32_t cycles;
	uint32_t last_ts;
	int64_t last_arrival;   /* ns */
	double jitter;          /* RFC 3550, in timestamp units */
	double *dev;            /* |gap - expected| in ms */
	size_t ndev, capdev;
	double gap_sum;         /* ms */
	int clock;              /* Hz */
};

static struct { int lo, hi; } ranges[MAX_RANGES];
static int nranges;
static struct stream streams[MAX_STREAMS];
static int nstreams;
#define HASH_SIZE (4 * MAX_STREAMS)
static int hash[HASH_SIZE];     /* stream index + 1; 0: empty */
static volatile sig_atomic_t stop;
static int verbose;

static void
on_signal(int signo)
{
	(void)signo;
	stop = 1;
}

static int
port_wanted(int port)
{
	int i;

	for (i = 0; i < nranges; i++)
		if (port >= ranges[i].lo && port <= ranges[i].hi)
			return 1;
	return 0;
}

static int
payload_clock(int pt)
{
	switch (pt) {
	case 9:         /* G.722 says 8000 in SDP, whatever it samples at */
	case 0: case 3: case 4: case 5: case 7: case 8: case 12: case 13:
	case 15: case 18:
		return 8000;
	}
	return 8000;    /* dynamic types: the bench uses 8 kHz codecs only */
}

static unsigned
key_hash(const struct key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof *k; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static void
addr_text(const struct key *k, int src, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family, src ? k->src : k->dst, a, sizeof a);
	if (k->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, src ? k->sport : k->dport);
	else
		snprintf(buf, size, "%s:%u", a, src ? k->sport : k->dport);
}

/* The stream of key k, a new one if need be; NULL when there are too
 * many.  Open addressing: a lookup per packet costs a hash, not a scan. */
static struct stream *
find_stream(const struct key *k)
{
	unsigned h = key_hash(k) % HASH_SIZE;
	struct stream *s;

	while (hash[h]) {
		s = &streams[hash[h] - 1];
		if (memcmp(&s->k, k, sizeof *k) == 0)
			return s;
		h = (h + 1) % HASH_SIZE;
	}
	if (nstreams == MAX_STREAMS)
		return NULL;
	s = &streams[nstreams];
	memset(s, 0, sizeof *s);
	s->k = *k;
	s->ssrc = k->ssrc;
	addr_text(k, 1, s->src, sizeof s->src);
	addr_text(k, 0, s->dst, sizeof s->dst);
	hash[h] = ++nstreams;
	return s;
}

static void
add_dev(struct stream *s, double d)
{
	if (s->ndev == s->capdev) {
		size_t cap = s->capdev ? 2 * s->capdev : 4096;
		double *p = realloc(s->dev, cap * sizeof *p);

		if (p == NULL) {
			perror("rtp-gaps: realloc");
			exit(111);
		}
		s->dev = p;
		s->capdev = cap;
	}
	s->dev[s->ndev++] = d;
}

/* One RTP packet of a watched stream, arrived at t (ns). */
static void
rtp_packet(struct key *k, const uint8_t *p, size_t len, int64_t t)
{
	struct stream *s;
	uint16_t seq;
	uint32_t ts, ssrc;
	int pt;

	if (len < 12 || (p[0] >> 6) != 2)
		return;
	pt = p[1] & 0x7f;
	if (pt >= 72)
		return;         /* RTCP (200-204 with the marker bit) */
	if (pt >= 96 && pt <= 127)
		return;         /* telephone-event and other dynamic types */
	seq = (uint16_t)(p[2] << 8 | p[3]);
	ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	k->ssrc = ssrc;
	if ((s = find_stream(k)) == NULL)
		return;
	if (s->packets == 0) {
		s->clock = payload_clock(pt);
		s->first_seq = s->last_seq = seq;
		s->ext_seq_max = seq;
	} else {
		int16_t dseq = (int16_t)(seq - s->last_seq);
		double expected_ms = (double)(int32_t)(ts - s->last_ts) * 1000.0 / s->clock;
		double gap_ms = (double)(t - s->last_arrival) / 1e6;
		double d;

		if (dseq > 0) {
			if (seq < s->last_seq)
				s->cycles++;
			s->last_seq = seq;
			s->ext_seq_max = (uint64_t)s->cycles * 65536 + seq;
		}
		/* Gaps between consecutive packets only: a lost or reordered
		 * one would mix pacing with loss. */
		if (dseq == 1) {
			d = gap_ms - expected_ms;
			add_dev(s, d < 0 ? -d : d);
			if (verbose)
				fprintf(stderr, "gap %s seq=%u t=%.3f gap=%.3f dev=%.3f\n",
					s->src, seq, (double)t / 1e6, gap_ms, d);
			s->gap_sum += gap_ms;
		}
		/* RFC 3550 A.8: D(i-1,i) in timestamp units. */
		d = gap_ms * s->clock / 1000.0 - (double)(int32_t)(ts - s->last_ts);
		if (d < 0)
			d = -d;
		s->jitter += (d - s->jitter) / 16.0;
	}
	s->packets++;
	s->last_ts = ts;
	s->last_arrival = t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static void
report(FILE *out, int fd)
{
	struct tpacket_stats st;
	socklen_t len = sizeof st;
	int i;

	for (i = 0; i < nstreams; i++) {
		struct stream *s = &streams[i];
		uint64_t expected = s->ext_seq_max - s->first_seq + 1;
		int64_t lost = (int64_t)expected - (int64_t)s->packets;

		if (s->packets < 2)
			continue;
		qsort(s->dev, s->ndev, sizeof *s->dev, cmp_double);
		fprintf(out, "stream src=%s dst=%s ssrc=%08x packets=%llu lost=%lld "
			"gaps=%zu mean=%.3f p50=%.3f p99=%.3f max=%.3f jitter=%.3f\n",
			s->src, s->dst, s->ssrc, (unsigned long long)s->packets,
			(long long)(lost > 0 ? lost : 0), s->ndev,
			s->ndev ? s->gap_sum / (double)s->ndev : 0,
			pct(s->dev, s->ndev, 0.5), pct(s->dev, s->ndev, 0.99),
			s->ndev ? s->dev[s->ndev - 1] : 0,
			s->jitter * 1000.0 / s->clock);
	}
	memset(&st, 0, sizeof st);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len);
	fprintf(out, "capture drops=%u\n", st.tp_drops);
	fflush(out);
}

static void
usage(void)
{
	fputs("usage: rtp-gaps [-v] [-d SECONDS] [-i IFACE] [-o FILE] PORT[-PORT]...\n", stderr);
	exit(100);
}

int
main(int argc, char **argv)
{
	const char *iface = "lo", *outfile = NULL;
	double duration = 0;
	struct sockaddr_ll sll;
	struct sigaction sa;
	struct timespec now, end = { 0, 0 };
	FILE *out = stdout;
	int c, fd, one = 1, bufsize = 256 << 20;

	while ((c = getopt(argc, argv, "d:i:o:v")) != -1) {
		switch (c) {
		case 'd':
			duration = atof(optarg);
			break;
		case 'i':
			iface = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	for (; optind < argc; optind++) {
		int lo, hi;
		char dash;

		if (nranges == MAX_RANGES)
			usage();
		if (sscanf(argv[optind], "%d%c%d", &lo, &dash, &hi) == 3 && dash == '-')
			;
		else if (sscanf(argv[optind], "%d", &lo) == 1)
			hi = lo;
		else
			usage();
		ranges[nranges].lo = lo;
		ranges[nranges++].hi = hi;
	}
	if (nranges == 0)
		usage();

	if ((fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))) < 0) {
		perror("rtp-gaps: fatal: unable to open a packet socket");
		return 111;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) {
		perror("rtp-gaps: fatal: unable to ask for timestamps");
		return 111;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	if ((sll.sll_ifindex = (int)if_nametoindex(iface)) == 0) {
		fprintf(stderr, "rtp-gaps: fatal: no interface %s\n", iface);
		return 111;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		perror("rtp-gaps: fatal: unable to bind the packet socket");
		return 111;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (duration > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += (time_t)duration;
		end.tv_nsec += (long)((duration - (double)(time_t)duration) * 1e9);
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	/* Say we are capturing, so a script can start the streams. */
	fprintf(stderr, "rtp-gaps: capturing on %s\n", iface);

	while (!stop) {
		uint8_t buf[2048], cbuf[256];
		struct sockaddr_ll from;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh;
		struct cmsghdr *cm;
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct key k;
		int64_t t = -1;
		const uint8_t *udp;
		size_t udplen;
		ssize_t n;

		memset(&mh, 0, sizeof mh);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof from;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			/* Empty: the time to look at the clock and sleep. */
			if (duration > 0) {
				clock_gettime(CLOCK_MONOTONIC, &now);
				if (now.tv_sec > end.tv_sec ||
				    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
					break;
			}
			poll(&pfd, 1, 200);
			continue;
		}
		/* Loopback shows each packet leaving and arriving: take the
		 * arrival. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		memset(&k, 0, sizeof k);
		if (ntohs(from.sll_protocol) == ETH_P_IP && n >= 20 && (buf[0] >> 4) == 4) {
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
			uint16_t frag = (uint16_t)(buf[6] << 8 | buf[7]);

			if (buf[9] != IPPROTO_UDP || (frag & 0x3fff) || (size_t)n < ihl + 8)
				continue;
			udp = buf + ihl;
			udplen = (size_t)n - ihl;
			k.family = AF_INET;
			memcpy(k.src, buf + 12, 4);
			memcpy(k.dst, buf + 16, 4);
		} else if (ntohs(from.sll_protocol) == ETH_P_IPV6 && n >= 48 &&
			   (buf[0] >> 4) == 6) {
			if (buf[6] != IPPROTO_UDP)
				continue;
			udp = buf + 40;
			udplen = (size_t)n - 40;
			k.family = AF_INET6;
			memcpy(k.src, buf + 8, 16);
			memcpy(k.dst, buf + 24, 16);
		} else {
			continue;
		}
		k.sport = (uint16_t)(udp[0] << 8 | udp[1]);
		k.dport = (uint16_t)(udp[2] << 8 | udp[3]);
		if (!port_wanted(k.dport) && !port_wanted(k.sport))
			continue;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof ts);
				t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			}
		if (t < 0)
			continue;
		rtp_packet(&k, udp + 8, udplen - 8, t);
	}
	if (outfile && (out = fopen(outfile, "w")) == NULL) {
		perror("rtp-gaps: fatal: unable to write the report");
		return 111;
	}
	report(out, fd);
	return 0;
}
