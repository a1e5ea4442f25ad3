#!/usr/bin/env bats
# UPDATE (RFC 3311) and session timers (RFC 4028): an UPDATE with SDP
# moves the media like a re-INVITE, one without a body is a refresh, one
# with an offer while ours is out gets 491 (SIPp to sip-answer --serve,
# tests/sipp/call-uac-update.xml; a SIPp phone to sip-call,
# tests/sipp/call-uas-update.xml).
# Direct calls on loopback, no proxy.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

@test "session: UPDATE at sip-answer --serve: an offer moves the media (200 with our answer), none is 200, an offer while our re-INVITE is out 491" {
	local moved
	moved=$(free_rtp_port)
	answer_on ans -S -- sh -c 'sleep 1; echo hold >&9; exec sleep 20'
	sipp_run uac call-uac-update -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		-key moved "$moved" "127.0.0.1:$PORT"
	sipp_trace uac | grep -q '^SIP/2.0 491 '
	run cat "$D/ans.err"
	assert_line --regexp "^sip-answer: media-moved rtp=127\.0\.0\.1:$moved call-id=.*$"
	assert_line --regexp "^sip-answer: held by=local call-id=.*$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=.*$"
}

@test "session: UPDATE at sip-call: 200 without a body and 491 to an offer while it rings; answered, an offer moves its media there" {
	local moved cport
	moved=$(free_rtp_port)
	sipp_uas uas call-uas-update -s bob -key moved "$moved"
	capture_start wire "udp and (dst port $SIPP_MEDIA or dst port $moved)"
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/tone.raw" synth 5 sine 500 vol 0.5
	run sh -c 'exec timeout 20 sip-call -d sipline.test -D 3 "sip:bob@127.0.0.1:$1" <"$2" >/dev/null' \
		_ "$SIPP_PORT" "$D/tone.raw"
	assert_success
	assert_line --regexp "^sip-call: media-moved rtp=127\\.0\\.0\\.1:$moved call-id=[0-9a-f]{32}\$"
	wait_bg uas 10
	assert_success
	sipp_trace uas | grep -q '^SIP/2.0 491 '
	run capture_ports wire
	cport=$(awk '{ print $1; exit }' <<<"$output")
	echo "to the first port: $(grep -c " $SIPP_MEDIA\$" <<<"$output"), to the second: $(grep -c " $moved\$" <<<"$output")"
	assert [ "$(grep -c "^$cport $SIPP_MEDIA\$" <<<"$output")" -ge 30 ]
	assert [ "$(grep -c "^$cport $moved\$" <<<"$output")" -ge 60 ]
}
