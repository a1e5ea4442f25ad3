/* A stream's coding state (coder.h): G.711 by the table's functions,
 * G.722 and the packet loss concealer by libspandsp, Opus by libopus,
 * resampling by speexdsp. */
#include "coder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opus.h>
#include <spandsp.h>
#include <speex/speex_resampler.h>

/* G.722's filters call spandsp's vec_circular_dot_prodi16.  The one in
 * Debian's libspandsp.a (vector_int.o, linked statically: see Makefile) is
 * miscompiled: its MMX asm clobbers registers it does not declare, which
 * the shared library's PIC calls survive but the static object's direct
 * call does not (G.722 encoding crashes).  Defined here, in an object the
 * codec code already links, the linker never takes vector_int.o; same
 * contract as spandsp's (vector_int.h): the dot product of x, read
 * circularly from pos, with y. */
static int32_t
dot16(const int16_t x[], const int16_t y[], int n)
{
	uint32_t z = 0;         /* wraps as pmaddwd/paddd do */
	int i;

	for (i = 0; i < n; i++)
		z += (uint32_t)((int32_t)x[i] * y[i]);
	return (int32_t)z;
}

int32_t
vec_circular_dot_prodi16(const int16_t x[], const int16_t y[], int n, int pos)
{
	return (int32_t)((uint32_t)dot16(&x[pos], y, n - pos) + (uint32_t)dot16(x, &y[n - pos], pos));
}

/* speexdsp's quality (0-10): 4 is its VoIP default's neighbour, a 5 kHz
 * tone through 16 -> 48 -> 16 kHz keeps more than 40 dB. */
#define RESAMPLE_QUALITY 4
/* The loss Opus's encoder is told to expect: its in-band FEC carries
 * nothing when this is 0. */
#define OPUS_LOSS_PERC 10

struct sl_enc {
	const struct sl_codec *c;
	int frame, cframe;      /* samples of a packet: pipe, codec */
	SpeexResamplerState *rs;
	int16_t *buf;
	g722_encode_state_t *g722;
	OpusEncoder *opus;
	int fec;
};

struct sl_dec {
	const struct sl_codec *c;
	int rate;
	int plc;
	SpeexResamplerState *rs;
	int16_t buf[SL_CODER_MAX];
	g722_decode_state_t *g722;
	OpusDecoder *opus;
	plc_state_t *concealer;
	int last;               /* codec samples of the last packet */
};

/* Resamples nin samples into exactly nout (the ratio makes them equal in
 * time; what the filter's phase leaves short repeats the last sample). */
static void
resample(SpeexResamplerState *rs, const int16_t *in, int nin, int16_t *out, int nout)
{
	spx_uint32_t il = (spx_uint32_t)nin, ol = (spx_uint32_t)nout;

	speex_resampler_process_int(rs, 0, in, &il, out, &ol);
	for (; (int)ol < nout; ol++)
		out[ol] = ol > 0 ? out[ol - 1] : 0;
}

/* 1 when fmtp (a=fmtp parameters, "a=b;c=d") sets name to 0. */
static int
fmtp_off(const char *fmtp, const char *name)
{
	size_t n = strlen(name);
	const char *p = fmtp;

	while (p && *p) {
		p += strspn(p, " ;");
		if (strncasecmp(p, name, n) == 0) {
			const char *v = p + n;

			v += strspn(v, " ");
			if (*v == '=') {
				v++;
				v += strspn(v, " ");
				return *v == '0' && (v[1] == '\0' || v[1] == ';' || v[1] == ' ');
			}
		}
		p += strcspn(p, ";");
	}
	return 0;
}

int
sl_enc_new(const struct sl_codec *c, int rate, int ptime, const char *fmtp,
	   struct sl_enc **out)
{
	struct sl_enc *e;
	int err = 0;

	if (!sl_codec_rate_ok(rate) || (long)rate * ptime % 1000 != 0)
		return EINVAL;
	if ((e = calloc(1, sizeof *e)) == NULL)
		return ENOMEM;
	e->c = c;
	e->frame = sl_codec_samples(c, rate, ptime);
	e->cframe = sl_codec_samples(c, c->rate, ptime);
	if (e->cframe > SL_CODER_MAX || (e->buf = calloc((size_t)e->cframe, sizeof *e->buf)) == NULL)
		goto nomem;
	if (rate != c->rate &&
	    (e->rs = speex_resampler_init(1, (spx_uint32_t)rate, (spx_uint32_t)c->rate,
					  RESAMPLE_QUALITY, &err)) == NULL)
		goto nomem;
	switch (c->kind) {
	case SL_KIND_G722:
		if ((e->g722 = g722_encode_init(NULL, 64000, 0)) == NULL)
			goto nomem;
		break;
	case SL_KIND_OPUS:
		if ((e->opus = opus_encoder_create(c->rate, 1, OPUS_APPLICATION_VOIP, &err)) == NULL)
			goto nomem;
		e->fec = !fmtp_off(fmtp, "useinbandfec");
		opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(e->fec));
		opus_encoder_ctl(e->opus, OPUS_SET_PACKET_LOSS_PERC(e->fec ? OPUS_LOSS_PERC : 0));
		break;
	}
	*out = e;
	return 0;
nomem:
	sl_enc_free(e);
	return ENOMEM;
}

void
sl_enc_free(struct sl_enc *e)
{
	if (e == NULL)
		return;
	if (e->rs)
		speex_resampler_destroy(e->rs);
	if (e->g722)
		g722_encode_free(e->g722);
	if (e->opus)
		opus_encoder_destroy(e->opus);
	free(e->buf);
	free(e);
}

int
sl_enc_fec(const struct sl_enc *e)
{
	return e->fec;
}

int
sl_enc_frame(struct sl_enc *e, const int16_t *pcm, uint8_t *out, size_t max)
{
	const int16_t *in = pcm;
	int n;

	if (e->rs) {
		resample(e->rs, pcm, e->frame, e->buf, e->cframe);
		in = e->buf;
	}
	switch (e->c->kind) {
	case SL_KIND_G711:
		if ((size_t)e->cframe > max)
			return -1;
		e->c->encode(in, out, (size_t)e->cframe);
		return e->cframe;
	case SL_KIND_G722:
		if ((size_t)e->cframe / 2 > max)
			return -1;
		return g722_encode(e->g722, out, in, e->cframe);
	case SL_KIND_OPUS:
		n = opus_encode(e->opus, in, e->cframe, out, (opus_int32)max);
		return n > 0 ? n : -1;
	}
	return -1;
}

int
sl_dec_new(const struct sl_codec *c, int rate, int plc, struct sl_dec **out)
{
	struct sl_dec *d;
	int err = 0;

	if (!sl_codec_rate_ok(rate))
		return EINVAL;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return ENOMEM;
	d->c = c;
	d->rate = rate;
	d->plc = plc;
	d->last = c->rate / 50;
	if (rate != c->rate &&
	    (d->rs = speex_resampler_init(1, (spx_uint32_t)c->rate, (spx_uint32_t)rate,
					  RESAMPLE_QUALITY, &err)) == NULL)
		goto nomem;
	switch (c->kind) {
	case SL_KIND_G722:
		if ((d->g722 = g722_decode_init(NULL, 64000, 0)) == NULL)
			goto nomem;
		/* fall through */
	case SL_KIND_G711:
		if (plc && (d->concealer = plc_init(NULL)) == NULL)
			goto nomem;
		break;
	case SL_KIND_OPUS:
		if ((d->opus = opus_decoder_create(c->rate, 1, &err)) == NULL)
			goto nomem;
		break;
	}
	*out = d;
	return 0;
nomem:
	sl_dec_free(d);
	return ENOMEM;
}

void
sl_dec_free(struct sl_dec *d)
{
	if (d == NULL)
		return;
	if (d->rs)
		speex_resampler_destroy(d->rs);
	if (d->g722)
		g722_decode_free(d->g722);
	if (d->opus)
		opus_decoder_destroy(d->opus);
	if (d->concealer)
		plc_free(d->concealer);
	free(d);
}

/* The k samples of buf at the codec's rate, onto the pipe's: into out
 * (room for max).  Returns the number, or -1 when they do not fit. */
static int
to_pipe(struct sl_dec *d, int k, int16_t *out, size_t max)
{
	int n = (int)((long)k * d->rate / d->c->rate);

	if (n < 0 || (size_t)n > max)
		return -1;
	if (d->rs)
		resample(d->rs, d->buf, k, out, n);
	else
		memcpy(out, d->buf, (size_t)k * sizeof *out);
	return n;
}

int
sl_dec_packet(struct sl_dec *d, const uint8_t *payload, size_t len,
	      int16_t *out, size_t max)
{
	int k;

	if (len == 0)
		return -1;
	switch (d->c->kind) {
	case SL_KIND_G711:
		if (len > SL_CODER_MAX)
			return -1;
		d->c->decode(payload, d->buf, len);
		k = (int)len;
		break;
	case SL_KIND_G722:
		if (len * 2 > SL_CODER_MAX)
			return -1;
		k = g722_decode(d->g722, d->buf, payload, (int)len);
		break;
	case SL_KIND_OPUS:
		k = opus_packet_get_nb_samples(payload, (opus_int32)len, d->c->rate);
		if (k <= 0 || k > SL_CODER_MAX)
			return -1;
		k = opus_decode(d->opus, payload, (opus_int32)len, d->buf, SL_CODER_MAX, 0);
		if (k <= 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (d->concealer)
		plc_rx(d->concealer, d->buf, k);
	d->last = k;
	return to_pipe(d, k, out, max);
}

int
sl_dec_conceal(struct sl_dec *d, const uint8_t *next, size_t nextlen,
	       int16_t *out, size_t n)
{
	int m = (int)((long)n * d->c->rate / d->rate), done = 0, k, step;

	if (!d->plc || m <= 0)
		return 0;
	if (m > SL_CODER_MAX)
		m = SL_CODER_MAX;
	if (d->concealer) {
		plc_fillin(d->concealer, d->buf, m);
		return to_pipe(d, m, out, n);
	}
	/* Opus: its concealment a packet's length at a time, and the frame
	 * just before next from next's in-band FEC when it carries one. */
	while (done < m) {
		step = m - done > d->last ? d->last : m - done;
		if (done + step == m && next && nextlen > 0)
			k = opus_decode(d->opus, next, (opus_int32)nextlen, d->buf + done, step, 1);
		else
			k = opus_decode(d->opus, NULL, 0, d->buf + done, step, 0);
		if (k <= 0)
			break;
		done += k;
	}
	if (done == 0)
		return 0;
	return to_pipe(d, done, out, n);
}
