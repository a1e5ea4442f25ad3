/* Serve mode: every call in a process of its own, like tcpserver. */
#ifndef SIPLINE_SERVE_H
#define SIPLINE_SERVE_H

#include "answer.h"

/* Serves calls on sip's socket until SIGINT/SIGTERM, at most max_calls at
 * once.  Returns the exit status (0 after a clean stop). */
int sl_serve_run(struct sl_loop *loop, struct sl_sip *sip,
		 const struct sl_settings *set, const struct sl_answer_config *ac,
		 int max_calls);

#endif
