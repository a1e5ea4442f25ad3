#!/usr/bin/env bats
# UPDATE in the early dialog (RFC 3311 5.1) once a reliable 183 gave the
# answer (RFC 3262), and a 422 to our session refresh (RFC 4028 7.3):
# a SIPp callee moves sip-call's early media by UPDATE
# (tests/sipp/call-uas-100rel-update.xml), and gets 491 when its 183 was
# unreliable (tests/sipp/call-uas-183-update.xml); a SIPp caller moves
# sip-answer --early-media's (tests/sipp/call-uac-100rel-update.xml); a
# SIPp phone answers sip-call's refresh 422
# (tests/sipp/call-uas-timer-422.xml), a SIPp caller sip-answer's
# (tests/sipp/call-uac-timer-422.xml).
# Direct calls on loopback, no proxy.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# update_gaps NAME: from the trace of SIPp run NAME, the seconds between
# the first and second UPDATE it received, and between the second and
# third ("0.00 2.00").
update_gaps() {
	sipp_trace "$1" | awk '
		/^-+ [0-9-]+ [0-9:.]+$/ { split($3, t, ":"); now = t[1] * 3600 + t[2] * 60 + t[3] }
		/^UPDATE / { at[++n] = now }
		END { printf "%.2f %.2f\n", at[2] - at[1], at[3] - at[2] }'
}

@test "session-early: sip-call, a reliable 183 PRACKed, then an UPDATE that moves the early media: 200 with our answer, the tone from the new port heard, the answered RTP goes there" {
	local first cport
	first=$(free_rtp_port)
	sox -n -r 8000 -c 1 -t raw -e u-law "$D/tone.ul" synth 1 sine 1000 vol 0.5
	sed "s|\[tone\]|$D/tone.ul|" "$SIPLINE_TESTS/sipp/call-uas-100rel-update.xml" \
		>"$D/uas.xml"
	SIPP_PORT=$(free_port) SIPP_MEDIA=$(free_sipp_media_port)
	start_bg uas sipp_run uas "$D/uas.xml" -p "$SIPP_PORT" -mp "$SIPP_MEDIA" \
		-key first "$first" -timeout 15s
	wait_for 5 port_listening udp "$SIPP_PORT"
	capture_start wire "udp and (dst port $first or dst port $SIPP_MEDIA)"
	run -0 sh -c 'exec timeout 20 env -u SIP_SERVER SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -D 2 "sip:bob@127.0.0.1:$1" </dev/zero >"$2"' \
		_ "$SIPP_PORT" "$D/heard.raw"
	assert_line --regexp "^sip-call: prack rseq=1 call-id=$CID$"
	assert_line --regexp "^sip-call: early-media codec=PCMU rtp=127\\.0\\.0\\.1:$first call-id=$CID$"
	assert_line --regexp "^sip-call: media-moved rtp=127\\.0\\.0\\.1:$SIPP_MEDIA call-id=$CID$"
	# The 200 had no SDP: the answer is the UPDATE's.
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\\.0\\.0\\.1:$SIPP_MEDIA call-id=$CID$"
	# Not as a substring: a port (127.0.0.1:24912) or a Call-ID may hold one.
	refute_line --regexp '(^|[^0-9a-f:])491([^0-9a-f]|$)'
	wait_bg uas 10
	assert_success
	# The tone came from the new port only: heard, so the early media
	# took it there.
	check_tone -f 1000 -s 20 "$D/heard.raw"
	run capture_ports wire
	cport=$(awk -v m="$SIPP_MEDIA" '$2 == m && $1 != m { print $1; exit }' <<<"$output")
	echo "to the 183's port: $(grep -c " $first\$" <<<"$output"), to the UPDATE's: $(grep -c "^$cport $SIPP_MEDIA\$" <<<"$output")"
	assert_equal "$(grep -c " $first\$" <<<"$output")" 0
	assert [ "$(grep -c "^$cport $SIPP_MEDIA\$" <<<"$output")" -ge 60 ]
}

@test "session-early: sip-call, an UPDATE's offer after an unreliable 183 with SDP (its answer not final): 491, the early media stays, the 200's answer taken" {
	local moved
	moved=$(free_rtp_port)
	sipp_uas uas call-uas-183-update -s bob -key moved "$moved"
	run -0 sh -c 'exec timeout 20 env -u SIP_SERVER SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call -D 1 "sip:bob@127.0.0.1:$1" </dev/zero >/dev/null' _ "$SIPP_PORT"
	assert_line --regexp "^sip-call: early-media codec=PCMU rtp=127\\.0\\.0\\.1:$SIPP_MEDIA call-id=$CID$"
	refute_line --partial media-moved
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=127\\.0\\.0\\.1:$SIPP_MEDIA call-id=$CID$"
	wait_bg uas 10
	assert_success
	sipp_trace uas | grep -q '^SIP/2.0 491 '
}

@test "session-early: sip-answer --early-media, alone and --serve: its reliable 183 PRACKed, the caller's UPDATE moves the early media: 200 with our answer, the prompt goes to the new port" {
	local serve first mport wait cport
	sox -n -r 8000 -e signed -b 16 -c 1 -t raw "$D/prompt.raw" synth 1 sine 1000 vol 0.5
	for serve in "" -S; do
		first=$(free_rtp_port) mport=$(free_sipp_media_port)
		# The prompt starts once the UPDATE has had time to come.
		answer_on "ans$serve" $serve --early-media -- sh -c \
			'sleep 0.5; rtp-send <"$1"; echo answer >&9; exec sleep 0.5' sh "$D/prompt.raw"
		capture_start "wire$serve" "udp and (dst port $first or dst port $mport)"
		sipp_run "uac$serve" call-uac-100rel-update -s bob -key from alice \
			-key domain "127.0.0.1:$PORT" -key first "$first" -mp "$mport" "127.0.0.1:$PORT"
		[ -n "$serve" ] || { wait_bg ans 5; assert_success; }
		run cat "$D/ans$serve.err"
		assert_line --regexp "^sip-answer: early-media codec=PCMU rtp=127\\.0\\.0\\.1:$first call-id=.*$"
		assert_line --regexp "^sip-answer: prack rseq=[0-9]+ call-id=.*$"
		assert_line --regexp "^sip-answer: media-moved rtp=127\\.0\\.0\\.1:$mport call-id=.*$"
		assert_line --regexp "^sip-answer: ended status=0 .*call-id=.*$"
		run capture_ports "wire$serve"
		cport=$(awk -v m="$mport" '$2 == m && $1 != m { print $1; exit }' <<<"$output")
		echo "to the INVITE's port: $(grep -c " $first\$" <<<"$output"), to the UPDATE's: $(grep -c "^$cport $mport\$" <<<"$output")"
		assert_equal "$(grep -c " $first\$" <<<"$output")" 0
		assert [ "$(grep -c "^$cport $mport\$" <<<"$output")" -ge 45 ]
	done
}

@test "session-early: sip-call, its refresh answered 422 with a larger Min-SE: sent again once with that interval, the next refresh at half of it, the call goes on" {
	sipp_uas uas call-uas-timer-422 -s bob
	run -0 direct sip-call -T 5 -D 4 --session-expires 2 --min-se 1 \
		"sip:bob@127.0.0.1:$SIPP_PORT" -- sleep 20
	assert_line --regexp "^sip-call: session interval=2 refresher=local call-id=$CID$"
	assert_line --regexp "^sip-call: retrying status=\"422 Session Interval Too Small\" session-expires=4 call-id=$CID$"
	assert_equal "$(grep -c "^sip-call: session-refreshed by=local interval=4 refresher=local call-id=" <<<"$output")" 2
	refute_line --partial session-refresh-failed
	refute_line --partial session-expired
	assert_line --regexp "^sip-call: ended status=0 duration=4\\.[0-9] call-id=$CID$"
	wait_bg uas 5
	assert_success
	# The scenario took exactly three UPDATEs (1 s, its retry, 3 s); the
	# last came half the new interval (2 s) after the retry, not half the
	# old one (1 s).
	run update_gaps uas
	echo "retry after $(cut -d' ' -f1 <<<"$output") s, the next refresh $(cut -d' ' -f2 <<<"$output") s after it"
	assert awk '{ exit !($1 < 0.5 && $2 > 1.8 && $2 < 2.5) }' <<<"$output"
}

@test "session-early: sip-answer, alone and --serve, the refresher: its refresh answered 422 with a larger Min-SE is sent again with that interval, the next at half of it" {
	local serve
	for serve in "" -S; do
		answer_on "ans$serve" $serve --min-se 1 -- sleep 4
		sipp_run "uac$serve" call-uac-timer-422 -s bob -key from alice \
			-key domain "127.0.0.1:$PORT" "127.0.0.1:$PORT"
		[ -n "$serve" ] || { wait_bg ans 5; assert_success; }
		run cat "$D/ans$serve.err"
		assert_line --regexp "^sip-answer: session interval=2 refresher=local call-id=.*$"
		assert_line --regexp "^sip-answer: retrying status=\"422 Session Interval Too Small\" session-expires=4 call-id=.*$"
		assert_equal "$(grep -c "^sip-answer: session-refreshed by=local interval=4 refresher=local " <<<"$output")" 2
		refute_line --partial session-refresh-failed
		assert_line --regexp "^sip-answer: ended status=0 duration=4\.[0-9] call-id=.*$"
		run update_gaps "uac$serve"
		echo "retry after $(cut -d' ' -f1 <<<"$output") s, the next refresh $(cut -d' ' -f2 <<<"$output") s after it"
		assert awk '{ exit !($1 < 0.5 && $2 > 1.8 && $2 < 2.5) }' <<<"$output"
	done
}
