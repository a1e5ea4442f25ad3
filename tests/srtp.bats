#!/usr/bin/env bats
# SRTP (RFC 3711) keyed as SDES lines (RFC 4568): rtp-send to rtp-recv
# with a key file or a key descriptor, each suite; what the wire shows;
# a wrong key counted, never played; the key kept out of ps and -v.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	tone_raw "$D/tone.raw" 1000 1
}

teardown() {
	stop_all_bg
}

# key_file FILE SUITE: a fresh key line for SUITE in FILE.
key_file() {
	printf '%s %s\n' "$2" "$(head -c 30 /dev/urandom | base64)" >"$1"
}

# srtp_pair PORT SEND-KEY-ARGS -- RECV-KEY-ARGS: rtp-recv on PORT
# (audio in $D/recv.out, events in $D/recv.err) and rtp-send of the tone
# to it; the sender's stderr in $D/send.err.
srtp_pair() {
	local port=$1 send=() recv=()
	shift
	while [ "$1" != -- ]; do
		send+=("$1")
		shift
	done
	shift
	recv=("$@")
	start_bg recv rtp-recv -l "127.0.0.1:$port" -t 1 "${recv[@]}"
	wait_for 5 port_listening udp "$port"
	rtp-send -r "127.0.0.1:$port" "${send[@]}" <"$D/tone.raw" 2>"$D/send.err"
	wait_bg recv 10
}

@test "srtp: rtp-send to rtp-recv with each suite, the tone through, the payloads hidden on the wire" {
	local suite port
	for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32; do
		key_file "$D/key" "$suite"
		port=$(free_rtp_port)
		start_bg dump rtp-dump -p "$port" -b -t 20 -w "$D/payload"
		wait_for 5 port_listening udp "$port"
		rtp-send -r "127.0.0.1:$port" --srtp-key-file "$D/key" <"$D/tone.raw"
		wait_bg dump 25
		# Decoded as PCMU, what went over the wire holds no tone.
		sox -D -t ul -r 8000 -c 1 "$D/payload" -t raw -e signed -b 16 "$D/wire.raw"
		run tone-check -f 1000 -s 10 "$D/wire.raw"
		echo "$output"
		assert_failure

		port=$(free_rtp_port)
		srtp_pair "$port" --srtp-key-file "$D/key" -- --srtp-key-file "$D/key"
		assert_line "rtp-recv: stats packets=50 lost=0 duplicates=0 late=0 bad=0 concealed=0ms jitter=$(sed -n 's/.*jitter=\([0-9.]*ms\).*/\1/p' <<<"$output") srtp=$suite auth_fail=0"
		check_tone "$D/recv.out" -f 1000 -s 30
	done
}

@test "srtp: --srtp-key-fd reads the key from a descriptor; a wrong key is counted, never played" {
	local port
	key_file "$D/key" AES_CM_128_HMAC_SHA1_80
	key_file "$D/other" AES_CM_128_HMAC_SHA1_80
	port=$(free_rtp_port)
	srtp_pair "$port" --srtp-key-fd 4 4<"$D/key" -- --srtp-key-file "$D/key"
	assert_line --regexp 'srtp=AES_CM_128_HMAC_SHA1_80 auth_fail=0$'
	check_tone "$D/recv.out" -f 1000 -s 30

	port=$(free_rtp_port)
	srtp_pair "$port" --srtp-key-file "$D/key" -- --srtp-key-file "$D/other"
	# Exit 8: nothing it could play came.
	assert_failure 8
	assert_line --regexp '^rtp-recv: stats packets=0 .* srtp=AES_CM_128_HMAC_SHA1_80 auth_fail=[1-9][0-9]*$'
	[ ! -s "$D/recv.out" ] || ! tone-check -f 1000 -s 10 "$D/recv.out"
}

@test "srtp: plain RTP to a keyed receiver is refused and counted" {
	local port
	key_file "$D/key" AES_CM_128_HMAC_SHA1_32
	port=$(free_rtp_port)
	srtp_pair "$port" -- --srtp-key-file "$D/key"
	assert_failure 8
	assert_line --regexp 'packets=0 .* auth_fail=[1-9][0-9]*$'
}

@test "srtp: the key is in no argument, no -v line; a bad key file is a usage error" {
	local port key
	key_file "$D/key" AES_CM_128_HMAC_SHA1_80
	key=$(cut -d' ' -f2 "$D/key")
	port=$(free_rtp_port)
	start_bg recv rtp-recv -v -v -l "127.0.0.1:$port" -t 1 --srtp-key-file "$D/key"
	wait_for 5 port_listening udp "$port"
	run ps -eo args
	refute_output --partial "$key"
	rtp-send -v -v -r "127.0.0.1:$port" --srtp-key-file "$D/key" <"$D/tone.raw" 2>"$D/send.err"
	wait_bg recv 10
	refute_output --partial "$key"
	run ! grep -F -- "$key" "$D/send.err"

	printf 'AES_256_CM_HMAC_SHA1_80 %s\n' "$key" >"$D/bad"
	run rtp-send -r 127.0.0.1:4000 --srtp-key-file "$D/bad" </dev/null
	assert_failure 100
	assert_line 'rtp-send: fatal: --srtp-key-file: crypto: unknown suite'
	echo 'AES_CM_128_HMAC_SHA1_80 c2hvcnQ=' >"$D/bad"
	run rtp-recv -l 127.0.0.1:4000 --srtp-key-file "$D/bad"
	assert_failure 100
	assert_line --partial 'not 30 bytes of base64'
	refute_output --partial 'c2hvcnQ'
	run rtp-recv -l 127.0.0.1:4000 --srtp-key-file "$D/none"
	assert_failure 100
	run rtp-recv -l 127.0.0.1:4000 --srtp-key-file "$D/key" --srtp-key-fd 0
	assert_failure 100
}

@test "srtp: libsrtp2 missing: rtp-send and rtp-recv with a key say which library they could not load and exit 111; plain RTP needs no libsrtp2" {
	local so port
	unshare --mount true 2>/dev/null || skip "no mount namespaces here (not root)"
	so=$(loaded_soname LIBSRTP2)
	[ -n "$so" ]
	key_file "$D/key" AES_CM_128_HMAC_SHA1_80
	port=$(free_rtp_port)
	run without_lib "$so" rtp-send -r "127.0.0.1:$port" --srtp-key-file "$D/key" <"$D/tone.raw"
	assert_failure 111
	assert_line --regexp "^rtp-send: warning: unable to load $so: "
	assert_line --partial 'unable to start SRTP'
	run without_lib "$so" rtp-recv -l "127.0.0.1:$port" -t 1 --srtp-key-file "$D/key"
	assert_failure 111
	assert_line --regexp "^rtp-recv: warning: unable to load $so: "
	# Without a key, the same machine sends and receives.
	start_bg recv without_lib "$so" rtp-recv -l "127.0.0.1:$port" -t 1
	wait_for 5 port_listening udp "$port"
	run without_lib "$so" rtp-send -r "127.0.0.1:$port" <"$D/tone.raw"
	assert_success
	wait_bg recv 10
	assert_success
	check_tone -f 1000 -s 30 "$D/recv.out"
}
