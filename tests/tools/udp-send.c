/* udp-send: sends files as UDP datagrams, one each, byte for byte, and
 * reports what comes back; for the hostile-input tests.
 *
 * usage: udp-send [-w SECONDS] [-u CALL-ID] [-n COUNT] [-a] HOST:PORT FILE...
 *
 * Sends each FILE ("-": stdin) as one datagram to HOST:PORT, in order,
 * from one socket, then prints one line per SIP message that comes back:
 *     CODE CALL-ID      a response ("-" for a missing Call-ID)
 *     METHOD CALL-ID    a request
 *     ? BYTES           anything else
 * (with -a the whole message follows each line, then a line "."), until a
 * final (non-1xx) response carrying CALL-ID ("-": none) arrives (-u), or
 * COUNT final responses have (-n), or -w SECONDS (default 2) have passed
 * since the last datagram was sent.
 * Exit status: 0; 1 when what -u or -n waits for did not come; 100 usage;
 * 111 system failure. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM 65535

static void
usage(void)
{
	fprintf(stderr, "usage: udp-send [-w SECONDS] [-u CALL-ID] [-n COUNT] [-a] HOST:PORT FILE...\n");
	exit(100);
}

static void
fail(const char *what)
{
	fprintf(stderr, "udp-send: fatal: unable to %s: %s\n", what, strerror(errno));
	exit(111);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the whole file into buf; returns its length. */
static size_t
slurp(const char *name, char *buf, size_t size)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	size_t n;

	if (f == NULL)
		fail(name);
	n = fread(buf, 1, size, f);
	if (ferror(f))
		fail(name);
	if (!feof(f) && fgetc(f) != EOF) {
		fprintf(stderr, "udp-send: fatal: %s is larger than one datagram (%d bytes)\n",
			name, MAX_DGRAM);
		exit(100);
	}
	if (f != stdin)
		fclose(f);
	return n;
}

/* The value of header `name` (or its compact form) in msg, up to the end
 * of its line, copied into out; "" when absent. */
static void
header(const char *msg, size_t len, const char *name, char compact, char *out, size_t size)
{
	const char *p = msg, *end = msg + len, *eol;
	size_t nl = strlen(name);

	out[0] = '\0';
	while (p < end) {
		eol = memchr(p, '\n', end - p);
		if (eol == NULL)
			eol = end;
		if (eol == p || (eol == p + 1 && *p == '\r'))
			return;         /* the end of the headers */
		if (((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
		     (p[nl] == ':' || p[nl] == ' ' || p[nl] == '\t')) ||
		    ((p[0] == compact || p[0] == compact - 32) &&
		     (p[1] == ':' || p[1] == ' ' || p[1] == '\t'))) {
			const char *v = memchr(p, ':', eol - p);
			size_t n;

			if (v == NULL)
				return;
			for (v++; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			n = eol - v;
			if (n && v[n - 1] == '\r')
				n--;
			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return;
		}
		p = eol + 1;
	}
}

int
main(int argc, char **argv)
{
	static char buf[MAX_DGRAM + 1];
	const char *want = NULL, *spec, *colon;
	char host[256], port[16], cid[512];
	struct addrinfo hints, *ai;
	double wait = 2;
	long long deadline;
	int opt, fd, all = 0, got = 0, rc, i, count = 0, finals = 0;

	while ((opt = getopt(argc, argv, "w:u:n:a")) != -1) {
		switch (opt) {
		case 'w':
			wait = atof(optarg);
			break;
		case 'u':
			want = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'a':
			all = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2)
		usage();
	spec = argv[optind++];
	colon = strrchr(spec, ':');
	if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof host)
		usage();
	if (spec[0] == '[' && colon[-1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec - 2), spec + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
	snprintf(port, sizeof port, "%s", colon + 1);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "udp-send: fatal: %s: %s\n", spec, gai_strerror(rc));
		return 100;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("create a socket");
	/* Connected: only the target's answers count, and an ICMP error
	 * (nothing listens) is seen as one. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		fail("connect");
	for (i = optind; i < argc; i++) {
		size_t n = slurp(argv[i], buf, MAX_DGRAM + 1);

		if (send(fd, buf, n, 0) < 0)
			fail("send");
	}
	deadline = now_ms() + (long long)(wait * 1000);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;
		int code;

		if (left <= 0)
			break;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		n = recv(fd, buf, MAX_DGRAM, 0);
		if (n < 0) {
			if (errno == ECONNREFUSED) {
				printf("! unreachable\n");
				fflush(stdout);
				break;
			}
			fail("receive");
		}
		buf[n] = '\0';
		header(buf, (size_t)n, "Call-ID", 'i', cid, sizeof cid);
		if (strncmp(buf, "SIP/2.0 ", 8) == 0 && sscanf(buf + 8, "%3d", &code) == 1) {
			printf("%d %s\n", code, cid[0] ? cid : "-");
			if (want && code >= 200 && strcmp(cid[0] ? cid : "-", want) == 0)
				got = 1;
			if (code >= 200 && count && ++finals >= count)
				got = 1;
		} else if (strstr(buf, " SIP/2.0") && strcspn(buf, " ") < 32) {
			printf("%.*s %s\n", (int)strcspn(buf, " "), buf, cid[0] ? cid : "-");
		} else {
			printf("? %zd\n", n);
		}
		if (all) {
			fwrite(buf, 1, (size_t)n, stdout);
			printf("\n.\n");
		}
		fflush(stdout);
		if (got)
			break;
	}
	freeaddrinfo(ai);
	return (want || count) && !got ? 1 : 0;
}
