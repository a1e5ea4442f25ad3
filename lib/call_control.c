/* A call's control channel (sipline(7), CONTROL CHANNEL): the lines its
 * media command writes on descriptor 8 (or the tool's --control-fd
 * carries), parsed by control.c and carried out here, each answered by an
 * event line: hangup, dtmf (RFC 4733 or INFO), hold, resume, transfer. */
#include "call_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dtmf.h"
#include "log.h"

/* Says why cmd cannot be carried out now. */
static void
refuse(struct sl_call *c, const struct sl_control_cmd *cmd, const char *why)
{
	sl_event("control-error command=%s reason=\"%s\" call-id=%s",
		 sl_control_name(cmd->kind), why, c->call_id);
}

static void
hangup(struct sl_call *c, const struct sl_control_cmd *cmd)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_HANGUP, .reason = "control" };

	switch (c->fsm.state) {
	case SL_CALL_CALLING:
	case SL_CALL_PROCEEDING:
	case SL_CALL_INCOMING:
	case SL_CALL_ANSWERED:
	case SL_CALL_CONFIRMED:
		break;
	case SL_CALL_IDLE:
		refuse(c, cmd, "no call yet");
		return;
	default:
		refuse(c, cmd, "the call is ending");
		return;
	}
	if (cmd->code)
		sl_event("control hangup code=%d call-id=%s", cmd->code, c->call_id);
	else
		sl_event("control hangup call-id=%s", c->call_id);
	/* A code is the final response to an INVITE not answered yet; a
	 * CANCEL or a BYE has none to give. */
	ev.code = cmd->code;
	sl_call_step(c, &ev);
}

/* The digits go to the media, which sends them as RFC 4733 events in its
 * stream (rtp-send reads them on RTP_DTMF_FD; the default media too), or
 * as SIP INFOs when the peer takes no telephone-event (--dtmf auto) or
 * --dtmf info says so (call_info.c). */
static void
dtmf(struct sl_call *c, const struct sl_control_cmd *cmd)
{
	char line[SL_CONTROL_LINE_MAX + 1];
	int rfc4733 = c->ours.dtmf_pt >= 0 && c->theirs.dtmf_pt >= 0;
	size_t n;

	if (c->fsm.state != SL_CALL_ANSWERED && c->fsm.state != SL_CALL_CONFIRMED) {
		refuse(c, cmd, c->fsm.state < SL_CALL_ANSWERED ? "not answered yet" :
		       "the call is ending");
		return;
	}
	if (c->cfg.dtmf == SL_DTMF_MODE_INFO ||
	    (c->cfg.dtmf == SL_DTMF_MODE_AUTO && !rfc4733)) {
		if (sl_call_info_dtmf(c, cmd->arg) != 0) {
			refuse(c, cmd, "too many digits waiting");
			return;
		}
		sl_event("control dtmf digits=%s call-id=%s", cmd->arg, c->call_id);
		return;
	}
	if (!rfc4733) {
		refuse(c, cmd, "the peer takes no telephone-event");
		return;
	}
	if (c->fsm.media != SL_CALL_MEDIA_UP || c->dtmf_fd < 0) {
		refuse(c, cmd, "no media");
		return;
	}
	n = (size_t)snprintf(line, sizeof line, "%s\n", cmd->arg);
	if (write(c->dtmf_fd, line, n) != (ssize_t)n) {
		refuse(c, cmd, errno == EPIPE ? "the media does not read RTP_DTMF_FD" :
		       errno == EAGAIN ? "too many digits waiting" : "unable to pass them on");
		return;
	}
	sl_event("control dtmf digits=%s call-id=%s", cmd->arg, c->call_id);
}

/* Our re-INVITE, when nothing stands in its way; its outcome is an event
 * (held by=local, resumed by=local, or control-error with the status). */
static void
hold(struct sl_call *c, const struct sl_control_cmd *cmd, int on)
{
	struct sl_call_ev ev = { .type = SL_CALL_EV_HOLD, .code = on };

	if (c->fsm.state != SL_CALL_CONFIRMED) {
		refuse(c, cmd, c->fsm.state < SL_CALL_ANSWERED ? "not answered yet" :
		       c->fsm.state == SL_CALL_ANSWERED ? "not confirmed yet (no ACK)" :
		       "the call is ending");
		return;
	}
	if (c->fsm.modify != SL_CALL_MODIFY_NONE || c->fsm.ok.interval) {
		refuse(c, cmd, "a re-INVITE is under way");
		return;
	}
	if (c->fsm.held == on) {
		refuse(c, cmd, on ? "already on hold" : "not on hold");
		return;
	}
	sl_event("control %s call-id=%s", sl_control_name(cmd->kind), c->call_id);
	sl_call_step(c, &ev);
}

/* Blind transfer: our REFER; the NOTIFYs that follow are events, and a
 * 2xx among them ends the call (call_refer.c). */
static void
transfer(struct sl_call *c, const struct sl_control_cmd *cmd)
{
	char uri[sizeof cmd->arg];
	int err;

	if (c->fsm.state != SL_CALL_CONFIRMED) {
		refuse(c, cmd, c->fsm.state < SL_CALL_CONFIRMED ? "not answered yet" :
		       "the call is ending");
		return;
	}
	if (c->xfer_out || c->xfer_in) {
		refuse(c, cmd, "a transfer is under way");
		return;
	}
	/* (checked by the parser: no blanks, quotes or brackets) */
	if (!sl_uri_ok(cmd->arg) && strncmp(cmd->arg, "tel:", 4) != 0) {
		refuse(c, cmd, "not a usable URI");
		return;
	}
	sl_call_clean(uri, sizeof uri, cmd->arg);
	if ((err = sl_call_refer(c, cmd->arg)) != 0) {
		refuse(c, cmd, sl_describe_error(err));
		return;
	}
	sl_event("control transfer to=%s call-id=%s", uri, c->call_id);
}

/* The 200 to an INVITE we have not answered: after an early media's
 * prompt (sip-answer --early-media), once its PRACK came if it must. */
static void
answer(struct sl_call *c, const struct sl_control_cmd *cmd)
{
	if (c->fsm.outgoing || c->fsm.state != SL_CALL_INCOMING) {
		refuse(c, cmd, c->fsm.outgoing ? "an outgoing call" :
		       c->fsm.state < SL_CALL_INCOMING ? "no call yet" :
		       c->fsm.state <= SL_CALL_CONFIRMED ? "answered already" : "the call is ending");
		return;
	}
	sl_event("control answer call-id=%s", c->call_id);
	sl_call_answer(c);
}

void
sl_call_control(struct sl_call *c, const char *line, size_t len)
{
	struct sl_control_cmd cmd;
	const char *why = "?";

	if (sl_control_parse(line, len, &cmd, &why) != 0) {
		sl_event("control-error reason=\"%s\" call-id=%s", why, c->call_id);
		return;
	}
	switch (cmd.kind) {
	case SL_CONTROL_HANGUP:
		hangup(c, &cmd);
		break;
	case SL_CONTROL_DTMF:
		dtmf(c, &cmd);
		break;
	case SL_CONTROL_HOLD:
		hold(c, &cmd, 1);
		break;
	case SL_CONTROL_RESUME:
		hold(c, &cmd, 0);
		break;
	case SL_CONTROL_TRANSFER:
		transfer(c, &cmd);
		break;
	case SL_CONTROL_ANSWER:
		answer(c, &cmd);
		break;
	}
}

int
sl_call_control_read(int fd, struct sl_control_lines *l, sl_control_line_cb cb,
		     void *arg)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		if (n < 0)
			sl_warn_err(errno, "unable to read the control channel");
		sl_control_end(l, cb, arg);
		return 1;
	}
	sl_control_feed(l, buf, (size_t)n, cb, arg);
	return 0;
}

static void
on_line(const char *line, size_t len, void *arg)
{
	sl_call_control(arg, line, len);
}

/* What the command writes; its end changes nothing. */
static void
on_readable(int fd, short revents, void *arg)
{
	struct sl_call *c = arg;

	(void)revents;
	if (sl_call_control_read(fd, &c->ctl_lines, on_line, c)) {
		sl_loop_unwatch(c->loop, c->ctl_fd);
		close(c->ctl_fd);
		c->ctl_fd = -1;
	}
}

void
sl_call_control_open(struct sl_call *c)
{
	int ctl[2] = { -1, -1 }, dt[2] = { -1, -1 }, rx[2] = { -1, -1 };

	if (c->ctl_fd >= 0 || c->dtmf_fd >= 0 || c->media == NULL)
		return;
	/* The default media has no command to write lines, but sends the
	 * digits of the tool's --control-fd. */
	if (c->cfg.media_argv && pipe2(ctl, O_CLOEXEC | O_NONBLOCK) < 0) {
		sl_warn_err(errno, "unable to open the control channel");
		ctl[0] = ctl[1] = -1;
	}
	if (pipe2(dt, O_CLOEXEC | O_NONBLOCK) < 0) {
		sl_warn_err(errno, "unable to open the control channel");
		dt[0] = dt[1] = -1;
	}
	if (ctl[0] >= 0 && sl_loop_watch(c->loop, ctl[0], POLLIN, on_readable, c) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		ctl[0] = ctl[1] = -1;
	}
	c->ctl_fd = ctl[0];
	c->dtmf_fd = dt[1];
	/* The command's end is blocking, as a shell expects of its files. */
	if (ctl[1] >= 0)
		fcntl(ctl[1], F_SETFL, 0);
	if (dt[0] >= 0)
		fcntl(dt[0], F_SETFL, 0);
	sl_media_channels(c->media, ctl[1], dt[0]);
	/* The keys that come by SIP INFO, to the media that says them; ours
	 * never waits for it. */
	if (pipe2(rx, O_CLOEXEC | O_NONBLOCK) < 0) {
		sl_warn_err(errno, "unable to open the pipe of DTMF by INFO");
		return;
	}
	fcntl(rx[0], F_SETFL, 0);
	c->dtmf_rx_fd = rx[1];
	sl_media_dtmf_received(c->media, rx[0]);
}

void
sl_call_control_drain(struct sl_call *c)
{
	struct pollfd p;
	int i;

	/* Bounded: a command's helpers may go on writing. */
	for (i = 0; i < 64 && c->ctl_fd >= 0; i++) {
		p.fd = c->ctl_fd;
		p.events = POLLIN;
		if (poll(&p, 1, 0) != 1)
			break;
		on_readable(c->ctl_fd, p.revents, c);
	}
}

void
sl_call_control_close(struct sl_call *c)
{
	if (c->ctl_fd >= 0) {
		sl_loop_unwatch(c->loop, c->ctl_fd);
		close(c->ctl_fd);
	}
	if (c->dtmf_fd >= 0)
		close(c->dtmf_fd);
	c->ctl_fd = c->dtmf_fd = -1;
	sl_call_info_stop(c);
}

static void
on_src_readable(int fd, short revents, void *arg)
{
	struct sl_control_src *s = arg;

	(void)revents;
	if (sl_call_control_read(fd, &s->lines, s->cb, s->arg))
		sl_control_src_stop(s);
}

int
sl_control_src_start(struct sl_control_src *s, struct sl_loop *loop, int fd,
		     sl_control_line_cb cb, void *arg)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->fd = -1;
	s->cb = cb;
	s->arg = arg;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return errno;
	s->fd = fd;
	return sl_loop_watch(loop, fd, POLLIN, on_src_readable, s);
}

void
sl_control_src_stop(struct sl_control_src *s)
{
	if (s->fd < 0)
		return;
	sl_loop_unwatch(s->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}
