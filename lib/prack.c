/* The texts of reliable provisional responses (RFC 3262): RSeq, RAck and
 * the option tags of Require and Supported, read as they come from the
 * network (any text: bounded, never trusted). */
#include "prack.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A number of 1 to SL_RSEQ_MAX at *p, moved past it.  Returns 0 or
 * EINVAL. */
static int
number(const char **p, uint32_t *out)
{
	const char *s = *p;
	unsigned long v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (++n > 10 || v > SL_RSEQ_MAX)
			return EINVAL;
	}
	if (n == 0 || v == 0)
		return EINVAL;
	*out = (uint32_t)v;
	*p = s;
	return 0;
}

static const char *
skip_blanks(const char *p)
{
	while (blank(*p))
		p++;
	return p;
}

int
sl_rseq_parse(const char *value, uint32_t *rseq)
{
	const char *p;

	if (value == NULL)
		return EINVAL;
	p = skip_blanks(value);
	if (number(&p, rseq) != 0)
		return EINVAL;
	return *skip_blanks(p) == '\0' ? 0 : EINVAL;
}

/* RFC 3261 §25.1 token. */
static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-.!%*_+`'~", c));
}

int
sl_rack_parse(const char *value, uint32_t *rseq, uint32_t *cseq, char *method,
	      size_t size)
{
	const char *p, *m;
	size_t n;

	if (value == NULL || size == 0)
		return EINVAL;
	p = skip_blanks(value);
	if (number(&p, rseq) != 0 || !blank(*p))
		return EINVAL;
	p = skip_blanks(p);
	/* A CSeq number may be 0 (RFC 3261 §8.1.1.5 only bounds it above). */
	if (*p == '0' && !(p[1] >= '0' && p[1] <= '9')) {
		*cseq = 0;
		p++;
	} else if (number(&p, cseq) != 0) {
		return EINVAL;
	}
	if (!blank(*p))
		return EINVAL;
	m = p = skip_blanks(p);
	while (token_char(*p))
		p++;
	if (p == m || *skip_blanks(p) != '\0')
		return EINVAL;
	n = (size_t)(p - m) < size - 1 ? (size_t)(p - m) : size - 1;
	memcpy(method, m, n);
	method[n] = '\0';
	return 0;
}

int
sl_option_listed(const char *value, const char *tag)
{
	size_t len = strlen(tag), n;
	const char *p = value;

	if (p == NULL)
		return 0;
	while (*p) {
		while (*p && !token_char(*p))
			p++;
		for (n = 0; token_char(p[n]); n++)
			;
		if (n == len && strncasecmp(p, tag, len) == 0)
			return 1;
		p += n;
	}
	return 0;
}

int
sl_msg_option(const osip_message_t *msg, const char *name, const char *tag)
{
	osip_header_t *h = NULL;
	int pos;

	for (pos = 0; (pos = osip_message_header_get_byname(msg, name, pos, &h)) >= 0; pos++)
		if (h && sl_option_listed(h->hvalue, tag))
			return 1;
	return 0;
}

const char *
sl_msg_header(const osip_message_t *msg, const char *name)
{
	osip_header_t *h = NULL;

	if (osip_message_header_get_byname(msg, name, 0, &h) < 0 || h == NULL)
		return NULL;
	return h->hvalue ? h->hvalue : "";
}
