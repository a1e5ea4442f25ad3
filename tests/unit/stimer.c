/* Unit tests for lib/stimer.c: Session-Expires and Min-SE as they come
 * from the network, the answer to a request (RFC 4028 §9), and when the
 * refresh and the end of a session fall (§10). */
#include <errno.h>
#include <string.h>

#include "stimer.h"
#include "tap.h"

int
main(void)
{
	static const char *const bad[] = {
		"", " ", "0", "-5", "abc", "90x", "90;", "90;refresher=both", "90;refresher",
		"90 ;=uac", "604801", "99999999999999999999999",
	};
	struct sl_se_request req;
	struct sl_se_answer ans;
	enum sl_se_refresher r;
	unsigned long secs;
	size_t i;

	ok(sl_se_parse("1800", &secs, &r) == 0 && secs == 1800 && r == SL_SE_NONE,
	   "Session-Expires: 1800");
	ok(sl_se_parse(" 90 ;refresher=uac", &secs, &r) == 0 && secs == 90 && r == SL_SE_UAC,
	   "... 90 ;refresher=uac");
	ok(sl_se_parse("4;x=1;REFRESHER = UAS;y", &secs, &r) == 0 && secs == 4 && r == SL_SE_UAS,
	   "... other parameters, case and spaces");
	ok(sl_se_parse("604800", &secs, &r) == 0 && secs == SL_SE_MAX, "... a week, the most");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(sl_se_parse(bad[i], &secs, &r), EINVAL, "refused: \"%s\"", bad[i]);
	ok(sl_min_se_parse("90;lr", &secs) == 0 && secs == 90, "Min-SE: 90;lr");
	is_int(sl_min_se_parse("x", &secs), EINVAL, "Min-SE: x refused");
	is_int(sl_min_se_parse(NULL, &secs), EINVAL, "... none refused");

	memset(&req, 0, sizeof req);
	req.expires = 60;
	is_int(sl_se_answer(&req, 1800, 90, &ans), 422, "60 s asked, our Min-SE 90: 422");
	req.expires = 120;
	req.supported = 1;
	ok(sl_se_answer(&req, 1800, 90, &ans) == 0 && ans.expires == 120 && !ans.we_refresh &&
	   ans.require, "120 s, no refresher, the UAC knows timers: 120, it refreshes, Require");
	req.refresher = SL_SE_UAS;
	ok(sl_se_answer(&req, 1800, 90, &ans) == 0 && ans.we_refresh, "refresher=uas: we refresh");
	memset(&req, 0, sizeof req);
	ok(sl_se_answer(&req, 1800, 90, &ans) == 0 && ans.expires == 1800 && ans.we_refresh &&
	   !ans.require, "none asked by a UAC without timers: ours, we refresh, no Require");
	req.min_se = 3600;
	ok(sl_se_answer(&req, 1800, 90, &ans) == 0 && ans.expires == 3600,
	   "... never below its Min-SE");
	memset(&req, 0, sizeof req);
	ok(sl_se_answer(&req, 0, 90, &ans) == 0 && ans.expires == 0, "none asked, none wanted: none");

	is_int((int)sl_se_refresh_at(1800000), 900000, "1800 s: refreshed at 900 s");
	is_int((int)sl_se_expire_at(1800000), 1768000, "... ended at 1768 s (32 s before)");
	is_int((int)sl_se_expire_at(90000), 60000, "90 s: ended at 60 s (a third before)");
	is_int((int)sl_se_expire_at(6000), 4000, "6 s: at 4 s");
	return done_testing();
}
