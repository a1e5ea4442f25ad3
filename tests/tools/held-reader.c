/* held-reader: a pipe reader that does not read until told to, for tests
 * of a writer that blocks on a full stdout.  Shrinks the pipe on stdin to
 * one page, waits until FLAG exists (at most 30 s), then copies stdin to
 * FILE until end of file.  Usage: held-reader FLAG FILE */
/* F_SETPIPE_SZ needs _GNU_SOURCE, which the Makefile defines for everything;
 * defined here only for a build outside it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char buf[4096];
	ssize_t n;
	int out, i;

	if (argc != 3) {
		fprintf(stderr, "usage: held-reader FLAG FILE\n");
		return 100;
	}
	if (fcntl(0, F_SETPIPE_SZ, 4096) < 0) {
		fprintf(stderr, "held-reader: unable to shrink the pipe: %s\n", strerror(errno));
		return 111;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "held-reader: unable to open %s: %s\n", argv[2], strerror(errno));
		return 111;
	}
	for (i = 0; i < 3000 && access(argv[1], F_OK) != 0; i++)
		nanosleep(&tick, NULL);
	while ((n = read(0, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 111;
	return n < 0 ? 111 : 0;
}
