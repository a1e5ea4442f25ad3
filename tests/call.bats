#!/usr/bin/env bats
# sip-call through the private Kamailio: alice calls bob, who answers with
# sip-answer chain-loaded by sip-register (or side by side).  Every outcome
# with its exit status and event lines, the media hand-off as the media
# command sees it (tests/tools/handoff-probe), audio both ways, signals.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	kamailio_start
	local f=$BATS_FILE_TMPDIR
	# Raw s16le 8000 Hz mono, what arecord writes and rtp-send reads.
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/1k2s.raw" synth 2 sine 1000 vol 0.5
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/500-2s.raw" synth 2 sine 500 vol 0.5
}

teardown_file() {
	kamailio_stop
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
	# A binding left by an earlier test would take calls for bob too.
	forget_bindings
}

teardown() {
	stop_all_bg
}

# --- helpers for this file

forget_bindings() {
	kamailio_has_no_binding bob || kamailio_ctl ul.rm location bob
}

RTP='127\.0\.0\.1:[0-9]+'

# bob_answers [SIP-ANSWER-ARGS...]: bob registers from port $BOB_PORT with
# sip-answer chain-loaded (job "bob"); returns once Kamailio has the
# binding.
bob_answers() {
	BOB_PORT=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$BOB_PORT" -- sip-answer "$@"
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT"
}

# alice CMD...: CMD as alice (SIP_USER, SIP_PASSWORD), bounded, for
# `run alice sip-call ...`.  A job that is to get signals starts sip-call
# itself (env ... sip-call), so that signal_bg reaches it.
alice() {
	timeout -k 2 30 env SIP_USER=alice SIP_PASSWORD=alicepw "$@"
}

# report_fd FILE N: "KIND LOCAL PEER" of descriptor N.
report_fd() {
	awk -v n="$2" '$1 == "fd" && $2 == n { print $3, $4, $5 }' "$D/$1"
}

# event_value JOB KEY: the value of KEY= in the first line of JOB's stderr
# that has it (after "PROG: EVENT").
event_value() {
	sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" "$D/$1.err" | head -n 1
}

@test "call: answered, the caller hangs up: 0 both sides, registered exactly while answering" {
	bob_answers -- $(probe callee.txt -s -1)
	run alice sip-call -T 5 bob -- $(probe caller.txt -s 1)
	assert_success
	assert_line --index 0 --regexp "^sip-call: calling to=sip:bob@sipline\.test call-id=$CID$"
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[1-9][0-9]*\.[0-9] call-id=$CID$"
	refute_line --partial warning

	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: incoming from=sip:alice@sipline\.test to=sip:bob@sipline\.test call-id=$CID$"
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$CID$"
	assert_line --regexp '^sip-register: child-exited status=0$'
	assert_line --regexp '^sip-register: unregistered aor=sip:bob@sipline\.test$'
	# The callee's media command was stopped by the BYE.
	assert_equal "$(tail -n 1 "$D/callee.txt")" "signal TERM"
	kamailio_has_no_binding bob
}

@test "call: answered, the callee hangs up: 0 both sides, the caller's media is stopped" {
	bob_answers -- $(probe callee.txt -s 1)
	run alice sip-call -T 5 bob -- $(probe caller.txt -s -1)
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[1-9][0-9]*\.[0-9] call-id=$CID$"
	refute_line --partial 'by=local'
	assert_equal "$(tail -n 1 "$D/caller.txt")" "signal TERM"

	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=local reason=\"media ended\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[1-9][0-9]*\.[0-9] call-id=$CID$"
	kamailio_has_no_binding bob
}

@test "call: busy: --reject busy, 486, exit 2 both sides" {
	bob_answers --reject busy -- $(probe callee.txt)
	run alice sip-call -T 5 bob -- $(probe caller.txt)
	assert_failure 2
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=2 duration=0\.0 call-id=$CID$"
	refute_line --partial 'answered'
	refute_line --partial warning
	wait_bg bob 5
	assert_failure 2
	assert_line --regexp "^sip-answer: rejected status=\"486 Busy Here\" call-id=$CID$"
	# No media ran on either side.
	assert [ ! -e "$D/caller.txt" ]
	assert [ ! -e "$D/callee.txt" ]
}

@test "call: declined: --reject decline, 603, exit 3 both sides" {
	bob_answers --reject decline
	run alice sip-call -T 5 bob
	assert_failure 3
	assert_line --regexp "^sip-call: rejected status=\"603 Decline\" call-id=$CID$"
	wait_bg bob 5
	assert_failure 3
	assert_line --regexp "^sip-answer: rejected status=\"603 Decline\" call-id=$CID$"
}

@test "call: no answer: -T 1 against --ring 30 cancels, exit 4, the callee says who gave up" {
	bob_answers --ring 30 -- $(probe callee.txt)
	run alice sip-call -T 1 bob -- $(probe caller.txt)
	assert_failure 4
	assert_line --regexp '^sip-call: ringing status="180 Ringing"$'
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=4 duration=0\.0 call-id=$CID$"
	refute_line --partial 'answered'
	refute_line --partial warning
	wait_bg bob 5
	assert_failure 4
	assert_line --regexp "^sip-answer: cancelled by=remote from=sip:alice@sipline\.test call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=4 duration=0\.0 call-id=$CID$"
	assert [ ! -e "$D/caller.txt" ]
	assert [ ! -e "$D/callee.txt" ]
}

@test "call: callee not registered: 404, exit 5" {
	run alice sip-call -T 5 carol
	assert_failure 5
	assert_line --regexp "^sip-call: calling to=sip:carol@sipline\.test call-id=$CID$"
	assert_line --regexp "^sip-call: rejected status=\"404 Not Found\" call-id=$CID$"
}

@test "call: wrong password: credentials refused, exit 6" {
	bob_answers
	run timeout 30 env SIP_USER=alice SIP_PASSWORD=wrong sip-call -T 5 bob
	assert_failure 6
	assert_line --regexp "^sip-call: rejected status=\"407 Proxy Authentication Required\" reason=\"credentials refused\" call-id=$CID$"
	# No password at all: the same status, and a word on what is missing.
	run timeout 30 env SIP_USER=alice sip-call -T 5 bob
	assert_failure 6
	assert_line 'sip-call: warning: 407 Proxy Authentication Required: no credentials (set SIP_USER and SIP_PASSWORD or SIP_PASSWORD_FILE)'
	assert_line --regexp "^sip-call: rejected status=\"407 Proxy Authentication Required\" reason=\"no credentials sent\" call-id=$CID$"
	# bob never saw a call.
	run cat "$D/bob.err"
	refute_line --partial 'incoming'
}

@test "call: no server: nothing listening, or a server that never answers: exit 7, bounded" {
	local port
	port=$(free_port)
	SIP_SERVER=127.0.0.1:$port run alice sip-call -T 5 bob
	assert_failure 7
	assert_line --regexp "^sip-call: failed reason=\"no response \\(port unreachable: nothing listens there\\)\" call-id=$CID$"

	# A socket that takes the INVITE and never says a word: -T bounds it.
	start_bg hole sipp_run hole call-uas-mute -p "$port" -timeout 30s
	wait_for 5 port_listening udp "$port"
	SIP_SERVER=127.0.0.1:$port run alice sip-call -T 2 bob
	assert_failure 7
	assert_line --regexp "^sip-call: failed reason=\"no response \\(timeout\\)\" call-id=$CID$"
}

@test "call: --duration hangs up after that long answered" {
	bob_answers -- $(probe callee.txt -s -1)
	run alice sip-call -T 5 -D 1 bob -- $(probe caller.txt -s -1)
	assert_success
	assert_line --regexp "^sip-call: hangup by=local reason=\"duration reached\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[1-9][0-9]*\.[0-9] call-id=$CID$"
	assert_equal "$(tail -n 1 "$D/caller.txt")" "signal TERM"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$CID$"
}

@test "call: SIGTERM while ringing: CANCEL, exit 4; the callee reports it" {
	bob_answers --ring 30 -- $(probe callee.txt)
	start_bg alice env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 20 bob -- $(probe caller.txt)
	wait_for 5 grep -q '^sip-call: ringing' "$D/alice.err"
	signal_bg alice TERM
	wait_bg alice 5
	assert_failure 4
	assert_line --regexp "^sip-call: cancelled by=local reason=\"terminated\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=4 duration=0\.0 call-id=$CID$"
	wait_bg bob 5
	assert_failure 4
	assert_line --regexp "^sip-answer: cancelled by=remote from=sip:alice@sipline\.test call-id=$CID$"
	assert [ ! -e "$D/caller.txt" ]
	assert [ ! -e "$D/callee.txt" ]
}

@test "call: SIGINT while talking: BYE, exit 0; the media command is stopped" {
	bob_answers -- $(probe callee.txt -s -1)
	start_bg alice env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob -- $(probe caller.txt -s -1)
	wait_for 5 grep -qx ready "$D/caller.txt"
	signal_bg alice INT
	wait_bg alice 5
	assert_success
	assert_line --regexp "^sip-call: hangup by=local reason=\"interrupted\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9.]+ call-id=$CID$"
	assert_equal "$(tail -n 1 "$D/caller.txt")" "signal TERM"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$CID$"
	assert_equal "$(tail -n 1 "$D/callee.txt")" "signal TERM"
}

@test "call: hand-off: fds 0 1 2 6 7 9 10 only, connected to the SDP's addresses, environment complete, no credentials" {
	local cid caller_rtp callee_rtp f side
	echo alicepw >"$D/pw"
	chmod 600 "$D/pw"
	bob_answers -- $(probe callee.txt -s -1)
	start_bg alice env SIP_USER=alice SIP_PASSWORD_FILE="$D/pw" \
		sip-call -T 5 bob -- $(probe caller.txt -s 1)
	wait_bg alice 10
	assert_success
	wait_bg bob 5
	assert_success

	cid=$(event_value alice call-id)
	[[ $cid =~ ^$CID$ ]]
	# Each side's "answered rtp=" is the peer's address from its SDP.
	caller_rtp=$(event_value alice rtp)
	callee_rtp=$(event_value bob rtp)
	assert_regex "$caller_rtp" "^$RTP\$"
	assert_regex "$callee_rtp" "^$RTP\$"

	for f in caller.txt callee.txt; do
		cat "$D/$f"
		assert_equal "$(report_fds "$f")" "0 1 2 6 7 9 10 11"
		assert_equal "$(report_env "$f" RTP_FD)" 6
		assert_equal "$(report_env "$f" RTCP_FD)" 7
		assert_equal "$(report_env "$f" SIP_CONTROL_FD)" 9
		assert_equal "$(report_env "$f" RTP_DTMF_FD)" 10
		assert_equal "$(report_env "$f" SIP_DTMF_FD)" 11
		assert_equal "$(report_env "$f" RTP_PAYLOAD_TYPE)" 0
		assert_equal "$(report_env "$f" RTP_CODEC)" PCMU
		assert_equal "$(report_env "$f" RTP_CLOCK_RATE)" 8000
		assert_equal "$(report_env "$f" RTP_PTIME)" 20
		assert_equal "$(report_env "$f" RTP_DTMF_PAYLOAD_TYPE)" 101
		assert_equal "$(report_env "$f" RTP_DIRECTION)" sendrecv
		assert_equal "$(report_env "$f" RTP_TIMEOUT)" 30
		assert_equal "$(report_env "$f" SIP_CALL_ID)" "$cid"
		# fd 6 is bound to RTP_LOCAL_* and connected to RTP_REMOTE_*;
		# fd 7 to the ports after them (RTCP).
		local lh lp rh rp
		lh=$(report_env "$f" RTP_LOCAL_HOST) lp=$(report_env "$f" RTP_LOCAL_PORT)
		rh=$(report_env "$f" RTP_REMOTE_HOST) rp=$(report_env "$f" RTP_REMOTE_PORT)
		assert_equal "$(report_fd "$f" 6)" "udp $lh:$lp $rh:$rp"
		assert_equal "$(report_fd "$f" 7)" "udp $lh:$((lp + 1)) $rh:$((rp + 1))"
		# Credentials never reach the media; nor does sip-register's socket.
		run grep -E '^env (SIP_PASSWORD|SIP_PASSWORD_FILE|SIP_SOCKET_FD)=' "$D/$f"
		assert_failure
		run grep -i -e alicepw -e bobpw "$D/$f"
		assert_failure
		# No display name was given: the variable is unset, not empty.
		run report_env "$f" SIP_REMOTE_NAME
		assert_failure
	done
	# Each side is connected to the address the other put in its SDP.
	assert_equal "$(report_fd caller.txt 6)" "udp $callee_rtp $caller_rtp"
	assert_equal "$(report_fd callee.txt 6)" "udp $caller_rtp $callee_rtp"
	assert_equal "$(report_env caller.txt SIP_DIRECTION)" outgoing
	assert_equal "$(report_env caller.txt SIP_LOCAL_URI)" sip:alice@sipline.test
	assert_equal "$(report_env caller.txt SIP_REMOTE_URI)" sip:bob@sipline.test
	assert_equal "$(report_env callee.txt SIP_DIRECTION)" incoming
	assert_equal "$(report_env callee.txt SIP_LOCAL_URI)" sip:bob@sipline.test
	assert_equal "$(report_env callee.txt SIP_REMOTE_URI)" sip:alice@sipline.test
}

@test "call: audio: a 1 kHz tone into sip-call arrives at the callee's recording" {
	bob_answers -- sh -c "exec rtp-recv > '$D/rec.raw'"
	start_bg alice sh -c "exec env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob < '$T/1k2s.raw'"
	wait_bg alice 10
	assert_success
	# Whoever notices first hangs up: the caller when its rtp-send is
	# done, or the callee when rtp-recv has the sender's RTCP BYE.
	assert_line --regexp "^sip-call: hangup by=(local|remote).* call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=([2-9]|[1-9][0-9]+)\.[0-9] call-id=$CID$"
	wait_bg bob 5
	assert_success
	check_tone -f 1000 -s 30 -n 16000 -N 1600 "$D/rec.raw"
}

@test "call: audio, the other way in PCMA: the callee plays a tone, the caller records it" {
	bob_answers -- sh -c "exec rtp-send < '$T/500-2s.raw'"
	# The caller's default media: silence from a source that lasts, the
	# audio it receives on stdout.
	start_bg alice sh -c "exec env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 -c pcma bob < /dev/zero > '$D/rec.raw'"
	wait_bg alice 10
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMA rtp=$RTP call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMA rtp=$RTP call-id=$CID$"
	check_tone -f 500 -s 30 -n 16000 -N 1600 "$D/rec.raw"
}

@test "call: the default media is one process per side, both ways, one wake-up a packet time, holding only its RTP sockets" {
	local side pid v1 kids rate
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/1k.raw" synth 9 sine 1000 vol 0.5
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/500.raw" synth 9 sine 500 vol 0.5
	BOB_PORT=$(free_port)
	start_bg bob sh -c 'exec env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$1" -- sip-answer <"$2" >"$3"' \
		_ "$BOB_PORT" "$D/500.raw" "$D/bob.raw"
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT"
	start_bg alice sh -c "exec env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 -D 6 bob <'$D/1k.raw' >'$D/alice.raw'"
	wait_for 10 grep -q '^sip-call: answered ' "$D/alice.err"
	sleep 0.5
	local -A mpid v0 t0
	for side in alice bob; do
		pid=$(media_child "$side")
		[ -n "$pid" ]
		mpid[$side]=$pid
		# No other media process: the signalling tool's only child.
		kids=$(ps -o comm= --ppid "$(ps -o ppid= -p "$pid" | tr -d " ")" | sort | tr '\n' ' ')
		assert_equal "$kids" "sipline-media "
		# It holds the call's RTP and RTCP sockets and nothing else of
		# the call's: not the SIP socket, which would stay bound after
		# the call until the media ends.
		assert_equal "$(find "/proc/$pid/fd" -lname 'socket:*' | wc -l)" 2
		t0[$side]=$EPOCHREALTIME
		v0[$side]=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
	done
	# Wake-ups: the times each went to sleep (voluntary context switches)
	# in about a second of sending and receiving 50 packets a second.
	sleep 1
	for side in alice bob; do
		v1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/${mpid[$side]}/status")
		rate=$(awk -v n="$((v1 - v0[$side]))" -v a="${t0[$side]}" -v b="$EPOCHREALTIME" \
			'BEGIN { printf "%d", n / (b - a) }')
		echo "$side: $((v1 - v0[$side])) wake-ups, $rate a second"
		assert [ "$rate" -le 55 ]
	done
	run pgrep -x -s "$(ps -o sid= -p "$(bg_pid alice)" | tr -d ' ')" 'rtp-(send|recv)'
	assert_failure
	wait_bg alice 10
	assert_success
	wait_bg bob 5
	assert_success
	# Six seconds of call each way, give or take the jitter buffer.  (The
	# call lasts long enough that a loaded machine still reads /proc of
	# both media processes before they end: at 3 s, once, it did not.)
	check_tone -f 500 -s 30 -n 48000 -N 1600 "$D/alice.raw"
	check_tone -f 1000 -s 30 -n 48000 -N 1600 "$D/bob.raw"
}

@test "call: side by side, serve mode: URI forms user, user@domain, sip:URI through the proxy, and direct" {
	local port uri n=0
	port=$(free_port)
	start_bg ans sip-answer -S -l "127.0.0.1:$port" -- $(probe callee.txt)
	start_bg reg env SIP_USER=bob SIP_PASSWORD=bobpw sip-register -e 60 -c "127.0.0.1:$port"
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$port"
	for uri in bob bob@sipline.test sip:bob@sipline.test; do
		n=$((n + 1))
		run alice sip-call -T 5 "$uri" -- true
		assert_success
		assert_line --regexp "^sip-call: calling to=sip:bob@sipline\.test call-id=$CID$"
		assert_line --regexp "^sip-call: ended status=0 duration=[0-9.]+ call-id=$CID$"
	done
	# Straight to the phone, no server: neither SIP_SERVER nor credentials.
	for uri in "sip:bob@127.0.0.1:$port" "bob@127.0.0.1:$port"; do
		n=$((n + 1))
		run timeout 30 env -u SIP_SERVER -u SIP_DOMAIN sip-call -T 5 "$uri" -- true
		assert_success
		assert_line --regexp "^sip-call: calling to=sip:bob@127\.0\.0\.1:$port call-id=$CID$"
		assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP call-id=$CID$"
	done
	run grep -c '^sip-answer: ended status=0 ' "$D/ans.err"
	assert_output 5
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	kamailio_has_no_binding bob
}

@test "call: the media command's status: 8 and 100-127 become the exit status, others end the call normally" {
	local port code want
	port=$(free_port)
	start_bg ans sip-answer -S -l "127.0.0.1:$port" -- $(probe callee.txt -s -1)
	wait_for 5 port_listening udp "$port"
	for code in 0:0 1:0 42:0 8:8 100:100 111:111 126:126 127:127 128:0; do
		want=${code#*:} code=${code%:*}
		run "-$want" timeout 30 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$port" -- sh -c "exit $code"
		assert_line --regexp "^sip-call: ended status=$want duration=[0-9.]+ call-id=$CID$"
		# A lost media (8) is announced as such.
		if [ "$code" = 8 ]; then
			assert_line --regexp "^sip-call: media-lost call-id=$CID$"
		else
			refute_line --partial media-lost
		fi
	done
	# A command that is not there: 127, said the house way, and BYE.
	run -127 timeout 30 env -u SIP_SERVER sip-call -T 5 "sip:bob@127.0.0.1:$port" -- "$D/no-such-command"
	assert_line "sip-call: warning: unable to run $D/no-such-command: No such file or directory"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media ended\" call-id=$CID$"
}

@test "call: media lost: no RTP from the callee for --rtp-timeout, BYE, exit 8" {
	bob_answers -- sleep 10
	# The default media: silence that lasts on stdin, rtp-recv waiting.
	start_bg alice sh -c "exec env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 --rtp-timeout 1 bob < /dev/zero > '$D/heard.raw'"
	wait_bg alice 10
	assert_failure 8
	assert_line 'rtp-recv: warning: no RTP for 1 s: media lost'
	assert_line --regexp "^sip-call: media-lost call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media lost\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=8 duration=[0-9.]+ call-id=$CID$"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$CID$"
}

@test "call: usage errors exit 100; --help shows the SYNOPSIS of sip-call(1); the man page is lint clean" {
	local help syn
	run sip-call
	assert_failure 100
	assert_output --partial 'sip-call: fatal: no URI to call'
	run sip-call bob extra
	assert_failure 100
	assert_output --partial 'sip-call: fatal: unexpected argument extra (a COMMAND goes after --)'
	run sip-call bob --
	assert_failure 100
	assert_output --partial 'sip-call: fatal: no COMMAND after --'
	run sip-call -T soon bob
	assert_failure 100
	run sip-call -D 0 bob
	assert_failure 100
	run sip-call -c gsm bob
	assert_failure 100
	assert_output --partial 'sip-call: fatal: --codec: gsm is not pcmu, pcma, g722 or opus'
	run env -u SIP_DOMAIN -u SIP_SERVER sip-call bob
	assert_failure 100
	assert_output --partial 'sip-call: fatal: not a usable URI: bob (a bare user needs SIP_DOMAIN)'
	run sip-call --no-such-option bob
	assert_failure 100

	run sip-call --help
	assert_success
	help=$(squeeze <<<"${output%%$'\n'Calls URI*}")
	syn=$(mandoc -Tascii -Owidth=300 "$SIPLINE_TESTS/../man/sip-call.1" |
		sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | squeeze)
	assert_equal "$help" "usage: $syn"
	run sip-call --version
	assert_success
	assert_output --regexp '^sip-call [0-9]+\.[0-9]+\.[0-9]+$'
	run mandoc -Tlint -Wwarning "$SIPLINE_TESTS/../man/sip-call.1"
	assert_success
	assert_output ''
}
