/* Unit tests for lib/info.c: the bodies of DTMF by SIP INFO as they come
 * from the network (application/dtmf-relay, application/dtmf), and ours. */
#include <string.h>

#include "info.h"
#include "tap.h"

static int
key(int kind, const char *body, struct sl_info_key *k)
{
	return sl_info_key_parse(kind, body, strlen(body), k);
}

int
main(void)
{
	static const struct { const char *body; char digit; int duration; } relay_ok[] = {
		{ "Signal=5\r\nDuration=160\r\n", '5', 160 },
		{ "Signal=#\r\nDuration=250", '#', 250 },
		{ "signal = *\nduration= 100\n", '*', 100 },
		{ "Signal=d\r\n", 'D', 0 },
		{ "Signal=10\r\nDuration=160\r\n", '*', 160 },
		{ "Signal=11\r\n", '#', 0 },
		{ "Signal=15\r\n", 'D', 0 },
		{ "Foo=bar\r\nSignal=0\r\n\r\nX\r\n", '0', 0 },
		{ "Signal=!\r\n", '\0', 0 },
		{ "Signal=16\r\n", '\0', 0 },
	};
	static const char *const relay_bad[] = {
		"", "Duration=160\r\n", "Signal=\r\n", "Signal=E\r\n", "Signal=17\r\n",
		"Signal=55\r\n", "Signal=5\r\nSignal=6\r\n", "Signal=5\r\nDuration=x\r\n",
		"Signal=5\r\nDuration=60001\r\n", "Signal=5\r\nDuration=-1\r\n",
		"Signal=5 6\r\n", "Signal=\x1b[2J\r\n", "Signal=5\r\nNote=\xc3\xa9\r\n",
		"Signal=5\r\nDuration=160\r\nDuration=100\r\n", "Signal5\r\n",
	};
	static const struct { const char *body; char digit; } dtmf_ok[] = {
		{ "5", '5' }, { "#\r\n", '#' }, { " 9 ", '9' }, { "11", '#' }, { "a", 'A' },
	};
	static const char *const dtmf_bad[] = { "", "55", "5\r\n6", "x", "17", "\r\n", "5\x7f" };
	struct sl_info_key k;
	char buf[64], big[SL_INFO_BODY_MAX + 2];
	size_t i;

	is_int(sl_info_kind("application", "dtmf-relay"), SL_INFO_DTMF_RELAY, "dtmf-relay");
	is_int(sl_info_kind("Application", "DTMF-Relay"), SL_INFO_DTMF_RELAY, "... any case");
	is_int(sl_info_kind("application", "dtmf"), SL_INFO_DTMF, "dtmf");
	is_int(sl_info_kind("text", "plain"), SL_INFO_OTHER, "text/plain is not DTMF");
	is_int(sl_info_kind("application", "dtmf-relayx"), SL_INFO_OTHER, "nor a longer name");
	is_int(sl_info_kind(NULL, "dtmf"), SL_INFO_OTHER, "nor no type");

	for (i = 0; i < sizeof relay_ok / sizeof relay_ok[0]; i++) {
		k.digit = 'x';
		is_int(key(SL_INFO_DTMF_RELAY, relay_ok[i].body, &k), 0, "dtmf-relay %zu taken", i);
		is_int(k.digit, relay_ok[i].digit, "... key %zu", i);
		is_int(k.duration, relay_ok[i].duration, "... its duration");
	}
	for (i = 0; i < sizeof relay_bad / sizeof relay_bad[0]; i++)
		is_int(key(SL_INFO_DTMF_RELAY, relay_bad[i], &k), 22, "dtmf-relay %zu refused", i);
	for (i = 0; i < sizeof dtmf_ok / sizeof dtmf_ok[0]; i++) {
		is_int(key(SL_INFO_DTMF, dtmf_ok[i].body, &k), 0, "dtmf %zu taken", i);
		is_int(k.digit, dtmf_ok[i].digit, "... its key");
	}
	for (i = 0; i < sizeof dtmf_bad / sizeof dtmf_bad[0]; i++)
		is_int(key(SL_INFO_DTMF, dtmf_bad[i], &k), 22, "dtmf %zu refused", i);
	is_int(sl_info_key_parse(SL_INFO_DTMF, "5\0", 2, &k), 22, "a NUL byte is refused");
	is_int(key(SL_INFO_OTHER, "5", &k), 22, "another kind is no key");

	/* Long bodies: refused past the bound, whatever they hold. */
	memset(big, ' ', sizeof big);
	memcpy(big, "Signal=5\r\n", 10);
	is_int(sl_info_key_parse(SL_INFO_DTMF_RELAY, big, SL_INFO_BODY_MAX, &k), 0,
	       "a body of SL_INFO_BODY_MAX bytes is read");
	is_int(sl_info_key_parse(SL_INFO_DTMF_RELAY, big, SL_INFO_BODY_MAX + 1, &k), 22,
	       "one byte more is refused");

	/* Ours, read back. */
	is_int(sl_info_relay_body('#', 100, buf, sizeof buf), 24, "our body's length");
	is_str(buf, "Signal=#\r\nDuration=100\r\n", "our body");
	is_int(key(SL_INFO_DTMF_RELAY, buf, &k), 0, "... which we read");
	is_int(k.digit, '#', "... as the key sent");
	is_int(sl_info_relay_body('1', 100, buf, 10), -1, "a buffer too small");
	return done_testing();
}
