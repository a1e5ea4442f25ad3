/* Redirection (RFC 3261 §8.1.3.4): the targets that 3xx answers name,
 * tried highest q first, each at most once, with a bound on how many new
 * requests one call may send (a redirect loop ends). */
#ifndef SIPLINE_REDIRECT_H
#define SIPLINE_REDIRECT_H

#include <osipparser2/osip_parser.h>

/* New requests one call may send after redirections. */
#define SL_REDIRECT_MAX_HOPS 5
/* Targets remembered (queued or tried); more in one answer are dropped. */
#define SL_REDIRECT_MAX_TARGETS 16

struct sl_redirect {
	char *tried[SL_REDIRECT_MAX_TARGETS];   /* the first request's too */
	int ntried;
	char *queue[SL_REDIRECT_MAX_TARGETS];   /* next first */
	int nqueue;
	int hops;                               /* requests sent after a 3xx */
};

/* Starts with first (the Request-URI of the original request) as tried.
 * Returns 0 or ENOMEM. */
int sl_redirect_init(struct sl_redirect *r, const char *first);
void sl_redirect_free(struct sl_redirect *r);

/* Queues the sip: and sips: Contacts of resp (a 3xx) ahead of the targets
 * still queued, highest q first (no q counts as 1.0, RFC 3261 §20.10),
 * except those tried or queued already.  Returns how many were queued. */
int sl_redirect_add(struct sl_redirect *r, const osip_message_t *resp);

/* The next target, now counted as tried and as a hop: NULL when none is
 * queued, or when SL_REDIRECT_MAX_HOPS requests have been sent (then
 * *limit is set to 1). */
const char *sl_redirect_next(struct sl_redirect *r, int *limit);

#endif
