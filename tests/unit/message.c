/* Unit tests for lib/message.c: the text of an instant message made safe
 * for an event line and for a script, and the checks of a MESSAGE. */
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "message.h"
#include "tap.h"

static const char *
clean(const char *s, size_t len, int mode, size_t size)
{
	static char buf[256];

	sl_message_clean(buf, size, s, len, mode, NULL);
	return buf;
}

#define LINE(s) clean(s, sizeof s - 1, SL_MESSAGE_LINE, 256)
#define LINES(s) clean(s, sizeof s - 1, SL_MESSAGE_LINES, 256)

/* The status sl_message_check gives a MESSAGE with these headers and
 * body, at most max bytes taken. */
static int
check(const char *headers, const char *body, size_t max, struct sl_message *m)
{
	char req[1024];
	osip_message_t *msg;
	int n, code = -1;

	n = snprintf(req, sizeof req,
		     "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-u\r\n"
		     "From: \"Al\\\"ice\" <sip:alice@example.test>;tag=1\r\n"
		     "To: <sip:bob@127.0.0.1>\r\nCall-ID: u@x\r\nCSeq: 1 MESSAGE\r\n"
		     "%sContent-Length: %zu\r\n\r\n%s", headers, strlen(body), body);
	if (osip_message_init(&msg) == 0 && osip_message_parse(msg, req, (size_t)n) == 0)
		code = sl_message_check(msg, max, m);
	osip_message_free(msg);
	return code;
}

int
main(void)
{
	struct sl_message m;
	size_t used;
	char buf[8];

	parser_init();
	is_str(LINE("plain text, caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	       "plain text, caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "UTF-8 passes");
	is_str(LINE("a\033[2Jb\a\x7f" "c"), "a?[2Jb??c", "ESC, BEL, DEL: '?'");
	is_str(LINE("q\"b\\e"), "q?b?e", "quote and backslash: '?' in an event");
	is_str(LINES("q\"b\\e"), "q\"b\\e", "... kept for a script");
	is_str(LINE("a\nb\tc\r\nd"), "a?b?c??d", "line ends and tabs: '?' in an event");
	is_str(LINES("a\nb\tc\r\nd\re"), "a\nb\tc\nd?e", "... LF and TAB kept, CRLF is LF, CR '?'");
	is_str(LINE("a\0b"), "a?b", "NUL: '?'");
	is_str(LINE("\xc2\x9b" "1m"), "?1m", "C1 control (CSI) as UTF-8: '?'");
	is_str(LINE("x\xe2\x80\xaey\xe2\x81\xa6z\xe2\x80\xa8"), "x?y?z?", "bidi overrides, line separator: '?'");
	is_str(LINE("\xff\xfe"), "??", "bytes that are no UTF-8: '?' each");
	is_str(LINE("\xc0\xaf"), "??", "an overlong '/': '?' each");
	is_str(LINE("\xed\xa0\x80"), "???", "a surrogate: '?' each");
	is_str(LINE("\xe2\x82"), "??", "a character cut at the end: '?' each");
	is_str(LINE("\xf4\x90\x80\x80"), "????", "past U+10FFFF: '?' each");
	is_int(sl_message_clean(buf, sizeof buf, "abcdef\xe2\x82\xac", 9, SL_MESSAGE_LINE, &used), 6,
	       "a character is never cut at the end of the buffer");
	is_int(used, 6, "... and what went in is said");
	is_int(sl_message_clean(buf, 1, "abc", 3, SL_MESSAGE_LINE, &used), 0, "size 1: nothing");
	is_str(buf, "", "... but terminated");

	sl_clean_display_name(buf, sizeof buf, "\"A\\\"b\\\\c\"");
	is_str(buf, "A?b?c", "display name: quotes gone, quoted-pairs undone, then cleaned");
	sl_clean_display_name(buf, sizeof buf, "Bob");
	is_str(buf, "Bob", "display name: a bare token");
	sl_clean_display_name(buf, sizeof buf, "\"\xe2\x80\xae\xc2\x9b\xff\"");
	is_str(buf, "???", "display name: bidi override, C1 control, not UTF-8: '?' each");
	sl_clean_display_name(buf, sizeof buf, "\"abcdefghij\"");
	is_str(buf, "abcdefg", "display name: cut to the buffer");
	sl_clean_display_name(buf, sizeof buf, NULL);
	is_str(buf, "", "no display name");

	is_int(check("Content-Type: text/plain\r\n", "hi", 10, &m), 0, "text/plain: taken");
	is_str(m.from, "sip:alice@example.test", "... From");
	is_str(m.name, "Al?ice", "... its display name unquoted, cleaned");
	is_str(m.to, "sip:bob@127.0.0.1", "... To");
	is_int(m.len, 2, "... the length");
	is_int(check("Content-Type: text/plain;charset=\"UTF-8\"\r\n", "hi", 10, &m), 0,
	       "charset=\"UTF-8\": taken");
	is_int(check("Content-Type: TEXT/Plain; charset=us-ascii\r\n", "hi", 10, &m), 0,
	       "US-ASCII, any case: taken");
	is_int(check("Content-Type: text/plain;charset=iso-8859-1\r\n", "hi", 10, &m), 415,
	       "another charset: 415");
	is_int(check("Content-Type: text/html\r\n", "<b>", 10, &m), 415, "text/html: 415");
	is_int(check("", "hi", 10, &m), 415, "a body without a type: 415");
	is_int(check("Content-Type: text/plain\r\nContent-Encoding: gzip\r\n", "hi", 10, &m), 415,
	       "Content-Encoding: 415");
	is_int(check("Content-Type: text/plain\r\n", "0123456789x", 10, &m), 413,
	       "past the limit: 413");
	is_int(check("Content-Type: text/plain\r\n", "0123456789", 10, &m), 0, "at the limit: taken");
	is_int(check("", "", 10, &m), 0, "an empty MESSAGE: taken");
	is_str(m.type, "", "... no type");
	done_testing();
	return 0;
}
