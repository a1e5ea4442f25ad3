/* Unit tests for lib/call_fsm.c: each race the integration suite found
 * over time, replayed on the state machine alone, with the exit status it
 * must give; the exit-status table of the call's outcomes; and random
 * walks that check what must hold whatever comes (a call always ends once
 * its timers run out, its status is decided once, nothing after the
 * end). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "call_fsm.h"
#include "log.h"
#include "tap.h"

static struct sl_call_fsm f;
static struct sl_call_acts a;       /* the actions of the last step */

#define EV(...) (&(struct sl_call_ev){ __VA_ARGS__ })

static void
step(const struct sl_call_ev *ev)
{
	sl_call_fsm_step(&f, ev, &a);
}

static void
on(enum sl_call_ev_type type)
{
	step(EV(.type = type));
}

static void
fire(enum sl_call_timer t)
{
	step(EV(.type = SL_CALL_EV_TIMER, .timer = t));
}

static int
armed(enum sl_call_timer t)
{
	return (f.timers & (1u << t)) != 0;
}

/* How many times the last step asked for t (with arg, unless arg < 0). */
static int
did_arg(enum sl_call_act_type t, int arg)
{
	int i, n = 0;

	for (i = 0; i < a.n; i++)
		if (a.a[i].type == t && (arg < 0 || a.a[i].arg == arg))
			n++;
	return n;
}

static int
did(enum sl_call_act_type t)
{
	return did_arg(t, -1);
}

/* Where in the last step's actions t comes (-1: not there). */
static int
at(enum sl_call_act_type t)
{
	int i;

	for (i = 0; i < a.n; i++)
		if (a.a[i].type == t)
			return i;
	return -1;
}

static const char *
state(void)
{
	return sl_call_state_name(f.state);
}

/* The exit status once whatever media ran has exited as asked (-1: the
 * call is not over). */
static int
outcome(void)
{
	if (f.state == SL_CALL_ENDED && f.media != SL_CALL_MEDIA_NONE)
		step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	if (f.state != SL_CALL_DONE || !did(SL_CALL_DO_FINISH))
		return -1;
	return f.status;
}

/* ---- calls brought to a state ---- */

static void
dial(int has_command)
{
	sl_call_fsm_init(&f, 0, has_command);
	step(EV(.type = SL_CALL_EV_DIAL, .ms = 64000));
}

static void
ringing(void)
{
	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180));
}

static void
talking(void)
{
	ringing();
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
}

static void
incoming(int offer)
{
	sl_call_fsm_init(&f, 0, 0);
	step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = offer));
}

static void
answered(int offer)
{
	incoming(offer);
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1));
}

static void
confirmed(void)
{
	answered(1);
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
}

static void
bye_answered(int code)
{
	step(EV(.type = SL_CALL_EV_BYE_ANSWERED, .code = code, .err = code ? 0 : ETIMEDOUT));
}

/* ---- the exit-status table ---- */

static void
test_outcomes(void)
{
	static const struct { int code, authorized, status; } t[] = {
		{ 486, 0, 2 }, { 600, 0, 2 }, { 603, 0, 3 }, { 404, 0, 5 },
		{ 484, 0, 5 }, { 604, 0, 5 }, { 408, 0, 4 }, { 480, 0, 4 },
		{ 487, 0, 4 }, { 401, 1, 6 }, { 407, 0, 6 }, { 403, 1, 6 },
		{ 403, 0, 1 }, { 500, 0, 1 }, { 488, 0, 1 }, { 302, 0, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ringing();
		step(EV(.type = SL_CALL_EV_FAILURE, .code = t[i].code,
			.authorized = t[i].authorized));
		if (f.state == SL_CALL_REDIRECTING)
			on(SL_CALL_EV_NO_TARGET);
		is_int(outcome(), t[i].status, "outgoing: %d%s is exit %d", t[i].code,
		       t[i].authorized ? " to our credentials" : "", t[i].status);
	}
	dial(0);
	step(EV(.type = SL_CALL_EV_NO_RESPONSE, .err = ETIMEDOUT));
	ok(did(SL_CALL_SAY_FAILED) && outcome() == 7, "outgoing: no response at all is exit 7");
	dial(0);
	step(EV(.type = SL_CALL_EV_NO_RESPONSE, .err = ENOMEM));
	is_int(outcome(), 111, "outgoing: out of memory is exit 111");

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (t[i].authorized || t[i].code == 401 || t[i].code == 407)
			continue;
		incoming(1);
		step(EV(.type = SL_CALL_EV_REJECT, .code = t[i].code));
		ok(did_arg(SL_CALL_DO_REFUSE, t[i].code) && outcome() == t[i].status,
		   "incoming: refused with %d is exit %d", t[i].code, t[i].status);
	}
}

/* ---- outgoing ---- */

static void
test_noanswer(void)
{
	ringing();
	ok(armed(SL_CALL_T_NOANSWER), "the no-answer timer runs while it rings");
	fire(SL_CALL_T_NOANSWER);
	ok(did(SL_CALL_SAY_NOANSWER) && did(SL_CALL_DO_CANCEL) && armed(SL_CALL_T_END_WAIT),
	   "no answer in time after a provisional: CANCEL, bounded");
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 487));
	ok(!did(SL_CALL_SAY_REJECTED) && outcome() == 4, "... its 487 is exit 4, said once");

	dial(0);
	fire(SL_CALL_T_NOANSWER);
	ok(a.n == 0 && f.state == SL_CALL_CALLING,
	   "no-answer timer before any provisional: nothing (the INVITE's own timer says)");
	step(EV(.type = SL_CALL_EV_NO_RESPONSE, .err = ETIMEDOUT));
	is_int(outcome(), 7, "... whose timeout is exit 7");

	ringing();
	fire(SL_CALL_T_NOANSWER);
	fire(SL_CALL_T_END_WAIT);
	ok(did(SL_CALL_DO_ABANDON_INVITE) && outcome() == 4,
	   "a CANCEL never answered: given up after the end wait, exit 4");
}

static void
test_cancel_crosses_2xx(void)
{
	ringing();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	ok(did_arg(SL_CALL_SAY_CANCELLED, 1) && did(SL_CALL_DO_CANCEL), "our hang-up while ringing: CANCEL");
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_ACK) && did(SL_CALL_DO_BYE) && !did(SL_CALL_DO_MEDIA_START) &&
	   at(SL_CALL_DO_ACK) < at(SL_CALL_DO_BYE),
	   "a 200 crossing our CANCEL: ACK, then BYE, no media");
	is_str(state(), "BYE_SENT", "... the BYE awaits its answer");
	bye_answered(200);
	is_int(outcome(), 4, "... and the call is exit 4, as cancelled");

	answered(1);
	on(SL_CALL_EV_CANCEL);
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && !did(SL_CALL_DO_REFUSE) &&
	   f.state == SL_CALL_ANSWERED, "a CANCEL crossing our 200: 200 to it, no 487, still answered");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	on(SL_CALL_EV_BYE);
	is_int(outcome(), 0, "... the call goes on, and ends 0");

	incoming(1);
	on(SL_CALL_EV_CANCEL);
	ok(did_arg(SL_CALL_DO_REFUSE, 487) && did_arg(SL_CALL_SAY_CANCELLED, 0) && outcome() == 4,
	   "a CANCEL while ringing: 487, exit 4");
}

static void
test_2xx_again(void)
{
	talking();
	on(SL_CALL_EV_2XX_AGAIN);
	ok(did(SL_CALL_DO_ACK_AGAIN) && f.state == SL_CALL_CONFIRMED,
	   "a 2xx retransmitted after our ACK: ACK again, the call goes on");
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "x"));
	on(SL_CALL_EV_2XX_AGAIN);
	ok(did(SL_CALL_DO_ACK_AGAIN), "... even while our BYE is out");
}

static void
test_unusable_2xx(void)
{
	ringing();
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 0));
	ok(did(SL_CALL_DO_ACK) && did(SL_CALL_SAY_UNUSABLE_ANSWER) && did(SL_CALL_DO_BYE),
	   "a 2xx with an unusable answer: ACK, BYE");
	bye_answered(200);
	is_int(outcome(), 1, "... exit 1");

	ringing();
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 0));
	ok(!did(SL_CALL_DO_ACK) && !did(SL_CALL_DO_BYE) && outcome() == 1,
	   "a 2xx no dialog can be made of: exit 1, nothing sent");
}

static void
test_redirect(void)
{
	dial(0);
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 302));
	ok(did_arg(SL_CALL_DO_REDIRECT, 302) && f.state == SL_CALL_REDIRECTING, "a 302: the next target");
	on(SL_CALL_EV_REDIALED);
	ok(f.state == SL_CALL_CALLING && armed(SL_CALL_T_NOANSWER),
	   "... a new INVITE, under the same no-answer timer");
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 486));
	ok(did(SL_CALL_DO_REDIRECT), "a failure after a redirection tries the next target");
	on(SL_CALL_EV_NO_TARGET);
	ok(did_arg(SL_CALL_SAY_REJECTED, 486) && outcome() == 2, "... none left: the 486 is the outcome, exit 2");

	dial(0);
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 301));
	on(SL_CALL_EV_REDIALED);
	step(EV(.type = SL_CALL_EV_NO_RESPONSE, .err = ETIMEDOUT));
	on(SL_CALL_EV_NO_TARGET);
	ok(did(SL_CALL_SAY_FAILED) && outcome() == 7, "a redirected INVITE unanswered: exit 7");

	dial(0);
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 302));
	on(SL_CALL_EV_REDIALED);
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_MEDIA_START) && f.state == SL_CALL_CONFIRMED, "a redirected call answered");
}

/* ---- incoming ---- */

static void
test_bye_before_ack(void)
{
	answered(1);
	on(SL_CALL_EV_BYE);
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && did_arg(SL_CALL_SAY_HANGUP, 0) &&
	   !did(SL_CALL_DO_BYE) && did(SL_CALL_DO_MEDIA_STOP) && !armed(SL_CALL_T_RETRANSMIT),
	   "a BYE before the ACK: 200, the call ends at once, no more 2xx");
	is_int(outcome(), 0, "... exit 0");
}

static void
test_hangup_awaiting_ack(void)
{
	answered(1);
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	ok(did_arg(SL_CALL_SAY_HANGUP, 1) && !did(SL_CALL_DO_BYE) && did(SL_CALL_DO_MEDIA_STOP) &&
	   armed(SL_CALL_T_ACK_WAIT), "our hang-up while our 2xx awaits its ACK: no BYE yet");
	is_str(state(), "ANSWERED_HANGUP", "... a state of its own");
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	ok(a.n == 0, "... the media's exit says nothing more");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	ok(did(SL_CALL_DO_BYE) && !did(SL_CALL_SAY_HANGUP) && !armed(SL_CALL_T_ACK_WAIT),
	   "... the ACK comes: the BYE goes");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	answered(1);
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	fire(SL_CALL_T_ACK_WAIT);
	ok(did(SL_CALL_DO_BYE) && !armed(SL_CALL_T_RETRANSMIT),
	   "no ACK within the wait: the BYE goes anyway, the 2xx stops");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	answered(1);
	step(EV(.type = SL_CALL_EV_INVITE_AGAIN, .cseq = 1));
	ok(did(SL_CALL_DO_2XX_AGAIN), "the INVITE again before the ACK: our 2xx again");
	step(EV(.type = SL_CALL_EV_INVITE_AGAIN, .cseq = 2));
	ok(a.n == 0, "... not for another CSeq");
}

static void
test_no_ack(void)
{
	int64_t when = 0, last = 0;
	int resent = 0, rounds = 0;

	answered(1);
	while (f.state == SL_CALL_ANSWERED && rounds++ < 100) {
		when += f.ok.interval;
		last = f.ok.interval;
		fire(SL_CALL_T_RETRANSMIT);
		resent += did(SL_CALL_DO_RESEND_2XX);
	}
	is_int(resent, 10, "no ACK: the 2xx is sent again 10 times (0.5 s, doubling, at most 4 s)");
	is_int(last, SL_CALL_T2_MS, "... at T2 at the end");
	is_int(when, 35500, "... given up 35.5 s after it (64*T1 on timer G's grid)");
	ok(did(SL_CALL_SAY_NO_ACK) && did(SL_CALL_DO_BYE), "... then BYE");
	bye_answered(481);
	is_int(outcome(), 7, "... exit 7");

	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	ok(a.n == 0, "an ACK after the end changes nothing");
}

static void
test_delayed_offer(void)
{
	answered(0);
	ok(!did(SL_CALL_DO_MEDIA_START) && did_arg(SL_CALL_SAY_ANSWERED, 0) &&
	   f.sdp == SL_CALL_SDP_OFFER_SENT, "an INVITE without SDP: our 2xx offers, no media yet");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_TAKE_ANSWER) && did(SL_CALL_DO_MEDIA_START) &&
	   f.state == SL_CALL_CONFIRMED, "... the answer in the ACK starts the media");

	answered(0);
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1, .sdp_ok = 0));
	ok(did(SL_CALL_SAY_UNUSABLE_ANSWER) && did(SL_CALL_DO_BYE) && !did(SL_CALL_DO_MEDIA_START),
	   "an unusable answer in the ACK: BYE");
	bye_answered(200);
	is_int(outcome(), 1, "... exit 1");

	answered(0);
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_BYE, 0) == 1 && !did(SL_CALL_DO_MEDIA_START),
	   "a hang-up before that ACK: one BYE, no media");
}

static void
test_ringing_in(void)
{
	incoming(1);
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491) && f.state == SL_CALL_INCOMING,
	   "a re-INVITE while ringing: 491, still ringing");
	on(SL_CALL_EV_RING);
	ok(did(SL_CALL_DO_RING), "... 180");
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	ok(did_arg(SL_CALL_DO_REFUSE, 480) && outcome() == 4, "our hang-up while ringing: 480, exit 4");
	incoming(1);
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "control", .code = 486));
	ok(did_arg(SL_CALL_DO_REFUSE, 486) && did_arg(SL_CALL_SAY_REJECTED, 486) &&
	   outcome() == 2, "a hang-up with a code while ringing (control hangup 486): 486, exit 2");
	talking();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "control", .code = 603));
	ok(did(SL_CALL_DO_BYE) && !did(SL_CALL_DO_REFUSE), "... answered: a BYE, the code unused");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	ringing();
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "a re-INVITE to our call while it rings: 491");
}

/* ---- the dialog ---- */

static void
test_reinvite(void)
{
	answered(1);
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "a re-INVITE while our 2xx awaits its ACK: 491");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	ok(did(SL_CALL_DO_REINVITE_OK) && f.modify == SL_CALL_MODIFY_ACK_WAIT &&
	   armed(SL_CALL_T_RETRANSMIT), "a re-INVITE in the call: 200, sent again until its ACK");
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 3, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "... another before that ACK: 491");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 2));
	ok(f.modify == SL_CALL_MODIFY_NONE && !armed(SL_CALL_T_RETRANSMIT) &&
	   f.state == SL_CALL_CONFIRMED, "... its ACK");
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 4, .sdp_ok = 0));
	ok(did_arg(SL_CALL_DO_RESPOND, 488), "a re-INVITE without our codec: 488");
}

/* Our hold and resume by re-INVITE (RFC 3261 §14.1). */
static void
test_hold(void)
{
	answered(1);
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	ok(!did(SL_CALL_DO_REINVITE), "hold before the ACK: no re-INVITE");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	ok(did_arg(SL_CALL_DO_REINVITE, 1) && f.modify == SL_CALL_MODIFY_OFFER_SENT,
	   "hold: a re-INVITE, its answer awaited");
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "... their re-INVITE meanwhile: 491");
	step(EV(.type = SL_CALL_EV_HOLD, .code = 0));
	ok(a.n == 0, "... another of ours meanwhile: nothing");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1));
	ok(did(SL_CALL_DO_REINVITE_ACK) && did_arg(SL_CALL_DO_REINVITE_DONE, 1) && f.held &&
	   f.modify == SL_CALL_MODIFY_NONE, "... its 200: ACK, on hold");
	on(SL_CALL_EV_2XX_AGAIN);
	ok(did(SL_CALL_DO_ACK_AGAIN), "... its 200 again (an incoming call's): ACK again");
	step(EV(.type = SL_CALL_EV_HOLD, .code = 0));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 491));
	ok(did_arg(SL_CALL_SAY_REINVITE_FAILED, 0) && !did(SL_CALL_DO_BYE) && f.held &&
	   f.state == SL_CALL_CONFIRMED, "resume answered 491: said, still on hold, the call goes on");
	step(EV(.type = SL_CALL_EV_HOLD, .code = 0));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 481));
	ok(did(SL_CALL_DO_BYE), "resume answered 481: the dialog is gone, BYE");
	bye_answered(481);
	is_int(outcome(), 0, "... exit 0");

	talking();
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 0, .err = ETIMEDOUT));
	ok(did(SL_CALL_DO_BYE), "no answer at all to our re-INVITE: BYE");
	talking();
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 0));
	ok(did(SL_CALL_DO_REINVITE_ACK) && did(SL_CALL_DO_BYE), "an unusable answer: ACK, then BYE");
	talking();
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	on(SL_CALL_EV_BYE);
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1));
	ok(did(SL_CALL_DO_REINVITE_ACK) && !did(SL_CALL_DO_REINVITE_DONE),
	   "their BYE before our re-INVITE's 200: the 200 is ACKed, nothing taken");
}

/* UPDATE (RFC 3311): a refresh without a body, an offer taken in the
 * call, refused while an offer is out either way. */
static void
test_update(void)
{
	ringing();
	step(EV(.type = SL_CALL_EV_UPDATE));
	ok(did(SL_CALL_DO_UPDATE_OK), "UPDATE without a body in the early dialog: 200");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491) && !did(SL_CALL_DO_UPDATE_OK),
	   "... with an offer while our INVITE's awaits its answer: 491");
	incoming(1);
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 500), "an offer before we answered theirs: 500");
	step(EV(.type = SL_CALL_EV_UPDATE));
	ok(did(SL_CALL_DO_UPDATE_OK) && f.state == SL_CALL_INCOMING, "... without one: 200");
	answered(0);
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "an offer while our 2xx's offer awaits the ACK: 491");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1, .sdp_ok = 1));

	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_UPDATE_OK) && a.n == 1 && f.modify == SL_CALL_MODIFY_NONE &&
	   !armed(SL_CALL_T_RETRANSMIT), "an offer in the call: 200 with our answer, no ACK awaited");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 0));
	ok(did_arg(SL_CALL_DO_RESPOND, 488) && f.state == SL_CALL_CONFIRMED,
	   "... without our codec: 488, the call goes on");
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "an offer while our re-INVITE is out: 491");
	step(EV(.type = SL_CALL_EV_UPDATE));
	ok(did(SL_CALL_DO_UPDATE_OK), "... without one: 200");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "an offer while our 2xx to their re-INVITE awaits the ACK: 491");
	on(SL_CALL_EV_BYE);
	step(EV(.type = SL_CALL_EV_UPDATE));
	ok(did_arg(SL_CALL_DO_RESPOND, 481) && !did(SL_CALL_DO_UPDATE_OK), "after the BYE: 481");
}

/* UPDATE in the early dialog (RFC 3311 §5.1): an offer is taken once the
 * INVITE's answer came in a reliable 1xx (PRACKed), both ways; not after
 * an unreliable one. */
static void
test_update_early(void)
{
	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	ok(f.sdp == SL_CALL_SDP_OFFER_SENT && !did(SL_CALL_DO_TAKE_ANSWER),
	   "outgoing: an unreliable 183's SDP is not the answer yet");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491) && !did(SL_CALL_DO_UPDATE_OK),
	   "... an UPDATE's offer then: 491");

	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180, .rseq = 1));
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "a reliable 180 without SDP: an offer still 491");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .rseq = 2, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_PRACK, 2) && did(SL_CALL_DO_TAKE_ANSWER) &&
	   at(SL_CALL_DO_TAKE_ANSWER) < at(SL_CALL_DO_EARLY_MEDIA) && f.sdp == SL_CALL_SDP_DONE,
	   "a reliable 183 with SDP: PRACKed, its answer taken before the early media");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_UPDATE_OK) && a.n == 1 && f.state == SL_CALL_PROCEEDING &&
	   f.media == SL_CALL_MEDIA_EARLY, "... an UPDATE's offer then: 200 with our answer, still ringing");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 0));
	ok(did_arg(SL_CALL_DO_RESPOND, 488) && f.state == SL_CALL_PROCEEDING,
	   "... one without our codec: 488");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .rseq = 3, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_PRACK, 3) && !did(SL_CALL_DO_TAKE_ANSWER),
	   "... another reliable 183 with SDP: PRACKed, its SDP not taken (RFC 3261 13.2.1)");
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_TAKE_ANSWER) && did(SL_CALL_DO_MEDIA_START) && f.state == SL_CALL_CONFIRMED,
	   "... the 2xx: the answer as the UPDATE left it, the call's media");

	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .rseq = 5, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 302));
	on(SL_CALL_EV_REDIALED);
	ok(f.sdp == SL_CALL_SDP_OFFER_SENT, "redirected: the new INVITE's offer awaits its answer");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180));
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 491), "... an offer in its early dialog: 491");

	/* Incoming: our answer in a reliable 183. */
	sl_call_fsm_init(&f, 0, 0);
	step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = 1, .reliable = 1));
	on(SL_CALL_EV_EARLY);
	ok(did_arg(SL_CALL_DO_EARLY_ANSWER, 1), "incoming: our answer in a reliable 183");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 500) && !did(SL_CALL_DO_UPDATE_OK),
	   "... an offer before its PRACK: 500 (Retry-After)");
	step(EV(.type = SL_CALL_EV_PRACK, .rseq = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && f.sdp == SL_CALL_SDP_DONE, "... its PRACK: the answer final");
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_UPDATE_OK) && a.n == 1 && f.state == SL_CALL_INCOMING &&
	   f.media == SL_CALL_MEDIA_EARLY, "... an offer then: 200 with our answer, the early media on");
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1));
	ok(did(SL_CALL_DO_ANSWER) && !did(SL_CALL_DO_MEDIA_START) && f.media == SL_CALL_MEDIA_UP &&
	   did_arg(SL_CALL_SAY_ANSWERED, 1), "... the answer: 200, the same media goes on");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	ok(f.state == SL_CALL_CONFIRMED && !did(SL_CALL_DO_TAKE_ANSWER), "... its ACK: confirmed");

	incoming(1);
	on(SL_CALL_EV_EARLY);
	step(EV(.type = SL_CALL_EV_UPDATE, .offer = 1, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 500), "an unreliable 183's answer: an offer 500");
}

/* The ms of the last step's start of timer t (-1: not started). */
static int64_t
started(enum sl_call_timer t)
{
	int i;

	for (i = 0; i < a.n; i++)
		if (a.a[i].type == SL_CALL_DO_TIMER_START && a.a[i].arg == (int)t)
			return a.a[i].ms;
	return -1;
}

/* A 2 s session we refresh (by UPDATE when update_ok), its first refresh
 * just sent. */
static void
refresh_due(int update_ok)
{
	ringing();
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1, .se_ms = 2000, .se_us = 1,
		.update_ok = update_ok));
	fire(SL_CALL_T_SESSION);
}

/* The last step failed our refresh for good: BYE, then exit 9. */
static void
refresh_failed(const char *what)
{
	ok(!did(SL_CALL_DO_REFRESH) && did(SL_CALL_SAY_REFRESH_FAILED) && did(SL_CALL_DO_BYE), "%s",
	   what);
	bye_answered(200);
	is_int(outcome(), SL_EXIT_EXPIRED, "... exit 9");
}

/* Session timers (RFC 4028): our refresh at half the interval, by UPDATE
 * or re-INVITE, the end of a session nobody refreshes, a refresh that
 * fails, theirs, 422 both ways. */
static void
test_session(void)
{
	ringing();
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1, .se_ms = 90000, .se_us = 1,
		.update_ok = 1));
	is_int((int)started(SL_CALL_T_SESSION), 45000, "we refresh a 90 s session: at 45 s");
	ok(did_arg(SL_CALL_SAY_SESSION, 0), "... said");
	fire(SL_CALL_T_SESSION);
	ok(did_arg(SL_CALL_DO_REFRESH, 1), "... by UPDATE, which the peer allows");
	is_int((int)started(SL_CALL_T_SESSION), 15000,
	       "... and the session ends at 60 s (32 s before, or a third) without its answer");
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 200, .se_ms = 90000, .se_us = 1));
	ok(did_arg(SL_CALL_SAY_SESSION, 1) && started(SL_CALL_T_SESSION) == 45000,
	   "its 200: refreshed, the next at 45 s");
	fire(SL_CALL_T_SESSION);
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 405));
	ok(did(SL_CALL_SAY_REFRESH_FAILED) && did_arg(SL_CALL_DO_REFRESH, 0) &&
	   f.modify == SL_CALL_MODIFY_OFFER_SENT && !did(SL_CALL_DO_BYE),
	   "an UPDATE refused (405): a re-INVITE instead");
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	ok(!did(SL_CALL_DO_REINVITE), "... a hold meanwhile waits (nothing sent)");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1, .se_ms = 90000,
		.se_us = 1));
	ok(did(SL_CALL_DO_REINVITE_ACK) && did_arg(SL_CALL_DO_REINVITE_DONE, 2) &&
	   started(SL_CALL_T_SESSION) == 45000 && !f.held,
	   "... its 200: ACKed, taken without a hold event, refreshed");
	fire(SL_CALL_T_SESSION);
	ok(did_arg(SL_CALL_DO_REFRESH, 0), "the next refresh: a re-INVITE");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 408));
	ok(did(SL_CALL_SAY_REFRESH_FAILED) && did(SL_CALL_DO_BYE), "... 408: BYE");
	bye_answered(200);
	is_int(outcome(), SL_EXIT_EXPIRED, "... exit 9");

	talking();
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1, .se_ms = 6000));
	ok(started(SL_CALL_T_SESSION) == 4000 && did_arg(SL_CALL_DO_REINVITE_DONE, 1),
	   "our hold's 200 sets a 6 s session the peer refreshes: ended at 4 s");
	fire(SL_CALL_T_SESSION);
	ok(did(SL_CALL_SAY_SESSION_EXPIRED) && did(SL_CALL_DO_BYE),
	   "... nobody refreshed it: BYE");
	bye_answered(200);
	is_int(outcome(), SL_EXIT_EXPIRED, "... exit 9");

	talking();
	step(EV(.type = SL_CALL_EV_HOLD, .code = 1));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1, .se_ms = 6000));
	step(EV(.type = SL_CALL_EV_HOLD, .code = 0));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1));
	ok(!armed(SL_CALL_T_SESSION), "a 2xx without Session-Expires: no timer any more");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 0, .err = ETIMEDOUT));

	/* Incoming: the peer refreshes. */
	incoming(1);
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1, .se_ms = 6000));
	is_int((int)started(SL_CALL_T_SESSION), 4000, "answered, the caller refreshes 6 s: ended at 4 s");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	step(EV(.type = SL_CALL_EV_UPDATE, .se_ms = 6000));
	ok(did(SL_CALL_DO_UPDATE_OK) && did_arg(SL_CALL_SAY_SESSION, 2) &&
	   started(SL_CALL_T_SESSION) == 4000, "their UPDATE refreshes it: 4 s again");
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 2, .sdp_ok = 1, .se_ms = 8000));
	ok(did(SL_CALL_DO_REINVITE_OK) && started(SL_CALL_T_SESSION) == 8000 - 2666,
	   "their re-INVITE too, with its interval");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 2));
	step(EV(.type = SL_CALL_EV_UPDATE, .code = 422));
	ok(did_arg(SL_CALL_DO_RESPOND, 422) && !did(SL_CALL_DO_UPDATE_OK) &&
	   !did(SL_CALL_DO_TIMER_START), "an UPDATE below our Min-SE: 422, the timer runs on");
	step(EV(.type = SL_CALL_EV_REINVITE, .cseq = 3, .sdp_ok = 1, .code = 422));
	ok(did_arg(SL_CALL_DO_RESPOND, 422) && !did(SL_CALL_DO_REINVITE_OK),
	   "a re-INVITE below it: 422");
	fire(SL_CALL_T_SESSION);
	ok(did(SL_CALL_SAY_SESSION_EXPIRED) && did(SL_CALL_DO_BYE), "no refresh came: BYE");
	bye_answered(200);
	is_int(outcome(), SL_EXIT_EXPIRED, "... exit 9");
	incoming(1);
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1));
	ok(!did(SL_CALL_DO_TIMER_START) || started(SL_CALL_T_SESSION) < 0,
	   "answered without a session interval: no session timer");

	/* 422 to our refresh (RFC 4028 §7.3): once again with its Min-SE. */
	refresh_due(1);
	ok(did_arg(SL_CALL_DO_REFRESH, 1) && f.se.asking == 0, "a 2 s session: our UPDATE at 1 s");
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 422, .se_ms = 4000));
	ok(did_arg(SL_CALL_DO_REFRESH, 1) && f.se.asking == 4000 && !did(SL_CALL_SAY_REFRESH_FAILED) &&
	   !did(SL_CALL_DO_BYE), "... 422, Min-SE 4: the UPDATE again, asking for 4 s");
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 200, .se_ms = 4000, .se_us = 1));
	ok(did_arg(SL_CALL_SAY_SESSION, 1) && started(SL_CALL_T_SESSION) == 2000 && f.se.asking == 0,
	   "... its 200: refreshed, the next at half the new interval (2 s)");
	fire(SL_CALL_T_SESSION);
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 422, .se_ms = 8000));
	ok(did_arg(SL_CALL_DO_REFRESH, 1) && f.se.asking == 8000, "the next refresh may be tried again too");
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 422, .se_ms = 16000));
	refresh_failed("... a 422 again: failed, BYE");

	refresh_due(1);
	step(EV(.type = SL_CALL_EV_REFRESH_ANSWERED, .code = 422, .se_ms = 2000));
	refresh_failed("a 422 whose Min-SE is no larger: failed, BYE");

	refresh_due(0);
	ok(did_arg(SL_CALL_DO_REFRESH, 0), "a peer without UPDATE: our re-INVITE refreshes");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 422, .se_ms = 3000));
	ok(did_arg(SL_CALL_DO_REFRESH, 0) && f.se.asking == 3000 &&
	   f.modify == SL_CALL_MODIFY_OFFER_SENT, "... 422, Min-SE 3: the re-INVITE again");
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 200, .sdp_ok = 1, .se_ms = 3000,
		.se_us = 1));
	ok(did(SL_CALL_DO_REINVITE_ACK) && did_arg(SL_CALL_SAY_SESSION, 1) &&
	   started(SL_CALL_T_SESSION) == 1500, "... its 200: ACKed, refreshed, the next at 1.5 s");
	fire(SL_CALL_T_SESSION);
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 422, .se_ms = 6000));
	step(EV(.type = SL_CALL_EV_REINVITE_ANSWERED, .code = 422, .se_ms = 12000));
	refresh_failed("... 422 twice: BYE");

	/* 422 to our INVITE: once again, then as any failure. */
	ringing();
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 422));
	ok(did(SL_CALL_DO_RETRY_422) && f.state == SL_CALL_REDIRECTING, "422: our INVITE again");
	on(SL_CALL_EV_REDIALED);
	ok(f.state == SL_CALL_CALLING && f.hops == 0, "... sent: calling, not a redirection");
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 422));
	ok(!did(SL_CALL_DO_RETRY_422) && did(SL_CALL_SAY_REJECTED), "a second 422: rejected");
	is_int(outcome(), SL_EXIT_REJECTED, "... exit 1");
	ringing();
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 422));
	on(SL_CALL_EV_NO_TARGET);
	ok(did(SL_CALL_SAY_REJECTED), "a 422 that cannot be tried again: rejected");
	is_int(outcome(), SL_EXIT_REJECTED, "... exit 1");
}

static void
test_bye(void)
{
	confirmed();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	ok(did(SL_CALL_DO_BYE) && at(SL_CALL_DO_BYE) < at(SL_CALL_DO_MEDIA_STOP),
	   "our hang-up: the BYE leaves before the media is stopped");
	bye_answered(408);
	ok(did(SL_CALL_SAY_BYE_FAILED) && outcome() == 0, "a 408 to our BYE: said, exit 0");

	confirmed();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	bye_answered(481);
	ok(!did(SL_CALL_SAY_BYE_FAILED) && outcome() == 0, "a 481 to our BYE: nothing said, exit 0");

	confirmed();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	bye_answered(0);
	ok(did(SL_CALL_SAY_BYE_FAILED) && outcome() == 0, "no answer to our BYE: said, exit 0");

	confirmed();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	fire(SL_CALL_T_END_WAIT);
	ok(did(SL_CALL_DO_ABANDON_BYE) && outcome() == 0, "our BYE's transaction silent: given up, exit 0");

	confirmed();
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "interrupted"));
	on(SL_CALL_EV_BYE);
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && f.state == SL_CALL_ENDED,
	   "their BYE while ours is out: 200, the call is over");
	bye_answered(481);
	ok(a.n == 0 && outcome() == 0, "... the 481 to ours says nothing; exit 0");

	confirmed();
	on(SL_CALL_EV_BYE);
	ok(did_arg(SL_CALL_SAY_HANGUP, 0) && outcome() == 0, "their BYE: exit 0");
	on(SL_CALL_EV_BYE);
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && a.n == 1, "... a BYE again: 200 again, nothing else");
}

static void
test_media(void)
{
	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	ok(did(SL_CALL_DO_EARLY_MEDIA) && f.media == SL_CALL_MEDIA_EARLY, "a 183 with SDP: early media");
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 8));
	ok(a.n == 0 && f.status < 0 && f.state == SL_CALL_PROCEEDING,
	   "the early media exiting (8) during early media: the call goes on, nothing decided");
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_MEDIA_START), "... the answer starts the media");
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	ok(did(SL_CALL_DO_BYE) && did_arg(SL_CALL_SAY_HANGUP, 1), "the media exiting after the answer: BYE");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	dial(1);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	ok(!did(SL_CALL_DO_EARLY_MEDIA), "a media command: no early media");

	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 486));
	ok(did(SL_CALL_DO_MEDIA_STOP) && f.state == SL_CALL_ENDED && outcome() == 2,
	   "early media, then 486: the media stopped, exit 2 once it has exited");

	talking();
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 8));
	ok(did(SL_CALL_SAY_MEDIA_LOST) && did(SL_CALL_DO_BYE), "media lost: said, BYE");
	on(SL_CALL_EV_BYE);
	is_int(outcome(), 8, "... exit 8, whatever comes after");

	confirmed();
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 127));
	bye_answered(200);
	is_int(outcome(), 127, "a media command not found: exit 127");

	talking();
	step(EV(.type = SL_CALL_EV_MEDIA_FAILED, .running = 0));
	ok(did(SL_CALL_DO_BYE) && f.media == SL_CALL_MEDIA_NONE, "the media could not start: BYE");
	bye_answered(200);
	is_int(outcome(), 126, "... exit 126");

	answered(1);
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	ok(!did(SL_CALL_DO_BYE) && f.state == SL_CALL_ANSWERED_HANGUP,
	   "the media exiting before the ACK: the BYE waits for it");
}

/* ---- whatever comes ---- */

static uint32_t seed = 12345;

static unsigned
rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

/* A random event, of any type, with plausible fields. */
static void
random_event(struct sl_call_ev *ev)
{
	static const int codes[] = { 100, 180, 183, 200, 302, 403, 404, 408, 422, 481, 491,
				     486, 487, 500, 603 };
	static const int errs[] = { ETIMEDOUT, ECONNREFUSED, ENOMEM };

	memset(ev, 0, sizeof *ev);
	ev->type = (enum sl_call_ev_type)rnd(SL_CALL_EV_TIMER + 1);
	ev->code = ev->type == SL_CALL_EV_MEDIA_EXITED ? (int)rnd(2) * 8 :
		   codes[rnd(sizeof codes / sizeof codes[0])];
	ev->err = ev->type == SL_CALL_EV_BYE_ANSWERED && rnd(2) ? 0 :
		  errs[rnd(sizeof errs / sizeof errs[0])];
	ev->timer = (int)rnd(SL_CALL_T_COUNT);
	ev->sdp_ok = (int)rnd(2);
	ev->dialog_ok = (int)rnd(4) != 0;
	ev->authorized = (int)rnd(2);
	ev->running = (int)rnd(2);
	ev->cseq = 1 + rnd(2);
	ev->ms = rnd(2) ? 64000 : 0;
	ev->reason = "random";
	ev->offer = (int)rnd(2);
	ev->se_ms = rnd(2) ? 6000 : 0;
	ev->se_us = (int)rnd(2);
	ev->update_ok = (int)rnd(2);
}

/* What must hold after any step (status_was, done_was: before it);
 * *finished counts the times the tool was told. */
static const char *
broken(int status_was, int done_was, int *finished)
{
	int i;

	if (a.n >= SL_CALL_ACTS_MAX)
		return "as many actions as the list holds";
	if (status_was >= 0 && f.status != status_was)
		return "the exit status changed once decided";
	if ((f.state == SL_CALL_ENDED || f.state == SL_CALL_DONE) && f.timers)
		return "a timer armed after the signalling ended";
	if (f.state == SL_CALL_DONE && f.media != SL_CALL_MEDIA_NONE)
		return "over while media runs";
	for (i = 0; i < a.n; i++) {
		if (a.a[i].type == SL_CALL_DO_FINISH &&
		    (++*finished > 1 || f.state != SL_CALL_DONE || a.a[i].arg < 0))
			return "the tool told twice, too soon, or without a status";
		if (done_was && a.a[i].type != SL_CALL_DO_RESPOND &&
		    a.a[i].type != SL_CALL_DO_ACK_AGAIN &&
		    a.a[i].type != SL_CALL_DO_REINVITE_ACK)
			return "an action after the end other than an answer";
	}
	return NULL;
}

/* One step of a walk, checked. */
static const char *
walk_step(const struct sl_call_ev *ev, int *finished)
{
	int status_was = f.status, done_was = f.state == SL_CALL_DONE;

	step(ev);
	return broken(status_was, done_was, finished);
}

/* Drives a call to its end as the world would: timers fire, media
 * exits, a pending redirection finds no target, and, when nothing is
 * left to wait for, the user hangs up.  Returns the steps it took. */
static int
run_out(int *finished, const char **why)
{
	int n, t;

	for (n = 0; n < 200 && f.state != SL_CALL_DONE && *why == NULL; n++) {
		for (t = 0; t < SL_CALL_T_COUNT && !armed(t); t++)
			;
		if (f.state == SL_CALL_REDIRECTING)
			*why = walk_step(EV(.type = SL_CALL_EV_NO_TARGET), finished);
		else if (t < SL_CALL_T_COUNT)
			*why = walk_step(EV(.type = SL_CALL_EV_TIMER, .timer = t), finished);
		else if (f.media != SL_CALL_MEDIA_NONE)
			*why = walk_step(EV(.type = SL_CALL_EV_MEDIA_EXITED), finished);
		else
			*why = walk_step(EV(.type = SL_CALL_EV_HANGUP, .reason = "random"), finished);
	}
	return n;
}

static void
test_random_walks(void)
{
	struct sl_call_ev ev;
	const char *why = NULL;
	int walk, i, finished, most = 0, n, stuck = 0;

	for (walk = 0; walk < 5000 && why == NULL; walk++) {
		sl_call_fsm_init(&f, rnd(2) ? 1500 : 0, (int)rnd(2));
		finished = 0;
		if (rnd(2))
			step(EV(.type = SL_CALL_EV_DIAL, .ms = 64000));
		else
			step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = (int)rnd(2)));
		for (i = 0; i < 40 && why == NULL; i++) {
			random_event(&ev);
			why = walk_step(&ev, &finished);
		}
		n = run_out(&finished, &why);
		if (n > most)
			most = n;
		if (f.state != SL_CALL_DONE || finished != 1)
			stuck++;
	}
	if (!ok(why == NULL, "5000 random walks: the status decided once, the end said once, "
		"nothing sent or armed after it"))
		diag("walk %d: %s (state %s)", walk, why, state());
	ok(stuck == 0, "... and each call ended once its timers ran out and its media exited "
	   "(at most %d steps)", most);
}

static void
test_other(void)
{
	sl_call_fsm_init(&f, 1500, 0);
	step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1));
	ok(!armed(SL_CALL_T_DURATION), "--duration runs from the ACK, not the 2xx");
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	ok(armed(SL_CALL_T_DURATION), "... armed at the ACK");
	fire(SL_CALL_T_DURATION);
	ok(did(SL_CALL_DO_BYE), "--duration reached: BYE");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	sl_call_fsm_init(&f, 0, 0);
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	is_int(outcome(), 0, "a hang-up before anything: over, exit 0");
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	ok(a.n == 0, "... a hang-up after the end does nothing");

	confirmed();
	step(EV(.type = SL_CALL_EV_ACK, .cseq = 1));
	ok(a.n == 0, "a retransmitted ACK changes nothing");
	ok(strcmp(sl_call_state_name(SL_CALL_DONE), "DONE") == 0 &&
	   strcmp(sl_call_state_name((enum sl_call_state)99), "?") == 0, "state names");
}

/* ---- reliable provisionals and early media (RFC 3262) ---- */

static void
test_prack(void)
{
	dial(0);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180, .rseq = 7));
	ok(did_arg(SL_CALL_DO_PRACK, 7) && did_arg(SL_CALL_SAY_PROGRESS, 180),
	   "outgoing: a reliable 180 is PRACKed (its RSeq) and taken");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180, .rseq = 7));
	ok(a.n == 0, "... the same RSeq again (a retransmission): no PRACK, nothing said");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .rseq = 9, .sdp_ok = 1));
	ok(a.n == 0 && f.media == SL_CALL_MEDIA_NONE, "... one out of order (RSeq 9 after 7): dropped");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .rseq = 8, .sdp_ok = 1));
	ok(did_arg(SL_CALL_DO_PRACK, 8) && did(SL_CALL_DO_EARLY_MEDIA) &&
	   at(SL_CALL_DO_PRACK) < at(SL_CALL_DO_EARLY_MEDIA),
	   "... the next (RSeq 8, SDP): PRACK, then early media");
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180));
	ok(!did(SL_CALL_DO_PRACK) && did(SL_CALL_SAY_PROGRESS), "an unreliable 1xx: no PRACK");
	step(EV(.type = SL_CALL_EV_FAILURE, .code = 302));
	on(SL_CALL_EV_REDIALED);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 180, .rseq = 3));
	ok(did_arg(SL_CALL_DO_PRACK, 3), "... a redirected INVITE has RSeqs of its own");

	/* A command and --early-media: it runs for the early media, then
	 * anew once it has stopped at the answer. */
	dial(1);
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	ok(!did(SL_CALL_DO_EARLY_MEDIA), "a command without --early-media: no early media");
	dial(1);
	f.early_cmd = 1;
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	ok(did(SL_CALL_DO_EARLY_MEDIA), "--early-media: the command runs for early media");
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	ok(did(SL_CALL_DO_MEDIA_STOP) && !did(SL_CALL_DO_MEDIA_START) && f.restart,
	   "... the answer stops it first");
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 8));
	ok(did(SL_CALL_DO_MEDIA_START) && f.media == SL_CALL_MEDIA_UP && f.status < 0,
	   "... and once it has exited, the call's starts (its status unused)");
	dial(1);
	f.early_cmd = 1;
	step(EV(.type = SL_CALL_EV_PROVISIONAL, .code = 183, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_2XX, .dialog_ok = 1, .sdp_ok = 1));
	step(EV(.type = SL_CALL_EV_HANGUP, .reason = "terminated"));
	ok(did(SL_CALL_DO_BYE), "... a hang-up before it has: BYE");
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	ok(!did(SL_CALL_DO_MEDIA_START), "... and no media starts after it");
	bye_answered(200);
	is_int(outcome(), 0, "... exit 0");

	/* Incoming: our 180 reliable, the answer waits for its PRACK. */
	sl_call_fsm_init(&f, 0, 0);
	step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = 1, .reliable = 1));
	on(SL_CALL_EV_RING);
	ok(did_arg(SL_CALL_DO_RING, 1) && f.rel.rseq == 1 && armed(SL_CALL_T_PROVISIONAL),
	   "incoming, 100rel: a reliable 180 (RSeq 1), retransmitted until its PRACK");
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 5));
	ok(!did(SL_CALL_DO_ANSWER) && f.state == SL_CALL_INCOMING,
	   "... the answer waits for the PRACK (RFC 3262 3)");
	fire(SL_CALL_T_PROVISIONAL);
	ok(did(SL_CALL_DO_RESEND_1XX) && f.rel.interval == 2 * SL_CALL_T1_MS,
	   "... T1 later the 180 again, the interval doubled");
	step(EV(.type = SL_CALL_EV_PRACK, .rseq = 2));
	ok(did_arg(SL_CALL_DO_RESPOND, 481) && !did(SL_CALL_DO_ANSWER),
	   "... a PRACK of another RSeq: 481");
	step(EV(.type = SL_CALL_EV_PRACK, .rseq = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 200) && did(SL_CALL_DO_ANSWER) &&
	   at(SL_CALL_DO_RESPOND) < at(SL_CALL_DO_ANSWER) && !armed(SL_CALL_T_PROVISIONAL),
	   "... its PRACK: 200, then the 200 to the INVITE");
	ok(f.ok.cseq == 5, "... for the INVITE's CSeq");
	step(EV(.type = SL_CALL_EV_PRACK, .rseq = 1));
	ok(did_arg(SL_CALL_DO_RESPOND, 481), "... the PRACK again, in a new transaction: 481");

	sl_call_fsm_init(&f, 0, 0);
	step(EV(.type = SL_CALL_EV_INVITE, .sdp_ok = 1, .reliable = 1));
	on(SL_CALL_EV_RING);
	while (f.state == SL_CALL_INCOMING && did(SL_CALL_DO_TIMER_START) < 2 && a.n)
		fire(SL_CALL_T_PROVISIONAL);
	ok(did(SL_CALL_SAY_NO_PRACK) && did_arg(SL_CALL_DO_REFUSE, 504) && outcome() == 7,
	   "no PRACK within 64*T1: 504, exit 7");

	/* Early media of ours: 183, the media at once, the 200 later. */
	incoming(1);
	on(SL_CALL_EV_EARLY);
	ok(did_arg(SL_CALL_DO_EARLY_ANSWER, 0) && did(SL_CALL_DO_MEDIA_START) &&
	   f.media == SL_CALL_MEDIA_EARLY, "early answer: 183, the media from now on");
	step(EV(.type = SL_CALL_EV_ANSWER, .cseq = 1));
	ok(did(SL_CALL_DO_ANSWER) && !did(SL_CALL_DO_MEDIA_START) && f.media == SL_CALL_MEDIA_UP,
	   "... the answer: 200, the same media goes on");
	incoming(1);
	on(SL_CALL_EV_EARLY);
	step(EV(.type = SL_CALL_EV_MEDIA_EXITED, .code = 0));
	ok(did_arg(SL_CALL_DO_REFUSE, 480) && outcome() == 4,
	   "... its command exits unanswered: 480, exit 4");
	incoming(0);
	on(SL_CALL_EV_EARLY);
	ok(a.n == 0, "... none without an offer to answer");
}

int
main(void)
{
	test_outcomes();
	test_noanswer();
	test_cancel_crosses_2xx();
	test_2xx_again();
	test_unusable_2xx();
	test_redirect();
	test_bye_before_ack();
	test_hangup_awaiting_ack();
	test_no_ack();
	test_delayed_offer();
	test_ringing_in();
	test_reinvite();
	test_hold();
	test_update();
	test_update_early();
	test_session();
	test_bye();
	test_media();
	test_prack();
	test_other();
	test_random_walks();
	return done_testing();
}
