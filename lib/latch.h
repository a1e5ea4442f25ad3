/* Symmetric RTP (comedia): which source the media takes as the peer's.
 * Behind NAT the address in a peer's SDP is not where its RTP comes from,
 * nor where ours must go.  The rule (sipline(7), SYMMETRIC RTP):
 *   - until it latches, the media sends to the SDP address and plays only
 *     what comes from it;
 *   - it latches, once, to the first source from which LATCH_PACKETS
 *     packets of the negotiated payload type arrive in sequence (one
 *     SSRC, sequence numbers one apart), the SDP address included (then
 *     latching only confirms it);
 *   - it latches only in the first LATCH_WINDOW after the media starts;
 *     without a latch by then it stays with the SDP address;
 *   - once latched (or the window over), the socket is connected: nothing
 *     from elsewhere is heard, and it never moves again (but for a
 *     re-INVITE that moves the media).
 * A function of packets and time with no sockets. */
#ifndef SIPLINE_LATCH_H
#define SIPLINE_LATCH_H

#include <stdint.h>

#include "addr.h"
#include "rtp.h"

#define SL_LATCH_PACKETS   3
#define SL_LATCH_WINDOW_NS 10000000000LL

enum sl_latch_state {
	SL_LATCH_OPEN,          /* still listening to every source */
	SL_LATCH_DONE,          /* latched, or the window is over */
};

struct sl_latch {
	int state;
	int pt, recv_pt;        /* the negotiated audio payload type: the
				 * peer's number and ours (RFC 3264 5.1) */
	struct sl_addr sdp;     /* the address in the peer's SDP */
	struct sl_addr peer;    /* the one taken (the SDP's until latched) */
	int64_t until;          /* the end of the window */
	struct sl_addr cand;    /* the source counting up */
	uint32_t cand_ssrc;
	uint16_t cand_seq;
	int count;
};

/* Opens the window at now; packets of payload type pt or recv_pt count. */
void sl_latch_init(struct sl_latch *l, const struct sl_addr *sdp, int pt, int recv_pt,
		   int64_t now);

enum sl_latch_verdict {
	SL_LATCH_DROP,          /* not from the peer: ignore it */
	SL_LATCH_PLAY,          /* from the peer */
	SL_LATCH_LATCHED,       /* from the peer, which it has just become:
				 * connect to l->peer */
};

/* An RTP packet from `from` at now. */
enum sl_latch_verdict sl_latch_packet(struct sl_latch *l, const struct sl_addr *from,
				      const struct sl_rtp_packet *p, int64_t now);
/* 1 when the window has just closed without a latch (at now): connect to
 * l->peer, the SDP address. */
int sl_latch_expired(struct sl_latch *l, int64_t now);

#endif
