/* The send schedule (pacer.h): rtp-send's loop as a step function. */
#include "pacer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "g711.h"
#include "log.h"

int
sl_pacer_init(struct sl_pacer *p, const struct sl_pacer_cfg *cfg)
{
	const struct sl_codec *c = cfg->codec;

	int rate = cfg->rate > 0 ? cfg->rate : c->pipe_rate, err;

	memset(p, 0, sizeof *p);
	if (!sl_codec_ptime_ok(c, cfg->ptime) ||
	    (cfg->fmt != SL_IN_S16LE && (c->kind != SL_KIND_G711 || rate != 8000)))
		return EINVAL;
	p->cfg = *cfg;
	p->cfg.rate = rate;
	if (p->cfg.pt <= 0)     /* 0 given is PCMU's, unset another's */
		p->cfg.pt = c->pt;
	p->bps = cfg->fmt == SL_IN_S16LE ? 2 : 1;
	p->frame = sl_codec_samples(c, rate, cfg->ptime);
	p->ticks = sl_codec_ticks(c, cfg->ptime);
	p->ptime_ns = (int64_t)cfg->ptime * 1000000;
	if (cfg->fmt == SL_IN_S16LE &&
	    (err = sl_enc_new(c, rate, cfg->ptime, cfg->fmtp, &p->enc)) != 0)
		return err;
	/* A second of input and a packet more: read ahead in big pieces. */
	p->incap = (size_t)rate * (size_t)p->bps + (size_t)p->frame * (size_t)p->bps;
	p->in = malloc(p->incap);
	p->pcm = calloc((size_t)p->frame, sizeof *p->pcm);
	if (p->in == NULL || p->pcm == NULL) {
		sl_pacer_free(p);
		return ENOMEM;
	}
	p->marker = 1;
	p->phase = -1;
	sl_dtmf_tx_init(&p->dtmf, c->clock_rate, p->ticks);
	return 0;
}

void
sl_pacer_free(struct sl_pacer *p)
{
	free(p->in);
	free(p->pcm);
	sl_enc_free(p->enc);
	p->in = NULL;
	p->pcm = NULL;
	p->enc = NULL;
}

/* Bytes of input that make one packet. */
static size_t
frame_bytes(const struct sl_pacer *p)
{
	return (size_t)p->frame * (size_t)p->bps;
}

/* 1 when a packet's worth of input (or the padded last one) is there.  A
 * stray byte at the end, half a sample, is no audio and makes no packet. */
static int
have_frame(const struct sl_pacer *p)
{
	return p->inlen >= frame_bytes(p) || (p->eof && p->inlen >= (size_t)p->bps);
}

size_t
sl_pacer_room(const struct sl_pacer *p, uint8_t **where)
{
	*where = p->in + p->inlen;
	/* Below half full, or without a whole packet. */
	if (p->eof || p->inlen + frame_bytes(p) > p->incap ||
	    (p->inlen > p->incap / 2 && have_frame(p)))
		return 0;
	return p->incap - p->inlen;
}

void
sl_pacer_input(struct sl_pacer *p, size_t n, int64_t now)
{
	if (n == 0) {
		p->eof = 1;
		return;
	}
	/* Input after a silence of the source is new audio, not audio owed
	 * to the packet times an event took. */
	if (p->last_input && now - p->last_input > 2 * p->ptime_ns)
		p->debt = 0;
	p->inlen += n;
	p->last_input = now;
}

int
sl_pacer_dtmf(struct sl_pacer *p, const char *digits)
{
	return sl_dtmf_tx_push(&p->dtmf, digits);
}

void
sl_pacer_align(struct sl_pacer *p, int64_t phase)
{
	p->phase = phase;
}

int
sl_pacer_started(const struct sl_pacer *p)
{
	return p->started;
}

/* Takes one packet's worth of input off the buffer, encoded into out
 * (NULL: thrown away), the last partial frame padded with silence.
 * Returns the payload's length (0 when the encoder failed). */
static size_t
take_frame(struct sl_pacer *p, uint8_t *out)
{
	const struct sl_codec *c = p->cfg.codec;
	size_t fb = frame_bytes(p), n = p->inlen < fb ? p->inlen : fb;
	size_t samples = n / (size_t)p->bps, i, len = (size_t)p->frame;
	int k;

	if (out) {
		if (p->cfg.fmt == SL_IN_S16LE) {
			for (i = 0; i < samples; i++)
				p->pcm[i] = (int16_t)(p->in[2 * i] | (p->in[2 * i + 1] << 8));
			memset(p->pcm + samples, 0, ((size_t)p->frame - samples) * sizeof *p->pcm);
			k = sl_enc_frame(p->enc, p->pcm, out, SL_RTP_MAX - 12);
			len = k > 0 ? (size_t)k : 0;
		} else {
			int from = p->cfg.fmt == SL_IN_ALAW ? SL_PT_PCMA : SL_PT_PCMU;

			if (from == c->pt)
				memcpy(out, p->in, samples);
			else
				sl_g711_transcode(from, c->pt, p->in, out, samples);
			memset(out + samples, c->silence, (size_t)p->frame - samples);
		}
	}
	memmove(p->in, p->in + n, p->inlen - n);
	p->inlen -= n;
	return len;
}

/* The RFC 4733 payload of one event packet. */
static void
event_packet(struct sl_pacer *p, const struct sl_dtmf_step *st,
	     struct sl_rtp_packet *pkt, uint8_t *buf)
{
	buf[0] = (uint8_t)st->event;
	buf[1] = (uint8_t)((st->end ? 0x80 : 0) | SL_DTMF_VOLUME);
	buf[2] = (uint8_t)(st->duration >> 8);
	buf[3] = (uint8_t)st->duration;
	pkt->marker = st->marker;
	pkt->pt = p->cfg.dtmf_pt;
	pkt->ts = st->ts;
	pkt->payload = buf;
	pkt->len = 4;
}

/* Starts the schedule at now, or on the next tick of the grid to keep. */
static void
start(struct sl_pacer *p, int64_t now)
{
	p->started = 1;
	p->anchor = now;
	if (p->phase >= 0) {
		int64_t behind = (now - p->phase) % p->ptime_ns;

		if (behind < 0)
			behind += p->ptime_ns;
		p->anchor = behind ? now - behind + p->ptime_ns : now;
	}
	/* Digits may start the stream before the first read: input that
	 * comes right after is owed to those packet times, not new audio
	 * after a silence. */
	if (p->last_input == 0)
		p->last_input = now;
	sl_debug("stream starts: ts %u, ptime %d ms", p->cfg.ts0, p->cfg.ptime);
}

enum sl_pace
sl_pacer_step(struct sl_pacer *p, int64_t now, struct sl_pacer_out *out,
	      int64_t *wake)
{
	struct sl_dtmf_step st;
	int64_t due, gap;
	uint32_t ts;
	int frame = have_frame(p), busy = sl_dtmf_tx_busy(&p->dtmf);

	out->n = 0;
	*wake = INT64_MAX;
	if (!p->started && (frame || busy))
		start(p, now);
	if (!p->started)
		return p->eof ? SL_PACE_DONE : SL_PACE_WAIT;
	due = p->anchor + p->k * p->ptime_ns;
	if (!frame && !busy) {
		if (!p->eof) {
			p->starved = 1; /* a packet waits for its audio */
			return SL_PACE_WAIT;
		}
		/* The last packet lasts a ptime too: a file of N s takes N. */
		if (p->sent > 0 && now < due) {
			*wake = due;
			return SL_PACE_WAIT;
		}
		return SL_PACE_DONE;
	}
	if (now < due) {
		*wake = due;
		return SL_PACE_WAIT;
	}
	/* Late because the input was (not because we were: then the packets
	 * just catch up).  The schedule keeps its grid. */
	if (p->starved && now - due > 2 * p->ptime_ns) {
		int64_t n = (now - due) / p->ptime_ns;

		gap = n * p->ptime_ns;
		p->anchor += gap;
		p->jump += (uint32_t)(n * p->ticks);
		p->marker = 1;
		p->debt = 0;
		due += gap;
		sl_debug("input %lld ms late: schedule moved, timestamp jumps %lld",
			 (long long)((now - due + gap) / 1000000), (long long)(n * p->ticks));
	}
	/* Audio owed from event times when none was there. */
	while (p->debt > 0 && p->inlen >= frame_bytes(p)) {
		take_frame(p, NULL);
		p->debt--;
	}
	p->starved = 0;
	frame = have_frame(p);
	ts = p->cfg.ts0 + (uint32_t)(p->k * p->ticks) + p->jump;
	memset(&st, 0, sizeof st);
	if (busy)
		sl_dtmf_tx_step(&p->dtmf, ts, &st);
	if (st.event_packet && !p->cfg.muted) {
		event_packet(p, &st, &out->pkt[out->n], p->payload[out->n]);
		out->n++;
	}
	if (st.mute) {
		if (frame)
			take_frame(p, NULL);
		else
			p->debt++;
	} else if (frame) {
		struct sl_rtp_packet *pkt = &out->pkt[out->n];
		size_t len = take_frame(p, p->cfg.muted ? NULL : p->payload[out->n]);

		if (!p->cfg.muted && len > 0) {
			pkt->marker = p->marker;
			pkt->pt = p->cfg.pt;
			pkt->ts = ts;
			pkt->payload = p->payload[out->n];
			pkt->len = len;
			out->n++;
			p->marker = 0;
		}
	} else {
		p->debt++;
	}
	p->sent += (uint64_t)out->n;
	p->k++;
	return SL_PACE_SEND;
}
