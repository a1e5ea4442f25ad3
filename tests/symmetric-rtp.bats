#!/usr/bin/env bats
# Symmetric RTP (sipline(7), SYMMETRIC RTP): the default media sends to
# where the peer's RTP comes from, once three packets in sequence came from
# there, and never follows a stray source afterwards.  The peer is a SIPp
# caller "behind NAT" (tests/sipp/call-uac-nat.xml: its SDP names a port
# where nothing listens, its RTP comes from its media port); what crosses
# lo is counted by tshark.

setup_file() {
	local f=$BATS_FILE_TMPDIR
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/500-5s.raw" synth 5 sine 500 vol 0.5
	sox -D -n -r 8000 -c 1 -t raw -e u-law "$f/1k3s.ul" synth 3 sine 1000 vol 0.5
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/2k1s.raw" synth 1 sine 2000 vol 0.5
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
}

teardown() {
	stop_all_bg
}

# rtp_port PID: the even local UDP port of process PID (its RTP socket).
rtp_port() {
	ss -Hunap | awk -v pid="pid=$1," '
		index($0, pid) { n = split($4, a, ":"); p = a[n]; if (p % 2 == 0) { print p; exit } }'
}

@test "symmetric RTP: the callee latches to where the caller's RTP comes from, not its SDP, and never follows a stray" {
	local port dead mport cport pid n
	port=$(free_port)
	dead=$(free_rtp_port)
	mport=$(free_sipp_media_port)
	capture_start wire "udp and portrange 1024-65535"
	start_bg bob sh -c 'exec sip-answer -l "127.0.0.1:$1" <"$2" >"$3"' \
		_ "$port" "$T/500-5s.raw" "$D/bob.raw"
	wait_for 5 port_listening udp "$port"
	sed "s|TONE|$T/1k3s.ul|" "$SIPLINE_TESTS/sipp/call-uac-nat.xml" >"$D/nat.xml"
	start_bg caller sipp_run uac "$D/nat.xml" -s bob -key from alice \
		-key domain "127.0.0.1:$port" -key dead "$dead" -mp "$mport" "127.0.0.1:$port"
	wait_for 5 grep -q '^sip-answer: answered ' "$D/bob.err"
	wait_for 5 grep -q '^sip-answer: media-latched ' "$D/bob.err"
	# A stray sends a tone to bob's RTP port in the middle of the call,
	# in sequence and with the negotiated payload type.
	pid=$(media_child bob)
	cport=$(rtp_port "$pid")
	[ -n "$cport" ]
	sleep 0.5
	run rtp-send -r "127.0.0.1:$cport" <"$T/2k1s.raw"
	echo "$output"
	assert_success
	wait_bg caller 15
	assert_success
	wait_bg bob 10
	assert_success
	assert_line --regexp "^sip-answer: media-latched rtp=127\\.0\\.0\\.1:$mport call-id=[^ ]+\$"
	assert_equal "$(grep -c 'media-latched' "$D/bob.err")" 1
	run capture_ports wire
	# bob's RTP (in the order it crossed lo): to the SDP's port until
	# the latch, then to the caller's media port only, nothing to the
	# stray.
	n=$(grep -c "^$cport $mport\$" <<<"$output")
	echo "bob -> SIPp's media port: $n, -> the SDP's port: $(grep -c "^$cport $dead\$" <<<"$output")"
	assert [ "$n" -ge 100 ]
	run awk -v from="$cport" -v sdp="$dead" -v nat="$mport" '
		$1 == from && $2 == nat { latched = 1 }
		$1 == from && $2 == sdp && latched { print "to the SDP port after the latch: line " NR }
		$1 == from && $2 != sdp && $2 != nat { print "elsewhere: " $0 }' <<<"$output"
	assert_output ""
	# What bob heard is the caller's tone, nothing of the stray's.
	run tone-check -f 1000 -s 25 "$D/bob.raw"
	echo "$output"
	assert_success
	run tone-check -f 2000 -s 0 "$D/bob.raw"
	assert_failure
}

@test "symmetric RTP: a caller whose SDP is right is latched to quietly (no event), and its stream is whole" {
	local port
	port=$(free_port)
	start_bg bob sh -c 'exec sip-answer -l "127.0.0.1:$1" <"$2" >"$3"' \
		_ "$port" "$T/500-5s.raw" "$D/bob.raw"
	wait_for 5 port_listening udp "$port"
	run sh -c 'exec timeout 20 sip-call -d sipline.test -D 2 "sip:bob@127.0.0.1:$1" <"$2" >"$3"' \
		_ "$port" "$T/500-5s.raw" "$D/alice.raw"
	assert_success
	refute_line --partial media-latched
	wait_bg bob 5
	assert_success
	refute_line --partial media-latched
	run tone-check -f 500 -s 30 -n 16000 -N 1600 "$D/alice.raw"
	echo "$output"
	assert_success
}

@test "symmetric RTP: a re-INVITE that moves the peer's media points the default media there, latching or not" {
	local port mport moved cport
	port=$(free_port)
	mport=$(free_sipp_media_port)
	moved=$(free_rtp_port)
	capture_start wire "udp and (dst port $mport or dst port $moved)"
	start_bg uas sipp_run uas call-uas-move -s bob -key moved "$moved" -p "$port" \
		-mp "$mport" -timeout 15s
	wait_for 5 port_listening udp "$port"
	# The peer sends no RTP: the caller's media is still latching when
	# the re-INVITE comes.
	run sh -c 'exec timeout 20 sip-call -d sipline.test -D 3 "sip:bob@127.0.0.1:$1" <"$2" >/dev/null' \
		_ "$port" "$T/500-5s.raw"
	assert_success
	assert_line --regexp "^sip-call: media-moved rtp=127\\.0\\.0\\.1:$moved call-id=[0-9a-f]{32}\$"
	wait_bg uas 10
	assert_success
	run capture_ports wire
	cport=$(awk '{ print $1; exit }' <<<"$output")
	echo "to the first port: $(grep -c " $mport\$" <<<"$output"), to the second: $(grep -c " $moved\$" <<<"$output")"
	assert [ "$(grep -c "^$cport $mport\$" <<<"$output")" -ge 30 ]
	assert [ "$(grep -c "^$cport $moved\$" <<<"$output")" -ge 60 ]
	# Once moved, never back.
	run awk -v from="$cport" -v a="$mport" -v b="$moved" '
		$1 == from && $2 == b { moved = 1 }
		$1 == from && $2 == a && moved { print "back to the first port: line " NR }' <<<"$output"
	assert_output ""
}
