/* handoff-probe: a media command for tests that reports what it was
 * handed: every open descriptor (sockets with their local and peer
 * addresses) and every environment variable, then waits and exits.
 *
 * usage: handoff-probe [-o FILE] [-s SECONDS] [-x STATUS]
 *   -o  write the report to FILE (default: stderr)
 *   -s  stay SECONDS after the report (default 0; -1: until a signal)
 *   -x  exit with STATUS (default 0)
 * Report lines, in this order:
 *   fd N                           an open descriptor that is no socket
 *   fd N udp LOCAL PEER            a UDP socket (PEER "-" when unconnected)
 *   fd N tcp|unix|socket LOCAL PEER
 *   env NAME=VALUE                 each variable, as it is
 *   ready                          the report is complete
 * On SIGTERM, SIGINT or SIGHUP after "ready" it appends "signal NAME" and exits with
 * STATUS at once.  Addresses are HOST:PORT, [HOST]:PORT for IPv6. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int out_fd = 2;
static int exit_status;

static void
on_signal(int sig)
{
	const char *name = sig == SIGTERM ? "signal TERM\n" :
			   sig == SIGINT ? "signal INT\n" : "signal HUP\n";

	(void)!write(out_fd, name, strlen(name));
	_exit(exit_status);
}

static void
addr_text(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (len == 0 || ss->ss_family == AF_UNSPEC) {
		snprintf(buf, size, "-");
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		snprintf(buf, size, "%s:%d", host, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		snprintf(buf, size, "[%s]:%d", host, ntohs(a->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		snprintf(buf, size, "unix");
	} else {
		snprintf(buf, size, "family-%d", ss->ss_family);
	}
}

/* One "fd N ..." line for descriptor fd. */
static void
report_fd(FILE *f, int fd)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof local, plen = sizeof peer;
	char l[80], p[80];
	int type;
	socklen_t tlen = sizeof type;
	const char *kind;

	memset(&local, 0, sizeof local);
	memset(&peer, 0, sizeof peer);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0) {
		fprintf(f, "fd %d\n", fd);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0)
		llen = 0;
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
		plen = 0;
	addr_text(&local, llen, l, sizeof l);
	addr_text(&peer, plen, p, sizeof p);
	if (local.ss_family == AF_UNIX)
		kind = "unix";
	else if (type == SOCK_DGRAM)
		kind = "udp";
	else if (type == SOCK_STREAM)
		kind = "tcp";
	else
		kind = "socket";
	fprintf(f, "fd %d %s %s %s\n", fd, kind, l, p);
}

int
main(int argc, char **argv)
{
	const char *file = NULL;
	double secs = 0;
	struct sigaction sa;
	DIR *d;
	struct dirent *e;
	FILE *f;
	int opt, fds[1024], nfds = 0, i, dfd;
	char **ep;

	while ((opt = getopt(argc, argv, "o:s:x:")) != -1) {
		switch (opt) {
		case 'o':
			file = optarg;
			break;
		case 's':
			secs = atof(optarg);
			break;
		case 'x':
			exit_status = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: handoff-probe [-o FILE] [-s SECONDS] [-x STATUS]\n");
			return 100;
		}
	}
	/* The descriptors first, before this program opens any of its own. */
	d = opendir("/proc/self/fd");
	if (d == NULL) {
		perror("handoff-probe: /proc/self/fd");
		return 111;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL && nfds < 1024) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (e->d_name[0] == '.' || *end || n == dfd)
			continue;
		fds[nfds++] = (int)n;
	}
	/* readdir's order is not numeric. */
	for (i = 1; i < nfds; i++) {
		int v = fds[i], j = i;

		while (j > 0 && fds[j - 1] > v) {
			fds[j] = fds[j - 1];
			j--;
		}
		fds[j] = v;
	}
	if (file) {
		out_fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			perror(file);
			return 111;
		}
	} else {
		out_fd = dup(2);
	}
	f = fdopen(out_fd, "w");
	if (f == NULL)
		return 111;
	for (i = 0; i < nfds; i++)
		report_fd(f, fds[i]);
	closedir(d);
	for (ep = environ; *ep; ep++)
		fprintf(f, "env %s\n", *ep);
	fprintf(f, "ready\n");
	fflush(f);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (secs < 0) {
		for (;;)
			pause();
	} else if (secs > 0) {
		struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	fflush(f);
	return exit_status;
}
