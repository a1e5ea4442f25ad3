/* sip-options: OPTIONS ping — is this SIP server or phone alive, and what
 * does it say it allows. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "opt.h"
#include "settings.h"
#include "sip.h"

static const char usage[] =
	"usage: sip-options [-hVv] [-u USER] [-d DOMAIN] [-s HOST[:PORT]] [-t udp|tcp|tls]\n"
	"                   [-l [HOST]:PORT] [-c COUNT] [-i SECONDS] [-w SECONDS] [URI]\n"
	"Sends OPTIONS to URI (default: SIP_SERVER) and prints the answer.\n"
	SL_SETTINGS_HELP
	"  -l, --local [HOST]:PORT  send from this address\n"
	"  -c, --count COUNT        ping mode: send COUNT requests (0: until interrupted)\n"
	"  -i, --interval SECONDS   ping mode: time between requests (default 1)\n"
	"  -w, --timeout SECONDS    wait this long for each answer (default 5)\n";

struct probe {
	int seq;
	int64_t sent_ms;
	double sent_precise;
	struct ping *ping;
	struct probe *next, **prevp;    /* in ping's list of outstanding ones */
};

struct ping {
	struct sl_loop *loop;
	struct sl_sip *sip;
	const char *target;
	int count;              /* 0 = forever */
	int ping_mode;
	int64_t interval_ms;
	int timeout_ms;
	int sent, received, outstanding;
	double rtt_min, rtt_max, rtt_sum;
	int any_2xx;
	int last_status;        /* exit status of the last answer */
	int last_error;         /* exit status when nothing answered */
	struct sl_timer next;
	int stopping;
	/* Probes still waiting: an interrupt ends the run before their
	 * answers, and they are freed on the way out. */
	struct probe *waiting;
};

static void
probe_unlink(struct probe *pr)
{
	*pr->prevp = pr->next;
	if (pr->next)
		pr->next->prevp = pr->prevp;
}

static double
now_precise(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Prints a header of resp as one "Name: value, value" line, when it has
 * one: libosip2 splits "Supported: replaces, timer" into a header per
 * value, which are put back together here. */
static void
print_header(osip_message_t *resp, const char *name, const char *label)
{
	osip_header_t *h = NULL;
	int pos = 0, n = 0;

	while ((pos = osip_message_header_get_byname(resp, name, pos, &h)) >= 0) {
		if (h && h->hvalue && *h->hvalue) {
			if (n++)
				printf(", %s", h->hvalue);
			else
				printf("%s: %s", label, h->hvalue);
		}
		pos++;
	}
	if (n)
		printf("\n");
}

/* Prints a list header that libosip2 parses into its own list. */
static void
print_list(osip_list_t *list, const char *label)
{
	osip_content_length_t *v;   /* the list items all start with a value */
	int pos;

	if (osip_list_size(list) == 0)
		return;
	printf("%s: ", label);
	for (pos = 0; pos < osip_list_size(list); pos++) {
		v = osip_list_get(list, pos);
		printf("%s%s", pos ? ", " : "", v && v->value ? v->value : "");
	}
	printf("\n");
}

static void
print_details(osip_message_t *resp)
{
	int pos;

	print_list(&resp->allows, "Allow");
	if (osip_list_size(&resp->accepts) > 0) {
		printf("Accept: ");
		for (pos = 0; pos < osip_list_size(&resp->accepts); pos++) {
			osip_accept_t *a = osip_list_get(&resp->accepts, pos);

			printf("%s%s/%s", pos ? ", " : "", a->type ? a->type : "*",
			       a->subtype ? a->subtype : "*");
		}
		printf("\n");
	}
	print_header(resp, "supported", "Supported");
	print_header(resp, "user-agent", "User-Agent");
	print_header(resp, "server", "Server");
}

static void send_probe(void *arg);

static void
finish(struct ping *p)
{
	p->stopping = 1;
	sl_timer_stop(p->loop, &p->next);
	sl_loop_stop(p->loop);
}

static void
maybe_done(struct ping *p)
{
	if (p->outstanding == 0 && (p->stopping || (p->count && p->sent >= p->count)))
		finish(p);
}

static void
on_response(struct sl_client *c, osip_message_t *resp, int err, void *arg)
{
	struct probe *pr = arg;
	struct ping *p = pr->ping;
	char line[160], a[SL_ADDR_STRLEN];
	double rtt;

	if (resp && resp->status_code < 200)
		return;
	rtt = now_precise() - pr->sent_precise;
	sl_addr_str(sl_client_destination(c), a);
	p->outstanding--;
	if (resp == NULL) {
		p->last_error = sl_exit_for_error(err);
		if (p->ping_mode)
			printf("%s: seq=%d\n", sl_describe_error(err), pr->seq);
		else
			sl_warn("%s: %s from %s", p->target, sl_describe_error(err), a);
	} else {
		p->received++;
		if (p->received == 1 || rtt < p->rtt_min)
			p->rtt_min = rtt;
		if (rtt > p->rtt_max)
			p->rtt_max = rtt;
		p->rtt_sum += rtt;
		p->last_status = sl_client_exit_status(c, resp->status_code);
		if (resp->status_code < 300)
			p->any_2xx = 1;
		sl_status_line(resp, line, sizeof line);
		if (p->ping_mode) {
			printf("%s from %s: seq=%d time=%.2f ms\n", line, a, pr->seq, rtt);
		} else if (sl_client_located(c)) {
			/* A name: which of its targets (RFC 3263) answered. */
			char t[SL_ADDR_STRLEN + 8];

			printf("%s: %s from %s (%.2f ms)\n", p->target, line,
			       sl_target_str(sl_client_target(c), t, sizeof t), rtt);
			print_details(resp);
		} else {
			printf("%s: %s (%.2f ms)\n", p->target, line, rtt);
			print_details(resp);
		}
	}
	fflush(stdout);
	probe_unlink(pr);
	free(pr);
	maybe_done(p);
}

static void
send_probe(void *arg)
{
	struct ping *p = arg;
	struct sl_client *c;
	osip_message_t *req;
	struct probe *pr;
	int err;

	if (p->stopping || (p->count && p->sent >= p->count))
		return;
	if ((err = sl_sip_new_request(p->sip, "OPTIONS", p->target, NULL, &req)) != 0)
		sl_usage_error("unable to build OPTIONS for %s: %s", p->target, sl_strerror(err));
	osip_message_set_accept(req, "application/sdp");
	pr = calloc(1, sizeof *pr);
	if (pr == NULL)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to send OPTIONS");
	pr->ping = p;
	pr->seq = ++p->sent;
	pr->sent_precise = now_precise();
	err = sl_sip_send(p->sip, req, on_response, pr, &c);
	if (err) {
		/* Connection failures are per probe, like a lost reply, so
		 * that a ping keeps going; a name that does not resolve ends
		 * it. */
		free(pr);
		if (sl_resolve_failed(err))
			sl_fatal_unreached(err, "resolve", sl_sip_last_hop(p->sip));
		if (err < 0 || !p->ping_mode)
			sl_fatal_err(err < 0 ? SL_EXIT_NORESPONSE : sl_exit_for_error(err), err,
				     "unable to send OPTIONS to %s", p->target);
		printf("%s: seq=%d\n", sl_describe_error(err), p->sent);
		p->last_error = sl_exit_for_error(err);
	} else {
		p->outstanding++;
		sl_client_set_timeout(c, p->timeout_ms);
		pr->next = p->waiting;
		pr->prevp = &p->waiting;
		if (p->waiting)
			p->waiting->prevp = &pr->next;
		p->waiting = pr;
	}
	if (!p->count || p->sent < p->count)
		sl_timer_start(p->loop, &p->next, p->interval_ms, send_probe, p);
	else
		maybe_done(p);
}

static void
on_signal(int signo, void *arg)
{
	struct ping *p = arg;

	/* Like ping(8): an interrupt ends the run and shows the summary. */
	finish(p);
}

static void
print_summary(struct ping *p)
{
	int lost = p->sent - p->received;

	printf("--- %s ping statistics ---\n", p->target);
	printf("%d sent, %d received, %d%% loss\n", p->sent, p->received,
	       p->sent ? (int)lround(100.0 * lost / p->sent) : 0);
	if (p->received)
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", p->rtt_min,
		       p->rtt_sum / p->received, p->rtt_max);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SL_SETTINGS_LONGOPTS,
		{ "local", required_argument, 0, 'l' },
		{ "count", required_argument, 0, 'c' },
		{ "interval", required_argument, 0, 'i' },
		{ "timeout", required_argument, 0, 'w' },
		{ 0, 0, 0, 0 }
	};
	struct sl_settings set;
	struct ping p;
	const char *local = NULL;
	char target[1024];
	int opt, err, status;

	sl_log_init(argv[0]);
	sl_settings_init(&set);
	memset(&p, 0, sizeof p);
	p.count = 1;
	p.interval_ms = 1000;
	p.timeout_ms = 5000;
	p.last_error = SL_EXIT_NORESPONSE;
	while ((opt = getopt_long(argc, argv, "+" SL_SETTINGS_SHORTOPTS "l:c:i:w:",
				  longopts, NULL)) != -1) {
		if (sl_settings_option(&set, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'l':
			local = optarg;
			break;
		case 'c':
			p.count = (int)sl_opt_int("--count", optarg, 0, 1000000);
			p.ping_mode = 1;
			break;
		case 'i':
			p.interval_ms = (int64_t)(sl_opt_num("--interval", optarg, 0.01, 3600) * 1000);
			p.ping_mode = 1;
			break;
		case 'w':
			p.timeout_ms = (int)(sl_opt_num("--timeout", optarg, 0.1, 600) * 1000);
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		sl_usage_error("too many arguments");
	sl_settings_load_password(&set);
	if (optind < argc) {
		if (sl_settings_target(&set, argv[optind], 0, target, sizeof target))
			sl_usage_error("not a usable URI: %s", argv[optind]);
	} else if (set.server[0]) {
		if (sl_settings_target(&set, set.server, 0, target, sizeof target))
			sl_usage_error("SIP_SERVER is not a usable address: %s", set.server);
	} else {
		sl_usage_error("no URI given and SIP_SERVER is not set");
	}
	p.target = target;
	sl_settings_secure_target(&set, target);
	sl_settings_load_tls(&set);
	/* A TLS session writes with write(2): a peer gone must be an error,
	 * not a signal. */
	signal(SIGPIPE, SIG_IGN);

	if ((err = sl_loop_new(&p.loop)) != 0 ||
	    (err = sl_sip_new(p.loop, &set, &p.sip)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	/* A URI on the command line is probed itself, not through the
	 * outbound proxy. */
	sl_sip_set_direct(p.sip, optind < argc);
	if (local)
		sl_sip_bind_option(p.sip, local);
	sl_loop_signal(p.loop, SIGINT, on_signal, &p);
	sl_loop_signal(p.loop, SIGTERM, on_signal, &p);
	if (p.ping_mode)
		printf("OPTIONS %s\n", target);
	send_probe(&p);
	if ((err = sl_loop_run(p.loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	if (p.ping_mode)
		print_summary(&p);
	if (p.any_2xx)
		status = SL_EXIT_OK;
	else if (p.received)
		status = p.last_status;
	else
		status = p.last_error;
	sl_sip_free(p.sip);
	while (p.waiting) {
		struct probe *pr = p.waiting;

		probe_unlink(pr);
		free(pr);
	}
	sl_loop_free(p.loop);
	sl_settings_free(&set);
	return status;
}
