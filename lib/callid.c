/* Call-ID hashing and the set of recently ended calls (see callid.h).
 * The set is a ring of entries in the order they were added, which is
 * also the order they expire in, indexed by a chained hash table; only
 * the 64-bit hash of each Call-ID is kept (two Call-IDs that collide would
 * make a new call look like a retransmission: with a random seed that is
 * one chance in 2^64 per pair). */
#include "callid.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#define NONE UINT32_MAX

struct entry {
	uint64_t h;
	int64_t until;
	uint32_t next;          /* next entry in the same bucket */
};

struct sl_recent {
	struct entry *ring;
	uint32_t *bucket;
	size_t cap;             /* entries and buckets, a power of two */
	size_t head, count;     /* the oldest entry, and how many there are */
	int64_t ttl;
};

uint64_t
sl_callid_hash(const char *call_id)
{
	static uint64_t seed;
	const unsigned char *p;
	uint64_t h;

	if (seed == 0 && getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint64_t)(uintptr_t)&seed ^ 0x9e3779b97f4a7c15ULL;
	seed |= 1;
	/* FNV-1a from the seed, then a final mix so that the low bits (the
	 * bucket) depend on every byte. */
	h = 0xcbf29ce484222325ULL ^ seed;
	for (p = (const unsigned char *)call_id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

int
sl_recent_new(size_t cap, int64_t ttl_ms, struct sl_recent **out)
{
	struct sl_recent *r = calloc(1, sizeof *r);
	size_t i;

	if (r == NULL)
		return ENOMEM;
	if (cap == 0 || (cap & (cap - 1)) != 0) {
		free(r);
		return EINVAL;
	}
	r->ring = malloc(cap * sizeof *r->ring);
	r->bucket = malloc(cap * sizeof *r->bucket);
	if (r->ring == NULL || r->bucket == NULL) {
		sl_recent_free(r);
		return ENOMEM;
	}
	for (i = 0; i < cap; i++)
		r->bucket[i] = NONE;
	r->cap = cap;
	r->ttl = ttl_ms;
	*out = r;
	return 0;
}

void
sl_recent_free(struct sl_recent *r)
{
	if (r == NULL)
		return;
	free(r->ring);
	free(r->bucket);
	free(r);
}

/* Drops the oldest entry. */
static void
drop_oldest(struct sl_recent *r)
{
	uint32_t idx = (uint32_t)r->head;
	uint32_t *link = &r->bucket[r->ring[idx].h & (r->cap - 1)];

	while (*link != NONE && *link != idx)
		link = &r->ring[*link].next;
	if (*link == idx)
		*link = r->ring[idx].next;
	r->head = (r->head + 1) & (r->cap - 1);
	r->count--;
}

static void
expire(struct sl_recent *r, int64_t now)
{
	while (r->count > 0 && r->ring[r->head].until <= now)
		drop_oldest(r);
}

void
sl_recent_add(struct sl_recent *r, const char *call_id, int64_t now)
{
	uint64_t h = sl_callid_hash(call_id);
	uint32_t idx, *b;

	expire(r, now);
	if (r->count == r->cap)
		drop_oldest(r);
	idx = (uint32_t)((r->head + r->count) & (r->cap - 1));
	b = &r->bucket[h & (r->cap - 1)];
	r->ring[idx].h = h;
	r->ring[idx].until = now + r->ttl;
	r->ring[idx].next = *b;
	*b = idx;
	r->count++;
}

int
sl_recent_has(struct sl_recent *r, const char *call_id, int64_t now)
{
	uint64_t h = sl_callid_hash(call_id);
	uint32_t idx;

	expire(r, now);
	for (idx = r->bucket[h & (r->cap - 1)]; idx != NONE; idx = r->ring[idx].next)
		if (r->ring[idx].h == h)
			return 1;
	return 0;
}
