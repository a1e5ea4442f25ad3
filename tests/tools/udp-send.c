/* udp-send: sends files as UDP datagrams, one each, byte for byte (or
 * over one TCP connection), and reports what comes back; for the
 * hostile-input and torture tests.
 *
 * usage: udp-send [-t] [-w SECONDS] [-u CALL-ID] [-n COUNT] [-a] HOST:PORT FILE...
 *
 * Sends each FILE ("-": stdin) as one datagram to HOST:PORT, in order,
 * from one socket (with -t: writes them one after the other on one TCP
 * connection, and cuts what comes back into messages by Content-Length),
 * then prints one line per SIP message that comes back:
 *     CODE CALL-ID      a response ("-" for a missing Call-ID)
 *     METHOD CALL-ID    a request
 *     ? BYTES           anything else
 *     ! closed          (-t) the peer closed the connection
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
	fprintf(stderr, "usage: udp-send [-t] [-w SECONDS] [-u CALL-ID] [-n COUNT] [-a] HOST:PORT FILE...\n");
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

/* Length of the first whole message in a TCP stream of len bytes: its
 * header block and the Content-Length (or l) it announces; 0 when more
 * bytes are needed. */
static size_t
stream_message(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	char v[32];
	size_t head;
	long clen;

	if (end == NULL)
		return 0;
	head = (size_t)(end - buf) + 4;
	header(buf, head, "Content-Length", 'l', v, sizeof v);
	clen = v[0] ? strtol(v, NULL, 10) : 0;
	if (clen < 0)
		clen = 0;
	return len >= head + (size_t)clen ? head + (size_t)clen : 0;
}

/* Prints the line for one message that came back.  Returns 1 when it is
 * what -u or -n waits for. */
static int
report(char *msg, size_t n, const char *want, int count, int *finals, int all)
{
	char cid[512];
	int code, got = 0;
	char save = msg[n];

	msg[n] = '\0';
	header(msg, n, "Call-ID", 'i', cid, sizeof cid);
	if (strncmp(msg, "SIP/2.0 ", 8) == 0 && sscanf(msg + 8, "%3d", &code) == 1) {
		printf("%d %s\n", code, cid[0] ? cid : "-");
		if (want && code >= 200 && strcmp(cid[0] ? cid : "-", want) == 0)
			got = 1;
		if (code >= 200 && count && ++*finals >= count)
			got = 1;
	} else if (strstr(msg, " SIP/2.0") && strcspn(msg, " ") < 32) {
		printf("%.*s %s\n", (int)strcspn(msg, " "), msg, cid[0] ? cid : "-");
	} else {
		printf("? %zu\n", n);
	}
	if (all) {
		fwrite(msg, 1, n, stdout);
		printf("\n.\n");
	}
	fflush(stdout);
	msg[n] = save;
	return got;
}

int
main(int argc, char **argv)
{
	static char buf[MAX_DGRAM + 1];
	/* What a TCP connection brought that is not a whole message yet. */
	static char stream[4 * MAX_DGRAM + 1];
	const char *want = NULL, *spec, *colon;
	char host[256], port[16];
	struct addrinfo hints, *ai;
	double wait = 2;
	long long deadline;
	size_t have = 0;
	int opt, fd, all = 0, got = 0, rc, i, count = 0, finals = 0, tcp = 0;

	while ((opt = getopt(argc, argv, "tw:u:n:a")) != -1) {
		switch (opt) {
		case 't':
			tcp = 1;
			break;
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
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "udp-send: fatal: %s: %s\n", spec, gai_strerror(rc));
		return 100;
	}
	fd = socket(ai->ai_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("create a socket");
	/* Connected: only the target's answers count, and an ICMP error
	 * (nothing listens) is seen as one. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		fail("connect");
	for (i = optind; i < argc; i++) {
		size_t n = slurp(argv[i], buf, MAX_DGRAM + 1), off = 0;
		ssize_t w;

		do {
			if ((w = send(fd, buf + off, n - off, MSG_NOSIGNAL)) < 0)
				fail("send");
			off += (size_t)w;
		} while (tcp && off < n);
	}
	deadline = now_ms() + (long long)(wait * 1000);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;
		size_t m;

		if (left <= 0 || got)
			break;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		if (!tcp) {
			n = recv(fd, buf, MAX_DGRAM, 0);
			if (n < 0 && errno == ECONNREFUSED) {
				printf("! unreachable\n");
				fflush(stdout);
				break;
			}
			if (n < 0)
				fail("receive");
			got = report(buf, (size_t)n, want, count, &finals, all);
			continue;
		}
		n = recv(fd, stream + have, sizeof stream - 1 - have, 0);
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		if (n < 0)
			fail("receive");
		if (n == 0) {
			printf("! closed\n");
			fflush(stdout);
			break;
		}
		have += (size_t)n;
		while (!got && (m = stream_message(stream, have)) > 0) {
			got = report(stream, m, want, count, &finals, all);
			memmove(stream, stream + m, have - m);
			have -= m;
		}
		if (have == sizeof stream - 1)
			break;      /* no message in all that: give up */
	}
	freeaddrinfo(ai);
	return (want || count) && !got ? 1 : 0;
}
