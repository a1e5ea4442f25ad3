/* sip-register: keep an address of record registered (the heartbeat), or
 * register / unregister / list once; optionally bind the answering socket
 * and run a program (sip-answer) with it for exactly as long as the
 * registration lasts. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "answer.h"
#include "child.h"
#include "handoff.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "reg.h"
#include "regchan.h"
#include "settings.h"
#include "sip.h"

#define CHILD_STOP_WAIT_MS 5000
/* How long a chain-loaded program has to take the registration channel;
 * one that does not (not sip-answer) gets REGISTERs from our own socket. */
#define HELLO_WAIT_MS 1500

static const char usage[] =
	"usage: sip-register [-hVv] [-u USER] [-d DOMAIN] [-s HOST[:PORT]] [-t udp|tcp|tls]\n"
	"                    [-e SECONDS] [-c [HOST]:PORT] [-1 | -U | -L]\n"
	"                    [--keepalive crlf|options|off] [--keepalive-interval SECONDS]\n"
	"                    [-- PROGRAM [ARG...]]\n"
	"Registers USER@DOMAIN at the registrar and keeps it registered.\n"
	SL_SETTINGS_HELP
	"  -e, --expires SECONDS    registration expiry to ask for (default 180)\n"
	"  -c, --contact [HOST]:PORT  where calls are to be delivered (or a sip: URI)\n"
	"  -1, --once               register once and exit (the binding stays)\n"
	"  -U, --unregister         remove the binding (all of them without -c)\n"
	"  -L, --list               print the bindings the registrar holds\n"
	"      --keepalive crlf|options|off  keep-alives to the registrar while\n"
	"                           registered (default crlf)\n"
	"      --keepalive-interval SECONDS  between keep-alives (default 25)\n"
	"With PROGRAM: bind the contact address, run PROGRAM with that socket on\n"
	"fd 5 (SIP_SOCKET_FD=5, SIP_CONTACT), and stay registered exactly while\n"
	"it runs; sip-answer sends the REGISTERs from that socket (fd 4,\n"
	"SIP_REGISTER_FD): the mode that works behind a NAT.  A public address\n"
	"the registrar saw (received, rport) is registered and told to PROGRAM.\n";

struct state {
	struct sl_loop *loop;
	struct sl_sip *sip;
	struct sl_reg *reg;
	pid_t child;
	int child_status;           /* exit code once it ended, else -1 */
	int stopping;
	int exit_status;
	struct sl_timer kill_timer;
	struct sl_regchan *chan;    /* chain-loading: NULL when none */
	struct sl_addr bound;       /* the answering socket's address */
	int chan_used;              /* REGISTERs leave from the child's socket */
	int started;
	struct sl_timer hello_timer;
};

static void
done(struct state *st, int status)
{
	st->exit_status = status;
	sl_loop_stop(st->loop);
}

/* Ends the run: the child first (so nothing answers unregistered), then
 * the binding. */
static void
stop(struct state *st, int status)
{
	if (st->stopping)
		return;
	st->stopping = 1;
	st->exit_status = status;
	if (st->child > 0 && st->child_status < 0) {
		kill(st->child, SIGTERM);
		return;         /* on_child goes on */
	}
	if (sl_reg_registered(st->reg))
		sl_reg_unregister(st->reg, 0);
	else
		done(st, status);
}

static void
on_kill_timer(void *arg)
{
	struct state *st = arg;

	if (st->child > 0 && st->child_status < 0) {
		sl_warn("child %d did not stop in time; killing it", (int)st->child);
		kill(st->child, SIGKILL);
	}
}

static void
on_child(pid_t pid, int status, void *arg)
{
	struct state *st = arg;

	st->child_status = sl_child_exit_code(status);
	sl_timer_stop(st->loop, &st->kill_timer);
	if (!st->stopping) {
		sl_event("child-exited status=%d", st->child_status);
		st->exit_status = st->child_status;
	}
	st->stopping = 1;
	if (sl_reg_registered(st->reg))
		sl_reg_unregister(st->reg, 0);
	else
		done(st, st->exit_status);
}

static void
on_signal(int signo, void *arg)
{
	struct state *st = arg;

	if (st->stopping) {
		/* Asked twice: the child gets the message again. */
		if (st->child > 0 && st->child_status < 0)
			kill(st->child, SIGTERM);
		return;
	}
	if (st->child > 0)
		sl_timer_start(st->loop, &st->kill_timer, CHILD_STOP_WAIT_MS, on_kill_timer, st);
	stop(st, SL_EXIT_OK);
}

/* The state, for the transport's callback (it has no argument of ours). */
static struct state *the_state;

/* A connection of ours broke (standalone over TCP or TLS). */
static void
on_tp_lost(struct sl_transport *t, const struct sl_addr *peer, void *arg)
{
	if (the_state && !the_state->stopping)
		sl_reg_connection_lost(the_state->reg, peer);
}

static void
on_reg(struct sl_reg *r, enum sl_reg_event ev, int status, void *arg)
{
	struct state *st = arg;
	int err;

	switch (ev) {
	case SL_REG_PUBLIC:
		/* The child's Contact and SDP name it too. */
		if (st->chan && st->chan_used &&
		    (err = sl_regchan_public(st->chan, sl_reg_public(r))) != 0)
			sl_warn_err(err, "unable to tell the program our public address");
		break;
	case SL_REG_REGISTERED:
	case SL_REG_REFRESHED:
	case SL_REG_FAILED:
		break;
	case SL_REG_REFUSED:
		if (st->child > 0)
			sl_timer_start(st->loop, &st->kill_timer, CHILD_STOP_WAIT_MS,
				       on_kill_timer, st);
		stop(st, status);
		break;
	case SL_REG_UNREGISTERED:
	case SL_REG_UNREGISTER_FAILED:
		/* Stopping on a signal ends well even if the registrar is
		 * gone: the binding then expires by itself. */
		done(st, st->stopping ? st->exit_status : status);
		break;
	case SL_REG_LISTED:
		done(st, status);
		break;
	}
}

/* Requests reaching the socket our REGISTERs leave from: a registrar's
 * keep-alive OPTIONS is answered; calls and messages are not taken here. */
static void
on_request(struct sl_server *srv, osip_message_t *req, void *arg)
{
	if ((MSG_IS_INVITE(req) || MSG_IS_MESSAGE(req)) && !sl_msg_has_to_tag(req))
		sl_server_reply(srv, 480);
	else
		sl_server_reply_other(srv, req);    /* 200, 481, 405, 501 */
}

/* Registration starts once the child said whether it sends our REGISTERs
 * from its socket (or was given the time to). */
static void
start_reg(struct state *st)
{
	if (st->started || st->stopping)
		return;
	st->started = 1;
	sl_timer_stop(st->loop, &st->hello_timer);
	sl_reg_start(st->reg);
}

static void
on_hello_timer(void *arg)
{
	struct state *st = arg;

	sl_debug("the program did not take the registration channel: "
		 "registering from a socket of our own");
	start_reg(st);
}

static void
on_chan(enum sl_regchan_event ev, const struct sl_addr *peer, void *arg)
{
	struct state *st = arg;

	switch (ev) {
	case SL_REGCHAN_HELLO:
		if (st->started)
			break;      /* too late: we register from our own */
		sl_regchan_use(st->chan, &st->bound);
		st->chan_used = 1;
		/* The Contact is the socket the REGISTERs leave from. */
		sl_reg_nat(st->reg, 1);
		start_reg(st);
		break;
	case SL_REGCHAN_CLOSED:
		sl_regchan_unuse(st->chan);
		st->chan_used = 0;
		sl_reg_nat(st->reg, 0);
		start_reg(st);
		break;
	case SL_REGCHAN_LOST:
		if (!st->stopping)
			sl_reg_connection_lost(st->reg, peer);
		break;
	}
}

/* The once-only modes exit as soon as their answer is in. */
static void
once_done(struct sl_reg *r, enum sl_reg_event ev, int status, void *arg)
{
	struct state *st = arg;

	if (ev == SL_REG_FAILED || ev == SL_REG_REFUSED || ev == SL_REG_REGISTERED ||
	    ev == SL_REG_REFRESHED || ev == SL_REG_LISTED || ev == SL_REG_UNREGISTERED ||
	    ev == SL_REG_UNREGISTER_FAILED)
		done(st, status);
}

/* The registrar: SIP_SERVER, else the domain. */
static const char *
registrar(const struct sl_settings *set)
{
	return set->server[0] ? set->server : sl_settings_domain(set);
}

/* The address of the registrar's first target (RFC 3263), to learn which
 * local address reaches it.  Returns 0 or an SL_ERESOLVE_* code. */
static int
registrar_addr(const struct sl_settings *set, struct sl_addr *a)
{
	struct sl_target t;
	int err;

	err = sl_resolve_first(registrar(set), set->proto_set ?
			       SL_PROTO_BIT(set->proto) : SL_PROTOS_ALL, &t);
	if (err == 0)
		*a = t.addr;
	return err;
}

/* The Contact's transport parameter: none for UDP. */
static const char *
transport_param(enum sl_proto p)
{
	return p == SL_PROTO_TLS ? ";transport=tls" : p == SL_PROTO_TCP ? ";transport=tcp" : "";
}

/* Binds the answering socket for the chain-loaded program and returns its
 * Contact URI in contact. */
static int
bind_answering(struct sl_settings *set, const char *spec, struct sl_addr *bound,
	       int *fdp)
{
	char host[256];
	struct sl_addr a;
	int port = 0, err, fd, one = 1;
	int type = set->proto == SL_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;

	if (spec && (err = sl_addr_split(spec, host, sizeof host, &port)) != 0)
		sl_usage_error("--contact: not [HOST]:PORT: %s", spec);
	if (!spec || host[0] == '\0') {
		/* No host: the address the registrar is reached from. */
		struct sl_addr srv;

		if ((err = registrar_addr(set, &srv)) != 0)
			return err;
		if ((err = sl_addr_route_to(&srv, &a)) != 0)
			return err;
		sl_addr_set_port(&a, port);
	} else if ((err = sl_addr_resolve(host, port, AF_UNSPEC, 1, &a)) != 0) {
		return err;
	}
	fd = socket(a.ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		err = errno;
		close(fd);
		return err;
	}
	bound->len = sizeof bound->ss;
	getsockname(fd, (struct sockaddr *)&bound->ss, &bound->len);
	if (sl_addr_is_any(bound)) {
		/* Bound to every address: the Contact names the one the
		 * registrar reaches us on, not 0.0.0.0. */
		struct sl_addr srv, route;

		if (registrar_addr(set, &srv) == 0 &&
		    sl_addr_route_to(&srv, &route) == 0 &&
		    sl_addr_family(&route) == sl_addr_family(bound)) {
			sl_addr_set_port(&route, sl_addr_port(bound));
			*bound = route;
		}
	}
	*fdp = fd;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SL_SETTINGS_LONGOPTS,
		{ "expires", required_argument, 0, 'e' },
		{ "contact", required_argument, 0, 'c' },
		{ "once", no_argument, 0, '1' },
		{ "unregister", no_argument, 0, 'U' },
		{ "list", no_argument, 0, 'L' },
		{ "keepalive", required_argument, 0, 'K' },
		{ "keepalive-interval", required_argument, 0, 'I' },
		{ 0, 0, 0, 0 }
	};
	struct sl_settings set;
	struct state st;
	const char *contact_spec = NULL;
	char contact[600] = "", host[SL_ADDR_STRLEN];
	int opt, err, expires = 180, once = 0, unreg = 0, list = 0, sockfd = -1;
	enum sl_reg_keepalive ka = SL_REG_KA_CRLF;
	int ka_interval = SL_REG_KA_INTERVAL;
	char **child_argv = NULL;

	sl_log_init(argv[0]);
	sl_settings_init(&set);
	memset(&st, 0, sizeof st);
	st.child_status = -1;
	while ((opt = getopt_long(argc, argv, "+" SL_SETTINGS_SHORTOPTS "e:c:1UL",
				  longopts, NULL)) != -1) {
		if (sl_settings_option(&set, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'e':
			expires = (int)sl_opt_int("--expires", optarg, 1, 86400 * 7);
			break;
		case 'c':
			contact_spec = optarg;
			break;
		case '1':
			once = 1;
			break;
		case 'U':
			unreg = 1;
			break;
		case 'L':
			list = 1;
			break;
		case 'K':
			if (strcmp(optarg, "crlf") == 0)
				ka = SL_REG_KA_CRLF;
			else if (strcmp(optarg, "options") == 0)
				ka = SL_REG_KA_OPTIONS;
			else if (strcmp(optarg, "off") == 0)
				ka = SL_REG_KA_OFF;
			else
				sl_usage_error("--keepalive: not crlf, options or off: %s", optarg);
			break;
		case 'I':
			ka_interval = (int)sl_opt_int("--keepalive-interval", optarg, 1, 3600);
			break;
		default:
			sl_usage_error("unknown option");
		}
	}
	if (optind < argc)
		child_argv = argv + optind;
	if (once + unreg + list > 1)
		sl_usage_error("--once, --unregister and --list exclude each other");
	if (child_argv && (once || unreg || list))
		sl_usage_error("a PROGRAM to run only goes with the registering mode");
	if (set.user[0] == '\0')
		sl_usage_error("no user: set SIP_USER or use --user");
	if (set.server[0] == '\0' && set.domain[0] == '\0')
		sl_usage_error("no registrar: set SIP_SERVER (or SIP_DOMAIN) or use --server");
	sl_settings_load_password(&set);
	sl_settings_load_tls(&set);

	if ((err = sl_loop_new(&st.loop)) != 0 ||
	    (err = sl_sip_new(st.loop, &set, &st.sip)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to start");
	sl_sip_on_request(st.sip, on_request, &st);

	if (child_argv) {
		struct sl_addr bound;

		if ((err = bind_answering(&set, contact_spec, &st.bound, &sockfd)) != 0 &&
		    sl_resolve_failed(err))
			sl_fatal_unreached(err, "resolve", registrar(&set));
		if (err < 0)
			sl_usage_error("unable to bind the answering socket %s: %s",
				       contact_spec ? contact_spec : "", sl_strerror(err));
		if (err != 0)
			sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to bind the answering socket %s",
				     contact_spec ? contact_spec : "");
		bound = st.bound;
		snprintf(contact, sizeof contact, "sip:%s@%s:%d%s", set.user,
			 sl_addr_uri_host(&bound, host), sl_addr_port(&bound),
			 transport_param(set.proto));
	} else if (contact_spec) {
		char h[256], bracketed[260];
		const char *hp = h;
		int port;

		if (strncasecmp(contact_spec, "sip:", 4) == 0) {
			snprintf(contact, sizeof contact, "%s", contact_spec);
		} else if (sl_addr_split(contact_spec, h, sizeof h, &port) != 0) {
			sl_usage_error("--contact: not [HOST]:PORT: %s", contact_spec);
		} else {
			if (h[0] == '\0') {
				struct sl_addr srv, a;

				if ((err = registrar_addr(&set, &srv)) != 0 ||
				    (err = sl_addr_route_to(&srv, &a)) != 0)
					sl_fatal_unreached(err, sl_resolve_failed(err) ?
							   "resolve" : "reach", registrar(&set));
				sl_addr_uri_host(&a, h);
			} else if (strchr(h, ':')) {
				snprintf(bracketed, sizeof bracketed, "[%s]", h);
				hp = bracketed;
			}
			snprintf(contact, sizeof contact, "sip:%s@%s:%d%s", set.user, hp,
				 port ? port : sl_proto_default_port(set.proto),
				 transport_param(set.proto));
		}
		if (!sl_uri_ok(contact))
			sl_usage_error("--contact: not [HOST]:PORT or a SIP URI: %s", contact_spec);
	}
	if ((err = sl_reg_new(st.sip, st.loop, contact[0] ? contact : NULL, expires,
			      (once || unreg || list) ? once_done : on_reg, &st, &st.reg)) != 0)
		sl_usage_error("unable to set up the registration: %s", sl_strerror(err));
	sl_reg_keepalive(st.reg, ka, ka_interval);
	/* Our own socket is the Contact: what the registrar saw is ours. */
	if (!contact[0])
		sl_reg_nat(st.reg, 1);
	the_state = &st;
	sl_transport_on_lost(sl_sip_transport(st.sip), on_tp_lost);
	sl_loop_signal(st.loop, SIGINT, on_signal, &st);
	sl_loop_signal(st.loop, SIGTERM, on_signal, &st);
	sl_loop_signal(st.loop, SIGHUP, on_signal, &st);
	signal(SIGPIPE, SIG_IGN);

	if (list)
		sl_reg_list(st.reg);
	else if (unreg)
		sl_reg_unregister(st.reg, 1);
	else if (once)
		sl_reg_once(st.reg);
	else {
		if (child_argv) {
			int pair[2];

			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
				sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to make the registration channel");
			{
				int fdmap[] = { sockfd, SL_HANDOFF_SIP_FD,
						pair[1], SL_HANDOFF_REG_FD, -1 };

				/* A TCP and a TLS socket look the same: say which. */
				sl_handoff_socket_to_env(SL_HANDOFF_SIP_FD, contact,
							 sl_proto_param(set.proto));
				sl_handoff_regchan_to_env(SL_HANDOFF_REG_FD);
				if ((err = sl_spawn(child_argv, fdmap, -1, &st.child)) != 0)
					sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to run %s",
						     child_argv[0]);
			}
			close(sockfd);
			close(pair[1]);
			sl_handoff_socket_to_env(-1, NULL, NULL);
			sl_handoff_regchan_to_env(-1);
			sl_child_watch(st.loop, st.child, on_child, &st);
			if ((err = sl_regchan_parent(st.loop, pair[0], st.sip, on_chan, &st,
						     &st.chan)) != 0)
				sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to watch the registration channel");
			sl_timer_start(st.loop, &st.hello_timer, HELLO_WAIT_MS, on_hello_timer, &st);
		} else {
			start_reg(&st);
		}
	}
	if ((err = sl_loop_run(st.loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	sl_reg_free(st.reg);
	sl_regchan_free(st.chan);
	sl_sip_free(st.sip);
	sl_loop_free(st.loop);
	sl_settings_free(&set);
	return st.exit_status;
}
