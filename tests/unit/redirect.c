/* Unit tests for lib/redirect.c: which Contacts of a 3xx are tried, in
 * what order (q), each once, and the bound on hops. */
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "redirect.h"
#include "tap.h"

/* A 302 with the given Contact header values. */
static osip_message_t *
answer(const char *const *contacts)
{
	osip_message_t *m = NULL;
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof buf,
		     "SIP/2.0 302 Moved Temporarily\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n"
		     "From: <sip:alice@a.test>;tag=1\r\nTo: <sip:bob@b.test>;tag=2\r\n"
		     "Call-ID: c1\r\nCSeq: 1 INVITE\r\n");
	for (; *contacts; contacts++)
		n += snprintf(buf + n, sizeof buf - n, "Contact: %s\r\n", *contacts);
	snprintf(buf + n, sizeof buf - n, "Content-Length: 0\r\n\r\n");
	if (osip_message_init(&m) != 0 || osip_message_parse(m, buf, strlen(buf)) != 0)
		return NULL;
	return m;
}

static const char *
next(struct sl_redirect *r)
{
	int limit;

	return sl_redirect_next(r, &limit);
}

int
main(void)
{
	struct sl_redirect r;
	osip_message_t *m;
	const char *t;
	int i, limit;

	parser_init();

	is_int(sl_redirect_init(&r, "sip:bob@b.test"), 0, "init");
	{
		const char *c[] = { "<sip:low@x.test>;q=0.1", "<sip:high@x.test>;q=0.9",
				    "<sip:plain@x.test>", "<tel:+15551234>",
				    "<sip:bob@b.test>", "<sip:high@x.test>;q=0.2", NULL };
		m = answer(c);
	}
	ok(m != NULL, "a 302 with six Contacts parses");
	is_int(sl_redirect_add(&r, m), 3, "three new sip: targets (tel:, the first target and a repeat left out)");
	osip_message_free(m);
	is_str(next(&r), "sip:plain@x.test", "no q counts as 1.0: first");
	is_str(next(&r), "sip:high@x.test", "then q=0.9");
	is_str(next(&r), "sip:low@x.test", "then q=0.1");
	ok(next(&r) == NULL, "then none");
	is_int(r.hops, 3, "three hops counted");
	sl_redirect_free(&r);

	/* A later 3xx's targets go ahead of those still queued. */
	sl_redirect_init(&r, "sip:bob@b.test");
	{
		const char *c[] = { "<sip:a@x.test>", "<sip:b@x.test>", NULL };
		m = answer(c);
	}
	sl_redirect_add(&r, m);
	osip_message_free(m);
	is_str(next(&r), "sip:a@x.test", "first of the first answer");
	{
		const char *c[] = { "<sip:c@x.test>", "<sip:a@x.test>", NULL };
		m = answer(c);
	}
	is_int(sl_redirect_add(&r, m), 1, "a tried target is not queued again");
	osip_message_free(m);
	is_str(next(&r), "sip:c@x.test", "the newer answer's target first");
	is_str(next(&r), "sip:b@x.test", "then the older one's");
	sl_redirect_free(&r);

	/* A redirect loop through ever new targets ends after the hops. */
	sl_redirect_init(&r, "sip:bob@b.test");
	for (i = 0; i < 10; i++) {
		char uri[64], hdr[80];
		const char *c[] = { hdr, NULL };

		snprintf(uri, sizeof uri, "sip:hop%d@x.test", i);
		snprintf(hdr, sizeof hdr, "<%s>", uri);
		m = answer(c);
		sl_redirect_add(&r, m);
		osip_message_free(m);
		t = sl_redirect_next(&r, &limit);
		if (t == NULL)
			break;
	}
	is_int(i, SL_REDIRECT_MAX_HOPS, "after %d hops no more", SL_REDIRECT_MAX_HOPS);
	is_int(limit, 1, "and the limit is what stopped it");
	sl_redirect_free(&r);

	/* Many Contacts: as many as fit, nothing overflows. */
	sl_redirect_init(&r, "sip:bob@b.test");
	{
		char hdrs[40][64];
		const char *c[41];

		for (i = 0; i < 40; i++) {
			snprintf(hdrs[i], sizeof hdrs[i], "<sip:n%d@x.test>", i);
			c[i] = hdrs[i];
		}
		c[40] = NULL;
		m = answer(c);
	}
	is_int(sl_redirect_add(&r, m), SL_REDIRECT_MAX_TARGETS - 1, "40 Contacts: %d kept", SL_REDIRECT_MAX_TARGETS - 1);
	osip_message_free(m);
	sl_redirect_free(&r);

	done_testing();
	return 0;
}
