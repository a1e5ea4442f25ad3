/* The control channel of a call (sipline(7), CONTROL CHANNEL): one line
 * per command written by the media command on SIP_CONTROL_FD.  This is
 * the parser and the splitter of lines; it does no I/O. */
#ifndef SIPLINE_CONTROL_H
#define SIPLINE_CONTROL_H

#include <stddef.h>

#define SL_CONTROL_LINE_MAX 1024    /* longer lines are refused */

enum sl_control_kind {
	SL_CONTROL_HANGUP,      /* hangup [CODE] */
	SL_CONTROL_HOLD,        /* hold */
	SL_CONTROL_RESUME,      /* resume */
	SL_CONTROL_TRANSFER,    /* transfer URI */
	SL_CONTROL_DTMF,        /* dtmf DIGITS */
	SL_CONTROL_ANSWER,      /* answer (sip-answer, the call not answered) */
};

struct sl_control_cmd {
	enum sl_control_kind kind;
	int code;               /* hangup: 0 (none given) or 400-699 */
	char arg[SL_CONTROL_LINE_MAX]; /* transfer: the URI; dtmf: the digits */
};

/* Parses one line (without its newline; a trailing '\r' and blanks are
 * ignored).  Returns 0, or EINVAL with *why saying what is wrong (a
 * static string, for the control-error event). */
int sl_control_parse(const char *line, size_t len, struct sl_control_cmd *cmd,
                     const char **why);

/* The command's name, as in its event line. */
const char *sl_control_name(enum sl_control_kind kind);

/* Splits what a control channel carries into lines. */
struct sl_control_lines {
	char buf[SL_CONTROL_LINE_MAX];
	size_t len;
	int overlong;           /* the line under way was too long: the rest
				 * of it is skipped */
};

typedef void (*sl_control_line_cb)(const char *line, size_t len, void *arg);

/* Takes n bytes of data: cb gets each whole line, without its newline.
 * A line too long is given once, cut at SL_CONTROL_LINE_MAX bytes (which
 * the parser refuses), and the rest of it is dropped. */
void sl_control_feed(struct sl_control_lines *l, const char *data, size_t n,
		     sl_control_line_cb cb, void *arg);
/* The input has ended: a last line without its newline goes to cb. */
void sl_control_end(struct sl_control_lines *l, sl_control_line_cb cb, void *arg);

#endif
