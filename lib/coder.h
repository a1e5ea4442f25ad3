/* A stream's coding state, for the codecs of codec.h's table: an encoder
 * from the pipe's raw audio to payloads, and a decoder from payloads (and
 * from their absence: loss concealment) to the pipe's raw audio.  Where the
 * pipe's rate differs from the rate the codec codes, speexdsp resamples
 * between them. */
#ifndef SIPLINE_CODER_H
#define SIPLINE_CODER_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* Samples of the codec's rate one packet holds at most (120 ms at 48 kHz,
 * the longest Opus packet). */
#define SL_CODER_MAX 5760

struct sl_enc;
struct sl_dec;

/* An encoder of frames of ptime ms on a pipe of rate Hz; fmtp is the
 * peer's a=fmtp for the codec (NULL: none): Opus sends in-band FEC unless
 * the peer says useinbandfec=0.  Returns 0, EINVAL (a rate or packet time
 * that gives no whole frame) or ENOMEM. */
int sl_enc_new(const struct sl_codec *c, int rate, int ptime, const char *fmtp,
	       struct sl_enc **out);
void sl_enc_free(struct sl_enc *e);
/* Encodes one frame (the samples of ptime ms on the pipe) into out (room
 * for max bytes).  Returns the payload's length, or -1. */
int sl_enc_frame(struct sl_enc *e, const int16_t *pcm, uint8_t *out, size_t max);
/* 1 when Opus in-band FEC is on (for tests and debug lines). */
int sl_enc_fec(const struct sl_enc *e);

/* A decoder to a pipe of rate Hz; plc 0: lost audio stays silent.
 * Returns 0, EINVAL or ENOMEM. */
int sl_dec_new(const struct sl_codec *c, int rate, int plc, struct sl_dec **out);
void sl_dec_free(struct sl_dec *d);
/* Decodes a payload into out (room for max samples of the pipe).  Returns
 * the number of samples, or -1 when the payload is no audio of the codec
 * (garbage, too long): the caller counts it as bad. */
int sl_dec_packet(struct sl_dec *d, const uint8_t *payload, size_t len,
		  int16_t *out, size_t max);
/* Conceals n samples of the pipe that were lost: Opus's own concealment,
 * or its in-band FEC from next (the payload that follows the loss; NULL:
 * none); spandsp's for G.711 and G.722.  Returns the number of samples
 * written to out (at most n; 0 without concealment). */
int sl_dec_conceal(struct sl_dec *d, const uint8_t *next, size_t nextlen,
		   int16_t *out, size_t n);

#endif
