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

/* --control-fd FD: a descriptor that is open (exits 100 otherwise). */
int sl_opt_control_fd(const char *s);

struct sl_sdes;
/* --srtp-key-file FILE (is_fd 0) or --srtp-key-fd N (is_fd 1, read once
 * and closed): one line "SUITE BASE64KEY" into key; exits 100 with the
 * reason, never the key, when it cannot. */
void sl_opt_srtp_key(const char *opt, const char *arg, int is_fd, struct sl_sdes *key);

/* Prints "prog VERSION" on stdout and exits 0. */
void sl_print_version(void) __attribute__((noreturn));

#endif
