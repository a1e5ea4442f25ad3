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

/* In the order of the default list.  G.722's RTP clock is 8000 though it
 * codes 16000 samples a second (RFC 3551 4.5.2); Opus's is 48000 whatever
 * it codes, and its rtpmap says 2 channels though it sends one (RFC 7587);
 * in-band FEC is on (a=fmtp useinbandfec=1), for the loss it conceals. */
const struct sl_codec sl_codecs[] = {
	{ "PCMU", SL_PT_PCMU, 8000, "PCMU/8000", 8000, 8000, 10, 60, 20, 1,
	  SL_KIND_G711, NULL, 1, ulaw_encode, ulaw_decode, SL_ULAW_SILENCE },
	{ "PCMA", SL_PT_PCMA, 8000, "PCMA/8000", 8000, 8000, 10, 60, 20, 1,
	  SL_KIND_G711, NULL, 1, alaw_encode, alaw_decode, SL_ALAW_SILENCE },
	{ "G722", 9, 8000, "G722/8000", 16000, 16000, 10, 60, 20, 10,
	  SL_KIND_G722, NULL, 0, NULL, NULL, 0 },
	{ "opus", 111, 48000, "opus/48000/2", 48000, 48000, 10, 60, 20, 10,
	  SL_KIND_OPUS, "useinbandfec=1", 0, NULL, NULL, 0 },
	{ NULL, -1, 0, NULL, 0, 0, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, 0 },
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

const struct sl_codec *
sl_codec_by_rtpmap(const char *encoding)
{
	const struct sl_codec *c;
	size_t n;

	for (c = sl_codecs; encoding && c->name; c++) {
		n = strlen(c->rtpmap);
		if (strncasecmp(encoding, c->rtpmap, n) == 0 &&
		    (encoding[n] == '\0' || encoding[n] == ' '))
			return c;
		/* opus/48000 without its channels */
		n = (size_t)(strrchr(c->rtpmap, '/') - c->rtpmap);
		if (c->kind == SL_KIND_OPUS && strncasecmp(encoding, c->rtpmap, n) == 0 &&
		    (encoding[n] == '\0' || encoding[n] == ' '))
			return c;
	}
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
sl_codec_list(const char *list, const struct sl_codec **out, int max,
	      const char **bad)
{
	static char name[32];
	const struct sl_codec *c;
	int n = 0, i;
	size_t len;

	*bad = "";
	while (list && *list) {
		len = strcspn(list, ", ");
		if (len == 0) {
			list++;
			continue;
		}
		snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), list);
		*bad = name;
		if ((c = sl_codec_by_name(name)) == NULL || n >= max)
			return -1;
		for (i = 0; i < n; i++)
			if (out[i] == c)
				return -1;
		out[n++] = c;
		list += len;
	}
	return n > 0 ? n : -1;
}

int
sl_codec_defaults(const struct sl_codec **out, int max)
{
	const struct sl_codec *c;
	int n = 0;

	for (c = sl_codecs; c->name && n < max; c++)
		if (c->offered)
			out[n++] = c;
	return n;
}

int
sl_codec_samples(const struct sl_codec *c, int rate, int ptime)
{
	return (int)((long)rate * ptime / 1000);
}

int
sl_codec_ticks(const struct sl_codec *c, int ptime)
{
	return c->clock_rate / 1000 * ptime;
}

int
sl_codec_ptime_ok(const struct sl_codec *c, int ptime)
{
	/* An Opus packet is one frame of 10, 20, 40 or 60 ms. */
	if (c->kind == SL_KIND_OPUS && (ptime == 30 || ptime == 50))
		return 0;
	return ptime >= c->ptime_min && ptime <= c->ptime_max &&
	       ptime % c->ptime_step == 0;
}

int
sl_codec_rate_ok(int rate)
{
	return rate >= 8000 && rate <= 192000 && rate % 100 == 0;
}
