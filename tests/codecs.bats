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

# invite_rtp_port NAME: the RTP port in the m= line of the INVITE that
# SIPp run NAME received.
invite_rtp_port() {
	sipp_trace "$1" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p' | head -n 1
}

@test "codecs: asymmetric payload types: the answer numbers opus 96, we offered 111; the peer sends with 111 (RFC 3264) and it plays, default media and rtp-recv" {
	local sport rport cport media
	sox -D -n -r 48000 -e signed -b 16 -c 1 -t raw "$D/tone.raw" synth 1.5 sine 1000 vol 0.5
	for media in default command; do
		sport=$(free_port)
		rport=$(free_rtp_port)
		start_bg "uas-$media" sipp_run "uas-$media" call-uas-opus96 -p "$sport" -set rtpport "$rport"
		wait_for 5 port_listening udp "$sport"
		if [ $media = default ]; then
			start_bg "call-$media" sh -c 'exec sip-call -c opus -T 5 -D 3 "$1" </dev/zero >"$2"' \
				_ "sip:bob@127.0.0.1:$sport" "$D/$media.raw"
		else
			start_bg "call-$media" sip-call -c opus -T 5 -D 3 "sip:bob@127.0.0.1:$sport" -- \
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

# --- in a call: sip-call straight to sip-answer on loopback

# tone_at FILE RATE HZ SECONDS [PAD]: a tone at half scale, raw s16le at
# RATE, and PAD seconds of silence after it.
tone_at() {
	sox -D -n -r "$2" -e signed -b 16 -c 1 -t raw "$1" synth "$4" sine "$3" vol 0.5 pad 0 "${5:-0}"
}

@test "codecs: in a call, G.722 and Opus both ways through the default media at their rates (16000, 48000), and to a media command at the rate it is told" {
	local codec rate port
	for codec in g722:16000 opus:48000; do
		rate=${codec#*:} codec=${codec%:*}
		# Silence after the tones: the one whose input ends first
		# hangs up, the other's tone still on its way.
		tone_at "$D/a.raw" "$rate" 1000 2 1
		tone_at "$D/b.raw" "$rate" 500 2 1
		port=$(free_port)
		start_bg bob sh -c 'exec sip-answer -l "127.0.0.1:$1" -c "$2" <"$3" >"$4"' \
			_ "$port" "$codec" "$D/b.raw" "$D/bob.raw"
		wait_for 5 port_listening udp "$port"
		start_bg alice sh -c 'exec sip-call -c "$1" -T 5 -D 2.5 "$2" <"$3" >"$4"' \
			_ "$codec" "sip:bob@127.0.0.1:$port" "$D/a.raw" "$D/alice.raw"
		wait_bg alice 10
		assert_success
		assert_line --regexp "^sip-call: answered .*codec=(G722|opus) "
		wait_bg bob 5
		assert_success
		check_tone -r "$rate" -f 500 -s 20 -n $((2 * rate)) -N $((rate / 25)) "$D/alice.raw"
		check_tone -r "$rate" -f 1000 -s 20 -n $((2 * rate)) -N $((rate / 25)) "$D/bob.raw"
	done
	# A media command told another pipe rate (--rate 8000) gets it in
	# RTP_SAMPLE_RATE, and rtp-recv plays at it.
	tone_at "$D/a.raw" 48000 1000 2 1
	answer_on bob -c opus --rate 8000 -- \
		sh -c 'echo "$RTP_CODEC $RTP_SAMPLE_RATE" >"$1"; exec rtp-recv >"$2"' _ "$D/env" "$D/rec.raw"
	start_bg alice sh -c 'exec sip-call -c opus -T 5 "$1" <"$2" >/dev/null' \
		_ "sip:bob@127.0.0.1:$PORT" "$D/a.raw"
	wait_bg alice 10
	assert_success
	wait_bg bob 5
	assert_success
	assert_equal "$(cat "$D/env")" "opus 8000"
	check_tone -r 8000 -f 1000 -s 20 -n 16000 -N 320 "$D/rec.raw"
}

@test "codecs: negotiation: the answer takes the answerer's first codec among those offered; an offer without any of its codecs gets 488 (sip-call exits 1)" {
	local want ours
	for want in G722:g722,pcmu PCMU:pcmu,g722 opus:pcma,opus; do
		ours=${want#*:} want=${want%%:*}
		answer_on bob -c "$ours" -- true
		run timeout 10 sip-call -c opus,g722,pcmu -T 5 "sip:bob@127.0.0.1:$PORT" </dev/null
		assert_success
		assert_line --regexp "^sip-call: answered .*codec=$want "
		wait_bg bob 5
		assert_line --regexp "^sip-answer: answered codec=$want "
	done
	answer_on bob -c pcmu,pcma -- true
	run -1 timeout 10 sip-call -c opus,g722 -T 5 "sip:bob@127.0.0.1:$PORT" </dev/null
	assert_line --regexp '^sip-call: rejected status="488 '
	stop_bg bob
	grep -q 'no codec in common' "$D/bob.err"
}

# --- bad input: crafted RTP (tests/tools/rtp-craft) to rtp-recv

# crafted CODEC KIND BAD: 25 packets (0.5 s) of CODEC, every 5th made
# KIND; rtp-recv plays 0.5 s, exits 0 and counts BAD of them bad.
crafted() {
	local codec=$1 kind=$2 bad=$3 port rate
	port=$(free_rtp_port)
	start_bg "recv-$codec-$kind" rtp-recv -l "127.0.0.1:$port" -c "$codec" --duration 0.5
	wait_for 5 port_listening udp "$port"
	run timeout 10 rtp-craft -c "$codec" -r "127.0.0.1:$port" -n 25 -e 5 -k "$kind"
	assert_success
	wait_bg "recv-$codec-$kind" 5
	assert_success
	assert_line --regexp "^rtp-recv: stats packets=25 .* bad=$bad "
	rate=$(case $codec in opus) echo 48000 ;; g722) echo 16000 ;; esac)
	assert_equal "$(stat -c %s "$D/recv-$codec-$kind.out")" $((rate))
}

@test "codecs: bad input: truncated, oversized and garbage Opus and G.722 payloads, a payload type switch, an fmtp that makes no sense: silence or concealment, counted bad, no crash" {
	crafted opus trunc 5
	crafted opus big 5
	crafted opus garbage 5
	crafted opus pt 5
	# Every byte string is G.722: short and noisy frames play as such.
	crafted g722 trunc 0
	crafted g722 garbage 0
	crafted g722 big 5
	crafted g722 pt 5
	# An fmtp that makes no sense (the peer's, handed on in RTP_FMTP):
	# Opus sends with its defaults, and the tone arrives.
	local port
	port=$(free_rtp_port)
	tone_at "$D/t.raw" 48000 1000 1
	start_bg fmtp rtp-recv -l "127.0.0.1:$port" -c opus --duration 1
	wait_for 5 port_listening udp "$port"
	run timeout 10 env RTP_CODEC=opus RTP_FMTP='useinbandfec=banana;;maxplaybackrate=-5;=;stereo' \
		rtp-send -r "127.0.0.1:$port" <"$D/t.raw"
	assert_success
	wait_bg fmtp 5
	assert_success
	check_tone -r 48000 -f 1000 -s 30 "$D/fmtp.out"
}

@test "codecs: comfort noise (PT 13) received plays as noise at its level (-30 dBov PCMU, -45 dBov G.722; 0 dBov clipped)" {
	local codec level port rate rms tol
	for codec in pcmu:30:8000:1 g722:45:16000:1 pcmu:0:8000:3; do
		IFS=: read -r codec level rate tol <<<"$codec"
		port=$(free_rtp_port)
		start_bg "recv-$codec" rtp-recv -l "127.0.0.1:$port" -c "$codec" --duration 1.5
		wait_for 5 port_listening udp "$port"
		run timeout 10 rtp-craft -c "$codec" -r "127.0.0.1:$port" -n 25 -k cn -L "$level"
		assert_success
		wait_bg "recv-$codec" 5
		assert_success
		# The RMS of the second after the tone, in dB of full scale.
		rms=$(sox -t raw -r "$rate" -e signed -b 16 -c 1 "$D/recv-$codec.out" -n \
			trim 0.6 0.8 stats 2>&1 | awk '/^RMS lev dB/ { print $4 }')
		figure "comfort noise at -$level dBov: RMS $rms dB"
		# (0 dBov is a full-scale square's RMS: noise that loud is
		# clipped, some 2 dB under it)
		awk -v r="$rms" -v l="$level" -v t="$tol" 'BEGIN { exit !(r > -l - t && r < -l + 1) }'
	done
}

# --- loss: udp-relay drops the same 10 % of the packets every run (seed 1)

# lossy CODEC RATE [--no-plc]: SEG is the segmental SNR (20 ms) of a 1.5 s
# 1 kHz tone through the relay and rtp-recv.
lossy() {
	local codec=$1 rate=$2 rport port name=lossy-$1$3
	rport=$(free_rtp_port)
	port=$(free_rtp_port)
	tone_at "$D/in.raw" "$rate" 1000 1.5
	start_bg "relay-$name" udp-relay -l "$rport" -r "$port" -L 10 -S 1 -I 30
	start_bg "$name" rtp-recv -l "127.0.0.1:$port" -c "$codec" --duration 1.5 ${3:+"$3"}
	wait_for 5 port_listening udp "$port"
	wait_for 5 port_listening udp "$rport"
	run timeout 10 rtp-send -r "127.0.0.1:$rport" -c "$codec" <"$D/in.raw"
	assert_success
	wait_bg "$name" 5
	grep -q 'lost=[1-9]' "$D/$name.err"
	SEG=$(tone-check -r "$rate" -f 1000 --segsnr 20 "$D/$name.out" | sed -n 's/^segsnr=//p')
	stop_bg "relay-$name"
}

@test "codecs: 10 % loss: with concealment the output is closer to the tone sent than with silence (segmental SNR), PCMU, G.722, Opus" {
	local codec rate plc silent
	for codec in pcmu:8000 g722:16000 opus:48000; do
		rate=${codec#*:} codec=${codec%:*}
		lossy "$codec" "$rate"
		plc=$SEG
		lossy "$codec" "$rate" --no-plc
		silent=$SEG
		figure "$codec at 10 % loss: segmental SNR $plc dB concealed, $silent dB silent"
		awk -v a="$plc" -v b="$silent" 'BEGIN { exit !(a != "" && b != "" && a >= b + 3) }'
	done
}

# --- interop: baresip's g722 and opus modules, through Kamailio

# baresip_codec NAME RATE BARESIP-ARGS...: a baresip (job "bs") registered
# at Kamailio as bob that takes the codec NAME alone (G722/16000/1 or
# opus/48000/2, as baresip names them), answers at once and sends a 1 kHz
# tone at RATE (its aufile source takes only the codec's rate and
# channels); what it decodes is dumped by its sndfile module into
# $D/bs/dump-*-dec.wav.  It quits after 10 s.
baresip_codec() {
	local name=$1 rate=$2 port codec
	shift 2
	codec=${name%%/*}
	port=$(free_port)
	rm -rf "$D/bs"
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$port" "module ${codec,,}.so" \
		"module sndfile.so" "snd_path $D/bs"
	sox -D -n -r "$rate" -e signed -b 16 -c "${name##*/}" "$D/bs/tone.wav" synth 4 sine 1000 vol 0.5
	echo "<sip:bob@sipline.test>;auth_pass=bobpw;outbound=\"sip:$SIP_SERVER\";regint=60;answermode=auto;audio_codecs=$name" \
		>"$D/bs/accounts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -t 10 "$@"
	wait_for 10 kamailio_has_binding bob "127\.0\.0\.1:$port"
}

# heard_by_baresip RATE: what baresip decoded, as raw mono at RATE, into
# $D/bs.raw.
heard_by_baresip() {
	sox -D "$D"/bs/dump-*-dec.wav -t raw -r "$1" -e signed -b 16 -c 1 "$D/bs.raw" remix -
}

@test "codecs: interop with baresip (g722, opus) through Kamailio both ways: a tone arrives each way" {
	local codec name rate
	kamailio_start
	for codec in G722/16000/1:g722:16000 opus/48000/2:opus:48000; do
		IFS=: read -r name codec rate <<<"$codec"
		tone_at "$D/a.raw" "$rate" 500 2 1
		# sip-call -> Kamailio -> baresip
		baresip_codec "$name" "$rate"
		start_bg alice sh -c 'exec env SIP_USER=alice SIP_PASSWORD=alicepw \
			sip-call -c "$1" -T 5 -D 2.5 bob <"$2" >"$3"' _ "$codec" "$D/a.raw" "$D/alice.raw"
		wait_bg alice 10
		assert_success
		assert_line --regexp "^sip-call: answered .*codec=${name%%/*} "
		stop_bg bs
		check_tone -r "$rate" -f 1000 -s 20 "$D/alice.raw"
		figure "${name%%/*} from baresip: $(tone-check -r "$rate" -f 1000 "$D/alice.raw" | tail -n 1)"
		heard_by_baresip "$rate"
		check_tone -r "$rate" -f 500 -s 20 "$D/bs.raw"
		figure "${name%%/*} to baresip: $(tone-check -r "$rate" -f 500 "$D/bs.raw" | tail -n 1)"

		# baresip -> Kamailio -> sip-answer (registered as carol)
		start_bg carol sh -c 'exec env SIP_USER=carol SIP_PASSWORD=carolpw \
			sip-register -e 60 -c "127.0.0.1:$1" -- sip-answer -c "$2" -D 2.5 <"$3" >"$4"' \
			_ "$(free_port)" "$codec" "$D/a.raw" "$D/carol.raw"
		wait_for 5 kamailio_has_binding carol
		baresip_codec "$name" "$rate" -e "/dial sip:carol@sipline.test"
		wait_bg carol 15
		assert_success
		assert_line --regexp "^sip-answer: answered codec=${name%%/*} "
		stop_bg bs
		check_tone -r "$rate" -f 1000 -s 20 "$D/carol.raw"
		heard_by_baresip "$rate"
		check_tone -r "$rate" -f 500 -s 20 "$D/bs.raw"
	done
}
