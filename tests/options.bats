#!/usr/bin/env bats
# sip-options against the suite's private Kamailio, a closed port and a
# peer that never answers (SIPp, tests/sipp/opt-silent.xml): the exit
# status, what it prints on stdout (status and the peer's Allow, Accept,
# Server...), the ping mode's lines and summary.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# timed CMD...: runs CMD, output discarded; sets RC to its exit status and
# MS to the milliseconds it took.
timed() {
	local t0=${EPOCHREALTIME/[.,]/}
	RC=0
	"$@" >/dev/null 2>&1 || RC=$?
	MS=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
}

# silent_peer HOST: starts SIPp on HOST at a free port, taking one OPTIONS
# and answering nothing; sets PORT.
silent_peer() {
	PORT=$(free_port)
	start_bg silent sipp_run silent opt-silent -i "$1" -p "$PORT" -timeout 10s
	wait_for 5 port_listening udp "$PORT"
}

@test "options: Kamailio answers 200, with what it allows" {
	kamailio_start
	run --separate-stderr -0 sip-options "sip:127.0.0.1:$KAM_PORT"
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp "^sip:127.0.0.1:$KAM_PORT: 200 OK \\([0-9]+\\.[0-9]{2} ms\\)\$"
	assert_line 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO, MESSAGE'
	assert_line 'Accept: */*'
	assert_line 'Server: sipline-test-kamailio'
	# With -v: the request and the answer as they went.
	run -0 sip-options -v "sip:127.0.0.1:$KAM_PORT"
	assert_line "sip-options: sent to 127.0.0.1:$KAM_PORT (UDP):"
	assert_line --regexp "^OPTIONS sip:127.0.0.1:$KAM_PORT SIP/2.0"
	assert_line "sip-options: received from 127.0.0.1:$KAM_PORT (UDP):"
	assert_line --regexp '^SIP/2.0 200 OK'
}

# options_phone: SIPp as a phone that answers one OPTIONS with Allow,
# Accept, "Supported: replaces, timer" and a User-Agent (tests/sipp/
# options-uas.xml); sets PORT.
options_phone() {
	PORT=$(free_port)
	start_bg phone sipp_run phone options-uas -i 127.0.0.1 -p "$PORT"
	wait_for 5 port_listening udp "$PORT"
}

@test "options: a phone's Supported and User-Agent are shown" {
	options_phone
	run --separate-stderr -0 sip-options "sip:127.0.0.1:$PORT"
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp "^sip:127.0.0.1:$PORT: 200 OK \\([0-9]+\\.[0-9]{2} ms\\)\$"
	assert_line 'User-Agent: ExamplePhone/4.2 (sipp)'
	assert_line --regexp '^Supported: (.+, )?replaces(, .+)?$'
	assert_line --regexp '^Supported: (.+, )?timer(, .+)?$'
	assert_line 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE'
	assert_line 'Accept: application/sdp'
	# Only what the phone said: it sent no Server header.
	refute_line --regexp '^Server:'
	wait_bg phone 10
	assert_success
}

@test "options: a header of several values is one line, as the phone sent it (like Allow)" {
	options_phone
	run --separate-stderr -0 sip-options "sip:127.0.0.1:$PORT"
	# The man page: each header the response has, one line each.
	assert_line 'Supported: replaces, timer'
	assert_equal "$(grep -c '^Supported:' <<<"$output")" 1
	wait_bg phone 10
	assert_success
}

@test "options: without a URI it probes SIP_SERVER" {
	kamailio_start
	run -0 sip-options
	assert_line --index 0 --regexp "^sip:127.0.0.1:$KAM_PORT: 200 OK "
	grep -q "OPTIONS sip:127.0.0.1:$KAM_PORT from 127.0.0.1:[0-9]*/udp" "$KAM_LOG"
	# --server overrides it; neither: a usage error.
	SIP_SERVER= run -0 sip-options --server "127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 200 OK '
	SIP_SERVER= run -100 sip-options
	assert_line --partial 'no URI given and SIP_SERVER is not set'
}

@test "options: the answer's status decides the exit status (404: 5, 407 without credentials: 6)" {
	kamailio_start
	# A user's URI goes through the proxy's authentication...
	SIP_USER= run -6 sip-options "sip:alice@127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 407 Proxy Authentication Required'
	# ...and, authenticated, to a user who is not registered.
	SIP_USER=bob SIP_PASSWORD=bobpw run -5 sip-options "sip:alice@127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 404 Not Found'
	refute_output --partial bobpw
}

@test "options: a closed port: exit 7 at once" {
	port=$(free_port)
	run -7 timeout 10 sip-options "sip:127.0.0.1:$port"
	assert_output "sip-options: warning: sip:127.0.0.1:$port: no response (port unreachable: nothing listens there) from 127.0.0.1:$port"
	run -7 timeout 10 sip-options "sip:[::1]:$port"
	assert_output --partial 'no response (port unreachable'
	run -7 timeout 10 sip-options -t tcp "sip:127.0.0.1:$port"
	assert_output --partial 'Connection refused'
	# ICMP ends the wait: well below the 5 s of the default -w.
	timed sip-options "sip:127.0.0.1:$port"
	assert_equal "$RC" 7
	[ "$MS" -lt 3000 ]
}

@test "options ping: -c 3 -i 0.2: three replies and the summary" {
	kamailio_start
	run --separate-stderr -0 sip-options -c 3 -i 0.2 "sip:127.0.0.1:$KAM_PORT"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 7
	assert_line --index 0 "OPTIONS sip:127.0.0.1:$KAM_PORT"
	# One line per reply, in the order they come.
	for i in 1 2 3; do
		assert_line --regexp "^200 OK from 127.0.0.1:$KAM_PORT: seq=$i time=[0-9]+\\.[0-9]{2} ms\$"
	done
	assert_line --index 4 "--- sip:127.0.0.1:$KAM_PORT ping statistics ---"
	assert_line --index 5 '3 sent, 3 received, 0% loss'
	assert_line --index 6 --regexp '^rtt min/avg/max = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$'
	run -0 grep -c '^200 OK from' <<<"$output"
	assert_output 3
}

@test "options ping: a closed port: 100% loss, exit 7" {
	port=$(free_port)
	run --separate-stderr -7 timeout 10 sip-options -c 3 -i 0.2 "sip:127.0.0.1:$port"
	assert_line --index 0 "OPTIONS sip:127.0.0.1:$port"
	for i in 1 2 3; do
		assert_line --index $i "no response (port unreachable: nothing listens there): seq=$i"
	done
	assert_line '3 sent, 0 received, 100% loss'
	refute_line --partial rtt
}

@test "options ping: -c 0 pings until interrupted, then sums up" {
	kamailio_start
	start_bg ping sip-options -c 0 -i 0.1 "sip:127.0.0.1:$KAM_PORT"
	wait_for 5 grep -q 'seq=3 ' "$D/ping.out"
	signal_bg ping INT
	wait_bg ping 5
	assert_success
	run cat "$D/ping.out"
	assert_line --regexp '^([0-9]+) sent, \1 received, 0% loss$'
	assert_line --regexp '^rtt min/avg/max = '
}

@test "options -w: a peer that never answers: exit 7 after the timeout" {
	silent_peer 127.0.0.1
	timed sip-options -w 1 "sip:127.0.0.1:$PORT"
	assert_equal "$RC" 7
	assert [ "$MS" -ge 900 ]
	assert [ "$MS" -lt 4000 ]
	run -7 sip-options -w 0.5 "sip:127.0.0.1:$PORT"
	assert_output "sip-options: warning: sip:127.0.0.1:$PORT: no response (timeout) from 127.0.0.1:$PORT"
	# It did get there.
	wait_for 5 grep -q "^OPTIONS sip:127.0.0.1:$PORT SIP/2.0" "$D/silent.sipp-msg"
}

@test "options -w in ping mode: every probe times out, 100% loss" {
	silent_peer 127.0.0.1
	run --separate-stderr -7 sip-options -c 2 -i 0.2 -w 0.5 "sip:127.0.0.1:$PORT"
	assert_line --index 1 'no response (timeout): seq=1'
	assert_line --index 2 'no response (timeout): seq=2'
	assert_line '2 sent, 0 received, 100% loss'
}

@test "options over TCP: -t tcp and SIP_TRANSPORT=tcp" {
	kamailio_start
	run -0 sip-options -t tcp "sip:127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 200 OK '
	assert_line 'Server: sipline-test-kamailio'
	grep -q "OPTIONS sip:127.0.0.1:$KAM_PORT from 127.0.0.1:[0-9]*/tcp" "$KAM_LOG"
	SIP_TRANSPORT=tcp run -0 sip-options -c 2 -i 0.1
	assert_line '2 sent, 2 received, 0% loss'
	[ "$(grep -c "OPTIONS .*/tcp" "$KAM_LOG")" -ge 3 ]
}

@test "options over IPv6" {
	kamailio_start
	run -0 sip-options "sip:[::1]:$KAM_PORT"
	assert_line --index 0 --regexp "^sip:\\[::1\\]:$KAM_PORT: 200 OK "
	SIP_SERVER="[::1]:$KAM_PORT" run -0 sip-options -c 2 -i 0.1
	assert_line --regexp "^200 OK from \\[::1\\]:$KAM_PORT: seq=1 "
	assert_line --regexp "^200 OK from \\[::1\\]:$KAM_PORT: seq=2 "
	assert_line '2 sent, 2 received, 0% loss'
	run -0 sip-options -t tcp "sip:[::1]:$KAM_PORT"
	assert_line --index 0 --partial ': 200 OK '
	# (Kamailio writes the source address without brackets.)
	grep -q "OPTIONS sip:\\[::1\\]:$KAM_PORT from ::1:[0-9]*/tcp" "$KAM_LOG"
}

@test "options -l: sends from the given address" {
	kamailio_start
	port=$(free_port)
	run -0 sip-options -l "127.0.0.1:$port" "sip:127.0.0.1:$KAM_PORT"
	assert_line --index 0 --partial ': 200 OK '
	grep -q "OPTIONS sip:127.0.0.1:$KAM_PORT from 127.0.0.1:$port/udp" "$KAM_LOG"
}

@test "options: usage errors exit 100" {
	run -100 sip-options sip:a sip:b
	run -100 sip-options -c -1 sip:127.0.0.1
	run -100 sip-options -i 0 sip:127.0.0.1
	run -100 sip-options -w x sip:127.0.0.1
	run -100 sip-options 'sip:bad uri'
	run -0 sip-options --help
	assert_line --index 0 --regexp '^usage: sip-options '
}

# --- the manual

@test "man page: mandoc -Tlint clean, its SYNOPSIS is the --help usage" {
	page=$SIPLINE_TESTS/../man/sip-options.1
	run -0 mandoc -Tlint -Wwarning "$page"
	assert_output ""
	synopsis=$(mandoc -Tascii -Owidth=300 "$page" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS/{n;p;}' | tr -s ' ' | sed 's/^ //')
	usage=$(sip-options --help | awk '
		NR == 1 { sub(/^usage: /, ""); printf "%s", $0; next }
		/^ / && !done { printf " %s", $0; next }
		{ done = 1 }' | tr -s ' ')
	assert_equal "$synopsis" "$usage"
}
