#!/usr/bin/env bats
# DTMF by SIP INFO (sipline(7), DTMF): the keys of INFOs of
# application/dtmf-relay and application/dtmf become the same DTMF lines
# as RFC 4733 events (rtp-recv --dtmf-fd, the default media's stderr);
# other bodies get 400 or 415, an Info Package 469; the control channel's
# dtmf DIGITS go as INFOs when the peer takes no telephone-event, or
# always with --dtmf info.  SIPp (tests/sipp/call-uac-info.xml,
# call-uas-info.xml) and our own tools, directly on loopback and through
# the private Kamailio.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# keys_then_dtmf: writes $D/keys.sh, a media command (sh keys.sh FILE N
# DIGITS) that writes the DTMF lines it hears to FILE (rtp-recv
# --dtmf-fd), and once N of them came, sends DIGITS on the control
# channel (none when DIGITS is empty), then waits for the call's end.
keys_then_dtmf() {
	cat >"$D/keys.sh" <<'SH'
rtp-recv --dtmf-fd 5 5>"$1" >/dev/null &
i=0
while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -z "$3" ] || echo "dtmf $3" >&9
wait
SH
}

@test "dtmf-info: an INFO burst to sip-answer and sip-answer --serve: the keys as DTMF lines in order, 400/415/469 to the rest; its own keys go back as INFOs" {
	local serve
	keys_then_dtmf
	for serve in "" -S; do
		rm -f "$D/keys.txt"
		answer_on ans $serve -- sh "$D/keys.sh" "$D/keys.txt" 4 '9*'
		sipp_run uac call-uac-info -s bob -key from alice -key domain "127.0.0.1:$PORT" \
			"127.0.0.1:$PORT"
		assert_equal "$(squeeze <"$D/keys.txt")" "DTMF 1 DTMF 2 DTMF * DTMF #"
		run sipp_trace uac
		assert_line 'SIP/2.0 400 Bad Request'
		assert_line 'SIP/2.0 415 Unsupported Media Type'
		assert_line 'Accept: application/dtmf-relay, application/dtmf'
		assert_line 'SIP/2.0 469 Bad Info Package'
		assert_line --regexp '^Recv-Info: ?$'
		# (The scenario checked that 9 and * came as INFOs of dtmf-relay.)
		run cat "$D/ans.err"
		assert_line --regexp "^sip-answer: warning: INFO without a usable DTMF key in call .*: 400$"
		assert_line --regexp "^sip-answer: warning: INFO of type text/plain in call .*: 415$"
		assert_line --regexp "^sip-answer: control dtmf digits=9\* call-id="
		if [ -n "$serve" ]; then
			stop_bg ans
			no_sanitizer_report ans
		else
			wait_bg ans 5
			assert_success
		fi
	done
}

@test "dtmf-info through Kamailio: an INFO burst to sip-answer --serve, registered: the keys as DTMF lines in order, each INFO both ways by way of Kamailio" {
	local cid
	keys_then_dtmf
	kamailio_start NOAUTH
	kamailio_answer bob bob -S -- sh "$D/keys.sh" "$D/keys.txt" 4 '9*'
	sipp_run uac call-uac-info -s bob -key from alice -key domain sipline.test "127.0.0.1:$KAM_PORT"
	assert_equal "$(squeeze <"$D/keys.txt")" "DTMF 1 DTMF 2 DTMF * DTMF #"
	run sipp_trace uac
	assert_line 'SIP/2.0 415 Unsupported Media Type'
	assert_line 'SIP/2.0 469 Bad Info Package'
	cid=$(sipp_call_id uac)
	# SIPp's eight INFOs to the call process, its two back.
	assert_equal "$(kamailio_saw "INFO sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:" "$cid")" 8
	assert_equal "$(kamailio_saw "INFO sip:alice@127\.0\.0\.1:[0-9]+;transport=UDP from 127\.0\.0\.1:" "$cid")" 2
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: control dtmf digits=9\* call-id="
	stop_bg bob
	no_sanitizer_report bob
}

@test "dtmf-info: sip-call's 'dtmf 12#' to a phone without telephone-event goes as INFOs (--control-fd, default media); the phone's INFO key is a DTMF line on stderr; directly and through Kamailio" {
	sipp_uas info call-uas-info -s bob
	mkfifo "$D/ctl"
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/silence.raw" synth 5 sine 400 vol 0
	start_bg call direct sh -c 'exec sip-call -T 5 --control-fd 5 "$1" 5<>"$2" <"$3" >/dev/null' \
		sh "sip:bob@127.0.0.1:$SIPP_PORT" "$D/ctl" "$D/silence.raw"
	wait_for 5 grep -q '^sip-call: answered' "$D/call.err"
	echo "dtmf 12#" >"$D/ctl"
	wait_bg call 10
	assert_success
	assert_line --regexp "^sip-call: control dtmf digits=12# call-id=$CID$"
	assert_line "rtp-recv: DTMF 7"
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_bg info 5
	assert_success

	# Through Kamailio: the INFOs each way follow the recorded route.
	kamailio_start
	sipp_uas info2 call-uas-info -s bob
	run env SIP_USER=bob SIP_PASSWORD=bobpw sip-register -1 -e 60 -c "127.0.0.1:$SIPP_PORT"
	assert_success
	start_bg call2 timeout -k 2 30 sh -c 'exec env SIP_USER=alice SIP_PASSWORD=alicepw \
		sip-call -T 5 --control-fd 5 bob 5<>"$1" <"$2" >/dev/null' sh "$D/ctl" "$D/silence.raw"
	wait_for 5 grep -q '^sip-call: answered' "$D/call2.err"
	echo "dtmf 12#" >"$D/ctl"
	wait_bg call2 10
	assert_success
	assert_line "rtp-recv: DTMF 7"
	wait_bg info2 5
	assert_success
	[ "$(grep -c "INFO sip:bob@127\.0\.0\.1:$SIPP_PORT.* from 127\.0\.0\.1:" "$KAM_LOG")" = 3 ]
	grep -q "INFO sip:alice@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:$SIPP_PORT" "$KAM_LOG"
}

@test "dtmf-info: an INFO of ours answered 481 drops the keys left and ends the call (BYE), as RFC 3261 says" {
	sipp_uas lost call-uas-info-481 -s bob
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- sh -c 'echo "dtmf 123" >&9; exec sleep 20'
	assert_success
	assert_line --regexp "^sip-call: control-error command=dtmf reason=\"481 Call/Transaction Does Not Exist\" call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"INFO failed\" call-id=$CID$"
	wait_bg lost 5
	assert_success
	[ "$(sipp_trace lost | grep -c '^INFO ')" = 1 ]
}

@test "dtmf-info: --dtmf info sends INFOs to a peer that has telephone-event, --dtmf rfc4733 never; a bad --dtmf or SIP_DTMF is a usage error" {
	# sip-answer's keys go by INFO to sip-call, whose rtp-recv says them.
	keys_then_dtmf
	answer_on ans --dtmf info -- sh -c 'sleep 0.3; echo "dtmf 4,5" >&9; exec sleep 20'
	run direct sip-call -T 5 -D 2 "sip:bob@127.0.0.1:$PORT" -- sh "$D/keys.sh" "$D/keys.txt" 2 ""
	assert_success
	assert_equal "$(squeeze <"$D/keys.txt")" "DTMF 4 DTMF 5"
	wait_bg ans 5
	assert_line --regexp "^sip-answer: control dtmf digits=4,5 call-id=$CID$"

	# --dtmf rfc4733 toward SIPp's phone without telephone-event: refused.
	sipp_uas uas -sn uas
	run direct sip-call -T 5 --dtmf rfc4733 "sip:service@127.0.0.1:$SIPP_PORT" -- \
		sh -c 'echo "dtmf 1" >&9; sleep 0.5'
	assert_success
	assert_line --regexp "^sip-call: control-error command=dtmf reason=\"the peer takes no telephone-event\" call-id=$CID$"

	run -100 sip-call --dtmf sip sip:bob@127.0.0.1:9
	assert_output --partial '--dtmf: auto, rfc4733 or info, not sip'
	SIP_DTMF=both run -100 sip-answer -l 127.0.0.1:9
	assert_output --partial 'SIP_DTMF: auto, rfc4733 or info, not both'
}

@test "dtmf-info: baresip takes our INFO keys (--dtmf info); it sends its own only as RFC 4733 events" {
	# baresip 1.0.0 reads application/dtmf-relay INFOs, but has no way
	# to send its keys by INFO: the other way is not testable with it.
	local port
	port=$(free_rtp_port)
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$port"
	echo "<sip:bob@127.0.0.1:$port>;regint=0;answermode=auto" >"$D/bs/accounts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -v -t 10
	wait_for 5 port_listening udp "$port"
	run direct sip-call -T 5 --dtmf info "sip:bob@127.0.0.1:$port" -- \
		sh -c 'sleep 0.3; echo "dtmf 12#" >&9; sleep 1'
	assert_success
	assert_line --regexp "^sip-call: control dtmf digits=12# call-id=$CID$"
	refute_line --partial control-error
	stop_bg bs
	assert_equal "$(cat "$D/bs.out" "$D/bs.err" | grep -ao "received DTMF: '.'" | tr -d "'" | squeeze)" \
		"received DTMF: 1 received DTMF: 2 received DTMF: #"
}
