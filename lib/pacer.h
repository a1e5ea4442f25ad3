/* The send schedule: raw audio in, RTP packets out, each at its time.  A
 * function of time and input with no sockets: the caller feeds it what
 * stdin gave and asks it, with the time, what to send and when to ask
 * again (rtp-send(1) describes the behaviour).
 *
 * The clock: packet k is due at anchor + k ptime, with timestamp ts0 +
 * k frame + jump.  A file is read ahead and sent on that schedule; when the
 * input itself comes more than 2 packets late (a live source that
 * stalled), the anchor moves by the whole packet times that passed and the
 * timestamp by as much (marker set), so that latency never builds up and
 * the receiver sees no burst.  A caller that is late itself (a stopped
 * process) just catches up. */
#ifndef SIPLINE_PACER_H
#define SIPLINE_PACER_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "coder.h"
#include "dtmf.h"
#include "rtp.h"

/* The input's format. */
enum sl_input_fmt {
	SL_IN_S16LE,            /* 16-bit linear, little-endian */
	SL_IN_ULAW,             /* G.711 codes already */
	SL_IN_ALAW,
};

struct sl_pacer_cfg {
	const struct sl_codec *codec;
	int pt;                 /* its payload type in this stream (0: the
				 * table's) */
	int rate;               /* of the input, Hz (0: the codec's) */
	const char *fmtp;       /* the peer's a=fmtp of the codec, NULL none */
	int fmt;                /* enum sl_input_fmt */
	int ptime;              /* ms */
	int dtmf_pt;            /* telephone-event payload type, -1 none */
	int muted;              /* consume the input on time, send nothing
				 * (the stream is recvonly or inactive) */
	uint32_t ts0;           /* the first timestamp */
};

/* What to send now: up to two packets (an event and the audio beside it). */
struct sl_pacer_out {
	int n;
	struct sl_rtp_packet pkt[2];
};

enum sl_pace {
	SL_PACE_SEND,           /* out holds what to send now; ask again */
	SL_PACE_WAIT,           /* ask again at *wake, or when input comes
				 * (*wake INT64_MAX: only then) */
	SL_PACE_DONE,           /* the input and the digits are all sent, and
				 * the last packet's time is over */
};

struct sl_pacer {
	struct sl_pacer_cfg cfg;
	int bps;                /* input bytes per sample */
	int frame;              /* samples per packet on the pipe */
	int ticks;              /* timestamp units per packet */
	int64_t ptime_ns;
	uint8_t *in;            /* input not yet sent */
	size_t inlen, incap;
	int eof;
	int64_t last_input;     /* when input last came, 0 never */
	struct sl_dtmf_tx dtmf;
	int started, starved, marker;
	int64_t anchor, k, debt;
	int64_t phase;          /* the grid to start on (sl_pacer_align), -1 none */
	uint32_t jump;
	uint64_t sent;          /* packets */
	int16_t *pcm;           /* one packet of samples */
	struct sl_enc *enc;
	uint8_t payload[2][SL_RTP_MAX];
};

/* Returns 0, EINVAL (a packet time the codec does not take, a rate that
 * makes no whole frame, G.711 codes in for another codec) or ENOMEM. */
int sl_pacer_init(struct sl_pacer *p, const struct sl_pacer_cfg *cfg);
void sl_pacer_free(struct sl_pacer *p);

/* Where the next input goes and how much of it fits; 0 when the buffer
 * holds enough (it is read ahead in big pieces) or the input has ended. */
size_t sl_pacer_room(const struct sl_pacer *p, uint8_t **where);
/* n bytes were put where sl_pacer_room said, at now; n 0: end of input. */
void sl_pacer_input(struct sl_pacer *p, size_t n, int64_t now);
/* Queues digits and pauses (checked with sl_dtmf_check).  Returns 0 or
 * ENOSPC. */
int sl_pacer_dtmf(struct sl_pacer *p, const char *digits);
/* Starts the schedule, when it starts, on the grid phase + k ptime (the
 * output clock's, so that one wake-up serves both), not at once. */
void sl_pacer_align(struct sl_pacer *p, int64_t phase);
/* 1 once the schedule has started; its grid is then anchor + k ptime. */
int sl_pacer_started(const struct sl_pacer *p);

/* What to do at now. */
enum sl_pace sl_pacer_step(struct sl_pacer *p, int64_t now,
			   struct sl_pacer_out *out, int64_t *wake);

#endif
