#!/usr/bin/env bats
# The NAT testbed of tests/nat.bats (tests/netns.bash) with the provider's
# Kamailio relaying the media of every call through rtpengine (Debian's
# rtpengine-daemon, userspace forwarding; tests/kamailio.cfg RTPENGINE), as
# providers do for phones that cannot be reached directly: the phone at
# home answers a call from the provider's side, both ends see only
# rtpengine's address, and a tone arrives both ways through it; so with
# baresip as the caller.  (Without the relay, baresip, which does not
# latch, gets nothing through: its first RTP reaches the router before
# ours and leaves a conntrack entry there, so the masquerade gives our RTP
# another source port than the one our SDP names.)

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	load netns
	nat_create
	rtpengine_start
	nat_setup_file RTPENGINE
}

teardown_file() {
	kamailio_stop
	rtpengine_stop
	nat_delete
}

setup() {
	load helper
	load netns
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
}

teardown() {
	stop_all_bg
	[ -n "${BATS_TEST_COMPLETED:-}" ] || tail -n 50 "$RTPE_LOG"
}

# rtp_packets_from ADDRESS: the RTP packets rtpengine's final stats count
# from ADDRESS ("Port 198.51.100.2:40000 <> ADDRESS:PORT, SSRC ..., N p").
rtp_packets_from() {
	grep -F "<> " "$RTPE_LOG" | grep -v RTCP |
		sed -n "s/.*<> *${1//./\\.}:[0-9]*, SSRC [0-9a-f]*, \([0-9]*\) p,.*/\1/p" | tail -n 1
}

@test "nat with rtpengine: a call from the provider reaches sip-register -- sip-answer behind the NAT, the media relayed by rtpengine both ways, a tone each way (SNR >= 30 dB)" {
	home_answer bob udp -e 60
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:"
	call_user bob udp
	assert_success
	# Each side was given rtpengine's address and one of its ports
	# (40000-40199), not the other side's.
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$PROVIDER_ADDR:40[01][0-9][0-9] "
	wait_bg bob 10
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$PROVIDER_ADDR:40[01][0-9][0-9] "
	check_tone -f 1000 -s 30 "$D/bob.raw"
	check_tone -f 500 -s 30 "$D/alice.raw"
	# rtpengine closed the session at the BYE; its RTP from each side
	# (the home side as the router's address): 3 s, some 150 packets.
	# (Its reply to the delete comes after the stats' last line.)
	wait_for 5 grep -q "Replying to 'delete'" "$RTPE_LOG"
	run rtp_packets_from "$PUBLIC_ADDR"
	figure "rtpengine: RTP packets from home: $output"
	assert [ "${output:-0}" -ge 120 ]
	run rtp_packets_from "$PROVIDER_ADDR"
	figure "rtpengine: RTP packets from the caller: $output"
	assert [ "${output:-0}" -ge 120 ]
}

@test "nat with rtpengine: baresip at the provider calls the phone behind the NAT: it answers, the media relayed, a tone each way (SNR >= 30 dB)" {
	local port
	home_answer bob udp -e 60
	wait_for 10 kamailio_has_binding bob "@$PUBLIC_ADDR:"
	port=$(free_port)
	# What it hears: sndfile's dump-*-dec.wav in $D/bs/snd.
	mkdir -p "$D/bs/snd"
	baresip_config "$D/bs" "sip_listen $PROVIDER_ADDR:$port" "snd_path $D/bs/snd"
	echo "module sndfile.so" >>"$D/bs/config"
	echo "<sip:alice@sipline.test>;auth_pass=alicepw;outbound=\"sip:$SIP_SERVER\";regint=0" \
		>"$D/bs/accounts"
	SL_NETNS=$NAT_PROVIDER start_bg bs baresip -f "$D/bs" -n "$PROVIDER_ADDR" -t 15 \
		-e "/dial sip:bob@sipline.test"
	# baresip hangs up when its 4 s tone ends.
	wait_bg bob 20
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$PROVIDER_ADDR:40[01][0-9][0-9] "
	check_tone -f 1000 -s 30 "$D/bob.raw"
	stop_bg bs
	ls "$D/bs/snd"
	sox -D --ignore-length "$D"/bs/snd/*-dec.wav -t raw -r 8000 -e signed -b 16 -c 1 \
		"$D/from-bob.raw"
	check_tone -f 500 -s 30 "$D/from-bob.raw"
}
