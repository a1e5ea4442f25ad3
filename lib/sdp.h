/* SDP offer/answer for one audio stream: the codecs of the table
 * (codec.h) and telephone-event, per RFC 3264. */
#ifndef SIPLINE_SDP_H
#define SIPLINE_SDP_H

#include <stddef.h>

#include "addr.h"
#include "codec.h"
#include "handoff.h"    /* enum sl_media_dir */

#define SL_PT_DTMF 101          /* the telephone-event PT we offer */
#define SL_SDP_MAX 4096         /* longest SDP body we build */
#define SL_SDP_CODECS 8         /* codecs of a stream we keep */
#define SL_SDP_FMTP 128         /* an fmtp's parameters we keep, bytes */

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
};

/* Writes an SDP body describing s into buf.  Returns 0 or ENOSPC. */
int sl_sdp_build(const struct sl_sdp_stream *s, unsigned long session_id,
		 unsigned long version, char *buf, size_t size);

/* Parses an SDP body: the first audio stream over RTP/AVP with a non-zero
 * port.  Returns 0, or EINVAL with a short reason in *why (no audio,
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
/* Makes ours the one codec that payload type pt is in theirs (an
 * answer, or the codec a call keeps), with our fmtp for it. */
void sl_sdp_only(struct sl_sdp_stream *ours, const struct sl_sdp_stream *theirs, int pt);

/* Our direction for a peer's direction (sendonly -> recvonly...). */
int sl_sdp_mirror(int peer_dir);
/* The codec's name for payload type pt of s ("PCMU"), or NULL. */
const char *sl_sdp_codec_name(const struct sl_sdp_stream *s, int pt);
/* The names of a stream's codecs, "PCMU, PCMA" (a static buffer). */
const char *sl_sdp_codec_list(const struct sl_sdp_stream *s);

#endif
