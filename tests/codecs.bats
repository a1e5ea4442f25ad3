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
