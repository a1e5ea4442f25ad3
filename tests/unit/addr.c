/* Unit tests for lib/addr.c ([HOST]:PORT parsing and printing) and the
 * target completion of lib/settings.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "settings.h"
#include "sip.h"
#include "tap.h"

static void
split(const char *spec, int want_rc, const char *want_host, int want_port)
{
	char host[64] = "";
	int port = -1;
	int rc = sl_addr_split(spec, host, sizeof host, &port);

	is_int(rc, want_rc, "split %s: return", spec);
	if (rc == 0) {
		is_str(host, want_host, "split %s: host", spec);
		is_int(port, want_port, "split %s: port", spec);
	}
}

static void
roundtrip(const char *spec, const char *want)
{
	struct sl_addr a;
	char buf[SL_ADDR_STRLEN];
	int rc = sl_addr_parse(spec, 5060, 0, &a);

	is_int(rc, 0, "parse %s", spec);
	if (rc == 0)
		is_str(sl_addr_str(&a, buf), want, "print %s", spec);
}

static void
target(struct sl_settings *s, const char *arg, int bare_is_user, int want_rc,
       const char *want)
{
	char buf[128];
	int rc = sl_settings_target(s, arg, bare_is_user, buf, sizeof buf);

	is_int(rc, want_rc, "target %.*s (bare is %s): return",
	       (int)strcspn(arg, "\r\n"), arg, bare_is_user ? "a user" : "a host");
	if (rc == 0 && want)
		is_str(buf, want, "target %s", arg);
}

int
main(void)
{
	struct sl_settings s;
	struct sl_addr a, b;

	split("127.0.0.1:5060", 0, "127.0.0.1", 5060);
	split("example.org", 0, "example.org", 0);
	split(":5070", 0, "", 5070);
	split("[::1]:5062", 0, "::1", 5062);
	split("[::1]", 0, "::1", 0);
	split("::1", 0, "::1", 0);
	split("host:99999", EINVAL, NULL, 0);
	split("host:50x", EINVAL, NULL, 0);
	split("[::1", EINVAL, NULL, 0);
	split("[::1]x", EINVAL, NULL, 0);

	roundtrip("127.0.0.1", "127.0.0.1:5060");
	roundtrip("[::1]:7000", "[::1]:7000");
	roundtrip("127.0.0.1:1", "127.0.0.1:1");

	ok(sl_addr_parse("127.0.0.1:5060", 0, 0, &a) == 0 &&
	   sl_addr_parse("127.0.0.1:5061", 0, 0, &b) == 0 &&
	   sl_addr_same_host(&a, &b) && !sl_addr_equal(&a, &b),
	   "same host, other port: same_host but not equal");
	ok(sl_addr_parse(":0", 0, 1, &a) == 0 && sl_addr_is_any(&a),
	   "an empty passive host is the wildcard");
	ok(sl_addr_parse("no-such-host.invalid", 5060, 0, &a) < 0,
	   "an unresolvable name is a negative EAI code");

	/* What a user types as a call target. */
	setenv("SIP_DOMAIN", "sipline.test", 1);
	unsetenv("SIP_SERVER");
	unsetenv("SIP_USER");
	unsetenv("SIP_TRANSPORT");
	sl_settings_init(&s);
	target(&s, "bob", 1, 0, "sip:bob@sipline.test");
	target(&s, "+4930123", 1, 0, "sip:+4930123@sipline.test");
	target(&s, "bob@example.org", 1, 0, "sip:bob@example.org");
	target(&s, "sip:bob@127.0.0.1:5070", 1, 0, "sip:bob@127.0.0.1:5070");
	target(&s, "sips:bob@example.org", 1, 0, "sips:bob@example.org");
	target(&s, "127.0.0.1:5070", 0, 0, "sip:127.0.0.1:5070");
	target(&s, "", 1, EINVAL, NULL);
	target(&s, "bob smith", 1, EINVAL, NULL);
	target(&s, "bob\r\nVia: x", 1, EINVAL, NULL);
	target(&s, "<sip:bob>", 1, EINVAL, NULL);

	/* The outcome of a call, from its final response (sipline(7)). */
	is_int(sl_exit_for_status(200), SL_EXIT_OK, "200: answered");
	is_int(sl_exit_for_status(486), SL_EXIT_BUSY, "486: busy");
	is_int(sl_exit_for_status(600), SL_EXIT_BUSY, "600: busy");
	is_int(sl_exit_for_status(603), SL_EXIT_DECLINED, "603: declined");
	is_int(sl_exit_for_status(408), SL_EXIT_NOANSWER, "408: no answer");
	is_int(sl_exit_for_status(480), SL_EXIT_NOANSWER, "480: no answer");
	is_int(sl_exit_for_status(487), SL_EXIT_NOANSWER, "487: no answer");
	is_int(sl_exit_for_status(404), SL_EXIT_NOTFOUND, "404: not found");
	is_int(sl_exit_for_status(484), SL_EXIT_NOTFOUND, "484: not found");
	is_int(sl_exit_for_status(604), SL_EXIT_NOTFOUND, "604: not found");
	is_int(sl_exit_for_status(401), SL_EXIT_AUTH, "401: auth failed");
	is_int(sl_exit_for_status(407), SL_EXIT_AUTH, "407: auth failed");
	is_int(sl_exit_for_status(500), SL_EXIT_REJECTED, "500: rejected");
	is_int(sl_exit_for_status(488), SL_EXIT_REJECTED, "488: rejected");
	is_int(sl_exit_for_error(ETIMEDOUT), SL_EXIT_NORESPONSE, "timeout: no response");
	is_int(sl_exit_for_error(ECONNREFUSED), SL_EXIT_NORESPONSE, "refused: no response");
	return done_testing();
}
