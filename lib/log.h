/* Messages on stderr: fatal errors, warnings, events for scripts, debug. */
#ifndef SIPLINE_LOG_H
#define SIPLINE_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses shared by every tool (sipline(7), EXIT STATUS). */
enum {
	SL_EXIT_OK = 0,
	SL_EXIT_REJECTED = 1,
	SL_EXIT_BUSY = 2,
	SL_EXIT_DECLINED = 3,
	SL_EXIT_NOANSWER = 4,
	SL_EXIT_NOTFOUND = 5,
	SL_EXIT_AUTH = 6,
	SL_EXIT_NORESPONSE = 7,
	SL_EXIT_MEDIALOST = 8,
	SL_EXIT_EXPIRED = 9,     /* session timer: no refresh, or ours failed */
	SL_EXIT_USAGE = 100,
	SL_EXIT_SYSTEM = 111,
	SL_EXIT_CANTRUN = 126,
	SL_EXIT_NOCMD = 127,
};

extern const char *sl_prog;     /* program name used as the message prefix */
extern int sl_verbose;          /* -v count: 1 prints every SIP message */

/* Sets the prefix from argv[0] (its basename). */
void sl_log_init(const char *argv0);

/* "prog: fatal: MSG" then exit(status). */
void sl_fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* "prog: fatal: MSG: strerror(err)" then exit(status); err as sl_strerror. */
void sl_fatal_err(int status, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* "prog: warning: MSG" */
void sl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: warning: MSG: strerror(err)" */
void sl_warn_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: EVENT ARGS": the stable one-line events scripts read. */
void sl_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: debug: MSG", only with -v. */
void sl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes a block verbatim when verbose (SIP message dumps), framed by a
 * header line; the caller has already removed secrets. */
void sl_dump(const char *header, const char *text, size_t len);

/* Text for an error code of this library: a positive errno value, a
 * negative getaddrinfo() EAI_* code, an SL_ERESOLVE_* code or an SL_ETLS_*
 * code (tls.h). */
const char *sl_strerror(int err);

/* Usage error: "prog: fatal: MSG" and the usage hint, exit 100. */
void sl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
