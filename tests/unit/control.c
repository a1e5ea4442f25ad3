/* Unit tests for lib/control.c: the control channel's line parser
 * (hangup [CODE], hold, resume, transfer URI, dtmf DIGITS) and what it
 * refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "tap.h"

/* What the splitter gave, lines joined by '|'. */
static char got[4096];
static int ngot;

static void
take(const char *line, size_t len, void *arg)
{
	size_t n = strlen(got);

	(void)arg;
	snprintf(got + n, sizeof got - n, "%s%.*s", ngot++ ? "|" : "", (int)len, line);
}

static void
feed(struct sl_control_lines *l, const char *s)
{
	sl_control_feed(l, s, strlen(s), take, NULL);
}

static int
parse(const char *line, struct sl_control_cmd *c, const char **why)
{
	*why = NULL;
	return sl_control_parse(line, strlen(line), c, why);
}

int
main(void)
{
	struct sl_control_cmd c;
	const char *why;
	char big[SL_CONTROL_LINE_MAX + 8];
	static const char *const bad[] = {
		"", "   ", "\r", "HANGUP", "hangupx", "hangup 200", "hangup 4000",
		"hangup 48", "hangup abc", "hangup 486 486", "hold now", "resume x",
		"transfer", "transfer   ", "transfer http://x", "transfer sip:a b",
		"transfer <sip:a@b>", "dtmf", "dtmf 12x", "dtmf \x01", "fly",
		"transfer sip:a\x1b[31m@b", "dtmf\t*\t, 06",
	};
	size_t i;

	is_int(parse("hangup", &c, &why), 0, "hangup");
	ok(c.kind == SL_CONTROL_HANGUP && c.code == 0, "hangup: no code");
	is_int(parse("  hangup 486 \r", &c, &why), 0, "hangup 486, blanks and CR around");
	is_int(c.code, 486, "hangup: the code");
	is_int(parse("hangup 603", &c, &why), 0, "hangup 603");
	is_int(c.code, 603, "hangup: 603");
	is_int(parse("hold", &c, &why), 0, "hold");
	ok(c.kind == SL_CONTROL_HOLD, "hold: its kind");
	is_int(parse("resume\r", &c, &why), 0, "resume");
	ok(c.kind == SL_CONTROL_RESUME, "resume: its kind");
	is_int(parse("transfer sip:operator@example.test;transport=tcp", &c, &why), 0,
	       "transfer");
	ok(c.kind == SL_CONTROL_TRANSFER, "transfer: its kind");
	is_str(c.arg, "sip:operator@example.test;transport=tcp", "transfer: the URI");
	is_int(parse("transfer\tsips:a@b", &c, &why), 0, "transfer: a tab, sips:");
	is_str(c.arg, "sips:a@b", "transfer: the sips URI");
	is_int(parse("transfer tel:+15551234", &c, &why), 0, "transfer: tel:");
	is_int(parse("dtmf 123#*,A", &c, &why), 0, "dtmf");
	ok(c.kind == SL_CONTROL_DTMF, "dtmf: its kind");
	is_str(c.arg, "123#*,A", "dtmf: the digits");
	is_str(sl_control_name(SL_CONTROL_TRANSFER), "transfer", "the name of transfer");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		is_int(parse(bad[i], &c, &why), 22, "refused: \"%s\"", bad[i]);
		ok(why != NULL && *why != '\0', "refused with a reason (%s)", why ? why : "none");
	}
	is_int(sl_control_parse("hold\0x", 6, &c, &why), 22, "a NUL in the line: refused");
	memset(big, 'x', sizeof big);
	memcpy(big, "dtmf ", 5);
	is_int(sl_control_parse(big, sizeof big, &c, &why), 22, "a line too long: refused");
	is_str(why, "line too long", "a line too long: the reason");

	{
		struct sl_control_lines l;
		char *huge = malloc(3 * SL_CONTROL_LINE_MAX);

		memset(&l, 0, sizeof l);
		feed(&l, "hold\nres");
		feed(&l, "ume\n\ndtmf 1");
		is_str(got, "hold|resume|", "lines split across reads, an empty one kept");
		sl_control_end(&l, take, NULL);
		is_str(got, "hold|resume||dtmf 1", "the last line without its newline, at the end");
		sl_control_end(&l, take, NULL);
		is_int(ngot, 4, "nothing more at a second end");
		got[0] = '\0';
		ngot = 0;
		memset(huge, 'x', 3 * SL_CONTROL_LINE_MAX);
		huge[3 * SL_CONTROL_LINE_MAX - 1] = '\n';
		sl_control_feed(&l, huge, 2 * SL_CONTROL_LINE_MAX, take, NULL);
		sl_control_feed(&l, huge + 2 * SL_CONTROL_LINE_MAX, SL_CONTROL_LINE_MAX, take, NULL);
		feed(&l, "hangup\n");
		is_int(ngot, 2, "a line too long is given once, then the next line");
		is_int((int)strlen(got), SL_CONTROL_LINE_MAX + 7, "cut at the limit");
		ok(strcmp(got + SL_CONTROL_LINE_MAX, "|hangup") == 0, "and the next line whole");
		free(huge);
	}
	return done_testing();
}
