/* NAT awareness (nat.h): what a response's top Via says about where our
 * request came from, read strictly: a received that is not an IP literal
 * or an rport that is not a port is refused, never looked up or guessed. */
#include "nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An IP literal ("192.0.2.1", "2001:db8::1" or "[2001:db8::1]") and port
 * into a.  Returns 0 or EINVAL. */
static int
literal(const char *host, int port, struct sl_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (host == NULL || (n = strlen(host)) == 0 || n >= sizeof buf)
		return EINVAL;
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return EINVAL;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, host, n + 1);
	}
	memset(a, 0, sizeof *a);
	if (host[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			a->len = sizeof *sin;
			return 0;
		}
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			a->len = sizeof *sin6;
			return 0;
		}
	}
	return EINVAL;
}

/* A port: 1 to 65535 in decimal digits only.  Returns it, or -1. */
static int
port_of(const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

int
sl_nat_via_public(const osip_message_t *resp, struct sl_addr *pub, char *why,
		  size_t size)
{
	osip_via_t *via;
	osip_generic_param_t *rcv = NULL, *rp = NULL;
	const char *host;
	int port;

	if (size)
		why[0] = '\0';
	if (resp == NULL || (via = osip_list_get(&resp->vias, 0)) == NULL)
		return ENOENT;
	osip_via_param_get_byname(via, "received", &rcv);
	osip_via_param_get_byname(via, "rport", &rp);
	if (rcv && rcv->gvalue == NULL)
		rcv = NULL;
	if (rp && rp->gvalue == NULL)
		rp = NULL;
	if (rcv == NULL && rp == NULL)
		return ENOENT;
	host = rcv ? rcv->gvalue : via->host;
	if (rp) {
		if ((port = port_of(rp->gvalue)) < 0) {
			snprintf(why, size, "rport=%.64s is not a port", rp->gvalue);
			return EINVAL;
		}
	} else if (via->port) {
		if ((port = port_of(via->port)) < 0) {
			snprintf(why, size, "the Via's port %.64s is not a port", via->port);
			return EINVAL;
		}
	} else {
		port = 5060;
	}
	if (literal(host, port, pub) != 0) {
		snprintf(why, size, "%s%.64s is not an address", rcv ? "received=" : "the Via's host ",
			 host ? host : "(none)");
		return EINVAL;
	}
	return 0;
}

/* Parses uri (sip: or sips: only).  Returns 0 or EINVAL. */
static int
parse_uri(const char *uri, osip_uri_t **out)
{
	osip_uri_t *u = NULL;

	if (uri == NULL || osip_uri_init(&u) != 0)
		return EINVAL;
	if (osip_uri_parse(u, uri) != 0 || u->scheme == NULL || u->host == NULL ||
	    (strcasecmp(u->scheme, "sip") != 0 && strcasecmp(u->scheme, "sips") != 0)) {
		osip_uri_free(u);
		return EINVAL;
	}
	*out = u;
	return 0;
}

int
sl_nat_uri_addr(const char *uri, struct sl_addr *a)
{
	osip_uri_t *u;
	int port, err;

	if (parse_uri(uri, &u) != 0)
		return EINVAL;
	if (u->port)
		port = port_of(u->port);
	else
		port = strcasecmp(u->scheme, "sips") == 0 ? 5061 : 5060;
	err = port < 0 ? EINVAL : literal(u->host, port, a);
	osip_uri_free(u);
	return err;
}

int
sl_nat_uri_with(const char *uri, const struct sl_addr *a, char *buf, size_t size)
{
	osip_uri_t *u;
	char host[SL_ADDR_STRLEN], port[8], *s = NULL;
	int n;

	if (a->len == 0 || parse_uri(uri, &u) != 0)
		return EINVAL;
	sl_addr_host(a, host);
	snprintf(port, sizeof port, "%d", sl_addr_port(a));
	osip_free(u->host);
	u->host = osip_strdup(host);
	osip_free(u->port);
	u->port = osip_strdup(port);
	/* osip_uri_to_str puts an IPv6 host in brackets. */
	if (u->host == NULL || u->port == NULL || osip_uri_to_str(u, &s) != 0) {
		osip_uri_free(u);
		return EINVAL;
	}
	osip_uri_free(u);
	n = snprintf(buf, size, "%s", s);
	osip_free(s);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}
