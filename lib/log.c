/* Messages on stderr, each written with a single write(2) so that lines
 * from the several processes of a call never interleave mid-line. */
#include "log.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolve_err.h"
#include "tls.h"

const char *sl_prog = "sipline";
int sl_verbose;

void
sl_log_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	sl_prog = slash ? slash + 1 : argv0;
}

const char *
sl_strerror(int err)
{
	if (sl_resolve_failed(err))
		return sl_resolve_strerror(err);
	if (sl_tls_failed(err))
		return sl_tls_strerror(err);
	if (err < 0)
		return gai_strerror(err);
	return strerror(err);
}

/* Formats "prog: KIND: MSG[: reason]\n" and writes it at once. */
static void
emit(const char *kind, int err, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m;
	int saved = errno;

	n = kind ? snprintf(line, sizeof line, "%s: %s: ", sl_prog, kind)
		 : snprintf(line, sizeof line, "%s: ", sl_prog);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (m > 0)
		n += m;
	if ((size_t)n >= sizeof line - 1)
		n = sizeof line - 2;
	if (err) {
		m = snprintf(line + n, sizeof line - n, ": %s", sl_strerror(err));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof line - 1)
			n = sizeof line - 2;
	}
	line[n++] = '\n';
	if (write(2, line, n) < 0) {
		/* Nowhere left to report it. */
	}
	errno = saved;
}

void
sl_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("fatal", 0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
sl_fatal_err(int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("fatal", err, fmt, ap);
	va_end(ap);
	exit(status);
}

void
sl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning", 0, fmt, ap);
	va_end(ap);
}

void
sl_warn_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning", err, fmt, ap);
	va_end(ap);
}

void
sl_event(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(NULL, 0, fmt, ap);
	va_end(ap);
}

void
sl_debug(const char *fmt, ...)
{
	va_list ap;

	if (!sl_verbose)
		return;
	va_start(ap, fmt);
	emit("debug", 0, fmt, ap);
	va_end(ap);
}

void
sl_dump(const char *header, const char *text, size_t len)
{
	if (!sl_verbose)
		return;
	fprintf(stderr, "%s: %s\n", sl_prog, header);
	/* SDES keys (a=crypto ... inline:KEY) are never shown. */
	for (;;) {
		const char *k = memmem(text, len, "inline:", 7);
		size_t n, skip;

		if (k == NULL)
			break;
		n = (size_t)(k - text) + 7;
		fwrite(text, 1, n, stderr);
		for (skip = 0; n + skip < len && text[n + skip] != '|' &&
		     text[n + skip] != ' ' && text[n + skip] != '\r' &&
		     text[n + skip] != '\n' && text[n + skip] != ';'; skip++)
			;
		if (skip)
			fputs("(hidden)", stderr);
		text += n + skip;
		len -= n + skip;
	}
	fwrite(text, 1, len, stderr);
	if (len == 0 || text[len - 1] != '\n')
		fputc('\n', stderr);
	fflush(stderr);
}

void
sl_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("fatal", 0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", sl_prog);
	exit(SL_EXIT_USAGE);
}
