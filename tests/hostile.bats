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
	local port
	port=$(free_port)
	start_bg serve sip-answer -l "127.0.0.1:$port" --serve -x "$SCREEN" -- sleep 5
	wait_for 5 port_listening udp "$port"

	run corpus_at "$port" 2
	echo "$output"
	assert_success

	proper_call "$port"
	bg_running serve
	signal_bg serve TERM
	wait_bg serve 10
	assert_success
	assert_line --regexp '^sip-answer: screened verdict=486 call-id=invite-other-user@hostile\.test$'
	assert_line --regexp '^sip-answer: answered codec=PCMU '
	no_sanitizer_report serve
}

@test "hostile: sip-answer waiting for its one call answers each case, then takes the call" {
	local port
	port=$(free_port)
	start_bg answer sip-answer -l "127.0.0.1:$port" -- sleep 5
	wait_for 5 port_listening udp "$port"

	# The valid INVITEs of the corpus would be that one call.
	NO_CALLS=1 run corpus_at "$port" 2
	echo "$output"
	assert_success
	bg_running answer

	proper_call "$port"
	wait_bg answer 10
	assert_success
	assert_line --regexp '^sip-answer: hangup by=remote call-id=[0-9a-f]{32}$'
	refute_line --partial 'hostile.test'    # no case became a call
	no_sanitizer_report answer
}

@test "hostile: sip-call and sip-answer in a call answer each case, and the call goes on" {
	local aport cport
	aport=$(free_port)
	cport=$(free_port)
	start_bg answer sip-answer -l "127.0.0.1:$aport" -- sleep 300
	wait_for 5 port_listening udp "$aport"
	start_bg call sip-call -l "127.0.0.1:$cport" -T 5 "sip:bob@127.0.0.1:$aport" -- sleep 300
	wait_for 5 grep -q '^sip-call: answered ' "$D/call.err"

	run corpus_at "$aport" 3
	echo "$output"
	assert_success
	run corpus_at "$cport" 3
	echo "$output"
	assert_success

	# Still the same call, up on both sides.
	bg_running answer
	bg_running call
	run grep -c -E 'hangup|ended' "$D/call.err" "$D/answer.err"
	assert_output "$D/call.err:0
$D/answer.err:0"
	signal_bg call TERM
	wait_bg call 10
	assert_success
	assert_line --regexp '^sip-call: hangup by=local reason="terminated" call-id='
	assert_line --regexp '^sip-call: ended status=0 '
	wait_bg answer 10
	assert_success
	assert_line --regexp '^sip-answer: hangup by=remote '
	no_sanitizer_report call answer
}

@test "hostile: sip-register's socket answers each case, and it goes on refreshing" {
	local port line
	kamailio_start
	start_bg reg env SIP_USER=alice SIP_PASSWORD=alicepw sip-register -e 2
	wait_for 5 grep -q '^sip-register: registered ' "$D/reg.err"
	line=$(grep -m 1 '^sip-register: registered ' "$D/reg.err")
	[[ $line =~ contact=\<sip:alice@127\.0\.0\.1:([0-9]+)\> ]]
	port=${BASH_REMATCH[1]}

	run corpus_at "$port" 4
	echo "$output"
	assert_success

	# Refreshes made after the corpus: the registration lives on.
	local before
	before=$(grep -c '^sip-register: refreshed ' "$D/reg.err" || true)
	wait_for 5 eval '[ "$(grep -c "^sip-register: refreshed " "$D/reg.err")" -gt "$before" ]'
	kamailio_has_binding alice
	signal_bg reg TERM
	wait_bg reg 10
	assert_success
	assert_line --regexp '^sip-register: unregistered aor=sip:alice@sipline\.test$'
	refute_line --partial 'failed'
	no_sanitizer_report reg
}
