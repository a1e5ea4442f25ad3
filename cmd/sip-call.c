/* sip-call: place one call, run its media, and exit with its outcome. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "call.h"
#include "codec.h"
#include "log.h"
#include "loop.h"
#include "message.h"
#include "opt.h"
#include "settings.h"
#include "sip.h"

static const char usage[] =
	"usage: sip-call [-hVv] [-u USER] [-d DOMAIN] [-s HOST[:PORT]] [-t udp|tcp|tls]\n"
	"                [-l [HOST]:PORT] [-T SECONDS] [-D SECONDS] [-c CODEC[,CODEC...]]\n"
	"                [--rate HZ] [--rtp-timeout SECONDS] [--srtp off|optional|mandatory]\n"
	"                [--control-fd FD] [--allow-transfer] [--dtmf auto|rfc4733|info]\n"
	"                [--early-media]\n"
	"                [--session-expires SECONDS] [--min-se SECONDS]\n"
	"                URI [-- COMMAND [ARG...]]\n"
	"Calls URI (sip:user@host, user@host, or a user or number at DOMAIN),\n"
	"runs COMMAND with the call's RTP socket (default: sends stdin and\n"
	"plays to stdout itself) and exits with the call's outcome.\n"
	SL_SETTINGS_HELP
	"  -l, --local [HOST]:PORT  send SIP from this address\n"
	"  -T, --timeout SECONDS    give up (CANCEL) when not answered in time\n"
	"                           (default 64; 0: wait as long as it rings)\n"
	"  -D, --duration SECONDS   hang up after this long answered\n"
	"  -c, --codec CODEC[,CODEC...]  offer these codecs, in this order: pcmu,\n"
	"                           pcma, g722, opus (SIP_CODECS; default pcmu,pcma)\n"
	"      --rate HZ            the rate of stdin and stdout (RTP_SAMPLE_RATE;\n"
	"                           default the codec's: 8000, g722 16000, opus 48000)\n"
	"      --rtp-timeout SECONDS  no RTP for this long means the media is lost\n"
	"                           (default 30; 0: never)\n"
	"      --srtp off|optional|mandatory  SRTP with SDES keys: none, offered\n"
	"                           with plain RTP taken, or offered as RTP/SAVP and\n"
	"                           required (SIP_SRTP; default off)\n"
	"      --control-fd FD      read control lines (hangup, dtmf DIGITS, hold,\n"
	"                           resume, transfer URI) from descriptor FD too\n"
	"      --allow-transfer     follow the peer's REFER: call its Refer-To, which\n"
	"                           replaces this call (default: 603)\n"
	"      --dtmf auto|rfc4733|info  how dtmf DIGITS go: RFC 4733 events, SIP\n"
	"                           INFO, or INFO when the callee takes no\n"
	"                           telephone-event (SIP_DTMF; default auto)\n"
	"      --early-media        run COMMAND for early media too (a 1xx with SDP;\n"
	"                           SIP_MEDIA_PHASE=early), then again at the answer\n"
	"                           (the default media always plays early media)\n"
	SL_CALL_TIMER_HELP;

enum { OPT_RTP_TIMEOUT = 256, OPT_RATE, OPT_SRTP, OPT_CONTROL_FD, OPT_ALLOW_TRANSFER,
       OPT_DTMF, OPT_EARLY_MEDIA };

/* A call and the calls that replaced it by transfer, at most. */
#define CALLS_MAX 8

struct state {
	struct sl_loop *loop;
	struct sl_sip *sip;
	const struct sl_call_config *cfg;
	double timeout;
	struct sl_call *calls[CALLS_MAX];
	int ncalls;
	struct sl_call *call;       /* the latest */
	int status;
	int signals;
	struct sl_control_src control;
};

static void
on_control(const char *line, size_t len, void *arg)
{
	struct state *st = arg;

	sl_call_control(st->call, line, len);
}

/* The exit status is that of the call that ends last: the one that
 * replaced the others, when a transfer was followed. */
static void
on_end(struct sl_call *call, int status, void *arg)
{
	struct state *st = arg;
	int i;

	st->status = status;
	for (i = 0; i < st->ncalls; i++)
		if (st->calls[i] != call && sl_call_active(st->calls[i]))
			return;
	sl_loop_stop(st->loop);
}

/* --allow-transfer: the peer of c asked (REFER) for a call to target,
 * which replaces c. */
static void
on_refer(struct sl_call *c, const char *target, void *arg)
{
	struct state *st = arg;
	struct sl_call *n;
	int err;

	if (st->ncalls == CALLS_MAX ||
	    (err = sl_call_new(st->sip, st->loop, st->cfg, on_end, st, &n)) != 0) {
		sl_call_transfer_progress(c, 503, NULL);
		return;
	}
	sl_call_transfer_for(n, c);
	if ((err = sl_call_dial(n, target, st->timeout)) != 0) {
		sl_warn_err(err < 0 ? EHOSTUNREACH : err, "unable to call %s", target);
		sl_call_free(n);
		sl_call_transfer_progress(c, 503, NULL);
		return;
	}
	st->calls[st->ncalls++] = n;
	st->call = n;
}

static void
on_signal(int signo, void *arg)
{
	struct state *st = arg;
	int i;

	if (st->signals++ == 0)
		for (i = 0; i < st->ncalls; i++)
			sl_call_hangup(st->calls[i], signo == SIGINT ? "interrupted" :
				       "terminated");
}

static void
on_request(struct sl_server *srv, osip_message_t *req, void *arg)
{
	struct state *st = arg;
	int i;

	for (i = 0; i < st->ncalls; i++) {
		if (sl_call_owns(st->calls[i], req)) {
			sl_call_request(st->calls[i], srv, req);
			return;
		}
	}
	if (MSG_IS_INVITE(req) && !sl_msg_has_to_tag(req))
		sl_server_reply(srv, 486);     /* busy placing a call */
	else if (MSG_IS_MESSAGE(req) && !sl_msg_has_to_tag(req))
		sl_message_receive(NULL, st->loop, srv, req);
	else
		sl_server_reply_other(srv, req);
}

static void
on_stray(osip_message_t *msg, const struct sl_addr *src, void *arg)
{
	struct state *st = arg;
	int i;

	for (i = 0; i < st->ncalls; i++) {
		if (sl_call_owns(st->calls[i], msg)) {
			sl_call_stray(st->calls[i], msg);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SL_SETTINGS_LONGOPTS,
		{ "local", required_argument, 0, 'l' },
		{ "timeout", required_argument, 0, 'T' },
		{ "duration", required_argument, 0, 'D' },
		{ "codec", required_argument, 0, 'c' },
		{ "rtp-timeout", required_argument, 0, OPT_RTP_TIMEOUT },
		{ "rate", required_argument, 0, OPT_RATE },
		{ "srtp", required_argument, 0, OPT_SRTP },
		{ "control-fd", required_argument, 0, OPT_CONTROL_FD },
		SL_CALL_TIMER_LONGOPTS,
		{ "allow-transfer", no_argument, 0, OPT_ALLOW_TRANSFER },
		{ "dtmf", required_argument, 0, OPT_DTMF },
		{ "early-media", no_argument, 0, OPT_EARLY_MEDIA },
		{ 0, 0, 0, 0 }
	};
	struct sl_settings set;
	struct sl_call_config cfg;
	struct sl_sip *sip;
	struct state st;
	const char *local = NULL, *codecs = NULL, *srtp = NULL, *dtmf = NULL;
	char target[1024];
	double timeout = 64;
	int opt, err, control_fd = -1;

	sl_log_init(argv[0]);
	sl_settings_init(&set);
	memset(&cfg, 0, sizeof cfg);
	memset(&st, 0, sizeof st);
	cfg.rtp_timeout = 30;
	cfg.session_expires = SL_SE_DEFAULT;
	while ((opt = getopt_long(argc, argv, "+" SL_SETTINGS_SHORTOPTS "l:T:D:c:",
				  longopts, NULL)) != -1) {
		if (sl_settings_option(&set, opt, optarg, usage) ||
		    sl_call_timer_option(&cfg, opt, optarg))
			continue;
		switch (opt) {
		case 'l':
			local = optarg;
			break;
		case 'T':
			timeout = sl_opt_num("--timeout", optarg, 0, 86400);
			break;
		case 'D':
			cfg.duration = sl_opt_num("--duration", optarg, 0.01, 86400 * 7);
			break;
		case 'c':
			codecs = optarg;
			break;
		case OPT_RATE:
			cfg.rate = (int)sl_opt_int("--rate", optarg, 8000, 192000);
			if (!sl_codec_rate_ok(cfg.rate))
				sl_usage_error("--rate: %d is not a multiple of 100 Hz", cfg.rate);
			break;
		case OPT_RTP_TIMEOUT:
			cfg.rtp_timeout = sl_opt_num("--rtp-timeout", optarg, 0, 86400);
			break;
		case OPT_SRTP:
			srtp = optarg;
			break;
		case OPT_CONTROL_FD:
			control_fd = sl_opt_control_fd(optarg);
			break;
		case OPT_ALLOW_TRANSFER:
			cfg.on_refer = on_refer;
			cfg.refer_arg = &st;
			break;
		case OPT_DTMF:
			dtmf = optarg;
			break;
		case OPT_EARLY_MEDIA:
			cfg.early_media = 1;
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	cfg.ncodecs = sl_settings_codecs(codecs, cfg.codecs, SL_CALL_CODECS);
	cfg.srtp = sl_settings_srtp(srtp);
	sl_settings_srtp_suites(&cfg.srtp_suites);
	cfg.dtmf = sl_settings_dtmf(dtmf);
	sl_call_timer_options_done(&cfg);
	if (optind >= argc)
		sl_usage_error("no URI to call");
	if (sl_settings_target(&set, argv[optind], 1, target, sizeof target))
		sl_usage_error("not a usable URI: %s (a bare user needs SIP_DOMAIN)", argv[optind]);
	optind++;
	if (optind < argc) {
		if (strcmp(argv[optind], "--") != 0)
			sl_usage_error("unexpected argument %s (a COMMAND goes after --)", argv[optind]);
		if (++optind >= argc)
			sl_usage_error("no COMMAND after --");
		cfg.media_argv = argv + optind;
	}
	sl_settings_load_password(&set);
	sl_settings_secure_target(&set, target);
	sl_settings_load_tls(&set);
	signal(SIGPIPE, SIG_IGN);

	st.loop = NULL;
	if ((err = sl_loop_new(&st.loop)) != 0 ||
	    (err = sl_sip_new(st.loop, &set, &sip)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	if (local)
		sl_sip_bind_option(sip, local);
	if ((err = sl_call_new(sip, st.loop, &cfg, on_end, &st, &st.call)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	st.sip = sip;
	st.cfg = &cfg;
	st.timeout = timeout;
	st.calls[st.ncalls++] = st.call;
	sl_sip_on_request(sip, on_request, &st);
	sl_sip_on_stray(sip, on_stray, &st);
	sl_loop_signal(st.loop, SIGINT, on_signal, &st);
	sl_loop_signal(st.loop, SIGTERM, on_signal, &st);
	sl_loop_signal(st.loop, SIGHUP, on_signal, &st);
	if (control_fd >= 0 &&
	    (err = sl_control_src_start(&st.control, st.loop, control_fd, on_control, &st)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to read --control-fd %d", control_fd);
	if ((err = sl_call_dial(st.call, target, timeout)) != 0)
		sl_fatal_unsent(sip, err, "call", target);
	if ((err = sl_loop_run(st.loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	while (st.ncalls > 0)
		sl_call_free(st.calls[--st.ncalls]);
	sl_sip_free(sip);
	sl_loop_free(st.loop);
	sl_settings_free(&set);
	return st.status;
}
