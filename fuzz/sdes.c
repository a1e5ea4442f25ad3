/* libFuzzer target: the value of an a=crypto attribute from the network
 * through sl_sdes_parse; what parses is written back and must read back
 * the same (tag, suite and key). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdes.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_sdes c, d;
	const char *why = NULL;
	char *value, out[SL_SDES_MAX];
	int err;

	if (size > 4096)
		return 0;
	value = malloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';
	err = sl_sdes_parse(value, &c, &why);
	free(value);
	if (err != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (c.suite != SL_SRTP_AES_CM_128_HMAC_SHA1_80 && c.suite != SL_SRTP_AES_CM_128_HMAC_SHA1_32)
		abort();
	if (sl_sdes_format(&c, out, sizeof out) != 0)
		abort();
	if (sl_sdes_parse(out, &d, &why) != 0 || d.tag != c.tag || d.suite != c.suite ||
	    memcmp(d.key, c.key, SL_SDES_KEYLEN) != 0) {
		fprintf(stderr, "fuzz-sdes: round trip changed the line: %s\n", out);
		abort();
	}
	return 0;
}
