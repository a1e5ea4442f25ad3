#!/usr/bin/env bats
# sip-answer --serve, tcpserver for calls: concurrent calls from SIPp, the
# --max-calls bound, retransmitted INVITEs, CANCEL passed to the call's
# process, stopping with calls running, chain-loaded behind Kamailio, all
# of it over TCP too; no call process is ever left behind.

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

# serve_on [SIP-ANSWER-ARGS...]: sip-answer --serve as job "srv" on
# 127.0.0.1:$PORT, ready when this returns.
serve_on() {
	PORT=$(free_port)
	start_bg srv sip-answer -S -l "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening udp "$PORT"
}

# count PATTERN FILE: lines of FILE matching the extended regex.
count() {
	grep -cE "$1" "$2" || true
}

# has_lines N PATTERN FILE: true when N lines of FILE match; for wait_for.
has_lines() {
	[ "$(count "$2" "$3")" = "$1" ]
}

@test "serve: 20 concurrent calls from SIPp, none failed, each ended, no child left; SIGTERM exits 0" {
	local srv n
	serve_on -m 30 -- handoff-probe -s -1 -o /dev/null
	srv=$(bg_pid srv)
	# 20 calls started within a second, each talking 1 s.
	sipp_run load call-uac -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		-d 1000 -r 20 -l 20 -m 20 -timeout 20s "127.0.0.1:$PORT"
	grep -E 'Successful call +\| +[0-9]+ +\| +20 ' "$D/load.sipp-out"
	grep -E 'Failed call +\| +[0-9]+ +\| +0 ' "$D/load.sipp-out"
	# The calls overlapped: a process each, at the same time.
	n=$(sed -n 's/.*Peak was \([0-9]*\) calls.*/\1/p' "$D/load.sipp-out" | tail -n 1)
	echo "peak: $n concurrent calls"
	[ "$n" -ge 10 ]
	wait_for 5 has_lines 20 '^sip-answer: ended status=0 ' "$D/srv.err"
	assert_equal "$(count "^sip-answer: incoming from=sip:alice@127\.0\.0\.1:$PORT to=sip:bob@127\.0\.0\.1:$PORT call-id=$SIPP_CID$" "$D/srv.err")" 20
	assert_equal "$(count "^sip-answer: hangup by=remote call-id=$SIPP_CID$" "$D/srv.err")" 20
	assert_equal "$(grep -oE "call-id=$SIPP_CID" "$D/srv.err" | sort -u | wc -l)" 20
	wait_for 5 no_children "$srv"
	signal_bg srv TERM
	wait_bg srv 2
	assert_success
	assert_line 'sip-answer: stopping calls=0'
	refute_line --partial warning
}

@test "serve: one call process takes calls one after another: each media command sees its own call's variables and descriptors; idle a second, it exits" {
	local srv kid i
	serve_on -- sh -c 'echo "$PPID $SIP_CALL_ID" >>"$0/calls"; exec handoff-probe -s -1 -o "$0/media-$SIP_CALL_ID.txt"' "$D"
	srv=$(bg_pid srv)
	for i in 1 2 3; do
		run direct sip-call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sleep 5
		assert_success
		wait_for 5 has_lines "$i" '^sip-answer: ended status=0 ' "$D/srv.err"
		# Free once its media command is gone (up to a second idle).
		kid=$(children "$srv")
		[ "$(wc -w <<<"$kid")" = 1 ]
		wait_for 2 no_children "$kid"
		sleep 0.1
	done
	cat "$D/calls"
	# One process ran the three calls, each with its own Call-ID.
	assert_equal "$(cut -d' ' -f1 "$D/calls" | sort -u)" "$kid"
	assert_equal "$(cut -d' ' -f2 "$D/calls" | sort -u | wc -l)" 3
	# Each media command saw its own call, and the same descriptors (no
	# socket of an earlier call left open).
	for i in $(cut -d' ' -f2 "$D/calls"); do
		assert_equal "$(report_env "media-$i.txt" SIP_CALL_ID)" "$i"
		assert_equal "$(report_fds "media-$i.txt")" "$(report_fds "media-$(head -n 1 "$D/calls" | cut -d' ' -f2).txt")"
	done
	# Idle, it exits; the next call gets a new one.
	wait_for 5 no_children "$srv"
	run direct sip-call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sleep 5
	assert_success
	refute [ "$(tail -n 1 "$D/calls" | cut -d' ' -f1)" = "$kid" ]
}

@test "serve: while a call is in progress an idle call process stays for the next call (not forked again after 1 s idle); at rest it exits after a second" {
	local srv long kid kids=
	serve_on -- sleep 20
	srv=$(bg_pid srv)
	# A long call keeps the server under load...
	start_bg long direct sip-call -T 5 -D 12 "sip:bob@127.0.0.1:$PORT" -- sleep 20
	wait_for 5 has_lines 1 '^sip-answer: answered ' "$D/srv.err"
	long=$(children "$srv" | tr -d " ")
	assert_equal "$(wc -w <<<"$long")" 1
	# ... while three short ones come, each 1.5 s after the call process
	# of the one before became idle (its media command gone): that one
	# takes the next.
	for i in 1 2 3; do
		run direct sip-call -T 5 -D 0.2 "sip:bob@127.0.0.1:$PORT" -- true
		assert_success
		kid=$(children "$srv" | tr -d " " | grep -vx "$long")
		assert_equal "$(wc -w <<<"$kid")" 1
		kids+="$kid "
		wait_for 5 no_children "$kid"
		sleep 1.5
	done
	assert_equal "$kids" "$kid $kid $kid "
	wait_bg long 15
	assert_success
	# At rest, idle ones exit after a second.
	wait_for 3 no_children "$srv"
}

@test "serve: --max-calls 2: a third call at once gets 486 and a busy event" {
	serve_on -m 2 -- handoff-probe -s -1 -o /dev/null
	start_bg calls sipp_run calls call-uac -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		-d 3000 -r 10 -l 2 -m 2 -timeout 15s "127.0.0.1:$PORT"
	wait_for 5 has_lines 2 '^sip-answer: answered ' "$D/srv.err"
	run -2 direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	run grep -E "^sip-answer: busy calls=2 call-id=$CID$" "$D/srv.err"
	assert_success
	# The two calls were not disturbed, and once they are over there is
	# room again.
	wait_bg calls 10
	assert_success
	wait_for 5 no_children "$(bg_pid srv)"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_success
	assert_equal "$(count '^sip-answer: ended status=0 ' "$D/srv.err")" 3
}

# sip_file NAME: writes the SIP message read on stdin (LF line ends, a body
# after a blank line) to $D/NAME with CRLF line ends and its Content-Length.
sip_file() {
	local text head body=
	text=$(cat)
	head=${text%%$'\n\n'*}
	[[ $text == *$'\n\n'* ]] && body=$(printf '%s\n' "${text#*$'\n\n'}" | sed 's/$/\r/')$'\r\n'
	[ -n "$body" ] && body=${body%$'\r\n'}$'\r\n'
	{
		printf '%s\n' "$head" | sed 's/$/\r/'
		printf 'Content-Length: %d\r\n\r\n' "$(printf '%s' "$body" | wc -c)"
		printf '%s' "$body"
	} >"$D/$1"
}

# invite_file: the INVITE of the retransmission test, fixed Call-ID, tag
# and branch, as a UAC sends it again and again when no answer comes.
invite_file() {
	sip_file invite <<-EOF
		INVITE sip:bob@127.0.0.1:$PORT SIP/2.0
		Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-retrans-1
		Max-Forwards: 70
		From: <sip:alice@sipline.test>;tag=retrans-from
		To: <sip:bob@127.0.0.1:$PORT>
		Call-ID: retrans-call@sipline.test
		CSeq: 1 INVITE
		Contact: <sip:alice@127.0.0.1:9>
		Content-Type: application/sdp

		v=0
		o=- 1 1 IN IP4 127.0.0.1
		s=-
		c=IN IP4 127.0.0.1
		t=0 0
		m=audio 9 RTP/AVP 0
		a=rtpmap:0 PCMU/8000
	EOF
}

# contact_hostport: HOST:PORT of $CONTACT (sip:[user@]host:port).
contact_hostport() {
	local h=${CONTACT#sip:}
	echo "${h#*@}"
}

# in_dialog_file NAME METHOD CSEQ TOTAG: an ACK or BYE of that call.
in_dialog_file() {
	sip_file "$1" <<-EOF
		$2 $CONTACT SIP/2.0
		Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-retrans-$2-$3
		Max-Forwards: 70
		From: <sip:alice@sipline.test>;tag=retrans-from
		To: <sip:bob@127.0.0.1:$PORT>;tag=$4
		Call-ID: retrans-call@sipline.test
		CSeq: $3 $2
	EOF
}

@test "serve: a retransmitted INVITE, during the call or after it, never starts a second call" {
	local totag
	serve_on -- handoff-probe -s -1 -o "$D/media.txt"
	invite_file
	# Two copies back to back, as a caller sends when its first went
	# unanswered: one call, and the copy gets the call's answer.
	run udp-send -a -w 1 -u retrans-call@sipline.test "127.0.0.1:$PORT" "$D/invite" "$D/invite"
	assert_success
	assert_line '200 retrans-call@sipline.test'
	CONTACT=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^Contact: <\(sip:[^>]*\)>.*/\1/p' | head -n 1)
	totag=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^To: .*;tag=\([^;]*\).*/\1/p' | head -n 1)
	assert [ -n "$CONTACT" ]
	assert [ -n "$totag" ]
	wait_for 5 grep -q '^ready$' "$D/media.txt"
	# A third copy while the call is up (its transaction ended with the
	# 200): answered with the same 200, still one call.
	run udp-send -w 1 -u retrans-call@sipline.test "127.0.0.1:$PORT" "$D/invite"
	assert_success
	assert_line '200 retrans-call@sipline.test'
	assert_equal "$(count '^sip-answer: incoming ' "$D/srv.err")" 1
	# ACK and BYE to the call's own Contact end it.
	in_dialog_file ack ACK 1 "$totag"
	in_dialog_file bye BYE 2 "$totag"
	run udp-send -w 2 -u retrans-call@sipline.test "$(contact_hostport)" "$D/ack" "$D/bye"
	assert_success
	assert_line '200 retrans-call@sipline.test'
	wait_for 10 grep -q '^sip-answer: ended status=0 ' "$D/srv.err"
	wait_for 5 no_children "$(bg_pid srv)"
	# A late copy after the call: no second call.  And a late copy of
	# the BYE (its 200 lost) gets no 481 from the server: the call is
	# remembered as over.
	run udp-send -w 1 "127.0.0.1:$PORT" "$D/invite" "$D/bye"
	assert_success
	assert_output ""
	# But a CANCEL for it still gets its answer, 481 (a caller whose
	# 200 to CANCEL got lost stops retransmitting it).
	sip_file cancel <<-EOF
		CANCEL sip:bob@127.0.0.1:$PORT SIP/2.0
		Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-retrans-1
		Max-Forwards: 70
		From: <sip:alice@sipline.test>;tag=retrans-from
		To: <sip:bob@127.0.0.1:$PORT>
		Call-ID: retrans-call@sipline.test
		CSeq: 1 CANCEL
	EOF
	run udp-send -w 1 -u retrans-call@sipline.test "127.0.0.1:$PORT" "$D/cancel"
	assert_success
	assert_line '481 retrans-call@sipline.test'
	sleep 0.3
	assert_equal "$(count '^sip-answer: incoming ' "$D/srv.err")" 1
	assert_equal "$(count '^sip-answer: answered ' "$D/srv.err")" 1
	assert_equal "$(grep -c '^ready$' "$D/media.txt")" 1
	no_children "$(bg_pid srv)"

	# The same without --serve: the copies are one call.
	PORT=$(free_port)
	start_bg one sip-answer -l "127.0.0.1:$PORT" -- handoff-probe -s -1 -o /dev/null
	wait_for 5 port_listening udp "$PORT"
	invite_file
	run udp-send -a -w 1 -u retrans-call@sipline.test "127.0.0.1:$PORT" "$D/invite" "$D/invite"
	assert_success
	CONTACT=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^Contact: <\(sip:[^>]*\)>.*/\1/p' | head -n 1)
	totag=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^To: .*;tag=\([^;]*\).*/\1/p' | head -n 1)
	run udp-send -w 1 -u retrans-call@sipline.test "127.0.0.1:$PORT" "$D/invite"
	assert_line '200 retrans-call@sipline.test'
	in_dialog_file ack ACK 1 "$totag"
	in_dialog_file bye BYE 2 "$totag"
	run udp-send -w 2 -u retrans-call@sipline.test "$(contact_hostport)" "$D/ack" "$D/bye"
	assert_success
	wait_bg one 5
	assert_success
	assert_equal "$(count '^sip-answer: incoming ' "$D/one.err")" 1
}

@test "serve: a 300-character Call-ID is a call like any other: answered, its ACK and BYE reach its process" {
	local c
	c=$(printf 'c%.0s' {1..300})
	serve_on -- handoff-probe -s -1 -o "$D/media.txt"
	sipp_run long call-uac -s bob -key from alice -key domain "127.0.0.1:$PORT" -d 200 \
		-cid_str "$c-%u@x" "127.0.0.1:$PORT"
	wait_for 5 grep -q '^sip-answer: ended status=0 ' "$D/srv.err"
	run cat "$D/srv.err"
	assert_line "sip-answer: hangup by=remote call-id=${c:0:255}"
	refute_line --partial busy
	# The media command was stopped by the BYE, not left running.
	wait_for 5 no_children "$(bg_pid srv)"
	assert_equal "$(tail -n 1 "$D/media.txt")" "signal TERM"
}

@test "serve: a CANCEL reaches the call's process: 487, cancelled by=remote, exit 4 for the caller" {
	serve_on --ring 30 -- handoff-probe -o "$D/media.txt"
	run -4 direct sip-call -T 1 "sip:bob@127.0.0.1:$PORT" -- true
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	wait_for 5 grep -q '^sip-answer: ended status=4 ' "$D/srv.err"
	run cat "$D/srv.err"
	assert_line --regexp "^sip-answer: cancelled by=remote from=sip:alice@sipline\.test call-id=$CID$"
	[ ! -e "$D/media.txt" ]
	wait_for 5 no_children "$(bg_pid srv)"
}

@test "serve: SIGTERM with two calls running: both hung up (BYE), exit 0, no child left" {
	local srv
	serve_on -- handoff-probe -s -1 -o /dev/null
	srv=$(bg_pid srv)
	start_bg c1 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1 -o /dev/null
	start_bg c2 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1 -o /dev/null
	wait_for 5 has_lines 2 '^sip-answer: answered ' "$D/srv.err"
	signal_bg srv TERM
	wait_bg srv 5
	assert_success
	assert_line 'sip-answer: stopping calls=2'
	assert_equal "$(count '^sip-answer: hangup by=local reason="terminated" ' "$D/srv.err")" 2
	assert_equal "$(count '^sip-answer: ended status=0 ' "$D/srv.err")" 2
	no_children "$srv"
	wait_bg c1 5
	assert_success
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_bg c2 5
	assert_success
}

@test "serve: --accept-from: 403 to another source, each in its own call process otherwise" {
	serve_on -a 127.0.0.1 -- true
	sipp_run scan call-uac-refused -i 127.0.0.2 -s bob -key from mallory \
		-key domain "127.0.0.1:$PORT" -key name Mallory -key pts 0 "127.0.0.1:$PORT"
	sipp_trace scan | grep -q '^SIP/2.0 403 Forbidden$'
	run grep -E "^sip-answer: warning: refusing INVITE from 127\.0\.0\.2:[0-9]+: not an --accept-from source$" "$D/srv.err"
	assert_success
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_success
	run grep -c '^sip-answer: incoming' "$D/srv.err"
	assert_output 1
}

@test "serve: chain-loaded behind Kamailio: three callers at once, each answered, unregistered at the end" {
	local i port srv
	port=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$port" -- sip-answer -S -- handoff-probe -s 1 -o /dev/null
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$port"
	for i in 1 2 3; do
		start_bg "alice$i" env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob -- handoff-probe -s -1 -o /dev/null
	done
	for i in 1 2 3; do
		wait_bg "alice$i" 10
		assert_success
		assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	done
	assert_equal "$(count '^sip-answer: ended status=0 ' "$D/bob.err")" 3
	# sip-answer is sip-register's child; its call processes end too.
	srv=$(ps --ppid "$(bg_pid bob)" -o pid= | tr -d ' ')
	wait_for 5 no_children "$srv"
	signal_bg bob TERM
	wait_bg bob 5
	assert_success
	assert_line 'sip-answer: stopping calls=0'
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	kamailio_has_no_binding bob
}

# serve_tcp [SIP-ANSWER-ARGS...]: sip-answer --serve over TCP as job "srv"
# on 127.0.0.1:$PORT, ready when this returns.
serve_tcp() {
	PORT=$(free_port)
	start_bg srv sip-answer -S -t tcp -l "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening tcp "$PORT"
}

# tcp_conns PORT: the TCP connections of local port PORT that are not
# closed yet, one a line.
tcp_conns() {
	ss -Htn state established state close-wait "sport = :$1"
}

# tcp_conns_are N PORT: true when N such connections are open; for wait_for
# (its command runs again each time, a $(...) in its arguments would not).
tcp_conns_are() {
	[ "$(tcp_conns "$2" | wc -l)" = "$1" ]
}

@test "serve over TCP: 10 concurrent SIPp calls on one connection (as a proxy sends them), then on a connection each; none failed, no child or connection left" {
	local srv mode n
	serve_tcp -m 30 -- handoff-probe -s -1 -o /dev/null
	srv=$(bg_pid srv)
	for mode in t1 tn; do
		# (-max_socket: SIPp refuses tn with its default of 50000 above
		# the file limit.)
		sipp_run "load-$mode" call-uac -t "$mode" -max_socket 100 -s bob -key from alice \
			-key domain "127.0.0.1:$PORT" -d 1000 -r 10 -l 10 -m 10 -timeout 20s \
			"127.0.0.1:$PORT"
		grep -E 'Successful call +\| +[0-9]+ +\| +10 ' "$D/load-$mode.sipp-out"
		grep -E 'Failed call +\| +[0-9]+ +\| +0 ' "$D/load-$mode.sipp-out"
		n=$(sed -n 's/.*Peak was \([0-9]*\) calls.*/\1/p' "$D/load-$mode.sipp-out" | tail -n 1)
		echo "$mode peak: $n concurrent calls"
		[ "$n" -ge 5 ]
		# Every answer went back over TCP.
		sipp_trace "load-$mode" | grep -q '^SIP/2.0 200 OK$'
		run sipp_trace "load-$mode"
		refute_line --regexp '^Via: SIP/2.0/UDP'
	done
	wait_for 5 has_lines 20 '^sip-answer: ended status=0 ' "$D/srv.err"
	assert_equal "$(count "^sip-answer: incoming from=sip:alice@127\.0\.0\.1:$PORT to=sip:bob@127\.0\.0\.1:$PORT call-id=$SIPP_CID$" "$D/srv.err")" 20
	assert_equal "$(count "^sip-answer: hangup by=remote call-id=$SIPP_CID$" "$D/srv.err")" 20
	wait_for 5 no_children "$srv"
	# SIPp is gone: a connection still open here would be one a call
	# process kept after the parent closed it.
	wait_for 5 tcp_conns_are 0 "$PORT"
	signal_bg srv TERM
	wait_bg srv 2
	assert_success
	refute_line --partial warning
}

@test "serve over TCP: direct callers: the hand-off, a hang-up from each side, a CANCEL to the call's process" {
	serve_tcp --ring 0.3 -- handoff-probe -s 1 -o "$D/media.txt"
	run direct sip-call -t tcp -T 5 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- handoff-probe -s -1 -o "$D/caller.txt"
	assert_success
	assert_line 'sip-call: ringing status="180 Ringing"'
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_for 5 grep -q '^sip-answer: ended status=0 ' "$D/srv.err"
	# RTP is UDP whatever carries SIP.
	grep -qE '^fd 6 udp 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:[0-9]+$' "$D/media.txt"
	# The caller hangs up.
	run direct sip-call -t tcp -T 5 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- true
	assert_success
	wait_for 5 has_lines 1 '^sip-answer: hangup by=remote ' "$D/srv.err"
	wait_for 5 has_lines 2 '^sip-answer: ended status=0 ' "$D/srv.err"
	stop_bg srv
	# Two callers, each on its own connection: the first hangs up and
	# goes while the second talks on.  Its connection closes at once
	# (the second call's process, forked after it was accepted, does not
	# hold it open).
	serve_tcp -- handoff-probe -s -1 -o /dev/null
	start_bg c1 env -u SIP_SERVER SIP_USER=alice sip-call -t tcp -T 5 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- sleep 1
	wait_for 5 has_lines 1 '^sip-answer: answered ' "$D/srv.err"
	start_bg c2 env -u SIP_SERVER SIP_USER=alice sip-call -t tcp -T 5 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- sleep 6
	wait_for 5 has_lines 2 '^sip-answer: answered ' "$D/srv.err"
	# Only the first process holds, reads and writes the connections it
	# accepted (two writers could interleave their messages on one):
	# the call processes hand what they send back to it.
	run ss -Htnp state established "sport = :$PORT"
	assert_equal "${#lines[@]}" 2
	assert_equal "$(grep -o 'pid=[0-9]*' <<<"$output" | sort -u)" "pid=$(bg_pid srv)"
	wait_bg c1 5
	assert_success
	wait_for 3 tcp_conns_are 1 "$PORT"
	assert_equal "$(count '^sip-answer: ended ' "$D/srv.err")" 1
	wait_bg c2 10
	assert_success
	stop_bg srv
	# CANCEL while it rings.
	serve_tcp --ring 30 -- handoff-probe -o "$D/never.txt"
	run -4 direct sip-call -t tcp -T 1 "sip:bob@127.0.0.1:$PORT;transport=tcp" -- true
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	wait_for 5 grep -q '^sip-answer: ended status=4 ' "$D/srv.err"
	run cat "$D/srv.err"
	assert_line --regexp "^sip-answer: cancelled by=remote from=sip:alice@sipline\.test call-id=$CID$"
	[ ! -e "$D/never.txt" ]
	wait_for 5 no_children "$(bg_pid srv)"
}

@test "serve over TCP: chain-loaded behind Kamailio: three callers at once, each answered, unregistered at the end" {
	local i port srv
	port=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -t tcp -e 60 -c "127.0.0.1:$port" -- sip-answer -S -- handoff-probe -s 1 -o /dev/null
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$port;transport=tcp"
	for i in 1 2 3; do
		start_bg "alice$i" env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob -- handoff-probe -s -1 -o /dev/null
	done
	for i in 1 2 3; do
		wait_bg "alice$i" 10
		assert_success
		assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	done
	assert_equal "$(count '^sip-answer: ended status=0 ' "$D/bob.err")" 3
	# The proxy reached bob's calls over TCP.
	grep -q "BYE sip:alice@127\.0\.0\.1:[0-9]* from 127\.0\.0\.1:[0-9]*/tcp" "$KAM_LOG"
	srv=$(ps --ppid "$(bg_pid bob)" -o pid= | tr -d ' ')
	wait_for 5 no_children "$srv"
	signal_bg bob TERM
	wait_bg bob 5
	assert_success
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	kamailio_has_no_binding bob
}

# --- issue 18: calls counted, not processes; bounded refusals; --listen;
# draining

@test "serve: --max-calls counts calls: a media command that outlives its call holds no slot; processes stay within twice the bound" {
	local srv
	# The media ignores the SIGTERM of the BYE: each call process stays
	# its 5 s (SL_MEDIA_STOP_WAIT_MS) after its call is over.
	serve_on -m 2 -- sh -c 'trap "" TERM; sleep 30'
	srv=$(bg_pid srv)
	# Four calls of 0.2 s, two at a time: each pair is over long before
	# its processes are.
	sipp_run calls call-uac -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		-d 200 -r 5 -l 2 -m 4 -timeout 15s "127.0.0.1:$PORT"
	grep -E 'Successful call +\| +[0-9]+ +\| +4 ' "$D/calls.sipp-out"
	refute grep -q busy "$D/srv.err"
	assert_equal "$(children "$srv" | wc -l)" 4
	# Four processes is the bound (2 x --max-calls): a fifth call at once
	# is busy, though no call is in progress.
	run -2 direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	run grep -E "^sip-answer: busy calls=0 call-id=$CID$" "$D/srv.err"
	assert_success
	wait_for 10 no_children "$srv"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_success
}

@test "serve: COMMAND is looked up in PATH once; gone since, it is searched for again; found nowhere, 127 and a warning" {
	local srv
	mkdir "$D/a" "$D/b"
	printf '#!/bin/sh\necho %s >>"%s/ran"\n' b "$D" >"$D/b/media"
	chmod +x "$D/b/media"
	PATH="$D/a:$D/b:$PATH" serve_on -- media
	# Each call lasts a second: its media has time to say it ran.
	srv=$(bg_pid srv)
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sleep 1
	assert_success
	wait_for 5 grep -qx b "$D/ran"
	# Moved to a directory earlier in PATH: the next call runs it there.
	rm "$D/b/media"
	printf '#!/bin/sh\necho %s >>"%s/ran"\n' a "$D" >"$D/a/media"
	chmod +x "$D/a/media"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sleep 1
	assert_success
	wait_for 5 grep -qx a "$D/ran"
	rm "$D/a/media"
	run direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- sleep 1
	wait_for 5 grep -q "^sip-answer: warning: unable to run media: No such file or directory$" "$D/srv.err"
	wait_for 10 no_children "$srv"
	assert_equal "$(cat "$D/ran")" "$(printf 'b\na')"
}

@test "serve: a burst of 1500 refusals costs bounded memory: each refused 486, the parent grows by under 4 MB" {
	local srv rss0 rss1
	serve_on -m 1 -- handoff-probe -s -1 -o /dev/null
	srv=$(bg_pid srv)
	start_bg held env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1 -o /dev/null
	wait_for 5 has_lines 1 '^sip-answer: answered ' "$D/srv.err"
	rss0=$(ps -o rss= -p "$srv")
	SIPP_HARD_TIMEOUT=40 sipp_run burst call-uac-refused -s bob -key from mallory \
		-key domain "127.0.0.1:$PORT" -key name Mallory -key pts 0 \
		-r 300 -m 1500 -l 1500 -timeout 30s "127.0.0.1:$PORT"
	grep -E 'Successful call +\| +[0-9]+ +\| +1500 ' "$D/burst.sipp-out"
	rss1=$(ps -o rss= -p "$srv")
	figure "serve parent RSS: $rss0 kB before 1500 refusals, $rss1 kB after"
	# Not under make check SANITIZE=1, where AddressSanitizer keeps freed
	# memory in quarantine (as tests/longrun.bats' rss_steady).
	[ "${SIPLINE_SANITIZE:-}" = 1 ] || [ $((rss1 - rss0)) -lt 4096 ]
	assert_equal "$(count '^sip-answer: busy calls=1 ' "$D/srv.err")" 1500
	# The call in progress was not disturbed.
	signal_bg held TERM
	wait_bg held 5
	assert_success
}

@test "serve: --listen on one address: each call process binds its SIP and RTP sockets there, and names it in Contact and SDP" {
	local kid mine
	PORT=$(free_port)
	start_bg srv sip-answer -S -l "127.0.0.3:$PORT" -- handoff-probe -s -1 -o "$D/media.txt"
	wait_for 5 port_listening udp "$PORT"
	start_bg call sipp_run call call-uac -s bob -key from alice -key domain "127.0.0.3:$PORT" \
		-d 2000 "127.0.0.3:$PORT"
	wait_for 5 grep -q '^ready$' "$D/media.txt"
	# Every UDP socket of the call process is on 127.0.0.3.
	kid=$(children "$(bg_pid srv)" | head -n 1)
	run ss -Huanp
	mine=$(grep "pid=$kid," <<<"$output")
	echo "$mine"
	[ -n "$mine" ]
	refute grep -vq ' 127\.0\.0\.3:[0-9]* ' <<<"$mine"
	wait_bg call 10
	assert_success
	run sipp_trace call
	assert_line --regexp '^Contact: <sip:127\.0\.0\.3:[0-9]+>'
	assert_line 'c=IN IP4 127.0.0.3'
	assert_equal "$(report_env media.txt RTP_LOCAL_HOST)" 127.0.0.3
}

@test "serve: SIGUSR1 drains: OPTIONS and new INVITEs get 503, the call in progress ends normally, then exit 0" {
	local srv
	serve_on -- handoff-probe -s -1 -o /dev/null
	srv=$(bg_pid srv)
	run direct sip-options "sip:127.0.0.1:$PORT"
	assert_success
	start_bg c1 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s 3 -o /dev/null
	wait_for 5 has_lines 1 '^sip-answer: answered ' "$D/srv.err"
	signal_bg srv USR1
	wait_for 3 grep -q '^sip-answer: draining calls=1$' "$D/srv.err"
	run -1 direct sip-options "sip:127.0.0.1:$PORT"
	assert_output --partial '503 Service Unavailable'
	run -1 direct sip-call -T 5 "sip:bob@127.0.0.1:$PORT" -- true
	assert_line --regexp "^sip-call: rejected status=\"503 Service Unavailable\" call-id=$CID$"
	# The call goes on to its end, and the server then exits.
	wait_bg c1 10
	assert_success
	assert_line --regexp "^sip-call: hangup by=local .*call-id=$CID$"
	wait_bg srv 5
	assert_success
	assert_equal "$(count '^sip-answer: ended status=0 ' "$D/srv.err")" 1
	refute grep -q warning "$D/srv.err"
}
