/* DTMF by SIP INFO: the two bodies in use (application/dtmf-relay, from
 * Cisco, and application/dtmf), read strictly: whatever reaches an event
 * line or a script is one key of sl_dtmf_event's set. */
#include "info.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dtmf.h"

int
sl_info_kind(const char *type, const char *subtype)
{
	if (type == NULL || subtype == NULL || strcasecmp(type, "application") != 0)
		return SL_INFO_OTHER;
	if (strcasecmp(subtype, "dtmf-relay") == 0)
		return SL_INFO_DTMF_RELAY;
	if (strcasecmp(subtype, "dtmf") == 0)
		return SL_INFO_DTMF;
	return SL_INFO_OTHER;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [s, e) without the blanks around it. */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && blank((*e)[-1]))
		(*e)--;
}

/* A number of at most 5 digits in [s, e) into *n.  Returns 0 or EINVAL. */
static int
number(const char *s, const char *e, int *n)
{
	if (s == e || e - s > 5)
		return EINVAL;
	*n = 0;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		*n = *n * 10 + (*s - '0');
	}
	return 0;
}

/* A key in [s, e): a character of the set or an event code. */
static int
key_of(const char *s, const char *e, char *digit)
{
	int ev;

	trim(&s, &e);
	if (e - s == 1 && sl_dtmf_event(*s) >= 0) {
		*digit = sl_dtmf_char(sl_dtmf_event(*s));
		return 0;
	}
	if (e - s == 1 && *s == '!') {
		*digit = '\0';          /* a flash, as some PBXs write it */
		return 0;
	}
	if (number(s, e, &ev) != 0 || ev > 16)
		return EINVAL;
	*digit = ev == 16 ? '\0' : sl_dtmf_char(ev);
	return 0;
}

/* Reads dtmf-relay's lines: "Signal=K" once, "Duration=MS" at most once,
 * others skipped. */
static int
relay(const char *body, size_t len, struct sl_info_key *key)
{
	const char *p = body, *end = body + len;
	int signals = 0, durations = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq, *ks, *ke;

		if (le > p && le[-1] == '\r')
			le--;
		eq = memchr(p, '=', (size_t)(le - p));
		ks = p;
		ke = eq ? eq : le;
		trim(&ks, &ke);
		if (eq && ke - ks == 6 && strncasecmp(ks, "signal", 6) == 0) {
			if (signals++ || key_of(eq + 1, le, &key->digit) != 0)
				return EINVAL;
		} else if (eq && ke - ks == 8 && strncasecmp(ks, "duration", 8) == 0) {
			const char *vs = eq + 1, *ve = le;

			trim(&vs, &ve);
			if (durations++ || number(vs, ve, &key->duration) != 0 ||
			    key->duration > 60000)
				return EINVAL;
		}
		p = nl ? nl + 1 : end;
	}
	return signals == 1 ? 0 : EINVAL;
}

int
sl_info_key_parse(int kind, const char *body, size_t len, struct sl_info_key *key)
{
	size_t i;

	memset(key, 0, sizeof *key);
	if (body == NULL || len == 0 || len > SL_INFO_BODY_MAX)
		return EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];

		if ((ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch > 0x7e)
			return EINVAL;
	}
	switch (kind) {
	case SL_INFO_DTMF_RELAY:
		return relay(body, len, key);
	case SL_INFO_DTMF: {
		const char *s = body, *e = body + len;

		/* The key, and line ends after it. */
		while (e > s && (e[-1] == '\r' || e[-1] == '\n'))
			e--;
		if (memchr(s, '\n', (size_t)(e - s)) || memchr(s, '\r', (size_t)(e - s)))
			return EINVAL;
		return key_of(s, e, &key->digit);
	}
	default:
		return EINVAL;
	}
}

int
sl_info_relay_body(char digit, int duration, char *buf, size_t size)
{
	int n = snprintf(buf, size, "Signal=%c\r\nDuration=%d\r\n", digit, duration);

	return n < 0 || (size_t)n >= size ? -1 : n;
}
