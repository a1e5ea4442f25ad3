/* libFuzzer target: G.722 payloads (libspandsp, its concealment) through
 * the decoder and the playout clock, resampled or not: fuzz/decode.h. */
#include "decode.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decode("g722", data, size);
}
