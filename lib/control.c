/* The control channel's line parser (control.h). */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "dtmf.h"

static const char *const names[] = {
	[SL_CONTROL_HANGUP] = "hangup",
	[SL_CONTROL_HOLD] = "hold",
	[SL_CONTROL_RESUME] = "resume",
	[SL_CONTROL_TRANSFER] = "transfer",
	[SL_CONTROL_DTMF] = "dtmf",
	[SL_CONTROL_ANSWER] = "answer",
};

const char *
sl_control_name(enum sl_control_kind kind)
{
	return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return EINVAL;
}

int
sl_control_parse(const char *line, size_t len, struct sl_control_cmd *cmd,
                 const char **why)
{
	size_t i, w, a, e;
	const char *bad;
	int k;

	if (len >= SL_CONTROL_LINE_MAX)
		return fail(why, "line too long");
	if (memchr(line, '\0', len))
		return fail(why, "NUL in line");
	while (len > 0 && (blank(line[len - 1]) || line[len - 1] == '\r'))
		len--;
	for (i = 0; i < len && blank(line[i]); i++)
		;
	for (w = i; w < len && !blank(line[w]); w++)
		;
	for (a = w; a < len && blank(line[a]); a++)
		;
	for (e = a; e < len; e++)
		if ((unsigned char)line[e] < 0x20 || line[e] == 0x7f)
			return fail(why, "control character in line");
	if (w == i)
		return fail(why, "empty line");
	memset(cmd, 0, sizeof *cmd);
	for (k = 0; k < (int)(sizeof names / sizeof names[0]); k++)
		if (strlen(names[k]) == w - i && memcmp(line + i, names[k], w - i) == 0)
			break;
	if (k == (int)(sizeof names / sizeof names[0]))
		return fail(why, "unknown command");
	cmd->kind = (enum sl_control_kind)k;
	memcpy(cmd->arg, line + a, len - a);
	cmd->arg[len - a] = '\0';
	switch (cmd->kind) {
	case SL_CONTROL_HANGUP:
		if (cmd->arg[0] == '\0')
			return 0;
		if (strlen(cmd->arg) != 3 || strspn(cmd->arg, "0123456789") != 3)
			return fail(why, "hangup: the code is not 3 digits");
		cmd->code = (cmd->arg[0] - '0') * 100 + (cmd->arg[1] - '0') * 10 +
		            (cmd->arg[2] - '0');
		if (cmd->code < 400 || cmd->code > 699)
			return fail(why, "hangup: the code is not 400-699");
		cmd->arg[0] = '\0';
		return 0;
	case SL_CONTROL_HOLD:
	case SL_CONTROL_RESUME:
	case SL_CONTROL_ANSWER:
		return cmd->arg[0] ? fail(why, "no argument expected") : 0;
	case SL_CONTROL_TRANSFER:
		if (cmd->arg[0] == '\0')
			return fail(why, "transfer: no URI");
		if (strpbrk(cmd->arg, " \t<>\""))
			return fail(why, "transfer: blank or <>\" in the URI");
		if (strncmp(cmd->arg, "sip:", 4) != 0 && strncmp(cmd->arg, "sips:", 5) != 0 &&
		    strncmp(cmd->arg, "tel:", 4) != 0)
			return fail(why, "transfer: not a sip:, sips: or tel: URI");
		return 0;
	case SL_CONTROL_DTMF:
		if (cmd->arg[0] == '\0')
			return fail(why, "dtmf: no digits");
		if (sl_dtmf_check(cmd->arg, &bad) != 0)
			return fail(why, "dtmf: not a digit 0-9 * # A-D or ','");
		return 0;
	}
	return fail(why, "unknown command");
}

void
sl_control_feed(struct sl_control_lines *l, const char *data, size_t n,
		sl_control_line_cb cb, void *arg)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		take = nl ? (size_t)(nl - data) : n;
		if (!l->overlong) {
			if (l->len + take >= sizeof l->buf) {
				/* Given cut, once: the parser refuses it. */
				memcpy(l->buf + l->len, data, sizeof l->buf - l->len);
				cb(l->buf, sizeof l->buf, arg);
				l->len = 0;
				l->overlong = 1;
			} else {
				memcpy(l->buf + l->len, data, take);
				l->len += take;
			}
		}
		if (nl == NULL)
			return;
		if (!l->overlong)
			cb(l->buf, l->len, arg);
		l->len = 0;
		l->overlong = 0;
		data += take + 1;
		n -= take + 1;
	}
}

void
sl_control_end(struct sl_control_lines *l, sl_control_line_cb cb, void *arg)
{
	if (l->len > 0 && !l->overlong)
		cb(l->buf, l->len, arg);
	l->len = 0;
	l->overlong = 0;
}
