/* The texts of the SL_ERESOLVE_* codes (see resolve_err.h). */
#include "resolve_err.h"

int
sl_resolve_failed(int err)
{
	return err <= SL_ERESOLVE_NXDOMAIN && err >= SL_ERESOLVE_TRANSPORT;
}

const char *
sl_resolve_strerror(int err)
{
	switch (err) {
	case SL_ERESOLVE_NXDOMAIN: return "no such domain (NXDOMAIN)";
	case SL_ERESOLVE_NODATA: return "no usable record (no NAPTR, SRV or address for SIP)";
	case SL_ERESOLVE_TIMEOUT: return "no answer from the name server (DNS timeout after 4 s)";
	case SL_ERESOLVE_SERVER: return "the name server failed (SERVFAIL, REFUSED or unreachable)";
	case SL_ERESOLVE_BADANSWER: return "unusable DNS answer (truncated or malformed)";
	case SL_ERESOLVE_UNAVAILABLE: return "service not available (SRV target \".\")";
	case SL_ERESOLVE_BADNAME: return "not a valid host name";
	case SL_ERESOLVE_TRANSPORT: return "no transport sipline supports";
	}
	return "unknown resolver error";
}
