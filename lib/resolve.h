/* Locating a SIP server (RFC 3263 §4): NAPTR, SRV with RFC 2782's
 * priority and weight, then A/AAAA, into the ordered list of targets
 * (address, port, transport) to try one after the other. */
#ifndef SIPLINE_RESOLVE_H
#define SIPLINE_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "transport.h"
#include "resolve_err.h"

/* Every DNS wait of one resolution together (NAPTR, SRV, A/AAAA): the
 * event loop is never held longer than this (ms). */
#define SL_RESOLVE_WAIT_MS 4000
/* Targets kept from one resolution, and addresses kept per name. */
#define SL_RESOLVE_MAX 16
#define SL_RESOLVE_ADDRS 8
/* A target that failed is tried after the others for this long (ms). */
#define SL_RESOLVE_DOWN_MS 30000
/* Answers are kept for the smallest TTL of the records used, within
 * these bounds (s). */
#define SL_RESOLVE_TTL_MIN 1
#define SL_RESOLVE_TTL_MAX 3600

/* Sets of transports: SL_PROTO_BIT(SL_PROTO_TCP) | ... */
#define SL_PROTO_BIT(p) (1u << (p))
/* What is tried when no transport was chosen: TLS only when asked for (a
 * sips: URI, SIP_TRANSPORT=tls), since it needs its trust and certificate
 * (SIPS+D2T, _sips._tcp, port 5061). */
#define SL_PROTOS_ALL (SL_PROTO_BIT(SL_PROTO_UDP) | SL_PROTO_BIT(SL_PROTO_TCP))
#define SL_PROTOS_KNOWN (SL_PROTOS_ALL | SL_PROTO_BIT(SL_PROTO_TLS))

struct sl_target {
	struct sl_addr addr;
	enum sl_proto proto;
};

/* Locates host (a DNS name, or an IPv4 / IPv6 literal with or without
 * brackets) for a sip: URI.  port: the URI's port, 0 when it has none.
 * protos: the transports that may be used; one alone is "forced" (the
 * URI's transport parameter, SIP_TRANSPORT) and skips NAPTR.  A literal,
 * or a name with a port, is looked up as an address only (A/AAAA), as is
 * a name in /etc/hosts; other names go through NAPTR, SRV, then A/AAAA
 * with port 5060 (5061 for TLS).  Fills out with at most max targets in
 * the order to try them (targets that failed lately last).  Returns 0, an SL_ERESOLVE_*
 * code, or ENOMEM. */
int sl_resolve(const char *host, int port, unsigned protos,
	       struct sl_target *out, size_t max, size_t *n);

/* sl_resolve of "HOST[:PORT]" (a SIP_SERVER or SIP_DOMAIN value), giving
 * the first target.  Returns 0, an SL_ERESOLVE_* code, or ENOMEM. */
int sl_resolve_first(const char *hostport, unsigned protos,
		     struct sl_target *out);

/* Notes that t failed (no answer, unreachable, 503): for
 * SL_RESOLVE_DOWN_MS, resolutions list it after the others. */
void sl_resolve_mark_down(const struct sl_target *t);

/* 1 when host is an IP literal (brackets allowed), 0 otherwise. */
int sl_resolve_is_literal(const char *host);
/* 1 when host is an IP literal or a well-formed DNS name (labels of 1 to
 * 63 letters, digits, '-' or '_'; 253 characters at most). */
int sl_resolve_name_ok(const char *host);
/* "udp", "tcp": the transport as in the targets sl_resolve gives. */
const char *sl_target_str(const struct sl_target *t, char *buf, size_t size);

/* The pieces below are what sl_resolve is made of, for the unit tests and
 * the fuzz target. */

struct sl_srv {
	uint16_t priority, weight, port;
	char target[256];       /* "." : the service is not there */
};

struct sl_naptr {
	uint16_t order, preference;
	enum sl_proto proto;
	char replacement[256];  /* the SRV name to look up */
};

/* A source of uniform 32-bit random numbers. */
typedef uint32_t (*sl_random_fn)(void *arg);

/* One way in: an SRV record (or the name itself when it has none: port 0,
 * weight 0) with the addresses its target has. */
struct sl_srv_addrs {
	struct sl_srv srv;
	enum sl_proto proto;
	int group;              /* rank of its SRV set: the NAPTR record's, else
				 * UDP's before TCP's; lower first */
	struct sl_addr addr[SL_RESOLVE_ADDRS];
	int naddr;
};

/* The targets of e[0..n) in the order to try them: group by group, in
 * RFC 2782 order within a group (sl_resolve_srv_order), each address of
 * a record in turn, with the record's port (port when it has none, else
 * 5060, 5061 for TLS); a target listed twice counts once.  At most max into out. */
void sl_resolve_targets(const struct sl_srv_addrs *e, size_t n, int port,
			sl_random_fn rnd, void *arg, struct sl_target *out,
			size_t max, size_t *nout);

/* Orders n SRV records as RFC 2782 says: lower priority first; within a
 * priority, a weighted random order (each next record drawn with a
 * chance proportional to its weight; weight 0 almost never first).
 * order receives the indices of rr in that order (n at most
 * SL_RESOLVE_MAX; records past it are left out). */
void sl_resolve_srv_order(const struct sl_srv *rr, size_t n, size_t *order,
			  sl_random_fn rnd, void *arg);

/* Reads a DNS answer to an SRV query into out (at most max records).
 * *ttl: the smallest TTL of its records.  Returns 0, SL_ERESOLVE_NODATA
 * (no SRV record), or SL_ERESOLVE_BADANSWER. */
int sl_resolve_read_srv(const unsigned char *buf, int len, struct sl_srv *out,
			size_t max, size_t *n, uint32_t *ttl);

/* Reads a DNS answer to a NAPTR query: the records that lead to SIP over
 * one of protos (flag "s", service SIP+D2U, SIP+D2T or SIPS+D2T), ordered
 * by order then preference.  Returns 0,
 * SL_ERESOLVE_NODATA (no such record), or SL_ERESOLVE_BADANSWER. */
int sl_resolve_read_naptr(const unsigned char *buf, int len, unsigned protos,
			  struct sl_naptr *out, size_t max, size_t *n,
			  uint32_t *ttl);

#endif
