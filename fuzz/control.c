/* libFuzzer target: a line of the control channel (sipline(7), CONTROL
 * CHANNEL) through sl_control_parse, as written by a media command.
 * Checks that what is accepted is what the parser promises: a hangup
 * code of 400-699 or none, a transfer URI and dtmf digits without blanks
 * or control characters. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_control_cmd c;
	const char *why = NULL;
	const unsigned char *p;

	if (sl_control_parse((const char *)data, size, &c, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (c.kind == SL_CONTROL_HANGUP && c.code != 0 && (c.code < 400 || c.code > 699))
		abort();
	for (p = (const unsigned char *)c.arg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	if (c.kind == SL_CONTROL_TRANSFER && strpbrk(c.arg, " \t<>\""))
		abort();
	return 0;
}
