/* The texts of reliable provisional responses (RFC 3262) that come from
 * the network: RSeq, RAck, and the option tags of Require and Supported.
 * The number parsers have no I/O (call_out.c and call_in.c use them;
 * fuzz/prack.c feeds them). */
#ifndef SIPLINE_PRACK_H
#define SIPLINE_PRACK_H

#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_parser.h>

/* The option tag of reliable provisional responses. */
#define SL_100REL "100rel"
/* RFC 3262 §3: RSeq and RAck numbers run from 1 to 2**31 - 1. */
#define SL_RSEQ_MAX 2147483647UL

/* An RSeq value ("17", blanks around allowed) into *rseq.  Returns 0, or
 * EINVAL when it is not a number of 1 to 2**31 - 1. */
int sl_rseq_parse(const char *value, uint32_t *rseq);

/* A RAck value ("17 1 INVITE": the RSeq, the CSeq number and method of
 * the request answered) into *rseq, *cseq and method (a token, cut to
 * fit size).  Returns 0, or EINVAL when any of the three is missing or
 * malformed. */
int sl_rack_parse(const char *value, uint32_t *rseq, uint32_t *cseq,
		  char *method, size_t size);

/* 1 when the list value (comma-separated option tags) names tag. */
int sl_option_listed(const char *value, const char *tag);

/* 1 when one of msg's headers called name (require, supported) names
 * tag. */
int sl_msg_option(const osip_message_t *msg, const char *name, const char *tag);

/* The value of msg's first header called name (lower case), or NULL. */
const char *sl_msg_header(const osip_message_t *msg, const char *name);

#endif
