/* What the parts of a call share: the call's data, the driver of its
 * state machine (call_core.c), and the functions that carry out the
 * machine's actions (call_out.c, call_in.c, call_dialog.c,
 * call_media.c), which call.c maps the actions to.  The tools use call.h,
 * never this. */
#ifndef SIPLINE_CALL_INT_H
#define SIPLINE_CALL_INT_H

#include "call.h"
#include "call_fsm.h"
#include "control.h"
#include "redirect.h"
#include "stimer.h"

/* The message whose event is being stepped, for the actions it sets off
 * and the lines they say; valid during that step only. */
struct sl_call_msg {
	struct sl_server *srv;      /* a request's server transaction */
	struct sl_client *cl;       /* a response's client transaction */
	osip_message_t *msg;        /* NULL: no response came */
	int err;                    /* then, why */
	char status[160];           /* a response's status line, cleaned */
	const char *auth;           /* why an authentication failed, or NULL */
};

/* One of the machine's timers, and what its callback needs. */
struct sl_call_alarm {
	struct sl_timer t;
	struct sl_call *c;
	int which;                  /* enum sl_call_timer */
};

/* Events that actions give back while a step runs (a media start that
 * failed, a BYE that could not be sent); a handful at most. */
#define SL_CALL_QUEUE_MAX 8

/* Carries out one action of the machine (call.c's, set by sl_call_new):
 * the driver below every part hands actions up through it. */
typedef void (*sl_call_exec)(struct sl_call *c, const struct sl_call_act *a);

struct sl_call {
	struct sl_sip *sip;
	struct sl_loop *loop;
	struct sl_call_config cfg;
	sl_call_cb cb;
	void *arg;
	struct sl_call_fsm fsm;
	sl_call_exec exec;
	struct sl_call_msg in;
	struct sl_call_alarm timers[SL_CALL_T_COUNT];
	struct sl_call_ev queue[SL_CALL_QUEUE_MAX];
	int nqueue;
	int stepping;
	int over_told;              /* cfg.on_over has been called */

	char *cid;                  /* the Call-ID as it is, however long */
	char call_id[256];          /* the Call-ID cleaned, for events */
	char remote[512];           /* remote URI, for events */
	char remote_name[130];      /* display name, cleaned */
	char local[512];
	osip_dialog_t *dialog;
	unsigned long cseq;         /* our last in-dialog CSeq */
	int64_t answered_at;

	/* outgoing (call_out.c) */
	struct sl_client *invite;
	struct sl_client *prack;    /* our last PRACK, until final */
	osip_message_t *ack;        /* for retransmitted 2xx */
	struct sl_addr ack_dst;
	double timeout;
	struct sl_redirect redir;   /* 3xx targets; hops taken */
	/* The answer in a reliable 1xx (PRACKed): final (RFC 3262 §5), so a
	 * 2xx without SDP keeps it. */
	struct sl_sdp_stream early;
	int early_pt, early_given;
	struct sl_sdes early_tx, early_rx;
	int early_ran;              /* a command ran for the early media */

	/* incoming (call_in.c) */
	struct sl_server *srv;      /* INVITE server transaction until final */
	osip_message_t *invite_req; /* copy of the INVITE */
	unsigned long invite_cseq;
	char from_tag[128];
	osip_message_t *answer;     /* our 2xx, made for SL_CALL_DO_ANSWER */
	const char *refer_to;       /* a 3xx's Contact, for SL_CALL_DO_REFUSE */
	int answered_again;         /* SL_CALL_DO_2XX_AGAIN ran */
	/* reliable provisionals (RFC 3262): our 1xx awaiting its PRACK, for
	 * its retransmissions; our answer went in a reliable 183, so the
	 * 200 carries none */
	osip_message_t *prov;
	int answered_early;

	/* in the dialog (call_dialog.c) */
	osip_message_t *ok;         /* our last 2xx, for its retransmissions */
	struct sl_addr ok_dst;
	struct sl_client *bye;
	struct sl_client *reinvite; /* ours (hold, resume), until final */
	/* transfer (call_refer.c) */
	struct sl_client *refer;    /* our REFER, until final */
	int xfer_out;               /* 1 our REFER sent, 2 accepted: NOTIFYs
				     * come */
	int xfer_in;                /* a REFER of theirs is followed: our
				     * NOTIFYs go until the final one */
	struct sl_call *xfer_from;  /* this call replaces that one (its
				     * REFER), whose NOTIFYs it feeds */
	int xfer_reported;          /* its final status has been sent */
	int dir_before;             /* ours.dir before it, for a failure */
	struct sl_sdp_stream reoffer; /* a re-INVITE's offer, checked */
	int reoffer_given;
	int reoffer_pt;          /* the call's codec in it */
	unsigned long reoffer_tag; /* the a=crypto tag of the call's key in it */

	/* media and SDP (call_media.c) */
	struct sl_media *media;
	struct sl_sdp_stream ours, theirs;
	int pt;
	struct sl_sdp_stream peer;  /* an answer just checked: SDP of a 183,
				     * a 2xx or an ACK */
	int peer_pt;
	const char *peer_why;       /* why it cannot be used */
	struct sl_sdes peer_tx, peer_rx; /* its SRTP keys: ours it took, its own */
	/* The call's SRTP keys (suite SL_SRTP_OFF: plain RTP): what we send
	 * with, and what the peer sends with. */
	struct sl_sdes srtp_tx, srtp_rx;
	unsigned long sdp_id, sdp_version;

	/* session timer (call_timer.c) */
	unsigned long se_expires;   /* what we ask for (raised by a 422) */
	unsigned long se_min;       /* our Min-SE */
	struct sl_se_answer se_ans; /* our answer to the peer's last request */
	struct sl_client *refresh;  /* our UPDATE, until final */

	/* the control channel (call_control.c) */
	int ctl_fd;                 /* the read end of the media command's
				     * channel; -1 none */
	struct sl_control_lines ctl_lines;
	int dtmf_fd;                /* the write end of the digits to send;
				     * -1 none */

	/* DTMF by SIP INFO (call_info.c) */
	int dtmf_rx_fd;             /* the write end of the keys received by
				     * INFO, for the media (SIP_DTMF_FD); -1
				     * none */
	struct sl_client *info;     /* our INFO, until final */
	char info_keys[SL_CONTROL_LINE_MAX]; /* our keys and pauses to send */
	size_t info_len, info_next;
	int64_t info_sent;          /* when the last one went */
	struct sl_timer info_timer; /* the next one's */
};

/* call_core.c */
/* Feeds ev to the machine and carries out its actions.  Called while
 * actions are carried out (an action's outcome), ev waits for the end of
 * that step. */
void sl_call_step(struct sl_call *c, const struct sl_call_ev *ev);
/* The same for an event with only a type. */
void sl_call_event(struct sl_call *c, enum sl_call_ev_type type);
/* Copies text from the network for an event line or the environment:
 * printable, no quotes or backslashes, at most size - 1 bytes. */
void sl_call_clean(char *dst, size_t size, const char *src);
/* The tag parameter of a From or To ("" when none). */
const char *sl_call_tag(osip_from_t *f);
/* Notes the call's Call-ID (the whole, and the cleaned copy).  Returns 0
 * or ENOMEM. */
int sl_call_set_id(struct sl_call *c, const osip_message_t *msg);
/* 1 when msg's Call-ID is the call's. */
int sl_call_same_id(const struct sl_call *c, const osip_message_t *msg);
/* Writes a URI as cleaned text into buf. */
void sl_call_uri_text(const osip_uri_t *u, char *buf, size_t size);

/* call_out.c */
/* Notes in c->in what the event lines of a response (NULL: none came,
 * err) need. */
void sl_call_take_in(struct sl_call *c, struct sl_client *cl, osip_message_t *resp, int err);
void sl_call_out_cancel(struct sl_call *c);
void sl_call_out_abandon(struct sl_call *c);
void sl_call_out_redirect(struct sl_call *c, int code);
void sl_call_out_ack(struct sl_call *c);
void sl_call_out_ack_again(struct sl_call *c);
/* PRACK for the reliable 1xx just taken (RSeq rseq). */
void sl_call_out_prack(struct sl_call *c, uint32_t rseq);
/* Our INVITE again after its 422, with the larger interval. */
void sl_call_out_retry_422(struct sl_call *c);

/* call_in.c */
/* 180, reliable (RSeq fsm.rel.rseq) or not. */
void sl_call_in_ring(struct sl_call *c, int reliable);
/* 183 with our answer, reliable or not. */
void sl_call_in_early(struct sl_call *c, int reliable);
void sl_call_in_resend_1xx(struct sl_call *c);
/* A PRACK of the INVITE's: 400 without a usable RAck, 481 for another
 * request's; else the machine's. */
void sl_call_in_prack(struct sl_call *c, struct sl_server *srv, osip_message_t *req);
void sl_call_in_answer(struct sl_call *c);
void sl_call_in_refuse(struct sl_call *c, int code);
void sl_call_in_2xx_again(struct sl_call *c);
void sl_call_in_ack(struct sl_call *c, osip_message_t *ack);

/* call_dialog.c */
/* Builds a request within the dialog (RFC 3261 §12.2.1.1).  Returns 0 or
 * ENOMEM. */
int sl_call_dialog_request(struct sl_call *c, const char *method, osip_message_t **out);
/* The same within dialog d (an early one: PRACK). */
int sl_call_dialog_request_in(struct sl_call *c, osip_dialog_t *d, const char *method,
			      osip_message_t **out);
/* Adds our Contact (where in-dialog requests reach us) to a response of
 * srv's transaction (the INVITE's, or a re-INVITE's). */
void sl_call_dialog_contact(struct sl_call *c, struct sl_server *srv, osip_message_t *resp);
/* A target refresh: the Contact of m (a re-INVITE or UPDATE we answer
 * 2xx, a 2xx to ours), when it has a SIP URI, is the remote target. */
void sl_call_dialog_target(struct sl_call *c, const osip_message_t *m);
/* Sends our 2xx in srv's transaction and keeps a copy for its
 * retransmissions (RFC 3261 §13.3.1.4), which the machine times. */
void sl_call_dialog_send_2xx(struct sl_call *c, struct sl_server *srv, osip_message_t *ok);
void sl_call_dialog_resend_2xx(struct sl_call *c);
void sl_call_dialog_bye(struct sl_call *c);
void sl_call_dialog_abandon_bye(struct sl_call *c);
void sl_call_dialog_respond(struct sl_call *c, int code);
void sl_call_dialog_reinvite_ok(struct sl_call *c);
void sl_call_dialog_update_ok(struct sl_call *c);
/* Our re-INVITE: hold (1: a=sendonly, or a=inactive when the peer holds
 * us), resume (0: a=sendrecv), or a session refresh (-1: the SDP as it
 * is). */
void sl_call_dialog_reinvite(struct sl_call *c, int hold);
/* Takes the answer to it; held: the call is on hold now. */
void sl_call_dialog_reinvite_done(struct sl_call *c, int held);

/* call_control.c */
/* Opens the control channel of the media about to start (the pipe of a
 * command's lines, the pipe of digits to send) and hands their far ends
 * to c->media; once per call. */
void sl_call_control_open(struct sl_call *c);
/* Takes what the command has written and not yet been read: its last
 * lines come before its exit. */
void sl_call_control_drain(struct sl_call *c);
void sl_call_control_close(struct sl_call *c);

/* call_info.c */
/* An INFO in the dialog: a DTMF key (application/dtmf-relay or
 * application/dtmf) is answered 200 and handed to the media; no body 200,
 * another type 415, a body without a key 400, an Info Package 469. */
void sl_call_info_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req);
/* Sends digits (and ',' pauses) as INFOs of application/dtmf-relay, one
 * after another's 2xx; a failure is an event and drops the rest (481, 408
 * or no answer also end the call).  Returns
 * 0, or ENOSPC when too many wait (nothing queued then). */
int sl_call_info_dtmf(struct sl_call *c, const char *digits);
/* Stops our INFOs and closes the media's pipe of keys. */
void sl_call_info_stop(struct sl_call *c);

/* call_timer.c */
/* 1 when m's Allow has UPDATE. */
int sl_call_allows_update(const osip_message_t *m);
/* Takes what a request of the peer's (INVITE, re-INVITE, UPDATE) says of
 * session timers into c->se_ans.  Returns 0, or 422: its interval is
 * below our Min-SE. */
int sl_call_timer_take(struct sl_call *c, osip_message_t *req);
/* c->se_ans into an event (se_ms, se_us). */
void sl_call_timer_ev(const struct sl_call *c, struct sl_call_ev *ev);
/* Our headers in a 2xx to such a request: Supported, Session-Expires
 * and Require as c->se_ans says. */
void sl_call_timer_2xx(struct sl_call *c, osip_message_t *ok);
/* Min-SE in our 422. */
void sl_call_timer_min_se(struct sl_call *c, osip_message_t *resp);
/* Our headers in our INVITE or a refresh (re-INVITE, UPDATE). */
void sl_call_timer_request(struct sl_call *c, osip_message_t *req);
/* What a 2xx to our request says: ev's se_ms, se_us, update_ok. */
void sl_call_timer_from_2xx(struct sl_call *c, const osip_message_t *resp,
			    struct sl_call_ev *ev);
/* A 422's Min-SE into ev->se_ms (0: none usable), for the machine. */
void sl_call_timer_from_422(const osip_message_t *resp, struct sl_call_ev *ev);
/* Takes a 422's Min-SE as what we ask for.  Returns 0, or EINVAL when it
 * asks for nothing larger. */
int sl_call_timer_422(struct sl_call *c, const osip_message_t *resp);
/* Our refresh: by UPDATE (1) or re-INVITE (0); again after a 422 when
 * the machine's se.asking says so (our Min-SE raised to it). */
void sl_call_timer_refresh(struct sl_call *c, int by_update);

/* call_refer.c */
/* Sends REFER with Refer-To: <uri>.  Returns 0 or an errno value. */
int sl_call_refer(struct sl_call *c, const char *uri);
/* A REFER or NOTIFY in the dialog, answered: 1, or 0 when req is neither. */
int sl_call_refer_request(struct sl_call *c, struct sl_server *srv, osip_message_t *req);
/* The status of the call that replaces another (code 1xx-6xx), sent to
 * that one's transferor; once final, no more. */
void sl_call_xfer_report(struct sl_call *c, int code);

/* call_media.c */
/* Binds our RTP sockets on the address that reaches toward.  Returns 0 or
 * an errno value. */
int sl_call_media_open(struct sl_call *c, const struct sl_addr *toward);
/* Our side of the SDP, in direction dir. */
void sl_call_media_ours(struct sl_call *c, int dir);
/* Puts our SDP in msg.  Returns 0 or ENOSPC. */
int sl_call_sdp_body(struct sl_call *c, osip_message_t *msg);
/* Checks the SDP answer in msg against our offer into c->peer: 1 when it
 * can be used, else 0 with the reason in c->peer_why. */
int sl_call_sdp_answer(struct sl_call *c, osip_message_t *msg);
void sl_call_sdp_take(struct sl_call *c);
/* " srtp=SUITE" for an event line when the call's media is SRTP, else "". */
const char *sl_call_srtp_word(const struct sl_call *c);
/* Checks the SRTP of a re-INVITE's offer against the call's: 1 when the
 * call can go on with it (the same key of the peer's, or plain RTP for a
 * plain call), the tag of that key's line in *tag; else 0, with why. */
int sl_call_srtp_reoffer(const struct sl_call *c, const struct sl_sdp_stream *offer,
			 unsigned long *tag, const char **why);
/* The peer's RTP address for an event line ("none" while on hold). */
const char *sl_call_peer_rtp(const struct sl_call *c, char *buf);
void sl_call_media_start(struct sl_call *c);
void sl_call_media_early(struct sl_call *c);
void sl_call_media_stop(struct sl_call *c);

#endif
