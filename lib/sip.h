/* The SIP user-agent core: libosip2's transactions over our transport and
 * loop, requests with digest authentication retried for the caller, and
 * dispatch of incoming requests to the tool. */
#ifndef SIPLINE_SIP_H
#define SIPLINE_SIP_H

#include <sys/time.h>
#include <time.h>

#include <osip2/osip.h>
#include <osip2/osip_dialog.h>
#include <osipparser2/osip_parser.h>

#include "addr.h"
#include "loop.h"
#include "resolve.h"
#include "settings.h"
#include "transport.h"

struct sl_sip;
struct sl_client;       /* an outgoing request, its retries with auth */
struct sl_server;       /* an incoming request's server transaction */

/* A response to c's request: resp is a provisional or final response (see
 * sl_client_final), or NULL when no response will come: err then says why
 * (ETIMEDOUT: no answer; ECONNREFUSED: nothing listens; other transport
 * errors).  After a final response or an error, c is freed on return. */
typedef void (*sl_response_cb)(struct sl_client *c, osip_message_t *resp,
			       int err, void *arg);
/* A new request (its server transaction is srv).  Sanity-checked: the
 * mandatory headers are there.  ACK is never passed here. */
typedef void (*sl_request_cb)(struct sl_server *srv, osip_message_t *req,
			      void *arg);
/* A message that belongs to no transaction: an ACK (for a 2xx), or a
 * response retransmitted after its transaction ended (a 2xx to INVITE). */
typedef void (*sl_stray_cb)(osip_message_t *msg, const struct sl_addr *src,
			    void *arg);

/* A parsed, sane message before any transaction sees it; returning 1
 * takes it away (serve mode hands a call's messages to its process). */
typedef int (*sl_raw_cb)(const char *buf, size_t len, osip_message_t *msg,
			 const struct sl_addr *src, void *arg);

/* The User-Agent / Server header value. */
#define SL_USER_AGENT "sipline/" SIPLINE_VERSION
/* Methods we answer; Allow header value. */
#define SL_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, MESSAGE, PRACK, UPDATE"
/* Extensions we implement; Supported header value (sip.c's
 * extension_ours has the same list). */
#define SL_SUPPORTED "100rel, timer"
/* Content types we take; Accept header value. */
#define SL_ACCEPT "application/sdp"

/* Creates the core on loop with set's transport (not bound yet: clients
 * bind an ephemeral port when they first send).  Returns 0 or an errno
 * value. */
int sl_sip_new(struct sl_loop *loop, const struct sl_settings *set,
	       struct sl_sip **out);
void sl_sip_free(struct sl_sip *s);
/* Binds the SIP socket to local.  Returns 0 or an errno value. */
int sl_sip_bind(struct sl_sip *s, const struct sl_addr *local);
/* Takes over a socket bound by a parent.  Returns 0 or an errno value. */
int sl_sip_adopt(struct sl_sip *s, int fd);
struct sl_transport *sl_sip_transport(struct sl_sip *s);
const struct sl_settings *sl_sip_settings(struct sl_sip *s);

void sl_sip_on_request(struct sl_sip *s, sl_request_cb cb, void *arg);
void sl_sip_on_stray(struct sl_sip *s, sl_stray_cb cb, void *arg);
void sl_sip_on_raw(struct sl_sip *s, sl_raw_cb cb, void *arg);
/* Responses to REGISTER and OPTIONS (requests a chain-loaded sip-answer
 * never makes: they are sip-register's, lib/regchan.h) go to cb instead
 * of the transactions; cb's return value is ignored. */
void sl_sip_on_foreign(struct sl_sip *s, sl_raw_cb cb, void *arg);
/* cb hears of every destination the network said is unreachable (an
 * ICMP error on our socket): sip-register's requests sent from it fail
 * at once too. */
void sl_sip_on_unreachable(struct sl_sip *s,
			   void (*cb)(const struct sl_addr *dst, int err, void *arg),
			   void *arg);
/* Our address as the registrar saw it behind a NAT (NULL: none): our
 * Contact names it, and calls' SDP its host. */
void sl_sip_set_public(struct sl_sip *s, const struct sl_addr *a);
const struct sl_addr *sl_sip_public(const struct sl_sip *s);

/* Processes a message as if the transport had received it on socket sock
 * from src (a serve-mode child gets its calls' messages this way).  buf
 * must hold len + 1 bytes. */
void sl_sip_inject(struct sl_sip *s, char *buf, size_t len,
		   const struct sl_addr *src, int sock);

/* Runs the transaction state machines now, so that responses and
 * requests queued so far leave before something slow (starting a media
 * command) is done.  Callbacks of this core may call it: they run outside
 * the state machines. */
void sl_sip_flush(struct sl_sip *s);

/* Number of INVITE server transactions whose final response still waits
 * for its ACK (the caller may not have it yet: it is retransmitted). */
int sl_sip_awaiting_ack(struct sl_sip *s);

/* Number of transactions still running (to wait for them before exit). */
int sl_sip_pending(struct sl_sip *s);

/* Builds a request: Request-URI ruri; From our address of record with a
 * fresh tag; To `to` (ruri when NULL); fresh Call-ID; CSeq 1; Max-Forwards;
 * User-Agent.  Via and Contact are added when it is sent.  Returns 0,
 * EINVAL for a bad URI, or ENOMEM. */
int sl_sip_new_request(struct sl_sip *s, const char *method, const char *ruri,
		       const char *to, osip_message_t **out);

/* Sends req (taken over) in a new client transaction to its next hop: the
 * first Route, else (outside a dialog) the outbound proxy (SIP_SERVER),
 * else the Request-URI; a name is located per RFC 3263 (lib/resolve.h).
 * Outside a dialog, a target that fails (transport error, no response, a
 * 503) gives way to the next: the same request, a new Via branch; one
 * that does not answer at all is left after SL_SIP_TRY_MS (4 s) when
 * another is left; an INVITE stays with a target once it answered with a
 * provisional response.  Each move is an event line, "failover from=...
 * to=... reason=...".  Within a dialog only the first target is used.
 * 401/407 are answered with the credentials and the request is sent
 * again; cb sees only the rest.  *out (may be NULL) receives the handle,
 * valid until cb has seen a final response or an error.  Returns 0, an
 * errno value, or an SL_ERESOLVE_* code (cb is not called then). */
int sl_sip_send(struct sl_sip *s, osip_message_t *req, sl_response_cb cb,
		void *arg, struct sl_client **out);

/* The request as last sent (with its CSeq and credentials). */
osip_message_t *sl_client_request(struct sl_client *c);
/* 1 when the request as last sent carried credentials (so that a 401 or
 * 407 to it means they were refused, not that none could be given). */
int sl_client_authorized(const struct sl_client *c);
/* 1 once a final response (or an error) has been reported. */
int sl_client_final(const struct sl_client *c);
/* The address the request went to (the target it went to last). */
const struct sl_addr *sl_client_destination(const struct sl_client *c);
/* That target, with its transport. */
const struct sl_target *sl_client_target(const struct sl_client *c);
/* 1 when the next hop was a name located in DNS, 0 for an address. */
int sl_client_located(const struct sl_client *c);
/* Sends CANCEL for a pending INVITE (once a provisional response came; if
 * none has, as soon as one does).  Returns 0 or an errno value. */
int sl_client_cancel(struct sl_client *c);
/* Gives up waiting for a final response after ms milliseconds instead of
 * RFC 3261's 32 s (timer F, or timer B before a provisional); this bounds
 * the request with all the targets it may move to. */
void sl_client_set_timeout(struct sl_client *c, int ms);
/* Stops all callbacks for c; its transaction runs out by itself. */
void sl_client_abandon(struct sl_client *c);

/* Builds a response to srv's request (To tag added for codes > 100).
 * Returns 0 or ENOMEM. */
int sl_server_response(struct sl_server *srv, int code, osip_message_t **out);
/* Sends resp (taken over) in srv's transaction.  After a final response
 * srv must not be used again.  Returns 0 or an errno value. */
int sl_server_send(struct sl_server *srv, osip_message_t *resp);
/* Shorthand: a response with code and its standard reason, plus
 * Allow/Accept for 405/415/OPTIONS.  Returns 0 or an errno value. */
int sl_server_reply(struct sl_server *srv, int code);
/* Refuses a method we do not take: 405 (with Allow) for one we know of,
 * 501 for one we do not (RFC 3261 §8.2.1).  Returns 0 or an errno value. */
int sl_server_reply_unsupported(struct sl_server *srv);
/* Answers a request that belongs to no call: OPTIONS 200, 481 for
 * dialogs and transactions we do not have (an UPDATE is always in one),
 * 405 / 501 for the rest.  Here, not with the answering, so that a tool
 * that takes no calls (sip-register) links no media. */
void sl_server_reply_other(struct sl_server *srv, osip_message_t *req);
osip_message_t *sl_server_request(struct sl_server *srv);
const struct sl_addr *sl_server_source(const struct sl_server *srv);
/* The To tag this server puts in its responses. */
const char *sl_server_tag(const struct sl_server *srv);

/* Answers req (a request that came from src) with code at once, keeping no
 * transaction: a retransmission of it is answered again, nothing is
 * retransmitted. */
void sl_sip_reply_stateless(struct sl_sip *s, osip_message_t *req,
			    const struct sl_addr *src, int code);

/* Sends msg outside any transaction (ACK for 2xx, 2xx retransmissions) to
 * dst, over the transport that reaches dst (see sl_sip_destination).  msg
 * is not taken.  Returns 0 or an errno value. */
int sl_sip_send_raw(struct sl_sip *s, osip_message_t *msg,
		    const struct sl_addr *dst);
/* Where a request would go now (see sl_sip_send): the address of its
 * first target, located per RFC 3263 (answers kept for their TTL, so
 * that sl_sip_send finds the same); over TCP the first one a connection
 * opens to.  The transport toward that address is remembered: Via,
 * Contact and sl_sip_send_raw use it.  Returns 0, an errno value, an
 * SL_ERESOLVE_* code, or SL_ETLS_NEEDED for a sips: (or transport=tls) URI
 * when the transport is not TLS. */
int sl_sip_destination(struct sl_sip *s, const osip_message_t *req,
		       struct sl_addr *dst);
/* The host the last request's next hop was located from, for messages
 * ("unable to resolve HOST"). */
const char *sl_sip_last_hop(const struct sl_sip *s);
/* Adds our Via (new branch) to req for dst, replacing a Via already there;
 * its transport is the one that reaches dst.  Returns 0 or an errno
 * value. */
int sl_sip_add_via(struct sl_sip *s, osip_message_t *req,
		   const struct sl_addr *dst);
/* Our Contact URI for dst: "sip:user@host:port[;transport=tcp|tls]", the
 * address and transport that reach dst. */
int sl_sip_contact(struct sl_sip *s, const struct sl_addr *dst, char *buf,
		   size_t size);
/* Our Contact URI for dst in req (a request of ours), or in a response
 * to req (one that came): "sips:user@host:port" over TLS where a sips:
 * URI asks for it (RFC 3261 §8.1.1.8, §12.1.1), else as sl_sip_contact.
 * Returns 0 or an errno value. */
int sl_sip_contact_for(struct sl_sip *s, const struct sl_addr *dst,
		       const osip_message_t *req, char *buf, size_t size);

/* Sends out-of-dialog requests straight to their Request-URI even when an
 * outbound proxy is set (sip-options probing a given URI). */
void sl_sip_set_direct(struct sl_sip *s, int direct);

/* The exit status (sipline(7)) for a final response code. */
int sl_exit_for_status(int code);
/* The exit status for a final response to c's request: as
 * sl_exit_for_status, except that a 403 to a request that carried our
 * credentials says they were refused (6): many registrars and PBXs answer
 * a wrong password with 403 rather than a second challenge.  A 403 to a
 * request without credentials stays a rejection (1). */
int sl_client_exit_status(const struct sl_client *c, int code);
/* The same rule for a request that did (authorized 1) or did not carry
 * our credentials. */
int sl_exit_for_answer(int code, int authorized);
/* Why an authentication failure happened, for an event line: "credentials
 * refused" or "no credentials sent" for a 401 or 407, and for a 403 to
 * credentials; NULL for any other answer. */
const char *sl_client_auth_failure(const struct sl_client *c, int code);
/* The exit status for a request that got no response (err as given to
 * sl_response_cb, or returned by sl_sip_send): 7, or 100 for a host name
 * that is not one, 111 when out of memory. */
int sl_exit_for_error(int err);
/* Exits for err, a failure to VERB host ("resolve", "reach"): a host name
 * that is not one is a usage error (100, said like every usage error),
 * the rest as sl_exit_for_error says. */
void sl_fatal_unreached(int err, const char *verb, const char *host)
	__attribute__((noreturn));
/* Exits for err, a request that could not be sent to target ("unable to
 * VERB TARGET"): a name that does not resolve as sl_fatal_unreached, no
 * way there (a refused connection, unreachable, a TLS failure) 7, the
 * rest 111. */
void sl_fatal_unsent(struct sl_sip *s, int err, const char *verb, const char *target)
	__attribute__((noreturn));
/* Binds s to --local's [HOST]:PORT; exits 100 for one that is no
 * address, 111 when it cannot be bound. */
void sl_sip_bind_option(struct sl_sip *s, const char *local);
/* Describes a missing response for humans: "no response (timeout)",
 * "no response (ICMP port unreachable)"... */
const char *sl_describe_error(int err);

/* The whole Call-ID of msg ("id@host"; libosip2 splits it) into buf;
 * "" when it has none or it does not fit. */
const char *sl_msg_call_id(const osip_message_t *msg, char *buf, size_t size);

/* 1 when msg's To carries a tag (a request within a dialog). */
int sl_msg_has_to_tag(const osip_message_t *msg);

/* 1 when uri can go between the brackets of a Contact: it parses, has a
 * host, and holds nothing that would end the brackets or the header. */
int sl_uri_ok(const char *uri);
/* Writes a fresh random token (hex) of n characters into buf (n + 1). */
void sl_random_token(char *buf, size_t n);
/* The standard reason phrase of a status code. */
const char *sl_reason(int code);
/* First line of a response, "486 Busy Here". */
const char *sl_status_line(const osip_message_t *resp, char *buf, size_t size);

#endif
