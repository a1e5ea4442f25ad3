/* Call-ID bookkeeping for serve mode: a hash of a Call-ID, and the set of
 * calls that ended lately, so that a late retransmission of their INVITE
 * (or BYE) never starts a second call.  Every operation is O(1), however
 * many calls a second come and go. */
#ifndef SIPLINE_CALLID_H
#define SIPLINE_CALLID_H

#include <stddef.h>
#include <stdint.h>

/* A 64-bit hash of a Call-ID, seeded at random once per process (so that
 * nobody can pick Call-IDs that collide). */
uint64_t sl_callid_hash(const char *call_id);

struct sl_recent;

/* Remembers up to cap Call-IDs (a power of two) for ttl_ms each; past cap
 * the oldest is forgotten first.  Returns 0 or ENOMEM. */
int sl_recent_new(size_t cap, int64_t ttl_ms, struct sl_recent **out);
void sl_recent_free(struct sl_recent *r);
/* Remembers call_id from now on. */
void sl_recent_add(struct sl_recent *r, const char *call_id, int64_t now);
/* 1 when call_id was added less than ttl_ms before now. */
int sl_recent_has(struct sl_recent *r, const char *call_id, int64_t now);

#endif
