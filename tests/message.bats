#!/usr/bin/env bats
# Instant messages (RFC 3428; sipline(7), INSTANT MESSAGES): sip-message
# sends one and exits with the outcome; sip-answer takes one outside a
# dialog and in a call (SIPp, tests/sipp/message-uac-indialog.xml), in
# serve mode too, shows it cleaned in an event line or hands it to
# --on-message; 413 and 415 for what it refuses.  Directly, through
# Kamailio with digest authentication, and with baresip both ways.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	kamailio_start
}

teardown_file() {
	kamailio_stop
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	for u in bob carol; do
		kamailio_has_no_binding $u || kamailio_ctl ul.rm location $u
	done
}

teardown() {
	stop_all_bg
}

# events NAME WORD: the job's event lines of that word.
events() {
	grep "^sip-answer: $2 " "$D/$1.err"
}

@test "message: sip-message to sip-answer directly: 200, exit 0; the text arrives cleaned in an event line" {
	answer_on ans
	# Escape sequences, BEL, quotes, a backslash, a byte that is not
	# UTF-8, a right-to-left override, a tab and CRLF; UTF-8 stays.
	printf 'hi \033[31mred\033[0m\a "q" \\ \377 \342\200\256evil caf\303\251\tx\r\ny\n' >"$D/text"
	run --separate-stderr direct sip-message "sip:bob@127.0.0.1:$PORT" <"$D/text"
	assert_success
	assert_output ''
	assert_equal "$stderr" "sip-message: sent status=\"200 OK\" to=sip:bob@127.0.0.1:$PORT call-id=${stderr##*call-id=}"
	# Words on the command line, joined by spaces, and a display name.
	run -0 direct env SIP_DISPLAY_NAME='Al "the" ice' sip-message "sip:bob@127.0.0.1:$PORT" two words
	wait_for 5 eval '[ "$(events ans message | wc -l)" = 2 ]'
	run events ans message
	assert_line --index 0 --regexp '^sip-answer: message from=sip:alice@sipline.test to=sip:bob@127.0.0.1:[0-9]+ type="text/plain; charset=UTF-8" length=43 text="hi \?\[31mred\?\[0m\? \?q\? \? \? \?evil café\?x\?\?y" call-id=[0-9a-f]+$'
	assert_line --index 1 --regexp '^sip-answer: message from=sip:alice@sipline.test name="Al \?the\? ice" to=.* length=9 text="two words" call-id='
	# Messages are not calls: sip-answer still waits for one.
	bg_running ans
	refute grep -q 'incoming' "$D/ans.err"
	signal_bg ans TERM
	wait_bg ans 5
	assert_success
	no_sanitizer_report ans
}

@test "message: refused: 415 for another type, 413 past --message-max (exit 1); a NUL is cleaned; too long, empty or NUL text is not sent (exit 100)" {
	answer_on ans --message-max 100
	run -1 direct sip-message -C application/json "sip:bob@127.0.0.1:$PORT" '{"a":1}'
	assert_line --regexp '^sip-message: rejected status="415 Unsupported Media Type" call-id='
	run -1 direct sip-message "sip:bob@127.0.0.1:$PORT" "$(printf '%0101d' 0)"
	assert_line --regexp '^sip-message: rejected status="413 Request Entity Too Large" call-id='
	run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" "$(printf '%0100d' 0)"
	run cat "$D/ans.err"
	assert_line --regexp '^sip-answer: warning: refusing MESSAGE from 127.0.0.1:[0-9]+: 415 Unsupported Media Type$'
	assert_line --regexp '^sip-answer: warning: refusing MESSAGE from 127.0.0.1:[0-9]+: 413 Request Entity Too Large$'
	assert_equal "$(events ans message | grep -c 'length=100 ')" 1

	# A MESSAGE with NULs in its text (sent as it is): taken, NUL shown '?'.
	printf 'MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-nul;rport\r\nMax-Forwards: 70\r\nFrom: <sip:mallory@hostile.test>;tag=nul\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: nul@hostile.test\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\na\000b\000\000cd' >"$D/nul.sip"
	run -0 udp-send -w 5 -n 1 "127.0.0.1:$PORT" "$D/nul.sip"
	assert_output '200 nul@hostile.test'
	run events ans message
	assert_line 'sip-answer: message from=sip:mallory@hostile.test to=sip:bob@127.0.0.1 type="text/plain" length=7 text="a?b??cd" call-id=nul@hostile.test'

	# Not sent at all: past RFC 3428's bound over UDP, empty, NUL in text.
	run -100 direct sip-message "sip:bob@127.0.0.1:$PORT" "$(printf '%01025d' 0)"
	assert_line 'sip-message: fatal: the text is longer than 1024 bytes (over UDP: RFC 3428 5)'
	run -100 direct sip-message "sip:bob@127.0.0.1:$PORT" </dev/null
	assert_line 'sip-message: fatal: no text to send'
	run -100 direct sip-message "sip:bob@127.0.0.1:$PORT" < <(printf 'a\000b')
	assert_line 'sip-message: fatal: the text holds a NUL byte (at 1): not text/plain;charset=UTF-8'
	assert_equal "$(events ans message | wc -l)" 2
	bg_running ans
}

@test "message: over TLS (a sips: URI) and over TCP, where a text past UDP's 1024 bytes goes; the event shows 1000 bytes of it" {
	pki_make
	PORT=$(free_port)
	start_bg tls env SIP_CERT_FILE="$PKI/server.pem" SIP_KEY_FILE="$PKI/server.key" \
		sip-answer -t tls -l "127.0.0.1:$PORT"
	wait_for 5 port_listening tcp "$PORT"
	run -0 direct env SIP_CA_FILE="$PKI/ca.pem" sip-message "sips:bob@127.0.0.1:$PORT" over TLS
	assert_line --regexp "^sip-message: sent status=\"200 OK\" to=sips:bob@127.0.0.1:$PORT call-id="
	run events tls message
	assert_line --regexp '^sip-answer: message from=sip:alice@sipline.test to=sips:bob@127.0.0.1:[0-9]+ .* text="over TLS" call-id='
	# Without the CA, the certificate is refused: nothing sent, exit 7.
	run -7 direct sip-message "sips:bob@127.0.0.1:$PORT" no CA
	assert_equal "$(events tls message | wc -l)" 1

	PORT=$(free_port)
	start_bg tcp sip-answer -t tcp -l "127.0.0.1:$PORT"
	wait_for 5 port_listening tcp "$PORT"
	run -0 direct sip-message -t tcp "sip:bob@127.0.0.1:$PORT" "$(printf '%02000d' 0)"
	run events tcp message
	assert_line --regexp '^sip-answer: message from=.* length=2000 text="0{997}\.\.\." call-id='
}

@test "message: exit status as sip-call's: 404 (5) and wrong password (6) through Kamailio, 486 from a phone (2), nobody there (7)" {
	run -5 env SIP_USER=alice SIP_PASSWORD=alicepw timeout 10 sip-message nobody hello
	assert_line --regexp '^sip-message: rejected status="404 Not Found" call-id='
	run -6 env SIP_USER=alice SIP_PASSWORD=wrong timeout 10 sip-message bob hello
	assert_line --regexp '^sip-message: rejected status="40[37] .*" reason="credentials refused" call-id='
	sipp_uas busy message-uas-busy
	run -2 direct sip-message "sip:bob@127.0.0.1:$SIPP_PORT" hello
	assert_line --regexp '^sip-message: rejected status="486 Busy Here" call-id='
	run -7 direct sip-message -T 2 "sip:bob@127.0.0.1:$(free_port)" hello
	assert_line --regexp '^sip-message: failed reason="no response \(port unreachable: nothing listens there\)" call-id='
}

@test "message: through Kamailio with digest auth to a registered sip-answer; --on-message gets the text on stdin, the sender in its environment" {
	cat >"$D/keep" <<-EOF
		#!/bin/sh
		env | grep -E '^SIP_' >"$D/env.tmp"
		cat >"$D/text.out"
		mv "$D/env.tmp" "$D/env.out"
	EOF
	chmod +x "$D/keep"
	start_bg carol env SIP_USER=carol SIP_PASSWORD=carolpw \
		sip-register -e 60 -c "127.0.0.1:$(free_port)" -- sip-answer --on-message "$D/keep"
	wait_for 5 kamailio_has_binding carol
	printf 'line one\r\nline\033 two\t!\n\n' >"$D/text"
	run -0 env SIP_USER=alice SIP_PASSWORD=alicepw SIP_DISPLAY_NAME=Alice \
		timeout 10 sip-message carol <"$D/text"
	assert_line --regexp '^sip-message: sent status="200 OK" to=sip:carol@sipline.test call-id='
	# Challenged, then taken with credentials.
	[ "$(grep -c 'MESSAGE sip:carol@sipline.test from 127.0.0.1' "$KAM_LOG")" -ge 2 ]
	wait_for 5 test -e "$D/env.out"
	run cat "$D/env.out"
	assert_line --regexp '^SIP_CALL_ID=[0-9a-f]+$'
	assert_line 'SIP_CONTENT_TYPE=text/plain; charset=UTF-8'
	assert_line 'SIP_DIRECTION=incoming'
	assert_line 'SIP_LOCAL_URI=sip:carol@sipline.test'
	assert_line 'SIP_REMOTE_NAME=Alice'
	assert_line 'SIP_REMOTE_URI=sip:alice@sipline.test'
	refute_line --partial PASSWORD
	# One line end at the end was left out by sip-message; CRLF is LF,
	# the escape is '?', the tab stays.
	printf 'line one\nline? two\t!\n' >"$D/expected"
	cmp "$D/expected" "$D/text.out"
	run events carol message
	assert_line --regexp '^sip-answer: message from=sip:alice@sipline.test name="Alice" to=sip:carol@sipline.test type="text/plain; charset=UTF-8" length=22 call-id=[0-9a-f]+$'
	refute_output --partial 'text='
}

@test "message: --on-message: 8 programs at once at most, 503 past them; one that cannot run is a warning" {
	local i
	# Each program waits for the file go (10 s at most).
	cat >"$D/slow" <<-EOF
		#!/bin/sh
		for i in \$(seq 100); do [ -e "$D/go" ] && exit 0; sleep 0.1; done
	EOF
	chmod +x "$D/slow"
	answer_on ans --on-message "$D/slow"
	for i in 1 2 3 4 5 6 7 8; do
		run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" "$i"
	done
	run -1 direct sip-message "sip:bob@127.0.0.1:$PORT" 9
	assert_line --regexp '^sip-message: rejected status="503 Service Unavailable" call-id='
	assert_equal "$(pgrep -P "$(bg_pid ans)" | wc -l)" 8
	# As they end, messages are taken again.
	touch "$D/go"
	wait_for 10 eval '[ -z "$(pgrep -P "$(bg_pid ans)")" ]'
	run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" 10
	signal_bg ans TERM
	wait_bg ans 5
	assert_success
	no_sanitizer_report ans
	answer_on ans2 --on-message "$D/no-such-program"
	run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" lost
	wait_for 5 grep -q 'warning: --on-message command exited with 127' "$D/ans2.err"
	grep -q "sip-answer: warning: unable to run $D/no-such-program: No such file or directory" "$D/ans2.err"
}

@test "message: serve mode: the parent answers MESSAGEs without a call process; in a call, the call's process answers them (200, 415)" {
	answer_on srv -S -- sleep 20
	run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" one
	run -0 direct sip-message "sip:bob@127.0.0.1:$PORT" two
	run -1 direct sip-message -C text/html "sip:bob@127.0.0.1:$PORT" '<b>3</b>'
	assert_equal "$(events srv message | wc -l)" 2
	[ -z "$(pgrep -P "$(bg_pid srv)")" ]
	no_sanitizer_report srv
	refute grep -q incoming "$D/srv.err"
	# In the dialog of a call: its process shows them.
	sipp_run uac message-uac-indialog -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	run events srv message
	assert_line --regexp '^sip-answer: message from=sip:alice@127.0.0.1:[0-9]+ name="Alice" to=sip:bob@127.0.0.1:[0-9]+ type="text/plain; charset=utf-8" length=21 text="hello from the call\?\?" call-id=.*$'
	sipp_trace uac | grep -q '^SIP/2.0 415 Unsupported Media Type$'
	sipp_trace uac | grep -q '^Accept: text/plain$'
	wait_for 5 grep -q '^sip-answer: ended ' "$D/srv.err"
	# The same in sip-answer waiting for one call.
	answer_on one -- sleep 20
	sipp_run uac2 message-uac-indialog -s bob -key from alice -key domain "127.0.0.1:$PORT" \
		"127.0.0.1:$PORT"
	wait_bg one 5
	assert_success
	assert_line --regexp '^sip-answer: message from=sip:alice@.* text="hello from the call\?\?" call-id='
}

@test "message: sip-call shows a MESSAGE in its call (SIPp phone) and one from outside, and the call goes on" {
	local port
	port=$(free_port)
	sipp_uas ph message-uas-indialog -s bob
	start_bg call direct sip-call -l "127.0.0.1:$port" -T 5 "sip:bob@127.0.0.1:$SIPP_PORT" -- sleep 20
	wait_for 5 grep -q '^sip-call: message ' "$D/call.err"
	run -0 direct sip-message "sip:alice@127.0.0.1:$port" from outside
	wait_bg call 10
	assert_success
	assert_line --regexp '^sip-call: message from=sip:bob@127.0.0.1:[0-9]+ to=sip:alice@sipline.test type="text/plain" length=19 text="hi from the phone\?\?" call-id=.+$'
	assert_line --regexp '^sip-call: message from=sip:alice@sipline.test to=sip:alice@127.0.0.1:[0-9]+ type="text/plain; charset=UTF-8" length=12 text="from outside" call-id=.+$'
	assert_line --regexp '^sip-call: hangup by=remote call-id='
	wait_bg ph 5
	assert_success
}

@test "message: interop with baresip through Kamailio both ways" {
	local port
	port=$(free_port)
	start_bg carol env SIP_USER=carol SIP_PASSWORD=carolpw \
		sip-register -e 60 -c "127.0.0.1:$(free_port)" -- sip-answer
	wait_for 5 kamailio_has_binding carol
	# baresip, registered as bob, sends to its contact carol at once
	# (challenged by Kamailio: it answers with bob's credentials), and
	# prints what it receives (its SIP trace, -s).
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$port" "module_app contact.so"
	echo "<sip:bob@sipline.test>;auth_pass=bobpw;outbound=\"sip:$SIP_SERVER\";regint=60" \
		>"$D/bs/accounts"
	echo '"Carol" <sip:carol@sipline.test>' >"$D/bs/contacts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -t 8 -s -e '/message hello from baresip'
	wait_for 8 grep -q '^sip-answer: message ' "$D/carol.err"
	run events carol message
	assert_line --regexp '^sip-answer: message from=sip:bob@sipline.test to=sip:carol@sipline.test type="text/plain" length=18 text="hello from baresip" call-id=.+$'
	# sip-message to bob reaches baresip.
	wait_for 10 kamailio_has_binding bob "127\.0\.0\.1:$port"
	run -0 env SIP_USER=alice SIP_PASSWORD=alicepw timeout 10 sip-message bob 'hello baresip'
	assert_line --regexp '^sip-message: sent status="200 OK" to=sip:bob@sipline.test call-id=.+$'
	wait_for 5 grep -q '^hello baresip' "$D/bs.out"
	grep -a -q '^MESSAGE sip:bob' "$D/bs.out"
}
