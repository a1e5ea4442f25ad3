/* sip-message: send one instant message (RFC 3428 MESSAGE) and exit with
 * its outcome, like sip-call. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "message.h"
#include "opt.h"
#include "settings.h"
#include "sip.h"

static const char usage[] =
	"usage: sip-message [-hVv] [-u USER] [-d DOMAIN] [-s HOST[:PORT]] [-t udp|tcp|tls]\n"
	"                   [-l [HOST]:PORT] [-T SECONDS] [-C TYPE] URI [TEXT...]\n"
	"Sends TEXT (the words joined by spaces; default: stdin) to URI\n"
	"(sip:user@host, user@host, or a user or number at DOMAIN) in a MESSAGE\n"
	"and exits with the outcome.  The text is at most 1024 bytes over UDP,\n"
	"60000 over TCP and TLS.\n"
	SL_SETTINGS_HELP
	"  -l, --local [HOST]:PORT  send from this address\n"
	"  -T, --timeout SECONDS    give up when no final answer came in time\n"
	"                           (default 32)\n"
	"  -C, --content-type TYPE  the text's type (default text/plain;charset=UTF-8)\n";

struct state {
	struct sl_loop *loop;
	const char *target;
	int status;
};

static void
on_response(struct sl_client *c, osip_message_t *resp, int err, void *arg)
{
	struct state *st = arg;
	char line[160], cid[256];
	const char *why;

	if (resp && resp->status_code < 200)
		return;
	sl_msg_call_id(sl_client_request(c), cid, sizeof cid);
	if (resp == NULL) {
		st->status = sl_exit_for_error(err);
		sl_event("failed reason=\"%s\" call-id=%s", sl_describe_error(err), cid);
	} else {
		sl_status_line(resp, line, sizeof line);
		st->status = sl_client_exit_status(c, resp->status_code);
		why = sl_client_auth_failure(c, resp->status_code);
		if (resp->status_code < 300)
			sl_event("sent status=\"%s\" to=%s call-id=%s", line, st->target, cid);
		else if (why)
			sl_event("rejected status=\"%s\" reason=\"%s\" call-id=%s", line, why, cid);
		else
			sl_event("rejected status=\"%s\" call-id=%s", line, cid);
	}
	sl_loop_stop(st->loop);
}

/* The text of the words in argv, or of stdin (without one line end at
 * its end); at most max bytes.  Exits 100 past max, 111 when stdin cannot
 * be read. */
static char *
read_text(char **argv, int argc, size_t max, size_t *len)
{
	char *buf = malloc(max + 2);
	size_t n = 0, w;
	ssize_t r;
	int i;

	if (buf == NULL)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to read the text");
	if (argc > 0) {
		for (i = 0; i < argc; i++) {
			w = strlen(argv[i]);
			if (n + w + (i > 0) > max)
				sl_usage_error("the text is longer than %zu bytes%s", max,
					       max == SL_MESSAGE_UDP_MAX ? " (over UDP: RFC 3428 5)" : "");
			if (i > 0)
				buf[n++] = ' ';
			memcpy(buf + n, argv[i], w);
			n += w;
		}
	} else {
		while (n < max + 2 && (r = read(0, buf + n, max + 2 - n)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to read the text from stdin");
			n += (size_t)r;
		}
		if (n > 0 && buf[n - 1] == '\n' && n <= max + 1)
			n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
		if (n > max)
			sl_usage_error("the text is longer than %zu bytes%s", max,
				       max == SL_MESSAGE_UDP_MAX ? " (over UDP: RFC 3428 5)" : "");
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SL_SETTINGS_LONGOPTS,
		{ "local", required_argument, 0, 'l' },
		{ "timeout", required_argument, 0, 'T' },
		{ "content-type", required_argument, 0, 'C' },
		{ 0, 0, 0, 0 }
	};
	struct sl_settings set;
	struct state st;
	struct sl_sip *sip;
	struct sl_client *c;
	osip_message_t *req;
	const char *local = NULL, *type = SL_MESSAGE_TYPE, *p;
	char target[1024], *text;
	double timeout = 32;
	size_t len;
	int opt, err;

	sl_log_init(argv[0]);
	sl_settings_init(&set);
	memset(&st, 0, sizeof st);
	while ((opt = getopt_long(argc, argv, "+" SL_SETTINGS_SHORTOPTS "l:T:C:",
				  longopts, NULL)) != -1) {
		if (sl_settings_option(&set, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'l':
			local = optarg;
			break;
		case 'T':
			timeout = sl_opt_num("--timeout", optarg, 0.1, 3600);
			break;
		case 'C':
			type = optarg;
			for (p = type; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					sl_usage_error("--content-type: a control character");
			if (strchr(type, '/') == NULL)
				sl_usage_error("--content-type %s: not TYPE/SUBTYPE", type);
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		sl_usage_error("no URI to send to");
	if (sl_settings_target(&set, argv[optind], 1, target, sizeof target))
		sl_usage_error("not a usable URI: %s (a bare user needs SIP_DOMAIN)", argv[optind]);
	optind++;
	sl_settings_load_password(&set);
	sl_settings_secure_target(&set, target);
	text = read_text(argv + optind, argc - optind,
			 set.proto == SL_PROTO_UDP ? SL_MESSAGE_UDP_MAX : SL_MESSAGE_MAX, &len);
	if (len == 0)
		sl_usage_error("no text to send");
	if (strncasecmp(type, "text/", 5) == 0 && memchr(text, '\0', len))
		sl_usage_error("the text holds a NUL byte (at %zu): not %s",
			       (size_t)((char *)memchr(text, '\0', len) - text), type);
	sl_settings_load_tls(&set);
	signal(SIGPIPE, SIG_IGN);

	if ((err = sl_loop_new(&st.loop)) != 0 ||
	    (err = sl_sip_new(st.loop, &set, &sip)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	if (local)
		sl_sip_bind_option(sip, local);
	if ((err = sl_sip_new_request(sip, "MESSAGE", target, NULL, &req)) != 0)
		sl_usage_error("unable to build a MESSAGE for %s: %s", target, sl_strerror(err));
	if (osip_message_set_content_type(req, type) != 0 || req->content_type == NULL ||
	    req->content_type->type == NULL || req->content_type->subtype == NULL)
		sl_usage_error("--content-type %s: not a media type", type);
	if (osip_message_set_body(req, text, len) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to build the MESSAGE");
	free(text);
	st.target = target;
	st.status = SL_EXIT_NORESPONSE;
	if ((err = sl_sip_send(sip, req, on_response, &st, &c)) != 0)
		sl_fatal_unsent(sip, err, "send to", target);
	sl_client_set_timeout(c, (int)(timeout * 1000));
	if ((err = sl_loop_run(st.loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	sl_sip_free(sip);
	sl_loop_free(st.loop);
	sl_settings_free(&set);
	return st.status;
}
