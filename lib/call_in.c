/* The incoming side of a call (libre's sipsess/accept.c, reply.c, ack.c):
 * the INVITE and its checks, ringing, the answer or the refusal through
 * the INVITE server transaction, the INVITE again after our 2xx, and the
 * ACK (libosip2 leaves the 2xx and its ACK to us, RFC 3261 §13.3.1.4). */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "message.h"

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
	sl_call_step(c, &ev);
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

void
sl_call_in_ring(struct sl_call *c)
{
	osip_message_t *r;

	if (c->srv == NULL || sl_server_response(c->srv, 180, &r) != 0)
		return;
	sl_call_dialog_contact(c, c->srv, r);
	sl_server_send(c->srv, r);
	sl_event("ringing call-id=%s", c->call_id);
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
		if (c->refer_to) {
			snprintf(to, sizeof to, "<%s>", c->refer_to);
			osip_message_set_contact(r, to);
		}
		sl_server_send(c->srv, r);
	}
	c->srv = NULL;
}

/* ---- the answer and its ACK ---- */

/* Our 2xx to the INVITE, with our answer (or our offer, when the INVITE
 * had none), and the dialog it makes.  Returns 0 or ENOMEM. */
static int
make_answer(struct sl_call *c, osip_message_t **out)
{
	osip_message_t *ok;

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
	if (sl_server_response(c->srv, 200, &ok) != 0)
		return ENOMEM;
	sl_call_dialog_contact(c, c->srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	if (sl_call_sdp_body(c, ok) != 0 ||
	    osip_dialog_init_as_uas(&c->dialog, c->invite_req, ok) != 0) {
		osip_message_free(ok);
		return ENOMEM;
	}
	*out = ok;
	return 0;
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
