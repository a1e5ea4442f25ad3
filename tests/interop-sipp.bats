#!/usr/bin/env bats
# Interop with SIPp, an independent SIP implementation: its built-in UAS
# and our scenarios (tests/sipp/call-*.xml) answering sip-call, its UAC
# calling sip-answer; directly and through the private Kamailio.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	kamailio_start
}

teardown_file() {
	kamailio_stop
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	kamailio_has_no_binding bob || kamailio_ctl ul.rm location bob
}

teardown() {
	stop_all_bg
}

# --- helpers for this file

SIPP_CID='[0-9]+-[0-9]+@127\.0\.0\.1'

# register_sipp: bob's binding points at the SIPp phone (sip-register
# --once, so that the proxy sends bob's calls there).
register_sipp() {
	run env SIP_USER=bob SIP_PASSWORD=bobpw sip-register -1 -e 60 -c "127.0.0.1:$SIPP_PORT"
	assert_success
	kamailio_has_binding bob "@127\.0\.0\.1:$SIPP_PORT"
}

# alice CMD...: CMD as alice through the proxy, bounded.
alice() {
	timeout -k 2 30 env SIP_USER=alice SIP_PASSWORD=alicepw "$@"
}

@test "interop: SIPp's built-in UAS answers sip-call directly; no telephone-event, no RTP_DTMF_PAYLOAD_TYPE" {
	sipp_uas uas -sn uas
	run direct sip-call -T 5 "sip:service@127.0.0.1:$SIPP_PORT" -- handoff-probe -o "$D/media.txt" -s 0.5
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\.0\.0\.1:$SIPP_MEDIA call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9]+\.[0-9] call-id=$CID$"
	wait_bg uas 5
	assert_success
	grep -q "^fd 6 udp 127\.0\.0\.1:[0-9]* 127\.0\.0\.1:$SIPP_MEDIA$" "$D/media.txt"
	assert_equal "$(report_env media.txt RTP_CODEC)" PCMU
	run report_env media.txt RTP_DTMF_PAYLOAD_TYPE
	assert_failure
}

@test "interop: a SIPp UAS that never answers the BYE: sip-call gives it up after 5 s, says so, exits 0" {
	sipp_uas uas call-uas-deaf -s bob
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- sleep 0.5
	assert_success
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	# The hang-up is the caller's and stands; what it cannot know is
	# whether the peer heard it, and it says that.
	assert_line 'sip-call: warning: BYE: no response (timeout): the peer may not know the call has ended'
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9]+\.[0-9] call-id=$CID$"
	# The BYE was retransmitted (timer E) until it was given up.
	[ "$(sipp_trace uas | grep -c '^BYE ')" -ge 3 ]
	stop_bg uas
}

@test "interop: SIPp UASs answer sip-call through Kamailio: ACK and BYE follow the recorded route, if any" {
	sipp_uas uas call-uas -s bob
	register_sipp
	run alice sip-call -T 5 bob -- sleep 0.5
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\.0\.0\.1:$SIPP_MEDIA call-id=$CID$"
	wait_bg uas 5
	assert_success
	# Kamailio relayed the ACK and the BYE (loose routing), and the UAS
	# saw them arrive from it.
	grep -q "ACK sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:" "$KAM_LOG"
	grep -q "BYE sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:" "$KAM_LOG"
	sipp_trace uas | grep -q "^Via: SIP/2.0/UDP 127\.0\.0\.1:$KAM_PORT;branch="

	# SIPp's built-in UAS does not echo Record-Route: then the ACK and
	# the BYE go straight to its Contact, and the call works as well.
	kamailio_ctl ul.rm location bob
	sipp_uas uas2 -sn uas -s bob
	register_sipp
	run alice sip-call -T 5 bob -- sleep 0.5
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\.0\.0\.1:$SIPP_MEDIA call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	wait_bg uas2 5
	assert_success
	run grep -c "BYE sip:127\.0\.0\.1:$SIPP_PORT" "$KAM_LOG"
	assert_output 0
}

@test "interop: a busy SIPp phone: sip-call exits 2, directly and through Kamailio" {
	sipp_uas busy call-uas-busy
	run -2 direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT"
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	wait_bg busy 5
	assert_success

	sipp_uas busy2 call-uas-busy
	register_sipp
	run -2 alice sip-call -T 5 bob
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	wait_bg busy2 5
	assert_success
}

@test "interop: a SIPp phone that rings forever: CANCEL after -T, 487, exit 4, directly and through Kamailio" {
	sipp_uas ring call-uas-ring
	run -4 direct sip-call -T 1 "sip:bob@127.0.0.1:$SIPP_PORT"
	assert_line 'sip-call: ringing status="180 Ringing"'
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	refute_line --partial warning
	# SIPp got the CANCEL, answered 487, and got the ACK for it.
	wait_bg ring 5
	assert_success

	sipp_uas ring2 call-uas-ring
	register_sipp
	run -4 alice sip-call -T 1 bob
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	# The proxy's 487 came, usable, and ended the call (no waiting it out).
	refute_line --partial warning
	wait_bg ring2 5
	assert_success
	grep -q "CANCEL sip:bob@sipline\.test from 127\.0\.0\.1:" "$KAM_LOG"
}

@test "interop: a SIPp phone puts sip-call on hold (re-INVITE): 200 with a=recvonly, the call goes on" {
	sipp_uas hold call-uas-hold -s bob
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- handoff-probe -o "$D/media.txt" -s 1
	assert_success
	assert_line --regexp "^sip-call: held call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	wait_bg hold 5
	assert_success
	# One media command, for the whole call.
	assert_equal "$(grep -c '^ready$' "$D/media.txt")" 1

	sipp_uas hold2 call-uas-hold -s bob
	register_sipp
	run alice sip-call -T 5 bob -- sleep 1
	assert_success
	assert_line --regexp "^sip-call: held call-id=$CID$"
	wait_bg hold2 5
	assert_success
	grep -q "INVITE sip:alice@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:$SIPP_PORT" "$KAM_LOG"
}

@test "interop: a SIPp phone sends OPTIONS, SUBSCRIBE and an unknown method within the call: 200, 405, 501; the call goes on until its BYE" {
	sipp_uas ind call-uas-indialog -s bob
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- handoff-probe -o "$D/media.txt" -s -1
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\.0\.0\.1:$SIPP_MEDIA call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9.]+ call-id=$CID$"
	refute_line --partial warning
	wait_bg ind 5
	assert_success
	# One media command for the whole call, stopped by the BYE alone.
	assert_equal "$(grep -c '^ready$' "$D/media.txt")" 1
	assert_equal "$(tail -n 1 "$D/media.txt")" "signal TERM"
	# (The scenario checked each answer: 200 to OPTIONS, 405 with Allow
	# to SUBSCRIBE, 501 to FROBNICATE.)
	run sipp_trace ind
	assert_line 'SIP/2.0 405 Method Not Allowed'
	assert_line 'SIP/2.0 501 Not Implemented'

	# Through Kamailio, the requests follow the recorded route.
	sipp_uas ind2 call-uas-indialog -s bob
	register_sipp
	run alice sip-call -T 5 bob -- handoff-probe -s -1
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_bg ind2 5
	assert_success
	grep -q "FROBNICATE sip:alice@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:$SIPP_PORT" "$KAM_LOG"
}

@test "interop: SIPp's UAC calls sip-answer directly" {
	local port
	port=$(free_port)
	start_bg ans sip-answer -l "127.0.0.1:$port" -- handoff-probe -o "$D/media.txt" -s -1
	wait_for 5 port_listening udp "$port"
	sipp_run uac call-uac -s bob -key from alice -key domain "127.0.0.1:$port" -d 500 \
		"127.0.0.1:$port"
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:alice@127\.0\.0\.1:$port to=sip:bob@127\.0\.0\.1:$port call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=127\.0\.0\.1:[0-9]+ call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$SIPP_CID$"
	# SIPp offered telephone-event 101: both sides have it.
	assert_equal "$(report_env media.txt RTP_DTMF_PAYLOAD_TYPE)" 101
	assert_equal "$(tail -n 1 "$D/media.txt")" "signal TERM"
	sipp_trace uac | grep -q '^a=rtpmap:101 telephone-event/8000$'
}

@test "interop: SIPp's UAC calls sip-answer through Kamailio, with credentials; in-dialog requests routed" {
	local port
	port=$(free_port)
	# It rings a moment: Kamailio's two workers could pass on a 180 and a
	# 200 sent back to back in either order, and SIPp takes a late 180
	# for an unexpected message.
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$port" -- sip-answer -r 0.3 -- handoff-probe -o /dev/null -s -1
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$port"
	sipp_run uac call-uac -s bob -key from alice -key domain sipline.test -au alice -ap alicepw \
		-d 500 "127.0.0.1:$KAM_PORT"
	sipp_trace uac | grep -q '^SIP/2.0 407 Proxy Authentication Required$'
	sipp_trace uac | grep -q "^Route: <sip:127\.0\.0\.1:$KAM_PORT;lr;ftag=[^>]*>$"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:alice@sipline\.test to=sip:bob@sipline\.test call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$SIPP_CID$"
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	grep -q "BYE sip:bob@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:" "$KAM_LOG"
}
