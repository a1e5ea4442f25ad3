/* libFuzzer target: the texts of a transfer from the network, a REFER's
 * Refer-To and a NOTIFY's message/sipfrag body (lib/refer.h).  Checks
 * that what is taken keeps its promises: a URI that fits and was in the
 * value, a code of 100-699, an event text without control characters,
 * quotes or backslashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, uri[256], line[160];
	const unsigned char *p;
	int code = -1;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (sl_refer_target(s, uri, sizeof uri) == 0 &&
	    (strlen(uri) >= sizeof uri || strstr(s, uri) == NULL || uri[0] == '\0'))
		abort();
	if (sl_refer_sipfrag((const char *)data, size, &code, line, sizeof line) == 0) {
		if (code < 100 || code > 699)
			abort();
		for (p = (const unsigned char *)line; *p; p++)
			if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
				abort();
	}
	free(s);
	return 0;
}
