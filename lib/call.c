/* One call.  The outgoing side drives an INVITE client transaction and
 * ACKs the 2xx itself; the incoming side answers through the INVITE server
 * transaction and retransmits its 2xx until the ACK (libosip2 leaves both
 * to the application).  Once confirmed, either side may end the call; the
 * call is over when the signalling is done and the media has exited. */
#include "call.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "log.h"
#include "opt.h"
#include "redirect.h"

enum state {
	ST_IDLE,
	ST_CALLING,     /* outgoing: INVITE sent, no final response yet */
	ST_INCOMING,    /* incoming: INVITE taken, not answered yet */
	ST_ANSWERED,    /* incoming: 2xx sent, waiting for the ACK */
	ST_ACTIVE,      /* confirmed dialog */
	ST_ENDING,      /* CANCEL / BYE / rejection under way */
	ST_DONE,
};

/* RFC 3261 timers for the 2xx retransmissions we own. */
#define T1_MS 500
#define T2_MS 4000
#define ACK_WAIT_MS (64 * T1_MS)

struct sl_call {
	struct sl_sip *sip;
	struct sl_loop *loop;
	struct sl_call_config cfg;
	sl_call_cb cb;
	void *arg;
	int outgoing;
	enum state state;
	int status;                 /* exit status; -1 until decided */
	int provisional;            /* outgoing: a 1xx came */

	char *cid;                  /* the Call-ID as it is, however long */
	char call_id[256];          /* the Call-ID cleaned, for events */
	char remote[512];           /* remote URI, for events */
	char remote_name[130];      /* display name, cleaned */
	char local[512];
	osip_dialog_t *dialog;
	unsigned long cseq;         /* our next in-dialog CSeq */

	/* outgoing */
	struct sl_client *invite;
	osip_message_t *ack;        /* for retransmitted 2xx */
	struct sl_addr ack_dst;
	struct sl_timer noanswer;
	double timeout;
	struct sl_redirect redir;   /* 3xx targets; hops taken */

	/* incoming */
	struct sl_server *srv;      /* INVITE server transaction until final */
	osip_message_t *invite_req; /* copy of the INVITE */
	unsigned long invite_cseq;
	char invite_branch[128];
	char from_tag[128];
	osip_message_t *ok;         /* 2xx being retransmitted until ACK */
	struct sl_addr ok_dst;
	unsigned long ok_cseq;
	int64_t ok_sent_at;
	int64_t ok_interval;
	struct sl_timer ok_timer;
	int bye_after_ack;
	int delayed_offer;          /* their answer comes in the ACK */

	/* media */
	struct sl_media *media;
	struct sl_sdp_stream ours, theirs;
	int pt;
	unsigned long sdp_id, sdp_version;
	int media_started;

	/* ending */
	struct sl_client *bye;
	int sip_done;
	struct sl_timer guard;
	struct sl_timer duration;
	int64_t answered_at;
};

static void send_bye(struct sl_call *c, const char *by, const char *why);
static void maybe_finish(struct sl_call *c);

/* ---- small helpers ---- */

static void
set_status(struct sl_call *c, int status)
{
	if (c->status < 0)
		c->status = status;
}

/* The whole Call-ID of msg as a new string ("" when it has none), or NULL
 * when out of memory.  The messages of a call are matched by all of it: a
 * Call-ID has no length limit, only its cleaned copy for events and the
 * environment is cut. */
static char *
dup_call_id(const osip_message_t *msg)
{
	const char *num, *host;
	char *s;
	size_t n;

	if (msg->call_id == NULL || msg->call_id->number == NULL)
		return strdup("");
	num = msg->call_id->number;
	host = msg->call_id->host;
	n = strlen(num) + (host ? strlen(host) + 1 : 0) + 1;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, host ? "%s@%s" : "%s", num, host);
	return s;
}

/* 1 when msg's Call-ID is cid (which is not empty). */
static int
same_call_id(const osip_message_t *msg, const char *cid)
{
	const char *num, *host;
	size_t n;

	if (cid == NULL || *cid == '\0' || msg->call_id == NULL || msg->call_id->number == NULL)
		return 0;
	num = msg->call_id->number;
	host = msg->call_id->host;
	n = strlen(num);
	if (strncmp(cid, num, n) != 0)
		return 0;
	return host ? cid[n] == '@' && strcmp(cid + n + 1, host) == 0 : cid[n] == '\0';
}

/* Copies text from the network for an event line or the environment:
 * printable, no quotes or backslashes, at most size - 1 bytes. */
static void
clean(char *dst, size_t size, const char *src)
{
	size_t i, j = 0;

	if (src == NULL)
		src = "";
	for (i = 0; src[i] && j < size - 1; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch == '"' && (i == 0 || src[i + 1] == '\0'))
			continue;       /* the quotes around a display name */
		dst[j++] = (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') ? '?' : (char)ch;
	}
	dst[j] = '\0';
}

/* A display name from the network for an event line or the environment:
 * the quotes of a quoted-string removed and its quoted-pairs (\" and \\)
 * undone, so that the name reads as its sender wrote it, then cleaned. */
static void
clean_display_name(char *dst, size_t size, const char *src)
{
	char plain[260];
	size_t i, j = 0, n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= 2 && src[0] == '"' && src[n - 1] == '"') {
		for (i = 1; i < n - 1 && j < sizeof plain - 1; i++) {
			if (src[i] == '\\' && i + 1 < n - 1)
				i++;
			plain[j++] = src[i];
		}
		plain[j] = '\0';
		src = plain;
	}
	clean(dst, size, src);
}

/* Writes a URI (no parameters of the name-addr) as text into buf. */
static void
uri_text(const osip_uri_t *u, char *buf, size_t size)
{
	char *s = NULL;

	if (u && osip_uri_to_str(u, &s) == 0) {
		clean(buf, size, s);
		osip_free(s);
	} else {
		snprintf(buf, size, "?");
	}
}

static const char *
tag_of(osip_from_t *f)
{
	osip_generic_param_t *t = NULL;

	if (f && osip_from_get_tag(f, &t) == 0 && t && t->gvalue)
		return t->gvalue;
	return "";
}

static void
status_text(const osip_message_t *resp, char *buf, size_t size)
{
	char line[160];

	sl_status_line(resp, line, sizeof line);
	clean(buf, size, line);
}

int
sl_call_new(struct sl_sip *sip, struct sl_loop *loop,
	    const struct sl_call_config *cfg, sl_call_cb cb, void *arg,
	    struct sl_call **out)
{
	struct sl_call *c = calloc(1, sizeof *c);

	if (c == NULL)
		return ENOMEM;
	c->sip = sip;
	c->loop = loop;
	c->cfg = *cfg;
	/* Every codec of the table, in its order. */
	if (c->cfg.ncodecs == 0)
		for (; sl_codecs[c->cfg.ncodecs].name && c->cfg.ncodecs < SL_CALL_CODECS;
		     c->cfg.ncodecs++)
			c->cfg.codecs[c->cfg.ncodecs] = sl_codecs[c->cfg.ncodecs].pt;
	if (c->cfg.ptime == 0)
		c->cfg.ptime = 20;
	c->cb = cb;
	c->arg = arg;
	c->status = -1;
	c->pt = -1;
	c->cseq = 1;
	if (getrandom(&c->sdp_id, sizeof c->sdp_id, 0) != sizeof c->sdp_id)
		c->sdp_id = (unsigned long)random();
	c->sdp_id %= 1000000000UL;
	c->sdp_version = 1;
	*out = c;
	return 0;
}

void
sl_call_free(struct sl_call *c)
{
	if (c == NULL)
		return;
	sl_timer_stop(c->loop, &c->noanswer);
	sl_timer_stop(c->loop, &c->ok_timer);
	sl_timer_stop(c->loop, &c->guard);
	sl_timer_stop(c->loop, &c->duration);
	if (c->invite)
		sl_client_abandon(c->invite);
	if (c->bye)
		sl_client_abandon(c->bye);
	if (c->dialog)
		osip_dialog_free(c->dialog);
	if (c->ack)
		osip_message_free(c->ack);
	if (c->ok)
		osip_message_free(c->ok);
	if (c->invite_req)
		osip_message_free(c->invite_req);
	sl_media_free(c->media);
	sl_redirect_free(&c->redir);
	free(c->cid);
	free(c);
}

int
sl_call_active(const struct sl_call *c)
{
	return c->state != ST_DONE;
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

/* ---- media ---- */

/* The media is over.  Outside an ending already under way, it ends the
 * call (the media command exiting is how a script hangs up). */
static void
on_media_over(struct sl_media *m, int status, void *arg)
{
	struct sl_call *c = arg;

	if (c->state == ST_CALLING && !c->sip_done)
		return;     /* early media stopped; the answer starts it anew */
	if (c->state == ST_ACTIVE || c->state == ST_ANSWERED) {
		if (status == SL_EXIT_MEDIALOST)
			sl_event("media-lost call-id=%s", c->call_id);
		set_status(c, status);
		send_bye(c, "local", status == SL_EXIT_MEDIALOST ? "media lost" : "media ended");
	} else {
		/* Ending anyway; a media failure still shows in the status
		 * unless something else decided it first. */
		set_status(c, status);
	}
	maybe_finish(c);
}

void
sl_call_export_env(struct sl_call *c)
{
	struct sl_handoff_call h = {
		c->call_id, c->local, c->remote, c->remote_name, c->outgoing
	};

	sl_handoff_call_to_env(&h);
}

/* Points the sockets at the peer's address and starts the media. */
static int
start_media(struct sl_call *c)
{
	struct sl_media_params p;
	int err;

	/* The 200 (or ACK) queued just now leaves before the fork and exec
	 * of the media, which take milliseconds the caller would wait. */
	sl_sip_flush(c->sip);

	if (c->theirs.addr.len &&
	    (err = sl_media_connect(c->media, &c->theirs.addr, c->theirs.rtcp_port)) != 0) {
		sl_warn_err(err, "unable to direct RTP to the peer");
		return err;
	}
	sl_media_params_init(&p);
	p.payload_type = c->pt;
	p.clock_rate = 8000;
	p.ptime = c->theirs.ptime ? c->theirs.ptime : c->cfg.ptime;
	p.dtmf_pt = c->ours.dtmf_pt >= 0 ? c->theirs.dtmf_pt : -1;
	p.rtp_timeout = c->cfg.rtp_timeout;
	p.remote = c->theirs.addr;
	p.direction = c->ours.dir;
	sl_call_export_env(c);
	if ((err = sl_media_start(c->media, c->cfg.media_argv, &p, on_media_over, c)) != 0) {
		sl_warn_err(err, "unable to start the media");
		return err;
	}
	c->media_started = 1;
	return 0;
}

/* Binds our RTP sockets on the address that reaches `toward`. */
static int
make_media(struct sl_call *c, const struct sl_addr *toward)
{
	struct sl_addr ip;
	int err;

	if (c->media)
		return 0;
	if ((err = sl_addr_route_to(toward, &ip)) != 0)
		return err;
	if ((err = sl_media_new(c->loop, &ip, &c->media)) != 0)
		return err;
	return 0;
}

static void
fill_ours(struct sl_call *c, int dir)
{
	int i;

	c->ours.addr = *sl_media_local(c->media);
	c->ours.rtcp_port = sl_addr_port(&c->ours.addr) + 1;
	c->ours.npts = c->cfg.ncodecs;
	for (i = 0; i < c->cfg.ncodecs; i++)
		c->ours.pts[i] = c->cfg.codecs[i];
	c->ours.dtmf_pt = SL_PT_DTMF;
	c->ours.ptime = c->cfg.ptime;
	c->ours.dir = dir;
}

static int
set_sdp_body(struct sl_call *c, osip_message_t *msg)
{
	char sdp[SL_SDP_MAX];
	int err;

	if ((err = sl_sdp_build(&c->ours, c->sdp_id, c->sdp_version, sdp, sizeof sdp)) != 0)
		return err;
	osip_message_set_body(msg, sdp, strlen(sdp));
	osip_message_set_content_type(msg, "application/sdp");
	return 0;
}

/* ---- ending ---- */

static void
maybe_finish(struct sl_call *c)
{
	double secs;

	if (c->state == ST_DONE || !c->sip_done || (c->media && sl_media_running(c->media)))
		return;
	c->state = ST_DONE;
	sl_timer_stop(c->loop, &c->guard);
	sl_timer_stop(c->loop, &c->duration);
	sl_timer_stop(c->loop, &c->ok_timer);
	sl_timer_stop(c->loop, &c->noanswer);
	set_status(c, SL_EXIT_OK);
	secs = c->answered_at ? (sl_now_ms() - c->answered_at) / 1000.0 : 0;
	sl_event("ended status=%d duration=%.1f call-id=%s", c->status, secs, c->call_id);
	c->cb(c, c->status, c->arg);
}

/* The signalling side is over; the media may still be draining. */
static void
sip_over(struct sl_call *c)
{
	c->sip_done = 1;
	if (c->media)
		sl_media_stop(c->media);
	maybe_finish(c);
}

static void
on_guard(void *arg)
{
	struct sl_call *c = arg;

	/* The answer to our BYE or CANCEL never came: give up on it. */
	if (c->bye) {
		sl_client_abandon(c->bye);
		c->bye = NULL;
	}
	if (c->invite) {
		sl_client_abandon(c->invite);
		c->invite = NULL;
	}
	sip_over(c);
}

/* Builds a request within the dialog (RFC 3261 §12.2.1.1). */
static int
in_dialog_request(struct sl_call *c, const char *method, osip_message_t **out)
{
	osip_dialog_t *d = c->dialog;
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
	if (m->from && tag_of(m->from)[0] == '\0')
		osip_from_set_tag(m->from, osip_strdup(d->local_tag));
	if (m->to && tag_of(m->to)[0] == '\0' && d->remote_tag)
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

static void
on_bye_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;

	if (resp && resp->status_code < 200)
		return;
	c->bye = NULL;
	/* Said, not just logged: the peer may still think the call is up,
	 * and run until its own timers end it.  So it may after a failure
	 * from a proxy (a 408 when the BYE got no further); not after a
	 * 481, where the peer has no such call. */
	if (resp == NULL)
		sl_warn("BYE: %s: the peer may not know the call has ended",
			sl_describe_error(err));
	else if (resp->status_code >= 300 && resp->status_code != 481)
		sl_warn("BYE: %d %s: the peer may not know the call has ended",
			resp->status_code,
			resp->reason_phrase ? resp->reason_phrase : "");
	sip_over(c);
}

static void bye_now(struct sl_call *c);

/* A hang-up asked for while the ACK of our 2xx is still awaited: the wait
 * is over; stop offering the 2xx and send the BYE. */
static void
bye_without_ack(void *arg)
{
	struct sl_call *c = arg;

	if (c->state != ST_ANSWERED || !c->bye_after_ack)
		return;
	sl_timer_stop(c->loop, &c->ok_timer);
	if (c->ok) {
		osip_message_free(c->ok);
		c->ok = NULL;
	}
	c->bye_after_ack = 0;
	c->state = ST_ENDING;
	bye_now(c);
}

static void
send_bye(struct sl_call *c, const char *by, const char *why)
{
	if (c->state == ST_ENDING || c->state == ST_DONE)
		return;
	sl_event("hangup by=%s reason=\"%s\" call-id=%s", by, why, c->call_id);
	if (c->state == ST_ANSWERED) {
		/* No BYE before the ACK (RFC 3261 §15): it goes out when the
		 * ACK comes.  But a hang-up must not wait 32 s for an ACK that
		 * may never come: after SL_CALL_ACK_WAIT_MS it goes anyway. */
		c->bye_after_ack = 1;
		if (c->media)
			sl_media_stop(c->media);
		sl_timer_start(c->loop, &c->guard, SL_CALL_ACK_WAIT_MS, bye_without_ack, c);
		return;
	}
	c->state = ST_ENDING;
	sl_timer_stop(c->loop, &c->duration);
	/* The BYE leaves before the media is stopped: stopping it sends our
	 * RTCP BYE, at which the peer's media may end, and the peer should
	 * have our BYE by then, to see the hang-up as ours. */
	bye_now(c);
	sl_sip_flush(c->sip);
	if (c->media)
		sl_media_stop(c->media);
}

/* Sends the BYE and bounds the wait for its answer. */
static void
bye_now(struct sl_call *c)
{
	osip_message_t *bye;
	int err;

	if ((err = in_dialog_request(c, "BYE", &bye)) != 0 ||
	    (err = sl_sip_send(c->sip, bye, on_bye_response, c, &c->bye)) != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send BYE");
		c->bye = NULL;
		sip_over(c);
		return;
	}
	sl_client_set_timeout(c->bye, SL_CALL_END_WAIT_MS);
	sl_timer_start(c->loop, &c->guard, SL_CALL_END_WAIT_MS + 500, on_guard, c);
}

static void
on_duration(void *arg)
{
	struct sl_call *c = arg;

	send_bye(c, "local", "duration reached");
}

static void
confirmed(struct sl_call *c)
{
	c->state = ST_ACTIVE;
	if (c->cfg.duration > 0)
		sl_timer_start(c->loop, &c->duration, (int64_t)(c->cfg.duration * 1000),
			       on_duration, c);
}

/* ---- outgoing ---- */

static void
on_noanswer(void *arg)
{
	struct sl_call *c = arg;

	if (c->state != ST_CALLING)
		return;
	if (!c->provisional) {
		/* Nothing at all came back: that is "no response", and the
		 * transaction's own timer (set to our timeout) reports it. */
		return;
	}
	sl_event("no-answer after=%g call-id=%s", c->timeout, c->call_id);
	set_status(c, SL_EXIT_NOANSWER);
	c->state = ST_ENDING;
	sl_client_cancel(c->invite);
	sl_timer_start(c->loop, &c->guard, SL_CALL_END_WAIT_MS, on_guard, c);
}

/* Sends the ACK for a 2xx (RFC 3261 §13.2.2.4) and keeps it for the 2xx's
 * retransmissions. */
static void
send_ack(struct sl_call *c, osip_message_t *inv)
{
	osip_message_t *ack;
	int pos, err;

	if (in_dialog_request(c, "ACK", &ack) != 0)
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

/* Takes the peer's SDP answer from msg (the 2xx to our offer, or the ACK
 * after a delayed offer) and picks the codec.  Returns 0, or -1 with the
 * reason in *why. */
static int
take_answer(struct sl_call *c, osip_message_t *msg, const char **why)
{
	osip_body_t *body = NULL;

	*why = "no SDP";
	osip_message_get_body(msg, 0, &body);
	if (body == NULL || body->body == NULL ||
	    sl_sdp_parse(body->body, &c->theirs, why) != 0)
		return -1;
	*why = "no codec in common";
	if ((c->pt = sl_sdp_pick(&c->theirs, &c->ours)) < 0)
		return -1;
	*why = NULL;
	return 0;
}

/* The peer's RTP address for an event line ("none" while on hold). */
static const char *
peer_rtp(const struct sl_call *c, char *buf)
{
	if (c->theirs.addr.len == 0)
		return "none";
	return sl_addr_str(&c->theirs.addr, buf);
}

/* Starts the media now that the codec is settled; a failure ends the call. */
static void
media_or_bye(struct sl_call *c)
{
	if (start_media(c) != 0) {
		set_status(c, SL_EXIT_CANTRUN);
		send_bye(c, "local", "media failed");
	}
}

/* " sip=tls" for the answered event when the call's SIP went over TLS (to
 * the next hop: what lies beyond is the proxy's), else "". */
static const char *
sip_tls(struct sl_call *c)
{
	return sl_transport_proto(sl_sip_transport(c->sip)) == SL_PROTO_TLS ? " sip=tls" : "";
}

static void
on_answered(struct sl_call *c, osip_message_t *resp, osip_message_t *inv)
{
	const char *why = NULL;
	char st[160], a[SL_ADDR_STRLEN];

	if (osip_dialog_init_as_uac(&c->dialog, resp) != 0) {
		sl_warn("unusable 2xx to INVITE (no dialog could be made of it)");
		set_status(c, SL_EXIT_REJECTED);
		sip_over(c);
		return;
	}
	c->cseq = strtoul(inv->cseq->number, NULL, 10);
	send_ack(c, inv);
	c->answered_at = sl_now_ms();
	status_text(resp, st, sizeof st);
	if (c->state == ST_ENDING) {
		/* We gave up (CANCEL, signal) but the callee answered
		 * meanwhile: end the dialog it made. */
		c->state = ST_ACTIVE;
		send_bye(c, "local", "cancelled");
		return;
	}
	if (take_answer(c, resp, &why) != 0) {
		sl_event("answered status=\"%s\"%s call-id=%s", st, sip_tls(c), c->call_id);
		sl_warn("the answer's SDP is unusable: %s", why);
		c->state = ST_ACTIVE;
		set_status(c, SL_EXIT_REJECTED);
		send_bye(c, "local", "no usable media");
		return;
	}
	sl_event("answered status=\"%s\" codec=%s rtp=%s%s call-id=%s", st,
		 sl_sdp_codec_name(c->pt), peer_rtp(c, a), sip_tls(c), c->call_id);
	confirmed(c);
	media_or_bye(c);
}

/* A provisional response with SDP: the network plays something before the
 * answer (ringback, an announcement).  With the default media, rtp-recv
 * starts now so that it reaches our stdout; we send nothing until the
 * answer (RFC 3960's gateway model).  A COMMAND only starts at the
 * answer. */
static void
early_media(struct sl_call *c, osip_message_t *resp)
{
	osip_body_t *body = NULL;
	struct sl_media_params p;
	const char *why = NULL;
	char a[SL_ADDR_STRLEN];
	int pt;

	osip_message_get_body(resp, 0, &body);
	if (c->cfg.media_argv || body == NULL || body->body == NULL ||
	    sl_media_running(c->media) || sl_sdp_parse(body->body, &c->theirs, &why) != 0 ||
	    (pt = sl_sdp_pick(&c->theirs, &c->ours)) < 0 || c->theirs.addr.len == 0)
		return;
	c->pt = pt;
	if (sl_media_connect(c->media, &c->theirs.addr, c->theirs.rtcp_port) != 0)
		return;
	sl_media_params_init(&p);
	p.payload_type = pt;
	p.ptime = c->theirs.ptime ? c->theirs.ptime : c->cfg.ptime;
	p.dtmf_pt = c->theirs.dtmf_pt;
	p.rtp_timeout = c->cfg.rtp_timeout;
	p.remote = c->theirs.addr;
	p.direction = SL_DIR_RECVONLY;
	sl_call_export_env(c);
	if (sl_media_start_early(c->media, &p, on_media_over, c) == 0)
		sl_event("early-media codec=%s rtp=%s call-id=%s", sl_sdp_codec_name(pt),
			 sl_addr_str(&c->theirs.addr, a), c->call_id);
}

static void on_invite_response(struct sl_client *cl, osip_message_t *resp,
			       int err, void *arg);

/* Gives the timer B of the INVITE just sent what is left of --timeout,
 * when that is less than RFC 3261's 32 s. */
static void
bound_invite(struct sl_call *c)
{
	int64_t left;

	if (c->timeout <= 0 || !sl_timer_armed(&c->noanswer))
		return;
	left = c->noanswer.due - sl_now_ms();
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
	c->provisional = 0;
	bound_invite(c);
	return 0;
}

/* A 3xx names where to call instead (RFC 3261 §8.1.3.4); a failure of a
 * call that was redirected (resp, or no response: NULL) tries the next
 * target a 3xx named.  st says what happened, for the event line.
 * Returns 1 when a new INVITE went out, 0 when this is the outcome. */
static int
follow_redirect(struct sl_call *c, struct sl_client *cl, osip_message_t *resp,
		const char *st)
{
	const char *target;
	char to[512];
	int limit, err;

	if (resp && resp->status_code < 400)
		sl_redirect_add(&c->redir, resp);
	else if (c->redir.hops == 0)
		return 0;
	while ((target = sl_redirect_next(&c->redir, &limit)) != NULL) {
		clean(to, sizeof to, target);
		if ((err = redial(c, cl, target)) == 0) {
			sl_event("redirected status=\"%s\" to=%s hop=%d call-id=%s", st, to,
				 c->redir.hops, c->call_id);
			return 1;
		}
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to call %s", to);
	}
	if (limit)
		sl_warn("not following %s: %d redirections already", st,
			SL_REDIRECT_MAX_HOPS);
	return 0;
}

static void
on_invite_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	char st[160];
	int code;

	if (resp == NULL) {
		if (c->state == ST_CALLING &&
		    follow_redirect(c, cl, NULL, sl_describe_error(err)))
			return;
		c->invite = NULL;
		if (c->state == ST_CALLING)
			sl_event("failed reason=\"%s\" call-id=%s", sl_describe_error(err), c->call_id);
		set_status(c, sl_exit_for_error(err));
		sip_over(c);
		return;
	}
	code = resp->status_code;
	status_text(resp, st, sizeof st);
	if (code < 200) {
		c->provisional = 1;
		if (c->state != ST_CALLING)
			return;
		if (code == 100)
			sl_event("trying status=\"%s\"", st);
		else if (code == 180 || code == 181 || code == 182)
			sl_event("ringing status=\"%s\"", st);
		else
			sl_event("progress status=\"%s\"", st);
		if (code > 100)
			early_media(c, resp);
		return;
	}
	/* Before the no-answer timer stops: a redirected call keeps it. */
	if (code >= 300 && c->state == ST_CALLING && follow_redirect(c, cl, resp, st))
		return;
	c->invite = NULL;
	sl_timer_stop(c->loop, &c->noanswer);
	if (code < 300) {
		on_answered(c, resp, sl_client_request(cl));
		return;
	}
	if (c->state == ST_CALLING) {
		const char *auth = sl_client_auth_failure(cl, code);

		if (auth)
			sl_event("rejected status=\"%s\" reason=\"%s\" call-id=%s", st,
				 auth, c->call_id);
		else
			sl_event("rejected status=\"%s\" call-id=%s", st, c->call_id);
	}
	set_status(c, sl_client_exit_status(cl, code));
	c->state = ST_ENDING;
	sip_over(c);
}

int
sl_call_dial(struct sl_call *c, const char *uri, double timeout)
{
	osip_message_t *inv;
	struct sl_addr dst;
	int err;

	c->outgoing = 1;
	c->timeout = timeout;
	if ((err = sl_sip_new_request(c->sip, "INVITE", uri, NULL, &inv)) != 0)
		return err;
	if ((err = sl_sip_destination(c->sip, inv, &dst)) != 0 ||
	    (err = make_media(c, &dst)) != 0) {
		osip_message_free(inv);
		return err;
	}
	fill_ours(c, SL_DIR_SENDRECV);
	if ((err = set_sdp_body(c, inv)) != 0) {
		osip_message_free(inv);
		return err;
	}
	osip_message_set_allow(inv, SL_ALLOW);
	free(c->cid);
	if ((c->cid = dup_call_id(inv)) == NULL) {
		osip_message_free(inv);
		return ENOMEM;
	}
	clean(c->call_id, sizeof c->call_id, c->cid);
	uri_text(inv->to->url, c->remote, sizeof c->remote);
	uri_text(inv->from->url, c->local, sizeof c->local);
	if ((err = sl_redirect_init(&c->redir, uri)) != 0) {
		osip_message_free(inv);
		return err;
	}
	if ((err = sl_sip_send(c->sip, inv, on_invite_response, c, &c->invite)) != 0)
		return err;
	c->state = ST_CALLING;
	sl_event("calling to=%s call-id=%s", c->remote, c->call_id);
	if (timeout > 0) {
		/* Before any provisional response, timer B is the bound; it
		 * must not outlast what the user allowed. */
		if (timeout < 32)
			sl_client_set_timeout(c->invite, (int)(timeout * 1000));
		sl_timer_start(c->loop, &c->noanswer, (int64_t)(timeout * 1000), on_noanswer, c);
	}
	return 0;
}

/* ---- incoming ---- */

int
sl_call_incoming(struct sl_call *c, struct sl_server *srv, osip_message_t *invite)
{
	osip_body_t *body = NULL;
	osip_via_t *via = osip_list_get(&invite->vias, 0);
	osip_generic_param_t *branch = NULL;
	const char *why = NULL;
	int err;

	c->outgoing = 0;
	c->srv = srv;
	c->state = ST_INCOMING;
	if (osip_message_clone(invite, &c->invite_req) != 0)
		return 500;
	free(c->cid);
	if ((c->cid = dup_call_id(invite)) == NULL)
		return 500;
	clean(c->call_id, sizeof c->call_id, c->cid);
	uri_text(invite->from->url, c->remote, sizeof c->remote);
	uri_text(invite->to->url, c->local, sizeof c->local);
	clean_display_name(c->remote_name, sizeof c->remote_name, invite->from->displayname);
	snprintf(c->from_tag, sizeof c->from_tag, "%s", tag_of(invite->from));
	c->invite_cseq = strtoul(invite->cseq->number, NULL, 10);
	if (via && osip_via_param_get_byname(via, "branch", &branch) == 0 && branch && branch->gvalue)
		snprintf(c->invite_branch, sizeof c->invite_branch, "%s", branch->gvalue);
	sl_event("incoming from=%s%s%s%s to=%s call-id=%s", c->remote,
		 c->remote_name[0] ? " name=\"" : "", c->remote_name,
		 c->remote_name[0] ? "\"" : "", c->local, c->call_id);
	sl_server_reply(srv, 100);

	/* A Require (420), a body that is not SDP (415) or an Accept without
	 * it (406) was refused by the SIP core already (lib/sip.c). */
	osip_message_get_body(invite, 0, &body);
	if (body && body->body && body->length > 0) {
		struct sl_sdp_stream tmp;

		memset(&tmp, 0, sizeof tmp);
		tmp.npts = c->cfg.ncodecs;
		memcpy(tmp.pts, c->cfg.codecs, sizeof tmp.pts);
		if (sl_sdp_parse(body->body, &c->theirs, &why) != 0) {
			sl_warn("refusing call %s: %s", c->call_id, why);
			return 488;
		}
		if ((c->pt = sl_sdp_pick(&c->theirs, &tmp)) < 0) {
			sl_warn("refusing call %s: no codec in common (we take %s)", c->call_id,
				sl_sdp_codec_list(&tmp));
			return 488;
		}
	} else {
		c->delayed_offer = 1;
	}
	{
		struct sl_addr toward = c->theirs.addr.len ? c->theirs.addr : *sl_server_source(srv);

		if ((err = make_media(c, &toward)) != 0) {
			sl_warn_err(err, "unable to open RTP sockets");
			return 500;
		}
	}
	return 0;
}

/* Adds our Contact (where in-dialog requests reach us) to a response of
 * srv's transaction (the INVITE's, or a re-INVITE's). */
static void
add_contact(struct sl_call *c, struct sl_server *srv, osip_message_t *resp)
{
	char contact[600], buf[620];

	if (sl_sip_contact_for(c->sip, sl_server_source(srv), sl_server_request(srv),
			       contact, sizeof contact) == 0) {
		snprintf(buf, sizeof buf, "<%s>", contact);
		osip_message_set_contact(resp, buf);
	}
}

void
sl_call_ring(struct sl_call *c)
{
	osip_message_t *r;

	if (c->state != ST_INCOMING || c->srv == NULL)
		return;
	if (sl_server_response(c->srv, 180, &r) != 0)
		return;
	add_contact(c, c->srv, r);
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
	osip_message_t *r;
	char st[64], to[520];

	if (c->state != ST_INCOMING || c->srv == NULL)
		return;
	if (sl_server_response(c->srv, code, &r) == 0) {
		if (code == 488)
			osip_message_set_accept(r, SL_ACCEPT);
		if (contact) {
			snprintf(to, sizeof to, "<%s>", contact);
			osip_message_set_contact(r, to);
		}
		sl_server_send(c->srv, r);
	}
	c->srv = NULL;
	snprintf(st, sizeof st, "%d %s", code, sl_reason(code));
	if (contact)
		sl_event("rejected status=\"%s\" to=%s call-id=%s", st, contact, c->call_id);
	else
		sl_event("rejected status=\"%s\" call-id=%s", st, c->call_id);
	set_status(c, sl_exit_for_status(code));
	c->state = ST_ENDING;
	sip_over(c);
}

static void retransmit_ok(void *arg);

/* Sends our 2xx through the server transaction, keeps a copy, and takes
 * over its retransmission until the ACK comes (RFC 3261 §13.3.1.4). */
static void
send_ok(struct sl_call *c, struct sl_server *srv, osip_message_t *ok, unsigned long cseq)
{
	if (c->ok)
		osip_message_free(c->ok);
	c->ok = NULL;
	osip_message_clone(ok, &c->ok);
	c->ok_dst = *sl_server_source(srv);
	c->ok_cseq = cseq;
	c->ok_sent_at = sl_now_ms();
	c->ok_interval = T1_MS;
	sl_server_send(srv, ok);
	sl_timer_start(c->loop, &c->ok_timer, c->ok_interval, retransmit_ok, c);
}

static void
retransmit_ok(void *arg)
{
	struct sl_call *c = arg;

	if (c->ok == NULL)
		return;
	if (sl_now_ms() - c->ok_sent_at >= ACK_WAIT_MS) {
		sl_warn("no ACK for our 200 OK within %d s", ACK_WAIT_MS / 1000);
		osip_message_free(c->ok);
		c->ok = NULL;
		if (c->state == ST_ANSWERED && c->bye_after_ack) {
			bye_without_ack(c);
		} else if (c->state == ST_ANSWERED) {
			c->state = ST_ACTIVE;
			set_status(c, SL_EXIT_NORESPONSE);
			send_bye(c, "local", "no ACK");
		}
		return;
	}
	sl_sip_send_raw(c->sip, c->ok, &c->ok_dst);
	c->ok_interval = c->ok_interval * 2 > T2_MS ? T2_MS : c->ok_interval * 2;
	sl_timer_start(c->loop, &c->ok_timer, c->ok_interval, retransmit_ok, c);
}

void
sl_call_answer(struct sl_call *c)
{
	osip_message_t *ok;
	char a[SL_ADDR_STRLEN];

	if (c->state != ST_INCOMING || c->srv == NULL)
		return;
	if (c->delayed_offer) {
		fill_ours(c, SL_DIR_SENDRECV);
	} else {
		fill_ours(c, sl_sdp_mirror(c->theirs.dir));
		c->ours.pts[0] = c->pt;
		c->ours.npts = 1;
		c->ours.dtmf_pt = c->theirs.dtmf_pt;
	}
	if (sl_server_response(c->srv, 200, &ok) != 0) {
		sl_call_reject(c, 500);
		return;
	}
	add_contact(c, c->srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	if (set_sdp_body(c, ok) != 0 ||
	    osip_dialog_init_as_uas(&c->dialog, c->invite_req, ok) != 0) {
		osip_message_free(ok);
		sl_call_reject(c, 500);
		return;
	}
	c->state = ST_ANSWERED;
	c->answered_at = sl_now_ms();
	send_ok(c, c->srv, ok, c->invite_cseq);
	c->srv = NULL;      /* the transaction ended with the 2xx */
	if (c->delayed_offer) {
		sl_event("answered codec=pending%s call-id=%s", sip_tls(c), c->call_id);
		return;
	}
	sl_event("answered codec=%s rtp=%s%s call-id=%s", sl_sdp_codec_name(c->pt),
		 peer_rtp(c, a), sip_tls(c), c->call_id);
	media_or_bye(c);
}

/* ---- hang-up by us ---- */

void
sl_call_hangup(struct sl_call *c, const char *reason)
{
	switch (c->state) {
	case ST_CALLING:
		sl_event("cancelled by=local reason=\"%s\" call-id=%s", reason, c->call_id);
		set_status(c, SL_EXIT_NOANSWER);
		c->state = ST_ENDING;
		sl_timer_stop(c->loop, &c->noanswer);
		if (c->invite)
			sl_client_cancel(c->invite);
		sl_timer_start(c->loop, &c->guard, SL_CALL_END_WAIT_MS, on_guard, c);
		break;
	case ST_INCOMING:
		sl_call_reject(c, 480);
		break;
	case ST_ANSWERED:
	case ST_ACTIVE:
		send_bye(c, "local", reason);
		break;
	case ST_IDLE:
		c->state = ST_ENDING;
		sip_over(c);
		break;
	case ST_ENDING:
	case ST_DONE:
		break;
	}
}

/* ---- messages of this call ---- */

int
sl_call_owns(const struct sl_call *c, const osip_message_t *msg)
{
	const char *to_tag, *from_tag;

	if (!same_call_id(msg, c->cid))
		return 0;
	if (c->dialog == NULL)
		return 1;
	to_tag = tag_of(msg->to);
	from_tag = tag_of(msg->from);
	if (MSG_IS_REQUEST(msg)) {
		/* Their From tag is our remote tag; the To tag, once set, ours. */
		if (c->dialog->remote_tag && strcmp(from_tag, c->dialog->remote_tag) != 0)
			return 0;
		return *to_tag == '\0' || strcmp(to_tag, c->dialog->local_tag) == 0;
	}
	return strcmp(from_tag, c->dialog->local_tag) == 0;
}

int
sl_call_retransmission(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	osip_message_t *again = NULL;

	if (!MSG_IS_INVITE(req) || c->outgoing || c->ok == NULL || tag_of(req->to)[0] ||
	    !same_call_id(req, c->cid) ||
	    strcmp(tag_of(req->from), c->from_tag) != 0 ||
	    strtoul(req->cseq->number, NULL, 10) != c->invite_cseq)
		return 0;
	/* A new server transaction was made for it; it ends with the same
	 * 2xx, which is what the caller is waiting for. */
	if (osip_message_clone(c->ok, &again) == 0)
		sl_server_send(srv, again);
	return 1;
}

static void
handle_cancel(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	osip_message_t *r;

	sl_server_reply(srv, 200);
	if (c->state != ST_INCOMING || c->srv == NULL)
		return;     /* too late: the call is answered or gone */
	if (sl_server_response(c->srv, 487, &r) == 0)
		sl_server_send(c->srv, r);
	c->srv = NULL;
	sl_event("cancelled by=remote from=%s call-id=%s", c->remote, c->call_id);
	set_status(c, SL_EXIT_NOANSWER);
	c->state = ST_ENDING;
	sip_over(c);
}

/* A re-INVITE: hold, resume, a moved media address, a session refresh.
 * The call goes on with the codec it has. */
static void
handle_reinvite(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	osip_body_t *body = NULL;
	struct sl_sdp_stream offer;
	const char *why;
	osip_message_t *ok;
	int i, have = 0, dir;

	if (c->state != ST_ACTIVE || c->ok) {
		sl_server_reply(srv, 491);  /* Request Pending */
		return;
	}
	osip_message_get_body(req, 0, &body);
	if (body && body->body && body->length > 0) {
		if (sl_sdp_parse(body->body, &offer, &why) != 0) {
			sl_server_reply(srv, 488);
			return;
		}
		for (i = 0; i < offer.npts; i++)
			if (offer.pts[i] == c->pt)
				have = 1;
		if (!have) {
			sl_server_reply(srv, 488);
			return;
		}
		if (offer.addr.len && (!c->theirs.addr.len ||
				       !sl_addr_equal(&offer.addr, &c->theirs.addr))) {
			char a[SL_ADDR_STRLEN];

			sl_media_connect(c->media, &offer.addr, offer.rtcp_port);
			sl_event("media-moved rtp=%s call-id=%s", sl_addr_str(&offer.addr, a), c->call_id);
		}
		dir = sl_sdp_mirror(offer.dir);
		if (offer.dir != c->theirs.dir)
			sl_event("%s call-id=%s", offer.dir == SL_DIR_SENDRECV ? "resumed" :
				 "held", c->call_id);
		if (dir != c->ours.dir) {
			c->ours.dir = dir;
			c->sdp_version++;
		}
		offer.dtmf_pt = offer.dtmf_pt >= 0 ? offer.dtmf_pt : c->theirs.dtmf_pt;
		c->theirs = offer;
	}
	c->ours.pts[0] = c->pt;
	c->ours.npts = 1;
	if (sl_server_response(srv, 200, &ok) != 0)
		return;
	add_contact(c, srv, ok);
	osip_message_set_allow(ok, SL_ALLOW);
	set_sdp_body(c, ok);
	send_ok(c, srv, ok, strtoul(req->cseq->number, NULL, 10));
}

void
sl_call_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	if (MSG_IS_BYE(req)) {
		sl_server_reply(srv, 200);
		if (c->state == ST_ACTIVE || c->state == ST_ANSWERED) {
			sl_event("hangup by=remote call-id=%s", c->call_id);
			set_status(c, SL_EXIT_OK);
			c->state = ST_ENDING;
			sip_over(c);
		} else if (c->state == ST_ENDING && c->bye) {
			/* Both hung up at once; ours is answered or not. */
			sip_over(c);
		}
		return;
	}
	if (MSG_IS_CANCEL(req)) {
		handle_cancel(c, srv, req);
		return;
	}
	if (MSG_IS_INVITE(req)) {
		handle_reinvite(c, srv, req);
		return;
	}
	if (MSG_IS_OPTIONS(req)) {
		sl_server_reply(srv, 200);
		return;
	}
	sl_server_reply_unsupported(srv);
}

static void
on_ack(struct sl_call *c, osip_message_t *ack)
{
	unsigned long cseq = strtoul(ack->cseq->number, NULL, 10);

	if (c->ok == NULL || cseq != c->ok_cseq)
		return;     /* a retransmitted ACK */
	osip_message_free(c->ok);
	c->ok = NULL;
	sl_timer_stop(c->loop, &c->ok_timer);
	if (c->state != ST_ANSWERED)
		return;     /* the ACK of a re-INVITE */
	confirmed(c);
	if (c->delayed_offer) {
		const char *why;
		char a[SL_ADDR_STRLEN];

		if (take_answer(c, ack, &why) != 0) {
			sl_warn("the ACK's SDP answer is unusable: %s", why);
			set_status(c, SL_EXIT_REJECTED);
			send_bye(c, "local", "no usable media");
			return;
		}
		sl_event("media codec=%s rtp=%s call-id=%s", sl_sdp_codec_name(c->pt),
			 peer_rtp(c, a), c->call_id);
		if (!c->bye_after_ack)
			media_or_bye(c);
	}
	if (c->bye_after_ack) {
		/* send_bye printed its line when it was asked. */
		sl_timer_stop(c->loop, &c->guard);
		c->bye_after_ack = 0;
		c->state = ST_ENDING;
		bye_now(c);
	}
}

void
sl_call_stray(struct sl_call *c, osip_message_t *msg)
{
	if (MSG_IS_ACK(msg)) {
		if (!c->outgoing)
			on_ack(c, msg);
		return;
	}
	/* A 2xx to our INVITE again: our ACK got lost (RFC 3261 §13.2.2.4). */
	if (c->outgoing && msg->status_code >= 200 && msg->status_code < 300 &&
	    msg->cseq && strcmp(msg->cseq->method, "INVITE") == 0 && c->ack)
		sl_sip_send_raw(c->sip, c->ack, &c->ack_dst);
}
