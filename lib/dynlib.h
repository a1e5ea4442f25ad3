/* Libraries loaded when a call first needs them, not at every start.
 *
 * OpenSSL (TLS) and libsrtp2 (SRTP; Debian builds it on NSS) are the
 * biggest libraries sipline uses, and most calls use neither: linked, they
 * were mapped and relocated in every process of every call side, about
 * 1.3 MB of each side's proportional set size (BENCHMARKS.md, issue 14).
 * tls.c and srtp.c name the functions they call in a table and load it
 * here on first use; the SONAMEs are the ones the build compiled against
 * (Makefile, PKGS_LOADED, writes sonames.h). */
#ifndef SL_DYNLIB_H
#define SL_DYNLIB_H

#include <stddef.h>

#include "sonames.h"        /* SL_LIBSSL_SONAME...: made by the Makefile */

struct sl_dynlib {
	const char *soname;         /* "libssl.so.3" */
	const char *const *names;   /* the functions, in the order of fns */
	void **fns;                 /* filled in by sl_dynlib_load */
	size_t n;
	int state;                  /* 0 not tried, 1 loaded, -1 failed */
};

/* Loads lib once (later calls return the first answer): 0, or ELIBACC
 * after saying on stderr which library or function is missing. */
int sl_dynlib_load(struct sl_dynlib *lib);

/* The table of a file that calls a loaded library.  LIST(X) names each
 * function as X(name); then
 *	SL_DYNLIB(libfoo, "libfoo.so.1", LIST);
 * defines struct sl_dynlib libfoo (for sl_dynlib_load), and
 * SL_DYNLIB_FN(libfoo, name) is the function as loaded, with the type the
 * library's header declares.  One table per file (the enum is FN_name). */
#define SL_DYNLIB_INDEX_(f) FN_##f,
#define SL_DYNLIB_NAME_(f) #f,
#define SL_DYNLIB(var, soname, LIST)                                      \
	enum { LIST(SL_DYNLIB_INDEX_) FN_COUNT };                         \
	static const char *const var##_names[FN_COUNT] = { LIST(SL_DYNLIB_NAME_) }; \
	static void *var##_fns[FN_COUNT];                                 \
	static struct sl_dynlib var = { soname, var##_names, var##_fns, FN_COUNT, 0 }
#define SL_DYNLIB_FN(var, f) ((__typeof__(&f))var##_fns[FN_##f])

#endif
