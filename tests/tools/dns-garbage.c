/* dns-garbage: a name server that answers every query with a broken
 * answer of one kind, for what dnsmasq cannot be made to send.
 *
 * usage: dns-garbage [-l ADDR:PORT] MODE
 *
 * It listens on UDP (default 127.0.0.1:53) and answers each query with
 * its ID and question, and:
 *   trunc     no record, the TC bit set (a resolver retries over TCP, where
 *             nothing listens)
 *   cut       one record of the type asked for, cut off in its data
 *   loop      one record whose owner name is a compression pointer to
 *             itself
 *   short     one record of the type asked for with 2 bytes of data
 *   garbage   random bytes after the query's ID
 *   servfail  no record, RCODE 2 (server failure)
 * It counts the queries it answered on stdout, one line each:
 * "TYPE NAME".  Exit status: 100 usage, 111 failure; it runs until
 * killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"

enum mode { TRUNC, CUT, LOOP, SHORT, GARBAGE, SERVFAIL };

static void
die(const char *what)
{
	fprintf(stderr, "dns-garbage: fatal: %s: %s\n", what, strerror(errno));
	exit(111);
}

/* The end of the question's name at off, or 0 when it runs out of q. */
static size_t
name_end(const unsigned char *q, size_t len, size_t off, char *text, size_t size)
{
	size_t t = 0;

	while (off < len && q[off] != 0) {
		size_t n = q[off];

		if (n > 63 || off + 1 + n > len)
			return 0;
		if (t + n + 2 < size) {
			memcpy(text + t, q + off + 1, n);
			t += n;
			text[t++] = '.';
		}
		off += 1 + n;
	}
	text[t] = '\0';
	return off < len ? off + 1 : 0;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Builds the broken answer to query q into a; returns its length. */
static size_t
answer(enum mode m, const unsigned char *q, size_t qlen, unsigned char *a,
       size_t size, char *name, unsigned *type)
{
	size_t qend, n;

	*type = 0;
	if (qlen < 12 || (qend = name_end(q, qlen, 12, name, 256)) == 0 || qend + 4 > qlen)
		return 0;
	*type = (unsigned)q[qend] << 8 | q[qend + 1];
	qend += 4;
	if (m == GARBAGE) {
		n = 12 + (size_t)(random() % 200);
		memcpy(a, q, 2);
		if (getrandom(a + 2, n - 2, 0) < 0)
			die("getrandom");
		return n;
	}
	memcpy(a, q, qend);
	a[2] = 0x81;            /* QR, RD */
	a[3] = 0x80;            /* RA */
	put16(a + 4, 1);
	put16(a + 6, 0);
	put16(a + 8, 0);
	put16(a + 10, 0);
	n = qend;
	switch (m) {
	case TRUNC:
		a[2] |= 0x02;
		return n;
	case SERVFAIL:
		a[3] |= 0x02;
		return n;
	case LOOP:
		put16(a + 6, 1);
		a[n] = 0xc0;    /* a pointer to this very byte */
		a[n + 1] = (unsigned char)n;
		n += 2;
		put16(a + n, *type);
		put16(a + n + 2, 1);
		memset(a + n + 4, 0, 4);
		put16(a + n + 8, 4);
		memset(a + n + 10, 1, 4);
		return n + 14;
	case CUT:
	case SHORT:
		put16(a + 6, 1);
		put16(a + n, 0xc00c);
		put16(a + n + 2, *type);
		put16(a + n + 4, 1);
		memset(a + n + 6, 0, 3);
		a[n + 9] = 60;
		put16(a + n + 10, m == CUT ? 40 : 2);
		memset(a + n + 12, 7, m == CUT ? 5 : 2);
		return n + 12 + (m == CUT ? 5 : 2);
	default:
		break;
	}
	(void)size;
	return n;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "trunc", "cut", "loop", "short", "garbage", "servfail" };
	const char *listen = "127.0.0.1:53";
	struct sl_addr local;
	enum mode m = TRUNC;
	size_t i;
	int opt, fd;

	while ((opt = getopt(argc, argv, "l:")) != -1) {
		if (opt != 'l')
			goto usage;
		listen = optarg;
	}
	if (optind != argc - 1)
		goto usage;
	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(argv[optind], names[i]) == 0)
			break;
	if (i == sizeof names / sizeof *names)
		goto usage;
	m = (enum mode)i;
	if (sl_addr_parse(listen, 53, 1, &local) != 0)
		goto usage;
	fd = socket(local.ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local.ss, local.len) < 0)
		die("unable to bind");
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		unsigned char q[512], a[1024];
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		char name[256];
		unsigned type;
		ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
		size_t alen;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("unable to receive");
		}
		alen = answer(m, q, (size_t)n, a, sizeof a, name, &type);
		if (alen == 0)
			continue;
		printf("%u %s\n", type, name);
		sendto(fd, a, alen, 0, (struct sockaddr *)&from, flen);
	}
usage:
	fprintf(stderr, "usage: dns-garbage [-l ADDR:PORT] trunc|cut|loop|short|garbage|servfail\n");
	return 100;
}
