/* Socket addresses: "[HOST]:PORT" parsing, resolution and printing. */
#ifndef SIPLINE_ADDR_H
#define SIPLINE_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Longest text sl_addr_str() writes: "[" IPv6 "]:" port NUL. */
#define SL_ADDR_STRLEN 64

struct sl_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Splits "HOST:PORT", "[V6]:PORT", "HOST", ":PORT" or "[V6]" into host and
 * port (port 0 or host "" when absent).  Returns 0 or EINVAL. */
int sl_addr_split(const char *spec, char *host, size_t hostsz, int *port);

/* Resolves host (a name or a literal; "" means the wildcard when passive,
 * loopback otherwise) and port into the first usable address, preferring
 * family when it is not AF_UNSPEC.  Returns 0, or a negative EAI_* code. */
int sl_addr_resolve(const char *host, int port, int family, int passive,
		    struct sl_addr *out);

/* sl_addr_split then sl_addr_resolve, with default_port when the spec has
 * none.  Returns 0, EINVAL, or a negative EAI_* code. */
int sl_addr_parse(const char *spec, int default_port, int passive,
		  struct sl_addr *out);

/* Literal host only ("127.0.0.1", "::1"), into buf of SL_ADDR_STRLEN. */
const char *sl_addr_host(const struct sl_addr *a, char *buf);
/* Host as it goes in a SIP URI or Via: IPv6 in brackets. */
const char *sl_addr_uri_host(const struct sl_addr *a, char *buf);
int sl_addr_port(const struct sl_addr *a);
void sl_addr_set_port(struct sl_addr *a, int port);
/* "127.0.0.1:5060" or "[::1]:5060", into buf of SL_ADDR_STRLEN. */
const char *sl_addr_str(const struct sl_addr *a, char *buf);
/* 1 when both hold the same family, address and port. */
int sl_addr_equal(const struct sl_addr *a, const struct sl_addr *b);
/* 1 when both hold the same host, whatever the port. */
int sl_addr_same_host(const struct sl_addr *a, const struct sl_addr *b);
/* 1 for the wildcard address (0.0.0.0 or ::). */
int sl_addr_is_any(const struct sl_addr *a);
int sl_addr_family(const struct sl_addr *a);

/* The local address the kernel would use to reach dst (a connected UDP
 * socket's name, nothing sent).  Returns 0 or an errno value. */
int sl_addr_route_to(const struct sl_addr *dst, struct sl_addr *local);

#endif
