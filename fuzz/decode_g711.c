/* libFuzzer target: G.711 payloads (PCMU, and PCMA as the other law; spandsp's concealment) through
 * the decoder and the playout clock, resampled or not: fuzz/decode.h. */
#include "decode.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decode("pcmu", data, size);
}
