/* The codec table and its look-ups. */
#include "codec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "g711.h"
#include "log.h"

static void
ulaw_encode(const int16_t *in, uint8_t *out, size_t n)
{
	sl_g711_encode(SL_PT_PCMU, in, out, n);
}

static void
ulaw_decode(const uint8_t *in, int16_t *out, size_t n)
{
	sl_g711_decode(SL_PT_PCMU, in, out, n);
}

static void
alaw_encode(const int16_t *in, uint8_t *out, size_t n)
{
	sl_g711_encode(SL_PT_PCMA, in, out, n);
}

static void
alaw_decode(const uint8_t *in, int16_t *out, size_t n)
{
	sl_g711_decode(SL_PT_PCMA, in, out, n);
}

const struct sl_codec sl_codecs[] = {
	{ "PCMU", SL_PT_PCMU, 8000, 8000, 10, 60, 20, 1,
	  ulaw_encode, ulaw_decode, SL_ULAW_SILENCE },
	{ "PCMA", SL_PT_PCMA, 8000, 8000, 10, 60, 20, 1,
	  alaw_encode, alaw_decode, SL_ALAW_SILENCE },
	{ NULL, -1, 0, 0, 0, 0, 0, 0, NULL, NULL, 0 },
};

const struct sl_codec *
sl_codec_by_name(const char *name)
{
	const struct sl_codec *c;

	for (c = sl_codecs; name && c->name; c++)
		if (strcasecmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct sl_codec *
sl_codec_by_pt(int pt)
{
	const struct sl_codec *c;

	for (c = sl_codecs; c->name; c++)
		if (c->pt == pt)
			return c;
	return NULL;
}

const char *
sl_codec_names(void)
{
	static char buf[256];
	const struct sl_codec *c;
	size_t n = 0, i;

	if (buf[0])
		return buf;
	for (c = sl_codecs; c->name && n < sizeof buf - 16; c++) {
		if (c != sl_codecs)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s",
					      c[1].name ? ", " : " or ");
		for (i = 0; c->name[i] && n < sizeof buf - 1; i++)
			buf[n++] = (char)tolower((unsigned char)c->name[i]);
		buf[n] = '\0';
	}
	return buf;
}

const struct sl_codec *
sl_codec_option(const char *opt, const char *name)
{
	const struct sl_codec *c = sl_codec_by_name(name);

	if (c == NULL)
		sl_usage_error("%s: %s is not %s", opt, name, sl_codec_names());
	return c;
}

int
sl_codec_samples(const struct sl_codec *c, int ptime)
{
	return c->pipe_rate / 1000 * ptime;
}

int
sl_codec_ticks(const struct sl_codec *c, int ptime)
{
	return c->clock_rate / 1000 * ptime;
}

int
sl_codec_ptime_ok(const struct sl_codec *c, int ptime)
{
	return ptime >= c->ptime_min && ptime <= c->ptime_max &&
	       ptime % c->ptime_step == 0;
}
