/* The media side of a call as the signalling tools see it: the RTP and
 * RTCP sockets whose port goes into SDP, and what gets them, started and
 * stopped with the call: the default media (lib/engine.c in a process of
 * its own, forked without exec) or a media command (the hand-off of
 * sipline(7)). */
#ifndef SIPLINE_MEDIA_H
#define SIPLINE_MEDIA_H

#include <sys/types.h>

#include "addr.h"
#include "handoff.h"
#include "loop.h"

/* RTP ports are even and taken at random from this range (RFC 3550 §11);
 * RTCP uses the next one. */
#define SL_RTP_PORT_MIN 16384
#define SL_RTP_PORT_MAX 32766
/* How long a media command has to exit after SIGTERM before SIGKILL. */
#define SL_MEDIA_STOP_WAIT_MS 5000

struct sl_media;

/* The media is over: every process of it has exited.  status is what the
 * call's exit status becomes: 0, or 8 (media lost), or the 100-127 code of
 * a media command that failed (see sl_media_status). */
typedef void (*sl_media_cb)(struct sl_media *m, int status, void *arg);

/* Binds an RTP socket (and RTCP on the next port) on host ip.  Returns 0
 * or an errno value (EADDRINUSE when no pair of ports was free). */
int sl_media_new(struct sl_loop *loop, const struct sl_addr *ip,
		 struct sl_media **out);
void sl_media_free(struct sl_media *m);

/* Our RTP address (host and port) for SDP. */
const struct sl_addr *sl_media_local(const struct sl_media *m);

/* The peer's RTP address and RTCP port (again after a re-INVITE moved
 * them).  A command gets the sockets connected to them; the default media
 * latches (symmetric RTP) and connects them itself.  Returns 0 or an errno
 * value. */
int sl_media_connect(struct sl_media *m, const struct sl_addr *rtp, int rtcp_port);

/* The call's control channel for its media (sipline(7), CONTROL
 * CHANNEL): control_fd the write end of the pipe the call reads, dtmf_fd
 * the read end of the pipe of digits to send.  A command gets them on fds
 * 8 and 9 (SIP_CONTROL_FD, RTP_DTMF_FD), the default media reads the
 * digits; the media owns them from now on and closes its copies once the
 * media has started.  -1: none. */
void sl_media_channels(struct sl_media *m, int control_fd, int dtmf_fd);
/* fd, the read end of the pipe of keys the peer sent by SIP INFO (a
 * digit and a newline each): a command gets it on fd 11 (SIP_DTMF_FD),
 * the default media reads it and says each key as it says those of RTP
 * events; owned and closed like the channels above. */
void sl_media_dtmf_received(struct sl_media *m, int fd);

/* Runs argv with the sockets on fds 6 and 7, the RTP_* variables of p,
 * and whatever SIP_* variables the caller has set; or, argv NULL, the
 * default media, which sends our stdin and plays to our stdout (one
 * process, both directions).  Either in a process group of its own.  cb
 * runs once it has ended.  Returns 0 or an errno value. */
int sl_media_start(struct sl_media *m, char *const *argv,
		   const struct sl_media_params *p, sl_media_cb cb, void *arg);
/* Early media (a 183 with SDP): starts the default media receiving only,
 * so that what the network plays before the answer (ringback,
 * announcements) reaches our stdout; sl_media_start with argv NULL makes
 * it send too, at the answer.  Returns 0 or an errno value. */
int sl_media_start_early(struct sl_media *m, const struct sl_media_params *p,
			 sl_media_cb cb, void *arg);
/* Our hold (held 1) or its end (0): the default media sends nothing and
 * counts no silence of the peer as lost media meanwhile; a command's
 * media is its own business (it asked for the hold). */
void sl_media_hold(struct sl_media *m, int held);
/* Asks the media to end (SIGTERM to its group, SIGKILL after
 * SL_MEDIA_STOP_WAIT_MS); cb follows.  Harmless when nothing runs. */
void sl_media_stop(struct sl_media *m);
/* 1 while a media process runs. */
int sl_media_running(const struct sl_media *m);

/* The call's exit status for a media command's exit code: 8 stays 8 (media
 * lost), 100-127 stay (could not run, not found, system failure), the rest
 * is an ordinary end of the call (0). */
int sl_media_status(int code);

#endif
