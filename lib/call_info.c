/* DTMF by SIP INFO within a call (RFC 6086's legacy usage, as PBXs send
 * it): a key of theirs (application/dtmf-relay or application/dtmf)
 * answered 200 and handed to the media, which says it as the same DTMF
 * line as an RFC 4733 event; our keys (the control channel's dtmf, when
 * the peer takes no telephone-event or --dtmf info says so) as INFOs of
 * application/dtmf-relay, one at a time, paced like RFC 4733 events. */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dtmf.h"
#include "info.h"
#include "log.h"

/* ---- theirs ---- */

/* The key goes down the media's pipe (SIP_DTMF_FD): rtp-recv, or the
 * default media, says it as it says the keys of RTP events. */
static void
hand_over(struct sl_call *c, char digit)
{
	char line[2] = { digit, '\n' };

	if (c->dtmf_rx_fd < 0) {
		sl_warn("DTMF %c by INFO before the media started: dropped", digit);
		return;
	}
	if (write(c->dtmf_rx_fd, line, sizeof line) != (ssize_t)sizeof line)
		sl_warn("DTMF %c by INFO: %s", digit, errno == EAGAIN ?
			"the media does not read SIP_DTMF_FD: dropped" :
			"unable to pass it on");
}

/* Replies code with a header (NULL: none). */
static void
reply_with(struct sl_server *srv, int code, const char *reason, const char *name,
	   const char *value)
{
	osip_message_t *r;

	if (sl_server_response(srv, code, &r) != 0)
		return;
	if (reason) {
		osip_free(r->reason_phrase);
		r->reason_phrase = osip_strdup(reason);
	}
	if (name)
		osip_message_set_header(r, name, value);
	sl_server_send(srv, r);
}

void
sl_call_info_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	osip_content_type_t *ct = req->content_type;
	osip_header_t *h = NULL;
	osip_body_t *body = NULL;
	struct sl_info_key key;
	char type[64];
	int kind;

	/* We announce no Info Package (RFC 6086 4.2.2: 469, and the empty
	 * list of those we take). */
	if (osip_message_header_get_byname(req, "info-package", 0, &h) >= 0 && h) {
		reply_with(srv, 469, "Bad Info Package", "Recv-Info", "");
		return;
	}
	osip_message_get_body(req, 0, &body);
	/* No body: a keep-alive, or a probe of the dialog (RFC 2976). */
	if (body == NULL || body->body == NULL || body->length == 0) {
		sl_server_reply(srv, 200);
		return;
	}
	kind = ct ? sl_info_kind(ct->type, ct->subtype) : SL_INFO_OTHER;
	if (kind == SL_INFO_OTHER) {
		char raw[64];

		snprintf(raw, sizeof raw, "%s/%s", ct && ct->type ? ct->type : "",
			 ct && ct->subtype ? ct->subtype : "");
		sl_call_clean(type, sizeof type, raw);
		reply_with(srv, 415, NULL, "Accept", "application/dtmf-relay, application/dtmf");
		sl_warn("INFO of type %s in call %s: 415", type, c->call_id);
		return;
	}
	if (sl_info_key_parse(kind, body->body, body->length, &key) != 0) {
		sl_server_reply(srv, 400);
		sl_warn("INFO without a usable DTMF key in call %s: 400", c->call_id);
		return;
	}
	sl_server_reply(srv, 200);
	if (key.digit == '\0')
		sl_debug("INFO: a flash (event 16), not a key: ignored");
	else
		hand_over(c, key.digit);
}

/* ---- ours ---- */

static void send_next(struct sl_call *c);

static void
on_info_timer(void *arg)
{
	send_next(arg);
}

/* The rest of the keys are dropped, with why. */
static void
give_up(struct sl_call *c, const char *why)
{
	char st[160];

	sl_call_clean(st, sizeof st, why);
	sl_event("control-error command=dtmf reason=\"%s\" call-id=%s", st, c->call_id);
	c->info_len = c->info_next = 0;
}

static void
on_info_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	char line[160];
	int64_t wait;

	if (resp && resp->status_code < 200)
		return;
	c->info = NULL;
	if (resp == NULL || resp->status_code >= 300) {
		if (resp)
			sl_status_line(resp, line, sizeof line);
		give_up(c, resp ? line : sl_describe_error(err));
		/* The peer has no such call, or cannot be reached: the dialog
		 * is over (RFC 3261 12.2.1.2), as after our re-INVITE. */
		if (resp == NULL || resp->status_code == 408 || resp->status_code == 481)
			sl_call_hangup(c, "INFO failed");
		return;
	}
	/* The next key no sooner than an RFC 4733 event and its gap. */
	wait = c->info_sent + SL_DTMF_TONE_MS + SL_DTMF_GAP_MS - sl_now_ms();
	sl_timer_start(c->loop, &c->info_timer, wait > 0 ? wait : 0, on_info_timer, c);
}

/* Sends the next key, or waits out the pauses before it. */
static void
send_next(struct sl_call *c)
{
	osip_message_t *req;
	char body[64];
	int pauses = 0, err, n;

	if (c->info || sl_timer_armed(&c->info_timer))
		return;
	while (c->info_next < c->info_len && c->info_keys[c->info_next] == SL_DTMF_PAUSE) {
		c->info_next++;
		pauses++;
	}
	if (pauses) {
		sl_timer_start(c->loop, &c->info_timer, pauses * SL_DTMF_PAUSE_MS, on_info_timer, c);
		return;
	}
	if (c->info_next >= c->info_len) {
		c->info_len = c->info_next = 0;
		return;
	}
	n = sl_info_relay_body(c->info_keys[c->info_next], SL_DTMF_TONE_MS, body, sizeof body);
	if ((err = sl_call_dialog_request(c, "INFO", &req)) != 0) {
		give_up(c, sl_describe_error(err));
		return;
	}
	osip_message_set_body(req, body, (size_t)n);
	osip_message_set_content_type(req, "application/dtmf-relay");
	if ((err = sl_sip_send(c->sip, req, on_info_response, c, &c->info)) != 0) {
		c->info = NULL;
		give_up(c, sl_describe_error(err < 0 ? EHOSTUNREACH : err));
		return;
	}
	sl_debug("DTMF %c sent by INFO", c->info_keys[c->info_next]);
	c->info_next++;
	c->info_sent = sl_now_ms();
}

int
sl_call_info_dtmf(struct sl_call *c, const char *digits)
{
	size_t len = c->info_len;
	const char *p;

	for (p = digits; *p; p++) {
		if (*p != SL_DTMF_PAUSE && sl_dtmf_event(*p) < 0)
			continue;       /* blanks */
		if (len == sizeof c->info_keys)
			return ENOSPC;
		c->info_keys[len++] = *p == SL_DTMF_PAUSE ? *p : sl_dtmf_char(sl_dtmf_event(*p));
	}
	c->info_len = len;
	send_next(c);
	return 0;
}

void
sl_call_info_stop(struct sl_call *c)
{
	sl_timer_stop(c->loop, &c->info_timer);
	if (c->info)
		sl_client_abandon(c->info);
	c->info = NULL;
	c->info_len = c->info_next = 0;
	if (c->dtmf_rx_fd >= 0)
		close(c->dtmf_rx_fd);
	c->dtmf_rx_fd = -1;
}
