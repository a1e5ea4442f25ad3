/* libFuzzer target: the texts of reliable provisional responses from the
 * network, RSeq and RAck values and option-tag lists (lib/prack.h).
 * Checks that what is taken keeps its promises: numbers of 1 to 2**31 - 1
 * (a RAck's CSeq 0 to it), a method of token characters that was in the
 * value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prack.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, method[16];
	uint32_t rseq = 0, cseq = 0;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (sl_rseq_parse(s, &rseq) == 0 && (rseq == 0 || rseq > SL_RSEQ_MAX))
		abort();
	if (sl_rack_parse(s, &rseq, &cseq, method, sizeof method) == 0 &&
	    (rseq == 0 || rseq > SL_RSEQ_MAX || cseq > SL_RSEQ_MAX || method[0] == '\0' ||
	     strlen(method) >= sizeof method || strstr(s, method) == NULL))
		abort();
	sl_option_listed(s, "100rel");
	free(s);
	return 0;
}
