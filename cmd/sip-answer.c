/* sip-answer: wait for calls on a SIP socket; ring, screen, answer or
 * refuse each, and run its media.  One call and exit, or --serve: every
 * call in its own process, like tcpserver. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "answer.h"
#include "codec.h"
#include "handoff.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "regchan.h"
#include "serve.h"
#include "settings.h"
#include "sip.h"
#include "tls.h"

static const char usage[] =
	"usage: sip-answer [-hVv] [-u USER] [-d DOMAIN] [-s HOST[:PORT]] [-t udp|tcp|tls]\n"
	"                  [-l [HOST]:PORT] [-r SECONDS] [-R busy|decline|CODE]\n"
	"                  [--redirect URI]\n"
	"                  [-x PROGRAM] [-a HOST]... [-S [-m N]] [-D SECONDS]\n"
	"                  [-c CODEC[,CODEC...]] [--rate HZ] [--rtp-timeout SECONDS]\n"
	"                  [--srtp off|optional|mandatory] [--control-fd FD]\n"
	"                  [--dtmf auto|rfc4733|info] [--allow-transfer]\n"
	"                  [--on-message PROGRAM] [--message-max BYTES]\n"
	"                  [--early-media]\n"
	"                  [--session-expires SECONDS] [--min-se SECONDS]\n"
	"                  [-- COMMAND [ARG...]]\n"
	"Waits for calls; answers each and runs COMMAND with the call's RTP\n"
	"socket (default: sends stdin and plays to stdout itself).\n"
	SL_SETTINGS_HELP
	"  -l, --listen [HOST]:PORT  where to wait for calls (default :5060, or\n"
	"                           the socket in SIP_SOCKET_FD)\n"
	"  -r, --ring SECONDS       ring this long before answering (default 0)\n"
	"  -R, --reject busy|decline|CODE  refuse every call with 486, 603 or CODE\n"
	"      --redirect URI       refuse every call with 302 (or -R 3xx) naming URI\n"
	"                           as where to call instead\n"
	"  -x, --screen PROGRAM     run PROGRAM for each call; its exit status says:\n"
	"                           0 answer, 2 busy, 3 decline, 4 unavailable,\n"
	"                           5 not found, other decline\n"
	"  -a, --accept-from HOST   take calls only from HOST (repeatable); 403 to others\n"
	"  -S, --serve              keep answering: each call in its own process\n"
	"  -m, --max-calls N        with --serve: at most N calls in progress at once\n"
	"                           (and 2N processes), 486 past it (default 100);\n"
	"                           SIGUSR1 drains: 503 to new calls and OPTIONS,\n"
	"                           exit after the calls in progress\n"
	"  -D, --duration SECONDS   hang up after this long answered\n"
	"  -c, --codec CODEC[,CODEC...]  take these codecs, the first of them the\n"
	"                           caller offers: pcmu, pcma, g722, opus (SIP_CODECS;\n"
	"                           default pcmu,pcma)\n"
	"      --rate HZ            the rate of stdin and stdout (RTP_SAMPLE_RATE;\n"
	"                           default the codec's: 8000, g722 16000, opus 48000)\n"
	"      --rtp-timeout SECONDS  no RTP for this long means the media is lost\n"
	"                           (default 30; 0: never)\n"
	"      --srtp off|optional|mandatory  SRTP with SDES keys: refuse it (488 to\n"
	"                           RTP/SAVP), take it when offered, or refuse calls\n"
	"                           without it (488) (SIP_SRTP; default off)\n"
	"      --control-fd FD      read control lines (hangup [CODE], dtmf DIGITS,\n"
	"                           hold, resume, transfer URI) from descriptor FD\n"
	"                           too (not with --serve)\n"
	"      --dtmf auto|rfc4733|info  how dtmf DIGITS go: RFC 4733 events, SIP\n"
	"                           INFO, or INFO when the caller takes no\n"
	"                           telephone-event (SIP_DTMF; default auto)\n"
	"      --allow-transfer     follow the caller's REFER: call its Refer-To,\n"
	"                           which replaces the call (default: 603)\n"
	"      --on-message PROGRAM  run PROGRAM for each MESSAGE received, its text\n"
	"                           on stdin (default: an event line shows the text)\n"
	"      --message-max BYTES  refuse (413) a MESSAGE whose text is longer\n"
	"                           (default 4096)\n"
	"      --early-media        answer 183 with SDP and start the media at once\n"
	"                           (SIP_MEDIA_PHASE=early); the 200 follows the\n"
	"                           control line answer, or --ring SECONDS\n"
	SL_CALL_TIMER_HELP;

enum { OPT_RTP_TIMEOUT = 256, OPT_REDIRECT, OPT_RATE, OPT_SRTP, OPT_CONTROL_FD, OPT_DTMF,
       OPT_ALLOW_TRANSFER, OPT_ON_MESSAGE, OPT_MESSAGE_MAX, OPT_EARLY_MEDIA };

/* Parses --reject's value into a status code. */
static int
parse_reject(const char *arg)
{
	if (strcasecmp(arg, "busy") == 0)
		return 486;
	if (strcasecmp(arg, "decline") == 0)
		return 603;
	return (int)sl_opt_int("--reject", arg, 300, 699);
}

/* Takes the answering socket: the one a parent (sip-register) bound and
 * announced in SIP_SOCKET_FD, or a new one on --listen. */
static void
open_socket(struct sl_sip *sip, const char *listen_spec)
{
	const char *v = getenv(SL_ENV_SIP_SOCKET_FD);
	struct sl_addr a;
	int fd, err, bad = sl_handoff_socket_from_env(&fd);

	if (listen_spec == NULL && (fd >= 0 || bad)) {
		if (bad)
			sl_usage_error("SIP_SOCKET_FD=%s is not a descriptor", v);
		if ((err = sl_sip_adopt(sip, fd)) != 0)
			sl_usage_error("unable to use SIP_SOCKET_FD=%s: %s", v, sl_strerror(err));
		sl_handoff_socket_forget();
		return;
	}
	if (fd >= 0 || bad) {
		/* --listen wins over a socket handed down: that one is
		 * neither used nor passed on to our children. */
		if (fd > 2)
			close(fd);
		sl_handoff_socket_forget();
	}
	if (listen_spec == NULL)
		listen_spec = ":5060";
	if ((err = sl_addr_parse(listen_spec, 5060, 1, &a)) != 0)
		sl_usage_error("--listen %s: %s", listen_spec, sl_strerror(err));
	if ((err = sl_sip_bind(sip, &a)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to listen on %s", listen_spec);
}

/* A socket handed down in SIP_SOCKET_FD (and used: no --listen) is of the
 * transport its parent chose (sip-register -t tcp or tls): take that one. */
static void
inherited_transport(struct sl_settings *set, const char *listen_spec)
{
	socklen_t len;
	int fd, type;

	if (listen_spec || sl_handoff_socket_from_env(&fd) != 0 || fd < 0)
		return;     /* open_socket says what is wrong */
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		return;
	/* A stream socket is TCP unless TLS was asked for (sip-register
	 * says so in SIP_TRANSPORT). */
	if (type != SOCK_STREAM)
		set->proto = SL_PROTO_UDP;
	else if (set->proto != SL_PROTO_TLS)
		set->proto = SL_PROTO_TCP;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SL_SETTINGS_LONGOPTS,
		{ "listen", required_argument, 0, 'l' },
		{ "ring", required_argument, 0, 'r' },
		{ "reject", required_argument, 0, 'R' },
		{ "screen", required_argument, 0, 'x' },
		{ "accept-from", required_argument, 0, 'a' },
		{ "serve", no_argument, 0, 'S' },
		{ "max-calls", required_argument, 0, 'm' },
		{ "duration", required_argument, 0, 'D' },
		{ "codec", required_argument, 0, 'c' },
		{ "rtp-timeout", required_argument, 0, OPT_RTP_TIMEOUT },
		{ "rate", required_argument, 0, OPT_RATE },
		{ "redirect", required_argument, 0, OPT_REDIRECT },
		{ "srtp", required_argument, 0, OPT_SRTP },
		{ "control-fd", required_argument, 0, OPT_CONTROL_FD },
		SL_CALL_TIMER_LONGOPTS,
		{ "dtmf", required_argument, 0, OPT_DTMF },
		{ "allow-transfer", no_argument, 0, OPT_ALLOW_TRANSFER },
		{ "on-message", required_argument, 0, OPT_ON_MESSAGE },
		{ "message-max", required_argument, 0, OPT_MESSAGE_MAX },
		{ "early-media", no_argument, 0, OPT_EARLY_MEDIA },
		{ 0, 0, 0, 0 }
	};
	struct sl_settings set;
	struct sl_answer_config ac;
	struct sl_loop *loop;
	struct sl_sip *sip;
	const char *listen_spec = NULL, *redirect = NULL, *codecs = NULL, *srtp = NULL;
	const char *dtmf = NULL;
	char redirect_uri[512];
	char *on_message[2] = { NULL, NULL };
	int opt, err, serve = 0, max_calls = 100, max_given = 0, status;

	sl_log_init(argv[0]);
	sl_settings_init(&set);
	memset(&ac, 0, sizeof ac);
	ac.call.rtp_timeout = 30;
	ac.call.session_expires = SL_SE_DEFAULT;
	ac.control_fd = -1;
	while ((opt = getopt_long(argc, argv, "+" SL_SETTINGS_SHORTOPTS "l:r:R:x:a:Sm:D:c:",
				  longopts, NULL)) != -1) {
		if (sl_settings_option(&set, opt, optarg, usage) ||
		    sl_call_timer_option(&ac.call, opt, optarg))
			continue;
		switch (opt) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'r':
			ac.ring = sl_opt_num("--ring", optarg, 0, 3600);
			break;
		case 'R':
			ac.reject = parse_reject(optarg);
			break;
		case 'x':
			ac.screen = optarg;
			break;
		case 'a':
			if ((err = sl_answer_accept_from(&ac, optarg)) != 0)
				sl_usage_error("--accept-from %s: %s", optarg, sl_strerror(err));
			break;
		case 'S':
			serve = 1;
			break;
		case 'm':
			max_calls = (int)sl_opt_int("--max-calls", optarg, 1, 10000);
			max_given = 1;
			break;
		case 'D':
			ac.call.duration = sl_opt_num("--duration", optarg, 0.01, 86400 * 7);
			break;
		case 'c':
			codecs = optarg;
			break;
		case OPT_RATE:
			ac.call.rate = (int)sl_opt_int("--rate", optarg, 8000, 192000);
			if (!sl_codec_rate_ok(ac.call.rate))
				sl_usage_error("--rate: %d is not a multiple of 100 Hz", ac.call.rate);
			break;
		case OPT_RTP_TIMEOUT:
			ac.call.rtp_timeout = sl_opt_num("--rtp-timeout", optarg, 0, 86400);
			break;
		case OPT_REDIRECT:
			redirect = optarg;
			break;
		case OPT_SRTP:
			srtp = optarg;
			break;
		case OPT_CONTROL_FD:
			ac.control_fd = sl_opt_control_fd(optarg);
			break;
		case OPT_DTMF:
			dtmf = optarg;
			break;
		case OPT_ALLOW_TRANSFER:
			ac.allow_transfer = 1;
			break;
		case OPT_ON_MESSAGE:
			if (*optarg == '\0')
				sl_usage_error("--on-message: no PROGRAM");
			on_message[0] = optarg;
			ac.message.argv = on_message;
			break;
		case OPT_MESSAGE_MAX:
			ac.message.max = (size_t)sl_opt_int("--message-max", optarg, 1,
							    SL_MESSAGE_MAX);
			break;
		case OPT_EARLY_MEDIA:
			ac.early_media = 1;
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	ac.call.message = &ac.message;
	ac.call.ncodecs = sl_settings_codecs(codecs, ac.call.codecs, SL_CALL_CODECS);
	ac.call.srtp = sl_settings_srtp(srtp);
	sl_settings_srtp_suites(&ac.call.srtp_suites);
	ac.call.dtmf = sl_settings_dtmf(dtmf);
	sl_call_timer_options_done(&ac.call);
	/* getopt_long has taken the "--" that comes before COMMAND. */
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			sl_usage_error("unexpected argument %s (a COMMAND goes after --)", argv[optind]);
		ac.call.media_argv = argv + optind;
	} else if (strcmp(argv[optind - 1], "--") == 0) {
		sl_usage_error("no COMMAND after --");
	}
	if (max_given && !serve)
		sl_usage_error("--max-calls goes with --serve");
	if (ac.control_fd >= 0 && serve)
		sl_usage_error("--control-fd goes without --serve (each call's COMMAND has "
			       "its own control channel)");
	if (redirect) {
		if (sl_settings_target(&set, redirect, 0, redirect_uri, sizeof redirect_uri) != 0 ||
		    !sl_uri_ok(redirect_uri))
			sl_usage_error("--redirect: not a SIP URI: %s", redirect);
		if (ac.reject == 0)
			ac.reject = 302;
		else if (ac.reject >= 400)
			sl_usage_error("--redirect goes with a 3xx --reject (default 302), not %d",
				       ac.reject);
		ac.redirect = redirect_uri;
	} else if (ac.reject >= 300 && ac.reject < 400) {
		sl_usage_error("--reject %d: a redirection names where to: add --redirect URI",
			       ac.reject);
	}
	if (ac.early_media && ac.reject)
		sl_usage_error("--early-media and --reject exclude each other");
	if (ac.early_media && !ac.call.media_argv && ac.ring == 0 && ac.control_fd < 0)
		sl_usage_error("--early-media without a COMMAND needs --ring SECONDS or "
			       "--control-fd FD (what else would answer?)");
	if (ac.reject && ac.screen)
		sl_usage_error("--reject%s and --screen exclude each other",
			       redirect ? " (--redirect)" : "");
	sl_settings_load_password(&set);
	inherited_transport(&set, listen_spec);
	sl_settings_load_tls(&set);
	if (set.proto == SL_PROTO_TLS && !sl_tls_has_cert(set.tls))
		sl_usage_error("answering over TLS needs a certificate: set SIP_CERT_FILE (and SIP_KEY_FILE)");
	signal(SIGPIPE, SIG_IGN);

	if ((err = sl_loop_new(&loop)) != 0 ||
	    (err = sl_sip_new(loop, &set, &sip)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	open_socket(sip, listen_spec);
	/* Chain-loaded: sip-register's REGISTERs leave from our socket. */
	if ((err = sl_regchan_child(loop, sip, listen_spec == NULL)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to take the registration channel");
	if (serve)
		status = sl_serve_run(loop, sip, &set, &ac, max_calls);
	else
		status = sl_answer_run(loop, sip, &ac);
	sl_sip_free(sip);
	sl_loop_free(loop);
	sl_settings_free(&set);
	return status;
}
