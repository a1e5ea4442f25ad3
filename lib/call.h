/* One call, placed (sip-call) or taken (sip-answer): the INVITE dialog,
 * its SDP offer/answer, its media and how it ends.  The tool routes SIP
 * messages to it and learns its exit status when it is over. */
#ifndef SIPLINE_CALL_H
#define SIPLINE_CALL_H

#include "control.h"
#include "media.h"
#include "sdp.h"
#include "sip.h"
#include "stimer.h"

/* Codecs a call offers or takes, at most. */
#define SL_CALL_CODECS SL_SDP_CODECS

struct sl_call;

struct sl_call_config {
	char *const *media_argv;    /* NULL: the default media (stdin, stdout) */
	double rtp_timeout;         /* RTP_TIMEOUT for the media; 0: none */
	double duration;            /* hang up after this many seconds answered */
	const struct sl_codec *codecs[SL_CALL_CODECS]; /* offered / accepted, in
						     * preference order */
	int ncodecs;
	int ptime;                  /* ms */
	/* Told once, when the call's signalling is over (its dialog ended
	 * or its INVITE was refused), before its media may have exited:
	 * serve mode frees the call's slot then.  NULL: not told. */
	void (*on_over)(void *arg);
	void *over_arg;
	int rate;                   /* of the media's pipe, Hz; 0: the codec's */
	int srtp;                   /* enum sl_srtp_mode (sdes.h) */
	int early_media;            /* sip-call --early-media: the command
				     * runs for early media too */
	struct sl_srtp_suites srtp_suites; /* offered / taken, in order */
	/* A REFER of the peer's is followed (--allow-transfer): told its
	 * Refer-To, the tool places a new call (sl_call_transfer_for); NULL:
	 * a REFER is refused with 603. */
	void (*on_refer)(struct sl_call *c, const char *target, void *arg);
	void *refer_arg;
	/* Session timers (RFC 4028), seconds: the interval we ask for (0:
	 * none, the peer's still honoured), and the least we take (0:
	 * SL_SE_MIN_DEFAULT). */
	unsigned long session_expires;
	unsigned long min_se;
	int dtmf;                   /* enum sl_dtmf_mode (dtmf.h): how the
				     * control channel's keys go */
	/* What a MESSAGE in the call's dialog becomes (lib/message.h);
	 * NULL: an event line. */
	const struct sl_message_config *message;
};

/* Options --session-expires and --min-se of sip-call and sip-answer
 * (sipline(7), SESSION TIMERS): their help lines, getopt_long entries,
 * and their parsing.  A tool sets cfg.session_expires to SL_SE_DEFAULT
 * before it parses. */
#define SL_CALL_TIMER_HELP \
	"      --session-expires SECONDS  the session timer we ask for (RFC 4028):\n" \
	"                           refreshed at half of it, the call ended (exit 9)\n" \
	"                           when nobody does (default 1800; 0: none asked,\n" \
	"                           the peer's still honoured)\n" \
	"      --min-se SECONDS     the least session interval taken, 422 to less\n" \
	"                           (default 90, the RFC's least; less: for tests)\n"
enum { SL_CALL_OPT_SESSION_EXPIRES = 400, SL_CALL_OPT_MIN_SE };
#define SL_CALL_TIMER_LONGOPTS \
	{ "session-expires", required_argument, 0, SL_CALL_OPT_SESSION_EXPIRES }, \
	{ "min-se", required_argument, 0, SL_CALL_OPT_MIN_SE }
/* Takes opt into cfg: 1 when it is one of them, else 0. */
int sl_call_timer_option(struct sl_call_config *cfg, int opt, const char *arg);
/* After the options: a usage error when the interval is below Min-SE. */
void sl_call_timer_options_done(const struct sl_call_config *cfg);
/* 422 when a new INVITE asks for a session interval below cfg's Min-SE
 * (serve mode refuses it in the parent: the caller tries again with the
 * same Call-ID, which a call process would take for its own), else 0. */
int sl_call_timer_refuses(const struct sl_call_config *cfg, const osip_message_t *req);
/* That 422, with our Min-SE, to srv's INVITE. */
void sl_call_timer_reply_422(const struct sl_call_config *cfg, struct sl_server *srv);

/* The call is over (signalling done, media exited); status is the tool's
 * exit status (sipline(7)). */
typedef void (*sl_call_cb)(struct sl_call *call, int status, void *arg);

/* Returns 0 or ENOMEM. */
int sl_call_new(struct sl_sip *sip, struct sl_loop *loop,
		const struct sl_call_config *cfg, sl_call_cb cb, void *arg,
		struct sl_call **out);
void sl_call_free(struct sl_call *c);

/* Places the call: INVITE to uri with an SDP offer; timeout: seconds
 * without an answer before CANCEL (0: none).  Returns 0 or an errno/EAI
 * value (nothing was sent). */
int sl_call_dial(struct sl_call *c, const char *uri, double timeout);

/* Takes an incoming INVITE (new dialog): checks its offer and sends 100.
 * Returns 0, or the SIP status to refuse it with (488, 500), which the
 * caller then passes to sl_call_reject. */
int sl_call_incoming(struct sl_call *c, struct sl_server *srv,
		     osip_message_t *invite);
/* 180 Ringing. */
void sl_call_ring(struct sl_call *c);
/* 200 OK with our answer (or offer, when the INVITE had none), then the
 * media. */
void sl_call_answer(struct sl_call *c);
/* 183 Session Progress with our answer, and the media from now on
 * (SIP_MEDIA_PHASE=early): sl_call_answer's 200 follows, or a refusal.
 * Needs an offer in the INVITE; reliable (RFC 3262) when the INVITE
 * requires or supports 100rel.  Returns 0, or EINVAL without an offer. */
int sl_call_early(struct sl_call *c);
/* A final response (486, 603, 480, 488...) to the pending INVITE. */
void sl_call_reject(struct sl_call *c, int code);
/* The same, naming contact (a SIP URI, or NULL: none) as where to call
 * instead: for a 3xx (RFC 3261 §21.3). */
void sl_call_reject_to(struct sl_call *c, int code, const char *contact);

/* Ends the call from our side: CANCEL before an answer, BYE after, a 480
 * for an incoming call not answered yet. */
void sl_call_hangup(struct sl_call *c, const char *reason);

/* new replaces c, whose peer asked for it by REFER: new's progress goes
 * to that peer as NOTIFYs, and c ends (BYE) once new is answered. */
void sl_call_transfer_for(struct sl_call *new, struct sl_call *c);
/* The outcome of the call that replaces c (code 100-699; reason NULL: the
 * code's own), as a NOTIFY to c's peer; a 2xx ends c. */
void sl_call_transfer_progress(struct sl_call *c, int code, const char *reason);

/* A line of the control channel (sipline(7), CONTROL CHANNEL), from the
 * media command or the tool's --control-fd: carried out on the call and
 * answered by an event line (control ... or control-error ...). */
void sl_call_control(struct sl_call *c, const char *line, size_t len);
/* Reads once from fd, a control channel, into l: cb gets each whole line.
 * Returns 1 when the channel has ended (end of file, or an error: a last
 * line without its newline is given first), else 0. */
int sl_call_control_read(int fd, struct sl_control_lines *l,
			 sl_control_line_cb cb, void *arg);

/* A control channel of the tool's own (--control-fd): its lines go to
 * cb, for the call of the moment; its end changes nothing. */
struct sl_control_src {
	struct sl_loop *loop;
	int fd;
	struct sl_control_lines lines;
	sl_control_line_cb cb;
	void *arg;
};
/* Starts watching fd (made close-on-exec: no media command inherits it).
 * Returns 0 or an errno value. */
int sl_control_src_start(struct sl_control_src *s, struct sl_loop *loop, int fd,
			 sl_control_line_cb cb, void *arg);
void sl_control_src_stop(struct sl_control_src *s);

/* 1 when msg belongs to this call (same Call-ID, and the tags agree). */
int sl_call_owns(const struct sl_call *c, const osip_message_t *msg);
/* 1 when req is a retransmission of the INVITE this call answered (its
 * server transaction is gone): it is answered again here. */
int sl_call_retransmission(struct sl_call *c, struct sl_server *srv,
			   osip_message_t *req);
/* A request of this call (BYE, re-INVITE, CANCEL, OPTIONS...). */
void sl_call_request(struct sl_call *c, struct sl_server *srv,
		     osip_message_t *req);
/* An ACK, or a retransmitted 2xx, of this call. */
void sl_call_stray(struct sl_call *c, osip_message_t *msg);

/* Puts the call's identity in the environment: SIP_CALL_ID,
 * SIP_LOCAL_URI, SIP_REMOTE_URI, SIP_REMOTE_NAME, SIP_DIRECTION (values
 * from the network are cleaned: printable, bounded). */
void sl_call_export_env(struct sl_call *c);

/* 1 until the call is over. */
int sl_call_active(const struct sl_call *c);
const char *sl_call_id(const struct sl_call *c);
const char *sl_call_remote(const struct sl_call *c);

#endif
