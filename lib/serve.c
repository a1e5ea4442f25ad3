/* Serve mode (placeholder until the per-call processes land). */
#include "serve.h"

#include "log.h"

int
sl_serve_run(struct sl_loop *loop, struct sl_sip *sip,
	     const struct sl_settings *set, const struct sl_answer_config *ac,
	     int max_calls)
{
	sl_fatal(SL_EXIT_USAGE, "--serve is not available yet");
}
