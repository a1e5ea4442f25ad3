/* Unit tests for lib/resolve.c without a name server: RFC 2782's order
 * by priority and weight with a scripted and a seeded random source, the
 * target list built from SRV records and their addresses, NAPTR and SRV
 * answers read (well-formed, cut short, with a compression loop), host
 * name syntax, and IP literals, which never ask DNS. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "resolve.h"
#include "tap.h"

/* ---- random sources ---- */

/* Hands out the numbers of a script, then zeros. */
struct script {
	const uint32_t *v;
	size_t n, i;
};

static uint32_t
scripted(void *arg)
{
	struct script *s = arg;

	return s->i < s->n ? s->v[s->i++] : 0;
}

/* xorshift32: a fixed seed gives the same run every time. */
static uint32_t
seeded(void *arg)
{
	uint32_t *x = arg;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static struct sl_srv
srv(int prio, int weight, int port, const char *target)
{
	struct sl_srv r;

	memset(&r, 0, sizeof r);
	r.priority = (uint16_t)prio;
	r.weight = (uint16_t)weight;
	r.port = (uint16_t)port;
	snprintf(r.target, sizeof r.target, "%s", target);
	return r;
}

/* ---- DNS answers, built here byte by byte ---- */

struct pkt {
	unsigned char b[1024];
	size_t n;
	int an;
};

static void
put8(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 255);
}

static void
put32(struct pkt *p, unsigned long v)
{
	put16(p, (unsigned)(v >> 16));
	put16(p, (unsigned)(v & 0xffff));
}

static void
put_name(struct pkt *p, const char *name)
{
	const char *dot;

	while (*name) {
		size_t n = (dot = strchr(name, '.')) ? (size_t)(dot - name) : strlen(name);

		put8(p, (unsigned)n);
		memcpy(p->b + p->n, name, n);
		p->n += n;
		name += n + (dot ? 1 : 0);
	}
	put8(p, 0);
}

static void
put_string(struct pkt *p, const char *s)
{
	put8(p, (unsigned)strlen(s));
	memcpy(p->b + p->n, s, strlen(s));
	p->n += strlen(s);
}

static void
begin(struct pkt *p, const char *qname, unsigned qtype)
{
	memset(p, 0, sizeof *p);
	put16(p, 0x1234);
	put16(p, 0x8180);
	put16(p, 1);
	put16(p, 0);            /* answers: set by an_count */
	put16(p, 0);
	put16(p, 0);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

static void
an_count(struct pkt *p)
{
	p->b[6] = (unsigned char)(p->an >> 8);
	p->b[7] = (unsigned char)p->an;
}

/* The owner of each record is the question's name (pointer to 12). */
static size_t
rr_begin(struct pkt *p, unsigned type, unsigned long ttl)
{
	put16(p, 0xc00c);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	put16(p, 0);            /* rdlength: set by rr_end */
	return p->n;
}

static void
rr_end(struct pkt *p, size_t start)
{
	size_t len = p->n - start;

	p->b[start - 2] = (unsigned char)(len >> 8);
	p->b[start - 1] = (unsigned char)len;
	p->an++;
	an_count(p);
}

static void
add_srv(struct pkt *p, unsigned long ttl, int prio, int weight, int port,
	const char *target)
{
	size_t s = rr_begin(p, 33, ttl);

	put16(p, prio);
	put16(p, weight);
	put16(p, port);
	put_name(p, target);
	rr_end(p, s);
}

static void
add_naptr(struct pkt *p, unsigned long ttl, int order, int pref, const char *flags,
	  const char *service, const char *regexp, const char *replacement)
{
	size_t s = rr_begin(p, 35, ttl);

	put16(p, order);
	put16(p, pref);
	put_string(p, flags);
	put_string(p, service);
	put_string(p, regexp);
	put_name(p, replacement);
	rr_end(p, s);
}

/* ---- the tests ---- */

static void
test_order(void)
{
	struct sl_srv rr[4];
	size_t order[4];
	uint32_t seed = 2463534242u, v[2];
	struct script sc;
	int i, first[3] = { 0, 0, 0 };
	const int runs = 40000;

	rr[0] = srv(20, 1, 5060, "c");
	rr[1] = srv(10, 1, 5060, "a");
	rr[2] = srv(10, 3, 5060, "b");
	/* Weights 1 and 3, no weight 0: a number in [1, 4]; 1 picks "a". */
	v[0] = 0;
	sc = (struct script){ v, 1, 0 };
	sl_resolve_srv_order(rr, 3, order, scripted, &sc);
	ok(order[0] == 1 && order[1] == 2 && order[2] == 0,
	   "priority 10 before 20; a draw of 1 in [1, 4] picks the weight-1 record");
	v[0] = 1;
	sc = (struct script){ v, 1, 0 };
	sl_resolve_srv_order(rr, 3, order, scripted, &sc);
	ok(order[0] == 2 && order[1] == 1 && order[2] == 0,
	   "a draw of 2 goes past the weight-1 record's running sum (1)");
	v[0] = 3;
	sc = (struct script){ v, 1, 0 };
	sl_resolve_srv_order(rr, 3, order, scripted, &sc);
	ok(order[0] == 2, "a draw of 4 (the sum) picks the last record");

	/* Weight 0 comes first in the running sums: only a 0 picks it. */
	rr[0] = srv(10, 5, 1, "a");
	rr[1] = srv(10, 0, 2, "z");
	rr[2] = srv(10, 5, 3, "b");
	v[0] = 0;
	v[1] = 0;
	sc = (struct script){ v, 2, 0 };
	sl_resolve_srv_order(rr, 3, order, scripted, &sc);
	is_int((long long)order[0], 1, "weight 0 and a draw of 0: the weight-0 record first");
	v[0] = 11 * 7 + 3;     /* 3 in [0, 10] */
	sc = (struct script){ v, 1, 0 };
	sl_resolve_srv_order(rr, 3, order, scripted, &sc);
	is_int((long long)order[0], 0, "a draw of 3 in [0, 10]: the first weight-5 record");

	/* All weights 0: the order as listed. */
	rr[0] = srv(10, 0, 1, "a");
	rr[1] = srv(10, 0, 2, "b");
	rr[2] = srv(10, 0, 3, "c");
	sl_resolve_srv_order(rr, 3, order, seeded, &seed);
	ok(order[0] == 0 && order[1] == 1 && order[2] == 2, "weights all 0: listed order");

	/* The share of first places follows the weights (seeded: the same
	 * numbers every run).  40000 draws: 1 % is more than 5 standard
	 * deviations of a binomial share of 1/4 (0.22 %). */
	rr[0] = srv(10, 1, 1, "a");
	rr[1] = srv(10, 3, 2, "b");
	for (i = 0; i < runs; i++) {
		sl_resolve_srv_order(rr, 2, order, seeded, &seed);
		first[order[0]]++;
	}
	diag("weights 1:3 first: %d / %d", first[0], first[1]);
	ok(first[0] > runs * 24 / 100 && first[0] < runs * 26 / 100,
	   "weights 1 and 3: the weight-1 record first about 1 time in 4 (%d of %d)",
	   first[0], runs);
	rr[0] = srv(10, 0, 1, "z");
	rr[1] = srv(10, 5, 2, "a");
	rr[2] = srv(10, 5, 3, "b");
	first[0] = first[1] = first[2] = 0;
	for (i = 0; i < runs; i++) {
		sl_resolve_srv_order(rr, 3, order, seeded, &seed);
		first[order[0]]++;
	}
	diag("weights 0:5:5 first: %d / %d / %d", first[0], first[1], first[2]);
	ok(first[0] > runs * 8 / 100 && first[0] < runs * 10 / 100,
	   "weight 0 beside 5 and 5: first 1 time in 11, as RFC 2782 draws it");
	ok(first[1] > runs * 44 / 100 && first[1] < runs * 47 / 100 &&
	   first[2] > runs * 44 / 100 && first[2] < runs * 47 / 100,
	   "equal weights: equal shares (%d, %d)", first[1], first[2]);
}

static struct sl_addr
v4(const char *ip)
{
	struct sl_addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof a);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
	a.len = sizeof *sin;
	return a;
}

static const char *
tstr(const struct sl_target *t)
{
	static char buf[4][SL_ADDR_STRLEN + 8];
	static int k;

	k = (k + 1) % 4;
	return sl_target_str(t, buf[k], sizeof buf[k]);
}

static void
test_targets(void)
{
	struct sl_srv_addrs e[4];
	struct sl_target t[SL_RESOLVE_MAX];
	uint32_t v[1] = { 0 };
	struct script sc = { v, 1, 0 };
	size_t n;

	memset(e, 0, sizeof e);
	/* A NAPTR-like layout: group 0 over TCP, group 1 over UDP. */
	e[0].srv = srv(10, 0, 5080, "tcp.example");
	e[0].proto = SL_PROTO_TCP;
	e[0].group = 0;
	e[0].addr[0] = v4("192.0.2.10");
	e[0].naddr = 1;
	e[1].srv = srv(20, 0, 5071, "b.example");
	e[1].proto = SL_PROTO_UDP;
	e[1].group = 1;
	e[1].addr[0] = v4("192.0.2.21");
	e[1].naddr = 1;
	e[2].srv = srv(10, 0, 5070, "a.example");
	e[2].proto = SL_PROTO_UDP;
	e[2].group = 1;
	e[2].addr[0] = v4("192.0.2.11");
	e[2].addr[1] = v4("192.0.2.12");
	e[2].naddr = 2;
	sl_resolve_targets(e, 3, 0, scripted, &sc, t, SL_RESOLVE_MAX, &n);
	is_int((long long)n, 4, "four targets from three records");
	is_str(tstr(&t[0]), "192.0.2.10:5080/tcp", "the first group first");
	is_str(tstr(&t[1]), "192.0.2.11:5070/udp", "then priority 10 of the next group");
	is_str(tstr(&t[2]), "192.0.2.12:5070/udp", "with each of its addresses in turn");
	is_str(tstr(&t[3]), "192.0.2.21:5071/udp", "then priority 20");

	/* A name without SRV: port 0 stands for the port asked for, else
	 * 5060; a duplicate address counts once. */
	memset(e, 0, sizeof e);
	snprintf(e[0].srv.target, sizeof e[0].srv.target, "pbx.example");
	e[0].proto = SL_PROTO_UDP;
	e[0].addr[0] = v4("192.0.2.1");
	e[0].addr[1] = v4("192.0.2.1");
	e[0].naddr = 2;
	sl_resolve_targets(e, 1, 0, scripted, &sc, t, SL_RESOLVE_MAX, &n);
	ok(n == 1 && strcmp(tstr(&t[0]), "192.0.2.1:5060/udp") == 0,
	   "no SRV and no port: 5060, a duplicate address once");
	sl_resolve_targets(e, 1, 5999, scripted, &sc, t, SL_RESOLVE_MAX, &n);
	ok(n == 1 && strcmp(tstr(&t[0]), "192.0.2.1:5999/udp") == 0, "the port given");
	sl_resolve_targets(e, 1, 0, scripted, &sc, t, 0, &n);
	is_int((long long)n, 0, "room for none: none");
}

static void
test_read_srv(void)
{
	struct pkt p;
	struct sl_srv r[SL_RESOLVE_MAX];
	uint32_t ttl = 0;
	size_t n = 99;

	begin(&p, "_sip._udp.example.test", 33);
	add_srv(&p, 300, 10, 60, 5060, "sip1.example.test");
	add_srv(&p, 120, 20, 0, 5070, "sip2.example.test");
	is_int(sl_resolve_read_srv(p.b, (int)p.n, r, SL_RESOLVE_MAX, &n, &ttl), 0,
	       "SRV answer read");
	is_int((long long)n, 2, "two records");
	ok(r[0].priority == 10 && r[0].weight == 60 && r[0].port == 5060 &&
	   strcmp(r[0].target, "sip1.example.test") == 0, "the first as sent");
	ok(r[1].priority == 20 && r[1].port == 5070 && strcmp(r[1].target, "sip2.example.test") == 0,
	   "the second as sent");
	is_int(ttl, 120, "the smallest TTL");

	begin(&p, "_sip._udp.example.test", 33);
	add_srv(&p, 60, 0, 0, 0, "");
	is_int(sl_resolve_read_srv(p.b, (int)p.n, r, SL_RESOLVE_MAX, &n, &ttl), 0,
	       "SRV with target \".\" read");
	ok(n == 1 && strcmp(r[0].target, ".") == 0, "its target is \".\"");

	begin(&p, "_sip._udp.example.test", 33);
	add_srv(&p, 60, 10, 0, 5060, "sip1.example.test");
	is_int(sl_resolve_read_srv(p.b, (int)p.n - 6, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_BADANSWER, "an answer cut short: unusable");
	is_int(sl_resolve_read_srv(p.b, 7, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_BADANSWER, "a header cut short: unusable");
	begin(&p, "_sip._udp.example.test", 33);
	an_count(&p);
	is_int(sl_resolve_read_srv(p.b, (int)p.n, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_NODATA, "no record: no data");

	/* A target name that points at itself. */
	begin(&p, "_sip._udp.example.test", 33);
	{
		size_t s = rr_begin(&p, 33, 60);

		put16(&p, 10);
		put16(&p, 0);
		put16(&p, 5060);
		put16(&p, 0xc000 | (unsigned)p.n);
		rr_end(&p, s);
	}
	is_int(sl_resolve_read_srv(p.b, (int)p.n, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_BADANSWER, "a compression loop: unusable");

	/* More records than room. */
	begin(&p, "_sip._udp.example.test", 33);
	add_srv(&p, 60, 1, 0, 1, "a.example.test");
	add_srv(&p, 60, 2, 0, 2, "b.example.test");
	add_srv(&p, 60, 3, 0, 3, "c.example.test");
	is_int(sl_resolve_read_srv(p.b, (int)p.n, r, 2, &n, &ttl), 0, "three records, room for two");
	is_int((long long)n, 2, "two kept");
}

static void
test_read_naptr(void)
{
	struct pkt p;
	struct sl_naptr r[SL_RESOLVE_MAX];
	uint32_t ttl = 0;
	size_t n = 0;

	begin(&p, "example.test", 35);
	add_naptr(&p, 300, 20, 10, "s", "SIP+D2U", "", "_sip._udp.example.test");
	add_naptr(&p, 200, 10, 10, "S", "sip+d2t", "", "_sip._tcp.example.test");
	add_naptr(&p, 300, 5, 10, "s", "SIPS+D2T", "", "_sips._tcp.example.test");
	add_naptr(&p, 300, 5, 10, "s", "SIP+D2S", "", "_sip._sctp.example.test");
	add_naptr(&p, 300, 5, 10, "u", "SIP+D2U", "!^.*$!sip:x@example.test!", "");
	add_naptr(&p, 300, 5, 10, "s", "SIP+D2U", "!x!y!", "_sip._udp.example.test");
	is_int(sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTOS_ALL, r, SL_RESOLVE_MAX, &n, &ttl),
	       0, "NAPTR answer read");
	is_int((long long)n, 2, "SIP over UDP and TCP kept; SIPS, SCTP, a regexp and flag u left out");
	ok(n == 2 && r[0].proto == SL_PROTO_TCP && r[0].order == 10 &&
	   strcmp(r[0].replacement, "_sip._tcp.example.test") == 0,
	   "order 10 (TCP) first, flags and service in any case");
	ok(n == 2 && r[1].proto == SL_PROTO_UDP && strcmp(r[1].replacement, "_sip._udp.example.test") == 0,
	   "then order 20 (UDP)");
	is_int(ttl, 200, "the smallest TTL of the answer");
	is_int(sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTO_BIT(SL_PROTO_UDP), r, SL_RESOLVE_MAX,
				     &n, &ttl), 0, "UDP only");
	ok(n == 1 && r[0].proto == SL_PROTO_UDP, "only the UDP record");

	begin(&p, "example.test", 35);
	add_naptr(&p, 300, 10, 10, "s", "SIP+D2U", "", "_sip._udp.example.test");
	add_naptr(&p, 300, 10, 5, "s", "SIP+D2T", "", "_sip._tcp.example.test");
	sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTOS_ALL, r, SL_RESOLVE_MAX, &n, &ttl);
	ok(n == 2 && r[0].proto == SL_PROTO_TCP, "the same order: preference 5 before 10");

	begin(&p, "example.test", 35);
	add_naptr(&p, 300, 10, 10, "s", "SIPS+D2T", "", "_sips._tcp.example.test");
	is_int(sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTOS_ALL, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_NODATA, "only SIPS, TLS not asked for: nothing usable");
	is_int(sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTO_BIT(SL_PROTO_TLS), r, SL_RESOLVE_MAX,
				     &n, &ttl), 0, "only SIPS, TLS asked for");
	ok(n == 1 && r[0].proto == SL_PROTO_TLS &&
	   strcmp(r[0].replacement, "_sips._tcp.example.test") == 0, "SIPS+D2T is TLS");

	begin(&p, "example.test", 35);
	add_naptr(&p, 300, 10, 10, "s", "SIP+D2U", "", "_sip._udp.example.test");
	/* The service string's length (before 7 bytes of it, the empty
	 * regexp and the 24 of the replacement) now runs past the end. */
	p.b[p.n - 33] = 200;
	is_int(sl_resolve_read_naptr(p.b, (int)p.n, SL_PROTOS_ALL, r, SL_RESOLVE_MAX, &n, &ttl),
	       SL_ERESOLVE_BADANSWER, "a string longer than its record: unusable");
}

static void
test_names(void)
{
	char long_label[80], long_name[300];
	int i;

	ok(sl_resolve_name_ok("pbx.example.test"), "a name");
	ok(sl_resolve_name_ok("pbx.example.test."), "a fully qualified name");
	ok(sl_resolve_name_ok("_sip._udp.example.test"), "underscores");
	ok(sl_resolve_name_ok("localhost"), "one label");
	ok(sl_resolve_name_ok("192.0.2.1") && sl_resolve_name_ok("[2001:db8::1]") &&
	   sl_resolve_name_ok("2001:db8::1"), "IP literals");
	ok(!sl_resolve_name_ok("bad..name"), "an empty label");
	ok(!sl_resolve_name_ok(".name"), "a leading dot");
	ok(!sl_resolve_name_ok(""), "nothing");
	ok(!sl_resolve_name_ok("a b.example"), "a space");
	ok(!sl_resolve_name_ok("pbx.example:5060"), "a port is not part of a name");
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	ok(!sl_resolve_name_ok(long_label), "a label of 64");
	long_label[63] = '\0';
	ok(sl_resolve_name_ok(long_label), "a label of 63");
	for (i = 0; i < 255; i++)
		long_name[i] = (i % 2) ? '.' : 'a';
	long_name[255] = '\0';
	ok(!sl_resolve_name_ok(long_name), "a name of 255 characters");
	long_name[253] = '\0';
	ok(sl_resolve_name_ok(long_name), "a name of 253");
	ok(sl_resolve_is_literal("[::1]") && sl_resolve_is_literal("127.0.0.1") &&
	   !sl_resolve_is_literal("localhost"), "literals told from names");
}

static void
test_literals(void)
{
	struct sl_target t[SL_RESOLVE_MAX];
	size_t n = 0;

	is_int(sl_resolve("127.0.0.1", 0, SL_PROTOS_ALL, t, SL_RESOLVE_MAX, &n), 0, "an IPv4 literal");
	ok(n == 1 && strcmp(tstr(&t[0]), "127.0.0.1:5060/udp") == 0,
	   "as it is, port 5060, over UDP");
	is_int(sl_resolve("[::1]", 5070, SL_PROTOS_ALL, t, SL_RESOLVE_MAX, &n), 0, "an IPv6 literal");
	ok(n == 1 && strcmp(tstr(&t[0]), "[::1]:5070/udp") == 0, "with its port");
	is_int(sl_resolve("192.0.2.1", 0, SL_PROTO_BIT(SL_PROTO_TCP), t, SL_RESOLVE_MAX, &n), 0,
	       "TCP forced");
	ok(n == 1 && t[0].proto == SL_PROTO_TCP, "over TCP");
	is_int(sl_resolve("bad..name", 0, SL_PROTOS_ALL, t, SL_RESOLVE_MAX, &n),
	       SL_ERESOLVE_BADNAME, "a bad name: refused before any lookup");
	is_int(sl_resolve("127.0.0.1", 0, 0, t, SL_RESOLVE_MAX, &n), SL_ERESOLVE_TRANSPORT,
	       "no transport to use");
	is_int(sl_resolve_first("[::1]:5062", SL_PROTOS_ALL, &t[0]), 0, "HOST:PORT");
	is_str(tstr(&t[0]), "[::1]:5062/udp", "its first target");
	is_int(sl_resolve_first(":5062", SL_PROTOS_ALL, &t[0]), SL_ERESOLVE_BADNAME, "no host");
	ok(sl_resolve_failed(SL_ERESOLVE_TIMEOUT) && !sl_resolve_failed(-2) &&
	   !sl_resolve_failed(110), "resolver errors told from others");
	is_str(sl_strerror(SL_ERESOLVE_NXDOMAIN), "no such domain (NXDOMAIN)", "sl_strerror knows them");
}

int
main(void)
{
	test_order();
	test_targets();
	test_read_srv();
	test_read_naptr();
	test_names();
	test_literals();
	return done_testing();
}
