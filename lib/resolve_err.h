/* Why a SIP server could not be located: the SL_ERESOLVE_* codes and
 * their texts, apart from lib/resolve.c so that the error printing of
 * lib/log.c, which every file uses, depends on nothing above it. */
#ifndef SIPLINE_RESOLVE_ERR_H
#define SIPLINE_RESOLVE_ERR_H

/* Why a name could not be located: negative, apart from getaddrinfo's
 * EAI_* codes; sl_strerror() knows them. */
#define SL_ERESOLVE_NXDOMAIN    (-3001)  /* no such domain */
#define SL_ERESOLVE_NODATA      (-3002)  /* no usable NAPTR, SRV or address */
#define SL_ERESOLVE_TIMEOUT     (-3003)  /* no answer within SL_RESOLVE_WAIT_MS */
#define SL_ERESOLVE_SERVER      (-3004)  /* SERVFAIL, REFUSED, no name server */
#define SL_ERESOLVE_BADANSWER   (-3005)  /* an answer that cannot be read */
#define SL_ERESOLVE_UNAVAILABLE (-3006)  /* SRV target "." (RFC 2782) */
#define SL_ERESOLVE_BADNAME     (-3007)  /* not a host name or address */
#define SL_ERESOLVE_TRANSPORT   (-3008)  /* only transports sipline lacks */

/* 1 when err is an SL_ERESOLVE_* code. */
int sl_resolve_failed(int err);
/* Text for an SL_ERESOLVE_* code. */
const char *sl_resolve_strerror(int err);

#endif
