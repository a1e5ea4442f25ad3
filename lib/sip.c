/* The SIP user-agent core.  libosip2 runs the transaction state machines;
 * this file feeds them what the transport receives, sends what they emit,
 * drives their timers from the loop, retries requests with credentials and
 * hands the results to the tool.
 *
 * libosip2 calls us back from inside its *_execute() functions, where it is
 * not safe to start or end transactions.  So those callbacks only queue what
 * happened; the queue is delivered to the tool after the state machines have
 * run (see sip_hook), and whatever the tool does then runs in the next
 * pass. */
#include "sip.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "digest.h"
#include "log.h"
#include "resolve.h"
#include "tls.h"

/* How many stale=true challenges one request answers before its
 * credentials count as refused (sip-register.1, sip-call.1). */
#define SL_STALE_RETRIES 2
/* Addresses reached over the transport that is not the main one. */
#define ALT_PEERS 16
/* How long a target that does not answer at all is given before the
 * request goes to the next one (RFC 3263 §4.3), when there is one: four
 * transmissions over UDP (at 0, 0.5, 1.5 and 3.5 s, timer A), so that a
 * lost datagram or two never moves a request, while a server that is
 * there answers within a second (a proxy's 100 Trying within 200 ms).
 * The last target gets the whole of timer B or F (32 s), or what is left
 * of the caller's own timeout. */
#define SL_SIP_TRY_MS 4000

struct sl_client {
	struct sl_sip *s;
	osip_transaction_t *tr;     /* NULL once its transaction is gone */
	int trid;                   /* its transaction's id, kept after */
	osip_message_t *req;        /* copy of the request as last sent */
	struct sl_addr dst;         /* targets[cur].addr */
	struct sl_target targets[SL_RESOLVE_MAX];   /* RFC 3263 order */
	size_t ntargets, cur;
	int failover;               /* out of dialog: may go to the next */
	int located;                /* the next hop was a name, found in DNS */
	struct sl_timer try_timer;  /* a silent target's time is up */
	int64_t deadline;           /* sl_client_set_timeout; 0: none */
	sl_response_cb cb;
	void *arg;
	int final;
	int auth_tries;             /* answers to non-stale challenges */
	int stale_tries;            /* answers to stale=true challenges */
	unsigned nc;                /* nonce count */
	char last_nonce[256];
	struct sl_digest_challenge used;  /* what the last attempt answered */
	int authorized;             /* the last attempt carried credentials */
	int provisional;            /* a 1xx has been seen */
	char contact[512];          /* our Contact in req, "" when none */
	int send_err;               /* why the last send failed, for the
				     * transport error libosip2 reports */
	int cancel_wanted;
	int cancelled;
	struct sl_client *next;
};

struct sl_server {
	struct sl_sip *s;
	osip_transaction_t *tr;
	struct sl_addr src;
	int sock;                   /* transport socket it came in on */
	char tag[17];
	int final;
};

/* What a libosip2 callback saw, delivered later to the tool. */
struct event {
	enum { EV_RESPONSE, EV_ERROR, EV_REQUEST } kind;
	struct sl_client *client;
	int trid;                   /* the client's transaction it is about */
	struct sl_server *server;
	osip_message_t *msg;        /* EV_RESPONSE: a clone we own */
	int err;
	struct event *next;
};

struct sl_sip {
	struct sl_loop *loop;
	const struct sl_settings *set;
	struct sl_transport *tp;    /* set->proto: the one bound or adopted */
	/* The other transport, made when a target or a URI asks for it
	 * (NAPTR choosing TCP while UDP is the default), and the peers it
	 * reaches: everything sent to one of them goes over it. */
	struct sl_transport *alt;
	struct sl_addr alt_peers[ALT_PEERS];
	size_t nalt, nextalt;
	char hop[256];              /* the host last resolved, for messages */
	osip_t *osip;
	sl_request_cb on_request;
	void *on_request_arg;
	sl_stray_cb on_stray;
	void *on_stray_arg;
	sl_raw_cb on_raw;
	void *on_raw_arg;
	sl_raw_cb on_foreign;
	void *on_foreign_arg;
	void (*on_unreach)(const struct sl_addr *dst, int err, void *arg);
	void *on_unreach_arg;
	struct sl_addr public_addr;     /* len 0: none learnt */
	struct event *events, **events_tail;
	osip_transaction_t **garbage;
	size_t ngarbage, capgarbage;
	struct sl_client *clients;
	int transactions;
	int direct;
	int executing;              /* in execute(): not again from within */
	char aor[512];
	/* The registrar's last challenge that our credentials passed: a
	 * refresh answers it at once instead of waiting to be challenged
	 * again (the nonce count goes up; a stale nonce gets a new one). */
	struct sl_digest_challenge reg_ch;
	unsigned reg_nc;
	struct sl_addr reg_dst;
	int have_reg_ch;
};

static void on_receive(struct sl_transport *t, char *buf, size_t len,
		       const struct sl_addr *src, int sock, void *arg);

void
sl_random_token(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	size_t i;

	if (n > sizeof r)
		n = sizeof r;
	if (getrandom(r, n, 0) != (ssize_t)n) {
		for (i = 0; i < n; i++)
			r[i] = (unsigned char)random();
	}
	for (i = 0; i < n; i++)
		buf[i] = hex[r[i] & 15];
	buf[n] = '\0';
}

const char *
sl_reason(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 202: return "Accepted";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 422: return "Session Interval Too Small";
	case 423: return "Interval Too Brief";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 491: return "Request Pending";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	}
	if (code >= 100 && code < 200) return "Session Progress";
	if (code >= 200 && code < 300) return "OK";
	if (code >= 300 && code < 400) return "Redirected";
	if (code >= 400 && code < 500) return "Request Failure";
	if (code >= 500 && code < 600) return "Server Failure";
	return "Global Failure";
}

const char *
sl_status_line(const osip_message_t *resp, char *buf, size_t size)
{
	const char *reason = resp->reason_phrase;
	char clean[128];
	size_t i, j = 0;

	/* The reason comes from the network: keep it printable, one line. */
	if (reason == NULL)
		reason = sl_reason(resp->status_code);
	for (i = 0; reason[i] && j < sizeof clean - 1; i++) {
		unsigned char ch = (unsigned char)reason[i];

		clean[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	clean[j] = '\0';
	snprintf(buf, size, "%d %s", resp->status_code, clean);
	return buf;
}

/* ---- queue of results for the tool ---- */

static struct event *
queue_event(struct sl_sip *s, int kind)
{
	struct event *e = calloc(1, sizeof *e);

	if (e == NULL) {
		sl_warn("out of memory; a SIP event is lost");
		return NULL;
	}
	e->kind = kind;
	*s->events_tail = e;
	s->events_tail = &e->next;
	return e;
}

/* ---- libosip2 callbacks (queue only) ---- */

static struct sl_sip *
sip_of(osip_transaction_t *tr)
{
	return osip_get_application_context(tr->config);
}

static int
is_client(const osip_transaction_t *tr)
{
	return tr->ctx_type == ICT || tr->ctx_type == NICT;
}

static void
cb_response(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sl_client *c = osip_transaction_get_your_instance(tr);
	struct sl_sip *s = sip_of(tr);
	struct event *e;

	if (c == NULL || msg == NULL)
		return;
	e = queue_event(s, EV_RESPONSE);
	if (e == NULL)
		return;
	e->client = c;
	e->trid = tr->transactionid;
	if (osip_message_clone(msg, &e->msg) != 0) {
		e->kind = EV_ERROR;
		e->err = ENOMEM;
	}
}

static void
cb_timeout(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sl_client *c = osip_transaction_get_your_instance(tr);
	struct event *e;

	if (c == NULL)
		return;
	e = queue_event(sip_of(tr), EV_ERROR);
	if (e) {
		e->client = c;
		e->trid = tr->transactionid;
		e->err = ETIMEDOUT;
	}
}

static void
cb_transport_error(int type, osip_transaction_t *tr, int error)
{
	struct sl_client *c;
	struct event *e;

	if (!is_client(tr))
		return;     /* a response we could not send: nothing to tell */
	c = osip_transaction_get_your_instance(tr);
	if (c == NULL)
		return;
	e = queue_event(sip_of(tr), EV_ERROR);
	if (e) {
		e->client = c;
		e->trid = tr->transactionid;
		e->err = c->send_err ? c->send_err : error > 0 ? error : EIO;
	}
}

static void
cb_request(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sl_server *srv = osip_transaction_get_your_instance(tr);
	struct event *e;

	if (srv == NULL)
		return;
	e = queue_event(sip_of(tr), EV_REQUEST);
	if (e)
		e->server = srv;
}

/* Keeps tr, no longer in osip's lists, to be freed after the state
 * machines have run. */
static void
add_garbage(struct sl_sip *s, osip_transaction_t *tr)
{
	if (s->ngarbage == s->capgarbage) {
		size_t cap = s->capgarbage ? s->capgarbage * 2 : 16;
		osip_transaction_t **g = realloc(s->garbage, cap * sizeof *g);

		if (g == NULL)
			return;     /* leak it rather than free it in use */
		s->garbage = g;
		s->capgarbage = cap;
	}
	s->garbage[s->ngarbage++] = tr;
	s->transactions--;
}

static void
cb_kill(int type, osip_transaction_t *tr)
{
	struct sl_sip *s = sip_of(tr);
	void *inst = osip_transaction_get_your_instance(tr);
	struct event *e;

	osip_remove_transaction(s->osip, tr);
	if (is_client(tr)) {
		struct sl_client *c = inst;

		if (c && c->tr == tr) {
			c->tr = NULL;
			/* Ended without a final response (we were told of
			 * the timeout already, or will be): make sure. */
			if (!c->final && (e = queue_event(s, EV_ERROR))) {
				e->client = c;
				e->trid = tr->transactionid;
				e->err = ETIMEDOUT;
			}
		}
	} else if (inst) {
		struct sl_server *srv = inst;
		struct event *ev;

		/* Queued requests of this server must not outlive it. */
		for (ev = s->events; ev; ev = ev->next)
			if (ev->server == srv)
				ev->server = NULL;
		free(srv);
	}
	osip_transaction_set_your_instance(tr, NULL);
	add_garbage(s, tr);
}

/* ---- which transport reaches an address ---- */

static void on_unreachable(struct sl_transport *t, const struct sl_addr *dst,
			   int err, void *arg);
static void on_receive_alt(struct sl_transport *t, char *buf, size_t len,
			   const struct sl_addr *src, int sock, void *arg);

static int
alt_index(const struct sl_sip *s, const struct sl_addr *a)
{
	size_t i;

	for (i = 0; i < s->nalt; i++)
		if (sl_addr_equal(&s->alt_peers[i], a))
			return (int)i;
	return -1;
}

/* The transport that reaches dst: the other one for the peers noted
 * there, else the main one. */
static struct sl_transport *
tp_for(struct sl_sip *s, const struct sl_addr *dst)
{
	return s->alt && alt_index(s, dst) >= 0 ? s->alt : s->tp;
}

/* From now on dst is reached over proto (a target's transport).  Returns
 * 0 or an errno value. */
static int
note_proto(struct sl_sip *s, const struct sl_addr *dst, enum sl_proto proto)
{
	int i = alt_index(s, dst), err;

	if (proto == sl_transport_proto(s->tp)) {
		if (i >= 0)
			s->alt_peers[i] = s->alt_peers[--s->nalt];
		return 0;
	}
	if (s->alt == NULL) {
		if ((err = sl_transport_new(s->loop, proto, on_receive_alt, s, &s->alt)) != 0)
			return err;
		sl_transport_on_unreachable(s->alt, on_unreachable);
	} else if (sl_transport_proto(s->alt) != proto) {
		return EPROTONOSUPPORT;     /* a third transport */
	}
	if (i < 0) {
		if (s->nalt < ALT_PEERS)
			s->alt_peers[s->nalt++] = *dst;
		else {
			s->alt_peers[s->nextalt] = *dst;
			s->nextalt = (s->nextalt + 1) % ALT_PEERS;
		}
	}
	return 0;
}

/* Messages that come over the other transport: their source is reached
 * over it too (a response or a request on a TCP connection we opened). */
static void
on_receive_alt(struct sl_transport *t, char *buf, size_t len,
	       const struct sl_addr *src, int sock, void *arg)
{
	note_proto(arg, src, sl_transport_proto(t));
	on_receive(t, buf, len, src, sock, arg);
}

/* Serialises and sends msg; called by libosip2 for every transmission
 * and retransmission.  Returns 0 only when the message really left. */
static int
cb_send(osip_transaction_t *tr, osip_message_t *msg, char *host, int port,
	int out_socket)
{
	struct sl_sip *s = sip_of(tr);
	struct sl_client *c = NULL;
	const struct sl_addr *dst;
	struct sl_transport *tp;
	char *text = NULL;
	size_t len;
	int err, sock = 0;

	if (is_client(tr)) {
		c = osip_transaction_get_your_instance(tr);
		if (c == NULL) {
			/* An abandoned request's own ACK or retransmission:
			 * its destination was kept on the transaction. */
			dst = tr->reserved2;
		} else {
			dst = &c->dst;
		}
	} else {
		struct sl_server *srv = osip_transaction_get_your_instance(tr);

		if (srv == NULL)
			return -1;
		dst = &srv->src;
		sock = srv->sock;
	}
	if (dst == NULL)
		return -1;
	if (osip_message_to_str(msg, &text, &len) != 0)
		return -1;
	tp = tp_for(s, dst);
	err = sl_transport_send_on(tp, tp == s->tp ? sock : 0, dst, text, len);
	if (c)
		c->send_err = err;
	if (sl_verbose) {
		char hdr[128], a[SL_ADDR_STRLEN];

		snprintf(hdr, sizeof hdr, "sent to %s (%s)%s%s:", sl_addr_str(dst, a),
			 sl_proto_via(sl_transport_proto(tp)), err ? ", failed: " : "",
			 err ? sl_strerror(err) : "");
		sl_dump(hdr, text, len);
	}
	osip_free(text);
	return err ? -1 : 0;
}

static void execute(struct sl_sip *s);

/* The transport says dst is unreachable: every request waiting on an
 * answer from there fails now. */
static void
on_unreachable(struct sl_transport *t, const struct sl_addr *dst, int err,
	       void *arg)
{
	struct sl_sip *s = arg;
	struct sl_client *c;
	struct event *e;

	if (s->on_unreach)
		s->on_unreach(dst, err, s->on_unreach_arg);

	/* A response read just before its connection closed waits in
	 * libosip2's queue: it goes first, and its request is then done. */
	execute(s);
	for (c = s->clients; c; c = c->next) {
		if (c->final || !sl_addr_equal(&c->dst, dst))
			continue;
		if ((e = queue_event(s, EV_ERROR)) != NULL) {
			e->client = c;
			e->trid = c->trid;
			e->err = err;
		}
	}
}

/* libosip2's own traces, which would otherwise go to stdout (where the
 * audio is): to stderr, with -vv. */
static void
osip_trace_cb(const char *fi, int li, osip_trace_level_t level, const char *fmt,
	      va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\r\n")] = '\0';
	sl_debug("libosip2 %s:%d: %s", fi, li, line);
}

static void
route_osip_traces(void)
{
	int level;

	osip_trace_initialize_func(sl_verbose >= 2 ? OSIP_INFO4 : OSIP_FATAL, osip_trace_cb);
	if (sl_verbose < 2)
		for (level = 0; level < END_TRACE_LEVEL; level++)
			osip_trace_disable_level((osip_trace_level_t)level);
}

/* ---- setup ---- */

static int64_t sip_hook(void *arg);

int
sl_sip_new(struct sl_loop *loop, const struct sl_settings *set,
	   struct sl_sip **out)
{
	static const int client_responses[] = {
		OSIP_ICT_STATUS_1XX_RECEIVED, OSIP_ICT_STATUS_2XX_RECEIVED,
		OSIP_ICT_STATUS_3XX_RECEIVED, OSIP_ICT_STATUS_4XX_RECEIVED,
		OSIP_ICT_STATUS_5XX_RECEIVED, OSIP_ICT_STATUS_6XX_RECEIVED,
		OSIP_NICT_STATUS_1XX_RECEIVED, OSIP_NICT_STATUS_2XX_RECEIVED,
		OSIP_NICT_STATUS_3XX_RECEIVED, OSIP_NICT_STATUS_4XX_RECEIVED,
		OSIP_NICT_STATUS_5XX_RECEIVED, OSIP_NICT_STATUS_6XX_RECEIVED,
	};
	static const int server_requests[] = {
		OSIP_IST_INVITE_RECEIVED, OSIP_NIST_REGISTER_RECEIVED,
		OSIP_NIST_BYE_RECEIVED, OSIP_NIST_OPTIONS_RECEIVED,
		OSIP_NIST_INFO_RECEIVED, OSIP_NIST_CANCEL_RECEIVED,
		OSIP_NIST_NOTIFY_RECEIVED, OSIP_NIST_SUBSCRIBE_RECEIVED,
		OSIP_NIST_UNKNOWN_REQUEST_RECEIVED,
	};
	struct sl_sip *s;
	size_t i;
	int err;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ENOMEM;
	s->loop = loop;
	s->set = set;
	s->events_tail = &s->events;
	if (sl_settings_aor(set, s->aor, sizeof s->aor) != 0) {
		/* No domain: calls straight to an address still work; our
		 * From then names this host. */
		snprintf(s->aor, sizeof s->aor, "sip:%s@localhost",
			 set->user[0] ? set->user : "sipline");
	}
	if ((err = sl_transport_new(loop, set->proto, on_receive, s, &s->tp)) != 0)
		goto fail;
	sl_transport_on_unreachable(s->tp, on_unreachable);
	if (set->proto == SL_PROTO_TLS) {
		/* The tool loads it (sl_settings_load_tls) with its errors. */
		if (set->tls == NULL) {
			err = SL_ETLS_SETUP;
			goto fail;
		}
		sl_transport_set_tls(s->tp, set->tls);
	}
	route_osip_traces();
	if (osip_init(&s->osip) != 0) {
		err = ENOMEM;
		goto fail;
	}
	osip_set_application_context(s->osip, s);
	osip_set_cb_send_message(s->osip, cb_send);
	for (i = 0; i < sizeof client_responses / sizeof *client_responses; i++)
		osip_set_message_callback(s->osip, client_responses[i], cb_response);
	for (i = 0; i < sizeof server_requests / sizeof *server_requests; i++)
		osip_set_message_callback(s->osip, server_requests[i], cb_request);
	osip_set_message_callback(s->osip, OSIP_ICT_STATUS_TIMEOUT, cb_timeout);
	osip_set_message_callback(s->osip, OSIP_NICT_STATUS_TIMEOUT, cb_timeout);
	osip_set_kill_transaction_callback(s->osip, OSIP_ICT_KILL_TRANSACTION, cb_kill);
	osip_set_kill_transaction_callback(s->osip, OSIP_IST_KILL_TRANSACTION, cb_kill);
	osip_set_kill_transaction_callback(s->osip, OSIP_NICT_KILL_TRANSACTION, cb_kill);
	osip_set_kill_transaction_callback(s->osip, OSIP_NIST_KILL_TRANSACTION, cb_kill);
	osip_set_transport_error_callback(s->osip, OSIP_ICT_TRANSPORT_ERROR, cb_transport_error);
	osip_set_transport_error_callback(s->osip, OSIP_IST_TRANSPORT_ERROR, cb_transport_error);
	osip_set_transport_error_callback(s->osip, OSIP_NICT_TRANSPORT_ERROR, cb_transport_error);
	osip_set_transport_error_callback(s->osip, OSIP_NIST_TRANSPORT_ERROR, cb_transport_error);
	if ((err = sl_loop_hook(loop, sip_hook, s)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sl_transport_free(s->tp);
	if (s->osip)
		osip_release(s->osip);
	free(s);
	return err;
}

static void
free_garbage(struct sl_sip *s)
{
	size_t i;

	for (i = 0; i < s->ngarbage; i++) {
		free(s->garbage[i]->reserved2);
		s->garbage[i]->reserved2 = NULL;
		osip_transaction_free2(s->garbage[i]);
	}
	s->ngarbage = 0;
}

static void
free_transactions(struct sl_sip *s, osip_list_t *list)
{
	osip_transaction_t *tr;

	while ((tr = osip_list_get(list, 0)) != NULL) {
		void *inst = osip_transaction_get_your_instance(tr);

		osip_list_remove(list, 0);
		if (!is_client(tr))
			free(inst);
		free(tr->reserved2);
		tr->reserved2 = NULL;
		osip_transaction_free2(tr);
	}
}

void
sl_sip_free(struct sl_sip *s)
{
	struct event *e, *en;

	if (s == NULL)
		return;
	free_garbage(s);
	free_transactions(s, &s->osip->osip_ict_transactions);
	free_transactions(s, &s->osip->osip_ist_transactions);
	free_transactions(s, &s->osip->osip_nict_transactions);
	free_transactions(s, &s->osip->osip_nist_transactions);
	for (e = s->events; e; e = en) {
		en = e->next;
		if (e->msg)
			osip_message_free(e->msg);
		free(e);
	}
	while (s->clients) {
		struct sl_client *c = s->clients;

		s->clients = c->next;
		sl_timer_stop(s->loop, &c->try_timer);
		osip_message_free(c->req);
		free(c);
	}
	osip_release(s->osip);
	sl_transport_free(s->tp);
	sl_transport_free(s->alt);
	free(s->garbage);
	free(s);
}

int
sl_sip_bind(struct sl_sip *s, const struct sl_addr *local)
{
	return sl_transport_bind(s->tp, local);
}

int
sl_sip_adopt(struct sl_sip *s, int fd)
{
	return sl_transport_adopt(s->tp, fd);
}

struct sl_transport *
sl_sip_transport(struct sl_sip *s)
{
	return s->tp;
}

const struct sl_settings *
sl_sip_settings(struct sl_sip *s)
{
	return s->set;
}

void
sl_sip_on_request(struct sl_sip *s, sl_request_cb cb, void *arg)
{
	s->on_request = cb;
	s->on_request_arg = arg;
}

void
sl_sip_on_stray(struct sl_sip *s, sl_stray_cb cb, void *arg)
{
	s->on_stray = cb;
	s->on_stray_arg = arg;
}

void
sl_sip_on_foreign(struct sl_sip *s, sl_raw_cb cb, void *arg)
{
	s->on_foreign = cb;
	s->on_foreign_arg = arg;
}

void
sl_sip_on_unreachable(struct sl_sip *s,
		      void (*cb)(const struct sl_addr *dst, int err, void *arg), void *arg)
{
	s->on_unreach = cb;
	s->on_unreach_arg = arg;
}

void
sl_sip_set_public(struct sl_sip *s, const struct sl_addr *a)
{
	if (a)
		s->public_addr = *a;
	else
		memset(&s->public_addr, 0, sizeof s->public_addr);
}

const struct sl_addr *
sl_sip_public(const struct sl_sip *s)
{
	return s->public_addr.len ? &s->public_addr : NULL;
}

void
sl_sip_on_raw(struct sl_sip *s, sl_raw_cb cb, void *arg)
{
	s->on_raw = cb;
	s->on_raw_arg = arg;
}

int
sl_sip_awaiting_ack(struct sl_sip *s)
{
	osip_list_iterator_t it;
	osip_transaction_t *tr;
	int n = 0;

	for (tr = osip_list_get_first(&s->osip->osip_ist_transactions, &it); tr;
	     tr = osip_list_get_next(&it))
		if (tr->state == IST_COMPLETED)
			n++;
	return n;
}

int
sl_sip_pending(struct sl_sip *s)
{
	return s->transactions;
}

void
sl_sip_set_direct(struct sl_sip *s, int direct)
{
	s->direct = direct;
}

int
sl_exit_for_status(int code)
{
	if (code < 300)
		return SL_EXIT_OK;
	switch (code) {
	case 486: case 600:
		return SL_EXIT_BUSY;
	case 603:
		return SL_EXIT_DECLINED;
	case 408: case 480: case 487:
		return SL_EXIT_NOANSWER;
	case 404: case 484: case 604:
		return SL_EXIT_NOTFOUND;
	case 401: case 407:
		return SL_EXIT_AUTH;
	}
	return SL_EXIT_REJECTED;
}

int
sl_exit_for_answer(int code, int authorized)
{
	if (code == 403 && authorized)
		return SL_EXIT_AUTH;
	return sl_exit_for_status(code);
}

int
sl_client_exit_status(const struct sl_client *c, int code)
{
	return sl_exit_for_answer(code, c->authorized);
}

const char *
sl_client_auth_failure(const struct sl_client *c, int code)
{
	if (code == 401 || code == 407)
		return c->authorized ? "credentials refused" : "no credentials sent";
	if (code == 403 && c->authorized)
		return "credentials refused";
	return NULL;
}

int
sl_exit_for_error(int err)
{
	if (err == SL_ERESOLVE_BADNAME)
		return SL_EXIT_USAGE;
	return err == ENOMEM ? SL_EXIT_SYSTEM : SL_EXIT_NORESPONSE;
}

void
sl_fatal_unreached(int err, const char *verb, const char *host)
{
	if (err == SL_ERESOLVE_BADNAME)
		sl_usage_error("unable to %s %s: %s", verb, host, sl_strerror(err));
	sl_fatal_err(sl_exit_for_error(err), err, "unable to %s %s", verb, host);
}

void
sl_fatal_unsent(struct sl_sip *s, int err, const char *verb, const char *target)
{
	if (sl_resolve_failed(err))
		sl_fatal_unreached(err, "resolve", sl_sip_last_hop(s));
	sl_fatal_err(err < 0 || err == ECONNREFUSED || err == ETIMEDOUT || err == EHOSTUNREACH ||
		     err == ENETUNREACH ? SL_EXIT_NORESPONSE : SL_EXIT_SYSTEM, err,
		     "unable to %s %s", verb, target);
}

void
sl_sip_bind_option(struct sl_sip *s, const char *local)
{
	struct sl_addr a;
	int err;

	if ((err = sl_addr_parse(local, 0, 1, &a)) != 0)
		sl_usage_error("--local %s: %s", local, sl_strerror(err));
	if ((err = sl_sip_bind(s, &a)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to bind %s", local);
}

const char *
sl_describe_error(int err)
{
	switch (err) {
	case ETIMEDOUT: return "no response (timeout)";
	case ECONNREFUSED: return "no response (port unreachable: nothing listens there)";
	case EHOSTUNREACH: return "no response (host unreachable)";
	case ENETUNREACH: return "no response (network unreachable)";
	case ECONNRESET: return "no response (the connection was closed)";
	}
	return sl_strerror(err);
}

/* ---- building requests ---- */

int
sl_uri_ok(const char *uri)
{
	const unsigned char *p;
	osip_uri_t *u = NULL;
	int ok;

	for (p = (const unsigned char *)uri; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"')
			return 0;
	ok = osip_uri_init(&u) == 0 && osip_uri_parse(u, uri) == 0 &&
	     u->host != NULL && u->host[0] != '\0';
	osip_uri_free(u);
	return ok;
}

int
sl_sip_new_request(struct sl_sip *s, const char *method, const char *ruri,
		   const char *to, osip_message_t **out)
{
	osip_message_t *m = NULL;
	osip_uri_t *uri = NULL;
	char buf[1024], from[800], tag[17], cid[33];
	int rc;

	if (osip_message_init(&m) != 0)
		return ENOMEM;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&uri) != 0 || osip_uri_parse(uri, ruri) != 0 ||
	    uri->host == NULL) {
		osip_uri_free(uri);
		osip_message_free(m);
		return EINVAL;
	}
	osip_message_set_uri(m, uri);
	sl_random_token(tag, 16);
	if (sl_settings_name_addr(s->set, s->aor, from, sizeof from) != 0) {
		osip_message_free(m);
		return ENAMETOOLONG;
	}
	snprintf(buf, sizeof buf, "%s;tag=%s", from, tag);
	rc = osip_message_set_from(m, buf);
	snprintf(buf, sizeof buf, "<%s>", to ? to : ruri);
	rc |= osip_message_set_to(m, buf);
	sl_random_token(cid, 32);
	rc |= osip_message_set_call_id(m, cid);
	snprintf(buf, sizeof buf, "1 %s", method);
	rc |= osip_message_set_cseq(m, buf);
	rc |= osip_message_set_max_forwards(m, "70");
	rc |= osip_message_set_user_agent(m, SL_USER_AGENT);
	if (rc != 0) {
		osip_message_free(m);
		return EINVAL;
	}
	*out = m;
	return 0;
}

const char *
sl_msg_call_id(const osip_message_t *msg, char *buf, size_t size)
{
	int n;

	if (msg->call_id == NULL || msg->call_id->number == NULL) {
		buf[0] = '\0';
		return buf;
	}
	n = msg->call_id->host ? snprintf(buf, size, "%s@%s", msg->call_id->number, msg->call_id->host)
			       : snprintf(buf, size, "%s", msg->call_id->number);
	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
	return buf;
}

int
sl_msg_has_to_tag(const osip_message_t *msg)
{
	osip_generic_param_t *tag = NULL;

	return msg->to && osip_to_get_tag(msg->to, &tag) == 0 && tag && tag->gvalue;
}

/* ---- where a request goes (RFC 3263) ---- */

static int
is_sips(const osip_uri_t *u)
{
	return u && u->scheme && strcasecmp(u->scheme, "sips") == 0;
}

/* The host, port (0: none) and transports a URI names for its next hop:
 * its maddr or host, and the transport of its transport parameter.
 * Returns 0 or an SL_ERESOLVE_* code. */
static int
uri_hop(const osip_uri_t *uri, char *host, size_t size, int *port,
	unsigned *protos)
{
	osip_uri_param_t *p = NULL;
	const char *h;
	enum sl_proto proto;

	if (uri == NULL || uri->host == NULL || *uri->host == '\0')
		return SL_ERESOLVE_BADNAME;
	h = uri->host;
	if (osip_uri_uparam_get_byname((osip_uri_t *)uri, "maddr", &p) == 0 && p &&
	    p->gvalue && *p->gvalue)
		h = p->gvalue;
	if (strlen(h) >= size)
		return SL_ERESOLVE_BADNAME;
	strcpy(host, h);
	*port = 0;
	if (uri->port && *uri->port) {
		char *end;
		long v = strtol(uri->port, &end, 10);

		if (*end || v <= 0 || v > 65535)
			return SL_ERESOLVE_BADNAME;
		*port = (int)v;
	}
	/* A sips: URI is TLS all the way (RFC 3261 §26.2.2), whatever a
	 * transport parameter says. */
	p = NULL;
	if (is_sips(uri)) {
		*protos = SL_PROTO_BIT(SL_PROTO_TLS);
	} else if (osip_uri_uparam_get_byname((osip_uri_t *)uri, "transport", &p) == 0 && p &&
		   p->gvalue) {
		if (sl_proto_parse(p->gvalue, &proto) != 0)
			return SL_ERESOLVE_TRANSPORT;
		*protos = SL_PROTO_BIT(proto);
	}
	return 0;
}

/* Resolves the next hop of req (the first Route, else outside a dialog
 * the outbound proxy, else the Request-URI) into its targets, in the
 * order to try them.  *located: the hop was a name, not an address.
 * Returns 0, an SL_ERESOLVE_* / errno value, or SL_ETLS_NEEDED (TLS asked
 * for, by a sips: URI or transport=tls, on a transport that is not). */
static int
locate(struct sl_sip *s, const osip_message_t *req, struct sl_target *t,
       size_t *n, int *located)
{
	osip_route_t *route = osip_list_get(&req->routes, 0);
	unsigned protos = s->set->proto_set ? SL_PROTO_BIT(s->set->proto) : SL_PROTOS_ALL;
	char host[256];
	size_t i;
	int port, err;

	if (route && route->url)
		err = uri_hop(route->url, host, sizeof host, &port, &protos);
	else if (!sl_msg_has_to_tag(req) && s->set->server[0] && !s->direct) {
		err = sl_addr_split(s->set->server, host, sizeof host, &port) != 0 ||
		      host[0] == '\0' ? SL_ERESOLVE_BADNAME : 0;
		if (is_sips(req->req_uri))
			protos = SL_PROTO_BIT(SL_PROTO_TLS);
	} else
		err = uri_hop(req->req_uri, host, sizeof host, &port, &protos);
	if (err)
		return err;
	/* TLS needs the TLS transport, with its trust and certificate: never
	 * another one instead. */
	if ((protos & SL_PROTO_BIT(SL_PROTO_TLS)) && sl_transport_proto(s->tp) != SL_PROTO_TLS)
		return SL_ETLS_NEEDED;
	snprintf(s->hop, sizeof s->hop, "%s", host);
	*located = !sl_resolve_is_literal(host);
	if ((err = sl_resolve(host, port, protos, t, SL_RESOLVE_MAX, n)) != 0)
		return err;
	/* The name a TLS peer must prove is the one the URI or SIP_SERVER
	 * gave, not an SRV target's (RFC 5922 §4). */
	for (i = 0; i < *n; i++)
		sl_transport_peer_name(s->tp, &t[i].addr, host);
	return 0;
}

/* The first of t[from..n) that can be used now: over TCP and TLS, one
 * that a connection opens to (one that refuses, stays silent for the
 * connect timeout, or fails the TLS handshake or its certificate check, is
 * noted down and the next is tried).  Returns its index, or
 * -1 with *err set. */
static int
pick(struct sl_sip *s, const struct sl_target *t, size_t n, size_t from, int *err)
{
	char a[SL_ADDR_STRLEN + 8], b[SL_ADDR_STRLEN + 8];
	struct sl_addr local;
	size_t i;

	*err = SL_ERESOLVE_NODATA;
	for (i = from; i < n; i++) {
		if ((*err = note_proto(s, &t[i].addr, t[i].proto)) != 0)
			continue;
		if (t[i].proto == SL_PROTO_UDP ||
		    (*err = sl_transport_local_for(tp_for(s, &t[i].addr), &t[i].addr,
						   &local)) == 0)
			return (int)i;
		sl_resolve_mark_down(&t[i]);
		if (i + 1 < n)
			sl_event("failover from=%s to=%s reason=\"%s\"",
				 sl_target_str(&t[i], a, sizeof a),
				 sl_target_str(&t[i + 1], b, sizeof b), sl_describe_error(*err));
	}
	return -1;
}

int
sl_sip_destination(struct sl_sip *s, const osip_message_t *req,
		   struct sl_addr *dst)
{
	struct sl_target t[SL_RESOLVE_MAX];
	size_t n;
	int i, err, located;

	if ((err = locate(s, req, t, &n, &located)) != 0)
		return err;
	if ((i = pick(s, t, n, 0, &err)) < 0)
		return err;
	*dst = t[i].addr;
	return 0;
}

const char *
sl_sip_last_hop(const struct sl_sip *s)
{
	return s->hop;
}

int
sl_sip_add_via(struct sl_sip *s, osip_message_t *req, const struct sl_addr *dst)
{
	struct sl_transport *tp = tp_for(s, dst);
	struct sl_addr local;
	osip_via_t *via;
	char host[SL_ADDR_STRLEN], branch[25], buf[256];
	int err;

	if ((err = sl_transport_local_for(tp, dst, &local)) != 0)
		return err;
	while ((via = osip_list_get(&req->vias, 0)) != NULL) {
		osip_list_remove(&req->vias, 0);
		osip_via_free(via);
	}
	sl_random_token(branch, 24);
	snprintf(buf, sizeof buf, "SIP/2.0/%s %s:%d;rport;branch=z9hG4bK%s",
		 sl_proto_via(sl_transport_proto(tp)),
		 sl_addr_uri_host(&local, host), sl_addr_port(&local), branch);
	/* libosip2 serialises from a cached copy unless told otherwise. */
	osip_message_force_update(req);
	return osip_message_set_via(req, buf) == 0 ? 0 : ENOMEM;
}

int
sl_sip_contact(struct sl_sip *s, const struct sl_addr *dst, char *buf,
	       size_t size)
{
	struct sl_transport *tp = tp_for(s, dst);
	struct sl_addr local;
	char host[SL_ADDR_STRLEN];
	int err, n;

	if ((err = sl_transport_local_for(tp, dst, &local)) != 0)
		return err;
	/* Behind a NAT, the address the registrar saw us at. */
	if (s->public_addr.len && tp == s->tp &&
	    s->public_addr.ss.ss_family == dst->ss.ss_family)
		local = s->public_addr;
	n = snprintf(buf, size, "sip:%s%s%s:%d%s%s",
		     s->set->user[0] ? s->set->user : "", s->set->user[0] ? "@" : "",
		     sl_addr_uri_host(&local, host), sl_addr_port(&local),
		     sl_transport_proto(tp) == SL_PROTO_UDP ? "" : ";transport=",
		     sl_transport_proto(tp) == SL_PROTO_UDP ? "" : sl_proto_param(sl_transport_proto(tp)));
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

/* RFC 3261 §8.1.1.8 and §12.1.1: a request whose Request-URI or first Route
 * is sips: (ours), or one that came with a sips: Request-URI, top
 * Record-Route or (without Record-Route) Contact (theirs), has a sips:
 * Contact in it and in the responses that make its dialog. */
static int
wants_sips(const osip_message_t *req)
{
	osip_route_t *route = osip_list_get(&req->routes, 0);
	osip_record_route_t *rr = osip_list_get(&req->record_routes, 0);
	osip_contact_t *ct = osip_list_get(&req->contacts, 0);

	return is_sips(req->req_uri) || (route && is_sips(route->url)) ||
	       (rr && is_sips(rr->url)) || (!rr && ct && is_sips(ct->url));
}

int
sl_sip_contact_for(struct sl_sip *s, const struct sl_addr *dst,
		   const osip_message_t *req, char *buf, size_t size)
{
	static const char tls[] = ";transport=tls";
	size_t n;
	int err;

	if ((err = sl_sip_contact(s, dst, buf, size)) != 0)
		return err;
	n = strlen(buf);
	if (sl_transport_proto(s->tp) != SL_PROTO_TLS || !wants_sips(req) ||
	    n + 1 >= size || n < sizeof tls || strcmp(buf + n - (sizeof tls - 1), tls) != 0)
		return 0;
	/* "sip:u@h:p;transport=tls" -> "sips:u@h:p": sips means TLS. */
	buf[n - (sizeof tls - 1)] = '\0';
	memmove(buf + 4, buf + 3, strlen(buf + 3) + 1);
	buf[3] = 's';
	return 0;
}

/* ---- client transactions ---- */

/* Starts a transaction for req (taken over) on behalf of c.  Returns 0 or
 * an errno value. */
static int
start_transaction(struct sl_client *c, osip_message_t *req)
{
	struct sl_sip *s = c->s;
	osip_transaction_t *tr = NULL;
	osip_event_t *ev;
	osip_message_t *copy = NULL;
	int type = MSG_IS_INVITE(req) ? ICT : NICT;

	if (osip_message_clone(req, &copy) != 0) {
		osip_message_free(req);
		return ENOMEM;
	}
	if (osip_transaction_init(&tr, type, s->osip, req) != 0) {
		osip_message_free(req);
		osip_message_free(copy);
		return ENOMEM;
	}
	/* A copy of the destination stays with the transaction for the
	 * messages it sends after we stopped caring (ACK, retransmissions). */
	tr->reserved2 = malloc(sizeof c->dst);
	if (tr->reserved2)
		memcpy(tr->reserved2, &c->dst, sizeof c->dst);
	osip_transaction_set_your_instance(tr, c);
	ev = osip_new_outgoing_sipmessage(req);
	if (ev == NULL) {
		osip_transaction_free(tr);
		osip_message_free(copy);
		return ENOMEM;
	}
	ev->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, ev);
	s->transactions++;
	if (c->req)
		osip_message_free(c->req);
	c->req = copy;
	c->tr = tr;
	c->trid = tr->transactionid;
	return 0;
}

static void
client_unlink(struct sl_client *c)
{
	struct sl_client **pp;

	for (pp = &c->s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
}

static void
client_free(struct sl_client *c)
{
	struct event *e;

	if (c->tr)
		osip_transaction_set_your_instance(c->tr, NULL);
	sl_timer_stop(c->s->loop, &c->try_timer);
	for (e = c->s->events; e; e = e->next)
		if (e->client == c)
			e->client = NULL;
	client_unlink(c);
	osip_message_free(c->req);
	free(c);
}

/* Sets how long tr waits for a final response (timer F, or timer B
 * before a provisional). */
static void
set_tr_timeout(osip_transaction_t *tr, int64_t ms)
{
	struct timeval now;

	if (tr == NULL)
		return;
	osip_gettimeofday(&now, NULL);
	if (tr->nict_context) {
		tr->nict_context->timer_f_length = (int)ms;
		tr->nict_context->timer_f_start = now;
		add_gettimeofday(&tr->nict_context->timer_f_start, (int)ms);
	} else if (tr->ict_context) {
		tr->ict_context->timer_b_length = (int)ms;
		tr->ict_context->timer_b_start = now;
		add_gettimeofday(&tr->ict_context->timer_b_start, (int)ms);
	}
}

static void on_try_timer(void *arg);

/* Starts the clocks of c's current target: the caller's deadline, if it
 * set one, bounds the transaction; with another target left, a target
 * that stays silent for SL_SIP_TRY_MS is left for the next. */
static void
arm_try(struct sl_client *c)
{
	int64_t left = c->deadline ? c->deadline - sl_now_ms() : SL_SIP_TRY_MS;

	if (left < 1)
		left = 1;
	if (c->deadline)
		set_tr_timeout(c->tr, left);
	sl_timer_stop(c->s->loop, &c->try_timer);
	if (c->failover && c->cur + 1 < c->ntargets)
		sl_timer_start(c->s->loop, &c->try_timer,
			       left < SL_SIP_TRY_MS ? left : SL_SIP_TRY_MS, on_try_timer, c);
}

/* Whether c may leave its target for the next (RFC 3263 §4.3). */
static int
may_fail_over(const struct sl_client *c)
{
	if (!c->failover || c->final || c->cancel_wanted || c->cur + 1 >= c->ntargets)
		return 0;
	/* An INVITE that got a provisional response stays where it is: the
	 * call may be ringing there. */
	if (MSG_IS_INVITE(c->req) && c->provisional)
		return 0;
	return c->deadline == 0 || sl_now_ms() < c->deadline;
}

/* Lets go of c's transaction.  One still waiting for a response is
 * dropped, so that it stops retransmitting to a target given up; one
 * that got its final response (a 503) runs out by itself: it ACKs that
 * response and absorbs its retransmissions. */
static void
leave_transaction(struct sl_client *c)
{
	osip_transaction_t *tr = c->tr;

	if (tr == NULL)
		return;
	osip_transaction_set_your_instance(tr, NULL);
	c->tr = NULL;
	if ((tr->ctx_type == ICT && tr->state == ICT_CALLING) ||
	    (tr->ctx_type == NICT && (tr->state == NICT_TRYING ||
				      tr->state == NICT_PROCEEDING))) {
		osip_remove_transaction(c->s->osip, tr);
		add_garbage(c->s, tr);
	}
}

/* Our Contact in req, made for the target left, is made again for the
 * new one (its local address or transport may differ); a Contact the
 * caller chose stays.  c->contact: ours as last made ("" when req has
 * none of ours). */
static void
retarget_contact(struct sl_client *c, osip_message_t *req)
{
	osip_contact_t *ct = osip_list_get(&req->contacts, 0);
	osip_uri_t *mine = NULL, *fresh = NULL;
	char now[sizeof c->contact], *a = NULL, *b = NULL;
	int same;

	if (c->contact[0] == '\0' || ct == NULL || ct->url == NULL ||
	    sl_sip_contact_for(c->s, &c->dst, req, now, sizeof now) != 0 ||
	    strcmp(now, c->contact) == 0)
		return;
	same = osip_uri_init(&mine) == 0 && osip_uri_parse(mine, c->contact) == 0 &&
	       osip_uri_to_str(mine, &a) == 0 && osip_uri_to_str(ct->url, &b) == 0 &&
	       strcmp(a, b) == 0;
	osip_free(a);
	osip_free(b);
	osip_uri_free(mine);
	if (!same || osip_uri_init(&fresh) != 0 || osip_uri_parse(fresh, now) != 0) {
		osip_uri_free(fresh);
		return;
	}
	/* Its parameters (expires, +sip.instance) stay. */
	osip_uri_free(ct->url);
	ct->url = fresh;
	osip_message_force_update(req);
	snprintf(c->contact, sizeof c->contact, "%s", now);
}

/* Sends c's request again, as a new transaction (same Call-ID and CSeq,
 * a new Via branch: RFC 3263 §4.3), to the next target that can be used;
 * why: what happened at the one left.  Returns 0 when it did, -1 when
 * there is no going on (the caller then reports the failure). */
static int
fail_over(struct sl_client *c, const char *why)
{
	struct sl_sip *s = c->s;
	osip_message_t *req = NULL;
	char a[SL_ADDR_STRLEN + 8], b[SL_ADDR_STRLEN + 8];
	size_t old = c->cur;
	int i, err;

	if (!may_fail_over(c))
		return -1;
	sl_timer_stop(s->loop, &c->try_timer);
	sl_resolve_mark_down(&c->targets[old]);
	if ((i = pick(s, c->targets, c->ntargets, old + 1, &err)) < 0 ||
	    osip_message_clone(c->req, &req) != 0)
		return -1;
	leave_transaction(c);
	sl_event("failover from=%s to=%s reason=\"%s\"",
		 sl_target_str(&c->targets[old], a, sizeof a),
		 sl_target_str(&c->targets[i], b, sizeof b), why);
	c->cur = (size_t)i;
	c->dst = c->targets[i].addr;
	c->provisional = 0;
	if (sl_sip_add_via(s, req, &c->dst) != 0) {
		osip_message_free(req);
		return -1;
	}
	retarget_contact(c, req);
	if (start_transaction(c, req) != 0)
		return -1;
	arm_try(c);
	return 0;
}

static void deliver_error(struct sl_client *c, int err);

static void
on_try_timer(void *arg)
{
	struct sl_client *c = arg;

	/* When there is no going on, the transaction's own timer (or the
	 * caller's deadline) ends the wait; unless it was left already and
	 * the next target could not be tried after all. */
	if (fail_over(c, sl_describe_error(ETIMEDOUT)) != 0 && c->tr == NULL)
		deliver_error(c, ETIMEDOUT);
}

int
sl_sip_send(struct sl_sip *s, osip_message_t *req, sl_response_cb cb,
	    void *arg, struct sl_client **out)
{
	struct sl_client *c;
	int err, i;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		osip_message_free(req);
		return ENOMEM;
	}
	c->s = s;
	c->cb = cb;
	c->arg = arg;
	if ((err = locate(s, req, c->targets, &c->ntargets, &c->located)) != 0 ||
	    (i = pick(s, c->targets, c->ntargets, 0, &err)) < 0)
		goto fail;
	c->cur = (size_t)i;
	c->dst = c->targets[i].addr;
	/* Out of a dialog a failed target gives way to the next; within
	 * one, the remote target or route set is followed as it is. */
	c->failover = !sl_msg_has_to_tag(req);
	if ((err = sl_sip_add_via(s, req, &c->dst)) != 0)
		goto fail;
	/* (REFER and NOTIFY make or keep a subscription: RFC 3515, 6665;
	 * UPDATE is a target refresh: RFC 3311 §5.1) */
	if ((MSG_IS_INVITE(req) || MSG_IS_REFER(req) || MSG_IS_NOTIFY(req) ||
	     MSG_IS_UPDATE(req)) &&
	    osip_list_size(&req->contacts) == 0) {
		char bracketed[sizeof c->contact + 8];

		if ((err = sl_sip_contact_for(s, &c->dst, req, c->contact, sizeof c->contact)) != 0)
			goto fail;
		/* Brackets, or ";transport=tcp" would be a header parameter. */
		snprintf(bracketed, sizeof bracketed, "<%s>", c->contact);
		osip_message_set_contact(req, bracketed);
	} else if (c->failover && c->ntargets > c->cur + 1 &&
		   osip_list_size(&req->contacts) > 0 &&
		   sl_sip_contact_for(s, &c->dst, req, c->contact, sizeof c->contact) != 0) {
		c->contact[0] = '\0';
	}
	if (MSG_IS_REGISTER(req) && s->have_reg_ch && s->set->password &&
	    sl_addr_equal(&s->reg_dst, &c->dst) &&
	    sl_digest_authorize(req, &s->reg_ch, sl_settings_auth_user(s->set),
				s->set->password, ++s->reg_nc) == 0) {
		c->used = s->reg_ch;
		c->authorized = 1;
		c->nc = s->reg_nc;
		snprintf(c->last_nonce, sizeof c->last_nonce, "%s", s->reg_ch.nonce);
	}
	if ((err = start_transaction(c, req)) != 0) {
		free(c);
		return err;
	}
	c->next = s->clients;
	s->clients = c;
	arm_try(c);
	if (out)
		*out = c;
	return 0;
fail:
	osip_message_free(req);
	free(c);
	return err;
}

osip_message_t *
sl_client_request(struct sl_client *c)
{
	return c->req;
}

int
sl_client_authorized(const struct sl_client *c)
{
	return c->authorized;
}

int
sl_client_final(const struct sl_client *c)
{
	return c->final;
}

const struct sl_addr *
sl_client_destination(const struct sl_client *c)
{
	return &c->dst;
}

const struct sl_target *
sl_client_target(const struct sl_client *c)
{
	return &c->targets[c->cur];
}

int
sl_client_located(const struct sl_client *c)
{
	return c->located;
}

void
sl_client_set_timeout(struct sl_client *c, int ms)
{
	c->deadline = sl_now_ms() + ms;
	if (c->tr)
		arm_try(c);
}

void
sl_client_abandon(struct sl_client *c)
{
	client_free(c);
}

/* Sends the CANCEL for c's INVITE (RFC 3261 §9.1: same Request-URI,
 * Call-ID, From, To, CSeq number, top Via and Route). */
static int
send_cancel(struct sl_client *c)
{
	osip_message_t *cancel = NULL, *inv = c->req;
	osip_via_t *via = osip_list_get(&inv->vias, 0), *vcopy = NULL;
	struct sl_client *cc;
	char buf[64];
	int pos;

	if (via == NULL || osip_message_init(&cancel) != 0)
		return ENOMEM;
	osip_message_set_method(cancel, osip_strdup("CANCEL"));
	osip_message_set_version(cancel, osip_strdup("SIP/2.0"));
	osip_uri_clone(inv->req_uri, &cancel->req_uri);
	osip_from_clone(inv->from, &cancel->from);
	osip_to_clone(inv->to, &cancel->to);
	osip_call_id_clone(inv->call_id, &cancel->call_id);
	snprintf(buf, sizeof buf, "%s CANCEL", inv->cseq->number);
	osip_message_set_cseq(cancel, buf);
	osip_message_set_max_forwards(cancel, "70");
	osip_via_clone(via, &vcopy);
	osip_list_add(&cancel->vias, vcopy, 0);
	for (pos = 0; pos < osip_list_size(&inv->routes); pos++) {
		osip_route_t *r = osip_list_get(&inv->routes, pos), *rc = NULL;

		osip_route_clone(r, &rc);
		osip_list_add(&cancel->routes, rc, -1);
	}
	osip_message_set_user_agent(cancel, SL_USER_AGENT);
	cc = calloc(1, sizeof *cc);
	if (cc == NULL) {
		osip_message_free(cancel);
		return ENOMEM;
	}
	cc->s = c->s;
	cc->dst = c->dst;
	cc->targets[0] = c->targets[c->cur];
	cc->ntargets = 1;
	if (start_transaction(cc, cancel) != 0) {
		free(cc);
		return ENOMEM;
	}
	cc->next = c->s->clients;
	c->s->clients = cc;
	c->cancelled = 1;
	return 0;
}

int
sl_client_cancel(struct sl_client *c)
{
	if (c->final || c->cancelled || !MSG_IS_INVITE(c->req))
		return 0;
	if (!c->provisional) {
		/* RFC 3261 §9.1: not before a provisional response. */
		c->cancel_wanted = 1;
		return 0;
	}
	return send_cancel(c);
}

/* Sends c's request again with credentials for the challenge in resp.
 * Returns 0 when it did, or an errno value when it cannot (no password,
 * already refused, unsupported algorithm). */
static int
retry_with_auth(struct sl_client *c, osip_message_t *resp)
{
	struct sl_digest_challenge ch;
	char unsupported[64] = "";
	osip_message_t *req = NULL;
	char buf[64];
	unsigned long cseq;
	int err;

	if (c->s->set->password == NULL || sl_settings_auth_user(c->s->set)[0] == '\0') {
		sl_warn("%d %s: no credentials (set SIP_USER and SIP_PASSWORD or SIP_PASSWORD_FILE)",
			resp->status_code, sl_reason(resp->status_code));
		return EACCES;
	}
	err = sl_digest_pick(resp, &ch, unsupported, sizeof unsupported);
	if (err == ENOTSUP) {
		sl_warn("the server asks for digest algorithm %s, which sipline does not support",
			unsupported);
		return err;
	}
	if (err) {
		sl_warn("unusable authentication challenge in %d response", resp->status_code);
		return err;
	}
	/* A second challenge for a fresh request means the credentials were
	 * refused, unless the server only says our nonce was stale.  A stale
	 * nonce is answered at most SL_STALE_RETRIES times per request: a
	 * server that calls every fresh nonce stale would otherwise get a new
	 * request for ever.  (A stale=true challenge to a request without
	 * credentials is an ordinary first challenge.) */
	if (ch.stale && c->authorized) {
		if (c->stale_tries >= SL_STALE_RETRIES) {
			sl_warn("unable to authenticate: %d %s: the nonce is still stale after %d fresh ones; giving up",
				resp->status_code, sl_reason(resp->status_code),
				SL_STALE_RETRIES);
			return EACCES;
		}
		c->stale_tries++;
	} else {
		if (c->auth_tries >= 1)
			return EACCES;
		c->auth_tries++;
	}
	if (strcmp(ch.nonce, c->last_nonce) != 0) {
		c->nc = 0;
		snprintf(c->last_nonce, sizeof c->last_nonce, "%s", ch.nonce);
	}
	if (osip_message_clone(c->req, &req) != 0)
		return ENOMEM;
	cseq = strtoul(req->cseq->number, NULL, 10) + 1;
	snprintf(buf, sizeof buf, "%lu", cseq);
	osip_free(req->cseq->number);
	req->cseq->number = osip_strdup(buf);
	if ((err = sl_sip_add_via(c->s, req, &c->dst)) != 0 ||
	    (err = sl_digest_authorize(req, &ch, sl_settings_auth_user(c->s->set),
				       c->s->set->password, ++c->nc)) != 0) {
		osip_message_free(req);
		return err;
	}
	c->used = ch;
	c->authorized = 1;
	if (c->tr) {
		/* The old transaction finishes on its own (ACK, timers). */
		osip_transaction_set_your_instance(c->tr, NULL);
		c->tr = NULL;
	}
	if ((err = start_transaction(c, req)) != 0)
		return err;
	/* The caller's deadline holds for the new transaction too. */
	arm_try(c);
	return 0;
}

static void
deliver_response(struct sl_client *c, osip_message_t *resp)
{
	int code = resp->status_code;

	if (c->final)
		return;
	/* Whatever it says, this target answers. */
	sl_timer_stop(c->s->loop, &c->try_timer);
	if (code < 200) {
		c->provisional = 1;
		if (c->cancel_wanted && !c->cancelled)
			send_cancel(c);
		if (c->cb)
			c->cb(c, resp, 0, c->arg);
		return;
	}
	if (code == 503) {
		char line[160];

		if (fail_over(c, sl_status_line(resp, line, sizeof line)) == 0)
			return;
	}
	if ((code == 401 || code == 407) && retry_with_auth(c, resp) == 0)
		return;
	if (MSG_IS_REGISTER(c->req)) {
		struct sl_sip *s = c->s;

		if (code < 300 && c->authorized && !c->used.proxy) {
			s->reg_ch = c->used;
			s->reg_nc = c->nc;
			s->reg_dst = c->dst;
			s->have_reg_ch = 1;
		} else if (code == 401 || code == 407 || code == 403) {
			s->have_reg_ch = 0;
		}
	}
	c->final = 1;
	if (c->cb)
		c->cb(c, resp, 0, c->arg);
	client_free(c);
}

static void
deliver_error(struct sl_client *c, int err)
{
	if (c->final || fail_over(c, sl_describe_error(err)) == 0)
		return;
	c->final = 1;
	if (c->cb)
		c->cb(c, NULL, err, c->arg);
	client_free(c);
}

/* ---- server transactions ---- */

osip_message_t *
sl_server_request(struct sl_server *srv)
{
	return srv->tr->orig_request;
}

const struct sl_addr *
sl_server_source(const struct sl_server *srv)
{
	return &srv->src;
}

const char *
sl_server_tag(const struct sl_server *srv)
{
	return srv->tag;
}

int
sl_server_response(struct sl_server *srv, int code, osip_message_t **out)
{
	osip_message_t *req = srv->tr->orig_request, *r = NULL;
	osip_generic_param_t *tag = NULL;
	int pos;

	if (osip_message_init(&r) != 0)
		return ENOMEM;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(sl_reason(code)));
	for (pos = 0; pos < osip_list_size(&req->vias); pos++) {
		osip_via_t *v = osip_list_get(&req->vias, pos), *vc = NULL;

		if (osip_via_clone(v, &vc) == 0)
			osip_list_add(&r->vias, vc, -1);
	}
	osip_from_clone(req->from, &r->from);
	osip_to_clone(req->to, &r->to);
	osip_call_id_clone(req->call_id, &r->call_id);
	osip_cseq_clone(req->cseq, &r->cseq);
	if (r->to && code > 100 && (osip_to_get_tag(r->to, &tag) != 0 || tag == NULL))
		osip_to_set_tag(r->to, osip_strdup(srv->tag));
	if (MSG_IS_INVITE(req) && code > 100 && code < 300) {
		/* Dialog-creating responses echo Record-Route (§12.1.1). */
		for (pos = 0; pos < osip_list_size(&req->record_routes); pos++) {
			osip_record_route_t *rr = osip_list_get(&req->record_routes, pos), *rc = NULL;

			if (osip_record_route_clone(rr, &rc) == 0)
				osip_list_add(&r->record_routes, rc, -1);
		}
	}
	osip_message_set_header(r, "Server", SL_USER_AGENT);
	*out = r;
	return 0;
}

int
sl_server_send(struct sl_server *srv, osip_message_t *resp)
{
	osip_event_t *ev;

	if (srv->final) {
		osip_message_free(resp);
		return EALREADY;
	}
	if (resp->status_code >= 200)
		srv->final = 1;
	ev = osip_new_outgoing_sipmessage(resp);
	if (ev == NULL) {
		osip_message_free(resp);
		return ENOMEM;
	}
	ev->transactionid = srv->tr->transactionid;
	osip_transaction_add_event(srv->tr, ev);
	return 0;
}

int
sl_server_reply(struct sl_server *srv, int code)
{
	osip_message_t *r;
	int err;

	if ((err = sl_server_response(srv, code, &r)) != 0)
		return err;
	if (code == 405 || code == 501 || (code == 200 && MSG_IS_OPTIONS(srv->tr->orig_request)))
		osip_message_set_allow(r, SL_ALLOW);
	if (code == 200 && MSG_IS_OPTIONS(srv->tr->orig_request))
		osip_message_set_header(r, "Supported", SL_SUPPORTED);
	if (code == 415 || (code == 200 && MSG_IS_OPTIONS(srv->tr->orig_request))) {
		osip_message_set_accept(r, SL_ACCEPT);
		osip_message_set_header(r, "Accept-Language", "en");
	}
	return sl_server_send(srv, r);
}

/* 1 for a method we know: ours, or one of SIP's extensions that we do
 * not take (405 for those, not 501: RFC 3261 §8.2.1). */
static int
method_known(const char *m)
{
	static const char *const known[] = {
		"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS",
		"REGISTER", "INFO", "UPDATE", "PRACK", "MESSAGE", "REFER",
		"NOTIFY", "SUBSCRIBE", "PUBLISH",
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof *known; i++)
		if (strcmp(m, known[i]) == 0)
			return 1;
	return 0;
}

int
sl_server_reply_unsupported(struct sl_server *srv)
{
	return sl_server_reply(srv, method_known(srv->tr->orig_request->sip_method) ? 405 : 501);
}

void
sl_server_reply_other(struct sl_server *srv, osip_message_t *req)
{
	/* INFO belongs in a dialog (RFC 6086), as BYE does; UPDATE too
	 * (RFC 3311). */
	if (sl_msg_has_to_tag(req) || MSG_IS_BYE(req) || MSG_IS_CANCEL(req) || MSG_IS_INFO(req) ||
	    MSG_IS_UPDATE(req))
		sl_server_reply(srv, 481);     /* no such dialog / transaction */
	else if (MSG_IS_OPTIONS(req))
		sl_server_reply(srv, 200);
	else
		sl_server_reply_unsupported(srv);
}

/* Sends a message outside any transaction (shown with -v).  Returns 0 or
 * an errno value. */
static int
send_text(struct sl_sip *s, const struct sl_addr *dst, const char *text, size_t len)
{
	struct sl_transport *tp = tp_for(s, dst);
	int err = sl_transport_send(tp, dst, text, len);

	if (sl_verbose) {
		char hdr[128], a[SL_ADDR_STRLEN];

		snprintf(hdr, sizeof hdr, "sent to %s (%s):", sl_addr_str(dst, a),
			 sl_proto_via(sl_transport_proto(tp)));
		sl_dump(hdr, text, len);
	}
	return err;
}

int
sl_sip_send_raw(struct sl_sip *s, osip_message_t *msg, const struct sl_addr *dst)
{
	char *text = NULL;
	size_t len;
	int err;

	if (osip_message_to_str(msg, &text, &len) != 0)
		return ENOMEM;
	err = send_text(s, dst, text, len);
	osip_free(text);
	return err;
}

/* ---- incoming messages ---- */

/* Sends a response to a request that never got a transaction (malformed,
 * or refused before one was made), to the address it came from. */
static void
reply_stateless(struct sl_sip *s, osip_message_t *req, const struct sl_addr *src,
		int code, const char *reason)
{
	osip_message_t *r = NULL;
	int pos;

	if (MSG_IS_ACK(req) || osip_message_init(&r) != 0)
		return;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(reason ? reason : sl_reason(code)));
	for (pos = 0; pos < osip_list_size(&req->vias); pos++) {
		osip_via_t *v = osip_list_get(&req->vias, pos), *vc = NULL;

		if (osip_via_clone(v, &vc) == 0)
			osip_list_add(&r->vias, vc, -1);
	}
	if (req->from)
		osip_from_clone(req->from, &r->from);
	if (req->to) {
		osip_generic_param_t *tag = NULL;
		char t[17];

		osip_to_clone(req->to, &r->to);
		if (r->to && (osip_to_get_tag(r->to, &tag) != 0 || tag == NULL)) {
			sl_random_token(t, 16);
			osip_to_set_tag(r->to, osip_strdup(t));
		}
	}
	if (req->call_id)
		osip_call_id_clone(req->call_id, &r->call_id);
	if (req->cseq)
		osip_cseq_clone(req->cseq, &r->cseq);
	if (code == 405 || code == 501)
		osip_message_set_allow(r, SL_ALLOW);
	osip_message_set_header(r, "Server", SL_USER_AGENT);
	sl_sip_send_raw(s, r, src);
	osip_message_free(r);
}

void
sl_sip_reply_stateless(struct sl_sip *s, osip_message_t *req, const struct sl_addr *src,
		       int code)
{
	reply_stateless(s, req, src, code, NULL);
}

static const char cseq_mismatch[] = "CSeq method differs from the request's";

/* Checks what every later step relies on.  Returns NULL when msg is fit,
 * else a short reason. */
static const char *
insane(const osip_message_t *msg)
{
	osip_via_t *via = osip_list_get(&msg->vias, 0);

	if (via == NULL || via->host == NULL || via->protocol == NULL)
		return "no usable Via";
	if (msg->call_id == NULL || msg->call_id->number == NULL)
		return "no Call-ID";
	if (msg->cseq == NULL || msg->cseq->number == NULL || msg->cseq->method == NULL)
		return "no CSeq";
	/* RFC 3261 §8.1.1.5: below 2**31. */
	if (strspn(msg->cseq->number, "0123456789") != strlen(msg->cseq->number) ||
	    strlen(msg->cseq->number) > 10 || msg->cseq->number[0] == '\0' ||
	    strtoul(msg->cseq->number, NULL, 10) > 2147483647UL)
		return "bad CSeq number";
	if (msg->content_length && msg->content_length->value &&
	    (msg->content_length->value[0] == '\0' ||
	     strspn(msg->content_length->value, "0123456789") != strlen(msg->content_length->value)))
		return "bad Content-Length";
	if (msg->from == NULL || msg->from->url == NULL)
		return "no From";
	if (msg->to == NULL || msg->to->url == NULL)
		return "no To";
	if (MSG_IS_REQUEST(msg)) {
		if (msg->sip_method == NULL || msg->req_uri == NULL)
			return "no Request-URI";
		if (strcmp(msg->sip_method, msg->cseq->method) != 0 &&
		    !(MSG_IS_ACK(msg) && strcmp(msg->cseq->method, "INVITE") == 0))
			return cseq_mismatch;
	}
	return NULL;
}

/* Body length the message announces against the bytes that came after
 * the header block.  Returns 1 when it announces more than it has. */
static int
body_truncated(const osip_message_t *msg, const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	long clen;

	if (msg->content_length == NULL || msg->content_length->value == NULL)
		return 0;
	clen = strtol(msg->content_length->value, NULL, 10);
	if (end == NULL)
		return clen > 0;
	return clen > (long)(len - (end + 4 - buf));
}

/* RFC 3261 §25.1 token. */
static int
is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-.!%*_+`'~", c));
}

/* 1 for the option tag p (len bytes) of an extension we implement
 * (SL_SUPPORTED). */
static int
extension_ours(const char *p, size_t len)
{
	static const char *const ours[] = {
		"100rel",       /* RFC 3262, lib/call_in.c */
		"timer",        /* RFC 4028, lib/call_timer.c */
	};
	size_t i;

	for (i = 0; i < sizeof ours / sizeof *ours; i++)
		if (strlen(ours[i]) == len && strncasecmp(p, ours[i], len) == 0)
			return 1;
	return 0;
}

/* What RFC 3261 §8.2 has a UAS refuse before it processes a request (so
 * before a tool decides it is busy), for what we lack: returns 420 for a
 * Require of any extension but ours (§8.2.2.3; the option tags go in
 * tags, for Unsupported), 415 for an INVITE whose body is not SDP
 * (§8.2.3), 406 for an INVITE whose Accept leaves out SDP, which every
 * answer of ours carries (§21.4.7, RFC 4475 §3.3.15); else 0.  An ACK or
 * CANCEL is never refused (§8.2.2.3, §9.2). */
static int
refusal(const osip_message_t *req, char *tags, size_t size)
{
	osip_header_t *h = NULL;
	int pos, n = 0;

	if (MSG_IS_ACK(req) || MSG_IS_CANCEL(req))
		return 0;
	if (size)
		tags[0] = '\0';
	for (pos = 0; (pos = osip_message_header_get_byname(req, "require", pos, &h)) >= 0; pos++) {
		const char *p = h && h->hvalue ? h->hvalue : "";

		/* Tokens only, whatever else the header holds. */
		while (*p) {
			size_t len = 0, used = size ? strlen(tags) : 0;

			while (*p && !is_token_char((unsigned char)*p))
				p++;
			while (is_token_char((unsigned char)p[len]))
				len++;
			if (len && extension_ours(p, len)) {
				p += len;
				continue;
			}
			if (len && size && used + len + 3 < size)
				snprintf(tags + used, size - used, "%s%.*s", used ? ", " : "", (int)len, p);
			n += len > 0;
			p += len;
		}
	}
	if (n)
		return 420;
	if (MSG_IS_INVITE(req)) {
		osip_content_type_t *ct = req->content_type;
		osip_body_t *body = osip_list_get(&req->bodies, 0);
		int i, ok;

		if (body && body->body && body->length > 0 && ct &&
		    (ct->type == NULL || ct->subtype == NULL || strcasecmp(ct->type, "application") != 0 ||
		     strcasecmp(ct->subtype, "sdp") != 0))
			return 415;
		ok = osip_list_size(&req->accepts) == 0;
		for (i = 0; !ok && i < osip_list_size(&req->accepts); i++) {
			const osip_accept_t *a = osip_list_get(&req->accepts, i);

			ok = a && a->type && a->subtype &&
			     (strcmp(a->type, "*") == 0 || strcasecmp(a->type, "application") == 0) &&
			     (strcmp(a->subtype, "*") == 0 || strcasecmp(a->subtype, "sdp") == 0);
		}
		if (!ok)
			return 406;
	}
	return 0;
}

/* Answers srv's request with its refusal() when it has one.  Returns 1
 * then. */
static int
refuse(struct sl_server *srv)
{
	osip_message_t *req = srv->tr->orig_request, *r;
	char tags[512], a[SL_ADDR_STRLEN];
	int code = refusal(req, tags, sizeof tags);

	if (code == 0)
		return 0;
	if (code == 420)
		sl_warn("refusing %s from %s: it requires %s, which we lack", req->sip_method,
			sl_addr_str(&srv->src, a), tags);
	else
		sl_warn("refusing %s from %s: %s", req->sip_method, sl_addr_str(&srv->src, a),
			code == 415 ? "its body is not application/sdp" :
				      "its Accept leaves out application/sdp");
	if (sl_server_response(srv, code, &r) != 0)
		return 1;
	if (code == 420)
		osip_message_set_header(r, "Unsupported", tags);
	else
		osip_message_set_accept(r, SL_ACCEPT);
	sl_server_send(srv, r);
	return 1;
}

/* ---- requests libosip2 cannot read ---- */

/* RFC 3261 §25.1 lets a quoted-pair escape any octet but CR and LF, NUL
 * included (RFC 4475 §3.1.1.2 has one in a display name), and libosip2
 * reads C strings: such a NUL is read as a space.  Any other NUL in the
 * header block stays, and has the message dropped. */
static void
blank_quoted_nuls(char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	size_t i, n = end ? (size_t)(end - buf) : len;
	int quoted = 0;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			/* A quoted string goes on only on a folded line. */
			if (i + 1 >= n || (buf[i + 1] != ' ' && buf[i + 1] != '\t'))
				quoted = 0;
		} else if (quoted && buf[i] == '\\' && i + 1 < n &&
			   buf[i + 1] != '\r' && buf[i + 1] != '\n') {
			if (buf[i + 1] == '\0')
				buf[i + 1] = ' ';
			i++;
		} else if (buf[i] == '"') {
			quoted = !quoted;
		}
	}
}

/* The answer RFC 3261 has for the request line [line, line + n) of a
 * request libosip2 could not read: 505 for another SIP version (§21.5.6,
 * RFC 4475 §3.1.2.16), 416 for a Request-URI scheme other than sip and
 * sips (§8.2.2.1, RFC 4475 §3.3.3: "soap.beep://..." is one libosip2
 * cannot read), else 400 (§21.4.1: <> around the URI, LWS in it, extra
 * SP: RFC 4475 §3.1.2.7-10); 0 for no request line at all (a response,
 * garbage) and for an ACK, which is never answered (§17.1.1.1). */
static int
request_line_status(const char *line, size_t n)
{
	size_t m = 0, u, v;

	while (m < n && is_token_char((unsigned char)line[m]))
		m++;
	if (m == 0 || m == n || line[m] != ' ' || (m == 3 && memcmp(line, "ACK", 3) == 0))
		return 0;
	while (n > m && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	for (v = n; v > m && line[v - 1] != ' '; v--)
		;
	if (n - v > 4 && strncasecmp(line + v, "SIP/", 4) == 0 &&
	    !(n - v == 7 && memcmp(line + v, "SIP/2.0", 7) == 0))
		return 505;
	for (u = m; u < n && line[u] == ' '; u++)
		;
	m = u;
	if (u < n && ((line[u] | 0x20) >= 'a' && (line[u] | 0x20) <= 'z')) {
		while (u < n && (((line[u] | 0x20) >= 'a' && (line[u] | 0x20) <= 'z') ||
				 (line[u] >= '0' && line[u] <= '9') || strchr("+-.", line[u])))
			u++;
		if (u < n && line[u] == ':' &&
		    !(u - m == 3 && strncasecmp(line + m, "sip", 3) == 0) &&
		    !(u - m == 4 && strncasecmp(line + m, "sips", 4) == 0))
			return 416;
	}
	return 400;
}

/* Appends [p, p + n) to the response being built in r (room for it is
 * reserved by the caller); with clean, control characters made '?'. */
static void
append(char *r, size_t *len, const char *p, size_t n, int clean)
{
	size_t i;

	for (i = 0; i < n; i++)
		r[(*len)++] = (clean && (unsigned char)p[i] < 0x20 && p[i] != '\t') ? '?' : p[i];
}

/* Answers a request that libosip2 could not parse (a start line or a
 * header it cannot read, a body shorter than its Content-Length) from the
 * raw text, statelessly: the status of request_line_status(), with the
 * Via, From, To, Call-ID and CSeq lines copied as they came (§8.2.6.2),
 * folding undone, a To tag added when the To can be read.  Without a Via
 * it is dropped: RFC 3261 §18.2.2 has nowhere to send it. */
static void
reply_unparsed(struct sl_sip *s, const char *buf, size_t len, const struct sl_addr *src)
{
	static const struct { const char *name, *compact; } copied[] = {
		{ "Via", "v" }, { "From", "f" }, { "To", "t" }, { "Call-ID", "i" }, { "CSeq", NULL },
	};
	const char *eol = memchr(buf, '\n', len), *end, *p;
	char *r = NULL, *head;
	size_t rlen = 0, hlen = 0, k;
	int code, vias = 0;

	if (eol == NULL)
		return;
	code = request_line_status(buf, (size_t)(eol - buf) - (eol > buf && eol[-1] == '\r'));
	if (code == 0)
		return;
	/* The header block, unfolded: one field a line, LF-ended. */
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		end = buf + len;
	if ((head = malloc((size_t)(end - eol) + 1)) == NULL)
		return;
	for (p = eol + 1; p < end; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n' && p + 1 < end && (p[1] == ' ' || p[1] == '\t'))
			head[hlen++] = ' ';
		else
			head[hlen++] = *p;
	}
	head[hlen] = '\0';
	/* A copied line grows at most from "v:\n" to "Via: \r\n"; one To tag. */
	if ((r = malloc(hlen * 3 + 512)) == NULL) {
		free(head);
		return;
	}
	rlen = (size_t)snprintf(r, 64, "SIP/2.0 %d %s\r\n", code,
				code == 400 ? "Malformed Request" : sl_reason(code));
	for (k = 0; k < sizeof copied / sizeof *copied; k++) {
		const char *line, *next;

		for (line = head; *line; line = next) {
			const char *colon, *nend = strchr(line, '\n');
			size_t nl, vl;
			const char *v;

			next = nend ? nend + 1 : line + strlen(line);
			if (nend == NULL)
				nend = next;
			colon = memchr(line, ':', (size_t)(nend - line));
			if (colon == NULL)
				continue;
			for (nl = (size_t)(colon - line); nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'); nl--)
				;
			if (!((nl == strlen(copied[k].name) && strncasecmp(line, copied[k].name, nl) == 0) ||
			      (copied[k].compact && nl == 1 && (line[0] | 0x20) == copied[k].compact[0])))
				continue;
			for (v = colon + 1; v < nend && (*v == ' ' || *v == '\t'); v++)
				;
			for (vl = (size_t)(nend - v); vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'); vl--)
				;
			append(r, &rlen, copied[k].name, strlen(copied[k].name), 0);
			append(r, &rlen, ": ", 2, 0);
			append(r, &rlen, v, vl, 1);
			if (k == 2) {
				/* §8.2.6.2: our tag, when the To can be read and has none. */
				osip_to_t *to = NULL;
				osip_generic_param_t *tag = NULL;
				char *val = strndup(v, vl), t[17];

				if (val && osip_to_init(&to) == 0 && osip_to_parse(to, val) == 0 &&
				    (osip_to_get_tag(to, &tag) != 0 || tag == NULL)) {
					sl_random_token(t, 16);
					append(r, &rlen, ";tag=", 5, 0);
					append(r, &rlen, t, 16, 0);
				}
				osip_to_free(to);
				free(val);
			}
			append(r, &rlen, "\r\n", 2, 0);
			if (k == 0)
				vias++;
			else
				break;      /* one of each of the others */
		}
		if (k == 0 && vias == 0)
			break;
	}
	if (vias) {
		rlen += (size_t)snprintf(r + rlen, 128, "Server: %s\r\nContent-Length: 0\r\n\r\n",
					 SL_USER_AGENT);
		send_text(s, src, r, rlen);
	}
	free(head);
	free(r);
}

void
sl_sip_inject(struct sl_sip *s, char *buf, size_t len, const struct sl_addr *src,
	      int sock)
{
	on_receive(s->tp, buf, len, src, sock, s);
}

static void
on_receive(struct sl_transport *t, char *buf, size_t len,
	   const struct sl_addr *src, int sock, void *arg)
{
	struct sl_sip *s = arg;
	osip_event_t *ev;
	osip_message_t *msg;
	const char *why;
	char a[SL_ADDR_STRLEN];
	size_t i;

	for (i = 0; i < len && (buf[i] == '\r' || buf[i] == '\n' || buf[i] == ' ' ||
				buf[i] == '\t' || buf[i] == '\0'); i++)
		;
	if (i == len)
		return;         /* keep-alive */
	if (sl_verbose) {
		char hdr[128];

		snprintf(hdr, sizeof hdr, "received from %s (%s):", sl_addr_str(src, a),
			 sl_proto_via(sl_transport_proto(t)));
		sl_dump(hdr, buf, len);
	}
	blank_quoted_nuls(buf, len);
	if (memchr(buf, '\0', len) && memchr(buf, '\0', len) <
	    (const void *)(memmem(buf, len, "\r\n\r\n", 4) ? (char *)memmem(buf, len, "\r\n\r\n", 4) : buf + len)) {
		sl_warn("dropping message from %s: NUL byte in its headers", sl_addr_str(src, a));
		return;
	}
	ev = osip_parse(buf, len);
	if (ev == NULL || ev->sip == NULL) {
		sl_warn("dropping unparsable message from %s (%zu bytes)", sl_addr_str(src, a), len);
		if (ev)
			osip_event_free(ev);
		reply_unparsed(s, buf, len, src);
		return;
	}
	msg = ev->sip;
	if ((why = insane(msg)) != NULL) {
		sl_warn("dropping %s from %s: %s", MSG_IS_REQUEST(msg) ?
			"request" : "response", sl_addr_str(src, a), why);
		/* Whatever else is missing, a Via says where the 400 goes
		 * (RFC 3261 §8.1.1, §21.4.1).  A method we do not know whose
		 * CSeq names another gets 501, not 400: RFC 4475 §3.1.2.18
		 * prefers it. */
		if (MSG_IS_REQUEST(msg) && msg->sip_method && osip_list_get(&msg->vias, 0)) {
			int unknown = why == cseq_mismatch && !method_known(msg->sip_method);

			reply_stateless(s, msg, src, unknown ? 501 : 400, unknown ? NULL : why);
		}
		osip_event_free(ev);
		return;
	}
	if (MSG_IS_REQUEST(msg)) {
		char host[SL_ADDR_STRLEN];

		if (msg->sip_version == NULL || strcmp(msg->sip_version, "SIP/2.0") != 0) {
			sl_warn("dropping request from %s: not SIP/2.0", sl_addr_str(src, a));
			reply_stateless(s, msg, src, 505, NULL);
			osip_event_free(ev);
			return;
		}
		if (sl_transport_proto(t) == SL_PROTO_UDP && body_truncated(msg, buf, len)) {
			sl_warn("dropping request from %s: shorter than its Content-Length",
				sl_addr_str(src, a));
			reply_stateless(s, msg, src, 400, "Content-Length Mismatch");
			osip_event_free(ev);
			return;
		}
		osip_message_fix_last_via_header(msg, sl_addr_host(src, host), sl_addr_port(src));
		if (msg->req_uri->scheme == NULL ||
		    (strcasecmp(msg->req_uri->scheme, "sip") != 0 &&
		     strcasecmp(msg->req_uri->scheme, "sips") != 0)) {
			reply_stateless(s, msg, src, 416, NULL);
			osip_event_free(ev);
			return;
		}
	}
	if (s->on_foreign && MSG_IS_RESPONSE(msg) && msg->cseq && msg->cseq->method &&
	    (strcasecmp(msg->cseq->method, "REGISTER") == 0 ||
	     strcasecmp(msg->cseq->method, "OPTIONS") == 0)) {
		s->on_foreign(buf, len, msg, src, s->on_foreign_arg);
		osip_event_free(ev);
		return;
	}
	/* A request we refuse for what we lack is this core's to answer,
	 * never a tool's (serve mode would start a call process for it). */
	if (s->on_raw && !(MSG_IS_REQUEST(msg) && refusal(msg, NULL, 0)) &&
	    s->on_raw(buf, len, msg, src, s->on_raw_arg)) {
		osip_event_free(ev);
		return;
	}
	if (osip_find_transaction_and_add_event(s->osip, ev) == 0)
		return;         /* a retransmission or a response: osip has it */
	if (MSG_IS_RESPONSE(msg) || MSG_IS_ACK(msg)) {
		if (s->on_stray)
			s->on_stray(msg, src, s->on_stray_arg);
		osip_event_free(ev);
		return;
	}
	{
		osip_transaction_t *tr = osip_create_transaction(s->osip, ev);
		struct sl_server *srv;

		if (tr == NULL) {
			osip_event_free(ev);
			return;
		}
		srv = calloc(1, sizeof *srv);
		if (srv == NULL) {
			osip_event_free(ev);
			return;
		}
		srv->s = s;
		srv->tr = tr;
		srv->src = *src;
		srv->sock = sock;
		sl_random_token(srv->tag, 16);
		osip_transaction_set_your_instance(tr, srv);
		s->transactions++;
		osip_transaction_add_event(tr, ev);
	}
}

/* ---- the loop hook ---- */

static void
dispatch(struct sl_sip *s)
{
	struct event *e;

	while ((e = s->events) != NULL) {
		s->events = e->next;
		if (s->events == NULL)
			s->events_tail = &s->events;
		switch (e->kind) {
		/* What an earlier transaction of the client says (the one it
		 * left for another target, or for credentials) is past. */
		case EV_RESPONSE:
			if (e->client && e->trid == e->client->trid)
				deliver_response(e->client, e->msg);
			break;
		case EV_ERROR:
			if (e->client && e->trid == e->client->trid)
				deliver_error(e->client, e->err);
			break;
		case EV_REQUEST:
			if (e->server && refuse(e->server))
				;
			else if (e->server && s->on_request)
				s->on_request(e->server, e->server->tr->orig_request,
					      s->on_request_arg);
			else if (e->server)
				sl_server_reply(e->server, 501);
			break;
		}
		if (e->msg)
			osip_message_free(e->msg);
		free(e);
	}
}

/* Runs the state machines.  Not again from within: a send among them can
 * learn of an unreachable peer (on_unreachable), and at a few hundred
 * refused transactions retransmitting to a caller that is gone, running
 * them again from there recursed until the stack ran out. */
static void
execute(struct sl_sip *s)
{
	if (s->executing)
		return;
	s->executing = 1;
	osip_timers_ict_execute(s->osip);
	osip_timers_ist_execute(s->osip);
	osip_timers_nict_execute(s->osip);
	osip_timers_nist_execute(s->osip);
	osip_ict_execute(s->osip);
	osip_ist_execute(s->osip);
	osip_nict_execute(s->osip);
	osip_nist_execute(s->osip);
	free_garbage(s);
	s->executing = 0;
}

void
sl_sip_flush(struct sl_sip *s)
{
	/* What the state machines report meanwhile is queued, and delivered
	 * by the hook as usual. */
	execute(s);
}

static int64_t
sip_hook(void *arg)
{
	struct sl_sip *s = arg;
	struct timeval tv;
	int rounds = 0;
	int64_t ms;

	do {
		execute(s);
		if (s->events == NULL)
			break;
		dispatch(s);
	} while (++rounds < 16);
	if (s->events)
		return 0;
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	osip_timers_gettimeout(s->osip, &tv);
	ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	/* Events queued by the tool outside the hook (new requests, replies)
	 * are in osip's fifos: have the loop come back at once for them. */
	return ms < 0 ? 0 : ms;
}
