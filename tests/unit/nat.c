/* Unit tests for lib/nat.c: the address a registrar saw our request come
 * from (top Via received/rport), strict about what is not an address, and
 * a Contact rewritten to it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "nat.h"
#include "tap.h"

/* A 200 to REGISTER whose top Via is via (and a second one below). */
static osip_message_t *
answer(const char *via)
{
	osip_message_t *m = NULL;
	char buf[2048];

	snprintf(buf, sizeof buf,
		 "SIP/2.0 200 OK\r\n"
		 "Via: %s\r\n"
		 "Via: SIP/2.0/UDP 203.0.113.9:5060;received=203.0.113.10;rport=9;branch=z9hG4bKy\r\n"
		 "From: <sip:alice@a.test>;tag=1\r\nTo: <sip:alice@a.test>;tag=2\r\n"
		 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n", via);
	if (osip_message_init(&m) != 0 || osip_message_parse(m, buf, strlen(buf)) != 0)
		return NULL;
	return m;
}

/* sl_nat_via_public on a 200 with that top Via: its return value, and the
 * address ("" when none) in out. */
static int
pub(const char *via, char *out, char *why)
{
	osip_message_t *m = answer(via);
	struct sl_addr a;
	int err;

	out[0] = '\0';
	if (m == NULL)
		return -1;
	err = sl_nat_via_public(m, &a, why, 160);
	if (err == 0)
		sl_addr_str(&a, out);
	osip_message_free(m);
	return err;
}

int
main(void)
{
	char out[SL_ADDR_STRLEN], why[160], buf[512];
	struct sl_addr a;

	parser_init();

	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;rport=40001;received=198.51.100.1;branch=z9hG4bKx",
		   out, why), 0, "received and rport");
	is_str(out, "198.51.100.1:40001", "... the public address");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;rport=5070;branch=z9hG4bKx", out, why), 0,
	       "rport alone (no NAT of the host)");
	is_str(out, "10.0.0.2:5070", "... the Via's host, the rport");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=198.51.100.1;branch=z9hG4bKx", out, why), 0,
	       "received alone");
	is_str(out, "198.51.100.1:5070", "... the Via's port");
	is_int(pub("SIP/2.0/UDP 10.0.0.2;received=198.51.100.1;branch=z9hG4bKx", out, why), 0,
	       "received, a Via without a port");
	is_str(out, "198.51.100.1:5060", "... 5060");
	is_int(pub("SIP/2.0/UDP [fd00::2]:5070;received=2001:db8::1;rport=7;branch=z9hG4bKx",
		   out, why), 0, "IPv6");
	is_str(out, "[2001:db8::1]:7", "... the public address");
	is_int(pub("SIP/2.0/UDP [fd00::2]:5070;received=[2001:db8::1];rport=7;branch=z9hG4bKx",
		   out, why), 0, "IPv6 in brackets");
	is_str(out, "[2001:db8::1]:7", "... the public address");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;rport;branch=z9hG4bKx", out, why), ENOENT,
	       "rport without a value: nothing learnt");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKx", out, why), ENOENT,
	       "neither: nothing learnt");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=evil.example;rport=1;branch=z9hG4bKx",
		   out, why), EINVAL, "a received that is a name");
	is_str(why, "received=evil.example is not an address", "... said");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=1.2.3.4.5;branch=z9hG4bKx", out, why),
	       EINVAL, "a received that is no address");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=[1.2.3.4];branch=z9hG4bKx", out, why),
	       EINVAL, "IPv4 in brackets");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=1.2.3.4;rport=65536;branch=z9hG4bKx",
		   out, why), EINVAL, "rport out of range");
	is_str(why, "rport=65536 is not a port", "... said");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=1.2.3.4;rport=0;branch=z9hG4bKx",
		   out, why), EINVAL, "rport 0");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=1.2.3.4;rport=+80;branch=z9hG4bKx",
		   out, why), EINVAL, "rport with a sign");
	is_int(pub("SIP/2.0/UDP 10.0.0.2:5070;received=1.2.3.4;rport=00000080;branch=z9hG4bKx",
		   out, why), EINVAL, "rport too long");
	is_int(pub("SIP/2.0/UDP host.example:5070;rport=9;branch=z9hG4bKx", out, why), EINVAL,
	       "rport alone, the Via's host a name");
	is_int(sl_nat_via_public(NULL, &a, why, sizeof why), ENOENT, "no message");

	is_int(sl_nat_uri_addr("sip:alice@10.0.0.2:5070;transport=tcp", &a), 0, "a Contact");
	is_str(sl_addr_str(&a, out), "10.0.0.2:5070", "... its address");
	is_int(sl_nat_uri_addr("sip:alice@10.0.0.2", &a), 0, "a Contact without a port");
	is_str(sl_addr_str(&a, out), "10.0.0.2:5060", "... 5060");
	is_int(sl_nat_uri_addr("sips:alice@[::1]", &a), 0, "sips: IPv6");
	is_str(sl_addr_str(&a, out), "[::1]:5061", "... 5061");
	is_int(sl_nat_uri_addr("sip:alice@pbx.example:5060", &a), EINVAL, "a name");
	is_int(sl_nat_uri_addr("tel:+15551234", &a), EINVAL, "not sip:");
	is_int(sl_nat_uri_addr("sip:alice@10.0.0.2:99999", &a), EINVAL, "a port out of range");

	sl_nat_uri_addr("sip:x@198.51.100.1:40001", &a);
	is_int(sl_nat_uri_with("sip:alice@10.0.0.2:5070;transport=tcp", &a, buf, sizeof buf), 0,
	       "a Contact rewritten");
	is_str(buf, "sip:alice@198.51.100.1:40001;transport=tcp", "... user and parameters kept");
	sl_nat_uri_addr("sip:x@[2001:db8::1]:7", &a);
	is_int(sl_nat_uri_with("sip:alice@10.0.0.2:5070", &a, buf, sizeof buf), 0,
	       "to an IPv6 address");
	is_str(buf, "sip:alice@[2001:db8::1]:7", "... in brackets");
	is_int(sl_nat_uri_with("sip:alice@10.0.0.2:5070", &a, buf, 10), ENAMETOOLONG,
	       "a buffer too small");
	return done_testing();
}
