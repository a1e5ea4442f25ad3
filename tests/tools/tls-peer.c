/* tls-peer: a TCP port on 127.0.0.1 that misbehaves towards a TLS client,
 * one connection after another, for the bad-input tests of tls.bats.
 *
 * usage: tls-peer -p PORT [-c CERT -k KEY] garbage|silent|half|answer
 *   garbage  answers the ClientHello with bytes that are not TLS, then
 *            holds the connection open
 *   silent   accepts and never says a word (a handshake that never ends)
 *   half     (with -c and -k) completes the handshake, reads one request
 *            (up to its blank line), writes the first half of a response
 *            and closes the connection
 *   answer   (with -c and -k) completes the handshake, reads one request,
 *            answers it 200 OK and at once ends the session (close_notify)
 *            and the connection: the answer and the close arrive together
 * Prints "ready" on stdout once it listens, and one line per connection
 * ("accepted", "handshake failed", "closed after N bytes").  Runs until
 * SIGTERM or 60 s without a connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static const char garbage[] = "HTTP/1.0 400 this is no TLS server\r\n\r\n";
static const char half[] = "SIP/2.0 100 Trying\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK";

static void
usage(void)
{
	fputs("usage: tls-peer -p PORT [-c CERT -k KEY] garbage|silent|half|answer\n", stderr);
	exit(100);
}

/* Holds fd open until the peer closes it (or 30 s). */
static void
hold(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[4096];

	while (poll(&pfd, 1, 30000) == 1 && read(fd, buf, sizeof buf) > 0)
		;
}

/* A 200 OK to the request in req: its Via, From, To, Call-ID and CSeq. */
static void
answer_of(const char *req, char *out, size_t size)
{
	static const char *const copy[] = { "Via:", "From:", "To:", "Call-ID:", "CSeq:" };
	const char *line = strstr(req, "\r\n");
	size_t n = (size_t)snprintf(out, size, "SIP/2.0 200 OK\r\n"), i;

	while (line && line[2] != '\r' && n < size) {
		const char *next = strstr(line + 2, "\r\n");

		for (i = 0; next && i < sizeof copy / sizeof *copy; i++)
			if (strncasecmp(line + 2, copy[i], strlen(copy[i])) == 0)
				n += (size_t)snprintf(out + n, size - n, "%.*s\r\n",
						      (int)(next - line - 2), line + 2);
		line = next;
	}
	if (n < size)
		snprintf(out + n, size - n, "Content-Length: 0\r\n\r\n");
}

/* The TLS half-response: handshake, one request, half an answer (or with
 * whole set, a whole answer and at once the end of the session). */
static void
serve_half(SSL_CTX *ctx, int fd, int whole)
{
	SSL *ssl = SSL_new(ctx);
	char buf[8192];
	size_t len = 0;
	int n;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		printf("handshake failed\n");
		SSL_free(ssl);
		return;
	}
	while (len < sizeof buf - 1 && (n = SSL_read(ssl, buf + len, (int)(sizeof buf - 1 - len))) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	if (whole) {
		char resp[8192];

		answer_of(buf, resp, sizeof resp);
		SSL_write(ssl, resp, (int)strlen(resp));
		SSL_shutdown(ssl);
		printf("answered and closed\n");
		fflush(stdout);
		SSL_free(ssl);
		return;
	}
	SSL_write(ssl, half, (int)strlen(half));
	printf("closed after %zu bytes\n", strlen(half));
	fflush(stdout);
	/* No close_notify: the connection just ends, mid-message. */
	SSL_free(ssl);
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *mode;
	struct sockaddr_in a;
	SSL_CTX *ctx = NULL;
	int opt, port = 0, lfd, one = 1;

	while ((opt = getopt(argc, argv, "p:c:k:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || port <= 0 || port > 65535)
		usage();
	mode = argv[optind];
	if (strcmp(mode, "half") == 0 || strcmp(mode, "answer") == 0) {
		if (!cert || !key)
			usage();
		ctx = SSL_CTX_new(TLS_server_method());
		if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
			ERR_print_errors_fp(stderr);
			return 111;
		}
	} else if (strcmp(mode, "garbage") != 0 && strcmp(mode, "silent") != 0) {
		usage();
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 8) < 0) {
		perror("tls-peer: bind");
		return 111;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		int fd;

		if (poll(&pfd, 1, 60000) != 1)
			return 0;
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		printf("accepted\n");
		fflush(stdout);
		if (strcmp(mode, "garbage") == 0) {
			char hello[512];

			if (read(fd, hello, sizeof hello) > 0 &&
			    write(fd, garbage, strlen(garbage)) < 0)
				perror("tls-peer: write");
			hold(fd);
		} else if (strcmp(mode, "silent") == 0) {
			hold(fd);
		} else {
			serve_half(ctx, fd, strcmp(mode, "answer") == 0);
		}
		close(fd);
	}
}
