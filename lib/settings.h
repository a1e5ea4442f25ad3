/* Settings every SIP tool shares: SIP_USER, SIP_DOMAIN, SIP_SERVER,
 * SIP_TRANSPORT, SIP_PASSWORD / SIP_PASSWORD_FILE, overridden by options. */
#ifndef SIPLINE_SETTINGS_H
#define SIPLINE_SETTINGS_H

#include <getopt.h>

#include "transport.h"

struct sl_settings {
	char user[128];
	char domain[256];       /* "" = the server's host */
	char server[256];       /* host[:port] of registrar / outbound proxy */
	enum sl_proto proto;
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
	"  -t, --transport udp|tcp  transport (SIP_TRANSPORT, default udp)\n" \
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

/* The domain of the address of record: domain, else the server's host. */
const char *sl_settings_domain(const struct sl_settings *s);

/* Writes "sip:user@domain" (or "sip:domain" without a user) into buf.
 * Returns 0 or ENAMETOOLONG / EINVAL (no domain and no server). */
int sl_settings_aor(const struct sl_settings *s, char *buf, size_t size);

/* Completes what a user typed as a target into a SIP URI: "sip:..." and
 * "sips:..." as they are; "user@host" gains "sip:"; anything else is a
 * user or number at our domain when bare_is_user, else a host.  Returns 0,
 * EINVAL (empty, control characters, no domain for a bare user) or
 * ENAMETOOLONG. */
int sl_settings_target(const struct sl_settings *s, const char *arg,
		       int bare_is_user, char *buf, size_t size);

void sl_settings_free(struct sl_settings *s);

#endif
