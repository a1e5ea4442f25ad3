/* Registration of one Contact for the address of record: REGISTER, the
 * refresh heartbeat, retries with backoff, unregistration. */
#ifndef SIPLINE_REG_H
#define SIPLINE_REG_H

#include "sip.h"

/* Backoff after a failed (re-)registration: 1, 2, 4, 8, 16, then every
 * SL_REG_RETRY_MAX seconds until the registrar answers again. */
#define SL_REG_RETRY_MAX 30
/* A Retry-After in a failure answer sets the next try instead, up to
 * this many seconds (a registrar's "come back tomorrow" is not waited
 * for in full: the registration would be gone that long). */
#define SL_REG_RETRY_AFTER_MAX 3600
/* How long an unregistration waits for its answer (ms). */
#define SL_REG_UNREGISTER_WAIT 5000

struct sl_reg;

enum sl_reg_event {
	SL_REG_REGISTERED,      /* first success, or success after failures */
	SL_REG_REFRESHED,       /* a refresh succeeded */
	SL_REG_FAILED,          /* a (re-)registration failed; retrying */
	SL_REG_REFUSED,         /* credentials refused or request rejected:
				 * no retry (status tells the exit code) */
	SL_REG_UNREGISTERED,    /* the Expires: 0 request got its 2xx */
	SL_REG_UNREGISTER_FAILED,
	SL_REG_LISTED,          /* the bindings query was answered */
	SL_REG_PUBLIC,          /* the registrar sees us at another address
				 * (sl_reg_public): registering it */
};

/* Keep-alives to the registrar from the registered socket, while
 * registered (RFC 5626 3.5.1, 4.4.1). */
enum sl_reg_keepalive {
	SL_REG_KA_CRLF,         /* CRLF on UDP, a double CRLF on TCP and TLS */
	SL_REG_KA_OPTIONS,      /* an OPTIONS request */
	SL_REG_KA_OFF,
};
#define SL_REG_KA_INTERVAL 25   /* seconds, the default */
/* A connection to the registrar that broke is made again and registered
 * over at once, but not more often than this (ms): a registrar that
 * closes every connection it takes is not hammered. */
#define SL_REG_LOST_GAP 2000

/* status: the exit status this event implies (sipline(7)). */
typedef void (*sl_reg_cb)(struct sl_reg *r, enum sl_reg_event ev, int status,
			  void *arg);

/* contact: our Contact URI, or NULL for the address our REGISTERs leave
 * from.  expires: requested expiry in seconds.  Returns 0 or an errno
 * value. */
int sl_reg_new(struct sl_sip *sip, struct sl_loop *loop, const char *contact,
	       int expires, sl_reg_cb cb, void *arg, struct sl_reg **out);
void sl_reg_free(struct sl_reg *r);

/* Registers, then keeps refreshing until told otherwise. */
void sl_reg_start(struct sl_reg *r);
/* Registers once: no refresh, no retry. */
void sl_reg_once(struct sl_reg *r);
/* Removes our binding (all bindings of the AOR when contact was NULL and
 * all is set).  */
void sl_reg_unregister(struct sl_reg *r, int all);
/* Asks the registrar for the bindings it holds; each is printed on stdout
 * as "binding contact=<URI> expires=N". */
void sl_reg_list(struct sl_reg *r);

/* Learns our public address from the responses' top Via (received,
 * rport): the REGISTERs leave from the socket the Contact names (our own,
 * or the chain-loaded child's).  When the registrar saw them come from
 * another address, the Contact is made that address and registered at
 * once (the old one removed in the same request), with one event line;
 * at most once per refresh, so a registrar that keeps changing its mind
 * is no loop.  Over TCP and TLS only another host means a NAT (the
 * connection has a port of its own); the Contact then names the
 * connection's public end, so that requests come back over it. */
void sl_reg_nat(struct sl_reg *r, int on);
/* The public address learnt (NULL: none, or the Contact's own). */
const struct sl_addr *sl_reg_public(const struct sl_reg *r);
/* Keep-alives every interval seconds while registered (default:
 * SL_REG_KA_CRLF every SL_REG_KA_INTERVAL). */
void sl_reg_keepalive(struct sl_reg *r, enum sl_reg_keepalive mode, int interval);
/* A TCP or TLS connection with peer broke: when it was the registrar's,
 * registers again at once over a new one. */
void sl_reg_connection_lost(struct sl_reg *r, const struct sl_addr *peer);

/* 1 while a binding may be in place at the registrar: registered, or a
 * REGISTER that may create one is under way (so undo it on the way out). */
int sl_reg_registered(const struct sl_reg *r);

#endif
