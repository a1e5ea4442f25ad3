/* The incoming side of a call (libre's sipsess/accept.c, reply.c, ack.c):
 * the INVITE and its checks, ringing, the answer or the refusal through
 * the INVITE server transaction, the INVITE again after our 2xx, and the
 * ACK (libosip2 leaves the 2xx and its ACK to us, RFC 3261 §13.3.1.4). */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "message.h"
#include "prack.h"

/* Checks the INVITE's offer (into c->theirs and c->pt).  Returns 0, or
 * 488 when it cannot be taken. */
static int
check_offer(struct sl_call *c, osip_message_t *invite)
{
	osip_body_t *body = NULL;
	struct sl_sdp_stream tmp;
	const char *why = NULL;
	int i, code;

	osip_message_get_body(invite, 0, &body);
	memset(&tmp, 0, sizeof tmp);
	for (i = 0; i < c->cfg.ncodecs; i++)
		sl_sdp_add(&tmp, c->cfg.codecs[i], c->cfg.codecs[i]->pt, NULL);
	if (sl_sdp_parse(body->body, &c->theirs, &why) != 0) {
		sl_warn("refusing call %s: %s", c->call_id, why);
		return 488;
	}
	if ((c->pt = sl_sdp_pick(&c->theirs, &tmp)) < 0) {
		sl_warn("refusing call %s: no codec in common (we take %s)", c->call_id,
			sl_sdp_codec_list(&tmp));
		return 488;
	}
	if ((code = sl_sdp_srtp_take_offer(&c->theirs, c->cfg.srtp, &c->cfg.srtp_suites, &c->srtp_tx,
					   &c->srtp_rx, &why)) != 0) {
		sl_warn("refusing call %s: %s (SRTP %s)", c->call_id, why,
			sl_srtp_mode_name(c->cfg.srtp));
		return code;
	}
	return 0;
}

int
sl_call_incoming(struct sl_call *c, struct sl_server *srv, osip_message_t *invite)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_INVITE };
	osip_body_t *body = NULL;
	struct sl_addr toward;
	int code, err;

	osip_message_get_body(invite, 0, &body);
	ev.sdp_ok = body && body->body && body->length > 0;
	/* Our 1xx go reliably when the caller requires it, or offers it
	 * (RFC 3262 §3). */
	ev.reliable = sl_msg_option(invite, "require", SL_100REL) ||
		      sl_msg_option(invite, "supported", SL_100REL) ||
		      sl_msg_option(invite, "k", SL_100REL);
	sl_call_step(c, &ev);
	/* The first RSeq at random, well below the top (RFC 3262 §3). */
	if (getrandom(&c->fsm.rel.rseq, sizeof c->fsm.rel.rseq, 0) != sizeof c->fsm.rel.rseq)
		c->fsm.rel.rseq = (uint32_t)random();
	c->fsm.rel.rseq %= 1U << 30;
	c->srv = srv;
	if (osip_message_clone(invite, &c->invite_req) != 0 || sl_call_set_id(c, invite) != 0)
		return 500;
	sl_call_uri_text(invite->from->url, c->remote, sizeof c->remote);
	sl_call_uri_text(invite->to->url, c->local, sizeof c->local);
	sl_clean_display_name(c->remote_name, sizeof c->remote_name, invite->from->displayname);
	snprintf(c->from_tag, sizeof c->from_tag, "%s", sl_call_tag(invite->from));
	c->invite_cseq = strtoul(invite->cseq->number, NULL, 10);
	sl_event("incoming from=%s%s%s%s to=%s call-id=%s", c->remote,
		 c->remote_name[0] ? " name=\"" : "", c->remote_name,
		 c->remote_name[0] ? "\"" : "", c->local, c->call_id);
	sl_server_reply(srv, 100);

	/* A Require (420), a body that is not SDP (415) or an Accept without
	 * it (406) was refused by the SIP core already (lib/sip.c). */
	if (ev.sdp_ok && (code = check_offer(c, invite)) != 0)
		return code;
	if ((code = sl_call_timer_take(c, invite)) != 0)
		return code;
	toward = c->theirs.addr.len ? c->theirs.addr : *sl_server_source(srv);
	if ((err = sl_call_media_open(c, &toward)) != 0) {
		sl_warn_err(err, "unable to open RTP sockets");
		return 500;
	}
	return 0;
}

void
sl_call_ring(struct sl_call *c)
{
	sl_call_event(c, SL_CALL_EV_RING);
}

/* Makes r reliable (Require: 100rel, our RSeq) and keeps a copy of it for
 * its retransmissions. */
static void
reliable_1xx(struct sl_call *c, osip_message_t *r)
{
	char buf[16];

	osip_message_set_header(r, "Require", SL_100REL);
	snprintf(buf, sizeof buf, "%lu", (unsigned long)c->fsm.rel.rseq);
	osip_message_set_header(r, "RSeq", buf);
	if (c->prov)
		osip_message_free(c->prov);
	c->prov = NULL;
	osip_message_clone(r, &c->prov);
}

void
sl_call_in_ring(struct sl_call *c, int reliable)
{
	osip_message_t *r;

	if (c->srv == NULL || sl_server_response(c->srv, 180, &r) != 0)
		return;
	sl_call_dialog_contact(c, c->srv, r);
	if (reliable)
		reliable_1xx(c, r);
	sl_server_send(c->srv, r);
	sl_event("ringing call-id=%s", c->call_id);
}

void
sl_call_in_resend_1xx(struct sl_call *c)
{
	osip_message_t *again = NULL;

	if (c->prov && c->srv && osip_message_clone(c->prov, &again) == 0)
		sl_server_send(c->srv, again);
}

void
sl_call_in_prack(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_PRACK };
	uint32_t cseq = 0, was = c->fsm.rel.rseq;
	int64_t waited = c->fsm.rel.interval;
	char method[16];

	if (sl_rack_parse(sl_msg_header(req, "rack"), &ev.rseq, &cseq, method,
			  sizeof method) != 0) {
		sl_warn("PRACK of call %s without a usable RAck: 400", c->call_id);
		sl_server_reply(srv, 400);
		return;
	}
	if (c->fsm.outgoing || cseq != c->invite_cseq || strcmp(method, "INVITE") != 0) {
		sl_server_reply(srv, 481);
		return;
	}
	memset(&c->in, 0, sizeof c->in);
	c->in.srv = srv;
	c->in.msg = req;
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
	if (waited && c->fsm.rel.interval == 0 && ev.rseq == was)
		sl_event("prack rseq=%lu call-id=%s", (unsigned long)ev.rseq, c->call_id);
}

void
sl_call_reject(struct sl_call *c, int code)
{
	sl_call_reject_to(c, code, NULL);
}

void
sl_call_reject_to(struct sl_call *c, int code, const char *contact)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_REJECT, .code = code };

	c->refer_to = contact;
	sl_call_step(c, &ev);
	c->refer_to = NULL;
}

void
sl_call_in_refuse(struct sl_call *c, int code)
{
	osip_message_t *r;
	char to[520];

	if (c->srv == NULL)
		return;
	if (sl_server_response(c->srv, code, &r) == 0) {
		if (code == 488)
			osip_message_set_accept(r, SL_ACCEPT);
		if (code == 422)
			sl_call_timer_min_se(c, r);
		if (c->refer_to) {
			snprintf(to, sizeof to, "<%s>", c->refer_to);
			osip_message_set_contact(r, to);
		}
		sl_server_send(c->srv, r);
	}
	c->srv = NULL;
}

/* ---- the answer and its ACK ---- */

/* Our SDP for the answer (or our offer, when the INVITE had none).
 * Returns 0 or EIO. */
static int
answer_sdp(struct sl_call *c)
{
	if (c->fsm.sdp == SL_CALL_SDP_OFFER_RECEIVED) {
		sl_call_media_ours(c, sl_sdp_mirror(c->theirs.dir));
		sl_sdp_only(&c->ours, &c->theirs, c->pt);
		c->ours.dtmf_pt = c->theirs.dtmf_pt;
		sl_sdp_srtp_answer(&c->ours, &c->theirs, &c->srtp_tx);
	} else {
		sl_call_media_ours(c, SL_DIR_SENDRECV);
		if (sl_sdp_srtp_offer(&c->ours, c->cfg.srtp, &c->cfg.srtp_suites) != 0)
			return EIO;
	}
	return 0;
}

/* Our 2xx to the INVITE, with our answer (or our offer, when the INVITE
 * had none; none when a reliable 183 gave it: RFC 3262 §5), and the
 * dialog it makes.  Returns 0, EIO or ENOMEM. */
static int
make_answer(struct sl_call *c, osip_message_t **out)
{
	osip_message_t *ok;

	if (!c->answered_early && answer_sdp(c) != 0)
		return EIO;
	if (sl_server_response(c->srv, 200, &ok) != 0)
		return ENOMEM;
	sl_call_dialog_contact(c, c->srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	sl_call_timer_2xx(c, ok);
	if ((!c->answered_early && sl_call_sdp_body(c, ok) != 0) ||
	    osip_dialog_init_as_uas(&c->dialog, c->invite_req, ok) != 0) {
		osip_message_free(ok);
		return ENOMEM;
	}
	*out = ok;
	return 0;
}

int
sl_call_early(struct sl_call *c)
{
	if (c->fsm.state != SL_CALL_INCOMING || c->srv == NULL)
		return EALREADY;
	if (c->fsm.sdp != SL_CALL_SDP_OFFER_RECEIVED)
		return EINVAL;
	sl_call_event(c, SL_CALL_EV_EARLY);
	return 0;
}

void
sl_call_in_early(struct sl_call *c, int reliable)
{
	char a[SL_ADDR_STRLEN];
	osip_message_t *r;

	if (c->srv == NULL || answer_sdp(c) != 0 || sl_server_response(c->srv, 183, &r) != 0)
		return;
	sl_call_dialog_contact(c, c->srv, r);
	if (sl_call_sdp_body(c, r) != 0) {
		osip_message_free(r);
		return;
	}
	if (reliable)
		reliable_1xx(c, r);
	c->answered_early = reliable;
	sl_server_send(c->srv, r);
	sl_event("early-media codec=%s rtp=%s%s call-id=%s",
		 sl_sdp_codec_name(&c->theirs, c->pt), sl_call_peer_rtp(c, a),
		 sl_call_srtp_word(c), c->call_id);
}

void
sl_call_answer(struct sl_call *c)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_ANSWER, .cseq = c->invite_cseq };

	if (c->fsm.state != SL_CALL_INCOMING || c->srv == NULL)
		return;
	if (make_answer(c, &c->answer) != 0) {
		sl_call_reject(c, 500);
		return;
	}
	sl_call_timer_ev(c, &ev);
	ev.update_ok = sl_call_allows_update(c->invite_req);
	sl_call_step(c, &ev);
}

void
sl_call_in_answer(struct sl_call *c)
{
	osip_message_t *ok = c->answer;

	c->answer = NULL;
	if (ok == NULL || c->srv == NULL)
		return;
	c->answered_at = sl_now_ms();
	/* The 200 to the PRACK this answer waited for leaves first. */
	if (c->fsm.rel.reliable)
		sl_sip_flush(c->sip);
	sl_call_dialog_send_2xx(c, c->srv, ok);
	c->srv = NULL;      /* the transaction ended with the 2xx */
}

int
sl_call_retransmission(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_INVITE_AGAIN };

	if (!MSG_IS_INVITE(req) || c->fsm.outgoing || sl_call_tag(req->to)[0] ||
	    !sl_call_same_id(c, req) || strcmp(sl_call_tag(req->from), c->from_tag) != 0)
		return 0;
	ev.cseq = strtoul(req->cseq->number, NULL, 10);
	if (ev.cseq != c->invite_cseq)
		return 0;
	/* A new server transaction was made for it; it ends with the same
	 * 2xx, which is what the caller is waiting for. */
	c->in.srv = srv;
	c->answered_again = 0;
	sl_call_step(c, &ev);
	c->in.srv = NULL;
	return c->answered_again;
}

void
sl_call_in_2xx_again(struct sl_call *c)
{
	osip_message_t *again = NULL;

	c->answered_again = 1;
	if (c->ok && c->in.srv && osip_message_clone(c->ok, &again) == 0)
		sl_server_send(c->in.srv, again);
}

void
sl_call_in_ack(struct sl_call *c, osip_message_t *ack)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_ACK };

	ev.cseq = strtoul(ack->cseq->number, NULL, 10);
	/* The answer to the offer in our 2xx, when the INVITE had none. */
	ev.sdp_ok = sl_call_sdp_answer(c, ack);
	sl_call_step(c, &ev);
}
