/* SDES (RFC 4568) a=crypto lines: parsing what a peer offers, writing ours,
 * and making fresh keys.  Base64 comes from nettle (linked anyway, for the
 * digests); keys from getrandom(2).  Not OpenSSL: it is loaded only for
 * TLS (tls.c), and an SRTP call over UDP should not map it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/random.h>

#include <nettle/base64.h>

#include "sdes.h"

/* 30 bytes of key and salt are exactly 40 base64 characters. */
#define B64LEN 40

static const struct {
	enum sl_srtp_suite suite;
	const char *name;
} suites[] = {
	{ SL_SRTP_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80" },
	{ SL_SRTP_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32" },
};

const char *
sl_sdes_suite_name(enum sl_srtp_suite suite)
{
	size_t i;

	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i].suite == suite)
			return suites[i].name;
	return "off";
}

enum sl_srtp_suite
sl_sdes_suite_by_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
			return suites[i].suite;
	return SL_SRTP_OFF;
}

static const char *const mode_names[] = {
	[SL_SRTP_MODE_OFF] = "off",
	[SL_SRTP_MODE_OPTIONAL] = "optional",
	[SL_SRTP_MODE_MANDATORY] = "mandatory",
};

const char *
sl_srtp_mode_name(int mode)
{
	if (mode < SL_SRTP_MODE_OFF || mode > SL_SRTP_MODE_MANDATORY)
		return mode_names[SL_SRTP_MODE_OFF];
	return mode_names[mode];
}

int
sl_srtp_mode_parse(const char *name)
{
	int i;

	for (i = SL_SRTP_MODE_OFF; i <= SL_SRTP_MODE_MANDATORY; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return i;
	return -1;
}

int
sl_srtp_suites_parse(const char *list, struct sl_srtp_suites *out, const char **bad)
{
	const char *p = list, *e;
	enum sl_srtp_suite su;
	int i;

	out->n = 0;
	for (;;) {
		e = p + strcspn(p, ",");
		su = sl_sdes_suite_by_name(p, (size_t)(e - p));
		for (i = 0; i < out->n; i++)
			if (out->suite[i] == su)
				su = SL_SRTP_OFF;
		if (su == SL_SRTP_OFF || out->n >= 2) {
			*bad = p;
			return EINVAL;
		}
		out->suite[out->n++] = su;
		if (*e == '\0')
			return 0;
		p = e + 1;
	}
}

static int
fail(const char **why, const char *what, int err)
{
	if (why != NULL)
		*why = what;
	return err;
}

/* Decodes exactly B64LEN base64 characters at s into key.  Returns 0 or
 * EINVAL. */
static int
decode_key(const char *s, size_t len, unsigned char key[SL_SDES_KEYLEN])
{
	struct base64_decode_ctx ctx;
	uint8_t buf[BASE64_DECODE_LENGTH(B64LEN)];
	size_t i, n = sizeof buf;
	int ok;

	if (len != B64LEN)
		return EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
			return EINVAL;
	base64_decode_init(&ctx);
	ok = base64_decode_update(&ctx, &n, buf, len, s) && base64_decode_final(&ctx) &&
	     n == SL_SDES_KEYLEN;
	if (ok)
		memcpy(key, buf, SL_SDES_KEYLEN);
	sl_wipe(buf, sizeof buf);
	return ok ? 0 : EINVAL;
}

/* Checks a key lifetime "[2^]DIGITS": the suites allow at most 2^48
 * packets (RFC 4568 6.2.1 and 6.2.2 say 2^48 for SRTP and 2^31 for SRTCP;
 * a call never gets near either, so any lifetime up to 2^48 is taken).
 * Returns 0, ENOTSUP for a longer one, or EINVAL. */
static int
check_lifetime(const char *s, size_t len)
{
	unsigned long long v = 0;
	int power = 0;
	size_t i;

	if (len > 2 && s[0] == '2' && s[1] == '^') {
		power = 1;
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 19)
		return EINVAL;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (power ? v > 48 : v > (1ULL << 48))
		return ENOTSUP;
	return 0;
}

/* Reads one key-param "inline:KEY[|LIFETIME][|MKI:LEN]" of len bytes. */
static int
parse_key_param(const char *s, size_t len, struct sl_sdes *out, const char **why)
{
	const char *end = s + len, *p, *bar;
	int err;

	if (len < 7 || memcmp(s, "inline:", 7) != 0)
		return fail(why, "crypto: key method is not inline", EINVAL);
	s += 7;
	bar = memchr(s, '|', (size_t)(end - s));
	p = bar != NULL ? bar : end;
	if (decode_key(s, (size_t)(p - s), out->key) != 0)
		return fail(why, "crypto: the inline key is not 30 bytes of base64", EINVAL);
	while (bar != NULL) {
		s = bar + 1;
		bar = memchr(s, '|', (size_t)(end - s));
		p = bar != NULL ? bar : end;
		if (memchr(s, ':', (size_t)(p - s)) != NULL) {
			/* An MKI: libsrtp could do it, but one key per direction is
			 * all a call needs, so the line is skipped. */
			const char *c = memchr(s, ':', (size_t)(p - s));
			size_t i;

			if (c == s || c + 1 == p || p - c > 4)
				return fail(why, "crypto: malformed MKI", EINVAL);
			for (i = 0; s + i < p; i++)
				if (s + i != c && !isdigit((unsigned char)s[i]))
					return fail(why, "crypto: malformed MKI", EINVAL);
			return fail(why, "crypto: MKI not supported", ENOTSUP);
		}
		err = check_lifetime(s, (size_t)(p - s));
		if (err == EINVAL)
			return fail(why, "crypto: malformed key lifetime", EINVAL);
		if (err != 0)
			return fail(why, "crypto: key lifetime beyond the suite's", ENOTSUP);
	}
	return 0;
}

int
sl_sdes_parse(const char *value, struct sl_sdes *out, const char **why)
{
	const char *p = value, *w, *e;
	unsigned long tag = 0;
	int digits = 0, err;
	struct sl_sdes c;

	memset(&c, 0, sizeof c);
	while (isdigit((unsigned char)*p)) {
		tag = tag * 10 + (unsigned)(*p++ - '0');
		if (++digits > 9)
			return fail(why, "crypto: tag too long", EINVAL);
	}
	if (digits == 0 || (*p != ' ' && *p != '\t'))
		return fail(why, "crypto: no tag", EINVAL);
	c.tag = tag;
	while (*p == ' ' || *p == '\t')
		p++;
	for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
		;
	if (p == w || *p == '\0')
		return fail(why, "crypto: no suite or no key", EINVAL);
	c.suite = sl_sdes_suite_by_name(w, (size_t)(p - w));
	/* Another suite's key-params follow its own rules (an AES_256 key is
	 * longer): not ours to call malformed.  Skip the line. */
	if (c.suite == SL_SRTP_OFF)
		return fail(why, "crypto: unknown suite", ENOTSUP);
	while (*p == ' ' || *p == '\t')
		p++;
	for (w = p; *p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'; p++)
		;
	if (p == w)
		return fail(why, "crypto: no key", EINVAL);
	/* Several keys (";"-separated) only make sense with MKIs. */
	e = memchr(w, ';', (size_t)(p - w));
	err = parse_key_param(w, (size_t)((e != NULL ? e : p) - w), &c, why);
	if (err != 0)
		goto out;
	if (e != NULL) {
		err = fail(why, "crypto: several keys not supported", ENOTSUP);
		goto out;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != '\r' && *p != '\n') {
		/* RFC 4568 6.3: a session parameter we do not know or do not
		 * do makes the line unusable; skip it. */
		err = fail(why, "crypto: session parameters not supported", ENOTSUP);
		goto out;
	}
	if (c.suite == SL_SRTP_OFF) {
		err = fail(why, "crypto: unknown suite", ENOTSUP);
		goto out;
	}
	*out = c;
out:
	sl_wipe(&c, sizeof c);
	return err;
}

/* Writes c into buf: as an a=crypto value ("TAG SUITE inline:KEY"), or
 * as a key file's line ("SUITE KEY\n").  Returns 0 or ENOSPC. */
static int
format_key(const struct sl_sdes *c, int key_line, char *buf, size_t size)
{
	unsigned char b64[B64LEN + 1];
	int n;

	base64_encode_raw((char *)b64, SL_SDES_KEYLEN, c->key);
	b64[B64LEN] = '\0';
	if (key_line)
		n = snprintf(buf, size, "%s %s\n", sl_sdes_suite_name(c->suite),
			     (const char *)b64);
	else
		n = snprintf(buf, size, "%lu %s inline:%s", c->tag, sl_sdes_suite_name(c->suite),
			     (const char *)b64);
	sl_wipe(b64, sizeof b64);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			sl_wipe(buf, size);
		return ENOSPC;
	}
	return 0;
}

int
sl_sdes_format(const struct sl_sdes *c, char *buf, size_t size)
{
	return format_key(c, 0, buf, size);
}

int
sl_sdes_new(unsigned long tag, enum sl_srtp_suite suite, struct sl_sdes *out)
{
	out->tag = tag;
	out->suite = suite;
	/* 30 bytes: never a short read once the pool is ready, and
	 * getrandom waits for that. */
	if (getrandom(out->key, SL_SDES_KEYLEN, 0) != SL_SDES_KEYLEN)
		return EIO;
	return 0;
}

void
sl_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int
sl_same_secret(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int
sl_sdes_read_line(const char *line, struct sl_sdes *out, const char **why)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof buf, "1 %s", line);
	if (n < 0 || (size_t)n >= sizeof buf)
		return fail(why, "key line too long", EINVAL);
	/* The file names the key bare; the parser wants it "inline:". */
	{
		char *sp = strpbrk(buf + 2, " \t");
		char tmp[256];

		if (sp != NULL) {
			while (*sp == ' ' || *sp == '\t')
				sp++;
			if (strncmp(sp, "inline:", 7) != 0) {
				snprintf(tmp, sizeof tmp, "%s", sp);
				if ((size_t)(sp - buf) + 7 + strlen(tmp) >= sizeof buf) {
					sl_wipe(tmp, sizeof tmp);
					sl_wipe(buf, sizeof buf);
					return fail(why, "key line too long", EINVAL);
				}
				memcpy(sp, "inline:", 7);
				strcpy(sp + 7, tmp);
				sl_wipe(tmp, sizeof tmp);
			}
		}
	}
	n = sl_sdes_parse(buf, out, why);
	sl_wipe(buf, sizeof buf);
	return n;
}

/* Reads what fd holds, up to size - 1 bytes, into buf as a string: from
 * offset 0 when from_start (pread, or read on what cannot seek), else
 * from where it stands.  Returns 0 or the errno of the read. */
static int
read_text(int fd, int from_start, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		n = from_start ? pread(fd, buf + len, size - 1 - len, (off_t)len) :
				 read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && from_start && errno == ESPIPE) {
			from_start = 0;
			continue;
		}
		if (n < 0) {
			buf[len] = '\0';
			return errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return 0;
}

int
sl_sdes_read_fd(int fd, struct sl_sdes *out, const char **why)
{
	char buf[256];
	int err;

	if ((err = read_text(fd, 0, buf, sizeof buf)) != 0)
		err = fail(why, "unable to read the key", err);
	else
		err = sl_sdes_read_line(buf, out, why);
	sl_wipe(buf, sizeof buf);
	return err;
}

int
sl_sdes_read_file(const char *path, struct sl_sdes *out, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return fail(why, "unable to open the key file", errno);
	err = sl_sdes_read_fd(fd, out, why);
	close(fd);
	return err;
}

int
sl_sdes_format_line(const struct sl_sdes *c, char *buf, size_t size)
{
	return format_key(c, 1, buf, size);
}

int
sl_sdes_read_pair_fd(int fd, struct sl_sdes *local, struct sl_sdes *remote,
		     const char **why)
{
	char buf[512], *nl;
	int err;

	if ((err = read_text(fd, 1, buf, sizeof buf)) != 0) {
		sl_wipe(buf, sizeof buf);
		return fail(why, "unable to read the keys", err);
	}
	if ((nl = strchr(buf, '\n')) != NULL && nl[1] != '\0') {
		*nl = '\0';
		if ((err = sl_sdes_read_line(buf, local, why)) == 0)
			err = sl_sdes_read_line(nl + 1, remote, why);
	} else if ((err = sl_sdes_read_line(buf, local, why)) == 0) {
		*remote = *local;
	}
	sl_wipe(buf, sizeof buf);
	return err;
}
