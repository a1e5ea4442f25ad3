#!/usr/bin/env bats
# RFC 4475's torture messages (tests/torture, one file per message, byte
# for byte as the RFC's archive has them; tests/torture/INDEX says what a
# UA must answer to each and why) sent with udp-send at sip-answer (serve
# mode over UDP and TCP, single-call mode), at sip-answer and sip-call in a
# call and at sip-register's socket, with the machinery of hostile.bats
# (answers_to, corpus_at in helper.bash): each must get its answer, and the
# tool must go on: answer an OPTIONS right after each, take a proper call,
# keep its call up, keep its registration, end cleanly on SIGTERM.
#
# What the test rewrites, and why: only Via branch values.  The RFC reuses
# z9hG4bKkdjuw (and a few others) in many messages with the same sent-by
# and method, which RFC 3261 17.2.3 makes retransmissions of the first one
# (answered with its response, to where it came from); each branch with
# more than the magic cookie gets ".N" appended, so that every message is
# a new transaction.  badbranch's bare "z9hG4bK" and the RFC 2543 branches
# (none, or no cookie) are left as they are.  The Request-URIs and Vias
# need no rewriting: sipline takes a request for any URI at its socket and
# answers where the request came from, and the valid INVITEs are screened
# busy, so nothing is ever sent to the RFC's example addresses.

setup_file() {
	load helper
	# Every call of the corpus is screened busy (486); alice's proper
	# call is answered.
	cat >"$BATS_FILE_TMPDIR/screen" <<-'EOF'
		#!/bin/sh
		case $SIP_REMOTE_URI in sip:alice@*) exit 0 ;; esac
		exit 2
	EOF
	chmod +x "$BATS_FILE_TMPDIR/screen"
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	SCREEN=$BATS_FILE_TMPDIR/screen
	CORPUS=$SIPLINE_TESTS/torture
	CORPUS_INDEX=$CORPUS/INDEX
	CORPUS_CASE=torture_case
}

teardown() {
	stop_all_bg
}

# torture_case NAME: a copy of message NAME with each Via branch made
# unique (see the top of this file), for corpus_at (CORPUS_CASE).  Called
# in a subshell each time: BASHPID and RANDOM tell the copies apart.
torture_case() {
	LC_ALL=C sed "s/\(branch=z9hG4bK[^;, \t\r]\{1,\}\)/\1.$BASHPID$RANDOM/g" \
		"$CORPUS/$1" >"$D/case-$1"
	printf '%s\n' "$D/case-$1"
}

# --- tests

@test "torture: the vectors are the RFC's bytes, and the rewrite touches only branches" {
	local f n=0
	for f in "$CORPUS"/*.sip; do
		n=$((n + 1))
		# CRLF line ends throughout (mpart01's binary body aside).
		[ -z "$(LC_ALL=C sed -n '/\r$/!p' "$f")" ] || [[ $f == */mpart01.sip ]] ||
			{ echo "${f##*/}: a line without CR"; return 1; }
		cmp -s "$f" "$(torture_case "${f##*/}")" || {
			diff <(LC_ALL=C sed 's/branch=[^;, \r]*//g' "$f") \
				<(LC_ALL=C sed 's/branch=[^;, \r]*//g' "$D/case-${f##*/}") ||
				{ echo "${f##*/}: rewritten beyond its branches"; return 1; }
		}
	done
	[ "$n" = 49 ]
	# Every message has its line in the index, and no other.
	run bash -c "grep -v '^#' '$CORPUS_INDEX' | awk '{ print \$1 }' | sort"
	assert_output "$(cd "$CORPUS" && ls -- *.sip | sort)"
	# Spot checks of what the RFC's text shows (2.2, 2.3): trws's trailing
	# SP, intmeth's escaped NUL, baddn's missing blank line.
	LC_ALL=C grep -q $'^OPTIONS sip:remote-target@example.com SIP/2.0  \r$' "$CORPUS/trws.sip"
	LC_ALL=C grep -qaF $'NUL:\\\x00 DEL' "$CORPUS/intmeth.sip"
	[ "$(tail -c 2 "$CORPUS/baddn.sip" | od -An -c | tr -d ' ')" = '\r\n' ]
	! LC_ALL=C grep -q $'^\r$' "$CORPUS/baddn.sip"
}

@test "torture: sip-answer --serve over UDP answers each message as RFC 4475 asks, then takes a call" {
	CORPUS_MIN=49 corpus_serve "$SCREEN" esc01.239409asdfakjkn23onasd0-3234
}

@test "torture: sip-answer waiting for its one call answers each message, then takes the call" {
	CORPUS_MIN=44 corpus_single_call 'example.'
}

@test "torture: sip-answer --serve over TCP answers each message as RFC 4475 asks for a stream" {
	local port
	port=$(free_port)
	start_bg serve sip-answer -t tcp -l "127.0.0.1:$port" --serve -x "$SCREEN" -- sleep 5
	wait_for 5 port_listening tcp "$port"

	CORPUS_TCP=1 run corpus_at "$port" 5
	echo "$output"
	assert_success
	assert_line '# 47 cases sent, 0 answered wrongly'

	bg_running serve
	signal_bg serve TERM
	wait_bg serve 10
	assert_success
	assert_line --partial 'closing TCP connection from 127.0.0.1:'
	no_sanitizer_report serve
}

@test "torture: sip-call and sip-answer in a call answer each message, and the call goes on" {
	CORPUS_MIN=49 corpus_in_a_call
}

@test "torture: sip-register's socket answers each message, and the registration lives on" {
	CORPUS_MIN=49 corpus_at_register
}

@test "torture: the refusals carry what the RFC says they carry" {
	local port
	port=$(free_port)
	start_bg answer sip-answer -l "127.0.0.1:$port" -- sleep 5
	wait_for 5 port_listening udp "$port"
	answer_to() {
		udp-send -a -n 1 -w 5 "127.0.0.1:$port" "$(torture_case "$1")" | tr -d '\r'
	}

	# 3.3.5: Unsupported lists the Require tags, not the Proxy-Require ones.
	run answer_to bext01.sip
	assert_line 'SIP/2.0 420 Bad Extension'
	assert_line 'Unsupported: nothingSupportsThis, nothingSupportsThisEither'
	# 3.3.6 and 3.3.15: what we take, in Accept.
	run answer_to invut.sip
	assert_line 'SIP/2.0 415 Unsupported Media Type'
	assert_line 'Accept: application/sdp'
	run answer_to sdp01.sip
	assert_line 'SIP/2.0 406 Not Acceptable'
	assert_line 'Accept: application/sdp'
	# 3.1.1.2: 501 with Allow, To's display name read past its NUL.
	run answer_to intmeth.sip
	assert_line 'SIP/2.0 501 Not Implemented'
	assert_line --regexp '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS(, [A-Z]+)*$'
	assert_line --regexp '^CSeq: 139122385 !interesting-Method0123456789_\*\+`\.%indeed'"'"'~$'
	# 3.1.2.1: a Via we cannot read is copied as it came, with the rest
	# of RFC 3261 8.2.6.2's headers and our To tag.
	run answer_to badinv01.sip
	assert_line 'SIP/2.0 400 Malformed Request'
	assert_line 'Via: SIP/2.0/UDP 192.0.2.15;;,;,,'
	assert_line 'Call-ID: badinv01.0ha0isndaksdjasdf3234nas'
	assert_line --regexp '^To: sip:j\.user@example\.com;tag=[0-9a-f]{16}$'
	assert_line 'CSeq: 8 INVITE'
	# 3.3.3: a scheme libosip2 cannot even read still gets its 416.
	run answer_to novelsc.sip
	assert_line 'SIP/2.0 416 Unsupported URI Scheme'
	assert_line 'Call-ID: novelsc.asdfasser0q239nwsdfasdkl34'
	# 3.1.2.18: 501 for the unknown method, with Allow.
	run answer_to mismatch02.sip
	assert_line 'SIP/2.0 501 Not Implemented'
	assert_line --regexp '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS(, [A-Z]+)*$'
	bg_running answer
}
