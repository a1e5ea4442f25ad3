/* Serve mode, tcpserver for calls.  The parent owns the listening socket
 * and forks a child for each new INVITE.  The child binds a SIP socket of
 * its own and puts it in the Contact of its responses, so the ACK, BYE and
 * re-INVITEs of its dialog reach it directly.  What still arrives at the
 * shared socket for its call (INVITE retransmissions, CANCEL, the ACK of a
 * refusal) the parent passes on through a socketpair, keyed by Call-ID.
 * The child answers the INVITE's transaction from the shared socket (it
 * inherits it, and only ever sends on it), so responses leave from the
 * address the request went to.  Over TCP the parent stays the only one to
 * read and to write the connections it accepted: a proxy carries many
 * calls on one, and two processes writing to one stream could interleave
 * their messages.  So the child hands what it sends to such a peer back
 * through the socketpair, and the parent writes it.
 *
 * --max-calls counts calls, not processes: a call process tells the parent
 * through the socketpair when its call's signalling is over (a "done"
 * message), and from then on holds no call slot, though it may run on
 * while its media command exits.  Processes stay bounded all the same, at
 * PROCS_PER_CALL times --max-calls.
 *
 * A call process is not forked per call but reused (a fork, its
 * copy-on-write faults and its exit were most of a call's CPU:
 * BENCHMARKS.md, issue 18).  The parent hands it the INVITE of a new call
 * over its socketpair; it runs the call in a loop and SIP core made for
 * that call and freed after it (a call leaves nothing in them for the
 * next), takes its environment back to what it was, and says it is free.
 * An idle one is taken for the next call, the one freed last first; one
 * idle for IDLE_MS ends (its socketpair closed; IDLE_BUSY_MS while calls
 * are in progress), so the pool shrinks to nothing at rest; one that ran
 * WORKER_CALLS calls ends after the last, so what a call may leave behind
 * stays bounded.  Under load (calls in
 * progress) a few spares are forked ahead of need.  A call process that
 * dies mid-call ends its call, as before.
 *
 * A refusal keeps a server transaction (its response is retransmitted
 * until the ACK, 32 s at most) only while fewer than REFUSED_MAX were made
 * within REFUSED_MS; past that, new INVITEs are refused statelessly, so a
 * burst of them costs no memory.
 *
 * SIGUSR1 drains: OPTIONS and new INVITEs get 503 (a dispatcher probing us
 * takes us out), the calls in progress go on, and the parent exits when
 * the last call process has.  SIGTERM, SIGINT and SIGHUP stop: every call
 * is hung up.
 *
 * Call-IDs of calls that ended are remembered for 64*T1: a late
 * retransmission of their INVITE must not start a second call.  Both the
 * running calls and the ended ones are found by a hash of the Call-ID:
 * every message passes here, and at hundreds of calls a second a scan of
 * either list would be most of the parent's work. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callid.h"
#include "child.h"
#include "log.h"
#include "regchan.h"

#define RECENT_MS 32000
/* Enough for 2048 calls a second over RECENT_MS; past it, the oldest are
 * forgotten first. */
#define RECENT_MAX 65536
#define STOP_WAIT_MS 10000
#define PROCS_PER_CALL 2
/* Calls a call process runs before it ends (a fresh one takes its place). */
#define WORKER_CALLS 256
/* An idle call process ends after IDLE_MS when no call is in progress (so
 * none is left at rest), after IDLE_BUSY_MS while calls are: under load,
 * the number of calls in progress goes up and down by a few from second
 * to second, and with a 1 s limit the pool lost its bottom processes in
 * every dip and forked new ones in the next rise (at 100 calls/s, 76
 * forks in 5 s; a fork and its copy-on-write faults cost as much as the
 * media commands' 500 vforks; BENCHMARKS.md, issue 18). */
#define IDLE_MS 1000
#define IDLE_BUSY_MS 5000
/* Idle call processes kept ready: one per SPARE_PER calls in progress, at
 * most SPARE_MAX (none for a call or two: a fork when it comes). */
#define SPARE_PER 4
#define SPARE_MAX 8
/* Refusals with a transaction of their own, at most, within REFUSED_MS. */
#define REFUSED_MAX 128
#define REFUSED_MS 32000

struct kid {
	pid_t pid;              /* 0: a free slot */
	int pair;               /* our end of the socketpair; -1 when free,
				 * or when told to end (closed) */
	int busy;               /* it has a call (call_id) */
	int done;               /* its call is over (it said so) */
	int64_t idle_since;     /* when it last became idle */
	uint64_t hash;          /* of call_id */
	int next;               /* next kid in the same bucket, -1: none */
	char *call_id;          /* whole: a Call-ID has no length limit */
};

struct server {
	struct sl_loop *loop;
	struct sl_sip *sip;
	const struct sl_settings *set;
	const struct sl_answer_config *ac;
	int max_calls;
	int max_procs;          /* PROCS_PER_CALL * max_calls: slots in kids */
	struct kid *kids;
	int nkids;              /* slots in use: processes */
	int ncalls;             /* calls in progress: processes not done */
	int64_t refused[REFUSED_MAX]; /* when the last refusals with a
				 * transaction were made, a ring */
	int nrefused;           /* next in the ring */
	int draining;
	int *bucket;            /* kids by hash of Call-ID, chained by next */
	size_t nbucket;         /* a power of two */
	struct sl_recent *recent;
	int stopping;
	struct sl_timer stop_timer;
	struct sl_timer idle_timer;
	/* In a child: the call's messages from the parent, and the socket
	 * number (sl_sip_inject) its INVITE's responses leave from. */
	int child_pair;
	int reply_sock;
};

/* What goes over a socketpair: a message of the call (both ways), a new
 * call's INVITE (to a call process), its call is over, it is free for
 * another (from one). */
enum { PASS_MSG, PASS_CALL, PASS_DONE, PASS_FREE };

/* The header in front of each message passed to a child (or handed back
 * by one). */
struct passed {
	struct sockaddr_storage src;
	socklen_t len;
	int kind;               /* PASS_*; PASS_DONE and PASS_FREE carry no
				 * message */
};

static struct kid *
find_kid(struct server *sv, const char *call_id)
{
	uint64_t h = sl_callid_hash(call_id);
	int i;

	for (i = sv->bucket[h & (sv->nbucket - 1)]; i >= 0; i = sv->kids[i].next)
		if (sv->kids[i].hash == h && strcmp(sv->kids[i].call_id, call_id) == 0)
			return &sv->kids[i];
	return NULL;
}

static void
index_kid(struct server *sv, struct kid *k)
{
	int *b;

	k->hash = sl_callid_hash(k->call_id);
	b = &sv->bucket[k->hash & (sv->nbucket - 1)];
	k->next = *b;
	*b = (int)(k - sv->kids);
}

static void
unindex_kid(struct server *sv, struct kid *k)
{
	int *link = &sv->bucket[k->hash & (sv->nbucket - 1)];
	int i = (int)(k - sv->kids);

	while (*link >= 0 && *link != i)
		link = &sv->kids[*link].next;
	if (*link == i)
		*link = k->next;
	k->next = -1;
}

/* Sends one message of kind and its address (the source of a message
 * passed to a child, the destination of one a child hands back) over a
 * socketpair; addr NULL for a kind without message.  Returns 0 or an
 * errno value. */
static int
pass(int fd, int kind, const char *buf, size_t len, const struct sl_addr *addr, int flags)
{
	struct passed hdr;
	struct iovec iov[2];
	struct msghdr mh;

	memset(&hdr, 0, sizeof hdr);
	hdr.kind = kind;
	if (addr) {
		memcpy(&hdr.src, &addr->ss, addr->len);
		hdr.len = addr->len;
	}
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof hdr;
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (sendmsg(fd, &mh, flags | MSG_NOSIGNAL) < 0)
		return errno;
	return 0;
}

/* Reads one message passed over a socketpair into buf (NUL-terminated),
 * its address into addr, its kind into *kind.  Returns its length (0 for
 * a PASS_DONE or PASS_FREE), -2 when the other end is gone, -1 when there is nothing
 * (or nothing usable) to read. */
static ssize_t
unpass(int fd, char *buf, size_t size, struct sl_addr *addr, int *kind)
{
	struct passed hdr;
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	if (n == 0)
		return -2;
	if (n < (ssize_t)sizeof hdr)
		return -1;
	memcpy(&hdr, buf, sizeof hdr);
	*kind = hdr.kind;
	if (hdr.kind == PASS_DONE || hdr.kind == PASS_FREE)
		return 0;
	memset(addr, 0, sizeof *addr);
	memcpy(&addr->ss, &hdr.src, sizeof addr->ss);
	addr->len = hdr.len;
	n -= sizeof hdr;
	memmove(buf, buf + sizeof hdr, (size_t)n);
	buf[n] = '\0';
	return n;
}

/* ---- the child ---- */

/* What the child sends to a peer that reached it through one of the
 * parent's TCP connections goes back to the parent to write (see the top
 * of this file).  Blocks while the parent's end is full: the parent reads
 * it at once. */
static int
relay_to_parent(const struct sl_addr *dst, const char *buf, size_t len, void *arg)
{
	struct server *sv = arg;

	return pass(sv->child_pair, PASS_MSG, buf, len, dst, 0);
}

static void
on_from_parent(int fd, short revents, void *arg)
{
	struct server *sv = arg;
	static char buf[sizeof(struct passed) + SL_SIP_MAX + 1];
	struct sl_addr src;
	int kind;
	ssize_t n = unpass(fd, buf, sizeof buf, &src, &kind);

	if (n == -2) {
		/* The parent is gone: nobody will pass us CANCELs any more,
		 * but the call itself goes on through our own socket. */
		sl_loop_unwatch(sv->loop, fd);
		return;
	}
	if (n <= 0 || kind != PASS_MSG)
		return;
	if (sv->set->proto != SL_PROTO_UDP &&
	    sl_transport_relay(sl_sip_transport(sv->sip), &src, relay_to_parent, sv) != 0)
		sl_debug("too many peers to answer through the parent");
	sl_sip_inject(sv->sip, buf, (size_t)n, &src, sv->reply_sock);
}

/* The call's signalling is over: its slot is free for the next call,
 * whatever the media command does now. */
static void
on_call_over(void *arg)
{
	struct server *sv = arg;

	if (pass(sv->child_pair, PASS_DONE, NULL, 0, NULL, 0) != 0)
		sl_debug("unable to tell the serve process the call is over");
}

/* Signals that hang up a call, blocked while a call process is idle: one
 * that comes then is taken by the next call (the parent sends no call to
 * one it stops), or ends the process before it waits again. */
static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* Stands in until sl_answer_run says what the signals do: a signal
 * unblocked now waits in the loop's pipe until then. */
static void
on_early_signal(int signo, void *arg)
{
	(void)signo;
	(void)arg;
}

/* Runs one call in a call process: a loop and SIP core made for it and
 * freed after it, the shared socket (UDP) or the parent (TCP) for the
 * INVITE's responses.  Returns the call's exit status. */
static int
run_call(struct server *parent, int pair, int reply_fd, char *invite, size_t len,
	 const struct sl_addr *src)
{
	struct server sv;
	struct sl_loop *loop;
	struct sl_sip *sip;
	struct sl_addr local;
	sigset_t stops;
	int err, status, fd = -1;

	memset(&sv, 0, sizeof sv);
	sv.set = parent->set;
	sv.child_pair = pair;
	if ((err = sl_loop_new(&loop)) != 0 ||
	    (err = sl_sip_new(loop, parent->set, &sip)) != 0) {
		sl_warn_err(err, "unable to start a call");
		_exit(SL_EXIT_SYSTEM);
	}
	sv.loop = loop;
	sv.sip = sip;
	/* On the address the parent listens on, when that is one (so its
	 * Contact names it, and the media is there too), else any. */
	if (sl_transport_bound(sl_sip_transport(parent->sip), &local) != 0 ||
	    sl_addr_is_any(&local) || sl_addr_family(&local) != sl_addr_family(src)) {
		memset(&local, 0, sizeof local);
		local.ss.ss_family = src->ss.ss_family;
		local.len = src->len;
	}
	sl_addr_set_port(&local, 0);
	if ((err = sl_sip_bind(sip, &local)) != 0) {
		sl_warn_err(err, "unable to bind the call's SIP socket");
		_exit(SL_EXIT_SYSTEM);
	}
	if (parent->set->proto != SL_PROTO_UDP) {
		err = sl_transport_relay(sl_sip_transport(sip), src, relay_to_parent, &sv);
		sv.reply_sock = 0;
	} else {
		/* A copy: the call's transport closes it when freed. */
		fd = fcntl(reply_fd, F_DUPFD_CLOEXEC, 3);
		err = fd < 0 ? errno :
		      sl_transport_add_udp(sl_sip_transport(sip), fd, 0) == 1 ? 0 : EMFILE;
		sv.reply_sock = 1;
	}
	if (err) {
		sl_warn_err(err, "unable to take the call's SIP socket");
		_exit(SL_EXIT_SYSTEM);
	}
	sl_loop_watch(loop, pair, POLLIN, on_from_parent, &sv);
	stop_signals(&stops);
	sl_loop_signal(loop, SIGINT, on_early_signal, NULL);
	sl_loop_signal(loop, SIGTERM, on_early_signal, NULL);
	sl_loop_signal(loop, SIGHUP, on_early_signal, NULL);
	sigprocmask(SIG_UNBLOCK, &stops, NULL);
	sl_sip_inject(sip, invite, len, src, sv.reply_sock);
	{
		/* Refused for its offer (488), this call's INVITE ends the
		 * call: waiting on would hold a call slot for good. */
		struct sl_answer_config ac = *parent->ac;

		ac.one_invite = 1;
		ac.call.on_over = on_call_over;
		ac.call.over_arg = &sv;
		status = sl_answer_run(loop, sip, &ac);
	}
	sigprocmask(SIG_BLOCK, &stops, NULL);
	sl_loop_unwatch(loop, pair);
	sl_sip_free(sip);
	sl_loop_free(loop);
	/* The call's children that ended are reaped; its signal handlers
	 * and their pipe go (the next call makes its own). */
	sl_child_loop_done();
	sl_loop_signals_reset();
	return status;
}

/* The environment a call process began with: each call sets its SIP_*
 * and RTP_* for its commands on top of it, and it is put back after. */
static char **
env_save(void)
{
	size_t n = 0;
	char **copy;

	while (environ[n])
		n++;
	if ((copy = malloc((n + 1) * sizeof *copy)) == NULL)
		return NULL;
	memcpy(copy, environ, (n + 1) * sizeof *copy);
	return copy;
}

/* Returns 0 or an errno value. */
static int
env_restore(char **saved)
{
	if (saved == NULL || clearenv() != 0)
		return ENOMEM;
	for (; *saved; saved++)
		if (putenv(*saved) != 0)
			return errno;
	return 0;
}

/* Waits for the parent's next call: its INVITE in buf, its source in src.
 * Returns the INVITE's length, or -1 when the parent closed the
 * socketpair (this process is to end) or is gone.  Messages of the call
 * before, still in the socketpair, are dropped. */
static ssize_t
next_call(int pair, char *buf, size_t size, struct sl_addr *src)
{
	struct pollfd p = { .fd = pair, .events = POLLIN };
	ssize_t n;
	int kind;

	for (;;) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n = unpass(pair, buf, size, src, &kind);
		if (n == -2)
			return -1;
		if (n > 0 && kind == PASS_CALL)
			return n;
	}
}

/* A call process: runs the calls the parent hands it, one at a time, up
 * to WORKER_CALLS.  Never returns. */
static void __attribute__((noreturn))
worker_main(struct server *parent, int pair, int reply_fd)
{
	static char buf[sizeof(struct passed) + SL_SIP_MAX + 1];
	struct sl_addr src;
	sigset_t stops, pending;
	char **env0;
	ssize_t n;
	int i, calls, status = 0;

	/* The signal pipe and handlers were the parent's. */
	stop_signals(&stops);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	sl_loop_signals_reset();
	sl_child_forget_all();
	for (i = 0; i < parent->max_procs; i++)
		if (parent->kids[i].pair >= 0)
			close(parent->kids[i].pair);
	/* A TCP connection held open here would outlive its closing by the
	 * parent. */
	sl_transport_drop_inherited(sl_sip_transport(parent->sip), reply_fd);
	sl_regchan_child_drop();
	env0 = env_save();
	for (calls = 1; (n = next_call(pair, buf, sizeof buf, &src)) >= 0; calls++) {
		status = run_call(parent, pair, reply_fd, buf, (size_t)n, &src);
		if (env_restore(env0) != 0) {
			sl_warn("unable to reset a call process's environment");
			break;
		}
		/* Told to stop between calls, or called enough: it ends, and
		 * the parent learns it is free from its exit. */
		sigpending(&pending);
		if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
		    sigismember(&pending, SIGHUP) || calls == WORKER_CALLS)
			break;
		if (pass(pair, PASS_FREE, NULL, 0, NULL, 0) != 0)
			break;
	}
	close(pair);
#ifdef __SANITIZE_ADDRESS__
	/* The leak check runs at exit: everything must have been freed. */
	free(env0);
	exit(status);
#else
	/* The process ends here, and freeing or the libraries' exit
	 * handlers (OpenSSL's cleanup among them) would only write to pages
	 * shared with the parent, each written page a copy: a tenth of a
	 * call's CPU (BENCHMARKS.md, issue 18). */
	fflush(NULL);
	_exit(status);
#endif
}

/* ---- the parent ---- */

static struct kid *
kid_by_pair(struct server *sv, int fd)
{
	int i;

	for (i = 0; i < sv->max_procs; i++)
		if (sv->kids[i].pair == fd)
			return &sv->kids[i];
	return NULL;
}

static void on_idle_timer(void *arg);

static void
kid_done(struct server *sv, struct kid *k)
{
	if (k == NULL || !k->busy || k->done)
		return;
	k->done = 1;
	sv->ncalls--;
	sl_debug("call process %d: its call is over", (int)k->pid);
	/* At rest now: the idle ones get IDLE_MS, counted from when each
	 * became idle, not the time left under load. */
	if (sv->ncalls == 0 && sl_timer_armed(&sv->idle_timer)) {
		sl_timer_stop(sv->loop, &sv->idle_timer);
		on_idle_timer(sv);
	}
}

/* The call of k is over and gone: its Call-ID is remembered as ended. */
static void
kid_forget_call(struct server *sv, struct kid *k)
{
	if (!k->busy)
		return;
	kid_done(sv, k);
	sl_recent_add(sv->recent, k->call_id, sl_now_ms());
	unindex_kid(sv, k);
	free(k->call_id);
	k->call_id = NULL;
	k->busy = 0;
	k->done = 0;
}

/* Tells k to end (its socketpair closed: it ends when it reads that); its
 * exit is reaped in on_kid_exit. */
static void
kid_retire(struct server *sv, struct kid *k)
{
	if (k->pair < 0)
		return;
	sl_loop_unwatch(sv->loop, k->pair);
	close(k->pair);
	k->pair = -1;
}

/* The idle call process freed last, or NULL; *count: how many are idle. */
static struct kid *
find_idle(struct server *sv, int *count)
{
	struct kid *best = NULL;
	int i;

	*count = 0;
	for (i = 0; i < sv->max_procs; i++) {
		struct kid *k = &sv->kids[i];

		if (k->pid == 0 || k->pair < 0 || k->busy)
			continue;
		++*count;
		if (best == NULL || k->idle_since > best->idle_since)
			best = k;
	}
	return best;
}

/* How long a call process may stay idle now. */
static int64_t
idle_limit(const struct server *sv)
{
	return sv->ncalls > 0 ? IDLE_BUSY_MS : IDLE_MS;
}

/* Ends the call processes idle for longer than idle_limit; comes back
 * while some are idle. */
static void
on_idle_timer(void *arg)
{
	struct server *sv = arg;
	int64_t now = sl_now_ms(), next = -1, limit = idle_limit(sv);
	int i;

	for (i = 0; i < sv->max_procs; i++) {
		struct kid *k = &sv->kids[i];

		if (k->pid == 0 || k->pair < 0 || k->busy)
			continue;
		if (now - k->idle_since >= limit)
			kid_retire(sv, k);
		else if (next < 0 || k->idle_since + limit - now < next)
			next = k->idle_since + limit - now;
	}
	if (next >= 0)
		sl_timer_start(sv->loop, &sv->idle_timer, next, on_idle_timer, sv);
}

/* k has no call (new, or its call is over and freed). */
static void
kid_idle(struct server *sv, struct kid *k)
{
	k->idle_since = sl_now_ms();
	if (sv->stopping || sv->draining) {
		kid_retire(sv, k);
		return;
	}
	if (!sl_timer_armed(&sv->idle_timer))
		sl_timer_start(sv->loop, &sv->idle_timer, idle_limit(sv), on_idle_timer, sv);
}

/* A call process says its call is over, or that it is free for another,
 * or hands back what it sends to a peer on one of the parent's TCP
 * connections (relay_to_parent): written here. */
static void
on_from_kid(int fd, short revents, void *arg)
{
	struct server *sv = arg;
	static char buf[sizeof(struct passed) + SL_SIP_MAX + 1];
	struct sl_addr dst;
	char a[SL_ADDR_STRLEN];
	struct kid *k;
	ssize_t n;
	int err, kind;

	while ((n = unpass(fd, buf, sizeof buf, &dst, &kind)) >= 0)
		if (kind == PASS_DONE) {
			kid_done(sv, kid_by_pair(sv, fd));
		} else if (kind == PASS_FREE) {
			if ((k = kid_by_pair(sv, fd)) != NULL && k->busy) {
				sl_debug("call process %d: free for another call", (int)k->pid);
				kid_forget_call(sv, k);
				kid_idle(sv, k);
			}
			/* Retired: its socketpair is closed. */
			if (k == NULL || k->pair < 0)
				return;
		} else if (n > 0 && (err = sl_transport_send(sl_sip_transport(sv->sip), &dst, buf, (size_t)n)) != 0) {
			/* Said: the call process cannot know its message
			 * was lost (the connection to the peer is gone). */
			sl_warn("unable to send a call process's message to %s: %s",
				sl_addr_str(&dst, a), sl_strerror(err));
		}
}

static void
on_kid_exit(pid_t pid, int status, void *arg)
{
	struct server *sv = arg;
	int i;

	for (i = 0; i < sv->max_procs; i++) {
		struct kid *k = &sv->kids[i];

		if (k->pid != pid)
			continue;
		/* Its last words (a 487, the 200 to a BYE, that it is done)
		 * may still wait in the socketpair. */
		if (k->pair >= 0)
			on_from_kid(k->pair, POLLIN, sv);
		/* Dead mid-call (or ended after its last call): the call is
		 * over. */
		kid_forget_call(sv, k);
		kid_retire(sv, k);
		k->pid = 0;
		sv->nkids--;
		sl_debug("call process %d exited with %d", (int)pid, sl_child_exit_code(status));
		break;
	}
	if ((sv->stopping || sv->draining) && sv->nkids == 0)
		sl_loop_stop(sv->loop);
}

/* Forks a call process, idle.  Returns it, or NULL with errno set. */
static struct kid *
start_kid(struct server *sv)
{
	struct kid *k = NULL;
	struct sl_transport *tp = sl_sip_transport(sv->sip);
	int pair[2], i, reply_fd;
	pid_t pid;

	for (i = 0; i < sv->max_procs && k == NULL; i++)
		if (sv->kids[i].pid == 0)
			k = &sv->kids[i];
	if (k == NULL) {
		errno = EAGAIN;
		return NULL;
	}
	/* UDP: the shared socket, which the child only sends on; TCP: none,
	 * the child hands its messages back here. */
	reply_fd = sv->set->proto != SL_PROTO_UDP ? -1 : sl_transport_fd(tp);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(pair[0]);
		close(pair[1]);
		errno = err;
		return NULL;
	}
	if (pid == 0) {
		close(pair[0]);
		worker_main(sv, pair[1], reply_fd);
	}
	close(pair[1]);
	fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
	sl_loop_watch(sv->loop, pair[0], POLLIN, on_from_kid, sv);
	k->pid = pid;
	k->pair = pair[0];
	k->busy = 0;
	k->done = 0;
	sv->nkids++;
	sl_child_watch(sv->loop, pid, on_kid_exit, sv);
	kid_idle(sv, k);
	return k;
}

/* Hands a new call to an idle call process, or to a new one.  Returns 0
 * or an errno value. */
static int
spawn_call(struct server *sv, const char *buf, size_t len, const char *call_id,
	   const struct sl_addr *src)
{
	struct kid *k;
	int idle, err;

	if ((k = find_idle(sv, &idle)) == NULL && (k = start_kid(sv)) == NULL)
		return errno;
	if ((k->call_id = strdup(call_id)) == NULL)
		return ENOMEM;
	if ((err = pass(k->pair, PASS_CALL, buf, len, src, MSG_DONTWAIT)) != 0) {
		free(k->call_id);
		k->call_id = NULL;
		kid_retire(sv, k);
		return err;
	}
	k->busy = 1;
	k->done = 0;
	index_kid(sv, k);
	sv->ncalls++;
	/* Spares for the calls to come, forked now rather than when one
	 * comes. */
	find_idle(sv, &idle);
	while (idle < sv->ncalls / SPARE_PER && idle < SPARE_MAX && start_kid(sv) != NULL)
		idle++;
	return 0;
}

/* 1 when a new call may start: a call slot, and a process for it. */
static int
has_room(struct server *sv)
{
	int idle;

	return sv->ncalls < sv->max_calls &&
	       (sv->nkids < sv->max_procs || find_idle(sv, &idle) != NULL);
}

/* The status a new INVITE is refused with now. */
static int
refusal_code(struct server *sv, const struct sl_addr *src)
{
	if (!sl_answer_allowed(sv->ac, src))
		return 403;
	if (sv->stopping || sv->draining)
		return 503;
	return 486;
}

static void
said_refused(struct server *sv, osip_message_t *req, const struct sl_addr *src, int code)
{
	char a[SL_ADDR_STRLEN];

	if (code == 403) {
		sl_warn("refusing INVITE from %s: not an --accept-from source",
			sl_addr_str(src, a));
	} else if (code == 486) {
		static char cid[SL_SIP_MAX + 1];

		/* Cut as in every other event line. */
		sl_msg_call_id(req, cid, sizeof cid);
		sl_event("busy calls=%d call-id=%.255s", sv->ncalls, cid);
	}
}

/* A new INVITE that cannot be taken: refused with a transaction (in
 * on_request; returns 0) while fewer than REFUSED_MAX were within
 * REFUSED_MS, else at once, statelessly (returns 1). */
static int
refuse(struct server *sv, osip_message_t *req, const struct sl_addr *src)
{
	int64_t now = sl_now_ms();
	int code;

	if (sv->refused[sv->nrefused] == 0 || now - sv->refused[sv->nrefused] >= REFUSED_MS) {
		sv->refused[sv->nrefused] = now;
		sv->nrefused = (sv->nrefused + 1) % REFUSED_MAX;
		return 0;
	}
	code = refusal_code(sv, src);
	said_refused(sv, req, src, code);
	sl_sip_reply_stateless(sv->sip, req, src, code);
	return 1;
}

/* Every message reaches the parent here first: those of a running call go
 * to its process; a new INVITE gets one. */
static int
on_raw(const char *buf, size_t len, osip_message_t *msg, const struct sl_addr *src,
       void *arg)
{
	struct server *sv = arg;
	/* Big enough for any Call-ID a message can hold: never cut. */
	static char cid[SL_SIP_MAX + 1];
	struct kid *k;
	int err;

	sl_msg_call_id(msg, cid, sizeof cid);
	k = find_kid(sv, cid);

	if (k) {
		if ((err = pass(k->pair, PASS_MSG, buf, len, src, MSG_DONTWAIT)) != 0)
			sl_debug("unable to pass a message to call process %d: %s",
				 (int)k->pid, sl_strerror(err));
		return 1;
	}
	if ((MSG_IS_ACK(msg) || MSG_IS_BYE(msg) ||
	     (MSG_IS_INVITE(msg) && !sl_msg_has_to_tag(msg))) &&
	    sl_recent_has(sv->recent, cid, sl_now_ms()))
		return 1;       /* a late retransmission of a finished call (an
				 * INVITE, a BYE whose 200 got lost, their
				 * ACKs): its process had the answer, and is
				 * gone.  Anything else (a CANCEL, OPTIONS)
				 * gets its answer below, 481 or 200. */
	if (!MSG_IS_INVITE(msg) || sl_msg_has_to_tag(msg))
		return 0;
	if (sl_call_timer_refuses(&sv->ac->call, msg))
		return 0;       /* 422, here (on_request) */
	if (sv->stopping || sv->draining || !has_room(sv) || !sl_answer_allowed(sv->ac, src))
		return refuse(sv, msg, src);
	if (cid[0] == '\0')
		return 0;       /* no Call-ID to key a call by */
	if ((err = spawn_call(sv, buf, len, cid, src)) != 0) {
		sl_warn_err(err, "unable to start a process for call %s", cid);
		return 0;
	}
	return 1;
}

static void
on_request(struct sl_server *srv, osip_message_t *req, void *arg)
{
	struct server *sv = arg;
	const struct sl_addr *src = sl_server_source(srv);
	int code;

	if (MSG_IS_INVITE(req) && !sl_msg_has_to_tag(req) &&
	    sl_call_timer_refuses(&sv->ac->call, req)) {
		sl_call_timer_reply_422(&sv->ac->call, srv);
		return;
	}
	if (MSG_IS_INVITE(req) && !sl_msg_has_to_tag(req)) {
		code = refusal_code(sv, src);
		if (code == 486 && has_room(sv))
			code = 500;     /* room, but no process could start */
		said_refused(sv, req, src, code);
		sl_server_reply(srv, code);
		return;
	}
	/* Draining: a dispatcher's probe learns we take no new calls. */
	if ((sv->draining || sv->stopping) && MSG_IS_OPTIONS(req) && !sl_msg_has_to_tag(req)) {
		sl_server_reply(srv, 503);
		return;
	}
	/* A MESSAGE outside a dialog needs no call process. */
	if (sl_answer_message(sv->ac, sv->loop, srv, req))
		return;
	sl_server_reply_other(srv, req);
}

static void
on_stop_timer(void *arg)
{
	struct server *sv = arg;
	int i;

	for (i = 0; i < sv->max_procs; i++)
		if (sv->kids[i].pid > 0) {
			sl_warn("call process %d did not end in time; killing it",
				(int)sv->kids[i].pid);
			kill(sv->kids[i].pid, SIGKILL);
		}
}

static void
on_signal(int signo, void *arg)
{
	struct server *sv = arg;
	int i;

	if (signo == SIGUSR1) {
		if (sv->draining++ || sv->stopping)
			return;
		sl_event("draining calls=%d", sv->ncalls);
		/* The idle call processes end now, the others after their
		 * call. */
		for (i = 0; i < sv->max_procs; i++)
			if (sv->kids[i].pid > 0 && !sv->kids[i].busy)
				kid_retire(sv, &sv->kids[i]);
		if (sv->nkids == 0)
			sl_loop_stop(sv->loop);
		return;
	}
	if (sv->stopping++)
		return;
	sl_event("stopping calls=%d", sv->ncalls);
	for (i = 0; i < sv->max_procs; i++)
		if (sv->kids[i].pid > 0 && sv->kids[i].busy)
			kill(sv->kids[i].pid, SIGTERM);
		else if (sv->kids[i].pid > 0)
			kid_retire(sv, &sv->kids[i]);
	if (sv->nkids == 0) {
		sl_loop_stop(sv->loop);
		return;
	}
	sl_timer_start(sv->loop, &sv->stop_timer, STOP_WAIT_MS, on_stop_timer, sv);
}

int
sl_serve_run(struct sl_loop *loop, struct sl_sip *sip,
	     const struct sl_settings *set, const struct sl_answer_config *ac,
	     int max_calls)
{
	struct server sv;
	int i, err;

	memset(&sv, 0, sizeof sv);
	sv.loop = loop;
	sv.sip = sip;
	sv.set = set;
	sv.ac = ac;
	sv.max_calls = max_calls;
	sv.max_procs = PROCS_PER_CALL * max_calls;
	for (sv.nbucket = 16; sv.nbucket < (size_t)sv.max_procs * 2; sv.nbucket *= 2)
		;
	sv.kids = calloc(sv.max_procs, sizeof *sv.kids);
	sv.bucket = malloc(sv.nbucket * sizeof *sv.bucket);
	if (sv.kids == NULL || sv.bucket == NULL ||
	    (err = sl_recent_new(RECENT_MAX, RECENT_MS, &sv.recent)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to serve");
	for (i = 0; i < sv.max_procs; i++) {
		sv.kids[i].pair = -1;
		sv.kids[i].next = -1;
	}
	for (i = 0; i < (int)sv.nbucket; i++)
		sv.bucket[i] = -1;
	/* Every call runs the same commands: found in PATH once, here. */
	if (ac->call.media_argv)
		sl_spawn_find(ac->call.media_argv[0]);
	if (ac->screen)
		sl_spawn_find(ac->screen);
	sl_sip_on_raw(sip, on_raw, &sv);
	sl_sip_on_request(sip, on_request, &sv);
	sl_loop_signal(loop, SIGINT, on_signal, &sv);
	sl_loop_signal(loop, SIGTERM, on_signal, &sv);
	sl_loop_signal(loop, SIGHUP, on_signal, &sv);
	sl_loop_signal(loop, SIGUSR1, on_signal, &sv);
	if ((err = sl_loop_run(loop)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "event loop failed");
	sl_timer_stop(loop, &sv.stop_timer);
	sl_timer_stop(loop, &sv.idle_timer);
	free(sv.kids);
	free(sv.bucket);
	sl_recent_free(sv.recent);
	return SL_EXIT_OK;
}
