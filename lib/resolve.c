/* Locating a SIP server per RFC 3263 §4, with c-ares.
 *
 * Why c-ares and not glibc's res_nquery: c-ares reads the record data of
 * NAPTR and SRV answers for us (ares_parse_naptr_reply,
 * ares_parse_srv_reply: no packet parsing of ours), it sends the NAPTR and
 * both SRV queries at once and then the A/AAAA queries of every SRV
 * target at once, and its waits are in milliseconds under a deadline of
 * ours, so that one resolution never holds the event loop longer than
 * SL_RESOLVE_WAIT_MS in all; res_nquery asks one question at a time, each
 * with whole-second timeouts and retries per name server.  The one thing
 * c-ares 1.18 does not report is the TTL of NAPTR and SRV records: glibc's
 * ns_initparse / ns_parserr read it from the same answer.
 *
 * A resolution waits (poll on c-ares's sockets, nothing else runs) until
 * every query of a step is answered or the deadline passes; the channel
 * lives for that one resolution, so nothing of it is left open in a
 * process that forks, and a changed /etc/resolv.conf is read next time.
 * What was learnt is kept per process, keyed by name, for the smallest TTL
 * of the records used (SL_RESOLVE_TTL_MIN..MAX): the records, not the
 * order, so that every resolution draws its own weighted order. */
#include "resolve.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "log.h"
#include "loop.h"

/* c-ares's wait for one name server's answer to one try, and the tries:
 * a query that is never answered ends after 0.7 + 1.4 s, so that a step
 * that loses a query still leaves time for the next step. */
#define TRY_MS 700
#define TRIES 2
/* Resolutions remembered. */
#define CACHE_SIZE 8
#define DOWN_SIZE 32

/* ---- small pieces ---- */

/* Copies host without the brackets of an IPv6 literal.  Returns 0 or
 * SL_ERESOLVE_BADNAME. */
static int
unbracket(const char *host, char *buf, size_t size)
{
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return SL_ERESOLVE_BADNAME;
	memcpy(buf, host, n);
	buf[n] = '\0';
	return 0;
}

/* Parses an IP literal into a (port 0).  Returns 1 when host is one. */
static int
literal(const char *host, struct sl_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a->len = sizeof *sin;
		return 1;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a->len = sizeof *sin6;
		return 1;
	}
	return 0;
}

int
sl_resolve_is_literal(const char *host)
{
	char h[256];
	struct sl_addr a;

	return unbracket(host, h, sizeof h) == 0 && literal(h, &a);
}

int
sl_resolve_name_ok(const char *host)
{
	char h[256];
	size_t n, label = 0, i;

	if (unbracket(host, h, sizeof h) != 0)
		return 0;
	if (sl_resolve_is_literal(h))
		return 1;
	n = strlen(h);
	if (n > 1 && h[n - 1] == '.')
		n--;            /* a fully qualified name */
	if (n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

const char *
sl_target_str(const struct sl_target *t, char *buf, size_t size)
{
	char a[SL_ADDR_STRLEN];

	snprintf(buf, size, "%s/%s", sl_addr_str(&t->addr, a), sl_proto_param(t->proto));
	return buf;
}

/* The transport a name without NAPTR or SRV is reached over: UDP for a
 * sip: URI (RFC 3263 §4.1) unless only another is allowed (TLS for a
 * sips: one). */
static enum sl_proto
default_proto(unsigned protos)
{
	if (protos & SL_PROTO_BIT(SL_PROTO_UDP))
		return SL_PROTO_UDP;
	if (protos & SL_PROTO_BIT(SL_PROTO_TCP))
		return SL_PROTO_TCP;
	return SL_PROTO_TLS;
}

static uint32_t
system_random(void *arg)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)random() ^ ((uint32_t)random() << 16);
	return r;
}

/* ---- RFC 2782 order ---- */

void
sl_resolve_srv_order(const struct sl_srv *rr, size_t n, size_t *order,
		     sl_random_fn rnd, void *arg)
{
	size_t done = 0, i, j;
	char used[SL_RESOLVE_MAX];

	if (n > sizeof used)
		n = sizeof used;
	memset(used, 0, n);
	while (done < n) {
		unsigned long sum = 0, pick, run = 0;
		int prio = -1, zero = 0;
		size_t chosen = n;

		/* The lowest priority not ordered yet. */
		for (i = 0; i < n; i++)
			if (!used[i] && (prio < 0 || rr[i].priority < prio))
				prio = rr[i].priority;
		for (i = 0; i < n; i++) {
			if (used[i] || rr[i].priority != prio)
				continue;
			sum += rr[i].weight;
			zero |= rr[i].weight == 0;
		}
		/* RFC 2782: the running sums go over the weight-0 records
		 * first, and the number drawn is in [0, sum], so that a 0
		 * picks a weight-0 record.  Without such a record a 0 would go
		 * to the first one listed, whatever its weight: then the
		 * number is drawn in [1, sum], and each record comes first
		 * with a chance of exactly its weight / sum. */
		if (sum == 0)
			pick = 0;
		else if (zero)
			pick = rnd(arg) % (sum + 1);
		else
			pick = 1 + rnd(arg) % sum;
		for (j = 0; j < 2 && chosen == n; j++) {
			for (i = 0; i < n; i++) {
				if (used[i] || rr[i].priority != prio ||
				    (j == 0) != (rr[i].weight == 0))
					continue;
				run += rr[i].weight;
				if (run >= pick) {
					chosen = i;
					break;
				}
			}
		}
		used[chosen] = 1;
		order[done++] = chosen;
	}
}

/* ---- reading answers ---- */

/* The smallest TTL of the answer's records of type; the bounds when
 * there is none. */
static uint32_t
answer_ttl(const unsigned char *buf, int len, int type)
{
	ns_msg msg;
	ns_rr rr;
	uint32_t ttl = SL_RESOLVE_TTL_MAX;
	int i, n;

	if (ns_initparse(buf, len, &msg) != 0)
		return SL_RESOLVE_TTL_MIN;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			return SL_RESOLVE_TTL_MIN;
		if ((int)ns_rr_type(rr) == type && ns_rr_ttl(rr) < ttl)
			ttl = ns_rr_ttl(rr);
	}
	return ttl;
}

/* An ares status as our error. */
static int
ares_error(int status)
{
	switch (status) {
	case ARES_ENODATA: return SL_ERESOLVE_NODATA;
	case ARES_ENOTFOUND: return SL_ERESOLVE_NXDOMAIN;
	case ARES_EFORMERR: case ARES_EBADRESP: case ARES_EBADSTR:
		return SL_ERESOLVE_BADANSWER;
	case ARES_ETIMEOUT: case ARES_ECANCELLED: case ARES_EDESTRUCTION:
		return SL_ERESOLVE_TIMEOUT;
	case ARES_EBADNAME: return SL_ERESOLVE_BADNAME;
	case ARES_ENOMEM: return ENOMEM;
	}
	return SL_ERESOLVE_SERVER;
}

/* Copies a name from an answer, refusing what is not a host name. */
static int
copy_name(char *dst, size_t size, const char *src)
{
	if (src == NULL || strlen(src) >= size)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int
sl_resolve_read_srv(const unsigned char *buf, int len, struct sl_srv *out,
		    size_t max, size_t *n, uint32_t *ttl)
{
	struct ares_srv_reply *list = NULL, *r;
	int status;

	*n = 0;
	status = ares_parse_srv_reply(buf, len, &list);
	if (status != ARES_SUCCESS)
		return status == ARES_ENODATA ? SL_ERESOLVE_NODATA : SL_ERESOLVE_BADANSWER;
	for (r = list; r && *n < max; r = r->next) {
		struct sl_srv *s = &out[*n];

		/* "." comes back as "" from c-ares. */
		if (r->host == NULL || r->host[0] == '\0' || strcmp(r->host, ".") == 0)
			strcpy(s->target, ".");
		else if (copy_name(s->target, sizeof s->target, r->host) != 0 ||
			 !sl_resolve_name_ok(s->target))
			continue;
		s->priority = r->priority;
		s->weight = r->weight;
		s->port = r->port;
		(*n)++;
	}
	ares_free_data(list);
	if (*n == 0)
		return SL_ERESOLVE_NODATA;
	*ttl = answer_ttl(buf, len, ns_t_srv);
	return 0;
}

/* The transport of a NAPTR service field, or -1 for one we cannot use. */
static int
naptr_proto(const unsigned char *service, unsigned protos)
{
	static const struct {
		const char *service;
		int proto;
	} known[] = {
		{ "SIP+D2U", SL_PROTO_UDP },
		{ "SIP+D2T", SL_PROTO_TCP },
		{ "SIPS+D2T", SL_PROTO_TLS },
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof *known; i++)
		if (strcasecmp((const char *)service, known[i].service) == 0)
			return known[i].proto >= 0 &&
			       (protos & SL_PROTO_BIT(known[i].proto)) ? known[i].proto : -1;
	return -1;
}

int
sl_resolve_read_naptr(const unsigned char *buf, int len, unsigned protos,
		      struct sl_naptr *out, size_t max, size_t *n, uint32_t *ttl)
{
	struct ares_naptr_reply *list = NULL, *r;
	size_t i, j;
	int status, p;

	*n = 0;
	status = ares_parse_naptr_reply(buf, len, &list);
	if (status != ARES_SUCCESS)
		return status == ARES_ENODATA ? SL_ERESOLVE_NODATA : SL_ERESOLVE_BADANSWER;
	for (r = list; r && *n < max; r = r->next) {
		struct sl_naptr *x = &out[*n];

		/* RFC 3263 §4.1: the terminal "s" flag, an SRV name in the
		 * replacement, no regular expression. */
		if (r->flags == NULL || strcasecmp((const char *)r->flags, "s") != 0 ||
		    r->service == NULL || (p = naptr_proto(r->service, protos)) < 0 ||
		    (r->regexp && r->regexp[0]) ||
		    copy_name(x->replacement, sizeof x->replacement, r->replacement) != 0 ||
		    !sl_resolve_name_ok(x->replacement))
			continue;
		x->order = r->order;
		x->preference = r->preference;
		x->proto = (enum sl_proto)p;
		(*n)++;
	}
	ares_free_data(list);
	if (*n == 0)
		return SL_ERESOLVE_NODATA;
	/* Insertion sort: a handful of records. */
	for (i = 1; i < *n; i++) {
		struct sl_naptr t = out[i];

		for (j = i; j > 0 && (out[j - 1].order > t.order ||
				      (out[j - 1].order == t.order &&
				       out[j - 1].preference > t.preference)); j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	*ttl = answer_ttl(buf, len, ns_t_naptr);
	return 0;
}

/* ---- what was learnt of a name ---- */

struct plan {
	char name[256];
	int addr_only;          /* a port was given: addresses only */
	unsigned protos;
	int64_t expires;        /* monotonic ms */
	struct sl_srv_addrs e[SL_RESOLVE_MAX];
	size_t n;
};

static struct plan *cache[CACHE_SIZE];

static struct {
	struct sl_target t;
	int64_t until;
} down[DOWN_SIZE];

/* ---- one resolution's queries ---- */

struct dns;

struct query {
	struct dns *d;
	int type;               /* ns_t_naptr, ns_t_srv; 0: addresses */
	char name[300];
	int status;             /* 0 or an SL_ERESOLVE_* code */
	uint32_t ttl;
	size_t n;
	union {
		struct sl_naptr naptr[SL_RESOLVE_MAX];
		struct sl_srv srv[SL_RESOLVE_MAX];
		struct sl_addr addr[SL_RESOLVE_ADDRS];
	} u;
};

struct dns {
	ares_channel ch;
	int64_t deadline;
	int pending;
	int timed_out;
	unsigned protos;
	struct query *q[3 + 2 * SL_RESOLVE_MAX];
	size_t nq;
};

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;

	q->d->pending--;
	if (status != ARES_SUCCESS)
		q->status = ares_error(status);
	else if (q->type == ns_t_srv)
		q->status = sl_resolve_read_srv(abuf, alen, q->u.srv, SL_RESOLVE_MAX,
						&q->n, &q->ttl);
	else
		q->status = sl_resolve_read_naptr(abuf, alen, q->d->protos, q->u.naptr,
						  SL_RESOLVE_MAX, &q->n, &q->ttl);
}

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct query *q = arg;
	struct ares_addrinfo_node *node;
	size_t i;

	q->d->pending--;
	if (status != ARES_SUCCESS) {
		q->status = ares_error(status);
		return;
	}
	q->ttl = SL_RESOLVE_TTL_MAX;
	for (node = res->nodes; node && q->n < SL_RESOLVE_ADDRS; node = node->ai_next) {
		struct sl_addr a;

		if ((node->ai_family != AF_INET && node->ai_family != AF_INET6) ||
		    node->ai_addrlen > sizeof a.ss)
			continue;
		memset(&a, 0, sizeof a);
		memcpy(&a.ss, node->ai_addr, node->ai_addrlen);
		a.len = node->ai_addrlen;
		for (i = 0; i < q->n && !sl_addr_equal(&q->u.addr[i], &a); i++)
			;
		if (i < q->n)
			continue;
		q->u.addr[q->n++] = a;
		if (node->ai_ttl >= 0 && (uint32_t)node->ai_ttl < q->ttl)
			q->ttl = (uint32_t)node->ai_ttl;
	}
	if (q->n == 0)
		q->status = SL_ERESOLVE_NODATA;
	ares_freeaddrinfo(res);
}

/* Opens a channel on the system's name servers.  Returns 0 or an
 * SL_ERESOLVE_* code. */
static int
lib_init(void)
{
	static int initialised;

	if (!initialised && ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS)
		initialised = 1;
	return initialised ? 0 : SL_ERESOLVE_SERVER;
}

static int
dns_open(struct dns *d, unsigned protos)
{
	struct ares_options o;

	memset(d, 0, sizeof *d);
	d->protos = protos;
	d->deadline = sl_now_ms() + SL_RESOLVE_WAIT_MS;
	if (lib_init() != 0)
		return SL_ERESOLVE_SERVER;
	memset(&o, 0, sizeof o);
	o.timeout = TRY_MS;
	o.tries = TRIES;
	if (ares_init_options(&d->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS)
		return SL_ERESOLVE_SERVER;
	return 0;
}

static void
dns_close(struct dns *d)
{
	size_t i;

	ares_destroy(d->ch);
	for (i = 0; i < d->nq; i++)
		free(d->q[i]);
}

/* Asks one question (type 0: the addresses of name).  Returns it, or
 * NULL when out of room or memory. */
static struct query *
ask(struct dns *d, int type, const char *name)
{
	struct query *q;

	if (d->nq == sizeof d->q / sizeof *d->q || (q = calloc(1, sizeof *q)) == NULL)
		return NULL;
	q->d = d;
	q->type = type;
	snprintf(q->name, sizeof q->name, "%s", name);
	d->q[d->nq++] = q;
	d->pending++;
	if (type) {
		ares_query(d->ch, q->name, ns_c_in, type, on_answer, q);
	} else {
		struct ares_addrinfo_hints hints;

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		ares_getaddrinfo(d->ch, q->name, NULL, &hints, on_addrinfo, q);
	}
	return q;
}

/* Waits until every question asked is answered, or the deadline: then
 * the rest are cancelled (their status: SL_ERESOLVE_TIMEOUT). */
static void
dns_wait(struct dns *d)
{
	while (d->pending > 0) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval max, tv, *tvp;
		int64_t left = d->deadline - sl_now_ms();
		unsigned bits;
		int i, np = 0, rc;

		if (left <= 0) {
			d->timed_out = 1;
			ares_cancel(d->ch);
			break;
		}
		/* The bits as ARES_GETSOCK_READABLE / _WRITABLE read them, but
		 * unsigned: theirs shift 1 into an int's sign bit for the
		 * sixteenth socket. */
		bits = (unsigned)ares_getsock(d->ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;

			if (bits >> i & 1u)
				ev |= POLLIN;
			if (bits >> (i + ARES_GETSOCK_MAXNUM) & 1u)
				ev |= POLLOUT;
			if (ev) {
				pfd[np].fd = socks[i];
				pfd[np].events = ev;
				pfd[np].revents = 0;
				np++;
			}
		}
		max.tv_sec = left / 1000;
		max.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(d->ch, &max, &tv);
		rc = poll(pfd, np, (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000));
		if (rc <= 0) {
			/* A timeout of c-ares's own (a try to resend), or a
			 * signal: it sorts out which. */
			ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			ares_process_fd(d->ch,
					pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
					pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
		}
	}
	d->pending = 0;
}

/* Names are compared without case and without a final dot. */
static int
same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na && a[na - 1] == '.')
		na--;
	if (nb && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

static struct query *
find_query(struct dns *d, int type, const char *name)
{
	size_t i;

	for (i = 0; i < d->nq; i++)
		if (d->q[i]->type == type && same_name(d->q[i]->name, name))
			return d->q[i];
	return NULL;
}

static uint32_t
min_ttl(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The SRV name of a transport (RFC 3263 §4.1). */
static const char *
srv_prefix(enum sl_proto p)
{
	return p == SL_PROTO_TLS ? "_sips._tcp." : p == SL_PROTO_TCP ? "_sip._tcp." : "_sip._udp.";
}

/* Adds the records of an SRV answer to p as group; "." notes that the
 * service is not there.  Returns the records added. */
static size_t
add_srv(struct plan *p, const struct query *q, enum sl_proto proto, int group,
	int *unavailable)
{
	size_t i, added = 0;

	if (q == NULL || q->status != 0)
		return 0;
	for (i = 0; i < q->n && p->n < SL_RESOLVE_MAX; i++) {
		if (strcmp(q->u.srv[i].target, ".") == 0) {
			/* RFC 2782: "decidedly not available", when it is the
			 * only record. */
			if (q->n == 1)
				*unavailable = 1;
			continue;
		}
		memset(&p->e[p->n], 0, sizeof p->e[p->n]);
		p->e[p->n].srv = q->u.srv[i];
		p->e[p->n].proto = proto;
		p->e[p->n].group = group;
		p->n++;
		added++;
	}
	return added;
}

/* The error worth reporting among the address questions, when no target
 * came of them. */
static int
address_error(struct dns *d, int srv)
{
	static const int rank[] = {
		SL_ERESOLVE_NODATA, SL_ERESOLVE_NXDOMAIN, SL_ERESOLVE_SERVER,
		SL_ERESOLVE_BADANSWER, SL_ERESOLVE_TIMEOUT,
	};
	int worst = 0, best = SL_ERESOLVE_NODATA;
	size_t i, k;

	if (d->timed_out)
		return SL_ERESOLVE_TIMEOUT;
	for (i = 0; i < d->nq; i++) {
		int st = d->q[i]->status;

		if (d->q[i]->type != 0 || st == 0)
			continue;
		if (st == ENOMEM)
			return ENOMEM;
		/* An SRV target that does not exist is no usable record of
		 * the domain asked for, which does exist. */
		if (srv && st == SL_ERESOLVE_NXDOMAIN)
			st = SL_ERESOLVE_NODATA;
		for (k = 0; k < sizeof rank / sizeof *rank; k++)
			if (rank[k] == st && (int)k >= worst) {
				worst = (int)k;
				best = st;
			}
	}
	return best;
}

/* Looks up what p->name leads to: NAPTR and SRV unless p->addr_only, then
 * the addresses.  Returns 0 or an SL_ERESOLVE_* code / ENOMEM. */
static int
learn(struct plan *p)
{
	struct dns d;
	struct query *naptr = NULL, *q;
	uint32_t ttl = SL_RESOLVE_TTL_MAX;
	int unavailable = 0, srv = 0, err;
	char name[300];
	size_t i, j;

	if ((err = dns_open(&d, p->protos)) != 0)
		return err;
	p->n = 0;
	if (!p->addr_only) {
		unsigned forced = (p->protos & (p->protos - 1)) == 0;

		/* NAPTR and the SRV names of our transports together: the
		 * usual NAPTR leads to those very names. */
		if (!forced)
			naptr = ask(&d, ns_t_naptr, p->name);
		for (i = 0; i <= SL_PROTO_TLS; i++) {
			if (!(p->protos & SL_PROTO_BIT(i)))
				continue;
			snprintf(name, sizeof name, "%s%s", srv_prefix((enum sl_proto)i), p->name);
			ask(&d, ns_t_srv, name);
		}
		dns_wait(&d);
		if (naptr && naptr->status == 0) {
			/* RFC 3263 §4.1: the SRV names the NAPTR records
			 * give, in their order. */
			for (i = 0; i < naptr->n; i++)
				if (!find_query(&d, ns_t_srv, naptr->u.naptr[i].replacement))
					ask(&d, ns_t_srv, naptr->u.naptr[i].replacement);
			dns_wait(&d);
			for (i = 0; i < naptr->n; i++) {
				q = find_query(&d, ns_t_srv, naptr->u.naptr[i].replacement);
				if (add_srv(p, q, naptr->u.naptr[i].proto, (int)i, &unavailable))
					ttl = min_ttl(min_ttl(ttl, q->ttl), naptr->ttl);
			}
		}
		if (p->n == 0 && !unavailable) {
			/* No NAPTR (or none that led anywhere): the SRV
			 * records of each transport, UDP first. */
			for (i = 0; i <= SL_PROTO_TLS; i++) {
				if (!(p->protos & SL_PROTO_BIT(i)))
					continue;
				snprintf(name, sizeof name, "%s%s", srv_prefix((enum sl_proto)i), p->name);
				q = find_query(&d, ns_t_srv, name);
				if (add_srv(p, q, (enum sl_proto)i, (int)i, &unavailable))
					ttl = min_ttl(ttl, q->ttl);
			}
		}
		srv = p->n > 0;
		if (!srv && unavailable) {
			dns_close(&d);
			return SL_ERESOLVE_UNAVAILABLE;
		}
	}
	if (p->n == 0) {
		/* Addresses of the name itself (RFC 3263 §4.2: port 5060,
		 * 5061 for TLS, unless one was given). */
		memset(&p->e[0], 0, sizeof p->e[0]);
		snprintf(p->e[0].srv.target, sizeof p->e[0].srv.target, "%s", p->name);
		p->e[0].proto = default_proto(p->protos);
		p->n = 1;
	}
	for (i = 0; i < p->n; i++)
		if (!find_query(&d, 0, p->e[i].srv.target))
			ask(&d, 0, p->e[i].srv.target);
	dns_wait(&d);
	for (i = 0, j = 0; i < p->n; i++) {
		q = find_query(&d, 0, p->e[i].srv.target);
		if (q == NULL || q->status != 0)
			continue;
		p->e[j] = p->e[i];
		memcpy(p->e[j].addr, q->u.addr, q->n * sizeof *q->u.addr);
		p->e[j].naddr = (int)q->n;
		ttl = min_ttl(ttl, q->ttl);
		j++;
	}
	p->n = j;
	err = p->n ? 0 : address_error(&d, srv);
	dns_close(&d);
	if (ttl < SL_RESOLVE_TTL_MIN)
		ttl = SL_RESOLVE_TTL_MIN;
	p->expires = sl_now_ms() + (int64_t)ttl * 1000;
	return err;
}

/* A name from /etc/hosts is taken from there as an address: it pins the
 * name on this machine, and a lookup that may wait for DNS (localhost on
 * a machine without a name server) would be a surprise.  Returns 1 when
 * name is there. */
static int
from_hosts(struct plan *p)
{
	static const int families[] = { AF_INET, AF_INET6 };
	ares_channel ch;
	struct sl_srv_addrs *e = &p->e[0];
	size_t f;
	int i;

	if (lib_init() != 0 || ares_init(&ch) != ARES_SUCCESS)
		return 0;
	memset(e, 0, sizeof *e);
	for (f = 0; f < 2; f++) {
		struct hostent *he = NULL;

		if (ares_gethostbyname_file(ch, p->name, families[f], &he) != ARES_SUCCESS)
			continue;
		for (i = 0; he->h_addr_list[i] && e->naddr < SL_RESOLVE_ADDRS; i++) {
			struct sl_addr *a = &e->addr[e->naddr++];

			memset(a, 0, sizeof *a);
			if (he->h_addrtype == AF_INET) {
				struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

				sin->sin_family = AF_INET;
				memcpy(&sin->sin_addr, he->h_addr_list[i], sizeof sin->sin_addr);
				a->len = sizeof *sin;
			} else {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr, he->h_addr_list[i], sizeof sin6->sin6_addr);
				a->len = sizeof *sin6;
			}
		}
		ares_free_hostent(he);
	}
	ares_destroy(ch);
	if (e->naddr == 0)
		return 0;
	snprintf(e->srv.target, sizeof e->srv.target, "%s", p->name);
	e->proto = default_proto(p->protos);
	p->n = 1;
	return 1;
}

/* The plan for a name: remembered, or learnt now.  Returns 0 or an
 * error; *out points into the cache (or at tmp) until the next call. */
static int
plan_for(const char *name, int addr_only, unsigned protos, struct plan *tmp,
	 const struct plan **out)
{
	int64_t now = sl_now_ms();
	struct plan *p = NULL;
	size_t i, slot = 0;
	int err;

	memset(tmp, 0, sizeof *tmp);
	snprintf(tmp->name, sizeof tmp->name, "%s", name);
	tmp->addr_only = addr_only;
	tmp->protos = protos;
	if (from_hosts(tmp)) {
		*out = tmp;
		return 0;
	}
	for (i = 0; i < CACHE_SIZE; i++) {
		struct plan *c = cache[i];

		if (c && c->addr_only == addr_only && c->protos == protos &&
		    same_name(c->name, name) && c->expires > now) {
			*out = c;
			return 0;
		}
		/* The slot to reuse: this name's, else an empty one, else
		 * the one that expires first. */
		if (c && c->addr_only == addr_only && c->protos == protos &&
		    same_name(c->name, name)) {
			slot = i;
			break;
		}
		if (c == NULL || (cache[slot] && c->expires < cache[slot]->expires))
			slot = i;
	}
	if ((err = learn(tmp)) != 0)
		return err;     /* failures are not kept: ask again next time */
	if (cache[slot] == NULL && (cache[slot] = malloc(sizeof *p)) == NULL) {
		*out = tmp;
		return 0;
	}
	*cache[slot] = *tmp;
	*out = cache[slot];
	return 0;
}

static int
is_down(const struct sl_target *t, int64_t now)
{
	size_t i;

	for (i = 0; i < DOWN_SIZE; i++)
		if (down[i].until > now && down[i].t.proto == t->proto &&
		    sl_addr_equal(&down[i].t.addr, &t->addr))
			return 1;
	return 0;
}

void
sl_resolve_mark_down(const struct sl_target *t)
{
	int64_t now = sl_now_ms();
	size_t i, slot = 0;

	for (i = 0; i < DOWN_SIZE; i++) {
		if (down[i].t.proto == t->proto && sl_addr_equal(&down[i].t.addr, &t->addr)) {
			slot = i;
			break;
		}
		if (down[i].until < down[slot].until)
			slot = i;
	}
	down[slot].t = *t;
	down[slot].until = now + SL_RESOLVE_DOWN_MS;
}

/* Adds t to out unless it is there already.  Returns 1 when added. */
static int
add_target(struct sl_target *out, size_t max, size_t *n, const struct sl_target *t)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (out[i].proto == t->proto && sl_addr_equal(&out[i].addr, &t->addr))
			return 0;
	if (*n >= max)
		return 0;
	out[(*n)++] = *t;
	return 1;
}

void
sl_resolve_targets(const struct sl_srv_addrs *e, size_t n, int port,
		   sl_random_fn rnd, void *arg, struct sl_target *out, size_t max,
		   size_t *nout)
{
	struct sl_srv rr[SL_RESOLVE_MAX];
	size_t idx[SL_RESOLVE_MAX], order[SL_RESOLVE_MAX];
	int group = -1, next;
	size_t i, k, m;
	int a;

	*nout = 0;
	if (n > SL_RESOLVE_MAX)
		n = SL_RESOLVE_MAX;
	for (;;) {
		/* The next group up. */
		next = -1;
		for (i = 0; i < n; i++)
			if (e[i].group > group && (next < 0 || e[i].group < next))
				next = e[i].group;
		if (next < 0)
			break;
		group = next;
		for (i = 0, m = 0; i < n; i++) {
			if (e[i].group != group)
				continue;
			rr[m] = e[i].srv;
			idx[m++] = i;
		}
		sl_resolve_srv_order(rr, m, order, rnd, arg);
		for (k = 0; k < m; k++) {
			const struct sl_srv_addrs *x = &e[idx[order[k]]];

			for (a = 0; a < x->naddr && a < SL_RESOLVE_ADDRS; a++) {
				struct sl_target t;

				t.addr = x->addr[a];
				t.proto = x->proto;
				sl_addr_set_port(&t.addr, x->srv.port ? x->srv.port :
						 port ? port : sl_proto_default_port(x->proto));
				add_target(out, max, nout, &t);
			}
		}
	}
}

/* Moves the targets that failed lately after the others, keeping the
 * order within each part. */
static void
down_last(struct sl_target *t, size_t n)
{
	struct sl_target tmp[SL_RESOLVE_MAX];
	int64_t now = sl_now_ms();
	size_t i, k = 0;

	if (n > SL_RESOLVE_MAX)
		n = SL_RESOLVE_MAX;
	for (i = 0; i < n; i++)
		if (!is_down(&t[i], now))
			tmp[k++] = t[i];
	for (i = 0; i < n; i++)
		if (is_down(&t[i], now))
			tmp[k++] = t[i];
	memcpy(t, tmp, n * sizeof *t);
}

int
sl_resolve(const char *host, int port, unsigned protos, struct sl_target *out,
	   size_t max, size_t *n)
{
	static struct plan tmp;     /* large: not on the stack */
	const struct plan *p;
	struct sl_target t;
	char h[256];
	int err;

	*n = 0;
	protos &= SL_PROTOS_KNOWN;
	if (protos == 0)
		return SL_ERESOLVE_TRANSPORT;
	if (unbracket(host, h, sizeof h) != 0 || port < 0 || port > 65535)
		return SL_ERESOLVE_BADNAME;
	if (literal(h, &t.addr)) {
		/* RFC 3263 §4.1, §4.2: an address is used as it is. */
		t.proto = default_proto(protos);
		sl_addr_set_port(&t.addr, port ? port : sl_proto_default_port(t.proto));
		if (max > 0)
			out[(*n)++] = t;
		return 0;
	}
	if (!sl_resolve_name_ok(h))
		return SL_ERESOLVE_BADNAME;
	if ((err = plan_for(h, port != 0, protos, &tmp, &p)) != 0)
		return err;
	sl_resolve_targets(p->e, p->n, port, system_random, NULL, out, max, n);
	if (*n == 0)
		return SL_ERESOLVE_NODATA;
	down_last(out, *n);
	return 0;
}

int
sl_resolve_first(const char *hostport, unsigned protos, struct sl_target *out)
{
	char host[256];
	size_t n;
	int port, err;

	if (sl_addr_split(hostport, host, sizeof host, &port) != 0 || host[0] == '\0')
		return SL_ERESOLVE_BADNAME;
	if ((err = sl_resolve(host, port, protos, out, 1, &n)) != 0)
		return err;
	return n ? 0 : SL_ERESOLVE_NODATA;
}
