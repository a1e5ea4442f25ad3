#!/usr/bin/env bats
# One meaning for a refused password, whichever tool sent it: many
# registrars and PBXs (Kamailio as many operators set it up, Asterisk's
# chan_sip) answer wrong credentials with 403 Forbidden instead of a second
# challenge.  A 403 to a request that carried our credentials is exit 6
# (authentication failed) for sip-register, sip-call and sip-options alike;
# a 403 to a request that carried none stays exit 1 (rejected).  The
# private Kamailio runs with AUTH403: a wrong password or an unknown user
# gets 403, not a new challenge.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	kamailio_start AUTH403
}

teardown_file() {
	kamailio_stop
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

@test "auth: a 403 to wrong credentials is exit 6 for sip-register, sip-call and sip-options" {
	run -6 timeout 30 env SIP_USER=alice SIP_PASSWORD=wrong sip-register --once
	assert_output 'sip-register: refused aor=sip:alice@sipline.test reason="403 Forbidden (credentials refused)"'
	run -6 timeout 30 env SIP_USER=alice SIP_PASSWORD=wrong sip-call -T 5 bob
	assert_line --regexp "^sip-call: rejected status=\"403 Forbidden\" reason=\"credentials refused\" call-id=$CID$"
	# An OPTIONS to a user goes through the proxy's authentication too.
	run -6 timeout 30 env SIP_USER=alice SIP_PASSWORD=wrong sip-options "sip:bob@127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 403 Forbidden'
	# An unknown user is refused the same way.
	run -6 timeout 30 env SIP_USER=mallory SIP_PASSWORD=x sip-call -T 5 bob
	assert_line --regexp "^sip-call: rejected status=\"403 Forbidden\" reason=\"credentials refused\" call-id=$CID$"
}

@test "auth: a 403 to a request without credentials stays a rejection, exit 1" {
	# Kamailio refuses a REGISTER for a domain it does not serve before it
	# challenges anything.
	run -1 timeout 30 env SIP_USER=alice SIP_PASSWORD=alicepw \
		sip-register --once -d elsewhere.test
	assert_output 'sip-register: refused aor=sip:alice@elsewhere.test reason="403 Not our domain"'
	# A callee that refuses with 403: the caller's credentials were taken
	# by the proxy, the 403 is the callee's own answer to a request that
	# reached it without them.
	local port
	port=$(free_port)
	start_bg bob sip-answer -l "127.0.0.1:$port" --reject 403
	wait_for 5 port_listening udp "$port"
	run -1 timeout 30 env SIP_SERVER= sip-call -T 5 "sip:bob@127.0.0.1:$port"
	assert_line --regexp "^sip-call: rejected status=\"403 Forbidden\" call-id=$CID$"
	refute_output --partial 'credentials refused'
}

@test "auth: the right password through the same registrar still works" {
	run -0 timeout 30 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register --once -e 60
	assert_output --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
}
