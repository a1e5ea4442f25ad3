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

/* One side's description of the stream, as built or as understood. */
struct sl_sdp_stream {
	struct sl_addr addr;    /* RTP address; len 0 when the peer gave none
				 * usable (0.0.0.0 = on hold) */
	int rtcp_port;          /* a=rtcp, else RTP port + 1 */
	int pts[SL_SDP_CODECS]; /* audio codecs in preference order */
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

/* Picks the first codec of `theirs` that `ours` also has (codecs of the
 * table only).  Returns its payload type, or -1 when none is common. */
int sl_sdp_pick(const struct sl_sdp_stream *theirs, const struct sl_sdp_stream *ours);

/* Our direction for a peer's direction (sendonly -> recvonly...). */
int sl_sdp_mirror(int peer_dir);
/* The codec's name for a payload type of the table ("PCMU"), or NULL. */
const char *sl_sdp_codec_name(int pt);
/* The names of a stream's codecs, "PCMU, PCMA" (a static buffer). */
const char *sl_sdp_codec_list(const struct sl_sdp_stream *s);

#endif
