/* Settings every SIP tool shares: SIP_USER, SIP_DOMAIN, SIP_SERVER,
 * SIP_TRANSPORT, SIP_PASSWORD / SIP_PASSWORD_FILE, SIP_AUTH_USER,
 * SIP_DISPLAY_NAME, SIP_CA_FILE / SIP_CERT_FILE / SIP_KEY_FILE (TLS),
 * overridden by options. */
#ifndef SIPLINE_SETTINGS_H
#define SIPLINE_SETTINGS_H

#include <getopt.h>

#include "codec.h"
#include "sdes.h"
#include "transport.h"

struct sl_settings {
	char user[128];
	char auth_user[128];    /* digest user name; "" = user */
	char display_name[129]; /* for From; "" = none */
	char domain[256];       /* "" = the server's host; may hold :port */
	char server[256];       /* host[:port] of registrar / outbound proxy */
	enum sl_proto proto;
	int proto_set;          /* SIP_TRANSPORT or -t: no NAPTR, one SRV */
	struct sl_tls *tls;     /* TLS: trust and certificate (load_tls) */
	char *password;         /* NULL when none; wiped when freed */
	char password_origin[300];  /* "SIP_PASSWORD" or the file's name */
};

/* The common options, to splice into a tool's tables. */
#define SL_SETTINGS_SHORTOPTS "u:d:s:t:vhV"
#define SL_SETTINGS_LONGOPTS \
	{ "user", required_argument, 0, 'u' }, \
	{ "domain", required_argument, 0, 'd' }, \
	{ "server", required_argument, 0, 's' }, \
	{ "transport", required_argument, 0, 't' }, \
	{ "verbose", no_argument, 0, 'v' }, \
	{ "help", no_argument, 0, 'h' }, \
	{ "version", no_argument, 0, 'V' }

/* The usage lines for the common options, for --help. */
#define SL_SETTINGS_HELP \
	"  -u, --user USER          user name (SIP_USER)\n" \
	"  -d, --domain DOMAIN      domain of the address of record (SIP_DOMAIN)\n" \
	"  -s, --server HOST[:PORT] registrar / outbound proxy (SIP_SERVER)\n" \
	"  -t, --transport udp|tcp|tls  transport (SIP_TRANSPORT, default udp;\n" \
	"                           a sips: URI means tls)\n" \
	"  -v, --verbose            print every SIP message sent and received\n" \
	"  -h, --help               print this help and exit\n" \
	"  -V, --version            print the version and exit\n"

/* Fills s from the environment (the password is read later). */
void sl_settings_init(struct sl_settings *s);

/* Applies a common option; returns 1 when opt was one (handles -h with
 * the tool's usage text, -V), 0 otherwise.  Exits 100 on a bad value. */
int sl_settings_option(struct sl_settings *s, int opt, const char *arg,
		       const char *usage);

/* Reads the password (SIP_PASSWORD, or the first line of
 * SIP_PASSWORD_FILE, warning when other users may read that file), then
 * removes both variables from the environment so that no child inherits
 * them.  Exits 111 when the file cannot be read. */
void sl_settings_load_password(struct sl_settings *s);

/* For TLS: makes the context from SIP_CA_FILE (else the system's CA
 * store), SIP_CERT_FILE and SIP_KEY_FILE (the key file, or the certificate
 * file when it holds the key too, gets the password file's warning when
 * other users may read it).  Does nothing for UDP and TCP.  Exits 111 when
 * a file cannot be read, 100 when it holds nothing usable. */
void sl_settings_load_tls(struct sl_settings *s);

/* A sips: target (RFC 3261 §26.2): TLS all the way, so the transport
 * becomes TLS; exits 100 when udp or tcp was asked for. */
void sl_settings_secure_target(struct sl_settings *s, const char *uri);

/* The domain of the address of record: domain, else the server's host.
 * It may carry a port ("pbx.example:5080"). */
const char *sl_settings_domain(const struct sl_settings *s);

/* The user name for digest authentication: SIP_AUTH_USER, else the user. */
const char *sl_settings_auth_user(const struct sl_settings *s);

/* Writes "sip:user@domain" (or "sip:domain" without a user) into buf; an
 * IPv6 domain goes in brackets, a domain with a port keeps it.  Returns 0
 * or ENAMETOOLONG / EINVAL (no domain and no server). */
int sl_settings_aor(const struct sl_settings *s, char *buf, size_t size);

/* Writes "sip:domain" (the registrar's Request-URI) into buf.  Returns 0
 * or ENAMETOOLONG / EINVAL (no domain and no server). */
int sl_settings_domain_uri(const struct sl_settings *s, char *buf, size_t size);

/* Writes the From/To name-addr of the address of record into buf:
 * "\"Display Name\" <sip:user@domain>", or "<sip:user@domain>" without a
 * display name; uri replaces the address of record when not NULL.
 * Returns 0 or ENAMETOOLONG. */
int sl_settings_name_addr(const struct sl_settings *s, const char *uri,
			  char *buf, size_t size);

/* Completes what a user typed as a target into a SIP URI: "sip:..." and
 * "sips:..." as they are; "user@host" gains "sip:"; anything else is a
 * user or number at our domain when bare_is_user, else a host.  Returns 0,
 * EINVAL (empty, control characters, no domain for a bare user) or
 * ENAMETOOLONG. */
int sl_settings_target(const struct sl_settings *s, const char *arg,
		       int bare_is_user, char *buf, size_t size);

void sl_settings_free(struct sl_settings *s);

/* The codecs a call offers or takes, in order: the list of option -c
 * (arg, NULL when not given), else SIP_CODECS, else the table's default
 * (PCMU, PCMA).  Returns how many went into out.  Exits 100 naming an
 * unknown or repeated codec. */
int sl_settings_codecs(const char *arg, const struct sl_codec **out, int max);

/* What calls do about SRTP (enum sl_srtp_mode of sdes.h): option --srtp's
 * arg (NULL when not given), else SIP_SRTP, else off.  Exits 100 on
 * another word. */
int sl_settings_srtp(const char *arg);
/* How calls send DTMF keys (enum sl_dtmf_mode of dtmf.h): option
 * --dtmf's arg (NULL when not given), else SIP_DTMF, else auto.  Exits
 * 100 on another word. */
int sl_settings_dtmf(const char *arg);
/* SIP_SRTP_SUITES into out (n 0: unset, the default).  Exits 100 naming
 * a suite it does not know or that is named twice. */
void sl_settings_srtp_suites(struct sl_srtp_suites *out);

#endif
