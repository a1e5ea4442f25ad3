/* The body of the decoder targets (fuzz/decode_opus.c, decode_g722.c,
 * decode_g711.c): one codec's payloads, as the network sends them, through
 * its decoder twice over: straight (sl_dec_packet, and sl_dec_conceal with
 * the payload as the next one, whose Opus in-band FEC it reads) and inside
 * a playout clock as rtp-recv sets it up (RTP packets of the codec's
 * payload type, with losses, reordering, another payload type and
 * comfort noise), drained at each step.
 *
 * Input: a first byte (bits 0-1: the pipe's rate, the codec's or 8000,
 * 16000 or 44100, resampled; bit 2: no concealment), then records of
 * [control][length][bytes]: control bits 0-1 are packets lost before this
 * one (0-3), bit 2 sends it with another payload type (8, or 13: comfort
 * noise, by bit 3), bits 4-7 advance the clock by that many 20 ms
 * frames.  A payload decodes to at most what the decoder was given room
 * for, or the target aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "coder.h"
#include "log.h"
#include "playout.h"
#include "rtp.h"

#define FRAME_NS 20000000LL

/* libspandsp's plc_fillin copies its history onto itself with memcpy
 * (normalise_history: the ranges overlap whenever less than half of it
 * is new), at the first concealment of nearly every G.711 or G.722
 * loss.  glibc's memcpy is its memmove on x86-64 and copies it right, and
 * the library is not ours: ASan's interceptors are told to leave calls
 * from normalise_history alone (fuzz/asan.supp), and check all of ours. */
const char *
__asan_default_options(void)
{
	return "suppressions=fuzz/asan.supp";
}

static void
drain(struct sl_playout *pl, int64_t now)
{
	static int16_t pcm[8192];
	size_t n;
	int64_t wake;

	while (sl_playout_next(pl, now, pcm, 8192, &n, &wake) == SL_PLAY_WRITE)
		if (n > 8192)
			abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sl_log_init("fuzz-decode");
	return 0;
}

static int
fuzz_decode(const char *codec, const uint8_t *data, size_t size)
{
	static const int rates[] = { 0, 8000, 16000, 44100 };
	static int16_t out[SL_CODER_MAX * 4 + 64];
	const struct sl_codec *c = sl_codec_by_name(codec);
	struct sl_playout_cfg cfg;
	struct sl_playout pl;
	struct sl_rtp_packet pkt;
	struct sl_dec *dec;
	int64_t now = 1000000000;
	char stats[256];
	uint16_t seq = 65500;
	uint32_t ts = 4294960000u;
	int rate, plc, k;
	size_t i, room;

	if (c == NULL || size < 1 || size > 65536)
		return 0;
	rate = rates[data[0] & 3] ? rates[data[0] & 3] : c->pipe_rate;
	plc = !(data[0] & 4);
	/* Room for the longest packet (120 ms at the codec's rate) on the
	 * pipe, as the playout gives it. */
	room = (size_t)SL_CODER_MAX * (size_t)rate / (size_t)c->rate + 1;
	if (sl_dec_new(c, rate, plc, &dec) != 0)
		abort();
	memset(&cfg, 0, sizeof cfg);
	cfg.codec = c;
	cfg.rate = rate;
	cfg.plc = plc;
	cfg.frame = sl_codec_samples(c, rate, 20);
	cfg.jitter_ms = 60;
	cfg.dtmf_pt = 101;
	cfg.timeout_ns = 30 * 1000000000LL;
	if (sl_playout_init(&pl, &cfg, now) != 0)
		abort();
	for (i = 1; i + 3 <= size; ) {
		int ctl = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];

		i += 3;
		if (len > size - i)
			len = size - i;
		if (len > SL_RTP_MAX - 12)
			len = SL_RTP_MAX - 12;
		/* Straight through the decoder. */
		if (ctl & 3) {
			k = sl_dec_conceal(dec, data + i, len, out, (size_t)cfg.frame * (ctl & 3));
			if (k < 0 || k > cfg.frame * (ctl & 3))
				abort();
		}
		k = sl_dec_packet(dec, data + i, len, out, room);
		if (k > (int)room)
			abort();
		/* And as RTP into the playout. */
		seq = (uint16_t)(seq + 1 + (ctl & 3));
		ts += (uint32_t)sl_codec_ticks(c, 20) * (uint32_t)(1 + (ctl & 3));
		memset(&pkt, 0, sizeof pkt);
		pkt.pt = ctl & 4 ? (ctl & 8 ? SL_PT_CN : 8) : c->pt;
		pkt.seq = seq;
		pkt.ts = ts;
		pkt.ssrc = 0x12345678;
		pkt.payload = data + i;
		pkt.len = len;
		if (len > 0 || pkt.pt != SL_PT_CN)
			sl_playout_packet(&pl, now, &pkt);
		i += len;
		now += (int64_t)(ctl >> 4) * FRAME_NS;
		drain(&pl, now);
	}
	sl_playout_stop(&pl);
	drain(&pl, now);
	sl_playout_stats_line(&pl, stats, sizeof stats);
	sl_playout_free(&pl);
	sl_dec_free(dec);
	return 0;
}
