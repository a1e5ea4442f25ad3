/* libFuzzer target: a DNS answer as lib/resolve.c reads one when it
 * locates a SIP server: sl_resolve_read_naptr or sl_resolve_read_srv
 * (c-ares's record parsers, glibc's ns_parserr for the TTLs, and our
 * checks of what they give), then what sl_resolve does with the records:
 * sl_resolve_srv_order and sl_resolve_targets.  Input: a first byte (bit
 * 0: NAPTR, else SRV; bit 1: UDP only, else UDP and TCP), then the answer
 * as it came from the name server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "resolve.h"

static uint32_t
fixed(void *arg)
{
	uint32_t *x = arg;

	*x = *x * 1103515245u + 12345u;
	return *x;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-dns-answer");
	return 0;
}

/* Checks what the SRV records became: a permutation in priority order,
 * and targets with the records' ports. */
static void
check_srv(const struct sl_srv *rr, size_t n)
{
	struct sl_srv_addrs e[SL_RESOLVE_MAX];
	struct sl_target t[SL_RESOLVE_MAX];
	size_t order[SL_RESOLVE_MAX], i, nt;
	char seen[SL_RESOLVE_MAX] = { 0 };
	uint32_t seed = 1;

	sl_resolve_srv_order(rr, n, order, fixed, &seed);
	for (i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]]++)
			abort();        /* not a permutation */
		if (i && rr[order[i]].priority < rr[order[i - 1]].priority)
			abort();        /* a lower priority after a higher one */
		if (memchr(rr[i].target, '\0', sizeof rr[i].target) == NULL)
			abort();
	}
	memset(e, 0, sizeof e);
	for (i = 0; i < n; i++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&e[i].addr[0].ss;

		e[i].srv = rr[i];
		e[i].proto = (enum sl_proto)(i % 2);
		e[i].group = rr[i].weight % 3;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc0000200u + (uint32_t)i);
		e[i].addr[0].len = sizeof *sin;
		e[i].naddr = 1;
	}
	sl_resolve_targets(e, n, 0, fixed, &seed, t, SL_RESOLVE_MAX, &nt);
	if (nt != n)
		abort();                /* every address once */
	for (i = 0; i < nt; i++)
		if (sl_addr_port(&t[i].addr) <= 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned protos;
	uint32_t ttl = 0;
	size_t n = 0, i;
	int err;

	if (size < 1 || size > 65536)
		return 0;
	protos = (data[0] & 2) ? SL_PROTO_BIT(SL_PROTO_UDP) : SL_PROTOS_ALL;
	if (data[0] & 1) {
		struct sl_naptr rr[SL_RESOLVE_MAX];

		err = sl_resolve_read_naptr(data + 1, (int)(size - 1), protos, rr,
					    SL_RESOLVE_MAX, &n, &ttl);
		if (err != 0 && err != SL_ERESOLVE_NODATA && err != SL_ERESOLVE_BADANSWER)
			abort();
		for (i = 0; err == 0 && i < n; i++) {
			if (!(protos & SL_PROTO_BIT(rr[i].proto)) ||
			    !sl_resolve_name_ok(rr[i].replacement))
				abort();
			if (i && (rr[i].order < rr[i - 1].order ||
				  (rr[i].order == rr[i - 1].order &&
				   rr[i].preference < rr[i - 1].preference)))
				abort();        /* not in NAPTR order */
		}
	} else {
		struct sl_srv rr[SL_RESOLVE_MAX];

		err = sl_resolve_read_srv(data + 1, (int)(size - 1), rr, SL_RESOLVE_MAX,
					  &n, &ttl);
		if (err != 0 && err != SL_ERESOLVE_NODATA && err != SL_ERESOLVE_BADANSWER)
			abort();
		if (err == 0) {
			if (n == 0 || n > SL_RESOLVE_MAX)
				abort();
			check_srv(rr, n);
		}
	}
	return 0;
}
