/* libFuzzer target: rtp-recv's receive path without sockets: each input's
 * datagrams are parsed as RTP (sl_rtp_parse) or RTCP (sl_rtcp_parse) and
 * handed with their arrival time to a playout clock set up as rtp-recv
 * sets it up (PCMU or PCMA, telephone-event 101, jitter 60 ms), whose
 * output is drained at each step as the engine would, then its
 * statistics and report block are read.
 *
 * Input: a first byte (bit 0: PCMA instead of PCMU; bit 1: in a call, so
 * that an RTCP BYE lingers), then records of [control][length, 2 bytes]
 * [bytes]: control bit 0 makes the bytes RTCP instead of RTP; the other
 * bits advance the clock by that many 20 ms frames. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "playout.h"
#include "rtcp.h"
#include "rtp.h"

#define FRAME_NS 20000000LL

/* Everything the playout has to write by now. */
static void
drain(struct sl_playout *pl, int64_t now)
{
	int16_t pcm[4096];
	size_t n;
	int64_t wake;

	while (sl_playout_next(pl, now, pcm, 4096, &n, &wake) == SL_PLAY_WRITE)
		;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-rtp");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_playout_cfg cfg;
	struct sl_playout pl;
	struct sl_rtp_packet pkt;
	struct sl_rtcp_info info;
	struct sl_rtcp_block b;
	int64_t now = 1000000000;
	char stats[256];
	size_t i;
	int k;

	if (size < 1 || size > 65536)
		return 0;
	memset(&cfg, 0, sizeof cfg);
	cfg.codec = sl_codec_by_pt(data[0] & 1 ? 8 : 0);
	cfg.frame = 160;
	cfg.jitter_ms = 60;
	cfg.dtmf_pt = 101;
	cfg.in_call = (data[0] & 2) != 0;
	cfg.timeout_ns = 30 * 1000000000LL;
	if (sl_playout_init(&pl, &cfg, now) != 0)
		abort();
	for (i = 1; i + 3 <= size; ) {
		int ctl = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];

		i += 3;
		if (len > size - i)
			len = size - i;
		if (ctl & 1) {
			if (sl_rtcp_parse(data + i, len, &info) == 0) {
				for (k = 0; k < info.nbye; k++)
					sl_playout_bye(&pl, info.bye[k]);
				if (info.sr)
					sl_playout_sr(&pl, info.sr_ssrc, info.sr_ntp_mid, now);
			}
		} else if (sl_rtp_parse(data + i, len, &pkt) == 0) {
			char d = sl_playout_packet(&pl, now, &pkt);

			if (d && !strchr("0123456789*#ABCD", d))
				abort();
		}
		i += len;
		now += (int64_t)(ctl >> 1) * FRAME_NS;
		drain(&pl, now);
		sl_playout_report(&pl, now, &b);
	}
	/* Play out the rest, as the engine does at the end. */
	sl_playout_stop(&pl);
	drain(&pl, now);
	sl_playout_stats_line(&pl, stats, sizeof stats);
	sl_playout_free(&pl);
	return 0;
}
