#!/usr/bin/env bats
# Hostile input: every case of tests/hostile (malformed and unusual SIP,
# one datagram each) is sent with tests/tools/udp-send at sip-answer (serve
# mode, and single-call mode idle and in a call), at sip-call in a call and
# at sip-register's socket.  Each must get the answer tests/hostile/EXPECTED
# gives for that tool (a final response code, or none: dropped), and the
# tool must go on: answer an OPTIONS right after, take a proper call, keep
# its call up, refresh its registration, and end cleanly on SIGTERM with no
# sanitizer report (make check SANITIZE=1).

setup_file() {
	load helper
	# Calls from mallory (every valid INVITE of the corpus) are screened
	# busy; anyone else's call is answered.
	cat >"$BATS_FILE_TMPDIR/screen" <<-'EOF'
		#!/bin/sh
		case $SIP_REMOTE_URI in *mallory*) exit 2 ;; esac
		exit 0
	EOF
	chmod +x "$BATS_FILE_TMPDIR/screen"
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	SCREEN=$BATS_FILE_TMPDIR/screen
	CORPUS=$SIPLINE_TESTS/hostile      # answered per CORPUS/EXPECTED (helper.bash)
}

teardown() {
	stop_all_bg
}

# --- tests

@test "hostile: sip-answer --serve gives each case its answer, then takes a call" {
	corpus_serve "$SCREEN" invite-other-user@hostile.test
}

@test "hostile: sip-answer waiting for its one call answers each case, then takes the call" {
	corpus_single_call 'hostile.test'
}

@test "hostile: sip-call and sip-answer in a call answer each case, and the call goes on" {
	corpus_in_a_call
}

@test "hostile: sip-register's socket answers each case, and it goes on refreshing" {
	corpus_at_register
}

@test "hostile: INVITEs refused for their offer free their call slot in serve mode" {
	local port i
	port=$(free_port)
	start_bg serve sip-answer -l "127.0.0.1:$port" --serve -m 2 -- sleep 5
	wait_for 5 port_listening udp "$port"

	# Calls whose SDP is garbage (488) fill both slots; each process ends
	# after its 488 has waited for an ACK (none comes here, 4 s at
	# most), and frees its slot: the next one is refused for its offer
	# again, not turned away busy, and a proper call is answered.
	for i in 1 2 3; do
		LC_ALL=C sed "s/^\(Call-ID: [^\r]*\)/\1-$i/; s/\(branch=[^;\r]*\)/\1-$i/" \
			"$CORPUS/invite-sdp-garbage.sip" >"$D/garbage-$i.sip"
	done
	for i in 1 2; do
		run udp-send -w 5 -n 1 "127.0.0.1:$port" "$D/garbage-$i.sip"
		assert_line "488 invite-sdp-garbage@hostile.test-$i"
	done
	wait_for 10 eval '[ -z "$(pgrep -P "$(bg_pid serve)")" ]'
	run udp-send -w 5 -n 1 "127.0.0.1:$port" "$D/garbage-3.sip"
	assert_line "488 invite-sdp-garbage@hostile.test-3"
	refute_line --partial '486 '
	proper_call "$port"
	signal_bg serve TERM
	wait_bg serve 10
	assert_success
	no_sanitizer_report serve
}
