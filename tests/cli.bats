#!/usr/bin/env bats
# The long options, each run once with an effect a script can see: the
# options the man pages promise (sip-register.1, sip-options.1,
# sip-call.1, sip-answer.1, sip-message.1), spelt out in full, with the environment they
# override cleared, so that the option alone makes the difference.  The
# short forms and the details are tested in register.bats, options.bats,
# call.bats, answer.bats and serve.bats.

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
	KAM=127.0.0.1:$KAM_PORT
	for u in alice bob; do
		kamailio_has_no_binding $u || kamailio_ctl ul.rm location $u
	done
}

teardown() {
	stop_all_bg
}

# bare CMD...: CMD without any of the settings in the environment (the
# password excepted), bounded.
bare() {
	timeout -k 2 30 env -u SIP_USER -u SIP_DOMAIN -u SIP_SERVER -u SIP_TRANSPORT "$@"
}

# answer_on NAME [SIP-ANSWER-ARGS...]: sip-answer --listen 127.0.0.1:$PORT
# (a new free port) as job NAME, ready when this returns.
answer_on() {
	local name=$1
	shift
	PORT=$(free_port)
	start_bg "$name" env -u SIP_SERVER sip-answer --listen "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening udp "$PORT"
}

# call_direct ARGS...: sip-call as alice, straight to a phone, bounded.
call_direct() {
	bare SIP_USER=alice SIP_DOMAIN=sipline.test sip-call "$@"
}

@test "cli: --help and --version of every SIP tool" {
	local tool version
	version=$(sed -n 's/^VERSION *= *//p' "$SIPLINE_TESTS/../Makefile")
	[ -n "$version" ]
	for tool in sip-register sip-options sip-call sip-answer sip-message; do
		run --separate-stderr -0 "$tool" --help
		assert_equal "$stderr" ''
		assert_line --index 0 --regexp "^usage: $tool "
		assert_line --regexp '^  -V, --version '
		run --separate-stderr -0 "$tool" --version
		assert_equal "$stderr" ''
		assert_output "$tool $version"
	done
}

# usage_error TOOL ARGS...: TOOL refuses ARGS as every SIP tool refuses
# a usage error: exit 100, "TOOL: fatal: WHY", then the hint, last.
usage_error() {
	local tool=$1
	run -100 bare SIP_USER=alice SIP_DOMAIN=sipline.test "$@"
	assert_line --regexp "^$tool: fatal: ."
	assert_equal "${lines[-1]}" "Try '$tool --help'."
}

@test "cli: a usage error of any SIP tool: exit 100, 'TOOL: fatal: ...', then Try 'TOOL --help'." {
	local tool
	for tool in sip-register sip-options sip-call sip-answer sip-message; do
		usage_error "$tool" --no-such-option
		usage_error "$tool" --transport sctp
		usage_error "$tool" -u 'al ice'
	done
	usage_error sip-register --expires 0
	usage_error sip-register --contact 'not an address!'
	usage_error sip-register --contact nowhere.invalid:5 -- true
	usage_error sip-options --count -1 sip:127.0.0.1
	usage_error sip-options --local 127.0.0.1:99999 sip:127.0.0.1
	usage_error sip-options sip:a sip:b
	usage_error sip-call
	usage_error sip-call --timeout soon bob
	usage_error sip-call --local nowhere.invalid:5 bob
	usage_error sip-call sip:bob@bad..name
	usage_error sip-answer --listen 127.0.0.1:99999
	usage_error sip-answer --accept-from no.such.host.invalid
	usage_error sip-answer --max-calls 2
	usage_error sip-answer --message-max 0
	usage_error sip-answer --on-message ''
	usage_error sip-message
	usage_error sip-message --timeout soon bob hi
	usage_error sip-message --content-type plain bob hi
	usage_error sip-message --local nowhere.invalid:5 bob hi
	usage_error sip-message sip:bob@bad..name hi
	SIP_SOCKET_FD=3 usage_error sip-answer
}

# --- sip-register

@test "cli: sip-register --user --domain --server --transport --verbose --expires --contact --once" {
	run -0 bare SIP_PASSWORD=bobpw sip-register --user bob --domain sipline.test \
		--server "$KAM" --transport tcp --verbose --expires 40 \
		--contact 127.0.0.1:5071 --once
	# --verbose: the messages, over TCP (--transport) to --server.
	assert_line "sip-register: sent to $KAM (TCP):"
	assert_line --regexp '^REGISTER sip:sipline.test SIP/2.0'
	assert_line --regexp '^From: <sip:bob@sipline.test>;tag='
	assert_line --index -1 'sip-register: registered aor=sip:bob@sipline.test contact=<sip:bob@127.0.0.1:5071;transport=tcp> expires=40'
	grep -q "REGISTER sip:sipline.test from 127.0.0.1:[0-9]*/tcp" "$KAM_LOG"
	# --once: it exited, and the binding stays.
	run -0 kamailio_bindings bob
	assert_output 'sip:bob@127.0.0.1:5071;transport=tcp'
}

@test "cli: sip-register --list, --unregister" {
	export SIP_USER=bob SIP_PASSWORD=bobpw
	run -0 sip-register --once --contact 127.0.0.1:5071
	run -0 sip-register --once --contact 127.0.0.1:5072
	run --separate-stderr -0 sip-register --list
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^binding contact=<sip:bob@127.0.0.1:5071> expires=[0-9]+$'
	assert_line --regexp '^binding contact=<sip:bob@127.0.0.1:5072> expires=[0-9]+$'
	run -0 sip-register --unregister --contact 127.0.0.1:5071
	assert_output 'sip-register: unregistered aor=sip:bob@sipline.test'
	run -0 kamailio_bindings bob
	assert_output sip:bob@127.0.0.1:5072
	run -0 sip-register --unregister
	kamailio_has_no_binding bob
}

# --- sip-options

@test "cli: sip-options --user --domain --server --transport --verbose" {
	# --server alone: it is what gets probed, over TCP.
	run -0 bare sip-options --server "$KAM" --transport tcp --verbose
	assert_line "sip-options: sent to $KAM (TCP):"
	assert_line --regexp "^OPTIONS sip:$KAM SIP/2.0"
	assert_line --regexp "^sip:$KAM: 200 OK "
	grep -q "OPTIONS sip:$KAM from 127.0.0.1:[0-9]*/tcp" "$KAM_LOG"
	# --user and --domain make the From, and the credentials are bob's:
	# the proxy takes them (no 407, no 403) and finds no alice (404).
	run -5 bare SIP_PASSWORD=bobpw sip-options --user bob --domain sipline.test \
		--verbose "sip:alice@$KAM"
	assert_line --regexp '^From: <sip:bob@sipline.test>;tag='
	assert_line --regexp '^Proxy-Authorization: Digest username="bob", realm="sipline.test", '
	assert_line --regexp "^sip:alice@$KAM: 404 Not Found "
}

@test "cli: sip-options --count --interval" {
	local t0 ms
	t0=$(sl_now_us)
	run --separate-stderr -0 bare sip-options --count 3 --interval 0.4 "sip:$KAM"
	ms=$((($(sl_now_us) - t0) / 1000))
	assert_line --index 0 "OPTIONS sip:$KAM"
	for i in 1 2 3; do
		assert_line --regexp "^200 OK from $KAM: seq=$i time="
	done
	refute_line --regexp 'seq=4 '
	assert_line '3 sent, 3 received, 0% loss'
	# Two intervals of 0.4 s between three requests.
	[ "$ms" -ge 800 ]
}

# --- sip-call

@test "cli: sip-call --user --domain --server --transport --verbose" {
	BOB_PORT=$(free_port)
	start_bg bob env SIP_USER=bob SIP_PASSWORD=bobpw \
		sip-register -e 60 -c "127.0.0.1:$BOB_PORT" -- sip-answer -- true
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT"
	# A bare user: --domain completes it, --server carries it over TCP.
	run -0 bare SIP_PASSWORD=alicepw sip-call --user alice --domain sipline.test \
		--server "$KAM" --transport tcp --verbose bob -- true
	assert_line "sip-call: sent to $KAM (TCP):"
	assert_line --regexp '^INVITE sip:bob@sipline.test SIP/2.0'
	assert_line --regexp '^From: <sip:alice@sipline.test>;tag='
	assert_line --regexp '^Proxy-Authorization: Digest username="alice", '
	assert_line --regexp "^sip-call: answered status=\"200 OK\" .*call-id=$CID$"
	grep -q "INVITE sip:bob@sipline.test from 127.0.0.1:[0-9]*/tcp" "$KAM_LOG"
	wait_bg bob 5
	assert_success
	assert_line --regexp '^sip-answer: incoming from=sip:alice@sipline.test to=sip:bob@sipline.test '
}

@test "cli: sip-call --timeout cancels an unanswered call; --duration hangs up an answered one" {
	answer_on ringing --ring 30
	run -4 call_direct --timeout 1 "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: no-answer after=1 call-id=$CID$"
	wait_bg ringing 5
	assert_failure 4
	assert_line --regexp "^sip-answer: cancelled by=remote "

	answer_on talking -- handoff-probe -s -1
	run -0 call_direct --duration 1 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1
	assert_line --regexp "^sip-call: hangup by=local reason=\"duration reached\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 duration=1\.[0-9] call-id=$CID$"
	wait_bg talking 5
	assert_success
	assert_line --regexp "^sip-answer: hangup by=remote call-id=$CID$"
}

# --- sip-answer

@test "cli: sip-answer --listen --transport --user --verbose --ring; --domain and --server accepted" {
	PORT=$(free_port)
	start_bg ans env -u SIP_USER -u SIP_DOMAIN -u SIP_SERVER sip-answer \
		--listen "127.0.0.1:$PORT" --transport tcp --user bob \
		--domain sipline.test --server "$KAM" --verbose --ring 1.5 -- true
	wait_for 5 port_listening tcp "$PORT"
	t0=$(sl_now_us)
	run -0 call_direct -v -t tcp "sip:whoever@127.0.0.1:$PORT;transport=tcp" -- true
	# --ring: a 180, and the 200 a second and a half later.
	[ "$(($(sl_now_us) - t0))" -ge 1500000 ]
	assert_line 'sip-call: ringing status="180 Ringing"'
	# --user: the Contact of the answer.
	assert_line --regexp "^Contact: <sip:bob@127\\.0\\.0\\.1:[0-9]+;transport=tcp>"
	wait_bg ans 5
	assert_success
	# --verbose: what it received, over TCP.
	assert_line --regexp '^sip-answer: received from 127\.0\.0\.1:[0-9]+ \(TCP\):$'
	assert_line --regexp '^INVITE sip:whoever@127.0.0.1:[0-9]+;transport=tcp SIP/2.0'
	assert_line --regexp "^sip-answer: answered codec=PCMU "
	# --domain and --server are checked like the other tools' (a value
	# that could not go in a header is a usage error).
	run -100 sip-answer --domain 'bad domain' --listen "127.0.0.1:$PORT"
	assert_output --partial 'sip-answer: fatal: --domain contains a character not allowed there'
	run -100 sip-answer --server '<x>' --listen "127.0.0.1:$PORT"
	assert_output --partial 'sip-answer: fatal: --server contains a character not allowed there'
}

@test "cli: sip-answer --reject busy, --reject 404" {
	answer_on busy --reject busy
	run -2 call_direct "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	wait_bg busy 5
	assert_failure 2
	answer_on nf --reject 404
	run -5 call_direct "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: rejected status=\"404 Not Found\" call-id=$CID$"
	wait_bg nf 5
	assert_failure 5
}

@test "cli: sip-answer --screen: the program's exit status decides" {
	printf '#!/bin/sh\necho "screened $SIP_REMOTE_URI" >>"%s/screen.txt"\nexit 3\n' "$D" >"$D/screen"
	chmod +x "$D/screen"
	answer_on ans --screen "$D/screen"
	run -3 call_direct "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: rejected status=\"603 Decline\" call-id=$CID$"
	wait_bg ans 5
	assert_failure 3
	assert_line --regexp "^sip-answer: screened verdict=603 call-id=$CID$"
	run cat "$D/screen.txt"
	assert_output 'screened sip:alice@sipline.test'
}

@test "cli: sip-answer --serve --max-calls: one call at a time, 486 past it, and it keeps answering" {
	answer_on srv --serve --max-calls 1 -- handoff-probe -s -1
	start_bg first env -u SIP_SERVER SIP_USER=alice SIP_DOMAIN=sipline.test \
		sip-call --duration 2 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1
	wait_for 5 grep -q '^sip-call: answered' "$D/first.err"
	# The one call runs: a second gets 486.
	run -2 call_direct "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: rejected status=\"486 Busy Here\" call-id=$CID$"
	wait_bg first 5
	assert_success
	# That call is over: the next is answered, and the server goes on.
	run -0 call_direct --duration 0.5 "sip:bob@127.0.0.1:$PORT" -- handoff-probe -s -1
	bg_running srv
	assert_equal "$(grep -c '^sip-answer: answered ' "$D/srv.err")" 2
	grep -q '^sip-answer: busy' "$D/srv.err"
}

@test "cli: sip-answer --accept-from: 403 to another source, the listed one answered" {
	answer_on ans --accept-from 127.0.0.2 -- true
	run -1 call_direct "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: rejected status=\"403 Forbidden\" call-id=$CID$"
	bg_running ans
	run grep -E '^sip-answer: warning: refusing INVITE from 127\.0\.0\.1:[0-9]+: not an --accept-from source$' "$D/ans.err"
	assert_success
	# A MESSAGE from there too.
	run -1 bare SIP_USER=alice SIP_DOMAIN=sipline.test sip-message "sip:bob@127.0.0.1:$PORT" hi
	assert_line --regexp '^sip-message: rejected status="403 Forbidden" call-id='
	local_port=$(free_port)
	run -0 call_direct --local "127.0.0.2:$local_port" "sip:bob@127.0.0.1:$PORT" -- true
	wait_bg ans 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU "
}

# --- sip-message

@test "cli: sip-message --user --domain --server --transport --verbose --local --timeout --content-type" {
	local lp
	answer_on ans
	lp=$(free_port)
	run -0 bare SIP_PASSWORD=alicepw sip-message --user alice --domain sipline.test \
		--server "$KAM" --transport tcp --verbose --local "127.0.0.2:$lp" --timeout 5 \
		--content-type 'text/plain;charset=US-ASCII' "sip:bob@127.0.0.1:$PORT" hi
	assert_line "sip-message: sent to $KAM (TCP):"
	assert_line --regexp '^MESSAGE sip:bob@127.0.0.1:[0-9]+ SIP/2.0'
	assert_line --regexp '^From: <sip:alice@sipline.test>;tag='
	assert_line --regexp "^Via: SIP/2.0/TCP 127.0.0.2:$lp;"
	assert_line --regexp '^sip-message: sent status="200 OK" to=sip:bob@127.0.0.1:[0-9]+ call-id='
	run grep '^sip-answer: message ' "$D/ans.err"
	assert_output --regexp '^sip-answer: message from=sip:alice@sipline.test to=sip:bob@127.0.0.1:[0-9]+ type="text/plain; charset=US-ASCII" length=2 text="hi" call-id='
}
