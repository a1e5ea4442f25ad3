#!/usr/bin/env bats
# The media tools: rtp-send and rtp-recv on loopback, standalone and
# through the hand-off (tests/tools/handoff-run plays sip-call's part),
# against each other, through a damaging relay, and against SIPp.  Audio is
# judged by tests/tools/tone-check: frequency, SNR, length.

bats_require_minimum_version 1.5.0

setup_file() {
	local f=$BATS_FILE_TMPDIR
	# Raw s16le 8000 Hz mono tones, what arecord would write.
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/1k2s.raw" synth 2 sine 1000 vol 0.5
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/1k1s.raw" synth 1 sine 1000 vol 0.5
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/500-1s.raw" synth 1 sine 500 vol 0.5
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
}

teardown() {
	stop_all_bg
}

# recv_stat NAME FILE: the value of NAME= in the stats line in FILE.
recv_stat() {
	sed -n "s/^rtp-recv: stats .*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2"
}

# A receiver on PORT writing $D/recv.out (audio) and $D/recv.err.
start_recv() {
	local port=$1
	shift
	start_bg recv rtp-recv -l "127.0.0.1:$port" "$@"
	wait_for 5 port_listening udp "$port"
}

STATS_RE='^rtp-recv: stats packets=[0-9]+ lost=[0-9]+ duplicates=[0-9]+ late=[0-9]+ bad=[0-9]+ concealed=[0-9]+ms jitter=[0-9]+\.[0-9]{2}ms$'

@test "media: --help prints the SYNOPSIS of the man page, --version the version" {
	local t help syn
	for t in rtp-send rtp-recv; do
		run "$t" --help
		assert_success
		help=$(squeeze <<<"$output")
		syn=$(mandoc -Tascii -Owidth=300 "$SIPLINE_TESTS/../man/$t.1" |
			sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
			sed '1d;$d' | squeeze)
		assert_equal "$help" "usage: $syn"
		run "$t" --version
		assert_success
		assert_output --regexp "^$t [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "media: man pages are mandoc -Tlint clean" {
	run mandoc -Tlint -Wwarning "$SIPLINE_TESTS/../man/rtp-send.1" \
		"$SIPLINE_TESTS/../man/rtp-recv.1"
	assert_success
	assert_output ''
}

@test "media: usage errors exit 100" {
	run rtp-send
	assert_failure 100
	assert_output --partial 'rtp-send: fatal: no peer'
	run rtp-send -r 127.0.0.1:4000 -c gsm
	assert_failure 100
	run rtp-send -r 127.0.0.1:4000 -c g722 -f ulaw
	assert_failure 100
	assert_output --partial 'rtp-send: fatal: --format ulaw or alaw: G.711 codes at 8000 Hz, not G722 at 16000 Hz'
	run rtp-recv -l 127.0.0.1:4000 --rate 44101
	assert_failure 100
	assert_output --partial 'rtp-recv: fatal: --rate: 44101 is not a multiple of 100 Hz'
	run rtp-send -r 127.0.0.1:4000 -p 5
	assert_failure 100
	assert_output --partial '--ptime: 5 is out of range (10 to 60)'
	run rtp-send -r 127.0.0.1:4000 -d 12x
	assert_failure 100
	run rtp-send -r 127.0.0.1 </dev/null
	assert_failure 100
	run rtp-send -r 127.0.0.1:4000 extra
	assert_failure 100
	run rtp-recv
	assert_failure 100
	assert_output --partial 'rtp-recv: fatal: no socket'
	run rtp-recv -l :4000 --jitter lots
	assert_failure 100
	run env RTP_FD=6 RTP_PTIME=abc rtp-send
	assert_failure 100
	assert_output 'rtp-send: fatal: bad RTP_PTIME: abc'
	run env RTP_FD=6 RTP_CODEC=gsm rtp-recv
	assert_failure 100
	assert_output 'rtp-recv: fatal: bad RTP_CODEC: gsm'
	run env RTP_FD=0 rtp-send </dev/null
	assert_failure 100
	assert_output 'rtp-send: fatal: RTP_FD 0: Socket operation on non-socket'
}

@test "media: a bad option, a bad codec, a bad RTP_* variable: the answer the sip-* tools give" {
	local tool
	for tool in rtp-send rtp-recv sip-call; do
		run -100 "$tool" --no-such-option
		assert_line "$tool: fatal: unknown option"
		assert_line "Try '$tool --help'."
		run -100 "$tool" --codec gsm x
		assert_line "$tool: fatal: --codec: gsm is not pcmu, pcma, g722 or opus"
	done
	# One check of the environment for both tools: a packet time that
	# the codec does not take is refused by both, not used by one and
	# replaced by the other.
	for tool in rtp-send rtp-recv; do
		run -100 env RTP_FD=0 RTP_PTIME=5 "$tool"
		assert_output "$tool: fatal: bad RTP_PTIME: 5"
		run -100 env RTP_FD=0 RTP_PAYLOAD_TYPE=18 "$tool"
		assert_output "$tool: fatal: bad RTP_PAYLOAD_TYPE: 18"
		run -100 env RTP_FD=0 RTP_CODEC=opus RTP_PAYLOAD_TYPE=8 "$tool"
		assert_output "$tool: fatal: bad RTP_CODEC: opus"
		run -100 env RTP_FD=0 RTP_CODEC=opus RTP_PAYLOAD_TYPE=96 RTP_LOCAL_PAYLOAD_TYPE=8 "$tool"
		assert_output "$tool: fatal: bad RTP_LOCAL_PAYLOAD_TYPE: 8"
		run -100 env RTP_FD=0 RTP_CODEC=g722 RTP_SAMPLE_RATE=11025 "$tool"
		assert_output "$tool: fatal: bad RTP_SAMPLE_RATE: 11025"
		run -100 env RTP_FD=0 RTP_CLOCK_RATE=16000 "$tool"
		assert_output "$tool: fatal: bad RTP_CLOCK_RATE: 16000"
	done
}

@test "media: every variable of the hand-off (lib/handoff.h) is in sipline(7)" {
	local v missing=
	for v in $(sed -n 's/^#define SL_ENV_[A-Z_]* *"\([A-Z_]*\)".*/\1/p' "$SIPLINE_TESTS/../lib/handoff.h"); do
		grep -q "^\.It Ev $v\b\|Ev $v ,\|^\.It Ev [A-Z_]* , Ev $v\b" "$SIPLINE_TESTS/../man/sipline.7" ||
			missing="$missing $v"
	done
	assert_equal "$missing" ""
}

@test "media: a port in use is a system failure, said the house way" {
	local port
	port=$(free_rtp_port)
	start_recv "$port"
	run rtp-recv -l "127.0.0.1:$port"
	assert_failure 111
	assert_output "rtp-recv: fatal: unable to bind 127.0.0.1:$port: Address already in use"
}

@test "media: G.711 follows ITU-T G.711, and decodes as sox does" {
	local law e
	run g711-check
	echo "$output"
	assert_success
	refute_output --partial 'not ok'
	g711-check codes >"$D/codes"
	for law in ulaw alaw; do
		[ $law = ulaw ] && e=u-law || e=a-law
		g711-check decode $law <"$D/codes" >"$D/ours.raw"
		sox -t raw -r 8000 -e $e -b 8 -c 1 "$D/codes" -t raw -e signed -b 16 "$D/sox.raw"
		cmp "$D/ours.raw" "$D/sox.raw"
	done
}

@test "media: a 1 kHz tone in PCMU keeps its frequency, length and SNR" {
	local port
	port=$(free_rtp_port)
	start_recv "$port"
	run rtp-send -r "127.0.0.1:$port" <"$T/1k2s.raw"
	assert_success
	assert_output ''
	# The sender's RTCP BYE ends the receiver.
	wait_bg recv 5
	assert_success
	assert_output --regexp "$STATS_RE"
	assert_equal "$(recv_stat packets "$D/recv.err")" 100
	assert_equal "$(recv_stat lost "$D/recv.err")" 0
	check_tone -f 1000 -F 0.01 -s 30 -n 16000 -N 160 "$D/recv.out"
}

@test "media: a 1 kHz tone in PCMA keeps its frequency, length and SNR" {
	local port
	port=$(free_rtp_port)
	start_recv "$port" -c pcma
	run rtp-send -r "127.0.0.1:$port" -c pcma <"$T/1k1s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	assert_equal "$(recv_stat packets "$D/recv.err")" 50
	check_tone -f 1000 -F 0.01 -s 30 -n 8000 -N 160 "$D/recv.out"
}

@test "media: IPv6, 30 ms packets, -vv: logs on stderr, only audio on stdout" {
	local port
	port=$(free_rtp_port)
	start_bg recv rtp-recv -vv -l "[::1]:$port"
	wait_for 5 port_listening udp "$port"
	run rtp-send -vv -p 30 -r "[::1]:$port" <"$T/1k1s.raw"
	assert_success
	assert_output --partial 'rtp-send: debug: '
	assert_output --partial 'ptime 30 ms'
	wait_bg recv 5
	assert_success
	assert_output --partial 'rtp-recv: debug: '
	assert_equal "$(recv_stat packets "$D/recv.err")" 34
	check_tone -f 1000 -s 30 -n 8000 -N 240 "$D/recv.out"
}

@test "media: already encoded input of the other law (--format alaw, -c pcmu) is re-encoded" {
	local port
	sox -t raw -r 8000 -e signed -b 16 -c 1 "$T/1k1s.raw" -t raw -e a-law "$D/in.al"
	port=$(free_rtp_port)
	start_recv "$port"
	run rtp-send -r "127.0.0.1:$port" -f alaw -c pcmu <"$D/in.al"
	assert_success
	wait_bg recv 5
	assert_success
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
}

# start_capture PORT: tests/tools/rtp-dump on PORT (RTCP on PORT+1),
# ending with the sender's RTCP BYE: one line per datagram in
# $D/capture.out ("T RTP ... pt=N seq=N ts=N ssrc=X len=N from=ADDR:PORT"),
# the audio payloads as they came in $D/payload.
start_capture() {
	rm -f "$D/payload"  # (rtp-dump -w appends)
	start_bg capture rtp-dump -p "$1" -b -I 5 -t 30 -w "$D/payload"
	wait_for 5 port_listening udp "$1"
}

@test "media: already encoded input of the codec's law (--format ulaw -c pcmu, alaw -c pcma) goes out byte for byte" {
	local port law codec pt i
	# Every code of the law five times: 1280 bytes, 8 packets of 160.
	# Decoding and encoding again would not give all of them back
	# (u-law's negative zero, 0x7f, comes back as 0xff).
	for i in 1 2 3 4 5; do g711-check codes; done >"$D/codes"
	for law in ulaw alaw; do
		[ $law = ulaw ] && codec=pcmu pt=0 || codec=pcma pt=8
		port=$(free_rtp_port)
		start_capture "$port"
		run rtp-send -r "127.0.0.1:$port" -f $law -c $codec <"$D/codes"
		assert_success
		wait_bg capture 10
		assert_success
		cat "$D/capture.out"
		assert_equal "$(grep -c ' RTP ' "$D/capture.out")" 8
		assert_equal "$(grep -c " RTP .* pt=$pt .* len=160 from=[^ ]*\$" "$D/capture.out")" 8
		cmp "$D/payload" "$D/codes"
	done
}

@test "media: rtp-send --local [HOST]:PORT: the packets leave from that port" {
	local port lport spec
	head -c 3200 "$T/1k1s.raw" >"$D/200ms.raw"
	for spec in 127.0.0.1:PORT :PORT; do
		port=$(free_rtp_port)
		lport=$(free_rtp_port)
		start_capture "$port"
		run rtp-send -r "127.0.0.1:$port" --local "${spec/PORT/$lport}" <"$D/200ms.raw"
		assert_success
		wait_bg capture 10
		assert_success
		run grep ' RTP ' "$D/capture.out"
		assert_equal "${#lines[@]}" 10
		# Every one of them from there, none from anywhere else.
		assert_equal "$(grep -c " RTP .* from=127\.0\.0\.1:$lport\$" "$D/capture.out")" 10
	done
}

@test "media: rtp-recv --jitter MS: the first audio comes MS later" {
	local j port
	local -A lead
	# The output starts with the first packet; the jitter buffer holds
	# it --jitter ms (then a packet and a frame of headroom) before it
	# plays: that much silence leads the tone.  On loopback the measured
	# jitter is far below a millisecond and adds nothing.
	for j in 0 400; do
		port=$(free_rtp_port)
		start_recv "$port" --jitter "$j"
		run rtp-send -r "127.0.0.1:$port" <"$T/1k1s.raw"
		assert_success
		wait_bg recv 5
		assert_success
		check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
		lead[$j]=$(sed -n 's/.* lead=\([0-9]*\) .*/\1/p' <<<"$output")
		echo "--jitter $j: the tone starts after ${lead[$j]} samples"
	done
	# 400 ms are 3200 samples; a packet (160) either way for where the
	# first packet falls between two output frames, and as much again.
	assert [ "$((lead[400] - lead[0]))" -ge 2880 ]
	assert [ "$((lead[400] - lead[0]))" -le 3520 ]
}

@test "media: all 16 DTMF digits of --dtmf arrive exactly once, in order" {
	local port
	port=$(free_rtp_port)
	start_recv "$port"
	run rtp-send -r "127.0.0.1:$port" --dtmf '0123456789*#ABCD' </dev/null
	assert_success
	wait_bg recv 5
	assert_success
	run grep '^rtp-recv: DTMF ' "$D/recv.err"
	assert_equal "$(sed 's/^rtp-recv: DTMF //' <<<"$output" | tr -d '\n')" '0123456789*#ABCD'
}

@test "media: digits written to --dtmf-fd arrive at those times (100 ms) on rtp-recv's --dtmf-fd" {
	local port w d i sent heard
	port=$(free_rtp_port)
	mkfifo "$D/keys" "$D/heard"
	# Each line rtp-recv writes, stamped with the time it arrives.
	start_bg stamp bash -c 'while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done <"$1"' \
		_ "$D/heard"
	start_bg recv bash -c 'exec rtp-recv -l "127.0.0.1:$1" --dtmf-fd 5 5>"$2"' \
		_ "$port" "$D/heard"
	wait_for 5 port_listening udp "$port"
	start_bg send bash -c 'exec rtp-send -r "127.0.0.1:$1" --dtmf-fd 5 5<"$2" </dev/zero' \
		_ "$port" "$D/keys"
	exec {w}>"$D/keys"
	sleep 0.3
	for d in 5 0 '#' 5; do
		echo "$EPOCHREALTIME $d" >>"$D/sent"
		echo "$d" >&"$w"
		sleep 0.35
	done
	exec {w}>&-
	stop_bg send
	stop_bg recv
	wait_bg stamp 5
	run cat "$D/stamp.out"
	assert_equal "${#lines[@]}" 4
	for i in 0 1 2 3; do
		read -r sent d <<<"$(sed -n "$((i + 1))p" "$D/sent")"
		read -r heard _ <<<"${lines[i]}"
		assert_equal "${lines[i]#* }" "DTMF $d"
		echo "digit $d: sent $sent, heard $heard"
		awk -v s="$sent" -v h="$heard" 'BEGIN { exit !(h - s >= -0.1 && h - s <= 0.1) }'
	done
}

@test "media: 10 % packet loss: the output keeps its length, the statistics count the loss" {
	local port relay dropped
	port=$(free_rtp_port)
	relay=$(free_rtp_port)
	start_recv "$port"
	start_bg relay udp-relay -l "$relay" -r "$port" -L 10 -S 7 -I 10
	wait_for 5 port_listening udp "$relay"
	run rtp-send -r "127.0.0.1:$relay" <"$T/1k2s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	signal_bg relay TERM
	wait_bg relay 5
	dropped=$(sed -n 's/.* dropped=\([0-9]*\).*/\1/p' "$D/relay.err")
	echo "relay dropped $dropped of 100"
	assert [ "$dropped" -ge 5 ]
	assert [ "$dropped" -le 15 ]
	assert_equal "$(recv_stat lost "$D/recv.err")" "$dropped"
	assert_equal "$(recv_stat packets "$D/recv.err")" "$((100 - dropped))"
	# Lost packets are silence in place: the tone still spans 2 s.
	check_tone -n 16000 -N 160 "$D/recv.out"
}

@test "media: duplicated and reordered packets are played once, in order" {
	local port relay
	port=$(free_rtp_port)
	relay=$(free_rtp_port)
	start_recv "$port"
	start_bg relay udp-relay -l "$relay" -r "$port" -D 5 -W 7 -I 10
	wait_for 5 port_listening udp "$relay"
	run rtp-send -r "127.0.0.1:$relay" <"$T/1k1s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	signal_bg relay TERM
	wait_bg relay 5
	assert_output --regexp 'duplicated=[1-9][0-9]* swapped=[1-9]'
	[ "$(recv_stat duplicates "$D/recv.err")" -ge 1 ]
	assert_equal "$(recv_stat lost "$D/recv.err")" 0
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
}

@test "media: a sender restarted with a new SSRC is followed" {
	local port
	port=$(free_rtp_port)
	start_recv "$port"
	# The first sender dies without a BYE after about a second...
	start_bg first sh -c "exec rtp-send -r 127.0.0.1:$port <'$T/1k2s.raw'"
	sleep 1
	signal_bg first KILL
	sleep 0.3
	# ...and a new one (new SSRC, sequence, timestamps) takes over.
	run rtp-send -r "127.0.0.1:$port" <"$T/500-1s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	run tone-check --segments 50 "$D/recv.out"
	echo "$output"
	assert_equal "$(grep -c '^segment' <<<"$output")" 2
	assert_line --regexp '^segment .* freq=1000\.[0-9]+ '
	# All of the new stream but the packets oRTP needs to believe in it.
	assert_line --regexp '^segment start=[0-9]+ length=7[4-9][0-9][0-9] freq=500\.[0-9]+ snr=(3[0-9]|[4-9][0-9])'
}

@test "media: --timeout without RTP exits 8, RTP_TIMEOUT is its default in a call" {
	local port
	port=$(free_rtp_port)
	run rtp-recv -l "127.0.0.1:$port" --timeout 0.3
	assert_failure 8
	assert_line 'rtp-recv: warning: no RTP for 0.3 s: media lost'
	assert_line --regexp "$STATS_RE"
	port=$(free_rtp_port)
	run handoff-run -t 0.3 -r "127.0.0.1:$port" rtp-recv
	assert_failure 8
}

@test "media: in a call, rtp-recv plays on up to 1 s after the peer's RTCP BYE, and that wait is no media loss" {
	local lport peer size
	lport=$(free_rtp_port)
	peer=$(free_rtp_port)
	head -c 8000 "$T/1k1s.raw" >"$D/half.raw"
	# An RTP timeout below the wait: waiting is not a loss.  (The
	# socket is connected, so not "listening": rtp-recv's first line
	# says it is ready.)
	start_bg recv handoff-run -t 0.8 -l "$lport" -r "127.0.0.1:$peer" rtp-recv -v
	wait_for 5 grep -q 'inherited socket' "$D/recv.err"
	run rtp-send --local "127.0.0.1:$peer" -r "127.0.0.1:$lport" <"$D/half.raw"
	assert_success
	wait_bg recv 5
	assert_success
	refute_line --partial 'media lost'
	assert_line --partial 'RTCP BYE: playing on for the call'"'"'s end, at most 1000 ms'
	# Half a second of tone, then the second of the wait, played out on
	# the output's clock: 1.5 s, give or take the jitter buffer.
	size=$(stat -c %s "$D/recv.out")
	echo "output: $size bytes"
	assert [ "$size" -ge 20800 ]
	assert [ "$size" -le 30400 ]
}

@test "media: a closed stdout (EPIPE) ends rtp-recv quietly with 0" {
	local port
	port=$(free_rtp_port)
	start_bg recv bash -c 'rtp-recv -l "127.0.0.1:$1" | head -c 1000 >/dev/null
		echo "status ${PIPESTATUS[0]}"' _ "$port"
	wait_for 5 port_listening udp "$port"
	start_bg send sh -c "exec rtp-send -r 127.0.0.1:$port <'$T/1k2s.raw'"
	wait_bg recv 5
	run cat "$D/recv.out"
	assert_output 'status 0'
	run cat "$D/recv.err"
	refute_output --partial 'fatal'
	refute_output --partial 'warning'
}

@test "media: garbage datagrams (not RTP, truncated headers) do not disturb rtp-recv" {
	local port p
	port=$(free_rtp_port)
	start_recv "$port"
	for p in "$port" "$((port + 1))"; do
		printf 'hello, world' >"/dev/udp/127.0.0.1/$p"
		printf '\x80' >"/dev/udp/127.0.0.1/$p"
		printf '\x80\x00\x00\x01\x00\x00' >"/dev/udp/127.0.0.1/$p"
		# Version 2, 15 CSRCs announced, none there.
		printf '\x8f\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01' >"/dev/udp/127.0.0.1/$p"
		# RTCP BYE claiming more SSRCs than it carries.
		printf '\x9f\xcb\x00\x09\x00\x00\x00\x01' >"/dev/udp/127.0.0.1/$p"
		head -c 700 /dev/urandom >"/dev/udp/127.0.0.1/$p"
	done
	run rtp-send -r "127.0.0.1:$port" <"$T/1k1s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
}

@test "media: SIGTERM: rtp-recv plays out what it holds and exits 0" {
	local port relay
	port=$(free_rtp_port)
	relay=$(free_rtp_port)
	start_recv "$port"
	# RTCP dropped: no BYE, the signal alone ends the receiver.
	start_bg relay udp-relay -x -l "$relay" -r "$port" -I 10
	wait_for 5 port_listening udp "$relay"
	run rtp-send -r "127.0.0.1:$relay" <"$T/1k1s.raw"
	assert_success
	signal_bg recv TERM
	wait_bg recv 5
	assert_success
	assert_output --regexp "$STATS_RE"
	# Nothing received is lost: the whole second is there.
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
}

@test "media: SIGTERM while stdout is full: the play-out waits for the reader, whole samples" {
	local port relay sh_pid pid
	port=$(free_rtp_port)
	relay=$(free_rtp_port)
	# rtp-recv writes into a one-page pipe whose reader holds off until
	# told: after a quarter of a second, rtp-recv blocks in write(2).
	start_bg recv sh -c 'rtp-recv -l "127.0.0.1:$1" | held-reader "$2" "$3"' \
		_ "$port" "$D/go" "$D/held.out"
	wait_for 5 port_listening udp "$port"
	start_bg relay udp-relay -x -l "$relay" -r "$port" -I 10
	wait_for 5 port_listening udp "$relay"
	run rtp-send -r "127.0.0.1:$relay" <"$T/1k1s.raw"
	assert_success
	sh_pid=$(bg_pid recv)
	pid=$(ps -o pid=,comm= --ppid "$sh_pid" | awk '$2 == "rtp-recv" { print $1 }')
	[ -n "$pid" ]
	# The signal interrupts the blocked write; the reader then reads.
	kill -TERM "$pid"
	sleep 0.2
	touch "$D/go"
	wait_bg recv 10
	assert_success
	# More than the pipe page it had written before blocking (the frame
	# the signal interrupted is finished, what it holds is played out),
	# and whole 20 ms frames (320 bytes): nothing cut short.
	local size
	size=$(stat -c %s "$D/held.out")
	echo "held.out: $size bytes"
	[ "$size" -gt 4096 ]
	[ $((size % 320)) -eq 0 ]
}

@test "media: --duration writes exactly that much audio" {
	local port
	port=$(free_rtp_port)
	start_recv "$port" --duration 0.5
	run rtp-send -r "127.0.0.1:$port" <"$T/1k1s.raw"
	assert_success
	wait_bg recv 5
	assert_success
	assert_equal "$(wc -c <"$D/recv.out")" 8000
}

@test "media: sender and receiver stopped together for 0.3 s (a host that froze): the audio that comes late is played, none lost" {
	local port recv send
	port=$(free_rtp_port)
	start_recv "$port"
	start_bg send sh -c "exec rtp-send -r 127.0.0.1:$port <'$T/1k2s.raw'"
	sleep 0.8
	recv=$(bg_pid recv)
	send=$(bg_pid send)
	# The receiver goes on first: it wakes with its frames overdue and
	# nothing in the socket yet, as when a host gives a VM its time back.
	kill -STOP "$send" "$recv"
	sleep 0.3
	kill -CONT "$recv"
	kill -CONT "$send"
	wait_bg send 10
	assert_success
	wait_bg recv 5
	assert_success
	assert_equal "$(recv_stat lost "$D/recv.err")" 0
	check_tone -f 1000 -F 0.01 -s 30 -n 16000 -N 160 "$D/recv.out"
}

@test "media: a live source that stalls: the schedule moves, the timeline holds" {
	local port
	port=$(free_rtp_port)
	start_recv "$port"
	run sh -c "{ head -c 8000 '$T/1k1s.raw'; sleep 1; head -c 8000 '$T/1k1s.raw'; } |
		rtp-send -v -r 127.0.0.1:$port"
	assert_success
	assert_output --regexp 'input [0-9]+ ms late: schedule moved'
	wait_bg recv 5
	assert_success
	run tone-check --segments 50 "$D/recv.out"
	echo "$output"
	assert_equal "$(grep -c '^segment' <<<"$output")" 2
	# Each half-second arrives whole, and the silence between them is
	# there too (about half a second: the first half was sent meanwhile).
	assert_line --index 1 --regexp '^segment start=[0-9]+ length=(39[0-9][0-9]|40[0-9][0-9]) '
	assert_line --index 2 --regexp '^segment start=[0-9]+ length=(39[0-9][0-9]|40[0-9][0-9]) '
	local s1 s2
	s1=$(sed -n '2s/^segment start=\([0-9]*\).*/\1/p' <<<"$output")
	s2=$(sed -n '3s/^segment start=\([0-9]*\).*/\1/p' <<<"$output")
	[ $((s2 - s1 - 4000)) -ge 2000 ]
}

@test "media: hand-off: the RTP_* variables set codec, ptime and telephone-event" {
	local port
	port=$(free_rtp_port)
	start_bg recv rtp-recv -c pcma -l "127.0.0.1:$port"
	wait_for 5 port_listening udp "$port"
	run handoff-run -c pcma -p 30 -d 101 -r "127.0.0.1:$port" rtp-send -v --dtmf 7 <"$T/1k1s.raw"
	assert_success
	assert_output --partial 'inherited socket PCMA, ptime 30 ms, telephone-event 101, RTCP on'
	wait_bg recv 5
	assert_success
	assert_line 'rtp-recv: DTMF 7'
}

@test "media: hand-off: rtp-send never reads the RTP and RTCP sockets it shares" {
	local peer
	peer=$(free_rtp_port)
	run handoff-run -i 5 -d 101 -r "127.0.0.1:$peer" rtp-send --dtmf 1 <"$T/1k1s.raw"
	assert_success
	assert_output 'handoff-run: queued rtp=5 rtcp=5'
}

@test "media: hand-off: no telephone-event payload type, no DTMF" {
	local peer
	peer=$(free_rtp_port)
	run handoff-run -r "127.0.0.1:$peer" rtp-send --dtmf 1 </dev/null
	assert_failure 100
	assert_output --partial 'the peer takes no telephone-event'
}

@test "media: hand-off: recvonly makes rtp-send silent" {
	local port
	port=$(free_rtp_port)
	start_recv "$port" --timeout 0.6
	head -c 4000 "$T/1k1s.raw" >"$D/quarter.raw"
	run handoff-run -r "127.0.0.1:$port" env RTP_DIRECTION=recvonly rtp-send <"$D/quarter.raw"
	assert_success
	wait_bg recv 5
	assert_failure 8
}

@test "media: interop: rtp-send and rtp-recv share one socket through SIPp's RTP echo" {
	local sip mport
	sip=$(free_port)
	mport=$(free_sipp_media_port)
	cat >"$D/idle.xml" <<-'EOF'
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<scenario name="no call: SIPp only echoes RTP meanwhile">
		  <recv request="INVITE" timeout="15000" ontimeout="end"/>
		  <label id="end"/>
		</scenario>
	EOF
	start_bg sipp sipp -sf "$D/idle.xml" -nostdin -i 127.0.0.1 -p "$sip" \
		-mp "$mport" -rtp_echo -m 1 -timeout 20s
	wait_for 5 port_listening udp "$mport"
	run handoff-run -r "127.0.0.1:$mport" sh -c "
		rtp-recv >'$D/echo.raw' 2>'$D/echo.err' & r=\$!
		rtp-send <'$T/1k1s.raw' || exit 1
		sleep 0.3
		kill \$r
		wait \$r"
	cat "$D/echo.err"
	assert_success
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/echo.raw"
	assert_equal "$(recv_stat packets "$D/echo.err")" 50
}

@test "media: interop: SIPp's rtp_stream into rtp-recv" {
	local port uas uac
	port=$(free_rtp_port)
	uas=$(free_port)
	uac=$(free_port)
	sox -t raw -r 8000 -e signed -b 16 -c 1 "$T/1k1s.raw" -t raw -e u-law "$D/tone.ul"
	# A SIPp that answers with an SDP pointing at rtp-recv, and a SIPp
	# that calls it and streams the file to the address it was given.
	cat >"$D/uas.xml" <<-EOF
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<scenario name="answer, media to rtp-recv">
		  <recv request="INVITE"/>
		  <send><![CDATA[
		SIP/2.0 200 OK
		[last_Via:]
		[last_From:]
		[last_To:];tag=[pid]SIPpTag01[call_number]
		[last_Call-ID:]
		[last_CSeq:]
		Contact: <sip:[local_ip]:[local_port]>
		Content-Type: application/sdp
		Content-Length: [len]

		v=0
		o=- 1 1 IN IP4 127.0.0.1
		s=-
		c=IN IP4 127.0.0.1
		t=0 0
		m=audio $port RTP/AVP 0
		a=rtpmap:0 PCMU/8000
		  ]]></send>
		  <recv request="ACK"/>
		  <recv request="BYE"/>
		  <send><![CDATA[
		SIP/2.0 200 OK
		[last_Via:]
		[last_From:]
		[last_To:]
		[last_Call-ID:]
		[last_CSeq:]
		Content-Length: 0

		  ]]></send>
		</scenario>
	EOF
	cat >"$D/uac.xml" <<-EOF
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<scenario name="call, rtp_stream a file, hang up">
		  <send><![CDATA[
		INVITE sip:s@127.0.0.1:$uas SIP/2.0
		Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
		From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
		To: <sip:s@127.0.0.1:$uas>
		Call-ID: [call_id]
		CSeq: 1 INVITE
		Contact: <sip:sipp@[local_ip]:[local_port]>
		Max-Forwards: 70
		Content-Type: application/sdp
		Content-Length: [len]

		v=0
		o=- 1 1 IN IP4 127.0.0.1
		s=-
		c=IN IP4 127.0.0.1
		t=0 0
		m=audio [media_port] RTP/AVP 0
		a=rtpmap:0 PCMU/8000
		  ]]></send>
		  <recv response="200" rtd="true"/>
		  <send><![CDATA[
		ACK sip:s@127.0.0.1:$uas SIP/2.0
		Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
		From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
		To: <sip:s@127.0.0.1:$uas>[peer_tag_param]
		Call-ID: [call_id]
		CSeq: 1 ACK
		Max-Forwards: 70
		Content-Length: 0

		  ]]></send>
		  <nop><action><exec rtp_stream="$D/tone.ul,1,0"/></action></nop>
		  <pause milliseconds="1400"/>
		  <send retrans="500"><![CDATA[
		BYE sip:s@127.0.0.1:$uas SIP/2.0
		Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
		From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
		To: <sip:s@127.0.0.1:$uas>[peer_tag_param]
		Call-ID: [call_id]
		CSeq: 2 BYE
		Max-Forwards: 70
		Content-Length: 0

		  ]]></send>
		  <recv response="200"/>
		</scenario>
	EOF
	start_recv "$port"
	start_bg uas sipp_run uas "$D/uas.xml" -p "$uas"
	wait_for 5 port_listening udp "$uas"
	run sipp_run uac "$D/uac.xml" -p "$uac" "127.0.0.1:$uas"
	assert_success
	wait_bg uas 5
	assert_success
	# SIPp sends no RTCP: stop the receiver as a call's end would.
	signal_bg recv TERM
	wait_bg recv 5
	assert_success
	assert_equal "$(recv_stat lost "$D/recv.err")" 0
	check_tone -f 1000 -s 30 -n 8000 -N 160 "$D/recv.out"
}
