/* rtp-recv: RTP from the inherited socket (fd 6, RTP_* variables) or our
 * own -> jitter buffer -> raw audio on stdout, one unbroken timeline; DTMF
 * as lines, statistics at exit.  The playout clock is lib/playout.c's, run
 * by lib/engine.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "codec.h"
#include "engine.h"
#include "handoff.h"
#include "log.h"
#include "opt.h"
#include "rtpsock.h"
#include "sdes.h"

static const char usage_text[] =
	"usage: rtp-recv [-hVv] [-c pcmu|pcma|g722|opus] [-j ms] [-l [host]:port]\n"
	"                [-t seconds] [--dtmf-fd fd] [--dtmf-pt type]\n"
	"                [--duration seconds] [--no-plc] [--rate hz]\n"
	"                [--srtp-key-file file | --srtp-key-fd fd]\n";

enum { OPT_DTMF_FD = 256, OPT_DTMF_PT, OPT_DURATION, OPT_SRTP_FILE, OPT_SRTP_FD, OPT_NO_PLC,
       OPT_RATE };

static const struct option longopts[] = {
	{ "codec", required_argument, NULL, 'c' },
	{ "dtmf-fd", required_argument, NULL, OPT_DTMF_FD },
	{ "dtmf-pt", required_argument, NULL, OPT_DTMF_PT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "help", no_argument, NULL, 'h' },
	{ "jitter", required_argument, NULL, 'j' },
	{ "local", required_argument, NULL, 'l' },
	{ "no-plc", no_argument, NULL, OPT_NO_PLC },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "timeout", required_argument, NULL, 't' },
	{ "srtp-key-fd", required_argument, NULL, OPT_SRTP_FD },
	{ "srtp-key-file", required_argument, NULL, OPT_SRTP_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Our own socket on --local: without a host, the IPv6 wildcard, which
 * takes IPv4 too (or IPv4's where there is no IPv6). */
static void
own_socket(const char *lspec, struct sl_engine_cfg *ec)
{
	struct sl_addr local;
	char host[256], what[128];
	int port, rc;

	if (sl_addr_split(lspec, host, sizeof host, &port) != 0 || port == 0)
		sl_usage_error("--local: expected [HOST]:PORT: %s", lspec);
	rc = sl_addr_resolve(host, port, host[0] ? AF_UNSPEC : AF_INET6, 1, &local);
	if (rc != 0 && !host[0])
		rc = sl_addr_resolve(host, port, AF_INET, 1, &local);
	if (rc != 0)
		sl_fatal_err(SL_EXIT_USAGE, rc, "--local: unable to resolve %s", host);
	if ((rc = sl_rtp_open(&local, NULL, &ec->rtp_fd, &ec->rtcp_fd, what,
			      sizeof what)) != 0 && !host[0] &&
	    sl_addr_family(&local) == AF_INET6 && rc == EAFNOSUPPORT) {
		sl_addr_resolve(host, port, AF_INET, 1, &local);
		rc = sl_rtp_open(&local, NULL, &ec->rtp_fd, &ec->rtcp_fd, what, sizeof what);
	}
	if (rc != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, rc, "unable to %s", what);
}

int
main(int argc, char **argv)
{
	struct sl_media_params mp;
	struct sl_engine_cfg ec;
	struct sl_sdes key;
	struct sl_sdes hand_tx, hand_rx;
	int key_set = 0, hand_keys;
	const struct sl_codec *codec = NULL;
	const char *lspec = NULL;
	int c, dtmf_pt = -1, rate = -1, own, rc;
	double timeout = -1;

	sl_log_init(argv[0]);
	memset(&ec, 0, sizeof ec);
	ec.dtmf_in_fd = ec.dtmf_out_fd = ec.ctl_fd = ec.dtmf_sip_fd = -1;
	ec.jitter_ms = 60;
	ec.plc = 1;
	while ((c = getopt_long(argc, argv, "+c:hj:l:t:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			codec = sl_codec_option("--codec", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'j':
			ec.jitter_ms = (int)sl_opt_int("--jitter", optarg, 0, 5000);
			break;
		case 'l':
			lspec = optarg;
			break;
		case 't':
			timeout = sl_opt_num("--timeout", optarg, 0, 1e7);
			break;
		case 'v':
			sl_verbose++;
			break;
		case 'V':
			sl_print_version();
			break;
		case OPT_DTMF_FD:
			ec.dtmf_out_fd = (int)sl_opt_int("--dtmf-fd", optarg, 0, 1 << 20);
			if (fcntl(ec.dtmf_out_fd, F_GETFD) < 0)
				sl_fatal_err(SL_EXIT_USAGE, errno, "--dtmf-fd %d", ec.dtmf_out_fd);
			break;
		case OPT_DTMF_PT:
			dtmf_pt = (int)sl_opt_int("--dtmf-pt", optarg, 96, 127);
			break;
		case OPT_DURATION:
			ec.duration = sl_opt_num("--duration", optarg, 0.001, 1e7);
			break;
		case OPT_SRTP_FILE:
		case OPT_SRTP_FD:
			if (key_set)
				sl_usage_error("--srtp-key-file and --srtp-key-fd: one key only");
			sl_opt_srtp_key(c == OPT_SRTP_FD ? "--srtp-key-fd" : "--srtp-key-file",
					optarg, c == OPT_SRTP_FD, &key);
			key_set = 1;
			break;
		case OPT_NO_PLC:
			ec.plc = 0;
			break;
		case OPT_RATE:
			rate = (int)sl_opt_int("--rate", optarg, 8000, 192000);
			if (!sl_codec_rate_ok(rate))
				sl_usage_error("--rate: %d is not a multiple of 100 Hz", rate);
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	if (optind != argc)
		sl_usage_error("unexpected argument: %s", argv[optind]);

	/* Read and closed whatever the options say: nothing the engine
	 * does needs it open. */
	hand_keys = sl_handoff_media_keys(&hand_tx, &hand_rx);
	sl_media_params_init(&mp);
	sl_handoff_media(&mp, codec, -1, dtmf_pt, rate);
	own = lspec != NULL;
	if (!own && mp.rtp_fd < 0)
		sl_usage_error("no socket: give --local [HOST]:PORT, or run inside a call (RTP_FD)");
	if (dtmf_pt < 0 && own)
		mp.dtmf_pt = 101;
	/* RTP_TIMEOUT is the default, unless the peer is not meant to send. */
	if (timeout < 0)
		timeout = own || mp.direction == SL_DIR_SENDONLY ||
				  mp.direction == SL_DIR_INACTIVE
			  ? 0 : mp.rtp_timeout;
	if (own) {
		own_socket(lspec, &ec);
	} else {
		ec.rtp_fd = mp.rtp_fd;
		ec.rtcp_fd = mp.rtcp_fd;
		if ((rc = sl_rtp_check_fd(ec.rtp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTP_FD %d", ec.rtp_fd);
		if (ec.rtcp_fd >= 0 && (rc = sl_rtp_check_fd(ec.rtcp_fd)) != 0)
			sl_fatal_err(SL_EXIT_USAGE, rc, "RTCP_FD %d", ec.rtcp_fd);
	}
	if (ec.dtmf_out_fd >= 0)
		fcntl(ec.dtmf_out_fd, F_SETFD, FD_CLOEXEC);
	/* In a call, the keys that came by SIP INFO are said like the
	 * others. */
	if (!own && mp.sip_dtmf_fd >= 0 && fcntl(mp.sip_dtmf_fd, F_GETFD) >= 0) {
		ec.dtmf_sip_fd = mp.sip_dtmf_fd;
		fcntl(ec.dtmf_sip_fd, F_SETFD, FD_CLOEXEC);
	}

	ec.codec = mp.codec;
	ec.pt = mp.payload_type;
	ec.recv_pt = mp.local_pt > 0 ? mp.local_pt : 0;
	ec.rate = mp.sample_rate;
	ec.fmtp = mp.fmtp;
	ec.ptime = mp.ptime;
	ec.dtmf_pt = mp.dtmf_pt;
	ec.recv = 1;
	ec.output_fd = 1;
	ec.input_fd = -1;
	ec.timeout = timeout;
	ec.in_call = !own;
	sl_debug("%s %s, jitter %d ms, telephone-event %d, timeout %g s%s, payload type %d, "
		 "%d Hz%s", own ? "own socket" : "inherited socket", ec.codec->name, ec.jitter_ms,
		 mp.dtmf_pt, timeout, ec.rtcp_fd >= 0 ? ", RTCP" : "", ec.pt, ec.rate,
		 ec.plc ? "" : ", no concealment");
	if (key_set)
		ec.srtp_tx = ec.srtp_rx = &key;
	else if (hand_keys && !own) {
		ec.srtp_tx = &hand_tx;
		ec.srtp_rx = &hand_rx;
	}
	return sl_engine_run(&ec);
}
