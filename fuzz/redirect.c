/* libFuzzer target: the Contacts of a 3xx from the network through
 * sl_redirect_add and sl_redirect_next, as sip-call follows them: the
 * answer is parsed by libosip2, then its targets are queued (q-values
 * read) and taken until none is left.  Checks the bounds: never more
 * hops than SL_REDIRECT_MAX_HOPS, never a target twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "log.h"
#include "redirect.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-redirect");
	parser_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "SIP/2.0 302 Moved Temporarily\r\n";
	struct sl_redirect r;
	osip_message_t *m = NULL;
	const char *t, *seen[SL_REDIRECT_MAX_TARGETS];
	char *buf;
	int nseen = 0, limit, i, round;

	if (size > 65536)
		return 0;
	/* The input is the header block after the status line, twice: a
	 * second 3xx from the first redirected target. */
	buf = malloc(sizeof head + size + 1);
	memcpy(buf, head, sizeof head - 1);
	memcpy(buf + sizeof head - 1, data, size);
	buf[sizeof head - 1 + size] = '\0';
	if (sl_redirect_init(&r, "sip:first@example.test") != 0) {
		free(buf);
		return 0;
	}
	for (round = 0; round < 2; round++) {
		if (osip_message_init(&m) != 0)
			break;
		if (osip_message_parse(m, buf, sizeof head - 1 + size) == 0)
			sl_redirect_add(&r, m);
		osip_message_free(m);
		m = NULL;
		while ((t = sl_redirect_next(&r, &limit)) != NULL) {
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], t) == 0) {
					fprintf(stderr, "fuzz-redirect: %s tried twice\n", t);
					abort();
				}
			if (nseen < SL_REDIRECT_MAX_TARGETS)
				seen[nseen++] = t;
		}
	}
	if (r.hops > SL_REDIRECT_MAX_HOPS) {
		fprintf(stderr, "fuzz-redirect: %d hops\n", r.hops);
		abort();
	}
	sl_redirect_free(&r);
	free(buf);
	return 0;
}
