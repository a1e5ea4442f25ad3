/* G.711 companding: 16-bit linear <-> 8-bit µ-law / A-law.  Negative
 * samples are taken in one's complement before the magnitude is cut to 14
 * (µ) or 13 (A) bits, as ITU-T G.191's reference code does, so that every
 * code decodes to the centre of its interval and re-encodes to itself. */
#include "g711.h"

/* µ-law: magnitude m in 14 bits plus the bias 33, then segment e is the
 * position of its highest bit above bit 5, the mantissa the next 4 bits. */
uint8_t
sl_ulaw_encode(int16_t x)
{
	int m = x < 0 ? (~x) >> 2 : x >> 2;
	int e = 0;
	uint8_t code;

	m += 33;
	if (m > 0x1FFF)
		m = 0x1FFF;
	while (e < 7 && (m >> (e + 6)) != 0)
		e++;
	code = (uint8_t)((e << 4) | ((m >> (e + 1)) & 0x0F));
	code = (uint8_t)~code;
	return x < 0 ? (uint8_t)(code & 0x7F) : code;
}

int16_t
sl_ulaw_decode(uint8_t c)
{
	int v = (uint8_t)~c;
	int e = (v >> 4) & 7;
	int step = 4 << (e + 1);
	int mag = (0x80 << e) + step * (v & 0x0F) + step / 2 - 4 * 33;

	return (int16_t)(c & 0x80 ? mag : -mag);
}

/* A-law: magnitude in 12 bits (16-bit >> 4); segment 0 is linear, each
 * further segment halves the resolution. */
uint8_t
sl_alaw_encode(int16_t x)
{
	int m = x < 0 ? (~x) >> 4 : x >> 4;
	int e = 1;

	if (m > 15) {
		while (m > 16 + 15) {
			m >>= 1;
			e++;
		}
		m = (m - 16) | (e << 4);
	}
	if (x >= 0)
		m |= 0x80;
	return (uint8_t)(m ^ 0x55);
}

int16_t
sl_alaw_decode(uint8_t c)
{
	int v = (c ^ 0x55) & 0x7F;
	int e = v >> 4;
	int mag = v & 0x0F;

	if (e > 0)
		mag += 16;
	mag = (mag << 4) + 8;
	if (e > 1)
		mag <<= e - 1;
	return (int16_t)(c & 0x80 ? mag : -mag);
}

uint8_t
sl_g711_silence(int pt)
{
	return pt == SL_PT_PCMA ? SL_ALAW_SILENCE : SL_ULAW_SILENCE;
}

void
sl_g711_encode(int pt, const int16_t *in, uint8_t *out, size_t n)
{
	size_t i;

	if (pt == SL_PT_PCMA)
		for (i = 0; i < n; i++)
			out[i] = sl_alaw_encode(in[i]);
	else
		for (i = 0; i < n; i++)
			out[i] = sl_ulaw_encode(in[i]);
}

void
sl_g711_decode(int pt, const uint8_t *in, int16_t *out, size_t n)
{
	static int16_t ulaw[256], alaw[256];
	static int ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			ulaw[i] = sl_ulaw_decode((uint8_t)i);
			alaw[i] = sl_alaw_decode((uint8_t)i);
		}
		ready = 1;
	}
	if (pt == SL_PT_PCMA)
		for (i = 0; i < n; i++)
			out[i] = alaw[in[i]];
	else
		for (i = 0; i < n; i++)
			out[i] = ulaw[in[i]];
}

void
sl_g711_transcode(int from_pt, int to_pt, const uint8_t *in, uint8_t *out,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int16_t s = from_pt == SL_PT_PCMA ? sl_alaw_decode(in[i])
						  : sl_ulaw_decode(in[i]);
		out[i] = to_pt == SL_PT_PCMA ? sl_alaw_encode(s)
					     : sl_ulaw_encode(s);
	}
}
