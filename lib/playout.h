/* The playout clock: RTP packets in, one unbroken timeline of decoded
 * audio out.  A function of time and packets with no sockets: the caller
 * hands it each packet with its arrival time and asks it, with the time,
 * what to write and when to ask again (rtp-recv(1) describes the
 * behaviour).
 *
 * The output clock starts with the first packet and from then on writes
 * exactly one second of audio per second of it, a frame at a time.  Each
 * packet's samples have a place on that timeline: its timestamp plus the
 * stream's offset, set when the stream starts so that the first packet
 * plays the jitter buffer's delay and a frame after it arrived.  Packets
 * lost between two that came are concealed (coder.h) when the next one
 * comes, comfort noise plays as noise at its level until audio follows,
 * and what has no packet still plays as silence.  The buffer is the part of the timeline not
 * written yet: reordered packets fall into their places, a duplicate into
 * a place already taken. */
#ifndef SIPLINE_PLAYOUT_H
#define SIPLINE_PLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "coder.h"
#include "rtcp.h"
#include "rtp.h"

/* How far from its time an output frame may be written: an arrival within
 * SLACK of a frame's time writes it, and the timer, SLACK after that time,
 * fires only when a packet is late or missing (one wake-up per packet on a
 * steady stream), while the output keeps within SLACK of a steady clock. */
#define SL_PLAYOUT_SLACK_NS     1000000
/* How long the output waits for late packets when it finds more than two
 * frames overdue with no audio for them (its process did not run). */
#define SL_PLAYOUT_GRACE_NS     60000000
/* In a call, how long it plays on after the peer's RTCP BYE. */
#define SL_PLAYOUT_BYE_LINGER_NS 1000000000
/* Packets of a new SSRC that make it the stream, once one has played. */
#define SL_PLAYOUT_PROBATION    3
/* The most the jitter buffer grows to with the measured jitter. */
#define SL_PLAYOUT_MAX_DELAY_MS 500

struct sl_playout_cfg {
	const struct sl_codec *codec;   /* the stream's; packets of the other
					 * G.711 law are decoded too on an
					 * 8000 Hz pipe */
	int pt;                 /* its payload type (0: the table's) */
	int recv_pt;            /* the number the peer sends it with, ours in
				 * SDP (RFC 3264 5.1), where the two differ;
				 * 0: pt.  Either number is taken: some peers
				 * send with their own. */
	int rate;               /* of the output, Hz (0: the codec's) */
	int plc;                /* conceal lost packets (else silence) */
	int frame;              /* output frame, samples on the pipe */
	int jitter_ms;          /* the jitter buffer's delay */
	int dtmf_pt;            /* telephone-event payload type, -1 none */
	int in_call;            /* linger after the peer's RTCP BYE */
	int64_t timeout_ns;     /* no RTP for this long: media lost; 0 none */
	uint64_t limit;         /* samples to write at most; 0 no limit */
};

enum sl_play {
	SL_PLAY_WAIT,           /* ask again at *wake or when a packet comes */
	SL_PLAY_WRITE,          /* write the *n samples given, ask again */
	SL_PLAY_END,            /* done: sl_playout_status says how */
};

/* RFC 3550 A.1 bookkeeping for one SSRC, with duplicates told apart. */
struct sl_seq {
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;        /* wraps, times 65536 */
	uint32_t base_seq;      /* extended first sequence number */
	uint64_t received;      /* distinct packets */
	uint64_t seen[2];       /* the 128 sequence numbers up to max_seq */
	uint64_t expected_prior, received_prior;  /* at the last report */
	double jitter;          /* RFC 3550 A.8, timestamp units */
	int64_t transit;        /* of the last audio packet */
	int have_transit;
};

struct sl_playout_stats {
	uint64_t packets;       /* RTP datagrams, duplicates and events included */
	uint64_t lost;          /* expected less received, per SSRC */
	uint64_t duplicates;
	uint64_t late;          /* came after their place was written */
	uint64_t bad;           /* not audio of the stream's codec: garbage,
				 * too long, another payload type */
	uint64_t concealed;     /* samples of the pipe made up for lost ones */
	double jitter_ms;       /* of the current stream */
};

struct sl_playout {
	struct sl_playout_cfg cfg;
	int rate;               /* pipe samples per second */
	int clock;              /* the stream's timestamp units per second */
	struct sl_dec *dec;
	int64_t delay;          /* the jitter buffer's delay, samples */
	int64_t frame_ns;
	/* the output clock */
	int started;
	int64_t out0;           /* when position 0 was due */
	int64_t written;        /* samples written */
	int64_t align_phase, align_period;  /* the grid to start on, 0 none */
	/* the timeline not yet written: a ring from position written */
	int16_t *ring;
	size_t cap, head;
	int64_t last_end;       /* past the newest sample placed */
	int64_t longest;        /* the longest packet seen, samples */
	uint64_t placed;        /* audio packets placed */
	/* the stream */
	int active, synced, locked;
	int64_t offset;         /* position = extended timestamp * mul + offset */
	uint32_t last_ts;
	int64_t last_ext;
	int far;                /* packets in a row far from the timeline */
	uint32_t cand_ssrc;     /* a new SSRC on probation */
	uint16_t cand_seq;
	int cand_count;
	struct sl_seq seq;
	uint64_t expected_done, received_done;  /* earlier SSRCs */
	uint32_t lsr;           /* the peer's last SR, for our reports */
	int64_t lsr_at;
	/* loss, for concealment: the newest sequence number, and where the
	 * newest audio ended (extended timestamp) */
	int have_prev, have_audio;
	uint16_t prev_seq;
	int lost_before;        /* packets missing before the current one */
	int64_t prev_end;
	/* comfort noise (RFC 3389): its level (-dBov, -1 none) from position
	 * cn_from until the audio after it */
	int cn_level;
	int64_t cn_from, cn_until;
	uint32_t noise;
	struct { uint32_t ssrc, ts; } dtmf_seen[16];
	unsigned dtmf_next;
	/* what ends it */
	int64_t last_rx;        /* the last packet, or the start */
	int bye;                /* the stream's sender said BYE */
	int64_t bye_at;
	int stopping;           /* a signal: play out what is there */
	int64_t grace_end;
	int waiting;            /* waiting for late packets */
	int ended, status;
	struct sl_playout_stats st;
};

/* now: the start (the time-out counts from it).  Returns 0, EINVAL (a
 * frame or a rate the codec does not allow) or ENOMEM. */
int sl_playout_init(struct sl_playout *pl, const struct sl_playout_cfg *cfg,
		    int64_t now);
void sl_playout_free(struct sl_playout *pl);

/* The output's frames fall on the grid phase + k period (the send
 * schedule's, so that one wake-up serves both): from the first packet on,
 * or, when the output runs already, from now on (its clock moves by less
 * than half a frame, once). */
void sl_playout_align(struct sl_playout *pl, int64_t phase, int64_t period);
/* 1 once the output clock runs; *phase is then one of its frame times. */
int sl_playout_phase(const struct sl_playout *pl, int64_t *phase);

/* A packet that arrived at `arrival`.  Returns the digit of a
 * telephone-event seen for the first time, '\0' for anything else. */
char sl_playout_packet(struct sl_playout *pl, int64_t arrival,
		       const struct sl_rtp_packet *pkt);
/* The peer's RTCP: a BYE of ssrc; a sender report (for reports back). */
void sl_playout_bye(struct sl_playout *pl, uint32_t ssrc);
void sl_playout_sr(struct sl_playout *pl, uint32_t ssrc, uint32_t ntp_mid,
		   int64_t now);
/* A signal: play out what is buffered, at once, and end. */
void sl_playout_stop(struct sl_playout *pl);
/* The output is gone (EPIPE): end now, quietly. */
void sl_playout_closed(struct sl_playout *pl);

/* What to do at now: up to max samples go to out. */
enum sl_play sl_playout_next(struct sl_playout *pl, int64_t now, int16_t *out,
			     size_t max, size_t *n, int64_t *wake);
/* 1 while it waits for packets that are late (read the socket at once). */
int sl_playout_waiting(const struct sl_playout *pl);
/* 0, or 8 (SL_EXIT_MEDIALOST) when no RTP came for the time-out. */
int sl_playout_status(const struct sl_playout *pl);

void sl_playout_stats(const struct sl_playout *pl, struct sl_playout_stats *st);
/* A datagram that came but cannot be a packet of the stream (cut short):
 * counted as a packet, and bad. */
void sl_playout_bad(struct sl_playout *pl);

/* "packets=N lost=N duplicates=N late=N bad=N concealed=Nms
 * jitter=F.FFms". */
void sl_playout_stats_line(const struct sl_playout *pl, char *buf, size_t size);
/* A report block on the current stream for our RTCP.  Returns 0, or
 * ENOENT when nothing was received. */
int sl_playout_report(struct sl_playout *pl, int64_t now, struct sl_rtcp_block *b);

#endif
