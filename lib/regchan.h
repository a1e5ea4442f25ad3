/* The registration channel of chain-loading (sip-register -- sip-answer):
 * behind a NAT a registrar sends calls to the address our REGISTERs came
 * from, so sip-register's REGISTERs, refreshes and keep-alives leave from
 * the answering socket, which only the child reads and writes.  The two
 * talk over a SOCK_SEQPACKET socketpair (fd 4 in the child,
 * SIP_REGISTER_FD): sip-register hands down what to send and where; the
 * child sends it from its SIP core (the socket, or over TCP its
 * connection to the registrar) and hands back the responses to REGISTER
 * and OPTIONS, the sends that failed and the connections that broke;
 * sip-register tells the child the public address the registrar saw.
 * sipline(7), CHAIN-LOADING, documents the contract. */
#ifndef SIPLINE_REGCHAN_H
#define SIPLINE_REGCHAN_H

#include "addr.h"
#include "loop.h"
#include "sip.h"

struct sl_regchan;

/* What the parent hears besides responses (those go into its SIP core). */
enum sl_regchan_event {
	SL_REGCHAN_HELLO,       /* the child takes the channel */
	SL_REGCHAN_LOST,        /* a connection with peer broke (what waited
				 * on it has failed already) */
	SL_REGCHAN_CLOSED,      /* the child closed the channel */
};
typedef void (*sl_regchan_cb)(enum sl_regchan_event ev, const struct sl_addr *peer,
			      void *arg);

/* sip-register's end: fd (taken over), read on loop; responses are
 * injected into sip.  Returns 0 or an errno value. */
int sl_regchan_parent(struct sl_loop *loop, int fd, struct sl_sip *sip,
		      sl_regchan_cb cb, void *arg, struct sl_regchan **out);
/* From now on everything sip sends goes through the channel, from the
 * child's socket, whose address local is (for Via). */
void sl_regchan_use(struct sl_regchan *ch, const struct sl_addr *local);
/* Back to a socket of our own (the child is gone). */
void sl_regchan_unuse(struct sl_regchan *ch);
/* Tells the child the public address the registrar saw.  Returns 0 or an
 * errno value. */
int sl_regchan_public(struct sl_regchan *ch, const struct sl_addr *pub);
void sl_regchan_free(struct sl_regchan *ch);

/* The child's end: takes SIP_REGISTER_FD when set (a value that is no
 * channel is warned about and ignored), says hello and serves sip-register
 * from sip; use 0 (the socket handed down is not used) closes it, and
 * sip-register registers from a socket of its own.  Returns 0 (also when
 * there is no channel) or an errno value. */
int sl_regchan_child(struct sl_loop *loop, struct sl_sip *sip, int use);
/* In a process forked from the child (a serve-mode call): closes the
 * channel without touching the loop it was watched on. */
void sl_regchan_child_drop(void);

#endif
