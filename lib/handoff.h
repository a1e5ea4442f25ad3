/* The hand-off contracts: between the signalling tools (sip-call,
 * sip-answer) and the media command they run (which descriptors are
 * inherited and which environment variables describe them and the call),
 * and between sip-register and the program it chain-loads.  Every
 * variable is here and written and read only in handoff.c; sipline(7),
 * sections MEDIA HAND-OFF and CHAIN-LOADING, documents exactly this. */
#ifndef SIPLINE_HANDOFF_H
#define SIPLINE_HANDOFF_H

#include "addr.h"
#include "codec.h"
#include "sdes.h"

/* Fixed descriptors (fd 3 is never used: bats and others own it). */
#define SL_HANDOFF_RTP_FD   6   /* UDP, bound, connected to the peer's RTP */
#define SL_HANDOFF_RTCP_FD  7   /* UDP, bound to RTP port + 1, connected to
				 * the peer's RTCP; absent when RTCP_FD unset */
#define SL_HANDOFF_SIP_FD   5   /* chain-loading: the answering socket */
#define SL_HANDOFF_REG_FD   4   /* chain-loading: the registration channel
				 * (lib/regchan.h) */
#define SL_HANDOFF_SRTP_KEY_FD 8 /* SRTP: the call's two key lines (below) */
#define SL_HANDOFF_CONTROL_FD 9 /* a pipe: the command's control lines to
				 * its call (lib/control.h) */
#define SL_HANDOFF_DTMF_FD 10   /* a pipe: lines of digits the call asks to
				 * send, for rtp-send */
#define SL_HANDOFF_SIP_DTMF_FD 11 /* a pipe: the keys the peer sent by SIP
				   * INFO, a digit and a newline each, for
				   * rtp-recv */

/* Environment variable names.  A value that is unknown is left unset. */
#define SL_ENV_RTP_FD            "RTP_FD"
#define SL_ENV_RTCP_FD           "RTCP_FD"
#define SL_ENV_RTP_LOCAL_HOST    "RTP_LOCAL_HOST"
#define SL_ENV_RTP_LOCAL_PORT    "RTP_LOCAL_PORT"
#define SL_ENV_RTP_REMOTE_HOST   "RTP_REMOTE_HOST"
#define SL_ENV_RTP_REMOTE_PORT   "RTP_REMOTE_PORT"
#define SL_ENV_RTP_PAYLOAD_TYPE  "RTP_PAYLOAD_TYPE"
#define SL_ENV_RTP_LOCAL_PAYLOAD_TYPE "RTP_LOCAL_PAYLOAD_TYPE" /* the codec's number in
							 * our SDP, which the peer sends with */
#define SL_ENV_RTP_CODEC         "RTP_CODEC"        /* a name of codec.h's table */
#define SL_ENV_RTP_CLOCK_RATE    "RTP_CLOCK_RATE"
#define SL_ENV_RTP_SAMPLE_RATE   "RTP_SAMPLE_RATE"  /* Hz of the raw audio on the pipe */
#define SL_ENV_RTP_FMTP          "RTP_FMTP"         /* the peer's a=fmtp parameters */
#define SL_ENV_RTP_PTIME         "RTP_PTIME"        /* milliseconds */
#define SL_ENV_RTP_DTMF_PT       "RTP_DTMF_PAYLOAD_TYPE"
#define SL_ENV_RTP_DIRECTION     "RTP_DIRECTION"    /* sendrecv sendonly recvonly inactive */
#define SL_ENV_RTP_TIMEOUT       "RTP_TIMEOUT"      /* seconds without RTP = media lost */
/* An SRTP call: the descriptor (8) of a sealed, read-only memory file
 * holding two key lines of rtp-send's --srtp-key-file form, "SUITE
 * BASE64KEY": ours (what we send with), then the peer's (what it sends
 * with).  The keys are never in the environment nor in argv; each reader
 * reads the file from offset 0 (pread), so rtp-send and rtp-recv started
 * side by side both get them, and closes its descriptor.  Unset: plain
 * RTP. */
#define SL_ENV_RTP_SRTP_KEY_FD   "RTP_SRTP_KEY_FD"
#define SL_ENV_RTP_DTMF_FD       "RTP_DTMF_FD"      /* 10: digits to send, lines */
#define SL_ENV_SIP_CONTROL_FD    "SIP_CONTROL_FD"   /* 9: control lines to the call */
#define SL_ENV_SIP_DTMF_FD       "SIP_DTMF_FD"      /* 11: keys received by INFO */
#define SL_ENV_SIP_CALL_ID       "SIP_CALL_ID"
#define SL_ENV_SIP_LOCAL_URI     "SIP_LOCAL_URI"
#define SL_ENV_SIP_REMOTE_URI    "SIP_REMOTE_URI"
#define SL_ENV_SIP_REMOTE_NAME   "SIP_REMOTE_NAME"  /* display name, sanitised */
#define SL_ENV_SIP_DIRECTION     "SIP_DIRECTION"    /* outgoing or incoming */
#define SL_ENV_SIP_CONTENT_TYPE  "SIP_CONTENT_TYPE" /* a MESSAGE's, sanitised */
#define SL_ENV_SIP_MEDIA_PHASE   "SIP_MEDIA_PHASE"  /* early or answered */
#define SL_ENV_SIP_SOCKET_FD     "SIP_SOCKET_FD"    /* chain-loading: 5 */
#define SL_ENV_SIP_REGISTER_FD   "SIP_REGISTER_FD"  /* chain-loading: 4 */
#define SL_ENV_SIP_CONTACT       "SIP_CONTACT"      /* the Contact registered */
#define SL_ENV_SIP_TRANSPORT     "SIP_TRANSPORT"    /* chain-loading: the socket's
							 * (a setting too) */

/* RTP_DIRECTION, as the local side sees the stream (SDP a=sendrecv...). */
enum sl_media_dir {
	SL_DIR_SENDRECV = 0,    /* also when unknown */
	SL_DIR_SENDONLY,
	SL_DIR_RECVONLY,
	SL_DIR_INACTIVE,
};

/* What the media tools need to know about their stream. */
struct sl_media_params {
	int rtp_fd;             /* -1 when none */
	int rtcp_fd;            /* -1 when none */
	struct sl_addr local;   /* len 0 when unknown */
	struct sl_addr remote;  /* len 0 when unknown */
	int payload_type;       /* the codec's number in the peer's SDP: we send
				 * with it */
	int local_pt;           /* its number in our SDP: the peer sends with
				 * it (RFC 3264 5.1); -1: payload_type */
	const struct sl_codec *codec;   /* a codec of codec.h's table */
	int clock_rate;         /* 8000 */
	int sample_rate;        /* of the pipe, Hz; 0: the codec's */
	char fmtp[128];         /* the peer's a=fmtp of the codec, "" none */
	int ptime;              /* ms */
	int dtmf_pt;            /* -1 when the peer takes no telephone-event */
	double rtp_timeout;     /* seconds, 0 = none */
	int direction;          /* enum sl_media_dir */
	/* SRTP: our key and the peer's (suite SL_SRTP_OFF: plain RTP), for
	 * the default media; a command gets them on srtp_key_fd (-1: none),
	 * RTP_SRTP_KEY_FD. */
	struct sl_sdes srtp_tx, srtp_rx;
	int srtp_key_fd;
	int dtmf_fd;            /* lines of digits to send; -1 when none */
	int sip_dtmf_fd;        /* keys received by SIP INFO; -1 when none */
};

/* Sets p to the defaults of standalone use: no descriptors, no addresses,
 * the table's first codec, 20 ms, no telephone-event, no timeout,
 * sendrecv. */
void sl_media_params_init(struct sl_media_params *p);

/* "sendrecv"... for an enum sl_media_dir; sl_media_dir_parse returns -1
 * for a name it does not know. */
const char *sl_media_dir_name(int dir);
int sl_media_dir_parse(const char *name);

/* Fills p from the environment (RTP_* above); fields whose variables are
 * unset keep the values p already has, so callers set defaults first.
 * Returns 0, or EINVAL naming the bad variable in *bad. */
int sl_handoff_from_env(struct sl_media_params *p, const char **bad);

/* Writes the RTP_* variables of p into the environment (setenv), unsetting
 * those that are unknown.  Returns 0 or an errno value. */
int sl_handoff_to_env(const struct sl_media_params *p);

/* The media tools' settings: p from the environment (RTP_*), then the
 * options given over it (codec NULL, ptime, dtmf_pt and rate -1 when not
 * given), then checked: a codec of the table at its clock rate, a packet
 * time it takes, a pipe rate the tools take (the codec's when unset).
 * Exits 100 with "prog: fatal: bad RTP_PTIME: 5" (the variable and its
 * value) on anything wrong. */
void sl_handoff_media(struct sl_media_params *p, const struct sl_codec *codec,
		      int ptime, int dtmf_pt, int rate);

/* The media tools' SRTP keys from the hand-off: when RTP_SRTP_KEY_FD is
 * set, reads its two lines into tx (ours) and rx (the peer's), closes the
 * descriptor and unsets the variable.  Returns 0 (suites SL_SRTP_OFF
 * when it is unset), or EINVAL/ENOTSUP/an errno value with why. */
int sl_handoff_srtp_take(struct sl_sdes *tx, struct sl_sdes *rx, const char **why);

/* The same for rtp-send and rtp-recv: 1 when there were keys, 0 when
 * none; exits 100 with the reason (never a key) when they cannot be
 * read. */
int sl_handoff_media_keys(struct sl_sdes *tx, struct sl_sdes *rx);

/* Makes the descriptor of RTP_SRTP_KEY_FD for the keys of p (see above):
 * into *fd, close-on-exec, the caller maps it to SL_HANDOFF_SRTP_KEY_FD.
 * Returns 0 or an errno value. */
int sl_handoff_srtp_keys(const struct sl_media_params *p, int *fd);

/* The call, as its media command sees it (SIP_* variables). */
struct sl_handoff_call {
	const char *call_id;
	const char *local_uri, *remote_uri;
	const char *remote_name;        /* sanitised; NULL or "": none */
	int outgoing;
	const char *phase;              /* SIP_MEDIA_PHASE: "early" or
					 * "answered"; NULL: unset */
};

/* Writes the SIP_* variables of the call.  Returns 0 or an errno value. */
int sl_handoff_call_to_env(const struct sl_handoff_call *c);
/* SIP_CONTENT_TYPE, of a MESSAGE handed to sip-answer's --on-message
 * command (NULL unsets it).  Returns 0 or an errno value. */
int sl_handoff_message_to_env(const char *type);
/* SIP_CONTROL_FD: the descriptor of the call's control channel, -1 unsets
 * it.  Returns 0 or an errno value. */
int sl_handoff_control_to_env(int fd);

/* Chain-loading: the answering socket is descriptor fd (SIP_SOCKET_FD),
 * contact the Contact registered (SIP_CONTACT) and transport its
 * transport (SIP_TRANSPORT: a TCP and a TLS socket look the same; NULL
 * leaves the variable as it is); fd -1 unsets the first two.  Returns 0 or
 * an errno value. */
int sl_handoff_socket_to_env(int fd, const char *contact, const char *transport);
/* The descriptor in SIP_SOCKET_FD into *fd, -1 when unset.  Returns 0, or
 * EINVAL when the value is no descriptor it may be (0-1023, never 3). */
int sl_handoff_socket_from_env(int *fd);
/* Removes SIP_SOCKET_FD: the socket is taken, and not passed on. */
void sl_handoff_socket_forget(void);
/* The registration channel's descriptor (SIP_REGISTER_FD; -1 unsets it).
 * Returns 0 or an errno value. */
int sl_handoff_regchan_to_env(int fd);
/* SIP_REGISTER_FD into *fd (-1 when unset), and unsets it: the channel is
 * taken and not passed on.  Returns 0, or EINVAL for a value that is no
 * descriptor it may be. */
int sl_handoff_regchan_take(int *fd);

#endif
