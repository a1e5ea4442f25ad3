/* SDES (RFC 4568): the a=crypto attribute that carries SRTP master keys in
 * SDP, for the two suites sipline speaks, AES_CM_128_HMAC_SHA1_80 and _32. */
#ifndef SIPLINE_SDES_H
#define SIPLINE_SDES_H

#include <stddef.h>

enum sl_srtp_suite {
	SL_SRTP_OFF = 0,
	SL_SRTP_AES_CM_128_HMAC_SHA1_80,
	SL_SRTP_AES_CM_128_HMAC_SHA1_32,
};

/* What a call does about SRTP (SIP_SRTP, --srtp): nothing; offer keys
 * and take plain RTP from a peer without them; or nothing but SRTP. */
enum sl_srtp_mode {
	SL_SRTP_MODE_OFF = 0,
	SL_SRTP_MODE_OPTIONAL,
	SL_SRTP_MODE_MANDATORY,
};

/* The suites a call offers or takes, in order (SIP_SRTP_SUITES). */
struct sl_srtp_suites {
	enum sl_srtp_suite suite[2];
	int n;                  /* 0: the default, _80 then _32 */
};

/* Parses a list "AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80" into
 * out.  Returns 0, or EINVAL with the bad name (or "") in *bad. */
int sl_srtp_suites_parse(const char *list, struct sl_srtp_suites *out, const char **bad);

/* "off", "optional", "mandatory"; sl_srtp_mode_parse returns -1 for
 * another word. */
const char *sl_srtp_mode_name(int mode);
int sl_srtp_mode_parse(const char *name);

/* A master key (16 bytes) followed by its master salt (14 bytes). */
#define SL_SDES_KEYLEN 30
/* The longest a=crypto line we write, "a=crypto:" and CRLF included. */
#define SL_SDES_MAX 128

struct sl_sdes {
	unsigned long tag;
	enum sl_srtp_suite suite;
	unsigned char key[SL_SDES_KEYLEN];
};

/* "AES_CM_128_HMAC_SHA1_80", ... or "off". */
const char *sl_sdes_suite_name(enum sl_srtp_suite suite);
/* The suite named by the len bytes at name; SL_SRTP_OFF when none. */
enum sl_srtp_suite sl_sdes_suite_by_name(const char *name, size_t len);

/* Reads the value of one a=crypto attribute (what follows "a=crypto:",
 * up to the end of the line).  Returns 0; ENOTSUP for a well-formed line
 * we cannot use (another suite, an MKI, a session parameter, several keys:
 * RFC 4568 says to skip such a line and try the next); EINVAL for a
 * malformed one.  On failure *why says what, in a few words. */
int sl_sdes_parse(const char *value, struct sl_sdes *out, const char **why);

/* Writes c as "TAG SUITE inline:KEY" (no "a=crypto:", no line end) into
 * buf.  Returns 0, or ENOSPC when size is too small. */
int sl_sdes_format(const struct sl_sdes *c, char *buf, size_t size);

/* A fresh random key for suite under tag.  Returns 0, or EIO when the
 * random generator fails. */
int sl_sdes_new(unsigned long tag, enum sl_srtp_suite suite, struct sl_sdes *out);

/* Key material: sl_wipe clears it (the compiler may not drop the writes);
 * sl_same_secret compares in a time that does not depend on where the
 * bytes differ.  Returns 1 when equal. */
void sl_wipe(void *p, size_t n);
int sl_same_secret(const void *a, const void *b, size_t n);

/* The key file of rtp-send and rtp-recv: one line "SUITE BASE64KEY".
 * sl_sdes_read_line parses such a line into out (tag 1); returns 0 or
 * EINVAL/ENOTSUP like sl_sdes_parse. */
int sl_sdes_read_line(const char *line, struct sl_sdes *out, const char **why);

/* Reads that one line from fd (read once; the caller closes it), or from
 * the file at path.  Returns 0, EINVAL/ENOTSUP like sl_sdes_parse, or the
 * errno of the read. */
int sl_sdes_read_fd(int fd, struct sl_sdes *out, const char **why);
int sl_sdes_read_file(const char *path, struct sl_sdes *out, const char **why);

/* Writes c as a key file's line, "SUITE BASE64KEY\n", into buf.  Returns
 * 0 or ENOSPC. */
int sl_sdes_format_line(const struct sl_sdes *c, char *buf, size_t size);

/* The keys of a call's media (RTP_SRTP_KEY_FD of sipline(7)): two such
 * lines, ours (what we send with) then the peer's (what we receive with),
 * read from offset 0 whatever others sharing fd have read (pread; a pipe
 * is read as it comes).  One line alone is the key of both directions.
 * Returns 0, EINVAL/ENOTSUP like sl_sdes_parse, or the errno of the
 * read. */
int sl_sdes_read_pair_fd(int fd, struct sl_sdes *local, struct sl_sdes *remote,
			 const char **why);

#endif
