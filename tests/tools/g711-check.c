/* g711-check: checks lib/g711 against ITU-T G.711 facts (the codes of
 * silence and of the extremes, every code decoding into its own interval,
 * monotonic encoding), TAP output; with an argument, a filter for
 * comparing with sox: "decode ulaw|alaw" turns codes on stdin into s16le,
 * "encode ulaw|alaw" the other way, "codes" prints the 256 codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "g711.h"
#include "tap.h"

static int
law(const char *name)
{
	if (strcmp(name, "ulaw") == 0)
		return SL_PT_PCMU;
	if (strcmp(name, "alaw") == 0)
		return SL_PT_PCMA;
	fprintf(stderr, "g711-check: ulaw or alaw, not %s\n", name);
	exit(2);
}

static int
filter(int argc, char **argv)
{
	int c;

	if (strcmp(argv[1], "codes") == 0) {
		for (c = 0; c < 256; c++)
			putchar(c);
		return 0;
	}
	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "decode") == 0) {
		while ((c = getchar()) != EOF) {
			uint8_t code = (uint8_t)c;
			int16_t s;
			sl_g711_decode(law(argv[2]), &code, &s, 1);
			putchar(s & 0xff);
			putchar((s >> 8) & 0xff);
		}
		return 0;
	}
	if (strcmp(argv[1], "encode") == 0) {
		int lo;
		while ((lo = getchar()) != EOF && (c = getchar()) != EOF) {
			int16_t s = (int16_t)(lo | (c << 8));
			uint8_t code;
			sl_g711_encode(law(argv[2]), &s, &code, 1);
			putchar(code);
		}
		return 0;
	}
	return 2;
}

/* Properties every G.711 law has, for law pt. */
static void
check_law(int pt, const char *name)
{
	int c, x, bad_round = 0, bad_mono = 0, bad_err = 0;
	int16_t prev = -32768;

	for (c = 0; c < 256; c++) {
		uint8_t code = (uint8_t)c, back;
		int16_t v;
		sl_g711_decode(pt, &code, &v, 1);
		sl_g711_encode(pt, &v, &back, 1);
		int16_t v2;
		sl_g711_decode(pt, &back, &v2, 1);
		if (v2 != v)
			bad_round++;
	}
	ok(bad_round == 0, "%s: every code decodes into its own interval", name);
	for (x = -32768; x <= 32767; x++) {
		int16_t s = (int16_t)x, v;
		uint8_t code;
		sl_g711_encode(pt, &s, &code, 1);
		sl_g711_decode(pt, &code, &v, 1);
		if (v < prev)
			bad_mono++;
		prev = v;
		/* The largest interval is 1024 (µ) or 1024 (A) wide in 16-bit
		 * units; the clipped ends excepted. */
		if (abs(v - x) > 1024 && abs(x) < 32124)
			bad_err++;
	}
	ok(bad_mono == 0, "%s: encoding is monotonic", name);
	ok(bad_err == 0, "%s: the error stays within one interval", name);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		return filter(argc, argv);
	plan(18);
	is_int(sl_ulaw_encode(0), 0xFF, "µ-law: 0 is 0xFF");
	is_int(sl_ulaw_decode(0xFF), 0, "µ-law: 0xFF is 0");
	is_int(sl_ulaw_decode(0x7F), 0, "µ-law: 0x7F is -0");
	is_int(sl_ulaw_decode(0x80), 32124, "µ-law: 0x80 is the top, 8031 x 4");
	is_int(sl_ulaw_decode(0x00), -32124, "µ-law: 0x00 is the bottom");
	is_int(sl_ulaw_encode(32767), 0x80, "µ-law: full scale clips to 0x80");
	is_int(sl_ulaw_encode(-32768), 0x00, "µ-law: negative full scale is 0x00");
	is_int(sl_alaw_encode(0), 0xD5, "A-law: 0 is 0xD5 (even bits inverted)");
	is_int(sl_alaw_decode(0xD5), 8, "A-law: 0xD5 is +8, 1 x 8");
	is_int(sl_alaw_decode(0x55), -8, "A-law: 0x55 is -8");
	is_int(sl_alaw_decode(0xAA), 32256, "A-law: 0xAA is the top, 4032 x 8");
	is_int(sl_alaw_decode(0x2A), -32256, "A-law: 0x2A is the bottom");
	check_law(SL_PT_PCMU, "µ-law");
	check_law(SL_PT_PCMA, "A-law");
	return done_testing();
}
