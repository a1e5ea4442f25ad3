/* Unit tests for lib/dtmf.c: digit names, the check of a digit string,
 * the queue, and the sender's schedule of RFC 4733 event packets, one step
 * per packet time, against what rtp-send(1) promises: a 100 ms event whose
 * first packet has the marker, a duration update every packet time (the
 * audio muted meanwhile), the end packet three times with the same
 * duration, all with the event's start timestamp, at least 100 ms (and two
 * packets) of audio between two digits, 500 ms more for a ','. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dtmf.h"
#include "tap.h"

/* Steps d until it is idle (at most max steps) and describes each step:
 * "a" audio alone; "E/D" an event packet of digit E with duration D, then
 * "m" marker, "e" end bit, "+a" when the audio goes along.  Timestamps
 * start at ts0 and advance by frame per step; every event packet must
 * carry the timestamp of its event's first step (*ts_ok is cleared
 * otherwise).  Returns the number of steps taken. */
static int
trace(struct sl_dtmf_tx *d, int frame, uint32_t ts0, int max, char *out,
      size_t size, int *ts_ok)
{
	struct sl_dtmf_step st;
	uint32_t ts = ts0, start = 0;
	size_t used = 0;
	int n;

	out[0] = '\0';
	*ts_ok = 1;
	for (n = 0; n < max && sl_dtmf_tx_busy(d); n++) {
		sl_dtmf_tx_step(d, ts, &st);
		if (st.marker)
			start = ts;
		if (st.event_packet) {
			if (st.ts != start)
				*ts_ok = 0;
			used += (size_t)snprintf(out + used, size - used, "%s%c/%d%s%s%s",
						 used ? " " : "", sl_dtmf_char(st.event),
						 st.duration, st.marker ? "m" : "",
						 st.end ? "e" : "", st.mute ? "" : "+a");
		} else {
			used += (size_t)snprintf(out + used, size - used, "%sa",
						 used ? " " : "");
			if (st.mute || st.marker || st.end)
				*ts_ok = 0;
		}
		if (used >= size)
			break;
		ts += (uint32_t)frame;
	}
	return n;
}

/* Cuts the audio-only steps off the end of a trace: how long the sender
 * stays busy after the last end packet is nobody's business. */
static void
trim(char *s)
{
	size_t n = strlen(s);

	while (n >= 1 && s[n - 1] == 'a' && (n == 1 || s[n - 2] == ' ')) {
		n = n >= 2 ? n - 2 : 0;
		s[n] = '\0';
	}
}

/* The schedule of digits at 8000 Hz with packets of frame samples. */
static void
schedule(const char *digits, int frame, const char *want, const char *what)
{
	struct sl_dtmf_tx d;
	char got[4096];
	int ts_ok;

	sl_dtmf_tx_init(&d, 8000, frame);
	is_int(sl_dtmf_tx_push(&d, digits), 0, "%s: queued", what);
	/* Timestamps that wrap around meanwhile. */
	trace(&d, frame, 0xffffff00u, 200, got, sizeof got, &ts_ok);
	trim(got);
	is_str(got, want, "%s: the packets", what);
	ok(ts_ok, "%s: every packet of an event has its start timestamp", what);
	ok(!sl_dtmf_tx_busy(&d), "%s: idle afterwards", what);
}

/* n copies of s. */
static const char *
rep(const char *s, int n)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	while (n-- > 0)
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
					 used ? " " : "", s);
	return buf;
}

/* Steps d until idle and returns the digits of the events it started,
 * each of which must start 10 packet times (20 ms each) after the one
 * before. */
static const char *
drain(struct sl_dtmf_tx *d, char *out, size_t size)
{
	struct sl_dtmf_step st;
	size_t n = 0;
	int i, last = -10;

	for (i = 0; i < 20000 && sl_dtmf_tx_busy(d) && n + 1 < size; i++) {
		sl_dtmf_tx_step(d, (uint32_t)i * 160, &st);
		if (st.marker) {
			if (i - last != 10)
				diag("event %zu starts %d packets after the one before", n,
				     i - last);
			out[n++] = i - last == 10 ? sl_dtmf_char(st.event) : '?';
			last = i;
		}
	}
	out[n] = '\0';
	return out;
}

int
main(void)
{
	static const char digits[] = "0123456789*#ABCD";
	struct sl_dtmf_tx d;
	struct sl_dtmf_step st;
	const char *bad;
	char want[4096], got[4096], seq[2100];
	int i, ts_ok, fails;

	/* Names: RFC 4733 codes 0-9, * 10, # 11, A-D 12-15. */
	fails = 0;
	for (i = 0; i < 16; i++)
		fails += sl_dtmf_event(digits[i]) != i || sl_dtmf_char(i) != digits[i];
	is_int(fails, 0, "the 16 digits have the codes of RFC 4733, both ways");
	is_int(sl_dtmf_event('a'), 12, "a lower-case a is A");
	is_int(sl_dtmf_event('d'), 15, "a lower-case d is D");
	is_int(sl_dtmf_event('e'), -1, "e is no digit");
	is_int(sl_dtmf_event('E'), -1, "E is no digit");
	is_int(sl_dtmf_event(','), -1, "the pause is no event");
	is_int(sl_dtmf_event(' '), -1, "a blank is no event");
	is_int(sl_dtmf_event('\0'), -1, "NUL is no event");
	is_int(sl_dtmf_char(-1), '\0', "code -1 has no digit");
	is_int(sl_dtmf_char(16), '\0', "code 16 has no digit");

	/* The check of a digit string. */
	bad = NULL;
	is_int(sl_dtmf_check("0123456789*#ABCDabcd", &bad), 0, "all digits pass");
	is_int(sl_dtmf_check(" 1,2\t3\r\n,, ", &bad), 0, "pauses and blanks pass");
	is_int(sl_dtmf_check("", &bad), 0, "the empty string passes");
	ok(bad == NULL, "a good string does not set bad");
	is_int(sl_dtmf_check("12x4y", &bad), EINVAL, "12x4y is refused");
	ok(bad != NULL && *bad == 'x', "bad points at the x");
	is_int(sl_dtmf_check("1;2", &bad), EINVAL, "a semicolon is no pause");
	ok(bad != NULL && *bad == ';', "bad points at the semicolon");
	is_int(sl_dtmf_check("E", NULL), EINVAL, "a NULL bad is allowed");

	/* Idle: nothing to send, the audio goes. */
	sl_dtmf_tx_init(&d, 8000, 160);
	ok(!sl_dtmf_tx_busy(&d), "a new sender is idle");
	sl_dtmf_tx_step(&d, 1234, &st);
	ok(!st.event_packet && !st.mute && !st.marker, "an idle step sends only audio");
	is_int(sl_dtmf_tx_push(&d, ""), 0, "an empty string queues nothing");
	ok(!sl_dtmf_tx_busy(&d), "and leaves it idle");
	is_int(sl_dtmf_tx_push(&d, " \t"), 0, "blanks queue nothing");
	ok(!sl_dtmf_tx_busy(&d), "and leave it idle");

	/* 20 ms packets: 5 updates (160 to 800 samples, the last one the
	 * end), 2 more end packets along with the audio, 100 ms of audio. */
	schedule("5", 160,
		 "5/160m 5/320 5/480 5/640 5/800e 5/800e+a 5/800e+a",
		 "one digit, 20 ms");
	/* The next digit starts once 100 ms of audio have gone. */
	schedule("1#", 160,
		 "1/160m 1/320 1/480 1/640 1/800e 1/800e+a 1/800e+a a a a "
		 "#/160m #/320 #/480 #/640 #/800e #/800e+a #/800e+a",
		 "two digits, 20 ms");
	/* A comma: 500 ms (25 packets) more. */
	snprintf(want, sizeof want, "1/160m 1/320 1/480 1/640 1/800e 1/800e+a "
		 "1/800e+a a a a %s 2/160m 2/320 2/480 2/640 2/800e 2/800e+a "
		 "2/800e+a", rep("a", 25));
	schedule("1,2", 160, want, "a pause between two digits");
	snprintf(want, sizeof want, "%s 7/160m 7/320 7/480 7/640 7/800e 7/800e+a "
		 "7/800e+a", rep("a", 25));
	schedule(",7", 160, want, "a pause first");
	snprintf(want, sizeof want, "1/160m 1/320 1/480 1/640 1/800e 1/800e+a "
		 "1/800e+a a a a %s 2/160m 2/320 2/480 2/640 2/800e 2/800e+a "
		 "2/800e+a", rep("a", 50));
	schedule("1,,2", 160, want, "two pauses");
	schedule(" a \t", 160,
		 "A/160m A/320 A/480 A/640 A/800e A/800e+a A/800e+a",
		 "blanks skipped, a lower-case digit");
	/* 30 ms: the last update is cut at 100 ms; a gap of 4 packets. */
	schedule("98", 240, "9/240m 9/480 9/720 9/800e 9/800e+a 9/800e+a a a "
		 "8/240m 8/480 8/720 8/800e 8/800e+a 8/800e+a", "two digits, 30 ms");
	/* 60 ms: two updates, and still two packets of gap (120 ms). */
	schedule("*0", 480, "*/480m */800e */800e+a */800e+a "
		 "0/480m 0/800e 0/800e+a 0/800e+a", "two digits, 60 ms");
	/* 10 ms: ten updates, ten packets of gap. */
	schedule("00", 80,
		 "0/80m 0/160 0/240 0/320 0/400 0/480 0/560 0/640 0/720 0/800e "
		 "0/800e+a 0/800e+a a a a a a a a a "
		 "0/80m 0/160 0/240 0/320 0/400 0/480 0/560 0/640 0/720 0/800e "
		 "0/800e+a 0/800e+a", "two digits, 10 ms");

	/* Digits queued while one is sent wait for it. */
	sl_dtmf_tx_init(&d, 8000, 160);
	sl_dtmf_tx_push(&d, "3");
	trace(&d, 160, 0, 3, got, sizeof got, &ts_ok);
	sl_dtmf_tx_push(&d, "4");
	trace(&d, 160, 480, 200, got, sizeof got, &ts_ok);
	trim(got);
	is_str(got, "3/640 3/800e 3/800e+a 3/800e+a a a a "
	       "4/160m 4/320 4/480 4/640 4/800e 4/800e+a 4/800e+a",
	       "a digit queued during another follows it after the gap");
	ok(ts_ok, "with its own start timestamp");

	/* The queue: 1024 characters, all or nothing, kept in order as it
	 * wraps around. */
	sl_dtmf_tx_init(&d, 8000, 160);
	for (i = 0; i < 1000; i++)
		seq[i] = digits[i * 7 % 16];
	seq[1000] = '\0';
	is_int(sl_dtmf_tx_push(&d, seq), 0, "1000 digits fit");
	is_int(sl_dtmf_tx_push(&d, "0123456789*#ABCD0123456789"), ENOSPC,
	       "26 more do not");
	is_int(sl_dtmf_tx_push(&d, " 0123456789*#ABCD01234567 "), 0,
	       "24 more do (blanks take no room)");
	is_int(sl_dtmf_tx_push(&d, "1"), ENOSPC, "a full queue takes no more");
	strcat(seq, "0123456789*#ABCD01234567");
	/* Send them all, 10 packet times each; then 1000 more, which wrap
	 * around the end of the queue. */
	is_str(drain(&d, got, sizeof got), seq, "the 1024 digits go in order");
	for (i = 0; i < 1000; i++)
		seq[i] = digits[i * 5 % 16];
	seq[1000] = '\0';
	is_int(sl_dtmf_tx_push(&d, seq), 0, "the emptied queue takes 1000 again");
	is_str(drain(&d, got, sizeof got), seq, "and sends them in order across the wrap");
	ok(!sl_dtmf_tx_busy(&d), "then it is idle");

	return done_testing();
}
