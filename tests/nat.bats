#!/usr/bin/env bats
# Behind a NAT (sipline(7), NAT): a phone at home, `sip-register --
# sip-answer` on an address that exists only there, behind a router that
# masquerades (nftables) and forgets idle mappings after a few seconds
# (conntrack timeouts set short in the router), registered at a provider's
# Kamailio set up for NAT as providers do (nathelper: fix_nated_register,
# fix_nated_contact, nat_uac_test; tests/kamailio.cfg NATADDR), where the
# caller is too.  Three namespaces of the test's own (tests/netns.bash).
#
# What it shows: the REGISTERs leave from the answering socket, the public
# address the registrar saw is registered (one event line) and named in the
# answer's Contact and SDP; a call from the provider reaches the phone, a
# tone both ways; the keep-alives hold the router's mapping between
# refreshes (and without them it is lost: the test can fail); the same over
# TCP.

bats_require_minimum_version 1.5.0

# One testbed and one Kamailio for the file: each test starts its phones
# and leaves no binding behind (they unregister when they end).
setup_file() {
	load helper
	load netns
	nat_setup_file FR_TIMER=2000
	kamailio_add_user dave davepw
}

teardown_file() {
	nat_teardown_file
}

setup() {
	load helper
	load netns
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
}

teardown() {
	stop_all_bg
	# What a test changed in the router.
	nat_ports 1024-65535
	nat_conntrack_timeouts 30 120 432000
	nat_forget
}

# call_reaches USER TRANSPORT: a call from the provider reaches USER: both
# tones through, the answer's Contact and SDP at the public address.
call_reaches() {
	local user=$1 tp=$2
	call_user "$user" "$tp"
	assert_success
	assert_line --regexp '^sip-call: answered status="200 OK" '
	# bob's 200 (as alice got it) names the router's address: in its
	# SDP, and in its Contact, which Kamailio left as it was.
	assert_line --regexp "^c=IN IP4 $PUBLIC_ADDR\$"
	assert_line --regexp "^Contact: <sip:$user@$PUBLIC_ADDR:[0-9]+"
	refute_line --regexp "^c=IN IP4 $NAT_HOME_NET\\."
	wait_bg "$user" 10
	assert_success
	assert_line --regexp '^sip-answer: answered '
	assert_line --regexp "^sip-register: unregistered aor=sip:$user@sipline\\.test\$"
	check_tone -f 1000 -s 30 "$D/$user.raw"
	check_tone -f 500 -s 30 "$D/alice.raw"
}

# fails_to_reach USER TRANSPORT: registered, but a call from the provider
# does not reach USER: the router has forgotten the way in.
fails_to_reach() {
	local user=$1 tp=$2
	kamailio_has_binding "$user" "@$PUBLIC_ADDR:"
	call_user "$user" "$tp"
	assert_failure
	refute grep -q '^sip-answer: answered ' "$D/$user.err"
}

@test "nat: sip-register -- sip-answer behind a masquerading router: the public address registered once, a call from the provider reaches it, a tone both ways (SNR >= 30 dB)" {
	home_answer bob udp -e 60
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:"
	run public_lines
	assert_equal "${#lines[@]}" 1
	assert_line --regexp "^sip-register: public-address aor=sip:bob@sipline\\.test address=$PUBLIC_ADDR:[0-9]+\$"
	# First the private Contact, then the public one (once): no loop.
	run grep -cE '^sip-register: (registered|refreshed) ' "$D/bob.err"
	assert_output 2
	assert grep -qE "^sip-register: registered aor=sip:bob@sipline\\.test contact=<sip:bob@$HOME_ADDR:[0-9]+> " "$D/bob.err"
	assert grep -qE "^sip-register: refreshed aor=sip:bob@sipline\\.test contact=<sip:bob@$PUBLIC_ADDR:[0-9]+> " "$D/bob.err"
	# The private binding was removed in the same REGISTER.
	run kamailio_bindings bob
	assert_equal "${#lines[@]}" 1
	sleep 1
	run public_lines
	assert_equal "${#lines[@]}" 1
	call_reaches bob udp
}

@test "nat: the router forgets idle mappings after 2 s, the refresh is at 40 s: keep-alives (CRLF, or OPTIONS) hold the binding and calls reach the phone; with --keepalive off they do not" {
	local u
	nat_conntrack_timeouts 2
	home_answer bob udp -e 60 --keepalive-interval 1
	home_answer dave udp -e 60 --keepalive options --keepalive-interval 1
	home_answer carol udp -e 60 --keepalive off
	for u in bob dave carol; do
		wait_for 10 kamailio_has_binding "$u" "@$PUBLIC_ADDR:"
	done
	# Half again the router's timeout with nothing but keep-alives.
	sleep 3
	# Kamailio's INVITE to carol goes nowhere: 408 after its FR_TIMER.
	fails_to_reach carol udp
	assert_failure 4
	call_reaches bob udp
	call_reaches dave udp
	# Kamailio saw dave's OPTIONS (a notice line per request), and no
	# other phone sent any.
	run grep -c "OPTIONS sip:sipline.test from $PUBLIC_ADDR:.*(sip:dave@" "$KAM_LOG"
	echo "OPTIONS keep-alives: $output"
	assert [ "$output" -ge 3 ]
	run grep -c "OPTIONS sip:sipline.test from $PUBLIC_ADDR:.*(sip:\(bob\|carol\)@" "$KAM_LOG"
	assert_output 0
}

@test "nat: the router's public port changes (mappings forgotten, another port range): the next refresh registers the new address, once" {
	home_answer bob udp -e 4 --keepalive-interval 1
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:"
	run public_lines
	assert_equal "${#lines[@]}" 1
	nat_ports 40000-40099
	nat_forget
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:400[0-9][0-9]>?\$"
	run public_lines
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp "address=$PUBLIC_ADDR:400[0-9][0-9]\$"
	call_reaches bob udp
	run public_lines
	assert_equal "${#lines[@]}" 2
}

@test "nat: over TCP: the connection's public end registered, the double-CRLF keep-alives hold it past the router's timeout, a call reaches the phone; without them it does not" {
	nat_conntrack_timeouts 2
	home_answer bob tcp -e 60 --keepalive-interval 1
	home_answer carol tcp -e 60 --keepalive off
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:[0-9]+;transport=tcp"
	wait_for 10 kamailio_has_binding carol "@$PUBLIC_ADDR:[0-9]+;transport=tcp"
	run public_lines
	assert_equal "${#lines[@]}" 1
	sleep 3
	fails_to_reach carol tcp
	call_reaches bob tcp
}
