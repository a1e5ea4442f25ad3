#!/usr/bin/env bats
# Early media: what the network plays before an answer (a 183 with SDP:
# ringback, "the number you have dialled...") reaches sip-call's stdout,
# and the call's outcome is still the final response's.

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# A SIPp that takes the INVITE, answers 183 with SDP, streams a tone to the
# caller's RTP address for a while, then refuses with 486.
write_uas() {
	cat >"$D/uas.xml" <<-'EOF'
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<scenario name="early media, then busy">
		  <recv request="INVITE" crlf="true"/>
		  <send><![CDATA[
		SIP/2.0 183 Session Progress
		[last_Via:]
		[last_From:]
		[last_To:];tag=[pid]SIPpTag01[call_number]
		[last_Call-ID:]
		[last_CSeq:]
		Contact: <sip:[local_ip]:[local_port]>
		Content-Type: application/sdp
		Content-Length: [len]

		v=0
		o=sipp 1 1 IN IP4 [local_ip]
		s=-
		c=IN IP4 [media_ip]
		t=0 0
		m=audio [media_port] RTP/AVP 0
		a=rtpmap:0 PCMU/8000
		  ]]></send>
		  <nop><action><exec rtp_stream="TONE,1,0"/></action></nop>
		  <pause milliseconds="2500"/>
		  <send><![CDATA[
		SIP/2.0 486 Busy Here
		[last_Via:]
		[last_From:]
		[last_To:];tag=[pid]SIPpTag01[call_number]
		[last_Call-ID:]
		[last_CSeq:]
		Content-Length: 0
		  ]]></send>
		  <recv request="ACK"/>
		</scenario>
	EOF
	sed -i "s|TONE|$D/tone.ul|" "$D/uas.xml"
}

@test "early media: a 183 with SDP plays on stdout, the 486 after it is the outcome" {
	local port
	port=$(free_port)
	sox -n -r 8000 -c 1 -t raw -e u-law "$D/tone.ul" synth 2 sine 1000 vol 0.5
	write_uas
	start_bg uas sipp -sf "$D/uas.xml" -i 127.0.0.1 -p "$port" -mp "$(free_sipp_media_port)" \
		-m 1 -timeout 15 -timeout_error -nostdin
	wait_for 5 port_listening udp "$port"
	run sh -c 'exec timeout 15 sip-call -d sipline.test "$1" </dev/null >"$2" 2>"$3"' \
		_ "sip:bob@127.0.0.1:$port" "$D/early.raw" "$D/call.err"
	cat "$D/call.err"
	assert_equal "$status" 2
	run cat "$D/call.err"
	assert_line --partial 'progress status="183 Session Progress"'
	assert_line --partial 'early-media codec=PCMU'
	assert_line --partial 'rejected status="486 Busy Here"'
	# What played before the refusal is on stdout: the tone.
	run tone-check -f 1000 -s 20 "$D/early.raw"
	assert_success
}

@test "early media, then the answer: the media that played the 183 sends from the 200 on, one process throughout" {
	local port mport cport n pid
	port=$(free_port)
	mport=$(free_sipp_media_port)
	sox -n -r 8000 -c 1 -t raw -e u-law "$D/tone.ul" synth 1 sine 1000 vol 0.5
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/500.raw" synth 6 sine 500 vol 0.5
	# 183 with SDP and a second of tone; the 200 1.5 s later.
	cat >"$D/uas.xml" <<-'EOF2'
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<scenario name="early media, then answered">
		  <recv request="INVITE" crlf="true"/>
		  <send><![CDATA[
		SIP/2.0 183 Session Progress
		[last_Via:]
		[last_From:]
		[last_To:];tag=[pid]SIPpTag01[call_number]
		[last_Call-ID:]
		[last_CSeq:]
		Contact: <sip:[local_ip]:[local_port]>
		Content-Type: application/sdp
		Content-Length: [len]

		v=0
		o=sipp 1 1 IN IP4 [local_ip]
		s=-
		c=IN IP4 [media_ip]
		t=0 0
		m=audio [media_port] RTP/AVP 0
		a=rtpmap:0 PCMU/8000
		  ]]></send>
		  <nop><action><exec rtp_stream="TONE,1,0"/></action></nop>
		  <pause milliseconds="1500"/>
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
		o=sipp 1 1 IN IP4 [local_ip]
		s=-
		c=IN IP4 [media_ip]
		t=0 0
		m=audio [media_port] RTP/AVP 0
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
	EOF2
	sed -i "s|TONE|$D/tone.ul|" "$D/uas.xml"
	capture_start wire "udp and dst port $mport"
	start_bg uas sipp_run uas "$D/uas.xml" -p "$port" -mp "$mport" -timeout 15s
	wait_for 5 port_listening udp "$port"
	start_bg alice sh -c 'exec timeout 20 sip-call -d sipline.test -D 2 "sip:bob@127.0.0.1:$1" <"$2" >"$3"' \
		_ "$port" "$D/500.raw" "$D/early.raw"
	wait_for 5 grep -q 'early-media codec=PCMU' "$D/alice.err"
	pid=$(media_child alice)
	[ -n "$pid" ]
	wait_for 5 grep -q '^sip-call: answered ' "$D/alice.err"
	# The same process, now sending too.
	assert_equal "$(media_child alice)" "$pid"
	wait_bg alice 10
	assert_success
	wait_bg uas 10
	assert_success
	# What the caller sent went out in the 2 s of the answered call, not
	# in the 1.5 s of early media before it (RFC 3960's gateway model).
	run capture_ports wire
	cport=$(awk '{ print $1; exit }' <<<"$output")
	n=$(grep -c "^$cport $mport\$" <<<"$output")
	echo "the caller sent $n packets"
	assert [ "$n" -ge 90 ]
	assert [ "$n" -le 110 ]
	# What played before the answer is on stdout: the tone.
	run tone-check -f 1000 -s 20 -n 8000 -N 1600 "$D/early.raw"
	echo "$output"
	assert_success
}
