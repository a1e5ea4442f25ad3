/* tstamp: runs a command and prints each line of its stderr prefixed with
 * the microseconds elapsed since just before the command was forked, so
 * that "sip-call started -> answered event" is one subtraction.  The
 * command's stdout goes where ours goes; stdin is /dev/null.  A last line
 * "T tstamp: exit status=N" says when it was reaped.  Exits with the
 * command's status (128+N for signal N).
 *
 * usage: tstamp COMMAND [ARG...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	char buf[4096], line[8192];
	size_t len = 0;
	int64_t t0;
	int p[2], status, devnull;
	pid_t pid;
	ssize_t n;

	if (argc < 2) {
		fputs("usage: tstamp COMMAND [ARG...]\n", stderr);
		return 100;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("tstamp: fatal: unable to create a pipe");
		return 111;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("tstamp: fatal: unable to fork");
		return 111;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(p[1], 2);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "tstamp: fatal: unable to run %s: %s\n", argv[1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[1]);
	for (;;) {
		n = read(p[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* The time of the read that completed a line is its time. */
		int64_t t = now_us() - t0;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof line - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			printf("%lld %s\n", (long long)t, line);
			len = 0;
		}
	}
	if (len > 0) {
		line[len] = '\0';
		printf("%lld %s\n", (long long)(now_us() - t0), line);
	}
	fflush(stdout);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 111;
	printf("%lld tstamp: exit status=%d\n", (long long)(now_us() - t0),
	       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	fflush(stdout);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
