/* psample: the CPU time and peak memory of a process tree, for the cost
 * benchmark.  Every -i milliseconds it finds the descendants of the ROOT
 * PIDs (the roots too) in /proc and keeps, for each process it ever saw,
 * the last CPU time of its threads (/proc/PID/task/N/schedstat: the
 * scheduler's own count, in nanoseconds) and VmHWM of /proc/PID/status.
 * Not utime+stime: with tick-based accounting those are charged a tick at
 * a time to whoever runs when the tick comes, and a process that wakes
 * for 60 us every 20 ms is charged anything from nothing to a lot, by the
 * phase of its wake-ups against the ticks.  When SIGTERM/SIGINT comes, or every root has ended,
 * it prints one line per process:
 *
 *   proc pid=N ppid=N comm=NAME cpu=SECONDS ticks_cpu=SECONDS hwm_kb=N samples=N
 *
 * (ticks_cpu: utime+stime, for comparison.)
 *
 * A process that exits between two samples loses at most -i ms of CPU
 * time from the count; the peak RSS it reached is kept by the kernel in
 * VmHWM and is exact as of the last sample.
 *
 * usage: psample [-i MS] [-o FILE] ROOT... */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 8192

struct proc {
	int pid, ppid;
	unsigned long long start;       /* start time: a reused PID is another process */
	char comm[32];
	unsigned long long ticks;
	unsigned long long ns;          /* run time of its threads */
	long hwm_kb;
	int samples;
	int alive;
};

static struct proc procs[MAX_PROCS];
static int nprocs;
static int roots[64], nroots;
static volatile sig_atomic_t stop;

static void
on_signal(int signo)
{
	(void)signo;
	stop = 1;
}

/* Reads /proc/PID/stat: ppid, comm, utime+stime, start time. */
static int
read_stat(int pid, int *ppid, char *comm, size_t commlen,
	  unsigned long long *ticks, unsigned long long *start)
{
	char path[64], buf[1024], *p, *q;
	unsigned long long f[64];
	FILE *fp;
	size_t n;
	int i;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strchr(buf, '(')) == NULL || (q = strrchr(buf, ')')) == NULL)
		return -1;
	snprintf(comm, commlen, "%.*s", (int)(q - p - 1), p + 1);
	/* Fields after the comm, from field 3 (state) on. */
	p = q + 2;
	for (i = 3; i <= 22 && *p; i++) {
		if (i == 3) {
			f[i] = 0;
			p++;
		} else {
			f[i] = strtoull(p, &q, 10);
			p = q;
		}
		while (*p == ' ')
			p++;
	}
	if (i <= 22)
		return -1;
	*ppid = (int)f[4];
	*ticks = f[14] + f[15];
	*start = f[22];
	return 0;
}

static long
read_hwm(int pid)
{
	char path[64], line[256];
	FILE *fp;
	long kb = -1;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp))
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}

/* The run time of every thread of pid, in ns (0 when unreadable).  A
 * thread that has ended is not counted: the tools here have one thread,
 * and baresip's live as long as it does. */
static unsigned long long
read_runtime(int pid)
{
	char path[320], line[128];
	unsigned long long sum = 0, ns;
	struct dirent *e;
	DIR *d;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", pid, e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof line, fp) && sscanf(line, "%llu", &ns) == 1)
			sum += ns;
		fclose(fp);
	}
	closedir(d);
	return sum;
}

static struct proc *
find(int pid, unsigned long long start)
{
	int i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid == pid && procs[i].start == start)
			return &procs[i];
	return NULL;
}

/* One sample.  Returns the number of live roots. */
static int
sample(void)
{
	static int pids[65536], ppids[65536];
	static unsigned long long starts[65536];
	static char comms[65536][32];
	static unsigned long long tickss[65536];
	int n = 0, i, j, changed, live = 0;
	static char in[65536];
	DIR *d;
	struct dirent *e;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < 65536) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pids[n] = atoi(e->d_name);
		if (read_stat(pids[n], &ppids[n], comms[n], sizeof comms[n], &tickss[n],
			      &starts[n]) == 0)
			n++;
	}
	closedir(d);
	/* The tree: roots, then whatever has a parent in it, to a fixpoint. */
	memset(in, 0, (size_t)n);
	for (i = 0; i < n; i++)
		for (j = 0; j < nroots; j++)
			if (pids[i] == roots[j]) {
				in[i] = 1;
				live++;
			}
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (j = 0; j < n; j++)
				if (in[j] && pids[j] == ppids[i]) {
					in[i] = 1;
					changed = 1;
					break;
				}
		}
	} while (changed);
	for (i = 0; i < nprocs; i++)
		procs[i].alive = 0;
	for (i = 0; i < n; i++) {
		struct proc *p;
		long hwm;

		if (!in[i])
			continue;
		p = find(pids[i], starts[i]);
		if (p == NULL) {
			if (nprocs == MAX_PROCS)
				continue;
			p = &procs[nprocs++];
			memset(p, 0, sizeof *p);
			p->pid = pids[i];
			p->start = starts[i];
		}
		/* The name after exec, not the shell that forked it. */
		snprintf(p->comm, sizeof p->comm, "%s", comms[i]);
		p->ppid = ppids[i];
		p->ticks = tickss[i];
		{
			unsigned long long ns = read_runtime(pids[i]);

			if (ns > p->ns)
				p->ns = ns;
		}
		if ((hwm = read_hwm(pids[i])) >= 0)
			p->hwm_kb = hwm;
		p->samples++;
		p->alive = 1;
	}
	return live;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec iv;
	const char *outfile = NULL;
	FILE *out = stdout;
	long ms = 50, hz = sysconf(_SC_CLK_TCK);
	int c, i;

	while ((c = getopt(argc, argv, "i:o:")) != -1) {
		switch (c) {
		case 'i':
			ms = atol(optarg);
			break;
		case 'o':
			outfile = optarg;
			break;
		default:
			fputs("usage: psample [-i MS] [-o FILE] ROOT...\n", stderr);
			return 100;
		}
	}
	for (; optind < argc && nroots < 64; optind++)
		roots[nroots++] = atoi(argv[optind]);
	if (nroots == 0 || ms <= 0) {
		fputs("usage: psample [-i MS] [-o FILE] ROOT...\n", stderr);
		return 100;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	iv.tv_sec = ms / 1000;
	iv.tv_nsec = (ms % 1000) * 1000000;
	while (!stop) {
		if (sample() == 0)
			break;
		nanosleep(&iv, NULL);
	}
	if (outfile && (out = fopen(outfile, "w")) == NULL) {
		perror("psample: fatal: unable to write the report");
		return 111;
	}
	for (i = 0; i < nprocs; i++)
		fprintf(out, "proc pid=%d ppid=%d comm=%s cpu=%.3f ticks_cpu=%.2f hwm_kb=%ld samples=%d\n",
			procs[i].pid, procs[i].ppid, procs[i].comm,
			procs[i].ns ? (double)procs[i].ns / 1e9 :
			(double)procs[i].ticks / (double)hz,
			(double)procs[i].ticks / (double)hz, procs[i].hwm_kb, procs[i].samples);
	fclose(out);
	return 0;
}
