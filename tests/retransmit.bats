#!/usr/bin/env bats
# The reliability of the 2xx to an INVITE, which the transaction layer
# leaves to the tools (RFC 3261 sections 13.3.1.4 and 13.2.2.4): sip-answer
# sends its 200 again until the ACK comes (timer G: 0.5 s, doubling up to
# 4 s), and sip-call acknowledges every copy of a 200 it gets.  SIPp plays
# the other side (tests/sipp/call-uac-late-ack.xml,
# tests/sipp/call-uas-double-200.xml); its message trace, with the time
# of each message, is what the tests count.  Counts over windows, not
# milliseconds: a late timer on a busy machine is no failure, an early one
# is.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

SIPP_CID='[0-9]+-[0-9]+@127\.0\.0\.1'

# messages NAME: the messages of SIPp run NAME, one line each, in order:
# "SECONDS DIR WHAT CSEQ-METHOD", DIR "<" for received by SIPp and ">" for
# sent, WHAT the method or the status code, SECONDS since midnight.
messages() {
	sipp_trace "$1" | awk '
		/^-----+ [0-9-]+ [0-9:.]+$/ {
			split($3, t, ":")
			ts = t[1] * 3600 + t[2] * 60 + t[3]
			if (ts < last)
				ts += 86400
			last = ts
			state = 1
			next
		}
		state == 1 {
			dir = / sent / ? ">" : "<"
			state = 2
			next
		}
		state == 2 && NF {
			what = ($1 == "SIP/2.0") ? $2 : $1
			state = 3
			next
		}
		state == 3 && /^CSeq:/ {
			printf "%.6f %s %s %s\n", ts, dir, what, $NF
			state = 0
		}'
}

# late_ack_check NAME: the 200s to the INVITE in SIPp run NAME (a
# call-uac-late-ack): at least three before the ACK, 0.5 s and then at
# least 1 s apart; none in the 3 s after it.
late_ack_check() {
	run -0 messages "$1"
	echo "$output"
	run -0 awk '
		$2 == ">" && $3 == "ACK" { ack = $1; next }
		$2 == "<" && $3 == 200 && $4 == "INVITE" {
			if (ack) { late++; next }
			t[++n] = $1
		}
		$2 == ">" && $3 == "BYE" { bye = $1 }
		END {
			if (n < 3) { print "only " n " 200s before the ACK"; exit 1 }
			if (t[2] - t[1] < 0.45) { print "first retransmission after " t[2] - t[1] " s"; exit 1 }
			if (t[3] - t[2] < 0.9) { print "second retransmission after " t[3] - t[2] " s"; exit 1 }
			if (late) { print late " 200s after the ACK"; exit 1 }
			# The window was long enough to see the next one (3.5 s
			# after the first 200).
			if (!ack || bye - t[1] < 3.5) { print "window too short"; exit 1 }
			print n " before the ACK, none after"
		}' <<<"$output"
	echo "$output"
}

@test "retransmit: sip-answer sends its 200 again until the ACK (0.5 s, then doubling), and not after it" {
	answer_on ans -- handoff-probe -o "$D/media.txt" -s -1
	sipp_run uac call-uac-late-ack -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	late_ack_check uac
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=127\\.0\\.0\\.1:[0-9]+ call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$SIPP_CID$"
	refute_line --partial warning
	# One call, one media command, for all those 200s.
	assert_equal "$(grep -c '^ready$' "$D/media.txt")" 1
}

@test "retransmit: in serve mode, the call's process sends its 200 again until the ACK, and not after it" {
	answer_on srv -S -- handoff-probe -s -1
	sipp_run uac call-uac-late-ack -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	late_ack_check uac
	run grep -c '^sip-answer: answered ' "$D/srv.err"
	assert_output 1
	run grep -c '^sip-answer: incoming ' "$D/srv.err"
	assert_output 1
	bg_running srv
}

@test "retransmit: sip-call acknowledges a 200 that comes again: two 200s, two ACKs, one call" {
	PORT=$(free_port)
	# -nr: see the scenario.
	start_bg uas sipp_run uas call-uas-double-200 -nr -s bob -p "$PORT"
	wait_for 5 port_listening udp "$PORT"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -o "$D/media.txt" -s 1.5
	assert_success
	assert_equal "$(grep -c '^sip-call: answered ' <<<"$output")" 1
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	refute_line --partial warning
	wait_bg uas 10
	assert_success
	run -0 messages uas
	echo "$output"
	assert_equal "$(grep -c '^[0-9.]* > 200 INVITE$' <<<"$output")" 2
	assert_equal "$(grep -c '^[0-9.]* < ACK ACK$' <<<"$output")" 2
	# Each 200 is followed by its ACK, before anything else.
	run -0 awk '{ print $2, $3 }' <<<"$output"
	assert_equal "$(tr '\n' ',' <<<"$output")" '< INVITE,> 180,> 200,< ACK,> 200,< ACK,< BYE,> 200,'
	# The second ACK is the first one again (RFC 3261 13.2.2.4).
	sipp_trace uas | awk '/^ACK /{ n++ } n && /^Via:/ { print; n = 0 }' >"$D/acks"
	assert_equal "$(wc -l <"$D/acks")" 2
	assert_equal "$(sort -u "$D/acks" | wc -l)" 1
	# One media command, for the one call.
	assert_equal "$(grep -c '^ready$' "$D/media.txt")" 1
}

@test "retransmit: a BYE before any ACK (every ACK lost) ends the call at once, 200 to it, alone and in serve mode" {
	answer_on ans -- handoff-probe -o "$D/media.txt" -s -1
	sipp_run uac call-uac-bye-no-ack -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$SIPP_CID$"

	answer_on srv -S -- handoff-probe -s -1
	sipp_run uac call-uac-bye-no-ack -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	# The call's process ends with the BYE, not 32 s later (timer H).
	wait_for 5 grep -Eq "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$SIPP_CID$" "$D/srv.err"
	grep -Eq "^sip-answer: hangup by=remote call-id=$SIPP_CID$" "$D/srv.err"
	bg_running srv
}
