/* The call's state machine: every state, every transition, and the exit
 * status, with no I/O (tests/unit/call_fsm.c replays each race the
 * integration suite found).
 *
 * How the call works
 * ------------------
 * The call has one main state and three smaller regions beside it:
 *   state   where the signalling is (enum sl_call_state);
 *   media   whether media processes run (NONE, EARLY, UP, STOPPING);
 *   sdp     where the offer/answer of the INVITE stands;
 *   modify  whether our 2xx to a re-INVITE awaits its ACK, or our own
 *           re-INVITE (hold, resume) its answer.
 * The call is over (DONE, and the tool is told its exit status) when the
 * signalling has ended (ENDED) and no media process runs.
 *
 * Outgoing (sip-call):
 *
 *   IDLE --dial--> CALLING --1xx--> PROCEEDING --2xx: ACK--> CONFIRMED
 *                     |                 |  \--no-answer timer: CANCEL--.
 *                     |--3xx------------+--> REDIRECTING --new INVITE--> CALLING
 *                     |                 |        \--no target: as the failure
 *                     |--failure, none--+--> ENDED (rejected / failed)
 *                     '--hang-up: CANCEL+--> CANCELLING --final--> ENDED
 *                                                  |--2xx: ACK, BYE--> BYE_SENT
 *                                                  '--5 s, nothing--> ENDED
 * Incoming (sip-answer):
 *
 *   IDLE --INVITE--> INCOMING --answer: 2xx--> ANSWERED --ACK--> CONFIRMED
 *                      |  \--reject, hang-up (480), CANCEL (487)--> ENDED
 *                      |                          |--hang-up--> ANSWERED_HANGUP
 *                      |                          |      |--ACK, 2 s: BYE--> BYE_SENT
 *                      |                          |--BYE--> ENDED
 *                      |                          '--64*T1, no ACK: BYE (7)--> BYE_SENT
 * The dialog:
 *
 *   CONFIRMED --hang-up, duration, media exited: BYE--> BYE_SENT
 *   CONFIRMED --BYE: 200--> ENDED
 *   BYE_SENT  --answer (any), their BYE, 5.5 s--> ENDED
 *   ENDED     --media exited--> DONE
 *
 * Transitions by event (state: what happens; "ended" = ENDED, media
 * stopped, DONE as soon as no media runs):
 *   dial          IDLE: CALLING, no-answer timer
 *   INVITE        IDLE: INCOMING
 *   ring          INCOMING: 180
 *   answer        INCOMING: 2xx (retransmitted), ANSWERED; media unless
 *                 the offer is ours (no SDP in the INVITE)
 *   reject        INCOMING: the code, ended (exit per the code)
 *   hang-up       IDLE: ended (0); CALLING, PROCEEDING: CANCEL (4);
 *                 INCOMING: 480 (4), or the code given (control
 *                 channel's hangup CODE: exit per the code);
 *                 ANSWERED: ANSWERED_HANGUP;
 *                 CONFIRMED: BYE
 *   1xx           CALLING, PROCEEDING: PROCEEDING, early media (183 SDP,
 *                 default media only)
 *   2xx           CALLING, PROCEEDING: ACK, CONFIRMED, media (unusable
 *                 SDP: BYE, 1); CANCELLING: ACK, BYE; no dialog: ended (1)
 *   failure       CALLING, PROCEEDING: a 3xx, or any failure once
 *                 redirected: REDIRECTING; else ended (exit per the code;
 *                 403 to our credentials: 6); CANCELLING: ended
 *   no response   as a failure (7, or 111 for ENOMEM)
 *   2xx again     outgoing, answered: ACK again
 *   ACK           ANSWERED: CONFIRMED (media if the answer is in it; an
 *                 unusable one: BYE, 1); ANSWERED_HANGUP: BYE; the ACK of
 *                 a re-INVITE's 2xx: modify NONE
 *   INVITE again  ANSWERED, ANSWERED_HANGUP: our 2xx again
 *   CANCEL        200; INCOMING: 487, ended (4); later: nothing more
 *   BYE           200; CONFIRMED, ANSWERED, ANSWERED_HANGUP: ended (0);
 *                 BYE_SENT: ended (the BYEs crossed)
 *   re-INVITE     CONFIRMED, no 2xx pending, none of ours out: 200 (or
 *                 488); else 491
 *   UPDATE        PROCEEDING, INCOMING, ANSWERED, CONFIRMED: without a
 *                 body 200; with an offer: 200 with our answer (488
 *                 without our codec) once the INVITE's offer/answer is
 *                 done, in the early dialog too (sdp DONE: a reliable
 *                 1xx had the answer, PRACKed); else INCOMING 500, an
 *                 offer of ours out 491; other states: 481
 *   hold, resume  CONFIRMED, no re-INVITE either way under way: our
 *                 re-INVITE (modify OFFER_SENT)
 *   re-INVITE answered  2xx: ACK, its answer taken (unusable: BYE);
 *                 481, 408, none: BYE; other failures: as it was
 *   BYE answered  BYE_SENT: ended (warning unless 2xx or 481)
 *   media exited  early: nothing; ANSWERED, CONFIRMED: BYE (its status);
 *                 ENDED: DONE
 *   media failed  ANSWERED, CONFIRMED: BYE (126)
 *   session timer a 2xx exchanged (the INVITE's, our answer, a re-INVITE's
 *                 or UPDATE's either way) sets T_SESSION: our refresh at
 *                 half the interval (UPDATE, or re-INVITE: modify
 *                 OFFER_SENT), or the end a third (32 s at most) before
 *                 it ends: BYE (9); our refresh answered 408, 481 or
 *                 not: BYE (9); 422 to it: sent again once with the
 *                 422's Min-SE (se.asking), a 422 again: BYE (9); 422
 *                 to our INVITE: REDIRECTING, sent again once; their
 *                 request below our Min-SE: 422
 *   timers        no-answer: PROCEEDING: CANCEL (4), CALLING: nothing
 *                 (the INVITE's own timer says 7); retransmit: 2xx again,
 *                 or after 64*T1 BYE (7); ACK wait: BYE; end wait:
 *                 ended; duration: BYE
 *
 * The exit status is decided once, by the first transition that decides
 * it (decide()); a call that ends without one is 0.
 *
 * Reliable provisionals and early media (RFC 3262), region `rel`:
 *   1xx with RSeq CALLING, PROCEEDING: PRACK, taken (with SDP: the
 *                 answer, sdp DONE); the same RSeq again or one out of
 *                 order: dropped (no PRACK, nothing said)
 *   2xx           with a command that ran for early media (--early-media):
 *                 it is stopped, and the call's starts once it has exited
 *   ring          INCOMING, 100rel: a reliable 180 (RSeq rel.rseq),
 *                 retransmitted on T_PROVISIONAL (T1 doubling); none while
 *                 one awaits its PRACK; 64*T1 without: 504 (7)
 *   early         INCOMING with an offer: 183 with the answer (reliable
 *                 likewise), media EARLY: the call's media, from now on
 *   answer        INCOMING, a reliable 1xx not PRACKed: waits for it;
 *                 media EARLY: UP, the same media goes on
 *   PRACK         its RSeq that of ours awaiting it: 200 (then the answer
 *                 that waited; our 183's answer final: sdp DONE); any
 *                 other: 481
 *   media exited  INCOMING (early media's command): 480 (4)
 *
 * Where what is not built yet goes:
 *   UPDATE (RFC 3311)  built (on_update), in the early dialog too once
 *       a PRACKed reliable 1xx made the INVITE's answer final.
 *   session timers (RFC 4028)  built (session_set, T_SESSION).
 *   hold by our re-INVITE  built (OFFER_SENT); a 491 is reported, not
 *       tried again after a glare timer.
 *   REFER/NOTIFY, INFO  events in CONFIRMED answered with 202 / 200 and
 *       a report to the tool (call_dialog.c). */
#include "call_fsm.h"

#include <stddef.h>

#include "stimer.h"

#include "log.h"
#include "sip.h"

static void
act(struct sl_call_acts *o, enum sl_call_act_type type, int arg, int64_t ms,
    const char *why)
{
	if (o->n < SL_CALL_ACTS_MAX)
		o->a[o->n++] = (struct sl_call_act){ type, arg, ms, why };
}

static void
say(struct sl_call_acts *o, enum sl_call_act_type type, int arg, const char *why)
{
	act(o, type, arg, 0, why);
}

static void
doit(struct sl_call_acts *o, enum sl_call_act_type type)
{
	act(o, type, 0, 0, NULL);
}

/* The one place the exit status is set: the first decision stands. */
static void
decide(struct sl_call_fsm *f, int status)
{
	if (f->status < 0)
		f->status = status;
}

static void
timer_start(struct sl_call_fsm *f, struct sl_call_acts *o, enum sl_call_timer t,
	    int64_t ms)
{
	f->timers |= 1u << t;
	act(o, SL_CALL_DO_TIMER_START, t, ms, NULL);
}

static void
timer_stop(struct sl_call_fsm *f, struct sl_call_acts *o, enum sl_call_timer t)
{
	if (!(f->timers & (1u << t)))
		return;
	f->timers &= ~(1u << t);
	act(o, SL_CALL_DO_TIMER_STOP, t, 0, NULL);
}

static void
media_start(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->media = SL_CALL_MEDIA_UP;
	doit(o, SL_CALL_DO_MEDIA_START);
}

static void
media_stop(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->media != SL_CALL_MEDIA_EARLY && f->media != SL_CALL_MEDIA_UP)
		return;
	f->media = SL_CALL_MEDIA_STOPPING;
	doit(o, SL_CALL_DO_MEDIA_STOP);
}

/* Over once the signalling has ended and no media runs. */
static void
settle(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->state != SL_CALL_ENDED || f->media != SL_CALL_MEDIA_NONE)
		return;
	f->state = SL_CALL_DONE;
	decide(f, SL_EXIT_OK);
	act(o, SL_CALL_DO_FINISH, f->status, 0, NULL);
}

/* The signalling is over: nothing more to send or wait for. */
static void
end(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	int t;

	f->state = SL_CALL_ENDED;
	for (t = 0; t < SL_CALL_T_COUNT; t++)
		timer_stop(f, o, t);
	f->ok.interval = 0;
	f->rel.interval = 0;
	f->restart = 0;
	f->modify = SL_CALL_MODIFY_NONE;
	media_stop(f, o);
	settle(f, o);
}

static void
confirm(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->state = SL_CALL_CONFIRMED;
	if (f->duration_ms > 0)
		timer_start(f, o, SL_CALL_T_DURATION, f->duration_ms);
}

/* Our 2xx went out: retransmitted from T1 on until its ACK. */
static void
await_ack(struct sl_call_fsm *f, struct sl_call_acts *o, unsigned long cseq)
{
	f->ok.cseq = cseq;
	f->ok.interval = SL_CALL_T1_MS;
	f->ok.elapsed = 0;
	timer_start(f, o, SL_CALL_T_RETRANSMIT, f->ok.interval);
}

static void
ack_came(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->ok.interval = 0;
	timer_stop(f, o, SL_CALL_T_RETRANSMIT);
}

static void
send_bye(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->state = SL_CALL_BYE_SENT;
	doit(o, SL_CALL_DO_BYE);
	/* The BYE's own transaction gives up after SL_CALL_END_WAIT_MS;
	 * this is the bound should it not. */
	timer_start(f, o, SL_CALL_T_END_WAIT, SL_CALL_END_WAIT_MS + 500);
}

/* Our hang-up in an answered call. */
static void
hang_up(struct sl_call_fsm *f, struct sl_call_acts *o, const char *why)
{
	switch (f->state) {
	case SL_CALL_CONFIRMED:
		say(o, SL_CALL_SAY_HANGUP, 1, why);
		timer_stop(f, o, SL_CALL_T_DURATION);
		f->restart = 0;
		/* The BYE leaves before the media is stopped: stopping it
		 * sends our RTCP BYE, at which the peer's media may end, and
		 * the peer should have our BYE by then, to see the hang-up
		 * as ours. */
		send_bye(f, o);
		media_stop(f, o);
		break;
	case SL_CALL_ANSWERED:
		/* No BYE before the ACK (RFC 3261 §15); but a hang-up must
		 * not wait 32 s for an ACK that may never come. */
		say(o, SL_CALL_SAY_HANGUP, 1, why);
		f->state = SL_CALL_ANSWERED_HANGUP;
		media_stop(f, o);
		timer_start(f, o, SL_CALL_T_ACK_WAIT, SL_CALL_ACK_WAIT_MS);
		break;
	default:
		break;
	}
}

/* ---- session timers (RFC 4028) ---- */

/* The session's interval and refresher, from a 2xx just exchanged (ms 0:
 * no timer): T_SESSION is armed for our refresh, or for the end of a
 * session the peer does not refresh.  how: for SAY_SESSION. */
static void
session_set(struct sl_call_fsm *f, struct sl_call_acts *o, int64_t ms, int us, int how)
{
	timer_stop(f, o, SL_CALL_T_SESSION);
	f->se.ms = ms > 0 ? ms : 0;
	f->se.us = us;
	if (f->se.ms == 0)
		return;
	f->se.expiring = !us;
	timer_start(f, o, SL_CALL_T_SESSION,
		    us ? sl_se_refresh_at(ms) : sl_se_expire_at(ms));
	act(o, SL_CALL_SAY_SESSION, how, ms, NULL);
}

/* Our refresh, when nothing else is under way: UPDATE when the peer
 * takes it, else a re-INVITE with the SDP as it is. */
static void
refresh(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->state != SL_CALL_CONFIRMED || f->se.refreshing)
		return;
	if (f->se.update_ok) {
		f->se.refreshing = 1;
		act(o, SL_CALL_DO_REFRESH, 1, 0, NULL);
		return;
	}
	if (f->modify != SL_CALL_MODIFY_NONE || f->ok.interval)
		return;     /* that exchange refreshes it, or theirs did */
	f->se.refreshing = 2;
	f->modify = SL_CALL_MODIFY_OFFER_SENT;
	f->hold_asked = f->held;
	f->reinvited = 1;
	act(o, SL_CALL_DO_REFRESH, 0, 0, NULL);
}

/* T_SESSION: half the interval gone, our refresh (and the timer then
 * waits for the end); the end of the session: BYE (RFC 4028 §10). */
static void
on_session_timer(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->se.ms == 0 || (f->state != SL_CALL_CONFIRMED && f->state != SL_CALL_ANSWERED))
		return;
	if (!f->se.expiring) {
		f->se.expiring = 1;
		timer_start(f, o, SL_CALL_T_SESSION,
			    sl_se_expire_at(f->se.ms) - sl_se_refresh_at(f->se.ms));
		refresh(f, o);
		return;
	}
	say(o, SL_CALL_SAY_SESSION_EXPIRED, 0, NULL);
	decide(f, SL_EXIT_EXPIRED);
	hang_up(f, o, "session expired");
}

/* The final response to our refresh (2: a re-INVITE's, whose 2xx
 * on_reinvite_answered has ACKed and taken): a 2xx sets the timer anew;
 * a 422 whose Min-SE (ev->se_ms) is above what we asked for has it sent
 * again once, asking for that (RFC 4028 §7.3, §7.4); 408, 481, none at
 * all, or a 422 again end the call (RFC 4028 §10, RFC 3261 §12.2.1.2);
 * another failure of an UPDATE has us refresh by re-INVITE, else the
 * timer runs on to the end. */
static void
refreshed(struct sl_call_fsm *f, struct sl_call_acts *o, const struct sl_call_ev *ev)
{
	int by = f->se.refreshing;
	int64_t asked = f->se.asking ? f->se.asking : f->se.ms;
	int retried = f->se.asking != 0;

	f->se.refreshing = 0;
	f->se.asking = 0;
	if (f->state != SL_CALL_CONFIRMED)
		return;
	if (ev->code >= 200 && ev->code < 300) {
		session_set(f, o, ev->se_ms, ev->se_us, 1);
		return;
	}
	if (ev->code == 422 && !retried && ev->se_ms > asked) {
		f->se.asking = ev->se_ms;
		refresh(f, o);
		if (f->se.refreshing)
			return;
		f->se.asking = 0;   /* something else under way: as a failure */
	}
	say(o, SL_CALL_SAY_REFRESH_FAILED, ev->code, NULL);
	if (ev->code == 0 || ev->code == 408 || ev->code == 481 || ev->code == 422) {
		decide(f, SL_EXIT_EXPIRED);
		hang_up(f, o, "session refresh failed");
		return;
	}
	if (by == 1) {
		f->se.update_ok = 0;
		refresh(f, o);
	}
}

/* ---- outgoing ---- */

static void
cancel(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->state = SL_CALL_CANCELLING;
	timer_stop(f, o, SL_CALL_T_NOANSWER);
	doit(o, SL_CALL_DO_CANCEL);
	timer_start(f, o, SL_CALL_T_END_WAIT, SL_CALL_END_WAIT_MS);
}

static int
dialling(const struct sl_call_fsm *f)
{
	return f->state == SL_CALL_CALLING || f->state == SL_CALL_PROCEEDING ||
	       f->state == SL_CALL_REDIRECTING;
}

/* The INVITE's outcome is a final failure (err 0: code, else no
 * response at all). */
static void
failed(struct sl_call_fsm *f, struct sl_call_acts *o, int code, int authorized,
       int err)
{
	timer_stop(f, o, SL_CALL_T_NOANSWER);
	if (dialling(f)) {
		if (err)
			say(o, SL_CALL_SAY_FAILED, err, NULL);
		else
			say(o, SL_CALL_SAY_REJECTED, code, NULL);
	}
	decide(f, err ? sl_exit_for_error(err) : sl_exit_for_answer(code, authorized));
	end(f, o);
}

static void
on_failure(struct sl_call_fsm *f, struct sl_call_acts *o, int code,
	   int authorized, int err)
{
	if (f->state == SL_CALL_CANCELLING) {
		failed(f, o, code, authorized, err);
		return;
	}
	if (f->state != SL_CALL_CALLING && f->state != SL_CALL_PROCEEDING)
		return;
	/* Our Session-Expires was too small (RFC 4028 §7.3): once again,
	 * with the 422's Min-SE. */
	if (!err && code == 422 && !f->se.retried) {
		f->se.retried = f->se.retrying = 1;
		f->state = SL_CALL_REDIRECTING;
		f->pending.code = code;
		f->pending.authorized = authorized;
		f->pending.err = 0;
		act(o, SL_CALL_DO_RETRY_422, code, 0, NULL);
		return;
	}
	/* A 3xx names where to call instead (RFC 3261 §8.1.3.4); a failure
	 * of a redirected call tries the next target a 3xx named. */
	if ((!err && code < 400) || f->hops > 0) {
		f->state = SL_CALL_REDIRECTING;
		f->pending.code = code;
		f->pending.authorized = authorized;
		f->pending.err = err;
		act(o, SL_CALL_DO_REDIRECT, err ? 0 : code, 0, NULL);
		return;
	}
	failed(f, o, code, authorized, err);
}

/* A provisional response with rseq (0: not reliable): 1 when it is to be
 * taken, PRACKed if reliable; 0 for a retransmission of one PRACKed
 * already, or one out of order: neither is PRACKed nor taken (RFC 3262
 * §4). */
static int
reliable_in(struct sl_call_fsm *f, struct sl_call_acts *o, uint32_t rseq)
{
	if (rseq == 0)
		return 1;
	if (f->rel.rseq && rseq != f->rel.rseq + 1)
		return 0;
	f->rel.rseq = rseq;
	act(o, SL_CALL_DO_PRACK, (int)rseq, 0, NULL);
	return 1;
}

static void
on_provisional(struct sl_call_fsm *f, struct sl_call_acts *o,
	       const struct sl_call_ev *ev)
{
	if (f->state != SL_CALL_CALLING && f->state != SL_CALL_PROCEEDING)
		return;
	if (!reliable_in(f, o, ev->rseq))
		return;
	f->state = SL_CALL_PROCEEDING;
	say(o, SL_CALL_SAY_PROGRESS, ev->code, NULL);
	/* The answer in a reliable 1xx (PRACKed just now) is the answer
	 * (RFC 3262 §5): the offer/answer is complete, and an UPDATE may
	 * bring another offer in the early dialog (RFC 3311 §5.1). */
	if (ev->rseq && ev->code > 100 && ev->sdp_ok && f->sdp == SL_CALL_SDP_OFFER_SENT) {
		f->sdp = SL_CALL_SDP_DONE;
		doit(o, SL_CALL_DO_TAKE_ANSWER);
	}
	/* What the network plays before the answer reaches our stdout with
	 * the default media; a command starts at the answer, unless it
	 * asked for early media too (--early-media). */
	if (ev->code > 100 && ev->sdp_ok && (!f->has_command || f->early_cmd) &&
	    f->media == SL_CALL_MEDIA_NONE) {
		f->media = SL_CALL_MEDIA_EARLY;
		doit(o, SL_CALL_DO_EARLY_MEDIA);
	}
}

static void
on_2xx(struct sl_call_fsm *f, struct sl_call_acts *o, const struct sl_call_ev *ev)
{
	int cancelled = f->state == SL_CALL_CANCELLING;

	if (!dialling(f) && !cancelled)
		return;
	timer_stop(f, o, SL_CALL_T_NOANSWER);
	if (!ev->dialog_ok) {
		say(o, SL_CALL_SAY_UNUSABLE_2XX, 0, NULL);
		decide(f, SL_EXIT_REJECTED);
		end(f, o);
		return;
	}
	doit(o, SL_CALL_DO_ACK);
	if (cancelled) {
		/* We gave up (CANCEL, signal) but the callee answered
		 * meanwhile: end the dialog it made. */
		timer_stop(f, o, SL_CALL_T_END_WAIT);
		f->state = SL_CALL_CONFIRMED;
		hang_up(f, o, "cancelled");
		return;
	}
	if (!ev->sdp_ok) {
		say(o, SL_CALL_SAY_ANSWERED, 0, NULL);
		say(o, SL_CALL_SAY_UNUSABLE_ANSWER, 0, NULL);
		f->state = SL_CALL_CONFIRMED;
		decide(f, SL_EXIT_REJECTED);
		hang_up(f, o, "no usable media");
		return;
	}
	f->sdp = SL_CALL_SDP_DONE;
	doit(o, SL_CALL_DO_TAKE_ANSWER);
	say(o, SL_CALL_SAY_ANSWERED, 1, NULL);
	confirm(f, o);
	f->se.update_ok = ev->update_ok;
	session_set(f, o, ev->se_ms, ev->se_us, 0);
	if (f->media == SL_CALL_MEDIA_EARLY && f->has_command) {
		/* The command that heard the early media ends; the call's
		 * starts once it has. */
		f->restart = 1;
		media_stop(f, o);
		return;
	}
	media_start(f, o);
}

/* ---- incoming ---- */

/* A final response to the INVITE we have not answered. */
static void
refuse(struct sl_call_fsm *f, struct sl_call_acts *o, int code)
{
	act(o, SL_CALL_DO_REFUSE, code, 0, NULL);
	say(o, SL_CALL_SAY_REJECTED, code, NULL);
	decide(f, sl_exit_for_status(code));
	end(f, o);
}

/* Our reliable 1xx (RSeq rel.rseq) went out: retransmitted from T1 on
 * until its PRACK. */
static void
await_prack(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	f->rel.interval = SL_CALL_T1_MS;
	f->rel.elapsed = 0;
	timer_start(f, o, SL_CALL_T_PROVISIONAL, f->rel.interval);
}

/* 180, reliable when the INVITE asked for it (or offered it); not while
 * a reliable one awaits its PRACK (RFC 3262 §3). */
static void
on_ring(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->state != SL_CALL_INCOMING || f->rel.interval)
		return;
	if (f->rel.reliable)
		f->rel.rseq++;
	act(o, SL_CALL_DO_RING, f->rel.reliable, 0, NULL);
	if (f->rel.reliable)
		await_prack(f, o);
}

/* 183 with our answer, and the media from now on: a prompt before the
 * answer, or a screening by voice (sip-answer --early-media). */
static void
on_early(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->state != SL_CALL_INCOMING || f->rel.interval ||
	    f->sdp != SL_CALL_SDP_OFFER_RECEIVED || f->media != SL_CALL_MEDIA_NONE)
		return;
	if (f->rel.reliable)
		f->rel.rseq++;
	act(o, SL_CALL_DO_EARLY_ANSWER, f->rel.reliable, 0, NULL);
	if (f->rel.reliable)
		await_prack(f, o);
	f->media = SL_CALL_MEDIA_EARLY;
	doit(o, SL_CALL_DO_MEDIA_START);
}

/* A PRACK: 200 when it acknowledges our reliable 1xx awaiting one, and
 * the answer waiting for it goes; 481 for any other (RFC 3262 §3). */
static void on_answer(struct sl_call_fsm *f, struct sl_call_acts *o, unsigned long cseq);

static void
on_prack(struct sl_call_fsm *f, struct sl_call_acts *o, uint32_t rseq)
{
	if (f->state != SL_CALL_INCOMING || f->rel.interval == 0 || rseq != f->rel.rseq) {
		act(o, SL_CALL_DO_RESPOND, 481, 0, NULL);
		return;
	}
	act(o, SL_CALL_DO_RESPOND, 200, 0, NULL);
	f->rel.interval = 0;
	timer_stop(f, o, SL_CALL_T_PROVISIONAL);
	/* Our answer went in a reliable 183 (the early media runs), now
	 * PRACKed: the offer/answer is complete (RFC 3262 §5), and an
	 * UPDATE may bring another offer (RFC 3311 §5.1). */
	if (f->media == SL_CALL_MEDIA_EARLY && f->sdp == SL_CALL_SDP_OFFER_RECEIVED)
		f->sdp = SL_CALL_SDP_DONE;
	if (f->rel.answer) {
		f->rel.answer = 0;
		on_answer(f, o, f->rel.cseq);
	}
}

static void
on_prack_timer(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->rel.interval == 0 || f->state != SL_CALL_INCOMING)
		return;
	f->rel.elapsed += f->rel.interval;
	if (f->rel.elapsed < SL_CALL_NO_PRACK_MS) {
		doit(o, SL_CALL_DO_RESEND_1XX);
		f->rel.interval *= 2;
		timer_start(f, o, SL_CALL_T_PROVISIONAL, f->rel.interval);
		return;
	}
	say(o, SL_CALL_SAY_NO_PRACK, SL_CALL_NO_PRACK_MS / 1000, NULL);
	decide(f, SL_EXIT_NORESPONSE);
	refuse(f, o, 504);
}

static void
on_answer(struct sl_call_fsm *f, struct sl_call_acts *o, unsigned long cseq)
{
	if (f->state != SL_CALL_INCOMING)
		return;
	if (f->rel.interval) {
		/* Not before the PRACK of our reliable 1xx (RFC 3262 §3). */
		f->rel.answer = 1;
		f->rel.cseq = cseq;
		return;
	}
	f->state = SL_CALL_ANSWERED;
	doit(o, SL_CALL_DO_ANSWER);
	await_ack(f, o, cseq);
	if (f->sdp != SL_CALL_SDP_NONE && f->media == SL_CALL_MEDIA_EARLY) {
		/* Answered in the 183 already; its media goes on. */
		f->sdp = SL_CALL_SDP_DONE;
		f->media = SL_CALL_MEDIA_UP;
		say(o, SL_CALL_SAY_ANSWERED, 1, NULL);
	} else if (f->sdp == SL_CALL_SDP_OFFER_RECEIVED) {
		f->sdp = SL_CALL_SDP_DONE;
		say(o, SL_CALL_SAY_ANSWERED, 1, NULL);
		media_start(f, o);
	} else {
		/* Our 2xx carries the offer; the answer comes in the ACK. */
		f->sdp = SL_CALL_SDP_OFFER_SENT;
		say(o, SL_CALL_SAY_ANSWERED, 0, NULL);
	}
	session_set(f, o, f->se.answer_ms, f->se.answer_us, 0);
}

/* The answer in the ACK of a 2xx that carried our offer; 0 when it
 * cannot be used. */
static int
late_answer(struct sl_call_fsm *f, struct sl_call_acts *o, int sdp_ok)
{
	if (!sdp_ok) {
		say(o, SL_CALL_SAY_UNUSABLE_ANSWER, 0, NULL);
		decide(f, SL_EXIT_REJECTED);
		return 0;
	}
	f->sdp = SL_CALL_SDP_DONE;
	doit(o, SL_CALL_DO_TAKE_ANSWER);
	say(o, SL_CALL_SAY_MEDIA, 0, NULL);
	return 1;
}

static void
on_ack(struct sl_call_fsm *f, struct sl_call_acts *o, const struct sl_call_ev *ev)
{
	int answer_in_ack;

	if (f->ok.interval == 0 || ev->cseq != f->ok.cseq)
		return;         /* a retransmitted ACK, or a stray one */
	ack_came(f, o);
	answer_in_ack = f->sdp == SL_CALL_SDP_OFFER_SENT;
	switch (f->state) {
	case SL_CALL_ANSWERED:
		confirm(f, o);
		if (!answer_in_ack)
			break;
		if (late_answer(f, o, ev->sdp_ok))
			media_start(f, o);
		else
			hang_up(f, o, "no usable media");
		break;
	case SL_CALL_ANSWERED_HANGUP:
		/* The hang-up said its line when it was asked. */
		timer_stop(f, o, SL_CALL_T_ACK_WAIT);
		if (answer_in_ack)
			late_answer(f, o, ev->sdp_ok);
		send_bye(f, o);
		break;
	default:
		f->modify = SL_CALL_MODIFY_NONE;    /* a re-INVITE's ACK */
		break;
	}
}

static void
on_retransmit(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	if (f->ok.interval == 0)
		return;
	f->ok.elapsed += f->ok.interval;
	if (f->ok.elapsed < SL_CALL_NO_ACK_MS) {
		doit(o, SL_CALL_DO_RESEND_2XX);
		f->ok.interval = f->ok.interval * 2 > SL_CALL_T2_MS ? SL_CALL_T2_MS :
				 f->ok.interval * 2;
		timer_start(f, o, SL_CALL_T_RETRANSMIT, f->ok.interval);
		return;
	}
	f->ok.interval = 0;
	say(o, SL_CALL_SAY_NO_ACK, SL_CALL_NO_ACK_MS / 1000, NULL);
	switch (f->state) {
	case SL_CALL_ANSWERED:
		/* The caller never confirmed: no response, as far as the
		 * call is concerned; the dialog we made is ended anyway. */
		decide(f, SL_EXIT_NORESPONSE);
		f->state = SL_CALL_CONFIRMED;
		hang_up(f, o, "no ACK");
		break;
	case SL_CALL_ANSWERED_HANGUP:
		timer_stop(f, o, SL_CALL_T_ACK_WAIT);
		send_bye(f, o);
		break;
	default:
		f->modify = SL_CALL_MODIFY_NONE;
		break;
	}
}

/* ---- in the dialog ---- */

static void
on_bye(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	act(o, SL_CALL_DO_RESPOND, 200, 0, NULL);
	switch (f->state) {
	case SL_CALL_CONFIRMED:
	case SL_CALL_ANSWERED:
	case SL_CALL_ANSWERED_HANGUP:
		/* A BYE before the ACK ends the call too (the caller gave
		 * up on it, or the ACK was lost). */
		say(o, SL_CALL_SAY_HANGUP, 0, NULL);
		decide(f, SL_EXIT_OK);
		end(f, o);
		break;
	case SL_CALL_BYE_SENT:
		/* Both hung up at once; ours is answered or not. */
		end(f, o);
		break;
	default:
		break;
	}
}

static void
on_cancel(struct sl_call_fsm *f, struct sl_call_acts *o)
{
	act(o, SL_CALL_DO_RESPOND, 200, 0, NULL);
	if (f->state != SL_CALL_INCOMING)
		return;     /* too late: the call is answered or gone */
	act(o, SL_CALL_DO_REFUSE, 487, 0, NULL);
	say(o, SL_CALL_SAY_CANCELLED, 0, NULL);
	decide(f, SL_EXIT_NOANSWER);
	end(f, o);
}

/* Our hold or resume: a re-INVITE, one at a time, in the confirmed call
 * (the glue says why not otherwise). */
static void
on_hold(struct sl_call_fsm *f, struct sl_call_acts *o, int hold)
{
	if (f->state != SL_CALL_CONFIRMED || f->modify != SL_CALL_MODIFY_NONE ||
	    f->ok.interval)
		return;
	f->modify = SL_CALL_MODIFY_OFFER_SENT;
	f->hold_asked = hold;
	f->reinvited = 1;
	act(o, SL_CALL_DO_REINVITE, hold, 0, NULL);
}

/* The final response to our re-INVITE (RFC 3261 §14.1): a 2xx is ACKed
 * and its answer taken; 481, 408 or none at all end the call; any other
 * failure leaves it as it was. */
static void
on_reinvite_answered(struct sl_call_fsm *f, struct sl_call_acts *o,
		     const struct sl_call_ev *ev)
{
	int ok = ev->code >= 200 && ev->code < 300;

	if (f->modify != SL_CALL_MODIFY_OFFER_SENT) {
		if (ok && f->reinvited)
			doit(o, SL_CALL_DO_REINVITE_ACK);   /* the call ended meanwhile */
		return;
	}
	f->modify = SL_CALL_MODIFY_NONE;
	if (ok) {
		doit(o, SL_CALL_DO_REINVITE_ACK);
		if (f->state != SL_CALL_CONFIRMED) {
			f->se.refreshing = 0;
			return;
		}
		if (!ev->sdp_ok) {
			f->se.refreshing = 0;
			say(o, SL_CALL_SAY_UNUSABLE_ANSWER, 0, NULL);
			hang_up(f, o, "no usable media");
			return;
		}
		f->held = f->hold_asked;
		/* arg 2: a refresh's answer, taken without a hold event */
		act(o, SL_CALL_DO_REINVITE_DONE, f->held | (f->se.refreshing ? 2 : 0), 0, NULL);
		if (f->se.refreshing)
			refreshed(f, o, ev);
		else if (ev->se_ms || f->se.ms)
			session_set(f, o, ev->se_ms, ev->se_us, 1);
		return;
	}
	if (f->se.refreshing) {
		refreshed(f, o, ev);
		return;
	}
	if (f->state != SL_CALL_CONFIRMED)
		return;
	say(o, SL_CALL_SAY_REINVITE_FAILED, f->hold_asked, NULL);
	if (ev->code == 0 || ev->code == 408 || ev->code == 481)
		hang_up(f, o, "re-INVITE failed");
}

/* Hold, resume, a moved media address, a session refresh: the call goes
 * on with the codec it has. */
static void
on_reinvite(struct sl_call_fsm *f, struct sl_call_acts *o,
	    const struct sl_call_ev *ev)
{
	if (f->state != SL_CALL_CONFIRMED || f->modify != SL_CALL_MODIFY_NONE ||
	    f->ok.interval) {
		act(o, SL_CALL_DO_RESPOND, 491, 0, NULL);   /* Request Pending */
		return;
	}
	if (!ev->sdp_ok || ev->code == 422) {
		/* 422: its Session-Expires is below our Min-SE */
		act(o, SL_CALL_DO_RESPOND, ev->code == 422 ? 422 : 488, 0, NULL);
		return;
	}
	doit(o, SL_CALL_DO_REINVITE_OK);
	f->modify = SL_CALL_MODIFY_ACK_WAIT;
	await_ack(f, o, ev->cseq);
	if (ev->se_ms || f->se.ms)
		session_set(f, o, ev->se_ms, ev->se_us, 2);
}

/* 200 to an UPDATE; in the call, a session refresh (RFC 4028). */
static void
update_ok(struct sl_call_fsm *f, struct sl_call_acts *o, const struct sl_call_ev *ev)
{
	doit(o, SL_CALL_DO_UPDATE_OK);
	if ((f->state == SL_CALL_CONFIRMED || f->state == SL_CALL_ANSWERED) &&
	    (ev->se_ms || f->se.ms))
		session_set(f, o, ev->se_ms, ev->se_us, 2);
}

/* UPDATE (RFC 3311): without a body, 200 (a session refresh); with an
 * offer, taken like a re-INVITE's in the confirmed call, and in the early
 * dialog once the INVITE's offer/answer is complete (sdp DONE: its answer
 * went in a reliable 1xx, PRACKed; §5.1); but 491 while an offer of ours
 * awaits its answer (our re-INVITE, our 2xx to an INVITE without SDP, the
 * INVITE we sent while it rings, answered in no reliable 1xx) and 500
 * while we have not answered theirs (the INVITE we have not answered, or
 * only in an unreliable 183, or in a reliable one not PRACKed yet). */
static void
on_update(struct sl_call_fsm *f, struct sl_call_acts *o, const struct sl_call_ev *ev)
{
	switch (f->state) {
	case SL_CALL_PROCEEDING:
	case SL_CALL_INCOMING:
	case SL_CALL_ANSWERED:
	case SL_CALL_ANSWERED_HANGUP:
	case SL_CALL_CONFIRMED:
		break;
	default:
		act(o, SL_CALL_DO_RESPOND, 481, 0, NULL);   /* no such dialog now */
		return;
	}
	if (ev->code == 422) {
		act(o, SL_CALL_DO_RESPOND, 422, 0, NULL);
		return;
	}
	if (!ev->offer) {
		update_ok(f, o, ev);
		return;
	}
	if (f->state == SL_CALL_INCOMING && f->sdp != SL_CALL_SDP_DONE) {
		act(o, SL_CALL_DO_RESPOND, 500, 0, NULL);   /* with Retry-After */
		return;
	}
	if (f->state == SL_CALL_ANSWERED_HANGUP || f->sdp != SL_CALL_SDP_DONE ||
	    f->modify != SL_CALL_MODIFY_NONE) {
		act(o, SL_CALL_DO_RESPOND, 491, 0, NULL);
		return;
	}
	if (!ev->sdp_ok) {
		act(o, SL_CALL_DO_RESPOND, 488, 0, NULL);
		return;
	}
	update_ok(f, o, ev);
}

static void
on_bye_answered(struct sl_call_fsm *f, struct sl_call_acts *o,
		const struct sl_call_ev *ev)
{
	if (f->state != SL_CALL_BYE_SENT)
		return;
	/* Said, not just logged: the peer may still think the call is up,
	 * and run until its own timers end it.  So it may after a failure
	 * from a proxy (a 408 when the BYE got no further); not after a
	 * 481, where the peer has no such call. */
	if (ev->code == 0 || (ev->code >= 300 && ev->code != 481))
		say(o, SL_CALL_SAY_BYE_FAILED, ev->code, NULL);
	end(f, o);
}

/* ---- the media ---- */

static void
on_media_exited(struct sl_call_fsm *f, struct sl_call_acts *o, int status)
{
	f->media = SL_CALL_MEDIA_NONE;
	if (f->restart) {
		/* The early media's command is gone: the call's starts. */
		f->restart = 0;
		if (f->state == SL_CALL_CONFIRMED)
			media_start(f, o);
		else
			settle(f, o);
		return;
	}
	switch (f->state) {
	case SL_CALL_CALLING:
	case SL_CALL_PROCEEDING:
		/* Early media stopped; the answer starts the media anew. */
		break;
	case SL_CALL_INCOMING:
		/* Our early media's command ended without an answer (a
		 * failure to run it shows in the status). */
		if (status)
			decide(f, status);
		refuse(f, o, 480);
		break;
	case SL_CALL_ANSWERED:
	case SL_CALL_CONFIRMED:
		/* The media command exiting is how a script hangs up. */
		if (status == SL_EXIT_MEDIALOST)
			say(o, SL_CALL_SAY_MEDIA_LOST, 0, NULL);
		decide(f, status);
		hang_up(f, o, status == SL_EXIT_MEDIALOST ? "media lost" : "media ended");
		break;
	default:
		/* Ending anyway; a media failure still shows in the status
		 * unless something else decided it first. */
		decide(f, status);
		settle(f, o);
		break;
	}
}

static void
on_media_failed(struct sl_call_fsm *f, struct sl_call_acts *o, int running)
{
	f->media = running ? SL_CALL_MEDIA_STOPPING : SL_CALL_MEDIA_NONE;
	f->restart = 0;
	switch (f->state) {
	case SL_CALL_INCOMING:
		decide(f, SL_EXIT_CANTRUN);
		refuse(f, o, 500);
		break;
	case SL_CALL_ANSWERED:
	case SL_CALL_CONFIRMED:
		decide(f, SL_EXIT_CANTRUN);
		hang_up(f, o, "media failed");
		break;
	default:
		settle(f, o);
		break;
	}
}

/* ---- timers and the tool ---- */

static void
on_timer(struct sl_call_fsm *f, struct sl_call_acts *o, enum sl_call_timer t)
{
	if (t >= SL_CALL_T_COUNT || !(f->timers & (1u << t)))
		return;     /* stopped meanwhile */
	f->timers &= ~(1u << t);
	switch (t) {
	case SL_CALL_T_NOANSWER:
		/* Before any provisional response nothing at all came back:
		 * that is "no response", and the INVITE's own timer (bounded
		 * by our timeout) reports it. */
		if (f->state != SL_CALL_PROCEEDING)
			break;
		say(o, SL_CALL_SAY_NOANSWER, 0, NULL);
		decide(f, SL_EXIT_NOANSWER);
		cancel(f, o);
		break;
	case SL_CALL_T_RETRANSMIT:
		on_retransmit(f, o);
		break;
	case SL_CALL_T_ACK_WAIT:
		if (f->state != SL_CALL_ANSWERED_HANGUP)
			break;
		ack_came(f, o);     /* stop offering the 2xx */
		send_bye(f, o);
		break;
	case SL_CALL_T_END_WAIT:
		/* The answer to our BYE or CANCEL never came: give up. */
		if (f->state == SL_CALL_CANCELLING)
			doit(o, SL_CALL_DO_ABANDON_INVITE);
		else if (f->state == SL_CALL_BYE_SENT)
			doit(o, SL_CALL_DO_ABANDON_BYE);
		else
			break;
		end(f, o);
		break;
	case SL_CALL_T_DURATION:
		hang_up(f, o, "duration reached");
		break;
	case SL_CALL_T_PROVISIONAL:
		on_prack_timer(f, o);
		break;
	case SL_CALL_T_SESSION:
		on_session_timer(f, o);
		break;
	default:
		break;
	}
}

static void
on_hangup(struct sl_call_fsm *f, struct sl_call_acts *o, const char *why, int code)
{
	switch (f->state) {
	case SL_CALL_IDLE:
		end(f, o);
		break;
	case SL_CALL_CALLING:
	case SL_CALL_PROCEEDING:
		say(o, SL_CALL_SAY_CANCELLED, 1, why);
		decide(f, SL_EXIT_NOANSWER);
		cancel(f, o);
		break;
	case SL_CALL_INCOMING:
		refuse(f, o, code ? code : 480);
		break;
	case SL_CALL_ANSWERED:
	case SL_CALL_CONFIRMED:
		hang_up(f, o, why);
		break;
	default:
		break;
	}
}

void
sl_call_fsm_init(struct sl_call_fsm *f, int64_t duration_ms, int has_command)
{
	*f = (struct sl_call_fsm){ 0 };
	f->state = SL_CALL_IDLE;
	f->status = -1;
	f->duration_ms = duration_ms;
	f->has_command = has_command;
}

void
sl_call_fsm_step(struct sl_call_fsm *f, const struct sl_call_ev *ev,
		 struct sl_call_acts *o)
{
	o->n = 0;
	if (f->state == SL_CALL_DONE && ev->type != SL_CALL_EV_2XX_AGAIN &&
	    ev->type != SL_CALL_EV_BYE && ev->type != SL_CALL_EV_CANCEL &&
	    ev->type != SL_CALL_EV_REINVITE && ev->type != SL_CALL_EV_REINVITE_ANSWERED &&
	    ev->type != SL_CALL_EV_PRACK && ev->type != SL_CALL_EV_UPDATE)
		return;
	switch (ev->type) {
	case SL_CALL_EV_DIAL:
		if (f->state != SL_CALL_IDLE)
			break;
		f->outgoing = 1;
		f->state = SL_CALL_CALLING;
		f->sdp = SL_CALL_SDP_OFFER_SENT;
		say(o, SL_CALL_SAY_CALLING, 0, NULL);
		if (ev->ms > 0)
			timer_start(f, o, SL_CALL_T_NOANSWER, ev->ms);
		break;
	case SL_CALL_EV_INVITE:
		if (f->state != SL_CALL_IDLE)
			break;
		f->state = SL_CALL_INCOMING;
		f->sdp = ev->sdp_ok ? SL_CALL_SDP_OFFER_RECEIVED : SL_CALL_SDP_NONE;
		f->rel.reliable = ev->reliable;
		break;
	case SL_CALL_EV_RING:
		on_ring(f, o);
		break;
	case SL_CALL_EV_ANSWER:
		/* the session timer of our 2xx (sent now, or after the
		 * PRACK of our reliable 1xx) */
		f->se.answer_ms = ev->se_ms;
		f->se.answer_us = ev->se_us;
		f->se.update_ok = ev->update_ok;
		on_answer(f, o, ev->cseq);
		break;
	case SL_CALL_EV_REJECT:
		if (f->state == SL_CALL_INCOMING)
			refuse(f, o, ev->code);
		break;
	case SL_CALL_EV_HANGUP:
		on_hangup(f, o, ev->reason, ev->code);
		break;
	case SL_CALL_EV_HOLD:
		on_hold(f, o, ev->code != 0);
		break;
	case SL_CALL_EV_REINVITE_ANSWERED:
		on_reinvite_answered(f, o, ev);
		break;
	case SL_CALL_EV_PROVISIONAL:
		on_provisional(f, o, ev);
		break;
	case SL_CALL_EV_2XX:
		on_2xx(f, o, ev);
		break;
	case SL_CALL_EV_FAILURE:
		on_failure(f, o, ev->code, ev->authorized, 0);
		break;
	case SL_CALL_EV_NO_RESPONSE:
		on_failure(f, o, 0, 0, ev->err ? ev->err : -1);
		break;
	case SL_CALL_EV_REDIALED:
		if (f->state != SL_CALL_REDIRECTING)
			break;
		if (f->se.retrying)
			f->se.retrying = 0;     /* not a hop: the same target */
		else
			f->hops++;
		f->state = SL_CALL_CALLING;
		f->rel.rseq = 0;        /* another INVITE, its own RSeqs */
		f->sdp = SL_CALL_SDP_OFFER_SENT;    /* ... and its own answer */
		break;
	case SL_CALL_EV_NO_TARGET:
		if (f->state == SL_CALL_REDIRECTING) {
			f->se.retrying = 0;
			failed(f, o, f->pending.code, f->pending.authorized, f->pending.err);
		}
		break;
	case SL_CALL_EV_2XX_AGAIN:
		/* Our ACK got lost (RFC 3261 §13.2.2.4). */
		if (f->outgoing || f->reinvited)
			doit(o, SL_CALL_DO_ACK_AGAIN);
		break;
	case SL_CALL_EV_ACK:
		on_ack(f, o, ev);
		break;
	case SL_CALL_EV_INVITE_AGAIN:
		if ((f->state == SL_CALL_ANSWERED || f->state == SL_CALL_ANSWERED_HANGUP) &&
		    f->ok.interval && ev->cseq == f->ok.cseq)
			doit(o, SL_CALL_DO_2XX_AGAIN);
		break;
	case SL_CALL_EV_CANCEL:
		on_cancel(f, o);
		break;
	case SL_CALL_EV_BYE:
		on_bye(f, o);
		break;
	case SL_CALL_EV_REINVITE:
		on_reinvite(f, o, ev);
		break;
	case SL_CALL_EV_UPDATE:
		on_update(f, o, ev);
		break;
	case SL_CALL_EV_REFRESH_ANSWERED:
		if (f->se.refreshing == 1)
			refreshed(f, o, ev);
		break;
	case SL_CALL_EV_BYE_ANSWERED:
		on_bye_answered(f, o, ev);
		break;
	case SL_CALL_EV_BYE_UNSENT:
		if (f->state == SL_CALL_BYE_SENT)
			end(f, o);
		break;
	case SL_CALL_EV_MEDIA_EXITED:
		on_media_exited(f, o, ev->code);
		break;
	case SL_CALL_EV_MEDIA_FAILED:
		on_media_failed(f, o, ev->running);
		break;
	case SL_CALL_EV_TIMER:
		on_timer(f, o, ev->timer);
		break;
	case SL_CALL_EV_PRACK:
		on_prack(f, o, ev->rseq);
		break;
	case SL_CALL_EV_EARLY:
		on_early(f, o);
		break;
	}
}

const char *
sl_call_state_name(enum sl_call_state s)
{
	static const char *const names[] = {
		[SL_CALL_IDLE] = "IDLE",
		[SL_CALL_CALLING] = "CALLING",
		[SL_CALL_PROCEEDING] = "PROCEEDING",
		[SL_CALL_REDIRECTING] = "REDIRECTING",
		[SL_CALL_CANCELLING] = "CANCELLING",
		[SL_CALL_INCOMING] = "INCOMING",
		[SL_CALL_ANSWERED] = "ANSWERED",
		[SL_CALL_ANSWERED_HANGUP] = "ANSWERED_HANGUP",
		[SL_CALL_CONFIRMED] = "CONFIRMED",
		[SL_CALL_BYE_SENT] = "BYE_SENT",
		[SL_CALL_ENDED] = "ENDED",
		[SL_CALL_DONE] = "DONE",
	};

	if ((unsigned)s >= sizeof names / sizeof names[0] || names[s] == NULL)
		return "?";
	return names[s];
}
