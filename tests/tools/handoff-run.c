/* handoff-run: plays the signalling tool's part of the media hand-off for
 * tests: binds an RTP socket (and RTCP on the next port), connects them to
 * the peer, puts them on fds 6 and 7, sets the RTP_* variables with
 * sl_handoff_to_env() and runs a command with them.
 *
 * usage: handoff-run [-6R] [-c pcmu|pcma|g722|opus] [-d dtmf-pt] [-i count]
 *                    [-l port] [-p ptime] [-t timeout] -r host:port
 *                    command [arg...]
 *   -6  IPv6 loopback instead of 127.0.0.1
 *   -R  no RTCP socket (RTCP_FD unset)
 *   -i  binds the peer's address itself and sends COUNT datagrams from it
 *       to each socket first; after the command, prints on stderr how many
 *       are still queued: "handoff-run: queued rtp=N rtcp=N"
 * SIGTERM and SIGINT are passed on to the command; the exit status is the
 * command's. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "handoff.h"
#include "codec.h"
#include "rtpsock.h"

static pid_t child;

static void
pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static void
die(const char *what)
{
	fprintf(stderr, "handoff-run: %s: %s\n", what, strerror(errno));
	exit(111);
}

/* A UDP socket bound to a. */
static int
udp_bound(const struct sl_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		die("bind");
	return fd;
}

/* fd moved to 10 or above (close-on-exec); -1 stays -1. */
static int
move_up(int fd)
{
	int nfd;

	if (fd < 0)
		return fd;
	if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 10)) < 0)
		die("fcntl");
	close(fd);
	return nfd;
}

/* Datagrams waiting on fd (it is non-blocking by now, or made so). */
static int
queued(int fd)
{
	char buf[2048];
	int n = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0)
			n++;
		else if (errno != ECONNREFUSED)   /* an ICMP error, reported once */
			return n;
	}
}

int
main(int argc, char **argv)
{
	struct sl_media_params p;
	struct sl_addr local, remote, peer;
	const char *rspec = NULL, *lo = "127.0.0.1";
	int c, family = AF_INET, rtcp = 1, inject = 0, lport = 0, rtp_fd, rtcp_fd;
	int peer_rtp = -1, peer_rtcp = -1, status, i, rc;
	char what[128];

	sl_media_params_init(&p);
	while ((c = getopt(argc, argv, "+6Rc:d:i:l:p:r:t:")) != -1) {
		switch (c) {
		case '6': family = AF_INET6; lo = "::1"; break;
		case 'R': rtcp = 0; break;
		case 'c': p.codec = sl_codec_by_name(optarg); p.payload_type = p.codec ? p.codec->pt : -1; break;
		case 'd': p.dtmf_pt = atoi(optarg); break;
		case 'i': inject = atoi(optarg); break;
		case 'l': lport = atoi(optarg); break;
		case 'p': p.ptime = atoi(optarg); break;
		case 'r': rspec = optarg; break;
		case 't': p.rtp_timeout = atof(optarg); break;
		default: return 100;
		}
	}
	if (rspec == NULL || optind == argc || p.payload_type < 0) {
		fprintf(stderr, "usage: handoff-run [-6R] [-c codec] [-d pt] [-i n] "
			"[-l port] [-p ptime] [-t s] -r host:port command...\n");
		return 100;
	}
	if (sl_addr_parse(rspec, 0, 0, &remote) != 0) {
		fprintf(stderr, "handoff-run: bad address %s\n", rspec);
		return 100;
	}
	if (sl_addr_resolve(lo, lport, family, 1, &local) != 0)
		return 111;
	if (inject > 0) {
		peer = remote;
		peer_rtp = move_up(udp_bound(&peer));
		sl_addr_set_port(&peer, sl_addr_port(&remote) + 1);
		peer_rtcp = move_up(udp_bound(&peer));
	}
	if ((rc = sl_rtp_open(&local, &remote, &rtp_fd, &rtcp_fd, what, sizeof what))) {
		errno = rc;
		die(what);
	}
	if (!rtcp && rtcp_fd >= 0) {
		close(rtcp_fd);
		rtcp_fd = -1;
	}
	p.local.len = sizeof p.local.ss;
	getsockname(rtp_fd, (struct sockaddr *)&p.local.ss, &p.local.len);
	p.remote = remote;
	if (inject > 0) {
		struct sl_addr a = p.local;
		for (i = 0; i < inject; i++) {
			sendto(peer_rtp, "not for rtp-send", 16, 0,
			       (struct sockaddr *)&a.ss, a.len);
			if (rtcp_fd >= 0) {
				sl_addr_set_port(&a, sl_addr_port(&p.local) + 1);
				sendto(peer_rtcp, "not for rtp-send", 16, 0,
				       (struct sockaddr *)&a.ss, a.len);
				a = p.local;
			}
		}
	}
	/* Out of the way first (either may be 6 or 7 now), then onto the
	 * fixed descriptors, inherited (dup2 clears close-on-exec). */
	rtp_fd = move_up(rtp_fd);
	rtcp_fd = move_up(rtcp_fd);
	if (dup2(rtp_fd, SL_HANDOFF_RTP_FD) < 0)
		die("dup2");
	close(rtp_fd);
	rtp_fd = SL_HANDOFF_RTP_FD;
	if (rtcp_fd >= 0) {
		if (dup2(rtcp_fd, SL_HANDOFF_RTCP_FD) < 0)
			die("dup2");
		close(rtcp_fd);
		rtcp_fd = SL_HANDOFF_RTCP_FD;
	}
	p.rtp_fd = rtp_fd;
	p.rtcp_fd = rtcp_fd;
	if (sl_handoff_to_env(&p) != 0)
		die("setenv");

	signal(SIGTERM, pass_on);
	signal(SIGINT, pass_on);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "handoff-run: %s: %s\n", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (inject > 0)
		fprintf(stderr, "handoff-run: queued rtp=%d rtcp=%d\n",
			queued(rtp_fd), queued(rtcp_fd));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
