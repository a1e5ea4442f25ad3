/* rtp-craft: sends an RTP stream of a 1 kHz tone in a codec, paced in
 * real time, with every n-th packet replaced by a crafted one: the bad
 * input a decoder meets (truncated, oversized, garbage payloads, another
 * payload type mid-stream) or comfort noise; for tests/codecs.bats.
 *
 * usage: rtp-craft -c CODEC -r HOST:PORT [-n PACKETS] [-e N] [-k KIND]
 *                  [-L LEVEL] [-P PT]
 *   -n  packets of 20 ms to send (default 50)
 *   -e  every N-th packet is crafted (default 10; 0: none)
 *   -k  what it is:
 *       trunc    opus: a code-3 TOC byte and nothing after it (invalid);
 *                G.722: the first 7 bytes of the frame (valid, short)
 *       big      a 4000-byte datagram: a code-0 opus TOC or the G.722
 *                frame, then noise (larger than any RTP we read)
 *       garbage  opus: noise behind a code-3 TOC that counts 0 frames
 *                (invalid); G.722/G.711: 160 bytes of noise (valid)
 *       pt       the packet as PCMU (payload type 0), 160 bytes of silence
 *       cn       after the PACKETS, one comfort noise packet (PT 13) at
 *                -LEVEL dBov (default 30), then nothing (-e ignored)
 *   -P  the codec's payload type (default the table's)
 * Prints "rtp-craft: sent=N crafted=N" on stderr; exits 0 (100 usage,
 * 111 failure). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "codec.h"
#include "coder.h"
#include "rtp.h"

#define BIG 4000

static void
usage(void)
{
	fputs("usage: rtp-craft -c CODEC -r HOST:PORT [-n PACKETS] [-e N] "
	      "[-k trunc|big|garbage|pt|cn] [-L LEVEL] [-P PT]\n", stderr);
	exit(100);
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
noise(uint8_t *p, size_t n, uint32_t *s)
{
	while (n--)
		*p++ = (uint8_t)rnd(s);
}

int
main(int argc, char **argv)
{
	const struct sl_codec *c = NULL;
	const char *kind = "garbage", *dst = NULL;
	int opt, n = 50, every = 10, level = 30, pt = -1, i, frame, crafted = 0;
	char host[256];
	int port, fd;
	struct sl_addr to;
	struct sl_enc *enc;
	struct sl_rtp_tx tx;
	struct sl_rtp_packet p;
	static uint8_t pay[BIG], dgram[BIG + 16];
	int16_t pcm[SL_CODER_MAX];
	uint32_t seed = 0x2545f491, ts = 1000;
	uint16_t seq;
	struct timespec next;

	while ((opt = getopt(argc, argv, "c:r:n:e:k:L:P:")) != -1) {
		switch (opt) {
		case 'c':
			if ((c = sl_codec_by_name(optarg)) == NULL)
				usage();
			break;
		case 'r': dst = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'e': every = atoi(optarg); break;
		case 'k': kind = optarg; break;
		case 'L': level = atoi(optarg); break;
		case 'P': pt = atoi(optarg); break;
		default: usage();
		}
	}
	snprintf(host, sizeof host, " %s ", kind);
	if (c == NULL || dst == NULL || n < 1 || every < 0 || level < 0 || level > 127 ||
	    !strstr(" trunc big garbage pt cn ", host))
		usage();
	if (pt < 0)
		pt = c->pt;
	if (sl_addr_split(dst, host, sizeof host, &port) != 0 ||
	    sl_addr_resolve(host, port, AF_UNSPEC, 0, &to) != 0)
		usage();
	if ((fd = socket(sl_addr_family(&to), SOCK_DGRAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&to.ss, to.len) < 0 ||
	    sl_enc_new(c, c->rate, 20, NULL, &enc) != 0) {
		perror("rtp-craft");
		return 111;
	}
	frame = c->rate / 50;
	sl_rtp_tx_init(&tx);
	seq = tx.seq;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i <= n; i++) {
		int k, crafted_now = 0;
		size_t len;

		if (i == n && strcmp(kind, "cn") != 0)
			break;
		for (k = 0; k < frame; k++)
			pcm[k] = (int16_t)(16384 * sin(2 * M_PI * 1000.0 * (i * frame + k) / c->rate));
		if ((k = sl_enc_frame(enc, pcm, pay, SL_RTP_MAX - 12)) < 0) {
			fputs("rtp-craft: unable to encode\n", stderr);
			return 111;
		}
		memset(&p, 0, sizeof p);
		p.pt = pt;
		p.ts = ts;
		p.payload = pay;
		p.len = (size_t)k;
		if (i == n) {
			/* comfort noise: its level byte alone (RFC 3389 3.1) */
			p.pt = SL_PT_CN;
			pay[0] = (uint8_t)level;
			p.len = 1;
			crafted_now = 1;
		} else if (every > 0 && i % every == every - 1 && strcmp(kind, "cn") != 0) {
			crafted_now = 1;
			if (strcmp(kind, "trunc") == 0) {
				if (c->kind == SL_KIND_OPUS) {
					pay[0] |= 3;
					p.len = 1;
				} else {
					p.len = 7;
				}
			} else if (strcmp(kind, "big") == 0) {
				if (c->kind == SL_KIND_OPUS)
					pay[0] &= 0xfc;
				noise(pay + p.len, BIG - p.len, &seed);
				p.len = BIG - 12;
			} else if (strcmp(kind, "garbage") == 0) {
				if (c->kind == SL_KIND_OPUS) {
					noise(pay, 60, &seed);
					pay[0] |= 3;
					pay[1] = 0;     /* no frame at all */
					p.len = 60;
				} else {
					noise(pay, 160, &seed);
					p.len = 160;
				}
			} else if (strcmp(kind, "pt") == 0) {
				p.pt = 0;
				memset(pay, 0xff, 160);
				p.len = 160;
			}
		}
		crafted += crafted_now;
		/* The header by hand: sl_rtp_tx_pack stops at SL_RTP_MAX. */
		dgram[0] = 0x80;
		dgram[1] = (uint8_t)p.pt;
		dgram[2] = (uint8_t)(seq >> 8);
		dgram[3] = (uint8_t)seq;
		dgram[4] = (uint8_t)(p.ts >> 24);
		dgram[5] = (uint8_t)(p.ts >> 16);
		dgram[6] = (uint8_t)(p.ts >> 8);
		dgram[7] = (uint8_t)p.ts;
		memcpy(dgram + 8, &tx.ssrc, 4);
		memcpy(dgram + 12, p.payload, p.len);
		len = 12 + p.len;
		seq++;
		ts += (uint32_t)sl_codec_ticks(c, 20);
		if (send(fd, dgram, len, 0) < 0 && errno != ECONNREFUSED) {
			perror("rtp-craft: send");
			return 111;
		}
		next.tv_nsec += 20000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	fprintf(stderr, "rtp-craft: sent=%d crafted=%d\n", i, crafted);
	sl_enc_free(enc);
	return 0;
}
