/* Unit tests for lib/pacer.c, the send schedule, case by case: input is
 * fed as stdin would give it, the schedule is asked what to send at the
 * times it names (or at other times, for a late caller), and each packet
 * is written down with the time it went.  No socket, no real time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "g711.h"
#include "log.h"
#include "pacer.h"
#include "tap.h"

#define MS 1000000LL

struct sent {
	int64_t at;
	int marker, pt;
	uint32_t ts;
	size_t len;
	uint8_t first;          /* the first payload byte */
	uint8_t last;
};

struct sim {
	struct sl_pacer p;
	struct sent sent[2000];
	int n;
	int64_t now;
	int done;
};

static void
setup(struct sim *s, int ptime, int fmt, int muted)
{
	struct sl_pacer_cfg c;

	sl_pacer_free(&s->p);       /* the case before's */
	memset(s, 0, sizeof *s);
	memset(&c, 0, sizeof c);
	c.codec = sl_codec_by_pt(0);
	c.fmt = fmt;
	c.ptime = ptime;
	c.dtmf_pt = 101;
	c.muted = muted;
	c.ts0 = 1000;
	if (sl_pacer_init(&s->p, &c) != 0)
		exit(1);
	s->now = 5000 * MS;
}

/* Gives n bytes of input of value v (0: the end of input) at now. */
static void
input(struct sim *s, size_t n, int v)
{
	uint8_t *where;
	size_t room;

	while (n > 0) {
		room = sl_pacer_room(&s->p, &where);
		if (room == 0)
			return;
		if (room > n)
			room = n;
		memset(where, v, room);
		sl_pacer_input(&s->p, room, s->now);
		n -= room;
	}
	if (v < 0)
		sl_pacer_input(&s->p, 0, s->now);
}

static void
eof(struct sim *s)
{
	sl_pacer_input(&s->p, 0, s->now);
}

/* Asks what to send at now until it waits; returns the wake time. */
static int64_t
step(struct sim *s)
{
	struct sl_pacer_out out;
	int64_t wake;
	int i;

	for (;;) {
		enum sl_pace r = sl_pacer_step(&s->p, s->now, &out, &wake);

		if (r == SL_PACE_DONE) {
			s->done = 1;
			return INT64_MAX;
		}
		if (r == SL_PACE_WAIT)
			return wake;
		for (i = 0; i < out.n && s->n < 2000; i++) {
			struct sent *x = &s->sent[s->n++];

			x->at = s->now;
			x->marker = out.pkt[i].marker;
			x->pt = out.pkt[i].pt;
			x->ts = out.pkt[i].ts;
			x->len = out.pkt[i].len;
			x->first = out.pkt[i].payload[0];
			x->last = out.pkt[i].payload[out.pkt[i].len - 1];
		}
	}
}

/* Runs as the engine does, waking when asked, until done or t. */
static void
run(struct sim *s, int64_t t)
{
	int64_t wake;

	while (!s->done) {
		wake = step(s);
		if (wake > t)
			break;
		s->now = wake;
	}
	if (!s->done && s->now < t)
		s->now = t;
}

int
main(void)
{
	struct sim *s = calloc(1, sizeof *s);
	uint8_t *where;
	int i, ok_times, ok_ts;
	uint8_t silence = SL_ULAW_SILENCE;

	sl_log_init("pacer");

	/* 1. A file of 2.5 packets, 20 ms: read whole at once, three packets
	 * on the clock, the last padded with silence, done a ptime after it. */
	setup(s, 20, SL_IN_S16LE, 0);
	input(s, 2 * 400, 0x10);
	eof(s);
	int64_t t0 = s->now;
	run(s, t0 + 10000 * MS);
	is_int(s->n, 3, "file: 3 packets");
	ok(s->sent[0].at == t0 && s->sent[1].at == t0 + 20 * MS && s->sent[2].at == t0 + 40 * MS,
	   "file: at 0, 20 and 40 ms");
	ok(s->sent[0].marker && !s->sent[1].marker && !s->sent[2].marker, "file: marker on the first");
	ok(s->sent[0].ts == 1000 && s->sent[1].ts == 1160 && s->sent[2].ts == 1320,
	   "file: timestamps +160 from ts0");
	is_int(s->sent[0].len, 160, "file: 160 bytes a packet");
	is_int(s->sent[0].first, sl_ulaw_encode(0x1010), "file: the input, encoded");
	is_int(s->sent[2].last, silence, "file: the last packet padded with silence");
	ok(s->done && s->now == t0 + 60 * MS, "file: done a ptime after the last packet");

	/* 2. A stray byte (half a sample) at the end makes no packet. */
	setup(s, 20, SL_IN_S16LE, 0);
	input(s, 321, 0x20);
	eof(s);
	run(s, s->now + 1000 * MS);
	is_int(s->n, 1, "half a sample: no packet for it");

	/* 3. 10 and 30 ms packets. */
	for (i = 10; i <= 30; i += 20) {
		setup(s, i, SL_IN_S16LE, 0);
		input(s, 8000, 0x30);           /* 4000 samples */
		eof(s);
		t0 = s->now;
		run(s, t0 + 10000 * MS);
		is_int(s->n, (4000 + i * 8 - 1) / (i * 8), "%d ms: ceil(4000 / %d) packets", i, i * 8);
		is_int(s->sent[1].ts - s->sent[0].ts, i * 8, "%d ms: timestamp steps", i);
		is_int(s->sent[1].at - s->sent[0].at, i * MS, "%d ms: time steps", i);
		is_int(s->sent[0].len, i * 8, "%d ms: payload", i);
	}
	setup(s, 20, SL_IN_S16LE, 0);
	{
		struct sl_pacer_cfg c = s->p.cfg;

		sl_pacer_free(&s->p);
		c.ptime = 5;
		is_int(sl_pacer_init(&s->p, &c), EINVAL, "5 ms: refused");
		c.ptime = 20;
		sl_pacer_init(&s->p, &c);
	}

	/* 4. Read ahead in big pieces: a second of input, then room again
	 * only when it is below half full. */
	setup(s, 20, SL_IN_S16LE, 0);
	ok(sl_pacer_room(&s->p, &where) >= 16000, "room: a second to start with");
	input(s, 16320, 1);
	is_int(sl_pacer_room(&s->p, &where), 0, "room: none when full");
	run(s, s->now + 400 * MS);
	is_int(sl_pacer_room(&s->p, &where), 0, "room: none above half");
	run(s, s->now + 140 * MS);
	ok(sl_pacer_room(&s->p, &where) > 8000, "room: again below half");

	/* 5. A caller that was late itself (a stopped process): the packets
	 * due go out at once, on their timestamps, no marker, and the clock
	 * stays. */
	setup(s, 20, SL_IN_S16LE, 0);
	input(s, 16000, 2);
	t0 = s->now;
	run(s, t0 + 100 * MS);
	s->now = t0 + 400 * MS;
	step(s);
	is_int(s->n, 21, "late caller: the 15 packets due go at once");
	ok(s->sent[20].ts == 1000 + 20 * 160 && !s->sent[20].marker && !s->sent[6].marker,
	   "late caller: timestamps go on, no marker");
	run(s, t0 + 460 * MS);
	is_int(s->sent[23].at, t0 + 460 * MS, "late caller: the clock did not move");

	/* 6. A live source that stalls: the packet waits for its audio
	 * (nothing to do but wait for input); audio more than two packets
	 * late moves the schedule by the whole packet times that passed and
	 * the timestamp with it, marker set. */
	setup(s, 20, SL_IN_S16LE, 0);
	t0 = s->now;
	input(s, 640, 3);
	run(s, t0 + 30 * MS);
	is_int(step(s), INT64_MAX, "stall: waiting for input, no timer");
	s->now = t0 + 543 * MS;
	input(s, 640, 4);
	run(s, t0 + 600 * MS);
	is_int(s->n, 4, "stall: 4 packets");
	is_int(s->sent[2].at, t0 + 543 * MS, "stall: the first after it goes at once");
	ok(s->sent[2].marker, "stall: with the marker");
	is_int(s->sent[2].ts - s->sent[1].ts, 160 + 25 * 160, "stall: the timestamp jumps by 25 packet times");
	is_int(s->sent[3].at, t0 + 560 * MS, "stall: the schedule keeps its grid");
	is_int(s->sent[3].ts - s->sent[2].ts, 160, "stall: then +160 again");

	/* 7. Input that is late by less than two packets just catches up. */
	setup(s, 20, SL_IN_S16LE, 0);
	t0 = s->now;
	input(s, 640, 3);
	run(s, t0 + 30 * MS);
	s->now = t0 + 75 * MS;
	input(s, 960, 4);
	run(s, t0 + 100 * MS);
	ok(s->sent[2].at == t0 + 75 * MS && !s->sent[2].marker && s->sent[2].ts - s->sent[1].ts == 160,
	   "short stall: no jump, no marker");
	ok(s->sent[3].at == t0 + 75 * MS && s->sent[4].at == t0 + 80 * MS,
	   "short stall: the packet due meanwhile goes too, then back on the clock");

	/* 8. Digits alone: events only, the telephone-event payload type. */
	setup(s, 20, SL_IN_S16LE, 0);
	sl_pacer_dtmf(&s->p, "1");
	eof(s);
	run(s, s->now + 10000 * MS);
	is_int(s->n, 7, "DTMF: 7 event packets for a digit (5, and the end twice more)");
	ok(s->sent[0].pt == 101 && s->sent[0].marker && s->sent[0].len == 4, "DTMF: the first has the marker");
	for (i = 0, ok_ts = 1; i < 7; i++)
		ok_ts &= s->sent[i].ts == 1000 && s->sent[i].pt == 101;
	ok(ok_ts, "DTMF: all with the event's timestamp");

	/* 9. A digit with audio: the event takes the place of the audio,
	 * which stays on the clock (its audio is dropped). */
	setup(s, 20, SL_IN_S16LE, 0);
	sl_pacer_dtmf(&s->p, "4");
	input(s, 8000, 5);
	eof(s);
	run(s, s->now + 10000 * MS);
	for (i = 0, ok_ts = 0; i < s->n; i++)
		ok_ts += s->sent[i].pt == 0;
	is_int(ok_ts, 20, "DTMF with audio: 20 audio packets of 25");
	for (i = 0; i < s->n && s->sent[i].pt != 0; i++)
		;
	is_int(s->sent[i].ts, 1000 + 5 * 160, "DTMF with audio: the audio goes on at the sixth packet time");

	/* 10. Muted (the peer does not want our audio): the input is taken
	 * on time, nothing is sent. */
	setup(s, 20, SL_IN_S16LE, 1);
	t0 = s->now;
	input(s, 8000, 6);
	eof(s);
	run(s, t0 + 10000 * MS);
	is_int(s->n, 0, "muted: nothing sent");
	ok(s->done && s->now == t0 + 24 * 20 * MS, "muted: the input taken on time (%lld ms)",
	   (long long)((s->now - t0) / MS));

	/* 11. Already encoded input: the codec's own law goes as it is. */
	setup(s, 20, SL_IN_ULAW, 0);
	input(s, 160, 0x42);
	eof(s);
	run(s, s->now + 1000 * MS);
	ok(s->n == 1 && s->sent[0].first == 0x42 && s->sent[0].last == 0x42, "ulaw in: byte for byte");

	/* 12. On a grid (the output clock's): it starts on the next tick. */
	setup(s, 20, SL_IN_S16LE, 0);
	t0 = s->now;
	sl_pacer_align(&s->p, t0 - 13 * MS);
	input(s, 960, 7);
	eof(s);
	run(s, t0 + 1000 * MS);
	for (i = 0, ok_times = 1; i < s->n; i++)
		ok_times &= s->sent[i].at == t0 + 7 * MS + i * 20 * MS;
	ok(s->n == 3 && ok_times, "aligned: every packet on the grid");

	/* 13. Input ended before anything: done at once, nothing sent. */
	setup(s, 20, SL_IN_S16LE, 0);
	eof(s);
	step(s);
	ok(s->done && s->n == 0, "empty input: done at once");

	sl_pacer_free(&s->p);
	free(s);
	return done_testing();
}
