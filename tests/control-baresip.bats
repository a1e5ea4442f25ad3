#!/usr/bin/env bats
# The control channel against baresip 1.0.0, driven through its ctrl_tcp
# module (baresip_cmd): we hold baresip and it holds us; we REFER baresip,
# which calls the transfer target, and baresip REFERs us (sip-answer
# --allow-transfer --serve follows).  Direct calls on loopback.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# baresip_ctl [BARESIP-ARGS...]: a baresip (job "bs") answering as bob on
# 127.0.0.1:$BS_PORT at once, sending a 1 kHz tone for 20 s (it hangs up
# when its source ends), its ctrl_tcp on $BS_CTRL; it quits after 20 s.
baresip_ctl() {
	BS_PORT=$(free_rtp_port) BS_CTRL=$(free_port)
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$BS_PORT" "module ctrl_tcp.so" \
		"ctrl_tcp_listen 127.0.0.1:$BS_CTRL"
	tone_raw "$D/bs/tone.raw" 1000 20
	sox -D -t raw -r 8000 -e signed -b 16 -c 1 "$D/bs/tone.raw" "$D/bs/tone.wav"
	echo "<sip:bob@127.0.0.1:$BS_PORT>;regint=0;answermode=auto" >"$D/bs/accounts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -t 20 "$@"
	wait_for 5 port_listening tcp "$BS_CTRL"
}

@test "control-baresip: we hold baresip (it answers a=recvonly) and resume; baresip holds us and resumes" {
	baresip_ctl
	start_bg call direct sip-call -v -T 5 "sip:bob@127.0.0.1:$BS_PORT" -- \
		sh -c 'sleep 0.5; echo hold >&9; sleep 1; echo resume >&9; exec sleep 20'
	wait_for 10 grep -q '^sip-call: resumed by=local ' "$D/call.err"
	baresip_cmd "$BS_CTRL" hold
	wait_for 5 grep -q '^sip-call: held call-id=' "$D/call.err"
	baresip_cmd "$BS_CTRL" resume
	wait_for 5 grep -q '^sip-call: resumed call-id=' "$D/call.err"
	baresip_cmd "$BS_CTRL" hangup
	wait_bg call 5
	assert_success
	assert_line --regexp "^sip-call: held by=local call-id=$CID$"
	assert_line --regexp "^sip-call: resumed by=local call-id=$CID$"
	assert_line --regexp "^sip-call: held call-id=$CID$"
	assert_line --regexp "^sip-call: resumed call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	# baresip's answer to our hold: the last message received before
	# "held by=local" (-v shows every message).
	awk '/^sip-call: received from/ { m = "" } { m = m $0 "\n" }
		/^sip-call: held by=local/ { printf "%s", m; exit }' <<<"$output" >"$D/answer.txt"
	grep -q '^SIP/2.0 200 ' "$D/answer.txt"
	grep -q $'^a=recvonly\r$' "$D/answer.txt"
}

@test "control-baresip: we REFER baresip, which calls the operator; baresip REFERs sip-answer --allow-transfer --serve, which does" {
	answer_on op -- sleep 1
	local op=$PORT
	baresip_ctl
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$BS_PORT" -- \
		sh -c 'sleep 0.5; echo "transfer $1" >&9; exec sleep 20' sh "sip:op@127.0.0.1:$op"
	assert_success
	assert_line --regexp "^sip-call: transfer accepted status=\"202 Accepted\" call-id=$CID$"
	assert_line --regexp "^sip-call: transfer status=\"200 OK\" call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"transferred\" call-id=$CID$"
	wait_bg op 5
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:bob@127\.0\.0\.1:$BS_PORT to=sip:op@127\.0\.0\.1:$op call-id="
	stop_bg bs

	# baresip calls sip-answer --serve, then transfers the call.
	answer_on op2 -- sleep 1
	op=$PORT
	answer_on ans -S --allow-transfer -- sleep 20
	baresip_ctl -e "/dial sip:ivr@127.0.0.1:$PORT"
	wait_for 10 grep -q '^sip-answer: answered ' "$D/ans.err"
	sleep 0.3
	baresip_cmd "$BS_CTRL" transfer "sip:op2@127.0.0.1:$op"
	wait_bg op2 10
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:[^ ]+ to=sip:op2@127\.0\.0\.1:$op call-id="
	wait_for 5 grep -q '^sip-answer: ended status=0 duration=1\.' "$D/ans.err"
	run cat "$D/ans.err"
	# (baresip's Call-IDs are 16 hex digits, ours 32.)
	assert_line --regexp "^sip-answer: transferred to=sip:op2@127\.0\.0\.1:$op call-id=[0-9a-f]{16}$"
	assert_line --regexp "^sip-answer: calling to=sip:op2@127\.0\.0\.1:$op call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=(local reason=\"transferred\"|remote) call-id=[0-9a-f]{16}$"
	stop_bg ans
	no_sanitizer_report ans
}
