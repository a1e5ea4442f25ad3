/* RFC 4733 DTMF events.  A digit is sent as one event: a first packet with
 * the marker bit, a duration update every packet time (the packets replace
 * the audio meanwhile), the last one with the end bit, repeated twice more
 * at the next packet times with the same duration; every packet carries the
 * event's start timestamp.  Then at least SL_DTMF_GAP_MS of audio before
 * the next digit. */
#include "dtmf.h"

#include <errno.h>
#include <string.h>

static const char digits[] = "0123456789*#ABCD";

enum { IDLE, TONE, AFTER };

int
sl_dtmf_mode_parse(const char *name)
{
	static const char *const names[] = { "auto", "rfc4733", "info" };
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
sl_dtmf_event(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	if (c == '\0' || (p = strchr(digits, c)) == NULL)
		return -1;
	return (int)(p - digits);
}

char
sl_dtmf_char(int event)
{
	return event >= 0 && event < 16 ? digits[event] : '\0';
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
sl_dtmf_check(const char *s, const char **bad)
{
	for (; *s; s++) {
		if (!blank(*s) && *s != SL_DTMF_PAUSE && sl_dtmf_event(*s) < 0) {
			if (bad)
				*bad = s;
			return EINVAL;
		}
	}
	return 0;
}

/* Whole packets covering ms milliseconds, at least min. */
static int
packets(int ms, int rate, int frame, int min)
{
	int samples = ms * rate / 1000;
	int n = (samples + frame - 1) / frame;

	return n < min ? min : n;
}

void
sl_dtmf_tx_init(struct sl_dtmf_tx *d, int clock_rate, int frame)
{
	memset(d, 0, sizeof *d);
	d->frame = frame;
	d->tone = SL_DTMF_TONE_MS * clock_rate / 1000;
	/* The gap holds the two end repeats. */
	d->gap = packets(SL_DTMF_GAP_MS, clock_rate, frame, 2);
	d->pause = packets(SL_DTMF_PAUSE_MS, clock_rate, frame, 1);
	d->state = IDLE;
}

int
sl_dtmf_tx_push(struct sl_dtmf_tx *d, const char *s)
{
	size_t n = 0, i;
	const char *p;

	for (p = s; *p; p++)
		if (*p == SL_DTMF_PAUSE || sl_dtmf_event(*p) >= 0)
			n++;
	if (n > sizeof d->queue - d->len)
		return ENOSPC;
	for (p = s; *p; p++) {
		if (*p != SL_DTMF_PAUSE && sl_dtmf_event(*p) < 0)
			continue;
		i = (d->head + d->len++) % sizeof d->queue;
		d->queue[i] = *p;
	}
	return 0;
}

int
sl_dtmf_tx_busy(const struct sl_dtmf_tx *d)
{
	return d->len > 0 || d->state != IDLE || d->wait > 0;
}

/* Takes the next queued character, '\0' when none. */
static char
pop(struct sl_dtmf_tx *d)
{
	char c;

	if (d->len == 0)
		return '\0';
	c = d->queue[d->head];
	d->head = (d->head + 1) % sizeof d->queue;
	d->len--;
	return c;
}

void
sl_dtmf_tx_step(struct sl_dtmf_tx *d, uint32_t ts, struct sl_dtmf_step *st)
{
	char c;

	memset(st, 0, sizeof *st);
	if (d->state == AFTER && d->ends_left > 0) {
		/* The repeats of the end packet go along with the audio. */
		st->event_packet = 1;
		st->event = d->event;
		st->end = 1;
		st->duration = d->tone;
		st->ts = d->start_ts;
		d->ends_left--;
	}
	if (d->wait > 0) {
		d->wait--;              /* a packet time of gap or pause */
		return;
	}
	if (d->state == AFTER)
		d->state = IDLE;        /* the gap holds the repeats */
	if (d->state == IDLE) {
		c = pop(d);
		if (c == '\0')
			return;
		if (c == SL_DTMF_PAUSE) {
			d->wait = d->pause - 1; /* this one is the first */
			return;
		}
		d->state = TONE;
		d->event = sl_dtmf_event(c);
		d->start_ts = ts;
		d->sent = 0;
		st->marker = 1;
	}
	/* In an event: the next duration update, the end when it is done. */
	d->sent += d->frame;
	if (d->sent > d->tone)
		d->sent = d->tone;
	st->event_packet = 1;
	st->event = d->event;
	st->duration = d->sent;
	st->ts = d->start_ts;
	st->mute = 1;
	if (d->sent >= d->tone) {
		st->end = 1;
		d->state = AFTER;
		d->ends_left = 2;
		d->wait = d->gap;
	}
}
