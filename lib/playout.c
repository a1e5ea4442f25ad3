/* The playout clock (playout.h): rtp-recv's jitter buffer and output
 * clock as functions of time and packets. */
#include "playout.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtmf.h"
#include "log.h"

#define NS 1000000000LL

int
sl_playout_init(struct sl_playout *pl, const struct sl_playout_cfg *cfg,
		int64_t now)
{
	const struct sl_codec *c = cfg->codec;
	int64_t most;
	int err;

	memset(pl, 0, sizeof *pl);
	pl->rate = cfg->rate > 0 ? cfg->rate : c->pipe_rate;
	if (cfg->frame <= 0 || !sl_codec_rate_ok(pl->rate))
		return EINVAL;
	pl->cfg = *cfg;
	if (pl->cfg.pt <= 0)
		pl->cfg.pt = c->pt;
	if (pl->cfg.recv_pt <= 0)
		pl->cfg.recv_pt = pl->cfg.pt;
	pl->clock = c->clock_rate;
	pl->cn_level = -1;
	pl->noise = 0x2545f491;
	if ((err = sl_dec_new(c, pl->rate, cfg->plc, &pl->dec)) != 0)
		return err;
	pl->delay = (int64_t)cfg->jitter_ms * pl->rate / 1000;
	pl->frame_ns = (int64_t)cfg->frame * NS / pl->rate;
	/* The timeline ahead: the largest delay twice over, and two seconds. */
	most = pl->delay > (int64_t)SL_PLAYOUT_MAX_DELAY_MS * pl->rate / 1000 ?
	       pl->delay : (int64_t)SL_PLAYOUT_MAX_DELAY_MS * pl->rate / 1000;
	pl->cap = (size_t)(2 * most + 2 * (int64_t)pl->rate);
	pl->ring = calloc(pl->cap, sizeof *pl->ring);
	if (pl->ring == NULL) {
		sl_playout_free(pl);
		return ENOMEM;
	}
	pl->last_rx = now;
	return 0;
}

void
sl_playout_free(struct sl_playout *pl)
{
	free(pl->ring);
	sl_dec_free(pl->dec);
	pl->ring = NULL;
	pl->dec = NULL;
}

/* The position on the timeline of extended timestamp ext. */
static int64_t
pos_of(const struct sl_playout *pl, int64_t ext)
{
	return ext * pl->rate / pl->clock + pl->offset;
}

void
sl_playout_align(struct sl_playout *pl, int64_t phase, int64_t period)
{
	int64_t off;

	if (period <= 0 || (pl->align_period == period && pl->align_phase == phase))
		return;
	pl->align_phase = phase;
	pl->align_period = period;
	if (!pl->started)
		return;
	/* Running already: the output clock moves to the nearest point of
	 * the grid, once (less than half a frame either way; what is placed
	 * keeps its place on the timeline). */
	off = (pl->out0 - phase) % period;
	if (off < 0)
		off += period;
	if (off > period / 2)
		off -= period;
	pl->out0 -= off;
}

int
sl_playout_phase(const struct sl_playout *pl, int64_t *phase)
{
	*phase = pl->out0;
	return pl->started;
}

/* ---- the timeline ---- */

/* Samples due at now: every frame whose time comes within the slack. */
static int64_t
due(const struct sl_playout *pl, int64_t now)
{
	int64_t d = now + SL_PLAYOUT_SLACK_NS - pl->out0;

	return pl->started && d > 0 ? d * pl->rate / NS : 0;
}

/* The ring index of position pos (written <= pos < written + cap). */
static size_t
at(const struct sl_playout *pl, int64_t pos)
{
	return (pl->head + (size_t)(pos - pl->written)) % pl->cap;
}

static void
put(struct sl_playout *pl, int64_t pos, const int16_t *s, size_t n)
{
	size_t i = at(pl, pos), first = pl->cap - i < n ? pl->cap - i : n;

	memcpy(pl->ring + i, s, first * sizeof *s);
	memcpy(pl->ring, s + first, (n - first) * sizeof *s);
}

/* Comfort noise where its stretch of the timeline meets out (n samples
 * from position written): white noise whose RMS is the level below
 * full scale (0 dBov: a full-scale square wave, ITU-T G.100.1); clipped
 * above -5 dBov, where its peaks pass full scale. */
static void
noise(struct sl_playout *pl, int16_t *out, size_t n)
{
	double amp = 32767.0 * pow(10, -pl->cn_level / 20.0) * sqrt(3), v;
	int64_t pos = pl->written;
	size_t i;

	for (i = 0; i < n; i++, pos++) {
		uint32_t x = pl->noise;

		if (pos < pl->cn_from || pos >= pl->cn_until)
			continue;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pl->noise = x;
		v = amp * ((double)x / 2147483648.0 - 1.0);
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	if (pos >= pl->cn_until)
		pl->cn_level = -1;
}

/* Takes n samples off the front of the timeline into out (silence where
 * nothing was placed), leaving silence behind for reuse. */
static void
take(struct sl_playout *pl, int16_t *out, size_t n)
{
	size_t first = pl->cap - pl->head < n ? pl->cap - pl->head : n;

	memcpy(out, pl->ring + pl->head, first * sizeof *out);
	memcpy(out + first, pl->ring, (n - first) * sizeof *out);
	memset(pl->ring + pl->head, 0, first * sizeof *out);
	memset(pl->ring, 0, (n - first) * sizeof *out);
	pl->head = (pl->head + n) % pl->cap;
	if (pl->cn_level >= 0)
		noise(pl, out, n);
	pl->written += (int64_t)n;
}

/* Removes the n samples at from (the audio after them moves up). */
static void
cut(struct sl_playout *pl, int64_t from, int64_t n)
{
	int64_t pos;

	for (pos = from; pos + n < pl->last_end; pos++)
		pl->ring[at(pl, pos)] = pl->ring[at(pl, pos + n)];
	for (; pos < pl->last_end; pos++)
		pl->ring[at(pl, pos)] = 0;
	pl->last_end -= n;
	pl->offset -= n;
	if (pl->cn_level >= 0) {
		if (pl->cn_from > from)
			pl->cn_from = pl->cn_from - n > from ? pl->cn_from - n : from;
		if (pl->cn_until != INT64_MAX && pl->cn_until > from)
			pl->cn_until = pl->cn_until - n > from ? pl->cn_until - n : from;
	}
}

/* The output clock starts at arrival, or at the grid point before it. */
static void
start_clock(struct sl_playout *pl, int64_t arrival)
{
	pl->started = 1;
	pl->out0 = arrival;
	if (pl->align_period > 0) {
		int64_t off = (arrival - pl->align_phase) % pl->align_period;

		pl->out0 -= off < 0 ? off + pl->align_period : off;
	}
	sl_debug("first packet");
}

/* The delay the buffer keeps: the one asked for, more while the jitter
 * is high (four times the RFC 3550 estimate), up to a limit. */
static int64_t
delay_now(const struct sl_playout *pl)
{
	int64_t j = (int64_t)(pl->seq.jitter * 4) * pl->rate / pl->clock;
	int64_t most = (int64_t)SL_PLAYOUT_MAX_DELAY_MS * pl->rate / 1000;

	if (j > most)
		j = most;
	return j > pl->delay ? j : pl->delay;
}

/* ---- the stream: sequence numbers, SSRC changes ---- */

/* Adds the finished stream's counts to the totals. */
static void
close_stream(struct sl_playout *pl)
{
	struct sl_seq *s = &pl->seq;

	if (!pl->active)
		return;
	pl->expected_done += s->cycles + s->max_seq - s->base_seq + 1;
	pl->received_done += s->received;
}

static void
new_stream(struct sl_playout *pl, uint32_t ssrc, uint16_t seq)
{
	close_stream(pl);
	memset(&pl->seq, 0, sizeof pl->seq);
	pl->seq.ssrc = ssrc;
	pl->seq.max_seq = seq;
	pl->seq.base_seq = seq;
	pl->seq.seen[0] = 1;
	pl->seq.received = 1;
	pl->active = 1;
	pl->synced = 0;
	pl->have_prev = pl->have_audio = 0;
	pl->cn_level = -1;
	pl->bye = 0;
	pl->cand_count = 0;
	if (pl->started)
		sl_debug("new stream: SSRC %08x", ssrc);
}

/* Bit k of the window: sequence number max_seq - k. */
static int
seen(const struct sl_seq *s, unsigned k)
{
	return (int)(s->seen[k / 64] >> (k % 64) & 1);
}

static void
mark(struct sl_seq *s, unsigned k)
{
	s->seen[k / 64] |= (uint64_t)1 << (k % 64);
}

/* Moves the window up by d sequence numbers. */
static void
slide(struct sl_seq *s, unsigned d)
{
	if (d >= 128) {
		s->seen[0] = s->seen[1] = 0;
	} else if (d >= 64) {
		s->seen[1] = s->seen[0] << (d - 64);
		s->seen[0] = 0;
	} else if (d > 0) {
		s->seen[1] = s->seen[1] << d | s->seen[0] >> (64 - d);
		s->seen[0] <<= d;
	}
}

/* Counts sequence number seq of the current stream.  Returns 1 when it is
 * a duplicate. */
static int
count_seq(struct sl_seq *s, uint16_t seq)
{
	uint16_t delta = (uint16_t)(seq - s->max_seq), back;

	if (delta != 0 && delta < 0x8000) {
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->max_seq = seq;
		slide(s, delta);
		mark(s, 0);
		s->received++;
		return 0;
	}
	back = (uint16_t)(s->max_seq - seq);
	if (back < 128) {
		if (seen(s, back))
			return 1;
		mark(s, back);
	}
	if (s->cycles == 0 && (int16_t)(seq - (uint16_t)s->base_seq) < 0)
		s->base_seq = seq;      /* reordered before the first one */
	s->received++;
	return 0;
}

/* RFC 3550 A.8, with the arrival in timestamp units. */
static void
count_jitter(struct sl_playout *pl, int64_t arrival, uint32_t ts)
{
	struct sl_seq *s = &pl->seq;
	int64_t at_ts = arrival / 1000 * pl->clock / 1000000;
	int64_t transit = at_ts - (int64_t)ts, d;

	if (s->have_transit) {
		d = transit - s->transit;
		/* A wrap of the timestamp is no jitter. */
		if (d > 0x7fffffffLL || d < -0x7fffffffLL)
			d = 0;
		if (d < 0)
			d = -d;
		s->jitter += ((double)d - s->jitter) / 16;
	}
	s->transit = transit;
	s->have_transit = 1;
}

/* Decides whether pkt belongs to the stream we play; a new SSRC takes
 * over at once before anything has played, after PROBATION packets in
 * sequence afterwards (a stray datagram that looks like RTP must not lock
 * the stream out; a restarted peer is followed).  Returns 1 to go on. */
static int
take_stream(struct sl_playout *pl, const struct sl_rtp_packet *pkt)
{
	if (!pl->active || (!pl->locked && pkt->ssrc != pl->seq.ssrc)) {
		new_stream(pl, pkt->ssrc, pkt->seq);
		return 1;
	}
	if (pkt->ssrc == pl->seq.ssrc) {
		pl->cand_count = 0;
		if (count_seq(&pl->seq, pkt->seq)) {
			pl->st.duplicates++;
			return 0;
		}
		return 1;
	}
	if (pl->cand_count > 0 && pkt->ssrc == pl->cand_ssrc &&
	    pkt->seq == (uint16_t)(pl->cand_seq + 1)) {
		pl->cand_count++;
	} else {
		pl->cand_ssrc = pkt->ssrc;
		pl->cand_count = 1;
	}
	pl->cand_seq = pkt->seq;
	if (pl->cand_count < SL_PLAYOUT_PROBATION)
		return 0;
	new_stream(pl, pkt->ssrc, pkt->seq);
	return 1;
}

/* ---- packets ---- */

/* One telephone-event packet: its digits, each once (RFC 4733 2.5.1.1: an
 * event is its SSRC and timestamp; its updates and end packets repeat
 * them).  Returns the first new digit, or '\0'. */
static char
dtmf_packet(struct sl_playout *pl, const struct sl_rtp_packet *pkt)
{
	char digit = '\0';
	size_t i;
	unsigned k;

	if (pkt->len == 0 || pkt->len % 4 != 0)
		return '\0';
	pl->locked = 1;
	for (i = 0; i + 4 <= pkt->len; i += 4) {
		uint32_t ts = pkt->ts + (uint32_t)i;
		const uint8_t *p = pkt->payload + i;

		for (k = 0; k < 16; k++)
			if (pl->dtmf_seen[k].ssrc == pkt->ssrc && pl->dtmf_seen[k].ts == ts)
				break;
		if (k < 16)
			continue;
		k = pl->dtmf_next++ % 16;
		pl->dtmf_seen[k].ssrc = pkt->ssrc;
		pl->dtmf_seen[k].ts = ts;
		sl_debug("telephone-event %d%s duration %d ts %u", p[0],
			 p[1] & 0x80 ? " end" : "", (p[2] << 8) | p[3], pkt->ts);
		if (digit == '\0')
			digit = sl_dtmf_char(p[0]);
	}
	return digit;
}

/* Places the stream so that a packet arriving now plays the delay and a
 * frame later, after what is placed already. */
static void
sync_stream(struct sl_playout *pl, int64_t arrival, int64_t ext)
{
	int64_t first = due(pl, arrival) + pl->delay + pl->cfg.frame;

	if (first < pl->written)
		first = pl->written;
	if (first < pl->last_end)
		first = pl->last_end;
	pl->offset = first - ext * pl->rate / pl->clock;
	pl->synced = 1;
	pl->far = 0;
}

/* The timestamp of the stream extended to 64 bits. */
static int64_t
extend(struct sl_playout *pl, uint32_t ts)
{
	int64_t ext;

	if (!pl->synced) {
		pl->last_ts = ts;
		pl->last_ext = (int64_t)1 << 40;
	}
	ext = pl->last_ext + (int32_t)(ts - pl->last_ts);
	if (ext > pl->last_ext) {
		pl->last_ext = ext;
		pl->last_ts = ts;
	}
	return ext;
}

/* Samples of the pipe a packet may decode to, at most: the longest Opus
 * packet at the highest rate. */
#define PCM_MAX (SL_CODER_MAX * 4)
/* The longest loss concealed, ms: past it the concealment would be a
 * drone, and silence is the truth. */
#define CONCEAL_MAX_MS 120

enum what { AUDIO, OTHER_LAW, NOISE };

/* Conceals what was lost between the newest audio and position pos (the
 * packet pkt that follows the loss), where it is not written yet. */
static void
conceal(struct sl_playout *pl, int64_t pos, const struct sl_rtp_packet *pkt)
{
	static int16_t pcm[PCM_MAX];
	int64_t from = pos_of(pl, pl->prev_end), gap = pos - from;
	int k, skip;

	if (gap <= 0 || gap > (int64_t)pl->rate * CONCEAL_MAX_MS / 1000 || gap > PCM_MAX ||
	    pos <= pl->written)
		return;
	k = sl_dec_conceal(pl->dec, pkt ? pkt->payload : NULL, pkt ? pkt->len : 0, pcm,
			   (size_t)gap);
	if (k <= 0)
		return;
	pl->st.concealed += (uint64_t)k;
	skip = from < pl->written ? (int)(pl->written - from) : 0;
	if (skip < k)
		put(pl, from + skip, pcm + skip, (size_t)(k - skip));
	if (from + k > pl->last_end)
		pl->last_end = from + k;
	sl_debug("%d samples concealed before seq %u", k, pkt->seq);
}

/* Puts a packet's samples in their place on the timeline: audio of the
 * stream's codec, of the other G.711 law (c), or comfort noise. */
static void
place(struct sl_playout *pl, int64_t arrival, const struct sl_rtp_packet *pkt,
      enum what what, const struct sl_codec *c)
{
	static int16_t pcm[PCM_MAX];
	int64_t n = 0, ext, pos, skip = 0;
	int k;

	if (pkt->len == 0 || (what == OTHER_LAW && pkt->len > PCM_MAX)) {
		pl->st.bad++;
		return;
	}
	if (!pl->started) {
		start_clock(pl, arrival);
	} else if (pl->placed == 1 && pl->align_period == 0 &&
		   pl->written <= pl->cfg.frame) {
		/* The first packet is often a little early or late (cold
		 * caches on either side, a packet that waited in the socket):
		 * when the second is off its frame's time by more than the
		 * slack and less than a frame, it gives the phase instead, or
		 * every packet would cost two wake-ups.  Only once: later an
		 * arrival off its time is the network's jitter, and following
		 * it would empty the buffer.  (When it is late, the first
		 * frame is written already.) */
		int64_t off = arrival - (pl->out0 + pl->frame_ns);

		if ((off > SL_PLAYOUT_SLACK_NS || off < -SL_PLAYOUT_SLACK_NS) &&
		    off > -pl->frame_ns && off < pl->frame_ns)
			pl->out0 += off;
	}
	pl->placed++;
	ext = extend(pl, pkt->ts);
	if (!pl->synced)
		sync_stream(pl, arrival, ext);
	pos = pos_of(pl, ext);
	if (pos >= pl->written + (int64_t)pl->cap - PCM_MAX / 8 || pos < pl->written - pl->rate) {
		/* Far from the timeline: a timestamp jump when two in a row
		 * say so, else a stray packet. */
		if (++pl->far < 2)
			return;
		sl_debug("timestamp jump: the stream starts over");
		pl->last_ext = ext;
		pl->last_ts = pkt->ts;
		sync_stream(pl, arrival, ext);
		pos = pos_of(pl, ext);
		pl->have_audio = 0;
	}
	pl->far = 0;
	if (what == NOISE) {
		/* Noise from here until the audio that follows. */
		pl->cn_level = pkt->payload[0] & 0x7f;
		pl->cn_from = pos;
		pl->cn_until = INT64_MAX;
		pl->have_audio = 0;
		sl_debug("comfort noise at -%d dBov from ts %u", pl->cn_level, pkt->ts);
		return;
	}
	/* Lost packets before this one, after audio that came: concealed
	 * (the decoder's state goes through the loss before this packet). */
	if (what == AUDIO && pl->cfg.plc && pl->have_audio && pl->lost_before > 0 &&
	    ext > pl->prev_end)
		conceal(pl, pos, pkt);
	if (what == AUDIO) {
		if ((k = sl_dec_packet(pl->dec, pkt->payload, pkt->len, pcm, PCM_MAX)) <= 0) {
			pl->st.bad++;
			return;
		}
		n = k;
	} else {
		c->decode(pkt->payload, pcm, pkt->len);
		n = (int64_t)pkt->len;
	}
	if (pos + n > pl->written + (int64_t)pl->cap)
		n = pl->written + (int64_t)pl->cap - pos;
	if (pl->cn_level >= 0 && pos >= pl->cn_from && pos < pl->cn_until)
		pl->cn_until = pos;
	if (ext + n * pl->clock / pl->rate > pl->prev_end || !pl->have_audio) {
		pl->prev_end = ext + n * pl->clock / pl->rate;
		pl->have_audio = 1;
	}
	if (pos < pl->written) {
		if (pos >= pl->last_end) {
			/* Nothing newer came and the output ran dry: the stream
			 * is late, not this packet: it plays now, the rest of
			 * the stream as much later. */
			pl->offset += pl->written - pos;
			pos = pl->written;
		} else if (pos + n <= pl->written) {
			pl->st.late++;
			return;
		} else {
			skip = pl->written - pos;
		}
	}
	if (sl_verbose > 1)
		sl_debug("packet seq %u ts %u at %lld (written %lld, due %lld)",
			 pkt->seq, pkt->ts, (long long)pos, (long long)pl->written,
			 (long long)due(pl, arrival));
	put(pl, pos + skip, pcm + skip, (size_t)(n - skip));
	if (pos + n > pl->last_end)
		pl->last_end = pos + n;
	if (n > pl->longest)
		pl->longest = n;
}

char
sl_playout_packet(struct sl_playout *pl, int64_t arrival,
		  const struct sl_rtp_packet *pkt)
{
	const struct sl_codec *c = pl->cfg.codec, *other;

	pl->st.packets++;
	if (pl->ended)
		return '\0';
	pl->last_rx = arrival;
	if (!take_stream(pl, pkt))
		return '\0';
	/* Packets missing before this one (events and noise count: they
	 * take sequence numbers too); reordered ones miss nothing. */
	pl->lost_before = 0;
	if (!pl->have_prev || (int16_t)(pkt->seq - pl->prev_seq) > 0) {
		if (pl->have_prev)
			pl->lost_before = (uint16_t)(pkt->seq - pl->prev_seq) - 1;
		pl->prev_seq = pkt->seq;
		pl->have_prev = 1;
	}
	if (pl->cfg.dtmf_pt >= 0 && pkt->pt == pl->cfg.dtmf_pt)
		return dtmf_packet(pl, pkt);
	if (pkt->pt == pl->cfg.pt || pkt->pt == pl->cfg.recv_pt) {
		pl->locked = 1;
		count_jitter(pl, arrival, pkt->ts);
		place(pl, arrival, pkt, AUDIO, NULL);
	} else if (pkt->pt == SL_PT_CN && pl->clock == 8000) {
		/* (noise alone does not hold the stream against a new SSRC) */
		place(pl, arrival, pkt, NOISE, NULL);
	} else if ((other = sl_codec_by_pt(pkt->pt)) != NULL && other->kind == SL_KIND_G711 &&
		   c->kind == SL_KIND_G711 && pl->rate == 8000) {
		pl->locked = 1;
		count_jitter(pl, arrival, pkt->ts);
		place(pl, arrival, pkt, OTHER_LAW, other);
	} else {
		/* Another payload type mid-stream: no audio we can play. */
		pl->st.bad++;
	}
	return '\0';
}

void
sl_playout_bad(struct sl_playout *pl)
{
	pl->st.packets++;
	pl->st.bad++;
}

void
sl_playout_bye(struct sl_playout *pl, uint32_t ssrc)
{
	sl_debug("RTCP BYE from %08x", ssrc);
	if (pl->active && ssrc == pl->seq.ssrc)
		pl->bye = 1;
}

void
sl_playout_sr(struct sl_playout *pl, uint32_t ssrc, uint32_t ntp_mid, int64_t now)
{
	if (pl->active && ssrc == pl->seq.ssrc) {
		pl->lsr = ntp_mid;
		pl->lsr_at = now;
	}
}

void
sl_playout_stop(struct sl_playout *pl)
{
	pl->stopping = 1;
}

void
sl_playout_closed(struct sl_playout *pl)
{
	pl->ended = 1;
	pl->status = 0;
}

/* ---- the output ---- */

static enum sl_play
end(struct sl_playout *pl, int status)
{
	pl->ended = 1;
	pl->status = status;
	pl->waiting = 0;
	return SL_PLAY_END;
}

/* Samples that may still be written under --duration, of n wanted. */
static size_t
allowed(const struct sl_playout *pl, int64_t n)
{
	if (pl->cfg.limit && (uint64_t)(pl->written + n) > pl->cfg.limit)
		n = (int64_t)pl->cfg.limit - pl->written;
	return n > 0 ? (size_t)n : 0;
}

/* Writes what is placed, at once, in whole frames (the end of the
 * stream). */
static enum sl_play
drain(struct sl_playout *pl, int16_t *out, size_t max, size_t *n)
{
	int64_t frame = pl->cfg.frame;
	size_t k = allowed(pl, (pl->last_end - pl->written + frame - 1) / frame * frame);

	if (k == 0)
		return end(pl, 0);
	if (k > max)
		k = max / (size_t)frame * (size_t)frame;
	*n = k;
	take(pl, out, *n);
	return SL_PLAY_WRITE;
}

/* Keeps the latency down: audio placed further ahead of the output than
 * the delay, a frame and a packet (and two frames of slack) is cut from
 * the front.  Audio owed to frames already due is not latency. */
static void
bound_latency(struct sl_playout *pl, int64_t d)
{
	int64_t base = d > pl->written ? d : pl->written;
	int64_t keep = delay_now(pl) + pl->cfg.frame + pl->longest;

	if (pl->last_end - base > keep + 2 * pl->cfg.frame) {
		int64_t n = pl->last_end - base - keep;

		sl_debug("%lld samples ahead of the output: %lld cut",
			 (long long)(pl->last_end - base), (long long)n);
		cut(pl, base, n);
	}
}

enum sl_play
sl_playout_next(struct sl_playout *pl, int64_t now, int16_t *out, size_t max,
		size_t *n, int64_t *wake)
{
	int64_t d, next, frame = pl->cfg.frame;
	size_t k;

	*n = 0;
	*wake = INT64_MAX;
	pl->waiting = 0;
	if (pl->ended)
		return SL_PLAY_END;
	if (pl->bye && pl->bye_at == 0) {
		/* In a call the peer's RTCP BYE comes just before its SIP
		 * BYE, which ends the call and us: play on a little, so that
		 * the call ends as the peer's hang-up, not as ours. */
		pl->bye_at = now;
		if (pl->cfg.in_call)
			sl_debug("RTCP BYE: playing on for the call's end, at most %lld ms",
				 (long long)(SL_PLAYOUT_BYE_LINGER_NS / 1000000));
	}
	if (pl->stopping || (pl->bye && (!pl->cfg.in_call ||
					 now - pl->bye_at >= SL_PLAYOUT_BYE_LINGER_NS))) {
		if (!pl->started)
			return end(pl, 0);
		return drain(pl, out, max, n);
	}
	/* (After an RTCP BYE the RTP has stopped by design: the wait for
	 * the call's end is no loss of media.) */
	if (pl->cfg.timeout_ns > 0 && pl->bye_at == 0 &&
	    now - pl->last_rx >= pl->cfg.timeout_ns)
		return end(pl, SL_EXIT_MEDIALOST);
	if (pl->cfg.timeout_ns > 0 && pl->bye_at == 0)
		*wake = pl->last_rx + pl->cfg.timeout_ns;
	if (pl->bye_at && pl->cfg.in_call)
		*wake = pl->bye_at + SL_PLAYOUT_BYE_LINGER_NS;
	if (!pl->started)
		return SL_PLAY_WAIT;
	d = due(pl, now);
	bound_latency(pl, d);
	/* More than two frames overdue, their audio missing: this process
	 * did not run when they were due (its host stopped, or it did).  A
	 * sender stopped with it sends what it owes in a burst as soon as it
	 * runs again: wait up to GRACE for that before playing silence in
	 * its place.  Where each frame goes in the output does not change;
	 * only when it is written. */
	if (d >= pl->written + 3 * frame && pl->last_end < d) {
		if (pl->grace_end == 0) {
			pl->grace_end = now + SL_PLAYOUT_GRACE_NS;
			sl_debug("%lld samples overdue: waiting for late packets",
				 (long long)(d - pl->written));
		}
		if (now < pl->grace_end) {
			pl->waiting = 1;
			if (pl->grace_end < *wake)
				*wake = pl->grace_end;
			return SL_PLAY_WAIT;
		}
	} else {
		pl->grace_end = 0;
	}
	if (pl->written + frame <= d) {
		k = allowed(pl, (d - pl->written) / frame * frame);
		if (k > max)
			k = max / (size_t)frame * (size_t)frame;
		if (k == 0)
			return end(pl, 0);
		take(pl, out, k);
		*n = k;
		return SL_PLAY_WRITE;
	}
	if (pl->cfg.limit && (uint64_t)pl->written >= pl->cfg.limit)
		return end(pl, 0);
	/* The next frame's time, and the slack after it (see SLACK). */
	next = pl->out0 + (pl->written + frame) * NS / pl->rate + SL_PLAYOUT_SLACK_NS;
	if (next < *wake)
		*wake = next;
	return SL_PLAY_WAIT;
}

int
sl_playout_waiting(const struct sl_playout *pl)
{
	return pl->waiting;
}

int
sl_playout_status(const struct sl_playout *pl)
{
	return pl->status;
}

void
sl_playout_stats(const struct sl_playout *pl, struct sl_playout_stats *st)
{
	const struct sl_seq *s = &pl->seq;
	uint64_t expected = pl->expected_done, received = pl->received_done;

	*st = pl->st;
	if (pl->active) {
		expected += s->cycles + s->max_seq - s->base_seq + 1;
		received += s->received;
	}
	st->lost = expected > received ? expected - received : 0;
	st->jitter_ms = s->jitter * 1000.0 / pl->clock;
}

void
sl_playout_stats_line(const struct sl_playout *pl, char *buf, size_t size)
{
	struct sl_playout_stats st;

	sl_playout_stats(pl, &st);
	snprintf(buf, size, "packets=%llu lost=%llu duplicates=%llu late=%llu bad=%llu "
		 "concealed=%llums jitter=%.2fms",
		 (unsigned long long)st.packets, (unsigned long long)st.lost,
		 (unsigned long long)st.duplicates, (unsigned long long)st.late,
		 (unsigned long long)st.bad,
		 (unsigned long long)(st.concealed * 1000 / (uint64_t)pl->rate), st.jitter_ms);
}

int
sl_playout_report(struct sl_playout *pl, int64_t now, struct sl_rtcp_block *b)
{
	struct sl_seq *s = &pl->seq;
	uint64_t expected, ei, ri;
	int64_t lost;

	if (!pl->active)
		return ENOENT;
	expected = s->cycles + s->max_seq - s->base_seq + 1;
	lost = (int64_t)expected - (int64_t)s->received;
	ei = expected - s->expected_prior;
	ri = s->received - s->received_prior;
	s->expected_prior = expected;
	s->received_prior = s->received;
	memset(b, 0, sizeof *b);
	b->ssrc = s->ssrc;
	b->fraction = ei == 0 || ri >= ei ? 0 : (uint8_t)(((ei - ri) << 8) / ei);
	b->lost = lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : (int32_t)lost;
	b->ext_max = s->cycles + s->max_seq;
	b->jitter = (uint32_t)s->jitter;
	if (pl->lsr_at) {
		b->lsr = pl->lsr;
		b->dlsr = (uint32_t)((now - pl->lsr_at) * 65536 / NS);
	}
	return 0;
}
