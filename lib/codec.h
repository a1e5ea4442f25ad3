/* The codecs sipline knows, one row each: what SDP, RTP, the hand-off and
 * the tools need to know about a codec's identity.  Adding a codec's
 * identity is adding a row to the table in codec.c; its coding lives in
 * coder.c. */
#ifndef SIPLINE_CODEC_H
#define SIPLINE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* How a codec codes (coder.c). */
enum sl_codec_kind {
	SL_KIND_G711,           /* stateless, a byte a sample */
	SL_KIND_G722,           /* ITU-T G.722 64 kbit/s, libspandsp */
	SL_KIND_OPUS,           /* RFC 6716 / RFC 7587, libopus */
};

struct sl_codec {
	const char *name;       /* encoding name: SDP rtpmap, RTP_CODEC, -c (any case) */
	int pt;                 /* payload type: the static one (RFC 3551), or
				 * the dynamic one we offer (dynamic: >= 96) */
	int clock_rate;         /* RTP timestamp clock, Hz (rtpmap) */
	const char *rtpmap;     /* the rtpmap's encoding, "opus/48000/2" */
	int rate;               /* samples per second the codec codes */
	int pipe_rate;          /* the default rate of the raw audio on the
				 * pipe (stdin, stdout): the codec's */
	int ptime_min, ptime_max; /* packet times taken, ms */
	int ptime_default;      /* the packet time offered, ms */
	int ptime_step;         /* a packet time is a multiple of this, ms */
	int kind;               /* enum sl_codec_kind */
	const char *fmtp;       /* the a=fmtp we offer and answer, NULL none */
	int offered;            /* in the default list (SIP_CODECS unset) */
	/* Stateless sample codecs (G.711): n samples <-> n bytes. */
	void (*encode)(const int16_t *in, uint8_t *out, size_t n);
	void (*decode)(const uint8_t *in, int16_t *out, size_t n);
	uint8_t silence;        /* the code of a linear 0 */
};

/* The table, ended by a row with name NULL. */
extern const struct sl_codec sl_codecs[];

/* Comfort noise (RFC 3389): the static payload type we take. */
#define SL_PT_CN 13

/* The codec of an encoding name, in any case ("pcmu"); NULL when unknown. */
const struct sl_codec *sl_codec_by_name(const char *name);
/* The codec of a static payload type, or of the dynamic one we offer;
 * NULL when none. */
const struct sl_codec *sl_codec_by_pt(int pt);
/* The codec an rtpmap value's encoding names ("G722/8000", "opus/48000/2",
 * any case; the channels of opus may be left out); NULL when none. */
const struct sl_codec *sl_codec_by_rtpmap(const char *encoding);
/* The lower-case names of the table joined for messages: "pcmu or pcma". */
const char *sl_codec_names(void);
/* Parses the value of a codec option (--codec) into its codec: exits 100
 * with "prog: fatal: OPT: NAME is not pcmu or pcma" when unknown. */
const struct sl_codec *sl_codec_option(const char *opt, const char *name);
/* Parses an ordered list ("opus,g722,pcmu", commas or spaces) into out
 * (at most max).  Returns the number of codecs, or -1 with the unknown or
 * repeated name in *bad (a static buffer) when one is wrong, or the list
 * is empty. */
int sl_codec_list(const char *list, const struct sl_codec **out, int max,
		  const char **bad);
/* The default list: the codecs the table marks offered, in its order. */
int sl_codec_defaults(const struct sl_codec **out, int max);

/* Samples on a pipe of rate Hz, and timestamp units, of ptime ms. */
int sl_codec_samples(const struct sl_codec *c, int rate, int ptime);
int sl_codec_ticks(const struct sl_codec *c, int ptime);
/* 1 when ptime (ms) is a packet time the codec takes. */
int sl_codec_ptime_ok(const struct sl_codec *c, int ptime);
/* 1 when rate is a pipe rate the media tools take: 8000 to 192000 Hz, a
 * multiple of 100 (every packet time a whole number of samples). */
int sl_codec_rate_ok(int rate);

#endif
