/* SDP offer/answer for one audio stream.  Building is plain text; parsing
 * goes through libosip2's SDP parser, then checks every value that the
 * media side will use, since it all comes from the network. */
#include "sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

#include "opt.h"

const struct sl_codec *
sl_sdp_codec(const struct sl_sdp_stream *s, int pt)
{
	int i;

	for (i = 0; i < s->npts; i++)
		if (s->pts[i] == pt)
			return s->codecs[i];
	return NULL;
}

const char *
sl_sdp_fmtp(const struct sl_sdp_stream *s, int pt)
{
	int i;

	for (i = 0; i < s->npts; i++)
		if (s->pts[i] == pt)
			return s->fmtp[i];
	return "";
}

const char *
sl_sdp_codec_name(const struct sl_sdp_stream *s, int pt)
{
	const struct sl_codec *c = sl_sdp_codec(s, pt);

	return c ? c->name : NULL;
}

int
sl_sdp_add(struct sl_sdp_stream *s, const struct sl_codec *c, int pt, const char *fmtp)
{
	if (s->npts >= SL_SDP_CODECS)
		return ENOSPC;
	s->pts[s->npts] = pt;
	s->codecs[s->npts] = c;
	snprintf(s->fmtp[s->npts], sizeof s->fmtp[0], "%s", fmtp ? fmtp : "");
	s->npts++;
	return 0;
}

void
sl_sdp_only(struct sl_sdp_stream *ours, const struct sl_sdp_stream *theirs, int pt)
{
	const struct sl_codec *c = sl_sdp_codec(theirs, pt);

	ours->npts = 0;
	if (c)
		sl_sdp_add(ours, c, pt, c->fmtp);
}

const char *
sl_sdp_codec_list(const struct sl_sdp_stream *s)
{
	static char buf[128];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->npts && n < sizeof buf; i++)
		if (s->codecs[i])
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
					      n ? ", " : "", s->codecs[i]->name);
	return buf;
}

int
sl_sdp_mirror(int peer)
{
	switch (peer) {
	case SL_DIR_SENDONLY: return SL_DIR_RECVONLY;
	case SL_DIR_RECVONLY: return SL_DIR_SENDONLY;
	case SL_DIR_INACTIVE: return SL_DIR_INACTIVE;
	default: return SL_DIR_SENDRECV;
	}
}

int
sl_sdp_build(const struct sl_sdp_stream *s, unsigned long session_id,
	     unsigned long version, char *buf, size_t size)
{
	char host[SL_ADDR_STRLEN];
	const char *ip = sl_addr_family(&s->addr) == AF_INET6 ? "IP6" : "IP4";
	size_t n = 0;
	int i, w;

#define PUT(...) do { \
		w = snprintf(buf + n, size - n, __VA_ARGS__); \
		if (w < 0 || (size_t)w >= size - n) return ENOSPC; \
		n += w; \
	} while (0)
	sl_addr_host(&s->addr, host);
	PUT("v=0\r\no=sipline %lu %lu IN %s %s\r\ns=sipline\r\nc=IN %s %s\r\nt=0 0\r\n",
	    session_id, version, ip, host, ip, host);
	PUT("m=audio %d %s", sl_addr_port(&s->addr), s->savp ? "RTP/SAVP" : "RTP/AVP");
	for (i = 0; i < s->npts; i++)
		PUT(" %d", s->pts[i]);
	if (s->dtmf_pt >= 0)
		PUT(" %d", s->dtmf_pt);
	PUT("\r\n");
	for (i = 0; i < s->npts; i++) {
		const struct sl_codec *c = s->codecs[i];

		if (c == NULL)
			continue;
		PUT("a=rtpmap:%d %s\r\n", s->pts[i], c->rtpmap);
		if (s->fmtp[i][0])
			PUT("a=fmtp:%d %s\r\n", s->pts[i], s->fmtp[i]);
	}
	if (s->dtmf_pt >= 0)
		PUT("a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n",
		    s->dtmf_pt, s->dtmf_pt);
	for (i = 0; i < s->ncrypto; i++) {
		char line[SL_SDES_MAX];

		if (sl_sdes_format(&s->crypto[i], line, sizeof line) != 0)
			return ENOSPC;
		w = snprintf(buf + n, size - n, "a=crypto:%s\r\n", line);
		sl_wipe(line, sizeof line);
		if (w < 0 || (size_t)w >= size - n)
			return ENOSPC;
		n += w;
	}
	PUT("a=ptime:%d\r\na=%s\r\n", s->ptime, sl_media_dir_name(s->dir));
#undef PUT
	return 0;
}

/* The value of attribute `name` of media pos (or the session when absent
 * there); NULL when neither has it. */
static const char *
attr(sdp_message_t *sdp, int pos, const char *name)
{
	int level, i;
	char *f;

	for (level = pos; level >= -1; level = level == -1 ? -2 : -1) {
		for (i = 0; (f = sdp_message_a_att_field_get(sdp, level, i)) != NULL; i++)
			if (strcasecmp(f, name) == 0) {
				char *v = sdp_message_a_att_value_get(sdp, level, i);

				return v ? v : "";
			}
	}
	return NULL;
}

static int
has_flag(sdp_message_t *sdp, int pos, const char *name)
{
	char *f;
	int i;

	for (i = 0; (f = sdp_message_a_att_field_get(sdp, pos, i)) != NULL; i++)
		if (strcasecmp(f, name) == 0)
			return 1;
	return 0;
}

static int
direction(sdp_message_t *sdp, int pos)
{
	static const char *names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	int level, d;

	for (level = pos; level >= -1; level = level == -1 ? -2 : -1)
		for (d = 0; d < 4; d++)
			if (has_flag(sdp, level, names[d]))
				return d;
	return SL_DIR_SENDRECV;
}

/* The payload type an rtpmap value starts with ("101 telephone-event/8000"):
 * digits, then a space.  Returns it, or -1 when the value is malformed. */
static int
rtpmap_number(const char *v)
{
	char num[8];
	size_t n = strcspn(v, " ");
	long pt;

	if (v[n] != ' ' || n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	return sl_parse_int(num, 0, 127, &pt) == 0 ? (int)pt : -1;
}

/* Finds the payload type whose rtpmap names `encoding` (e.g.
 * "telephone-event/8000"); -1 when none. */
static int
rtpmap_pt(sdp_message_t *sdp, int pos, const char *encoding)
{
	char *f, *v;
	int i;

	for (i = 0; (f = sdp_message_a_att_field_get(sdp, pos, i)) != NULL; i++) {
		long pt;
		char *sp;

		if (strcasecmp(f, "rtpmap") != 0)
			continue;
		v = sdp_message_a_att_value_get(sdp, pos, i);
		if (v == NULL || (pt = rtpmap_number(v)) < 0)
			continue;
		sp = strchr(v, ' ');
		if (strncasecmp(sp + 1, encoding, strlen(encoding)) == 0)
			return (int)pt;
	}
	return -1;
}

/* The codec payload type pt, as listed on the m= line, is: the one its
 * rtpmap names, or without one the static type's of the table (RFC 3551);
 * NULL when it is none of ours.  Its fmtp goes to fmtp. */
static const struct sl_codec *
codec_of(sdp_message_t *sdp, int pos, int pt, char *fmtp, size_t size)
{
	const struct sl_codec *c = NULL;
	char *f, *v;
	int i, mapped = 0;

	fmtp[0] = '\0';
	for (i = 0; (f = sdp_message_a_att_field_get(sdp, pos, i)) != NULL; i++) {
		v = sdp_message_a_att_value_get(sdp, pos, i);
		if (v == NULL || rtpmap_number(v) != pt)
			continue;
		if (strcasecmp(f, "rtpmap") == 0 && !mapped) {
			mapped = 1;
			c = sl_codec_by_rtpmap(strchr(v, ' ') + 1);
		} else if (strcasecmp(f, "fmtp") == 0) {
			snprintf(fmtp, size, "%s", strchr(v, ' ') + 1);
		}
	}
	if (!mapped && pt < 96)
		c = sl_codec_by_pt(pt);
	return c;
}

/* The a=crypto lines of media pos (RFC 4568 puts them there only): the
 * usable ones into s->crypto, the rest counted, and why the first
 * malformed one is. */
static void
crypto_lines(sdp_message_t *sdp, int pos, struct sl_sdp_stream *s)
{
	struct sl_sdes key;
	const char *why;
	char *f, *v;
	int i, err;

	for (i = 0; (f = sdp_message_a_att_field_get(sdp, pos, i)) != NULL; i++) {
		if (strcasecmp(f, "crypto") != 0)
			continue;
		s->crypto_lines++;
		v = sdp_message_a_att_value_get(sdp, pos, i);
		why = "crypto: no value";
		err = v ? sl_sdes_parse(v, &key, &why) : EINVAL;
		if (err == 0 && s->ncrypto < SL_SDP_CRYPTO)
			s->crypto[s->ncrypto++] = key;
		else if (err == EINVAL && s->crypto_bad == NULL)
			s->crypto_bad = why;
		sl_wipe(&key, sizeof key);
	}
}

int
sl_sdp_parse(const char *body, struct sl_sdp_stream *out, const char **why)
{
	sdp_message_t *sdp = NULL;
	const char *v;
	char *media, *port, *proto, *addr, *addrtype;
	unsigned char bin[sizeof(struct in6_addr)];
	char *copy = NULL;
	size_t n;
	long lv;
	int pos, i, fam, err = EINVAL;

	memset(out, 0, sizeof *out);
	out->dtmf_pt = -1;
	out->ptime = 20;
	*why = "malformed SDP";
	if (body == NULL || sdp_message_init(&sdp) != 0)
		return EINVAL;
	/* libosip2 5.3's parser reads two bytes past the end of a body whose
	 * last line is an m= line cut short and ended by a bare LF (found by
	 * fuzz/sdp.c): parse a copy with NULs there for it to read. */
	n = strlen(body);
	if ((copy = calloc(1, n + 8)) == NULL)
		goto done;
	memcpy(copy, body, n);
	if (sdp_message_parse(sdp, copy) != 0)
		goto done;
	*why = "no audio stream over RTP/AVP or RTP/SAVP";
	for (pos = 0; (media = sdp_message_m_media_get(sdp, pos)) != NULL; pos++) {
		port = sdp_message_m_port_get(sdp, pos);
		proto = sdp_message_m_proto_get(sdp, pos);
		if (strcasecmp(media, "audio") == 0 && proto &&
		    (strcasecmp(proto, "RTP/AVP") == 0 || strcasecmp(proto, "RTP/SAVP") == 0) &&
		    port && strcmp(port, "0") != 0)
			break;
	}
	if (media == NULL)
		goto done;
	out->savp = strcasecmp(proto, "RTP/SAVP") == 0;
	crypto_lines(sdp, pos, out);
	*why = "bad media port";
	if (sl_parse_int(port, 1, 65535, &lv) != 0)
		goto done;
	addr = sdp_message_c_addr_get(sdp, pos, 0);
	addrtype = sdp_message_c_addrtype_get(sdp, pos, 0);
	if (addr == NULL) {
		addr = sdp_message_c_addr_get(sdp, -1, 0);
		addrtype = sdp_message_c_addrtype_get(sdp, -1, 0);
	}
	*why = "no usable connection address";
	if (addr == NULL || addrtype == NULL)
		goto done;
	/* Only literals of the stated type, in their standard form, checked
	 * before anything resolves them: a name would have us look up what a
	 * stranger wrote, and inet_aton's shorthands ("0.0.0", "2130706433")
	 * are not SDP.  0.0.0.0 is the old way of saying "on hold". */
	fam = strcasecmp(addrtype, "IP4") == 0 ? AF_INET :
	      strcasecmp(addrtype, "IP6") == 0 ? AF_INET6 : AF_UNSPEC;
	if (fam == AF_UNSPEC || inet_pton(fam, addr, bin) != 1 ||
	    sl_addr_resolve(addr, (int)lv, fam, 0, &out->addr) != 0)
		goto done;
	if (sl_addr_is_any(&out->addr))
		out->addr.len = 0;
	out->rtcp_port = (int)lv + 1;
	if ((v = attr(sdp, pos, "rtcp")) && sl_parse_int(v, 1, 65535, &lv) == 0)
		out->rtcp_port = (int)lv;
	else if (v && strchr(v, ' ')) {
		char num[8];

		snprintf(num, sizeof num, "%.*s", (int)strcspn(v, " "), v);
		if (sl_parse_int(num, 1, 65535, &lv) == 0)
			out->rtcp_port = (int)lv;
	}
	for (i = 0; (v = sdp_message_m_payload_get(sdp, pos, i)) != NULL; i++) {
		if (sl_parse_int(v, 0, 127, &lv) != 0)
			continue;
		const struct sl_codec *c;
		char fmtp[SL_SDP_FMTP];

		if ((c = codec_of(sdp, pos, (int)lv, fmtp, sizeof fmtp)) != NULL &&
		    sl_sdp_codec(out, (int)lv) == NULL)
			sl_sdp_add(out, c, (int)lv, fmtp);
	}
	out->dtmf_pt = rtpmap_pt(sdp, pos, "telephone-event/8000");
	if ((v = attr(sdp, pos, "ptime")) && sl_parse_int(v, 10, 60, &lv) == 0)
		out->ptime = (int)(lv / 10 * 10);
	out->dir = direction(sdp, pos);
	if (out->addr.len == 0 && out->dir == SL_DIR_SENDRECV)
		out->dir = SL_DIR_SENDONLY;     /* c=0.0.0.0: RFC 2543 hold */
	err = 0;
	*why = NULL;
done:
	free(copy);
	sdp_message_free(sdp);
	return err;
}

int
sl_sdp_pt(const struct sl_sdp_stream *s, const struct sl_codec *c)
{
	int i;

	for (i = 0; i < s->npts; i++)
		if (s->codecs[i] == c)
			return s->pts[i];
	return -1;
}

int
sl_sdp_pick(const struct sl_sdp_stream *theirs, const struct sl_sdp_stream *ours)
{
	int i, j;

	for (j = 0; j < ours->npts; j++)
		for (i = 0; i < theirs->npts; i++)
			if (theirs->codecs[i] && theirs->codecs[i] == ours->codecs[j])
				return theirs->pts[i];
	return -1;
}

/* ---- SRTP (RFC 4568) ---- */

static const struct sl_srtp_suites default_suites = {
	{ SL_SRTP_AES_CM_128_HMAC_SHA1_80, SL_SRTP_AES_CM_128_HMAC_SHA1_32 }, 2
};

/* The suites of a call: its own, or the default. */
static const struct sl_srtp_suites *
suites_of(const struct sl_srtp_suites *suites)
{
	return suites && suites->n > 0 ? suites : &default_suites;
}

int
sl_sdp_srtp_offer(struct sl_sdp_stream *s, int mode, const struct sl_srtp_suites *suites)
{
	int i;

	suites = suites_of(suites);
	s->savp = mode == SL_SRTP_MODE_MANDATORY;
	s->ncrypto = 0;
	if (mode == SL_SRTP_MODE_OFF)
		return 0;
	for (i = 0; i < suites->n && i < SL_SDP_CRYPTO; i++)
		if (sl_sdes_new((unsigned long)i + 1, suites->suite[i], &s->crypto[i]) != 0) {
			sl_wipe(s->crypto, sizeof s->crypto);
			return EIO;
		}
	s->ncrypto = i;
	return 0;
}

int
sl_sdp_srtp_take_offer(const struct sl_sdp_stream *offer, int mode,
		       const struct sl_srtp_suites *suites, struct sl_sdes *tx,
		       struct sl_sdes *rx, const char **why)
{
	int i, j, take = -1;

	suites = suites_of(suites);
	memset(tx, 0, sizeof *tx);
	memset(rx, 0, sizeof *rx);
	*why = NULL;
	if (mode == SL_SRTP_MODE_OFF) {
		/* Keys on RTP/AVP (best-effort SRTP) are ignored: plain RTP. */
		if (offer->savp) {
			*why = "RTP/SAVP offered";
			return 488;
		}
		return 0;
	}
	/* RFC 4568 6.3: a malformed line makes the attribute in error. */
	if (offer->crypto_bad) {
		*why = offer->crypto_bad;
		return 488;
	}
	/* The first of the offer's lines (its preference) of a suite we take. */
	for (i = 0; i < offer->ncrypto && take < 0; i++)
		for (j = 0; j < suites->n; j++)
			if (offer->crypto[i].suite == suites->suite[j]) {
				take = i;
				break;
			}
	if (take < 0) {
		if (offer->savp) {
			*why = offer->crypto_lines ? "RTP/SAVP with no a=crypto suite we have" :
			       "RTP/SAVP without a=crypto (SDES) keys";
			return 488;
		}
		if (mode == SL_SRTP_MODE_MANDATORY) {
			*why = offer->crypto_lines ? "no a=crypto suite we have" :
			       "plain RTP offered";
			return 488;
		}
		return 0;       /* optional: plain RTP */
	}
	*rx = offer->crypto[take];
	if (sl_sdes_new(rx->tag, rx->suite, tx) != 0) {
		sl_wipe(rx, sizeof *rx);
		*why = "no random key";
		return 500;
	}
	return 0;
}

void
sl_sdp_srtp_answer(struct sl_sdp_stream *ours, const struct sl_sdp_stream *offer,
		   const struct sl_sdes *tx)
{
	ours->savp = offer->savp;
	ours->ncrypto = 0;
	if (tx->suite != SL_SRTP_OFF)
		ours->crypto[ours->ncrypto++] = *tx;
}

int
sl_sdp_srtp_check_answer(const struct sl_sdp_stream *ours,
			 const struct sl_sdp_stream *answer, int mode,
			 struct sl_sdes *tx, struct sl_sdes *rx, const char **why)
{
	int i, j;

	memset(tx, 0, sizeof *tx);
	memset(rx, 0, sizeof *rx);
	*why = NULL;
	if (ours->ncrypto == 0) {
		if (answer->savp) {
			*why = "RTP/SAVP answers a plain RTP offer";
			return EINVAL;
		}
		return 0;
	}
	/* The answer's line names the offer's it takes by its tag. */
	for (i = 0; i < answer->ncrypto; i++)
		for (j = 0; j < ours->ncrypto; j++)
			if (answer->crypto[i].tag == ours->crypto[j].tag &&
			    answer->crypto[i].suite == ours->crypto[j].suite) {
				*tx = ours->crypto[j];
				*rx = answer->crypto[i];
				return 0;
			}
	if (answer->crypto_lines) {
		*why = answer->crypto_bad ? answer->crypto_bad :
		       "no a=crypto line that answers one of ours";
		return EINVAL;
	}
	if (mode == SL_SRTP_MODE_MANDATORY || answer->savp) {
		*why = "no a=crypto (SDES) key in the answer, and SRTP is mandatory";
		return EINVAL;
	}
	return 0;       /* optional: the peer takes plain RTP */
}
