/* Registration: one REGISTER dialog (Call-ID and From tag kept, CSeq
 * counting up, RFC 3261 §10.2.4) that is refreshed well before the expiry
 * the registrar granted, retried with backoff when the registrar fails, and
 * ended with Expires: 0.  Every change of state is one event line. */
#include "reg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "nat.h"

enum mode { MODE_KEEP, MODE_ONCE, MODE_UNREGISTER, MODE_LIST };

struct sl_reg {
	struct sl_sip *sip;
	struct sl_loop *loop;
	sl_reg_cb cb;
	void *arg;
	char aor[512];
	char registrar[512];        /* Request-URI: sip:domain */
	char contact[512];          /* what we register: base, or base with
				 * the public address */
	char base[512];             /* the Contact given, or "" until known
				 * (derived from the socket) */
	int contact_given;
	/* NAT awareness (sl_reg_nat) */
	int nat;
	struct sl_addr public_addr; /* len 0: none learnt */
	int nat_again;              /* the REGISTER under way is the one
				 * that registers a new public address */
	char stale[512];            /* a Contact to remove in the next
				 * REGISTER ("" none) */
	/* keep-alives */
	enum sl_reg_keepalive ka;
	int ka_ms;
	struct sl_timer ka_timer;
	struct sl_client *ka_pending;   /* an OPTIONS under way */
	struct sl_addr registrar_dst;   /* where the last 2xx came from */
	int64_t lost_at;            /* the last re-registration after a
				 * connection broke (ms) */
	struct sl_timer lost_timer;
	int expires;                /* what we ask for */
	int granted;
	char call_id[40];
	char from_tag[20];
	unsigned long cseq;
	enum mode mode;
	int registered;
	int failures;               /* consecutive */
	int interval_tries;         /* 423 answers in a row */
	struct sl_client *pending;
	struct sl_timer timer;
	char deferred[160];         /* why a request could not even be sent */
	int unregister_wanted;      /* once the pending REGISTER has ended */
	int unregister_all;
};

static void send_register(struct sl_reg *r, int expires, int all);
static void on_ka(void *arg);
static void nat_check(struct sl_reg *r, osip_message_t *resp);

int
sl_reg_new(struct sl_sip *sip, struct sl_loop *loop, const char *contact,
	   int expires, sl_reg_cb cb, void *arg, struct sl_reg **out)
{
	const struct sl_settings *set = sl_sip_settings(sip);
	struct sl_reg *r;

	r = calloc(1, sizeof *r);
	if (r == NULL)
		return ENOMEM;
	r->sip = sip;
	r->loop = loop;
	r->cb = cb;
	r->arg = arg;
	r->expires = expires;
	if (sl_settings_aor(set, r->aor, sizeof r->aor) != 0 ||
	    sl_settings_domain_uri(set, r->registrar, sizeof r->registrar) != 0) {
		free(r);
		return EINVAL;
	}
	if (contact) {
		snprintf(r->contact, sizeof r->contact, "%s", contact);
		snprintf(r->base, sizeof r->base, "%s", contact);
		r->contact_given = 1;
	}
	r->ka = SL_REG_KA_CRLF;
	r->ka_ms = SL_REG_KA_INTERVAL * 1000;
	sl_random_token(r->call_id, 32);
	sl_random_token(r->from_tag, 16);
	*out = r;
	return 0;
}

void
sl_reg_free(struct sl_reg *r)
{
	if (r == NULL)
		return;
	sl_timer_stop(r->loop, &r->timer);
	sl_timer_stop(r->loop, &r->ka_timer);
	sl_timer_stop(r->loop, &r->lost_timer);
	if (r->pending)
		sl_client_abandon(r->pending);
	if (r->ka_pending)
		sl_client_abandon(r->ka_pending);
	free(r);
}

int
sl_reg_registered(const struct sl_reg *r)
{
	/* A REGISTER under way may create a binding after we stopped
	 * waiting for it: count it, so that it is undone. */
	return r->registered || (r->pending && r->mode == MODE_KEEP);
}

/* The expiry granted to our contact: its expires parameter in the 200's
 * Contact list (a registrar lists every binding of the AOR), else the
 * Expires header, else what we asked for. */
static int
granted_expiry(struct sl_reg *r, osip_message_t *resp)
{
	osip_contact_t *c;
	osip_uri_t *mine = NULL;
	osip_header_t *exp = NULL;
	int pos, v = -1;

	if (osip_uri_init(&mine) == 0 && osip_uri_parse(mine, r->contact) == 0) {
		for (pos = 0; (c = osip_list_get(&resp->contacts, pos)) != NULL; pos++) {
			osip_generic_param_t *p = NULL;
			osip_uri_t *u = c->url;

			if (u == NULL || u->host == NULL || mine->host == NULL ||
			    strcasecmp(u->host, mine->host) != 0)
				continue;
			if ((u->port ? atoi(u->port) : 5060) != (mine->port ? atoi(mine->port) : 5060))
				continue;
			if ((u->username == NULL) != (mine->username == NULL) ||
			    (u->username && strcmp(u->username, mine->username) != 0))
				continue;
			if (osip_contact_param_get_byname(c, "expires", &p) == 0 && p && p->gvalue)
				v = atoi(p->gvalue);
			break;
		}
	}
	osip_uri_free(mine);
	if (v < 0 && osip_message_get_expires(resp, 0, &exp) >= 0 && exp && exp->hvalue)
		v = atoi(exp->hvalue);
	if (v < 0)
		v = r->expires;
	return v;
}

/* Milliseconds until the refresh of a binding granted for `granted` s:
 * after two thirds of it (the original design's 2 min for 3 min), so that
 * a lost REGISTER still has retransmissions and a retry before expiry;
 * and at least 1.5 s before its end, since a registrar counts in whole
 * seconds: Kamailio's binding "for 2 s" may end 1.02 s after its 200. */
static int64_t
refresh_delay(int granted)
{
	int64_t ms = (int64_t)granted * 1000 * 2 / 3;
	int64_t latest = (int64_t)granted * 1000 - 1500;

	if (ms > latest)
		ms = latest;
	return ms < 200 ? 200 : ms;
}

static int64_t
retry_delay(int failures)
{
	int s = 1;

	while (--failures > 0 && s < SL_REG_RETRY_MAX)
		s *= 2;
	return (int64_t)(s > SL_REG_RETRY_MAX ? SL_REG_RETRY_MAX : s) * 1000;
}

static void
on_timer(void *arg)
{
	struct sl_reg *r = arg;

	send_register(r, r->expires, 0);
}

static void
on_ka_response(struct sl_client *c, osip_message_t *resp, int err, void *arg)
{
	struct sl_reg *r = arg;

	if (resp && resp->status_code < 200)
		return;
	r->ka_pending = NULL;
	if (resp == NULL)
		sl_debug("keep-alive OPTIONS: %s", sl_describe_error(err));
}

/* One keep-alive from the registered socket, then the next one armed. */
static void
on_ka(void *arg)
{
	struct sl_reg *r = arg;
	struct sl_transport *tp = sl_sip_transport(r->sip);
	osip_message_t *req;
	int err = 0;

	if (r->mode != MODE_KEEP || !r->registered || r->ka == SL_REG_KA_OFF ||
	    r->registrar_dst.len == 0)
		return;
	if (r->ka == SL_REG_KA_OPTIONS) {
		/* One at a time: a registrar that does not answer gets no
		 * pile of them. */
		if (r->ka_pending == NULL &&
		    (err = sl_sip_new_request(r->sip, "OPTIONS", r->registrar, NULL, &req)) == 0 &&
		    (err = sl_sip_send(r->sip, req, on_ka_response, r, &r->ka_pending)) == 0)
			sl_client_set_timeout(r->ka_pending, r->ka_ms);
		else if (err)
			r->ka_pending = NULL;
	} else if (sl_transport_proto(tp) == SL_PROTO_UDP) {
		err = sl_transport_send(tp, &r->registrar_dst, "\r\n", 2);
	} else {
		/* RFC 5626 4.4.1: the double-CRLF ping; the pong is skipped
		 * by the transport. */
		err = sl_transport_send(tp, &r->registrar_dst, "\r\n\r\n", 4);
	}
	if (err)
		sl_debug("keep-alive: %s", sl_strerror(err));
	sl_timer_start(r->loop, &r->ka_timer, r->ka_ms, on_ka, r);
}

/* Compares the address the registrar saw our REGISTER come from (its
 * response's top Via) with our Contact's, and when they differ registers
 * that address (sl_reg_nat). */
static void
nat_check(struct sl_reg *r, osip_message_t *resp)
{
	struct sl_addr pub, base;
	char why[160], a[SL_ADDR_STRLEN], uri[sizeof r->contact];
	int err, again = r->nat_again;

	r->nat_again = 0;
	if (!r->nat || r->unregister_wanted)
		return;
	err = sl_nat_via_public(resp, &pub, why, sizeof why);
	if (err == EINVAL) {
		sl_warn("ignoring what the registrar says of our address: %s", why);
		return;
	}
	/* A Contact with a host name: nothing to compare with. */
	if (err || sl_nat_uri_addr(r->base, &base) != 0 ||
	    sl_addr_family(&pub) != sl_addr_family(&base))
		return;
	/* Over TCP and TLS the REGISTER came over a connection from a port
	 * of its own: only another host means a NAT.  Then its public end
	 * is what the Contact names, so that requests come back over it. */
	if (sl_transport_proto(sl_sip_transport(r->sip)) == SL_PROTO_UDP ?
	    sl_addr_equal(&pub, &base) : sl_addr_same_host(&pub, &base)) {
		if (r->public_addr.len == 0)
			return;
		/* No NAT any more (moved to a network without one). */
		memset(&r->public_addr, 0, sizeof r->public_addr);
	} else {
		if (r->public_addr.len && sl_addr_equal(&pub, &r->public_addr))
			return;
		if (again) {
			sl_warn("the registrar now sees us at %s, other than the public address "
				"just registered: left for the next refresh", sl_addr_str(&pub, a));
			return;
		}
		r->public_addr = pub;
	}
	if (sl_nat_uri_with(r->base, &pub, uri, sizeof uri) != 0)
		return;
	sl_event("public-address aor=%s address=%s", r->aor, sl_addr_str(&pub, a));
	snprintf(r->stale, sizeof r->stale, "%s", r->contact);
	snprintf(r->contact, sizeof r->contact, "%s", uri);
	r->cb(r, SL_REG_PUBLIC, SL_EXIT_OK, r->arg);
	r->nat_again = 1;
	send_register(r, r->expires, 0);
}

static void
print_bindings(osip_message_t *resp)
{
	osip_contact_t *c;
	int pos;

	for (pos = 0; (c = osip_list_get(&resp->contacts, pos)) != NULL; pos++) {
		osip_generic_param_t *p = NULL;
		char *uri = NULL;

		if (c->url == NULL || osip_uri_to_str(c->url, &uri) != 0)
			continue;
		osip_contact_param_get_byname(c, "expires", &p);
		printf("binding contact=<%s> expires=%s\n", uri,
		       p && p->gvalue ? p->gvalue : "?");
		osip_free(uri);
	}
	fflush(stdout);
}

/* The seconds of a response's Retry-After ("120", "120 (lunch)",
 * "120;duration=60"), at most SL_REG_RETRY_AFTER_MAX; 0 when it has none
 * or none that reads as a number. */
static int
retry_after(osip_message_t *resp)
{
	osip_header_t *h = NULL;
	char *end;
	long v;

	if (resp == NULL || osip_message_header_get_byname(resp, "retry-after", 0, &h) < 0 ||
	    h == NULL || h->hvalue == NULL)
		return 0;
	v = strtol(h->hvalue, &end, 10);
	if (end == h->hvalue || v <= 0 || (*end && *end != ' ' && *end != '\t' &&
					   *end != ';' && *end != '('))
		return 0;
	return v > SL_REG_RETRY_AFTER_MAX ? SL_REG_RETRY_AFTER_MAX : (int)v;
}

/* A failure that passes: retried in the heartbeat mode, the end of the
 * others (status: 7 for no answer, 1 for an answer such as 503).  after:
 * the seconds a Retry-After asked for (0: none), which replace the
 * backoff: a registrar that says when it can serve again is not asked
 * before (RFC 3261 §20.33, §21.5.4). */
static void
fail(struct sl_reg *r, const char *reason, int status, int after)
{
	int64_t delay;

	r->failures++;
	sl_event("failed aor=%s reason=\"%s\"", r->aor, reason);
	if (r->mode != MODE_KEEP || r->unregister_wanted) {
		r->cb(r, SL_REG_FAILED, status, r->arg);
		return;
	}
	delay = after > 0 ? (int64_t)after * 1000 : retry_delay(r->failures);
	sl_event("retrying delay=%d", (int)(delay / 1000));
	sl_timer_start(r->loop, &r->timer, delay, on_timer, r);
	r->cb(r, SL_REG_FAILED, status, r->arg);
}

static void handle_response(struct sl_reg *r, struct sl_client *c,
			    osip_message_t *resp, int err);
static void on_unregister_wait(void *arg);

static void
on_response(struct sl_client *c, osip_message_t *resp, int err, void *arg)
{
	struct sl_reg *r = arg;

	if (resp && resp->status_code < 200)
		return;
	handle_response(r, c, resp, err);
	if (!r->unregister_wanted)
		return;
	if (r->pending) {
		/* It sent another REGISTER (after a 423): that one too. */
		sl_timer_start(r->loop, &r->timer, SL_REG_UNREGISTER_WAIT,
			       on_unregister_wait, r);
		return;
	}
	r->unregister_wanted = 0;
	sl_timer_stop(r->loop, &r->timer);
	r->mode = MODE_UNREGISTER;
	send_register(r, 0, r->unregister_all);
}

static void
handle_response(struct sl_reg *r, struct sl_client *c, osip_message_t *resp,
		int err)
{
	char line[160];
	int code;

	r->pending = NULL;
	/* CSeq moves on past what the auth retries used. */
	r->cseq = strtoul(sl_client_request(c)->cseq->number, NULL, 10);
	if (resp == NULL) {
		if (r->mode == MODE_UNREGISTER) {
			sl_event("unregister-failed aor=%s reason=\"%s\"", r->aor,
				 sl_describe_error(err));
			r->registered = 0;
			r->cb(r, SL_REG_UNREGISTER_FAILED, sl_exit_for_error(err), r->arg);
			return;
		}
		fail(r, sl_describe_error(err), sl_exit_for_error(err), 0);
		return;
	}
	code = resp->status_code;
	sl_status_line(resp, line, sizeof line);
	if (code >= 200 && code < 300) {
		/* After failures the registrar may have lost the binding (a
		 * restart): that success is a new registration. */
		int refresh = r->registered && r->failures == 0;

		r->failures = 0;
		r->interval_tries = 0;
		if (r->mode == MODE_LIST) {
			print_bindings(resp);
			r->cb(r, SL_REG_LISTED, SL_EXIT_OK, r->arg);
			return;
		}
		if (r->mode == MODE_UNREGISTER) {
			r->registered = 0;
			sl_event("unregistered aor=%s", r->aor);
			r->cb(r, SL_REG_UNREGISTERED, SL_EXIT_OK, r->arg);
			return;
		}
		r->granted = granted_expiry(r, resp);
		if (r->granted <= 0) {
			/* A 200 that removed us: the registrar did not keep it. */
			sl_event("failed aor=%s reason=\"%s granted no expiry\"", r->aor, line);
			r->granted = r->expires;
		}
		sl_event("%s aor=%s contact=<%s> expires=%d",
			 refresh ? "refreshed" : "registered", r->aor, r->contact,
			 r->granted);
		r->cb(r, refresh ? SL_REG_REFRESHED : SL_REG_REGISTERED, SL_EXIT_OK, r->arg);
		r->registered = 1;
		if (r->mode == MODE_KEEP) {
			if (sl_client_destination(c))
				r->registrar_dst = *sl_client_destination(c);
			sl_timer_start(r->loop, &r->timer, refresh_delay(r->granted), on_timer, r);
			if (r->ka != SL_REG_KA_OFF && !sl_timer_armed(&r->ka_timer))
				sl_timer_start(r->loop, &r->ka_timer, r->ka_ms, on_ka, r);
			nat_check(r, resp);
		}
		return;
	}
	if (code == 423 && r->interval_tries++ < 3) {
		osip_header_t *h = NULL;
		long min = 0;

		if (osip_message_header_get_byname(resp, "min-expires", 0, &h) >= 0 && h && h->hvalue)
			min = strtol(h->hvalue, NULL, 10);
		if (min > r->expires && min <= 86400) {
			sl_event("interval-too-brief aor=%s min-expires=%ld", r->aor, min);
			r->expires = (int)min;
			send_register(r, r->expires, 0);
			return;
		}
	}
	if (sl_client_auth_failure(c, code)) {
		/* Refused credentials (a 401/407 to them, or the 403 some
		 * registrars send instead), or none we could give (no
		 * password, an algorithm we lack: a warning said which).  A
		 * 403 to a REGISTER without credentials is a plain refusal,
		 * below. */
		sl_event("refused aor=%s reason=\"%s (%s)\"", r->aor, line,
			 sl_client_auth_failure(c, code));
		r->registered = 0;
		r->cb(r, SL_REG_REFUSED, SL_EXIT_AUTH, r->arg);
		return;
	}
	if (r->mode == MODE_UNREGISTER) {
		sl_event("unregister-failed aor=%s reason=\"%s\"", r->aor, line);
		r->cb(r, SL_REG_UNREGISTER_FAILED, SL_EXIT_REJECTED, r->arg);
		return;
	}
	if (code >= 500 || code == 408 || code == 480) {
		/* The registrar is there but cannot serve now: that passes. */
		fail(r, line, SL_EXIT_REJECTED, retry_after(resp));
		return;
	}
	sl_event("refused aor=%s reason=\"%s\"", r->aor, line);
	r->registered = 0;
	r->cb(r, SL_REG_REFUSED, SL_EXIT_REJECTED, r->arg);
}

static void
on_deferred(void *arg)
{
	struct sl_reg *r = arg;

	if (r->mode == MODE_UNREGISTER) {
		sl_event("unregister-failed aor=%s reason=\"%s\"", r->aor, r->deferred);
		r->registered = 0;
		r->cb(r, SL_REG_UNREGISTER_FAILED, SL_EXIT_NORESPONSE, r->arg);
		return;
	}
	fail(r, r->deferred, SL_EXIT_NORESPONSE, 0);
}

/* A request that could not be sent at all (no route, connection refused)
 * fails like one that got no answer, but from the loop: the tool may not
 * be running it yet (the first REGISTER is sent before sl_loop_run). */
static void
fail_later(struct sl_reg *r, int err)
{
	if (sl_resolve_failed(err))
		snprintf(r->deferred, sizeof r->deferred, "unable to resolve %s: %s",
			 sl_sip_last_hop(r->sip), sl_strerror(err));
	else
		snprintf(r->deferred, sizeof r->deferred, "%s",
			 err < 0 ? sl_strerror(err) : sl_describe_error(err));
	sl_timer_start(r->loop, &r->timer, 0, on_deferred, r);
}

/* Sends a REGISTER of our contact for `expires` seconds (0: remove it;
 * with all, "Contact: *"); expires < 0: no Contact (the bindings query). */
static void
send_register(struct sl_reg *r, int expires, int all)
{
	osip_message_t *req;
	struct sl_addr dst;
	char buf[600];
	int err;

	if (r->pending) {
		/* Its retry with credentials used a CSeq of its own; a
		 * registrar ignores a REGISTER whose CSeq is not higher. */
		unsigned long n = strtoul(sl_client_request(r->pending)->cseq->number, NULL, 10);

		if (n > r->cseq)
			r->cseq = n;
		sl_client_abandon(r->pending);
		r->pending = NULL;
	}
	sl_timer_stop(r->loop, &r->timer);
	if ((err = sl_sip_new_request(r->sip, "REGISTER", r->registrar, r->aor, &req)) != 0) {
		fail_later(r, err);
		return;
	}
	/* The same Call-ID and From tag for the whole registration. */
	osip_free(req->call_id->number);
	req->call_id->number = osip_strdup(r->call_id);
	{
		osip_generic_param_t *t = NULL;

		if (osip_from_get_tag(req->from, &t) == 0 && t) {
			osip_free(t->gvalue);
			t->gvalue = osip_strdup(r->from_tag);
		}
	}
	snprintf(buf, sizeof buf, "%lu", ++r->cseq);
	osip_free(req->cseq->number);
	req->cseq->number = osip_strdup(buf);
	if (!r->contact_given || r->base[0] == '\0') {
		if ((err = sl_sip_destination(r->sip, req, &dst)) != 0 ||
		    (err = sl_sip_contact(r->sip, &dst, r->base, sizeof r->base)) != 0) {
			osip_message_free(req);
			fail_later(r, err);
			return;
		}
		/* The public address learnt goes on in a Contact made anew
		 * (over TCP its port is the new connection's). */
		if (r->public_addr.len == 0 ||
		    sl_nat_uri_with(r->base, &r->public_addr, r->contact, sizeof r->contact) != 0)
			snprintf(r->contact, sizeof r->contact, "%s", r->base);
	}
	if (expires >= 0) {
		if (all)
			osip_message_set_contact(req, "*");
		else {
			snprintf(buf, sizeof buf, "<%s>", r->contact);
			osip_message_set_contact(req, buf);
			/* The private address the public one replaces. */
			if (r->stale[0] && expires > 0 && strcmp(r->stale, r->contact) != 0) {
				snprintf(buf, sizeof buf, "<%s>;expires=0", r->stale);
				osip_message_set_contact(req, buf);
			}
		}
		r->stale[0] = '\0';
		snprintf(buf, sizeof buf, "%d", expires);
		osip_message_set_expires(req, buf);
	}
	osip_message_force_update(req);
	err = sl_sip_send(r->sip, req, on_response, r, &r->pending);
	if (err) {
		r->pending = NULL;
		fail_later(r, err);
		return;
	}
	if (r->mode == MODE_UNREGISTER)
		sl_client_set_timeout(r->pending, SL_REG_UNREGISTER_WAIT);
}

void
sl_reg_start(struct sl_reg *r)
{
	r->mode = MODE_KEEP;
	send_register(r, r->expires, 0);
}

void
sl_reg_once(struct sl_reg *r)
{
	r->mode = MODE_ONCE;
	send_register(r, r->expires, 0);
}

/* The REGISTER under way got no answer in SL_REG_UNREGISTER_WAIT: the
 * registrar is not answering, and an Expires: 0 would wait as long again
 * for nothing. */
static void
on_unregister_wait(void *arg)
{
	struct sl_reg *r = arg;

	r->unregister_wanted = 0;
	r->mode = MODE_UNREGISTER;
	if (r->pending) {
		sl_client_abandon(r->pending);
		r->pending = NULL;
	}
	sl_event("unregister-failed aor=%s reason=\"%s\"", r->aor,
		 sl_describe_error(ETIMEDOUT));
	r->registered = 0;
	r->cb(r, SL_REG_UNREGISTER_FAILED, SL_EXIT_NORESPONSE, r->arg);
}

void
sl_reg_unregister(struct sl_reg *r, int all)
{
	r->unregister_all = all && !r->contact_given;
	if (r->pending && r->mode != MODE_UNREGISTER) {
		/* RFC 3261 10.2: no new REGISTER before the last one's final
		 * response; a registrar with several workers may take two
		 * at once in either order, and the binding would stay. */
		r->unregister_wanted = 1;
		sl_timer_start(r->loop, &r->timer, SL_REG_UNREGISTER_WAIT,
			       on_unregister_wait, r);
		return;
	}
	r->mode = MODE_UNREGISTER;
	send_register(r, 0, r->unregister_all);
}

void
sl_reg_list(struct sl_reg *r)
{
	r->mode = MODE_LIST;
	send_register(r, -1, 0);
}

void
sl_reg_nat(struct sl_reg *r, int on)
{
	r->nat = on;
}

const struct sl_addr *
sl_reg_public(const struct sl_reg *r)
{
	return r->public_addr.len ? &r->public_addr : NULL;
}

void
sl_reg_keepalive(struct sl_reg *r, enum sl_reg_keepalive mode, int interval)
{
	r->ka = mode;
	r->ka_ms = interval * 1000;
	if (mode == SL_REG_KA_OFF)
		sl_timer_stop(r->loop, &r->ka_timer);
}

static void
on_lost_timer(void *arg)
{
	struct sl_reg *r = arg;
	char a[SL_ADDR_STRLEN];

	if (r->mode != MODE_KEEP || !r->registered || r->pending || r->unregister_wanted)
		return;
	r->lost_at = sl_now_ms();
	sl_event("connection-lost aor=%s registrar=%s", r->aor,
		 sl_addr_str(&r->registrar_dst, a));
	send_register(r, r->expires, 0);
}

void
sl_reg_connection_lost(struct sl_reg *r, const struct sl_addr *peer)
{
	int64_t wait;

	if (peer == NULL || r->registrar_dst.len == 0 ||
	    !sl_addr_equal(peer, &r->registrar_dst) || r->mode != MODE_KEEP ||
	    !r->registered || sl_timer_armed(&r->lost_timer))
		return;
	wait = r->lost_at ? r->lost_at + SL_REG_LOST_GAP - sl_now_ms() : 0;
	sl_timer_start(r->loop, &r->lost_timer, wait > 0 ? wait : 0, on_lost_timer, r);
}
