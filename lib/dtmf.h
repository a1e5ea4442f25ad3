/* DTMF as RFC 4733 telephone-events: digit names, and the sender's
 * schedule of event packets, one step per packet time. */
#ifndef SIPLINE_DTMF_H
#define SIPLINE_DTMF_H

#include <stddef.h>
#include <stdint.h>

/* Timings of a digit string (documented in rtp-send(1)). */
#define SL_DTMF_TONE_MS   100   /* each event lasts this long */
#define SL_DTMF_GAP_MS    100   /* audio between two events, at least 2 packets */
#define SL_DTMF_PAUSE_MS  500   /* what a ',' adds */
#define SL_DTMF_VOLUME    10    /* -10 dBm0 */
#define SL_DTMF_PAUSE     ','

/* How a call sends the keys of its control channel (--dtmf, SIP_DTMF). */
enum sl_dtmf_mode {
	SL_DTMF_MODE_AUTO = 0,  /* RFC 4733 when both SDPs have telephone-event,
				 * else SIP INFO */
	SL_DTMF_MODE_RFC4733,   /* RFC 4733 only */
	SL_DTMF_MODE_INFO,      /* SIP INFO always */
};
/* The mode named auto, rfc4733 or info, or -1. */
int sl_dtmf_mode_parse(const char *name);

/* The event code of a digit 0-9 * # A-D (a-d too), or -1. */
int sl_dtmf_event(char c);
/* The digit of an event code 0-15, or '\0'. */
char sl_dtmf_char(int event);
/* Checks a string of digits and pauses (blanks are ignored).  Returns 0,
 * or EINVAL with *bad pointing at the first character that is neither. */
int sl_dtmf_check(const char *s, const char **bad);

/* What to send at one packet time. */
struct sl_dtmf_step {
	int event_packet;       /* send an event packet... */
	int event, end, marker; /* ...of this event, end bit, marker bit */
	int duration;           /* in samples */
	uint32_t ts;            /* its timestamp: the event's start */
	int mute;               /* the event replaces this packet's audio */
};

struct sl_dtmf_tx {
	char queue[1024];       /* digits and pauses waiting */
	size_t head, len;
	int frame;              /* samples per packet */
	int tone, gap, pause;   /* in samples */
	int state;              /* idle, in an event, after one */
	int event;
	uint32_t start_ts;
	int sent;               /* samples of the event covered so far */
	int ends_left;          /* end packets still to repeat */
	int wait;               /* packets to wait before the next digit */
};

/* Packets of frame samples at clock_rate Hz. */
void sl_dtmf_tx_init(struct sl_dtmf_tx *d, int clock_rate, int frame);
/* Queues a string of digits and pauses (unknown characters skipped).
 * Returns 0 or ENOSPC when the queue is full (nothing queued then). */
int sl_dtmf_tx_push(struct sl_dtmf_tx *d, const char *s);
/* 1 while something is queued or being sent (end repeats and the gap after
 * the last digit included). */
int sl_dtmf_tx_busy(const struct sl_dtmf_tx *d);
/* Advances by one packet time whose audio timestamp is ts, and says in
 * *step what to send. */
void sl_dtmf_tx_step(struct sl_dtmf_tx *d, uint32_t ts, struct sl_dtmf_step *step);

#endif
