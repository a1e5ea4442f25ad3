/* DTMF by SIP INFO (RFC 6086's legacy usage, no Info Package): the
 * bodies of application/dtmf-relay ("Signal=5" and "Duration=160"
 * lines) and application/dtmf (the key alone), read from the network and
 * written for our own INFO. */
#ifndef SIPLINE_INFO_H
#define SIPLINE_INFO_H

#include <stddef.h>

/* Bodies longer than this are not DTMF. */
#define SL_INFO_BODY_MAX 1024

enum sl_info_kind {
	SL_INFO_OTHER = 0,      /* a type that is not DTMF */
	SL_INFO_DTMF_RELAY,     /* application/dtmf-relay */
	SL_INFO_DTMF,           /* application/dtmf */
};

/* The kind of a Content-Type's type and subtype (either may be NULL);
 * case does not matter. */
int sl_info_kind(const char *type, const char *subtype);

/* A key read from a body. */
struct sl_info_key {
	char digit;             /* 0-9 * # A-D; '\0' for a flash (event 16) */
	int duration;           /* ms, 0 when the body gives none */
};

/* Reads the key of a body of kind (len bytes, not NUL-terminated).  A key
 * is a character of 0-9 * # A-D (a-d too) or its RFC 4733 event code
 * (0-16), blanks around it allowed; dtmf-relay's other lines are skipped,
 * its Duration is 0-60000.  Returns 0, or EINVAL for anything else
 * (control characters or bytes above 0x7e, no Signal or two, a body over
 * SL_INFO_BODY_MAX). */
int sl_info_key_parse(int kind, const char *body, size_t len, struct sl_info_key *key);

/* Writes the dtmf-relay body of digit lasting duration ms into buf.
 * Returns its length, or -1 when it does not fit. */
int sl_info_relay_body(char digit, int duration, char *buf, size_t size);

#endif
