/* NAT awareness: our address as a registrar saw it, read from the top Via
 * of its response (received, RFC 3261 18.2.1; rport, RFC 3581), and the
 * Contact that names it. */
#ifndef SIPLINE_NAT_H
#define SIPLINE_NAT_H

#include <stddef.h>

#include <osipparser2/osip_parser.h>

#include "addr.h"

/* The address resp's top Via says our request came from: received (else
 * the Via's own host) and rport (else the Via's own port, else 5060).
 * Returns 0 with *pub set; ENOENT when the Via has neither a received nor
 * an rport with a value (nothing learnt); EINVAL when one of them is not
 * an address or a port (why, of size bytes, says which, for a warning). */
int sl_nat_via_public(const osip_message_t *resp, struct sl_addr *pub,
		      char *why, size_t size);

/* The host and port of a sip:/sips: URI whose host is an IP literal
 * (the port 5060, or 5061 for sips:, when it has none).  Returns 0 or
 * EINVAL. */
int sl_nat_uri_addr(const char *uri, struct sl_addr *a);

/* uri with its host and port replaced by a's (user and parameters kept),
 * into buf of size bytes.  Returns 0, EINVAL or ENAMETOOLONG. */
int sl_nat_uri_with(const char *uri, const struct sl_addr *a, char *buf,
		    size_t size);

#endif
