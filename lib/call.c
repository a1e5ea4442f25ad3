/* One call: its life from sl_call_new to the tool's callback, and what
 * each action of its state machine (call_fsm.c) does: a SIP message
 * (call_out.c, call_in.c, call_dialog.c), a timer, the media
 * (call_media.c), or a line said on stderr. */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>


#include "log.h"

static void run(struct sl_call *c, const struct sl_call_act *a);

int
sl_call_new(struct sl_sip *sip, struct sl_loop *loop,
	    const struct sl_call_config *cfg, sl_call_cb cb, void *arg,
	    struct sl_call **out)
{
	struct sl_call *c = calloc(1, sizeof *c);
	int i;

	if (c == NULL)
		return ENOMEM;
	c->sip = sip;
	c->loop = loop;
	c->cfg = *cfg;
	/* The table's default list, in its order. */
	if (c->cfg.ncodecs == 0)
		c->cfg.ncodecs = sl_codec_defaults(c->cfg.codecs, SL_CALL_CODECS);
	if (c->cfg.ptime == 0)
		c->cfg.ptime = 20;
	c->cb = cb;
	c->arg = arg;
	c->exec = run;
	c->pt = -1;
	c->cseq = 1;
	c->ctl_fd = c->dtmf_fd = c->dtmf_rx_fd = -1;
	c->se_min = c->cfg.min_se ? c->cfg.min_se : SL_SE_MIN_DEFAULT;
	c->se_expires = c->cfg.session_expires;
	if (c->se_expires && c->se_expires < c->se_min)
		c->se_expires = c->se_min;
	for (i = 0; i < SL_CALL_T_COUNT; i++) {
		c->timers[i].c = c;
		c->timers[i].which = i;
	}
	sl_call_fsm_init(&c->fsm, (int64_t)(c->cfg.duration * 1000), c->cfg.media_argv != NULL);
	c->fsm.early_cmd = c->cfg.early_media && c->cfg.media_argv != NULL;
	if (getrandom(&c->sdp_id, sizeof c->sdp_id, 0) != sizeof c->sdp_id)
		c->sdp_id = (unsigned long)random();
	c->sdp_id %= 1000000000UL;
	c->sdp_version = 1;
	*out = c;
	return 0;
}

static void
stop_timers(struct sl_call *c)
{
	int i;

	for (i = 0; i < SL_CALL_T_COUNT; i++)
		sl_timer_stop(c->loop, &c->timers[i].t);
}

void
sl_call_free(struct sl_call *c)
{
	if (c == NULL)
		return;
	stop_timers(c);
	sl_call_control_close(c);
	if (c->invite)
		sl_client_abandon(c->invite);
	if (c->bye)
		sl_client_abandon(c->bye);
	if (c->prack)
		sl_client_abandon(c->prack);
	if (c->reinvite)
		sl_client_abandon(c->reinvite);
	if (c->refresh)
		sl_client_abandon(c->refresh);
	if (c->refer)
		sl_client_abandon(c->refer);
	if (c->dialog)
		osip_dialog_free(c->dialog);
	if (c->ack)
		osip_message_free(c->ack);
	if (c->ok)
		osip_message_free(c->ok);
	if (c->answer)
		osip_message_free(c->answer);
	if (c->prov)
		osip_message_free(c->prov);
	if (c->invite_req)
		osip_message_free(c->invite_req);
	sl_media_free(c->media);
	sl_redirect_free(&c->redir);
	free(c->cid);
	sl_wipe(c, sizeof *c);
	free(c);
}

int
sl_call_active(const struct sl_call *c)
{
	return c->fsm.state != SL_CALL_DONE;
}

const char *
sl_call_id(const struct sl_call *c)
{
	return c->call_id;
}

const char *
sl_call_remote(const struct sl_call *c)
{
	return c->remote;
}

void
sl_call_hangup(struct sl_call *c, const char *reason)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_HANGUP, .reason = reason };

	sl_call_step(c, &ev);
}

void
sl_call_stray(struct sl_call *c, osip_message_t *msg)
{
	if (MSG_IS_ACK(msg)) {
		/* (in sip-call, the ACK of our 2xx to a re-INVITE) */
		sl_call_in_ack(c, msg);
		return;
	}
	if (MSG_IS_RESPONSE(msg) && msg->status_code >= 200 && msg->status_code < 300 &&
	    msg->cseq && msg->cseq->method && strcmp(msg->cseq->method, "INVITE") == 0)
		sl_call_event(c, SL_CALL_EV_2XX_AGAIN);
}

/* ---- what the machine says ---- */

/* The name of the call's codec: in the peer's SDP, taken or not yet. */
static const char *
codec_name(const struct sl_call *c)
{
	const char *n = sl_sdp_codec_name(&c->theirs, c->pt);

	return n ? n : sl_sdp_codec_name(&c->peer, c->pt);
}

/* " sip=tls" for the answered event when the call's SIP went over TLS (to
 * the next hop: what lies beyond is the proxy's), else "". */
static const char *
sip_tls(struct sl_call *c)
{
	return sl_transport_proto(sl_sip_transport(c->sip)) == SL_PROTO_TLS ? " sip=tls" : "";
}

static void
say(struct sl_call *c, const struct sl_call_act *a)
{
	const char *st = c->in.status;
	char addr[SL_ADDR_STRLEN];
	osip_message_t *resp = c->in.msg;

	switch (a->type) {
	case SL_CALL_SAY_CALLING:
		sl_event("calling to=%s call-id=%s", c->remote, c->call_id);
		break;
	case SL_CALL_SAY_PROGRESS:
		sl_call_xfer_report(c, a->arg);
		if (a->arg == 100)
			sl_event("trying status=\"%s\"", st);
		else if (a->arg == 180 || a->arg == 181 || a->arg == 182)
			sl_event("ringing status=\"%s\"", st);
		else
			sl_event("progress status=\"%s\"", st);
		break;
	case SL_CALL_SAY_REJECTED:
		sl_call_xfer_report(c, resp && c->fsm.outgoing ? resp->status_code : a->arg);
		if (!c->fsm.outgoing && c->refer_to)
			sl_event("rejected status=\"%d %s\" to=%s call-id=%s", a->arg,
				 sl_reason(a->arg), c->refer_to, c->call_id);
		else if (!c->fsm.outgoing)
			sl_event("rejected status=\"%d %s\" call-id=%s", a->arg,
				 sl_reason(a->arg), c->call_id);
		else if (c->in.auth)
			sl_event("rejected status=\"%s\" reason=\"%s\" call-id=%s", st,
				 c->in.auth, c->call_id);
		else
			sl_event("rejected status=\"%s\" call-id=%s", st, c->call_id);
		break;
	case SL_CALL_SAY_FAILED:
		sl_call_xfer_report(c, 503);
		sl_event("failed reason=\"%s\" call-id=%s", sl_describe_error(a->arg), c->call_id);
		break;
	case SL_CALL_SAY_NOANSWER:
		sl_call_xfer_report(c, 408);
		sl_event("no-answer after=%g call-id=%s", c->timeout, c->call_id);
		break;
	case SL_CALL_SAY_CANCELLED:
		if (a->arg)
			sl_event("cancelled by=local reason=\"%s\" call-id=%s", a->why, c->call_id);
		else
			sl_event("cancelled by=remote from=%s call-id=%s", c->remote, c->call_id);
		break;
	case SL_CALL_SAY_ANSWERED:
		sl_call_xfer_report(c, 200);
		if (c->fsm.outgoing && a->arg)
			sl_event("answered status=\"%s\" codec=%s rtp=%s%s%s call-id=%s", st,
				 codec_name(c), sl_call_peer_rtp(c, addr), sl_call_srtp_word(c),
				 sip_tls(c), c->call_id);
		else if (c->fsm.outgoing)
			sl_event("answered status=\"%s\"%s call-id=%s", st, sip_tls(c), c->call_id);
		else if (a->arg)
			sl_event("answered codec=%s rtp=%s%s%s call-id=%s", codec_name(c),
				 sl_call_peer_rtp(c, addr), sl_call_srtp_word(c), sip_tls(c),
				 c->call_id);
		else
			sl_event("answered codec=pending%s call-id=%s", sip_tls(c), c->call_id);
		break;
	case SL_CALL_SAY_MEDIA:
		sl_event("media codec=%s rtp=%s%s call-id=%s", codec_name(c),
			 sl_call_peer_rtp(c, addr), sl_call_srtp_word(c), c->call_id);
		break;
	case SL_CALL_SAY_UNUSABLE_2XX:
		sl_warn("unusable 2xx to INVITE (no dialog could be made of it)");
		break;
	case SL_CALL_SAY_UNUSABLE_ANSWER:
		sl_warn(c->fsm.outgoing ? "the answer's SDP is unusable: %s" :
			"the ACK's SDP answer is unusable: %s", c->peer_why);
		break;
	case SL_CALL_SAY_HANGUP:
		if (a->arg)
			sl_event("hangup by=local reason=\"%s\" call-id=%s", a->why, c->call_id);
		else
			sl_event("hangup by=remote call-id=%s", c->call_id);
		break;
	case SL_CALL_SAY_MEDIA_LOST:
		sl_event("media-lost call-id=%s", c->call_id);
		break;
	case SL_CALL_SAY_NO_ACK:
		sl_warn("no ACK for our 200 OK within %d s", a->arg);
		break;
	case SL_CALL_SAY_BYE_FAILED:
		if (resp == NULL)
			sl_warn("BYE: %s: the peer may not know the call has ended",
				sl_describe_error(c->in.err));
		else
			sl_warn("BYE: %d %s: the peer may not know the call has ended",
				resp->status_code, resp->reason_phrase ? resp->reason_phrase : "");
		break;
	case SL_CALL_SAY_NO_PRACK:
		sl_warn("no PRACK for our reliable provisional response within %d s", a->arg);
		break;
	case SL_CALL_SAY_REINVITE_FAILED:
		sl_event("control-error command=%s reason=\"%s\" call-id=%s",
			 a->arg ? "hold" : "resume",
			 resp ? st : sl_describe_error(c->in.err), c->call_id);
		break;
	case SL_CALL_SAY_SESSION:
		if (a->arg == 0)
			sl_event("session interval=%lld refresher=%s call-id=%s",
				 (long long)(a->ms / 1000), c->fsm.se.us ? "local" : "remote",
				 c->call_id);
		else
			sl_event("session-refreshed by=%s interval=%lld refresher=%s call-id=%s",
				 a->arg == 1 ? "local" : "remote", (long long)(a->ms / 1000),
				 c->fsm.se.us ? "local" : "remote", c->call_id);
		break;
	case SL_CALL_SAY_REFRESH_FAILED:
		sl_event("session-refresh-failed reason=\"%s\" call-id=%s",
			 resp ? st : sl_describe_error(c->in.err), c->call_id);
		break;
	case SL_CALL_SAY_SESSION_EXPIRED:
		sl_event("session-expired interval=%lld call-id=%s",
			 (long long)(c->fsm.se.ms / 1000), c->call_id);
		break;
	default:
		break;
	}
}

/* ---- actions ---- */

static void
on_timer(void *arg)
{
	struct sl_call_alarm *t = arg;
	struct sl_call_ev ev = { .type = SL_CALL_EV_TIMER, .timer = t->which };

	sl_call_step(t->c, &ev);
}

static void
finish(struct sl_call *c, int status)
{
	double secs = c->answered_at ? (sl_now_ms() - c->answered_at) / 1000.0 : 0;

	stop_timers(c);
	sl_call_xfer_report(c, 487);    /* ended before any outcome */
	sl_event("ended status=%d duration=%.1f call-id=%s", status, secs, c->call_id);
	c->cb(c, status, c->arg);
}

static void
run(struct sl_call *c, const struct sl_call_act *a)
{
	struct sl_call_alarm *t;

	switch (a->type) {
	case SL_CALL_DO_TIMER_START:
		t = &c->timers[a->arg];
		sl_timer_start(c->loop, &t->t, a->ms, on_timer, t);
		break;
	case SL_CALL_DO_TIMER_STOP:
		sl_timer_stop(c->loop, &c->timers[a->arg].t);
		break;
	case SL_CALL_DO_CANCEL:
		sl_call_out_cancel(c);
		break;
	case SL_CALL_DO_ABANDON_INVITE:
		sl_call_out_abandon(c);
		break;
	case SL_CALL_DO_REDIRECT:
		sl_call_out_redirect(c, a->arg);
		break;
	case SL_CALL_DO_ACK:
		sl_call_out_ack(c);
		break;
	case SL_CALL_DO_ACK_AGAIN:
		sl_call_out_ack_again(c);
		break;
	case SL_CALL_DO_TAKE_ANSWER:
		sl_call_sdp_take(c);
		break;
	case SL_CALL_DO_EARLY_MEDIA:
		sl_call_media_early(c);
		break;
	case SL_CALL_DO_RING:
		sl_call_in_ring(c, a->arg);
		break;
	case SL_CALL_DO_EARLY_ANSWER:
		sl_call_in_early(c, a->arg);
		break;
	case SL_CALL_DO_RESEND_1XX:
		sl_call_in_resend_1xx(c);
		break;
	case SL_CALL_DO_PRACK:
		sl_call_out_prack(c, (uint32_t)a->arg);
		break;
	case SL_CALL_DO_ANSWER:
		sl_call_in_answer(c);
		break;
	case SL_CALL_DO_REFUSE:
		sl_call_in_refuse(c, a->arg);
		break;
	case SL_CALL_DO_RESEND_2XX:
		sl_call_dialog_resend_2xx(c);
		break;
	case SL_CALL_DO_2XX_AGAIN:
		sl_call_in_2xx_again(c);
		break;
	case SL_CALL_DO_RESPOND:
		sl_call_dialog_respond(c, a->arg);
		break;
	case SL_CALL_DO_REINVITE_OK:
		sl_call_dialog_reinvite_ok(c);
		break;
	case SL_CALL_DO_UPDATE_OK:
		sl_call_dialog_update_ok(c);
		break;
	case SL_CALL_DO_REFRESH:
		sl_call_timer_refresh(c, a->arg);
		break;
	case SL_CALL_DO_RETRY_422:
		sl_call_out_retry_422(c);
		break;
	case SL_CALL_DO_BYE:
		sl_call_dialog_bye(c);
		break;
	case SL_CALL_DO_ABANDON_BYE:
		sl_call_dialog_abandon_bye(c);
		break;
	case SL_CALL_DO_REINVITE:
		sl_call_dialog_reinvite(c, a->arg);
		break;
	case SL_CALL_DO_REINVITE_ACK:
		sl_call_out_ack(c);
		break;
	case SL_CALL_DO_REINVITE_DONE:
		sl_call_dialog_reinvite_done(c, a->arg);
		break;
	case SL_CALL_DO_MEDIA_START:
		sl_call_media_start(c);
		break;
	case SL_CALL_DO_MEDIA_STOP:
		sl_call_media_stop(c);
		break;
	case SL_CALL_DO_FINISH:
		finish(c, a->arg);
		break;
	default:
		say(c, a);
		break;
	}
}
