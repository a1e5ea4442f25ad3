/* libFuzzer target: an SDP body from the network through the offer/answer
 * steps the tools take: sl_sdp_parse, sl_sdp_pick against what we accept,
 * sl_sdp_build of our answer, and a round trip of what was understood
 * (build it, parse it back: the same stream must come out). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sdp.h"

static void
check_same(const struct sl_sdp_stream *a, const struct sl_sdp_stream *b)
{
	int i;

	if (!sl_addr_equal(&a->addr, &b->addr) || a->npts != b->npts ||
	    a->ptime != b->ptime || a->dir != b->dir) {
		fprintf(stderr, "fuzz-sdp: round trip changed the stream\n");
		abort();
	}
	for (i = 0; i < a->npts; i++)
		if (a->pts[i] != b->pts[i]) {
			fprintf(stderr, "fuzz-sdp: round trip changed the codecs\n");
			abort();
		}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-sdp");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_sdp_stream theirs, ours, again;
	const char *why = NULL;
	char *body, out[SL_SDP_MAX];
	int pt, i;

	if (size > 65536)
		return 0;
	/* Bodies are NUL-terminated strings by the time they get here. */
	body = malloc(size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	if (sl_sdp_parse(body, &theirs, &why) != 0) {
		if (why == NULL)
			abort();
		free(body);
		return 0;
	}
	if (theirs.npts < 0 || theirs.npts > 8 || theirs.ptime < 10 || theirs.ptime > 60 ||
	    theirs.rtcp_port < 1 || theirs.rtcp_port > 65536 ||
	    theirs.dtmf_pt < -1 || theirs.dtmf_pt > 127)
		abort();
	for (i = 0; i < theirs.npts; i++)
		if (theirs.codecs[i] == NULL || sl_sdp_codec(&theirs, theirs.pts[i]) == NULL)
			abort();

	/* Our answer, as sip-answer builds it. */
	memset(&ours, 0, sizeof ours);
	sl_addr_resolve("127.0.0.1", 20000, AF_INET, 0, &ours.addr);
	for (i = 0; sl_codecs[i].name && i < SL_SDP_CODECS; i++)
		sl_sdp_add(&ours, &sl_codecs[i], sl_codecs[i].pt, sl_codecs[i].fmtp);
	pt = sl_sdp_pick(&theirs, &ours);
	if (pt >= 0)
		sl_sdp_only(&ours, &theirs, pt);
	ours.dtmf_pt = theirs.dtmf_pt;
	ours.ptime = theirs.ptime;
	ours.dir = sl_sdp_mirror(theirs.dir);
	if (sl_sdp_build(&ours, 1, 1, out, sizeof out) != 0)
		abort();
	if (sl_sdp_parse(out, &again, &why) != 0)
		abort();

	/* What we understood of theirs, written and read back. */
	if (theirs.addr.len != 0) {
		if (sl_sdp_build(&theirs, 2, 2, out, sizeof out) != 0)
			abort();
		if (sl_sdp_parse(out, &again, &why) != 0) {
			fprintf(stderr, "fuzz-sdp: our own SDP does not parse (%s):\n%s", why, out);
			abort();
		}
		check_same(&theirs, &again);
	}
	free(body);
	return 0;
}
