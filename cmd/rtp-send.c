/* rtp-send: raw audio on stdin -> G.711, G.722 or Opus, paced RTP (and RFC 4733 DTMF) to
 * the peer of the inherited socket (fd 6, RTP_* variables) or of our own.
 * The schedule is lib/pacer.c's, run by lib/engine.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "codec.h"
#include "dtmf.h"
#include "engine.h"
#include "handoff.h"
#include "log.h"
#include "opt.h"
#include "pacer.h"
#include "rtpsock.h"
#include "sdes.h"

static const char usage_text[] =
	"usage: rtp-send [-hVv] [-c pcmu|pcma|g722|opus] [-d digits]\n"
	"                [-f s16le|ulaw|alaw] [-l [host]:port] [-p ms] [-r host:port]\n"
	"                [--dtmf-fd fd] [--dtmf-pt type] [--rate hz]\n"
	"                [--srtp-key-file file | --srtp-key-fd fd]\n";

enum { OPT_DTMF_FD = 256, OPT_DTMF_PT, OPT_SRTP_FILE, OPT_SRTP_FD, OPT_RATE };

static const struct option longopts[] = {
	{ "codec", required_argument, NULL, 'c' },
	{ "dtmf", required_argument, NULL, 'd' },
	{ "dtmf-fd", required_argument, NULL, OPT_DTMF_FD },
	{ "dtmf-pt", required_argument, NULL, OPT_DTMF_PT },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "local", required_argument, NULL, 'l' },
	{ "ptime", required_argument, NULL, 'p' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "remote", required_argument, NULL, 'r' },
	{ "srtp-key-fd", required_argument, NULL, OPT_SRTP_FD },
	{ "srtp-key-file", required_argument, NULL, OPT_SRTP_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Parses "[HOST]:PORT" for option opt, preferring family; exits 100. */
static void
parse_addr(const char *opt, const char *spec, int need_host, int family,
	   struct sl_addr *a)
{
	char host[256];
	int port, rc;

	if (sl_addr_split(spec, host, sizeof host, &port) != 0 || port == 0 ||
	    (need_host && host[0] == '\0'))
		sl_usage_error("%s: expected %s: %s", opt,
			       need_host ? "HOST:PORT" : "[HOST]:PORT", spec);
	rc = sl_addr_resolve(host, port, host[0] ? AF_UNSPEC : family,
			     !need_host, a);
	if (rc != 0)
		sl_fatal_err(SL_EXIT_USAGE, rc, "%s: unable to resolve %s", opt, host);
}

/* The sockets: our own pair (--remote), or the call's. */
static void
sockets(const char *lspec, const char *rspec, const struct sl_media_params *mp,
	struct sl_engine_cfg *ec)
{
	struct sl_addr local = { .len = 0 }, remote = { .len = 0 };
	char what[128];
	int rc;

	if (rspec) {
		parse_addr("--remote", rspec, 1, AF_UNSPEC, &remote);
		if (lspec)
			parse_addr("--local", lspec, 0, sl_addr_family(&remote), &local);
		if ((rc = sl_rtp_open(&local, &remote, &ec->rtp_fd, &ec->rtcp_fd, what,
				      sizeof what)) != 0)
			sl_fatal_err(SL_EXIT_SYSTEM, rc, "unable to %s", what);
		return;
	}
	ec->rtp_fd = mp->rtp_fd;
	ec->rtcp_fd = mp->rtcp_fd;
	if ((rc = sl_rtp_check_fd(ec->rtp_fd)) != 0)
		sl_fatal_err(SL_EXIT_USAGE, rc, "RTP_FD %d", ec->rtp_fd);
	if (ec->rtcp_fd >= 0 && (rc = sl_rtp_check_fd(ec->rtcp_fd)) != 0)
		sl_fatal_err(SL_EXIT_USAGE, rc, "RTCP_FD %d", ec->rtcp_fd);
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
	const char *lspec = NULL, *rspec = NULL, *bad;
	int c, ptime = -1, dtmf_pt = -1, rate = -1, own;

	sl_log_init(argv[0]);
	memset(&ec, 0, sizeof ec);
	ec.fmt = SL_IN_S16LE;
	ec.dtmf_in_fd = ec.dtmf_out_fd = ec.ctl_fd = ec.dtmf_sip_fd = -1;
	while ((c = getopt_long(argc, argv, "+c:d:f:hl:p:r:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			codec = sl_codec_option("--codec", optarg);
			break;
		case 'd':
			if (sl_dtmf_check(optarg, &bad) != 0)
				sl_usage_error("--dtmf: '%c' is not a digit 0-9 * # A-D or ','",
					       *bad);
			ec.digits = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "s16le") == 0)
				ec.fmt = SL_IN_S16LE;
			else if (strcmp(optarg, "ulaw") == 0)
				ec.fmt = SL_IN_ULAW;
			else if (strcmp(optarg, "alaw") == 0)
				ec.fmt = SL_IN_ALAW;
			else
				sl_usage_error("--format: s16le, ulaw or alaw, not %s", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'l':
			lspec = optarg;
			break;
		case 'p':
			ptime = (int)sl_opt_int("--ptime", optarg, 10, 60);
			break;
		case 'r':
			rspec = optarg;
			break;
		case 'v':
			sl_verbose++;
			break;
		case 'V':
			sl_print_version();
			break;
		case OPT_DTMF_FD:
			ec.dtmf_in_fd = (int)sl_opt_int("--dtmf-fd", optarg, 0, 1 << 20);
			if (fcntl(ec.dtmf_in_fd, F_GETFD) < 0)
				sl_fatal_err(SL_EXIT_USAGE, errno, "--dtmf-fd %d", ec.dtmf_in_fd);
			break;
		case OPT_DTMF_PT:
			dtmf_pt = (int)sl_opt_int("--dtmf-pt", optarg, 96, 127);
			break;
		case OPT_SRTP_FILE:
		case OPT_SRTP_FD:
			if (key_set)
				sl_usage_error("--srtp-key-file and --srtp-key-fd: one key only");
			sl_opt_srtp_key(c == OPT_SRTP_FD ? "--srtp-key-fd" : "--srtp-key-file",
					optarg, c == OPT_SRTP_FD, &key);
			key_set = 1;
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
	own = lspec || rspec;
	sl_handoff_media(&mp, codec, ptime, dtmf_pt, rate);
	if (ec.fmt != SL_IN_S16LE && (mp.codec->kind != SL_KIND_G711 || mp.sample_rate != 8000))
		sl_usage_error("--format ulaw or alaw: G.711 codes at 8000 Hz, not %s at %d Hz",
			       mp.codec->name, mp.sample_rate);
	if (dtmf_pt < 0 && (own || mp.rtp_fd < 0))
		mp.dtmf_pt = 101;
	if (!own && mp.rtp_fd < 0)
		sl_usage_error("no peer: give --remote HOST:PORT, or run inside a call (RTP_FD)");
	if (own && !rspec)
		sl_usage_error("--local needs --remote HOST:PORT");
	/* In a call, the digits its control channel asks for (RTP_DTMF_FD),
	 * unless --dtmf-fd says otherwise or the peer takes none. */
	if (!own && ec.dtmf_in_fd < 0 && mp.dtmf_fd >= 0 && mp.dtmf_pt >= 0 &&
	    fcntl(mp.dtmf_fd, F_GETFD) >= 0)
		ec.dtmf_in_fd = mp.dtmf_fd;
	else if ((ec.digits || ec.dtmf_in_fd >= 0) && mp.dtmf_pt < 0)
		sl_usage_error("the peer takes no telephone-event (RTP_DTMF_PAYLOAD_TYPE "
			       "is unset): no DTMF; --dtmf-pt forces one");
	sockets(lspec, rspec, &mp, &ec);
	if (ec.dtmf_in_fd >= 0)
		fcntl(ec.dtmf_in_fd, F_SETFD, FD_CLOEXEC);

	ec.codec = mp.codec;
	ec.pt = mp.payload_type;
	ec.rate = mp.sample_rate;
	ec.fmtp = mp.fmtp;
	ec.ptime = mp.ptime;
	ec.dtmf_pt = mp.dtmf_pt;
	ec.send = 1;
	ec.muted = !own && (mp.direction == SL_DIR_RECVONLY ||
			    mp.direction == SL_DIR_INACTIVE);
	ec.input_fd = 0;
	ec.output_fd = -1;
	sl_debug("%s %s, ptime %d ms, telephone-event %d, RTCP %s%s, payload type %d, "
		 "%d Hz", own ? "own socket" : "inherited socket", ec.codec->name, mp.ptime,
		 mp.dtmf_pt, ec.rtcp_fd >= 0 ? "on" : "off",
		 ec.muted ? ", muted (direction)" : "", ec.pt, ec.rate);
	if (key_set)
		ec.srtp_tx = ec.srtp_rx = &key;
	else if (hand_keys && !own) {
		ec.srtp_tx = &hand_tx;
		ec.srtp_rx = &hand_rx;
	}
	return sl_engine_run(&ec);
}
