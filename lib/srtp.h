/* SRTP and SRTCP (RFC 3711) through libsrtp2: one session per direction,
 * keyed from an a=crypto line (lib/sdes.h), with the packets that fail
 * authentication or replay checks counted. */
#ifndef SIPLINE_SRTP_H
#define SIPLINE_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "sdes.h"

/* Room libsrtp may add to a packet: the auth tag and an SRTCP index. */
#define SL_SRTP_TRAILER 16

struct sl_srtp;

/* A session that protects what we send (outbound) or unprotects what we
 * receive (inbound) with key.  Returns 0, EINVAL for an unknown suite,
 * or EIO when libsrtp refuses. */
int sl_srtp_new(const struct sl_sdes *key, int outbound, struct sl_srtp **out);
void sl_srtp_free(struct sl_srtp *s);

/* Protects the RTP (rtcp = 0) or RTCP packet of *len bytes in buf, which
 * has room for size bytes; *len grows.  Returns 0, ENOSPC or EIO. */
int sl_srtp_protect(struct sl_srtp *s, int rtcp, uint8_t *buf, size_t *len, size_t size);
/* Unprotects in place; *len shrinks.  Returns 0; EACCES for a packet that
 * fails authentication or is a replay (counted); EINVAL for one that is
 * no SRTP at all. */
int sl_srtp_unprotect(struct sl_srtp *s, int rtcp, uint8_t *buf, size_t *len);
/* Packets refused by authentication or the replay check so far. */
unsigned long sl_srtp_auth_fail(const struct sl_srtp *s);

#endif
