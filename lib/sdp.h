/* SDP offer/answer for one audio stream: G.711 (PCMU, PCMA) and
 * telephone-event, per RFC 3264. */
#ifndef SIPLINE_SDP_H
#define SIPLINE_SDP_H

#include <stddef.h>

#include "addr.h"

#define SL_PT_PCMU 0
#define SL_PT_PCMA 8
#define SL_PT_DTMF 101          /* the telephone-event PT we offer */
#define SL_SDP_MAX 4096         /* longest SDP body we build */

enum sl_sdp_dir { SL_DIR_SENDRECV, SL_DIR_SENDONLY, SL_DIR_RECVONLY, SL_DIR_INACTIVE };

/* One side's description of the stream, as built or as understood. */
struct sl_sdp_stream {
	struct sl_addr addr;    /* RTP address; len 0 when the peer gave none
				 * usable (0.0.0.0 = on hold) */
	int rtcp_port;          /* a=rtcp, else RTP port + 1 */
	int pts[8];             /* audio codecs in preference order */
	int npts;
	int dtmf_pt;            /* -1: no telephone-event */
	int ptime;              /* ms */
	enum sl_sdp_dir dir;
};

/* Writes an SDP body describing s into buf.  Returns 0 or ENOSPC. */
int sl_sdp_build(const struct sl_sdp_stream *s, unsigned long session_id,
		 unsigned long version, char *buf, size_t size);

/* Parses an SDP body: the first audio stream over RTP/AVP with a non-zero
 * port.  Returns 0, or EINVAL with a short reason in *why (no audio,
 * malformed, absurd port or address). */
int sl_sdp_parse(const char *body, struct sl_sdp_stream *out, const char **why);

/* Picks the first codec of `theirs` that `ours` also has (G.711 only).
 * Returns its payload type, or -1 when none is common. */
int sl_sdp_pick(const struct sl_sdp_stream *theirs, const struct sl_sdp_stream *ours);

/* Our direction for a peer's direction (sendonly -> recvonly...). */
enum sl_sdp_dir sl_sdp_mirror(enum sl_sdp_dir peer);
const char *sl_sdp_dir_name(enum sl_sdp_dir d);
/* "PCMU", "PCMA", or NULL for another payload type. */
const char *sl_sdp_codec_name(int pt);

#endif
