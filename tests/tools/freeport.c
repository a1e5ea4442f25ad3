/* freeport: print a port number that is free on loopback for UDP and TCP,
 * on 127.0.0.1 and ::1 alike, and that no earlier freeport of the same
 * test run handed out.
 *
 * usage: freeport [-e | -n COUNT] [-f FILE]
 *
 * SIP servers listen on one port for both transports and both families, so
 * a port is only good when all four binds succeed.  The candidates are
 * drawn at random below the kernel's ephemeral range: a port that bind(0)
 * returns is ephemeral, and any connect() on the machine (a SIPp, another
 * test run) may take it again before the server under test binds it.
 * FILE, locked while in use, lists the ports already given out in this run
 * (one per line); the chosen port is appended to it.  With -e the port is
 * even and its successor is free and recorded too: an RTP/RTCP pair.  With
 * -n COUNT the port is even and the COUNT ports from it are all free and
 * recorded: SIPp's -mp takes four (audio RTP and RTCP, video RTP and RTCP),
 * and exits with "Unable to bind video RTP socket" when the third is busy.
 *
 * Exit status: 0 with the port on stdout, 100 usage, 111 failure. */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define LOWEST 10000
#define TRIES 500

static const char *prog = "freeport";

static void
fatal(const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: fatal: %s: %s\n", prog, what, strerror(err));
	else
		fprintf(stderr, "%s: fatal: %s\n", prog, what);
	exit(111);
}

/* Returns the first port of the ephemeral range, or 32768 when unknown. */
static int
ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int low = 32768, high;

	if (f) {
		if (fscanf(f, "%d %d", &low, &high) != 2)
			low = 32768;
		fclose(f);
	}
	return low;
}

/* Returns 0 when PORT binds for TYPE on the loopback of FAMILY, else the
 * errno of the failing call. */
static int
try_bind(int family, int type, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err = 0;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof *sin6;
	}
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* Servers set SO_REUSEADDR on TCP, so a TIME_WAIT left by an earlier
	 * user of the port does not make it unusable; test it the same way. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	else if (type == SOCK_STREAM && listen(fd, 1) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Returns 0 when PORT is free for UDP and TCP on 127.0.0.1 and ::1; an
 * address that cannot be bound at all (no IPv6) is fatal, not busy. */
static int
port_free(int port)
{
	static const int families[] = { AF_INET, AF_INET6 };
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };

	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++) {
			int err = try_bind(families[i], types[j], port);
			if (err == EADDRINUSE || err == EACCES)
				return -1;
			if (err)
				fatal(families[i] == AF_INET ?
				    "unable to bind 127.0.0.1" :
				    "unable to bind ::1", err);
		}
	return 0;
}

/* Returns 1 when PORT is listed in the text LIST. */
static int
listed(const char *list, int port)
{
	char want[16];
	const char *p = list;
	size_t n = (size_t)snprintf(want, sizeof want, "%d\n", port);

	while (p && *p) {
		if (strncmp(p, want, n) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Reads the whole of FD into a NUL-terminated string. */
static char *
slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		fatal("unable to allocate memory", errno);
	for (;;) {
		if (cap - len < 2048) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				fatal("unable to allocate memory", errno);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("unable to read the port list", errno);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int
main(int argc, char **argv)
{
	const char *file = NULL;
	char *list = NULL;
	unsigned int seed;
	int c, fd = -1, low, high, span = 1;
	char *end;

	while ((c = getopt(argc, argv, "ef:n:")) != -1) {
		switch (c) {
		case 'e':
			span = 2;
			break;
		case 'n':
			span = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || span < 1 || span > 16) {
				fprintf(stderr, "%s: -n wants a count from 1 to 16: %s\n", prog, optarg);
				return 100;
			}
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-e | -n count] [-f file]\n", prog);
			return 100;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s [-e | -n count] [-f file]\n", prog);
		return 100;
	}

	if (file) {
		fd = open(file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			fatal("unable to open the port list", errno);
		if (flock(fd, LOCK_EX) < 0)
			fatal("unable to lock the port list", errno);
		list = slurp(fd);
	}

	high = ephemeral_low();
	low = LOWEST;
	if (high - low < 1000) {
		low = 1024;
		high = 1024 + 8192;
	}
	if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	srandom(seed);

	for (int i = 0; i < TRIES; i++) {
		int port = low + (int)(random() % (high - low - span)), k;

		if (span > 1)
			port &= ~1;
		for (k = 0; k < span; k++)
			if (listed(list, port + k) || port_free(port + k) != 0)
				break;
		if (k < span)
			continue;
		for (k = 0; k < span && fd >= 0; k++)
			if (dprintf(fd, "%d\n", port + k) < 0)
				fatal("unable to write the port list", errno);
		free(list);
		printf("%d\n", port);
		if (fflush(stdout) != 0)
			fatal("unable to write", errno);
		return 0;
	}
	fatal("no free port found", 0);
}
