/* Command-line helpers: range-checked numbers, common usage handling. */
#ifndef SIPLINE_OPT_H
#define SIPLINE_OPT_H

/* Parses a decimal integer within [min, max].  Returns 0 or EINVAL/ERANGE. */
int sl_parse_int(const char *s, long min, long max, long *out);
/* Parses a decimal number (fractions allowed, "1.5") within [min, max].
 * Returns 0 or EINVAL/ERANGE. */
int sl_parse_num(const char *s, double min, double max, double *out);

/* Option-parsing shorthands that exit 100 with "prog: fatal: OPTION: ..."
 * when the value is not a number in range. */
long sl_opt_int(const char *opt, const char *s, long min, long max);
double sl_opt_num(const char *opt, const char *s, double min, double max);

/* Prints "prog VERSION" on stdout and exits 0. */
void sl_print_version(void) __attribute__((noreturn));

#endif
