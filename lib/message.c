/* Instant messages received (RFC 3428): the checks of a MESSAGE, the
 * cleaning of its text, and its delivery to an event line or a command. */
#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "child.h"
#include "handoff.h"
#include "log.h"
#include "sip.h"

/* ---- the text ---- */

/* The length of the UTF-8 character at s (n bytes left) and its code
 * point in *cp, or 0 when s does not start a well-formed one (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t
utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* 1 for a character a terminal or a script must not get as it is. */
static int
unsafe(unsigned long cp, int mode)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return !(mode == SL_MESSAGE_LINES && (cp == '\n' || cp == '\t'));
	if (mode == SL_MESSAGE_LINE && (cp == '"' || cp == '\\'))
		return 1;
	return cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t
sl_message_clean(char *dst, size_t size, const char *src, size_t len, int mode,
		 size_t *used)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, j = 0, n;
	unsigned long cp;

	while (i < len) {
		if (mode == SL_MESSAGE_LINES && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++;    /* CRLF: the LF alone */
			continue;
		}
		n = utf8_char(s + i, len - i, &cp);
		if (n == 0 || unsafe(cp, mode)) {
			if (j + 1 >= size)
				break;
			dst[j++] = '?';
			i += n ? n : 1;
			continue;
		}
		if (j + n >= size)
			break;
		memcpy(dst + j, s + i, n);
		j += n;
		i += n;
	}
	dst[j] = '\0';
	if (used)
		*used = i;
	return j;
}

/* ---- the request ---- */

/* 1 when the Content-Type is text/plain in a charset we read. */
static int
type_ok(const osip_content_type_t *ct)
{
	osip_generic_param_t *cs = NULL;
	char *v;
	size_t n;

	if (ct == NULL || ct->type == NULL || ct->subtype == NULL ||
	    strcasecmp(ct->type, "text") != 0 || strcasecmp(ct->subtype, "plain") != 0)
		return 0;
	if (osip_generic_param_get_byname((osip_list_t *)&ct->gen_params, "charset", &cs) != 0 ||
	    cs == NULL || cs->gvalue == NULL)
		return 1;
	v = cs->gvalue;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	return (n == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
	       (n == 8 && strncasecmp(v, "us-ascii", 8) == 0);
}

static void
uri_text(const osip_uri_t *u, char *buf, size_t size)
{
	char *s = NULL;

	if (u && osip_uri_to_str(u, &s) == 0) {
		sl_message_clean(buf, size, s, strlen(s), SL_MESSAGE_LINE, NULL);
		osip_free(s);
	} else {
		snprintf(buf, size, "?");
	}
}

/* The quotes of a quoted-string removed and its quoted-pairs (\" and \\)
 * undone, so that the name reads as its sender wrote it, then cleaned. */
void
sl_clean_display_name(char *buf, size_t size, const char *src)
{
	char plain[260];
	size_t i, j = 0, n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= 2 && src[0] == '"' && src[n - 1] == '"') {
		for (i = 1; i < n - 1 && j < sizeof plain - 1; i++) {
			if (src[i] == '\\' && i + 1 < n - 1)
				i++;
			plain[j++] = src[i];
		}
		plain[j] = '\0';
		src = plain;
		n = j;
	}
	sl_message_clean(buf, size, src, n, SL_MESSAGE_LINE, NULL);
}

int
sl_message_check(const osip_message_t *req, size_t max, struct sl_message *m)
{
	osip_body_t *body = osip_list_get(&req->bodies, 0);
	char *type = NULL;

	memset(m, 0, sizeof *m);
	m->body = body && body->body ? body->body : "";
	m->len = body && body->body ? body->length : 0;
	uri_text(req->from ? req->from->url : NULL, m->from, sizeof m->from);
	sl_clean_display_name(m->name, sizeof m->name, req->from ? req->from->displayname : NULL);
	uri_text(req->to ? req->to->url : NULL, m->to, sizeof m->to);
	if (req->content_type && osip_content_type_to_str(req->content_type, &type) == 0) {
		sl_message_clean(m->type, sizeof m->type, type, strlen(type), SL_MESSAGE_LINE, NULL);
		osip_free(type);
	}
	if (osip_list_size(&req->bodies) > 1)
		return 415;
	if (m->len > max)
		return 413;
	if (osip_list_size(&req->content_encodings) > 0)
		return 415;
	/* libosip2 keeps no body that has no Content-Type. */
	if ((m->len > 0 || (req->content_length && req->content_length->value &&
			    strtoul(req->content_length->value, NULL, 10) > 0)) &&
	    !type_ok(req->content_type))
		return 415;
	return 0;
}

/* ---- delivery ---- */

static int running;     /* --on-message commands */

static void
on_command_exit(pid_t pid, int status, void *arg)
{
	int code = sl_child_exit_code(status);

	running--;
	if (code != 0)
		sl_warn("--on-message command exited with %d", code);
}

/* Runs the command with the cleaned text on its stdin (a memory file) and
 * its stdout on our stderr, so that it never writes into the audio of a
 * call.  Returns 0 or an errno value. */
static int
run_command(const struct sl_message_config *cfg, struct sl_loop *loop,
	    const struct sl_message *m, const char *call_id)
{
	struct sl_handoff_call h = { call_id, m->to, m->from, m->name, 0, NULL };
	char *text;
	size_t n;
	pid_t pid;
	int fd, err = 0, fdmap[5];

	if ((text = malloc(m->len + 1)) == NULL)
		return ENOMEM;
	n = sl_message_clean(text, m->len + 1, m->body, m->len, SL_MESSAGE_LINES, NULL);
	if ((fd = memfd_create("sipline-message", MFD_CLOEXEC)) < 0)
		err = errno;
	else if (write(fd, text, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) < 0)
		err = errno ? errno : EIO;
	free(text);
	if (err == 0) {
		fdmap[0] = fd, fdmap[1] = 0, fdmap[2] = 2, fdmap[3] = 1, fdmap[4] = -1;
		if ((err = sl_fork(fdmap, -1, &pid)) == 0 && pid == 0) {
			sl_handoff_call_to_env(&h);
			sl_handoff_message_to_env(m->type[0] ? m->type : NULL);
			execvp(cfg->argv[0], cfg->argv);
			err = errno;
			sl_warn_err(err, "unable to run %s", cfg->argv[0]);
			_exit(err == ENOENT ? SL_EXIT_NOCMD : SL_EXIT_CANTRUN);
		}
	}
	if (fd >= 0)
		close(fd);
	if (err == 0) {
		running++;
		sl_child_watch(loop, pid, on_command_exit, NULL);
	}
	return err;
}

void
sl_message_receive(const struct sl_message_config *cfg, struct sl_loop *loop,
		   struct sl_server *srv, osip_message_t *req)
{
	struct sl_message m;
	osip_message_t *r;
	char cid[256], text[SL_MESSAGE_EVENT_TEXT + 1], a[SL_ADDR_STRLEN];
	size_t max = cfg && cfg->max ? cfg->max : SL_MESSAGE_DEFAULT_MAX, used = 0;
	int code, err;

	sl_msg_call_id(req, text, sizeof text);
	sl_message_clean(cid, sizeof cid, text, strlen(text), SL_MESSAGE_LINE, NULL);
	code = sl_message_check(req, max, &m);
	if (code == 0 && cfg && cfg->argv && running >= SL_MESSAGE_COMMANDS_MAX)
		code = 503;
	if (code != 0) {
		sl_warn("refusing MESSAGE from %s: %d %s", sl_addr_str(sl_server_source(srv), a),
			code, sl_reason(code));
		if (sl_server_response(srv, code, &r) != 0)
			return;
		if (code == 415)
			osip_message_set_accept(r, SL_MESSAGE_ACCEPT);
		sl_server_send(srv, r);
		return;
	}
	sl_server_reply(srv, 200);
	if (cfg && cfg->argv) {
		sl_event("message from=%s%s%s%s to=%s type=\"%s\" length=%zu call-id=%s", m.from,
			 m.name[0] ? " name=\"" : "", m.name, m.name[0] ? "\"" : "", m.to,
			 m.type[0] ? m.type : "none", m.len, cid);
		if ((err = run_command(cfg, loop, &m, cid)) != 0)
			sl_warn_err(err, "unable to run %s", cfg->argv[0]);
		return;
	}
	sl_message_clean(text, sizeof text - 3, m.body, m.len, SL_MESSAGE_LINE, &used);
	if (used < m.len)
		strcat(text, "...");
	sl_event("message from=%s%s%s%s to=%s type=\"%s\" length=%zu text=\"%s\" call-id=%s",
		 m.from, m.name[0] ? " name=\"" : "", m.name, m.name[0] ? "\"" : "", m.to,
		 m.type[0] ? m.type : "none", m.len, text, cid);
}
