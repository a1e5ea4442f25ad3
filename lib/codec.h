/* The codecs sipline knows, one row each: what SDP, RTP, the hand-off and
 * the tools need to know about a codec's identity.  Adding a codec's
 * identity is adding a row to the table in codec.c. */
#ifndef SIPLINE_CODEC_H
#define SIPLINE_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct sl_codec {
	const char *name;       /* encoding name: SDP rtpmap, RTP_CODEC, -c (any case) */
	int pt;                 /* payload type: the static one (RFC 3551), or
				 * the dynamic one we offer */
	int clock_rate;         /* RTP timestamp clock, Hz (rtpmap) */
	int pipe_rate;          /* samples per second of the raw audio on the pipe
				 * (stdin, stdout): a multiple of clock_rate */
	int ptime_min, ptime_max; /* packet times taken, ms */
	int ptime_default;      /* the packet time offered, ms */
	int ptime_step;         /* a packet time is a multiple of this, ms */
	/* Stateless sample codecs (G.711): n samples <-> n bytes. */
	void (*encode)(const int16_t *in, uint8_t *out, size_t n);
	void (*decode)(const uint8_t *in, int16_t *out, size_t n);
	uint8_t silence;        /* the code of a linear 0 */
};

/* The table, in our order of preference, ended by a row with name NULL. */
extern const struct sl_codec sl_codecs[];

/* The codec of an encoding name, in any case ("pcmu"); NULL when unknown. */
const struct sl_codec *sl_codec_by_name(const char *name);
/* The codec of a static payload type; NULL when none. */
const struct sl_codec *sl_codec_by_pt(int pt);
/* The lower-case names of the table joined for messages: "pcmu or pcma". */
const char *sl_codec_names(void);
/* Parses the value of a codec option (--codec) into its codec: exits 100
 * with "prog: fatal: OPT: NAME is not pcmu or pcma" when unknown. */
const struct sl_codec *sl_codec_option(const char *opt, const char *name);

/* Samples on the pipe, and timestamp units, of a packet of ptime ms. */
int sl_codec_samples(const struct sl_codec *c, int ptime);
int sl_codec_ticks(const struct sl_codec *c, int ptime);
/* 1 when ptime (ms) is a packet time the codec takes. */
int sl_codec_ptime_ok(const struct sl_codec *c, int ptime);

#endif
