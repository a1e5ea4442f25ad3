/* libFuzzer target: an instant message from the network (lib/message.h):
 * its text cleaned for an event line and for a script, and a whole MESSAGE
 * request (headers the input chooses, the rest its body) through the
 * checks sip-answer makes.  Checks that the cleaning keeps its promises:
 * within the size, UTF-8 only, no control character (but LF and TAB for a
 * script), no quote or backslash in an event, nothing that reorders a
 * terminal, and no more read than given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "message.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	parser_init();
	return 0;
}

/* Aborts unless s (n bytes) is what sl_message_clean promises. */
static void
check_clean(const char *s, size_t n, int mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, len;
	unsigned long cp;

	if (strlen(s) != n)
		abort();
	while (i < n) {
		if (p[i] < 0x80) {
			cp = p[i], len = 1;
		} else {
			len = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			if (p[i] < 0xc2 || p[i] > 0xf4 || i + len > n)
				abort();
			cp = p[i] & (0x3f >> (len - 1));
			for (k = 1; k < len; k++) {
				if ((p[i + k] & 0xc0) != 0x80)
					abort();
				cp = cp << 6 | (p[i + k] & 0x3f);
			}
		}
		if (cp < 0x20 && !(mode == SL_MESSAGE_LINES && (cp == '\n' || cp == '\t')))
			abort();
		if ((cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			abort();
		if (mode == SL_MESSAGE_LINE && (cp == '"' || cp == '\\'))
			abort();
		if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		i += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"text/plain", "text/plain;charset=UTF-8", "text/plain; charset=\"us-ascii\"",
		"text/plain;charset=latin1", "text/html", "multipart/mixed;boundary=x", "",
	};
	char out[64], *big, *req;
	size_t n, used, cap, blen;
	osip_message_t *m;
	struct sl_message msg;
	int mode, code, t;

	if (size < 2 || size > 70000)
		return 0;
	mode = data[0] & 1 ? SL_MESSAGE_LINES : SL_MESSAGE_LINE;
	/* A small buffer, to cut characters at its end, and one as big as
	 * the text. */
	cap = 1 + data[1] % sizeof out;
	n = sl_message_clean(out, cap, (const char *)data + 2, size - 2, mode, &used);
	if (n >= cap || used > size - 2)
		abort();
	check_clean(out, n, mode);
	big = malloc(size);
	n = sl_message_clean(big, size - 1, (const char *)data + 2, size - 2, mode, &used);
	if (n >= size - 1 || used != size - 2)
		abort();
	check_clean(big, n, mode);
	free(big);

	/* The input as the body of a MESSAGE: its type chosen by its first
	 * byte, a limit by its second. */
	blen = size - 2;
	t = (data[0] >> 1) % 7;
	req = malloc(blen + 512);
	n = (size_t)snprintf(req, 512,
		"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-f\r\n"
		"From: \"A\\\"\x01\" <sip:a@b>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
		"Call-ID: f@x\r\nCSeq: 1 MESSAGE\r\n%s%s%s"
		"Content-Length: %zu\r\n\r\n",
		*types[t] ? "Content-Type: " : "", types[t], *types[t] ? "\r\n" : "", blen);
	memcpy(req + n, data + 2, blen);
	if (osip_message_init(&m) == 0) {
		if (osip_message_parse(m, req, n + blen) == 0 && MSG_IS_MESSAGE(m)) {
			code = sl_message_check(m, data[1] * 64, &msg);
			if (code != 0 && code != 413 && code != 415)
				abort();
			if (code == 0 && msg.len > (size_t)data[1] * 64)
				abort();
			check_clean(msg.from, strlen(msg.from), SL_MESSAGE_LINE);
			check_clean(msg.name, strlen(msg.name), SL_MESSAGE_LINE);
			check_clean(msg.to, strlen(msg.to), SL_MESSAGE_LINE);
			check_clean(msg.type, strlen(msg.type), SL_MESSAGE_LINE);
		}
		osip_message_free(m);
	}
	free(req);
	return 0;
}
