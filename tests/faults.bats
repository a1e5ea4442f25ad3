#!/usr/bin/env bats
# Faults over time: SIP datagrams lost at random (nftables in a network
# namespace of the test's own, tests/netns.bash), a registrar that goes
# away and comes back while a phone is registered through it, a server that
# swallows every request, a peer that vanishes in the middle of a call
# (kill -9: no BYE, no more RTP), in a single call and in serve mode, with
# its media or alone (the media then stops with it).
#
# SIPLINE_LONG=1 adds the slow variants (about 10 minutes): 50 calls (not
# 20) through 10 % loss, 50 calls through 30 % loss, RFC 3261 timer B (32 s) against a server that never answers,
# and the registration backoff up to its 30 s cap.
#
# Each lossy or outage test prints its figures as TAP comments ("# ...").

bats_require_minimum_version 1.5.0

setup_file() {
	# The long variants run for minutes each: more than make check's
	# BATS_TEST_TIMEOUT.
	if [ "${SIPLINE_LONG:-}" = 1 ] && [ "${BATS_TEST_TIMEOUT:-0}" -lt 900 ]; then
		export BATS_TEST_TIMEOUT=900
	fi
}

setup() {
	load helper
	load netns
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
	kamailio_stop
	netns_delete
}

long_only() {
	[ "${SIPLINE_LONG:-}" = 1 ] || skip "slow variant: run with SIPLINE_LONG=1"
}

# events JOB WORD: JOB's stderr lines with that event.
events() {
	grep -E "^[a-z-]+: $2( |$)" "$D/$1.err" || true
}

# count JOB WORD: how many such lines.
count() {
	events "$1" "$2" | wc -l
}

# has_events JOB WORD [N]: at least N (default 1) such lines.
has_events() {
	[ "$(count "$1" "$2")" -ge "${3:-1}" ]
}

# is_default_media PID...: the PIDs are the default media of one call side:
# one process, named sipline-media (the engine forked without exec).
is_default_media() {
	[ $# = 1 ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = sipline-media ]
}

# zombies PID: PID's children that ended and were not reaped.
zombies() {
	ps --ppid "$1" -o pid=,stat= | awk '$2 ~ /^Z/ { print $1 }'
}

# gone PID...: none of the PIDs runs any more.
gone() {
	local p
	for p; do
		! sl_alive "$p" || return 1
	done
}

# kill_tree PID: SIGKILL to PID first (so it cannot send a BYE when its
# media ends), then to every process group below it (the media).
kill_tree() {
	local pid=$1 groups g
	groups=$(ps -e -o pgid=,ppid= | awk -v p="$pid" '$2 == p { print $1 }' | sort -u)
	kill -KILL "$pid"
	for g in $groups; do
		[ "$g" != "$pid" ] && kill -KILL -- "-$g" 2>/dev/null || true
	done
}

# The callee's media in the vanishing tests: RTP out all the time (silence
# from /dev/zero, paced by rtp-send) and RTP in, in one process group.
TALKER='rtp-send </dev/zero & exec rtp-recv >/dev/null'

# --- lossy signalling

# lossy_calls PERCENT CALLS EXPIRES: in a namespace of its own, with
# PERCENT % of the datagrams to and from Kamailio's port dropped (all of
# SIP: the calls are record-routed; RTP goes from phone to phone and is not
# touched), bob registers with sip-register -e EXPIRES chain-loading
# sip-answer --serve, then alice calls him CALLS times in a row, each call
# hung up after 0.2 s.  Sets COMPLETED (calls that exited 0), STATUSES
# (each call's exit status) and CALL_IDS; prints the figures.
lossy_calls() {
	local pct=$1 n=$2 expires=$3 i rc t0 t1
	netns_create
	kamailio_start
	netns_drop "$pct" "$KAM_PORT"
	t0=$(sl_now_us)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e "$expires" -c "127.0.0.1:$(free_port)" -- \
		sip-answer -S -- sleep 60
	# Under loss the REGISTER and its retry with credentials may each
	# need retransmissions (0.5, 1, 2, 4 s... apart).
	wait_for 60 has_events bob registered
	figure "$pct % loss: registered after $(seconds_since "$t0") s"
	kamailio_has_binding bob
	COMPLETED=0
	STATUSES=()
	CALL_IDS=()
	t1=$(sl_now_us)
	for ((i = 1; i <= n; i++)); do
		rc=0
		# Timer B twice (the 407, the INVITE with credentials) and
		# timer F for the BYE make 96 s; more than that is a hang.
		in_netns timeout -k 2 120 env SIP_USER=alice SIP_PASSWORD=alicepw \
			sip-call -D 0.2 bob -- sleep 60 2>"$D/call$i.err" || rc=$?
		STATUSES+=("$rc")
		CALL_IDS+=("$(sed -En 's/^sip-call: calling .* call-id=([0-9a-f]+)$/\1/p' "$D/call$i.err")")
		[ "$rc" = 0 ] && COMPLETED=$((COMPLETED + 1))
	done
	figure "$pct % loss: $COMPLETED/$n calls completed in $(seconds_since "$t1") s;" \
		"SIP datagrams $(netns_counts);" \
		"statuses: $(printf '%s\n' "${STATUSES[@]}" | sort -n | uniq -c | awk '{ printf "%s%s x%s", s, $2, $1; s = ", " }');" \
		"REGISTER refreshes $(count bob refreshed), failures $(count bob failed)"
}

# check_lossy_calls CALLS: what must hold whatever the loss: every call
# ended with an outcome of its own (never a hang or a crash), no call was
# answered twice (serve mode started one process per Call-ID, however
# often the INVITE came), and every call process has ended.
check_lossy_calls() {
	local n=$1 i cid answer incoming t0
	answer=$(children "$(bg_pid bob)")
	# Every call process of the serve mode ends, before the callee's
	# lines are read.  A call whose ACK and BYE were both lost runs on
	# its own timers: its 200 until the first retransmission past 32 s
	# (64*T1; 35.5 s on timer G's grid), its own BYE up to 5.5 s, its
	# media up to 5 s to stop: 46 s after the answer, counted here from
	# the caller's exit, at least 0.2 s after the answer.
	t0=$(sl_now_us)
	wait_for 50 no_children "$answer"
	figure "every call process had ended $(seconds_since "$t0") s after the last call"
	for ((i = 1; i <= n; i++)); do
		cid=${CALL_IDS[i - 1]}
		[ -n "$cid" ] || fail "call $i: no call-id: $(cat "$D/call$i.err")"
		case ${STATUSES[i - 1]} in
		0)
			grep -qx "sip-call: ended status=0 duration=[0-9.]* call-id=$cid" "$D/call$i.err" ||
				fail "call $i: exit 0 without its end: $(cat "$D/call$i.err")"
			# Answered once, and the callee saw it through: the
			# BYE reached it, or (every try of it lost: in the 5 s
			# sip-call waits, or in Kamailio's, which then answers
			# 408; about 1 call in 50 at 30 %) sip-call said so and
			# the callee ended the call by its own timers, once.
			assert_equal "$(grep -c "^sip-answer: incoming .* call-id=$cid$" "$D/bob.err")" 1
			if grep -Eq '^sip-call: warning: BYE: (no response \(timeout\)|408 [^:]*): the peer may not know the call has ended$' "$D/call$i.err"; then
				assert_equal "$(grep -c "^sip-answer: ended status=[0-9]* .* call-id=$cid$" "$D/bob.err")" 1
			else
				assert_equal "$(grep -c "^sip-answer: ended status=0 .* call-id=$cid$" "$D/bob.err")" 1
			fi
			;;
		4 | 7)
			# No answer (Kamailio's 408 after its 5 s) or no
			# response at all (timer B): outcomes loss can cause.
			grep -q "^sip-call: ended status=${STATUSES[i - 1]} .* call-id=$cid$" "$D/call$i.err" ||
				fail "call $i: exit ${STATUSES[i - 1]} without its end: $(cat "$D/call$i.err")"
			[ "$(grep -c "^sip-answer: incoming .* call-id=$cid$" "$D/bob.err")" -le 1 ] ||
				fail "call $i ($cid) was taken twice"
			;;
		*)
			fail "call $i: exit ${STATUSES[i - 1]}: $(cat "$D/call$i.err")"
			;;
		esac
	done
	# No call the callee took twice, none that was not made.
	incoming=$(sed -n 's/^sip-answer: incoming .* call-id=//p' "$D/bob.err" | sort)
	assert_equal "$(uniq -d <<<"$incoming")" ""
	assert_equal "$(comm -23 <(echo "$incoming") <(printf '%s\n' "${CALL_IDS[@]}" | sort))" ""
	bg_running bob
}

# check_loss PERCENT [MIN]: the namespace's rule really dropped about
# PERCENT % of the SIP datagrams (netns_loss_plausible), seeing at least MIN
# (500), so that the calls above were made under that loss.  50 calls pass
# at least 500 datagrams through it even when none is lost or
# retransmitted: the INVITE, its 407 and ACK, the
# INVITE with credentials and its 100, then both legs of the INVITE, its
# 200, the ACK, the BYE and its 200 make 14 a call.
check_loss() {
	run netns_loss_plausible "$1" "${2:-500}"
	figure "$1 % loss: SIP datagrams $output"
	assert_success
}

@test "lossy signalling: 10 % of SIP datagrams lost: registered, 20 calls in a row (50 with SIPLINE_LONG=1) all complete, none answered twice" {
	local n=20
	[ "${SIPLINE_LONG:-}" != 1 ] || n=50
	lossy_calls 10 "$n" 30
	# At 14 datagrams a call (check_loss), 280 for 20 calls keep the
	# plausible band at 1-19 %: a rule that drops nothing still fails.
	check_loss 10 $((14 * n))
	check_lossy_calls "$n"
	assert_equal "$COMPLETED" "$n"
	# A refresh has 10 s to get through before the binding expires.
	assert_equal "$(count bob failed)" 0
}

@test "lossy signalling: 30 % of SIP datagrams lost: 50 calls in a row, at least 45 complete, the rest fail cleanly (SIPLINE_LONG)" {
	long_only
	# Refreshes every 200 s: more margin than timer F's 32 s.
	lossy_calls 30 50 300
	check_loss 30
	check_lossy_calls 50
	# A call fails only when all 7 INVITEs of a transaction or all their
	# answers are lost (timer B), or Kamailio's 5 s to the phone pass: a
	# few per hundred at this loss.
	[ "$COMPLETED" -ge 45 ] || fail "only $COMPLETED of 50 calls completed"
}

# --- the registrar goes away

# Kamailio stops while bob is registered with chain-loaded sip-answer:
# every attempt meets a closed port (ICMP), the delays double; Kamailio
# comes back on the same port (without the binding: it keeps them in
# memory), and the next attempt registers bob again.  Sets RECOVERY (s
# from Kamailio answering again to bob registered).
registrar_outage() {
	local last_delay=$1 times=$2 t0
	kamailio_start
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 2 -c "127.0.0.1:$(free_port)" -- sip-answer -S -- sleep 60
	wait_for 5 has_events bob registered
	kamailio_stop
	wait_for $((last_delay * (times + 2) + 10)) has_retried "$last_delay" "$times"
	kamailio_restart
	t0=$(sl_now_us)
	wait_for $((last_delay + 3)) has_events bob registered 2
	RECOVERY=$(seconds_since "$t0")
	kamailio_has_binding bob
}

# has_retried DELAY N: bob announced a retry after DELAY s N times.
has_retried() {
	[ "$(grep -cx "sip-register: retrying delay=$1" "$D/bob.err")" -ge "$2" ]
}

@test "registrar down: retries 1, 2, 4 s apart while it is gone, registered again within the announced delay; calls reach the phone again" {
	registrar_outage 4 1
	figure "registrar back after 'retrying delay=4': registered again $RECOVERY s later"
	run events bob retrying
	assert_output "$(printf 'sip-register: retrying delay=%s\n' 1 2 4)"
	run events bob failed
	assert_line --index 0 --regexp '^sip-register: failed aor=sip:bob@sipline\.test reason="no response \((port unreachable: nothing listens there|timeout)\)"$'
	assert_equal "${#lines[@]}" 3
	# The phone kept running all along, and takes the next call.
	run timeout -k 2 20 env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 -D 0.2 bob -- sleep 60
	assert_success
	assert_line --regexp "^sip-call: ended status=0 duration=0\\.[0-9] call-id=$CID$"
	run events bob incoming
	assert_equal "${#lines[@]}" 1
}

@test "registrar down for a minute: the retries reach the 30 s cap and stay there; registered again within 30 s (SIPLINE_LONG)" {
	long_only
	registrar_outage 30 2
	figure "registrar back after the second 'retrying delay=30': registered again $RECOVERY s later"
	run events bob retrying
	assert_output "$(printf 'sip-register: retrying delay=%s\n' 1 2 4 8 16 30 30)"
}

@test "registrar down mid-call: the BYE meets a closed port, both sides still end the call (exit 0)" {
	kamailio_start
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$(free_port)" -- sip-answer -- sleep 60
	wait_for 5 has_events bob registered
	start_bg alice env SIP_USER=alice SIP_PASSWORD=alicepw sip-call -T 5 bob -- sleep 60
	wait_for 5 has_events alice answered
	# The proxy on the dialog's route is gone: the BYE fails at once.
	kamailio_stop
	signal_bg alice TERM
	wait_bg alice 5
	assert_success
	assert_line --regexp "^sip-call: hangup by=local reason=\"terminated\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9.]+ call-id=$CID$"
	# bob never hears the BYE: he hangs up himself.
	bg_running bob
	signal_bg bob TERM
	wait_bg bob 10
	assert_success
	assert_line --regexp "^sip-answer: hangup by=local reason=\"terminated\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=0 duration=[0-9.]+ call-id=$CID$"
}

# --- a server that swallows every request

@test "no response at all: sip-call retransmits the INVITE on RFC 3261 timer A (0.5, 1, 2 s...) and gives up after timer B, 32 s, exit 7 (SIPLINE_LONG)" {
	long_only
	start_bg sink udp-sink -I 60
	wait_for 5 grep -q '^port=' "$D/sink.out"
	port=$(sed -n 's/^port=//p' "$D/sink.out")
	t0=$(sl_now_us)
	run timeout -k 2 40 env SIP_USER=alice SIP_PASSWORD=alicepw SIP_SERVER="127.0.0.1:$port" \
		SIP_DOMAIN=sipline.test sip-call bob
	figure "timer B: exit after $(seconds_since "$t0") s; INVITEs at" \
		$(awk '$2 == "INVITE" { print $1 }' "$D/sink.out")
	assert_failure 7
	assert_line --regexp "^sip-call: failed reason=\"no response \\(timeout\\)\" call-id=$CID$"
	# 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5: seven in all.
	assert_equal "$(grep -c ' INVITE ' "$D/sink.out")" 7
}

# --- a peer vanishes

@test "peer vanishes mid-call (kill -9 of the callee and its media, no BYE): the caller notices within --rtp-timeout, sends BYE, exits 8" {
	# Kamailio's 408 to the BYE after 2 s, well within sip-call's 5 s:
	# with both at 5 s, which came first was a matter of milliseconds.
	kamailio_start FR_TIMER=2000
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$(free_port)" -- sip-answer -- sh -c "$TALKER"
	wait_for 5 has_events bob registered
	# The caller's default media: rtp-send reads silence, rtp-recv plays
	# out what comes, and gives up after 2 s without RTP.
	start_bg alice sh -c 'exec env SIP_USER=alice SIP_PASSWORD=alicepw \
		sip-call -T 5 --rtp-timeout 2 bob </dev/zero >/dev/null'
	wait_for 5 has_events alice answered
	sleep 1
	bg_running alice
	answer=$(children "$(bg_pid bob)")
	[ -n "$answer" ]
	kill_tree "$answer"
	t0=$(sl_now_us)
	wait_for 4 has_events alice media-lost
	figure "media-lost $(seconds_since "$t0") s after the kill (--rtp-timeout 2)"
	wait_bg alice 10
	figure "caller ended $(seconds_since "$t0") s after the kill (the BYE through Kamailio to a dead phone: its 408 after 2 s)"
	assert_failure 8
	assert_line --regexp "^sip-call: media-lost call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media lost\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=8 duration=[0-9.]+ call-id=$CID$"
	# Kamailio's 408 to the BYE: the caller cannot know the callee heard.
	assert_line --regexp "^sip-call: warning: BYE: 408 [^:]*: the peer may not know the call has ended$"
	# The BYE went out (Kamailio logs every request it gets).
	grep -q "BYE sip:.* from 127\\.0\\.0\\.1:[0-9]*/udp (sip:alice@sipline\\.test)" "$KAM_LOG"
	# Nothing of the caller is left.
	assert_equal "$(zombies "$(bg_pid alice)")" ""
}

@test "serve mode: a call process killed mid-call (kill -9 of it alone): its media stops with it, its caller gets media-lost, exit 8; the server takes the next call" {
	PORT=$(free_port)
	start_bg bob sh -c "exec env SIP_USER=bob sip-answer -S -l 127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 port_listening udp "$PORT"
	serve=$(bg_pid bob)
	start_bg alice sh -c "exec env SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -v -T 5 --rtp-timeout 2 sip:bob@127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 has_events alice answered
	sleep 1
	call=$(children "$serve")
	[ "$(wc -w <<<"$call")" = 1 ]
	media=$(children "$call")
	# The default media: one process, sipline-media.
	is_default_media $media
	kill -KILL "$call"
	# The media gets the SIGHUP its call process left it, and goes.
	wait_for 2 gone $media
	wait_bg alice 8
	assert_failure 8
	assert_line --regexp "^sip-call: media-lost call-id=$CID$"
	assert_line --regexp "^sip-call: hangup by=local reason=\"media lost\" call-id=$CID$"
	# The BYE went to the dead call's own port (-v shows it).
	grep -q '^BYE sip:' "$D/alice.err"
	# The server reaped it and goes on.
	wait_for 5 no_children "$serve"
	bg_running bob
	run timeout -k 2 20 env SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sleep 60
	assert_success
	assert_line --regexp "^sip-call: ended status=0 duration=[0-9.]+ call-id=$CID$"
	wait_for 5 no_children "$serve"
	assert_equal "$(count bob incoming)" 2
}

@test "caller vanishes mid-call (kill -9 of sip-call alone): its media stops with it; the callee notices within --rtp-timeout, exits 8" {
	PORT=$(free_port)
	start_bg bob sh -c "exec env SIP_USER=bob sip-answer -v --rtp-timeout 2 -l 127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 port_listening udp "$PORT"
	start_bg alice sh -c "exec env SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -T 5 sip:bob@127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 has_events bob answered
	sleep 1
	media=$(children "$(bg_pid alice)")
	is_default_media $media
	signal_bg alice KILL
	wait_for 2 gone $media
	t0=$(sl_now_us)
	wait_bg bob 6
	figure "callee ended $(seconds_since "$t0") s after the caller was killed (--rtp-timeout 2)"
	assert_failure 8
	assert_line --regexp "^sip-answer: media-lost call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=local reason=\"media lost\" call-id=$CID$"
	assert_line --regexp "^sip-answer: ended status=8 duration=[0-9.]+ call-id=$CID$"
	grep -q '^BYE sip:' "$D/bob.err"
}

@test "serve mode: a caller that vanishes (kill -9 of sip-call alone): its call ends with media-lost (status 8) within --rtp-timeout; the server takes the next call" {
	PORT=$(free_port)
	start_bg bob sh -c "exec env SIP_USER=bob sip-answer -S --rtp-timeout 2 -l 127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 port_listening udp "$PORT"
	serve=$(bg_pid bob)
	start_bg alice sh -c "exec env SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -T 5 sip:bob@127.0.0.1:$PORT </dev/zero >/dev/null"
	wait_for 5 has_events bob answered
	sleep 1
	media=$(children "$(bg_pid alice)")
	is_default_media $media
	signal_bg alice KILL
	wait_for 2 gone $media
	t0=$(sl_now_us)
	wait_for 6 grep -q '^sip-answer: ended status=8 ' "$D/bob.err"
	figure "the call's process ended $(seconds_since "$t0") s after the caller was killed (--rtp-timeout 2)"
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: media-lost call-id=$CID$"
	assert_line --regexp "^sip-answer: hangup by=local reason=\"media lost\" call-id=$CID$"
	# Reaped; the server goes on and answers the next caller.
	wait_for 5 no_children "$serve"
	bg_running bob
	run timeout -k 2 20 env SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sleep 60
	assert_success
	wait_for 5 has_events bob ended 2
	assert_equal "$(count bob incoming)" 2
}
