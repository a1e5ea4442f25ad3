/* spawn-floor: what serve mode's media command costs by itself, for the
 * serve benchmark (issue 18) to set sip-answer --serve beside.
 *
 * Runs COMMAND RATE times a second for SECONDS (posix_spawnp, as sipline
 * starts a media command: vfork and exec, a PATH lookup), sends each one
 * SIGTERM HOLD-MS milliseconds after it started (the call ended: sipline
 * stops a media command that outlives its call the same way) and reaps
 * it; no SIP, no sockets.  At the end it prints the CPU time of every
 * child (getrusage RUSAGE_CHILDREN) and its own, per command run:
 *
 *   spawn-floor runs=N late=N cpu_children_ms=N cpu_self_ms=N per_run_ms=F
 *
 * late: starts that came more than 10 ms after their time (the machine
 * could not keep the rate).  usage: spawn-floor RATE SECONDS HOLD-MS
 * COMMAND [ARG...].  Exit status 0, or 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_LIVE 4096

static long long
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long
tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1000LL + tv.tv_usec / 1000;
}

static void
reap(int flags)
{
	while (waitpid(-1, NULL, flags) > 0)
		;
}

int
main(int argc, char **argv)
{
	static pid_t live[MAX_LIVE];
	static long long stop_at[MAX_LIVE];
	struct rusage self, kids;
	long long start, next, end, step, hold, t;
	long runs = 0, late = 0;
	size_t head = 0, tail = 0;
	pid_t pid;
	int rate;

	if (argc < 5 || (rate = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: spawn-floor RATE SECONDS HOLD-MS COMMAND [ARG...]\n");
		return 1;
	}
	step = 1000000000LL / rate;
	hold = atoll(argv[3]) * 1000000LL;
	start = next = now_ns();
	end = start + atoll(argv[2]) * 1000000000LL;
	while (next < end || head != tail) {
		t = now_ns();
		/* Stop the ones whose time is up, oldest first. */
		while (head != tail && stop_at[head % MAX_LIVE] <= t) {
			kill(live[head % MAX_LIVE], SIGTERM);
			head++;
		}
		reap(WNOHANG);
		if (next < end && t >= next) {
			if (t - next > 10000000LL)
				late++;
			if (tail - head >= MAX_LIVE) {
				fprintf(stderr, "spawn-floor: more than %d at once\n", MAX_LIVE);
				return 1;
			}
			if ((errno = posix_spawnp(&pid, argv[4], NULL, NULL, argv + 4, environ)) != 0) {
				perror("spawn-floor: posix_spawnp");
				return 1;
			}
			live[tail % MAX_LIVE] = pid;
			stop_at[tail % MAX_LIVE] = t + hold;
			tail++;
			runs++;
			next += step;
			continue;
		}
		/* Sleep until the next start or stop, at most 1 ms. */
		{
			long long wake = next < end ? next : t + 1000000LL;
			struct timespec d;

			if (head != tail && stop_at[head % MAX_LIVE] < wake)
				wake = stop_at[head % MAX_LIVE];
			if (wake > t + 1000000LL)
				wake = t + 1000000LL;
			d.tv_sec = 0;
			d.tv_nsec = wake > t ? wake - t : 0;
			nanosleep(&d, NULL);
		}
	}
	reap(0);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	t = tv_ms(kids.ru_utime) + tv_ms(kids.ru_stime);
	printf("spawn-floor runs=%ld late=%ld cpu_children_ms=%lld cpu_self_ms=%lld per_run_ms=%.2f\n",
	       runs, late, t, tv_ms(self.ru_utime) + tv_ms(self.ru_stime),
	       runs ? (double)(t + tv_ms(self.ru_utime) + tv_ms(self.ru_stime)) / runs : 0.0);
	return 0;
}
