#!/usr/bin/env bats
# Accounts as providers and PBXs hand them out: an auth ID that is not the
# user name (SIP_AUTH_USER), a display name in From (SIP_DISPLAY_NAME), a
# domain with a port, redirections (3xx) followed by sip-call and given by
# sip-answer --redirect, and a registrar's Retry-After honoured.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

@test "accounts: SIP_AUTH_USER authenticates while From, To and Contact keep the user name" {
	kamailio_start AUTHID
	kamailio_add_user alice-id secret-id
	run -0 timeout 30 env SIP_USER=alice SIP_AUTH_USER=alice-id SIP_PASSWORD=secret-id \
		sip-register --once -e 60 -v
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test contact=<sip:alice@127\.0\.0\.1:[0-9]+> expires=60$'
	# On the wire: the auth ID in the credentials, the user everywhere else.
	assert_line --regexp '^Authorization: Digest username="alice-id", realm="sipline.test"'
	assert_line --regexp '^From: <sip:alice@sipline.test>;tag='
	refute_output --partial 'secret-id'
	kamailio_has_binding alice
	# The same account without its auth ID: the credentials of the user
	# name are refused (the registrar answers 403 to them): exit 6.
	run -6 timeout 30 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register --once
	assert_output 'sip-register: refused aor=sip:alice@sipline.test reason="403 Forbidden auth ID (credentials refused)"'
	# A call authenticates with the auth ID too.
	kamailio_add_user bob-id secret-bob
	run -5 timeout 30 env SIP_USER=bob SIP_AUTH_USER=bob-id SIP_PASSWORD=secret-bob \
		sip-call -T 5 carol
	assert_line --regexp "^sip-call: rejected status=\"404 Not Found\" call-id=$CID$"
}

@test "accounts: SIP_DISPLAY_NAME goes in From, quoted and escaped; the callee sees it" {
	local port
	port=$(free_port)
	start_bg bob sip-answer -l "127.0.0.1:$port" -- true
	wait_for 5 port_listening udp "$port"
	run -0 timeout 30 env SIP_SERVER= SIP_USER=alice SIP_DOMAIN=sipline.test \
		SIP_DISPLAY_NAME='Zoë "Z" O\Brien' sip-call -v -T 5 "sip:bob@127.0.0.1:$port"
	assert_line --regexp '^From: "Zoë \\"Z\\" O\\\\Brien" <sip:alice@sipline\.test>;tag='
	wait_bg bob 10
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: incoming from=sip:alice@sipline\.test name=\"Zoë \?Z\? O\?Brien\" to=sip:bob@127\.0\.0\.1:$port call-id=$CID$"
	# A control character cannot go in a header: a usage error.
	run -100 env SIP_DISPLAY_NAME=$'Al\tice' sip-call -T 1 "sip:bob@127.0.0.1:$port"
	assert_output --partial 'SIP_DISPLAY_NAME holds a control character'
}

@test "accounts: a domain with a port makes a valid address of record" {
	kamailio_start
	run -0 timeout 30 env SIP_SERVER= SIP_DOMAIN="127.0.0.1:$KAM_PORT" SIP_USER=alice \
		SIP_PASSWORD=alicepw sip-register --once -e 60
	assert_line --regexp "^sip-register: registered aor=sip:alice@127\.0\.0\.1:$KAM_PORT contact="
	kamailio_has_binding alice
	# A bare user name called in that domain.
	run -5 timeout 30 env SIP_SERVER= SIP_DOMAIN="127.0.0.1:$KAM_PORT" SIP_USER=alice \
		SIP_PASSWORD=alicepw sip-call -T 5 carol
	assert_line --regexp "^sip-call: calling to=sip:carol@127\.0\.0\.1:$KAM_PORT call-id=$CID$"
}

@test "accounts: sip-call follows a 302 to the Contact it names; sip-answer --redirect gives it" {
	local p1 p2
	p1=$(free_port)
	p2=$(free_port)
	start_bg carol sip-answer -l "127.0.0.1:$p1" --redirect "bob@127.0.0.1:$p2"
	start_bg bob sip-answer -l "127.0.0.1:$p2" -- true
	wait_for 5 port_listening udp "$p1"
	wait_for 5 port_listening udp "$p2"
	run -0 timeout 30 env SIP_SERVER= sip-call -T 10 "sip:carol@127.0.0.1:$p1"
	assert_line --regexp "^sip-call: calling to=sip:carol@127\.0\.0\.1:$p1 call-id=$CID$"
	assert_line --regexp "^sip-call: redirected status=\"302 Moved Temporarily\" to=sip:bob@127\.0\.0\.1:$p2 hop=1 call-id=$CID$"
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU "
	assert_line --regexp '^sip-call: ended status=0 '
	wait_bg carol 10
	assert_equal "$status" 1
	run cat "$D/carol.err"
	assert_line --regexp "^sip-answer: rejected status=\"302 Moved Temporarily\" to=sip:bob@127\.0\.0\.1:$p2 call-id=$CID$"
}

@test "accounts: a redirect loop ends: each target once, at most 5 hops, then the 3xx is the outcome (exit 1)" {
	local i ports=()
	for i in 0 1 2 3 4 5 6; do
		ports[i]=$(free_port)
	done
	# A chain of seven, each sending on to the next: the sixth request is
	# one too many.
	for i in 0 1 2 3 4 5; do
		start_bg "r$i" sip-answer -S -l "127.0.0.1:${ports[i]}" \
			--redirect "127.0.0.1:${ports[i + 1]}"
	done
	start_bg r6 sip-answer -l "127.0.0.1:${ports[6]}" -- true
	for i in 0 1 2 3 4 5 6; do
		wait_for 5 port_listening udp "${ports[i]}"
	done
	run -1 timeout 30 env SIP_SERVER= sip-call -T 10 "sip:127.0.0.1:${ports[0]}"
	assert_equal "$(grep -c '^sip-call: redirected ' <<<"$output")" 5
	assert_line --regexp "hop=5 call-id=$CID$"
	assert_line 'sip-call: warning: not following 302 Moved Temporarily: 5 redirections already'
	assert_line --regexp "^sip-call: rejected status=\"302 Moved Temporarily\" call-id=$CID$"
}

@test "accounts: two phones that redirect to each other: each tried once, then the 3xx is the outcome (exit 1)" {
	local a b
	a=$(free_port)
	b=$(free_port)
	start_bg ra sip-answer -S -l "127.0.0.1:$a" --redirect "sip:127.0.0.1:$b"
	start_bg rb sip-answer -S -l "127.0.0.1:$b" --redirect "sip:127.0.0.1:$a"
	wait_for 5 port_listening udp "$a"
	wait_for 5 port_listening udp "$b"
	run -1 timeout 30 env SIP_SERVER= sip-call -T 10 "sip:127.0.0.1:$a"
	assert_equal "$(grep -c '^sip-call: redirected ' <<<"$output")" 1
	assert_line --regexp "^sip-call: redirected status=\"302 Moved Temporarily\" to=sip:127\.0\.0\.1:$b hop=1 call-id=$CID$"
	assert_line --regexp "^sip-call: rejected status=\"302 Moved Temporarily\" call-id=$CID$"
}

@test "accounts: sip-register waits as long as a 503's Retry-After says, not its backoff" {
	local port t0 t1
	port=$(free_port)
	start_bg registrar sipp_run registrar reg-503-then-200 -p "$port" -key retry 3
	wait_for 5 port_listening udp "$port"
	t0=$(sl_now_us)
	start_bg reg env SIP_USER=alice SIP_PASSWORD=x sip-register -e 60 -s "127.0.0.1:$port"
	wait_for 10 grep -q '^sip-register: registered ' "$D/reg.err"
	t1=$(sl_now_us)
	run cat "$D/reg.err"
	assert_line --index 0 'sip-register: failed aor=sip:alice@127.0.0.1 reason="503 Service Unavailable"'
	assert_line --index 1 'sip-register: retrying delay=3'
	assert_line --index 2 --regexp '^sip-register: registered aor=sip:alice@127\.0\.0\.1 '
	# Not the backoff's 1 s: the 3 s asked for (and not much more).
	[ $((t1 - t0)) -ge 2900000 ] || fail "registered after $(((t1 - t0) / 1000)) ms"
	[ $((t1 - t0)) -lt 5000000 ] || fail "registered after $(((t1 - t0) / 1000)) ms"
}
