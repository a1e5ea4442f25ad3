/* Range-checked numbers for options and the environment. */
#include "opt.h"
#include "sdes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

int
sl_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		return EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return ERANGE;
	*out = v;
	return 0;
}

int
sl_parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || isnan(v))
		return EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return ERANGE;
	*out = v;
	return 0;
}

long
sl_opt_int(const char *opt, const char *s, long min, long max)
{
	long v;
	int rc = sl_parse_int(s, min, max, &v);

	if (rc == EINVAL)
		sl_usage_error("%s: not a whole number: %s", opt, s);
	if (rc)
		sl_usage_error("%s: %s is out of range (%ld to %ld)", opt, s, min, max);
	return v;
}

double
sl_opt_num(const char *opt, const char *s, double min, double max)
{
	double v;
	int rc = sl_parse_num(s, min, max, &v);

	if (rc == EINVAL)
		sl_usage_error("%s: not a number: %s", opt, s);
	if (rc)
		sl_usage_error("%s: %s is out of range (%g to %g)", opt, s, min, max);
	return v;
}

int
sl_opt_control_fd(const char *s)
{
	int fd = (int)sl_opt_int("--control-fd", s, 0, 1 << 20);

	if (fcntl(fd, F_GETFD) < 0)
		sl_fatal_err(SL_EXIT_USAGE, errno, "--control-fd %d", fd);
	return fd;
}

void
sl_print_version(void)
{
	printf("%s %s\n", sl_prog, SIPLINE_VERSION);
	exit(0);
}

void
sl_opt_srtp_key(const char *opt, const char *arg, int is_fd, struct sl_sdes *key)
{
	const char *why = NULL;
	int err, fd;

	if (is_fd) {
		fd = (int)sl_opt_int(opt, arg, 0, 1 << 20);
		err = sl_sdes_read_fd(fd, key, &why);
		close(fd);
	} else {
		err = sl_sdes_read_file(arg, key, &why);
	}
	if (err == EINVAL || err == ENOTSUP)
		sl_usage_error("%s: %s", opt, why);
	if (err != 0)
		sl_fatal_err(SL_EXIT_USAGE, err, "%s %s", opt, arg);
}
