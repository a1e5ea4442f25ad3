/* Unit tests for lib/callid.c: the Call-ID hash and the set of recently
 * ended calls that serve mode keeps (expiry, the capacity bound, reuse of
 * its slots). */
#include <stdio.h>
#include <string.h>

#include "callid.h"
#include "tap.h"

static void
id(char *buf, size_t size, int n)
{
	snprintf(buf, size, "%d-call@sipline.test", n);
}

int
main(void)
{
	struct sl_recent *r;
	char cid[64];
	int i, found, kept;

	ok(sl_callid_hash("a@b") == sl_callid_hash("a@b"), "hash: the same Call-ID, the same hash");
	ok(sl_callid_hash("a@b") != sl_callid_hash("a@c"), "hash: another Call-ID, another hash");
	ok(sl_callid_hash("") != sl_callid_hash("x"), "hash: the empty Call-ID too");

	is_int(sl_recent_new(3, 1000, &r), 22, "capacity not a power of two: EINVAL");
	is_int(sl_recent_new(8, 1000, &r), 0, "a set of 8 for 1 s");
	ok(!sl_recent_has(r, "x@y", 0), "empty: nothing remembered");
	sl_recent_add(r, "x@y", 0);
	ok(sl_recent_has(r, "x@y", 999), "remembered within its time");
	ok(!sl_recent_has(r, "x@z", 999), "another Call-ID is not");
	ok(!sl_recent_has(r, "x@y", 1000), "forgotten when its time is up");

	/* Full: the oldest goes first, the others stay. */
	for (i = 0; i < 10; i++) {
		id(cid, sizeof cid, i);
		sl_recent_add(r, cid, 2000 + i);
	}
	for (i = 0, kept = 0; i < 10; i++) {
		id(cid, sizeof cid, i);
		found = sl_recent_has(r, cid, 2010);
		if (i < 2)
			ok(!found, "past capacity, the oldest (%d) is forgotten", i);
		else
			kept += found;
	}
	is_int(kept, 8, "the 8 newest are kept");
	/* Expiry in the order of adding, with slots reused round the ring. */
	for (i = 0; i < 1000; i++) {
		id(cid, sizeof cid, 100 + i);
		sl_recent_add(r, cid, 5000 + i * 300);
	}
	for (i = 0, kept = 0; i < 1000; i++) {
		id(cid, sizeof cid, 100 + i);
		kept += sl_recent_has(r, cid, 5000 + 999 * 300);
	}
	is_int(kept, 4, "after 1000 more, 300 ms apart: the last 4 within 1 s");
	sl_recent_free(r);

	/* Many at once: every one of them found, none of the others. */
	is_int(sl_recent_new(65536, 32000, &r), 0, "a set as serve mode makes it");
	for (i = 0; i < 50000; i++) {
		id(cid, sizeof cid, i);
		sl_recent_add(r, cid, i / 1000);
	}
	for (i = 0, kept = 0; i < 50000; i++) {
		id(cid, sizeof cid, i);
		kept += sl_recent_has(r, cid, 100);
	}
	is_int(kept, 50000, "50000 Call-IDs: all found");
	for (i = 50000, found = 0; i < 100000; i++) {
		id(cid, sizeof cid, i);
		found += sl_recent_has(r, cid, 100);
	}
	is_int(found, 0, "50000 others: none found");
	sl_recent_free(r);
	return done_testing();
}
