/* A header-only TAP producer for the unit tests in tests/unit/: plan, ok,
 * is_str, is_int, diag, done_testing. */
#ifndef SIPLINE_TAP_H
#define SIPLINE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Every name argument is a printf format followed by its arguments. */
#define ok(cond, ...) \
	tap_ok_((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str_((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int_((long long)(got), (long long)(want), __FILE__, __LINE__, \
		    __VA_ARGS__)

static int tap_planned_ __attribute__((unused)) = -1;
static int tap_run_ __attribute__((unused));
static int tap_failed_ __attribute__((unused));

/* Announces n tests ("1..n"); skip it and done_testing() prints the count. */
static inline void
plan(int n)
{
	tap_planned_ = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* A "# " comment line. */
static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Reports one test; returns pass (1 or 0) so a caller can add diagnostics. */
static inline int __attribute__((format(printf, 4, 0)))
tap_vok_(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap_run_++;
	if (!pass)
		tap_failed_++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run_);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass)
		printf("#   failed at %s line %d\n", file, line);
	fflush(stdout);
	return pass;
}

static inline int __attribute__((format(printf, 4, 5)))
tap_ok_(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = tap_vok_(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

/* Passes when both strings are equal, or both NULL. */
static inline int __attribute__((format(printf, 5, 6)))
tap_is_str_(const char *got, const char *want, const char *file, int line,
	    const char *fmt, ...)
{
	va_list ap;
	int pass;

	pass = got && want ? strcmp(got, want) == 0 : got == want;
	va_start(ap, fmt);
	pass = tap_vok_(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#          got: %s%s%s\n", got ? "'" : "", got ? got : "NULL",
		       got ? "'" : "");
		printf("#     expected: %s%s%s\n", want ? "'" : "",
		       want ? want : "NULL", want ? "'" : "");
	}
	return pass;
}

static inline int __attribute__((format(printf, 5, 6)))
tap_is_int_(long long got, long long want, const char *file, int line,
	    const char *fmt, ...)
{
	va_list ap;
	int pass;

	va_start(ap, fmt);
	pass = tap_vok_(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#          got: %lld\n", got);
		printf("#     expected: %lld\n", want);
	}
	return pass;
}

/* Ends the run: prints the plan if none was given and returns the exit
 * status, the number of failures (a wrong test count counts as one) capped
 * at 254.  Use as `return done_testing();`. */
static inline int
done_testing(void)
{
	int failed = tap_failed_;

	if (tap_planned_ < 0) {
		printf("1..%d\n", tap_run_);
	} else if (tap_run_ != tap_planned_) {
		printf("# planned %d tests but ran %d\n", tap_planned_, tap_run_);
		failed++;
	}
	if (failed > 0)
		printf("# failed %d of %d tests\n", tap_failed_, tap_run_);
	fflush(stdout);
	return failed > 254 ? 254 : failed;
}

#endif
