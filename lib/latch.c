/* Symmetric RTP: the latching rule of latch.h. */
#include "latch.h"

#include <string.h>

void
sl_latch_init(struct sl_latch *l, const struct sl_addr *sdp, int pt, int recv_pt,
	      int64_t now)
{
	memset(l, 0, sizeof *l);
	l->state = SL_LATCH_OPEN;
	l->pt = pt;
	l->recv_pt = recv_pt;
	l->sdp = *sdp;
	l->peer = *sdp;
	l->until = now + SL_LATCH_WINDOW_NS;
}

enum sl_latch_verdict
sl_latch_packet(struct sl_latch *l, const struct sl_addr *from,
		const struct sl_rtp_packet *p, int64_t now)
{
	if (l->state == SL_LATCH_DONE || now >= l->until)
		return sl_addr_equal(from, &l->peer) ? SL_LATCH_PLAY : SL_LATCH_DROP;
	if (p->pt == l->pt || p->pt == l->recv_pt) {
		if (l->count > 0 && sl_addr_equal(from, &l->cand) &&
		    p->ssrc == l->cand_ssrc && p->seq == (uint16_t)(l->cand_seq + 1)) {
			l->count++;
		} else {
			l->cand = *from;
			l->cand_ssrc = p->ssrc;
			l->count = 1;
		}
		l->cand_seq = p->seq;
		if (l->count >= SL_LATCH_PACKETS) {
			l->state = SL_LATCH_DONE;
			l->peer = *from;
			return SL_LATCH_LATCHED;
		}
	}
	return sl_addr_equal(from, &l->sdp) ? SL_LATCH_PLAY : SL_LATCH_DROP;
}

int
sl_latch_expired(struct sl_latch *l, int64_t now)
{
	if (l->state != SL_LATCH_OPEN || now < l->until)
		return 0;
	l->state = SL_LATCH_DONE;
	l->peer = l->sdp;
	return 1;
}
