/* libFuzzer target: what a registrar's answer says about our address, as
 * sip-register reads it behind a NAT: the input is the header block of a
 * 200 to REGISTER (after its status line), parsed by libosip2; its top
 * Via goes through sl_nat_via_public (received, rport), and a public
 * address it yields is put in a Contact with sl_nat_uri_with, which must
 * read back as that very address through sl_nat_uri_addr. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "log.h"
#include "nat.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-nat-via");
	parser_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "SIP/2.0 200 OK\r\n";
	osip_message_t *m = NULL;
	struct sl_addr pub, back;
	char why[160], uri[600], a[SL_ADDR_STRLEN], b[SL_ADDR_STRLEN], *buf;
	int err;

	if (size > 65536)
		return 0;
	buf = malloc(sizeof head + size + 1);
	memcpy(buf, head, sizeof head - 1);
	memcpy(buf + sizeof head - 1, data, size);
	buf[sizeof head - 1 + size] = '\0';
	if (osip_message_init(&m) == 0 && osip_message_parse(m, buf, sizeof head - 1 + size) == 0) {
		err = sl_nat_via_public(m, &pub, why, sizeof why);
		if (err != 0 && err != ENOENT && err != EINVAL) {
			fprintf(stderr, "fuzz-nat-via: unexpected error %d\n", err);
			abort();
		}
		if (err == EINVAL && why[0] == '\0') {
			fprintf(stderr, "fuzz-nat-via: EINVAL without a reason\n");
			abort();
		}
		if (err == 0) {
			if (sl_nat_uri_with("sip:bob@10.0.0.2:5070;transport=tcp", &pub, uri,
					    sizeof uri) != 0 ||
			    sl_nat_uri_addr(uri, &back) != 0 || !sl_addr_equal(&pub, &back)) {
				fprintf(stderr, "fuzz-nat-via: %s gave <%s>, which reads as %s\n",
					sl_addr_str(&pub, a), uri, sl_addr_str(&back, b));
				abort();
			}
		}
	}
	osip_message_free(m);
	free(buf);
	return 0;
}
