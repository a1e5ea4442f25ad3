/* Answering one call: the checks in front of it (source, screening), the
 * ringing, and routing every message of it to the call. */
#include "answer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

struct answerer {
	struct sl_loop *loop;
	struct sl_sip *sip;
	const struct sl_answer_config *ac;
	struct sl_call *call;
	pid_t screen_pid;
	struct sl_timer ring_timer;
	struct sl_timer screen_timer;
	struct sl_timer stop_timer;
	int64_t linger_until;
	int unusable;               /* the call's INVITE was refused as unusable */
	struct sl_call *retired;    /* such a call, freed later */
	int status;
	int stopping;
	struct sl_control_src control;
	/* --allow-transfer: the calls placed for REFERs, newest last, and
	 * the configuration they and the answered call have. */
	struct sl_call *xfer[SL_ANSWER_XFER_MAX];
	int nxfer;
	struct sl_call_config cfg;
};

int
sl_answer_accept_from(struct sl_answer_config *ac, const char *host)
{
	struct addrinfo hints, *res, *ai;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return rc;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ac->naccept == SL_ACCEPT_MAX) {
			freeaddrinfo(res);
			return ENOSPC;
		}
		memcpy(&ac->accept[ac->naccept].ss, ai->ai_addr, ai->ai_addrlen);
		ac->accept[ac->naccept].len = ai->ai_addrlen;
		ac->naccept++;
	}
	freeaddrinfo(res);
	return 0;
}

int
sl_answer_allowed(const struct sl_answer_config *ac, const struct sl_addr *src)
{
	int i;

	if (ac->naccept == 0)
		return 1;
	for (i = 0; i < ac->naccept; i++)
		if (sl_addr_same_host(&ac->accept[i], src))
			return 1;
	return 0;
}

int
sl_answer_screen_verdict(int code)
{
	switch (code) {
	case 0: return 0;
	case SL_EXIT_BUSY: return 486;
	case SL_EXIT_DECLINED: return 603;
	case SL_EXIT_NOANSWER: return 480;
	case SL_EXIT_NOTFOUND: return 404;
	}
	return 603;
}

/* After the call: stays while a refusal we sent still waits for its ACK
 * (it is retransmitted until then: a lost 486 must not turn into "no
 * response" for the caller), at most SL_ANSWER_LINGER_MS. */
static void
on_stop_timer(void *arg)
{
	struct answerer *an = arg;

	if (sl_sip_awaiting_ack(an->sip) && sl_now_ms() < an->linger_until) {
		sl_timer_start(an->loop, &an->stop_timer, 50, on_stop_timer, an);
		return;
	}
	sl_loop_stop(an->loop);
}

/* The call of the moment: the newest placed by transfer, else the
 * answered one. */
static struct sl_call *
current(struct answerer *an)
{
	return an->nxfer ? an->xfer[an->nxfer - 1] : an->call;
}

/* The call (answered, or placed by transfer) that msg belongs to, or
 * NULL. */
static struct sl_call *
owner(struct answerer *an, const osip_message_t *msg)
{
	int i;

	if (an->call && sl_call_owns(an->call, msg))
		return an->call;
	for (i = 0; i < an->nxfer; i++)
		if (sl_call_owns(an->xfer[i], msg))
			return an->xfer[i];
	return NULL;
}

/* 1 while a call but this one goes on. */
static int
others_active(struct answerer *an, const struct sl_call *call)
{
	int i;

	if (an->call && an->call != call && sl_call_active(an->call))
		return 1;
	for (i = 0; i < an->nxfer; i++)
		if (an->xfer[i] != call && sl_call_active(an->xfer[i]))
			return 1;
	return 0;
}

static void on_call_end(struct sl_call *call, int status, void *arg);

/* --allow-transfer: the caller of c asked (REFER) for a call to target,
 * which replaces c; its progress goes back to the caller in NOTIFYs. */
static void
on_refer(struct sl_call *c, const char *target, void *arg)
{
	struct answerer *an = arg;
	struct sl_call *n;
	int err;

	if (an->nxfer == SL_ANSWER_XFER_MAX || an->stopping ||
	    sl_call_new(an->sip, an->loop, &an->cfg, on_call_end, an, &n) != 0) {
		sl_call_transfer_progress(c, 503, NULL);
		return;
	}
	sl_call_transfer_for(n, c);
	if ((err = sl_call_dial(n, target, SL_ANSWER_XFER_TIMEOUT)) != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to call %s", target);
		sl_call_free(n);
		sl_call_transfer_progress(c, 503, NULL);
		return;
	}
	an->xfer[an->nxfer++] = n;
}

static void
on_call_end(struct sl_call *call, int status, void *arg)
{
	struct answerer *an = arg;

	if (an->unusable && !an->stopping && !an->ac->one_invite) {
		/* An INVITE we could not take (bad SDP) is not the call we
		 * wait for: keep waiting.  A serve-mode call process has no
		 * other to wait for: it ends, and frees its call slot. */
		an->unusable = 0;
		an->retired = an->call;
		an->call = NULL;
		return;
	}
	/* The exit status is that of the call that ends last: the one that
	 * replaced the others, when a transfer was followed. */
	an->status = status;
	if (!others_active(an, call))
		sl_loop_stop(an->loop);
}

static void
on_ring_done(void *arg)
{
	struct answerer *an = arg;

	sl_call_answer(an->call);
}

/* The call passed every check: ring, then answer; or early media (183),
 * answered by the control line answer or after --ring (an INVITE without
 * an offer has no early media: it rings). */
static void
ring_and_answer(struct answerer *an)
{
	if (an->ac->early_media && sl_call_early(an->call) == 0) {
		if (an->ac->ring > 0)
			sl_timer_start(an->loop, &an->ring_timer, (int64_t)(an->ac->ring * 1000),
				       on_ring_done, an);
		return;
	}
	sl_call_ring(an->call);
	if (an->ac->ring > 0)
		sl_timer_start(an->loop, &an->ring_timer, (int64_t)(an->ac->ring * 1000),
			       on_ring_done, an);
	else
		sl_call_answer(an->call);
}

static void
on_screen_exit(pid_t pid, int status, void *arg)
{
	struct answerer *an = arg;
	int code = sl_child_exit_code(status);
	int verdict = sl_answer_screen_verdict(code);

	an->screen_pid = 0;
	sl_timer_stop(an->loop, &an->screen_timer);
	if (!sl_call_active(an->call))
		return;
	if (code != 0 && code != SL_EXIT_BUSY && code != SL_EXIT_DECLINED &&
	    code != SL_EXIT_NOANSWER && code != SL_EXIT_NOTFOUND)
		sl_warn("screening program exited with %d: declining", code);
	sl_event("screened verdict=%d call-id=%s", verdict ? verdict : 200,
		 sl_call_id(an->call));
	if (verdict)
		sl_call_reject(an->call, verdict);
	else
		ring_and_answer(an);
}

static void
on_screen_timeout(void *arg)
{
	struct answerer *an = arg;

	if (an->screen_pid) {
		sl_warn("screening program took over %d s: declining", SL_SCREEN_TIMEOUT_MS / 1000);
		kill(an->screen_pid, SIGKILL);
	}
}

/* Runs the screening program with the caller's identity in SIP_* (the
 * values are cleaned by the call: printable, bounded) and its stdout on
 * our stderr, so that it can never write into the audio. */
static void
screen(struct answerer *an)
{
	char *argv[] = { (char *)an->ac->screen, NULL };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fdmap[] = { devnull, 0, 2, 1, -1 };
	int err;

	sl_call_export_env(an->call);
	err = sl_spawn(argv, fdmap, -1, &an->screen_pid);
	if (devnull >= 0)
		close(devnull);
	if (err) {
		sl_warn_err(err, "unable to run %s: declining", an->ac->screen);
		sl_call_reject(an->call, 603);
		return;
	}
	sl_child_watch(an->loop, an->screen_pid, on_screen_exit, an);
	sl_timer_start(an->loop, &an->screen_timer, SL_SCREEN_TIMEOUT_MS, on_screen_timeout, an);
}

static void
new_call(struct answerer *an, struct sl_server *srv, osip_message_t *req)
{
	int code, err;

	if ((err = sl_call_new(an->sip, an->loop, &an->cfg, on_call_end, an, &an->call)) != 0) {
		sl_server_reply(srv, 500);
		return;
	}
	if (an->retired) {
		sl_call_free(an->retired);
		an->retired = NULL;
	}
	code = sl_call_incoming(an->call, srv, req);
	if (code) {
		an->unusable = 1;
		sl_call_reject(an->call, code);
		return;
	}
	if (an->ac->reject) {
		sl_call_reject_to(an->call, an->ac->reject, an->ac->redirect);
		return;
	}
	if (an->ac->screen)
		screen(an);
	else
		ring_and_answer(an);
}

static void
on_request(struct sl_server *srv, osip_message_t *req, void *arg)
{
	struct answerer *an = arg;
	const struct sl_addr *src = sl_server_source(srv);
	struct sl_call *c;

	if (an->call && sl_call_retransmission(an->call, srv, req))
		return;
	if ((c = owner(an, req)) != NULL) {
		sl_call_request(c, srv, req);
		return;
	}
	if (MSG_IS_INVITE(req) && req->to && !sl_msg_has_to_tag(req)) {
		char a[SL_ADDR_STRLEN];

		if (!sl_answer_allowed(an->ac, src)) {
			sl_warn("refusing INVITE from %s: not an --accept-from source",
				sl_addr_str(src, a));
			sl_server_reply(srv, 403);
			return;
		}
		if (an->call || an->stopping) {
			sl_server_reply(srv, 486);
			return;
		}
		new_call(an, srv, req);
		return;
	}
	if (sl_answer_message(an->ac, an->loop, srv, req))
		return;
	sl_server_reply_other(srv, req);
}

int
sl_answer_message(const struct sl_answer_config *ac, struct sl_loop *loop,
		  struct sl_server *srv, osip_message_t *req)
{
	char a[SL_ADDR_STRLEN];

	if (!MSG_IS_MESSAGE(req) || sl_msg_has_to_tag(req))
		return 0;
	if (!sl_answer_allowed(ac, sl_server_source(srv))) {
		sl_warn("refusing MESSAGE from %s: not an --accept-from source",
			sl_addr_str(sl_server_source(srv), a));
		sl_server_reply(srv, 403);
	} else {
		sl_message_receive(&ac->message, loop, srv, req);
	}
	return 1;
}

static void
on_stray(osip_message_t *msg, const struct sl_addr *src, void *arg)
{
	struct answerer *an = arg;
	struct sl_call *c = owner(an, msg);

	if (c)
		sl_call_stray(c, msg);
}

static void
on_signal(int signo, void *arg)
{
	struct answerer *an = arg;
	const char *why = signo == SIGINT ? "interrupted" : "terminated";
	int i;

	if (an->stopping++)
		return;
	if (an->call && (sl_call_active(an->call) || others_active(an, an->call))) {
		if (an->screen_pid)
			kill(an->screen_pid, SIGTERM);
		sl_call_hangup(an->call, why);
		for (i = 0; i < an->nxfer; i++)
			sl_call_hangup(an->xfer[i], why);
		return;
	}
	an->status = SL_EXIT_OK;
	sl_loop_stop(an->loop);
}

/* A line of --control-fd: for the call of the moment. */
static void
on_control(const char *line, size_t len, void *arg)
{
	struct answerer *an = arg;
	struct sl_call *c = current(an);

	if (c && sl_call_active(c))
		sl_call_control(c, line, len);
	else
		sl_event("control-error reason=\"no call\"");
}

int
sl_answer_run(struct sl_loop *loop, struct sl_sip *sip,
	      const struct sl_answer_config *ac)
{
	struct answerer an;
	int err;

	memset(&an, 0, sizeof an);
	an.loop = loop;
	an.sip = sip;
	an.ac = ac;
	an.cfg = ac->call;
	if (ac->allow_transfer) {
		an.cfg.on_refer = on_refer;
		an.cfg.refer_arg = &an;
	}
	sl_sip_on_request(sip, on_request, &an);
	sl_sip_on_stray(sip, on_stray, &an);
	sl_loop_signal(loop, SIGINT, on_signal, &an);
	sl_loop_signal(loop, SIGTERM, on_signal, &an);
	sl_loop_signal(loop, SIGHUP, on_signal, &an);
	an.control.fd = -1;
	if (ac->control_fd >= 0 &&
	    (err = sl_control_src_start(&an.control, loop, ac->control_fd, on_control, &an)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to read --control-fd %d", ac->control_fd);
	if ((err = sl_loop_run(loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	/* More rounds: a refusal decided in a timer or a child's exit (the
	 * screening verdict, a signal while ringing) has its final response
	 * queued in the transaction, and it leaves only when the loop runs
	 * the SIP hook, which a round starts with; then it waits for its
	 * ACK. */
	an.linger_until = sl_now_ms() + SL_ANSWER_LINGER_MS;
	sl_timer_start(loop, &an.stop_timer, 0, on_stop_timer, &an);
	if ((err = sl_loop_run(loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	sl_timer_stop(loop, &an.ring_timer);
	sl_timer_stop(loop, &an.screen_timer);
	if (an.screen_pid)
		sl_child_unwatch(an.screen_pid);
	sl_control_src_stop(&an.control);
	sl_call_free(an.call);
	sl_call_free(an.retired);
	while (an.nxfer > 0)
		sl_call_free(an.xfer[--an.nxfer]);
	return an.status;
}
