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

#endif
