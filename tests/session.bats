#!/usr/bin/env bats
# UPDATE (RFC 3311) and session timers (RFC 4028): an UPDATE with SDP
# moves the media like a re-INVITE, one without a body is a refresh, one
# with an offer while ours is out gets 491 (SIPp to sip-answer --serve,
# tests/sipp/call-uac-update.xml; a SIPp phone to sip-call,
# tests/sipp/call-uas-update.xml).  Session timers: 422, refreshes by
# UPDATE or re-INVITE, a failed or missing refresh ending the call (exit 9).
# Directly on loopback, and through the private Kamailio (tests/kamailio.cfg,
# NOAUTH for SIPp's callers): UPDATEs and refreshes follow the recorded
# route.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

@test "session: UPDATE at sip-answer --serve: an offer moves the media (200 with our answer), none is 200 and refreshes the target, an offer while our re-INVITE is out 491" {
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

@test "session: UPDATE at sip-call: 200 without a body and 491 to an offer while it rings; answered, an offer moves its media there, its Contact the BYE's target" {
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

@test "session: sip-call, a phone without UPDATE: 422 then the larger interval, refreshes by re-INVITE at half of it, a refresh answered 481 ends the call (BYE, exit 9)" {
	local t0
	sipp_uas uas call-uas-timer -s bob
	t0=$(sl_now_us)
	run -9 direct sip-call -T 5 --session-expires 2 --min-se 1 "sip:bob@127.0.0.1:$SIPP_PORT" -- sleep 20
	assert_line --regexp "^sip-call: retrying status=\"422 Session Interval Too Small\" session-expires=4 call-id=$CID$"
	assert_line --regexp "^sip-call: session interval=4 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: session-refreshed by=local interval=4 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: session-refresh-failed reason=\"481 Call/Transaction Does Not Exist\" call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"session refresh failed\" call-id=$CID$"
	# Refreshed at 2 s and 4 s: the second's 481 ends it.
	assert_line --regexp "^sip-call: ended status=9 duration=4\.[0-9] call-id=$CID$"
	[ "$(seconds_since "$t0" | cut -d. -f1)" -lt 8 ]
	wait_bg uas 5
	assert_success
}

@test "session: sip-call, a phone that is the refresher and never refreshes: BYE a third before the interval ends, exit 9" {
	sipp_uas uas call-uas-timer-idle -s bob
	run -9 direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- sleep 20
	assert_line --regexp "^sip-call: session interval=3 refresher=remote call-id=$CID$"
	assert_line --regexp "^sip-call: session-expired interval=3 call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"session expired\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=9 duration=2\.[0-9] call-id=$CID$"
	wait_bg uas 5
	assert_success
}

@test "session: sip-answer, alone and --serve: 422 to a small interval, the caller's UPDATE refreshes, then none: BYE before the interval ends, status 9" {
	local serve
	for serve in "" -S; do
		answer_on ans$serve $serve --min-se 2 -- sleep 20
		sipp_run uac$serve call-uac-timer -s bob -key from alice \
			-key domain "127.0.0.1:$PORT" "127.0.0.1:$PORT"
		[ -n "$serve" ] || { wait_bg ans 5; assert_failure 9; }
		run cat "$D/ans$serve.err"
		assert_line --regexp "^sip-answer: warning: refusing INVITE of call .*: Session-Expires 1 is below our Min-SE 2 \(422\)$"
		assert_line --regexp "^sip-answer: session interval=4 refresher=remote call-id=.*$"
		assert_line --regexp "^sip-answer: session-refreshed by=remote interval=4 refresher=remote call-id=.*$"
		assert_line --regexp "^sip-answer: session-expired interval=4 call-id=.*$"
		assert_line --regexp "^sip-answer: hangup by=local reason=\"session expired\" call-id=.*$"
		# Refreshed at 2 s, ended 4 - 4/3 s later.
		assert_line --regexp "^sip-answer: ended status=9 duration=4\.[6-9] call-id=.*$"
	done
}

@test "session: sip-call to sip-answer, timers both sides: the caller refreshes by UPDATE at half the interval, the call goes on" {
	answer_on ans -S --session-expires 4 --min-se 2 -- sleep 20
	run -0 direct sip-call -T 5 -D 5 --session-expires 4 --min-se 2 "sip:bob@127.0.0.1:$PORT" -- sleep 20
	assert_line --regexp "^sip-call: session interval=4 refresher=local call-id=$CID$"
	assert_equal "$(grep -c '^sip-call: session-refreshed by=local interval=4 ' <<<"$output")" 2
	refute_line --partial session-expired
	assert_line --regexp "^sip-call: ended status=0 duration=5\.[0-9] call-id=$CID$"
	run cat "$D/ans.err"
	assert_line --regexp "^sip-answer: session interval=4 refresher=remote call-id=$CID$"
	assert_equal "$(grep -c '^sip-answer: session-refreshed by=remote interval=4 ' <<<"$output")" 2
	refute_line --partial session-expired
	assert_line --regexp "^sip-answer: ended status=0 duration=5\.[0-9] call-id=$CID$"
}

@test "session through Kamailio: UPDATE at sip-answer --serve, registered: the SIPp caller's UPDATEs (200, 491) and the hold re-INVITE pass Kamailio" {
	local moved cid
	moved=$(free_rtp_port)
	kamailio_start NOAUTH
	kamailio_answer bob bob -S -- sh -c 'sleep 1; echo hold >&9; exec sleep 20'
	sipp_run uac call-uac-update -s bob -key from alice -key domain sipline.test \
		-key moved "$moved" "127.0.0.1:$KAM_PORT"
	run sipp_trace uac
	assert_line --regexp '^SIP/2.0 491 '
	cid=$(sipp_call_id uac)
	assert_equal "$(kamailio_saw "UPDATE sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:" "$cid")" 3
	# The hold re-INVITE went to the Contact of the last UPDATE (a target
	# refresh, RFC 3311 §5.2), not the INVITE's.
	assert_equal "$(kamailio_saw "INVITE sip:moved@127\.0\.0\.1:[0-9]+;transport=UDP from 127\.0\.0\.1:" "$cid")" 1
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: media-moved rtp=127\.0\.0\.1:$moved call-id=.*$"
	assert_line --regexp "^sip-answer: held by=local call-id=.*$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=.*$"
}

@test "session through Kamailio: UPDATE at sip-call: the phone's UPDATEs, early and answered, come along the recorded route: 200, 491, the media moves" {
	local moved
	moved=$(free_rtp_port)
	kamailio_start
	sipp_uas uas call-uas-update -s bob -key moved "$moved"
	kamailio_register bob "$SIPP_PORT"
	run kamailio_as alice sip-call -T 5 bob -- sleep 2
	assert_success
	assert_line --regexp "^sip-call: media-moved rtp=127\\.0\\.0\\.1:$moved call-id=$CID\$"
	wait_bg uas 10
	assert_success
	sipp_trace uas | grep -q '^SIP/2.0 491 '
	assert_equal "$(kamailio_saw "UPDATE sip:alice@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:$SIPP_PORT/")" 3
	# The BYE went to the Contact of the last UPDATE, a target refresh.
	assert_equal "$(kamailio_saw "BYE sip:moved@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 1
}

@test "session through Kamailio: sip-call, 422 then the larger interval, refreshes by re-INVITE along the route, the one answered 481 ends the call (exit 9)" {
	kamailio_start
	sipp_uas uas call-uas-timer -s bob
	kamailio_register bob "$SIPP_PORT"
	run -9 kamailio_as alice sip-call -T 5 --session-expires 2 --min-se 1 bob -- sleep 20
	assert_line --regexp "^sip-call: retrying status=\"422 Session Interval Too Small\" session-expires=4 call-id=$CID$"
	assert_line --regexp "^sip-call: session interval=4 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: session-refreshed by=local interval=4 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: session-refresh-failed reason=\"481 Call/Transaction Does Not Exist\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=9 duration=4\.[0-9] call-id=$CID$"
	wait_bg uas 5
	assert_success
	# Both refreshes and the BYE went by way of Kamailio, the second
	# refresh and the BYE to the Contact of the first one's 200.
	assert_equal "$(kamailio_saw "INVITE sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 1
	assert_equal "$(kamailio_saw "(INVITE|BYE) sip:moved@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 2
}

@test "session through Kamailio: sip-answer --serve, registered: 422 to the SIPp caller's small interval, its UPDATE refresh passes Kamailio, then none: BYE by way of Kamailio, status 9" {
	local cid
	kamailio_start NOAUTH
	kamailio_answer bob bob -S --min-se 2 -- sleep 20
	sipp_run uac call-uac-timer -s bob -key from alice -key domain sipline.test "127.0.0.1:$KAM_PORT"
	cid=$(sipp_call_id uac)
	assert_equal "$(kamailio_saw "UPDATE sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:" "$cid")" 1
	assert_equal "$(kamailio_saw "BYE sip:alice@127\.0\.0\.1:[0-9]+;transport=UDP from 127\.0\.0\.1:" "$cid")" 1
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: warning: refusing INVITE of call .*: Session-Expires 1 is below our Min-SE 2 \(422\)$"
	assert_line --regexp "^sip-answer: session-refreshed by=remote interval=4 refresher=remote call-id=.*$"
	assert_line --regexp "^sip-answer: session-expired interval=4 call-id=.*$"
	assert_line --regexp "^sip-answer: ended status=9 duration=4\.[6-9] call-id=.*$"
}

@test "session through Kamailio: sip-call to sip-answer --serve, timers both sides: the caller's UPDATE refreshes follow the recorded route, the call goes on" {
	kamailio_start
	kamailio_answer bob bob -S --session-expires 2 --min-se 1 -- sleep 20
	run -0 kamailio_as alice sip-call -T 5 -D 3 --session-expires 2 --min-se 1 bob -- sleep 20
	assert_line --regexp "^sip-call: session interval=2 refresher=local call-id=$CID$"
	assert [ "$(grep -c '^sip-call: session-refreshed by=local interval=2 ' <<<"$output")" -ge 2 ]
	refute_line --partial session-expired
	assert_line --regexp "^sip-call: ended status=0 duration=3\.[0-9] call-id=$CID$"
	assert [ "$(kamailio_saw "UPDATE sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:")" -ge 2 ]
	run cat "$D/bob.err"
	assert [ "$(grep -c '^sip-answer: session-refreshed by=remote interval=2 ' <<<"$output")" -ge 2 ]
	refute_line --partial session-expired
	assert_line --regexp "^sip-answer: ended status=0 duration=3\.[0-9] call-id=$CID$"
}

@test "session through Kamailio: sip-answer --serve refreshes for a caller without timers: its UPDATE (refresher=uac) follows the recorded route" {
	local cid
	kamailio_start NOAUTH
	kamailio_answer bob bob -S --session-expires 2 --min-se 1 -- sleep 20
	sipp_run uac call-uac-notimer -s bob -key from alice -key domain sipline.test "127.0.0.1:$KAM_PORT"
	cid=$(sipp_call_id uac)
	# (The scenario checked its Session-Expires: 2;refresher=uac.)
	assert_equal "$(kamailio_saw "UPDATE sip:alice@127\.0\.0\.1:[0-9]+;transport=UDP from 127\.0\.0\.1:" "$cid")" 1
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: session interval=2 refresher=local call-id=$cid$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$cid$"
}

@test "session through Kamailio: sip-call's UPDATE refresh to a phone that is gone: Kamailio's 408 ends the call (BYE, exit 9)" {
	# The refresh goes at 3 s, the 408 comes 0.3 s later: before the
	# session would expire (at 4 s, a third before its end).
	kamailio_start FR_TIMER=300
	sipp_uas uas call-uas-timer-gone -s bob
	kamailio_register bob "$SIPP_PORT"
	run -9 kamailio_as alice sip-call -T 5 --session-expires 6 --min-se 1 bob -- sleep 20
	assert_line --regexp "^sip-call: session interval=6 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: session-refresh-failed reason=\"408 Request Timeout\" call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"session refresh failed\" call-id=$CID$"
	refute_line --partial session-expired
	assert_line --regexp "^sip-call: ended status=9 duration=3\.[0-9] call-id=$CID$"
	wait_bg uas 5
	assert_success
	assert_equal "$(kamailio_saw "UPDATE sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 1
	assert_equal "$(kamailio_saw "BYE sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 1
}
