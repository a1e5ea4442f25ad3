/* media-floor: the least work one process can do for one side of a call's
 * media, for the cost benchmark to set sipline's media processes beside.
 *
 * Every 20 ms, on a timer, it does what a live call side must: sends one
 * 172-byte datagram (an RTP packet of 20 ms of PCMU) to the other side,
 * takes the other side's packets waiting on its socket (recvmmsg, without
 * waiting), and writes 320 bytes (20 ms of s16le at 8 kHz) to its output;
 * every 25 frames it reads 8000 bytes of input, as a reader of a pipe or
 * file does.  It sleeps in ppoll on two idle pipes (a media process also
 * watches a signal self-pipe and its control channel), so it wakes 50
 * times a second: no codec, no jitter buffer, no RTCP, no checks.  What
 * it costs is the kernel's share of a call side (the wake-up, the loopback
 * send that also delivers, the receive, the write), which no design with
 * one packet each way per 20 ms can go below.
 *
 * usage: media-floor PORT PEER-PORT SECONDS
 * Both on 127.0.0.1; input from /dev/zero, output to /dev/null.  Prints
 * "media-floor frames=N received=N" at the end.  Exit status 0, or 1. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_NS 20000000LL
#define BATCH 4

static long long
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int
udp_on(int port, int peer)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	a.sin_port = htons(peer);
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	return s;
}

int
main(int argc, char **argv)
{
	static char pkt[172], pcm[320], in[8000], rx[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct pollfd pfd[2];
	long long next, end;
	long frames = 0, received = 0;
	int s, input, output, i, p[2], n;

	if (argc != 4) {
		fprintf(stderr, "usage: media-floor PORT PEER-PORT SECONDS\n");
		return 1;
	}
	if ((s = udp_on(atoi(argv[1]), atoi(argv[2]))) < 0) {
		perror("media-floor: socket");
		return 1;
	}
	input = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	output = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (i = 0; i < 2; i++) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("media-floor: pipe");
			return 1;
		}
		pfd[i] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	}
	memset(pkt, 0x80, sizeof pkt);
	next = now_ns();
	end = next + atoll(argv[3]) * 1000000000LL;
	while (next < end) {
		long long d = next - now_ns();
		struct timespec tmo;

		if (d > 0) {
			tmo.tv_sec = d / 1000000000LL;
			tmo.tv_nsec = d % 1000000000LL;
			ppoll(pfd, 2, &tmo, NULL);
			continue;
		}
		if (frames % 25 == 0 && read(input, in, sizeof in) < 0)
			perror("media-floor: read");
		send(s, pkt, sizeof pkt, 0);
		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ rx[i], sizeof rx[i] };
			memset(&m[i], 0, sizeof m[i]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = recvmmsg(s, m, BATCH, MSG_DONTWAIT, NULL)) > 0)
			received += n;
		if (write(output, pcm, sizeof pcm) < 0)
			perror("media-floor: write");
		frames++;
		next += FRAME_NS;
	}
	printf("media-floor frames=%ld received=%ld\n", frames, received);
	return 0;
}
