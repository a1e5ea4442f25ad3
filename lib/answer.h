/* Answering: what sip-answer does with each INVITE (accept-from check,
 * screening, ringing, answer or refusal) and its one-call mode. */
#ifndef SIPLINE_ANSWER_H
#define SIPLINE_ANSWER_H

#include "call.h"
#include "message.h"

#define SL_ACCEPT_MAX 16
/* How long a screening program may take before the call is declined. */
#define SL_SCREEN_TIMEOUT_MS 10000
/* Calls that replace the answered one by transfer, at most; how long
 * each may ring. */
#define SL_ANSWER_XFER_MAX 7
#define SL_ANSWER_XFER_TIMEOUT 64
/* How long sip-answer stays after its call for the ACK of a refusal. */
#define SL_ANSWER_LINGER_MS 4000

struct sl_answer_config {
	struct sl_call_config call;
	double ring;                /* seconds of 180 before the 200 */
	int reject;                 /* refuse every call with this; 0: answer */
	const char *redirect;       /* Contact of a 3xx reject, or NULL */
	const char *screen;         /* program deciding per call, or NULL */
	struct sl_addr accept[SL_ACCEPT_MAX];  /* hosts calls may come from */
	int naccept;                /* 0: from anywhere */
	int one_invite;             /* a serve-mode call process: its INVITE
				     * refused, it ends (no other comes) */
	int control_fd;             /* --control-fd (one call only), or -1 */
	int allow_transfer;         /* --allow-transfer: a REFER of the
				     * caller's is followed (a new call to its
				     * Refer-To replaces the call) */
	struct sl_message_config message;   /* MESSAGEs received */
	int early_media;            /* 183 with SDP and the media at once; the
				     * 200 at the control line answer, or after
				     * ring seconds */
};

/* Adds every address of host to the accepted sources.  Returns 0, an EAI
 * code, or ENOSPC. */
int sl_answer_accept_from(struct sl_answer_config *ac, const char *host);
/* 1 when a call from src may be taken. */
int sl_answer_allowed(const struct sl_answer_config *ac, const struct sl_addr *src);

/* The SIP status a screening program's exit code asks for (0: answer). */
int sl_answer_screen_verdict(int code);

/* Takes req when it is a MESSAGE outside a dialog (sl_message_receive,
 * 403 from a source --accept-from leaves out): returns 1 then, else 0. */
int sl_answer_message(const struct sl_answer_config *ac, struct sl_loop *loop,
		      struct sl_server *srv, osip_message_t *req);

/* Answers one call on sip and returns the exit status: the call's, or 0
 * when told to stop (SIGINT, SIGTERM) before any call came.  INVITEs for
 * other calls meanwhile get 486; one that cannot be taken (488; 415, 420
 * and 406 come from the SIP core) is refused and the wait goes on, unless
 * ac->one_invite. */
int sl_answer_run(struct sl_loop *loop, struct sl_sip *sip,
		  const struct sl_answer_config *ac);

#endif
