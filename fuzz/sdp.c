/* libFuzzer target: an SDP body from the network through the offer/answer
 * steps the tools take: sl_sdp_parse, sl_sdp_pick against what we accept,
 * the SRTP steps in each mode (as an offer, and as an answer to ours),
 * sl_sdp_build of our answer, and a round trip of what was understood
 * (build it, parse it back: the same stream must come out). */
#include <errno.h>
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
	if (a->savp != b->savp || a->ncrypto != b->ncrypto) {
		fprintf(stderr, "fuzz-sdp: round trip changed the SRTP keys\n");
		abort();
	}
	for (i = 0; i < a->ncrypto; i++)
		if (a->crypto[i].tag != b->crypto[i].tag || a->crypto[i].suite != b->crypto[i].suite ||
		    memcmp(a->crypto[i].key, b->crypto[i].key, SL_SDES_KEYLEN) != 0) {
			fprintf(stderr, "fuzz-sdp: round trip changed a key\n");
			abort();
		}
}

/* The SRTP steps, in each mode: theirs as an offer, and as the answer to
 * an offer of ours.  Whatever they decide must be consistent. */
static void
srtp_steps(const struct sl_sdp_stream *theirs)
{
	struct sl_sdp_stream offer;
	struct sl_sdes tx, rx;
	const char *why;
	int mode, code, err;

	for (mode = SL_SRTP_MODE_OFF; mode <= SL_SRTP_MODE_MANDATORY; mode++) {
		code = sl_sdp_srtp_take_offer(theirs, mode, NULL, &tx, &rx, &why);
		if ((code != 0 && code != 488 && code != 500) || (code != 0 && why == NULL) ||
		    (code == 0 && mode == SL_SRTP_MODE_MANDATORY && rx.suite == SL_SRTP_OFF) ||
		    (code == 0 && (tx.suite != rx.suite || tx.tag != rx.tag)))
			abort();
		memset(&offer, 0, sizeof offer);
		if (sl_sdp_srtp_offer(&offer, mode, NULL) != 0)
			continue;
		err = sl_sdp_srtp_check_answer(&offer, theirs, mode, &tx, &rx, &why);
		if ((err != 0 && (err != EINVAL || why == NULL)) ||
		    (err == 0 && mode == SL_SRTP_MODE_MANDATORY && rx.suite == SL_SRTP_OFF) ||
		    (err == 0 && mode == SL_SRTP_MODE_OFF && rx.suite != SL_SRTP_OFF))
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
	if (theirs.ncrypto < 0 || theirs.ncrypto > SL_SDP_CRYPTO ||
	    theirs.ncrypto > theirs.crypto_lines)
		abort();
	srtp_steps(&theirs);

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
