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
	start_bg uas sipp -sf "$D/uas.xml" -i 127.0.0.1 -p "$port" -mp "$(free_rtp_port)" \
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
