#!/usr/bin/env bats
# The C unit tests: each tests/unit/NAME.c is built into
# $SIPLINE_BUILD/unit/NAME, a TAP program; here each one is a bats test that
# shows the program's TAP output when it fails.  A new tests/unit/*.c needs
# its own "@test" line below: the last test fails until it has one.

load helper

# Runs unit test program NAME; fails, printing its output, unless it exits 0
# after printing a plan and no "not ok".
run_unit() {
	local bin=${SIPLINE_BUILD:?set SIPLINE_BUILD, or run make check}/unit/$1

	if [ ! -x "$bin" ]; then
		echo "$bin: not built (make $bin)"
		return 1
	fi
	run "$bin"
	if [ "$status" -ne 0 ] || ! grep -q '^1\.\.[0-9]' <<<"$output" ||
		grep -q '^not ok' <<<"$output"; then
		printf '%s\n' "$output"
		echo "# $1 exited with status $status"
		return 1
	fi
}

@test "unit: addresses, call targets and exit statuses" {
	run_unit addr
}

@test "unit: digest" {
	run_unit digest
}

@test "unit: sdp" {
	run_unit sdp
}

@test "unit: dtmf (digit names and the RFC 4733 event schedule)" {
	run_unit dtmf
}

@test "unit: playout (the playout clock: loss, reordering, duplicates, late packets, host stops, SSRC changes, RTCP BYE)" {
	run_unit playout
}

@test "unit: pacer (the send schedule: files, live sources that stall, late callers, DTMF, 10/20/30 ms)" {
	run_unit pacer
}

@test "unit: latch (symmetric RTP: which source is the peer)" {
	run_unit latch
}

@test "unit: rtp (RTP and RTCP packets, the codec table)" {
	run_unit rtp
}

@test "unit: control (the control channel's line parser and its splitter of lines)" {
	run_unit control
}

@test "unit: refer (a Refer-To's URI, a sipfrag's status line)" {
	run_unit refer
}

@test "unit: stimer (Session-Expires and Min-SE, the answer to a request, when a session is refreshed and ends)" {
	run_unit stimer
}

@test "unit: info (the bodies of DTMF by SIP INFO: dtmf-relay, dtmf, ours)" {
	run_unit info
}

@test "unit: prack (RSeq, RAck and option tags of RFC 3262 as they come from the network)" {
	run_unit prack
}

@test "unit: callid (the Call-ID hash, the set of recently ended calls)" {
	run_unit callid
}

@test "unit: redirect (which Contacts of a 3xx are tried, in q order, each once, at most 5 hops)" {
	run_unit redirect
}

@test "unit: nat (the public address in a response's top Via, strict about what is not one; a Contact rewritten to it)" {
	run_unit nat
}

@test "unit: resolve (RFC 2782 order, targets, NAPTR and SRV answers, host names)" {
	run_unit resolve
}

@test "unit: tls (names and ports, error texts, host name and IP checks, partial writes over a socketpair)" {
	run_unit tls
}

@test "unit: call_fsm (the call's state machine: each race the suite found, and the exit statuses)" {
	run_unit call_fsm
}

@test "unit: every tests/unit/*.c is built and has a test in unit.bats" {
	local src name missing=

	for src in "$BATS_TEST_DIRNAME"/unit/*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		[ -x "${SIPLINE_BUILD:?}/unit/$name" ] ||
			missing="$missing $name (not built)"
		grep -q "^[[:space:]]*run_unit $name\$" "$BATS_TEST_FILENAME" ||
			missing="$missing $name (no @test)"
	done
	if [ -n "$missing" ]; then
		echo "unit tests missing:$missing"
		return 1
	fi
}

@test "unit: sdes (a=crypto lines of RFC 4568)" {
	run_unit sdes
}

@test "unit: srtp (libsrtp2: round trip, tampered, replayed, wrong key)" {
	run_unit srtp
}

@test "unit: message (an instant message's text cleaned, its type and size checked)" {
	run_unit message
}
