#!/usr/bin/env bats
# The control channel (sipline(7), CONTROL CHANNEL): a media command writes
# lines on descriptor 9 (SIP_CONTROL_FD), a script gives lines to a tool's
# --control-fd; hangup [CODE], dtmf DIGITS, hold and resume (against SIPp,
# tests/sipp/call-uas-held.xml, and sip-answer), transfer (REFER, followed
# by sip-call --allow-transfer; refused: tests/sipp/call-uac-refer.xml), and
# what is refused.
# Direct calls on loopback, no proxy.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# silence SECONDS: raw audio of that long, on stdout.
silence() {
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw - synth "$1" sine 400 vol 0
}

@test "control: a command's 'hangup' ends the call with a BYE, exit 0: sip-call, and sip-answer --serve" {
	local t0
	answer_on ans -S -- sh -c 'sleep 0.5; echo hangup >&9; exec sleep 20'
	t0=$(sl_now_us)
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sleep 20
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	[ "$(seconds_since "$t0" | cut -d. -f1)" -lt 5 ]
	run cat "$D/ans.err"
	assert_line --regexp "^sip-answer: control hangup call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=local reason=\"control\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=0\.[5-9] call-id=$CID$"

	# The caller's command: the same, and its exit status is the call's;
	# a last line without its newline counts once the channel is closed.
	answer_on ans2 -- sleep 20
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- \
		sh -c 'sleep 0.5; printf "hangup" >&9; exec 9>&-; exec sleep 20'
	assert_success
	assert_line --regexp "^sip-call: control hangup call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"control\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=0\.[5-9] call-id=$CID$"
}

@test "control: 'hangup 486' before the answer (--control-fd) refuses with 486, exit 2; sip-call's 'hangup' while ringing CANCELs, exit 4" {
	mkfifo "$D/ans.ctl" "$D/call.ctl"
	# Read and write: the FIFO opens at once, and never reaches its end.
	PORT=$(free_port)
	start_bg ans sh -c 'exec sip-answer -l "127.0.0.1:$1" --ring 20 --control-fd 5 \
		-- sleep 20 5<>"$2"' sh "$PORT" "$D/ans.ctl"
	wait_for 5 port_listening udp "$PORT"
	start_bg call direct sh -c 'exec sip-call -T 10 --control-fd 5 "$1" -- sleep 20 5<>"$2"' \
		sh "sip:bob@127.0.0.1:$PORT" "$D/call.ctl"
	wait_for 5 grep -q '^sip-call: ringing' "$D/call.err"
	echo "dtmf 1" >"$D/ans.ctl"
	echo "hangup 486" >"$D/ans.ctl"
	wait_bg ans 5
	assert_failure 2
	assert_line --regexp "^sip-answer: control-error command=dtmf reason=\"not answered yet\" call-id=$CID$"
	assert_line --regexp "^sip-answer: control hangup code=486 call-id=$CID$"
	assert_line --regexp "^sip-answer: rejected status=\"486 Busy Here\" call-id=$CID$"
	wait_bg call 5
	assert_failure 2
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"

	# Now the caller hangs up while it rings: CANCEL, no answer (4).
	answer_on ans2 --ring 20 -- sleep 20
	start_bg call2 direct sh -c 'exec sip-call -T 10 --control-fd 5 "$1" -- sleep 20 5<>"$2"' \
		sh "sip:bob@127.0.0.1:$PORT" "$D/call.ctl"
	wait_for 5 grep -q '^sip-call: ringing' "$D/call2.err"
	echo "hangup 603" >"$D/call.ctl"
	wait_bg call2 5
	assert_failure 4
	assert_line --regexp "^sip-call: control hangup code=603 call-id=$CID$"
	assert_line --regexp "^sip-call: cancelled by=local reason=\"control\" call-id=$CID$"
	wait_bg ans2 5
	assert_failure 4
	assert_line --regexp "^sip-answer: cancelled by=remote from=sip:alice@sipline\.test call-id=$CID$"
}

@test "control: 'dtmf 123#' reaches the peer as RFC 4733 events (its DTMF lines)" {
	answer_on ans -- sh -c 'exec rtp-recv --dtmf-fd 5 5>"$1" >/dev/null' sh "$D/keys.txt"
	silence 2 >"$D/silence.raw"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- \
		sh -c 'echo "dtmf 123#" >&9; exec rtp-send <"$1"' sh "$D/silence.raw"
	assert_success
	assert_line --regexp "^sip-call: control dtmf digits=123# call-id=$CID$"
	wait_bg ans 5
	assert_success
	assert_equal "$(cat "$D/keys.txt" | squeeze)" "DTMF 1 DTMF 2 DTMF 3 DTMF #"
	# With the default media (no command), the tool's --control-fd.
	answer_on ans2 -- sh -c 'exec rtp-recv --dtmf-fd 5 5>"$1" >/dev/null' sh "$D/keys2.txt"
	mkfifo "$D/ctl"
	start_bg call direct sh -c 'exec sip-call -T 5 --control-fd 5 "$1" 5<>"$2" <"$3" >/dev/null' \
		sh "sip:bob@127.0.0.1:$PORT" "$D/ctl" "$D/silence.raw"
	wait_for 5 grep -q '^sip-call: answered' "$D/call.err"
	echo "dtmf 9*" >"$D/ctl"
	wait_bg call 5
	assert_success
	assert_line --regexp "^sip-call: control dtmf digits=9\* call-id=$CID$"
	wait_bg ans2 5
	assert_equal "$(cat "$D/keys2.txt" | squeeze)" "DTMF 9 DTMF *"
}

@test "control: a bad line gets control-error and the call goes on; closing the channel changes nothing" {
	answer_on ans -- sleep 20
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sh -c '
		printf "fly\nhangup 200\ntransfer http://x\ndtmf 12x\n\n" >&9
		exec 9>&-
		sleep 1.5'
	assert_success
	assert_line --regexp "^sip-call: control-error reason=\"unknown command\" call-id=$CID$"
	assert_line --regexp "^sip-call: control-error reason=\"hangup: the code is not 400-699\" call-id=$CID$"
	assert_line --regexp "^sip-call: control-error reason=\"transfer: not a sip:, sips: or tel: URI\" call-id=$CID$"
	assert_line --regexp "^sip-call: control-error reason=\"dtmf: not a digit 0-9 \* # A-D or ','\" call-id=$CID$"
	assert_line --regexp "^sip-call: control-error reason=\"empty line\" call-id=$CID$"
	# The call lasted until the command ended, not until the channel did.
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=1\.[5-9] call-id=$CID$"
	wait_bg ans 5
	assert_success
}

@test "control: 'hold' and 'resume': re-INVITEs with a=sendonly, a=sendrecv, and a=inactive when the peer holds us too (SIPp)" {
	sipp_uas held call-uas-held -s bob
	# The SIPp phone holds the caller 0.3 s after the resume is done.
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- sh -c '
		sleep 0.3; printf "hold\nhold\n" >&9
		sleep 0.5; echo resume >&9
		sleep 1.2; echo hold >&9
		sleep 0.5'
	assert_success
	assert_line --regexp "^sip-call: control hold call-id=$CID$"
	assert_line --regexp "^sip-call: control-error command=hold reason=\"a re-INVITE is under way\" call-id=$CID$"
	assert_line --regexp "^sip-call: control resume call-id=$CID$"
	assert_line --regexp "^sip-call: resumed by=local call-id=$CID$"
	# Held by the phone, then by us too.
	assert_line --regexp "^sip-call: held call-id=$CID$"
	assert_equal "$(grep -c '^sip-call: held by=local ' <<<"$output")" 2
	assert_line --regexp "^sip-call: ended status=0 duration=2\.[5-9] call-id=$CID$"
	wait_bg held 5
	assert_success
}

@test "control: on hold the default media sends nothing, and sip-answer sees held and resumed" {
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/tone.raw" synth 4 sine 1000 vol 0.5
	answer_on ans -- sh -c 'exec rtp-recv >"$1"' sh "$D/rec.raw"
	mkfifo "$D/ctl"
	start_bg call direct sh -c 'exec sip-call -T 5 --control-fd 5 "$1" 5<>"$2" <"$3" >/dev/null' \
		sh "sip:bob@127.0.0.1:$PORT" "$D/ctl" "$D/tone.raw"
	wait_for 5 grep -q '^sip-call: answered' "$D/call.err"
	sleep 1
	echo hold >"$D/ctl"
	sleep 1
	echo resume >"$D/ctl"
	wait_bg call 10
	assert_success
	assert_line --regexp "^sip-call: held by=local call-id=$CID$"
	assert_line --regexp "^sip-call: resumed by=local call-id=$CID$"
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: held call-id=$CID$"
	assert_line --regexp "^sip-answer: resumed call-id=$CID$"
	# What bob heard: the tone, a second of nothing, the tone again.
	run tone-check --segments 200 "$D/rec.raw"
	echo "$output"
	assert_equal "$(grep -c '^segment .* freq=1000\.' <<<"$output")" 2
	# The gap between them: about the second on hold (0.8 to 1.5 s).
	gap=$(awk -F'[ =]' '/^segment/ { if (end) print $3 - end; end = $3 + $5 }' <<<"$output")
	echo "gap $gap samples"
	[ "$gap" -ge 6400 ] && [ "$gap" -le 12000 ]
}

@test "control: 'transfer URI': REFER, the NOTIFYs as events, BYE at the 200; sip-call --allow-transfer calls the Refer-To instead" {
	answer_on op -- sleep 1.5
	local op_port=$PORT
	answer_on ivr -- sh -c 'sleep 0.5; echo "transfer $1" >&9; exec sleep 20' \
		sh "sip:operator@127.0.0.1:$op_port"
	run direct sip-call -T 5 --allow-transfer "sip:ivr@127.0.0.1:$PORT" -- sleep 20
	# The status of the call that replaced the first: the operator's,
	# who hung up after 1.5 s.
	assert_success
	assert_line --regexp "^sip-call: transferred to=sip:operator@127\.0\.0\.1:$op_port call-id=$CID$"
	assert_line --regexp "^sip-call: calling to=sip:operator@127\.0\.0\.1:$op_port call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=(local reason=\"transferred\"|remote) call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=1\.[5-9] call-id=$CID$"
	wait_bg ivr 5
	assert_success
	assert_line --regexp "^sip-answer: control transfer to=sip:operator@127\.0\.0\.1:$op_port call-id=$CID$"
	assert_line --regexp "^sip-answer: transfer accepted status=\"202 Accepted\" call-id=$CID$"
	assert_line --regexp "^sip-answer: transfer status=\"100 Trying\" call-id=$CID$"
	assert_line --regexp "^sip-answer: transfer status=\"180 Ringing\" call-id=$CID$"
	assert_line --regexp "^sip-answer: transfer status=\"200 OK\" call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=(local reason=\"transferred\"|remote) call-id=$CID$"
	wait_bg op 5
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:alice@sipline\.test to=sip:operator@127\.0\.0\.1:$op_port call-id=$CID$"

	# Without --allow-transfer: 603, and the call goes on.
	answer_on ivr2 -- sh -c 'sleep 0.3; echo "transfer sip:operator@example.test" >&9; exec sleep 20'
	run direct sip-call -T 5 "sip:ivr@127.0.0.1:$PORT" -- sleep 1
	assert_success
	assert_line --regexp "^sip-call: transfer-refused to=sip:operator@example\.test call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=1\.[0-9] call-id=$CID$"
	wait_bg ivr2 5
	assert_line --regexp "^sip-answer: control-error command=transfer reason=\"603 Decline\" call-id=$CID$"
}

@test "control: sip-answer --allow-transfer (and --serve) follows the caller's REFER: it calls the Refer-To, NOTIFYs back, its exit status is the new call's" {
	local serve op
	for serve in "" -S; do
		answer_on op -- sleep 1
		op=$PORT
		answer_on ans $serve --allow-transfer -- sleep 20
		run direct sip-call -T 5 "sip:ivr@127.0.0.1:$PORT" -- \
			sh -c 'sleep 0.3; echo "transfer $1" >&9; exec sleep 20' sh "sip:op@127.0.0.1:$op"
		assert_success
		assert_line --regexp "^sip-call: transfer accepted status=\"202 Accepted\" call-id=$CID$"
		assert_line --regexp "^sip-call: transfer status=\"180 Ringing\" call-id=$CID$"
		assert_line --regexp "^sip-call: transfer status=\"200 OK\" call-id=$CID$"
		assert_line --regexp "^sip-call: hangup by=(local reason=\"transferred\"|remote) call-id=$CID$"
		wait_bg op 5
		assert_success
		if [ -n "$serve" ]; then
			wait_for 5 grep -q '^sip-answer: ended status=0 duration=1\.' "$D/ans.err"
			stop_bg ans
			no_sanitizer_report ans
			run cat "$D/ans.err"
		else
			wait_bg ans 5
			assert_success
		fi
		assert_line --regexp "^sip-answer: transferred to=sip:op@127\.0\.0\.1:$op call-id=$CID$"
		assert_line --regexp "^sip-answer: calling to=sip:op@127\.0\.0\.1:$op call-id=$CID$"
		assert_line --regexp "^sip-answer: ended status=0 duration=1\.[0-9] call-id=$CID$"
	done
}

@test "control: a REFER without Refer-To gets 400, one not allowed 603, a NOTIFY of no subscription 481 (SIPp to sip-answer --serve)" {
	answer_on ans -S -- sleep 20
	sipp_run uac call-uac-refer -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	sipp_trace uac | grep -q '^SIP/2.0 400 '
	sipp_trace uac | grep -q '^SIP/2.0 603 '
	sipp_trace uac | grep -q '^SIP/2.0 481 '
	run cat "$D/ans.err"
	assert_line --regexp "^sip-answer: warning: REFER without a usable Refer-To: 400$"
	assert_line --regexp "^sip-answer: transfer-refused to=sip:operator@example\.test call-id=.*$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id="
}

@test "control: --control-fd: a descriptor not open, or with --serve, is a usage error (100)" {
	run -100 sip-call --control-fd 77 sip:bob@127.0.0.1:9
	assert_output --partial '--control-fd 77'
	run -100 sip-answer -S --control-fd 0
	assert_output --partial '--control-fd goes without --serve'
}
