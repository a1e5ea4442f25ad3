#!/usr/bin/env bats
# sip-answer: taking one call, directly or through the private Kamailio;
# the screening hook, --accept-from, requests within and outside a call
# (SIPp scenarios tests/sipp/call-uac-*.xml), signals, TCP and IPv6.

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
RTP='127\.0\.0\.1:[0-9]+'

# alice CMD...: CMD as alice through the proxy, bounded.
alice() {
	timeout -k 2 30 env SIP_USER=alice SIP_PASSWORD=alicepw "$@"
}

# bob_answers [SIP-ANSWER-ARGS...]: bob registers from 127.0.0.1:$BOB_PORT
# with sip-answer chain-loaded (job "bob"), ready when this returns.
bob_answers() {
	BOB_PORT=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$BOB_PORT" -- sip-answer "$@"
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT"
}

# screen_script VERDICT-FILE: writes $D/screen, a screening program that
# reports what it sees to $D/screen.txt (appending) and exits with the
# number in VERDICT-FILE.
screen_script() {
	cat >"$D/screen" <<-EOF
		#!/bin/sh
		handoff-probe >>"$D/screen.txt" 2>&1
		exit \$(cat "$1")
	EOF
	chmod +x "$D/screen"
}

# sipp_status NAME: the final status SIPp run NAME received.
sipp_status() {
	sipp_trace "$1" | sed -n 's/^SIP\/2\.0 \([2-6][0-9][0-9]\) .*/\1/p' | tail -n 1
}

@test "answer: --screen: 0 answers, 2 busy, 3 declines, 4 unavailable, 5 not found, others decline" {
	local verdict want n=0
	screen_script "$D/verdict"
	# A password in sip-answer's environment must not reach the program.
	PORT=$(free_port)
	start_bg ans env SIP_PASSWORD=secret sip-answer -S -l "127.0.0.1:$PORT" -x "$D/screen" -- true
	wait_for 5 port_listening udp "$PORT"
	for verdict in 0:0:200 2:2:486 3:3:603 4:4:480 5:5:404 9:3:603 1:3:603; do
		n=$((n + 1))
		echo "${verdict%%:*}" >"$D/verdict"
		want=${verdict#*:}
		run "-${want%%:*}" direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
		run grep -E "^sip-answer: screened verdict=${want#*:} call-id=$CID$" "$D/ans.err"
		assert_success
	done
	run grep -c '^sip-answer: warning: screening program exited with [19]: declining$' "$D/ans.err"
	assert_output 2
	run grep -c '^sip-answer: answered ' "$D/ans.err"
	assert_output 1

	# What the program saw, each time: who calls, and nothing else.
	cat "$D/screen.txt"
	run grep -c '^ready$' "$D/screen.txt"
	assert_output 7
	run grep -c '^env SIP_REMOTE_URI=sip:alice@sipline.test$' "$D/screen.txt"
	assert_output 7
	run grep -c "^env SIP_LOCAL_URI=sip:bob@127.0.0.1:$PORT$" "$D/screen.txt"
	assert_output 7
	run grep -c '^env SIP_DIRECTION=incoming$' "$D/screen.txt"
	assert_output 7
	run grep -cE "^env SIP_CALL_ID=$CID$" "$D/screen.txt"
	assert_output 7
	run grep -E '^env (SIP_PASSWORD|RTP_)|secret|^fd [3-9]' "$D/screen.txt"
	assert_failure
}

@test "answer: a hostile display name arrives cleaned, is never executed; a CR in a header is refused" {
	local name clean
	screen_script "$D/verdict"
	echo 3 >"$D/verdict"
	answer_on ans -x "$D/screen"
	# shellcheck disable=SC2016 # the $(...) is meant for a shell that must never see it
	name='"Eve \"$(touch '"$D"'/pwned)\" `touch '"$D"'/pwned`; x=1 \\"'
	sipp_run uac call-uac-refused -s bob -key from eve -key domain "127.0.0.1:$PORT" \
		-key name "$name" -key pts 0 "127.0.0.1:$PORT"
	assert_equal "$(sipp_status uac)" 603
	wait_bg ans 5
	assert_failure 3
	# The quoted-pairs (\" and \\) stand for the quote and the backslash
	# they quote, and those become "?"; the rest is text, kept as it is.
	clean="Eve ?\$(touch $D/pwned)? \`touch $D/pwned\`; x=1 ?"
	assert_line --regexp "^sip-answer: incoming from=sip:eve@127\.0\.0\.1:$PORT name=\"[^\"]*\" to=sip:bob@127\.0\.0\.1:$PORT call-id=$SIPP_CID$"
	assert_line --partial "name=\"$clean\" to="
	cat "$D/screen.txt"
	run report_env screen.txt SIP_REMOTE_NAME
	assert_output "$clean"
	[ ! -e "$D/pwned" ]

	# A CR inside the name would end the header line and start another
	# (X-Evil): the parser refuses the whole message, and no call starts.
	answer_on ans2 -x "$D/screen"
	run sipp_run cr call-uac-refused -s bob -key from eve -key domain "127.0.0.1:$PORT" \
		-key name $'"Eve\rX-Evil: yes"' -key pts 0 -timeout 2s "127.0.0.1:$PORT"
	assert_failure
	grep -q $'^From: "Eve\rX-Evil: yes" <sip:eve@' "$D/cr.sipp-msg"
	run grep -c "^sip-answer: warning: dropping unparsable message from 127\.0\.0\.1:[0-9]* ([0-9]* bytes)$" "$D/ans2.err"
	[ "$output" -ge 1 ]
	run grep -v '^sip-answer: warning: dropping unparsable message' "$D/ans2.err"
	assert_output ''
	bg_running ans2
	assert_equal "$(grep -c '^ready$' "$D/screen.txt")" 1
}

@test "answer: --reject 480: exit 4 on both sides; --reject 403: exit 1 on both sides" {
	answer_on r480 --reject 480
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_failure 4
	assert_line --regexp "^sip-call: rejected status=\"480 Temporarily Unavailable\" call-id=$CID$"
	wait_bg r480 5
	assert_failure 4
	assert_line --regexp "^sip-answer: rejected status=\"480 Temporarily Unavailable\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=4 duration=0\.0 call-id=$CID$"

	answer_on r403 --reject 403
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_failure 1
	assert_line --regexp "^sip-call: rejected status=\"403 Forbidden\" call-id=$CID$"
	wait_bg r403 5
	assert_failure 1
	assert_line --regexp "^sip-answer: rejected status=\"403 Forbidden\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=1 duration=0\.0 call-id=$CID$"
}

@test "answer: 600-character name, URIs and a 300-character Call-ID reach the screen and the media cut to 129, 511 and 255" {
	local u s n c
	u=$(printf 'u%.0s' {1..600})
	s=$(printf 's%.0s' {1..600})
	n=$(printf 'N%.0s' {1..600})
	c=$(printf 'c%.0s' {1..300})
	screen_script "$D/verdict"
	echo 3 >"$D/verdict"
	answer_on ans -x "$D/screen"
	sipp_run uac call-uac-refused -s "$s" -key from "$u" -key domain "127.0.0.1:$PORT" \
		-key name "\"$n\"" -key pts 0 -cid_str "$c-%u@x" "127.0.0.1:$PORT"
	assert_equal "$(sipp_status uac)" 603
	wait_bg ans 5
	assert_failure 3
	# The first 511 characters of each URI, 129 of the name, 255 of the
	# Call-ID; in the event line as in the screening program's variables.
	local want_from="sip:${u:0:507}" want_to="sip:${s:0:507}"
	assert_line "sip-answer: incoming from=$want_from name=\"${n:0:129}\" to=$want_to call-id=${c:0:255}"
	assert_line "sip-answer: ended status=3 duration=0.0 call-id=${c:0:255}"
	assert_equal "$(report_env screen.txt SIP_REMOTE_URI)" "$want_from"
	assert_equal "$(report_env screen.txt SIP_LOCAL_URI)" "$want_to"
	assert_equal "$(report_env screen.txt SIP_REMOTE_NAME)" "${n:0:129}"
	assert_equal "$(report_env screen.txt SIP_CALL_ID)" "${c:0:255}"

	# The call is still the whole Call-ID: one this long is answered, its
	# ACK and BYE are the call's (the media gets the cut one), exit 0.
	answer_on ans2 -- $(probe callee.txt -s -1)
	sipp_run uac2 call-uac -s bob -key from alice -key domain "127.0.0.1:$PORT" -d 200 \
		-cid_str "$c-%u@x" "127.0.0.1:$PORT"
	wait_bg ans2 5
	assert_success
	assert_line "sip-answer: hangup by=remote call-id=${c:0:255}"
	assert_equal "$(report_env callee.txt SIP_CALL_ID)" "${c:0:255}"
	assert_equal "$(tail -n 1 "$D/callee.txt")" "signal TERM"
}

@test "answer: control characters in a display name arrive as '?': quoted-pairs (\\TAB, \\x01), raw, and a folded line" {
	local name want i=0
	screen_script "$D/verdict"
	echo 3 >"$D/verdict"
	# name => what the screening program and the event line get: a
	# quoted-pair stands for the character it quotes, and each control
	# character is a "?"; a line fold (LF and a blank) is white space, as
	# RFC 3261 reads it.
	for case in \
		$'"Eve\\\tx\\\x01y"=>Eve?x?y' \
		$'"Eve\tx\x01y"=>Eve?x?y' \
		$'"Eve\\\n X"=>Eve  X' \
		$'"Eve\n X"=>Eve  X'; do
		i=$((i + 1))
		name=${case%%=>*} want=${case#*=>}
		rm -f "$D/screen.txt"
		answer_on "ans$i" -x "$D/screen"
		sipp_run "uac$i" call-uac-refused -s bob -key from eve -key domain "127.0.0.1:$PORT" \
			-key name "$name" -key pts 0 "127.0.0.1:$PORT"
		assert_equal "$(sipp_status "uac$i")" 603
		wait_bg "ans$i" 5
		assert_failure 3
		assert_line --regexp "^sip-answer: incoming from=sip:eve@127\.0\.0\.1:$PORT name=\"[^\"]*\" to="
		assert_line --partial "name=\"$want\" to="
		assert_equal "$(report_env screen.txt SIP_REMOTE_NAME)" "$want"
		# Nothing else got into the environment: one line per variable.
		run grep -c -v -E '^(env [A-Za-z_][A-Za-z0-9_]*=.*|fd [0-9].*|ready)$' "$D/screen.txt"
		assert_output 0
	done

	# An LF that is not a fold ends the header line, and what follows
	# would be a header of its own (X-Evil): the message is refused, no
	# call starts, and sip-answer goes on waiting.
	rm -f "$D/screen.txt"
	answer_on lf -x "$D/screen"
	run sipp_run lf call-uac-refused -s bob -key from eve -key domain "127.0.0.1:$PORT" \
		-key name $'"Eve\nX-Evil: yes"' -key pts 0 -timeout 2s "127.0.0.1:$PORT"
	assert_failure
	grep -q $'^From: "Eve$' "$D/lf.sipp-msg"
	run grep -c "^sip-answer: warning: dropping unparsable message from 127\.0\.0\.1:[0-9]* ([0-9]* bytes)$" "$D/lf.err"
	[ "$output" -ge 1 ]
	run grep -v '^sip-answer: warning: dropping unparsable message' "$D/lf.err"
	assert_output ''
	bg_running lf
	[ ! -e "$D/screen.txt" ]
}

@test "answer: --accept-from: 403 to another source, calls through the proxy answered" {
	bob_answers --accept-from 127.0.0.1 -- $(probe callee.txt)
	# SIPp from 127.0.0.2 (loopback too, but another source) straight to
	# bob's socket: refused, and bob keeps waiting.
	sipp_run scan call-uac-refused -i 127.0.0.2 -s bob -key from mallory \
		-key domain "127.0.0.1:$BOB_PORT" -key name Mallory -key pts 0 "127.0.0.1:$BOB_PORT"
	assert_equal "$(sipp_status scan)" 403
	run grep -E "^sip-answer: warning: refusing INVITE from 127\.0\.0\.2:[0-9]+: not an --accept-from source$" "$D/bob.err"
	assert_success
	bg_running bob
	# alice through Kamailio, which is at 127.0.0.1: answered.
	run alice sip-call -T 5 bob -- true
	assert_success
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP call-id=$CID$"
	refute_line --partial mallory
	# A name works as well as an address, and -a may be repeated.
	answer_on ans -a localhost -a 127.0.0.3 -- true
	sipp_run scan2 call-uac-refused -i 127.0.0.2 -s bob -key from mallory \
		-key domain "127.0.0.1:$PORT" -key name Mallory -key pts 0 "127.0.0.1:$PORT"
	assert_equal "$(sipp_status scan2)" 403
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_success
}

@test "answer: within a call: OPTIONS 200, hold and resume by re-INVITE, SUBSCRIBE 405, unknown method 501, BYE" {
	answer_on ans -- $(probe callee.txt -s -1)
	sipp_run uac call-uac-indialog -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: held call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: resumed call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$SIPP_CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$SIPP_CID$"
	# The call went on: one media command, stopped by the BYE.
	assert_equal "$(grep -c '^ready$' "$D/callee.txt")" 1
	assert_equal "$(tail -n 1 "$D/callee.txt")" "signal TERM"
	sipp_trace uac | grep -q '^SIP/2.0 501 Not Implemented$'
	sipp_trace uac | grep -Eq '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS(, [A-Z]+)*$'
}

@test "answer: outside a call: OPTIONS 200 with Allow and Accept, BYE and CANCEL 481, MESSAGE 200, unknown 501" {
	answer_on ans -- true
	sipp_run uac call-uac-nodialog -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	sipp_trace uac | grep -q '^SIP/2.0 481 Call/Transaction Does Not Exist$'
	assert_equal "$(grep -c '^sip-answer: message from=sip:alice@127.0.0.1:[0-9]* to=sip:bob@' "$D/ans.err")" 1
	# None of it was a call: sip-answer still waits, and a call comes.
	bg_running ans
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_success
	wait_bg ans 5
	assert_success
	assert_equal "$(grep -c '^sip-answer: incoming' "$D/ans.err")" 1
}

@test "answer: no codec in common: 488 (exit 1 for the caller), and the phone goes on waiting" {
	answer_on ans -- $(probe callee.txt)
	sipp_run uac call-uac-refused -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		-key name Alice -key pts "18 9" "127.0.0.1:$PORT"
	assert_equal "$(sipp_status uac)" 488
	sipp_trace uac | grep -q '^Accept: application/sdp$'
	run cat "$D/ans.err"
	assert_line --regexp "^sip-answer: warning: refusing call $SIPP_CID: no codec in common \(we take PCMU, PCMA\)$"
	assert_line --regexp "^sip-answer: rejected status=\"488 Not Acceptable Here\" call-id=$SIPP_CID$"
	[ ! -e "$D/callee.txt" ]
	# An INVITE it cannot take is not the one call it waits for: a
	# scanner's junk does not end a one-shot sip-answer.  The next
	# proper call is answered, and that one ends it.
	bg_running ans
	# (The caller talks half a second: a BYE at once could stop the
	# callee's probe before it wrote its report.)
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sleep 0.5
	assert_success
	wait_bg ans 5
	assert_success
	[ -e "$D/callee.txt" ]
	# --codec narrows what is taken: PCMA only, to an offer of PCMU only.
	answer_on ans2 -c pcma -- true
	run -1 direct sip-call -T 5 -c pcmu "sip:bob@127.0.0.1:$PORT" -- true
	assert_line --regexp "^sip-call: rejected status=\"488 Not Acceptable Here\" call-id=$CID$"
}

@test "answer: a refusal is sent again until its ACK comes (a lost 486 stays busy), then sip-answer exits" {
	answer_on busy --reject busy
	# An INVITE as raw datagrams, from a caller that never ACKs.
	local body='v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
	printf "INVITE sip:bob@127.0.0.1:$PORT SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-lost486\r\nMax-Forwards: 70\r\nFrom: <sip:alice@sipline.test>;tag=lost486\r\nTo: <sip:bob@127.0.0.1:$PORT>\r\nCall-ID: lost486@sipline.test\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:9>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n$body" \
		"$(printf "$body" | wc -c)" >"$D/invite"
	run udp-send -w 1.8 "127.0.0.1:$PORT" "$D/invite"
	assert_success
	# The 486, and its retransmissions (after 0.5 s, then 1 s more).
	[ "$(grep -c '^486 lost486@sipline.test$' <<<"$output")" -ge 2 ]
	# Without an ACK it gives up after a few seconds, with busy's status.
	wait_bg busy 6
	assert_failure 2
}

@test "answer: signals: while waiting exit 0 at once; while ringing 480 (exit 4); while talking BYE (exit 0)" {
	answer_on idle
	signal_bg idle TERM
	wait_bg idle 2
	assert_success
	assert_output ''

	answer_on ringing --ring 30 -- $(probe ringing.txt)
	start_bg caller env -u SIP_SERVER sip-call -T 20 "sip:bob@127.0.0.1:$PORT" -- true
	wait_for 5 grep -q '^sip-answer: ringing' "$D/ringing.err"
	signal_bg ringing INT
	wait_bg ringing 5
	assert_failure 4
	assert_line --regexp "^sip-answer: rejected status=\"480 Temporarily Unavailable\" call-id=$CID$"
	wait_bg caller 5
	assert_failure 4
	assert_line --regexp "^sip-call: rejected status=\"480 Temporarily Unavailable\" call-id=$CID$"

	answer_on talking -- $(probe talking.txt -s -1)
	start_bg caller2 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- $(probe caller.txt -s -1)
	wait_for 5 grep -qx ready "$D/talking.txt"
	signal_bg talking TERM
	wait_bg talking 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=local reason=\"terminated\" call-id=$CID$"
	assert_equal "$(tail -n 1 "$D/talking.txt")" "signal TERM"
	wait_bg caller2 5
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
}

@test "answer: chain-loaded: SIGTERM to sip-register ends the call (BYE), then unregisters" {
	bob_answers -- $(probe callee.txt -s -1)
	start_bg alice env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob -- $(probe caller.txt -s -1)
	wait_for 5 grep -qx ready "$D/callee.txt"
	signal_bg bob TERM
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=local reason=\"terminated\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$CID$"
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	kamailio_has_no_binding bob
	wait_bg alice 5
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
}

@test "answer: chain-loaded over TCP: sip-register -t tcp hands sip-answer a TCP socket, which it answers on" {
	bob_port=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -t tcp -e 60 -c "127.0.0.1:$bob_port" -- sip-answer -- $(probe callee.txt -s 1)
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$bob_port;transport=tcp"
	# alice over UDP; the proxy goes on over TCP to bob.
	run alice sip-call -T 5 bob -- sleep 3
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$CID$"
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	grep -q "INVITE sip:bob@sipline\.test from 127\.0\.0\.1:[0-9]*/udp" "$KAM_LOG"
	grep -q "BYE sip:alice@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:[0-9]*/tcp" "$KAM_LOG"
	# The TCP connections stay sip-answer's.
	assert_equal "$(report_fds callee.txt)" "0 1 2 6 7 9 10 11"
	# (Serve mode over TCP, chain-loaded too: serve.bats.)
}

@test "answer: --duration hangs up after that long; --ring rings first" {
	answer_on ans --ring 0.5 --duration 1 -- $(probe callee.txt -s -1)
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- $(probe caller.txt -s -1)
	assert_success
	assert_line 'sip-call: ringing status="180 Ringing"'
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[1-9][0-9]*\.[0-9] call-id=$CID$"
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=local reason=\"duration reached\" call-id=$CID$"
}

@test "answer: over TCP, and over IPv6" {
	PORT=$(free_port)
	start_bg tcp sip-answer -t tcp -l "127.0.0.1:$PORT" -- $(probe tcp.txt -s -1)
	wait_for 5 port_listening tcp "$PORT"
	run direct sip-call -t tcp -T 5 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- sleep 0.5
	assert_success
	wait_bg tcp 5
	assert_success
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$CID$"
	# RTP is UDP whatever carries SIP; the TCP connection stays ours.
	assert_equal "$(report_fds tcp.txt)" "0 1 2 6 7 9 10 11"
	grep -qE '^fd 6 udp 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:[0-9]+$' "$D/tcp.txt"

	PORT=$(free_port)
	start_bg v6 sip-answer -l "[::1]:$PORT" -- $(probe v6.txt -s -1)
	wait_for 5 port_listening udp "$PORT"
	run direct sip-call -T 5 "sip:bob@[::1]:$PORT" -- sleep 0.5
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=\[::1\]:[0-9]+ call-id=$CID$"
	wait_bg v6 5
	assert_success
	run grep -E '^fd 6 udp \[::1\]:[0-9]+ \[::1\]:[0-9]+$' "$D/v6.txt"
	assert_success
	assert_equal "$(report_env v6.txt RTP_REMOTE_HOST)" ::1
}

@test "answer: usage errors exit 100; --help shows the SYNOPSIS of sip-answer(1); the man page is lint clean" {
	local help syn
	run sip-answer -m 2
	assert_failure 100
	assert_output --partial 'sip-answer: fatal: --max-calls goes with --serve'
	run sip-answer -R busy -x /bin/true
	assert_failure 100
	assert_output --partial 'sip-answer: fatal: --reject and --screen exclude each other'
	run sip-answer -R 200
	assert_failure 100
	run sip-answer -R later
	assert_failure 100
	run sip-answer -r -1
	assert_failure 100
	run sip-answer -S -m 0
	assert_failure 100
	run sip-answer -c gsm
	assert_failure 100
	assert_output --partial 'sip-answer: fatal: --codec: gsm is not pcmu, pcma, g722 or opus'
	run sip-answer --
	assert_failure 100
	assert_output --partial 'sip-answer: fatal: no COMMAND after --'
	run sip-answer rtp-recv
	assert_failure 100
	assert_output --partial 'sip-answer: fatal: unexpected argument rtp-recv (a COMMAND goes after --)'
	run sip-answer -a no.such.host.invalid
	assert_failure 100
	run sip-answer -l 127.0.0.1:99999
	assert_failure 100
	run env SIP_SOCKET_FD=3 sip-answer
	assert_failure 100

	run sip-answer --help
	assert_success
	help=$(squeeze <<<"${output%%$'\n'Waits for calls*}")
	syn=$(mandoc -Tascii -Owidth=300 "$SIPLINE_TESTS/../man/sip-answer.1" |
		sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | squeeze)
	assert_equal "$help" "usage: $syn"
	run sip-answer --version
	assert_success
	assert_output --regexp '^sip-answer [0-9]+\.[0-9]+\.[0-9]+$'
	run mandoc -Tlint -Wwarning "$SIPLINE_TESTS/../man/sip-answer.1"
	assert_success
	assert_output ''
}
