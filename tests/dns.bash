# tests/dns.bash: dnsmasq (Debian's dnsmasq-base) as the name server of the
# test's network namespace (tests/netns.bash), serving NAPTR, SRV and
# address records for the test domain sipline.test.  Load it after
# helper.bash and netns.bash, and start it after netns_create:
#
#   dns_start OPTION...     dnsmasq on the namespace's 127.0.0.1:53 with these
#                           records (--srv-host, --naptr-record,
#                           --host-record...); the namespace's resolv.conf
#                           names it.  Sets DNS_LOG, where every query is
#                           logged.  A start_bg job, "dnsmasq".
#   dns_queries TYPE [NAME] how many TYPE (SRV, NAPTR, A, AAAA) queries it
#                           got, for NAME or for any name
#
# dnsmasq holds sipline.test itself (--local): a name under it that has no
# record does not exist (NXDOMAIN), and no other server is ever asked.
# Records live DNS_TTL seconds (default 60), so the tools may keep them.

dns_start() {
	DNS_LOG=$(sl_tmpdir)/dnsmasq.err
	netns_resolv 127.0.0.1 || return 1
	# --pid-file with no file: parallel runs would share the default one.
	start_bg dnsmasq /usr/sbin/dnsmasq --keep-in-foreground --log-facility=- \
		--log-queries --no-resolv --no-hosts --pid-file \
		--listen-address=127.0.0.1 --bind-interfaces --port=53 \
		--local=/sipline.test/ --local-ttl="${DNS_TTL:-60}" "$@" || return 1
	wait_up "dns_start: dnsmasq" "$(bg_pid dnsmasq)" "$DNS_LOG" 5 port_listening udp 53 ||
		return 1
	export DNS_LOG
}

dns_queries() {
	local name=${2:-[^ ]*}
	[ $# -lt 2 ] || name=${2//./\\.}
	grep -c -- "query\\[$1\\] $name from " "$DNS_LOG" || true
}
