/* Session-Expires and Min-SE (RFC 4028 §4): the values and the
 * answer to a request. */
#include "stimer.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *
skip_lws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* delta-seconds, bounded; p after it in *end. */
static int
delta(const char *p, unsigned long *secs, const char **end)
{
	unsigned long v = 0;
	const char *s;

	p = skip_lws(p);
	for (s = p; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > SL_SE_MAX)
			return EINVAL;
	}
	if (p == s || v == 0)
		return EINVAL;
	*secs = v;
	*end = skip_lws(p);
	return 0;
}

/* The parameters after the value: ;name[=value] each; a refresher one
 * into *r when r is not NULL. */
static int
params(const char *p, enum sl_se_refresher *r)
{
	while (*p) {
		const char *name, *val = NULL;
		size_t nlen, vlen = 0;

		if (*p != ';')
			return EINVAL;
		name = p = skip_lws(p + 1);
		while (*p && *p != ';' && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		nlen = (size_t)(p - name);
		p = skip_lws(p);
		if (*p == '=') {
			val = p = skip_lws(p + 1);
			while (*p && *p != ';' && *p != ' ' && *p != '\t')
				p++;
			vlen = (size_t)(p - val);
			p = skip_lws(p);
		}
		if (nlen == 0)
			return EINVAL;
		if (r && nlen == 9 && strncasecmp(name, "refresher", 9) == 0) {
			if (vlen == 3 && strncasecmp(val, "uac", 3) == 0)
				*r = SL_SE_UAC;
			else if (vlen == 3 && strncasecmp(val, "uas", 3) == 0)
				*r = SL_SE_UAS;
			else
				return EINVAL;
		}
	}
	return 0;
}

int
sl_se_parse(const char *value, unsigned long *secs, enum sl_se_refresher *r)
{
	enum sl_se_refresher who = SL_SE_NONE;
	unsigned long v;
	const char *p;

	if (value == NULL || delta(value, &v, &p) != 0 || params(p, &who) != 0)
		return EINVAL;
	*secs = v;
	*r = who;
	return 0;
}

int
sl_min_se_parse(const char *value, unsigned long *secs)
{
	unsigned long v;
	const char *p;

	if (value == NULL || delta(value, &v, &p) != 0 || params(p, NULL) != 0)
		return EINVAL;
	*secs = v;
	return 0;
}

int
sl_se_answer(const struct sl_se_request *req, unsigned long expires,
	     unsigned long min_se, struct sl_se_answer *out)
{
	memset(out, 0, sizeof *out);
	if (req->expires) {
		/* §9: smaller than we take: 422 with our Min-SE. */
		if (req->expires < min_se)
			return 422;
		out->expires = req->expires;
	} else if (expires) {
		/* None asked: ours, never below what the request takes. */
		out->expires = expires > req->min_se ? expires : req->min_se;
	} else {
		return 0;
	}
	/* The refresher it names; else the UAC when it knows timers (it
	 * said so), else we, who do (§9). */
	if (req->refresher == SL_SE_UAS)
		out->we_refresh = 1;
	else if (req->refresher == SL_SE_UAC)
		out->we_refresh = 0;
	else
		out->we_refresh = !req->supported;
	out->require = req->supported;
	return 0;
}

long long
sl_se_refresh_at(long long interval)
{
	return interval / 2;
}

long long
sl_se_expire_at(long long interval)
{
	long long margin = interval / 3 < 32000 ? interval / 3 : 32000;

	return interval - margin;
}
