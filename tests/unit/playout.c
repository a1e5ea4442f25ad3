/* Unit tests for lib/playout.c, the playout clock, case by case: packets
 * go in with their arrival times, the output is collected as an engine
 * would write it (asking again at every wake-up it is given), and each
 * packet's audio is found in the output by its code: packet k of a
 * stream carries samples of one value of its own, so where each sample
 * came from can be read back.  No socket, no real time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "g711.h"
#include "log.h"
#include "playout.h"
#include "tap.h"

#define MS 1000000LL
#define OUTMAX 200000

struct sim {
	struct sl_playout pl;
	int16_t out[OUTMAX];
	size_t n;               /* samples written */
	int64_t now;
	int ended;
	char digits[64];
};

/* The code packet seq carries: one of 100 values, never silence. */
static uint8_t
code(uint16_t seq)
{
	return (uint8_t)(0x10 + seq % 100);
}

/* The packet an output sample came from, -1 for silence. */
static int
origin(int16_t s)
{
	int k;

	if (s == 0)
		return -1;
	for (k = 0; k < 100; k++)
		if (sl_ulaw_decode((uint8_t)(0x10 + k)) == s)
			return k;
	return -2;
}

static void
setup(struct sim *s, int frame, int jitter_ms, int in_call, int64_t timeout)
{
	struct sl_playout_cfg cfg;

	sl_playout_free(&s->pl);    /* the case before's */
	memset(s, 0, sizeof *s);
	memset(&cfg, 0, sizeof cfg);
	cfg.codec = sl_codec_by_pt(0);
	cfg.frame = frame;
	cfg.jitter_ms = jitter_ms;
	cfg.dtmf_pt = 101;
	cfg.in_call = in_call;
	cfg.timeout_ns = timeout;
	s->now = 1000 * MS;
	if (sl_playout_init(&s->pl, &cfg, s->now) != 0)
		exit(1);
}

/* Runs the output up to time t, waking when it asks to. */
static void
run(struct sim *s, int64_t t)
{
	int64_t wake;
	size_t n;

	for (;;) {
		enum sl_play r = sl_playout_next(&s->pl, s->now, s->out + s->n,
						 OUTMAX - s->n, &n, &wake);

		if (r == SL_PLAY_WRITE) {
			s->n += n;
			continue;
		}
		if (r == SL_PLAY_END) {
			s->ended = 1;
			return;
		}
		if (wake > t || wake == INT64_MAX) {
			s->now = t;
			/* At t itself too: a packet may have come. */
			if (sl_playout_next(&s->pl, s->now, s->out + s->n, OUTMAX - s->n,
					    &n, &wake) == SL_PLAY_WRITE) {
				s->n += n;
				continue;
			}
			return;
		}
		s->now = wake > s->now ? wake : s->now;
	}
}

/* Packet (ssrc, seq, ts) of len samples, arriving at t (the output runs up
 * to t first). */
static void
packet_pt(struct sim *s, int64_t t, int pt, uint32_t ssrc, uint16_t seq,
	  uint32_t ts, size_t len)
{
	uint8_t payload[1024];
	struct sl_rtp_packet p;
	char d;

	run(s, t);
	memset(payload, code(seq), len);
	memset(&p, 0, sizeof p);
	p.pt = pt;
	p.ssrc = ssrc;
	p.seq = seq;
	p.ts = ts;
	p.payload = payload;
	p.len = len;
	d = sl_playout_packet(&s->pl, t, &p);
	if (d)
		s->digits[strlen(s->digits)] = d;
}

static void
packet(struct sim *s, int64_t t, uint32_t ssrc, uint16_t seq, uint32_t ts, size_t len)
{
	packet_pt(s, t, 0, ssrc, seq, ts, len);
}

/* A steady stream of count packets of len samples from time t0, ts0,
 * seq0, one every len/8 ms. */
static void
stream(struct sim *s, int64_t t0, uint32_t ssrc, uint16_t seq0, uint32_t ts0,
       size_t len, int count)
{
	int k;

	for (k = 0; k < count; k++)
		packet(s, t0 + (int64_t)k * (int64_t)len * MS / 8, ssrc,
		       (uint16_t)(seq0 + k), ts0 + (uint32_t)(k * len), len);
}

/* Where the audio starts in the output, and checks that from there the
 * packets follow each other whole, in order, from seq first: "" when so,
 * else what is wrong.  *end: past the last audio sample. */
static const char *
in_order(const struct sim *s, int first, size_t len, size_t *start, size_t *end)
{
	static char why[160];
	size_t i = 0, run = 0;
	uint16_t seq = (uint16_t)first;
	int want = seq % 100, o;

	while (i < s->n && origin(s->out[i]) < 0)
		i++;
	*start = i;
	for (; i < s->n; i++) {
		o = origin(s->out[i]);
		if (o == -1)
			break;
		if (o != want) {
			snprintf(why, sizeof why, "sample %zu is of packet %d, not %d", i, o, want);
			return why;
		}
		if (++run == len) {
			run = 0;
			seq++;
			want = seq % 100;
		}
	}
	*end = i;
	for (; i < s->n; i++)
		if (origin(s->out[i]) != -1) {
			snprintf(why, sizeof why, "audio after a silence at %zu", i);
			return why;
		}
	return "";
}

static void
stats(const struct sim *s, struct sl_playout_stats *st)
{
	sl_playout_stats(&s->pl, st);
}

int
main(void)
{
	struct sim *s = calloc(1, sizeof *s);
	struct sl_playout_stats st;
	size_t start, end, k;
	int64_t t0;
	int i;

	sl_log_init("playout");

	/* 1. A steady stream of 20 ms packets. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 100, 5000, 160, 50);
	run(s, t0 + 1100 * MS);
	is_str(in_order(s, 100, 160, &start, &end), "", "20 ms: every packet whole, in order");
	is_int(start, 8 + 480 + 160, "the first plays the slack, the delay and a frame after it came");
	is_int(end - start, 50 * 160, "all of it");
	ok(s->n >= 8800 - 160 && s->n <= 8800, "one second of output per second (%zu)", s->n);
	stats(s, &st);
	is_int(st.packets, 50, "50 packets");
	is_int(st.lost + st.duplicates + st.late, 0, "none lost, duplicated or late");
	ok(!s->ended, "a stream without an end goes on");

	/* 2. --jitter 0: the delay is only the frame of headroom. */
	setup(s, 160, 0, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 1, 0, 160, 25);
	run(s, t0 + 600 * MS);
	is_str(in_order(s, 1, 160, &start, &end), "", "jitter 0: in order");
	is_int(start, 168, "and a frame and the slack behind");

	/* 3. A lost packet is silence in its place; the output keeps its
	 * length and the packets after it their places. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	for (i = 0; i < 50; i++)
		if (i != 20)
			packet(s, t0 + i * 20 * MS, 7, (uint16_t)(200 + i), (uint32_t)(i * 160), 160);
	run(s, t0 + 1100 * MS);
	start = 648;
	for (k = 0, i = 0; k < 160; k++)
		i += origin(s->out[start + 20 * 160 + k]) == -1;
	is_int(i, 160, "loss: silence where packet 20 was");
	is_int(origin(s->out[start + 21 * 160]), (221) % 100, "packet 21 in its place");
	is_int(origin(s->out[start + 19 * 160 + 159]), (219) % 100, "packet 19 in its place");
	stats(s, &st);
	is_int(st.lost, 1, "loss: counted");
	is_int(st.packets, 49, "loss: 49 packets came");

	/* 4. Reordered packets fall into place; a duplicate plays once. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	for (i = 0; i < 30; i++) {
		int j = i == 10 ? 11 : i == 11 ? 10 : i;

		packet(s, t0 + i * 20 * MS, 3, (uint16_t)(65530 + j), (uint32_t)(4294967000u + (unsigned)j * 160), 160);
		if (i == 15)
			packet(s, t0 + i * 20 * MS + 3 * MS, 3, (uint16_t)(65530 + j),
			       (uint32_t)(4294967000u + (unsigned)j * 160), 160);
	}
	run(s, t0 + 800 * MS);
	is_str(in_order(s, 65530, 160, &start, &end), "",
	       "reordered, duplicated, across the wrap of seq and ts: in order");
	is_int(end - start, 30 * 160, "each once");
	stats(s, &st);
	is_int(st.duplicates, 1, "the duplicate counted");
	is_int(st.lost, 0, "nothing lost across the wraps");
	is_int(st.packets, 31, "31 datagrams");

	/* 5. A packet older than one already played comes after its place
	 * was written: dropped, counted late. */
	setup(s, 160, 20, 0, 0);
	t0 = s->now;
	for (i = 0; i < 20; i++)
		if (i != 5)
			packet(s, t0 + i * 20 * MS, 3, (uint16_t)i, (uint32_t)(i * 160), 160);
	packet(s, t0 + 400 * MS, 3, 5, 5 * 160, 160);
	run(s, t0 + 600 * MS);
	stats(s, &st);
	is_int(st.late, 1, "late: counted");
	is_int(st.lost, 0, "late: not lost");
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) == 5;
	is_int(i, 0, "late: not played");

	/* 6. The stream runs late (a network that starts holding packets, a
	 * sender that drifts): the newest packet, late, still plays, and
	 * the stream from there on as much later. */
	setup(s, 160, 20, 0, 0);
	t0 = s->now;
	stream(s, t0, 9, 0, 0, 160, 10);
	for (i = 10; i < 20; i++)
		packet(s, t0 + i * 20 * MS + 70 * MS, 9, (uint16_t)i, (uint32_t)(i * 160), 160);
	run(s, t0 + 600 * MS);
	stats(s, &st);
	is_int(st.late, 0, "running late: nothing dropped");
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) >= 0;
	is_int(i, 20 * 160, "running late: all of it played");

	/* 7. Sender and receiver stopped together for 300 ms (a host that
	 * froze), the receiver going on first: it finds 15 frames overdue
	 * and no audio for them, waits for the sender's burst instead of
	 * playing silence, and plays it where it belongs. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 5, 0, 0, 160, 25);
	run(s, t0 + 500 * MS);
	s->now = t0 + 800 * MS;                 /* both stopped */
	run(s, t0 + 801 * MS);
	ok(sl_playout_waiting(&s->pl), "host stop: the output waits for late packets");
	for (i = 25; i < 40; i++)               /* the burst, a few ms later */
		packet(s, t0 + 805 * MS, 5, (uint16_t)i, (uint32_t)(i * 160), 160);
	stream(s, t0 + 820 * MS, 5, 40, 40 * 160, 160, 20);
	run(s, t0 + 1300 * MS);
	is_str(in_order(s, 0, 160, &start, &end), "", "host stop: the burst played in its place");
	is_int(end - start, 60 * 160, "host stop: none of it lost");
	stats(s, &st);
	is_int(st.late + st.lost, 0, "host stop: nothing late or lost");

	/* 8. The same stop, but the sender does not come back: silence after
	 * the grace of 60 ms, and the output catches up with its clock. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 5, 0, 0, 160, 25);
	run(s, t0 + 500 * MS);
	s->now = t0 + 800 * MS;
	run(s, t0 + 850 * MS);
	is_int(s->n, 25 * 160, "host stop: nothing written in the grace");
	run(s, t0 + 900 * MS);
	ok(s->n >= 7040 && s->n <= 7200, "then the overdue frames, as silence (%zu)", s->n);

	/* 9. Only the receiver stopped: the packets waited in its socket
	 * (their arrival stamps are the kernel's); nothing is lost. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 5, 0, 0, 160, 20);
	run(s, t0 + 380 * MS);
	s->now = t0 + 700 * MS;
	for (i = 20; i < 35; i++) {
		struct sl_rtp_packet p;
		uint8_t pl[160];

		memset(pl, code((uint16_t)i), sizeof pl);
		memset(&p, 0, sizeof p);
		p.ssrc = 5;
		p.seq = (uint16_t)i;
		p.ts = (uint32_t)(i * 160);
		p.payload = pl;
		p.len = 160;
		sl_playout_packet(&s->pl, t0 + i * 20 * MS, &p);
	}
	run(s, t0 + 1000 * MS);
	is_str(in_order(s, 0, 160, &start, &end), "", "receiver stopped: in order");
	is_int(end - start, 35 * 160, "receiver stopped: none lost");

	/* 10. 10 and 30 ms packets against 20 ms output frames. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 80, 100);
	run(s, t0 + 1200 * MS);
	is_str(in_order(s, 0, 80, &start, &end), "", "10 ms packets: in order");
	is_int(end - start, 8000, "10 ms packets: a second of them");
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 240, 33);
	run(s, t0 + 1200 * MS);
	is_str(in_order(s, 0, 240, &start, &end), "", "30 ms packets: in order");
	is_int(end - start, 33 * 240, "30 ms packets: all of them");
	ok(s->n % 160 == 0, "written in whole 20 ms frames");

	/* 11. A new SSRC: before anything played it takes over at once;
	 * afterwards the third packet in sequence does (the first two are
	 * dropped), and the new stream follows the old one's audio. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 25);
	stream(s, t0 + 800 * MS, 2, 50, 777777, 160, 25);
	run(s, t0 + 1600 * MS);
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) >= 50 && origin(s->out[k]) < 75;
	is_int(i, 23 * 160, "new SSRC: all but its first two packets");
	stats(s, &st);
	is_int(st.lost, 0, "new SSRC: no loss counted for the switch");
	is_int(st.packets, 50, "new SSRC: every datagram counted");
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	packet_pt(s, t0, 13, 1, 0, 0, 1);           /* comfort noise, SSRC 1 */
	stream(s, t0 + 20 * MS, 2, 30, 0, 160, 5);
	run(s, t0 + 300 * MS);
	is_str(in_order(s, 30, 160, &start, &end), "",
	       "a new SSRC before any audio: taken at once");
	is_int(end - start, 5 * 160, "all of it");

	/* 12. The peer's RTCP BYE.  Standalone: what is buffered plays at
	 * once and the output ends.  In a call: it plays on for a second. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 4, 0, 0, 160, 10);
	run(s, t0 + 190 * MS);
	sl_playout_bye(&s->pl, 99);
	run(s, t0 + 200 * MS);
	ok(!s->ended, "BYE of another SSRC: nothing");
	sl_playout_bye(&s->pl, 4);
	run(s, t0 + 200 * MS);
	ok(s->ended && sl_playout_status(&s->pl) == 0, "BYE: ends with 0");
	is_str(in_order(s, 0, 160, &start, &end), "", "BYE: in order");
	is_int(end - start, 1600, "BYE: what was buffered played out");
	ok(s->n % 160 == 0, "BYE: whole frames");
	setup(s, 160, 60, 1, 500 * MS);
	t0 = s->now;
	stream(s, t0, 4, 0, 0, 160, 10);
	sl_playout_bye(&s->pl, 4);
	run(s, t0 + 1000 * MS);
	ok(!s->ended, "BYE in a call: playing on after 800 ms, no time-out");
	ok(s->n >= 7000, "BYE in a call: on the clock (%zu)", s->n);
	run(s, t0 + 1300 * MS);
	ok(s->ended && sl_playout_status(&s->pl) == 0, "BYE in a call: ends after a second, 0");

	/* 13. No RTP for the time-out: media lost, 8. */
	setup(s, 160, 60, 0, 300 * MS);
	t0 = s->now;
	run(s, t0 + 299 * MS);
	ok(!s->ended, "time-out: not before");
	run(s, t0 + 300 * MS);
	ok(s->ended && sl_playout_status(&s->pl) == 8, "time-out: 8 at 300 ms");
	setup(s, 160, 60, 0, 300 * MS);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 10);
	run(s, t0 + 470 * MS);
	ok(!s->ended, "time-out: counted from the last packet");
	run(s, t0 + 500 * MS);
	ok(s->ended && sl_playout_status(&s->pl) == 8, "time-out: 8 after it");

	/* 14. A signal: what is placed plays out at once. */
	setup(s, 160, 200, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 10);
	sl_playout_stop(&s->pl);
	run(s, t0 + 200 * MS);
	ok(s->ended, "stop: ended");
	is_str(in_order(s, 0, 160, &start, &end), "", "stop: in order");
	is_int(end - start, 1600, "stop: every packet played");

	/* 15. --duration: exactly that much output. */
	setup(s, 160, 60, 0, 0);
	s->pl.cfg.limit = 4000;
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 50);
	run(s, t0 + 1100 * MS);
	ok(s->ended, "duration: ended");
	is_int(s->n, 4000, "duration: 4000 samples");

	/* 16. A live source that stalled: the sender's timestamps jump by
	 * the time that passed; the output has silence of that length. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 10);
	stream(s, t0 + 700 * MS, 1, 10, 700 * 8, 160, 10);
	run(s, t0 + 1200 * MS);
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) >= 0;
	is_int(i, 3200, "stall: all the audio");
	is_int(origin(s->out[648 + 5600]), 10, "stall: the second part at its time");
	is_int(origin(s->out[648 + 5600 - 1]), -1, "stall: silence before it");

	/* 17. A timestamp jump far from the timeline: one such packet is a
	 * stray; two in a row start the stream over. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 10);
	packet(s, t0 + 200 * MS, 1, 10, 90000000, 160);
	packet(s, t0 + 220 * MS, 1, 11, 1760, 160);
	packet(s, t0 + 240 * MS, 1, 12, 50000000, 160);
	packet(s, t0 + 260 * MS, 1, 13, 50000160, 160);
	packet(s, t0 + 280 * MS, 1, 14, 50000320, 160);
	run(s, t0 + 700 * MS);
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) == 10;
	is_int(i, 0, "jump: a lone far packet dropped");
	for (k = 0, i = 0; k < s->n; k++)
		i += origin(s->out[k]) == 11 || origin(s->out[k]) == 13 || origin(s->out[k]) == 14;
	is_int(i, 3 * 160, "jump: the stream goes on, and from the second far packet on");

	/* 18. Audio far ahead of the output (a sender bursting a file) is
	 * latency: cut down to the delay, a frame and a packet. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 5);
	for (i = 5; i < 60; i++)
		packet(s, t0 + 100 * MS, 1, (uint16_t)i, (uint32_t)(i * 160), 160);
	run(s, t0 + 101 * MS);
	ok(s->pl.last_end - s->pl.written <= 480 + 160 + 160 + 8 + 320,
	   "latency: bounded (%lld ahead)", (long long)(s->pl.last_end - s->pl.written));

	/* 19. Telephone-events: one digit per event, whatever the updates
	 * and repeats of its end; its packets count in the sequence. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	{
		uint8_t ev[4] = { 5, 10, 0, 160 };
		struct sl_rtp_packet p;

		memset(&p, 0, sizeof p);
		p.pt = 101;
		p.ssrc = 8;
		p.payload = ev;
		p.len = 4;
		for (i = 0; i < 7; i++) {
			p.seq = (uint16_t)i;
			p.ts = i < 7 ? 0 : 800;
			ev[1] = i >= 4 ? 0x8a : 10;
			run(s, t0 + i * 20 * MS);
			if (sl_playout_packet(&s->pl, t0 + i * 20 * MS, &p))
				s->digits[strlen(s->digits)] = '5';
		}
		ev[0] = 11;
		p.seq = 7;
		p.ts = 1600;
		if (sl_playout_packet(&s->pl, t0 + 150 * MS, &p) == '#')
			strcat(s->digits, "#");
	}
	is_str(s->digits, "5#", "DTMF: each event once");
	stats(s, &st);
	is_int(st.lost, 0, "DTMF: in the sequence");

	/* 20. The output's frames on a grid given before the first packet
	 * (the send schedule's). */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	sl_playout_align(&s->pl, t0 + 7 * MS, 20 * MS);
	stream(s, t0 + 30 * MS, 1, 0, 0, 160, 5);
	{
		int64_t ph;

		ok(sl_playout_phase(&s->pl, &ph) && ph == t0 + 27 * MS,
		   "aligned: the clock starts on the grid point before the first packet");
	}

	/* 21. A grid given once the output runs: its clock moves to the
	 * nearest grid point, once; nothing placed moves. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	stream(s, t0, 1, 0, 0, 160, 5);
	sl_playout_align(&s->pl, t0 + 10 * MS + 12 * MS, 20 * MS);
	{
		int64_t ph;

		ok(sl_playout_phase(&s->pl, &ph) && ph == t0 + 2 * MS,
		   "aligned later: the clock moved 2 ms to the grid");
	}
	stream(s, t0 + 100 * MS, 1, 5, 800, 160, 20);
	run(s, t0 + 800 * MS);
	is_str(in_order(s, 0, 160, &start, &end), "", "aligned later: in order");
	is_int(end - start, 25 * 160, "aligned later: all of it");

	/* 22. The report block: loss, highest sequence, the peer's SR. */
	setup(s, 160, 60, 0, 0);
	t0 = s->now;
	for (i = 0; i < 20; i++)
		if (i % 4 != 3)
			packet(s, t0 + i * 20 * MS, 6, (uint16_t)(65530 + i), (uint32_t)(i * 160), 160);
	{
		struct sl_rtcp_block b;

		sl_playout_sr(&s->pl, 6, 0x12345678, t0 + 300 * MS);
		ok(sl_playout_report(&s->pl, t0 + 800 * MS, &b) == 0, "report: a block");
		is_int(b.ssrc, 6, "report: of the stream");
		is_int(b.lost, 4, "report: 4 lost");
		is_int(b.fraction, 4 * 256 / 19, "report: fraction lost");
		is_int(b.ext_max, 65536 + 65530 + 18 - 65536, "report: extended highest seq");
		is_int(b.lsr, 0x12345678, "report: LSR");
		is_int(b.dlsr, 65536 / 2, "report: DLSR, half a second");
	}

	sl_playout_free(&s->pl);
	free(s);
	return done_testing();
}
