/* The media engine on real descriptors: the send schedule (pacer.h) from
 * an input to an RTP socket, the playout clock (playout.h) from the RTP
 * socket to an output, or both at once in one process with one timer
 * (the default media of a call), RTCP, symmetric RTP (latch.h) and the
 * signals that end it.  rtp-send, rtp-recv and the default media of
 * sip-call and sip-answer are this with different settings. */
#ifndef SIPLINE_ENGINE_H
#define SIPLINE_ENGINE_H

#include <stdint.h>

#include "addr.h"
#include "codec.h"
#include "sdes.h"

struct sl_engine_cfg {
	int rtp_fd, rtcp_fd;    /* rtcp_fd -1: none */
	/* Symmetric RTP: the sockets come unconnected, remote (and
	 * rtcp_port) are the peer's from its SDP, and the engine latches
	 * (latch.h) and connects them.  Otherwise they are used as they are:
	 * connected to the peer, or (a receiver) open to anyone. */
	int latch;
	struct sl_addr remote;
	int rtcp_port;
	const struct sl_codec *codec;
	int pt;                 /* its payload type here, the peer's number:
				 * we send with it (0: the table's) */
	int recv_pt;            /* its number in our SDP, which the peer
				 * sends with (RFC 3264 5.1); 0: pt */
	int rate;               /* of stdin and stdout, Hz (0: the codec's) */
	const char *fmtp;       /* the peer's a=fmtp of the codec, NULL none */
	int plc;                /* conceal lost packets */
	int ptime;              /* ms: packets sent, and output frames */
	int dtmf_pt;            /* -1: none */
	/* sending: input_fd -> RTP */
	int send;
	int muted;              /* the stream is recvonly or inactive */
	int input_fd, fmt;      /* enum sl_input_fmt */
	const char *digits;     /* --dtmf */
	int dtmf_in_fd;         /* --dtmf-fd lines of digits, -1 none */
	/* receiving: RTP -> output_fd */
	int recv;
	int output_fd;
	int jitter_ms;
	double timeout;         /* s without RTP: media lost (exit 8); 0 none */
	double duration;        /* s of output at most; 0 no limit */
	int in_call;            /* on the call's socket (see playout.h) */
	int dtmf_out_fd;        /* DTMF lines go there, -1: events on stderr */
	int dtmf_sip_fd;        /* keys the peer sent by SIP INFO (a digit and
				 * a newline each), said as DTMF lines too;
				 * -1 none */
	/* Both at once: the output never blocks the sending (a reader that
	 * does not read loses its audio, not the peer's). */
	int output_nonblock;
	/* The default media: updates from the signalling tool (struct
	 * sl_engine_update), -1 none. */
	int ctl_fd;
	/* The prefixes of the lines of each side, and of the events of the
	 * call (with its Call-ID, which may be NULL). */
	const char *send_name, *recv_name, *call_name, *call_id;
	/* SRTP (srtp.h): the key of what we send and of what we receive;
	 * NULL: plain RTP. */
	const struct sl_sdes *srtp_tx, *srtp_rx;
};

/* An update from the signalling tool, written whole on ctl_fd. */
struct sl_engine_update {
	int send;               /* start sending now (the call was answered) */
	int muted;
	const struct sl_codec *codec;   /* (the engine is forked, not run) */
	int pt, ptime, dtmf_pt;
	char fmtp[128];
	int moved;              /* a re-INVITE moved the peer's media: */
	struct sl_addr remote;  /* send there from now on, nowhere else */
	int rtcp_port;
	int hold;               /* 1: our hold (send nothing, no time-out),
				 * 2: its end; 0: no change */
};

/* Runs until the stream ends.  Returns the exit status: 0; 8 when no RTP
 * came for the time-out; 111 when a descriptor fails. */
int sl_engine_run(const struct sl_engine_cfg *cfg);

#endif
