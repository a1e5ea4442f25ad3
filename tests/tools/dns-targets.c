/* dns-targets: print the targets sipline would try for a SIP host, in
 * order, as lib/resolve.c finds them (RFC 3263: NAPTR, SRV, A/AAAA).
 *
 * usage: dns-targets [-t udp|tcp] [-n COUNT] [-i MS] HOST[:PORT]
 *
 * One line per target, "ADDR:PORT/udp".  With -n, COUNT resolutions in
 * one process (answers kept for their TTL, as the tools keep them), each
 * printing its first target only, MS milliseconds apart (-i): the weighted
 * order of RFC 2782 is drawn again for every resolution.
 *
 * Exit status: 0; 7 when the name does not resolve (the reason on
 * stderr); 100 usage or a bad name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "resolve.h"

int
main(int argc, char **argv)
{
	struct sl_target t[SL_RESOLVE_MAX];
	unsigned protos = SL_PROTOS_ALL;
	char host[256], buf[SL_ADDR_STRLEN + 8];
	long count = 0, interval = 0, i;
	size_t n, k;
	int opt, port, err;

	sl_log_init(argv[0]);
	while ((opt = getopt(argc, argv, "t:n:i:")) != -1) {
		enum sl_proto p;

		switch (opt) {
		case 't':
			if (sl_proto_parse(optarg, &p) != 0)
				sl_usage_error("-t: not udp or tcp: %s", optarg);
			protos = SL_PROTO_BIT(p);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'i':
			interval = strtol(optarg, NULL, 10);
			break;
		default:
			sl_usage_error("usage: dns-targets [-t udp|tcp] [-n COUNT] [-i MS] HOST[:PORT]");
		}
	}
	if (optind != argc - 1 || count < 0 || interval < 0)
		sl_usage_error("usage: dns-targets [-t udp|tcp] [-n COUNT] [-i MS] HOST[:PORT]");
	if (sl_addr_split(argv[optind], host, sizeof host, &port) != 0)
		sl_usage_error("not HOST[:PORT]: %s", argv[optind]);
	for (i = 0; i < (count ? count : 1); i++) {
		if (i && interval) {
			struct timespec ts = { interval / 1000, (interval % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		err = sl_resolve(host, port, protos, t, SL_RESOLVE_MAX, &n);
		if (err)
			sl_fatal_err(err == SL_ERESOLVE_BADNAME ? SL_EXIT_USAGE : SL_EXIT_NORESPONSE,
				     err, "unable to resolve %s", host);
		for (k = 0; k < (count ? 1 : n); k++)
			printf("%s\n", sl_target_str(&t[k], buf, sizeof buf));
		fflush(stdout);
	}
	return 0;
}
