/* libFuzzer target: the body of a SIP INFO (lib/info.h) as either kind
 * of DTMF.  Checks that what is taken keeps its promises: a key of
 * 0-9 * # A-D (or none, a flash), a duration of 0-60000 ms, and that a
 * key taken is written back as a body that reads as the same key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"

static void
check(int kind, const uint8_t *data, size_t size)
{
	struct sl_info_key k, again;
	char body[64];
	int n;

	if (sl_info_key_parse(kind, (const char *)data, size, &k) != 0)
		return;
	if (k.duration < 0 || k.duration > 60000)
		abort();
	if (k.digit == '\0')
		return;
	if (strchr("0123456789*#ABCD", k.digit) == NULL)
		abort();
	n = sl_info_relay_body(k.digit, k.duration, body, sizeof body);
	if (n <= 0 || sl_info_key_parse(SL_INFO_DTMF_RELAY, body, (size_t)n, &again) != 0 ||
	    again.digit != k.digit || again.duration != k.duration)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(SL_INFO_DTMF_RELAY, data, size);
	check(SL_INFO_DTMF, data, size);
	return 0;
}
