/* udp-sink: a UDP port that takes every datagram and never answers (a
 * server that swallows packets), and says when each one came.
 *
 * usage: udp-sink [-6] [-p PORT] [-I SECONDS]
 *   -p  the port to bind on 127.0.0.1 (::1 with -6); default: any free one
 *   -I  stop after that long without a datagram (default 60)
 * Prints "port=N" on stdout once bound, then one line per datagram:
 *   "T FIRST-LINE", T the seconds (three decimals) since the first datagram
 *   and FIRST-LINE its first line (a SIP request line), cut at 200 bytes.
 * Stops on SIGTERM/SIGINT or when idle, and exits 0. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

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
	fprintf(stderr, "usage: udp-sink [-6] [-p PORT] [-I SECONDS]\n");
	exit(100);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct sigaction sa;
	char buf[65536];
	double first = -1, idle = 60, last;
	int opt, fd, v6 = 0, port = 0;

	while ((opt = getopt(argc, argv, "6p:I:")) != -1) {
		switch (opt) {
		case '6':
			v6 = 1;
			break;
		case 'p':
			port = atoi(optarg);
			if (port < 0 || port > 65535)
				usage();
			break;
		case 'I':
			idle = atof(optarg);
			if (idle <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof *a;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		fprintf(stderr, "udp-sink: fatal: unable to bind: %s\n", strerror(errno));
		return 111;
	}
	printf("port=%d\n", ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				     : ((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	last = now();
	while (!stop && now() - last < idle) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		size_t eol;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof buf - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		last = now();
		if (first < 0)
			first = last;
		eol = strcspn(buf, "\r\n");
		if (eol > 200)
			eol = 200;
		buf[eol] = '\0';
		printf("%.3f %s\n", last - first, buf);
		fflush(stdout);
	}
	return 0;
}
