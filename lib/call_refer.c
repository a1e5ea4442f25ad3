/* Blind transfer (RFC 3515): our REFER (the control channel's transfer
 * URI) and the NOTIFYs that report how the transfer goes; a REFER of the
 * peer's, refused (400, 603) or followed: 202, a new call placed by the
 * tool, its progress sent back in NOTIFYs of message/sipfrag. */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "refer.h"

/* ---- our REFER ---- */

static void
on_notify_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
}

static void
on_refer_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	char line[160], st[160];

	if (resp && resp->status_code < 200)
		return;
	c->refer = NULL;
	if (resp)
		sl_status_line(resp, line, sizeof line);
	else
		snprintf(line, sizeof line, "%s", sl_describe_error(err));
	sl_call_clean(st, sizeof st, line);
	if (resp && resp->status_code < 300) {
		c->xfer_out = 2;
		sl_event("transfer accepted status=\"%s\" call-id=%s", st, c->call_id);
		return;
	}
	c->xfer_out = 0;
	sl_event("control-error command=transfer reason=\"%s\" call-id=%s", st, c->call_id);
}

int
sl_call_refer(struct sl_call *c, const char *uri)
{
	osip_message_t *req;
	char buf[SL_CONTROL_LINE_MAX + 16];
	int err;

	if ((err = sl_call_dialog_request(c, "REFER", &req)) != 0)
		return err;
	snprintf(buf, sizeof buf, "<%s>", uri);
	osip_message_set_header(req, "Refer-To", buf);
	if (req->from && req->from->url) {
		char *from = NULL;

		if (osip_uri_to_str(req->from->url, &from) == 0) {
			snprintf(buf, sizeof buf, "<%s>", from);
			osip_message_set_header(req, "Referred-By", buf);
			osip_free(from);
		}
	}
	if ((err = sl_sip_send(c->sip, req, on_refer_response, c, &c->refer)) != 0) {
		c->refer = NULL;
		return err < 0 ? EHOSTUNREACH : err;
	}
	c->xfer_out = 1;
	return 0;
}

/* A NOTIFY of our REFER's subscription: its message/sipfrag body is the
 * status line of the transferee's new call.  2xx: the transfer is done,
 * and our call ends. */
static void
notified(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_HANGUP, .reason = "transferred" };
	osip_body_t *body = NULL;
	char st[160];
	int code = 0;

	if (!c->xfer_out) {
		sl_server_reply(srv, 481);     /* no such subscription */
		return;
	}
	osip_message_get_body(req, 0, &body);
	if (body == NULL || body->body == NULL ||
	    sl_refer_sipfrag(body->body, body->length, &code, st, sizeof st) != 0) {
		sl_server_reply(srv, 400);
		sl_warn("NOTIFY of the transfer without a sipfrag status line: 400");
		return;
	}
	sl_server_reply(srv, 200);
	sl_event("transfer status=\"%s\" call-id=%s", st, c->call_id);
	if (code < 200)
		return;
	c->xfer_out = 0;
	if (code < 300)
		sl_call_step(c, &ev);
}

/* ---- a REFER of the peer's ---- */

/* Sends a NOTIFY with the sipfrag "SIP/2.0 code reason"; final: the
 * subscription ends with it. */
static void
notify(struct sl_call *c, int code, const char *reason)
{
	osip_message_t *req;
	char frag[200];

	if (sl_call_dialog_request(c, "NOTIFY", &req) != 0)
		return;
	osip_message_set_header(req, "Event", "refer");
	osip_message_set_header(req, "Subscription-State",
				code >= 200 ? "terminated;reason=noresource" : "active;expires=60");
	snprintf(frag, sizeof frag, "SIP/2.0 %d %s\r\n", code, reason);
	osip_message_set_body(req, frag, strlen(frag));
	osip_message_set_content_type(req, "message/sipfrag;version=2.0");
	if (sl_sip_send(c->sip, req, on_notify_response, NULL, NULL) != 0)
		sl_warn("unable to send the NOTIFY of the transfer");
}

void
sl_call_transfer_progress(struct sl_call *c, int code, const char *reason)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_HANGUP, .reason = "transferred" };

	if (!c->xfer_in || c->fsm.state >= SL_CALL_BYE_SENT)
		return;
	notify(c, code, reason && *reason ? reason : sl_reason(code));
	if (code < 200)
		return;
	c->xfer_in = 0;
	/* Done: this call has been replaced. */
	if (code < 300)
		sl_call_step(c, &ev);
}

/* The Refer-To URI of req into buf (its angle brackets taken off), or 0. */
static int
refer_to(osip_message_t *req, char *buf, size_t size)
{
	osip_header_t *h = NULL;

	/* (the short form, "r", too) */
	if ((osip_message_header_get_byname(req, "refer-to", 0, &h) < 0 &&
	     osip_message_header_get_byname(req, "r", 0, &h) < 0) || h == NULL)
		return 0;
	return sl_refer_target(h->hvalue, buf, size) == 0 && sl_uri_ok(buf);
}

void
sl_call_transfer_for(struct sl_call *c, struct sl_call *replaced)
{
	c->xfer_from = replaced;
}

void
sl_call_xfer_report(struct sl_call *c, int code)
{
	if (c->xfer_from == NULL || c->xfer_reported)
		return;
	if (code >= 200)
		c->xfer_reported = 1;
	sl_call_transfer_progress(c->xfer_from, code, NULL);
}

static void
referred(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	char target[1024], shown[512];

	if (!refer_to(req, target, sizeof target)) {
		sl_server_reply(srv, 400);
		sl_warn("REFER without a usable Refer-To: 400");
		return;
	}
	sl_call_clean(shown, sizeof shown, target);
	if (c->fsm.state != SL_CALL_CONFIRMED || c->xfer_in) {
		sl_server_reply(srv, 491);
		return;
	}
	if (!c->cfg.on_refer) {
		sl_server_reply(srv, 603);
		sl_event("transfer-refused to=%s call-id=%s", shown, c->call_id);
		return;
	}
	sl_server_reply(srv, 202);
	sl_event("transferred to=%s call-id=%s", shown, c->call_id);
	c->xfer_in = 1;
	notify(c, 100, "Trying");
	/* The tool places the new call; its progress comes back through
	 * sl_call_transfer_progress. */
	c->cfg.on_refer(c, target, c->cfg.refer_arg);
}

int
sl_call_refer_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req)
{
	if (MSG_IS_REFER(req))
		referred(c, srv, req);
	else if (MSG_IS_NOTIFY(req))
		notified(c, srv, req);
	else
		return 0;
	return 1;
}
