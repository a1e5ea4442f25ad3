#!/usr/bin/env bats
# sip-register against the suite's private Kamailio (tests/kamailio.bash),
# run the way a user or a script runs it: the exit status, the event lines
# on stderr, the bindings the registrar holds (kamcmd), and with -v the SIP
# messages themselves.  Each test starts its own Kamailio, with the switches
# it needs (SHA256, NOQOP, MIN_EXPIRES=N...).

bats_require_minimum_version 1.5.0

setup() {
	load helper
	export SIP_USER=alice SIP_PASSWORD=alicepw
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# --- helpers for this file

# events NAME EVENT: the EVENT lines that job NAME wrote so far.
events() {
	grep -a "^sip-register: $2\\b" "$D/$1.err" || true
}

# count NAME EVENT: how many EVENT lines job NAME wrote.
count() {
	events "$1" "$2" | wc -l
}

# has_events NAME EVENT [N]: true once job NAME wrote N (default 1) EVENT
# lines; for wait_for.
has_events() {
	[ "$(count "$1" "$2")" -ge "${3:-1}" ]
}

# contact_of TEXT: the Contact URI of the first registered line in TEXT.
contact_of() {
	sed -n 's/^sip-register: registered .* contact=<\([^>]*\)> .*/\1/p' <<<"$1" | head -n 1
}

# port_of URI: the port of a sip: URI.
port_of() {
	local p=${1##*:}
	echo "${p%%;*}"
}

# flow: the SIP messages of a -v dump (stdin), one line each: "> METHOD"
# for a request sent, "< CODE" for a response received, followed by the
# authentication headers the message carries.
flow() {
	tr -d '\r' | awk '
		function flush() {
			if (inmsg)
				print dir, first auth
			inmsg = 0
		}
		/^sip-register: (sent to|received from) / {
			flush()
			inmsg = 1
			dir = $2 == "sent" ? ">" : "<"
			first = ""
			auth = ""
			next
		}
		inmsg && first == "" {
			first = $1 == "SIP/2.0" ? $2 : $1
			next
		}
		inmsg && /^(Authorization|WWW-Authenticate):/ {
			auth = auth " " substr($1, 1, length($1) - 1)
			next
		}
		inmsg && /^$/ { flush() }
		END { flush() }'
}

# udp_exchange HOST PORT FILE: sends FILE as one datagram from a fresh UDP
# socket and prints the first line of the answer (CR removed); fails when
# none comes within 3 s.
udp_exchange() {
	local fd line
	exec {fd}<>"/dev/udp/$1/$2"
	# One write, one datagram (bash's printf may write in pieces).
	dd if="$3" bs=65535 count=1 status=none >&"$fd"
	# bash's read takes a datagram byte by byte (and so loses it): head
	# reads it whole.
	line=$(timeout 3 head -n 1 <&"$fd") || true
	exec {fd}>&-
	[ -n "$line" ] || return 1
	printf '%s\n' "${line%$'\r'}"
}

# udp_request HOST PORT METHOD: a minimal METHOD request, by udp_exchange.
udp_request() {
	local req
	req=$(sl_tmpdir)/request.$BASHPID
	printf '%s\r\n' "$3 sip:alice@$1:$2 SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK$RANDOM$RANDOM" \
		"From: <sip:bob@sipline.test>;tag=$RANDOM" \
		"To: <sip:alice@sipline.test>" \
		"Call-ID: $RANDOM$RANDOM@test" \
		"CSeq: 1 $3" \
		"Max-Forwards: 70" \
		"Content-Length: 0" "" >"$req"
	udp_exchange "$1" "$2" "$req"
}

# udp_send HOST PORT FILE: FILE's bytes as one datagram.
udp_send() {
	dd if="$3" bs=65535 count=1 status=none >"/dev/udp/$1/$2"
}

# closed_port: a loopback port that nothing listens on.
closed_port() {
	free_port
}

# --- registering

@test "register: 401 challenge, then 200 with credentials; the binding is at the registrar" {
	kamailio_start
	run -0 sip-register -v --once -e 30
	# The first REGISTER is challenged, the second carries the answer.
	run -0 flow <<<"$output"
	assert_equal "$output" "$(printf '%s\n' '> REGISTER' '< 401 WWW-Authenticate' \
		'> REGISTER Authorization' '< 200')"
	run -0 sip-register -v --once -e 30
	# qop=auth by default: a client nonce and a nonce count.
	assert_line --regexp '^WWW-Authenticate: Digest .*qop="auth"'
	assert_line --regexp '^Authorization: Digest username="alice", realm="sipline.test", .*uri="sip:sipline.test", response="[0-9a-f]{32}", algorithm=MD5, cnonce="[^"]+", qop=auth, nc=00000001'
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@127.0.0.1:[0-9]+> expires=30$'
	contact=$(contact_of "$output")
	run -0 kamailio_bindings alice
	assert_line "$contact"
}

@test "register --once: exits 0, the binding stays; --list shows it, --unregister removes it" {
	kamailio_start
	run -0 sip-register --once -e 60 -c 127.0.0.1:5071
	assert_output "sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@127.0.0.1:5071> expires=60"
	run -0 sip-register --once -e 30 --contact 127.0.0.1:5072
	run -0 kamailio_bindings alice
	assert_line sip:alice@127.0.0.1:5071
	assert_line sip:alice@127.0.0.1:5072

	# --list: one line per binding on stdout, nothing on stderr.
	run --separate-stderr -0 sip-register --list
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^binding contact=<sip:alice@127.0.0.1:5071> expires=[0-9]+$'
	assert_line --regexp '^binding contact=<sip:alice@127.0.0.1:5072> expires=[0-9]+$'
	# What is left of 60 and 30 s.
	left=$(sed -n 's/.*5071> expires=//p' <<<"$output")
	((left > 30 && left <= 60))
	left=$(sed -n 's/.*5072> expires=//p' <<<"$output")
	((left > 0 && left <= 30))

	# --unregister with --contact removes that binding alone.
	run -0 sip-register --unregister -c 127.0.0.1:5071
	assert_output "sip-register: unregistered aor=sip:alice@sipline.test"
	run -0 kamailio_bindings alice
	assert_output sip:alice@127.0.0.1:5072
	run -0 sip-register -L
	assert_output --regexp '^binding contact=<sip:alice@127.0.0.1:5072> expires=[0-9]+$'

	# Without --contact it removes them all (Contact: *).
	run -0 sip-register -U
	assert_output "sip-register: unregistered aor=sip:alice@sipline.test"
	kamailio_has_no_binding alice
	run --separate-stderr -0 sip-register -L
	assert_output ""
}

@test "register: a wrong password is refused: exit 6, once or keeping" {
	kamailio_start
	SIP_PASSWORD=wrong run -6 sip-register --once
	assert_output 'sip-register: refused aor=sip:alice@sipline.test reason="401 Unauthorized (credentials refused)"'
	# The heartbeat mode does not retry refused credentials either.
	SIP_PASSWORD=wrong run -6 timeout 10 sip-register -e 30
	assert_output --partial 'refused aor=sip:alice@sipline.test'
	# A user the registrar does not know.
	SIP_USER=mallory run -6 sip-register --once
	assert_output --partial 'refused aor=sip:mallory@sipline.test reason="401 Unauthorized (credentials refused)"'
	# No password at all.
	SIP_PASSWORD= run -6 sip-register --once
	assert_line --index 0 'sip-register: warning: 401 Unauthorized: no credentials (set SIP_USER and SIP_PASSWORD or SIP_PASSWORD_FILE)'
	assert_line --index 1 'sip-register: refused aor=sip:alice@sipline.test reason="401 Unauthorized (no credentials sent)"'
	kamailio_has_no_binding alice
	kamailio_has_no_binding mallory
}

@test "register: a registrar that answers 403 to wrong credentials: exit 6" {
	kamailio_start AUTH403
	SIP_PASSWORD=wrong run -6 sip-register --once
	assert_output 'sip-register: refused aor=sip:alice@sipline.test reason="403 Forbidden (credentials refused)"'
}

@test "register: usage errors exit 100 before anything is sent" {
	kamailio_start
	SIP_USER= run -100 timeout 10 sip-register --once
	assert_line 'sip-register: fatal: no user: set SIP_USER or use --user'
	SIP_SERVER= SIP_DOMAIN= run -100 timeout 10 sip-register --once
	assert_line --partial 'fatal: no registrar'
	run -100 timeout 10 sip-register --once --list
	assert_line --partial 'exclude each other'
	run -100 timeout 10 sip-register --unregister -- true
	assert_line --partial 'PROGRAM'
	run -100 timeout 10 sip-register -e 0
	run -100 timeout 10 sip-register -t sctp
	run -100 timeout 10 sip-register --contact 'not an address!'
	assert_line --partial 'fatal: --contact: not [HOST]:PORT or a SIP URI'
	run -100 timeout 10 sip-register --contact 'x>;expires=0'
	run -100 timeout 10 sip-register --contact 'not an address!' -- true
	run -0 sip-register --help
	assert_line --index 0 --regexp '^usage: sip-register '
	kamailio_has_no_binding alice
}

@test "register: nothing listening: --once exits 7 at once, over UDP and TCP" {
	port=$(closed_port)
	# The ICMP port unreachable (UDP) or the refused connection (TCP)
	# ends it; timeout(1) only guards against a hang.
	run -7 timeout 10 sip-register --once -s 127.0.0.1:$port
	assert_output "sip-register: failed aor=sip:alice@127.0.0.1 reason=\"no response (port unreachable: nothing listens there)\""
	SIP_DOMAIN=sipline.test run -7 timeout 10 sip-register --once -t tcp -s 127.0.0.1:$port
	assert_output "sip-register: failed aor=sip:alice@sipline.test reason=\"no response (port unreachable: nothing listens there)\""
	run -7 timeout 10 sip-register --list -s "[::1]:$port"
	assert_line --partial 'failed aor=sip:alice@[::1]'
	run -7 timeout 10 sip-register --unregister -s 127.0.0.1:$port
	assert_line --partial 'unregister-failed aor=sip:alice@127.0.0.1'
}

@test "register: nothing listening: the heartbeat mode keeps trying with backoff" {
	port=$(closed_port)
	start_bg reg sip-register -s 127.0.0.1:$port
	wait_for 10 has_events reg 'retrying delay=2'
	bg_running reg
	run events reg failed
	assert_line --index 0 'sip-register: failed aor=sip:alice@127.0.0.1 reason="no response (port unreachable: nothing listens there)"'
	run events reg retrying
	assert_line --index 0 'sip-register: retrying delay=1'
	assert_line --index 1 'sip-register: retrying delay=2'
	# Told to stop while unregistered: nothing to undo, exit 0.
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	refute_line --partial unregister
}

@test "register: a registrar that answers 503: failed; --once exits 1, the heartbeat retries" {
	port=$(free_port)
	start_bg registrar sipp_run registrar reg-503 -p "$port"
	wait_for 5 port_listening udp "$port"
	run -1 timeout 10 sip-register --once -s "127.0.0.1:$port"
	assert_output 'sip-register: failed aor=sip:alice@127.0.0.1 reason="503 Service Unavailable"'
	wait_bg registrar 5
	assert_success
	start_bg registrar sipp_run registrar reg-503 -p "$port"
	wait_for 5 port_listening udp "$port"
	start_bg reg sip-register -s "127.0.0.1:$port"
	wait_for 5 has_events reg retrying
	run events reg failed
	assert_line --index 0 'sip-register: failed aor=sip:alice@127.0.0.1 reason="503 Service Unavailable"'
	run events reg retrying
	assert_line --index 0 'sip-register: retrying delay=1'
	bg_running reg
}

@test "register: a registrar that calls every nonce stale: --once gives up after two stale retries, exit 6" {
	port=$(free_port)
	start_bg registrar sipp_run registrar reg-always-stale -p "$port"
	wait_for 5 port_listening udp "$port"
	start=$(sl_now_us)
	run -6 timeout 10 sip-register --once -s "127.0.0.1:$port"
	elapsed=$(($(sl_now_us) - start))
	# Four round trips on loopback, not a transaction timeout.
	[ "$elapsed" -lt 5000000 ]
	assert_line --index 0 'sip-register: warning: unable to authenticate: 401 Unauthorized: the nonce is still stale after 2 fresh ones; giving up'
	assert_line --index 1 'sip-register: refused aor=sip:alice@127.0.0.1 reason="401 Unauthorized (credentials refused)"'
	assert_equal "${#lines[@]}" 2
	# The REGISTER without credentials, its answer, then two answers to a
	# stale nonce: four requests, each challenged (four CSeq numbers).
	stop_bg registrar
	run -0 sh -c "tr -d '\r' <'$D/registrar.sipp-msg' | sed -n 's/^CSeq: \([0-9]*\) REGISTER\$/\1/p' | sort -un | wc -l"
	assert_output 4
	run -0 sh -c "tr -d '\r' <'$D/registrar.sipp-msg' | grep -c '^Authorization: Digest username=\"alice\", realm=\"sipline.test\", nonce=\"stale'"
	[ "$output" -ge 3 ]
}

@test "register: a registrar that never answers: a SIGTERM still ends it within 5 s" {
	port=$(free_port)
	start_bg registrar sipp_run registrar reg-silent -p "$port" -timeout 15s
	wait_for 5 port_listening udp "$port"
	start_bg reg sip-register -s "127.0.0.1:$port"
	wait_for 5 grep -q '^REGISTER ' "$D/registrar.sipp-msg"
	# The REGISTER is under way: its answer is awaited (5 s), not that of
	# another REGISTER too.
	signal_bg reg TERM
	wait_bg reg 8
	assert_success
	assert_output 'sip-register: unregister-failed aor=sip:alice@127.0.0.1 reason="no response (timeout)"'
}

# --- the heartbeat

@test "heartbeat: with -e 2 the binding outlives three expiry periods; SIGTERM removes it" {
	kamailio_start
	start_bg reg sip-register -e 2
	wait_for 5 has_events reg registered
	run events reg registered
	assert_output --regexp '^sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@127.0.0.1:[0-9]+> expires=2$'
	contact=$(contact_of "$output")
	# For 6.5 s, three periods and more, never without the binding.
	end=$((${EPOCHREALTIME/[.,]/} + 6500000))
	checks=0
	while [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ]; do
		kamailio_has_binding alice "^$contact\$"
		checks=$((checks + 1))
		sleep 0.4
	done
	[ "$checks" -ge 6 ]
	run -0 count reg refreshed
	[ "$output" -ge 3 ]
	run events reg refreshed
	assert_line --index 0 "sip-register: refreshed aor=sip:alice@sipline.test contact=<$contact> expires=2"
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	assert_line --index -1 'sip-register: unregistered aor=sip:alice@sipline.test'
	# It waited for the registrar's answer: the binding is gone already.
	kamailio_has_no_binding alice
}

@test "heartbeat: SIGINT unregisters too" {
	kamailio_start
	start_bg reg sip-register -e 30
	wait_for 5 has_events reg registered
	kamailio_has_binding alice
	signal_bg reg INT
	wait_bg reg 5
	assert_success
	assert_line 'sip-register: unregistered aor=sip:alice@sipline.test'
	kamailio_has_no_binding alice
}

@test "heartbeat: 423 Interval Too Brief: registered with Min-Expires, refreshed without another 423" {
	kamailio_start MIN_EXPIRES=3
	start_bg reg sip-register -e 1
	wait_for 5 has_events reg refreshed
	run events reg interval-too-brief
	assert_output 'sip-register: interval-too-brief aor=sip:alice@sipline.test min-expires=3'
	run events reg registered
	assert_output --regexp 'registered aor=sip:alice@sipline.test contact=<.*> expires=3$'
	run events reg refreshed
	assert_output --regexp 'refreshed aor=sip:alice@sipline.test contact=<.*> expires=3$'
	kamailio_has_binding alice
	stop_bg reg
	assert_equal "${SL_BG_STATUS[reg]}" 0
	# --once goes the same way.
	run -0 sip-register --once -e 2 -c 127.0.0.1:5071
	assert_line --index 0 'sip-register: interval-too-brief aor=sip:alice@sipline.test min-expires=3'
	assert_line --index 1 'sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@127.0.0.1:5071> expires=3'
}

@test "heartbeat: the registrar restarts: failed, retrying, then registered again by itself" {
	kamailio_start
	start_bg reg sip-register -e 2
	wait_for 5 has_events reg registered
	contact=$(contact_of "$(events reg registered)")
	kamailio_stop
	# The next refresh (after 2/3 of 2 s) meets a closed port.
	wait_for 5 has_events reg failed
	wait_for 2 has_events reg retrying
	kamailio_restart
	# Backoff 1, 2, 4...: back within a few seconds.
	wait_for 8 has_events reg registered 2
	run events reg retrying
	assert_line --index 0 'sip-register: retrying delay=1'
	run events reg failed
	assert_line --index 0 --partial 'failed aor=sip:alice@sipline.test reason="no response'
	# The new Kamailio (which starts empty) got a REGISTER, and holds
	# the binding.
	sed -n '/^--- kamailio_restart/,$p' "$KAM_LOG" | grep -q "REGISTER sip:sipline.test from 127.0.0.1:$(port_of "$contact")/udp"
	kamailio_has_binding alice "^$contact\$"
	# The heartbeat goes on.
	n=$(count reg refreshed)
	wait_for 5 has_events reg refreshed $((n + 1))
	bg_running reg
}

@test "heartbeat: the nonce expires between refreshes (stale=true): every refresh still succeeds" {
	# Nonces live 1 s; with -e 3 a refresh goes every 1.5 s, so each one
	# answers an expired nonce first and gets stale=true.
	kamailio_start NONCE_EXPIRE=1
	start_bg reg sip-register -v -e 3
	wait_for 5 has_events reg registered
	contact=$(contact_of "$(events reg registered)")
	end=$(($(sl_now_us) + 6500000))
	while [ "$(sl_now_us)" -lt "$end" ]; do
		kamailio_has_binding alice "^$contact\$"
		sleep 0.4
	done
	bg_running reg
	run -0 count reg refreshed
	[ "$output" -ge 3 ]
	run grep -E '^sip-register: (failed|refused|retrying|warning)' "$D/reg.err"
	assert_output ''
	# The stale path was taken, and ended in 200 each time.
	run -0 grep -c '^WWW-Authenticate: Digest .*stale=true' "$D/reg.err"
	[ "$output" -ge 2 ]
	run -0 flow <"$D/reg.err"
	refute_line '< 403'
	n401=$(grep -c '^< 401' <<<"$output")
	n200=$(grep -c '^< 200' <<<"$output")
	[ "$n200" -ge 4 ]
	[ "$n401" -le "$n200" ]
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	kamailio_has_no_binding alice
}

# --- digest variants, transports, families

@test "register: digest without qop (NOQOP)" {
	kamailio_start NOQOP
	run -0 sip-register -v --once
	run -0 flow <<<"$output"
	assert_equal "$output" "$(printf '%s\n' '> REGISTER' '< 401 WWW-Authenticate' \
		'> REGISTER Authorization' '< 200')"
	run -0 sip-register -v --once
	refute_line --regexp '^WWW-Authenticate: .*qop'
	assert_line --regexp '^Authorization: Digest username="alice", .*response="[0-9a-f]{32}", algorithm=MD5'
	refute_line --regexp '^Authorization: .*(qop|cnonce|nc)='
	assert_line --partial 'registered aor=sip:alice@sipline.test'
	kamailio_has_binding alice
}

@test "register: SHA-256 digest when the registrar asks for it" {
	kamailio_start SHA256
	run -0 sip-register -v --once
	assert_line --regexp '^WWW-Authenticate: Digest .*algorithm=SHA-256'
	assert_line --regexp '^Authorization: Digest username="alice", .*response="[0-9a-f]{64}", algorithm=SHA-256, cnonce="[^"]+", qop=auth, nc=00000001'
	refute_line --regexp '^Authorization: .*algorithm=MD5'
	assert_line --partial 'registered aor=sip:alice@sipline.test'
	run -0 flow <<<"$output"
	assert_equal "$output" "$(printf '%s\n' '> REGISTER' '< 401 WWW-Authenticate' \
		'> REGISTER Authorization' '< 200')"
	kamailio_has_binding alice
}

@test "register over TCP: -t tcp and SIP_TRANSPORT=tcp" {
	kamailio_start
	start_bg reg sip-register -t tcp -e 2
	wait_for 5 has_events reg refreshed
	run events reg registered
	assert_output --regexp 'contact=<sip:alice@127.0.0.1:[0-9]+;transport=tcp> expires=2$'
	contact=$(contact_of "$output")
	run -0 kamailio_bindings alice
	assert_output "$contact"
	grep -q "REGISTER sip:sipline.test from 127.0.0.1:[0-9]*/tcp" "$KAM_LOG"
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	assert_line --index -1 'sip-register: unregistered aor=sip:alice@sipline.test'
	kamailio_has_no_binding alice

	SIP_TRANSPORT=tcp run -0 sip-register --once -c 127.0.0.1:5071
	assert_output 'sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@127.0.0.1:5071;transport=tcp> expires=180'
	SIP_TRANSPORT=tcp run -0 sip-register --list
	assert_output --regexp '^binding contact=<sip:alice@127.0.0.1:5071;transport=tcp> expires=[0-9]+$'
	SIP_TRANSPORT=tcp run -0 sip-register -U
	kamailio_has_no_binding alice
}

@test "register over IPv6: SIP_SERVER=[::1]:PORT" {
	kamailio_start
	export SIP_SERVER="[::1]:$KAM_PORT"
	start_bg reg sip-register -e 2
	wait_for 5 has_events reg refreshed
	run events reg registered
	assert_output --regexp 'contact=<sip:alice@\[::1\]:[0-9]+> expires=2$'
	contact=$(contact_of "$output")
	run -0 kamailio_bindings alice
	assert_output "$contact"
	run -0 sip-register --list
	assert_output --regexp "^binding contact=<sip:alice@\\[::1\\]:$(port_of "$contact")> expires=[0-9]+\$"
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	kamailio_has_no_binding alice
	# And over TCP on ::1.
	run -0 sip-register --once -t tcp -c '[::1]:5071'
	assert_output 'sip-register: registered aor=sip:alice@sipline.test contact=<sip:alice@[::1]:5071;transport=tcp> expires=180'
	kamailio_has_binding alice '^sip:alice@\[::1\]:5071;transport=tcp$'
}

# --- sip-register's own socket

@test "register: requests to the registered contact: OPTIONS 200, INVITE 480, BYE 481, MESSAGE 480, others 501" {
	kamailio_start
	start_bg reg sip-register -e 30
	wait_for 5 has_events reg registered
	port=$(port_of "$(contact_of "$(events reg registered)")")
	run -0 sip-options "sip:alice@127.0.0.1:$port"
	assert_line --index 0 --regexp "^sip:alice@127.0.0.1:$port: 200 OK "
	assert_line 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, MESSAGE, PRACK, UPDATE'
	assert_line --regexp '^Server: sipline/'
	run -0 udp_request 127.0.0.1 "$port" INVITE
	assert_output 'SIP/2.0 480 Temporarily Unavailable'
	run -0 udp_request 127.0.0.1 "$port" BYE
	assert_output 'SIP/2.0 481 Call/Transaction Does Not Exist'
	run -0 udp_request 127.0.0.1 "$port" MESSAGE
	assert_output 'SIP/2.0 480 Temporarily Unavailable'
	run -0 udp_request 127.0.0.1 "$port" FROBNICATE
	assert_output 'SIP/2.0 501 Not Implemented'
	# A request for alice through the registrar reaches the binding.
	SIP_USER=bob SIP_PASSWORD=bobpw run -0 sip-options "sip:alice@127.0.0.1:$KAM_PORT"
	assert_line --regexp '^Server: sipline/'
	bg_running reg
}

@test "bad input: garbage, truncated, 64 KB and NUL-laden datagrams do not stop sip-register" {
	kamailio_start
	start_bg reg sip-register -e 2
	wait_for 5 has_events reg registered
	port=$(port_of "$(contact_of "$(events reg registered)")")
	printf -v req '%s\r\n' "OPTIONS sip:alice@127.0.0.1:$port SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKbad" \
		"From: <sip:x@sipline.test>;tag=1" "To: <sip:alice@sipline.test>" \
		"Call-ID: bad@test" "CSeq: 1 OPTIONS"
	printf 'garbage\n' >"$D/1"
	head -c 1400 /dev/urandom >"$D/2"
	# Cut in the middle of a header, and a body shorter than announced.
	printf '%s' "$req" | head -c 120 >"$D/3"
	printf '%sContent-Length: 500\r\n\r\nv=0\r\n' "$req" >"$D/4"
	# NUL bytes in the start line and the headers.
	printf 'OPTIONS sip:a\0b SIP/2.0\r\nVia: SIP/2.0/UDP \0\0\0\r\nCall-ID: \0\r\n\r\n' >"$D/5"
	# The largest UDP datagram (65507 bytes): a request with a huge header.
	printf '%sX-Pad: \r\nContent-Length: 0\r\n\r\n' "$req" >"$D/6"
	pad=$((65507 - $(stat -c %s "$D/6")))
	{
		printf '%sX-Pad: ' "$req"
		head -c "$pad" /dev/zero | tr '\0' a
		printf '\r\nContent-Length: 0\r\n\r\n'
	} >"$D/6"
	# Nonsense in every field a parser reads as a number.
	printf '%s\r\n' "OPTIONS sip:alice@127.0.0.1:99999999999 SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:-1;rport=99999999999;branch=z9hG4bK1" \
		"From: <sip:x@y>;tag=1" "To: <sip:alice@y>" "Call-ID: n@t" \
		"CSeq: 99999999999999999999 OPTIONS" "Max-Forwards: -5" \
		"Content-Length: -1" "" >"$D/7"
	# A response that answers nothing of ours.
	printf '%s\r\n' "SIP/2.0 200 OK" "Via: SIP/2.0/UDP 127.0.0.1:$port;branch=z9hG4bKnot" \
		"From: <sip:alice@sipline.test>;tag=x" "To: <sip:alice@sipline.test>" \
		"Call-ID: none" "CSeq: 9 REGISTER" "Contact: <sip:evil@127.0.0.1>;expires=0" \
		"Content-Length: 0" "" >"$D/8"
	printf '\r\n\r\n' >"$D/9"
	for f in 1 2 3 4 5 7 8 9; do
		udp_send 127.0.0.1 "$port" "$D/$f"
	done
	# A well-formed request may be that large: it is answered.
	[ "$(stat -c %s "$D/6")" = 65507 ]
	run -0 udp_exchange 127.0.0.1 "$port" "$D/6"
	assert_output 'SIP/2.0 200 OK'
	# Still there, still answering, still refreshing.
	run -0 sip-options "sip:127.0.0.1:$port"
	assert_line --index 0 --partial ': 200 OK'
	n=$(count reg refreshed)
	wait_for 5 has_events reg refreshed $((n + 1))
	kamailio_has_binding alice
	run -0 grep -c 'warning: dropping' "$D/reg.err"
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	kamailio_has_no_binding alice
}

# --- chain-loading

@test "chain-loading: the program gets the socket on fd 5, SIP_SOCKET_FD, SIP_CONTACT, no password" {
	kamailio_start
	# The program describes what it got, then waits for the test.
	start_bg reg sip-register -e 30 -- sh -c '
		echo "SIP_SOCKET_FD=$SIP_SOCKET_FD"
		echo "SIP_CONTACT=$SIP_CONTACT"
		env | grep "^SIP_PASSWORD" || echo "no password"
		ls -l /proc/$$/fd | sed -n "s/.* \([0-9]*\) -> \(.*\)/fd \1 \2/p"
		echo "pid $$"
		while [ ! -e "$1" ]; do sleep 0.05; done
		exit 3' sh "$D/go"
	wait_for 5 has_events reg registered
	wait_for 5 grep -q '^pid ' "$D/reg.out"
	run cat "$D/reg.out"
	assert_line SIP_SOCKET_FD=5
	assert_line 'no password'
	assert_line --regexp '^fd 5 socket:\[[0-9]+\]$'
	# fd 4: the registration channel (sipline(7)); this program does
	# not take it, so sip-register registers from a socket of its own.
	assert_line --regexp '^fd 4 socket:\[[0-9]+\]$'
	# Nothing else of sip-register's leaks into it.
	run -0 grep -c '^fd ' "$D/reg.out"
	assert_output 5
	run -0 grep -E '^fd [0-2] ' "$D/reg.out"
	contact=$(sed -n 's/^SIP_CONTACT=//p' "$D/reg.out")
	child=$(sed -n 's/^pid //p' "$D/reg.out")
	# That socket is the registered Contact's, and the binding is there.
	[[ $contact =~ ^sip:alice@127\.0\.0\.1:[0-9]+$ ]]
	run -0 events reg registered
	assert_output "sip-register: registered aor=sip:alice@sipline.test contact=<$contact> expires=30"
	run -0 ss -Hlunp "sport = :$(port_of "$contact")"
	assert_output --partial "pid=$child,fd=5"
	run -0 kamailio_bindings alice
	assert_output "$contact"
	# The program ends: unregistered, and its status is sip-register's.
	touch "$D/go"
	wait_bg reg 5
	assert_equal "$status" 3
	assert_line 'sip-register: child-exited status=3'
	assert_line --index -1 'sip-register: unregistered aor=sip:alice@sipline.test'
	kamailio_has_no_binding alice
}

@test "chain-loading: SIGTERM stops the program first, then unregisters; exit 0" {
	kamailio_start
	start_bg reg sip-register -e 30 -c 127.0.0.1 -- sh -c '
		trap "echo program: stopped >&2; exit 0" TERM
		while :; do sleep 0.05; done'
	wait_for 5 has_events reg registered
	kamailio_has_binding alice
	signal_bg reg TERM
	wait_bg reg 8
	assert_success
	assert_line --index -2 'program: stopped'
	assert_line --index -1 'sip-register: unregistered aor=sip:alice@sipline.test'
	refute_line --partial child-exited
	kamailio_has_no_binding alice
}

@test "chain-loading: --contact and TCP: the program gets the listening socket at that address" {
	kamailio_start
	port=$(free_port)
	start_bg reg sip-register -t tcp -c "127.0.0.1:$port" -- sh -c '
		echo "$SIP_SOCKET_FD $SIP_CONTACT $$"
		while [ ! -e "$1" ]; do sleep 0.05; done' sh "$D/go"
	wait_for 5 has_events reg registered
	wait_for 5 test -s "$D/reg.out"
	read -r fd contact child <"$D/reg.out"
	assert_equal "$fd" 5
	assert_equal "$contact" "sip:alice@127.0.0.1:$port;transport=tcp"
	run -0 ss -Htlnp "sport = :$port"
	assert_output --partial "pid=$child,fd=5"
	kamailio_has_binding alice "^sip:alice@127.0.0.1:$port;transport=tcp\$"
	touch "$D/go"
	wait_bg reg 5
	assert_success
	assert_line 'sip-register: child-exited status=0'
	kamailio_has_no_binding alice
}

@test "chain-loading: a program that ends at once, or cannot be run, leaves no binding" {
	# Without authentication the first REGISTER creates the binding, and
	# the program may end before its answer is in.
	kamailio_start NOAUTH
	for i in 1 2 3; do
		run -0 sip-register -e 60 -- true
		kamailio_has_no_binding alice
	done
	run -127 sip-register -e 60 -- /nonexistent/program
	assert_line --partial 'unable to run /nonexistent/program'
	assert_line 'sip-register: child-exited status=127'
	kamailio_has_no_binding alice
}

# --- the password

@test "chain-loading: a socket bound to every address registers the address the registrar reaches" {
	local port
	kamailio_start
	port=$(free_port)
	start_bg reg sip-register -c "0.0.0.0:$port" -- sleep 30
	wait_for 10 kamailio_has_binding alice
	run kamailio_bindings alice
	assert_output "sip:alice@127.0.0.1:$port"
	stop_bg reg
}

@test "the password: no option for it, never printed with -v, not in the process's environment" {
	kamailio_start
	run -100 sip-register --password alicepw --once
	kamailio_has_no_binding alice
	run -0 sip-register -v --once
	assert_line --partial 'registered aor='
	refute_output --partial alicepw
	start_bg reg sip-register -v -e 2
	wait_for 5 has_events reg refreshed
	pid=$(bg_pid reg)
	run -1 grep -a -c alicepw "/proc/$pid/environ" "/proc/$pid/cmdline"
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	refute_output --partial alicepw
}

@test "the password: SIP_PASSWORD_FILE; a file others can read gets a warning" {
	kamailio_start
	unset SIP_PASSWORD
	printf 'alicepw\n' >"$D/pw"
	chmod 600 "$D/pw"
	SIP_PASSWORD_FILE=$D/pw run -0 sip-register --once
	assert_output --regexp '^sip-register: registered aor=sip:alice@sipline.test '
	chmod 644 "$D/pw"
	SIP_PASSWORD_FILE=$D/pw run -0 sip-register --once
	assert_line --index 0 "sip-register: warning: $D/pw can be read by other users; run: chmod 600 $D/pw"
	assert_line --index 1 --partial 'registered aor='
	SIP_PASSWORD_FILE=$D/missing run -111 sip-register --once
	assert_output --partial "fatal: unable to read SIP_PASSWORD_FILE $D/missing"
	# SIP_PASSWORD wins over the file.
	printf 'wrong\n' >"$D/pw"
	SIP_PASSWORD=alicepw SIP_PASSWORD_FILE=$D/pw run -0 sip-register --once
}

# --- the manual

@test "man page: mandoc -Tlint clean, its SYNOPSIS is the --help usage" {
	page=$SIPLINE_TESTS/../man/sip-register.1
	run -0 mandoc -Tlint -Wwarning "$page"
	assert_output ""
	synopsis=$(mandoc -Tascii -Owidth=300 "$page" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS/{n;p;}' | tr -s ' ' | sed 's/^ //')
	usage=$(sip-register --help | awk '
		NR == 1 { sub(/^usage: /, ""); printf "%s", $0; next }
		/^ / && !done { printf " %s", $0; next }
		{ done = 1 }' | tr -s ' ')
	assert_equal "$synopsis" "$usage"
}

@test "register over TCP: the registrar restarts: the broken connection is made again and registered at once, not at the refresh 40 s later; so with sip-answer chain-loaded" {
	local t0
	kamailio_start
	start_bg reg sip-register -t tcp -e 60
	# Chain-loaded, the connection is sip-answer's (the channel says
	# when it breaks).
	start_bg chain env SIP_USER=bob SIP_PASSWORD=bobpw sip-register -t tcp -e 60 \
		-- sip-answer -R busy
	wait_for 5 grep -q '^sip-register: registered ' "$D/reg.err"
	wait_for 5 grep -q '^sip-register: registered ' "$D/chain.err"
	t0=$(sl_now_us)
	kamailio_restart
	wait_for 5 has_events reg connection-lost
	wait_for 5 has_events chain connection-lost
	run events reg connection-lost
	assert_output --regexp "^sip-register: connection-lost aor=sip:alice@sipline\\.test registrar=127\\.0\\.0\\.1:$KAM_PORT\$"
	# Kamailio is back; the retries after its refused connections find it.
	wait_for 10 kamailio_has_binding alice ';transport=tcp'
	wait_for 10 kamailio_has_binding bob ';transport=tcp'
	figure "registered again after the restart in $(seconds_since "$t0") s"
	bg_running reg
	bg_running chain
}

# back_after_failure NAME: job NAME registered (or refreshed) again after
# its first failed line; for wait_for.
back_after_failure() {
	sed -n '/^sip-register: failed /,$p' "$D/$1.err" | grep -q '^sip-register: \(registered\|refreshed\) '
}

@test "register over TCP: a refresh whose connection the registrar closes unanswered fails at once and is sent again, chain-loaded and standalone, not after timer F's 32 s" {
	local job t0
	kamailio_start CLOSEREG
	# Chain-loaded, the REGISTERs leave from sip-answer's connection and
	# its listening socket is no way back for their answers: this is the
	# case that waited 32 s when Kamailio restarted at the wrong moment.
	start_bg chain env SIP_USER=bob SIP_PASSWORD=bobpw sip-register -t tcp -e 6 \
		-- sip-answer -R busy
	wait_for 5 grep -q '^sip-register: registered ' "$D/chain.err"
	start_bg reg sip-register -t tcp -e 6
	wait_for 5 grep -q '^sip-register: registered ' "$D/reg.err"
	for job in chain reg; do
		# The next REGISTER over TCP (a refresh after 4 s) is read and
		# its connection closed, unanswered.
		kamailio_ctl pv.shvSet closereg int 1
		t0=$(sl_now_us)
		wait_for 8 has_events "$job" failed
		run events "$job" failed
		assert_output --regexp '^sip-register: failed aor=sip:(alice|bob)@sipline\.test reason="no response \(the connection was closed\)"$'
		wait_for 5 back_after_failure "$job"
		figure "$job: registered again $(seconds_since "$t0") s after the closed refresh was asked for"
	done
	# One REGISTER closed for each, one failure each: no other was lost.
	assert_equal "$(grep -c 'CLOSEREG: closing' "$KAM_LOG")" 2
	assert_equal "$(count chain failed) $(count reg failed)" "1 1"
	bg_running reg
	bg_running chain
}
