/* Socket addresses: parsing "[HOST]:PORT", resolving, printing. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses a decimal port 0..65535; returns -1 when it is not one. */
static int
parse_port(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

int
sl_addr_split(const char *spec, char *host, size_t hostsz, int *port)
{
	const char *colon, *hend;
	size_t n;

	*port = 0;
	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (hend == NULL)
			return EINVAL;
		n = hend - spec - 1;
		if (n >= hostsz)
			return EINVAL;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		if (hend[1] == '\0')
			return 0;
		if (hend[1] != ':' || (*port = parse_port(hend + 2)) < 0)
			return EINVAL;
		return 0;
	}
	colon = strrchr(spec, ':');
	if (colon && strchr(spec, ':') != colon) {
		/* Several colons and no brackets: a bare IPv6 literal. */
		colon = NULL;
	}
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= hostsz)
		return EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (colon && (*port = parse_port(colon + 1)) < 0)
		return EINVAL;
	return 0;
}

int
sl_addr_resolve(const char *host, int port, int family, int passive,
		struct sl_addr *out)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(portstr, sizeof portstr, "%d", port);
	rc = getaddrinfo(*host ? host : NULL, portstr, &hints, &res);
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : rc;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			break;
	}
	if (ai == NULL) {
		freeaddrinfo(res);
		return EAI_ADDRFAMILY;
	}
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
	out->len = ai->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
sl_addr_parse(const char *spec, int default_port, int passive,
	      struct sl_addr *out)
{
	char host[256];
	int port, rc;

	rc = sl_addr_split(spec, host, sizeof host, &port);
	if (rc)
		return rc;
	if (port == 0)
		port = default_port;
	return sl_addr_resolve(host, port, AF_UNSPEC, passive, out);
}

int
sl_addr_family(const struct sl_addr *a)
{
	return a->ss.ss_family;
}

/* Writes the literal host of a into buf of size bytes. */
static const char *
ntop(const struct sl_addr *a, char *buf, size_t size)
{
	const void *p;

	if (a->ss.ss_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	else
		p = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	if (inet_ntop(a->ss.ss_family, p, buf, size) == NULL)
		snprintf(buf, size, "?");
	return buf;
}

const char *
sl_addr_host(const struct sl_addr *a, char *buf)
{
	return ntop(a, buf, SL_ADDR_STRLEN);
}

const char *
sl_addr_uri_host(const struct sl_addr *a, char *buf)
{
	char h[INET6_ADDRSTRLEN];

	ntop(a, h, sizeof h);
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, SL_ADDR_STRLEN, "[%s]", h);
	else
		snprintf(buf, SL_ADDR_STRLEN, "%s", h);
	return buf;
}

int
sl_addr_port(const struct sl_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

void
sl_addr_set_port(struct sl_addr *a, int port)
{
	if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

const char *
sl_addr_str(const struct sl_addr *a, char *buf)
{
	char h[INET6_ADDRSTRLEN];

	ntop(a, h, sizeof h);
	snprintf(buf, SL_ADDR_STRLEN, a->ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 h, (unsigned)(sl_addr_port(a) & 0xffff));
	return buf;
}

int
sl_addr_same_host(const struct sl_addr *a, const struct sl_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
}

int
sl_addr_equal(const struct sl_addr *a, const struct sl_addr *b)
{
	return sl_addr_same_host(a, b) && sl_addr_port(a) == sl_addr_port(b);
}

int
sl_addr_is_any(const struct sl_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
	       htonl(INADDR_ANY);
}

int
sl_addr_route_to(const struct sl_addr *dst, struct sl_addr *local)
{
	int fd, err = 0;

	fd = socket(dst->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	local->len = sizeof local->ss;
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local->ss, &local->len) < 0)
		err = errno;
	close(fd);
	return err;
}
