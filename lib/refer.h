/* The texts of a blind transfer (RFC 3515) that come from the network: a
 * REFER's Refer-To and a NOTIFY's message/sipfrag body.  Parsers alone,
 * no I/O (call_refer.c uses them; fuzz/refer.c feeds them). */
#ifndef SIPLINE_REFER_H
#define SIPLINE_REFER_H

#include <stddef.h>

/* The URI of a Refer-To value ("<sip:a@b;x=y>;p", or one without angle
 * brackets up to its first ';' or blank) into buf.  Returns 0, or EINVAL
 * when there is none or it does not fit (a URI's own checks are the
 * caller's). */
int sl_refer_target(const char *value, char *buf, size_t size);

/* The status of a sipfrag body ("SIP/2.0 180 Ringing\r\n..."): *code
 * (100-699) and, into line, the rest of its first line cleaned for an
 * event line ("180 Ringing").  Returns 0 or EINVAL. */
int sl_refer_sipfrag(const char *body, size_t len, int *code, char *line, size_t size);

#endif
