/* The call as a state machine without I/O: sl_call_fsm_step() takes one
 * event and answers with the new state and a list of actions, which the
 * glue (call.c and its parts) turns into SIP messages, timers and media
 * processes.  The exit status is decided here and nowhere else.  How the
 * call works, state by state, is at the top of call_fsm.c. */
#ifndef SIPLINE_CALL_FSM_H
#define SIPLINE_CALL_FSM_H

#include <stdint.h>

/* How long a BYE or CANCEL waits for its answer before the call is over
 * anyway (ms); RFC 3261's 32 s is too long for a script. */
#define SL_CALL_END_WAIT_MS 5000
/* How long a hang-up waits for the ACK of our 2xx before its BYE goes
 * anyway (ms). */
#define SL_CALL_ACK_WAIT_MS 2000
/* RFC 3261 timers of the 2xx retransmissions we own (§13.3.1.4): the
 * interval starts at T1 and doubles up to T2; no ACK within 64*T1 ends
 * the call. */
#define SL_CALL_T1_MS 500
#define SL_CALL_T2_MS 4000
#define SL_CALL_NO_ACK_MS (64 * SL_CALL_T1_MS)
/* RFC 3262 §3: a reliable provisional response is retransmitted from T1
 * on, doubling (no T2 cap), until its PRACK; none within 64*T1 ends the
 * INVITE with a 5xx. */
#define SL_CALL_NO_PRACK_MS (64 * SL_CALL_T1_MS)

/* Where the call is.  The call's other regions (the media, the offer and
 * answer, an in-dialog INVITE) are named below; a state never hides in a
 * flag. */
enum sl_call_state {
	SL_CALL_IDLE,           /* nothing sent or taken yet */
	/* outgoing (call_out.c) */
	SL_CALL_CALLING,        /* INVITE sent, nothing heard back */
	SL_CALL_PROCEEDING,     /* a provisional response came */
	SL_CALL_REDIRECTING,    /* a 3xx, or a failure after one: the glue
				 * looks for the next target (never seen
				 * from outside a step) */
	SL_CALL_CANCELLING,     /* CANCEL asked; the INVITE's final response
				 * awaited */
	/* incoming (call_in.c) */
	SL_CALL_INCOMING,       /* INVITE taken, 100 sent, not answered */
	SL_CALL_ANSWERED,       /* our 2xx sent, retransmitted until the ACK */
	SL_CALL_ANSWERED_HANGUP, /* answered, and our hang-up waits for the
				 * ACK: no BYE before it (RFC 3261 §15) */
	/* the dialog (call_dialog.c) */
	SL_CALL_CONFIRMED,      /* the dialog is up */
	SL_CALL_BYE_SENT,       /* our BYE awaits its answer */
	/* the end */
	SL_CALL_ENDED,          /* signalling over; the media still exiting */
	SL_CALL_DONE,           /* over; the tool has been told */
};

/* The media processes as the machine knows them. */
enum sl_call_media {
	SL_CALL_MEDIA_NONE,     /* none runs */
	SL_CALL_MEDIA_EARLY,    /* rtp-recv for a 183's SDP, before the answer */
	SL_CALL_MEDIA_UP,       /* the call's media (or the command) runs */
	SL_CALL_MEDIA_STOPPING, /* asked to end; its exit is awaited */
};

/* The offer/answer of the dialog's INVITE (RFC 3264). */
enum sl_call_sdp {
	SL_CALL_SDP_NONE,       /* no offer yet (an INVITE without SDP) */
	SL_CALL_SDP_OFFER_SENT, /* in our INVITE, or in our 2xx to an INVITE
				 * without SDP: the answer comes in the 2xx,
				 * or in the ACK */
	/* in their INVITE: our 2xx answers */
	SL_CALL_SDP_OFFER_RECEIVED,
	SL_CALL_SDP_DONE,       /* answered; the codec is settled */
};

/* An INVITE within the dialog (libre's modify.c). */
enum sl_call_modify {
	SL_CALL_MODIFY_NONE,
	/* our 2xx to their re-INVITE awaits its ACK; another re-INVITE
	 * gets 491 */
	SL_CALL_MODIFY_ACK_WAIT,
	/* our re-INVITE (hold, resume) awaits its final response; theirs
	 * gets 491 */
	SL_CALL_MODIFY_OFFER_SENT,
};

/* The timers the machine arms; the glue fires SL_CALL_EV_TIMER. */
enum sl_call_timer {
	SL_CALL_T_NOANSWER,     /* --timeout: CANCEL once it rings */
	SL_CALL_T_RETRANSMIT,   /* our 2xx again, until its ACK */
	SL_CALL_T_ACK_WAIT,     /* a hang-up's wait for the ACK */
	SL_CALL_T_END_WAIT,     /* the bound on our BYE or CANCEL */
	SL_CALL_T_DURATION,     /* --duration */
	SL_CALL_T_PROVISIONAL,  /* our reliable 1xx again, until its PRACK */
	SL_CALL_T_SESSION,      /* session timer (RFC 4028): our refresh, or
				 * the end of a session nobody refreshed */
	SL_CALL_T_COUNT,
};

enum sl_call_ev_type {
	/* from the tool (lib/call.h) */
	SL_CALL_EV_DIAL,        /* the INVITE went out; ms: no-answer timeout */
	SL_CALL_EV_INVITE,      /* an INVITE taken; sdp_ok: it has an offer */
	SL_CALL_EV_RING,
	SL_CALL_EV_ANSWER,      /* cseq: the INVITE's; its 2xx is ready */
	SL_CALL_EV_REJECT,      /* code: a final response to the INVITE */
	SL_CALL_EV_HOLD,        /* code: 1 hold, 0 resume (our re-INVITE) */
	SL_CALL_EV_HANGUP,      /* reason; code: the final response to an
				 * INVITE not answered yet (0: 480) */
	/* responses to our INVITE */
	SL_CALL_EV_PROVISIONAL, /* code; sdp_ok: usable SDP for early media */
	SL_CALL_EV_2XX,         /* dialog_ok: a dialog was made of it;
				 * sdp_ok: its answer is usable */
	SL_CALL_EV_FAILURE,     /* code >= 300; authorized: the INVITE carried
				 * our credentials */
	SL_CALL_EV_NO_RESPONSE, /* err: why none will come */
	SL_CALL_EV_REDIALED,    /* a new INVITE went to a 3xx target */
	SL_CALL_EV_NO_TARGET,   /* no 3xx target left */
	SL_CALL_EV_2XX_AGAIN,   /* a 2xx retransmitted: our ACK was lost */
	/* requests of the call */
	SL_CALL_EV_ACK,         /* cseq; sdp_ok: a usable answer in it */
	SL_CALL_EV_INVITE_AGAIN, /* the answered INVITE again (cseq), in a new
				 * server transaction */
	SL_CALL_EV_CANCEL,
	SL_CALL_EV_BYE,
	SL_CALL_EV_REINVITE,    /* cseq; sdp_ok: its offer (or none) is one we
				 * can take */
	/* our re-INVITE */
	SL_CALL_EV_REINVITE_ANSWERED, /* code, or 0 and err: no answer;
				 * sdp_ok: a 2xx's answer is usable; a
				 * 422's Min-SE in se_ms */
	/* UPDATE (RFC 3311): offer: it carries one; sdp_ok: one we can
	 * take */
	SL_CALL_EV_UPDATE,
	/* our UPDATE refreshing the session: code, or 0 and err; a 422's
	 * Min-SE in se_ms (0: none usable) */
	SL_CALL_EV_REFRESH_ANSWERED,
	/* our BYE */
	SL_CALL_EV_BYE_ANSWERED, /* code, or 0 and err: no answer */
	SL_CALL_EV_BYE_UNSENT,
	/* the media */
	SL_CALL_EV_MEDIA_EXITED, /* code: the exit status it asks for */
	SL_CALL_EV_MEDIA_FAILED, /* it could not start; running: part of it
				  * runs still (an exit follows) */
	/* timers */
	SL_CALL_EV_TIMER,       /* timer: which */
	/* reliable provisionals and early media (RFC 3262): a PRACK whose
	 * RAck names the INVITE (rseq: its RSeq); the tool's early answer
	 * (183 with SDP, the media started before the 200) */
	SL_CALL_EV_PRACK,
	SL_CALL_EV_EARLY,
};

struct sl_call_ev {
	enum sl_call_ev_type type;
	int code;
	int err;
	int timer;
	int sdp_ok;
	int dialog_ok;
	int authorized;
	int running;
	unsigned long cseq;
	int64_t ms;
	const char *reason;
	uint32_t rseq;          /* PROVISIONAL: its RSeq when it is reliable
				 * (0: it is not); PRACK: its RAck's RSeq */
	int reliable;           /* INVITE: it requires or supports 100rel */
	int offer;              /* an UPDATE's body is an offer */
	/* session timers (RFC 4028), of a 2xx to an INVITE (ours, or our
	 * answer), a re-INVITE, an UPDATE, or of our 2xx to theirs */
	int64_t se_ms;          /* the session interval; 0: none (a 422 to
				 * our refresh: its Min-SE) */
	int se_us;              /* we refresh */
	int update_ok;          /* the peer's Allow has UPDATE (INVITE, 2xx) */
};

enum sl_call_act_type {
	/* timers (arg: enum sl_call_timer; ms) */
	SL_CALL_DO_TIMER_START,
	SL_CALL_DO_TIMER_STOP,
	/* outgoing */
	SL_CALL_DO_CANCEL,
	SL_CALL_DO_ABANDON_INVITE,
	SL_CALL_DO_REDIRECT,    /* arg: the final code (0: no response) */
	SL_CALL_DO_ACK,
	SL_CALL_DO_ACK_AGAIN,
	SL_CALL_DO_TAKE_ANSWER, /* the SDP answer just checked is the one */
	SL_CALL_DO_EARLY_MEDIA,
	/* incoming */
	SL_CALL_DO_RING,
	SL_CALL_DO_ANSWER,      /* send the 2xx prepared */
	SL_CALL_DO_REFUSE,      /* arg: final response code to the INVITE */
	SL_CALL_DO_RESEND_2XX,
	SL_CALL_DO_2XX_AGAIN,   /* our 2xx in the retransmitted INVITE's
				 * transaction */
	/* in the dialog */
	SL_CALL_DO_RESPOND,     /* arg: code, to the request being handled */
	SL_CALL_DO_REINVITE_OK, /* take the re-INVITE's offer, answer 200 */
	SL_CALL_DO_BYE,
	SL_CALL_DO_ABANDON_BYE,
	SL_CALL_DO_REINVITE,    /* arg: 1 hold, 0 resume */
	SL_CALL_DO_REINVITE_ACK, /* ACK its 2xx */
	SL_CALL_DO_REINVITE_DONE, /* take its answer; arg: 1 on hold now */
	SL_CALL_DO_UPDATE_OK,   /* take the UPDATE's offer if any, answer 200 */
	SL_CALL_DO_REFRESH,     /* arg: 1 UPDATE (its answer: REFRESH_ANSWERED),
				 * 0 re-INVITE (REINVITE_ANSWERED); se.asking
				 * not 0: again after a 422, with that
				 * interval */
	SL_CALL_DO_RETRY_422,   /* our INVITE again, with the 422's Min-SE:
				 * REDIALED, or NO_TARGET */
	/* media */
	SL_CALL_DO_MEDIA_START,
	SL_CALL_DO_MEDIA_STOP,
	/* the end: arg is the exit status */
	SL_CALL_DO_FINISH,
	/* what is said on stderr (events and warnings) */
	SL_CALL_SAY_CALLING,
	SL_CALL_SAY_PROGRESS,   /* arg: code */
	SL_CALL_SAY_REJECTED,   /* arg: code */
	SL_CALL_SAY_FAILED,     /* arg: err */
	SL_CALL_SAY_NOANSWER,
	SL_CALL_SAY_CANCELLED,  /* arg: 1 by us (why), 0 by them */
	SL_CALL_SAY_ANSWERED,   /* arg: 1 when the codec is settled */
	SL_CALL_SAY_MEDIA,      /* the codec, settled by the ACK */
	SL_CALL_SAY_UNUSABLE_2XX, /* no dialog could be made of it */
	SL_CALL_SAY_UNUSABLE_ANSWER,
	SL_CALL_SAY_HANGUP,     /* arg: 1 by us (why), 0 by them */
	SL_CALL_SAY_MEDIA_LOST,
	SL_CALL_SAY_NO_ACK,
	SL_CALL_SAY_BYE_FAILED, /* the peer may not know the call has ended */
	SL_CALL_SAY_REINVITE_FAILED, /* arg: 1 hold, 0 resume (the response:
				 * the glue's) */
	/* reliable provisionals and early media (RFC 3262); the RSeq of
	 * ours is rel.rseq */
	SL_CALL_DO_PRACK,       /* arg: the RSeq of the 1xx just taken */
	SL_CALL_DO_EARLY_ANSWER, /* 183 with our answer; arg: 1 reliable */
	SL_CALL_DO_RESEND_1XX,  /* our reliable 1xx again */
	SL_CALL_SAY_NO_PRACK,
	SL_CALL_SAY_SESSION,    /* arg: 0 the timer set at the answer, 1 a
				 * refresh of ours, 2 theirs; ms: interval */
	SL_CALL_SAY_REFRESH_FAILED, /* the response: the glue's */
	SL_CALL_SAY_SESSION_EXPIRED,
};

struct sl_call_act {
	enum sl_call_act_type type;
	int arg;
	int64_t ms;
	const char *why;
};

#define SL_CALL_ACTS_MAX 24

struct sl_call_acts {
	struct sl_call_act a[SL_CALL_ACTS_MAX];
	int n;
};

struct sl_call_fsm {
	enum sl_call_state state;
	enum sl_call_media media;
	enum sl_call_sdp sdp;
	enum sl_call_modify modify;
	int status;                 /* exit status; -1 until decided */
	int outgoing;
	int has_command;            /* a media command: no early media */
	int held;                   /* we hold the call (our re-INVITE) */
	int hold_asked;             /* what our re-INVITE under way asks */
	int reinvited;              /* we sent a re-INVITE: a 2xx again is
				     * ACKed again, in either direction */
	int64_t duration_ms;        /* hang up after this long; 0: never */
	unsigned timers;            /* armed: 1 << enum sl_call_timer */
	int hops;                   /* INVITEs sent to 3xx targets */
	struct {                    /* REDIRECTING: the outcome if no target */
		int code, authorized, err;
	} pending;
	struct {                    /* session timer (RFC 4028) */
		int64_t ms;         /* the interval; 0: none */
		int us;             /* we refresh */
		int expiring;       /* T_SESSION ends the session (else it
				     * sends our refresh) */
		int refreshing;     /* our refresh out: 1 UPDATE, 2 re-INVITE */
		int update_ok;      /* the peer takes UPDATE */
		int retried;        /* our INVITE was sent again after a 422 */
		int retrying;       /* ... and is under way */
		int64_t asking;     /* our refresh sent again after its 422
				     * asks for this interval (its Min-SE);
				     * 0: none is */
		int64_t answer_ms;  /* the interval of our 2xx to their INVITE */
		int answer_us;
	} se;
	struct {                    /* our 2xx awaiting its ACK */
		unsigned long cseq;
		int64_t interval;   /* 0: none awaits */
		int64_t elapsed;
	} ok;
	/* Reliable provisionals (RFC 3262).  Outgoing: rseq is that of the
	 * last one PRACKed.  Incoming: reliable says ours are (the INVITE
	 * requires or supports 100rel), rseq is that of the last one sent,
	 * awaiting its PRACK while interval is not 0; the answer waits for
	 * it (answer, with the INVITE's cseq). */
	struct {
		uint32_t rseq;
		int reliable;
		int64_t interval, elapsed;
		int answer;
		unsigned long cseq;
	} rel;
	int early_cmd;              /* outgoing: a command runs for early media
				     * too (--early-media): stopped at the
				     * answer, started anew */
	int restart;                /* that early command is stopping: start the
				     * call's when it has */
};

/* A machine in SL_CALL_IDLE for a call with these settings. */
void sl_call_fsm_init(struct sl_call_fsm *f, int64_t duration_ms,
		      int has_command);

/* Takes ev; out receives the actions, to be carried out in order. */
void sl_call_fsm_step(struct sl_call_fsm *f, const struct sl_call_ev *ev,
		      struct sl_call_acts *out);

/* "CONFIRMED"... for logs and tests. */
const char *sl_call_state_name(enum sl_call_state s);

#endif
