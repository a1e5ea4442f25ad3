/* The hand-off environment, written and read here only: the RTP_* and
 * SIP_* variables of a media command (sipline(7), MEDIA HAND-OFF) and
 * SIP_SOCKET_FD / SIP_CONTACT of chain-loading (CHAIN-LOADING). */
#include "handoff.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>


#include "codec.h"
#include "log.h"
#include "opt.h"

static const char *const dir_names[] = {
	[SL_DIR_SENDRECV] = "sendrecv",
	[SL_DIR_SENDONLY] = "sendonly",
	[SL_DIR_RECVONLY] = "recvonly",
	[SL_DIR_INACTIVE] = "inactive",
};

void
sl_media_params_init(struct sl_media_params *p)
{
	memset(p, 0, sizeof *p);
	p->rtp_fd = -1;
	p->rtcp_fd = -1;
	p->payload_type = sl_codecs[0].pt;
	p->codec = &sl_codecs[0];
	p->clock_rate = sl_codecs[0].clock_rate;
	p->ptime = 20;
	p->dtmf_pt = -1;
	p->local_pt = -1;
	p->dtmf_fd = -1;
	p->sip_dtmf_fd = -1;
	p->rtp_timeout = 0;
	p->direction = SL_DIR_SENDRECV;
	p->srtp_key_fd = -1;
}

const char *
sl_media_dir_name(int dir)
{
	if (dir < 0 || dir > SL_DIR_INACTIVE)
		return dir_names[SL_DIR_SENDRECV];
	return dir_names[dir];
}

int
sl_media_dir_parse(const char *name)
{
	int i;

	for (i = 0; i <= SL_DIR_INACTIVE; i++)
		if (strcmp(name, dir_names[i]) == 0)
			return i;
	return -1;
}

/* The value of variable name, NULL when it is unset or empty (an empty
 * value breaks the contract, but means "unknown" at worst). */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Parses integer variable name into *out when it is set.  Returns 0 or
 * EINVAL. */
static int
env_int(const char *name, long min, long max, int *out)
{
	const char *v = env(name);
	long n;

	if (v == NULL)
		return 0;
	if (sl_parse_int(v, min, max, &n))
		return EINVAL;
	*out = (int)n;
	return 0;
}

/* Resolves the literal host and port variables into *a when the host is
 * set.  Returns 0 or EINVAL, naming the culprit in *bad. */
static int
env_addr(const char *hostvar, const char *portvar, struct sl_addr *a,
	 const char **bad)
{
	const char *host = env(hostvar);
	int port = 0;
	struct sl_addr tmp;

	if (env_int(portvar, 0, 65535, &port)) {
		*bad = portvar;
		return EINVAL;
	}
	if (host == NULL)
		return 0;
	if (sl_addr_resolve(host, port, AF_UNSPEC, 0, &tmp) != 0) {
		*bad = hostvar;
		return EINVAL;
	}
	*a = tmp;
	return 0;
}

/* 1 when pt may be codec's number in an SDP: the table's for a codec
 * with a static one; any of 96-127 for a dynamic one (the rtpmap's). */
static int
pt_fits(const struct sl_codec *codec, int pt)
{
	return codec->pt < 96 ? pt == codec->pt : pt >= 96;
}

int
sl_handoff_from_env(struct sl_media_params *p, const char **bad)
{
	struct sl_media_params n = *p;
	const char *v, *dummy;
	const struct sl_codec *codec = NULL;
	int pt = -1, local_pt = -1;
	double t;

	if (bad == NULL)
		bad = &dummy;
	*bad = NULL;
#define INT_VAR(var, min, max, field) \
	if (env_int(var, min, max, &n.field)) { *bad = var; return EINVAL; }
	INT_VAR(SL_ENV_RTP_FD, 0, INT_MAX, rtp_fd);
	INT_VAR(SL_ENV_RTCP_FD, 0, INT_MAX, rtcp_fd);
	INT_VAR(SL_ENV_RTP_CLOCK_RATE, 1, 384000, clock_rate);
	INT_VAR(SL_ENV_RTP_PTIME, 1, 1000, ptime);
	INT_VAR(SL_ENV_RTP_DTMF_PT, 0, 127, dtmf_pt);
	INT_VAR(SL_ENV_RTP_DTMF_FD, 0, INT_MAX, dtmf_fd);
	INT_VAR(SL_ENV_SIP_DTMF_FD, 0, INT_MAX, sip_dtmf_fd);
	INT_VAR(SL_ENV_RTP_SAMPLE_RATE, 1, 192000, sample_rate);
#undef INT_VAR
	if (env_int(SL_ENV_RTP_PAYLOAD_TYPE, 0, 127, &pt)) {
		*bad = SL_ENV_RTP_PAYLOAD_TYPE;
		return EINVAL;
	}
	if (env_int(SL_ENV_RTP_LOCAL_PAYLOAD_TYPE, 0, 127, &local_pt)) {
		*bad = SL_ENV_RTP_LOCAL_PAYLOAD_TYPE;
		return EINVAL;
	}
	if ((v = env(SL_ENV_RTP_CODEC)) != NULL) {
		codec = sl_codec_by_name(v);
		if (codec == NULL || (pt >= 0 && !pt_fits(codec, pt))) {
			*bad = SL_ENV_RTP_CODEC;
			return EINVAL;
		}
	} else if (pt >= 0 && (codec = sl_codec_by_pt(pt)) == NULL) {
		*bad = SL_ENV_RTP_PAYLOAD_TYPE;
		return EINVAL;
	}
	if (codec) {
		n.codec = codec;
		n.payload_type = pt >= 0 ? pt : codec->pt;
	}
	if (local_pt >= 0) {
		if (n.codec == NULL || !pt_fits(n.codec, local_pt)) {
			*bad = SL_ENV_RTP_LOCAL_PAYLOAD_TYPE;
			return EINVAL;
		}
		n.local_pt = local_pt;
	}
	if ((v = env(SL_ENV_RTP_FMTP)) != NULL)
		snprintf(n.fmtp, sizeof n.fmtp, "%s", v);
	if ((v = env(SL_ENV_RTP_TIMEOUT)) != NULL) {
		if (sl_parse_num(v, 0, 1e7, &t)) {
			*bad = SL_ENV_RTP_TIMEOUT;
			return EINVAL;
		}
		n.rtp_timeout = t;
	}
	if ((v = env(SL_ENV_RTP_DIRECTION)) != NULL) {
		if ((n.direction = sl_media_dir_parse(v)) < 0) {
			*bad = SL_ENV_RTP_DIRECTION;
			return EINVAL;
		}
	}
	if (env_addr(SL_ENV_RTP_LOCAL_HOST, SL_ENV_RTP_LOCAL_PORT, &n.local, bad) ||
	    env_addr(SL_ENV_RTP_REMOTE_HOST, SL_ENV_RTP_REMOTE_PORT, &n.remote, bad))
		return EINVAL;
	*p = n;
	return 0;
}

/* setenv(name, value) or unsetenv(name) when value is NULL.  Returns 0 or
 * an errno value. */
static int
put(const char *name, const char *value)
{
	if (value == NULL)
		return unsetenv(name) < 0 ? errno : 0;
	return setenv(name, value, 1) < 0 ? errno : 0;
}

/* put() of a number, or unset when it is negative. */
static int
put_int(const char *name, long v)
{
	char buf[24];

	if (v < 0)
		return put(name, NULL);
	snprintf(buf, sizeof buf, "%ld", v);
	return put(name, buf);
}

/* The host and port variables of a, unset when a is unknown. */
static int
put_addr(const char *hostvar, const char *portvar, const struct sl_addr *a)
{
	char host[SL_ADDR_STRLEN];
	int rc;

	if (a->len == 0) {
		rc = put(hostvar, NULL);
		return rc ? rc : put(portvar, NULL);
	}
	rc = put(hostvar, sl_addr_host(a, host));
	return rc ? rc : put_int(portvar, sl_addr_port(a));
}

int
sl_handoff_to_env(const struct sl_media_params *p)
{
	char buf[32];
	const struct sl_codec *c = p->codec ? p->codec : sl_codec_by_pt(p->payload_type);
	const char *codec = c ? c->name : NULL;
	int rc = 0;

	if (p->rtp_timeout > 0)
		snprintf(buf, sizeof buf, "%g", p->rtp_timeout);
	if ((rc = put_int(SL_ENV_RTP_FD, p->rtp_fd)) ||
	    (rc = put_int(SL_ENV_RTCP_FD, p->rtcp_fd)) ||
	    (rc = put_addr(SL_ENV_RTP_LOCAL_HOST, SL_ENV_RTP_LOCAL_PORT, &p->local)) ||
	    (rc = put_addr(SL_ENV_RTP_REMOTE_HOST, SL_ENV_RTP_REMOTE_PORT, &p->remote)) ||
	    (rc = put_int(SL_ENV_RTP_PAYLOAD_TYPE, p->payload_type)) ||
	    (rc = put_int(SL_ENV_RTP_LOCAL_PAYLOAD_TYPE,
			  p->local_pt >= 0 ? p->local_pt : p->payload_type)) ||
	    (rc = put(SL_ENV_RTP_CODEC, codec)) ||
	    (rc = put_int(SL_ENV_RTP_CLOCK_RATE, c ? c->clock_rate : -1)) ||
	    (rc = put_int(SL_ENV_RTP_SAMPLE_RATE, p->sample_rate > 0 ? p->sample_rate :
			  c ? c->pipe_rate : -1)) ||
	    (rc = put(SL_ENV_RTP_FMTP, p->fmtp[0] ? p->fmtp : NULL)) ||
	    (rc = put_int(SL_ENV_RTP_PTIME, p->ptime > 0 ? p->ptime : -1)) ||
	    (rc = put_int(SL_ENV_RTP_DTMF_PT, p->dtmf_pt)) ||
	    (rc = put_int(SL_ENV_RTP_DTMF_FD, p->dtmf_fd)) ||
	    (rc = put_int(SL_ENV_SIP_DTMF_FD, p->sip_dtmf_fd)) ||
	    (rc = put(SL_ENV_RTP_DIRECTION, sl_media_dir_name(p->direction))) ||
	    (rc = put(SL_ENV_RTP_TIMEOUT, p->rtp_timeout > 0 ? buf : NULL)) ||
	    (rc = put_int(SL_ENV_RTP_SRTP_KEY_FD, p->srtp_key_fd)))
		return rc;
	return 0;
}

/* Exits 100 naming the variable behind a bad value. */
static void
bad_var(const char *name)
{
	const char *v = getenv(name);

	sl_fatal(SL_EXIT_USAGE, "bad %s: %s", name, v ? v : "(unset)");
}

void
sl_handoff_media(struct sl_media_params *p, const struct sl_codec *codec,
		 int ptime, int dtmf_pt, int rate)
{
	const char *bad;
	const struct sl_codec *c;

	if (sl_handoff_from_env(p, &bad) != 0)
		bad_var(bad);
	if (codec && codec != p->codec) {
		p->codec = codec;
		p->payload_type = codec->pt;
		p->local_pt = -1;
		p->fmtp[0] = '\0';
	}
	if (ptime > 0)
		p->ptime = ptime;
	if (dtmf_pt >= 0)
		p->dtmf_pt = dtmf_pt;
	if (rate > 0)
		p->sample_rate = rate;
	if ((c = p->codec) == NULL)
		bad_var(getenv(SL_ENV_RTP_PAYLOAD_TYPE) ? SL_ENV_RTP_PAYLOAD_TYPE : SL_ENV_RTP_CODEC);
	if (getenv(SL_ENV_RTP_CLOCK_RATE) && p->clock_rate != c->clock_rate)
		bad_var(SL_ENV_RTP_CLOCK_RATE);
	p->clock_rate = c->clock_rate;
	if (!sl_codec_ptime_ok(c, p->ptime))
		bad_var(SL_ENV_RTP_PTIME);
	if (p->sample_rate == 0)
		p->sample_rate = c->pipe_rate;
	if (!sl_codec_rate_ok(p->sample_rate))
		bad_var(SL_ENV_RTP_SAMPLE_RATE);
}

int
sl_handoff_srtp_take(struct sl_sdes *tx, struct sl_sdes *rx, const char **why)
{
	const char *v = env(SL_ENV_RTP_SRTP_KEY_FD);
	long n;
	int err;

	memset(tx, 0, sizeof *tx);
	memset(rx, 0, sizeof *rx);
	if (v == NULL)
		return 0;
	if (sl_parse_int(v, 0, 1023, &n) != 0 || n == 3 || n <= 2) {
		*why = "RTP_SRTP_KEY_FD is no descriptor";
		put(SL_ENV_RTP_SRTP_KEY_FD, NULL);
		return EINVAL;
	}
	put(SL_ENV_RTP_SRTP_KEY_FD, NULL);
	err = sl_sdes_read_pair_fd((int)n, tx, rx, why);
	close((int)n);
	return err;
}

int
sl_handoff_media_keys(struct sl_sdes *tx, struct sl_sdes *rx)
{
	const char *why = NULL;
	int err = sl_handoff_srtp_take(tx, rx, &why);

	if (err != 0)
		sl_fatal_err(SL_EXIT_USAGE, err == EINVAL || err == ENOTSUP ? 0 : err,
			     "%s: %s", SL_ENV_RTP_SRTP_KEY_FD, why ? why : "unreadable");
	return tx->suite != SL_SRTP_OFF;
}

int
sl_handoff_srtp_keys(const struct sl_media_params *p, int *fd)
{
	char text[2 * 80];
	size_t len;
	int err = 0;

	*fd = -1;
	if (sl_sdes_format_line(&p->srtp_tx, text, sizeof text) != 0 ||
	    sl_sdes_format_line(&p->srtp_rx, text + strlen(text),
				sizeof text - strlen(text)) != 0) {
		sl_wipe(text, sizeof text);
		return ENOSPC;
	}
	len = strlen(text);
	/* A memory file, not a pipe: rtp-send and rtp-recv of one command
	 * both read it, and nothing is left to block on.  Sealed, so nothing
	 * the command starts can change it. */
	if ((*fd = memfd_create("sipline-srtp-keys", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		err = errno;
	else if (write(*fd, text, len) != (ssize_t)len)
		err = errno ? errno : EIO;
	else if (fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		       F_SEAL_SEAL) < 0)
		err = errno;
	else if (lseek(*fd, 0, SEEK_SET) < 0)     /* for a reader with read(2) */
		err = errno;
	sl_wipe(text, sizeof text);
	if (err != 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int
sl_handoff_call_to_env(const struct sl_handoff_call *c)
{
	int rc;

	if ((rc = put(SL_ENV_SIP_CALL_ID, c->call_id)) ||
	    (rc = put(SL_ENV_SIP_LOCAL_URI, c->local_uri)) ||
	    (rc = put(SL_ENV_SIP_REMOTE_URI, c->remote_uri)) ||
	    (rc = put(SL_ENV_SIP_REMOTE_NAME,
		      c->remote_name && *c->remote_name ? c->remote_name : NULL)) ||
	    (rc = put(SL_ENV_SIP_DIRECTION, c->outgoing ? "outgoing" : "incoming")) ||
	    (rc = put(SL_ENV_SIP_MEDIA_PHASE, c->phase)))
		return rc;
	return 0;
}

int
sl_handoff_message_to_env(const char *type)
{
	return put(SL_ENV_SIP_CONTENT_TYPE, type);
}

int
sl_handoff_control_to_env(int fd)
{
	return put_int(SL_ENV_SIP_CONTROL_FD, fd);
}

int
sl_handoff_socket_to_env(int fd, const char *contact, const char *transport)
{
	int rc;

	if ((rc = put_int(SL_ENV_SIP_SOCKET_FD, fd)) ||
	    (rc = put(SL_ENV_SIP_CONTACT, fd >= 0 ? contact : NULL)))
		return rc;
	return transport ? put(SL_ENV_SIP_TRANSPORT, transport) : 0;
}

int
sl_handoff_socket_from_env(int *fd)
{
	const char *v = env(SL_ENV_SIP_SOCKET_FD);
	long n;

	*fd = -1;
	if (v == NULL)
		return 0;
	if (sl_parse_int(v, 0, 1023, &n) != 0 || n == 3)
		return EINVAL;
	*fd = (int)n;
	return 0;
}

void
sl_handoff_socket_forget(void)
{
	put(SL_ENV_SIP_SOCKET_FD, NULL);
}

int
sl_handoff_regchan_to_env(int fd)
{
	return put_int(SL_ENV_SIP_REGISTER_FD, fd);
}

int
sl_handoff_regchan_take(int *fd)
{
	const char *v = env(SL_ENV_SIP_REGISTER_FD);
	long n;

	*fd = -1;
	if (v == NULL)
		return 0;
	if (sl_parse_int(v, 0, 1023, &n) != 0 || n == 3 || n <= 2) {
		put(SL_ENV_SIP_REGISTER_FD, NULL);
		return EINVAL;
	}
	put(SL_ENV_SIP_REGISTER_FD, NULL);
	*fd = (int)n;
	return 0;
}
