#!/usr/bin/env bats
# SRTP calls (SIP_SRTP, --srtp; SDES keys of RFC 4568): sip-call to
# sip-answer with each suite, through the default media and through a
# media command (the keys on RTP_SRTP_KEY_FD); baresip's srtp module both
# ways; plain RTP refused when SRTP is mandatory, taken when optional;
# what the wire shows; where the keys never appear; offers with a=crypto
# lines that cannot be used.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	tone_raw "$BATS_FILE_TMPDIR/tone.raw" 1000 2
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
	unset SIP_SRTP SIP_SRTP_SUITES SIP_SERVER SIP_TRANSPORT
}

teardown() {
	stop_all_bg
}

RTP='127\.0\.0\.1:[0-9]+'
SUITE='AES_CM_128_HMAC_SHA1_(80|32)'

# answer NAME ARGS...: sip-answer as bob on a new free port PORT of
# 127.0.0.1 with ARGS (its stdin the tone, its stdout $D/NAME.raw), as job
# NAME; ready when this returns.
answer() {
	local name=$1
	shift
	PORT=$(free_port)
	start_bg "$name" sh -c 'n=$1 t=$2 d=$3; shift 3; exec env SIP_USER=bob "$@" <"$t" >"$d/$n.raw"' \
		- "$name" "$T/tone.raw" "$D" sip-answer -l "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening udp "$PORT"
}

# call ARGS...: sip-call of bob at PORT, bounded, sending the tone and
# playing into $D/alice.raw: `run call ...`.
call() {
	direct sh -c 't=$1 o=$2; shift 2; exec sip-call "$@" <"$t" >"$o"' - \
		"$T/tone.raw" "$D/alice.raw" "$@" "sip:bob@127.0.0.1:$PORT"
}

# wire_pcmu PCAP PORT OUT: the payloads of the UDP packets to PORT in PCAP
# (their 12-byte RTP headers cut off), decoded as PCMU into OUT (s16le).
wire_pcmu() {
	tshark -r "$1" -Y "udp.dstport == $2" -T fields -e udp.payload 2>/dev/null |
		cut -c 25- | xxd -r -p >"$D/wire.ul"
	[ -s "$D/wire.ul" ]
	sox -D -t ul -r 8000 -c 1 "$D/wire.ul" -t raw -e signed -b 16 "$3"
}

@test "srtp-call: sip-call to sip-answer, SRTP mandatory, each suite: the tone both ways, the suite in answered and stats, no tone on the wire" {
	local suite port ports=()
	capture_start cap "udp and portrange 16384-32767"
	for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32; do
		# The answerer takes only $suite, of the two the caller offers.
		answer bob --srtp mandatory -D 2
		SIP_SRTP_SUITES=$suite
		export SIP_SRTP_SUITES
		run call --srtp mandatory
		unset SIP_SRTP_SUITES
		assert_success
		assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP srtp=$suite call-id=$CID$"
		assert_line --regexp "^rtp-recv: stats packets=[0-9]+ .* srtp=$suite auth_fail=0$"
		check_tone "$D/alice.raw" -f 1000 -s 30
		wait_bg bob 10
		run cat "$D/bob.err"
		assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP srtp=$suite call-id=$CID$"
		assert_line --regexp "^rtp-recv: stats packets=[0-9]+ .* srtp=$suite auth_fail=0$"
		refute_line --partial warning
		check_tone "$D/bob.raw" -f 1000 -s 30
		figure "$suite: $(tone-check -f 1000 "$D/alice.raw" | tail -n 1) (to alice)," \
			"$(tone-check -f 1000 "$D/bob.raw" | tail -n 1) (to bob)"
		# bob's line names alice's RTP port, where bob's packets went.
		ports+=("$(sed -n 's/^sip-answer: answered .* rtp=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$D/bob.err")")
	done
	capture_ports cap >/dev/null
	# What went to alice's RTP ports, decoded as PCMU, holds no tone.
	for port in "${ports[@]}"; do
		wire_pcmu "$D/cap.pcap" "$port" "$D/wire.raw"
		run tone-check -f 1000 -s 10 "$D/wire.raw"
		echo "$output"
		assert_failure
	done
}

@test "srtp-call: through media commands (rtp-send, rtp-recv): the keys on RTP_SRTP_KEY_FD, never in ps, -v output or the environment of what the command starts" {
	local key k
	# Each command copies its keys (cat reads descriptor 8 on; rtp-send
	# and rtp-recv read it from the start all the same).
	answer bob -v --srtp mandatory -D 3 -- sh -c "cat <&8 >'$D/bob.keys';
		$(probe bob.probe); rtp-recv >'$D/bob-cmd.raw' & exec rtp-send <'$T/tone.raw'"
	direct sh -c 'e=$1; shift; exec sip-call -v --srtp mandatory "$@" 2>"$e"' - \
		"$D/alice.err" "sip:bob@127.0.0.1:$PORT" -- sh -c "cat <&8 >'$D/alice.keys';
		$(probe alice.probe); rtp-recv >'$D/alice-cmd.raw' & exec rtp-send <'$T/tone.raw'" &
	wait_for 10 grep -q '^sip-call: answered ' "$D/alice.err"
	ps -e -ww -o args >"$D/ps.txt"
	wait $! || fail "sip-call: status $?"
	wait_bg bob 10
	# The command's rtp-recv may say its last line after sip-call is gone.
	wait_for 5 grep -Eq '^rtp-recv: stats .* srtp=AES_CM_128_HMAC_SHA1_80 auth_fail=0$' \
		"$D/alice.err"
	run cat "$D/alice.err"
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP srtp=AES_CM_128_HMAC_SHA1_80 call-id=$CID$"
	check_tone "$D/alice-cmd.raw" -f 1000 -s 30
	check_tone "$D/bob-cmd.raw" -f 1000 -s 30
	# The media commands were told where the keys are: ours, then the
	# peer's, so alice's two lines are bob's the other way round.
	[ "$(report_env bob.probe RTP_SRTP_KEY_FD)" = 8 ]
	[ "$(report_env alice.probe RTP_SRTP_KEY_FD)" = 8 ]
	[ "$(sed -n 1p "$D/alice.keys")" = "$(sed -n 2p "$D/bob.keys")" ]
	[ "$(sed -n 2p "$D/alice.keys")" = "$(sed -n 1p "$D/bob.keys")" ]
	run cut -d ' ' -f 2 "$D/bob.keys"
	[ "${#lines[@]}" = 2 ]
	for key in "${lines[@]}"; do
		[ "${#key}" = 40 ]
		for k in "$key" "${key:0:16}"; do
			! grep -qF -- "$k" "$D/ps.txt" || fail "a key in ps"
			! grep -qF -- "$k" "$D/alice.err" "$D/bob.err" || fail "a key in -v output"
			! grep -qF -- "$k" "$D/alice.probe" "$D/bob.probe" ||
				fail "a key in the environment of the media command's child"
		done
	done
	grep -q 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(hidden)' "$D/alice.err"
}

# baresip_srtp [BARESIP-ARGS...]: a baresip (job "bs") on
# UDP port BS of 127.0.0.1 with its srtp module, "mediaenc=srtp-mand" in
# its account, that answers every call at once and sends a 1 kHz tone; it
# quits after 12 s.
baresip_srtp() {
	BS=$(free_port)
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$BS" "module srtp.so"
	echo "<sip:bob@127.0.0.1:$BS>;regint=0;answermode=auto;mediaenc=srtp-mand" >"$D/bs/accounts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -t 12 "$@"
	wait_for 5 port_listening udp "$BS"
}

@test "srtp-call: baresip with srtp-mand both ways: the tone arrives each way, encrypted" {
	baresip_srtp
	run direct sip-call --srtp mandatory -T 5 -D 2 "sip:bob@127.0.0.1:$BS" -- \
		sh -c "exec rtp-recv > '$D/from-bs.raw'"
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 [A-Za-z]+\" codec=PCMU rtp=$RTP srtp=$SUITE call-id=$CID$"
	assert_line --regexp "^rtp-recv: stats .* srtp=$SUITE auth_fail=0$"
	check_tone -f 1000 -s 30 "$D/from-bs.raw"
	figure "from baresip: $(tone-check -f 1000 "$D/from-bs.raw" | tail -n 1)"
	stop_bg bs

	PORT=$(free_port)
	start_bg bob env SIP_USER=bob sip-answer -l "127.0.0.1:$PORT" --srtp mandatory -D 2 \
		-- sh -c "exec rtp-recv > '$D/to-bob.raw'"
	wait_for 5 port_listening udp "$PORT"
	baresip_srtp -e "/dial sip:bob@127.0.0.1:$PORT"
	wait_bg bob 15
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP srtp=$SUITE call-id="
	assert_line --regexp "^rtp-recv: stats .* srtp=$SUITE auth_fail=0$"
	refute_line --partial warning
	check_tone -f 1000 -s 30 "$D/to-bob.raw"
	figure "from baresip to sip-answer: $(tone-check -f 1000 "$D/to-bob.raw" | tail -n 1)"
}

@test "srtp-call: plain RTP refused when SRTP is mandatory (488, exit 1), taken when optional" {
	# A plain offer to a mandatory answerer.
	answer bob --srtp mandatory
	run call -T 5
	assert_failure 1
	assert_line --regexp "^sip-call: rejected status=\"488 Not Acceptable Here\" call-id=$CID$"
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: warning: refusing call $CID: plain RTP offered \(SRTP mandatory\)$"
	stop_bg bob

	# RTP/SAVP to an answerer whose SRTP is off (the default).
	answer bob
	run call -T 5 --srtp mandatory
	assert_failure 1
	assert_line --regexp '^sip-call: rejected status="488 Not Acceptable Here" '
	run cat "$D/bob.err"
	assert_line --regexp "^sip-answer: warning: refusing call $CID: RTP/SAVP offered \(SRTP off\)$"
	stop_bg bob

	# Optional: keys offered over RTP/AVP, plain RTP from a peer without them.
	answer bob -D 1
	run call -T 5 --srtp optional
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP call-id=$CID$"
	refute_line --partial srtp=
	check_tone "$D/alice.raw" -f 1000 -s 30
	stop_bg bob
	# ... and SRTP with a peer that takes them (an optional answerer too,
	# in serve mode).
	answer bob -S -D 1 --srtp optional
	run call -T 5 --srtp optional
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP srtp=AES_CM_128_HMAC_SHA1_80 call-id=$CID$"
	assert_line --regexp '^rtp-recv: stats .* srtp=AES_CM_128_HMAC_SHA1_80 auth_fail=0$'
	wait_for 5 grep -q '^sip-answer: ended status=0 ' "$D/bob.err"
	grep -Eq "^sip-answer: answered codec=PCMU rtp=$RTP srtp=AES_CM_128_HMAC_SHA1_80 " "$D/bob.err"
	stop_bg bob

	# A phone (SIPp) that answers plain RTP: hung up when mandatory...
	PORT=$(free_port)
	start_bg uas sipp_run uas call-uas -p "$PORT"
	wait_for 5 port_listening udp "$PORT"
	run call -T 5 --srtp mandatory
	assert_failure 1
	assert_line 'sip-call: warning: the answer'"'"'s SDP is unusable: no a=crypto (SDES) key in the answer, and SRTP is mandatory'
	assert_line --regexp '^sip-call: hangup by=local reason="no usable media" '
	wait_bg uas 10
	# ... and taken when optional.
	start_bg uas sipp_run uas call-uas -p "$PORT"
	wait_for 5 port_listening udp "$PORT"
	run call -T 5 -D 1 --srtp optional
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP call-id=$CID$"
	wait_bg uas 10
}

@test "srtp-call: a re-INVITE (hold) that keeps the key is answered with ours under its tag; one with a new key gets 488, and the call goes on" {
	PORT=$(free_port)
	start_bg uas sipp_run uas call-uas-srtp-hold -p "$PORT"
	wait_for 5 port_listening udp "$PORT"
	run call -T 5 -D 2 --srtp mandatory
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP srtp=AES_CM_128_HMAC_SHA1_80 call-id=$CID$"
	assert_line --regexp "^sip-call: held call-id=$CID$"
	assert_line --regexp "^sip-call: warning: refusing a re-INVITE of call $CID: the SRTP key of the call is not in it"
	assert_line --regexp '^sip-call: hangup by=local reason="duration reached" '
	wait_bg uas 10
}

# invite FILE PROTO CRYPTO-LINE...: an INVITE of an audio stream over
# PROTO with these a=crypto values, into FILE.
invite() {
	local file=$1 proto=$2 sdp id=$RANDOM$RANDOM line
	shift 2
	printf -v sdp '%s\r\n' v=0 'o=m 1 1 IN IP4 127.0.0.1' s=- 'c=IN IP4 127.0.0.1' \
		't=0 0' "m=audio 40000 $proto 0" 'a=rtpmap:0 PCMU/8000'
	for line; do
		sdp+="a=crypto:$line"$'\r\n'
	done
	printf '%s\r\n' "INVITE sip:bob@127.0.0.1 SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-srtp-$id;rport" \
		"Max-Forwards: 70" "From: <sip:mallory@srtp.test>;tag=m-$id" \
		"To: <sip:bob@127.0.0.1>" "Call-ID: srtp-$id@srtp.test" "CSeq: 1 INVITE" \
		"Contact: <sip:mallory@127.0.0.1:5099>" "Content-Type: application/sdp" \
		"Content-Length: ${#sdp}" "" >"$file"
	printf '%s' "$sdp" >>"$file"
}

@test "srtp-call: offers whose a=crypto cannot be used get 488, and the answerer goes on" {
	local good
	good=$(head -c 30 /dev/urandom | base64)
	answer bob --srtp optional -S
	invite "$D/malformed.sip" RTP/SAVP "1 AES_CM_128_HMAC_SHA1_80 inline:not*base64"
	run answers_to "$PORT" "$D/malformed.sip" 488
	assert_output 488
	# An AES-256 key is 46 bytes: well-formed, of a suite we lack.
	invite "$D/unknown.sip" RTP/SAVP \
		"1 AES_256_CM_HMAC_SHA1_80 inline:$(head -c 46 /dev/urandom | base64 -w 0)"
	run answers_to "$PORT" "$D/unknown.sip" 488
	assert_output 488
	invite "$D/mki.sip" RTP/SAVP "1 AES_CM_128_HMAC_SHA1_80 inline:$good|2^20|1:4"
	run answers_to "$PORT" "$D/mki.sip" 488
	assert_output 488
	invite "$D/none.sip" RTP/SAVP
	run answers_to "$PORT" "$D/none.sip" 488
	assert_output 488
	# Best-effort keys (RTP/AVP) that are malformed: refused, not ignored.
	invite "$D/avp-bad.sip" RTP/AVP "x AES_CM_128_HMAC_SHA1_80 inline:$good"
	run answers_to "$PORT" "$D/avp-bad.sip" 488
	assert_output 488
	bg_running bob
	run cat "$D/bob.err"
	assert_line --regexp '^sip-answer: warning: refusing call srtp-[0-9]+@srtp.test: crypto: .* \(SRTP optional\)$'
	assert_line --regexp '^sip-answer: warning: refusing call srtp-[0-9]+@srtp.test: RTP/SAVP with no a=crypto suite we have \(SRTP optional\)$'
	assert_line --regexp '^sip-answer: warning: refusing call srtp-[0-9]+@srtp.test: RTP/SAVP without a=crypto \(SDES\) keys \(SRTP optional\)$'
	refute_line --partial "$good"
}

# tree_libs PID: the shared objects mapped by PID and its descendants, by
# file name, one per line.
tree_libs() {
	local p
	{
		awk '$6 ~ /\.so/ { n = split($6, a, "/"); print a[n] }' "/proc/$1/maps" 2>/dev/null
		for p in $(ps --ppid "$1" -o pid=); do
			tree_libs "$p"
		done
	} | sort -u
}

@test "srtp-call: libsrtp2 and OpenSSL are loaded only where a call uses them: a plain call maps neither, an SRTP call maps libsrtp2 and not OpenSSL" {
	local mode libs
	for mode in plain srtp; do
		if [ "$mode" = srtp ]; then
			answer "bob$mode" --srtp mandatory -D 3
		else
			answer "bob$mode" -D 3
		fi
		start_bg "alice$mode" sh -c 't=$1; shift; exec sip-call "$@" <"$t" >/dev/null' - \
			"$T/tone.raw" $([ "$mode" = srtp ] && echo --srtp mandatory) "sip:bob@127.0.0.1:$PORT"
		wait_for 5 grep -q "^sip-call: answered " "$D/alice$mode.err"
		libs=$(tree_libs "$(bg_pid "alice$mode")"; tree_libs "$(bg_pid "bob$mode")")
		refute grep -q '^lib\(ssl\|crypto\)\.so' <<<"$libs"
		if [ "$mode" = srtp ]; then
			assert grep -q '^libsrtp2\.so' <<<"$libs"
		else
			refute grep -q '^libsrtp2\.so' <<<"$libs"
		fi
		wait_bg "alice$mode" 10
		assert_success
		wait_bg "bob$mode" 10
		assert_success
	done
}
