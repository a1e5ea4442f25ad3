#!/usr/bin/env bats
# Finding the server per RFC 3263: dnsmasq (tests/dns.bash) serves NAPTR,
# SRV and address records for sipline.test in a network namespace of the
# test's own (tests/netns.bash), where Kamailio, SIPp and the tools run too,
# on the namespace's loopback.  The tools get SIP_DOMAIN=sipline.test and
# no SIP_SERVER: what they reach, they found in DNS.  A target that is dead
# has a port where nothing listens (ICMP port unreachable) or one whose
# packets nftables drops (silence).  Then bad input: names that do not
# resolve, a name server that does not answer or answers nonsense
# (tests/tools/dns-garbage), SRV target ".", a name that is not one.
#
# The bounds asserted (lib/resolve.h, lib/sip.c): one resolution waits at
# most 4 s for DNS in all; a target that stays silent is left after 4 s
# when another is left.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	load netns
	load dns
	D=$BATS_TEST_TMPDIR
	netns_create
}

teardown() {
	stop_all_bg
	kamailio_stop
	netns_delete
}

# ns CMD...: CMD in the namespace, bounded, with the domain and no server.
ns() {
	in_netns timeout -k 2 40 env -u SIP_SERVER SIP_DOMAIN=sipline.test "$@"
}

# alice CMD...: the same, as alice with her password.
alice() {
	ns env SIP_USER=alice SIP_PASSWORD=alicepw "$@"
}

# ms_since US: milliseconds since sl_now_us printed US.
ms_since() {
	echo $((($(sl_now_us) - $1) / 1000))
}

# events_of JOB: the job's stderr.
events_of() {
	cat "$D/$1.err"
}

# kam_srv PRIO [udp|tcp]: the SRV record of Kamailio at priority PRIO.
kam_srv() {
	echo "--srv-host=_sip._${2:-udp}.sipline.test,kam.sipline.test,$KAM_PORT,$1,10"
}

KAM_A=--host-record=kam.sipline.test,127.0.0.1
DEAD_A=--host-record=dead.sipline.test,127.0.0.1

@test "dns: registering with the domain alone: SRV only, no address record for the domain" {
	kamailio_start
	dns_start "$(kam_srv 10)" "$KAM_A"
	run -0 alice sip-register --once
	assert_output --regexp '^sip-register: registered aor=sip:alice@sipline\.test contact=<sip:alice@127\.0\.0\.1:[0-9]+> expires=180$'
	kamailio_has_binding alice
	# One resolution served the Contact and the REGISTER and its retry
	# with credentials; no address of sipline.test itself was asked for.
	assert_equal "$(dns_queries NAPTR sipline.test)" 1
	assert_equal "$(dns_queries SRV _sip._udp.sipline.test)" 1
	assert_equal "$(dns_queries A sipline.test)" 0
	# sip-options says which target answered.
	run -0 ns sip-options sip:sipline.test
	assert_line --index 0 --regexp "^sip:sipline\\.test: 200 OK from 127\\.0\\.0\\.1:$KAM_PORT/udp \\([0-9]+\\.[0-9]{2} ms\\)\$"
}

@test "dns: a call by domain name alone; the first SRV target is closed: REGISTER and INVITE go to the second at once" {
	kamailio_start
	dead=$(free_port)
	dns_start "--srv-host=_sip._udp.sipline.test,dead.sipline.test,$dead,10,10" \
		"$(kam_srv 20)" "$DEAD_A" "$KAM_A"
	start_bg bob env -u SIP_SERVER SIP_DOMAIN=sipline.test SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -- sip-answer -- sleep 10
	wait_for 5 kamailio_has_binding bob
	t0=$(sl_now_us)
	run -0 alice sip-call -T 5 -D 1 bob -- sleep 10
	ms=$(ms_since "$t0")
	assert_line "sip-call: failover from=127.0.0.1:$dead/udp to=127.0.0.1:$KAM_PORT/udp reason=\"no response (port unreachable: nothing listens there)\""
	assert_line --regexp '^sip-call: answered status="200 OK" '
	# The ACK and the BYE followed the record-route (Kamailio by address).
	grep -q "BYE sip:.* from 127\\.0\\.0\\.1:[0-9]*/udp" "$KAM_LOG"
	[ "$ms" -lt 4000 ]
	run events_of bob
	assert_line "sip-register: failover from=127.0.0.1:$dead/udp to=127.0.0.1:$KAM_PORT/udp reason=\"no response (port unreachable: nothing listens there)\""
}

@test "dns: a target name with A and AAAA records is two targets: IPv6 refused, IPv4 takes over at once" {
	kamailio_start
	dns_start "$(kam_srv 10)" --host-record=kam.sipline.test,127.0.0.1,::1
	run -0 in_netns dns-targets sipline.test
	assert_equal "${#lines[@]}" 2
	first=${lines[0]}
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$(printf '%s\n' "127.0.0.1:$KAM_PORT/udp" "[::1]:$KAM_PORT/udp")"
	# Refuse the first one listed (RFC 6724 puts ::1 first) with an
	# ICMP error: a client whose socket is of the first family needs one
	# of the other for the second.
	case $first in
	'['*) rule="ip6 daddr ::1 udp dport $KAM_PORT reject" second="127.0.0.1:$KAM_PORT/udp" ;;
	*) rule="ip daddr 127.0.0.1 udp dport $KAM_PORT reject" second="[::1]:$KAM_PORT/udp" ;;
	esac
	in_netns nft -f - <<-EOF
		table inet sipline_refuse {
			chain in {
				type filter hook input priority 0; policy accept;
				$rule
			}
		}
	EOF
	t0=$(sl_now_us)
	run -0 alice sip-register --once
	ms=$(ms_since "$t0")
	assert_line "sip-register: failover from=$first to=$second reason=\"no response (port unreachable: nothing listens there)\""
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
	[ "$ms" -lt 2000 ]
}

@test "dns: NAPTR chooses TCP; a forced transport skips NAPTR and asks one SRV name" {
	kamailio_start
	dns_start --naptr-record=sipline.test,10,10,s,SIP+D2T,,_sip._tcp.sipline.test \
		--naptr-record=sipline.test,20,10,s,SIP+D2U,,_sip._udp.sipline.test \
		"$(kam_srv 10 tcp)" "$(kam_srv 10 udp)" "$KAM_A"
	run -0 alice sip-register --once -v
	assert_line "sip-register: sent to 127.0.0.1:$KAM_PORT (TCP):"
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test contact=<sip:alice@127\.0\.0\.1:[0-9]+;transport=tcp> '
	refute_line --partial '(UDP)'
	assert_equal "$(dns_queries NAPTR sipline.test)" 1
	run -0 alice sip-register --once -v -t udp
	assert_line "sip-register: sent to 127.0.0.1:$KAM_PORT (UDP):"
	refute_line --partial '(TCP)'
	assert_equal "$(dns_queries NAPTR sipline.test)" 1
	assert_equal "$(dns_queries SRV _sip._tcp.sipline.test)" 1
	assert_equal "$(dns_queries SRV _sip._udp.sipline.test)" 2
}

@test "dns: over TCP a refused connection moves on to the next SRV target at once" {
	kamailio_start
	dead=$(free_port)
	dns_start "--srv-host=_sip._tcp.sipline.test,dead.sipline.test,$dead,10,10" \
		"$(kam_srv 20 tcp)" "$DEAD_A" "$KAM_A"
	t0=$(sl_now_us)
	run -0 alice sip-register --once -t tcp
	ms=$(ms_since "$t0")
	assert_line "sip-register: failover from=127.0.0.1:$dead/tcp to=127.0.0.1:$KAM_PORT/tcp reason=\"no response (port unreachable: nothing listens there)\""
	assert_line --regexp '^sip-register: registered .*;transport=tcp>'
	[ "$ms" -lt 2000 ]
}

@test "dns: the first SRV target drops every packet: the second takes over after 4 s" {
	kamailio_start
	dead=$(free_port)
	dns_start "--srv-host=_sip._udp.sipline.test,dead.sipline.test,$dead,10,10" \
		"$(kam_srv 20)" "$DEAD_A" "$KAM_A"
	netns_drop 100 "$dead"
	t0=$(sl_now_us)
	run -0 alice sip-register --once
	ms=$(ms_since "$t0")
	echo "# registered after $ms ms" >&3
	assert_line "sip-register: failover from=127.0.0.1:$dead/udp to=127.0.0.1:$KAM_PORT/udp reason=\"no response (timeout)\""
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
	# The bound: 4 s of silence, then the two round trips with Kamailio.
	[ "$ms" -ge 3950 ]
	[ "$ms" -lt 5500 ]
	# The REGISTER was sent there four times (0, 0.5, 1.5, 3.5 s), then
	# left: no retransmission after the move.
	run netns_counts
	assert_output 'seen=4 dropped=4'
}

@test "dns: priority and weight: lower priority always first, weights 1:3 first about 1 time in 4 over 200 resolutions" {
	dns_start --srv-host=_sip._udp.sipline.test,a.sipline.test,5061,10,1 \
		--srv-host=_sip._udp.sipline.test,b.sipline.test,5062,10,3 \
		--srv-host=_sip._udp.sipline.test,c.sipline.test,5063,5,50 \
		--srv-host=_sip._udp.sipline.test,d.sipline.test,5064,20,50 \
		--host-record=a.sipline.test,127.0.0.11 --host-record=b.sipline.test,127.0.0.12 \
		--host-record=c.sipline.test,127.0.0.13 --host-record=d.sipline.test,127.0.0.14
	run -0 in_netns dns-targets sipline.test
	assert_line --index 0 127.0.0.13:5063/udp
	assert_line --index 3 127.0.0.14:5064/udp
	# Priority 5 alone comes first: the draw is among priority 10 for the
	# second place.  dns-targets -n prints the first target of each
	# resolution, so ask for the targets of priority 10 and up only.
	run -0 in_netns dns-targets -n 200 sipline.test
	assert_equal "$(grep -c . <<<"$output")" 200
	assert_equal "$(grep -vc '^127\.0\.0\.13:' <<<"$output")" 0
	# Then the weighted draw, with c gone (a record of its own):
	stop_bg dnsmasq
	dns_start --srv-host=_sip._udp.sipline.test,a.sipline.test,5061,10,1 \
		--srv-host=_sip._udp.sipline.test,b.sipline.test,5062,10,3 \
		--srv-host=_sip._udp.sipline.test,d.sipline.test,5064,20,50 \
		--host-record=a.sipline.test,127.0.0.11 --host-record=b.sipline.test,127.0.0.12 \
		--host-record=d.sipline.test,127.0.0.14
	run -0 in_netns dns-targets -n 200 sipline.test
	a=$(grep -c '^127\.0\.0\.11:' <<<"$output" || true)
	b=$(grep -c '^127\.0\.0\.12:' <<<"$output" || true)
	echo "# weights 1:3 over 200 resolutions: a first $a times, b $b times" >&3
	assert_equal "$((a + b))" 200
	# Binomial(200, 1/4): mean 50, standard deviation 6.1; 5 of them
	# either side, 20-80, catches weights ignored (100) or the first
	# listed always first (0 or 200).
	[ "$a" -ge 20 ] && [ "$a" -le 80 ]
	# Every resolution drew its own order from the records it kept.
	assert_equal "$(dns_queries SRV _sip._udp.sipline.test)" 1
}

@test "dns: a 503 from the first server moves the REGISTER to the next" {
	kamailio_start
	port=$(free_port)
	start_bg registrar sipp_run registrar reg-503 -p "$port"
	wait_for 5 port_listening udp "$port"
	dns_start "--srv-host=_sip._udp.sipline.test,sipp.sipline.test,$port,10,10" \
		"$(kam_srv 20)" --host-record=sipp.sipline.test,127.0.0.1 "$KAM_A"
	run -0 alice sip-register --once
	assert_line "sip-register: failover from=127.0.0.1:$port/udp to=127.0.0.1:$KAM_PORT/udp reason=\"503 Service Unavailable\""
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
	wait_bg registrar 5
	assert_success
}

@test "dns: an INVITE stays where it got a provisional response: 180 then 503 ends the call; its ACK goes there" {
	kamailio_start
	port=$(free_port)
	start_bg uas sipp_run uas call-uas-ring-503 -p "$port"
	wait_for 5 port_listening udp "$port"
	dns_start "--srv-host=_sip._udp.sipline.test,sipp.sipline.test,$port,10,10" \
		"$(kam_srv 20)" --host-record=sipp.sipline.test,127.0.0.1 "$KAM_A"
	run -1 alice sip-call -T 5 sip:bob@sipline.test -- true
	assert_line 'sip-call: ringing status="180 Ringing"'
	assert_line --regexp '^sip-call: rejected status="503 Service Unavailable" '
	refute_line --partial failover
	# SIPp got its ACK (the scenario ends with it).
	wait_bg uas 5
	assert_success
	run ! grep -q 'INVITE sip:' "$KAM_LOG"
}

@test "dns: after a move the CANCEL goes where the INVITE went" {
	dead=$(free_port)
	port=$(free_port)
	start_bg uas sipp_run uas call-uas-ring -p "$port"
	wait_for 5 port_listening udp "$port"
	dns_start "--srv-host=_sip._udp.sipline.test,dead.sipline.test,$dead,10,10" \
		"--srv-host=_sip._udp.sipline.test,sipp.sipline.test,$port,20,10" \
		"$DEAD_A" --host-record=sipp.sipline.test,127.0.0.1
	run -4 alice sip-call -T 2 sip:bob@sipline.test -- true
	assert_line "sip-call: failover from=127.0.0.1:$dead/udp to=127.0.0.1:$port/udp reason=\"no response (port unreachable: nothing listens there)\""
	assert_line --regexp '^sip-call: no-answer after=2 '
	# SIPp's scenario ends with the CANCEL, its 487 and the ACK.
	wait_bg uas 5
	assert_success
}

@test "dns: an explicit port or an IP literal skips NAPTR and SRV" {
	kamailio_start
	dns_start "$KAM_A" "--srv-host=_sip._udp.kam.sipline.test,dead.sipline.test,1,10,10" "$DEAD_A"
	run -0 alice env SIP_SERVER="kam.sipline.test:$KAM_PORT" sip-register --once
	assert_line --regexp '^sip-register: registered '
	assert_equal "$(dns_queries A kam.sipline.test)" 1
	assert_equal "$(dns_queries NAPTR)" 0
	assert_equal "$(dns_queries SRV)" 0
	before=$(grep -c 'query\[' "$DNS_LOG")
	run -0 alice env SIP_SERVER="127.0.0.1:$KAM_PORT" sip-register --once
	run -0 ns sip-options "sip:127.0.0.1:$KAM_PORT"
	run -0 ns env SIP_SERVER="127.0.0.1:$KAM_PORT" sip-options
	assert_equal "$(grep -c 'query\[' "$DNS_LOG")" "$before"
}

@test "dns: answers are kept for their TTL and asked for again after it" {
	DNS_TTL=1 dns_start --srv-host=_sip._udp.sipline.test,a.sipline.test,5061,10,1 \
		--host-record=a.sipline.test,127.0.0.11
	run -0 in_netns dns-targets -n 3 -i 700 sipline.test
	# At 0, 0.7 (kept) and 1.4 s (a TTL of 1 s ran out).
	assert_equal "$(dns_queries SRV _sip._udp.sipline.test)" 2
	assert_equal "$(dns_queries A a.sipline.test)" 2
}

@test "dns bad input: a name that does not exist (NXDOMAIN) or has no record: exit 7, the reason said" {
	dns_start --txt-record=empty.sipline.test,nothing-for-sip
	run -7 alice sip-call -T 5 sip:bob@nosuch.sipline.test -- true
	assert_output 'sip-call: fatal: unable to resolve nosuch.sipline.test: no such domain (NXDOMAIN)'
	run -7 alice env SIP_DOMAIN=nosuch.sipline.test sip-register --once
	assert_output 'sip-register: failed aor=sip:alice@nosuch.sipline.test reason="unable to resolve nosuch.sipline.test: no such domain (NXDOMAIN)"'
	run -7 ns sip-options sip:nosuch.sipline.test
	assert_output 'sip-options: fatal: unable to resolve nosuch.sipline.test: no such domain (NXDOMAIN)'
	run -7 ns sip-options sip:empty.sipline.test
	assert_output 'sip-options: fatal: unable to resolve empty.sipline.test: no usable record (no NAPTR, SRV or address for SIP)'
}

@test "dns bad input: a name server that never answers: exit 7 after 4 s; none at all: exit 7 at once" {
	dns_start "--srv-host=_sip._udp.sipline.test,a.sipline.test,5061,10,1"
	in_netns nft -f - <<-EOF
		table inet sipline_dns {
			chain in {
				type filter hook input priority 0; policy accept;
				udp dport 53 drop
				tcp dport 53 drop
			}
		}
	EOF
	t0=$(sl_now_us)
	run -7 ns sip-options sip:sipline.test
	ms=$(ms_since "$t0")
	echo "# sip-options gave up after $ms ms" >&3
	assert_output 'sip-options: fatal: unable to resolve sipline.test: no answer from the name server (DNS timeout after 4 s)'
	[ "$ms" -ge 3950 ] && [ "$ms" -lt 5000 ]
	t0=$(sl_now_us)
	run -7 alice sip-register --once
	ms=$(ms_since "$t0")
	assert_output 'sip-register: failed aor=sip:alice@sipline.test reason="unable to resolve sipline.test: no answer from the name server (DNS timeout after 4 s)"'
	[ "$ms" -lt 5000 ]
	# Nothing on port 53: ICMP says so at once.
	stop_bg dnsmasq
	in_netns nft delete table inet sipline_dns
	t0=$(sl_now_us)
	run -7 alice sip-call -T 5 bob -- true
	ms=$(ms_since "$t0")
	assert_output 'sip-call: fatal: unable to resolve sipline.test: the name server failed (SERVFAIL, REFUSED or unreachable)'
	[ "$ms" -lt 1000 ]
}

@test "dns bad input: every SRV target fails: exit 7 once each was tried, within the bounds" {
	dead1=$(free_port)
	dead2=$(free_port)
	dns_start "--srv-host=_sip._udp.sipline.test,dead.sipline.test,$dead1,10,10" \
		"--srv-host=_sip._udp.sipline.test,dead.sipline.test,$dead2,20,10" "$DEAD_A"
	t0=$(sl_now_us)
	run -7 alice sip-register --once
	ms=$(ms_since "$t0")
	assert_line --index 0 "sip-register: failover from=127.0.0.1:$dead1/udp to=127.0.0.1:$dead2/udp reason=\"no response (port unreachable: nothing listens there)\""
	assert_line --index 1 'sip-register: failed aor=sip:alice@sipline.test reason="no response (port unreachable: nothing listens there)"'
	[ "$ms" -lt 1000 ]
	# Both silent: 4 s for the first, the rest of sip-options' 6 s for
	# the second.
	netns_drop 100 "$dead1" "$dead2"
	t0=$(sl_now_us)
	run -7 ns sip-options -w 6 sip:sipline.test
	ms=$(ms_since "$t0")
	echo "# two silent targets: sip-options gave up after $ms ms" >&3
	assert_line --index 0 "sip-options: failover from=127.0.0.1:$dead1/udp to=127.0.0.1:$dead2/udp reason=\"no response (timeout)\""
	assert_line --index 1 "sip-options: warning: sip:sipline.test: no response (timeout) from 127.0.0.1:$dead2"
	[ "$ms" -ge 5950 ] && [ "$ms" -lt 7000 ]
}

@test "dns bad input: truncated, malformed, looping and random answers, SERVFAIL: exit 7 within 4 s, never a crash" {
	netns_resolv 127.0.0.1
	for mode in trunc cut loop short garbage servfail; do
		start_bg "garbage-$mode" dns-garbage "$mode"
		wait_for 5 port_listening udp 53
		t0=$(sl_now_us)
		run -7 ns sip-options sip:sipline.test
		ms=$(ms_since "$t0")
		echo "# $mode: $ms ms: $output" >&3
		case $mode in
		trunc | servfail) reason='the name server failed (SERVFAIL, REFUSED or unreachable)' ;;
		cut | loop) reason='unusable DNS answer (truncated or malformed)' ;;
		short) reason='no usable record (no NAPTR, SRV or address for SIP)' ;;
		garbage) reason='no answer from the name server (DNS timeout after 4 s)' ;;
		esac
		assert_output "sip-options: fatal: unable to resolve sipline.test: $reason"
		[ "$ms" -lt 5000 ]
		# It asked, and got its nonsense.
		[ -s "$D/garbage-$mode.out" ]
		stop_bg "garbage-$mode"
	done
	start_bg garbage dns-garbage cut
	wait_for 5 port_listening udp 53
	run -7 alice sip-register --once
	assert_output 'sip-register: failed aor=sip:alice@sipline.test reason="unable to resolve sipline.test: unusable DNS answer (truncated or malformed)"'
}

@test "dns bad input: SRV target \".\": the service is not there, no address lookup" {
	dns_start --srv-host=_sip._udp.sipline.test --host-record=sipline.test,127.0.0.1
	run -7 ns sip-options sip:sipline.test
	assert_output 'sip-options: fatal: unable to resolve sipline.test: service not available (SRV target ".")'
	assert_equal "$(dns_queries A sipline.test)" 0
}

@test "dns bad input: a name that is not one: exit 100 before any lookup" {
	dns_start
	run -100 in_netns env SIP_USER=alice SIP_DOMAIN=bad..name sip-register --once
	assert_output --partial 'sip-register: fatal: SIP_DOMAIN: not a host name or address (with an optional :PORT): bad..name'
	run -100 in_netns env SIP_SERVER=-x_.example..test sip-options
	assert_output --partial 'sip-options: fatal: SIP_SERVER: not a host name or address'
	run -100 alice sip-call -T 5 'sip:bob@bad..name' -- true
	assert_line 'sip-call: fatal: unable to resolve bad..name: not a valid host name'
	assert_equal "${lines[-1]}" "Try 'sip-call --help'."
	assert_equal "$(grep -c 'query\[' "$DNS_LOG")" 0
}

@test "dns: over TLS the domain's _sips._tcp SRV record names the server (no NAPTR), whose certificate must name the domain, not the SRV target" {
	kamailio_start TLS
	dns_start "--srv-host=_sips._tcp.sipline.test,kam.sipline.test,$KAM_TLS_PORT,10,10" "$KAM_A"
	run -0 alice env SIP_CA_FILE="$PKI/ca.pem" sip-register -v -t tls --once
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test contact=<sip:alice@127\.0\.0\.1:[0-9]+;transport=tls> expires=180$'
	# kam.sipline.test is not in the certificate: sipline.test is.
	assert_line "sip-register: debug: TLS connection to sipline.test:$KAM_TLS_PORT, certificate verified"
	kamailio_has_binding alice ';transport=tls'
	assert_equal "$(dns_queries SRV _sips._tcp.sipline.test)" 1
	assert_equal "$(dns_queries NAPTR sipline.test)" 0
	assert_equal "$(dns_queries SRV _sip._udp.sipline.test)" 0
}
