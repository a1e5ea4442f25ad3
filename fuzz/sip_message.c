/* libFuzzer target: SIP messages as they come off the network, through
 * everything a tool does with them.  Each input is one or more datagrams
 * (separated by a line "%%NEXT%%"), injected with sl_sip_inject() into a
 * fresh SIP core one loop iteration apart: parsing, the sanity checks,
 * transaction matching, stateless replies, and then either sip-answer's
 * per-call logic (sl_answer_run) or sip-call's (an outgoing sl_call).
 *
 * The first byte chooses the side:
 *   '>'  an outgoing call: sl_call_dial() has sent an INVITE, and the
 *        datagrams are its responses (and requests of its dialog).
 *        "@BRANCH@", "@CALLID@" and "@FROMTAG@" in them are replaced by
 *        the INVITE's Via branch, Call-ID and From tag, so that the
 *        fuzzer reaches the dialog rather than "no such transaction".
 *   '!'  sip-answer answering at once (200 OK, the media started).
 *   else sip-answer ringing without end (100, 180; never answered).
 *
 * Everything we send goes to a sink socket that nobody reads: no ICMP
 * errors, nothing leaves the host.  Media commands and the default media
 * are never run: sl_spawn, sl_fork and sl_child_watch are wrapped
 * (-Wl,--wrap) to pretend, and a host name in a message (a Contact, a
 * Record-Route) is never looked up: sl_resolve is wrapped to take IP
 * literals only (fuzz/dns_answer.c covers what reads DNS answers). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "answer.h"
#include "call.h"
#include "child.h"
#include "log.h"
#include "loop.h"
#include "resolve.h"
#include "sip.h"

#define SEP "\n%%NEXT%%\n"
#define MAX_PARTS 8
/* A pid no process can have (pid_max is at most 2^22). */
#define FAKE_PID 0x7ffffff0

static struct sl_settings set;
static int sink = -1;
static struct sl_addr sink_addr;

/* ---- no processes: the media "runs" until the call is freed ---- */

int __real_sl_spawn(char *const argv[], const int *fdmap, pid_t pgrp, pid_t *pid);
int __real_sl_child_watch(struct sl_loop *l, pid_t pid, sl_child_cb cb, void *arg);

int
__wrap_sl_spawn(char *const argv[], const int *fdmap, pid_t pgrp, pid_t *pid)
{
	*pid = FAKE_PID;
	return 0;
}

/* The default media: the engine's fork, pretended the same way. */
int
__wrap_sl_fork(const int *fdmap, pid_t pgrp, pid_t *pid)
{
	*pid = FAKE_PID;
	return 0;
}

int
__wrap_sl_child_watch(struct sl_loop *l, pid_t pid, sl_child_cb cb, void *arg)
{
	return 0;
}

/* No DNS: a name asked about in a fuzzed message would be a query to the
 * machine's name server for each input (five, with NAPTR and SRV). */
int __real_sl_resolve(const char *host, int port, unsigned protos,
		      struct sl_target *out, size_t max, size_t *n);

int
__wrap_sl_resolve(const char *host, int port, unsigned protos,
		  struct sl_target *out, size_t max, size_t *n)
{
	*n = 0;
	if (!sl_resolve_is_literal(host))
		return sl_resolve_name_ok(host) ? SL_ERESOLVE_NXDOMAIN : SL_ERESOLVE_BADNAME;
	return __real_sl_resolve(host, port, protos, out, max, n);
}

/* sl_answer_run stays after its call while a refusal waits for its ACK,
 * up to SL_ANSWER_LINGER_MS of real time: nothing ever ACKs here, and
 * each input that was refused took 4 s (3 runs a second). */
int
__wrap_sl_sip_awaiting_ack(struct sl_sip *s)
{
	return 0;
}

/* ---- one run ---- */

struct run {
	struct sl_loop *loop;
	struct sl_sip *sip;
	struct sl_call *call;       /* outgoing mode */
	struct sl_timer step, stop;
	char *parts[MAX_PARTS];
	size_t lens[MAX_PARTS];
	int nparts, next;
	int outgoing;
	char branch[128], callid[128], fromtag[128];
};

static struct sl_addr src;

static void
drain_sink(struct run *r)
{
	char buf[SL_SIP_MAX + 1];
	ssize_t n;

	while ((n = recv(sink, buf, sizeof buf - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		/* Our INVITE: learn what its responses must quote. */
		if (r->outgoing && r->callid[0] == '\0' && strncmp(buf, "INVITE ", 7) == 0) {
			char *p;

			if ((p = strstr(buf, "branch=")))
				sscanf(p + 7, "%127[^;\r\n ]", r->branch);
			if ((p = strstr(buf, "\nCall-ID: ")))
				sscanf(p + 10, "%127[^\r\n]", r->callid);
			if ((p = strstr(buf, "\nFrom: ")) && (p = strstr(p, "tag=")))
				sscanf(p + 4, "%127[^;\r\n >]", r->fromtag);
		}
	}
}

/* Copies part with the placeholders replaced; the caller frees it. */
static char *
substitute(struct run *r, const char *in, size_t len, size_t *outlen)
{
	static const char *names[] = { "@BRANCH@", "@CALLID@", "@FROMTAG@" };
	const char *vals[] = { r->branch, r->callid, r->fromtag };
	size_t cap = len * 16 + 1, n = 0, i = 0;
	char *out = malloc(cap);
	int k;

	if (out == NULL)
		return NULL;
	while (i < len) {
		for (k = 0; k < 3; k++) {
			size_t nl = strlen(names[k]), vl = strlen(vals[k]);

			if (len - i >= nl && memcmp(in + i, names[k], nl) == 0 && n + vl < cap) {
				memcpy(out + n, vals[k], vl);
				n += vl;
				i += nl;
				break;
			}
		}
		if (k == 3)
			out[n++] = in[i++];
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

static void
on_stop(void *arg)
{
	struct run *r = arg;

	sl_loop_stop(r->loop);
}

static void
on_step(void *arg)
{
	struct run *r = arg;

	drain_sink(r);
	if (r->next < r->nparts) {
		size_t len;
		char *buf = r->outgoing ? substitute(r, r->parts[r->next], r->lens[r->next], &len)
					: NULL;

		if (buf == NULL) {
			len = r->lens[r->next];
			buf = malloc(len + 1);
			memcpy(buf, r->parts[r->next], len);
			buf[len] = '\0';
		}
		sl_sip_inject(r->sip, buf, len, &src, 0);
		free(buf);
		r->next++;
		/* The next one after the loop has run the state machines. */
		sl_timer_start(r->loop, &r->step, 0, on_step, r);
		return;
	}
	/* One more round for what the last message set off. */
	sl_timer_start(r->loop, &r->stop, 0, on_stop, r);
}

/* sip-call's request handling (cmd/sip-call.c), for the outgoing mode. */
static void
out_request(struct sl_server *srv, osip_message_t *req, void *arg)
{
	struct run *r = arg;

	if (sl_call_owns(r->call, req))
		sl_call_request(r->call, srv, req);
	else if (MSG_IS_INVITE(req) && !sl_msg_has_to_tag(req))
		sl_server_reply(srv, 486);
	else
		sl_server_reply_other(srv, req);
}

static void
out_stray(osip_message_t *msg, const struct sl_addr *from, void *arg)
{
	struct run *r = arg;

	if (sl_call_owns(r->call, msg))
		sl_call_stray(r->call, msg);
}

static void
out_end(struct sl_call *call, int status, void *arg)
{
	struct run *r = arg;

	sl_loop_stop(r->loop);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;

	sl_log_init("fuzz-sip");
	if (getenv("FUZZ_VERBOSE"))
		sl_verbose = atoi(getenv("FUZZ_VERBOSE"));
	memset(&set, 0, sizeof set);
	set.proto = SL_PROTO_UDP;
	snprintf(set.user, sizeof set.user, "bob");
	snprintf(set.domain, sizeof set.domain, "sipline.test");
	set.password = strdup("bobpw");
	signal(SIGPIPE, SIG_IGN);
	sink = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sink < 0 || bind(sink, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(sink, (struct sockaddr *)&a, &alen) < 0) {
		perror("fuzz-sip: sink socket");
		exit(1);
	}
	memcpy(&sink_addr.ss, &a, sizeof a);
	sink_addr.len = sizeof a;
	src = sink_addr;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct sl_answer_config ac;
	struct sl_addr local;
	const char *p, *end;
	char uri[128], host[SL_ADDR_STRLEN];
	int mode = size ? data[0] : 0;

	if (size == 0 || size > 4 * SL_SIP_MAX)
		return 0;
	memset(&r, 0, sizeof r);
	r.outgoing = mode == '>';
	if (mode == '>' || mode == '!') {
		data++;
		size--;
	}
	p = (const char *)data;
	end = p + size;
	while (r.nparts < MAX_PARTS && p <= end) {
		const char *q = memmem(p, end - p, SEP, strlen(SEP));

		if (q == NULL || r.nparts == MAX_PARTS - 1)
			q = end;
		if (q - p > SL_SIP_MAX)
			break;
		r.parts[r.nparts] = (char *)p;
		r.lens[r.nparts++] = q - p;
		p = q + strlen(SEP);
	}

	if (sl_loop_new(&r.loop) != 0)
		abort();
	if (sl_sip_new(r.loop, &set, &r.sip) != 0)
		abort();
	memset(&local, 0, sizeof local);
	sl_addr_resolve("127.0.0.1", 0, AF_INET, 1, &local);
	if (sl_sip_bind(r.sip, &local) != 0)
		abort();
	memset(&ac, 0, sizeof ac);
	ac.call.media_argv = NULL;
	ac.call.rtp_timeout = 0;
	ac.ring = mode == '!' ? 0 : 3600;
	sl_timer_start(r.loop, &r.step, 0, on_step, &r);
	if (r.outgoing) {
		struct sl_call_config cfg;

		memset(&cfg, 0, sizeof cfg);
		if (sl_call_new(r.sip, r.loop, &cfg, out_end, &r, &r.call) != 0)
			abort();
		sl_sip_on_request(r.sip, out_request, &r);
		sl_sip_on_stray(r.sip, out_stray, &r);
		snprintf(uri, sizeof uri, "sip:alice@%s", sl_addr_str(&sink_addr, host));
		if (sl_call_dial(r.call, uri, 0) == 0)
			sl_loop_run(r.loop);
		sl_call_free(r.call);
	} else {
		sl_answer_run(r.loop, r.sip, &ac);
	}
	sl_timer_stop(r.loop, &r.step);
	sl_timer_stop(r.loop, &r.stop);
	sl_sip_free(r.sip);
	sl_loop_free(r.loop);
	drain_sink(&r);
	return 0;
}
