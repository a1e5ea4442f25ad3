#!/usr/bin/env bats
# examples/demo, run as `make demo` runs it: alice's spoken message reaches
# bob through a private Kamailio; the outcome, the lengths and both
# spectrograms are reported, and nothing is left running.

setup() {
	load helper
	DEMO=$SIPLINE_TESTS/../examples/demo
	OUT=$BATS_TEST_TMPDIR/demo
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
}

teardown() {
	stop_all_bg
}

# is_png FILE: a PNG image of a real size.
is_png() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$(stat -c %s "$1")" -gt 10000 ]
}

# The PID in the demo's "Kamailio ... (pid N)" line.
kamailio_pid_of_demo() {
	printf '%s\n' "$output" | sed -n 's/.*Kamailio .* (pid \([0-9]*\)).*/\1/p'
}

@test "demo: alice's message reaches bob, outcome and both spectrograms reported, all stopped" {
	run env SIPLINE_DEMO_OUT="$OUT" TMPDIR="$BATS_TEST_TMPDIR/tmp" \
		timeout 60 "$DEMO" 3>&-
	echo "$output"
	assert_success
	# Both sides' events, as they happen, prefixed.
	assert_line --regexp '^  bob   \| sip-register: registered aor=sip:bob@sipline\.test '
	assert_line --regexp '^  bob   \| sip-answer: answered codec=PCMU '
	assert_line --regexp '^  alice \| sip-call: answered status="200 OK" codec=PCMU '
	assert_line --regexp '^  alice \| sip-call: ended status=0 '
	assert_line --regexp '^  bob   \| sip-register: unregistered aor=sip:bob@sipline\.test$'
	assert_line "demo: outcome: alice's sip-call exited 0: answered; the call ended normally, whoever hung up"
	# All of the message arrived: every packet, and as long a recording
	# (within the jitter buffer's 60 ms and a packet or two).
	assert_line --regexp '^demo: arrived: .* packets=[0-9]+ lost=0 '
	sent=$(printf '%s\n' "$output" | sed -n 's/^demo: message: \([0-9.]*\) s .* as \([0-9]*\) RTP packets.*/\1 \2/p')
	got=$(printf '%s\n' "$output" | sed -n 's/^demo: arrived: \([0-9.]*\) s .* packets=\([0-9]*\) .*/\1 \2/p')
	assert [ -n "$sent" ]
	assert [ -n "$got" ]
	assert_equal "${got#* }" "${sent#* }"
	awk -v s="${sent% *}" -v g="${got% *}" 'BEGIN { exit !(s > 2 && g >= s && g < s + 0.3) }'
	# The pictures, where the demo said.
	assert_line "demo: spectrograms: $OUT/alice-sent.png"
	assert_line --regexp "^demo: +$OUT/bob-recorded\.png$"
	is_png "$OUT/alice-sent.png"
	is_png "$OUT/bob-recorded.png"
	is_png "$OUT/both.png"
	# Kamailio stopped, and the temporary files are gone.
	kam=$(kamailio_pid_of_demo)
	[ -n "$kam" ]
	refute sl_alive "$kam"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ""
}

@test "demo: a failing step is named, the demo exits 1 and still stops Kamailio" {
	# An espeak-ng that fails: the demo has started Kamailio by then.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho "espeak-ng: no voice today" >&2\nexit 1\n' \
		>"$BATS_TEST_TMPDIR/bin/espeak-ng"
	chmod +x "$BATS_TEST_TMPDIR/bin/espeak-ng"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" SIPLINE_DEMO_OUT="$OUT" \
		TMPDIR="$BATS_TEST_TMPDIR/tmp" timeout 60 "$DEMO" 3>&-
	echo "$output"
	assert_failure 1
	assert_line "demo: FAILED while speaking alice's message with espeak-ng (status 1)"
	kam=$(kamailio_pid_of_demo)
	[ -n "$kam" ]
	refute sl_alive "$kam"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ""
}
