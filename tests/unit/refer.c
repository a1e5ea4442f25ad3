/* Unit tests for lib/refer.c: a Refer-To's URI and a sipfrag's status
 * line, as they come from the network. */
#include <string.h>

#include "refer.h"
#include "tap.h"

static int
frag(const char *body, int *code, char *line, size_t size)
{
	return sl_refer_sipfrag(body, strlen(body), code, line, size);
}

int
main(void)
{
	char buf[64], line[32];
	int code = 0;
	static const char *const bad_to[] = { "", "   ", "<>", "<sip:a@b", ";x=1" };
	static const char *const bad_frag[] = {
		"", "SIP/2.0", "SIP/2.0 20 OK", "SIP/2.0 099 x", "SIP/2.0 700 x",
		"SIP/2.0 2000 OK", "SIP/1.0 200 OK", "HTTP/1.1 200 OK", "SIP/2.0 2x0 OK",
	};
	size_t i;

	is_int(sl_refer_target("<sip:op@example.test;transport=tcp>;x=y", buf, sizeof buf), 0,
	       "Refer-To in angle brackets");
	is_str(buf, "sip:op@example.test;transport=tcp", "... the URI, its parameters kept");
	is_int(sl_refer_target(" sip:op@example.test;x=y", buf, sizeof buf), 0,
	       "Refer-To without brackets");
	is_str(buf, "sip:op@example.test", "... up to its first ';'");
	for (i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++)
		is_int(sl_refer_target(bad_to[i], buf, sizeof buf), 22, "Refer-To refused: \"%s\"",
		       bad_to[i]);
	memset(buf, 'x', sizeof buf);
	buf[sizeof buf - 1] = '\0';
	{
		char big[80];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		is_int(sl_refer_target(big, buf, sizeof buf), 22, "a Refer-To too long: refused");
	}
	is_int(sl_refer_target(NULL, buf, sizeof buf), 22, "no Refer-To");

	is_int(frag("SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n", &code, line, sizeof line), 0,
	       "sipfrag 180");
	is_int(code, 180, "... its code");
	is_str(line, "180 Ringing", "... its line, without the rest");
	is_int(frag("SIP/2.0 200 OK", &code, line, sizeof line), 0, "sipfrag without a CRLF");
	is_int(code, 200, "... 200");
	is_int(frag("SIP/2.0 486 Busy \"x\"\x1b[31m", &code, line, sizeof line), 0,
	       "sipfrag with quotes and an escape");
	is_str(line, "486 Busy ?x??[31m", "... cleaned");
	is_int(frag("SIP/2.0 603 Decline because of a very long reason indeed", &code, line,
		    sizeof line), 0, "a long reason");
	is_int((int)strlen(line), (int)sizeof line - 1, "... cut to the buffer");
	for (i = 0; i < sizeof bad_frag / sizeof bad_frag[0]; i++)
		is_int(frag(bad_frag[i], &code, line, sizeof line), 22, "sipfrag refused: \"%s\"",
		       bad_frag[i]);
	return done_testing();
}
