/* Session timers (RFC 4028) without I/O: the Session-Expires and Min-SE
 * header values, and what a call answers to a request that carries them
 * (or not).  The glue is call_timer.c; the timing, call_fsm.c. */
#ifndef SIPLINE_STIMER_H
#define SIPLINE_STIMER_H

/* The RFC's floor for Min-SE (§4), and our defaults (seconds). */
#define SL_SE_RFC_MIN 90
#define SL_SE_DEFAULT 1800
#define SL_SE_MIN_DEFAULT 90
/* The largest interval taken (a week): past it, a value is refused. */
#define SL_SE_MAX 604800UL

/* Who refreshes, as a refresher parameter says it. */
enum sl_se_refresher {
	SL_SE_NONE,             /* no refresher parameter */
	SL_SE_UAC,
	SL_SE_UAS,
};

/* Reads a Session-Expires value: delta-seconds *(;param), a refresher=uac
 * or refresher=uas among the parameters.  Returns 0, or EINVAL for a value
 * that is not one (no digits, 0, above SL_SE_MAX, another refresher). */
int sl_se_parse(const char *value, unsigned long *secs, enum sl_se_refresher *r);
/* Reads a Min-SE value: delta-seconds *(;param).  Returns 0 or EINVAL. */
int sl_min_se_parse(const char *value, unsigned long *secs);

/* What a request of the peer's says (an INVITE, a re-INVITE or an
 * UPDATE). */
struct sl_se_request {
	unsigned long expires;  /* its Session-Expires; 0: none */
	enum sl_se_refresher refresher;
	unsigned long min_se;   /* its Min-SE; 0: none */
	int supported;          /* its Supported has "timer" */
};

/* Our answer to it (RFC 4028 §9). */
struct sl_se_answer {
	unsigned long expires;  /* the session interval; 0: no timer */
	int we_refresh;         /* 1: we refresh (refresher=uas in our 2xx) */
	int require;            /* our 2xx says Require: timer */
};

/* The answer to req of a UA that asks for expires seconds (0: asks for
 * none, but honours the peer's) and takes no less than min_se.  Returns
 * 0, or 422 when the request's interval is below min_se. */
int sl_se_answer(const struct sl_se_request *req, unsigned long expires,
		 unsigned long min_se, struct sl_se_answer *out);

/* When the refresher sends its refresh: half the interval (RFC 4028
 * §10).  When the other side ends a session nobody refreshed: a third,
 * or 32 s, before the interval ends, whichever is less (§10).  In ms;
 * interval in ms. */
long long sl_se_refresh_at(long long interval);
long long sl_se_expire_at(long long interval);

#endif
