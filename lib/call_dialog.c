/* A call's dialog (libre's sipsess/close.c, modify.c, request.c): which
 * messages are the call's, requests within it (ours, and theirs: BYE,
 * CANCEL, re-INVITE, OPTIONS), our 2xx to an INVITE or a re-INVITE, sent
 * again until its ACK, and our BYE. */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "message.h"

int
sl_call_owns(const struct sl_call *c, const osip_message_t *msg)
{
	const char *to_tag, *from_tag;

	if (!sl_call_same_id(c, msg))
		return 0;
	if (c->dialog == NULL)
		return 1;
	to_tag = sl_call_tag(msg->to);
	from_tag = sl_call_tag(msg->from);
	if (MSG_IS_REQUEST(msg)) {
		/* Their From tag is our remote tag; the To tag, once set, ours. */
		if (c->dialog->remote_tag && strcmp(from_tag, c->dialog->remote_tag) != 0)
			return 0;
		return *to_tag == '\0' || strcmp(to_tag, c->dialog->local_tag) == 0;
	}
	return strcmp(from_tag, c->dialog->local_tag) == 0;
}

int
sl_call_dialog_request(struct sl_call *c, const char *method, osip_message_t **out)
{
	return sl_call_dialog_request_in(c, c->dialog, method, out);
}

int
sl_call_dialog_request_in(struct sl_call *c, osip_dialog_t *d, const char *method,
			  osip_message_t **out)
{
	osip_message_t *m = NULL;
	char buf[64];
	int pos;

	if (d == NULL || osip_message_init(&m) != 0)
		return ENOMEM;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (d->remote_contact_uri && d->remote_contact_uri->url)
		osip_uri_clone(d->remote_contact_uri->url, &m->req_uri);
	else
		osip_uri_clone(d->remote_uri->url, &m->req_uri);
	osip_from_clone(d->local_uri, &m->from);
	osip_to_clone(d->remote_uri, &m->to);
	if (m->from && sl_call_tag(m->from)[0] == '\0')
		osip_from_set_tag(m->from, osip_strdup(d->local_tag));
	if (m->to && sl_call_tag(m->to)[0] == '\0' && d->remote_tag)
		osip_to_set_tag(m->to, osip_strdup(d->remote_tag));
	osip_message_set_call_id(m, d->call_id);
	snprintf(buf, sizeof buf, "%lu %s", strcmp(method, "ACK") ? ++c->cseq : c->cseq, method);
	osip_message_set_cseq(m, buf);
	osip_message_set_max_forwards(m, "70");
	for (pos = 0; pos < osip_list_size(&d->route_set); pos++) {
		osip_record_route_t *rr = osip_list_get(&d->route_set, pos);
		osip_route_t *r = NULL;

		if (osip_route_clone((osip_route_t *)rr, &r) == 0)
			osip_list_add(&m->routes, r, -1);
	}
	osip_message_set_user_agent(m, SL_USER_AGENT);
	*out = m;
	return 0;
}

/* A target refresh (RFC 3261 §12.2.1.2, §12.2.2; RFC 3311 §5; RFC
 * 6141): the Contact of a re-INVITE or UPDATE we answer 2xx, or of the
 * 2xx to ours, is the dialog's remote target from then on (the
 * Request-URI of what we send in it next).  None, or none a SIP URI with
 * a host, leaves it as it was. */
void
sl_call_dialog_target(struct sl_call *c, const osip_message_t *m)
{
	osip_contact_t *ct = NULL, *copy = NULL;
	const char *scheme;

	if (c->dialog == NULL || m == NULL ||
	    osip_message_get_contact(m, 0, &ct) < 0 || ct == NULL || ct->url == NULL ||
	    ct->url->host == NULL || ct->url->host[0] == '\0')
		return;
	scheme = ct->url->scheme ? ct->url->scheme : "";
	if (strcasecmp(scheme, "sip") != 0 && strcasecmp(scheme, "sips") != 0)
		return;
	if (osip_contact_clone(ct, &copy) != 0)
		return;
	osip_contact_free(c->dialog->remote_contact_uri);
	c->dialog->remote_contact_uri = copy;
}

/* ---- our 2xx ---- */

void
sl_call_dialog_contact(struct sl_call *c, struct sl_server *srv, osip_message_t *resp)
{
	char contact[600], buf[620];

	if (sl_sip_contact_for(c->sip, sl_server_source(srv), sl_server_request(srv),
			       contact, sizeof contact) == 0) {
		snprintf(buf, sizeof buf, "<%s>", contact);
		osip_message_set_contact(resp, buf);
	}
}

void
sl_call_dialog_send_2xx(struct sl_call *c, struct sl_server *srv, osip_message_t *ok)
{
	if (c->ok)
		osip_message_free(c->ok);
	c->ok = NULL;
	osip_message_clone(ok, &c->ok);
	c->ok_dst = *sl_server_source(srv);
	sl_server_send(srv, ok);
}

void
sl_call_dialog_resend_2xx(struct sl_call *c)
{
	if (c->ok)
		sl_sip_send_raw(c->sip, c->ok, &c->ok_dst);
}

/* ---- our BYE ---- */

static void
on_bye_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	struct sl_call_ev ev = { .type = SL_CALL_EV_BYE_ANSWERED, .err = err };

	if (resp && resp->status_code < 200)
		return;
	c->bye = NULL;
	memset(&c->in, 0, sizeof c->in);
	c->in.cl = cl;
	c->in.msg = resp;
	c->in.err = err;
	ev.code = resp ? resp->status_code : 0;
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
}

/* Sends the BYE; the machine bounds the wait for its answer. */
void
sl_call_dialog_bye(struct sl_call *c)
{
	osip_message_t *bye;
	int err;

	if ((err = sl_call_dialog_request(c, "BYE", &bye)) != 0 ||
	    (err = sl_sip_send(c->sip, bye, on_bye_response, c, &c->bye)) != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send BYE");
		c->bye = NULL;
		sl_call_event(c, SL_CALL_EV_BYE_UNSENT);
		return;
	}
	sl_client_set_timeout(c->bye, SL_CALL_END_WAIT_MS);
}

void
sl_call_dialog_abandon_bye(struct sl_call *c)
{
	if (c->bye)
		sl_client_abandon(c->bye);
	c->bye = NULL;
}

/* ---- their requests ---- */

void
sl_call_dialog_respond(struct sl_call *c, int code)
{
	osip_message_t *r;

	if (c->in.srv == NULL)
		return;
	if (code != 422 && (code != 500 || !MSG_IS_UPDATE(c->in.msg))) {
		sl_server_reply(c->in.srv, code);
		return;
	}
	if (sl_server_response(c->in.srv, code, &r) != 0)
		return;
	if (code == 422)
		sl_call_timer_min_se(c, r);     /* RFC 4028 §9 */
	else    /* an offer before we answered theirs (RFC 3311 §5.2): later */
		osip_message_set_header(r, "Retry-After", "1");
	sl_server_send(c->in.srv, r);
}

/* Checks a re-INVITE's offer (into c->reoffer): 1 when the call can go
 * on with it (the codec it has is in it), or when it has none. */
static int
check_reoffer(struct sl_call *c, osip_message_t *req)
{
	osip_body_t *body = NULL;
	const char *why;
	int i;

	osip_message_get_body(req, 0, &body);
	c->reoffer_given = body && body->body && body->length > 0;
	if (!c->reoffer_given)
		return 1;
	if (sl_sdp_parse(body->body, &c->reoffer, &why) != 0)
		return 0;
	if (!sl_call_srtp_reoffer(c, &c->reoffer, &c->reoffer_tag, &why)) {
		sl_warn("refusing %s of call %s: %s", MSG_IS_UPDATE(req) ? "an UPDATE" :
			"a re-INVITE", c->call_id, why);
		return 0;
	}
	/* The codec of the call, by whatever number. */
	for (i = 0; i < c->reoffer.npts; i++)
		if (c->reoffer.codecs[i] == sl_sdp_codec(&c->theirs, c->pt)) {
			c->reoffer_pt = c->reoffer.pts[i];
			return 1;
		}
	return 0;
}

/* 1 when dir says that its side holds the other: it does not receive. */
static int
holding(int dir)
{
	return dir == SL_DIR_SENDONLY || dir == SL_DIR_INACTIVE;
}

/* Takes the offer of a re-INVITE or an UPDATE (hold, resume, a moved
 * media address, a session refresh): our answer has the codec the call
 * has. */
static void
take_reoffer(struct sl_call *c)
{
	struct sl_sdp_stream *offer = &c->reoffer;
	char a[SL_ADDR_STRLEN];
	int dir;

	if (c->reoffer_given) {
		if (offer->addr.len && (!c->theirs.addr.len ||
					!sl_addr_equal(&offer->addr, &c->theirs.addr))) {
			sl_media_connect(c->media, &offer->addr, offer->rtcp_port);
			sl_event("media-moved rtp=%s call-id=%s", sl_addr_str(&offer->addr, a),
				 c->call_id);
		}
		dir = sl_sdp_mirror(offer->dir);
		/* Our own hold stays: we receive nothing. */
		if (c->fsm.held)
			dir = dir == SL_DIR_SENDRECV || dir == SL_DIR_SENDONLY ?
			      SL_DIR_SENDONLY : SL_DIR_INACTIVE;
		if (holding(offer->dir) != holding(c->theirs.dir))
			sl_event("%s call-id=%s", holding(offer->dir) ? "held" : "resumed",
				 c->call_id);
		if (dir != c->ours.dir) {
			c->ours.dir = dir;
			c->sdp_version++;
		}
		offer->dtmf_pt = offer->dtmf_pt >= 0 ? offer->dtmf_pt : c->theirs.dtmf_pt;
		c->theirs = *offer;
		c->pt = c->reoffer_pt;
		c->ours.savp = offer->savp;
		if (c->ours.ncrypto)
			c->ours.crypto[0].tag = c->reoffer_tag;
	}
	sl_sdp_only(&c->ours, &c->theirs, c->pt);
}

/* Answers 200 to a re-INVITE, with the codec the call has. */
void
sl_call_dialog_reinvite_ok(struct sl_call *c)
{
	struct sl_server *srv = c->in.srv;
	osip_message_t *ok;

	take_reoffer(c);
	if (srv == NULL || sl_server_response(srv, 200, &ok) != 0)
		return;
	sl_call_dialog_target(c, sl_server_request(srv));
	sl_call_dialog_contact(c, srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	sl_call_timer_2xx(c, ok);
	sl_call_sdp_body(c, ok);
	sl_call_dialog_send_2xx(c, srv, ok);
}

/* Answers 200 to an UPDATE (RFC 3311 §5.2): our answer to its offer,
 * or no body when it had none.  The 2xx of a request other than INVITE
 * is the transaction's to send again. */
void
sl_call_dialog_update_ok(struct sl_call *c)
{
	struct sl_server *srv = c->in.srv;
	osip_message_t *ok;

	if (c->reoffer_given) {
		take_reoffer(c);
		/* In the early dialog of our INVITE: what its 2xx will
		 * stand by (RFC 3311 §5.1). */
		if (c->fsm.outgoing && c->early_given && c->dialog == NULL) {
			c->early = c->theirs;
			c->early_pt = c->pt;
		}
	}
	if (srv == NULL || sl_server_response(srv, 200, &ok) != 0)
		return;
	sl_call_dialog_target(c, sl_server_request(srv));
	sl_call_dialog_contact(c, srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	if (c->fsm.state == SL_CALL_CONFIRMED || c->fsm.state == SL_CALL_ANSWERED)
		sl_call_timer_2xx(c, ok);
	if (c->reoffer_given)
		sl_call_sdp_body(c, ok);
	sl_server_send(srv, ok);
}

/* ---- our re-INVITE ---- */

static void
on_reinvite_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	struct sl_call_ev ev = { .type = SL_CALL_EV_REINVITE_ANSWERED, .err = err };

	if (resp && resp->status_code < 200)
		return;
	c->reinvite = NULL;
	sl_call_take_in(c, cl, resp, err);
	if (resp)
		ev.code = resp->status_code;
	if (ev.code >= 200 && ev.code < 300) {
		sl_call_dialog_target(c, resp);
		ev.sdp_ok = sl_call_sdp_answer(c, resp);
		sl_call_timer_from_2xx(c, resp, &ev);
	} else {
		c->ours.dir = c->dir_before;    /* nothing changed */
		if (ev.code == 422)
			sl_call_timer_from_422(resp, &ev);
	}
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
}

void
sl_call_dialog_reinvite(struct sl_call *c, int hold)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_REINVITE_ANSWERED };
	osip_message_t *inv;
	int err;

	c->dir_before = c->ours.dir;
	if (hold > 0)
		c->ours.dir = holding(c->theirs.dir) ? SL_DIR_INACTIVE : SL_DIR_SENDONLY;
	else if (hold == 0)
		c->ours.dir = SL_DIR_SENDRECV;
	if (hold >= 0)      /* (a session refresh changes nothing) */
		c->sdp_version++;
	sl_sdp_only(&c->ours, &c->theirs, c->pt);
	if ((err = sl_call_dialog_request(c, "INVITE", &inv)) == 0) {
		osip_message_set_allow(inv, SL_ALLOW);
		sl_call_timer_request(c, inv);
		if ((err = sl_call_sdp_body(c, inv)) != 0)
			osip_message_free(inv);
		else
			err = sl_sip_send(c->sip, inv, on_reinvite_response, c, &c->reinvite);
	}
	if (err != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send a re-INVITE");
		c->reinvite = NULL;
		c->ours.dir = c->dir_before;
		/* As a failure that leaves the call as it was. */
		memset(&c->in, 0, sizeof c->in);
		c->in.err = err < 0 ? EHOSTUNREACH : err;
		ev.code = 500;
		sl_call_step(c, &ev);
		return;
	}
}

void
sl_call_dialog_reinvite_done(struct sl_call *c, int held)
{
	struct sl_sdp_stream *ans = &c->peer;
	char a[SL_ADDR_STRLEN];

	if (ans->addr.len && !sl_addr_is_any(&ans->addr) &&
	    !sl_addr_equal(&ans->addr, &c->theirs.addr)) {
		sl_media_connect(c->media, &ans->addr, ans->rtcp_port);
		sl_event("media-moved rtp=%s call-id=%s", sl_addr_str(&ans->addr, a), c->call_id);
	}
	if (ans->addr.len == 0 || sl_addr_is_any(&ans->addr))
		ans->addr = c->theirs.addr;
	ans->dtmf_pt = ans->dtmf_pt >= 0 ? ans->dtmf_pt : c->theirs.dtmf_pt;
	c->theirs = *ans;
	c->pt = c->peer_pt;
	sl_media_hold(c->media, held & 1);
	if (!(held & 2))    /* (2: a session refresh, nothing changed) */
		sl_event("%s by=local call-id=%s", held ? "held" : "resumed", c->call_id);
}

void
sl_call_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	struct sl_call_ev ev = { 0 };

	/* OPTIONS in a dialog is answered as outside one. */
	if (MSG_IS_OPTIONS(req)) {
		sl_server_reply(srv, 200);
		return;
	}
	if (MSG_IS_INFO(req)) {
		sl_call_info_request(c, srv, req);
		return;
	}
	if (sl_call_refer_request(c, srv, req))
		return;
	if (MSG_IS_MESSAGE(req)) {
		sl_message_receive(c->cfg.message, c->loop, srv, req);
		return;
	}
	if (MSG_IS_PRACK(req)) {
		sl_call_in_prack(c, srv, req);
		return;
	}
	if (MSG_IS_BYE(req)) {
		ev.type = SL_CALL_EV_BYE;
	} else if (MSG_IS_CANCEL(req)) {
		ev.type = SL_CALL_EV_CANCEL;
	} else if (MSG_IS_INVITE(req)) {
		ev.type = SL_CALL_EV_REINVITE;
		ev.cseq = strtoul(req->cseq->number, NULL, 10);
		ev.sdp_ok = check_reoffer(c, req);
		ev.code = sl_call_timer_take(c, req);
		sl_call_timer_ev(c, &ev);
	} else if (MSG_IS_UPDATE(req)) {
		ev.type = SL_CALL_EV_UPDATE;
		ev.sdp_ok = check_reoffer(c, req);
		ev.offer = c->reoffer_given;
		if (c->fsm.state == SL_CALL_CONFIRMED || c->fsm.state == SL_CALL_ANSWERED) {
			ev.code = sl_call_timer_take(c, req);
			sl_call_timer_ev(c, &ev);
		}
	} else {
		sl_server_reply_unsupported(srv);
		return;
	}
	memset(&c->in, 0, sizeof c->in);
	c->in.srv = srv;
	c->in.msg = req;
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
}
