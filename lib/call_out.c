/* The outgoing side of a call (libre's sipsess/connect.c): the INVITE and
 * its responses, redirection to the targets of a 3xx, CANCEL, and the ACK
 * of the 2xx, which libosip2 leaves to us (RFC 3261 §13.2.2.4). */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prack.h"

static void on_invite_response(struct sl_client *cl, osip_message_t *resp,
			       int err, void *arg);

int
sl_call_dial(struct sl_call *c, const char *uri, double timeout)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_DIAL };
	osip_message_t *inv;
	struct sl_addr dst;
	int err;

	c->timeout = timeout;
	if ((err = sl_sip_new_request(c->sip, "INVITE", uri, NULL, &inv)) != 0)
		return err;
	if ((err = sl_sip_destination(c->sip, inv, &dst)) != 0 ||
	    (err = sl_call_media_open(c, &dst)) != 0) {
		osip_message_free(inv);
		return err;
	}
	sl_call_media_ours(c, SL_DIR_SENDRECV);
	if ((err = sl_sdp_srtp_offer(&c->ours, c->cfg.srtp, &c->cfg.srtp_suites)) != 0 ||
	    (err = sl_call_sdp_body(c, inv)) != 0 || (err = sl_call_set_id(c, inv)) != 0) {
		osip_message_free(inv);
		return err;
	}
	osip_message_set_allow(inv, SL_ALLOW);
	sl_call_timer_request(c, inv);
	sl_call_uri_text(inv->to->url, c->remote, sizeof c->remote);
	sl_call_uri_text(inv->from->url, c->local, sizeof c->local);
	if ((err = sl_redirect_init(&c->redir, uri)) != 0) {
		osip_message_free(inv);
		return err;
	}
	if ((err = sl_sip_send(c->sip, inv, on_invite_response, c, &c->invite)) != 0)
		return err;
	/* Before any provisional response, timer B is the bound; it must not
	 * outlast what the user allowed. */
	if (timeout > 0 && timeout < 32)
		sl_client_set_timeout(c->invite, (int)(timeout * 1000));
	ev.ms = timeout > 0 ? (int64_t)(timeout * 1000) : 0;
	sl_call_step(c, &ev);
	return 0;
}

void
sl_call_take_in(struct sl_call *c, struct sl_client *cl, osip_message_t *resp, int err)
{
	char line[160];

	memset(&c->in, 0, sizeof c->in);
	c->in.cl = cl;
	c->in.msg = resp;
	c->in.err = err;
	if (resp) {
		sl_status_line(resp, line, sizeof line);
		sl_call_clean(c->in.status, sizeof c->in.status, line);
		c->in.auth = sl_client_auth_failure(cl, resp->status_code);
	}
}

/* Makes the dialog of a 2xx; 1 when it could. */
static int
make_dialog(struct sl_call *c, struct sl_client *cl, osip_message_t *resp)
{
	if (osip_dialog_init_as_uac(&c->dialog, resp) != 0)
		return 0;
	unsigned long n = strtoul(sl_client_request(cl)->cseq->number, NULL, 10);

	/* Past our PRACKs' CSeqs too: they were in this dialog. */
	if (c->cseq < n)
		c->cseq = n;
	c->answered_at = sl_now_ms();
	return 1;
}

/* The RSeq of a reliable provisional response (RFC 3262 §4), or 0. */
static uint32_t
reliable(struct sl_call *c, osip_message_t *resp)
{
	uint32_t rseq = 0;

	if (resp->status_code <= 100 || !sl_msg_option(resp, "require", SL_100REL))
		return 0;
	if (sl_rseq_parse(sl_msg_header(resp, "rseq"), &rseq) != 0) {
		sl_warn("%s requires 100rel without a usable RSeq: not PRACKed", c->in.status);
		return 0;
	}
	return rseq;
}

/* A 2xx after a reliable 1xx that carried the answer: that answer
 * stands (into c->peer), as an UPDATE in the early dialog may have
 * changed it since; SDP in the 2xx is ignored (RFC 3261 §13.2.1, RFC
 * 3262 §5).  1 when there is one. */
static int
early_answer(struct sl_call *c)
{
	if (!c->early_given)
		return 0;
	c->peer = c->early;
	c->peer_pt = c->early_pt;
	c->peer_tx = c->early_tx;
	c->peer_rx = c->early_rx;
	c->peer_why = NULL;
	return 1;
}

static void
on_invite_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	struct sl_call_ev ev = { 0 };

	sl_call_take_in(c, cl, resp, err);
	if (resp && resp->status_code < 200) {
		ev.type = SL_CALL_EV_PROVISIONAL;
		ev.code = resp->status_code;
		ev.sdp_ok = sl_call_sdp_answer(c, resp) && c->peer.addr.len != 0;
		ev.rseq = reliable(c, resp);
		sl_call_step(c, &ev);
		/* A reliable 1xx's answer is the answer (RFC 3262 §5). */
		if (ev.rseq && ev.sdp_ok && c->fsm.rel.rseq == ev.rseq && !c->early_given) {
			c->early = c->peer;
			c->early_pt = c->peer_pt;
			c->early_tx = c->peer_tx;
			c->early_rx = c->peer_rx;
			c->early_given = 1;
		}
		memset(&c->in, 0, sizeof c->in);
		return;
	} else {
		/* The transaction is over; a redirection makes another. */
		c->invite = NULL;
		if (resp == NULL) {
			ev.type = SL_CALL_EV_NO_RESPONSE;
			ev.err = err;
		} else if (resp->status_code < 300) {
			ev.type = SL_CALL_EV_2XX;
			ev.dialog_ok = make_dialog(c, cl, resp);
			ev.sdp_ok = early_answer(c) || sl_call_sdp_answer(c, resp);
			sl_call_timer_from_2xx(c, resp, &ev);
		} else {
			ev.type = SL_CALL_EV_FAILURE;
			ev.code = resp->status_code;
			ev.authorized = sl_client_authorized(cl);
		}
	}
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
}

/* ---- PRACK (RFC 3262 §4) ---- */

static void
on_prack_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	char line[160], st[160];

	if (resp && resp->status_code < 200)
		return;
	if (c->prack == cl)
		c->prack = NULL;
	if (resp && resp->status_code < 300)
		return;
	if (resp) {
		sl_call_clean(st, sizeof st, sl_status_line(resp, line, sizeof line));
		sl_warn("PRACK of call %s: %s", c->call_id, st);
	} else {
		sl_warn("PRACK of call %s: %s", c->call_id, sl_describe_error(err));
	}
}

/* PRACK in the early dialog of the 1xx just taken, with RAck: its RSeq,
 * the INVITE's CSeq. */
void
sl_call_out_prack(struct sl_call *c, uint32_t rseq)
{
	osip_message_t *inv = sl_client_request(c->in.cl), *pr = NULL;
	osip_dialog_t *d = NULL;
	unsigned long n = strtoul(inv->cseq->number, NULL, 10);
	char rack[64];
	int err;

	if (c->in.msg == NULL || osip_dialog_init_as_uac(&d, c->in.msg) != 0) {
		sl_warn("unable to PRACK %s: no early dialog could be made of it", c->in.status);
		return;
	}
	if (c->cseq < n)
		c->cseq = n;
	err = sl_call_dialog_request_in(c, d, "PRACK", &pr);
	osip_dialog_free(d);
	if (err != 0)
		return;
	snprintf(rack, sizeof rack, "%lu %lu INVITE", (unsigned long)rseq, n);
	osip_message_set_header(pr, "RAck", rack);
	if (c->prack)
		sl_client_abandon(c->prack);
	if ((err = sl_sip_send(c->sip, pr, on_prack_response, c, &c->prack)) != 0) {
		c->prack = NULL;
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send PRACK");
		return;
	}
	sl_event("prack rseq=%lu call-id=%s", (unsigned long)rseq, c->call_id);
}

void
sl_call_out_cancel(struct sl_call *c)
{
	if (c->invite)
		sl_client_cancel(c->invite);
}

void
sl_call_out_abandon(struct sl_call *c)
{
	if (c->invite)
		sl_client_abandon(c->invite);
	c->invite = NULL;
}

/* ---- redirection ---- */

/* Gives the timer B of the INVITE just sent what is left of --timeout,
 * when that is less than RFC 3261's 32 s. */
static void
bound_invite(struct sl_call *c)
{
	const struct sl_timer *t = &c->timers[SL_CALL_T_NOANSWER].t;
	int64_t left;

	if (c->timeout <= 0 || !sl_timer_armed(t))
		return;
	left = t->due - sl_now_ms();
	if (left < 32000)
		sl_client_set_timeout(c->invite, left > 1 ? (int)left : 1);
}

/* Sends the INVITE of cl again to target, as a new transaction: same
 * Call-ID, From and To, the next CSeq, no credentials (the new target's
 * realm may be another), a new Via and Contact.  Returns 0 or an errno
 * value. */
static int
redial(struct sl_call *c, struct sl_client *cl, const char *target)
{
	osip_message_t *inv = NULL;
	osip_uri_t *u = NULL;
	char buf[32];
	int err;

	if (osip_uri_init(&u) != 0)
		return ENOMEM;
	if (osip_uri_parse(u, target) != 0 || u->host == NULL) {
		osip_uri_free(u);
		return EINVAL;
	}
	if (osip_message_clone(sl_client_request(cl), &inv) != 0) {
		osip_uri_free(u);
		return ENOMEM;
	}
	osip_uri_free(inv->req_uri);
	inv->req_uri = u;
	snprintf(buf, sizeof buf, "%lu", strtoul(inv->cseq->number, NULL, 10) + 1);
	osip_free(inv->cseq->number);
	inv->cseq->number = osip_strdup(buf);
	osip_list_special_free(&inv->authorizations,
			       (void (*)(void *))osip_authorization_free);
	osip_list_special_free(&inv->proxy_authorizations,
			       (void (*)(void *))osip_authorization_free);
	osip_list_special_free(&inv->contacts, (void (*)(void *))osip_contact_free);
	osip_message_force_update(inv);
	if ((err = sl_sip_send(c->sip, inv, on_invite_response, c, &c->invite)) != 0)
		return err;
	c->early_given = 0;     /* a new INVITE: its own answer */
	bound_invite(c);
	return 0;
}

/* The machine follows a 3xx (code), or a failure of a redirected call:
 * the next target the 3xx answers named, if any. */
void
sl_call_out_redirect(struct sl_call *c, int code)
{
	const char *target, *st = c->in.msg ? c->in.status : sl_describe_error(c->in.err);
	char to[512];
	int limit, err;

	if (c->in.msg && code >= 300 && code < 400)
		sl_redirect_add(&c->redir, c->in.msg);
	while ((target = sl_redirect_next(&c->redir, &limit)) != NULL) {
		sl_call_clean(to, sizeof to, target);
		if ((err = redial(c, c->in.cl, target)) == 0) {
			sl_event("redirected status=\"%s\" to=%s hop=%d call-id=%s", st, to,
				 c->redir.hops, c->call_id);
			sl_call_event(c, SL_CALL_EV_REDIALED);
			return;
		}
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to call %s", to);
	}
	if (limit)
		sl_warn("not following %s: %d redirections already", st, SL_REDIRECT_MAX_HOPS);
	sl_call_event(c, SL_CALL_EV_NO_TARGET);
}

/* A 422 to our INVITE (RFC 4028 §7.3): the same INVITE again, once, as
 * a new transaction, asking for the 422's Min-SE. */
void
sl_call_out_retry_422(struct sl_call *c)
{
	osip_message_t *inv = c->in.cl ? sl_client_request(c->in.cl) : NULL;
	char *uri = NULL;
	int err = EINVAL;

	if (inv && c->in.msg && sl_call_timer_422(c, c->in.msg) == 0 &&
	    osip_uri_to_str(inv->req_uri, &uri) == 0) {
		sl_call_timer_request(c, inv);
		if ((err = redial(c, c->in.cl, uri)) == 0)
			sl_event("retrying status=\"%s\" session-expires=%lu call-id=%s",
				 c->in.status, c->se_expires, c->call_id);
		else
			sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send the INVITE again");
	}
	osip_free(uri);
	sl_call_event(c, err == 0 ? SL_CALL_EV_REDIALED : SL_CALL_EV_NO_TARGET);
}

/* ---- the ACK of the 2xx ---- */

/* Sends the ACK for the 2xx just taken and keeps it for the 2xx's
 * retransmissions. */
void
sl_call_out_ack(struct sl_call *c)
{
	osip_message_t *ack, *inv = sl_client_request(c->in.cl);
	int pos, err;

	if (sl_call_dialog_request(c, "ACK", &ack) != 0)
		return;
	/* The ACK carries the INVITE's CSeq number and credentials. */
	osip_free(ack->cseq->number);
	ack->cseq->number = osip_strdup(inv->cseq->number);
	for (pos = 0; pos < osip_list_size(&inv->proxy_authorizations); pos++) {
		osip_proxy_authorization_t *a = osip_list_get(&inv->proxy_authorizations, pos), *ac = NULL;

		if (osip_authorization_clone(a, &ac) == 0)
			osip_list_add(&ack->proxy_authorizations, ac, -1);
	}
	for (pos = 0; pos < osip_list_size(&inv->authorizations); pos++) {
		osip_authorization_t *a = osip_list_get(&inv->authorizations, pos), *ac = NULL;

		if (osip_authorization_clone(a, &ac) == 0)
			osip_list_add(&ack->authorizations, ac, -1);
	}
	if ((err = sl_sip_destination(c->sip, ack, &c->ack_dst)) != 0 ||
	    (err = sl_sip_add_via(c->sip, ack, &c->ack_dst)) != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send ACK");
		osip_message_free(ack);
		return;
	}
	osip_message_force_update(ack);
	sl_sip_send_raw(c->sip, ack, &c->ack_dst);
	if (c->ack)
		osip_message_free(c->ack);
	c->ack = ack;
}

void
sl_call_out_ack_again(struct sl_call *c)
{
	if (c->ack)
		sl_sip_send_raw(c->sip, c->ack, &c->ack_dst);
}
