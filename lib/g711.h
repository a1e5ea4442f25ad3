/* G.711 µ-law (PCMU) and A-law (PCMA) per ITU-T G.711, the way the
 * reference implementation of ITU-T G.191 maps 16-bit linear samples. */
#ifndef SIPLINE_G711_H
#define SIPLINE_G711_H

#include <stddef.h>
#include <stdint.h>

/* The static RTP payload types of the two laws (RFC 3551). */
enum { SL_PT_PCMU = 0, SL_PT_PCMA = 8 };

uint8_t sl_ulaw_encode(int16_t x);
int16_t sl_ulaw_decode(uint8_t c);
uint8_t sl_alaw_encode(int16_t x);
int16_t sl_alaw_decode(uint8_t c);

/* The code of digital silence (a linear 0) in each law. */
#define SL_ULAW_SILENCE 0xFF
#define SL_ALAW_SILENCE 0xD5

/* Buffer versions for payload type pt (SL_PT_PCMU or SL_PT_PCMA). */
void sl_g711_encode(int pt, const int16_t *in, uint8_t *out, size_t n);
void sl_g711_decode(int pt, const uint8_t *in, int16_t *out, size_t n);
/* Re-encodes n codes of law from_pt into law to_pt (in place allowed). */
void sl_g711_transcode(int from_pt, int to_pt, const uint8_t *in,
		       uint8_t *out, size_t n);
uint8_t sl_g711_silence(int pt);

#endif
