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
};

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

/* 1 while a binding may be in place at the registrar: registered, or a
 * REGISTER that may create one is under way (so undo it on the way out). */
int sl_reg_registered(const struct sl_reg *r);

#endif
