/* Unit tests for lib/prack.c: RSeq, RAck and option tags as they come
 * from the network. */
#include <string.h>

#include "prack.h"
#include "tap.h"

int
main(void)
{
	static const char *const bad_rseq[] = {
		"", " ", "0", "-1", "2147483648", "99999999999", "1 2", "1x", "0x10", NULL,
	};
	static const char *const bad_rack[] = {
		"", "1", "1 1", "1 1 ", "0 1 INVITE", "1 x INVITE", "1 1 IN VITE", "x 1 INVITE",
		"1 2147483648 INVITE", "11 INVITE", "1 1 INVITE;x", NULL,
	};
	char m[8];
	uint32_t r = 0, c = 0;
	size_t i;

	is_int(sl_rseq_parse(" 17\r\n", &r), 0, "RSeq 17, blanks around");
	is_int((int)r, 17, "... 17");
	is_int(sl_rseq_parse("2147483647", &r), 0, "RSeq 2**31 - 1");
	for (i = 0; i < sizeof bad_rseq / sizeof bad_rseq[0]; i++)
		is_int(sl_rseq_parse(bad_rseq[i], &r), 22, "RSeq refused: \"%s\"",
		       bad_rseq[i] ? bad_rseq[i] : "(none)");
	is_int(sl_rack_parse("17 1 INVITE", &r, &c, m, sizeof m), 0, "RAck 17 1 INVITE");
	ok(r == 17 && c == 1 && strcmp(m, "INVITE") == 0, "... its three parts");
	is_int(sl_rack_parse("\t5   0  INVITE ", &r, &c, m, sizeof m), 0, "RAck with blanks, CSeq 0");
	ok(r == 5 && c == 0, "... 5 0");
	is_int(sl_rack_parse("5 1 SUBSCRIBE", &r, &c, m, sizeof m), 0, "a long method...");
	is_str(m, "SUBSCRI", "... cut to fit");
	for (i = 0; i < sizeof bad_rack / sizeof bad_rack[0]; i++)
		is_int(sl_rack_parse(bad_rack[i], &r, &c, m, sizeof m), 22, "RAck refused: \"%s\"",
		       bad_rack[i] ? bad_rack[i] : "(none)");
	ok(sl_option_listed("timer, 100rel", "100rel"), "100rel in a list");
	ok(sl_option_listed("100REL", "100rel"), "... in any case");
	ok(!sl_option_listed("100relx, x100rel", "100rel"), "... not as part of another tag");
	ok(!sl_option_listed(NULL, "100rel"), "... nor in no header");
	return done_testing();
}
