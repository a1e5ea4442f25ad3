#!/usr/bin/env bats
# Reliable provisional responses (RFC 3262) both ways, and early media
# with a media command: sip-call PRACKs a callee's reliable 180 and 183
# (tests/sipp/call-uas-100rel.xml) and gives the 183's audio to its
# command (--early-media); sip-answer, alone and --serve, sends its 180
# reliably to a caller that requires it and answers PRACKs as RFC 3262
# says (tests/sipp/call-uac-100rel.xml); sip-call to sip-answer
# --early-media: a prompt in the 183 phase, then the command's answer.
# Directly on loopback, and through the private Kamailio (tests/kamailio.cfg,
# NOAUTH for SIPp's callers): the PRACKs follow the recorded route.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# prompt_then_answer JOB: sip-call ($D/call.err) PRACKed the 183 of
# sip-answer --early-media (job JOB), took its media and was answered
# after the command's "answer"; the prompt ($D/heard.raw) played before
# the answer, and nothing after it.  Leaves JOB's stderr in $output.
prompt_then_answer() {
	run cat "$D/call.err"
	assert_line --regexp "^sip-call: prack rseq=[0-9]+ call-id=$CID$"
	assert_line --partial 'early-media codec=PCMU'
	assert_line --partial 'answered status="200 OK"'
	run tone-check -f 1000 -s 20 -n 8000 -N 1600 "$D/heard.raw"
	echo "$output"
	assert_success
	run cat "$D/$1.err"
	assert_line --regexp "^sip-answer: early-media codec=PCMU rtp=.* call-id=$CID$"
	assert_line --regexp "^sip-answer: control answer call-id=$CID$"
}

@test "prack: sip-call PRACKs a reliable 180 and 183 once each; --early-media: its command hears the 183's tone, then runs again answered" {
	sox -n -r 8000 -c 1 -t raw -e u-law "$D/tone.ul" synth 2 sine 1000 vol 0.5
	sed "s|\[tone\]|$D/tone.ul|" "$SIPLINE_TESTS/sipp/call-uas-100rel.xml" >"$D/uas.xml"
	SIPP_PORT=$(free_port)
	start_bg uas sipp_run uas "$D/uas.xml" -p "$SIPP_PORT" -mp "$(free_sipp_media_port)" -timeout 15s
	wait_for 5 port_listening udp "$SIPP_PORT"
	run direct sip-call --early-media -D 1 "sip:bob@127.0.0.1:$SIPP_PORT" -- \
		sh -c 'echo "$SIP_MEDIA_PHASE $RTP_DIRECTION" >>"$1/phases"
		       exec rtp-recv >"$1/$SIP_MEDIA_PHASE.raw"' sh "$D"
	assert_success
	assert_line --regexp "^sip-call: prack rseq=1 call-id=$CID$"
	assert_line --regexp "^sip-call: prack rseq=2 call-id=$CID$"
	assert_equal "$(grep -c '^sip-call: prack ' <<<"$output")" 2
	assert_line --partial 'early-media codec=PCMU'
	# The 200 had no SDP: the 183's answer stands.
	assert_line --regexp '^sip-call: answered status="200 OK" codec=PCMU rtp=127\.0\.0\.1:'
	wait_bg uas 10
	assert_success
	# The scenario checked the RAcks (1, then 2: none for the 180 again).
	run cat "$D/phases"
	assert_output $'early recvonly\nanswered sendrecv'
	run tone-check -f 1000 -s 20 "$D/early.raw"
	assert_success
}

@test "prack: sip-answer and sip-answer --serve: a reliable 180 to Require: 100rel, again until the PRACK; no RAck 400, another RSeq 481; the 200 after the PRACK" {
	local name
	for name in one serve; do
		if [ "$name" = serve ]; then
			answer_on "ans-$name" -S -- sleep 1
		else
			answer_on "ans-$name" -- sleep 1
		fi
		sipp_run "uac-$name" call-uac-100rel -s bob -key from alice \
			-key domain "127.0.0.1:$PORT" "127.0.0.1:$PORT"
		run sipp_trace "uac-$name"
		# PRACK without RAck: 400 on the wire.
		assert_line 'SIP/2.0 400 Bad Request'
		assert_line 'SIP/2.0 481 Call/Transaction Does Not Exist'
		# The 180 came again (T1) with the same RSeq while not PRACKed.
		assert [ "$(grep -c '^SIP/2.0 180 ' <<<"$output")" -ge 2 ]
		assert_equal "$(grep '^RSeq: ' <<<"$output" | sort -u | wc -l)" 1
		run cat "$D/ans-$name.err"
		assert_line --regexp "^sip-answer: warning: PRACK of call .* without a usable RAck: 400$"
		assert_line --regexp '^sip-answer: prack rseq=[0-9]+ call-id='
		assert_line --regexp '^sip-answer: ended status=0 '
	done
	wait_bg ans-one 5
	assert_success
}

@test "early media: sip-call to sip-answer --early-media (--serve): the prompt of the 183 phase reaches the caller, then 'answer'; 'hangup 486' refuses" {
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/prompt.raw" synth 1 sine 1000 vol 0.5
	answer_on ans -S --early-media -- sh -c \
		'echo "phase=$SIP_MEDIA_PHASE" >&2; rtp-send <"$1"; echo answer >&9; exec sleep 1' \
		sh "$D/prompt.raw"
	run sh -c 'exec timeout 15 env -u SIP_SERVER SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call "$1" </dev/zero >"$2" 2>"$3"' sh "sip:bob@127.0.0.1:$PORT" \
		"$D/heard.raw" "$D/call.err"
	cat "$D/call.err"
	assert_success
	prompt_then_answer ans
	run cat "$D/ans.err"
	assert_line 'phase=early'

	answer_on ans2 --early-media -- sh -c 'sleep 0.3; echo "hangup 486" >&9; exec sleep 5'
	run -2 direct sip-call "sip:bob@127.0.0.1:$PORT"
	assert_line --partial 'early-media codec=PCMU'
	assert_line --partial 'rejected status="486 Busy Here"'
	wait_bg ans2 5
	assert_failure 2
	assert_line --regexp "^sip-answer: control hangup code=486 call-id=$CID$"
}

@test "prack through Kamailio: sip-call PRACKs the registered SIPp phone's reliable 180 and 183 along the recorded route" {
	kamailio_start
	sox -n -r 8000 -c 1 -t raw -e u-law "$D/tone.ul" synth 2 sine 1000 vol 0.5
	sed "s|\[tone\]|$D/tone.ul|" "$SIPLINE_TESTS/sipp/call-uas-100rel.xml" >"$D/uas.xml"
	sipp_uas uas "$D/uas.xml" -s bob
	kamailio_register bob "$SIPP_PORT"
	run kamailio_as alice sip-call -T 5 bob -- sleep 0.3
	assert_success
	assert_line --regexp "^sip-call: prack rseq=1 call-id=$CID$"
	assert_line --regexp "^sip-call: prack rseq=2 call-id=$CID$"
	assert_equal "$(grep -c '^sip-call: prack ' <<<"$output")" 2
	refute_line --partial warning
	wait_bg uas 10
	assert_success
	# Both PRACKs, and the ACK and BYE, went to the phone's Contact by
	# way of Kamailio (its Record-Route), not straight to it.
	assert_equal "$(kamailio_saw "PRACK sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 2
	assert_equal "$(kamailio_saw "(ACK|BYE) sip:bob@127\.0\.0\.1:$SIPP_PORT;transport=UDP from 127\.0\.0\.1:")" 2
}

@test "prack through Kamailio: sip-answer, registered, and sip-answer --serve: a reliable 180 to the SIPp caller, its PRACKs by way of Kamailio" {
	local serve
	kamailio_start NOAUTH
	for serve in "" -S; do
		kamailio_answer "bob$serve" bob $serve -- sleep 1
		sipp_run "uac$serve" call-uac-100rel -s bob -key from alice -key domain sipline.test \
			"127.0.0.1:$KAM_PORT"
		run sipp_trace "uac$serve"
		assert_line 'SIP/2.0 400 Bad Request'
		assert_line 'SIP/2.0 481 Call/Transaction Does Not Exist'
		assert [ "$(grep -c '^SIP/2.0 180 ' <<<"$output")" -ge 2 ]
		assert_equal "$(grep '^RSeq: ' <<<"$output" | sort -u | wc -l)" 1
		# The 180 carried Kamailio's Record-Route, and the PRACKs its Route.
		assert_line --regexp "^Record-Route: <sip:127\.0\.0\.1:$KAM_PORT;lr;ftag=[^>]*>$"
		assert [ "$(grep -c "^Route: <sip:127\.0\.0\.1:$KAM_PORT;lr;ftag=[^>]*>$" <<<"$output")" -ge 4 ]
		# (--serve answers from the call process's own port.)
		assert_equal "$(kamailio_saw "PRACK sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:" \
			"$(sipp_call_id "uac$serve")")" 3
		if [ -n "$serve" ]; then
			stop_bg "bob$serve"
		else
			wait_bg "bob$serve" 5
			assert_success
		fi
		run cat "$D/bob$serve.err"
		assert_line --regexp "^sip-answer: prack rseq=[0-9]+ call-id="
		assert_line --regexp '^sip-answer: ended status=0 '
	done
}

@test "prack through Kamailio: sip-call to sip-answer --serve --early-media, registered: the reliable 183 PRACKed by way of Kamailio, the prompt heard, then 'answer'" {
	kamailio_start
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/prompt.raw" synth 1 sine 1000 vol 0.5
	kamailio_answer bob bob -S --early-media -- sh -c \
		'rtp-send <"$1"; echo answer >&9; exec sleep 1' sh "$D/prompt.raw"
	run kamailio_as alice sh -c 'exec sip-call -T 5 bob </dev/zero >"$1" 2>"$2"' sh \
		"$D/heard.raw" "$D/call.err"
	cat "$D/call.err"
	assert_success
	prompt_then_answer bob
	refute_line --partial warning
	refute grep -q warning "$D/call.err"
	assert_line --regexp "^sip-answer: prack rseq=[0-9]+ call-id=$CID$"
	assert_equal "$(kamailio_saw "PRACK sip:bob@127\.0\.0\.1:[0-9]+ from 127\.0\.0\.1:")" 1
}
