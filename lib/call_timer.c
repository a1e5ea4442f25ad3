/* A call's session timer (RFC 4028) in its messages: Supported: timer,
 * Session-Expires and Min-SE in our requests and 2xx, what the peer's
 * say (lib/stimer.c reads and answers them), our refresh by UPDATE, and
 * our INVITE again after a 422.  The timing is the state machine's
 * (call_fsm.c). */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "opt.h"

/* The first value of header name (or its compact form, when not NULL). */
static const char *
header(const osip_message_t *m, const char *name, const char *compact)
{
	osip_header_t *h = NULL;

	if (osip_message_header_get_byname(m, name, 0, &h) >= 0 && h && h->hvalue)
		return h->hvalue;
	if (compact && osip_message_header_get_byname(m, compact, 0, &h) >= 0 && h && h->hvalue)
		return h->hvalue;
	return NULL;
}

/* 1 when a comma-separated list in one of m's headers name (or compact)
 * holds token. */
static int
lists(const osip_message_t *m, const char *name, const char *compact, const char *token)
{
	size_t n = strlen(token);
	osip_header_t *h;
	int pos, i;

	for (i = 0; i < 2; i++) {
		const char *hn = i ? compact : name;

		for (pos = 0; hn && (h = NULL, pos = osip_message_header_get_byname(m, hn, pos, &h)) >= 0;
		     pos++) {
			const char *p = h && h->hvalue ? h->hvalue : "";

			while (*p) {
				while (*p == ' ' || *p == '\t' || *p == ',')
					p++;
				if (strncasecmp(p, token, n) == 0 &&
				    (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
					return 1;
				while (*p && *p != ',')
					p++;
			}
		}
	}
	return 0;
}

int
sl_call_allows_update(const osip_message_t *m)
{
	osip_allow_t *a;
	int pos;

	for (pos = 0; osip_message_get_allow(m, pos, &a) >= 0; pos++) {
		const char *p = a && a->value ? a->value : "";

		while (*p) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (strncasecmp(p, "UPDATE", 6) == 0 &&
			    (p[6] == '\0' || p[6] == ',' || p[6] == ' ' || p[6] == '\t'))
				return 1;
			while (*p && *p != ',')
				p++;
		}
	}
	return 0;
}

/* What req says of session timers (an unreadable Session-Expires is
 * none: 1 then). */
static int
read_request(const osip_message_t *req, struct sl_se_request *r)
{
	const char *v;
	int bad = 0;

	memset(r, 0, sizeof *r);
	if ((v = header(req, "session-expires", "x")) != NULL &&
	    sl_se_parse(v, &r->expires, &r->refresher) != 0) {
		r->expires = 0;
		r->refresher = SL_SE_NONE;
		bad = 1;
	}
	if ((v = header(req, "min-se", NULL)) != NULL && sl_min_se_parse(v, &r->min_se) != 0)
		r->min_se = 0;
	r->supported = lists(req, "supported", "k", "timer") || lists(req, "require", NULL, "timer");
	return bad;
}

static void
say_too_small(const osip_message_t *req, const char *call_id, unsigned long se,
	      unsigned long min)
{
	sl_warn("refusing %s of call %s: Session-Expires %lu is below our Min-SE %lu (422)",
		req->sip_method, call_id, se, min);
}

int
sl_call_timer_take(struct sl_call *c, osip_message_t *req)
{
	struct sl_se_request r;

	if (read_request(req, &r))
		sl_warn("call %s: Session-Expires unreadable, taken as none", c->call_id);
	if (sl_se_answer(&r, c->se_expires, c->se_min, &c->se_ans) != 0) {
		say_too_small(req, c->call_id, r.expires, c->se_min);
		return 422;
	}
	return 0;
}

/* Our Min-SE with cfg. */
static unsigned long
min_se_of(const struct sl_call_config *cfg)
{
	return cfg->min_se ? cfg->min_se : SL_SE_MIN_DEFAULT;
}

int
sl_call_timer_refuses(const struct sl_call_config *cfg, const osip_message_t *req)
{
	struct sl_se_request r;

	read_request(req, &r);
	return r.expires && r.expires < min_se_of(cfg) ? 422 : 0;
}

void
sl_call_timer_reply_422(const struct sl_call_config *cfg, struct sl_server *srv)
{
	osip_message_t *req = sl_server_request(srv), *r;
	struct sl_se_request rq;
	char cid[256], buf[24];

	read_request(req, &rq);
	sl_call_clean(cid, sizeof cid, req->call_id ? req->call_id->number : "");
	say_too_small(req, cid, rq.expires, min_se_of(cfg));
	if (sl_server_response(srv, 422, &r) != 0)
		return;
	snprintf(buf, sizeof buf, "%lu", min_se_of(cfg));
	osip_message_set_header(r, "Min-SE", buf);
	sl_server_send(srv, r);
}

void
sl_call_timer_ev(const struct sl_call *c, struct sl_call_ev *ev)
{
	ev->se_ms = (int64_t)c->se_ans.expires * 1000;
	ev->se_us = c->se_ans.we_refresh;
}

void
sl_call_timer_2xx(struct sl_call *c, osip_message_t *ok)
{
	char buf[64];

	osip_message_set_header(ok, "Supported", SL_SUPPORTED);
	if (c->se_ans.expires == 0)
		return;
	snprintf(buf, sizeof buf, "%lu;refresher=%s", c->se_ans.expires,
		 c->se_ans.we_refresh ? "uas" : "uac");
	osip_message_set_header(ok, "Session-Expires", buf);
	if (c->se_ans.require)
		osip_message_set_header(ok, "Require", "timer");
}

void
sl_call_timer_min_se(struct sl_call *c, osip_message_t *resp)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%lu", c->se_min);
	osip_message_set_header(resp, "Min-SE", buf);
}

/* Drops the headers named name from m. */
static void
drop(osip_message_t *m, const char *name)
{
	osip_header_t *h;
	int pos;

	while ((h = NULL, pos = osip_message_header_get_byname(m, name, 0, &h)) >= 0) {
		osip_list_remove(&m->headers, pos);
		osip_header_free(h);
	}
}

void
sl_call_timer_request(struct sl_call *c, osip_message_t *req)
{
	const struct sl_call_fsm *f = &c->fsm;
	char buf[64];

	drop(req, "supported");
	drop(req, "session-expires");
	drop(req, "min-se");
	osip_message_set_header(req, "Supported", SL_SUPPORTED);
	if (f->se.ms > 0) {
		/* A refresh: the interval as it is (or as its 422 asked),
		 * the refresher too. */
		snprintf(buf, sizeof buf, "%lld;refresher=%s",
			 (long long)((f->se.asking ? f->se.asking : f->se.ms) / 1000),
			 f->se.us ? "uac" : "uas");
		osip_message_set_header(req, "Session-Expires", buf);
	} else if (c->se_expires && c->dialog == NULL) {
		/* Our INVITE: the refresher is the callee's to choose. */
		snprintf(buf, sizeof buf, "%lu", c->se_expires);
		osip_message_set_header(req, "Session-Expires", buf);
	}
	snprintf(buf, sizeof buf, "%lu", c->se_min);
	osip_message_set_header(req, "Min-SE", buf);
	osip_message_force_update(req);
}

void
sl_call_timer_from_2xx(struct sl_call *c, const osip_message_t *resp, struct sl_call_ev *ev)
{
	enum sl_se_refresher r;
	unsigned long secs;
	const char *v = header(resp, "session-expires", "x");

	ev->update_ok = sl_call_allows_update(resp);
	if (v == NULL || sl_se_parse(v, &secs, &r) != 0)
		return;     /* no session timer (RFC 4028 §7.2) */
	ev->se_ms = (int64_t)secs * 1000;
	/* We sent the request: the UAC is us; none named, us too. */
	ev->se_us = r != SL_SE_UAS;
}

/* A 422's Min-SE (0: none, or unreadable). */
static unsigned long
min_se_422(const osip_message_t *resp)
{
	unsigned long min = 0;
	const char *v = header(resp, "min-se", NULL);

	if (v == NULL || sl_min_se_parse(v, &min) != 0)
		return 0;
	return min;
}

void
sl_call_timer_from_422(const osip_message_t *resp, struct sl_call_ev *ev)
{
	ev->se_ms = (int64_t)min_se_422(resp) * 1000;
}

int
sl_call_timer_422(struct sl_call *c, const osip_message_t *resp)
{
	unsigned long min = min_se_422(resp);

	if (min <= c->se_expires) {
		sl_warn("call %s: a 422 without a larger Min-SE: not tried again", c->call_id);
		return EINVAL;
	}
	c->se_expires = min;
	if (c->se_min < min)
		c->se_min = min;
	return 0;
}

/* ---- our refresh by UPDATE ---- */

static void
on_refresh_response(struct sl_client *cl, osip_message_t *resp, int err, void *arg)
{
	struct sl_call *c = arg;
	struct sl_call_ev ev = { .type = SL_CALL_EV_REFRESH_ANSWERED, .err = err };

	if (resp && resp->status_code < 200)
		return;
	c->refresh = NULL;
	sl_call_take_in(c, cl, resp, err);
	if (resp) {
		ev.code = resp->status_code;
		if (ev.code < 300) {
			sl_call_dialog_target(c, resp);
			sl_call_timer_from_2xx(c, resp, &ev);
		} else if (ev.code == 422)
			sl_call_timer_from_422(resp, &ev);
	}
	sl_call_step(c, &ev);
	memset(&c->in, 0, sizeof c->in);
}

void
sl_call_timer_refresh(struct sl_call *c, int by_update)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_REFRESH_ANSWERED, .code = 500 };
	osip_message_t *up;
	unsigned long se = (unsigned long)(c->fsm.se.asking / 1000);
	int err;

	if (se) {
		/* Again after its 422 (RFC 4028 §7.3): our Min-SE is the
		 * largest seen since. */
		if (c->se_min < se)
			c->se_min = se;
		if (c->se_expires < se)
			c->se_expires = se;
		sl_event("retrying status=\"%s\" session-expires=%lu call-id=%s", c->in.status,
			 se, c->call_id);
	}
	if (!by_update) {
		sl_call_dialog_reinvite(c, -1);
		return;
	}
	if ((err = sl_call_dialog_request(c, "UPDATE", &up)) == 0) {
		osip_message_set_allow(up, SL_ALLOW);
		sl_call_timer_request(c, up);
		err = sl_sip_send(c->sip, up, on_refresh_response, c, &c->refresh);
	}
	if (err != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to send UPDATE");
		c->refresh = NULL;
		memset(&c->in, 0, sizeof c->in);
		c->in.err = err < 0 ? EHOSTUNREACH : err;
		sl_call_step(c, &ev);
	}
}

/* ---- the options ---- */

int
sl_call_timer_option(struct sl_call_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case SL_CALL_OPT_SESSION_EXPIRES:
		cfg->session_expires = (unsigned long)sl_opt_int("--session-expires", arg, 0,
								 SL_SE_MAX);
		return 1;
	case SL_CALL_OPT_MIN_SE:
		cfg->min_se = (unsigned long)sl_opt_int("--min-se", arg, 1, SL_SE_MAX);
		return 1;
	default:
		return 0;
	}
}

void
sl_call_timer_options_done(const struct sl_call_config *cfg)
{
	unsigned long min = cfg->min_se ? cfg->min_se : SL_SE_MIN_DEFAULT;

	if (cfg->session_expires && cfg->session_expires < min)
		sl_usage_error("--session-expires %lu is below the Min-SE, %lu (--min-se)",
			       cfg->session_expires, min);
}
