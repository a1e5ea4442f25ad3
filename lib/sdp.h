/* SDP offer/answer for one audio stream: the codecs of the table
 * (codec.h) and telephone-event, per RFC 3264. */
#ifndef SIPLINE_SDP_H
#define SIPLINE_SDP_H

#include <stddef.h>

#include "addr.h"
#include "codec.h"
#include "handoff.h"    /* enum sl_media_dir */
#include "sdes.h"

#define SL_PT_DTMF 101          /* the telephone-event PT we offer */
#define SL_SDP_MAX 4096         /* longest SDP body we build */
#define SL_SDP_CODECS 8         /* codecs of a stream we keep */
#define SL_SDP_FMTP 128         /* an fmtp's parameters we keep, bytes */
#define SL_SDP_CRYPTO 4         /* usable a=crypto lines of a stream we keep */

/* One side's description of the stream, as built or as understood. */
struct sl_sdp_stream {
	struct sl_addr addr;    /* RTP address; len 0 when the peer gave none
				 * usable (0.0.0.0 = on hold) */
	int rtcp_port;          /* a=rtcp, else RTP port + 1 */
	int pts[SL_SDP_CODECS]; /* audio codecs in preference order: the
				 * numbers of this description, */
	const struct sl_codec *codecs[SL_SDP_CODECS];  /* their codecs */
	char fmtp[SL_SDP_CODECS][SL_SDP_FMTP];        /* and a=fmtp, "" none */
	int npts;
	int dtmf_pt;            /* -1: no telephone-event */
	int ptime;              /* ms */
	int dir;                /* enum sl_media_dir */
	/* SRTP keyed by SDES (RFC 4568): */
	int savp;               /* the profile is RTP/SAVP, not RTP/AVP */
	struct sl_sdes crypto[SL_SDP_CRYPTO]; /* the a=crypto lines we can
					 * use, in their order (ours: those
					 * we write) */
	int ncrypto;
	int crypto_lines;       /* a=crypto lines seen, usable or not */
	const char *crypto_bad; /* why the first malformed one is, NULL none */
};

/* Writes an SDP body describing s into buf.  Returns 0 or ENOSPC. */
int sl_sdp_build(const struct sl_sdp_stream *s, unsigned long session_id,
		 unsigned long version, char *buf, size_t size);

/* Parses an SDP body: the first audio stream over RTP/AVP or RTP/SAVP
 * with a non-zero port, with its a=crypto lines.  Returns 0, or EINVAL with a short reason in *why (no audio,
 * malformed, absurd port or address). */
int sl_sdp_parse(const char *body, struct sl_sdp_stream *out, const char **why);

/* Appends codec c as payload type pt (with its fmtp, NULL none) to s.
 * Returns 0, or ENOSPC when s is full. */
int sl_sdp_add(struct sl_sdp_stream *s, const struct sl_codec *c, int pt,
	       const char *fmtp);
/* Picks the first codec of `ours`, in our order, that `theirs` also has
 * (by rtpmap, whatever number each side gives it).  Returns its payload
 * type in `theirs`, or -1 when none is common. */
int sl_sdp_pick(const struct sl_sdp_stream *theirs, const struct sl_sdp_stream *ours);
/* The codec of payload type pt in s, or NULL; its fmtp ("" none). */
const struct sl_codec *sl_sdp_codec(const struct sl_sdp_stream *s, int pt);
const char *sl_sdp_fmtp(const struct sl_sdp_stream *s, int pt);
/* The payload type codec c has in s, or -1 when s has it not. */
int sl_sdp_pt(const struct sl_sdp_stream *s, const struct sl_codec *c);
/* Makes ours the one codec that payload type pt is in theirs (an
 * answer, or the codec a call keeps), with our fmtp for it. */
void sl_sdp_only(struct sl_sdp_stream *ours, const struct sl_sdp_stream *theirs, int pt);

/* Our direction for a peer's direction (sendonly -> recvonly...). */
int sl_sdp_mirror(int peer_dir);
/* The codec's name for payload type pt of s ("PCMU"), or NULL. */
const char *sl_sdp_codec_name(const struct sl_sdp_stream *s, int pt);
/* The names of a stream's codecs, "PCMU, PCMA" (a static buffer). */
const char *sl_sdp_codec_list(const struct sl_sdp_stream *s);

/* SRTP offer/answer (RFC 4568), for a call in mode (enum sl_srtp_mode).
 * A key suite SL_SRTP_OFF means plain RTP. */

/* Makes s an offer: fresh keys for the suites (tags 1, 2... in their order;
 * by default _80 then _32) unless mode is off, over RTP/SAVP when it is mandatory (RTP/AVP with
 * keys when optional: best-effort SRTP, as baresip's "srtp" does).
 * Returns 0, or EIO when no random key could be had. */
int sl_sdp_srtp_offer(struct sl_sdp_stream *s, int mode, const struct sl_srtp_suites *suites);

/* Takes the peer's offer: *rx the first of its keys of a suite we take (suite
 * OFF: plain RTP), *tx a fresh key of ours for the answer, of the same
 * suite and tag.  Returns 0; 488 with the reason in *why when the offer
 * cannot be taken (RTP/SAVP while SRTP is off, no usable key where one is
 * needed, a malformed a=crypto line); 500 when no random key could be
 * had. */
int sl_sdp_srtp_take_offer(const struct sl_sdp_stream *offer, int mode,
			   const struct sl_srtp_suites *suites, struct sl_sdes *tx, struct sl_sdes *rx, const char **why);

/* Makes ours the answer to offer that keys tx says: its profile, and our
 * one a=crypto line (none for plain RTP). */
void sl_sdp_srtp_answer(struct sl_sdp_stream *ours, const struct sl_sdp_stream *offer,
			const struct sl_sdes *tx);

/* Checks the peer's answer to our offer ours: *tx our key it took, *rx
 * its own.  Returns 0, or EINVAL with the reason in *why (no usable key
 * while SRTP is mandatory, a key for a line we never offered, RTP/SAVP to
 * a plain offer). */
int sl_sdp_srtp_check_answer(const struct sl_sdp_stream *ours,
			     const struct sl_sdp_stream *answer, int mode,
			     struct sl_sdes *tx, struct sl_sdes *rx, const char **why);

#endif
