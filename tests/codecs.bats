#!/usr/bin/env bats
# Issue 16: G.722 and Opus beside G.711, resampling, loss concealment.
# A tone through each codec, rtp-send -> rtp-recv on loopback, judged by
# tests/tools/tone-check (frequency, SNR, length within a frame).

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# through CODEC RATE HZ MIN-SNR: a 2 s tone of HZ at RATE through CODEC.
through() {
	local codec=$1 rate=$2 hz=$3 snr=$4 port
	port=$(free_rtp_port)
	sox -D -n -r "$rate" -e signed -b 16 -c 1 -t raw "$D/in.raw" synth 2 sine "$hz" vol 0.5
	local name=recv-$codec-$rate
	start_bg "$name" rtp-recv -l "127.0.0.1:$port" -c "$codec" --rate "$rate"
	wait_for 5 port_listening udp "$port"
	run rtp-send -r "127.0.0.1:$port" -c "$codec" --rate "$rate" <"$D/in.raw"
	assert_success
	wait_bg "$name" 5
	check_tone -r "$rate" -f "$hz" -s "$snr" -n $((2 * rate)) -N $((rate / 50)) "$D/$name.out"
	grep -q 'bad=0 concealed=0ms' "$D/$name.err"
}

@test "codecs: G.722 carries a 5 kHz tone at 16 kHz (SNR 21.2 dB measured, bar 18)" {
	through g722 16000 5000 18
}

@test "codecs: Opus at 48 kHz carries a 1 kHz tone (bar 30 dB), and 5 kHz at a 16 kHz pipe, resampled (bar 25 dB)" {
	through opus 48000 1000 30
	through opus 16000 5000 25
}

@test "codecs: PCMU and G.722 on a pipe at another rate than theirs (resampled)" {
	through pcmu 16000 1000 25
	through g722 8000 1000 30
}

# sipline_rtp_port NAME: the RTP port in the m= line of the INVITE that
# SIPp run NAME received.
invite_rtp_port() {
	sipp_trace "$1" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p' | head -n 1
}

@test "codecs: asymmetric payload types: the answer numbers opus 96, we offered 111; the peer sends with 111 (RFC 3264) and it plays, default media and rtp-recv" {
	local sport rport cport media
	sox -D -n -r 48000 -e signed -b 16 -c 1 -t raw "$D/tone.raw" synth 2 sine 1000 vol 0.5
	for media in default command; do
		sport=$(free_port)
		rport=$(free_rtp_port)
		start_bg "uas-$media" sipp_run "uas-$media" call-uas-opus96 -p "$sport" -set rtpport "$rport"
		wait_for 5 port_listening udp "$sport"
		if [ $media = default ]; then
			start_bg "call-$media" sh -c 'exec sip-call -c opus -T 5 -D 4 "$1" </dev/zero >"$2"' \
				_ "sip:bob@127.0.0.1:$sport" "$D/$media.raw"
		else
			start_bg "call-$media" sip-call -c opus -T 5 -D 4 "sip:bob@127.0.0.1:$sport" -- \
				sh -c 'echo "$RTP_PAYLOAD_TYPE $RTP_LOCAL_PAYLOAD_TYPE" >"$1"; exec rtp-recv -t 0 >"$2"' \
				_ "$D/pts" "$D/$media.raw"
		fi
		wait_for 5 grep -q '^sip-call: answered ' "$D/call-$media.err"
		cport=$(invite_rtp_port "uas-$media")
		[ -n "$cport" ]
		# The peer's media, sending opus with the number of our offer.
		run timeout 10 rtp-send -c opus -l "127.0.0.1:$rport" -r "127.0.0.1:$cport" <"$D/tone.raw"
		assert_success
		wait_bg "call-$media" 10
		assert_success
		assert_line --regexp "^sip-call: answered .*codec=opus "
		wait_bg "uas-$media" 5
		assert_success
		check_tone -r 48000 -f 1000 -s 30 "$D/$media.raw"
	done
	# What the media command is told: we send with 96, the peer with 111.
	assert_equal "$(cat "$D/pts")" "96 111"
	grep -q 'bad=0 ' "$D/call-command.err"
}
