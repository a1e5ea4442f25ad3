/* A call's offer/answer and its media: our SDP, the peer's answer, and
 * the media processes started and stopped as the state machine says. */
#include "call_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "log.h"

int
sl_call_media_open(struct sl_call *c, const struct sl_addr *toward)
{
	struct sl_addr ip;
	int err;

	if (c->media)
		return 0;
	/* SIP bound to one address (sip-answer --listen ADDR:PORT): the
	 * media goes there too; else the address that routes to the peer. */
	if (sl_transport_bound(sl_sip_transport(c->sip), &ip) != 0 || sl_addr_is_any(&ip) ||
	    sl_addr_family(&ip) != sl_addr_family(toward)) {
		if ((err = sl_addr_route_to(toward, &ip)) != 0)
			return err;
	}
	sl_addr_set_port(&ip, 0);
	return sl_media_new(c->loop, &ip, &c->media);
}

void
sl_call_media_ours(struct sl_call *c, int dir)
{
	int i;

	c->ours.addr = *sl_media_local(c->media);
	/* Behind a NAT the SDP names the public host (the port stays ours:
	 * the peer's media follows our RTP, symmetric, or a relay's). */
	if (sl_sip_public(c->sip) &&
	    sl_sip_public(c->sip)->ss.ss_family == c->ours.addr.ss.ss_family) {
		int port = sl_addr_port(&c->ours.addr);

		c->ours.addr = *sl_sip_public(c->sip);
		sl_addr_set_port(&c->ours.addr, port);
	}
	c->ours.rtcp_port = sl_addr_port(&c->ours.addr) + 1;
	c->ours.npts = 0;
	for (i = 0; i < c->cfg.ncodecs; i++)
		sl_sdp_add(&c->ours, c->cfg.codecs[i], c->cfg.codecs[i]->pt,
			   c->cfg.codecs[i]->fmtp);
	c->ours.dtmf_pt = SL_PT_DTMF;
	c->ours.ptime = c->cfg.ptime;
	c->ours.dir = dir;
}

int
sl_call_sdp_body(struct sl_call *c, osip_message_t *msg)
{
	char sdp[SL_SDP_MAX];
	int err;

	if ((err = sl_sdp_build(&c->ours, c->sdp_id, c->sdp_version, sdp, sizeof sdp)) != 0)
		return err;
	osip_message_set_body(msg, sdp, strlen(sdp));
	osip_message_set_content_type(msg, "application/sdp");
	return 0;
}

int
sl_call_sdp_answer(struct sl_call *c, osip_message_t *msg)
{
	osip_body_t *body = NULL;

	c->peer_why = "no SDP";
	osip_message_get_body(msg, 0, &body);
	if (body == NULL || body->body == NULL ||
	    sl_sdp_parse(body->body, &c->peer, &c->peer_why) != 0)
		return 0;
	c->peer_why = "no codec in common";
	if ((c->peer_pt = sl_sdp_pick(&c->peer, &c->ours)) < 0)
		return 0;
	if (sl_sdp_srtp_check_answer(&c->ours, &c->peer, c->cfg.srtp, &c->peer_tx,
				     &c->peer_rx, &c->peer_why) != 0)
		return 0;
	c->peer_why = NULL;
	return 1;
}

void
sl_call_sdp_take(struct sl_call *c)
{
	c->theirs = c->peer;
	c->pt = c->peer_pt;
	c->srtp_tx = c->peer_tx;
	c->srtp_rx = c->peer_rx;
	/* What we say from now on (a re-INVITE's answer) keeps the one key
	 * the peer took. */
	sl_wipe(c->ours.crypto, sizeof c->ours.crypto);
	c->ours.ncrypto = 0;
	if (c->srtp_tx.suite != SL_SRTP_OFF)
		c->ours.crypto[c->ours.ncrypto++] = c->srtp_tx;
}

const char *
sl_call_srtp_word(const struct sl_call *c)
{
	static char buf[64];

	if (c->srtp_rx.suite == SL_SRTP_OFF)
		return "";
	snprintf(buf, sizeof buf, " srtp=%s", sl_sdes_suite_name(c->srtp_rx.suite));
	return buf;
}

int
sl_call_srtp_reoffer(const struct sl_call *c, const struct sl_sdp_stream *offer,
		     unsigned long *tag, const char **why)
{
	int i;

	*tag = 0;
	*why = NULL;
	if (c->srtp_rx.suite == SL_SRTP_OFF) {
		if (offer->savp)
			*why = "RTP/SAVP offered in a plain RTP call";
		return offer->savp == 0;
	}
	for (i = 0; i < offer->ncrypto; i++)
		if (offer->crypto[i].suite == c->srtp_rx.suite &&
		    sl_same_secret(offer->crypto[i].key, c->srtp_rx.key, SL_SDES_KEYLEN)) {
			*tag = offer->crypto[i].tag;
			return 1;
		}
	*why = "the SRTP key of the call is not in it (new keys mid-call are not taken)";
	return 0;
}

const char *
sl_call_peer_rtp(const struct sl_call *c, char *buf)
{
	if (c->theirs.addr.len == 0)
		return "none";
	return sl_addr_str(&c->theirs.addr, buf);
}

void
sl_call_export_env(struct sl_call *c)
{
	struct sl_handoff_call h = {
		c->call_id, c->local, c->remote, c->remote_name, c->fsm.outgoing, NULL
	};

	/* A media command's phase: before the answer (early media) or
	 * not; a screening program (no media) has none. */
	if (c->fsm.media == SL_CALL_MEDIA_EARLY)
		h.phase = "early";
	else if (c->fsm.media == SL_CALL_MEDIA_UP)
		h.phase = "answered";
	sl_handoff_call_to_env(&h);
}

/* Every media process has exited. */
static void
on_media_over(struct sl_media *m, int status, void *arg)
{
	struct sl_call *c = arg;
	struct sl_call_ev ev = { .type = SL_CALL_EV_MEDIA_EXITED, .code = status };

	/* What the command said before it exited comes first. */
	sl_call_control_drain(c);
	sl_call_step(c, &ev);
}

static void
media_failed(struct sl_call *c)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_MEDIA_FAILED };

	ev.running = c->media && sl_media_running(c->media);
	sl_call_step(c, &ev);
}

/* Wipes the copy of the call's keys that went to the media. */
static void
forget_keys(struct sl_media_params *p)
{
	sl_wipe(&p->srtp_tx, sizeof p->srtp_tx);
	sl_wipe(&p->srtp_rx, sizeof p->srtp_rx);
}

/* The call's codec, its number, the peer's fmtp and the pipe's rate. */
static void
call_codec(struct sl_call *c, struct sl_media_params *p)
{
	const struct sl_codec *codec = sl_sdp_codec(&c->theirs, c->pt);

	p->codec = codec ? codec : &sl_codecs[0];
	p->payload_type = codec ? c->pt : p->codec->pt;
	/* The peer sends with our number for it, which an answer to our
	 * offer may not have kept (RFC 3264 5.1, 6.1). */
	p->local_pt = sl_sdp_pt(&c->ours, p->codec);
	p->clock_rate = p->codec->clock_rate;
	p->sample_rate = c->cfg.rate > 0 ? c->cfg.rate : p->codec->pipe_rate;
	snprintf(p->fmtp, sizeof p->fmtp, "%s", sl_sdp_fmtp(&c->theirs, c->pt));
}

/* Points the sockets at the peer's address and starts the media. */
void
sl_call_media_start(struct sl_call *c)
{
	struct sl_media_params p;
	int err;

	/* The 200 (or ACK) queued just now leaves before the fork and exec
	 * of the media, which take milliseconds the caller would wait. */
	sl_sip_flush(c->sip);

	if (c->theirs.addr.len &&
	    (err = sl_media_connect(c->media, &c->theirs.addr, c->theirs.rtcp_port)) != 0) {
		sl_warn_err(err, "unable to direct RTP to the peer");
		media_failed(c);
		return;
	}
	sl_media_params_init(&p);
	call_codec(c, &p);
	p.ptime = c->theirs.ptime ? c->theirs.ptime : c->cfg.ptime;
	p.dtmf_pt = c->ours.dtmf_pt >= 0 ? c->theirs.dtmf_pt : -1;
	p.rtp_timeout = c->cfg.rtp_timeout;
	p.remote = c->theirs.addr;
	p.direction = c->ours.dir;
	p.srtp_tx = c->srtp_tx;
	p.srtp_rx = c->srtp_rx;
	sl_call_export_env(c);
	if (c->early_ran) {
		/* The early media's command had a channel of its own. */
		sl_call_control_drain(c);
		sl_call_control_close(c);
		c->early_ran = 0;
	}
	sl_call_control_open(c);
	err = sl_media_start(c->media, c->cfg.media_argv, &p, on_media_over, c);
	forget_keys(&p);
	if (err != 0) {
		sl_warn_err(err, "unable to start the media");
		media_failed(c);
	}
}

/* A provisional response with SDP: the network plays something before the
 * answer (ringback, an announcement).  rtp-recv starts now so that it
 * reaches our stdout; we send nothing until the answer (RFC 3960's
 * gateway model). */
void
sl_call_media_early(struct sl_call *c)
{
	struct sl_media_params p;
	char a[SL_ADDR_STRLEN];
	int err;

	sl_call_sdp_take(c);
	if (sl_media_connect(c->media, &c->theirs.addr, c->theirs.rtcp_port) != 0) {
		media_failed(c);
		return;
	}
	sl_media_params_init(&p);
	call_codec(c, &p);
	p.ptime = c->theirs.ptime ? c->theirs.ptime : c->cfg.ptime;
	p.dtmf_pt = c->theirs.dtmf_pt;
	p.rtp_timeout = c->cfg.rtp_timeout;
	p.remote = c->theirs.addr;
	p.direction = SL_DIR_RECVONLY;
	p.srtp_tx = c->srtp_tx;
	p.srtp_rx = c->srtp_rx;
	sl_call_export_env(c);
	sl_call_control_open(c);
	if (c->cfg.media_argv) {
		/* --early-media: the command hears it (SIP_MEDIA_PHASE=early,
		 * RTP_DIRECTION=recvonly); another starts at the answer. */
		c->early_ran = 1;
		err = sl_media_start(c->media, c->cfg.media_argv, &p, on_media_over, c);
	} else {
		err = sl_media_start_early(c->media, &p, on_media_over, c);
	}
	forget_keys(&p);
	if (err != 0) {
		media_failed(c);
		return;
	}
	sl_event("early-media codec=%s rtp=%s%s call-id=%s", p.codec->name,
		 sl_addr_str(&c->theirs.addr, a), sl_call_srtp_word(c), c->call_id);
}

void
sl_call_media_stop(struct sl_call *c)
{
	/* What was queued (our BYE) leaves first: stopping the media sends
	 * our RTCP BYE. */
	sl_sip_flush(c->sip);
	if (c->media)
		sl_media_stop(c->media);
}
