#!/usr/bin/env bats
# rtp-send's packets on the wire, read by tests/tools/rtp-dump (one line per
# RTP or RTCP datagram, header fields as key=value) and checked against RFC
# 3550, RFC 4733 and rtp-send(1): SSRC, sequence numbers, timestamps and
# marker bits, the payloads (the input, encoded, the last packet padded with
# silence), RTCP sender reports and the BYE, DTMF events, and the
# timestamp jump after a live source stalls.

setup_file() {
	local f=$BATS_FILE_TMPDIR n
	# Raw s16le 8000 Hz mono input of exact lengths in samples: a sweep,
	# so that no two packets carry the same payload.
	for n in 8000 4040 4000 800; do
		sox -D -r 8000 -n -r 8000 -e signed -b 16 -c 1 -t raw "$f/$n.raw" \
			synth "${n}s" sine 300-3000 vol 0.5
	done
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
	DUMP=$D/dump.out
}

teardown() {
	stop_all_bg
}

# start_dump PORT [RTP-DUMP-ARGS...]: rtp-dump on PORT (RTCP on PORT+1),
# ending 0.2 s after the sender's BYE (20 s at most); the payloads of the
# audio packets go to $D/payload.
start_dump() {
	local port=$1
	shift
	start_bg dump rtp-dump -p "$port" -b -t 20 -w "$D/payload" "$@"
	wait_for 5 port_listening udp "$port"
}

# end_dump: waits for rtp-dump to end and shows what it saw.
end_dump() {
	wait_bg dump 25
	cat "$DUMP"
}

# send FILE ARGS...: rtp-send ARGS... <FILE to a fresh rtp-dump, under
# `run`; the packets are in $DUMP.  EVENT_PT is the telephone-event payload
# type for rtp-dump (default 101).
send() {
	local in=$1 port
	shift
	port=$(free_rtp_port)
	start_dump "$port" -e "${EVENT_PT:-101}"
	run rtp-send -r "127.0.0.1:$port" "$@" <"$in"
	end_dump
}

# rtp [PT]: the RTP lines of the dump (of payload type PT only).
rtp() {
	if [ -n "${1:-}" ]; then
		grep " RTP .* pt=$1 " "$DUMP"
	else
		grep ' RTP ' "$DUMP"
	fi
}

# values NAME: the value of NAME= in each line on stdin.
values() {
	sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"
}

# steps NAME MODULUS: the differences between consecutive values of NAME
# (modulo MODULUS) in the lines on stdin, one per line.
steps() {
	values "$1" | awk -v mod="$2" 'NR > 1 { print ($1 - prev + mod) % mod } { prev = $1 }'
}

# markers: the marker bits of the lines on stdin, as one string ("1000").
markers() {
	values m | tr -d '\n'
}

# first_marked N: "1" then N-1 "0"s, what markers prints for N packets
# marked on the first one only.
first_marked() {
	printf '1'
	printf '0%.0s' $(seq 2 "$1")
}

# encoded LAW SAMPLES FILE: FILE encoded as LAW (ulaw, alaw), then silence
# up to SAMPLES samples in all: what a stream of FILE carries.
encoded() {
	local size
	size=$(stat -c %s "$3")
	{
		cat "$3"
		head -c "$(($2 * 2 - size))" /dev/zero
	} | g711-check encode "$1"
}

# check_stream PT FRAME: the RTP packets of payload type PT are one
# stream: RTP version 2 without padding, extension or CSRC, one SSRC,
# sequence numbers +1 and timestamps +FRAME from packet to packet,
# payloads of FRAME bytes.
check_stream() {
	local pt=$1 frame=$2
	run rtp "$pt"
	[ "${#lines[@]}" -gt 0 ]
	refute_line --regexp ' RTP short| v=[^2]| p=[^0]| x=[^0]| cc=[^0]'
	assert_equal "$(rtp "$pt" | values ssrc | sort -u | wc -l)" 1
	assert_equal "$(rtp "$pt" | values len | sort -u)" "$frame"
	assert_equal "$(rtp "$pt" | steps seq 65536 | sort -u)" 1
	assert_equal "$(rtp "$pt" | steps ts 4294967296 | sort -u)" "$frame"
}

# rtcp_after_rtp: the RTCP lines of the dump, each with the number of RTP
# packets and payload octets that arrived before it:
# "N OCTETS TIME RTCP types=...".
rtcp_after_rtp() {
	awk '$2 == "RTP" { n++; for (i = 3; i <= NF; i++) if ($i ~ /^len=/) o += substr($i, 5) }
		$2 == "RTCP" { print n + 0, o + 0, $0 }' "$DUMP"
}

@test "rtp-wire: PCMU from a file: one SSRC, sequence +1, timestamp +160, marker on the first packet only" {
	send "$T/8000.raw"
	assert_success
	assert_equal "$(rtp | wc -l)" 50
	assert_equal "$(rtp 0 | wc -l)" 50
	check_stream 0 160
	assert_equal "$(rtp | markers)" "$(first_marked 50)"
	# The payloads are the input, encoded, in order.
	encoded ulaw 8000 "$T/8000.raw" >"$D/want"
	cmp "$D/payload" "$D/want"
}

@test "rtp-wire: PCMA: payload type 8; the last partial packet is padded with silence, then rtp-send exits 0" {
	# 4040 samples: 25 packets of 160 and one of 40 samples and 120 of
	# silence.
	send "$T/4040.raw" -c pcma
	assert_success
	assert_equal "$(rtp | wc -l)" 26
	assert_equal "$(rtp 8 | wc -l)" 26
	check_stream 8 160
	assert_equal "$(rtp | markers)" "$(first_marked 26)"
	encoded alaw 4160 "$T/4040.raw" >"$D/want"
	cmp "$D/payload" "$D/want"
	# The tail of the last packet decodes to silence (A-law has no
	# exact 0: its silence code decodes to 8).
	tail -c 120 "$D/payload" | g711-check decode alaw >"$D/tail.raw"
	assert_equal "$(od -An -v -td2 "$D/tail.raw" | tr -s ' ' '\n' | sed '/^$/d' |
		awk '$1 > 8 || $1 < -8' | wc -l)" 0
}

@test "rtp-wire: --ptime 30: timestamp +240, 240-byte payloads, ceil(samples / 240) packets" {
	# 4000 samples: 16 packets of 240, one of 160 and 80 of silence.
	send "$T/4000.raw" --ptime 30
	assert_success
	assert_equal "$(rtp 0 | wc -l)" 17
	check_stream 0 240
	assert_equal "$(rtp | markers)" "$(first_marked 17)"
	encoded ulaw 4080 "$T/4000.raw" >"$D/want"
	cmp "$D/payload" "$D/want"
}

@test "rtp-wire: a stray half sample at the end of the input adds no packet" {
	# 800 samples and one byte: 5 packets, as for 800 samples.
	{ cat "$T/800.raw"; printf '\1'; } >"$D/odd.raw"
	send "$D/odd.raw"
	assert_success
	assert_equal "$(rtp 0 | wc -l)" 5
	encoded ulaw 800 "$T/800.raw" >"$D/want"
	cmp "$D/payload" "$D/want"
}

@test "rtp-wire: SSRC, first sequence number and first timestamp are random: two runs differ" {
	local i
	for i in 1 2; do
		send "$T/800.raw"
		assert_success
		rtp | head -n 1 >"$D/first.$i"
		cat "$D/first.$i"
		[ -s "$D/first.$i" ]
	done
	local name
	for name in ssrc seq ts; do
		[ "$(values $name <"$D/first.1")" != "$(values $name <"$D/first.2")" ]
	done
}

@test "rtp-wire: RTCP: the stream ends with SR, SDES (CNAME) and BYE of its SSRC, counting every packet" {
	local ssrc
	send "$T/4000.raw"
	assert_success
	ssrc=$(rtp | values ssrc | sort -u)
	run rtcp_after_rtp
	# The last datagram is the RTCP compound with the BYE; nothing
	# follows it.
	assert_equal "$(tail -n 1 "$DUMP" | awk '{ print $2 }')" RTCP
	run tail -n 1 <<<"$output"
	assert_output --regexp "^25 4000 [0-9.]+ RTCP types=SR,SDES,BYE ssrc=$ssrc sr_ts=[0-9]+ sr_packets=25 sr_octets=4000 cname=[^ ]+ bye=$ssrc from=127\.0\.0\.1:[0-9]+\$"
}

@test "rtp-wire: RTCP: sender reports while the stream runs; SIGTERM ends it with a BYE and exit 0" {
	local port ssrc first last line n o sr_ts
	port=$(free_rtp_port)
	start_dump "$port"
	start_bg send sh -c 'exec rtp-send -r "127.0.0.1:$1" </dev/zero' _ "$port"
	# oRTP's report interval is RFC 3550's 5 s, randomised (0.5 to 1.5
	# times, about 1.2 times for the first): the first SR comes 2.5 to
	# 8 s into the stream.
	wait_for 12 grep -q 'RTCP types=SR' "$DUMP"
	signal_bg send TERM
	wait_bg send 5
	assert_success
	end_dump
	ssrc=$(rtp | values ssrc | sort -u)
	[ "$(wc -w <<<"$ssrc")" = 1 ]
	check_stream 0 160
	run rtcp_after_rtp
	[ "${#lines[@]}" -ge 2 ]
	# Every compound starts with the SR of our SSRC, carries its CNAME,
	# and counts the packets and octets sent before it.
	for line in "${lines[@]}"; do
		read -r n o _ <<<"$line"
		assert_regex "$line" " RTCP types=SR,SDES(,BYE)? ssrc=$ssrc .* sr_packets=$n sr_octets=$o cname=[^ ]+"
	done
	# Only the last has the BYE, and nothing comes after it.
	assert_regex "${lines[-1]}" "types=SR,SDES,BYE .* bye=$ssrc from=[^ ]+\$"
	assert_equal "$(grep -c BYE "$DUMP")" 1
	assert_equal "$(tail -n 1 "$DUMP" | awk '{ print $2 }')" RTCP
	# The SR's RTP timestamp is on the stream's timeline: within the
	# timestamps of the packets sent before it.
	first=$(rtp | head -n 1 | values ts)
	n=$(awk '{ print $1; exit }' <<<"${lines[0]}")
	last=$(rtp | sed -n "${n}p" | values ts)
	sr_ts=$(values sr_ts <<<"${lines[0]}")
	echo "first ts $first, SR after packet $n (ts $last): sr_ts $sr_ts"
	(((sr_ts - first + 4294967296) % 4294967296 <= (last - first + 4294967296) % 4294967296 + 160))
}

@test "rtp-wire: DTMF: one event per digit with one timestamp, growing durations, the end three times, pauses as documented" {
	# No audio: only the events, telephone-event payload type 101.
	send /dev/null --dtmf '1 2,#'
	assert_success
	assert_equal "$(rtp | wc -l)" 21
	assert_equal "$(rtp 101 | wc -l)" 21
	run rtp
	refute_line --regexp ' RTP short| v=[^2]| p=[^0]| x=[^0]| cc=[^0]'
	assert_equal "$(rtp | values ssrc | sort -u | wc -l)" 1
	assert_equal "$(rtp | values len | sort -u)" 4
	assert_equal "$(rtp | steps seq 65536 | sort -u)" 1
	# Per event (by timestamp, in order): digit, marker bits, end bits,
	# durations, volumes.
	rtp | awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (NR == 1 || f["ts"] != ts) { if (NR > 1) print out; ts = f["ts"]; out = f["event"] " " }
		out = out " m" f["m"] " e" f["end"] " d" f["dur"] " v" f["vol"] }
		END { print out }' >"$D/events"
	cat "$D/events"
	local want=" m1 e0 d160 v10 m0 e0 d320 v10 m0 e0 d480 v10 m0 e0 d640 v10 m0 e1 d800 v10 m0 e1 d800 v10 m0 e1 d800 v10"
	run cat "$D/events"
	assert_equal "${#lines[@]}" 3
	# 1, 2, # (event 11): each 100 ms (800), its end sent three times.
	assert_line --index 0 "1 $want"
	assert_line --index 1 "2 $want"
	assert_line --index 2 "11 $want"
	# Event starts: 2 follows 1 after the event and 100 ms of audio
	# (1600 = 200 ms); # follows 2 after 500 ms more for the ','.
	assert_equal "$(rtp | grep ' m=1 ' | steps ts 4294967296 | tr '\n' ' ')" '1600 5600 '
	# And the pause is real time too: # leaves at least 600 ms after 2.
	rtp | grep ' m=1 ' | awk 'NR == 2 { t = $1 } NR == 3 { print $1 - t; exit !($1 - t >= 0.6) }'
}

@test "rtp-wire: DTMF with audio: --dtmf-pt, one sequence, the event takes the place of the audio, which stays on the clock" {
	local ts0 ev
	# 4000 samples (25 packets) with a digit at the start.
	EVENT_PT=96 send "$T/4000.raw" --dtmf 4 --dtmf-pt 96
	assert_success
	rtp 96 >"$D/events"
	rtp 0 >"$D/audio"
	assert_equal "$(wc -l <"$D/events")" 7
	assert_equal "$(values event <"$D/events" | sort -u)" 4
	# One SSRC and one sequence for both payload types.
	assert_equal "$(rtp | values ssrc | sort -u | wc -l)" 1
	assert_equal "$(rtp | steps seq 65536 | sort -u)" 1
	# The event starts the stream, at its first timestamp; its five
	# packets (100 ms) replace the audio; the audio goes on at the sixth
	# packet time with the input of that time, and ends with the input.
	ts0=$(rtp | head -n 1 | values ts)
	ev=$(values ts <"$D/events" | sort -u)
	assert_equal "$ev" "$ts0"
	assert_equal "$(rtp | head -n 1 | values m)" 1
	assert_equal "$(wc -l <"$D/audio")" 20
	assert_equal "$(values len <"$D/audio" | sort -u)" 160
	assert_equal "$(steps ts 4294967296 <"$D/audio" | sort -u)" 160
	assert_equal "$(head -n 1 "$D/audio" | values ts)" "$(((ts0 + 5 * 160) % 4294967296))"
	assert_equal "$(tail -n 1 "$D/audio" | values ts)" "$(((ts0 + 24 * 160) % 4294967296))"
	# The audio of the first 100 ms is dropped, the rest sent.
	encoded ulaw 4000 "$T/4000.raw" | tail -c +801 >"$D/want"
	cmp "$D/payload" "$D/want"
}

@test "rtp-wire: a live source that stalls: marker again, the timestamp jumps by the real gap" {
	local port
	port=$(free_rtp_port)
	start_dump "$port"
	# 200 ms of audio, 700 ms of nothing, 200 ms more: rtp-send runs
	# out of audio for about 500 ms.
	head -c 3200 "$T/4000.raw" >"$D/a.raw"
	run sh -c "{ cat '$D/a.raw'; sleep 0.7; cat '$D/a.raw'; } |
		rtp-send -r 127.0.0.1:$port"
	assert_success
	end_dump
	assert_equal "$(rtp 0 | wc -l)" 20
	# No audio lost or repeated: the payloads are both halves.
	cat "$D/a.raw" "$D/a.raw" | g711-check encode ulaw >"$D/want"
	cmp "$D/payload" "$D/want"
	# Markers on the first packet and the first after the stall only.
	assert_equal "$(rtp | markers)" "$(first_marked 10)$(first_marked 10)"
	# Sequence numbers do not jump (nothing was lost)...
	assert_equal "$(rtp | steps seq 65536 | sort -u)" 1
	# ...the timestamps do, once, by the time that passed (within 100 ms:
	# the packet before the gap may have left late on a busy machine).
	run rtp
	local t1 t2 ts1 ts2 jump real
	read -r t1 _ <<<"${lines[9]}"
	read -r t2 _ <<<"${lines[10]}"
	ts1=$(values ts <<<"${lines[9]}")
	ts2=$(values ts <<<"${lines[10]}")
	jump=$(((ts2 - ts1 + 4294967296) % 4294967296))
	real=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%d", (b - a) * 8000 }')
	echo "timestamp jump $jump, real gap $real samples"
	[ "$jump" -gt 320 ]
	[ $((jump - real)) -le 800 ]
	[ $((real - jump)) -le 800 ]
	assert_equal "$(rtp | head -n 10 | steps ts 4294967296 | sort -u)" 160
	assert_equal "$(rtp | tail -n 10 | steps ts 4294967296 | sort -u)" 160
}

@test "rtp-wire: a closed port refuses every datagram (ICMP port unreachable): each is sent again once, none is lost, the refusals are counted" {
	local port n
	port=$(free_rtp_port)
	# Nothing listens on port: each datagram comes back refused, and
	# the send after it fails with ECONNREFUSED.
	capture_start wire "udp and dst port $port"
	run rtp-send -r "127.0.0.1:$port" <"$T/8000.raw"
	assert_success
	echo "$output"
	n=$(capture_ports wire | grep -c " $port\$")
	echo "on the wire: $n datagrams to port $port"
	assert_line --regexp '^rtp-send: stats packets=50 refused=(4[0-9]|50)$'
	# Every one of them: sequence numbers without a gap (before, every
	# other one was lost).  A loaded machine may start or stop the capture
	# a packet or two late: those are at the ends, not in between.
	tshark -r "$D/wire.pcap" -d "udp.port==$port,rtp" -T fields -e rtp.seq 2>/dev/null >"$D/seq"
	assert_equal "$(steps seq 65536 < <(sed 's/^/x seq=/' "$D/seq") | sort -u)" 1
	assert [ "$n" -ge 46 ]
}
