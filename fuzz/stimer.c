/* libFuzzer target: Session-Expires and Min-SE values from the network
 * (lib/stimer.h), and the answer to a request that carries them.  Checks
 * that what is taken keeps its promises: an interval of 1 to SL_SE_MAX
 * seconds, a refresher that is one of three, an answer never below the
 * Min-SE it was given, 422 only to an interval below it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stimer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_se_request req = { 0 };
	struct sl_se_answer ans;
	enum sl_se_refresher r = SL_SE_NONE;
	unsigned long secs = 0, min = 0;
	char *s;
	int code;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (sl_se_parse(s, &secs, &r) == 0) {
		if (secs == 0 || secs > SL_SE_MAX || (r != SL_SE_NONE && r != SL_SE_UAC && r != SL_SE_UAS))
			abort();
		req.expires = secs;
		req.refresher = r;
	}
	if (sl_min_se_parse(s, &min) == 0) {
		if (min == 0 || min > SL_SE_MAX)
			abort();
		req.min_se = min;
	}
	req.supported = size & 1;
	code = sl_se_answer(&req, size % 3 ? SL_SE_DEFAULT : 0, SL_SE_MIN_DEFAULT, &ans);
	if (code == 422 ? req.expires == 0 || req.expires >= SL_SE_MIN_DEFAULT :
	    code != 0 || (ans.expires && ans.expires < SL_SE_MIN_DEFAULT) ||
	    (ans.expires && ans.expires < req.min_se && !req.expires))
		abort();
	free(s);
	return 0;
}
