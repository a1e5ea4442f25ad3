/* libFuzzer target: a 401/407 challenge from a registrar or proxy, as
 * sl_sip hands it to digest authentication: sl_digest_is_challenge,
 * sl_digest_pick, then sl_digest_authorize on a REGISTER (which must
 * serialise).  Input: a first byte choosing 401 or 407 (its low bit),
 * then one WWW-Authenticate / Proxy-Authenticate value per line, placed in
 * an otherwise ordinary response, so that the fuzzer spends its time on
 * the challenges rather than on the rest of the message. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "digest.h"
#include "log.h"

static osip_message_t *reg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] =
		"REGISTER sip:sipline.test SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKfuzz\r\n"
		"From: <sip:alice@sipline.test>;tag=1\r\n"
		"To: <sip:alice@sipline.test>\r\n"
		"Call-ID: fuzz@127.0.0.1\r\n"
		"CSeq: 2 REGISTER\r\n"
		"Content-Length: 0\r\n\r\n";

	sl_log_init("fuzz-digest");
	parser_init();
	if (osip_message_init(&reg) != 0 || osip_message_parse(reg, text, strlen(text)) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name;
	osip_message_t *resp = NULL, *req = NULL;
	struct sl_digest_challenge ch;
	char unsupported[64], *text, *p, *line, *out = NULL;
	size_t n = 0, cap, len, outlen;
	int proxy, err;

	if (size == 0 || size > 16384)
		return 0;
	proxy = data[0] & 1;
	name = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
	cap = 512 + size * 2 + 64 * (size + 1);
	text = malloc(cap);
	n += snprintf(text + n, cap - n,
		      "SIP/2.0 %s\r\n"
		      "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKfuzz\r\n"
		      "From: <sip:alice@sipline.test>;tag=1\r\n"
		      "To: <sip:alice@sipline.test>;tag=2\r\n"
		      "Call-ID: fuzz@127.0.0.1\r\n"
		      "CSeq: 2 REGISTER\r\n",
		      proxy ? "407 Proxy Authentication Required" : "401 Unauthorized");
	p = malloc(size);
	memcpy(p, data + 1, size - 1);
	p[size - 1] = '\0';
	for (line = p; line && *line; ) {
		char *nl = memchr(line, '\n', strlen(line));

		if (nl)
			*nl = '\0';
		n += snprintf(text + n, cap - n, "%s: %s\r\n", name, line);
		line = nl ? nl + 1 : NULL;
	}
	n += snprintf(text + n, cap - n, "Content-Length: 0\r\n\r\n");
	free(p);

	if (osip_message_init(&resp) != 0)
		abort();
	if (osip_message_parse(resp, text, n) == 0) {
		sl_digest_is_challenge(resp);
		memset(unsupported, 'x', sizeof unsupported);
		err = sl_digest_pick(resp, &ch, unsupported, sizeof unsupported);
		if (err == ENOTSUP && memchr(unsupported, '\0', sizeof unsupported) == NULL)
			abort();
		if (err == 0) {
			if (memchr(ch.realm, '\0', sizeof ch.realm) == NULL ||
			    memchr(ch.nonce, '\0', sizeof ch.nonce) == NULL ||
			    memchr(ch.opaque, '\0', sizeof ch.opaque) == NULL ||
			    ch.proxy != proxy)
				abort();
			if (osip_message_clone(reg, &req) != 0)
				abort();
			if (sl_digest_authorize(req, &ch, "alice", "alicepw", 1) == 0) {
				osip_message_force_update(req);
				if (osip_message_to_str(req, &out, &outlen) != 0) {
					fprintf(stderr, "fuzz-digest: the answered request does not serialise\n");
					abort();
				}
				osip_free(out);
			}
			osip_message_free(req);
		}
	}
	osip_message_free(resp);
	free(text);
	(void)len;
	return 0;
}
