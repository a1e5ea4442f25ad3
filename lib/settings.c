/* Settings from the environment and the common options. */
#include "settings.h"
#include "sdes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtmf.h"
#include "log.h"
#include "opt.h"
#include "resolve.h"
#include "tls.h"

/* The most a certificate, key or CA file may hold. */
#define PEM_MAX (1024 * 1024)

/* Copies an option or variable value, refusing what cannot be stored or
 * what would break a header (control characters). */
static void
set_text(char *dst, size_t size, const char *what, const char *v)
{
	const unsigned char *p;

	if (strlen(v) >= size)
		sl_usage_error("%s is too long (at most %zu characters)", what, size - 1);
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ' ' || *p == '<' || *p == '>' ||
		    *p == '"')
			sl_usage_error("%s contains a character not allowed there", what);
	memcpy(dst, v, strlen(v) + 1);
}

/* Copies a display name (SIP_DISPLAY_NAME): any printable text, UTF-8
 * included, but no control character, which a header cannot hold, and
 * no invalid UTF-8.  Quotes and backslashes are escaped when it is
 * written (sl_settings_name_addr). */
static void
set_display_name(char *dst, size_t size, const char *what, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	int follow = 0;

	if (strlen(v) >= size)
		sl_usage_error("%s is too long (at most %zu bytes)", what, size - 1);
	for (; *p; p++) {
		if (follow) {
			if ((*p & 0xc0) != 0x80)
				break;
			follow--;
		} else if (*p < 0x20 || *p == 0x7f) {
			break;
		} else if (*p >= 0x80) {
			if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
				follow = 1;
			else if ((*p & 0xf0) == 0xe0)
				follow = 2;
			else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
				follow = 3;
			else
				break;
		}
	}
	if (*p || follow)
		sl_usage_error("%s holds a control character or is not UTF-8", what);
	memcpy(dst, v, strlen(v) + 1);
}

/* Refuses a SIP_SERVER or SIP_DOMAIN value that is not HOST[:PORT] with
 * a host name or an address: no DNS lookup could make sense of it. */
static void
check_host(const char *what, const char *v)
{
	char host[256];
	int port;

	if (sl_addr_split(v, host, sizeof host, &port) != 0 || host[0] == '\0' ||
	    !sl_resolve_name_ok(host))
		sl_usage_error("%s: not a host name or address (with an optional :PORT): %s",
			       what, v);
}

void
sl_settings_init(struct sl_settings *s)
{
	const char *v;

	memset(s, 0, sizeof *s);
	s->proto = SL_PROTO_UDP;
	if ((v = getenv("SIP_USER")) && *v)
		set_text(s->user, sizeof s->user, "SIP_USER", v);
	if ((v = getenv("SIP_AUTH_USER")) && *v)
		set_text(s->auth_user, sizeof s->auth_user, "SIP_AUTH_USER", v);
	if ((v = getenv("SIP_DISPLAY_NAME")) && *v)
		set_display_name(s->display_name, sizeof s->display_name,
				 "SIP_DISPLAY_NAME", v);
	if ((v = getenv("SIP_DOMAIN")) && *v) {
		set_text(s->domain, sizeof s->domain, "SIP_DOMAIN", v);
		check_host("SIP_DOMAIN", v);
	}
	if ((v = getenv("SIP_SERVER")) && *v) {
		set_text(s->server, sizeof s->server, "SIP_SERVER", v);
		check_host("SIP_SERVER", v);
	}
	if ((v = getenv("SIP_TRANSPORT")) && *v) {
		if (sl_proto_parse(v, &s->proto))
			sl_usage_error("SIP_TRANSPORT: %s is not udp, tcp or tls", v);
		s->proto_set = 1;
	}
}

int
sl_settings_option(struct sl_settings *s, int opt, const char *arg,
		   const char *usage)
{
	switch (opt) {
	case 'u':
		set_text(s->user, sizeof s->user, "--user", arg);
		return 1;
	/* An empty value takes back what the environment set, as an empty
	 * variable is unset: -s '' calls straight to the URI's host. */
	case 'd':
		set_text(s->domain, sizeof s->domain, "--domain", arg);
		if (*arg)
			check_host("--domain", arg);
		return 1;
	case 's':
		set_text(s->server, sizeof s->server, "--server", arg);
		if (*arg)
			check_host("--server", arg);
		return 1;
	case 't':
		if (sl_proto_parse(arg, &s->proto))
			sl_usage_error("--transport: %s is not udp, tcp or tls", arg);
		s->proto_set = 1;
		return 1;
	case 'v':
		sl_verbose++;
		return 1;
	case 'h':
		fputs(usage, stdout);
		exit(0);
	case 'V':
		sl_print_version();
	}
	return 0;
}

/* Opens path to read a secret from, warning when other users may read
 * it.  Returns the descriptor, or -1 with errno set. */
static int
open_secret(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Only a file's mode says who else can read it: a pipe or a
	 * terminal (SIP_PASSWORD_FILE=<(pass sip)) is read once, as is. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		sl_warn("%s can be read by other users; run: chmod 600 %s", path, path);
	return fd;
}

/* Reads the first line of path into a new string.  Returns it, or NULL with
 * errno set. */
static char *
read_secret(const char *path)
{
	char buf[1024];
	ssize_t n;
	char *nl, *secret;
	int fd;

	fd = open_secret(path);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	nl = strpbrk(buf, "\r\n");
	if (nl)
		*nl = '\0';
	secret = strdup(buf);
	explicit_bzero(buf, sizeof buf);
	return secret;
}

void
sl_settings_load_password(struct sl_settings *s)
{
	const char *v = getenv("SIP_PASSWORD");
	const char *file = getenv("SIP_PASSWORD_FILE");

	if (v && *v) {
		s->password = strdup(v);
		snprintf(s->password_origin, sizeof s->password_origin, "SIP_PASSWORD");
	} else if (file && *file) {
		s->password = read_secret(file);
		if (s->password == NULL)
			sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to read SIP_PASSWORD_FILE %s", file);
		snprintf(s->password_origin, sizeof s->password_origin, "%s", file);
	}
	/* Wipe the value in place too: /proc/PID/environ shows the
	 * original block, not what unsetenv leaves. */
	if (v)
		explicit_bzero((char *)v, strlen(v));
	unsetenv("SIP_PASSWORD");
	unsetenv("SIP_PASSWORD_FILE");
	/* A process that holds a password writes no core file and cannot
	 * be attached to by the user's other processes, as ssh-agent does.
	 * The programs it runs are dumpable again (execve resets it). */
	if (s->password)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Reads all of the file that variable var names (at most PEM_MAX bytes)
 * into a new buffer, *len bytes; a secret one through open_secret.  Exits
 * 111 when it cannot be read. */
static char *
read_pem(const char *var, const char *path, int secret, size_t *len)
{
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd, err;

	fd = secret ? open_secret(path) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sl_fatal_err(SL_EXIT_SYSTEM, errno, "unable to read %s %s", var, path);
	if ((buf = malloc(PEM_MAX + 1)) == NULL)
		sl_fatal_err(SL_EXIT_SYSTEM, ENOMEM, "unable to read %s %s", var, path);
	while (got < PEM_MAX && (n = read(fd, buf + got, PEM_MAX - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			free(buf);
			sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to read %s %s", var, path);
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Frees a buffer read_pem made, wiping it first (it may hold a key). */
static void
free_pem(char *buf, size_t len)
{
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
}

void
sl_settings_load_tls(struct sl_settings *s)
{
	const char *ca = getenv("SIP_CA_FILE"), *cert = getenv("SIP_CERT_FILE");
	const char *key = getenv("SIP_KEY_FILE");
	char *cabuf = NULL, *certbuf = NULL, *keybuf = NULL;
	size_t calen = 0, certlen = 0, keylen = 0;
	int err;

	if (s->proto != SL_PROTO_TLS || s->tls)
		return;
	if (key && *key && !(cert && *cert))
		sl_usage_error("SIP_KEY_FILE is set but SIP_CERT_FILE is not");
	if ((err = sl_tls_new(&s->tls)) != 0)
		sl_fatal_err(SL_EXIT_SYSTEM, err, "unable to set up TLS");
	if (ca && *ca) {
		cabuf = read_pem("SIP_CA_FILE", ca, 0, &calen);
		err = sl_tls_set_ca(s->tls, cabuf, calen);
		free_pem(cabuf, calen);
		if (err)
			sl_fatal(err == ENOMEM ? SL_EXIT_SYSTEM : SL_EXIT_USAGE,
				     "unable to use SIP_CA_FILE %s: %s", ca, sl_strerror(err));
	}
	if (cert && *cert) {
		/* Without SIP_KEY_FILE the key is in the certificate's file,
		 * which is then as secret as a key. */
		int own_key = key && *key;

		certbuf = read_pem("SIP_CERT_FILE", cert, !own_key, &certlen);
		if (own_key)
			keybuf = read_pem("SIP_KEY_FILE", key, 1, &keylen);
		err = sl_tls_set_cert(s->tls, certbuf, certlen, own_key ? keybuf : certbuf,
				      own_key ? keylen : certlen);
		free_pem(certbuf, certlen);
		free_pem(keybuf, keylen);
		if (err)
			sl_fatal(err == ENOMEM ? SL_EXIT_SYSTEM : SL_EXIT_USAGE,
				     "unable to use SIP_CERT_FILE %s%s%s: %s", cert,
				     own_key ? " with SIP_KEY_FILE " : "", own_key ? key : "",
				     sl_strerror(err));
	}
}

void
sl_settings_secure_target(struct sl_settings *s, const char *uri)
{
	if (strncasecmp(uri, "sips:", 5) != 0)
		return;
	if (s->proto_set && s->proto != SL_PROTO_TLS)
		sl_usage_error("%s is a sips: URI, which needs TLS, not %s", uri,
			       sl_proto_param(s->proto));
	s->proto = SL_PROTO_TLS;
	s->proto_set = 1;
}

const char *
sl_settings_domain(const struct sl_settings *s)
{
	static char host[256];
	int port;

	if (s->domain[0])
		return s->domain;
	if (s->server[0] && sl_addr_split(s->server, host, sizeof host, &port) == 0)
		return host;
	return "";
}

const char *
sl_settings_auth_user(const struct sl_settings *s)
{
	return s->auth_user[0] ? s->auth_user : s->user;
}

/* The host part of a URI for a domain: an IPv6 literal (two colons or
 * more) goes in brackets; "host" and "host:port" stay as they are. */
static const char *
uri_host(const char *d, char *buf, size_t size)
{
	const char *first = strchr(d, ':');

	if (d[0] != '[' && first && strchr(first + 1, ':')) {
		snprintf(buf, size, "[%s]", d);
		return buf;
	}
	return d;
}

/* "sip:user@domain", or "sip:domain" for an empty user. */
static int
domain_uri(const struct sl_settings *s, const char *user, char *buf, size_t size)
{
	char host[300];
	const char *d = sl_settings_domain(s);
	int n;

	if (*d == '\0')
		return EINVAL;
	d = uri_host(d, host, sizeof host);
	n = user[0] ? snprintf(buf, size, "sip:%s@%s", user, d)
		    : snprintf(buf, size, "sip:%s", d);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

int
sl_settings_aor(const struct sl_settings *s, char *buf, size_t size)
{
	return domain_uri(s, s->user, buf, size);
}

int
sl_settings_domain_uri(const struct sl_settings *s, char *buf, size_t size)
{
	return domain_uri(s, "", buf, size);
}

int
sl_settings_name_addr(const struct sl_settings *s, const char *uri, char *buf,
		      size_t size)
{
	char aor[512], name[2 * sizeof s->display_name];
	size_t i, j = 0;
	int n, err;

	if (uri == NULL) {
		if ((err = sl_settings_aor(s, aor, sizeof aor)) != 0)
			return err;
		uri = aor;
	}
	if (s->display_name[0] == '\0') {
		n = snprintf(buf, size, "<%s>", uri);
		return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
	}
	/* A quoted-string (RFC 3261 §25.1): " and \ as quoted-pairs. */
	for (i = 0; s->display_name[i]; i++) {
		if (s->display_name[i] == '"' || s->display_name[i] == '\\')
			name[j++] = '\\';
		name[j++] = s->display_name[i];
	}
	name[j] = '\0';
	n = snprintf(buf, size, "\"%s\" <%s>", name, uri);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

int
sl_settings_target(const struct sl_settings *s, const char *arg,
		   int bare_is_user, char *buf, size_t size)
{
	const unsigned char *p;
	int n;

	if (*arg == '\0')
		return EINVAL;
	for (p = (const unsigned char *)arg; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"')
			return EINVAL;
	if (strncasecmp(arg, "sip:", 4) == 0 || strncasecmp(arg, "sips:", 5) == 0)
		n = snprintf(buf, size, "%s", arg);
	else if (strchr(arg, '@') || !bare_is_user)
		n = snprintf(buf, size, "sip:%s", arg);
	else {
		char host[300];
		const char *d = sl_settings_domain(s);

		if (*d == '\0')
			return EINVAL;
		n = snprintf(buf, size, "sip:%s@%s", arg, uri_host(d, host, sizeof host));
	}
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

void
sl_settings_free(struct sl_settings *s)
{
	sl_tls_free(s->tls);
	s->tls = NULL;
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
		s->password = NULL;
	}
}

int
sl_settings_codecs(const char *arg, const struct sl_codec **out, int max)
{
	const char *list = arg, *bad;
	int n;

	if (list == NULL && (list = getenv("SIP_CODECS")) != NULL && *list == '\0')
		list = NULL;
	if (list == NULL)
		return sl_codec_defaults(out, max);
	if ((n = sl_codec_list(list, out, max, &bad)) < 0) {
		if (*bad == '\0')
			sl_usage_error("%s: no codec given", arg ? "--codec" : "SIP_CODECS");
		if (sl_codec_by_name(bad))
			sl_usage_error("%s: %s named twice", arg ? "--codec" : "SIP_CODECS", bad);
		sl_usage_error("%s: %s is not %s", arg ? "--codec" : "SIP_CODECS", bad,
			       sl_codec_names());
	}
	return n;
}

int
sl_settings_srtp(const char *arg)
{
	const char *v = arg;
	int mode;

	if (v == NULL && (v = getenv("SIP_SRTP")) != NULL && *v == '\0')
		v = NULL;
	if (v == NULL)
		return SL_SRTP_MODE_OFF;
	if ((mode = sl_srtp_mode_parse(v)) < 0)
		sl_usage_error("%s: off, optional or mandatory, not %s",
			       arg ? "--srtp" : "SIP_SRTP", v);
	return mode;
}

int
sl_settings_dtmf(const char *arg)
{
	const char *v = arg;
	int mode;

	if (v == NULL && (v = getenv("SIP_DTMF")) != NULL && *v == '\0')
		v = NULL;
	if (v == NULL)
		return SL_DTMF_MODE_AUTO;
	if ((mode = sl_dtmf_mode_parse(v)) < 0)
		sl_usage_error("%s: auto, rfc4733 or info, not %s", arg ? "--dtmf" : "SIP_DTMF", v);
	return mode;
}

void
sl_settings_srtp_suites(struct sl_srtp_suites *out)
{
	const char *v = getenv("SIP_SRTP_SUITES"), *bad;

	out->n = 0;
	if (v == NULL || *v == '\0')
		return;
	if (sl_srtp_suites_parse(v, out, &bad) != 0)
		sl_usage_error("SIP_SRTP_SUITES: %.*s is not AES_CM_128_HMAC_SHA1_80 or "
			       "AES_CM_128_HMAC_SHA1_32, or is named twice",
			       (int)strcspn(bad, ","), bad);
}
