/* libFuzzer target: Opus payloads (libopus, its concealment and in-band FEC) through
 * the decoder and the playout clock, resampled or not: fuzz/decode.h. */
#include "decode.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decode("opus", data, size);
}
